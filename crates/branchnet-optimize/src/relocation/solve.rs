//! Solving the relocation program: HiGHS on the covering-sized model, capacity cuts from max-flow, the
//! plan decoded and its objective recomputed.

use std::time::{Duration, Instant};

use highs::Sense;
use tracing::debug;

use super::explain::{Rule, explain};
use super::flow::route;
use super::model::{Columns, Cut, Goal, Rules, build};
use super::{ExistingDecision, Opening, Relocation, RelocationPlan, Variant};
use crate::mip::{MipOutcome, solve};
use crate::solution::relative_gap;
use crate::{OptimizeError, SolveOptions, Status};

/// Most rounds of capacity cuts before the plan is repaired instead.
const MAX_CUT_ROUNDS: usize = 50;

/// Solves the relocation program (see the module docs).
///
/// `options.required` and `options.forbidden` are not used (protected branches and candidate lists say
/// the same in the program's own terms); the time limit covers the cut rounds and, for an infeasible
/// program, the explanation.
///
/// # Errors
/// Sites beyond the program's sites, numbers that are negative or not finite, HiGHS failing.
pub fn solve_relocation(
    problem: &Relocation,
    options: &SolveOptions,
) -> Result<RelocationPlan, OptimizeError> {
    let started = Instant::now();
    check(problem)?;
    let deadline = options.time_limit_s.map(|t| started + Duration::from_secs_f64(t));
    if let Some(unit) = problem.inclusion.iter().find(|u| u.sites.is_empty()) {
        let conflict = super::Conflict {
            rules: vec![Rule::Inclusion],
            details: vec![format!("no branch or candidate site can serve {}", unit.name)],
            minimal: true,
        };
        return Ok(infeasible(problem, conflict));
    }
    let all: Rules = [true; Rule::ALL.len()];
    let capacities = problem.has_capacities();
    let mut cuts: Vec<Cut> = Vec::new();
    let mut solves = 0;
    loop {
        let mut round = options.clone();
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
            round.time_limit_s = Some(left.max(0.5));
        }
        let (lp, cols) = build(problem, &all, &cuts, Goal::Plan);
        solves += 1;
        let outcome = solve(lp, Sense::Maximise, &round, None)?;
        let (values, bound, proven) = match outcome {
            MipOutcome::Infeasible => {
                let conflict = explain(problem, &cuts, options, deadline)?;
                return Ok(infeasible(problem, conflict));
            }
            MipOutcome::Plan {
                values,
                bound,
                proven,
            } => (values, bound, proven),
        };
        let mut plan = decode(problem, &cols, &values, capacities);
        plan.solves = solves;
        if !capacities {
            finish(problem, &mut plan, bound, proven);
            return Ok(plan);
        }
        let routing = route_plan(problem, &plan);
        let out_of_time = deadline.is_some_and(|d| Instant::now() >= d);
        debug!(
            round = solves,
            new_cuts = routing.cuts.len(),
            cuts = cuts.len(),
            elapsed = ?started.elapsed(),
            "relocation: capacity check"
        );
        if routing.cuts.is_empty() || out_of_time || solves > MAX_CUT_ROUNDS {
            let routed_all = routing.cuts.is_empty();
            for (q, served) in plan.served.iter_mut().enumerate() {
                let load = problem.zones[q].load;
                if load > 0.0 {
                    *served = served.min(routing.routed[q] / load);
                }
            }
            plan.flows = routing.flows;
            plan.cuts = cuts.len();
            finish(problem, &mut plan, bound, proven && routed_all);
            return Ok(plan);
        }
        cuts.extend(routing.cuts);
    }
}

impl Relocation {
    /// Whether any site variant has a finite capacity.
    fn has_capacities(&self) -> bool {
        let finite = |v: &Variant| v.capacity.is_finite();
        self.existing
            .iter()
            .any(|e| finite(&e.keep) || e.conversions.iter().any(finite))
            || self.candidates.iter().any(|c| c.variants.iter().any(finite))
    }

    /// The variant a site is open in, if open.
    pub(super) fn open_variant<'a>(&'a self, plan: &RelocationPlan, site: usize) -> Option<&'a Variant> {
        match plan.existing.get(site) {
            Some(ExistingDecision::Keep) => Some(&self.existing[site].keep),
            Some(ExistingDecision::Convert(k)) => Some(&self.existing[site].conversions[*k]),
            Some(_) => None,
            None => {
                let j = site - self.existing.len();
                plan.candidates[j].map(|o| &self.candidates[j].variants[o.variant])
            }
        }
    }
}

fn route_plan(problem: &Relocation, plan: &RelocationPlan) -> super::flow::Routing {
    let supply: Vec<f64> = problem
        .zones
        .iter()
        .zip(&plan.served)
        .map(|(z, &s)| z.load * s)
        .collect();
    let reach: Vec<&[u32]> = problem
        .zones
        .iter()
        .map(|z| z.levels.first().map_or(&[][..], |l| l.0.as_slice()))
        .collect();
    let capacity: Vec<f64> = (0..problem.n_sites())
        .map(|s| problem.open_variant(plan, s).map_or(0.0, |v| v.capacity))
        .collect();
    route(&supply, &reach, &capacity)
}

fn value_of(values: &[f64], col: highs::Col) -> bool {
    values[col.index()] > 0.5
}

/// Reads the decisions and the served shares: with capacities, the share HiGHS chose for the widest level
/// (what the routing then checks); without, 1 wherever an open site reaches the zone.
fn decode(problem: &Relocation, cols: &Columns, values: &[f64], capacities: bool) -> RelocationPlan {
    let existing = (0..problem.existing.len())
        .map(|e| {
            if value_of(values, cols.close[e]) {
                ExistingDecision::Close
            } else if value_of(values, cols.moved[e]) {
                ExistingDecision::Relocate
            } else if let Some(k) = cols.convert[e].iter().position(|&c| value_of(values, c)) {
                ExistingDecision::Convert(k)
            } else {
                ExistingDecision::Keep
            }
        })
        .collect();
    let candidates = (0..problem.candidates.len())
        .map(|j| {
            cols.open[j]
                .iter()
                .position(|&c| value_of(values, c))
                .map(|variant| Opening {
                    variant,
                    relocation: value_of(values, cols.target[j]),
                })
        })
        .collect();
    let mut plan = unsolved(Status::Optimal, existing, candidates, Vec::new());
    plan.served = problem
        .zones
        .iter()
        .zip(&cols.levels)
        .map(|(z, level_cols)| match z.levels.first() {
            Some((sites, _)) if sites.iter().any(|&s| plan.is_open(s as usize)) => {
                if capacities {
                    values[level_cols[0].index()].clamp(0.0, 1.0)
                } else {
                    1.0
                }
            }
            _ => 0.0,
        })
        .collect();
    plan
}

/// Recomputes value, costs, objective and gap from the decisions.
fn finish(problem: &Relocation, plan: &mut RelocationPlan, bound: f64, proven: bool) {
    let mut value = 0.0;
    for (zone, &served) in problem.zones.iter().zip(&plan.served) {
        for (sites, v) in &zone.levels {
            if sites.iter().any(|&s| plan.is_open(s as usize)) {
                value += v * served;
            }
        }
    }
    let (mut capital, mut annual, mut changes) = (0.0, 0.0, 0.0);
    for (ex, d) in problem.existing.iter().zip(&plan.existing) {
        match d {
            ExistingDecision::Keep => {
                capital += ex.keep.capital;
                annual += ex.keep.annual;
            }
            ExistingDecision::Close => {
                capital += ex.close_capital;
                changes += 1.0;
            }
            ExistingDecision::Relocate => {
                capital += ex.move_capital;
                changes += 1.0;
            }
            ExistingDecision::Convert(k) => {
                capital += ex.conversions[*k].capital;
                annual += ex.conversions[*k].annual;
                changes += 1.0;
            }
        }
    }
    for (cand, o) in problem.candidates.iter().zip(&plan.candidates) {
        if let Some(o) = o {
            let v = &cand.variants[o.variant];
            capital += v.capital + if o.relocation { 0.0 } else { cand.new_capital };
            annual += v.annual;
            changes += 1.0;
        }
    }
    plan.value = value;
    plan.capital = capital;
    plan.annual = annual;
    plan.objective = value
        - problem.annual_weight * annual
        - problem.capital_weight * capital
        - problem.change_penalty * changes;
    // HiGHS's bound is on its own objective, which counts the same terms.
    plan.bound = bound.max(plan.objective);
    plan.gap = relative_gap(plan.objective, plan.bound);
    plan.status = if proven {
        Status::Optimal
    } else {
        Status::Feasible { gap: plan.gap }
    };
}

/// Today's network unchanged, for a program without a plan.
fn infeasible(problem: &Relocation, conflict: super::Conflict) -> RelocationPlan {
    let status = Status::Infeasible {
        reason: conflict.to_string(),
    };
    let mut plan = unsolved(
        status,
        vec![ExistingDecision::Keep; problem.existing.len()],
        vec![None; problem.candidates.len()],
        vec![0.0; problem.zones.len()],
    );
    plan.conflict = Some(conflict);
    plan
}

/// A plan of these decisions whose figures are still to be computed.
fn unsolved(
    status: Status,
    existing: Vec<ExistingDecision>,
    candidates: Vec<Option<Opening>>,
    served: Vec<f64>,
) -> RelocationPlan {
    RelocationPlan {
        status,
        conflict: None,
        objective: f64::NAN,
        bound: f64::NAN,
        gap: f64::NAN,
        existing,
        candidates,
        served,
        flows: Vec::new(),
        value: 0.0,
        capital: 0.0,
        annual: 0.0,
        cuts: 0,
        solves: 0,
    }
}

fn check(problem: &Relocation) -> Result<(), OptimizeError> {
    let n = problem.n_sites();
    let site = |what: &'static str, s: u32| {
        if (s as usize) < n {
            Ok(())
        } else {
            Err(OptimizeError::UnknownSite {
                what,
                site: s as usize,
                sites: n,
            })
        }
    };
    let number = |what: &'static str, index: usize, value: f64| {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err(OptimizeError::BadNumber { what, index, value })
        }
    };
    for (q, zone) in problem.zones.iter().enumerate() {
        number("zone load", q, zone.load)?;
        for (sites, value) in &zone.levels {
            number("zone value", q, *value)?;
            for &s in sites {
                site("zone sites", s)?;
            }
        }
    }
    for unit in &problem.inclusion {
        for &s in &unit.sites {
            site("inclusion sites", s)?;
        }
    }
    for pair in &problem.spacing {
        for &s in pair {
            site("spacing pairs", s)?;
        }
    }
    let variants = problem
        .existing
        .iter()
        .flat_map(|e| std::iter::once(&e.keep).chain(&e.conversions))
        .chain(problem.candidates.iter().flat_map(|c| &c.variants));
    for (i, v) in variants.enumerate() {
        number("variant capital", i, v.capital)?;
        number("variant annual cost", i, v.annual)?;
        if v.capacity.is_nan() || v.capacity < 0.0 {
            return Err(OptimizeError::BadNumber {
                what: "variant capacity",
                index: i,
                value: v.capacity,
            });
        }
    }
    Ok(())
}

/// The share of each zone a network serves under its capacities: every zone some open site reaches
/// offers its full load, routed by max-flow to sites of `capacity[s]` (0 for a closed site, infinite
/// when unlimited). Today's network gets its served figures this way, on the same terms as a plan.
///
/// # Panics
/// When `capacity` does not have one entry per site of the program.
pub fn routed_shares(problem: &Relocation, capacity: &[f64]) -> Vec<f64> {
    assert_eq!(
        capacity.len(),
        problem.n_sites(),
        "routed_shares: one capacity per site"
    );
    let reach: Vec<&[u32]> = problem
        .zones
        .iter()
        .map(|z| z.levels.first().map_or(&[][..], |l| l.0.as_slice()))
        .collect();
    let reached: Vec<bool> = reach
        .iter()
        .map(|sites| sites.iter().any(|&s| capacity[s as usize] > 0.0))
        .collect();
    let supply: Vec<f64> = problem
        .zones
        .iter()
        .zip(&reached)
        .map(|(z, &r)| if r { z.load } else { 0.0 })
        .collect();
    let routing = route(&supply, &reach, capacity);
    problem
        .zones
        .iter()
        .zip(&reached)
        .zip(&routing.routed)
        .map(|((z, &r), &routed)| match (r, z.load > 0.0) {
            (false, _) => 0.0,
            (true, false) => 1.0,
            (true, true) => (routed / z.load).min(1.0),
        })
        .collect()
}
