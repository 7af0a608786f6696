//! Running models in order, each seeing the columns of those before it.

use std::time::{Duration, Instant};

use branchnet_core::{Reporter, Scenario, Silent};
use branchnet_spatial::TravelCost;
use tracing::debug;

use crate::{ScoreContext, ScoreError, Scores, ScoringModel};

/// What a run of models produced, and how long each took.
#[derive(Debug, Clone, Default)]
pub struct ScoreRun {
    /// Every model's columns and figures, names prefixed `model-name.`.
    pub scores: Scores,
    /// Wall time per model, in run order.
    pub timings: Vec<(String, Duration)>,
}

/// Runs `models` in order on `scenario`, each seeing the prefixed outputs of those before.
///
/// # Errors
/// The first model's error, or [`ScoreError::BadInput`] when a model returns a column of the wrong length.
pub fn run_models(
    models: &[Box<dyn ScoringModel>],
    scenario: &Scenario,
    travel: &dyn TravelCost,
) -> Result<ScoreRun, ScoreError> {
    run_models_reporting(models, scenario, travel, &Silent)
}

/// [`run_models`], telling `reporter` of one stage, `scoring`, with a step per model.
///
/// # Errors
/// As [`run_models`].
pub fn run_models_reporting(
    models: &[Box<dyn ScoringModel>],
    scenario: &Scenario,
    travel: &dyn TravelCost,
    reporter: &dyn Reporter,
) -> Result<ScoreRun, ScoreError> {
    let mut run = ScoreRun::default();
    reporter.begin("scoring", Some(models.len() as u64));
    for model in models {
        let started = Instant::now();
        let ctx = ScoreContext {
            scenario,
            travel,
            computed: &run.scores,
        };
        let out = model.score(&ctx)?;
        check_lengths(model.name(), &out, scenario)?;
        let elapsed = started.elapsed();
        debug!(model = model.name(), seconds = elapsed.as_secs_f64(), "scored");
        run.scores.absorb(model.name(), out);
        run.timings.push((model.name().to_owned(), elapsed));
        reporter.advance(1);
    }
    reporter.end(&format!("{} models", models.len()));
    Ok(run)
}

fn check_lengths(model: &str, out: &Scores, scenario: &Scenario) -> Result<(), ScoreError> {
    let targets = [
        ("cell", &out.cells, scenario.cells.len()),
        ("site", &out.sites, scenario.sites.len()),
        ("region", &out.regions, scenario.regions.len()),
    ];
    for (target, columns, expected) in targets {
        if let Some(c) = columns.iter().find(|c| c.values.len() != expected) {
            return Err(ScoreError::BadInput {
                model: model.into(),
                message: format!(
                    "returned {target} column `{}` with {} values for {expected} {target}s",
                    c.name,
                    c.values.len()
                ),
            });
        }
    }
    Ok(())
}
