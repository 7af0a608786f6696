//! LSCP: the fewest sites that cover every demand point.

use highs::{RowProblem, Sense};

use crate::mip::{MipOutcome, chosen, site_bounds, solve};
use crate::{Coverage, OptimizeError, Solution, SolveOptions};

/// Location set covering: opens the fewest sites such that every demand point is covered by one.
///
/// Demand points with identical coverage sets share one constraint. A point that no allowed site covers makes
/// the model infeasible, and the status says which point.
///
/// # Errors
/// When HiGHS fails.
pub fn solve_lscp(coverage: &Coverage, options: &SolveOptions) -> Result<Solution, OptimizeError> {
    let n = coverage.n_demand();
    let mut problem = RowProblem::default();
    let y: Vec<_> = (0..coverage.n_sites())
        .map(|j| {
            let (lo, hi) = site_bounds(j, options);
            problem.add_integer_column(1.0, lo..=hi)
        })
        .collect();
    for (sites, members) in coverage.groups() {
        let allowed: Vec<_> = sites
            .iter()
            .filter(|&&j| !options.forbidden.contains(&(j as usize)))
            .collect();
        if allowed.is_empty() {
            return Ok(Solution::infeasible(
                format!(
                    "demand point {} (and {} more with the same coverage) is covered by no allowed site",
                    members[0],
                    members.len() - 1
                ),
                n,
            ));
        }
        problem.add_row(1.0.., allowed.iter().map(|&&j| (y[j as usize], 1.0)));
    }
    // Every allowed site open covers everything coverable: a feasible start.
    let start = (0..coverage.n_sites())
        .map(|j| site_bounds(j, options).1)
        .collect();
    match solve(problem, Sense::Minimise, options, Some(start))? {
        MipOutcome::Infeasible => Ok(Solution::infeasible(
            "no set of sites covers every demand point",
            n,
        )),
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => {
            let sites = chosen(&values);
            let objective = sites.len() as f64;
            let assignment = coverage.first_open(&sites);
            // The bound of a count can be rounded up.
            Ok(Solution::plan(sites, assignment, objective, bound.ceil(), proven))
        }
    }
}
