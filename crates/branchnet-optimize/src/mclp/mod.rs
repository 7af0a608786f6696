//! MCLP: the p sites that cover the most weighted demand.

mod benders;
mod groups;
mod heuristic;

use std::time::{Duration, Instant};

use highs::{RowProblem, Sense};
use tracing::debug;

use self::groups::Groups;
use crate::input::{check_sites, check_weights};
use crate::mip::{MipOutcome, add_site_columns, chosen, site_bounds, solve};
use crate::{Coverage, OptimizeError, Solution, SolveOptions};

/// Maximal covering location: opens exactly `p` sites to maximise the weight of covered demand.
///
/// Demand points with identical coverage sets are merged into one group with their summed weight (exact, and
/// what makes a million cells tractable). Lazy greedy and swaps (fast interchange) give a plan at once, and
/// the submodularity bound says how far from optimal it can be. Models of up to 20,000 groups then go to
/// HiGHS whole (each group's coverage variable is continuous: integral at every optimum once the sites are);
/// larger ones to Benders decomposition: cutting planes towards the LP bound, LP points rounded and swapped,
/// reduced-cost fixing, then master MIPs until the bound meets the plan.
///
/// # Errors
/// Weights that do not match the demand points or are negative; unknown required or forbidden sites; HiGHS
/// failing.
pub fn solve_mclp(
    coverage: &Coverage,
    weights: &[f64],
    p: usize,
    options: &SolveOptions,
) -> Result<Solution, OptimizeError> {
    let started = Instant::now();
    let n = coverage.n_demand();
    let m = coverage.n_sites();
    check_weights(weights, n)?;
    check_sites(options, m)?;
    if let Some(reason) = options.p_conflict(p, m) {
        return Ok(Solution::infeasible(reason, n));
    }
    let groups = Groups::new(coverage, weights);
    debug!(groups = groups.len(), elapsed = ?started.elapsed(), "MCLP coverage groups");
    let allowed: Vec<bool> = (0..m).map(|j| !options.forbidden.contains(&j)).collect();
    let mut open = heuristic::greedy(&groups, p, &options.required, &allowed);
    debug!(elapsed = ?started.elapsed(), "MCLP greedy");
    let swap_started = Instant::now();
    heuristic::swap(&groups, &mut open, &options.required, &allowed);
    let swap_time = swap_started.elapsed();
    let mut lower = groups.covered(&open);
    debug!(covered = lower, elapsed = ?started.elapsed(), "MCLP heuristic plan");
    let tolerance = options.mip_rel_gap.max(1e-9);
    let settled = |lower: f64, upper: f64| upper - lower <= tolerance * lower.abs().max(1.0);
    // Room for what follows the search: each point's covering site, about a microsecond a point.
    let reserve = Duration::from_secs_f64(0.1 + 1e-6 * n as f64);
    let deadline = options
        .time_limit_s
        .map(|t| started + Duration::from_secs_f64(t).saturating_sub(reserve));
    let mut upper = heuristic::submodular_bound(&groups, &open, p, &allowed);
    let mut proven = settled(lower, upper);
    debug!(upper, "MCLP submodular bound");
    if !proven && groups.len() > DIRECT_MIP_GROUPS {
        let problem = benders::Problem {
            groups: &groups,
            p,
            site_bounds: (0..m).map(|j| site_bounds(j, options)).collect(),
        };
        let exact = benders::solve(&problem, open, lower, options, deadline, swap_time)?;
        open = exact.open;
        lower = exact.covered;
        upper = upper.min(exact.bound);
        proven = exact.proven || settled(lower, upper);
        debug!(lower, upper, proven, elapsed = ?started.elapsed(), "MCLP Benders");
    } else if !proven {
        let mut limits = options.clone();
        limits.time_limit_s = deadline.map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64());
        match solve(
            grouped_model(&groups, p, options),
            Sense::Maximise,
            &limits,
            Some(start(&groups, &open)),
        )? {
            MipOutcome::Infeasible => {
                return Ok(Solution::infeasible(
                    "no p sites satisfy the required/forbidden sites",
                    n,
                ));
            }
            MipOutcome::Plan {
                values,
                bound,
                proven: mip_proven,
            } => {
                let mip_open: Vec<bool> = (0..m)
                    .map(|j| chosen(&values[..m]).binary_search(&j).is_ok())
                    .collect();
                let covered = groups.covered(&mip_open);
                if covered > lower {
                    lower = covered;
                    open = mip_open;
                }
                if bound.is_finite() {
                    upper = upper.min(bound);
                }
                proven = mip_proven || settled(lower, upper);
            }
        }
    }
    let sites: Vec<usize> = (0..m).filter(|&j| open[j]).collect();
    let assignment = coverage.first_open(&sites);
    // The objective recomputed point by point from the plan, free of solver tolerances.
    let objective = assignment
        .iter()
        .zip(weights)
        .filter(|(a, _)| a.is_some())
        .map(|(_, w)| w)
        .sum();
    debug!(elapsed = ?started.elapsed(), "MCLP plan assigned");
    Ok(Solution::plan(
        sites,
        assignment,
        objective,
        upper.max(objective),
        proven,
    ))
}

/// Up to this many groups HiGHS takes the whole model: it proves such models quickly. Beyond, it overran a
/// 3-second limit by 27 seconds (presolve and the root LP are not interrupted) and its LP alone took minutes,
/// where the Benders master stays small.
const DIRECT_MIP_GROUPS: usize = 20_000;

/// The grouped MCLP: site variables, then one coverage variable per group, `z_g ≤ Σ_{j covers g} y_j`.
fn grouped_model(groups: &Groups, p: usize, options: &SolveOptions) -> RowProblem {
    let mut problem = RowProblem::default();
    let y = add_site_columns(&mut problem, groups.n_sites(), 0.0, options);
    for g in 0..groups.len() {
        let z = problem.add_column(groups.weights[g], 0.0..=1.0);
        problem.add_row(
            ..=0.0,
            std::iter::once((z, 1.0)).chain(groups.sites_of(g).iter().map(|&j| (y[j as usize], -1.0))),
        );
    }
    problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
    problem
}

/// A plan as column values of [`grouped_model`].
fn start(groups: &Groups, open: &[bool]) -> Vec<f64> {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    open.iter()
        .map(|&o| flag(o))
        .chain((0..groups.len()).map(|g| flag(groups.sites_of(g).iter().any(|&j| open[j as usize]))))
        .collect()
}
