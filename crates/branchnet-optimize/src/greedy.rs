//! Greedy plans: a feasible incumbent for every MIP before it starts, so a time-limited solve always returns
//! a plan (and HiGHS starts from a good one).

use crate::{Costs, SolveOptions};

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
