//! Exact p-median by Benders decomposition on the radius formulation (Cornuéjols, Nemhauser & Wolsey 1980;
//! García, Labbé & Marín 2011; Duran-Mateluna, Ales & Elloumi 2023).
//!
//! The master keeps the site variables `y` and one cost variable `θ_i` per client. For a point `y*`, client
//! `i`'s cut takes the first cost level `D` at which the open mass along its sorted list reaches one:
//!
//! `θ_i ≥ D − Σ_{j : c_ij < D} (D − c_ij) · y_j`
//!
//! valid for every plan (it never exceeds the cost of the client's nearest open site) and exact at integral
//! points. HiGHS has no lazy-constraint callback, so the method runs in phases: the Lagrangian bound and its
//! site fixings (`lagrangian.rs`; on instances too large for what follows, a core search, `core.rs`);
//! cutting planes on the LP relaxation until no cut is violated (the LP bound of the radius formulation, tight
//! on most instances) and reduced-cost fixing against the incumbent; then the Lagrangian tree (`branch.rs`)
//! over the sites still free. Without an incumbent the tree has nothing to prune with, so probing, the
//! assignment MIP or master MIPs (each followed by cuts at its plan) finish instead.

use std::time::{Duration, Instant};

use highs::{Col, HighsModelStatus, Model, RowProblem, Sense};
use rayon::prelude::*;
use tracing::debug;

use super::assignment;
use super::heuristic::{Open, interchange};
use super::lagrangian::{lagrangian_bound, reduced_cost_fixing};
use super::lists::ServiceLists;
use super::{branch, core, popmusic};
use crate::mip::{self, MipOutcome};
use crate::relaxed_choice::fixed_sites;
use crate::{OptimizeError, SolveOptions};

/// Up to this many assignment variables after fixing, the classic formulation finishes the proof; beyond,
/// master MIPs over the Benders cuts do.
const ASSIGNMENT_PAIRS: usize = 2_000_000;

/// Beyond this many pairs the Lagrangian tree follows the Lagrangian bound without the LP phase between.
const LP_TREE_PAIRS: usize = 500_000;

/// Beyond this many pairs the LP phases cost more than they prove within a minute; the Lagrangian bound
/// is the answer there.
pub(crate) const LP_PAIRS: usize = 4_000_000;

/// The share of the remaining time the Lagrangian ascent may take (it usually stalls well before).
const ASCENT_SHARE: f64 = 0.5;

/// The share of the remaining time the core search of a large instance may take: its Lagrangian restarts
/// find good plans within seconds, its tree rarely more.
const CORE_SHARE: f64 = 0.25;

/// The share of the time left after the core that POPMUSIC may take (it usually converges before).
const POPMUSIC_SHARE: f64 = 0.95;

/// `θ_client + Σ coefs·y ≥ rhs`.
struct Cut {
    client: usize,
    rhs: f64,
    coefs: Vec<(u32, f64)>,
}

/// How the exact phase ended.
pub(crate) enum Exact {
    /// The best plan found (the incumbent or better), a proven lower bound, and whether they meet.
    Plan { open: Open, bound: f64, proven: bool },
    /// No choice of sites serves every client.
    Infeasible,
}

/// The fixed inputs of one exact solve.
pub(crate) struct Problem<'a> {
    pub(crate) lists: &'a ServiceLists,
    pub(crate) weights: &'a [f64],
    pub(crate) p: usize,
    /// Per site: `(lower, upper)` bounds of its variable (required, forbidden, free).
    pub(crate) site_bounds: Vec<(f64, f64)>,
    /// Whether every cost and weight is an integer, so a bound may be rounded up.
    pub(crate) integral: bool,
}

/// Proves `incumbent` optimal or finds a better plan, within the options' time limit and gap.
pub(crate) fn solve(
    problem: &Problem<'_>,
    incumbent: Open,
    options: &SolveOptions,
) -> Result<Exact, OptimizeError> {
    let started = Instant::now();
    let deadline = options.time_limit_s.map(|t| started + Duration::from_secs_f64(t));
    let remaining = || {
        options
            .time_limit_s
            .map(|t| (t - started.elapsed().as_secs_f64()).max(0.0))
    };
    let lists = problem.lists;
    let mut best_cost = lists.total_cost(problem.weights, &incumbent);
    let mut best = incumbent;
    let tolerance = options.mip_rel_gap.max(1e-9);
    // A plan that leaves a client unserved costs infinity and settles nothing, whatever the bound.
    let settled =
        |lower: f64, upper: f64| upper.is_finite() && upper - lower <= tolerance * upper.abs().max(1.0);

    let mut bound = f64::NEG_INFINITY;
    // The Lagrangian fixes sites; the phases after it work on the lists those fixings leave.
    let restricted_lists;
    let restricted_problem;
    let mut problem = problem;
    let mut multipliers = None;
    if best_cost.is_finite() {
        let incumbent_costs: Vec<f64> = (0..lists.n_clients())
            .map(|i| lists.nearest_open(i, &best).map_or(0.0, |(_, c)| c))
            .collect();
        // The ascent leaves time for the restarts and the phases after it.
        let ascent_deadline = remaining().map(|t| Instant::now() + Duration::from_secs_f64(t * ASCENT_SHARE));
        let lagrangian = lagrangian_bound(problem, &incumbent_costs, best_cost, tolerance, ascent_deadline);
        let time_left = || remaining().is_none_or(|t| t > 0.0);
        let mut elite = vec![best.clone()];
        for (plan, _) in lagrangian.plans {
            if time_left() {
                elite.push(polish(
                    problem,
                    plan,
                    &mut best,
                    &mut best_cost,
                    "Lagrangian",
                    deadline,
                ));
            }
        }
        bound = problem.round_bound(lagrangian.bound).min(best_cost);
        if !settled(bound, best_cost) && lists.n_pairs() > LP_PAIRS && time_left() {
            // The exact phases cannot take every pair: solve the core of the good plans instead.
            elite.insert(0, best.clone());
            let mut limits = options.clone();
            limits.time_limit_s = remaining().map(|t| t * CORE_SHARE);
            if let Some(plan) = core::search(problem, &elite, &lagrangian.primal_sites, &limits)? {
                let cost = lists.total_cost(problem.weights, &plan);
                debug!(cost, incumbent = best_cost, "p-median core plan");
                if cost < best_cost {
                    best_cost = cost;
                    best = plan;
                }
            }
            // Then region by region: the core's plan is a local optimum of the interchange, rarely of POPMUSIC.
            let until = remaining().map(|t| Instant::now() + Duration::from_secs_f64(t * POPMUSIC_SHARE));
            let mut plan = best.clone();
            let cost = popmusic::improve(problem, &mut plan, until)?;
            if cost < best_cost {
                best_cost = cost;
                best = plan;
            }
        }
        if !time_left() {
            return Ok(Exact::Plan {
                open: best,
                bound,
                proven: settled(bound, best_cost),
            });
        }
        multipliers = Some(lagrangian.multipliers.clone());
        let fixed = reduced_cost_fixing(
            problem,
            &fixed_sites(problem.site_bounds.iter().copied()),
            &lagrangian.site_values,
            lagrangian.bound,
            best_cost,
        );
        let site_bounds: Vec<(f64, f64)> = fixed
            .iter()
            .map(|f| match f {
                Some(true) => (1.0, 1.0),
                Some(false) => (0.0, 0.0),
                None => (0.0, 1.0),
            })
            .collect();
        restricted_lists = lists.restricted(&site_bounds);
        debug!(
            pairs = restricted_lists.n_pairs(),
            of = lists.n_pairs(),
            "p-median pairs left by the Lagrangian fixings"
        );
        let out_of_time = remaining().is_some_and(|t| t <= 0.0);
        if settled(bound, best_cost) || out_of_time || restricted_lists.n_pairs() > LP_PAIRS {
            let proven = settled(bound, best_cost);
            return Ok(Exact::Plan {
                open: best,
                bound,
                proven,
            });
        }
        restricted_problem = Problem {
            lists: &restricted_lists,
            weights: problem.weights,
            p: problem.p,
            site_bounds,
            integral: problem.integral,
        };
        problem = &restricted_problem;
    }
    let lists = problem.lists;
    if let Some(lambda) = multipliers.take_if(|_| lists.n_pairs() > LP_TREE_PAIRS) {
        // An LP round over this many pairs costs more than the tree it would shorten.
        return Ok(tree(
            problem, lambda, best, best_cost, bound, tolerance, options, started,
        ));
    }
    let mut cuts: Vec<Cut> = Vec::new();
    if best_cost.is_finite() {
        cuts.extend(violated_cuts(problem, &as_values(&best), None));
    }
    let Some(mut relaxation) = solve_relaxation(problem, &mut cuts, options, &remaining)? else {
        return Ok(Exact::Infeasible);
    };
    if let Some(plan) = problem.round_up(&relaxation.sites) {
        polish(problem, plan, &mut best, &mut best_cost, "LP", deadline);
    }
    bound = bound.max(problem.round_bound(relaxation.bound)).min(best_cost);
    debug!(
        bound,
        best_cost,
        cuts = cuts.len(),
        rounds = relaxation.rounds,
        "p-median LP bound"
    );
    if settled(bound, best_cost) || !relaxation.converged {
        let proven = settled(bound, best_cost);
        return Ok(Exact::Plan {
            open: best,
            bound,
            proven,
        });
    }

    let mut site_bounds = fix_by_reduced_cost(problem, &relaxation, best_cost);
    if let Some(lambda) = multipliers {
        // The LP bound leaves a gap: close it in a Lagrangian tree over the sites still free.
        let tree_problem = Problem {
            lists: problem.lists,
            weights: problem.weights,
            p: problem.p,
            site_bounds,
            integral: problem.integral,
        };
        return Ok(tree(
            &tree_problem,
            lambda,
            best,
            best_cost,
            bound,
            tolerance,
            options,
            started,
        ));
    }
    if let Some((model, y)) = relaxation.lp.take() {
        let probe_until =
            Instant::now() + Duration::from_secs_f64(remaining().unwrap_or(f64::INFINITY).min(PROBING_S));
        probe(
            problem,
            model,
            &y,
            &relaxation.sites,
            &mut site_bounds,
            best_cost,
            probe_until,
        )?;
    }
    let fixed = site_bounds.iter().filter(|(lo, hi)| lo == hi).count();
    let pairs = assignment::size(problem, &site_bounds);
    debug!(
        fixed,
        sites = site_bounds.len(),
        pairs,
        "sites fixed by reduced cost and probing"
    );
    if pairs <= ASSIGNMENT_PAIRS {
        let mut limits = options.clone();
        limits.time_limit_s = remaining();
        return Ok(match assignment::solve(problem, &site_bounds, &best, &limits)? {
            MipOutcome::Infeasible => beyond_fixings(best, best_cost),
            MipOutcome::Plan {
                values,
                bound: mip_bound,
                proven,
            } => {
                let open: Open = values[..lists.n_sites()].iter().map(|v| *v > 0.5).collect();
                let cost = lists.total_cost(problem.weights, &open);
                if cost < best_cost {
                    best_cost = cost;
                    best = open;
                }
                if mip_bound.is_finite() {
                    bound = bound.max(problem.round_bound(mip_bound)).min(best_cost);
                }
                Exact::Plan {
                    open: best,
                    bound,
                    proven,
                }
            }
        });
    }
    loop {
        let mut limits = options.clone();
        limits.time_limit_s = remaining();
        if limits.time_limit_s.is_some_and(|t| t <= 0.0) {
            return Ok(Exact::Plan {
                open: best,
                bound,
                proven: false,
            });
        }
        let start = best_cost.is_finite().then(|| start_values(problem, &best));
        let built = master(problem, &site_bounds, &cuts, true).problem;
        let (values, mip_bound, proven) = match mip::solve(built, Sense::Minimise, &limits, start)? {
            MipOutcome::Infeasible => return Ok(beyond_fixings(best, best_cost)),
            MipOutcome::Plan {
                values,
                bound,
                proven,
            } => (values, bound, proven),
        };
        let m = lists.n_sites();
        let open: Open = values[..m].iter().map(|v| *v > 0.5).collect();
        let cost = lists.total_cost(problem.weights, &open);
        if cost < best_cost {
            best_cost = cost;
            best = open.clone();
        }
        if mip_bound.is_finite() {
            bound = bound.max(problem.round_bound(mip_bound)).min(best_cost);
        }
        let new_cuts = violated_cuts(problem, &as_values(&open), Some(&values[m..]));
        debug!(
            cost,
            best_cost,
            bound,
            new_cuts = new_cuts.len(),
            proven,
            "p-median master MIP"
        );
        if settled(bound, best_cost) || (proven && new_cuts.is_empty()) {
            // A proven master whose plan no cut separates is optimal: its θ are the true costs.
            return Ok(Exact::Plan {
                open: best,
                bound: best_cost.min(bound.max(mip_bound)),
                proven: true,
            });
        }
        if !proven {
            return Ok(Exact::Plan {
                open: best,
                bound,
                proven: false,
            });
        }
        cuts.extend(new_cuts);
    }
}

/// The Lagrangian tree from `lambda` until the options' deadline, as the exact phase's result.
#[allow(clippy::too_many_arguments)]
fn tree(
    problem: &Problem<'_>,
    lambda: Vec<f64>,
    best: Open,
    best_cost: f64,
    bound: f64,
    tolerance: f64,
    options: &SolveOptions,
    started: Instant,
) -> Exact {
    let deadline = options.time_limit_s.map(|t| started + Duration::from_secs_f64(t));
    let tree = branch::search(problem, lambda, best, best_cost, tolerance, deadline);
    Exact::Plan {
        open: tree.best,
        bound: bound.max(problem.round_bound(tree.bound)).min(tree.best_cost),
        proven: tree.proven,
    }
}

/// Runs the interchange from `plan` and keeps the result if it beats the incumbent; returns the result.
pub(crate) fn polish(
    problem: &Problem<'_>,
    mut plan: Open,
    best: &mut Open,
    best_cost: &mut f64,
    from: &str,
    until: Option<Instant>,
) -> Open {
    let required = problem.required();
    let allowed: Vec<bool> = problem.site_bounds.iter().map(|(_, hi)| *hi > 0.0).collect();
    interchange(
        problem.lists,
        problem.weights,
        &mut plan,
        &required,
        &allowed,
        until,
    );
    let cost = problem.lists.total_cost(problem.weights, &plan);
    debug!(from, cost, incumbent = *best_cost, "p-median restart polished");
    if cost < *best_cost {
        *best_cost = cost;
        best.clone_from(&plan);
    }
    plan
}

impl Problem<'_> {
    /// The sites fixed open.
    fn required(&self) -> Vec<usize> {
        (0..self.site_bounds.len())
            .filter(|&j| self.site_bounds[j].0 > 0.0)
            .collect()
    }

    /// The p sites of largest LP value (required ones first): a rounding of a fractional plan.
    fn round_up(&self, values: &[f64]) -> Option<Open> {
        let mut order: Vec<usize> = (0..values.len())
            .filter(|&j| self.site_bounds[j].1 > 0.0)
            .collect();
        order.sort_by(|&a, &b| {
            let key = |j: usize| (self.site_bounds[j].0, values[j]);
            key(b)
                .partial_cmp(&key(a))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        if order.len() < self.p {
            return None;
        }
        let mut open = vec![false; values.len()];
        order[..self.p].iter().for_each(|&j| open[j] = true);
        Some(open)
    }

    /// A lower bound made as strong as the data allows: rounded up when every cost and weight is integral.
    fn round_bound(&self, bound: f64) -> f64 {
        if self.integral {
            (bound - 1e-6 * bound.abs().max(1.0)).ceil()
        } else {
            bound
        }
    }
}

/// The LP phase's result.
struct Relaxation {
    bound: f64,
    /// Reduced costs of the site variables at the last LP optimum.
    reduced_costs: Vec<f64>,
    /// The site values at the last LP optimum.
    sites: Vec<f64>,
    /// The solved LP and its site columns, kept for probing.
    lp: Option<(Model, Vec<Col>)>,
    /// Whether the cutting planes stopped because no cut was violated (not because time ran out).
    converged: bool,
    rounds: usize,
}

/// Cutting planes on the LP relaxation until no client's cut is violated. `None` when the LP is infeasible.
fn solve_relaxation(
    problem: &Problem<'_>,
    cuts: &mut Vec<Cut>,
    options: &SolveOptions,
    remaining: &dyn Fn() -> Option<f64>,
) -> Result<Option<Relaxation>, OptimizeError> {
    let m = problem.lists.n_sites();
    let Master {
        problem: built,
        y,
        theta,
    } = master(problem, &problem.site_bounds, cuts, false);
    let mut model = built
        .try_optimise(Sense::Minimise)
        .map_err(|e| OptimizeError::Solver(format!("cannot build the p-median master: {e:?}")))?;
    model.make_quiet();
    set(&mut model, "threads", options.threads.max(1) as i32)?;
    let mut rounds = 0;
    loop {
        rounds += 1;
        if let Some(t) = remaining() {
            set(&mut model, "time_limit", t)?;
        }
        let solved = model
            .try_solve()
            .map_err(|e| OptimizeError::Solver(format!("{e:?}")))?;
        match solved.status() {
            HighsModelStatus::Optimal => {}
            HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => return Ok(None),
            HighsModelStatus::ReachedTimeLimit => {
                // No valid LP bound from an unfinished simplex: the trivial one (every θ at its floor).
                let floor = floor_bound(problem);
                return Ok(Some(Relaxation {
                    bound: floor,
                    reduced_costs: vec![0.0; m],
                    sites: vec![0.0; m],
                    lp: None,
                    converged: false,
                    rounds,
                }));
            }
            other => return Err(OptimizeError::Solver(format!("p-median LP ended with {other:?}"))),
        }
        let solution = solved.get_solution();
        let bound = solved.objective_value();
        let new_cuts = violated_cuts(problem, &solution.columns()[..m], Some(&solution.columns()[m..]));
        let out_of_time = remaining().is_some_and(|t| t <= 0.0);
        if new_cuts.is_empty() || out_of_time {
            return Ok(Some(Relaxation {
                bound,
                reduced_costs: solution.dual_columns()[..m].to_vec(),
                sites: solution.columns()[..m].to_vec(),
                lp: Some((Model::from(solved), y)),
                converged: new_cuts.is_empty(),
                rounds,
            }));
        }
        model = Model::from(solved);
        for cut in &new_cuts {
            model
                .try_add_row(
                    cut.rhs..,
                    std::iter::once((theta[cut.client], 1.0))
                        .chain(cut.coefs.iter().map(|&(j, a)| (y[j as usize], a))),
                )
                .map_err(|e| OptimizeError::Solver(format!("cannot add a cut: {e:?}")))?;
        }
        cuts.extend(new_cuts);
    }
}

/// The master problem over the cuts so far: sites binary (`integer`) or continuous, θ_i ≥ the client's
/// nearest allowed cost, exactly `p` sites, and a covering row for every client that cannot use every site.
/// A built master problem and its columns: sites first, then one θ per client.
struct Master {
    problem: RowProblem,
    y: Vec<Col>,
    theta: Vec<Col>,
}

fn master(problem: &Problem<'_>, site_bounds: &[(f64, f64)], cuts: &[Cut], integer: bool) -> Master {
    let lists = problem.lists;
    let mut model = RowProblem::default();
    let y: Vec<Col> = site_bounds
        .iter()
        .map(|&(lo, hi)| {
            if integer {
                model.add_integer_column(0.0, lo..=hi)
            } else {
                model.add_column(0.0, lo..=hi)
            }
        })
        .collect();
    let theta: Vec<Col> = (0..lists.n_clients())
        .map(|i| model.add_column(problem.weights[i], lists.row(i).1[0]..))
        .collect();
    let p = problem.p as f64;
    model.add_row(p..=p, y.iter().map(|&c| (c, 1.0)));
    let n_allowed = site_bounds.iter().filter(|(_, hi)| *hi > 0.0).count();
    for i in 0..lists.n_clients() {
        if !lists.lists_all(i, n_allowed) {
            model.add_row(1.0.., lists.row(i).0.iter().map(|&j| (y[j as usize], 1.0)));
        }
    }
    for cut in cuts {
        model.add_row(
            cut.rhs..,
            std::iter::once((theta[cut.client], 1.0))
                .chain(cut.coefs.iter().map(|&(j, a)| (y[j as usize], a))),
        );
    }
    Master {
        problem: model,
        y,
        theta,
    }
}

/// Every client's cut at `y`, kept where it is violated by `theta` (all of them when `theta` is `None`).
fn violated_cuts(problem: &Problem<'_>, y: &[f64], theta: Option<&[f64]>) -> Vec<Cut> {
    (0..problem.lists.n_clients())
        .into_par_iter()
        .filter_map(|i| {
            let cut = cut_at(problem.lists, i, y);
            let lhs = cut.coefs.iter().map(|&(j, a)| a * y[j as usize]).sum::<f64>()
                + theta.map_or(f64::NEG_INFINITY, |t| t[i]);
            (cut.rhs - lhs > 1e-7 * cut.rhs.abs().max(1.0)).then_some(cut)
        })
        .collect()
}

/// Client `i`'s cut at `y`: the level where the open mass along its list reaches one (the last level if it
/// never does — still valid, merely weaker).
fn cut_at(lists: &ServiceLists, i: usize, y: &[f64]) -> Cut {
    let (sites, costs) = lists.row(i);
    let mut mass = 0.0;
    let mut level = costs[costs.len() - 1];
    for (&j, &c) in sites.iter().zip(costs) {
        mass += y[j as usize];
        if mass >= 1.0 - 1e-9 {
            level = c;
            break;
        }
    }
    let coefs = sites
        .iter()
        .zip(costs)
        .take_while(|(_, c)| **c < level)
        .map(|(&j, &c)| (j, level - c))
        .collect();
    Cut {
        client: i,
        rhs: level,
        coefs,
    }
}

/// Sites whose reduced cost proves that forcing them the other way cannot beat `upper` are fixed there.
fn fix_by_reduced_cost(problem: &Problem<'_>, relaxation: &Relaxation, upper: f64) -> Vec<(f64, f64)> {
    // Only plans strictly better than the incumbent matter: with integral data that means by at least one.
    let step = if problem.integral { 1.0 - 1e-6 } else { 0.0 };
    let slack = 1e-6 * upper.abs().max(1.0);
    problem
        .site_bounds
        .iter()
        .zip(&relaxation.reduced_costs)
        .map(|(&(lo, hi), &r)| {
            if lo == hi {
                (lo, hi)
            } else if r > 0.0 && relaxation.bound + r - slack > upper - step {
                (0.0, 0.0)
            } else if r < 0.0 && relaxation.bound - r - slack > upper - step {
                (1.0, 1.0)
            } else {
                (lo, hi)
            }
        })
        .collect()
}

/// What an infeasible MIP after fixing means: fixing removes only plans no better than the incumbent, so
/// when nothing is left the incumbent is optimal (and with no incumbent, no plan exists).
fn beyond_fixings(best: Open, best_cost: f64) -> Exact {
    if best_cost.is_finite() {
        Exact::Plan {
            open: best,
            bound: best_cost,
            proven: true,
        }
    } else {
        Exact::Infeasible
    }
}

/// Probing: forces each free site open (if the LP has it below one) or closed (if above zero) in the solved
/// LP, and fixes it the other way when the LP bound then cannot beat `upper`. Each probe is a warm-started
/// dual simplex over the cuts so far (a relaxation of the forced problem, so a valid bound), and the fixings
/// found so far stay in the LP, so later probes are stronger. Far more decisive than reduced costs alone.
fn probe(
    problem: &Problem<'_>,
    mut model: Model,
    y: &[Col],
    lp_sites: &[f64],
    site_bounds: &mut [(f64, f64)],
    upper: f64,
    until: Instant,
) -> Result<(), OptimizeError> {
    let step = if problem.integral { 1.0 - 1e-6 } else { 0.0 };
    let slack = 1e-6 * upper.abs().max(1.0);
    for (j, &(lo, hi)) in site_bounds.iter().enumerate() {
        if lo == hi {
            model.change_column_bounds(y[j], lo..=hi);
        }
    }
    let mut fixed = 0;
    // Fixings strengthen later probes, so a pass that fixed something earns another.
    for _pass in 0..PROBING_PASSES {
        let fixed_before = fixed;
        for j in 0..site_bounds.len() {
            let (lo, hi) = site_bounds[j];
            if lo == hi {
                continue;
            }
            for (forced, other) in [(1.0, 0.0), (0.0, 1.0)] {
                if Instant::now() >= until {
                    debug!(fixed, "p-median probing stopped by its time share");
                    return Ok(());
                }
                // Only probe the way the LP does not already lean.
                if (forced == 1.0 && lp_sites[j] >= 1.0 - 1e-6) || (forced == 0.0 && lp_sites[j] <= 1e-6) {
                    continue;
                }
                model.change_column_bounds(y[j], forced..=forced);
                let solved = model
                    .try_solve()
                    .map_err(|e| OptimizeError::Solver(format!("{e:?}")))?;
                let cut_off = match solved.status() {
                    HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => true,
                    HighsModelStatus::Optimal => solved.objective_value() - slack > upper - step,
                    _ => false,
                };
                model = Model::from(solved);
                if cut_off {
                    site_bounds[j] = (other, other);
                    fixed += 1;
                    break;
                }
            }
            let (lo, hi) = site_bounds[j];
            model.change_column_bounds(y[j], lo..=hi);
        }
        if fixed == fixed_before {
            break;
        }
    }
    debug!(fixed, "sites fixed by probing");
    Ok(())
}

/// Probing passes at most.
const PROBING_PASSES: usize = 3;
/// Probing gets at most this many seconds.
const PROBING_S: f64 = 20.0;

/// The trivial lower bound: every client at its nearest allowed site.
fn floor_bound(problem: &Problem<'_>) -> f64 {
    (0..problem.lists.n_clients())
        .map(|i| problem.weights[i] * problem.lists.row(i).1[0])
        .sum()
}

/// A plan as master column values: the sites, then each client's true cost.
fn start_values(problem: &Problem<'_>, open: &Open) -> Vec<f64> {
    let lists = problem.lists;
    let mut values = as_values(open);
    values.extend((0..lists.n_clients()).map(|i| lists.nearest_open(i, open).map_or(0.0, |(_, c)| c)));
    values
}

fn as_values(open: &Open) -> Vec<f64> {
    open.iter().map(|&o| if o { 1.0 } else { 0.0 }).collect()
}

fn set<V: highs::HighsOptionValue>(model: &mut Model, key: &str, value: V) -> Result<(), OptimizeError> {
    model
        .try_set_option(key, value)
        .map_err(|e| OptimizeError::Solver(format!("cannot set option {key}: {e:?}")))
}
