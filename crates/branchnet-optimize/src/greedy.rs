//! Greedy plans: a feasible incumbent for every MIP before it starts, so a time-limited solve always returns
//! a plan (and HiGHS starts from a good one).

use crate::{Costs, Coverage, SolveOptions};

/// Opens `p` sites one by one, each time the one that covers the most not-yet-covered weight (required sites
/// first, forbidden ones never). Returns the open sites.
pub(crate) fn mclp(coverage: &Coverage, weights: &[f64], p: usize, options: &SolveOptions) -> Vec<usize> {
    let m = coverage.n_sites();
    // Demand points covered by each site (the transpose of the coverage lists).
    let mut by_site: Vec<Vec<usize>> = vec![Vec::new(); m];
    for i in 0..coverage.n_demand() {
        for &j in coverage.sites_of(i) {
            by_site[j as usize].push(i);
        }
    }
    let mut covered = vec![false; coverage.n_demand()];
    let mut open: Vec<usize> = Vec::with_capacity(p);
    let take = |j: usize, covered: &mut Vec<bool>, open: &mut Vec<usize>| {
        open.push(j);
        by_site[j].iter().for_each(|&i| covered[i] = true);
    };
    for &j in &options.required {
        take(j, &mut covered, &mut open);
    }
    while open.len() < p {
        let gain = |j: usize| {
            by_site[j]
                .iter()
                .filter(|&&i| !covered[i])
                .map(|&i| weights[i])
                .sum::<f64>()
        };
        let best = (0..m)
            .filter(|j| !open.contains(j) && !options.forbidden.contains(j))
            .map(|j| (j, gain(j)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((j, _)) => take(j, &mut covered, &mut open),
            None => break,
        }
    }
    open.sort_unstable();
    open
}

/// Opens `p` sites one by one, each time the one that lowers the weighted service cost most (required sites
/// first, forbidden ones never). Returns the open sites.
pub(crate) fn p_median(costs: &Costs, weights: &[f64], p: usize, options: &SolveOptions) -> Vec<usize> {
    let n = costs.n_demand();
    let m = costs.n_sites();
    let mut best_cost = vec![f64::INFINITY; n];
    let mut open: Vec<usize> = Vec::with_capacity(p);
    let mut by_site: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    for i in 0..n {
        let (sites, row) = costs.row(i);
        for (&j, &c) in sites.iter().zip(row) {
            by_site[j as usize].push((i, c));
        }
    }
    let apply = |j: usize, best_cost: &mut Vec<f64>| {
        for &(i, c) in &by_site[j] {
            best_cost[i] = best_cost[i].min(c);
        }
    };
    for &j in &options.required {
        open.push(j);
        apply(j, &mut best_cost);
    }
    while open.len() < p {
        // Unserved points make every saving infinite; compare by (newly served weight, saving) instead.
        let score = |j: usize| {
            by_site[j].iter().fold((0.0, 0.0), |(served, saving), &(i, c)| {
                if best_cost[i].is_infinite() {
                    (served + weights[i], saving)
                } else {
                    (served, saving + weights[i] * (best_cost[i] - c).max(0.0))
                }
            })
        };
        let best = (0..m)
            .filter(|j| !open.contains(j) && !options.forbidden.contains(j))
            .map(|j| (j, score(j)))
            .max_by(|a, b| {
                a.1.0
                    .total_cmp(&b.1.0)
                    .then(a.1.1.total_cmp(&b.1.1))
                    .then(b.0.cmp(&a.0))
            });
        match best {
            Some((j, _)) => {
                open.push(j);
                apply(j, &mut best_cost);
            }
            None => break,
        }
    }
    open.sort_unstable();
    open
}
