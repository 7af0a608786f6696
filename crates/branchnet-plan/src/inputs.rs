//! What the planner reads from a scored scenario: cell columns by name, sites by kind, region levels.

use branchnet_core::{NO_REGION, RegionIdx, Scenario, SiteKind};
use branchnet_score::Scores;

use crate::PlanError;
use crate::config::PlanConfig;

/// The scored scenario and the columns the plan works on.
pub struct Inputs<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Everything the scoring models produced.
    pub scores: &'a Scores,
    /// Name of the planning demand column.
    pub demand_name: String,
    /// Planning demand per cell.
    pub demand: &'a [f64],
    /// Residents per cell.
    pub population: &'a [f64],
    /// Elderly residents per cell, when the grid has them.
    pub elderly: Option<&'a [f64]>,
    /// Whether each cell takes the rural radius.
    pub rural: Vec<bool>,
    /// Service radius of urban cells, metres.
    pub radius_m: f64,
    /// Service radius of rural cells, metres.
    pub rural_radius_m: f64,
    /// Index of the macro region level.
    pub level: usize,
    /// Sites (indexes into `scenario.sites.all()`) of each kind.
    pub own: Vec<usize>,
    /// Competitor sites.
    pub competitors: Vec<usize>,
    /// Candidate sites.
    pub candidates: Vec<usize>,
}

impl<'a> Inputs<'a> {
    /// Gathers the columns `config` names (or their defaults) from the scenario and the scores.
    ///
    /// # Errors
    /// A named column or level that does not exist, naming what does.
    pub fn new(scenario: &'a Scenario, scores: &'a Scores, config: &PlanConfig) -> Result<Self, PlanError> {
        let demand_name = match &config.demand {
            Some(name) => name.clone(),
            None if cell_column(scenario, scores, "potential.future").is_some() => "potential.future".into(),
            None => "population".into(),
        };
        let demand = require(scenario, scores, &demand_name, "demand")?;
        let population = require(scenario, scores, "population", "the residents column")?;
        let elderly = match config.elderly.as_deref() {
            Some("") => None,
            Some(name) => Some(require(scenario, scores, name, "elderly")?),
            None => cell_column(scenario, scores, "elderly"),
        };
        let rural = cell_column(scenario, scores, "coverage.rural")
            .map(|r| r.iter().map(|&v| v > 0.5).collect())
            .unwrap_or_else(|| vec![false; scenario.cells.len()]);
        let level = match &config.level {
            None => 0,
            Some(name) => scenario
                .regions
                .levels()
                .iter()
                .position(|l| &l.name == name)
                .ok_or_else(|| PlanError::Config {
                    key: "level".into(),
                    message: format!(
                        "no region level `{name}`; the scenario has {}",
                        level_names(scenario)
                    ),
                })?,
        };
        let of_kind = |kind: SiteKind| -> Vec<usize> {
            (0..scenario.sites.len())
                .filter(|&j| scenario.sites.all()[j].kind == kind)
                .collect()
        };
        Ok(Self {
            scenario,
            scores,
            demand_name,
            demand,
            population,
            elderly,
            rural,
            radius_m: config.service.radius_m.unwrap_or(1000.0),
            rural_radius_m: config.service.rural_radius_m.unwrap_or(5000.0),
            level,
            own: of_kind(SiteKind::Own),
            competitors: of_kind(SiteKind::Competitor),
            candidates: of_kind(SiteKind::Candidate),
        })
    }

    /// The service radius of a cell.
    pub fn radius_of(&self, cell: usize) -> f64 {
        if self.rural[cell] {
            self.rural_radius_m
        } else {
            self.radius_m
        }
    }

    /// Region of the macro level of each cell (`None` outside every region).
    pub fn cell_region(&self, cell: usize) -> Option<RegionIdx> {
        self.scenario
            .cells
            .regions(self.level)
            .map(|r| r[cell])
            .filter(|&r| r != NO_REGION)
    }

    /// Region of the macro level of a site.
    pub fn site_region(&self, site: usize) -> Option<RegionIdx> {
        self.scenario.sites.all()[site]
            .regions
            .get(self.level)
            .copied()
            .filter(|&r| r != NO_REGION)
    }

    /// A cell column by name: a score (`potential.counter`) or a grid column.
    pub fn cell_column(&self, name: &str) -> Option<&'a [f64]> {
        cell_column(self.scenario, self.scores, name)
    }
}

fn cell_column<'a>(scenario: &'a Scenario, scores: &'a Scores, name: &str) -> Option<&'a [f64]> {
    scores.cell(name).or_else(|| scenario.cells.column(name))
}

fn require<'a>(
    scenario: &'a Scenario,
    scores: &'a Scores,
    name: &str,
    what: &str,
) -> Result<&'a [f64], PlanError> {
    cell_column(scenario, scores, name).ok_or_else(|| {
        let mut names: Vec<String> = scores.cells.iter().map(|c| c.name.clone()).collect();
        names.extend(scenario.cells.columns().iter().map(|c| c.name.clone()));
        PlanError::Missing(format!(
            "the plan's {what} column `{name}` is neither a grid column nor a score; there are: {}",
            names.join(", ")
        ))
    })
}

fn level_names(scenario: &Scenario) -> String {
    scenario
        .regions
        .levels()
        .iter()
        .map(|l| format!("`{}`", l.name))
        .collect::<Vec<_>>()
        .join(", ")
}
