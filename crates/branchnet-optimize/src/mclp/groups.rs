//! Demand points merged by identical coverage sets, with their summed weight: exact for covering models and
//! what turns a million points into thousands of rows.

use rayon::prelude::*;

use crate::Coverage;

/// FNV-1a over the site numbers: cheap, and the same on every run.
fn list_hash(sites: &[u32]) -> u64 {
    sites.iter().fold(0xcbf2_9ce4_8422_2325, |h, &j| {
        (h ^ u64::from(j)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Each site's groups, ascending, from the groups' site lists.
fn transpose(n_sites: usize, offsets: &[usize], sites: &[u32]) -> (Vec<usize>, Vec<u32>) {
    let mut counts = vec![0usize; n_sites + 1];
    for &j in sites {
        counts[j as usize + 1] += 1;
    }
    for j in 0..n_sites {
        counts[j + 1] += counts[j];
    }
    let mut cursor = counts[..n_sites].to_vec();
    let mut by_site = vec![0u32; sites.len()];
    for g in 0..offsets.len() - 1 {
        for &j in &sites[offsets[g]..offsets[g + 1]] {
            by_site[cursor[j as usize]] = g as u32;
            cursor[j as usize] += 1;
        }
    }
    (counts, by_site)
}

/// Coverage groups in compressed sparse rows, plus each site's groups (the transpose).
pub(crate) struct Groups {
    offsets: Vec<usize>,
    sites: Vec<u32>,
    /// Summed weight per group.
    pub(crate) weights: Vec<f64>,
    by_site_offsets: Vec<usize>,
    by_site: Vec<u32>,
}

impl Groups {
    /// Merges the points of `coverage` with the same covering sites; points no site covers are left out (they
    /// count for no plan). Groups with the same lowest-numbered site are consecutive. They are found by a
    /// parallel sort of the points on (lowest site, hash of the list): far cheaper than a map keyed by a
    /// million lists or a sort comparing them.
    pub(crate) fn new(coverage: &Coverage, weights: &[f64]) -> Self {
        let mut points: Vec<(u32, u64, u32)> = (0..coverage.n_demand())
            .into_par_iter()
            .filter_map(|i| {
                let covering = coverage.sites_of(i);
                let first = *covering.first()?;
                Some((first, list_hash(covering), i as u32))
            })
            .collect();
        // Ties by index: the same order, and so the same summed weights, on every run. Two lists with the
        // same hash (never seen with 64 bits) would only split a group in two: still exact.
        points.par_sort_unstable();
        let list = |k: usize| coverage.sites_of(points[k].2 as usize);
        // A group starts where the list differs from the previous point's.
        let starts: Vec<usize> = (0..points.len())
            .into_par_iter()
            .filter(|&k| {
                k == 0
                    || (points[k].0, points[k].1) != (points[k - 1].0, points[k - 1].1)
                    || list(k) != list(k - 1)
            })
            .chain(rayon::iter::once(points.len()))
            .collect();
        let n_groups = starts.len() - 1;
        let mut offsets = Vec::with_capacity(n_groups + 1);
        offsets.push(0);
        let mut sites = Vec::new();
        for &start in &starts[..n_groups] {
            sites.extend_from_slice(list(start));
            offsets.push(sites.len());
        }
        let group_weights: Vec<f64> = (0..n_groups)
            .into_par_iter()
            .map(|g| {
                points[starts[g]..starts[g + 1]]
                    .iter()
                    .map(|p| weights[p.2 as usize])
                    .sum()
            })
            .collect();
        let (by_site_offsets, by_site) = transpose(coverage.n_sites(), &offsets, &sites);
        Self {
            offsets,
            sites,
            weights: group_weights,
            by_site_offsets,
            by_site,
        }
    }

    /// Number of groups.
    pub(crate) fn len(&self) -> usize {
        self.weights.len()
    }

    /// Number of sites.
    pub(crate) fn n_sites(&self) -> usize {
        self.by_site_offsets.len() - 1
    }

    /// The sites covering group `g`.
    pub(crate) fn sites_of(&self, g: usize) -> &[u32] {
        &self.sites[self.offsets[g]..self.offsets[g + 1]]
    }

    /// The groups site `j` covers.
    pub(crate) fn groups_of(&self, j: usize) -> &[u32] {
        &self.by_site[self.by_site_offsets[j]..self.by_site_offsets[j + 1]]
    }

    /// Weight covered by the open sites.
    pub(crate) fn covered(&self, open: &[bool]) -> f64 {
        (0..self.len())
            .filter(|&g| self.sites_of(g).iter().any(|&j| open[j as usize]))
            .map(|g| self.weights[g])
            .sum()
    }
}

/// Random points and sites on a 100 × 100 square, a site covering the points within `radius`; weights 1 to 5.
#[cfg(test)]
pub(crate) fn random_groups(seed: u64, n: usize, m: usize, radius: f64) -> Groups {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |count: usize| -> Vec<[f64; 2]> {
        (0..count)
            .map(|_| [rng.random_range(0.0..100.0), rng.random_range(0.0..100.0)])
            .collect()
    };
    let points = draw(n);
    let sites = draw(m);
    let lists = points.iter().map(|a| {
        (0..m)
            .filter(|&j| (a[0] - sites[j][0]).hypot(a[1] - sites[j][1]) <= radius)
            .collect::<Vec<_>>()
    });
    let coverage = Coverage::from_lists(m, lists).expect("valid");
    let weights: Vec<f64> = (0..n).map(|i| 1.0 + (i * 7 % 13) as f64 / 3.0).collect();
    Groups::new(&coverage, &weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_merge_equal_lists_and_keep_every_point_s_weight() {
        let lists = [
            vec![3, 1],
            vec![],
            vec![1, 3],
            vec![2],
            vec![0, 2],
            vec![2],
            vec![1, 3],
        ];
        let coverage = Coverage::from_lists(4, lists).expect("valid");
        let weights = [1.0, 100.0, 2.0, 4.0, 8.0, 16.0, 32.0];
        let groups = Groups::new(&coverage, &weights);
        let mut found: Vec<(Vec<u32>, f64)> = (0..groups.len())
            .map(|g| (groups.sites_of(g).to_vec(), groups.weights[g]))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            vec![(vec![0, 2], 8.0), (vec![1, 3], 35.0), (vec![2], 20.0)]
        );
        // Groups sharing a lowest site are consecutive; each site lists its groups.
        for g in 1..groups.len() {
            assert!(groups.sites_of(g - 1)[0] <= groups.sites_of(g)[0]);
        }
        for j in 0..4 {
            let listed: Vec<usize> = groups.groups_of(j).iter().map(|&g| g as usize).collect();
            let expected: Vec<usize> = (0..groups.len())
                .filter(|&g| groups.sites_of(g).contains(&(j as u32)))
                .collect();
            assert_eq!(listed, expected, "site {j}");
        }
        let mut open = vec![false; 4];
        open[2] = true;
        assert_eq!(groups.covered(&open), 28.0);
    }
}
