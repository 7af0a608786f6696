//! Capacitated p-median: exactly p sites, each with a capacity, minimising weighted service cost.

use crate::facility::{FacilitySolution, Model, Sourcing, solve_model};
use crate::input::check_amounts;
use crate::input::check_weights;
use crate::{Costs, OptimizeError, SolveOptions};

/// Capacitated p-median: opens exactly `p` sites and serves every demand point within the sites'
/// capacities, minimising `Σ_i weights_i · Σ_j costs_ij · share_ij`.
///
/// `demands` is what each point consumes of a site's capacity and `weights` what multiplies its costs: pass
/// the demands again for the classical demand-weighted objective, or ones for the sum of distances
/// (Osman & Christofides' instances). [`Sourcing::Split`] lets a point be served by several sites,
/// [`Sourcing::Single`] does not. The formulation, the greedy start (so a time limit returns a plan and its
/// gap) and the conventions are those of [`solve_cflp`](crate::solve_cflp), without fixed costs and with the
/// row `Σ_j y_j = p`.
///
/// Infeasible instances come back with the reason: `p` at odds with the required and forbidden sites, a point
/// with no allowed site (under single sourcing: none large enough for it), or more demand than the `p`
/// largest allowed capacities hold.
///
/// # Errors
/// Inputs of the wrong length, or negative or non-finite numbers; HiGHS failing.
pub fn solve_capacitated_p_median(
    costs: &Costs,
    weights: &[f64],
    demands: &[f64],
    capacities: &[f64],
    p: usize,
    sourcing: Sourcing,
    options: &SolveOptions,
) -> Result<FacilitySolution, OptimizeError> {
    check_weights(weights, costs.n_demand())?;
    check_amounts("demands", demands, costs.n_demand())?;
    check_amounts("capacities", capacities, costs.n_sites())?;
    let model = Model {
        costs,
        weights: Some(weights),
        demands,
        capacities: Some(capacities),
        fixed: None,
        p: Some(p),
        sourcing,
    };
    solve_model(&model, options)
}
