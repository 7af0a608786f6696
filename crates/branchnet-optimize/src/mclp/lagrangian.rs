//! The Lagrangian upper bound of the MCLP: relax "a group counts only if an open site covers it" with
//! multipliers μ_g ∈ [0, w_g]. Then `L(μ) = Σ_g (w_g − μ_g) + Σ_{p best sites} ρ_j` with
//! `ρ_j = Σ_{g ∋ j} μ_g`, an upper bound for every μ; subgradient steps lower it towards the LP bound at a
//! cost of one pass over the coverage lists per step — no LP over hundreds of thousands of rows.

use std::time::Instant;

use rayon::prelude::*;
use tracing::debug;

use super::groups::Groups;
use crate::relaxed_choice::{Best, StepSchedule, choose_sites};

/// Subgradient optimisation of the bound, from `μ = 0` (where it is the total coverable weight), stopping when it meets `lower` within
/// `tolerance`, the step has shrunk to nothing, or `deadline` passes. `fixed` says per site whether it is
/// required (`Some(true)`), forbidden (`Some(false)`) or free.
pub(crate) fn upper_bound(
    groups: &Groups,
    p: usize,
    fixed: &[Option<bool>],
    lower: f64,
    tolerance: f64,
    deadline: Option<Instant>,
) -> f64 {
    let m = groups.n_sites();
    let mut mu: Vec<f64> = vec![0.0; groups.len()];
    let mut rho = vec![0.0f64; m];
    let mut chosen = vec![false; m];
    let mut best = f64::INFINITY;
    let mut schedule = StepSchedule::new(1.0);
    let mut iterations = 0;
    while !schedule.spent() && iterations < MAX_ITERATIONS {
        iterations += 1;
        // Per site, in parallel and in a fixed order: the same bound on every run.
        rho.par_iter_mut().enumerate().for_each(|(j, r)| {
            *r = groups.groups_of(j).iter().map(|&g| mu[g as usize]).sum();
        });
        let site_part = choose_sites(&rho, p, fixed, Best::Largest, &mut chosen);
        let bound: f64 = groups.weights.iter().zip(&mu).map(|(w, u)| w - u).sum::<f64>() + site_part;
        let improved = bound < best - 1e-12 * bound.abs();
        if improved {
            best = bound;
        }
        schedule.record(improved);
        if best - lower <= tolerance * lower.abs().max(1.0) || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        // ∂L/∂μ_g = (chosen sites covering g) − 1; a step against it, kept within [0, w_g].
        let subgradient: Vec<f64> = (0..groups.len())
            .into_par_iter()
            .map(|g| groups.sites_of(g).iter().filter(|&&j| chosen[j as usize]).count() as f64 - 1.0)
            .collect();
        let norm: f64 = subgradient
            .iter()
            .zip(&mu)
            .zip(&groups.weights)
            // Components that the box would cancel do not move μ.
            .filter(|((s, u), w)| !((**s > 0.0 && **u <= 0.0) || (**s < 0.0 && **u >= **w)))
            .map(|((s, _), _)| s * s)
            .sum();
        if norm == 0.0 {
            break;
        }
        let step = schedule.scale * (bound - lower).max(1e-9 * bound.abs()) / norm;
        for ((u, s), w) in mu.iter_mut().zip(&subgradient).zip(&groups.weights) {
            *u = (*u - step * s).clamp(0.0, *w);
        }
    }
    debug!(iterations, bound = best, lower, "MCLP Lagrangian bound");
    best
}

/// A cap on subgradient rounds.
const MAX_ITERATIONS: usize = 2_000;
