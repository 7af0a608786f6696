//! Location models on sparse inputs, solved exactly with HiGHS: LSCP (set cover), MCLP (maximal covering)
//! and p-median, with required and forbidden sites, time limits, gaps and thread counts.
//!
//! Inputs are sparse: a [`Coverage`] lists, per demand point, the sites that cover it; a [`Costs`] table lists,
//! per demand point, the sites it may be served from and at what cost (from a long origin/destination table or
//! a dense matrix). Every model returns a [`Solution`] whose [`Status`] says whether it is proven optimal,
//! feasible with a gap (a time limit was hit), or infeasible and why.
//!
//! The models are built column by column on the `highs` crate (the same HiGHS that good_lp drives) because
//! that exposes what a planner needs and good_lp does not: the dual bound and the achieved gap.
#![deny(missing_docs)]

mod error;
mod greedy;
mod input;
mod lscp;
mod mclp;
mod mip;
mod options;
mod pmedian;
mod solution;

pub use error::OptimizeError;
pub use input::{Costs, Coverage};
pub use lscp::solve_lscp;
pub use mclp::solve_mclp;
pub use options::SolveOptions;
pub use pmedian::solve_p_median;
pub use solution::{Solution, Status};
