//! A scenario read once and then scored, searched for gaps and planned, as many times as asked.

use std::path::{Path, PathBuf};
use std::time::Instant;

use branchnet_core::{Reporter, Scenario, ScenarioConfig, TravelConfig, ValidationReport};
use branchnet_plan::report::MapLayers;
use branchnet_plan::{PlanConfig, PlanRun, map_layers, plan, write_plan};
use branchnet_score::gaps::{GapReport, Gaps};
use branchnet_score::{
    Registry, ScoreContext, ScoreRun, Scores, ScoringModel, default_scores, run_models_reporting,
};
use branchnet_spatial::TravelCost;
use branchnet_spatial::travel::{Euclidean, GreatCircle};
use serde::Deserialize as _;

use crate::WorkflowError;
use crate::tables::cell_lon_lat;

/// A scenario file read and checked, with the travel cost its models use.
pub struct Session {
    /// The scenario file.
    pub path: PathBuf,
    /// The file as written (paths resolved against its folder).
    pub config: ScenarioConfig,
    /// The scenario, in its metric frame.
    pub scenario: Scenario,
    /// What was suspicious but usable in the inputs.
    pub validation: ValidationReport,
    /// Seconds spent reading the inputs.
    pub read_s: f64,
    travel: Box<dyn TravelCost>,
}

/// A plan and what its exports need besides it.
pub struct Planned {
    /// The `[plan]` parameters it was made with.
    pub config: PlanConfig,
    /// The plan and the network after it.
    pub run: PlanRun,
    /// The demand it served, per cell (shades the report's map).
    pub demand: Vec<f64>,
    /// The macro region level.
    pub level: usize,
}

impl Planned {
    /// What the report's map draws.
    pub fn map_layers(&self, scenario: &Scenario) -> MapLayers {
        map_layers(scenario, &self.demand, self.level)
    }

    /// Writes every export (tables, GeoJSON, KPIs, report) into `dir`; returns the files written.
    ///
    /// # Errors
    /// A file that cannot be written, named.
    pub fn write(&self, scenario: &Scenario, dir: &Path) -> Result<Vec<PathBuf>, WorkflowError> {
        Ok(write_plan(&self.run, scenario, &self.demand, self.level, dir)?)
    }
}

impl Session {
    /// Reads `path` and every input it names.
    ///
    /// # Errors
    /// The first unusable input, naming file, row, column and what was expected.
    pub fn open(path: &Path) -> Result<Self, WorkflowError> {
        let started = Instant::now();
        let config = branchnet_io::read_config(path)?;
        let loaded = branchnet_io::build_scenario(&config, path)?;
        let travel = travel_cost(&loaded.scenario, config.travel);
        Ok(Self {
            path: path.to_path_buf(),
            config,
            scenario: loaded.scenario,
            validation: loaded.report,
            read_s: started.elapsed().as_secs_f64(),
            travel,
        })
    }

    /// Cost from each cell to each site, as the scenario's `travel` key says.
    pub fn travel(&self) -> &dyn TravelCost {
        self.travel.as_ref()
    }

    /// The scoring entries that run: the scenario's `[[scores]]`, or every built-in model when it lists none.
    pub fn score_entries(&self) -> Vec<toml::Table> {
        default_scores(&self.config.scores)
    }

    /// The built-in models of the first `count` scoring entries (all when `None`).
    ///
    /// # Errors
    /// An entry naming an unknown model or with bad parameters.
    pub fn models(&self, count: Option<usize>) -> Result<Vec<Box<dyn ScoringModel>>, WorkflowError> {
        let entries = self.score_entries();
        let count = count.unwrap_or(entries.len()).min(entries.len());
        self.build_models(&entries[..count])
    }

    /// The built-in models of `entries` (tables as in `[[scores]]`).
    ///
    /// # Errors
    /// As [`Session::models`], the message naming this scenario.
    pub fn build_models(&self, entries: &[toml::Table]) -> Result<Vec<Box<dyn ScoringModel>>, WorkflowError> {
        Registry::builtin()
            .build(entries)
            .map_err(|source| WorkflowError::Models {
                scenario: self.path.display().to_string(),
                source,
            })
    }

    /// Runs `models` in order, each seeing the columns of those before; `reporter` hears of a step per model.
    ///
    /// # Errors
    /// The first model's error.
    pub fn score(
        &self,
        models: &[Box<dyn ScoringModel>],
        reporter: &dyn Reporter,
    ) -> Result<ScoreRun, WorkflowError> {
        Ok(run_models_reporting(
            models,
            &self.scenario,
            self.travel(),
            reporter,
        )?)
    }

    /// The gaps model's settings (its `[[scores]]` entry, the defaults when there is none) and how many entries
    /// run before it: the columns it reads (the potential at least).
    ///
    /// # Errors
    /// A gaps entry with unknown keys or bad values.
    pub fn gaps_model(&self) -> Result<(Gaps, usize), WorkflowError> {
        let entries = self.score_entries();
        let at = entries
            .iter()
            .position(|t| t.get("model").and_then(|m| m.as_str()) == Some("gaps"));
        match at {
            Some(index) => {
                let mut table = entries[index].clone();
                table.remove("model");
                let gaps =
                    Gaps::deserialize(toml::Value::Table(table)).map_err(|e| WorkflowError::ScoreEntry {
                        scenario: self.path.display().to_string(),
                        index,
                        model: "gaps".into(),
                        message: e.to_string(),
                    })?;
                Ok((gaps, index))
            }
            None => Ok((Gaps::default(), entries.len())),
        }
    }

    /// Blank and dense areas by `gaps`, over the columns in `scores`.
    ///
    /// # Errors
    /// A column the rules read is missing.
    pub fn gaps(&self, gaps: &Gaps, scores: &Scores) -> Result<GapReport, WorkflowError> {
        let ctx = ScoreContext {
            scenario: &self.scenario,
            travel: self.travel(),
            computed: scores,
        };
        Ok(gaps.analyse(&ctx)?)
    }

    /// Plans the scenario on `scores` with the `[plan]` parameters in `table` (the defaults when `None`).
    ///
    /// # Errors
    /// Bad parameters, a score the planner needs is missing, or the solver failed. An infeasible scenario is
    /// not an error: its stage says `infeasible` and the notes say which rules conflict.
    pub fn plan(
        &self,
        scores: &Scores,
        table: Option<&toml::Table>,
        reporter: &dyn Reporter,
    ) -> Result<Planned, WorkflowError> {
        let config = PlanConfig::from_table(table)?;
        let run = plan(&self.scenario, scores, &config, reporter)?;
        let inputs = branchnet_plan::inputs::Inputs::new(&self.scenario, scores, &config)?;
        let demand = inputs.demand.to_vec();
        let level = inputs.level;
        Ok(Planned {
            config,
            run,
            demand,
            level,
        })
    }
}

/// Cell and site positions in the unit the configured travel cost wants.
pub fn travel_cost(scenario: &Scenario, travel: TravelConfig) -> Box<dyn TravelCost> {
    let cells = &scenario.cells;
    let sites = scenario.sites.all();
    match travel {
        TravelConfig::Euclidean => Box::new(Euclidean::new(
            cells.x().iter().zip(cells.y()).map(|(&x, &y)| [x, y]).collect(),
            sites.iter().map(|s| [s.x, s.y]).collect(),
        )),
        TravelConfig::GreatCircle => Box::new(GreatCircle::new(
            cell_lon_lat(scenario),
            sites.iter().map(|s| [s.lon, s.lat]).collect(),
        )),
    }
}
