//! Location models on sparse inputs, solved with HiGHS and the decompositions that make them scale:
//!
//! - covering: LSCP (set cover, also with capacities), LSCP-B (backup coverage), MCLP (maximal covering,
//!   also with partial coverage by a [`branchnet_core::Decay`]);
//! - median and centre: p-median (uncapacitated; capacitated with split or single sourcing), p-center,
//!   p-dispersion;
//! - facility location with fixed costs: UFLP and CFLP (split or single sourcing);
//! - maximum capture against competitors under Huff / multinomial-logit choice;
//! - the planner's [`relocation`] program: keep, close, relocate, convert and open under budgets, quotas,
//!   inclusion, capacity and spacing rules.
//!
//! Every model takes required and forbidden sites, a time limit, a relative gap and a thread count, and is
//! deterministic.
//!
//! Inputs are sparse: a [`Coverage`] lists, per demand point, the sites that cover it; a [`Costs`] table lists,
//! per demand point, the sites it may be served from and at what cost (from a long origin/destination table or
//! a dense matrix). Every model returns a [`Solution`] whose [`Status`] says whether it is proven optimal,
//! feasible with a gap (a time limit was hit), or infeasible and why.
//!
//! The models are built column by column on the `highs` crate (the same HiGHS that good_lp drives) because
//! that exposes what a planner needs and good_lp does not: the dual bound and the achieved gap.
#![deny(missing_docs)]

mod backup;
mod capacitated_pmedian;
mod capture;
mod dispersion;
mod error;
mod facility;
mod greedy;
mod input;
mod knapsack_columns;
mod lscp;
mod mclp;
mod mip;
mod options;
pub mod orlib;
mod partial_coverage;
mod pcenter;
mod pmedian;
mod relaxed_choice;
pub mod relocation;
mod site_swaps;
mod solution;

pub use backup::{BackupCover, solve_lscp_backup};
pub use capacitated_pmedian::solve_capacitated_p_median;
pub use capture::{Capture, CaptureSolution, Utilities, UtilityDecay, evaluate_capture, solve_max_capture};
pub use dispersion::solve_p_dispersion;
pub use error::OptimizeError;
pub use facility::{FacilitySolution, Sourcing, solve_cflp, solve_uflp};
pub use input::{Costs, Coverage};
pub use lscp::{CapacitatedCover, solve_lscp, solve_lscp_capacitated};
pub use mclp::solve_mclp;
pub use options::SolveOptions;
pub use partial_coverage::solve_mclp_partial;
pub use pcenter::solve_p_center;
pub use pmedian::solve_p_median;
pub use solution::{Solution, Status};
