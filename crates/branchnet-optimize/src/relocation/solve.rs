//! Solving the relocation program: HiGHS on the covering-sized model, capacity cuts from max-flow, the
//! plan decoded and its objective recomputed.

use std::time::{Duration, Instant};

use highs::Sense;
use tracing::debug;

use super::explain::{Rule, explain};
use super::flow::route;
use super::model::{Columns, Cut, Goal, Rules, Tangent, build};
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
    let capture = problem.zones.iter().any(|z| z.capture.is_some());
    let mut cuts: Vec<Cut> = Vec::new();
    let mut tangents = first_tangents(problem);
    let mut solves = 0;
    // The last plan with its served shares cut back to what it really serves: feasible for every later
    // round (tangents lie above the share, routed loads meet every Hall cut), so a round the time limit
    // stops still returns a plan.
    let mut start: Option<Vec<f64>> = None;
    // Every round's model relaxes the full program (its cuts and tangents are valid for every plan), so
    // the least of their bounds holds — also when the last round stopped before it had one.
    let mut best_bound = f64::INFINITY;
    loop {
        let mut round = options.clone();
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
            round.time_limit_s = Some(left.max(0.5));
        }
        let (lp, cols) = build(problem, &all, &cuts, &tangents, Goal::Plan);
        solves += 1;
        let outcome = solve(lp, Sense::Maximise, &round, start.take())?;
        let (values, bound, proven) = match outcome {
            MipOutcome::Infeasible => {
                let conflict = explain(problem, &cuts, &tangents, options, deadline)?;
                return Ok(infeasible(problem, conflict));
            }
            MipOutcome::Plan {
                values,
                bound,
                proven,
            } => (values, bound, proven),
        };
        if bound.is_finite() {
            best_bound = best_bound.min(bound);
        }
        let bound = best_bound;
        let mut plan = decode(problem, &cols, &values, capacities || capture);
        plan.solves = solves;
        let new_tangents = if capture {
            cap_at_share(problem, &mut plan)
        } else {
            Vec::new()
        };
        let routing = capacities.then(|| route_plan(problem, &plan));
        let new_cuts = routing.as_ref().map_or(0, |r| r.cuts.len());
        let out_of_time = deadline.is_some_and(|d| Instant::now() >= d);
        debug!(
            round = solves,
            new_cuts,
            new_tangents = new_tangents.len(),
            cuts = cuts.len(),
            tangents = tangents.len(),
            elapsed = ?started.elapsed(),
            "relocation: capacity and capture check"
        );
        let settled = new_cuts == 0 && new_tangents.is_empty();
        if let Some(routing) = &routing {
            for (q, served) in plan.served.iter_mut().enumerate() {
                let load = problem.zones[q].load;
                if load > 0.0 {
                    *served = served.min(routing.routed[q] / load);
                }
            }
        }
        if settled || out_of_time || solves > MAX_CUT_ROUNDS {
            if let Some(routing) = routing {
                plan.flows = routing.flows;
            }
            plan.cuts = cuts.len();
            plan.tangents = tangents.len();
            finish(problem, &mut plan, bound, proven && settled);
            return Ok(plan);
        }
        start = Some(start_values(problem, &cols, values, &plan));
        if let Some(routing) = routing {
            cuts.extend(routing.cuts);
        }
        tangents.extend(new_tangents);
    }
}

/// HiGHS's values with each zone's level columns set to the plan's served share (inner levels: where
/// one of their sites is open).
fn start_values(
    problem: &Relocation,
    cols: &Columns,
    mut values: Vec<f64>,
    plan: &RelocationPlan,
) -> Vec<f64> {
    for (q, zone) in problem.zones.iter().enumerate() {
        for (l, (sites, _)) in zone.levels.iter().enumerate() {
            let reached = l == 0 || sites.iter().any(|&s| plan.is_open(s as usize));
            values[cols.levels[q][l].index()] = if reached { plan.served[q] } else { 0.0 };
        }
    }
    values
}

/// Own attraction of a zone's open sites.
fn attraction(problem: &Relocation, zone: usize, open: &dyn Fn(usize) -> bool) -> f64 {
    let z = &problem.zones[zone];
    match (&z.capture, z.levels.first()) {
        (Some(c), Some((sites, _))) => sites
            .iter()
            .zip(&c.attraction)
            .filter(|(s, _)| open(**s as usize))
            .map(|(_, a)| a)
            .sum(),
        _ => 0.0,
    }
}

/// The tangent of every capture zone at today's attraction (or, where no branch reaches it today, at its
/// strongest site's), so that the first plan is already close to its shares.
fn first_tangents(problem: &Relocation) -> Vec<Tangent> {
    let n_existing = problem.existing.len();
    (0..problem.zones.len())
        .filter_map(|q| {
            let capture = problem.zones[q].capture.as_ref()?;
            let today = attraction(problem, q, &|s| s < n_existing);
            let strongest = capture.attraction.iter().copied().fold(0.0, f64::max);
            let at = if today > 0.0 { today } else { strongest };
            (at > 0.0 && capture.competitors > 0.0).then_some(Tangent { zone: q as u32, at })
        })
        .collect()
}

/// Caps each capture zone's served share at its Huff share under the plan, and returns a tangent at the
/// plan's attraction for every zone HiGHS served beyond it.
fn cap_at_share(problem: &Relocation, plan: &mut RelocationPlan) -> Vec<Tangent> {
    let mut tangents = Vec::new();
    for q in 0..problem.zones.len() {
        let Some(capture) = &problem.zones[q].capture else {
            continue;
        };
        let own = attraction(problem, q, &|s| plan.is_open(s));
        let share = capture.share(own);
        if plan.served[q] > share + 1e-7 {
            if own > 0.0 && capture.competitors > 0.0 {
                tangents.push(Tangent {
                    zone: q as u32,
                    at: own,
                });
            }
            plan.served[q] = share;
        }
    }
    tangents
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

/// Reads the decisions and the served shares: with capacities or capture, the share HiGHS chose for the
/// widest level (what the checks then test); without, 1 wherever an open site reaches the zone.
fn decode(problem: &Relocation, cols: &Columns, values: &[f64], shares: bool) -> RelocationPlan {
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
                if shares {
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
            if !o.relocation {
                changes += 1.0;
            }
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
        tangents: 0,
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
/// offers its full load (a capture zone its Huff share of it), routed by max-flow to sites of `capacity[s]` (0 for a closed site, infinite
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
    // A capture zone offers only the share Huff gives the bank.
    let offered: Vec<f64> = (0..problem.zones.len())
        .map(|q| match (&problem.zones[q].capture, reached[q]) {
            (_, false) => 0.0,
            (None, true) => 1.0,
            (Some(c), true) => c.share(attraction(problem, q, &|s| capacity[s] > 0.0)),
        })
        .collect();
    let supply: Vec<f64> = problem
        .zones
        .iter()
        .zip(&offered)
        .map(|(z, &o)| z.load * o)
        .collect();
    let routing = route(&supply, &reach, capacity);
    problem
        .zones
        .iter()
        .zip(&offered)
        .zip(&routing.routed)
        .map(|((z, &o), &routed)| if z.load > 0.0 { o.min(routed / z.load) } else { o })
        .collect()
}
