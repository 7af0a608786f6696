//! Each client's allowed sites sorted by cost: what the greedy, the interchange and the Benders cuts walk.

use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;

use crate::Costs;

/// For each client, the sites it may be served from (forbidden ones removed), nearest first.
pub(crate) struct ServiceLists {
    offsets: Vec<usize>,
    sites: Vec<u32>,
    costs: Vec<f64>,
    n_sites: usize,
}

impl ServiceLists {
    /// Sorts every row of `costs` by cost (ties by site), leaving out the sites `allowed` rejects.
    pub(crate) fn new(costs: &Costs, allowed: &[bool]) -> Self {
        let rows: Vec<Vec<(f64, u32)>> = (0..costs.n_demand())
            .into_par_iter()
            .map(|i| {
                let (sites, row) = costs.row(i);
                let mut pairs: Vec<(f64, u32)> = sites
                    .iter()
                    .zip(row)
                    .filter(|(j, _)| allowed[**j as usize])
                    .map(|(&j, &c)| (c, j))
                    .collect();
                pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                pairs
            })
            .collect();
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        let total = rows.iter().map(Vec::len).sum();
        let (mut sites, mut costs_out) = (Vec::with_capacity(total), Vec::with_capacity(total));
        for row in rows {
            for (c, j) in row {
                costs_out.push(c);
                sites.push(j);
            }
            offsets.push(sites.len());
        }
        Self {
            offsets,
            sites,
            costs: costs_out,
            n_sites: costs.n_sites(),
        }
    }

    /// The lists without the sites fixed closed and cut after each client's first site fixed open (it never
    /// goes farther): the pairs a plan within `site_bounds` can use, at the same costs.
    pub(crate) fn restricted(&self, site_bounds: &[(f64, f64)]) -> Self {
        let all: Vec<usize> = (0..self.n_clients()).collect();
        self.subset(&all, site_bounds)
    }

    /// The rows of `clients` only (in that order), restricted as [`restricted`](Self::restricted) does: the
    /// lists of a subproblem over part of the clients.
    pub(crate) fn subset(&self, clients: &[usize], site_bounds: &[(f64, f64)]) -> Self {
        let mut offsets = Vec::with_capacity(clients.len() + 1);
        offsets.push(0);
        let (mut sites, mut costs) = (Vec::new(), Vec::new());
        for &i in clients {
            let (row_sites, row_costs) = self.row(i);
            for (&j, &c) in row_sites.iter().zip(row_costs) {
                let (lo, hi) = site_bounds[j as usize];
                if hi == 0.0 {
                    continue;
                }
                sites.push(j);
                costs.push(c);
                if lo > 0.0 {
                    break;
                }
            }
            offsets.push(sites.len());
        }
        Self {
            offsets,
            sites,
            costs,
            n_sites: self.n_sites,
        }
    }

    /// A hash of these lists over `clients` with `site_bounds` (what they were built from): a subproblem
    /// with equal clients, lists and bounds hashes equal, and the hash is the same from run to run.
    pub(crate) fn fingerprint(&self, clients: &[usize], site_bounds: &[(f64, f64)]) -> u64 {
        let mut hasher = DefaultHasher::new();
        clients.hash(&mut hasher);
        self.offsets.hash(&mut hasher);
        self.sites.hash(&mut hasher);
        for &(lo, hi) in site_bounds {
            (lo.to_bits(), hi.to_bits()).hash(&mut hasher);
        }
        hasher.finish()
    }

    /// Number of clients.
    pub(crate) fn n_clients(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of sites (allowed or not).
    pub(crate) fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// Number of (client, site) pairs.
    pub(crate) fn n_pairs(&self) -> usize {
        self.sites.len()
    }

    /// Client `i`'s sites and costs, nearest first.
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.sites[r.clone()], &self.costs[r])
    }

    /// The first client with no allowed site, if any.
    pub(crate) fn unservable(&self) -> Option<usize> {
        (0..self.n_clients()).find(|&i| self.offsets[i] == self.offsets[i + 1])
    }

    /// Whether client `i` may use every allowed site (then `Σ y = p` already implies it is served).
    pub(crate) fn lists_all(&self, i: usize, n_allowed: usize) -> bool {
        self.offsets[i + 1] - self.offsets[i] == n_allowed
    }

    /// The cheapest open site of client `i` and its cost.
    pub(crate) fn nearest_open(&self, i: usize, open: &[bool]) -> Option<(usize, f64)> {
        let (sites, costs) = self.row(i);
        sites
            .iter()
            .zip(costs)
            .find(|(j, _)| open[**j as usize])
            .map(|(&j, &c)| (j as usize, c))
    }

    /// Weighted cost of serving every client from its nearest open site; infinite if one cannot be served.
    pub(crate) fn total_cost(&self, weights: &[f64], open: &[bool]) -> f64 {
        let per_client: Vec<f64> = (0..self.n_clients())
            .into_par_iter()
            .map(|i| {
                self.nearest_open(i, open)
                    .map_or(f64::INFINITY, |(_, c)| weights[i] * c)
            })
            .collect();
        // Summed in order, so the same plan always has the same cost to the last bit.
        per_client.iter().sum()
    }
}
