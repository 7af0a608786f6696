//! Domain types of branchnet.
//!
//! A [`Scenario`] holds everything a run knows about a city or province, in one metric frame:
//! the demand grid ([`Cells`], columnar), the sites ([`Sites`]: own branches, competitors, candidate
//! sites) and the administrative [`Regions`] at several levels. [`ScenarioConfig`] is the typed form of a
//! `scenario.toml`; [`ValidationReport`] lists what was suspicious but usable in the inputs.
//!
//! This crate does no I/O and no geometry beyond holding it: readers live in `branchnet-io`, projection and
//! indexes in `branchnet-spatial`.
#![deny(missing_docs)]

mod cells;
pub mod config;
mod decay;
mod error;
mod frame;
mod progress;
mod regions;
mod report;
mod scenario;
mod sites;

pub use cells::{Cells, ValueColumn};
pub use config::{ConfigIssue, ScenarioConfig, TravelConfig};
pub use decay::Decay;
pub use error::CoreError;
pub use frame::FrameDef;
pub use progress::{Reporter, Silent};
pub use regions::{NO_REGION, Region, RegionIdx, RegionLevel, Regions};
pub use report::{Finding, FindingKind, ValidationReport};
pub use scenario::{ColumnSummary, Scenario, ScenarioSummary};
pub use sites::{BranchFormat, Site, SiteKind, Sites, SourceRef};
