//! Sparse inputs: which sites cover each demand point, and at what cost each may be served.

use std::collections::HashMap;

use ndarray::ArrayView2;

use crate::{OptimizeError, SolveOptions};

/// For each demand point, the sites that cover it (compressed sparse rows).
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    n_sites: usize,
    offsets: Vec<usize>,
    sites: Vec<u32>,
}

impl Coverage {
    /// Builds coverage from one list of site indexes per demand point (duplicates are ignored).
    ///
    /// # Errors
    /// A site index `>= n_sites`.
    pub fn from_lists<I, L>(n_sites: usize, lists: I) -> Result<Self, OptimizeError>
    where
        I: IntoIterator<Item = L>,
        L: IntoIterator<Item = usize>,
    {
        let mut offsets = vec![0];
        let mut sites = Vec::new();
        for list in lists {
            let start = sites.len();
            for site in list {
                if site >= n_sites {
                    return Err(OptimizeError::UnknownSite {
                        what: "coverage",
                        site,
                        sites: n_sites,
                    });
                }
                sites.push(site as u32);
            }
            sites[start..].sort_unstable();
            let mut row: Vec<u32> = sites.split_off(start);
            row.dedup();
            sites.extend(row);
            offsets.push(sites.len());
        }
        Ok(Self {
            n_sites,
            offsets,
            sites,
        })
    }

    /// From compressed sparse rows as a neighbour search returns them: point `i` is covered by
    /// `sites[offsets[i]..offsets[i + 1]]`, ascending.
    ///
    /// # Errors
    /// Offsets that do not start at 0, decrease or overrun; a site `>= n_sites`; a row not strictly ascending.
    pub fn from_csr(n_sites: usize, offsets: Vec<usize>, sites: Vec<u32>) -> Result<Self, OptimizeError> {
        check_csr(n_sites, &offsets, &sites, "coverage")?;
        Ok(Self {
            n_sites,
            offsets,
            sites,
        })
    }

    /// The sites within `radius` of each demand point, by the given costs (cost ≤ radius covers).
    pub fn within(costs: &Costs, radius: f64) -> Self {
        let mut offsets = vec![0];
        let mut sites = Vec::new();
        for i in 0..costs.n_demand() {
            let (row_sites, row_costs) = costs.row(i);
            sites.extend(
                row_sites
                    .iter()
                    .zip(row_costs)
                    .filter(|(_, c)| **c <= radius)
                    .map(|(s, _)| *s),
            );
            offsets.push(sites.len());
        }
        Self {
            n_sites: costs.n_sites(),
            offsets,
            sites,
        }
    }

    /// Number of demand points.
    pub fn n_demand(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of sites.
    pub fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// The sites covering demand point `i`, ascending.
    pub fn sites_of(&self, i: usize) -> &[u32] {
        &self.sites[self.offsets[i]..self.offsets[i + 1]]
    }

    /// For each demand point, the lowest-numbered open site covering it (`open` ascending).
    pub(crate) fn first_open(&self, open: &[usize]) -> Vec<Option<usize>> {
        (0..self.n_demand())
            .map(|i| {
                self.sites_of(i)
                    .iter()
                    .map(|&j| j as usize)
                    .find(|j| open.binary_search(j).is_ok())
            })
            .collect()
    }

    /// Demand points grouped by identical coverage sets: (covering sites, member points). Merging them is
    /// exact for covering models and shrinks a million cells to a few thousand rows.
    pub(crate) fn groups(&self) -> Vec<(&[u32], Vec<usize>)> {
        let mut index: HashMap<&[u32], usize> = HashMap::new();
        let mut groups: Vec<(&[u32], Vec<usize>)> = Vec::new();
        for i in 0..self.n_demand() {
            let key = self.sites_of(i);
            let g = *index.entry(key).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
        }
        groups
    }
}

/// For each demand point, the sites it may be served from and the cost of each (compressed sparse rows).
#[derive(Debug, Clone, PartialEq)]
pub struct Costs {
    n_sites: usize,
    offsets: Vec<usize>,
    sites: Vec<u32>,
    costs: Vec<f64>,
}

impl Costs {
    /// From a dense matrix, demand points by sites; non-finite entries mean "cannot be served from there".
    ///
    /// # Errors
    /// A negative cost.
    pub fn from_dense(matrix: ArrayView2<'_, f64>) -> Result<Self, OptimizeError> {
        let triples = matrix
            .indexed_iter()
            .filter(|(_, c)| c.is_finite())
            .map(|((i, j), &c)| (i, j, c));
        Self::from_triples(matrix.nrows(), matrix.ncols(), triples)
    }

    /// From a long origin/destination table (demand, site, cost), as OSRM, r5 or Valhalla write them. Pairs
    /// that are not listed cannot be served; a pair listed twice keeps its last cost.
    ///
    /// # Errors
    /// An index out of range, or a cost that is negative or not finite.
    pub fn from_triples(
        n_demand: usize,
        n_sites: usize,
        triples: impl IntoIterator<Item = (usize, usize, f64)>,
    ) -> Result<Self, OptimizeError> {
        let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n_demand];
        for (k, (i, j, c)) in triples.into_iter().enumerate() {
            if i >= n_demand {
                return Err(OptimizeError::Shape {
                    what: "costs (demand index)",
                    expected: n_demand,
                    found: i + 1,
                });
            }
            if j >= n_sites {
                return Err(OptimizeError::UnknownSite {
                    what: "costs",
                    site: j,
                    sites: n_sites,
                });
            }
            if !(c.is_finite() && c >= 0.0) {
                return Err(OptimizeError::BadNumber {
                    what: "costs",
                    index: k,
                    value: c,
                });
            }
            rows[i].push((j as u32, c));
        }
        let mut offsets = vec![0];
        let (mut sites, mut costs) = (Vec::new(), Vec::new());
        for mut row in rows {
            // Stable sort keeps listing order among equal sites, so the last listed cost wins below.
            row.sort_by_key(|&(j, _)| j);
            for (k, &(j, c)) in row.iter().enumerate() {
                if row.get(k + 1).is_some_and(|&(next, _)| next == j) {
                    continue;
                }
                sites.push(j);
                costs.push(c);
            }
            offsets.push(sites.len());
        }
        Ok(Self {
            n_sites,
            offsets,
            sites,
            costs,
        })
    }

    /// From compressed sparse rows as a neighbour search returns them: point `i` may be served from
    /// `sites[offsets[i]..offsets[i + 1]]` (ascending) at the matching `costs`.
    ///
    /// # Errors
    /// Offsets that do not start at 0, decrease or overrun; a site `>= n_sites`; a row not strictly
    /// ascending; a cost that is negative or not finite.
    pub fn from_csr(
        n_sites: usize,
        offsets: Vec<usize>,
        sites: Vec<u32>,
        costs: Vec<f64>,
    ) -> Result<Self, OptimizeError> {
        check_csr(n_sites, &offsets, &sites, "costs")?;
        if costs.len() != sites.len() {
            return Err(OptimizeError::Shape {
                what: "costs (one per listed site)",
                expected: sites.len(),
                found: costs.len(),
            });
        }
        if let Some(index) = costs.iter().position(|c| !(c.is_finite() && *c >= 0.0)) {
            return Err(OptimizeError::BadNumber {
                what: "costs",
                index,
                value: costs[index],
            });
        }
        Ok(Self {
            n_sites,
            offsets,
            sites,
            costs,
        })
    }

    /// Number of demand points.
    pub fn n_demand(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of sites.
    pub fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// The sites demand point `i` may be served from, ascending, and their costs.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.sites[r.clone()], &self.costs[r])
    }

    /// The cost of serving `i` from `j`, if allowed.
    pub fn cost(&self, i: usize, j: usize) -> Option<f64> {
        let (sites, costs) = self.row(i);
        sites.binary_search(&(j as u32)).ok().map(|k| costs[k])
    }
}

/// Checks compressed sparse rows: offsets from 0, non-decreasing, ending at the number of entries; sites in
/// range and strictly ascending within a row.
fn check_csr(
    n_sites: usize,
    offsets: &[usize],
    sites: &[u32],
    what: &'static str,
) -> Result<(), OptimizeError> {
    let well_formed = offsets.first() == Some(&0)
        && offsets.last() == Some(&sites.len())
        && offsets.windows(2).all(|w| w[0] <= w[1]);
    if !well_formed {
        return Err(OptimizeError::Shape {
            what: "row offsets (from 0, non-decreasing, ending at the number of entries)",
            expected: sites.len(),
            found: offsets.last().copied().unwrap_or(0),
        });
    }
    if let Some(&site) = sites.iter().find(|&&j| j as usize >= n_sites) {
        return Err(OptimizeError::UnknownSite {
            what,
            site: site as usize,
            sites: n_sites,
        });
    }
    for (i, w) in offsets.windows(2).enumerate() {
        if sites[w[0]..w[1]].windows(2).any(|s| s[0] >= s[1]) {
            return Err(OptimizeError::Unsorted { what, row: i });
        }
    }
    Ok(())
}

/// Checks that every required and forbidden site exists.
pub(crate) fn check_sites(options: &SolveOptions, n_sites: usize) -> Result<(), OptimizeError> {
    let named = [
        ("required sites", &options.required),
        ("forbidden sites", &options.forbidden),
    ];
    for (what, list) in named {
        if let Some(&site) = list.iter().find(|&&j| j >= n_sites) {
            return Err(OptimizeError::UnknownSite {
                what,
                site,
                sites: n_sites,
            });
        }
    }
    Ok(())
}

/// Checks demand weights: one per point, finite and ≥ 0.
pub(crate) fn check_weights(weights: &[f64], n_demand: usize) -> Result<(), OptimizeError> {
    check_amounts("weights", weights, n_demand)
}

/// Checks per-point or per-site amounts (weights, demands, capacities, costs): `expected` of them, each
/// finite and ≥ 0.
pub(crate) fn check_amounts(
    what: &'static str,
    values: &[f64],
    expected: usize,
) -> Result<(), OptimizeError> {
    if values.len() != expected {
        return Err(OptimizeError::Shape {
            what,
            expected,
            found: values.len(),
        });
    }
    match values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        Some(index) => Err(OptimizeError::BadNumber {
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples_keep_the_last_cost_of_a_repeated_pair() {
        let c =
            Costs::from_triples(2, 3, [(0, 2, 5.0), (0, 1, 1.0), (0, 2, 7.0), (1, 0, 0.0)]).expect("valid");
        assert_eq!(c.row(0), (&[1, 2][..], &[1.0, 7.0][..]));
        assert_eq!(c.cost(1, 0), Some(0.0));
        assert_eq!(c.cost(1, 2), None);
        assert!(Costs::from_triples(1, 1, [(0, 0, -1.0)]).is_err());
        let cov = Coverage::within(&c, 5.0);
        assert_eq!(cov.sites_of(0), &[1]);
        assert_eq!(cov.sites_of(1), &[0]);
    }

    #[test]
    fn a_dense_matrix_skips_non_finite_entries() {
        let m = ndarray::array![[1.0, f64::INFINITY], [f64::NAN, 2.5]];
        let c = Costs::from_dense(m.view()).expect("valid");
        assert_eq!(c.row(0), (&[0][..], &[1.0][..]));
        assert_eq!(c.row(1), (&[1][..], &[2.5][..]));
        assert!(Costs::from_dense(ndarray::array![[-1.0]].view()).is_err());
    }

    #[test]
    fn identical_coverage_sets_merge() {
        let cov = Coverage::from_lists(3, [vec![0, 2], vec![2, 0, 2], vec![1], vec![]]).expect("valid");
        let groups = cov.groups();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0], (&[0u32, 2][..], vec![0, 1]));
    }
}
