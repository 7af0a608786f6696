//! The HiGHS adapter: solve a built problem under the options, read status, objective, bound and gap.

use highs::{HighsModelStatus, HighsSolutionStatus, RowProblem, Sense};
use tracing::debug;

use crate::{OptimizeError, SolveOptions};

/// How HiGHS ended, in the terms the models need.
pub(crate) enum MipOutcome {
    /// A plan: its column values and the dual bound; `proven` when HiGHS proved it optimal. The models
    /// recompute objective and gap from the plan itself, free of solver tolerances.
    Plan {
        values: Vec<f64>,
        bound: f64,
        proven: bool,
    },
    /// HiGHS proved that no plan exists.
    Infeasible,
}

/// Solves `problem` with the options' gap, time limit and threads.
///
/// `start`, a feasible plan (one value per column), seeds the search and is what comes back when a limit
/// stops HiGHS before it finds a plan of its own — so a time limit never leaves the caller without a plan.
pub(crate) fn solve(
    problem: RowProblem,
    sense: Sense,
    options: &SolveOptions,
    start: Option<Vec<f64>>,
) -> Result<MipOutcome, OptimizeError> {
    let mut model = problem
        .try_optimise(sense)
        .map_err(|e| OptimizeError::Solver(format!("cannot build the model: {e:?}")))?;
    model.make_quiet();
    let failed =
        |key: &'static str| move |e| OptimizeError::Solver(format!("cannot set option {key}: {e:?}"));
    model
        .try_set_option("mip_rel_gap", options.mip_rel_gap)
        .map_err(failed("mip_rel_gap"))?;
    model
        .try_set_option("threads", options.threads.max(1) as i32)
        .map_err(failed("threads"))?;
    if let Some(limit) = options.time_limit_s {
        model
            .try_set_option("time_limit", limit)
            .map_err(failed("time_limit"))?;
    }
    if let Some(start) = &start {
        model
            .try_set_solution(Some(start), None, None, None)
            .map_err(|e| OptimizeError::Solver(format!("cannot pass the starting plan: {e:?}")))?;
    }
    let solved = model
        .try_solve()
        .map_err(|e| OptimizeError::Solver(format!("{e:?}")))?;
    let status = solved.status();
    debug!(?status, "HiGHS finished");
    let proven = match status {
        HighsModelStatus::Optimal => true,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Ok(MipOutcome::Infeasible);
        }
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit
        | HighsModelStatus::ObjectiveBound
        | HighsModelStatus::ObjectiveTarget => false,
        other => {
            return Err(OptimizeError::Solver(format!(
                "HiGHS ended with status {other:?}"
            )));
        }
    };
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        let bound = solved.double_info_value(c"mip_dual_bound").unwrap_or(f64::NAN);
        return match start {
            // Stopped before HiGHS had a plan of its own: the starting plan is the incumbent.
            Some(values) => Ok(MipOutcome::Plan {
                values,
                bound,
                proven: false,
            }),
            None => Err(OptimizeError::Solver(format!(
                "HiGHS stopped ({status:?}) before finding any plan; give it more time"
            ))),
        };
    }
    Ok(MipOutcome::Plan {
        values: solved.get_solution().columns().to_vec(),
        bound: solved.double_info_value(c"mip_dual_bound").unwrap_or(f64::NAN),
        proven,
    })
}

/// One binary column per site, each costing `cost`, fixed open or closed as the options say.
pub(crate) fn add_site_columns(
    problem: &mut RowProblem,
    n_sites: usize,
    cost: f64,
    options: &SolveOptions,
) -> Vec<highs::Col> {
    (0..n_sites)
        .map(|j| {
            let (lo, hi) = site_bounds(j, options);
            problem.add_integer_column(cost, lo..=hi)
        })
        .collect()
}

/// Column bounds of a site variable under the options: fixed open, fixed closed, or free.
pub(crate) fn site_bounds(site: usize, options: &SolveOptions) -> (f64, f64) {
    if options.forbidden.contains(&site) {
        (0.0, 0.0)
    } else if options.required.contains(&site) {
        (1.0, 1.0)
    } else {
        (0.0, 1.0)
    }
}

/// The indexes whose value rounds to one.
pub(crate) fn chosen(values: &[f64]) -> Vec<usize> {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.5)
        .map(|(j, _)| j)
        .collect()
}
