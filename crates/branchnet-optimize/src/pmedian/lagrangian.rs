//! The Lagrangian bound of the p-median (Cornuéjols, Fisher & Nemhauser 1977; Beasley 1993): relax "every
//! client is served once" with multipliers λ; the rest splits by site. For fixed λ, site j is worth
//! `ρ_j = Σ_i min(0, w_i·c_ij − λ_i)` and the bound is `Σ λ + Σ ρ over the p best sites`. Evaluating it
//! touches only the pairs cheaper than λ — far cheaper than an LP on tens of millions of pairs — and its
//! maximum over λ is the LP bound of the strong formulation.
//!
//! The maximum is sought by the volume algorithm (Barahona & Anbil 2000): a subgradient method whose
//! direction comes from a running average of the relaxed solutions instead of the last one. The average is an
//! approximate LP solution, so the steps stop zig-zagging and the method knows when it has reached the LP
//! bound; plain subgradient steps stalled 0.6% short of it on 20,000 × 2,000 pairs.
//!
//! At the best multipliers, sites are fixed by their Lagrangian reduced costs: forcing a site the other way
//! changes the relaxed plan by one exchange, and when even the best such exchange cannot beat the incumbent,
//! no better plan has the site that way.

use std::time::Instant;

use rayon::prelude::*;
use tracing::debug;

use super::benders::Problem;
use super::heuristic::Open;
use crate::relaxed_choice::{Best, choose_sites, fixed_sites};

/// The best Lagrangian bound found, with what goes with it.
pub(crate) struct LagrangianBound {
    pub(crate) bound: f64,
    /// The relaxed plans' site values averaged by the volume algorithm: an approximate LP solution.
    pub(crate) primal_sites: Vec<f64>,
    /// The cheapest distinct relaxed plans (the p sites chosen by ρ), sampled along the way, cheapest first:
    /// restarts for the local search from other basins (Beasley's Lagrangian heuristic).
    pub(crate) plans: Vec<(Open, f64)>,
    /// `ρ_j` at the best multipliers, for [`reduced_cost_fixing`] against a later incumbent.
    pub(crate) site_values: Vec<f64>,
    /// The best multipliers, where a tree search starts.
    pub(crate) multipliers: Vec<f64>,
}

/// The relaxed problem at one λ.
struct Relaxed {
    value: f64,
    /// `ρ_j`.
    rho: Vec<f64>,
    chosen: Vec<bool>,
    /// Per client: how many chosen sites take it (`w·c < λ`), and their weighted costs.
    takers: Vec<f64>,
    taken_cost: Vec<f64>,
}

/// Clients per parallel chunk; chunks are summed in order, so results do not depend on the thread count.
const CHUNK: usize = 1024;

impl Problem<'_> {
    /// Evaluates the Lagrangian function at `lambda`.
    fn relax(&self, lambda: &[f64], fixed: &[Option<bool>]) -> Relaxed {
        let lists = self.lists;
        let m = lists.n_sites();
        let n = lists.n_clients();
        let partial: Vec<Vec<f64>> = lambda
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(chunk, multipliers)| {
                let mut rho = vec![0.0f64; m];
                for (i, &l) in (chunk * CHUNK..).zip(multipliers) {
                    let w = self.weights[i];
                    let (sites, costs) = lists.row(i);
                    for (&j, &c) in sites.iter().zip(costs) {
                        let reduced = w * c - l;
                        if reduced >= 0.0 {
                            break;
                        }
                        rho[j as usize] += reduced;
                    }
                }
                rho
            })
            .collect();
        let mut rho = vec![0.0f64; m];
        for part in &partial {
            rho.iter_mut().zip(part).for_each(|(r, p)| *r += p);
        }
        let mut chosen = vec![false; m];
        let value =
            lambda.iter().sum::<f64>() + choose_sites(&rho, self.p, fixed, Best::Smallest, &mut chosen);
        let (takers, taken_cost): (Vec<f64>, Vec<f64>) = (0..n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|i| {
                let w = self.weights[i];
                let (sites, costs) = lists.row(i);
                let (mut count, mut cost) = (0.0, 0.0);
                for (&j, &c) in sites.iter().zip(costs) {
                    if w * c >= lambda[i] {
                        break;
                    }
                    if chosen[j as usize] {
                        count += 1.0;
                        cost += w * c;
                    }
                }
                (count, cost)
            })
            .unzip();
        Relaxed {
            value,
            rho,
            chosen,
            takers,
            taken_cost,
        }
    }

    /// The multipliers' useful range per client: from its cheapest allowed cost (below it the client adds
    /// nothing to any site) to its cheapest site fixed open (above it the client's gain in `Σ λ` is taken
    /// back by that site, which is always chosen).
    fn multiplier_range(&self, fixed: &[Option<bool>]) -> Vec<(f64, f64)> {
        (0..self.lists.n_clients())
            .map(|i| {
                let w = self.weights[i];
                let (sites, costs) = self.lists.row(i);
                let low = w * costs[0];
                let high = sites
                    .iter()
                    .zip(costs)
                    .find(|(j, _)| fixed[**j as usize] == Some(true))
                    .map_or(f64::INFINITY, |(_, &c)| w * c);
                (low, high)
            })
            .collect()
    }
}

/// What a short ascent at a tree node found: its best bound, the site values and relaxed plan there, and that
/// plan's real cost.
pub(crate) struct Ascent {
    pub(crate) bound: f64,
    pub(crate) rho: Vec<f64>,
    /// The relaxed plan at the best multipliers: `p` sites, a real plan.
    pub(crate) chosen: Open,
    pub(crate) plan_cost: f64,
}

impl Problem<'_> {
    /// At most `steps` subgradient steps (Polyak steps towards `upper`, halved when the bound stalls) from
    /// `lambda` under the sites `fixed`; leaves the best multipliers in `lambda`. Stops early once the bound
    /// cannot beat `upper`.
    pub(crate) fn ascend(
        &self,
        lambda: &mut [f64],
        fixed: &[Option<bool>],
        upper: f64,
        steps: usize,
    ) -> Ascent {
        let n = self.lists.n_clients();
        let range = self.multiplier_range(fixed);
        for (l, &(lo, hi)) in lambda.iter_mut().zip(&range) {
            *l = l.max(lo).min(hi);
        }
        let mut best = self.relax(lambda, fixed);
        let mut best_lambda = lambda.to_vec();
        let mut trial = lambda.to_vec();
        let (mut last_takers, mut last_value) = (best.takers.clone(), best.value);
        let mut factor = NODE_FACTOR;
        let mut stalled = 0;
        for _ in 0..steps {
            if best.value >= upper {
                break;
            }
            let norm: f64 = last_takers.iter().map(|t| (1.0 - t) * (1.0 - t)).sum();
            if norm == 0.0 {
                break;
            }
            let step = factor * (upper - last_value).max(1e-9 * upper.abs()) / norm;
            for i in 0..n {
                trial[i] = (trial[i] + step * (1.0 - last_takers[i]))
                    .max(range[i].0)
                    .min(range[i].1);
            }
            let current = self.relax(&trial, fixed);
            last_takers.clone_from(&current.takers);
            last_value = current.value;
            if current.value > best.value + 1e-12 * best.value.abs() {
                best_lambda.clone_from(&trial);
                best = current;
                stalled = 0;
            } else {
                stalled += 1;
                if stalled >= NODE_STALL {
                    factor /= 2.0;
                    stalled = 0;
                }
            }
        }
        lambda.copy_from_slice(&best_lambda);
        let plan_cost = self.lists.total_cost(self.weights, &best.chosen);
        Ascent {
            bound: best.value,
            chosen: best.chosen,
            rho: best.rho,
            plan_cost,
        }
    }
}

/// Volume-algorithm ascent from the incumbent's costs (`λ_i = w_i · cost of i in the incumbent`), until the
/// bound meets `upper` within `tolerance`, the average solution shows the LP bound is reached, progress
/// stalls, or `deadline` passes.
pub(crate) fn lagrangian_bound(
    problem: &Problem<'_>,
    incumbent_costs: &[f64],
    upper: f64,
    tolerance: f64,
    deadline: Option<Instant>,
) -> LagrangianBound {
    let lists = problem.lists;
    let n = lists.n_clients();
    let fixed = fixed_sites(problem.site_bounds.iter().copied());
    let range = problem.multiplier_range(&fixed);
    let clamp = |l: f64, (lo, hi): (f64, f64)| l.max(lo).min(hi);
    let mut centre: Vec<f64> = (0..n)
        .map(|i| clamp(problem.weights[i] * incumbent_costs[i], range[i]))
        .collect();
    let mut at_centre = problem.relax(&centre, &fixed);
    let mut best_rho = at_centre.rho.clone();
    // The averaged relaxed solution: per client its share served, per site its value.
    let mut served: Vec<f64> = at_centre.takers.clone();
    let mut served_cost: Vec<f64> = at_centre.taken_cost.clone();
    let mut primal_sites: Vec<f64> = at_centre.chosen.iter().map(|&c| f64::from(u8::from(c))).collect();
    let mut plans: Vec<(Open, f64)> = Vec::new();
    let mut factor = INITIAL_FACTOR;
    let mut alpha_max = INITIAL_ALPHA;
    let mut reds = 0;
    let mut checkpoint = at_centre.value;
    let mut stalled_checkpoints = 0;
    let mut iterations = 0;
    let mut lambda = vec![0.0f64; n];
    let stop = loop {
        let gap_left = upper - at_centre.value;
        if gap_left <= tolerance * upper.abs().max(1.0) {
            break "bound meets the incumbent";
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break "time limit";
        }
        if iterations >= MAX_ITERATIONS {
            break "iteration cap";
        }
        if stalled_checkpoints >= STALLED_CHECKPOINTS {
            break "stalled";
        }
        let violation: Vec<f64> = served.iter().map(|s| 1.0 - s).collect();
        let norm: f64 = violation.iter().map(|v| v * v).sum();
        let primal_value: f64 = served_cost.iter().sum();
        let mean_violation = violation.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
        if mean_violation < LP_VIOLATION
            && primal_value - at_centre.value <= LP_GAP * at_centre.value.abs().max(1.0)
        {
            break "LP bound reached";
        }
        if norm == 0.0 {
            break "every client served once";
        }
        iterations += 1;
        let step = factor * gap_left / norm;
        lambda
            .iter_mut()
            .enumerate()
            .for_each(|(i, l)| *l = clamp(centre[i] + step * violation[i], range[i]));
        let trial = problem.relax(&lambda, &fixed);
        if iterations % PLAN_EVERY == 0 {
            let cost = lists.total_cost(problem.weights, &trial.chosen);
            keep_plan(&mut plans, &trial.chosen, cost);
        }
        // The average's weight: the α in [α_max/10, α_max] that makes the new direction shortest.
        let trial_violation: Vec<f64> = trial.takers.iter().map(|t| 1.0 - t).collect();
        let alpha = shortest_combination(&trial_violation, &violation).clamp(alpha_max / 10.0, alpha_max);
        for i in 0..n {
            served[i] = alpha * trial.takers[i] + (1.0 - alpha) * served[i];
            served_cost[i] = alpha * trial.taken_cost[i] + (1.0 - alpha) * served_cost[i];
        }
        for (y, &c) in primal_sites.iter_mut().zip(&trial.chosen) {
            *y = alpha * f64::from(u8::from(c)) + (1.0 - alpha) * *y;
        }
        if trial.value > at_centre.value + 1e-12 * at_centre.value.abs() {
            // Green when the new solution still points the way the step went: a longer step may pay.
            let agreement: f64 = trial_violation.iter().zip(&violation).map(|(a, b)| a * b).sum();
            if agreement >= 0.0 {
                factor = (factor * 1.1).min(MAX_FACTOR);
            }
            reds = 0;
            centre.clone_from(&lambda);
            best_rho.clone_from(&trial.rho);
            at_centre = trial;
        } else {
            reds += 1;
            if reds >= RED_ROUNDS {
                factor = (factor * 0.66).max(MIN_FACTOR);
                reds = 0;
            }
        }
        if iterations % ALPHA_ROUNDS == 0 {
            // Too little progress: average over a longer stretch.
            let progress = at_centre.value - checkpoint;
            if progress < 0.01 * (upper - checkpoint).abs() {
                alpha_max = (alpha_max / 2.0).max(MIN_ALPHA);
            }
            if progress <= STALL_SHARE * at_centre.value.abs().max(1.0) {
                stalled_checkpoints += 1;
            } else {
                stalled_checkpoints = 0;
            }
            checkpoint = at_centre.value;
            debug!(
                iterations,
                bound = at_centre.value,
                primal_value,
                mean_violation,
                factor,
                alpha_max,
                "p-median volume algorithm"
            );
        }
    };
    debug!(
        iterations,
        bound = at_centre.value,
        upper,
        stop,
        "p-median Lagrangian bound"
    );
    LagrangianBound {
        bound: at_centre.value,
        primal_sites,
        plans,
        site_values: best_rho,
        multipliers: centre,
    }
}

/// Keeps `plan` among the [`RESTARTS`] cheapest distinct plans, cheapest first.
fn keep_plan(plans: &mut Vec<(Open, f64)>, plan: &[bool], cost: f64) {
    if !cost.is_finite() || plans.iter().any(|(p, _)| p == plan) {
        return;
    }
    if plans.len() == RESTARTS && plans.last().is_some_and(|(_, c)| *c <= cost) {
        return;
    }
    let at = plans.partition_point(|(_, c)| *c <= cost);
    plans.insert(at, (plan.to_vec(), cost));
    plans.truncate(RESTARTS);
}

/// The `α` minimising `‖α·a + (1 − α)·b‖`, unclamped.
fn shortest_combination(a: &[f64], b: &[f64]) -> f64 {
    let (mut ab, mut bb, mut aa) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        aa += x * x;
        bb += y * y;
        ab += x * y;
    }
    let denominator = aa + bb - 2.0 * ab;
    if denominator <= 0.0 {
        1.0
    } else {
        (bb - ab) / denominator
    }
}

/// Fixes free sites whose forced flip must cost more than `upper` allows. With `k` free sites chosen by ρ, a
/// plan that opens an unchosen site `j` is bounded by `bound + ρ_j − ρ_(k)` (it drops the worst chosen one at
/// best), and one that closes a chosen site by `bound − ρ_j + ρ_(k+1)`.
pub(crate) fn reduced_cost_fixing(
    problem: &Problem<'_>,
    fixed: &[Option<bool>],
    rho: &[f64],
    bound: f64,
    upper: f64,
) -> Vec<Option<bool>> {
    let mut free: Vec<usize> = (0..rho.len()).filter(|&j| fixed[j].is_none()).collect();
    free.sort_by(|&a, &b| rho[a].total_cmp(&rho[b]).then(a.cmp(&b)));
    let opened = fixed.iter().filter(|f| **f == Some(true)).count();
    let k = problem.p.saturating_sub(opened).min(free.len());
    let mut result = fixed.to_vec();
    if k == 0 || k == free.len() {
        return result;
    }
    // Only plans strictly better than the incumbent matter: with integral data that means by at least one.
    let step = if problem.integral { 1.0 - 1e-6 } else { 0.0 };
    let slack = 1e-9 * upper.abs().max(1.0);
    let limit = upper - step + slack;
    let (last_in, first_out) = (rho[free[k - 1]], rho[free[k]]);
    for (rank, &j) in free.iter().enumerate() {
        if rank < k {
            if bound - rho[j] + first_out > limit {
                result[j] = Some(true);
            }
        } else if bound + rho[j] - last_in > limit {
            result[j] = Some(false);
        }
    }
    result
}

/// A tree node's first step factor, and its stalled steps before the factor halves.
const NODE_FACTOR: f64 = 1.0;
const NODE_STALL: usize = 5;
/// Every this many rounds the relaxed plan is priced as a real one.
const PLAN_EVERY: usize = 10;
/// How many relaxed plans are kept as restarts.
const RESTARTS: usize = 4;
/// A cap on rounds.
const MAX_ITERATIONS: usize = 20_000;
/// Step factors (Barahona & Anbil use 0.1 to start, within (0, 2)).
const INITIAL_FACTOR: f64 = 0.1;
const MAX_FACTOR: f64 = 2.0;
const MIN_FACTOR: f64 = 1e-4;
/// Rounds without a better bound before the step factor shrinks.
const RED_ROUNDS: usize = 20;
/// The averaging weight: its cap, the cap's floor, and how often the cap is reviewed.
const INITIAL_ALPHA: f64 = 0.1;
const MIN_ALPHA: f64 = 1e-4;
const ALPHA_ROUNDS: usize = 100;
/// The ascent has stalled after this many reviews in a row that gained less than this share of the bound.
const STALLED_CHECKPOINTS: usize = 5;
const STALL_SHARE: f64 = 1e-7;
/// The average solution is taken as an LP optimum when clients are served within this share of once on
/// average and its cost is within this share of the bound.
const LP_VIOLATION: f64 = 1e-3;
const LP_GAP: f64 = 1e-5;
