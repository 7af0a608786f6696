//! Location-model benchmark on seeded clustered cities: generation, neighbour search and the solve timed
//! separately, with the plan's status, objective, bound and gap.
//!
//! ```sh
//! cargo run --release -p branchnet-benches --bin locate -- p-median --demand 20000 --candidates 2000 -p 100 --time-limit 60
//! cargo run --release -p branchnet-benches --bin locate -- mclp --demand 1000000 --candidates 100 -p 10 --radius 3000
//! ```
// A benchmark binary reports on the terminal.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use anyhow::Context;
use branchnet_optimize::{Costs, Coverage, Solution, SolveOptions, solve_mclp, solve_p_median};
use branchnet_spatial::neighbours::SiteIndex;
use branchnet_synth::{ClusteredSpec, generate_clustered};
use clap::{Parser, Subcommand};

/// Times a location model on a generated clustered city.
#[derive(Debug, Parser)]
struct Args {
    #[command(subcommand)]
    model: Model,
    /// Log the solver's phases to stderr.
    #[arg(long, global = true)]
    log: bool,
}

#[derive(Debug, Subcommand)]
enum Model {
    /// Uncapacitated p-median over all demand × candidate pairs (Euclidean metres).
    PMedian {
        #[command(flatten)]
        spec: ClusteredSpec,
        #[command(flatten)]
        solve: SolveArgs,
    },
    /// Maximal covering within a radius.
    Mclp {
        #[command(flatten)]
        spec: ClusteredSpec,
        #[command(flatten)]
        solve: SolveArgs,
        /// Coverage radius, metres.
        #[arg(long, default_value_t = 3000.0)]
        radius: f64,
    },
}

#[derive(Debug, clap::Args)]
struct SolveArgs {
    /// Sites to open.
    #[arg(short, default_value_t = 10)]
    p: usize,
    /// Time limit, seconds.
    #[arg(long)]
    time_limit: Option<f64>,
    /// Relative gap at which to stop.
    #[arg(long, default_value_t = 0.0)]
    gap: f64,
}

impl SolveArgs {
    fn options(&self) -> SolveOptions {
        SolveOptions {
            time_limit_s: self.time_limit,
            mip_rel_gap: self.gap,
            ..SolveOptions::default()
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.log {
        tracing_subscriber::fmt()
            .with_env_filter("branchnet_optimize=debug")
            .with_writer(std::io::stderr)
            .init();
    }
    match args.model {
        Model::PMedian { spec, solve } => {
            let (demand, weights, sites) = generate(&spec)?;
            let started = Instant::now();
            // Every pair: the radius exceeds the area's diagonal.
            let pairs = SiteIndex::new(&sites).within(&demand, 2.0 * spec.extent_m);
            let (offsets, site_ids, distances) = pairs.into_parts();
            let costs = Costs::from_csr(sites.len(), offsets, site_ids, distances)?;
            println!("costs: {:.2} s", started.elapsed().as_secs_f64());
            let started = Instant::now();
            let plan = solve_p_median(&costs, &weights, solve.p, &solve.options())?;
            report(&plan, started);
            let people: f64 = weights.iter().sum();
            println!("mean distance per person: {:.1} m", plan.objective / people);
        }
        Model::Mclp { spec, solve, radius } => {
            let (demand, weights, sites) = generate(&spec)?;
            let started = Instant::now();
            let (offsets, site_ids, _) = SiteIndex::new(&sites).within(&demand, radius).into_parts();
            let coverage = Coverage::from_csr(sites.len(), offsets, site_ids)?;
            println!("coverage lists: {:.2} s", started.elapsed().as_secs_f64());
            let started = Instant::now();
            let plan = solve_mclp(&coverage, &weights, solve.p, &solve.options())?;
            report(&plan, started);
            let people: f64 = weights.iter().sum();
            println!("covered: {:.3}% of people", 100.0 * plan.objective / people);
        }
    }
    Ok(())
}

type Generated = (Vec<[f64; 2]>, Vec<f64>, Vec<[f64; 2]>);

fn generate(spec: &ClusteredSpec) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let city = generate_clustered(spec).context("generating the clustered city")?;
    println!(
        "generated {} demand points, {} candidates (seed {}): {:.2} s",
        city.demand.len(),
        city.candidates.len(),
        spec.seed,
        started.elapsed().as_secs_f64()
    );
    Ok((city.demand, city.weights, city.candidates))
}

fn report(plan: &Solution, started: Instant) {
    println!("solve: {:.2} s", started.elapsed().as_secs_f64());
    println!("status: {:?}", plan.status);
    println!(
        "objective {:.1}, bound {:.1}, gap {:.4}%",
        plan.objective,
        plan.bound,
        100.0 * plan.gap
    );
    println!("open sites: {}", plan.sites.len());
}
