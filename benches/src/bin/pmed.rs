//! OR-Library p-median benchmark: solves pmed1–pmed40 to proven optimality and checks each optimum.
//!
//! ```sh
//! cargo run --release -p branchnet-benches --bin pmed -- [--from 1 --to 40] [--log]
//! ```
//!
//! Reading and all-pairs shortest paths are not timed; each solve is, from costs to proven optimum.
// A benchmark binary reports on the terminal.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, ensure};
use branchnet_optimize::orlib::{PMedianInstance, listed_optimum, read_pmed};
use branchnet_optimize::{SolveOptions, solve_p_median};
use clap::Parser;

/// Times the exact p-median on OR-Library's pmed instances.
#[derive(Debug, Parser)]
struct Args {
    /// First instance number.
    #[arg(long, default_value_t = 1)]
    from: usize,
    /// Last instance number.
    #[arg(long, default_value_t = 40)]
    to: usize,
    /// Log the solver's phases (bounds, cuts, fixed sites) to stderr.
    #[arg(long)]
    log: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.log {
        tracing_subscriber::fmt()
            .with_env_filter("branchnet_optimize=debug")
            .with_writer(std::io::stderr)
            .init();
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/reference/orlib/pmed");
    let mut total = 0.0;
    println!("instance      n    p   optimum   seconds");
    for k in args.from..=args.to {
        let name = format!("pmed{k}");
        let PMedianInstance { n, p, costs } = read_pmed(&dir.join(format!("{name}.txt")))?;
        let optimum = listed_optimum(&dir.join("pmedopt.txt"), &name)?;
        let started = Instant::now();
        let solution = solve_p_median(&costs, &vec![1.0; n], p, &SolveOptions::default())
            .with_context(|| format!("solving {name}"))?;
        let seconds = started.elapsed().as_secs_f64();
        total += seconds;
        ensure!(
            solution.is_optimal() && solution.objective == optimum,
            "{name}: {:?} objective {} against the published {optimum}",
            solution.status,
            solution.objective
        );
        println!("{name:<8} {n:>6} {p:>4} {optimum:>9} {seconds:>9.2}");
    }
    println!("total {total:.1} s");
    Ok(())
}
