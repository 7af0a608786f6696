//! A core-problem search for large instances, where the exact phases cannot run on every pair: the p-median
//! restricted to the sites that good plans and the LP use (Kernel search; Avella, Boccia, Salerno & Vasilyev
//! 2012 solve large p-medians on such cores). Sites every elite plan opens are fixed open, sites none of them
//! nor the LP uses are closed, so each client's list stops at its nearest always-open site and the core is
//! small enough for the exact phases. Its optimum is a plan of the full problem; its bound is not.

use tracing::debug;

use super::benders::{self, Exact, LP_PAIRS, Problem};
use super::heuristic::Open;
use crate::{OptimizeError, SolveOptions};

/// Sites at least this much open in an approximate LP solution belong to the core.
pub(crate) const SUPPORT: f64 = 0.01;

/// Solves the core made of `elite` plans (the incumbent first) and the LP `support`, within `options`; the
/// best core plan, or `None` when the core is too large for the exact phases.
pub(crate) fn search(
    problem: &Problem<'_>,
    elite: &[Open],
    support: &[f64],
    options: &SolveOptions,
) -> Result<Option<Open>, OptimizeError> {
    let site_bounds: Vec<(f64, f64)> = problem
        .site_bounds
        .iter()
        .enumerate()
        .map(|(j, &(lo, hi))| {
            if lo == hi {
                (lo, hi)
            } else if elite.iter().all(|plan| plan[j]) {
                (1.0, 1.0)
            } else if elite.iter().any(|plan| plan[j]) || support[j] > SUPPORT {
                (0.0, 1.0)
            } else {
                (0.0, 0.0)
            }
        })
        .collect();
    let lists = problem.lists.restricted(&site_bounds);
    let free = site_bounds.iter().filter(|(lo, hi)| lo < hi).count();
    let open = site_bounds.iter().filter(|(lo, _)| *lo > 0.0).count();
    debug!(free, open, pairs = lists.n_pairs(), "p-median core");
    if lists.n_pairs() > LP_PAIRS {
        return Ok(None);
    }
    let core = Problem {
        lists: &lists,
        weights: problem.weights,
        p: problem.p,
        site_bounds,
        integral: problem.integral,
    };
    Ok(match benders::solve(&core, elite[0].clone(), options)? {
        Exact::Plan { open, .. } => Some(open),
        Exact::Infeasible => None,
    })
}
