//! Scoring models of branchnet: everything known about a network before it is optimised.
//!
//! Each model implements [`ScoringModel`]; models run in the order a scenario lists them and read the
//! columns of the models before them through [`ScoreContext`]:
//! - [`potential`]: demand potential from weighted grid columns, projected years ahead;
//! - [`coverage`]: per cell the nearest own branch, covering branches, covered or not; summaries;
//! - [`gaps`]: blank areas (clusters of uncovered potential) and dense areas (overlapping branches);
//! - [`access`]: 2SFCA, enhanced 2SFCA and gravity accessibility, with equity figures;
//! - [`competition`]: Huff / multinomial-logit capture against competitors, and its calibration;
//! - [`queue`]: Erlang-C service levels per branch and the counters a target needs;
//! - [`site_score`]: multi-criteria scores of candidate sites with a per-factor breakdown.
#![deny(missing_docs)]

pub mod access;
pub mod competition;
pub mod coverage;
mod error;
pub mod gaps;
mod model;
pub mod potential;
pub mod queue;
mod registry;
mod run;
pub mod site_score;

pub use error::ScoreError;
pub use model::{Column, Figure, ScoreContext, Scores, ScoringModel};
pub use registry::{DEFAULT_KINDS, Factory, Registry, default_scores};
pub use run::{ScoreRun, run_models, run_models_reporting};
