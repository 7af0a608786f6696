//! p-median: the p sites that minimise weighted service cost.

mod assignment;
mod benders;
mod branch;
mod core;
mod heuristic;
mod lagrangian;
mod lists;
mod popmusic;

use std::time::{Duration, Instant};

use tracing::debug;

use self::benders::{Exact, Problem};
use self::lists::ServiceLists;
use crate::input::{check_sites, check_weights};
use crate::mip::site_bounds;
use crate::{Costs, OptimizeError, Solution, SolveOptions};

/// Uncapacitated p-median: opens exactly `p` sites and serves every demand point from its cheapest open
/// site, minimising the weighted total cost. Only the pairs listed in `costs` may be used.
///
/// Greedy addition and fast interchange give the first plan; a Lagrangian bound with its site fixings, Benders
/// cutting planes on the radius formulation and a Lagrangian branch and bound then prove it optimal or improve
/// it (see `benders.rs`). The model
/// never holds one variable per pair, so it scales with clients plus sites, not their product.
///
/// # Errors
/// Weights that do not match the demand points or are negative; required or forbidden sites that do not
/// exist; HiGHS failing.
pub fn solve_p_median(
    costs: &Costs,
    weights: &[f64],
    p: usize,
    options: &SolveOptions,
) -> Result<Solution, OptimizeError> {
    let started = Instant::now();
    let n = costs.n_demand();
    let m = costs.n_sites();
    check_weights(weights, n)?;
    check_sites(options, m)?;
    if let Some(reason) = options.p_conflict(p, m) {
        return Ok(Solution::infeasible(reason, n));
    }
    let allowed: Vec<bool> = (0..m).map(|j| !options.forbidden.contains(&j)).collect();
    let lists = ServiceLists::new(costs, &allowed);
    if let Some(i) = lists.unservable() {
        return Ok(Solution::infeasible(
            format!("demand point {i} can be served by no allowed site"),
            n,
        ));
    }
    let Some(mut open) = heuristic::greedy(&lists, weights, p, &options.required, &allowed) else {
        return Ok(Solution::infeasible(
            format!("fewer than p = {p} sites may open"),
            n,
        ));
    };
    let until = options.time_limit_s.map(|t| started + Duration::from_secs_f64(t));
    heuristic::interchange(&lists, weights, &mut open, &options.required, &allowed, until);
    debug!(cost = lists.total_cost(weights, &open), "p-median heuristic plan");
    let integral = weights.iter().all(|w| w.fract() == 0.0)
        && (0..n).all(|i| lists.row(i).1.iter().all(|c| c.fract() == 0.0));
    let problem = Problem {
        lists: &lists,
        weights,
        p,
        site_bounds: (0..m).map(|j| site_bounds(j, options)).collect(),
        integral,
    };
    // The exact phases get what the heuristic left of the time limit.
    let mut limits = options.clone();
    limits.time_limit_s = options
        .time_limit_s
        .map(|t| (t - started.elapsed().as_secs_f64()).max(0.0));
    match benders::solve(&problem, open, &limits)? {
        Exact::Infeasible => Ok(Solution::infeasible(
            format!("no {p} sites can serve every demand point from its listed sites"),
            n,
        )),
        Exact::Plan { open, bound, proven } => {
            let sites: Vec<usize> = (0..m).filter(|&j| open[j]).collect();
            let assignment: Vec<Option<usize>> = (0..n)
                .map(|i| lists.nearest_open(i, &open).map(|(j, _)| j))
                .collect();
            let objective = lists.total_cost(weights, &open);
            Ok(Solution::plan(sites, assignment, objective, bound, proven))
        }
    }
}
