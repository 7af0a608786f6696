//! The Lagrangian bound of the p-median (Cornuéjols, Fisher & Nemhauser 1977; Beasley 1993): relax "every
//! client is served once" with multipliers λ; the rest splits by site. For fixed λ, site j is worth
//! `ρ_j = Σ_i min(0, w_i·c_ij − λ_i)` and the bound is `Σ λ + Σ ρ over the p best sites`. Subgradient steps
//! raise it towards the LP bound while touching only the pairs cheaper than λ — far cheaper than an LP on
//! tens of millions of pairs.

use std::time::Instant;

use tracing::debug;

use super::benders::Problem;
use super::heuristic::Open;
use crate::relaxed_choice::{Best, StepSchedule, choose_sites, fixed_sites};

/// The best Lagrangian bound found and the site values that go with it.
pub(crate) struct LagrangianBound {
    pub(crate) bound: f64,
    /// `ρ_j` at the best multipliers (0 for sites that may not open).
    pub(crate) site_values: Vec<f64>,
    /// The cheapest of the relaxed plans (the p sites chosen by ρ), sampled along the way: a restart for the
    /// local search from a different basin (Beasley's Lagrangian heuristic).
    pub(crate) plan: Option<(Open, f64)>,
}

/// Subgradient optimisation from the incumbent's costs (`λ_i = w_i · cost of i in the incumbent`), until the
/// bound meets `upper` within `tolerance`, the step has shrunk to nothing, or `deadline` passes.
pub(crate) fn lagrangian_bound(
    problem: &Problem<'_>,
    incumbent_costs: &[f64],
    upper: f64,
    tolerance: f64,
    deadline: Option<Instant>,
) -> LagrangianBound {
    let lists = problem.lists;
    let n = lists.n_clients();
    let m = lists.n_sites();
    let mut lambda: Vec<f64> = (0..n).map(|i| problem.weights[i] * incumbent_costs[i]).collect();
    let mut rho = vec![0.0f64; m];
    let mut best = LagrangianBound {
        bound: f64::NEG_INFINITY,
        site_values: vec![0.0; m],
        plan: None,
    };
    let mut schedule = StepSchedule::new(2.0);
    let mut chosen = vec![false; m];
    let fixed = fixed_sites(problem.site_bounds.iter().copied());
    let mut iterations = 0;
    while !schedule.spent() && iterations < MAX_ITERATIONS {
        iterations += 1;
        rho.fill(0.0);
        for (i, &l) in lambda.iter().enumerate() {
            let w = problem.weights[i];
            let (sites, costs) = lists.row(i);
            for (&j, &c) in sites.iter().zip(costs) {
                let reduced = w * c - l;
                if reduced >= 0.0 {
                    break;
                }
                rho[j as usize] += reduced;
            }
        }
        let bound =
            lambda.iter().sum::<f64>() + choose_sites(&rho, problem.p, &fixed, Best::Smallest, &mut chosen);
        if iterations % PLAN_EVERY == 0 {
            let cost = lists.total_cost(problem.weights, &chosen);
            if best.plan.as_ref().is_none_or(|(_, c)| cost < *c) {
                best.plan = Some((chosen.clone(), cost));
            }
        }
        let improved = bound > best.bound + 1e-12 * bound.abs();
        if improved {
            best.bound = bound;
            best.site_values.clone_from(&rho);
        }
        schedule.record(improved);
        if upper - best.bound <= tolerance * upper.abs().max(1.0)
            || deadline.is_some_and(|d| Instant::now() >= d)
        {
            break;
        }
        // Subgradient: 1 − (number of chosen sites that would take client i).
        let mut norm = 0.0;
        let subgradient: Vec<f64> = (0..n)
            .map(|i| {
                let w = problem.weights[i];
                let (sites, costs) = lists.row(i);
                let takers = sites
                    .iter()
                    .zip(costs)
                    .take_while(|(_, c)| w * **c < lambda[i])
                    .filter(|(j, _)| chosen[**j as usize])
                    .count();
                let g = 1.0 - takers as f64;
                norm += g * g;
                g
            })
            .collect();
        if norm == 0.0 {
            break; // λ is optimal: the relaxed plan serves every client exactly once.
        }
        let step = schedule.scale * (upper - bound).max(1e-9 * upper.abs()) / norm;
        for (l, g) in lambda.iter_mut().zip(&subgradient) {
            *l += step * g;
        }
    }
    debug!(iterations, bound = best.bound, upper, "p-median Lagrangian bound");
    best
}

/// Every this many rounds the relaxed plan is priced as a real one.
const PLAN_EVERY: usize = 10;
/// A cap on subgradient rounds.
const MAX_ITERATIONS: usize = 3_000;
