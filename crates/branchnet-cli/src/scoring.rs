//! Shared by `branchnet score` and `branchnet gaps`: read a scenario, build its scoring models and run them.

use std::path::Path;

use anyhow::Context;
use branchnet_core::{Scenario, ScenarioConfig, TravelConfig};
use branchnet_score::{Registry, ScoreRun, default_scores, run_models};
use branchnet_spatial::travel::{Euclidean, GreatCircle};
use branchnet_spatial::{MetricFrame, TravelCost};

/// A scenario with its configuration and everything its models scored.
pub struct Scored {
    /// The scenario file as written.
    pub config: ScenarioConfig,
    /// The scenario, in its metric frame.
    pub scenario: Scenario,
    /// Travel cost from each cell to each site, as the models used it.
    pub travel: Box<dyn TravelCost>,
    /// The models' columns, figures and timings.
    pub run: ScoreRun,
    /// Seconds spent reading the inputs.
    pub read_s: f64,
}

/// Reads `path`, builds the models its `[[scores]]` list (every built-in one when it lists none) and runs the
/// first `count` of them (all when `None`).
pub fn score_scenario(path: &Path, count: Option<usize>) -> anyhow::Result<Scored> {
    let start = std::time::Instant::now();
    let config = branchnet_io::read_config(path)?;
    let scenario = branchnet_io::build_scenario(&config, path)?.scenario;
    let read_s = start.elapsed().as_secs_f64();
    let tables = default_scores(&config.scores);
    let models = Registry::builtin()
        .build(&tables[..count.unwrap_or(tables.len()).min(tables.len())])
        .with_context(|| format!("in {}", path.display()))?;
    let travel = travel_cost(&scenario, config.travel);
    let run = run_models(&models, &scenario, travel.as_ref())?;
    Ok(Scored {
        config,
        scenario,
        travel,
        run,
        read_s,
    })
}

/// Cell and site positions in the unit the configured travel cost wants.
fn travel_cost(scenario: &Scenario, travel: TravelConfig) -> Box<dyn TravelCost> {
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

/// Longitude and latitude of every cell centre.
pub fn cell_lon_lat(scenario: &Scenario) -> Vec<[f64; 2]> {
    let frame = MetricFrame::new(scenario.frame);
    let cells = &scenario.cells;
    cells
        .x()
        .iter()
        .zip(cells.y())
        .map(|(&x, &y)| {
            let (lon, lat) = frame.unproject(x, y);
            [lon, lat]
        })
        .collect()
}
