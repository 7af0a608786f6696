//! Parameter sweeps: the plan again at each `[[plan.sweep]]` entry's settings, and a comparison table of
//! cost against coverage.

use branchnet_core::{Reporter, Scenario};
use branchnet_score::Scores;
use serde::Serialize;

use crate::config::{PlanConfig, with_overrides};
use crate::{PlanError, plan};

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepRow {
    /// The entry's name.
    pub name: String,
    /// Meso status (`optimal`, `feasible`, `infeasible`).
    pub status: String,
    /// Relative gap of the layout.
    pub gap: Option<f64>,
    /// Open branches after.
    pub branches: usize,
    /// Changes: closures, relocations, openings, conversions.
    pub changes: usize,
    /// One-off cost spent.
    pub capital_cost: f64,
    /// Annual cost after.
    pub annual_cost: f64,
    /// Population coverage before.
    pub coverage_before: f64,
    /// Population coverage after.
    pub coverage_after: f64,
    /// Planning demand within reach after.
    pub demand_covered: f64,
    /// Mean distance to the nearest branch after, metres.
    pub mean_distance_m: f64,
}

/// Runs every sweep entry of the `[plan]` table.
///
/// # Errors
/// An entry whose settings do not parse, or a plan that fails (see [`plan()`](crate::plan())).
pub fn sweep(
    scenario: &Scenario,
    scores: &Scores,
    table: Option<&toml::Table>,
    reporter: &dyn Reporter,
) -> Result<Vec<SweepRow>, PlanError> {
    let base = table.cloned().unwrap_or_default();
    let config = PlanConfig::from_table(Some(&base))?;
    let mut rows = Vec::new();
    for entry in &config.sweep {
        let mut merged = with_overrides(&base, &entry.set)?;
        merged.remove("sweep");
        let run_config = PlanConfig::from_table(Some(&merged)).map_err(|e| PlanError::Config {
            key: format!("sweep `{}`", entry.name),
            message: e.to_string(),
        })?;
        let run = plan(scenario, scores, &run_config, reporter)?;
        let meso = run.plan.stages.iter().find(|s| s.stage == "meso");
        let after = &run.plan.kpis.after;
        rows.push(SweepRow {
            name: entry.name.clone(),
            status: meso.map_or_else(String::new, |m| m.status.clone()),
            gap: meso.and_then(|m| m.gap),
            branches: after.branches,
            changes: run
                .plan
                .actions
                .iter()
                .filter(|a| a.kind != crate::ActionKind::Keep)
                .count(),
            capital_cost: after.capital_cost,
            annual_cost: after.annual_cost,
            coverage_before: run.plan.kpis.before.coverage,
            coverage_after: after.coverage,
            demand_covered: after.demand_covered,
            mean_distance_m: after.mean_distance_m,
        });
    }
    Ok(rows)
}
