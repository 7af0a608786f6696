//! The branchnet planner: a scenario in, a relocation plan out.
//!
//! The banks' three levels, in order:
//! - **macro — direction**: per region the demand potential now and at the horizon against today's supply,
//!   a gap index, a direction (grow / hold / consolidate) and a branch quota;
//! - **meso — layout**: the relocation program — keep, close, relocate or convert every branch and open
//!   candidate locations, maximising the demand served under budgets, quotas, inclusion, capacity (Erlang C)
//!   and spacing rules — solved with HiGHS, proven optimal or with its gap;
//! - **micro — site**: for every opened location the concrete candidate sites within walking distance,
//!   ranked by the site score with their factor breakdown.
//!
//! The [`Plan`] holds the actions with their reasons, KPIs before and after, and the status of each stage;
//! exports write it as CSV, Parquet, GeoJSON, `kpis.json` and a self-contained HTML report.
#![deny(missing_docs)]

pub mod plan;
pub mod report;

pub use plan::{
    Action, ActionKind, Direction, KpiComparison, Kpis, Place, Plan, RankedSite, RegionDirection,
    SiteChoice, StageStatus,
};
pub use report::{MapLayers, html_report, write_report};
