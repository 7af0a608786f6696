//! p-center: the p sites that minimise the largest cost from a demand point to its nearest open site.

use std::time::Instant;

use crate::{Costs, Coverage, OptimizeError, Solution, SolveOptions, Status, solve_lscp};

/// p-center (minimax): opens exactly `p` sites so that the largest cost from any demand point to its cheapest
/// open site is as small as possible. Only the pairs listed in `costs` may be used.
///
/// Exact by binary search over the distinct costs: a radius `r` is achievable iff the LSCP on the pairs with
/// cost ≤ `r` needs at most `p` sites (any further sites only lower costs). Each step is a small set-cover MIP,
/// solved to optimality, so the answer is proven; bounds come from a greedy plan above and from the largest
/// nearest-site cost below. When the time limit stops the search, the best plan found is returned with
/// `bound` the smallest cost not yet proven unachievable and gap `(objective − bound) / objective`.
///
/// When fewer than `p` sites achieve the optimum, the plan is completed with the lowest-numbered allowed
/// sites. For the weighted p-center (minimise the largest `w_i · c_ij`), scale each row of `costs` by its
/// weight. `assignment` names each point's cheapest open site.
///
/// # Errors
/// HiGHS failing.
pub fn solve_p_center(costs: &Costs, p: usize, options: &SolveOptions) -> Result<Solution, OptimizeError> {
    let n = costs.n_demand();
    let m = costs.n_sites();
    if let Some(reason) = options.p_conflict(p, m) {
        return Ok(Solution::infeasible(reason, n));
    }
    let started = Instant::now();
    let allowed = |j: usize| !options.forbidden.contains(&j);
    // Every point must reach some allowed site; the largest nearest-site cost bounds the answer below.
    let mut lower = 0.0f64;
    let mut values = Vec::new();
    for i in 0..n {
        let (sites, row) = costs.row(i);
        let nearest = sites
            .iter()
            .zip(row)
            .filter(|(j, _)| allowed(**j as usize))
            .map(|(_, &c)| c)
            .inspect(|&c| values.push(c))
            .min_by(f64::total_cmp);
        match nearest {
            Some(c) => lower = lower.max(c),
            None => {
                return Ok(Solution::infeasible(
                    format!("demand point {i} can be served by no allowed site"),
                    n,
                ));
            }
        }
    }
    values.retain(|&c| c >= lower);
    values.sort_by(f64::total_cmp);
    values.dedup();
    if n == 0 {
        values.push(0.0);
    }

    // The optimum is one of `values`. Invariant: values[..lo] are unachievable, values[hi] is achieved by `best`.
    let weights = vec![1.0; n];
    let greedy = crate::greedy::p_median(costs, &weights, p, options);
    let greedy_max = max_cost(costs, &greedy);
    let (mut hi, mut best) = if greedy.len() == p && greedy_max.is_finite() {
        (index_of(&values, greedy_max), greedy)
    } else {
        let top = values.len() - 1;
        match achieve(costs, values[top], p, options, started)? {
            Achieve::Yes(sites) => (index_of(&values, max_cost(costs, &sites)), sites),
            Achieve::No => {
                return Ok(Solution::infeasible(
                    format!("no {p} sites can serve every demand point"),
                    n,
                ));
            }
            Achieve::Unknown => {
                return Err(OptimizeError::Solver(
                    "the time limit passed before any plan serving every demand point was found".into(),
                ));
            }
        }
    };
    let mut lo = 0;
    while lo < hi {
        let mid = (lo + hi) / 2;
        match achieve(costs, values[mid], p, options, started)? {
            Achieve::Yes(sites) => {
                hi = index_of(&values, max_cost(costs, &sites));
                best = sites;
            }
            Achieve::No => lo = mid + 1,
            Achieve::Unknown => break,
        }
    }
    let sites = complete(best, p, m, options);
    let assignment = nearest_open(costs, &sites);
    let objective = max_cost(costs, &sites);
    Ok(Solution::plan(sites, assignment, objective, values[lo], lo == hi))
}

/// Whether some `p` sites serve every point within a radius.
enum Achieve {
    /// Yes, with these sites (at most `p`).
    Yes(Vec<usize>),
    /// No.
    No,
    /// The time limit passed first.
    Unknown,
}

/// Solves the LSCP on the pairs with cost ≤ `radius`, to optimality within what remains of the time limit.
fn achieve(
    costs: &Costs,
    radius: f64,
    p: usize,
    options: &SolveOptions,
    started: Instant,
) -> Result<Achieve, OptimizeError> {
    let mut inner = options.clone();
    // The decision needs the exact minimum, whatever gap the caller allows for the p-center itself.
    inner.mip_rel_gap = 0.0;
    if let Some(limit) = options.time_limit_s {
        let left = limit - started.elapsed().as_secs_f64();
        if left <= 0.0 {
            return Ok(Achieve::Unknown);
        }
        inner.time_limit_s = Some(left);
    }
    let cover = solve_lscp(&Coverage::within(costs, radius), &inner)?;
    Ok(match cover.status {
        Status::Infeasible { .. } => Achieve::No,
        _ if cover.sites.len() <= p => Achieve::Yes(cover.sites),
        _ if cover.bound > p as f64 => Achieve::No,
        _ => Achieve::Unknown,
    })
}

/// Adds the lowest-numbered allowed sites until `p` are open (more sites never raise the largest cost).
fn complete(mut sites: Vec<usize>, p: usize, m: usize, options: &SolveOptions) -> Vec<usize> {
    for j in 0..m {
        if sites.len() >= p {
            break;
        }
        if !options.forbidden.contains(&j) && !sites.contains(&j) {
            sites.push(j);
        }
    }
    sites.sort_unstable();
    sites
}

/// Each point's cheapest open site (`open` ascending).
fn nearest_open(costs: &Costs, open: &[usize]) -> Vec<Option<usize>> {
    (0..costs.n_demand())
        .map(|i| {
            let (sites, row) = costs.row(i);
            sites
                .iter()
                .zip(row)
                .filter(|(j, _)| open.binary_search(&(**j as usize)).is_ok())
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(&j, _)| j as usize)
        })
        .collect()
}

/// The largest cost from a point to its cheapest open site; infinite when some point reaches no open site.
fn max_cost(costs: &Costs, open: &[usize]) -> f64 {
    let mut open = open.to_vec();
    open.sort_unstable();
    nearest_open(costs, &open)
        .iter()
        .enumerate()
        .map(|(i, a)| a.and_then(|j| costs.cost(i, j)).unwrap_or(f64::INFINITY))
        .fold(0.0, f64::max)
}

/// Position of `value` in the sorted distinct `values` (it is one of them, or above them all).
fn index_of(values: &[f64], value: f64) -> usize {
    values.partition_point(|&v| v < value).min(values.len() - 1)
}
