//! The steps every front end runs on a scenario file, in one place: read it ([`Session::open`]), build and run
//! its scoring models ([`Session::score`]), find its blank and dense areas ([`Session::gaps`]) and plan it
//! ([`Session::plan`]); the results as tables ([`tables`]) and GeoJSON ([`gaps`]).
//!
//! The `branchnet` CLI and the Python package both go through this crate, so a scenario scores and plans the
//! same from either.
//!
//! ```no_run
//! use branchnet_core::Silent;
//! use branchnet_workflow::Session;
//!
//! # fn main() -> Result<(), branchnet_workflow::WorkflowError> {
//! let session = Session::open("data/demo-city/scenario.toml".as_ref())?;
//! let scored = session.score(&session.models(None)?, &Silent)?;
//! let planned = session.plan(&scored.scores, session.config.plan.as_ref(), &Silent)?;
//! println!("{}", planned.run.plan.action_summary());
//! # Ok(())
//! # }
//! ```

mod error;
pub mod gaps;
mod session;
pub mod tables;

pub use error::WorkflowError;
pub use session::{Planned, Session, travel_cost};
