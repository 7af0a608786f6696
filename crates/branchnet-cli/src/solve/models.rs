//! The models that need more than demand, sites and costs: partial coverage by a decay, fixed costs and
//! capacities, distances between sites, competitors and utilities. Each builds its inputs from the problem and
//! the flags, solves, and says what to report beyond the plan.

use anyhow::bail;
use branchnet_io::Expect;
use branchnet_optimize::{
    Costs, FacilitySolution, SolveOptions, Utilities, solve_capacitated_p_median, solve_cflp,
    solve_max_capture, solve_mclp_partial, solve_p_dispersion, solve_uflp,
};
use ndarray::Array2;

use super::input::{PairLimit, Problem};
use super::{Figure, Model, Outcome, Params};

/// MCLP with coverage fading by `--decay`: only pairs the decay can reach are built.
pub fn mclp_partial(problem: &Problem, params: &Params, options: &SolveOptions) -> anyhow::Result<Outcome> {
    let Some(decay) = params.decay else {
        bail!("mclp with partial coverage needs --decay");
    };
    let reach = decay.reach();
    // Pairs beyond the decay's reach weigh 0: leave them out (a tighter --max-distance still applies).
    let limit = match (params.limit.nearest, params.limit.max_distance) {
        (None, d) if reach.is_finite() => PairLimit {
            max_distance: Some(d.map_or(reach, |d| d.min(reach))),
            ..params.limit
        },
        _ => params.limit,
    };
    let costs = problem.pairs(limit)?;
    let s = solve_mclp_partial(&costs, &problem.weights, &decay, params.p(Model::Mclp)?, options)?;
    let coverage: Vec<f64> = s
        .assignment
        .iter()
        .enumerate()
        .map(|(i, a)| a.and_then(|j| costs.cost(i, j)).map_or(0.0, |c| decay.weight(c)))
        .collect();
    let total: f64 = problem.weights.iter().sum();
    let covered = (total > 0.0).then(|| s.objective / total);
    let mut outcome = Outcome::plan(s);
    outcome.per_point = Some(("coverage", coverage));
    if let Some(share) = covered.filter(|v| v.is_finite()) {
        outcome.figures.push(Figure {
            key: "covered_share",
            label: "Decay-weighted coverage",
            value: share,
            share: true,
        });
    }
    Ok(outcome)
}

/// Serving cost of each allowed pair for the fixed-cost models: the pair's cost times the point's weight (so
/// with weights of 1 — no weight column — the cost itself, as OR-Library lists it).
fn weighted_costs(problem: &Problem, params: &Params) -> anyhow::Result<Costs> {
    let costs = problem.costs(params.limit)?;
    if problem.weights.iter().all(|&w| w == 1.0) {
        return Ok(costs);
    }
    let w = &problem.weights;
    let triples = (0..costs.n_demand()).flat_map(|i| {
        let (sites, row) = costs.row(i);
        sites
            .iter()
            .zip(row)
            .map(move |(&j, &c)| (i, j as usize, w[i] * c))
    });
    Ok(Costs::from_triples(costs.n_demand(), costs.n_sites(), triples)?)
}

fn fixed_costs(problem: &Problem, params: &Params, model: Model) -> anyhow::Result<Vec<f64>> {
    let Some(column) = &params.fixed_cost else {
        bail!(
            "{} needs --fixed-cost COLUMN, the cost of opening each site (a column of --sites)",
            model.name()
        );
    };
    problem.site_numbers(
        column,
        Expect::non_negative("a fixed cost of opening the site"),
        "--fixed-cost",
    )
}

fn capacities(problem: &Problem, params: &Params, model: Model) -> anyhow::Result<Vec<f64>> {
    let Some(column) = &params.capacity else {
        bail!(
            "{} needs --capacity COLUMN, how much demand each site can serve (a column of --sites)",
            model.name()
        );
    };
    problem.site_numbers(
        column,
        Expect::non_negative("a capacity (demand a site can serve)"),
        "--capacity",
    )
}

/// What each point consumes of a capacity: `--demand-amount`, else its weight.
fn demand_amounts(problem: &Problem, params: &Params) -> anyhow::Result<Vec<f64>> {
    match &params.demand_amount {
        Some(column) => problem.demand_numbers(
            column,
            Expect::non_negative("a demand amount (what the point consumes of a site's capacity)"),
        ),
        None => Ok(problem.weights.clone()),
    }
}

/// Fixed costs of the open sites and the rest of the objective (service), as figures.
fn cost_figures(objective: f64, sites: &[usize], fixed: &[f64]) -> Vec<Figure> {
    let fixed_total: f64 = sites.iter().map(|&j| fixed[j]).sum();
    vec![
        Figure {
            key: "fixed_cost",
            label: "Fixed costs of the chosen sites",
            value: fixed_total,
            share: false,
        },
        Figure {
            key: "service_cost",
            label: "Weighted service cost",
            value: objective - fixed_total,
            share: false,
        },
    ]
}

/// The share of the open sites' capacity that the demand uses.
fn capacity_figure(sites: &[usize], capacities: &[f64], demands: &[f64]) -> Option<Figure> {
    let open: f64 = sites.iter().map(|&j| capacities[j]).sum();
    (open > 0.0).then(|| Figure {
        key: "capacity_used",
        label: "Capacity of the chosen sites used",
        value: demands.iter().sum::<f64>() / open,
        share: true,
    })
}

fn facility_outcome(s: FacilitySolution) -> Outcome {
    let mut outcome = Outcome::plan(s.solution);
    outcome.shares = Some(s.shares);
    outcome
}

pub fn uflp(problem: &Problem, params: &Params, options: &SolveOptions) -> anyhow::Result<Outcome> {
    let fixed = fixed_costs(problem, params, Model::Uflp)?;
    let s = solve_uflp(&weighted_costs(problem, params)?, &fixed, options)?;
    let figures = if s.objective.is_finite() {
        cost_figures(s.objective, &s.sites, &fixed)
    } else {
        Vec::new()
    };
    // Each point is served whole by its cheapest open site.
    let shares = s
        .assignment
        .iter()
        .map(|a| a.map(|j| (j, 1.0)).into_iter().collect())
        .collect();
    let mut outcome = Outcome::plan(s);
    outcome.shares = Some(shares);
    outcome.figures = figures;
    Ok(outcome)
}

pub fn cflp(problem: &Problem, params: &Params, options: &SolveOptions) -> anyhow::Result<Outcome> {
    let fixed = fixed_costs(problem, params, Model::Cflp)?;
    let capacities = capacities(problem, params, Model::Cflp)?;
    let demands = demand_amounts(problem, params)?;
    let costs = weighted_costs(problem, params)?;
    let s = solve_cflp(&costs, &fixed, &capacities, &demands, params.sourcing, options)?;
    let mut figures = Vec::new();
    if s.solution.objective.is_finite() {
        figures = cost_figures(s.solution.objective, &s.solution.sites, &fixed);
        figures.extend(capacity_figure(&s.solution.sites, &capacities, &demands));
    }
    let mut outcome = facility_outcome(s);
    outcome.figures = figures;
    Ok(outcome)
}

pub fn capacitated_p_median(
    problem: &Problem,
    params: &Params,
    options: &SolveOptions,
) -> anyhow::Result<Outcome> {
    let model = Model::CapacitatedPMedian;
    let capacities = capacities(problem, params, model)?;
    let demands = demand_amounts(problem, params)?;
    let s = solve_capacitated_p_median(
        &problem.costs(params.limit)?,
        &problem.weights,
        &demands,
        &capacities,
        params.p(model)?,
        params.sourcing,
        options,
    )?;
    let figure = s
        .solution
        .objective
        .is_finite()
        .then(|| capacity_figure(&s.solution.sites, &capacities, &demands))
        .flatten();
    let mut outcome = facility_outcome(s);
    outcome.figures.extend(figure);
    Ok(outcome)
}

pub fn p_dispersion(problem: &Problem, params: &Params, options: &SolveOptions) -> anyhow::Result<Outcome> {
    let d = problem.site_distances()?;
    let m = d.len();
    let matrix = Array2::from_shape_fn((m, m), |(i, j)| d[i][j]);
    let s = solve_p_dispersion(matrix.view(), params.p(Model::PDispersion)?, options)?;
    Ok(Outcome::plan(s))
}

pub fn max_capture(problem: &Problem, params: &Params, options: &SolveOptions) -> anyhow::Result<Outcome> {
    let Some(utility) = params.utility else {
        bail!("max-capture needs a utility decay (--utility-decay, --beta)");
    };
    let Some(competitors) = &problem.competitors else {
        bail!(
            "max-capture needs --competitors FILE, the competitors' branches (ids and positions like --sites, \
             optionally an --attractiveness column)"
        );
    };
    let (ours, theirs) = match &params.attractiveness {
        Some(column) => {
            let what = Expect::non_negative("an attractiveness (a branch's pull, e.g. its floor area)");
            (
                problem.site_numbers(column, what, "--attractiveness")?,
                problem.competitor_numbers(column, what)?,
            )
        }
        None => (vec![1.0; problem.n_sites()], vec![1.0; competitors.ids.len()]),
    };
    let utilities = Utilities::from_costs(&problem.pairs(params.limit)?, &ours, utility)?;
    let competition =
        Utilities::from_costs(&problem.competitor_pairs(params.limit)?, &theirs, utility)?.row_sums();
    let s = solve_max_capture(
        &utilities,
        &competition,
        &problem.weights,
        params.p(Model::MaxCapture)?,
        options,
    )?;
    let total: f64 = problem.weights.iter().sum();
    let mut outcome = Outcome::plan(s.solution);
    if outcome.solution.objective.is_finite() {
        outcome.figures.push(Figure {
            key: "captured",
            label: "Captured demand",
            value: s.capture.total,
            share: false,
        });
        if total > 0.0 {
            outcome.figures.push(Figure {
                key: "captured_share",
                label: "Captured share of the demand",
                value: s.capture.total / total,
                share: true,
            });
        }
    }
    outcome.per_point = Some(("captured", s.capture.by_demand));
    outcome.per_site = Some(("captured", s.capture.by_site));
    Ok(outcome)
}
