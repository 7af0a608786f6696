//! What a planning run produces: directions per region, one action per branch or opened site, the micro
//! choices with their alternatives, KPIs before and after, and the solver status of every stage.

use std::fmt;

use serde::Serialize;

use branchnet_core::BranchFormat;

/// A whole plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Scenario name.
    pub scenario: String,
    /// Currency of every money figure.
    pub currency: String,
    /// Macro level: one direction per region of the planning level.
    pub directions: Vec<RegionDirection>,
    /// Meso and micro levels: one action per existing branch and per opened site.
    pub actions: Vec<Action>,
    /// Micro level: for each opened location, the ranked sites near it.
    pub sites: Vec<SiteChoice>,
    /// Network figures before and after the plan.
    pub kpis: KpiComparison,
    /// The budgets and how much of them the plan uses.
    pub budget: BudgetUse,
    /// How each stage ended.
    pub stages: Vec<StageStatus>,
    /// Plain-language notes: constraints that bind, rules that could not apply, nothing-to-improve.
    pub notes: Vec<String>,
}

/// Whether a region's network should grow, hold or shrink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// More branches than today.
    Grow,
    /// As many branches as today.
    Hold,
    /// Fewer branches than today.
    Consolidate,
}

impl Direction {
    /// The spelling in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Grow => "grow",
            Direction::Hold => "hold",
            Direction::Consolidate => "consolidate",
        }
    }
}

/// The macro figures and decision of one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionDirection {
    /// Region id.
    pub region: String,
    /// Region name, when the layer has one.
    pub name: Option<String>,
    /// Demand potential today (the planning demand's unit, people-equivalents by default).
    pub potential_now: f64,
    /// Demand potential at the horizon.
    pub potential_future: f64,
    /// Residents.
    pub population: f64,
    /// Own branches today.
    pub branches: usize,
    /// Counters of the own branches today.
    pub counters: u32,
    /// Share of the region's potential within the service radius of an own branch today.
    pub coverage: f64,
    /// Future potential per branch relative to the network's (1 = as served as the network on average; above
    /// 1 = under-served).
    pub gap_index: f64,
    /// Grow, hold or consolidate.
    pub direction: Direction,
    /// Branches the region should have after the plan (the macro quota).
    pub quota: usize,
    /// Least and most branches the layout may leave in the region.
    pub quota_range: (usize, usize),
    /// Branches the layout leaves in the region.
    pub branches_after: usize,
    /// Why: reason codes (see [`crate::reasons`]).
    pub reasons: Vec<String>,
}

/// What happens to a branch or site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// The branch stays as it is.
    Keep,
    /// The branch closes.
    Close,
    /// The branch moves to a new site.
    Relocate,
    /// A new branch opens.
    Open,
    /// The branch stays and changes format.
    Convert,
}

impl ActionKind {
    /// Every kind, in table order.
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Keep,
        ActionKind::Close,
        ActionKind::Relocate,
        ActionKind::Open,
        ActionKind::Convert,
    ];

    /// The spelling in files.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Keep => "keep",
            ActionKind::Close => "close",
            ActionKind::Relocate => "relocate",
            ActionKind::Open => "open",
            ActionKind::Convert => "convert",
        }
    }
}

/// A place: a site id (an existing branch, a candidate site, or a generated location) and its position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// Site id (generated locations get `GEN-…` ids).
    pub id: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Easting in the scenario frame, metres.
    pub x: f64,
    /// Northing in the scenario frame, metres.
    pub y: f64,
    /// Region of the planning level (id), when inside one.
    pub region: Option<String>,
}

/// One row of the actions table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// Keep, close, relocate, open or convert.
    pub kind: ActionKind,
    /// The existing branch (keep, close, relocate, convert).
    pub from: Option<Place>,
    /// The new site (relocate, open).
    pub to: Option<Place>,
    /// Format before (existing branches).
    pub format_before: Option<BranchFormat>,
    /// Format after (every branch that is open after the plan).
    pub format_after: Option<BranchFormat>,
    /// One-off cost of the action.
    pub capital_cost: f64,
    /// Annual operating cost after the plan (0 for a closed branch).
    pub annual_cost: f64,
    /// Planning demand within reach of the branch after the plan that no other branch reaches (what would
    /// be lost without it; for a closed branch: what it alone reached before).
    pub unique_demand: f64,
    /// Site score of the new site (relocate, open), when scored.
    pub site_score: Option<f64>,
    /// Reason codes (see [`crate::reasons`]).
    pub reasons: Vec<String>,
}

/// The micro choice for one opened location: the chosen site and its ranked alternatives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteChoice {
    /// The location the layout opened.
    pub location: Place,
    /// Candidate sites within walking distance, best first (the first is the one chosen).
    pub ranked: Vec<RankedSite>,
}

/// One candidate site near an opened location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedSite {
    /// The site.
    pub site: Place,
    /// Distance from the location, metres.
    pub distance_m: f64,
    /// Total site score.
    pub score: f64,
    /// Per-factor contributions (factor name, contribution), as the site-score model reports them.
    pub factors: Vec<(String, f64)>,
}

/// KPIs before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiComparison {
    /// Today's network.
    pub before: Kpis,
    /// The network after the plan.
    pub after: Kpis,
}

/// Network figures, recomputed from the branch positions at cell level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    /// Open own branches.
    pub branches: usize,
    /// Residents within the service radius of an own branch.
    pub population_covered: f64,
    /// Residents in all.
    pub population: f64,
    /// Elderly residents within the service radius, when the scenario has an elderly column.
    pub elderly_covered: Option<f64>,
    /// Elderly residents in all.
    pub elderly: Option<f64>,
    /// Planning demand within the service radius.
    pub demand_covered: f64,
    /// Planning demand in all.
    pub demand: f64,
    /// `population_covered / population`.
    pub coverage: f64,
    /// Population-weighted mean distance to the nearest own branch, metres.
    pub mean_distance_m: f64,
    /// Population-weighted 95th percentile of the distance to the nearest own branch, metres.
    pub p95_distance_m: f64,
    /// Planning demand the own branches capture against competitors (Huff), when competitors are known.
    pub captured_demand: Option<f64>,
    /// `captured_demand / demand`.
    pub market_share: Option<f64>,
    /// Share of counter customers waiting longer than the threshold (Erlang C on the Huff-captured demand).
    pub share_waiting_too_long: Option<f64>,
    /// Branches per region of the planning level (region id, count).
    pub branches_per_region: Vec<(String, usize)>,
    /// Annual operating cost of the open branches.
    pub annual_cost: f64,
    /// One-off cost spent by the plan (0 before).
    pub capital_cost: f64,
}

/// The budgets of the plan and what it spends.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BudgetUse {
    /// Capital budget, when set.
    pub capital: Option<f64>,
    /// One-off cost of the plan.
    pub capital_used: f64,
    /// Annual operating budget, when set.
    pub annual: Option<f64>,
    /// Annual operating cost after the plan.
    pub annual_after: f64,
    /// Bounds on new openings, closures and relocations, and how many the plan uses:
    /// `(what, limit, used)`.
    pub counts: Vec<(String, Option<usize>, usize)>,
}

/// Solver status of one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageStatus {
    /// `macro`, `meso` or `micro`.
    pub stage: String,
    /// `optimal`, `feasible` (with gap), `infeasible` or `heuristic`.
    pub status: String,
    /// Objective of the stage's plan, when it has one.
    pub objective: Option<f64>,
    /// Best bound, when the stage is an optimisation.
    pub bound: Option<f64>,
    /// Relative gap, when the stage is an optimisation.
    pub gap: Option<f64>,
    /// Wall time, seconds.
    pub seconds: f64,
    /// What the stage did, in one line.
    pub detail: String,
}

impl Plan {
    /// How many actions of each kind the plan has, in [`ActionKind::ALL`] order.
    pub fn action_counts(&self) -> [(ActionKind, usize); 5] {
        ActionKind::ALL.map(|k| (k, self.actions.iter().filter(|a| a.kind == k).count()))
    }

    /// The action counts in one line: `67 keep, 0 close, 12 relocate, 0 open, 2 convert`.
    pub fn action_summary(&self) -> String {
        let parts: Vec<String> = self
            .action_counts()
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        parts.join(", ")
    }
}

impl fmt::Display for StageStatus {
    /// `meso   optimal, gap 0.0000% (11.9 s) 26950 zones, …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gap = self
            .gap
            .map_or(String::new(), |g| format!(", gap {:.4}%", 100.0 * g));
        write!(
            f,
            "{:<6} {}{gap} ({:.2} s) {}",
            self.stage, self.status, self.seconds, self.detail
        )
    }
}
