//! p-median: the p sites that minimise weighted service cost.

use highs::{RowProblem, Sense};

use crate::input::check_weights;
use crate::mip::{MipOutcome, chosen, site_bounds, solve};
use crate::{Costs, OptimizeError, Solution, SolveOptions};

/// Uncapacitated p-median: opens exactly `p` sites and serves every demand point from its cheapest open
/// site, minimising the weighted total cost. Only the pairs listed in `costs` may be used.
///
/// The formulation is the classic one (assignment variables per allowed pair, x ≤ y links); it is exact and
/// suits instances of up to some hundred thousand pairs.
///
/// # Errors
/// Weights that do not match the demand points or are negative; HiGHS failing.
pub fn solve_p_median(
    costs: &Costs,
    weights: &[f64],
    p: usize,
    options: &SolveOptions,
) -> Result<Solution, OptimizeError> {
    let n = costs.n_demand();
    let m = costs.n_sites();
    check_weights(weights, n)?;
    if let Some(reason) = options.p_conflict(p, m) {
        return Ok(Solution::infeasible(reason, n));
    }
    let mut problem = RowProblem::default();
    let y: Vec<_> = (0..m)
        .map(|j| {
            let (lo, hi) = site_bounds(j, options);
            problem.add_integer_column(0.0, lo..=hi)
        })
        .collect();
    let greedy = crate::greedy::p_median(costs, weights, p, options);
    let is_open = |j: usize| greedy.binary_search(&j).is_ok();
    let mut start: Option<Vec<f64>> = Some((0..m).map(|j| if is_open(j) { 1.0 } else { 0.0 }).collect());
    for (i, &weight) in weights.iter().enumerate() {
        let (sites, row_costs) = costs.row(i);
        let allowed: Vec<(usize, f64)> = sites
            .iter()
            .zip(row_costs)
            .map(|(&j, &c)| (j as usize, c))
            .filter(|(j, _)| !options.forbidden.contains(j))
            .collect();
        if allowed.is_empty() {
            return Ok(Solution::infeasible(
                format!("demand point {i} can be served by no allowed site"),
                n,
            ));
        }
        let x: Vec<_> = allowed
            .iter()
            .map(|&(_, c)| problem.add_column(weight * c, 0.0..=1.0))
            .collect();
        problem.add_row(1.0..=1.0, x.iter().map(|&c| (c, 1.0)));
        // Starting assignment: the cheapest open site; no start when the greedy plan cannot serve the point.
        let serving = allowed
            .iter()
            .enumerate()
            .filter(|(_, (j, _))| is_open(*j))
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(k, _)| k);
        start = match (start, serving) {
            (Some(mut s), Some(k)) => {
                s.extend((0..allowed.len()).map(|q| if q == k { 1.0 } else { 0.0 }));
                Some(s)
            }
            _ => None,
        };
        for (&xc, &(j, _)) in x.iter().zip(&allowed) {
            problem.add_row(..=0.0, [(xc, 1.0), (y[j], -1.0)]);
        }
    }
    problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
    let start = start.filter(|_| greedy.len() == p);
    match solve(problem, Sense::Minimise, options, start)? {
        MipOutcome::Infeasible => Ok(Solution::infeasible("no p sites can serve every demand point", n)),
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => {
            let sites = chosen(&values[..m]);
            // Each point to its cheapest open site: optimal for the chosen sites, and free of LP tolerances.
            let assignment: Vec<Option<usize>> = (0..n)
                .map(|i| {
                    let (row_sites, row_costs) = costs.row(i);
                    row_sites
                        .iter()
                        .zip(row_costs)
                        .filter(|(j, _)| sites.binary_search(&(**j as usize)).is_ok())
                        .min_by(|a, b| a.1.total_cmp(b.1))
                        .map(|(&j, _)| j as usize)
                })
                .collect();
            let objective = (0..n)
                .map(|i| {
                    assignment[i]
                        .and_then(|j| costs.cost(i, j))
                        .map_or(f64::INFINITY, |c| weights[i] * c)
                })
                .sum();
            Ok(Solution::plan(sites, assignment, objective, bound, proven))
        }
    }
}
