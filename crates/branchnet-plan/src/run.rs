//! The pipeline: inputs → macro → meso → micro → actions and KPIs.

use std::time::Instant;

use branchnet_core::{BranchFormat, Reporter, Scenario};
use branchnet_optimize::Status;
use branchnet_optimize::relocation::ExistingDecision;
use branchnet_score::Scores;
use branchnet_spatial::{MetricFrame, SiteIndex};

use crate::PlanError;
use crate::actions::{ActionInputs, actions};
use crate::config::PlanConfig;
use crate::directions::directions;
use crate::inputs::Inputs;
use crate::kpis::{KpiContext, Network};
use crate::layout::{Layout, Origin, formats, layout};
use crate::micro::{Opened, choose};
use crate::plan::{Action, ActionKind, BudgetUse, KpiComparison, Kpis, Place, Plan, StageStatus};
use crate::whole_region::with_regions;

/// One branch of the network after the plan, as the exports and checks need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Where it is.
    pub place: Place,
    /// Its format.
    pub format: Option<BranchFormat>,
    /// Counters.
    pub counters: u32,
    /// Load routed to it by the layout (counter demand per year), when a service level is set.
    pub load: Option<f64>,
    /// The load it can take at the service level.
    pub capacity: Option<f64>,
    /// Share of its counter customers waiting too long at that load.
    pub share_waiting_too_long: Option<f64>,
}

/// A plan with the network after it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRun {
    /// The plan.
    pub plan: Plan,
    /// Branches open after the plan.
    pub branches: Vec<Branch>,
}

/// Plans a scored scenario (see the crate docs).
///
/// # Errors
/// Unusable `[plan]` values, missing columns, HiGHS failing. An infeasible scenario is not an error: its
/// plan has no changes and its meso stage says which rules conflict.
pub fn plan(
    scenario: &Scenario,
    scores: &Scores,
    config: &PlanConfig,
    reporter: &dyn Reporter,
) -> Result<PlanRun, PlanError> {
    check(config)?;
    let scenario = &*with_regions(scenario);
    let inputs = Inputs::new(scenario, scores, config)?;
    let started = Instant::now();
    reporter.begin("macro: directions and quotas", None);
    let own_points: Vec<[f64; 2]> = inputs.own.iter().map(|&j| site_point(scenario, j)).collect();
    let covered = covered_cells(&inputs, &own_points);
    let macro_level = directions(&inputs, &config.macro_level, &covered);
    let grow = macro_level
        .directions
        .iter()
        .filter(|d| d.quota > d.branches)
        .count();
    let shrink = macro_level
        .directions
        .iter()
        .filter(|d| d.quota < d.branches)
        .count();
    let macro_stage = StageStatus {
        stage: "macro".into(),
        status: "apportioned".into(),
        objective: None,
        bound: None,
        gap: None,
        seconds: started.elapsed().as_secs_f64(),
        detail: format!(
            "{} regions: {grow} grow, {shrink} consolidate; {} branches in all",
            macro_level.directions.len(),
            macro_level.total
        ),
    };
    reporter.end(&macro_stage.detail);

    let layout = layout(&inputs, config, &macro_level, reporter)?;
    let frame = MetricFrame::new(scenario.frame);
    let places: Vec<Place> = layout
        .sites
        .iter()
        .map(|s| place(&inputs, &frame, &s.origin, s.x, s.y, s.region))
        .collect();
    let meso_stage = meso_status(&layout);

    let started = Instant::now();
    reporter.begin("micro: sites", None);
    let n_existing = layout.problem.existing.len();
    let opened_at: Vec<usize> = (0..layout.problem.candidates.len())
        .filter(|&j| layout.solution.candidates[j].is_some())
        .collect();
    let opened: Vec<Opened> = opened_at
        .iter()
        .map(|&j| {
            let s = n_existing + j;
            Opened {
                location: places[s].clone(),
                listed: match layout.sites[s].origin {
                    Origin::Listed(k) => Some(k),
                    _ => None,
                },
                demand: served_demand_of(&layout, s),
            }
        })
        .collect();
    let place_of = |j: usize| {
        let site = &scenario.sites.all()[j];
        place(
            &inputs,
            &frame,
            &Origin::Listed(j),
            site.x,
            site.y,
            inputs.site_region(j),
        )
    };
    let choices = choose(&inputs, &opened, config.walking_distance_m, &place_of);
    let mut chosen: Vec<Option<(Place, Option<f64>)>> = vec![None; layout.problem.candidates.len()];
    let mut unlisted = vec![false; layout.sites.len()];
    let score = scores.site("site-score.score");
    for (&j, (_, pick)) in opened_at.iter().zip(&choices) {
        match pick {
            Some(site) => chosen[j] = Some((place_of(*site), score.map(|s| s[*site]))),
            None => unlisted[n_existing + j] = true,
        }
    }
    let micro_stage = StageStatus {
        stage: "micro".into(),
        status: "ranked".into(),
        objective: None,
        bound: None,
        gap: None,
        seconds: started.elapsed().as_secs_f64(),
        detail: format!(
            "{} locations: {} on a listed site, {} without one within {} m",
            opened.len(),
            choices.iter().filter(|c| c.1.is_some()).count(),
            choices.iter().filter(|c| c.1.is_none()).count(),
            config.walking_distance_m
        ),
    };
    reporter.end(&micro_stage.detail);

    let local_region: Vec<Option<usize>> = layout
        .sites
        .iter()
        .map(|s| s.region.and_then(|r| macro_level.local(r)))
        .collect();
    let dense_column = scores.site("gaps.dense_area");
    let dense: Vec<bool> = layout
        .sites
        .iter()
        .map(|s| match (s.origin.clone(), dense_column) {
            (Origin::Existing(j), Some(d)) => d[j].is_finite() && d[j] >= 1.0,
            _ => false,
        })
        .collect();
    let mut directions_after = macro_level.directions.clone();
    let action_list = actions(&ActionInputs {
        layout: &layout,
        places: &places,
        chosen: &chosen,
        directions: &directions_after,
        local_region: &local_region,
        dense: &dense,
        unlisted: &unlisted,
        formats_today: &layout
            .sites
            .iter()
            .filter_map(|s| match s.origin {
                Origin::Existing(j) => Some(scenario.sites.all()[j].format),
                _ => None,
            })
            .collect::<Vec<_>>(),
    });
    let branches = branches_after(&inputs, &layout, &action_list, config);
    for d in directions_after.iter_mut() {
        d.branches_after = branches
            .iter()
            .filter(|b| b.place.region.as_deref() == Some(d.region.as_str()))
            .count();
    }
    let load = config
        .service_level
        .as_ref()
        .and_then(|sl| inputs.cell_column(&sl.demand).map(|l| (sl, l)));
    let ctx = KpiContext {
        inputs: &inputs,
        macro_level: &macro_level,
        queues: load,
    };
    let before = ctx.kpis(&today_network(&inputs, &layout));
    let after = ctx.kpis(&network_of(&inputs, &branches, &action_list));
    let notes = notes(&layout, &action_list, config, &before, &after);
    let count = |kind: ActionKind| action_list.iter().filter(|(a, _)| a.kind == kind).count();
    let budget = BudgetUse {
        capital: layout.problem.budget.capital,
        capital_used: after.capital_cost,
        annual: layout.problem.budget.annual,
        annual_after: after.annual_cost,
        counts: vec![
            (
                "new openings".into(),
                config.budget.max_openings,
                count(ActionKind::Open),
            ),
            (
                "closures".into(),
                config.budget.max_closures,
                count(ActionKind::Close),
            ),
            (
                "relocations".into(),
                config.budget.max_relocations,
                count(ActionKind::Relocate),
            ),
        ],
    };
    Ok(PlanRun {
        plan: Plan {
            scenario: scenario.name.clone(),
            currency: scenario.currency.clone(),
            directions: directions_after,
            actions: action_list.into_iter().map(|(a, _)| a).collect(),
            sites: choices.into_iter().map(|c| c.0).collect(),
            kpis: KpiComparison { before, after },
            budget,
            stages: vec![macro_stage, meso_stage, micro_stage],
            notes,
        },
        branches,
    })
}

fn check(config: &PlanConfig) -> Result<(), PlanError> {
    let bad = |key: &str, message: String| {
        Err(PlanError::Config {
            key: key.into(),
            message,
        })
    };
    let positive = [
        ("zone-m", config.zone_m),
        ("walking-distance-m", config.walking_distance_m),
        ("time-limit-s", config.time_limit_s),
        ("payback-years", config.payback_years),
    ];
    for (key, v) in positive {
        if !(v.is_finite() && v > 0.0) {
            return bad(key, format!("expected a positive number, found {v}"));
        }
    }
    if !(config.gap.is_finite() && config.gap >= 0.0) {
        return bad(
            "gap",
            format!("expected a relative gap ≥ 0, found {}", config.gap),
        );
    }
    if !(config.change_penalty.is_finite() && config.change_penalty >= 0.0) {
        return bad("change-penalty", "expected a number ≥ 0".into());
    }
    if let Some(sl) = &config.service_level {
        sl.check().or_else(|(key, message)| bad(key, message))?;
    }
    for (format, f) in &config.formats {
        if !(f.annual_cost.is_finite() && f.annual_cost >= 0.0 && f.fit_out.is_finite() && f.fit_out >= 0.0) {
            return bad(
                &format!("formats.{format}"),
                "costs must be finite and ≥ 0".into(),
            );
        }
    }
    if config.objective == crate::config::Objective::Capture && config.service.decay.is_some() {
        return bad(
            "service.decay",
            "the capture objective weighs distance by Huff's d⁻²; drop the service decay".into(),
        );
    }
    if let Some(decay) = &config.service.decay {
        decay
            .check()
            .or_else(|(what, v)| bad("service.decay", format!("{what} = {v} is not usable")))?;
    }
    Ok(())
}

fn site_point(scenario: &Scenario, j: usize) -> [f64; 2] {
    let s = &scenario.sites.all()[j];
    [s.x, s.y]
}

/// Whether each cell is within its radius of one of `points`.
fn covered_cells(inputs: &Inputs<'_>, points: &[[f64; 2]]) -> Vec<bool> {
    let cells = &inputs.scenario.cells;
    let cell_points: Vec<[f64; 2]> = cells.x().iter().zip(cells.y()).map(|(&x, &y)| [x, y]).collect();
    SiteIndex::new(points)
        .nearest(&cell_points)
        .iter()
        .enumerate()
        .map(|(i, n)| n.is_some_and(|(_, d)| d <= inputs.radius_of(i)))
        .collect()
}

fn place(
    inputs: &Inputs<'_>,
    frame: &MetricFrame,
    origin: &Origin,
    x: f64,
    y: f64,
    region: Option<u32>,
) -> Place {
    let scenario = inputs.scenario;
    let (id, lon, lat) = match origin {
        Origin::Existing(j) | Origin::Listed(j) => {
            let s = &scenario.sites.all()[*j];
            (s.id.clone(), s.lon, s.lat)
        }
        Origin::Generated { id, .. } => {
            let (lon, lat) = frame.unproject(x, y);
            (id.clone(), lon, lat)
        }
    };
    Place {
        id,
        lon,
        lat,
        x,
        y,
        region: region.map(|r| scenario.regions.all()[r as usize].id.clone()),
    }
}

/// Demand of the zones a site reaches (the priority of its micro choice).
fn served_demand_of(layout: &Layout, site: usize) -> f64 {
    layout
        .problem
        .zones
        .iter()
        .enumerate()
        .filter(|(_, z)| {
            z.levels
                .first()
                .is_some_and(|l| l.0.binary_search(&(site as u32)).is_ok())
        })
        .map(|(q, _)| layout.zones.demand[q])
        .sum()
}

fn meso_status(layout: &Layout) -> StageStatus {
    let sol = &layout.solution;
    let (status, detail) = match &sol.status {
        Status::Optimal => ("optimal".to_string(), String::new()),
        Status::Feasible { gap } => (
            "feasible".to_string(),
            format!("time limit reached at a gap of {:.3}%", gap * 100.0),
        ),
        Status::Infeasible { reason } => ("infeasible".to_string(), reason.clone()),
    };
    let pairs: usize = layout
        .problem
        .zones
        .iter()
        .map(|z| z.levels.first().map_or(0, |l| l.0.len()))
        .sum();
    let size = format!(
        "{} zones, {} sites, {pairs} zone-site pairs, {} capacity cuts, {} solves",
        layout.zones.len(),
        layout.sites.len(),
        sol.cuts,
        sol.solves
    );
    StageStatus {
        stage: "meso".into(),
        status,
        objective: sol.objective.is_finite().then_some(sol.objective),
        bound: sol.bound.is_finite().then_some(sol.bound),
        gap: sol.gap.is_finite().then_some(sol.gap),
        seconds: layout.seconds,
        detail: if detail.is_empty() {
            size
        } else {
            format!("{detail}; {size}")
        },
    }
}

/// The branches open after the plan, with the load the layout routes to each and what it can take.
fn branches_after(
    inputs: &Inputs<'_>,
    layout: &Layout,
    actions: &[(Action, Option<usize>)],
    config: &PlanConfig,
) -> Vec<Branch> {
    let fmt = formats(config);
    let counters_of = |format: Option<BranchFormat>| {
        format
            .and_then(|f| fmt.iter().find(|(g, _)| *g == f))
            .map_or(0, |(_, c)| c.counters)
    };
    let problem = &layout.problem;
    let sol = &layout.solution;
    let n_existing = problem.existing.len();
    let mut load_of = vec![0.0; layout.sites.len()];
    for &(_, s, l) in &sol.flows {
        load_of[s as usize] += l;
    }
    let sl = config.service_level.as_ref();
    actions
        .iter()
        .filter_map(|(action, site)| {
            let s = (*site)?;
            let place = action.to.clone().or_else(|| action.from.clone())?;
            let (counters, capacity) = match (&layout.sites[s].origin, sol.existing.get(s)) {
                (Origin::Existing(j), Some(ExistingDecision::Keep)) => {
                    let own = inputs.scenario.sites.all()[*j].counters;
                    (
                        own.unwrap_or_else(|| counters_of(action.format_after)),
                        problem.existing[s].keep.capacity,
                    )
                }
                (_, Some(ExistingDecision::Convert(k))) => (
                    counters_of(action.format_after),
                    problem.existing[s].conversions[*k].capacity,
                ),
                _ => {
                    let j = s - n_existing;
                    let v = sol.candidates[j].map_or(0, |o| o.variant);
                    (
                        counters_of(action.format_after),
                        problem.candidates[j].variants[v].capacity,
                    )
                }
            };
            let load = sl.map(|_| load_of[s]);
            Some(Branch {
                place,
                format: action.format_after,
                counters,
                load,
                capacity: sl.map(|_| capacity),
                share_waiting_too_long: sl.map(|sl| sl.share_waiting_too_long(counters, load_of[s])),
            })
        })
        .collect()
}

fn today_network(inputs: &Inputs<'_>, layout: &Layout) -> Network {
    let sites = inputs.scenario.sites.all();
    Network {
        points: inputs.own.iter().map(|&j| [sites[j].x, sites[j].y]).collect(),
        counters: inputs
            .own
            .iter()
            .map(|&j| sites[j].counters.unwrap_or(0))
            .collect(),
        formats: inputs.own.iter().map(|&j| sites[j].format).collect(),
        regions: inputs.own.iter().map(|&j| inputs.site_region(j)).collect(),
        annual_cost: layout.problem.existing.iter().map(|e| e.keep.annual).sum(),
        capital_cost: 0.0,
    }
}

/// The network after the plan; regions by the places' region ids.
fn network_of(inputs: &Inputs<'_>, branches: &[Branch], actions: &[(Action, Option<usize>)]) -> Network {
    let regions = inputs.scenario.regions.all();
    let region_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| {
                regions
                    .iter()
                    .position(|r| &r.id == id && r.level == inputs.level)
            })
            .map(|r| r as u32)
    };
    Network {
        points: branches.iter().map(|b| [b.place.x, b.place.y]).collect(),
        counters: branches.iter().map(|b| b.counters).collect(),
        formats: branches.iter().map(|b| b.format).collect(),
        regions: branches.iter().map(|b| region_of(&b.place.region)).collect(),
        annual_cost: actions.iter().map(|(a, _)| a.annual_cost).sum(),
        capital_cost: actions.iter().map(|(a, _)| a.capital_cost).sum(),
    }
}

/// Plain-language notes: an infeasible layout, nothing to improve, budgets and bounds that bind.
fn notes(
    layout: &Layout,
    actions: &[(Action, Option<usize>)],
    config: &PlanConfig,
    before: &Kpis,
    after: &Kpis,
) -> Vec<String> {
    let sol = &layout.solution;
    let mut notes = layout.notes.clone();
    if let Status::Infeasible { reason } = &sol.status {
        notes.push(format!("No plan meets every rule: {reason}. Nothing is changed."));
        return notes;
    }
    if actions.iter().all(|(a, _)| a.kind == ActionKind::Keep) {
        notes.push(
            "Nothing to improve: under these rules today's network already serves the most demand; every \
             branch stays as it is."
                .into(),
        );
    }
    let b = &layout.problem.budget;
    let binds = |used: f64, limit: Option<f64>| limit.is_some_and(|l| l > 0.0 && used >= 0.99 * l);
    if binds(sol.capital, b.capital) {
        notes.push(format!(
            "The capital budget binds: {:.0} of {:.0} spent; more would buy more coverage.",
            sol.capital,
            b.capital.unwrap_or(0.0)
        ));
    }
    if binds(sol.annual, b.annual) {
        notes.push(format!(
            "The annual operating budget binds: {:.0} of {:.0}.",
            sol.annual,
            b.annual.unwrap_or(0.0)
        ));
    }
    let count = |kind: ActionKind| actions.iter().filter(|(a, _)| a.kind == kind).count();
    for (kind, limit, what) in [
        (ActionKind::Relocate, config.budget.max_relocations, "relocations"),
        (ActionKind::Close, config.budget.max_closures, "closures"),
        (ActionKind::Open, config.budget.max_openings, "new openings"),
    ] {
        if let Some(limit) = limit.filter(|&l| l > 0 && count(kind) >= l) {
            notes.push(format!("The limit on {what} binds: {limit} used."));
        }
    }
    if after.coverage < before.coverage {
        notes.push(format!(
            "Coverage falls from {:.1}% to {:.1}%: the rules (quotas, budgets) cost coverage.",
            100.0 * before.coverage,
            100.0 * after.coverage
        ));
    }
    notes
}
