//! The branchnet planner: a scenario in, a relocation plan out.
//!
//! The banks' three levels, in order:
//! - **macro — direction** ([`directions`]): per region the demand potential now and at the horizon
//!   against today's supply, a gap index, a direction (grow / hold / consolidate) and a branch quota;
//! - **meso — layout** ([`layout`]): the relocation program — keep, close, relocate or convert every branch
//!   and open candidate locations, maximising the demand served under budgets, quotas, inclusion, capacity
//!   (Erlang C) and spacing rules — solved with HiGHS, proven optimal or with its gap;
//! - **micro — site** ([`micro`]): for every opened location the concrete candidate sites within walking
//!   distance, ranked by the site score with their factor breakdown.
//!
//! [`plan()`] runs them on a scored scenario; the [`Plan`] holds the actions with their reasons, KPIs
//! before and after (recomputed cell by cell, [`kpis`]), and the status of each stage; [`report`] writes the
//! self-contained HTML report.
#![deny(missing_docs)]

pub mod actions;
pub mod config;
pub mod directions;
mod error;
mod export;
pub mod inputs;
pub mod kpis;
pub mod layout;
pub mod micro;
pub mod pairing;
pub mod plan;
pub mod reasons;
pub mod report;
mod run;
mod service;
pub mod sweep;
mod whole_region;
pub mod zones;

pub use config::PlanConfig;
pub use error::PlanError;
pub use export::{PlanTables, kpis_document, map_layers, plan_geojson, write_plan};
pub use plan::{
    Action, ActionKind, BudgetUse, Direction, KpiComparison, Kpis, Place, Plan, RankedSite, RegionDirection,
    SiteChoice, StageStatus,
};
pub use report::{MapLayers, html_report, summary_html, write_report};
pub use run::{Branch, PlanRun, plan};
pub use sweep::{SweepRow, sweep};
pub use whole_region::{WHOLE_REGION, with_regions};
