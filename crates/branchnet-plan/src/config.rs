//! The `[plan]` table of `scenario.toml`: every parameter of the planner, with its default.
//!
//! ```toml
//! [plan]
//! demand = "potential.future"        # the cell column the layout serves
//! level = "district"                  # region level of the macro quotas
//! zone-m = 500                        # demand zones of the layout (square blocks)
//! time-limit-s = 60
//!
//! [plan.service]                      # who counts as served (default: the coverage model's radii)
//! radius-m = 1000
//! rural-radius-m = 5000
//!
//! [plan.macro]
//! branches = 81                       # total after the plan (default: as today)
//! max-change = 0.25                   # a region's quota moves at most this share of today's count
//! tolerance = 1                       # the layout may miss a quota by this many branches
//!
//! [plan.budget]
//! capital = 60_000_000
//! annual = "today"                    # or a number; default: no limit
//! max-openings = 0
//! max-relocations = 15
//!
//! [plan.costs]
//! close = 400_000
//! move = 600_000
//! licence = 1_500_000
//!
//! [plan.formats.light]
//! counters = 3
//! annual-cost = 1_600_000
//! fit-out = 1_200_000
//!
//! [plan.inclusion]
//! level = "township"
//! radius-m = 5000
//!
//! [plan.service-level]                # Erlang C at the counters
//! target-share = 0.1
//! ```

use std::collections::BTreeMap;

use branchnet_core::{BranchFormat, Decay};
use serde::{Deserialize, Serialize};

/// The whole `[plan]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct PlanConfig {
    /// Cell column of the demand the layout serves (default `potential.future`, else `population`).
    pub demand: Option<String>,
    /// Region level (name) of the macro quotas (default: the coarsest level).
    pub level: Option<String>,
    /// Side of the square demand zones of the layout, metres (default 500).
    pub zone_m: f64,
    /// Walking distance around an opened location within which micro looks for sites, metres (default 500).
    pub walking_distance_m: f64,
    /// Whether a branch may move only within its macro region (default false: moves go where demand is).
    pub relocate_within_region: bool,
    /// Whether blank areas (the gaps model) become candidate locations besides the listed sites (default
    /// true).
    pub blank_area_locations: bool,
    /// What the layout maximises: `coverage` (demand within the service radius, the default) or `capture`
    /// (the Huff share of that demand the bank wins against the competitors within the radius).
    pub objective: Objective,
    /// Wall-clock limit of the layout solve, seconds (default 60).
    pub time_limit_s: f64,
    /// Relative MIP gap at which the layout may stop (default 1e-4).
    pub gap: f64,
    /// Penalty per change (closure, move, conversion, opening; a move is one change with the opening at its
    /// target) in demand units, so that plans of equal value prefer fewer changes (default 0.5).
    pub change_penalty: f64,
    /// Money value of one unit of served demand per year; when set, the objective is value served minus
    /// annual cost minus capital spread over `payback-years` (default none: costs count through the
    /// budgets only).
    pub demand_value: Option<f64>,
    /// Years over which capital is spread in the objective (default 10).
    pub payback_years: f64,
    /// Who counts as served.
    pub service: ServiceConfig,
    /// Macro direction.
    #[serde(rename = "macro")]
    pub macro_level: MacroConfig,
    /// Money and count limits.
    pub budget: BudgetConfig,
    /// One-off costs of actions.
    pub costs: CostConfig,
    /// Branch formats (keys `full`, `light`, `smart`, `community`, `self-service`).
    pub formats: BTreeMap<BranchFormat, FormatConfig>,
    /// Inclusion rule.
    pub inclusion: Option<InclusionConfig>,
    /// Queue service level at the counters.
    pub service_level: Option<ServiceLevelConfig>,
    /// Least distance between two branches when at least one is new, metres (default none).
    pub min_spacing_m: Option<f64>,
    /// Elderly column whose served total may not fall below today's (default `elderly` when the grid has
    /// it; `""` switches the floor off).
    pub elderly: Option<String>,
    /// Parameter sweeps: each entry runs the plan again with these keys changed.
    pub sweep: Vec<SweepConfig>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            demand: None,
            level: None,
            zone_m: 500.0,
            walking_distance_m: 500.0,
            relocate_within_region: false,
            blank_area_locations: true,
            objective: Objective::Coverage,
            time_limit_s: 60.0,
            gap: 1e-4,
            change_penalty: 0.5,
            demand_value: None,
            payback_years: 10.0,
            service: ServiceConfig::default(),
            macro_level: MacroConfig::default(),
            budget: BudgetConfig::default(),
            costs: CostConfig::default(),
            formats: BTreeMap::new(),
            inclusion: None,
            service_level: None,
            min_spacing_m: None,
            elderly: None,
            sweep: Vec::new(),
        }
    }
}

/// What the layout maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Demand within the service radius of an open branch (with the service decay, if any).
    #[default]
    Coverage,
    /// Huff-captured demand: each zone's demand times the bank's share of the attraction (counters × `d⁻²`
    /// beyond 100 m) of the branches within its service radius, competitors included.
    Capture,
}

/// Service radii (and an optional decay) of the layout and the KPIs.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ServiceConfig {
    /// Urban service radius, metres (default: the coverage model's, 1,000).
    pub radius_m: Option<f64>,
    /// Rural service radius, metres (default: the coverage model's, 5,000).
    pub rural_radius_m: Option<f64>,
    /// Partial service by distance within the radius (default none: a step).
    pub decay: Option<Decay>,
}

/// How the macro quotas are set.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct MacroConfig {
    /// Branches in the network after the plan (default: as many as today).
    pub branches: Option<usize>,
    /// Least branches of a populated region (default 1).
    pub floor: usize,
    /// Most change of a region's quota, as a share of today's branches there (default 0.25; at least one
    /// branch either way).
    pub max_change: f64,
    /// Branches by which the layout may miss a quota either way (default 1).
    pub tolerance: usize,
}

impl Default for MacroConfig {
    fn default() -> Self {
        Self {
            branches: None,
            floor: 1,
            max_change: 0.25,
            tolerance: 1,
        }
    }
}

/// An amount or today's figure.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Amount {
    /// A fixed amount.
    Value(f64),
    /// `"today"`: the figure of today's network.
    Today(Today),
}

/// The word `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Today {
    /// Today's figure.
    Today,
}

/// Money and count limits.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct BudgetConfig {
    /// Most one-off spending.
    pub capital: Option<f64>,
    /// Most annual operating cost after the plan (`"today"`: no more than today's).
    pub annual: Option<Amount>,
    /// Most new branches (openings that are not relocation targets).
    pub max_openings: Option<usize>,
    /// Most closures.
    pub max_closures: Option<usize>,
    /// Most relocations.
    pub max_relocations: Option<usize>,
}

/// One-off costs of actions, in the scenario's currency.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct CostConfig {
    /// Closing a branch (default 300,000).
    pub close: f64,
    /// Moving a branch out, besides the target's fit-out (default 500,000).
    pub move_out: f64,
    /// Licence and set-up of a new branch, besides its fit-out (default 1,000,000).
    pub licence: f64,
}

impl Default for CostConfig {
    fn default() -> Self {
        Self {
            close: 300_000.0,
            move_out: 500_000.0,
            licence: 1_000_000.0,
        }
    }
}

/// A branch format the plan may open or convert to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FormatConfig {
    /// Teller counters.
    pub counters: u32,
    /// Annual operating cost (staff, rent excluded when the site has a rent: it is added).
    pub annual_cost: f64,
    /// Fit-out of a site in this format when the site has no `open_cost`.
    pub fit_out: f64,
    /// Cost of converting an existing branch to this format (default: no conversion to it).
    #[serde(default)]
    pub conversion_cost: Option<f64>,
    /// Whether new and relocated branches may open in this format (default true).
    #[serde(default = "yes")]
    pub open: bool,
}

fn yes() -> bool {
    true
}

/// Every unit of a region level keeps a service point within a distance.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct InclusionConfig {
    /// Region level (name) of the units, e.g. `township`.
    pub level: String,
    /// Distance from the unit's population centre within which a branch serves it, metres.
    pub radius_m: f64,
    /// Units with fewer residents are exempt (default 0: every populated unit).
    #[serde(default)]
    pub min_population: f64,
    /// Whether units without a branch within the radius today must get one (default false: the rule
    /// keeps the service points there are; units without one are listed in the notes).
    #[serde(default)]
    pub require_unserved: bool,
}

/// Erlang-C service level at the counters: the share of counter customers waiting over `threshold-min`
/// stays at most `target-share` at every branch.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ServiceLevelConfig {
    /// Cell column of counter demand (default `potential.counter`).
    pub demand: String,
    /// Counter visits to the bank per unit of that demand per year (its market share times visits per
    /// customer; default 1).
    pub visits_per_unit_year: f64,
    /// Busy-hour arrivals relative to the mean hour (default 1.5).
    pub peak_factor: f64,
    /// Opening hours per day (default 8).
    pub opening_hours_per_day: f64,
    /// Opening days per year (default 300).
    pub opening_days_per_year: f64,
    /// Mean counter service time, minutes (default 6).
    pub service_min: f64,
    /// The wait that counts as too long, minutes (default 15).
    pub threshold_min: f64,
    /// Most share of customers waiting too long (default 0.1).
    pub target_share: f64,
}

impl Default for ServiceLevelConfig {
    fn default() -> Self {
        Self {
            demand: "potential.counter".into(),
            visits_per_unit_year: 1.0,
            peak_factor: 1.5,
            opening_hours_per_day: 8.0,
            opening_days_per_year: 300.0,
            service_min: 6.0,
            threshold_min: 15.0,
            target_share: 0.1,
        }
    }
}

/// One run of a sweep: a label and the `[plan]` keys it changes (dotted keys, e.g. `budget.capital`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SweepConfig {
    /// Name of the run in the comparison table.
    pub name: String,
    /// Keys of `[plan]` and their values in this run.
    pub set: toml::Table,
}

impl PlanConfig {
    /// Reads the `[plan]` table (none: every default).
    ///
    /// # Errors
    /// An unknown key or a value of the wrong type, with serde's message naming it.
    pub fn from_table(table: Option<&toml::Table>) -> Result<Self, crate::PlanError> {
        let Some(table) = table else {
            return Ok(Self::default());
        };
        Self::deserialize(toml::Value::Table(table.clone())).map_err(|e| crate::PlanError::Config {
            key: "plan".into(),
            message: e.to_string().trim().to_string(),
        })
    }
}

/// `table` with the dotted keys of `set` replaced (`budget.capital = 2e7` sets `[budget] capital`).
///
/// # Errors
/// A dotted key that runs through a value that is not a table.
pub fn with_overrides(table: &toml::Table, set: &toml::Table) -> Result<toml::Table, crate::PlanError> {
    let mut out = table.clone();
    for (key, value) in set {
        let parts: Vec<&str> = key.split('.').collect();
        let (last, path) = parts.split_last().expect("split yields at least one part");
        let mut here = &mut out;
        for part in path {
            let entry = here
                .entry(part.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            here = entry.as_table_mut().ok_or_else(|| crate::PlanError::Config {
                key: format!("sweep.set.{key}"),
                message: format!("`{part}` is not a table"),
            })?;
        }
        here.insert(last.to_string(), value.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_reach_nested_keys_and_unknown_keys_are_errors() {
        let table: toml::Table = toml::from_str("[budget]\ncapital = 1.0\n").expect("toml");
        let set: toml::Table =
            toml::from_str("\"budget.capital\" = 2.0\n\"macro.tolerance\" = 0\n").expect("toml");
        let merged = with_overrides(&table, &set).expect("merges");
        let config = PlanConfig::from_table(Some(&merged)).expect("parses");
        assert_eq!(config.budget.capital, Some(2.0));
        assert_eq!(config.macro_level.tolerance, 0);
        let bad: toml::Table = toml::from_str("[budget]\ncapitol = 1.0\n").expect("toml");
        let err = PlanConfig::from_table(Some(&bad))
            .expect_err("unknown key")
            .to_string();
        assert!(err.contains("capitol"), "{err}");
    }
}
