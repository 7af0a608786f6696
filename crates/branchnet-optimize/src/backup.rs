//! LSCP-B: backup coverage (Hogan and ReVelle, 1986) — cover everything with the fewest sites, then among
//! such plans cover as much demand as possible twice.

use std::time::Instant;

use highs::{RowProblem, Sense};

use crate::input::check_weights;
use crate::mip::{MipOutcome, add_site_columns, chosen, solve};
use crate::{Coverage, OptimizeError, Solution, SolveOptions, Status, solve_lscp};

/// A backup-coverage plan.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupCover {
    /// The plan: `objective` is the weight of the demand points covered by two or more open sites, `bound` the
    /// best proven bound on it; `sites` has as many sites as the LSCP needs.
    pub solution: Solution,
    /// The demand points covered by at least two open sites, ascending.
    pub backed_up: Vec<usize>,
}

/// Backup coverage (LSCP-B, as spopt's `LSCPB`): first the fewest sites `p` that cover every demand point
/// (the LSCP), then, with exactly `p` sites that still cover every point, the plan maximising the weight of
/// points covered at least twice. Pass weights of 1 to count points, as spopt does.
///
/// For each group of points with the same coverage set `S` (allowed sites only) the model has
/// `u ≤ Σ_{j∈S} y_j − 1`, `u ∈ [0, 1]`, so a point with one open coverer cannot count; a point that only one
/// allowed site can cover gets no `u` at all and never counts. (spopt leaves `u` free for such points, so its
/// count includes every point with a single possible coverer.)
///
/// The status is optimal only when both stages are proven; a time limit applies to the two together.
///
/// # Errors
/// Weights that do not match the demand points or are negative; HiGHS failing.
pub fn solve_lscp_backup(
    coverage: &Coverage,
    weights: &[f64],
    options: &SolveOptions,
) -> Result<BackupCover, OptimizeError> {
    let n = coverage.n_demand();
    let m = coverage.n_sites();
    check_weights(weights, n)?;
    let started = Instant::now();
    let first = solve_lscp(coverage, options)?;
    if let Status::Infeasible { .. } = first.status {
        return Ok(BackupCover {
            solution: first,
            backed_up: Vec::new(),
        });
    }
    let p = first.sites.len();
    let mut second = options.clone();
    second.time_limit_s = options
        .time_limit_s
        .map(|limit| (limit - started.elapsed().as_secs_f64()).max(0.01));

    let mut problem = RowProblem::default();
    let y = add_site_columns(&mut problem, m, 0.0, options);
    let mut start: Vec<f64> = (0..m)
        .map(|j| {
            if first.sites.binary_search(&j).is_ok() {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    for (sites, members) in coverage.groups() {
        let allowed: Vec<usize> = sites
            .iter()
            .map(|&j| j as usize)
            .filter(|j| !options.forbidden.contains(j))
            .collect();
        // Stage one succeeded, so every group has an allowed coverer; the plan must keep covering it.
        problem.add_row(1.0.., allowed.iter().map(|&j| (y[j], 1.0)));
        let weight: f64 = members.iter().map(|&i| weights[i]).sum();
        if allowed.len() >= 2 && weight > 0.0 {
            let open = allowed.iter().filter(|&&j| start[j] > 0.5).count();
            let u = problem.add_column(weight, 0.0..=1.0);
            start.push(if open >= 2 { 1.0 } else { 0.0 });
            // u − Σ y ≤ −1: backed up only when two open sites really cover the group.
            problem.add_row(
                ..=-1.0,
                std::iter::once((u, 1.0)).chain(allowed.iter().map(|&j| (y[j], -1.0))),
            );
        }
    }
    problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
    let (values, bound, proven) = match solve(problem, Sense::Maximise, &second, Some(start))? {
        MipOutcome::Infeasible => {
            return Err(OptimizeError::Solver(
                "HiGHS found the backup stage infeasible although the LSCP plan satisfies it".into(),
            ));
        }
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => (values, bound, proven),
    };
    let sites = chosen(&values[..m]);
    // Backed up recomputed from the plan: two or more open sites among the point's coverers.
    let backed_up: Vec<usize> = (0..n)
        .filter(|&i| {
            coverage
                .sites_of(i)
                .iter()
                .filter(|&&j| sites.binary_search(&(j as usize)).is_ok())
                .count()
                >= 2
        })
        .collect();
    let objective = backed_up.iter().map(|&i| weights[i]).sum();
    let assignment = coverage.first_open(&sites);
    Ok(BackupCover {
        solution: Solution::plan(sites, assignment, objective, bound, proven && first.is_optimal()),
        backed_up,
    })
}
