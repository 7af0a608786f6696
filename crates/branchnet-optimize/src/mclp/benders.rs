//! Exact MCLP by Benders decomposition (Cordeau, Furini & Ljubić 2019), with the groups split into blocks,
//! one master variable each (a multi-cut master).
//!
//! With the coverage variables projected out, the LP relaxation is `max Σ_b f_b(y)` over `Σ y = p,
//! 0 ≤ y ≤ 1`, with `f_b(y) = Σ_{g ∈ b} w_g min(1, a_g(y))` and `a_g(y) = Σ_{j covers g} y_j`. Each `f_b` is
//! concave; at any point `y*` every group contributes the smaller of its two bounds there, giving the cut
//!
//! `θ_b ≤ Σ_{g ∈ b: a_g(y*) ≥ 1} w_g + Σ_{g ∈ b: a_g(y*) < 1} w_g Σ_{j covers g} y_j`
//!
//! valid everywhere (`min(1, a) ≤ 1` and `≤ a`) and exact at `y*`. A single aggregated `θ` needs at least as
//! many cuts as the LP optimum has fractional sites (hundreds), one round each: on 50,000 × 1,000 it had not
//! converged after 400 rounds. A block per site (the groups whose lowest-numbered covering site it is, all
//! within one radius of it) keeps each cut to the sites near it and lets one round add hundreds; the same
//! instance converges in about 130 rounds and is within 0.1% of the LP bound after 20 (HiGHS's interior point
//! method took 230 s for that LP).
//!
//! HiGHS has no lazy-constraint callback, so the method runs in phases:
//! 1. cutting planes on the master LP, separating between the master's point and the best point so far
//!    (in-out stabilisation, Ben-Ameur & Neto 2007; Fischetti, Ljubić & Sinnl 2017); the master's optimum
//!    bounds every plan at every round;
//! 2. the LP points rounded to plans and improved by the swap search;
//! 3. reduced-cost fixing: the master's duals give a bound as a linear function of `y`, so a site whose
//!    forcing open (or closed) leaves that bound no better than the incumbent is fixed the other way;
//! 4. master MIPs over the cuts so far (each a relaxation: its bound is valid), each followed by the cuts at
//!    its plan, until the bound meets the incumbent — Benders with restarts.

use std::time::{Duration, Instant};

use highs::{Col, HighsModelStatus, Model, RowProblem, Sense};
use rayon::prelude::*;
use tracing::debug;

use super::groups::Groups;
use super::heuristic;
use crate::mip::{self, MipOutcome};
use crate::relaxed_choice::{Best, choose_sites, fixed_sites};
use crate::{OptimizeError, SolveOptions};

/// The fixed inputs of one exact solve.
pub(crate) struct Problem<'a> {
    pub(crate) groups: &'a Groups,
    pub(crate) p: usize,
    /// Per site: `(lower, upper)` bounds of its variable (required, forbidden, free).
    pub(crate) site_bounds: Vec<(f64, f64)>,
}

impl Problem<'_> {
    fn required(&self) -> Vec<usize> {
        (0..self.site_bounds.len())
            .filter(|&j| self.site_bounds[j].0 > 0.0)
            .collect()
    }

    fn allowed(&self) -> Vec<bool> {
        self.site_bounds.iter().map(|&(_, hi)| hi > 0.0).collect()
    }
}

/// The best plan found, a bound no plan beats, and whether they meet within the gap.
pub(crate) struct Exact {
    pub(crate) open: Vec<bool>,
    pub(crate) covered: f64,
    pub(crate) bound: f64,
    pub(crate) proven: bool,
}

/// A Benders cut of one block: `θ_block ≤ constant + Σ coefs·y`, sparse over the sites.
struct Cut {
    block: usize,
    constant: f64,
    coefs: Vec<(u32, f64)>,
}

impl Cut {
    /// The cut's right-hand side at `y`.
    fn at(&self, y: &[f64]) -> f64 {
        self.constant + self.coefs.iter().map(|&(j, c)| c * y[j as usize]).sum::<f64>()
    }
}

/// The groups split into blocks of consecutive groups.
struct Blocks {
    offsets: Vec<usize>,
    /// Total weight per block: the master's cap on its `θ`.
    weights: Vec<f64>,
}

impl Blocks {
    /// One block per site: the groups whose lowest-numbered covering site it is (consecutive, as
    /// [`Groups`] orders them).
    fn by_first_site(groups: &Groups) -> Self {
        let mut offsets = vec![0];
        for g in 1..groups.len() {
            if groups.sites_of(g)[0] != groups.sites_of(g - 1)[0] {
                offsets.push(g);
            }
        }
        offsets.push(groups.len());
        let weights = offsets
            .windows(2)
            .map(|w| groups.weights[w[0]..w[1]].iter().sum())
            .collect();
        Self { offsets, weights }
    }

    fn len(&self) -> usize {
        self.weights.len()
    }

    fn groups_of(&self, b: usize) -> std::ops::Range<usize> {
        self.offsets[b]..self.offsets[b + 1]
    }
}

/// `f(y)` and every block's value and cut at `y`. Each block is summed in a fixed order, so the cuts do not
/// depend on the thread count.
fn separate(groups: &Groups, blocks: &Blocks, y: &[f64]) -> (f64, Vec<(f64, Cut)>) {
    let m = groups.n_sites();
    let cuts: Vec<(f64, Cut)> = (0..blocks.len())
        .into_par_iter()
        .map_init(
            || (vec![0.0f64; m], Vec::<u32>::new()),
            |(dense, touched), b| {
                let mut constant = 0.0;
                let mut value = 0.0;
                for g in blocks.groups_of(b) {
                    let sites = groups.sites_of(g);
                    let w = groups.weights[g];
                    let mass: f64 = sites.iter().map(|&j| y[j as usize]).sum();
                    if mass >= 1.0 {
                        constant += w;
                        value += w;
                    } else if w > 0.0 {
                        value += w * mass;
                        for &j in sites {
                            if dense[j as usize] == 0.0 {
                                touched.push(j);
                            }
                            dense[j as usize] += w;
                        }
                    }
                }
                touched.sort_unstable();
                let coefs = touched
                    .iter()
                    .map(|&j| (j, std::mem::take(&mut dense[j as usize])))
                    .collect();
                touched.clear();
                (
                    value,
                    Cut {
                        block: b,
                        constant,
                        coefs,
                    },
                )
            },
        )
        .collect();
    (cuts.iter().map(|(v, _)| v).sum(), cuts)
}

/// Separation moves this fraction of the way from the stability centre to the master's point.
const IN_OUT_STEP: f64 = 0.5;
/// The cutting planes stop when the bound is within this fraction of the best LP value seen...
const LP_TOLERANCE: f64 = 1e-5;
/// ...or has gained less than this share of its distance to the incumbent over [`STALL_ROUNDS`] rounds.
const STALL_SHARE: f64 = 0.01;
const STALL_ROUNDS: usize = 5;
/// A round is started only if the last one, times this, still fits before the deadline.
const ROUND_MARGIN: f64 = 1.5;

/// Proves `incumbent` (covering `covered`) optimal or finds a better plan, within `options`' gap, and stops
/// at `deadline`. `swap_time` is what the first swap search took; the LP phase leaves time for two more
/// from LP points (which make more swaps: up to twice as many were seen).
pub(crate) fn solve(
    problem: &Problem<'_>,
    incumbent: Vec<bool>,
    covered: f64,
    options: &SolveOptions,
    deadline: Option<Instant>,
    swap_time: Duration,
) -> Result<Exact, OptimizeError> {
    let groups = problem.groups;
    let tolerance = options.mip_rel_gap.max(1e-9);
    let mut state = State {
        problem,
        blocks: Blocks::by_first_site(groups),
        best: incumbent,
        best_covered: covered,
        bound: f64::INFINITY,
        cuts: Vec::new(),
        site_bounds: problem.site_bounds.clone(),
        tolerance,
        deadline,
        threads: options.threads.max(1),
        polish_time: swap_time * 2 + Duration::from_millis(200),
        proven_by_master: false,
    };
    let lp_deadline = deadline.map(|d| d.checked_sub(state.polish_time * 2).unwrap_or(d));
    let lp = state.cutting_planes(lp_deadline)?;
    debug!(
        bound = state.bound,
        lp_lower = lp.lp_lower,
        rounds = lp.rounds,
        cuts = state.cuts.len(),
        converged = lp.converged,
        "MCLP Benders LP"
    );
    for point in [&lp.best_point, &lp.master_point] {
        let plan = state.round(point);
        state.polish(plan, "LP point");
    }
    if state.settled() || !lp.converged || state.out_of_time() {
        return Ok(state.finish());
    }
    let Some(prices) = lp.prices else {
        return Ok(state.finish());
    };
    state.fix(&prices);
    state.master_mips(options)?;
    Ok(state.finish())
}

/// The solve's progress.
struct State<'a> {
    problem: &'a Problem<'a>,
    blocks: Blocks,
    best: Vec<bool>,
    best_covered: f64,
    /// The best bound so far (of plans better than the incumbent, once sites are fixed).
    bound: f64,
    cuts: Vec<Cut>,
    /// The problem's site bounds, plus reduced-cost fixings.
    site_bounds: Vec<(f64, f64)>,
    tolerance: f64,
    deadline: Option<Instant>,
    threads: u32,
    /// What a swap search from a new plan may take.
    polish_time: Duration,
    /// Whether a master MIP proved its plan optimal within the gap.
    proven_by_master: bool,
}

/// What the cutting planes on the LP reached.
struct LpPhase {
    /// The best LP value `f(y)` seen.
    lp_lower: f64,
    /// The point of that value, and the master's last point.
    best_point: Vec<f64>,
    master_point: Vec<f64>,
    /// The master's bound as a linear function of the sites (from its duals), if it was solved.
    prices: Option<Prices>,
    converged: bool,
    rounds: usize,
}

/// A bound valid for every plan, linear in the sites: `constant + Σ_j price_j y_j`.
struct Prices {
    constant: f64,
    price: Vec<f64>,
}

impl State<'_> {
    fn settled(&self) -> bool {
        self.bound - self.best_covered <= self.tolerance * self.best_covered.abs().max(1.0)
    }

    fn remaining(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_duration_since(Instant::now()))
    }

    fn out_of_time(&self) -> bool {
        self.remaining().is_some_and(|r| r.is_zero())
    }

    fn finish(self) -> Exact {
        let bound = self.bound.max(self.best_covered);
        Exact {
            proven: self.settled() || self.proven_by_master,
            open: self.best,
            covered: self.best_covered,
            bound,
        }
    }

    /// Phase 1: cutting planes on the master LP from the incumbent, until `lp_deadline`.
    fn cutting_planes(&mut self, lp_deadline: Option<Instant>) -> Result<LpPhase, OptimizeError> {
        let groups = self.problem.groups;
        let m = groups.n_sites();
        let mut centre: Vec<f64> = self.best.iter().map(|&o| if o { 1.0 } else { 0.0 }).collect();
        let (mut centre_value, first) = separate(groups, &self.blocks, &centre);
        self.cuts.extend(first.into_iter().map(|(_, c)| c));
        let Master {
            problem: built,
            y,
            theta,
        } = self.master(false);
        let mut model = built
            .try_optimise(Sense::Maximise)
            .map_err(|e| OptimizeError::Solver(format!("cannot build the MCLP master: {e:?}")))?;
        model.make_quiet();
        set(&mut model, "threads", self.threads as i32)?;
        set(&mut model, "presolve", "off")?;
        let mut phase = LpPhase {
            lp_lower: centre_value,
            best_point: centre.clone(),
            master_point: centre.clone(),
            prices: None,
            converged: false,
            rounds: 0,
        };
        let mut history: Vec<f64> = Vec::new();
        let mut duals: Vec<f64> = Vec::new();
        let mut last_round = Duration::ZERO;
        let mut solving = Duration::ZERO;
        loop {
            let remaining = lp_deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if remaining.is_some_and(|r| r.is_zero() || r < last_round.mul_f64(ROUND_MARGIN)) {
                break;
            }
            let round_started = Instant::now();
            phase.rounds += 1;
            if let Some(r) = remaining {
                // HiGHS's clock runs on over all the solves of one model.
                set(&mut model, "time_limit", (solving + r).as_secs_f64())?;
            }
            let solved = model
                .try_solve()
                .map_err(|e| OptimizeError::Solver(format!("{e:?}")))?;
            match solved.status() {
                HighsModelStatus::Optimal => {}
                // An unfinished simplex proves nothing: the bound stays the last round's.
                HighsModelStatus::ReachedTimeLimit => {
                    debug!(round = phase.rounds, elapsed = ?round_started.elapsed(), "MCLP master LP stopped by the time limit");
                    break;
                }
                other => {
                    return Err(OptimizeError::Solver(format!(
                        "MCLP master LP ended with {other:?}"
                    )));
                }
            }
            solving += round_started.elapsed();
            let master_s = round_started.elapsed().as_secs_f64();
            let solution = solved.get_solution();
            let columns = solution.columns();
            self.bound = self.bound.min(solved.objective_value());
            phase.master_point.copy_from_slice(&columns[..m]);
            let master_theta = columns[m..].to_vec();
            duals.clear();
            duals.extend_from_slice(solution.dual_rows());
            model = Model::from(solved);
            history.push(self.bound);
            let stalled = history.len() > STALL_ROUNDS
                && history[history.len() - 1 - STALL_ROUNDS] - self.bound
                    < STALL_SHARE * (self.bound - self.best_covered);
            if self.bound - phase.lp_lower <= LP_TOLERANCE * self.bound.abs().max(1.0) || stalled {
                phase.converged = true;
                break;
            }
            if self.settled() {
                break;
            }
            let point: Vec<f64> = centre
                .iter()
                .zip(&phase.master_point)
                .map(|(c, v)| c + IN_OUT_STEP * (v - c))
                .collect();
            let slack = 1e-9 * self.bound.abs().max(1.0);
            let violated = |cuts: Vec<(f64, Cut)>| -> Vec<Cut> {
                cuts.into_iter()
                    .map(|(_, c)| c)
                    .filter(|c| c.at(&phase.master_point) < master_theta[c.block] - slack)
                    .collect()
            };
            let (mut value, cuts) = separate(groups, &self.blocks, &point);
            let mut at = point;
            let mut cuts = violated(cuts);
            // Cuts at the stabilised point that the master's point satisfies are no progress: separate there.
            if cuts.is_empty() {
                let (master_value, master_cuts) = separate(groups, &self.blocks, &phase.master_point);
                value = master_value;
                at = phase.master_point.clone();
                cuts = violated(master_cuts);
            }
            if value > centre_value {
                centre_value = value;
                centre = at;
                phase.lp_lower = value;
                phase.best_point.clone_from(&centre);
            }
            debug!(
                round = phase.rounds,
                bound = self.bound,
                lp_lower = phase.lp_lower,
                new_cuts = cuts.len(),
                master_s,
                round_s = round_started.elapsed().as_secs_f64(),
                "MCLP Benders round"
            );
            if cuts.is_empty() {
                // No block's cut separates the master's point: its bound is the LP bound.
                phase.converged = true;
                break;
            }
            for cut in &cuts {
                model
                    .try_add_row(..=cut.constant, cut_row(cut, &y, &theta))
                    .map_err(|e| OptimizeError::Solver(format!("cannot add a cut: {e:?}")))?;
            }
            self.cuts.extend(cuts);
            last_round = round_started.elapsed();
        }
        if !duals.is_empty() {
            phase.prices = Some(self.prices(&duals));
        }
        Ok(phase)
    }

    /// The master's bound as a linear function of the sites, from the duals `λ ≥ 0` of its cut rows: for every
    /// block, `θ_b ≤ Σ_{k ∈ b} λ_k (cut_k) + (1 − Σ_{k ∈ b} λ_k)⁺ W_b` (and `θ_b ≥ 0` covers any excess of
    /// the λ over one), so the sum is a valid bound whatever the duals' accuracy.
    fn prices(&self, row_duals: &[f64]) -> Prices {
        let mut price = vec![0.0; self.problem.groups.n_sites()];
        let mut weight_used = vec![0.0; self.blocks.len()];
        let mut constant = 0.0;
        // Row 0 is the cardinality row; then the cuts in order.
        for (cut, &dual) in self.cuts.iter().zip(&row_duals[1..]) {
            let lambda = dual.abs();
            if lambda == 0.0 {
                continue;
            }
            constant += lambda * cut.constant;
            weight_used[cut.block] += lambda;
            for &(j, c) in &cut.coefs {
                price[j as usize] += lambda * c;
            }
        }
        constant += weight_used
            .iter()
            .zip(&self.blocks.weights)
            .map(|(used, w)| (1.0 - used).max(0.0) * w)
            .sum::<f64>();
        Prices { constant, price }
    }

    /// Phase 2: an LP point rounded to a plan: its largest values (required sites in, forbidden ones out).
    fn round(&self, point: &[f64]) -> Vec<bool> {
        let mut open = vec![false; point.len()];
        let fixed = fixed_sites(self.problem.site_bounds.iter().copied());
        choose_sites(point, self.problem.p, &fixed, Best::Largest, &mut open);
        open
    }

    /// Improves `plan` by swaps, if there is time for that, and keeps it if it beats the incumbent.
    fn polish(&mut self, mut plan: Vec<bool>, from: &str) {
        let groups = self.problem.groups;
        if self.remaining().is_none_or(|r| r > self.polish_time) {
            heuristic::swap(
                groups,
                &mut plan,
                &self.problem.required(),
                &self.problem.allowed(),
            );
        }
        let covered = groups.covered(&plan);
        debug!(from, covered, incumbent = self.best_covered, "MCLP plan polished");
        if covered > self.best_covered {
            self.best_covered = covered;
            self.best = plan;
        }
    }

    /// Phase 3: fixes the free sites whose forcing the other way cannot beat the incumbent by `prices`.
    fn fix(&mut self, prices: &Prices) {
        let p = self.problem.p;
        let fixed_open: Vec<usize> = (0..self.site_bounds.len())
            .filter(|&j| self.site_bounds[j].0 > 0.0)
            .collect();
        let mut free: Vec<usize> = (0..self.site_bounds.len())
            .filter(|&j| self.site_bounds[j] == (0.0, 1.0))
            .collect();
        free.sort_by(|&a, &b| prices.price[b].total_cmp(&prices.price[a]).then(a.cmp(&b)));
        let wanted = p.saturating_sub(fixed_open.len());
        if wanted == 0 || wanted >= free.len() {
            return;
        }
        let base = prices.constant + fixed_open.iter().map(|&j| prices.price[j]).sum::<f64>();
        let top: f64 = free[..wanted].iter().map(|&j| prices.price[j]).sum();
        // The last site in and the first one out of the best `wanted`.
        let last_in = prices.price[free[wanted - 1]];
        let first_out = prices.price[free[wanted]];
        let slack = 1e-9 * self.best_covered.abs().max(1.0);
        let beaten = |bound: f64| bound <= self.best_covered - slack;
        let (mut closed, mut opened) = (0, 0);
        for (rank, &j) in free.iter().enumerate() {
            let price = prices.price[j];
            if rank < wanted {
                // Forced closed: the next best takes its place.
                if beaten(base + top - price + first_out) {
                    self.site_bounds[j] = (1.0, 1.0);
                    opened += 1;
                }
            } else if beaten(base + top - last_in + price) {
                self.site_bounds[j] = (0.0, 0.0);
                closed += 1;
            }
        }
        self.bound = self.bound.min((base + top).max(self.best_covered));
        debug!(
            bound = base + top,
            closed,
            opened,
            free = free.len() - closed - opened,
            "MCLP reduced-cost fixing"
        );
    }

    /// Phase 4: master MIPs over the cuts, each followed by the cuts at its plan, until the bound meets the
    /// incumbent or time runs out.
    fn master_mips(&mut self, options: &SolveOptions) -> Result<(), OptimizeError> {
        let groups = self.problem.groups;
        let m = groups.n_sites();
        loop {
            if self.settled() {
                return Ok(());
            }
            let mut limits = options.clone();
            limits.time_limit_s = self.remaining().map(|r| r.as_secs_f64());
            if limits.time_limit_s.is_some_and(|t| t <= 0.0) {
                return Ok(());
            }
            let start = self.start_values();
            let built = self.master(true).problem;
            let (values, mip_bound, proven) = match mip::solve(built, Sense::Maximise, &limits, Some(start))?
            {
                // Fixing removed only plans no better than the incumbent: nothing left means it is optimal.
                MipOutcome::Infeasible => {
                    self.bound = self.best_covered;
                    return Ok(());
                }
                MipOutcome::Plan {
                    values,
                    bound,
                    proven,
                } => (values, bound, proven),
            };
            let open: Vec<bool> = values[..m].iter().map(|&v| v > 0.5).collect();
            let point: Vec<f64> = open.iter().map(|&o| if o { 1.0 } else { 0.0 }).collect();
            let (covered, cuts) = separate(groups, &self.blocks, &point);
            self.polish(open, "master MIP");
            if mip_bound.is_finite() {
                self.bound = self.bound.min(mip_bound.max(self.best_covered));
            }
            let slack = 1e-9 * self.bound.abs().max(1.0);
            let new_cuts: Vec<Cut> = cuts
                .into_iter()
                .map(|(_, c)| c)
                .filter(|c| c.at(&point) < values[m + c.block] - slack)
                .collect();
            debug!(
                covered,
                best = self.best_covered,
                bound = self.bound,
                new_cuts = new_cuts.len(),
                proven,
                "MCLP master MIP"
            );
            if proven && new_cuts.is_empty() {
                // A proven master whose plan no cut separates is optimal (within the gap): its θ are the
                // true values.
                self.proven_by_master = true;
                return Ok(());
            }
            if !proven {
                return Ok(());
            }
            self.cuts.extend(new_cuts);
        }
    }

    /// The incumbent as master column values: the sites, then each block's covered weight.
    fn start_values(&self) -> Vec<f64> {
        let point: Vec<f64> = self.best.iter().map(|&o| if o { 1.0 } else { 0.0 }).collect();
        let (_, cuts) = separate(self.problem.groups, &self.blocks, &point);
        point
            .iter()
            .copied()
            .chain(cuts.iter().map(|(v, _)| *v))
            .collect()
    }

    /// The master over the cuts so far: sites (binary when `integer`) under the current bounds, one `θ` per
    /// block capped by its weight, exactly `p` sites.
    fn master(&self, integer: bool) -> Master {
        let mut problem = RowProblem::default();
        let y: Vec<Col> = self
            .site_bounds
            .iter()
            .map(|&(lo, hi)| {
                if integer {
                    problem.add_integer_column(0.0, lo..=hi)
                } else {
                    problem.add_column(0.0, lo..=hi)
                }
            })
            .collect();
        let theta: Vec<Col> = self
            .blocks
            .weights
            .iter()
            .map(|&w| problem.add_column(1.0, 0.0..=w))
            .collect();
        let p = self.problem.p as f64;
        problem.add_row(p..=p, y.iter().map(|&c| (c, 1.0)));
        for cut in &self.cuts {
            problem.add_row(..=cut.constant, cut_row(cut, &y, &theta));
        }
        Master { problem, y, theta }
    }
}

/// A built master and its columns.
struct Master {
    problem: RowProblem,
    y: Vec<Col>,
    theta: Vec<Col>,
}

/// `θ_b − Σ coefs·y`, the left-hand side of a cut row.
fn cut_row<'a>(cut: &'a Cut, y: &'a [Col], theta: &'a [Col]) -> impl Iterator<Item = (Col, f64)> + 'a {
    std::iter::once((theta[cut.block], 1.0)).chain(cut.coefs.iter().map(|&(j, c)| (y[j as usize], -c)))
}

fn set<V: highs::HighsOptionValue>(model: &mut Model, key: &str, value: V) -> Result<(), OptimizeError> {
    model
        .try_set_option(key, value)
        .map_err(|e| OptimizeError::Solver(format!("cannot set option {key}: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Coverage;
    use crate::mclp::groups::random_groups;

    /// Every way to open `p` of the sites within the bounds: the most covered weight.
    fn enumerated_optimum(groups: &Groups, p: usize, bounds: &[(f64, f64)]) -> f64 {
        let m = groups.n_sites();
        (0u32..1 << m)
            .filter(|mask| mask.count_ones() as usize == p)
            .map(|mask| (0..m).map(|j| mask >> j & 1 == 1).collect::<Vec<bool>>())
            .filter(|open| {
                (0..m).all(|j| {
                    bounds[j].0 <= f64::from(u8::from(open[j])) && f64::from(u8::from(open[j])) <= bounds[j].1
                })
            })
            .map(|open| groups.covered(&open))
            .fold(f64::NEG_INFINITY, f64::max)
    }

    fn state<'a>(problem: &'a Problem<'a>, open: Vec<bool>) -> State<'a> {
        let covered = problem.groups.covered(&open);
        State {
            problem,
            blocks: Blocks::by_first_site(problem.groups),
            best: open,
            best_covered: covered,
            bound: f64::INFINITY,
            cuts: Vec::new(),
            site_bounds: problem.site_bounds.clone(),
            tolerance: 1e-9,
            deadline: None,
            // HiGHS's scheduler takes the first thread count a process asks for: the default's, as elsewhere.
            threads: SolveOptions::default().threads,
            polish_time: Duration::ZERO,
            proven_by_master: false,
        }
    }

    /// The grouped model's LP relaxation solved whole by HiGHS.
    fn highs_lp(groups: &Groups, p: usize, bounds: &[(f64, f64)]) -> f64 {
        let mut problem = RowProblem::default();
        let y: Vec<Col> = bounds
            .iter()
            .map(|&(lo, hi)| problem.add_column(0.0, lo..=hi))
            .collect();
        for g in 0..groups.len() {
            let z = problem.add_column(groups.weights[g], 0.0..=1.0);
            problem.add_row(
                ..=0.0,
                std::iter::once((z, 1.0)).chain(groups.sites_of(g).iter().map(|&j| (y[j as usize], -1.0))),
            );
        }
        problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
        let mut model = problem.optimise(Sense::Maximise);
        model.make_quiet();
        let solved = model.solve();
        assert_eq!(solved.status(), HighsModelStatus::Optimal);
        solved.objective_value()
    }

    fn bounds_for(seed: u64, m: usize) -> Vec<(f64, f64)> {
        (0..m)
            .map(|j| match (seed + j as u64) % 9 {
                0 if seed.is_multiple_of(3) => (1.0, 1.0),
                4 if seed.is_multiple_of(2) => (0.0, 0.0),
                _ => (0.0, 1.0),
            })
            .collect()
    }

    #[test]
    fn benders_proves_the_enumerated_optimum() {
        for seed in 0..14 {
            let m = 12;
            let groups = if seed < 2 {
                pairs(m)
            } else {
                random_groups(seed, 400, m, 22.0)
            };
            let p = 2 + seed as usize % 4;
            let site_bounds = bounds_for(seed, m);
            let best = enumerated_optimum(&groups, p, &site_bounds);
            let problem = Problem {
                groups: &groups,
                p,
                site_bounds: site_bounds.clone(),
            };
            // A deliberately poor start: the required sites and the first allowed ones.
            let mut start = vec![false; m];
            let required: Vec<usize> = (0..m).filter(|&j| site_bounds[j].0 > 0.0).collect();
            required.iter().for_each(|&j| start[j] = true);
            (0..m)
                .filter(|&j| site_bounds[j] == (0.0, 1.0))
                .take(p - required.len())
                .for_each(|j| start[j] = true);
            let covered = groups.covered(&start);
            let exact = solve(
                &problem,
                start,
                covered,
                &SolveOptions::default(),
                None,
                Duration::ZERO,
            )
            .expect("solves");
            assert!(exact.proven, "seed {seed}");
            assert!(
                (exact.covered - best).abs() <= 1e-9 * best,
                "seed {seed}: {} vs {best}",
                exact.covered
            );
            assert_eq!(groups.covered(&exact.open), exact.covered);
            assert_eq!(exact.open.iter().filter(|o| **o).count(), p);
            assert!(
                (0..m).all(|j| f64::from(u8::from(exact.open[j])) >= site_bounds[j].0
                    && f64::from(u8::from(exact.open[j])) <= site_bounds[j].1)
            );
            assert!(
                exact.bound >= best - 1e-9 * best && exact.bound <= best * (1.0 + 1e-6),
                "seed {seed}"
            );
        }
    }

    /// One point for every pair of `m` sites, covered by both (weights 1 to 3): opening `p` leaves the pairs
    /// among the closed ones uncovered, while the LP opens every site by half and covers all.
    fn pairs(m: usize) -> Groups {
        let lists: Vec<Vec<usize>> = (0..m).flat_map(|a| (a + 1..m).map(move |b| vec![a, b])).collect();
        let weights: Vec<f64> = (0..lists.len()).map(|i| 1.0 + (i % 3) as f64).collect();
        Groups::new(&Coverage::from_lists(m, lists).expect("valid"), &weights)
    }

    #[test]
    fn cutting_planes_reach_the_lp_bound_and_the_duals_price_every_plan() {
        let mut gaps = 0;
        for seed in 0..10 {
            let m = 14;
            let (groups, p) = if seed < 2 {
                (pairs(m), m / 2 - seed as usize)
            } else {
                (
                    random_groups(100 + seed, 600, m, 18.0 + 2.0 * seed as f64),
                    3 + seed as usize % 3,
                )
            };
            let site_bounds = bounds_for(seed, m);
            let lp = highs_lp(&groups, p, &site_bounds);
            let problem = Problem {
                groups: &groups,
                p,
                site_bounds: site_bounds.clone(),
            };
            let mut open = vec![false; m];
            let fixed = fixed_sites(site_bounds.iter().copied());
            choose_sites(&vec![0.0; m], p, &fixed, Best::Largest, &mut open);
            let mut state = state(&problem, open);
            let phase = state.cutting_planes(None).expect("solves");
            // The master's bound is valid at every round, and the LP value once converged.
            assert!(
                state.bound >= lp * (1.0 - 1e-9),
                "seed {seed}: {} below {lp}",
                state.bound
            );
            assert!(phase.converged);
            assert!(
                state.bound <= lp * (1.0 + 1e-4),
                "seed {seed}: {} vs {lp}",
                state.bound
            );
            let best = enumerated_optimum(&groups, p, &site_bounds);
            if lp > best * (1.0 + 1e-6) {
                gaps += 1;
            }
            // The duals' linear bound: at least the covered weight of every plan, and the LP bound at its best.
            let prices = phase.prices.expect("a solved master");
            for mask in (0u32..1 << m).filter(|mask| mask.count_ones() as usize == p) {
                let open: Vec<bool> = (0..m).map(|j| mask >> j & 1 == 1).collect();
                let priced: f64 =
                    prices.constant + (0..m).filter(|&j| open[j]).map(|j| prices.price[j]).sum::<f64>();
                assert!(priced >= groups.covered(&open) - 1e-6 * lp, "seed {seed}");
            }
            let mut chosen = vec![false; m];
            let top = choose_sites(&prices.price, p, &fixed, Best::Largest, &mut chosen);
            assert!(
                (prices.constant + top - state.bound).abs() <= 1e-6 * lp,
                "seed {seed}"
            );
        }
        // The instances are not all ones whose LP is integral.
        assert!(gaps > 0);
    }
}
