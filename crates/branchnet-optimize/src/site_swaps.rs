//! Site swaps for the single-sourcing capacitated p-median: a local search on the open set whose moves are
//! evaluated by re-assigning every point (the regret fill, customer shifts and swaps of
//! [`single_fill`](crate::facility)), then the best set's assignment solved exactly by HiGHS.
//!
//! The Lagrangian fixing only removes what cannot beat the incumbent, so an incumbent at the optimum is what
//! makes it bite: on pmedcap14 the greedy and master-MIP plans were 2.7% above it and nothing was fixed.

use std::time::Instant;

use tracing::debug;

use crate::facility::{Model, Pairs, Plan, allocate, exact_assignment, single_fill};
use crate::{OptimizeError, SolveOptions};

/// How many closed sites are tried in place of each open one: those cheapest for the points it serves (12
/// left pmedcap20 at 1,025 from the greedy plan; every closed site costs 10 × 90 fills per pass there, 0.2 s).
const CANDIDATES: usize = 40;

/// Improves `incumbent` (a p-median plan under single sourcing) by first-improvement swaps of one open site
/// for one closed site until none improves or `deadline`; then solves the assignment of the best open set
/// exactly. Required sites stay open, forbidden ones closed.
pub(crate) fn improve_by_swaps(
    model: &Model<'_>,
    pairs: &[Pairs],
    options: &SolveOptions,
    incumbent: &mut Option<Plan>,
    deadline: Option<Instant>,
) -> Result<(), OptimizeError> {
    let Some(start) = incumbent.clone() else {
        return Ok(());
    };
    let started = Instant::now();
    let m = model.costs.n_sites();
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
    let mut best = start.clone();
    let mut swaps = 0;
    'search: while !out_of_time() {
        let open: Vec<usize> = (0..m).filter(|&j| best.open[j]).collect();
        for &out in open.iter().filter(|j| !options.required.contains(j)) {
            // The closed sites cheapest for the points `out` serves.
            let served: Vec<usize> = (0..pairs.len())
                .filter(|&i| best.shares[i].first().is_some_and(|&(j, _)| j == out))
                .collect();
            let mut cost = vec![0.0; m];
            let mut reach = vec![0usize; m];
            for &i in &served {
                for &(j, c) in &pairs[i] {
                    cost[j] += c;
                    reach[j] += 1;
                }
            }
            let mut candidates: Vec<usize> = (0..m)
                .filter(|&j| !best.open[j] && !options.forbidden.contains(&j) && reach[j] == served.len())
                .collect();
            candidates.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(a.cmp(&b)));
            for &inn in candidates.iter().take(CANDIDATES) {
                if out_of_time() {
                    break 'search;
                }
                let mut trial = best.open.clone();
                trial[out] = false;
                trial[inn] = true;
                if let Some(shares) = single_fill(model, pairs, &trial) {
                    let plan = Plan::new(model, pairs, trial, shares);
                    if plan.objective < best.objective - 1e-9 * best.objective.abs().max(1.0) {
                        best = plan;
                        swaps += 1;
                        continue 'search;
                    }
                }
            }
        }
        break;
    }
    // The fill is a heuristic; the assignment to the best set is a small exact MIP.
    if !out_of_time()
        && let Some(plan) = exact_assignment(model, pairs, &best.open, options, deadline)?
        && plan.objective < best.objective
    {
        best = plan;
    }
    debug!(
        start = start.objective,
        objective = best.objective,
        swaps,
        seconds = started.elapsed().as_secs_f64(),
        "site swaps"
    );
    if best.objective < start.objective {
        *incumbent = Some(best);
    }
    Ok(())
}

/// Drop and add moves on the open set of a plan without `p` (CFLP), each evaluated by the exact allocation
/// (the transportation LP under split demand): starting from `open` topped up by the order `extra` until the
/// capacity exceeds the demand by a tenth, then closing the least loaded sites and opening the next ones of
/// `extra` while that lowers the cost, until `deadline`. The best plan met replaces `incumbent` when
/// cheaper.
///
/// The Lagrangian relaxation opens just enough capacity for the demand; allocated for real, those sets
/// cost percents more than the optimum (capb at capacity 6000: 14.6-25 M against 13.4 M), so the
/// reduced-cost fixing had nothing to work with.
pub(crate) fn improve_open_set(
    model: &Model<'_>,
    pairs: &[Pairs],
    open: &[bool],
    extra: &[usize],
    options: &SolveOptions,
    incumbent: &mut Option<Plan>,
    deadline: Option<Instant>,
) -> Result<(), OptimizeError> {
    const TRIES: usize = 6;
    let started = Instant::now();
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
    let total: f64 = model.demands.iter().sum();
    let capacity = |open: &[bool]| -> f64 {
        (0..open.len())
            .filter(|&j| open[j])
            .map(|j| model.capacity(j))
            .sum()
    };
    let mut open = open.to_vec();
    for &j in extra {
        if capacity(&open) >= 1.1 * total {
            break;
        }
        open[j] = true;
    }
    let Some(shares) = allocate(model, pairs, &open, options)? else {
        return Ok(());
    };
    let mut best = Plan::new(model, pairs, open, shares);
    let mut moves = 0;
    'search: while !out_of_time() {
        // Closing: the least loaded open sites first.
        let mut load = vec![0.0; best.open.len()];
        for (i, s) in best.shares.iter().enumerate() {
            for &(j, f) in s {
                load[j] += f * model.demands[i];
            }
        }
        let mut open_sites: Vec<usize> = (0..best.open.len())
            .filter(|&j| best.open[j] && !options.required.contains(&j))
            .collect();
        open_sites.sort_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)));
        let room = capacity(&best.open) - total;
        let closing = open_sites.into_iter().filter(|&j| model.capacity(j) <= room);
        let opening = extra.iter().copied().filter(|&j| !best.open[j]);
        let trials: Vec<(usize, bool)> = closing
            .take(TRIES)
            .map(|j| (j, false))
            .chain(opening.take(TRIES).map(|j| (j, true)))
            .collect();
        for (j, to) in trials {
            if out_of_time() {
                break 'search;
            }
            let mut trial = best.open.clone();
            trial[j] = to;
            if let Some(shares) = allocate(model, pairs, &trial, options)? {
                let plan = Plan::new(model, pairs, trial, shares);
                if plan.objective < best.objective - 1e-9 * best.objective.abs().max(1.0) {
                    best = plan;
                    moves += 1;
                    continue 'search;
                }
            }
        }
        break;
    }
    debug!(
        objective = best.objective,
        moves,
        seconds = started.elapsed().as_secs_f64(),
        "open-set moves"
    );
    if incumbent.as_ref().is_none_or(|p| best.objective < p.objective) {
        *incumbent = Some(best);
    }
    Ok(())
}
