//! MCLP: the p sites that cover the most weighted demand.

use highs::{RowProblem, Sense};

use crate::input::check_weights;
use crate::mip::{MipOutcome, chosen, site_bounds, solve};
use crate::{Coverage, OptimizeError, Solution, SolveOptions};

/// Maximal covering location: opens exactly `p` sites to maximise the weight of covered demand.
///
/// Demand points with identical coverage sets are merged into one row with their summed weight (exact, and
/// what makes a million cells tractable). `coverage` of a point is binary here; each group's coverage variable
/// is continuous because it is integral at every optimum once the site variables are.
///
/// # Errors
/// Weights that do not match the demand points or are negative; HiGHS failing.
pub fn solve_mclp(
    coverage: &Coverage,
    weights: &[f64],
    p: usize,
    options: &SolveOptions,
) -> Result<Solution, OptimizeError> {
    let n = coverage.n_demand();
    check_weights(weights, n)?;
    if let Some(reason) = options.p_conflict(p, coverage.n_sites()) {
        return Ok(Solution::infeasible(reason, n));
    }
    let mut problem = RowProblem::default();
    let y: Vec<_> = (0..coverage.n_sites())
        .map(|j| {
            let (lo, hi) = site_bounds(j, options);
            problem.add_integer_column(0.0, lo..=hi)
        })
        .collect();
    let greedy = crate::greedy::mclp(coverage, weights, p, options);
    let mut start: Vec<f64> = (0..coverage.n_sites())
        .map(|j| {
            if greedy.binary_search(&j).is_ok() {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    for (sites, members) in coverage.groups() {
        if sites.is_empty() {
            continue; // never coverable: contributes nothing
        }
        start.push(
            if sites.iter().any(|&j| greedy.binary_search(&(j as usize)).is_ok()) {
                1.0
            } else {
                0.0
            },
        );
        let weight: f64 = members.iter().map(|&i| weights[i]).sum();
        let z = problem.add_column(weight, 0.0..=1.0);
        problem.add_row(
            ..=0.0,
            std::iter::once((z, 1.0)).chain(sites.iter().map(|&j| (y[j as usize], -1.0))),
        );
    }
    problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
    let start = (greedy.len() == p).then_some(start);
    match solve(problem, Sense::Maximise, options, start)? {
        MipOutcome::Infeasible => Ok(Solution::infeasible(
            "no p sites satisfy the required/forbidden sites",
            n,
        )),
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => {
            let sites = chosen(&values[..coverage.n_sites()]);
            let assignment = coverage.first_open(&sites);
            // The objective recomputed from the plan itself, free of solver tolerances.
            let objective = assignment
                .iter()
                .zip(weights)
                .filter(|(a, _)| a.is_some())
                .map(|(_, w)| w)
                .sum();
            Ok(Solution::plan(sites, assignment, objective, bound, proven))
        }
    }
}
