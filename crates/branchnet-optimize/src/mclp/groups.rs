//! Demand points merged by identical coverage sets, with their summed weight: exact for covering models and
//! what turns a million points into thousands of rows.

use crate::Coverage;

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
    /// count for no plan).
    pub(crate) fn new(coverage: &Coverage, weights: &[f64]) -> Self {
        let mut offsets = vec![0];
        let mut sites = Vec::new();
        let mut group_weights = Vec::new();
        for (covering, members) in coverage.groups() {
            if covering.is_empty() {
                continue;
            }
            sites.extend_from_slice(covering);
            offsets.push(sites.len());
            group_weights.push(members.iter().map(|&i| weights[i]).sum());
        }
        let m = coverage.n_sites();
        let mut counts = vec![0usize; m + 1];
        for &j in &sites {
            counts[j as usize + 1] += 1;
        }
        for j in 0..m {
            counts[j + 1] += counts[j];
        }
        let by_site_offsets = counts.clone();
        let mut by_site = vec![0u32; sites.len()];
        for g in 0..group_weights.len() {
            for &j in &sites[offsets[g]..offsets[g + 1]] {
                by_site[counts[j as usize]] = g as u32;
                counts[j as usize] += 1;
            }
        }
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
