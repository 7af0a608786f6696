//! branchnet-optimize against published references: PySAL spopt's San Francisco case and OR-Library.
// The reference tests report what each instance took (visible with --nocapture).
#![allow(clippy::print_stderr)]

mod covering_models;
mod max_capture;
mod mclp_scale;
mod orlib_cap;
mod orlib_pmed;
mod orlib_pmedcap;
mod spopt_sf;
