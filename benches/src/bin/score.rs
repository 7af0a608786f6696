//! Scoring benchmarks (issue 4): the spatial kernel on a generated province, and every score on the demo city.
//!
//! ```sh
//! cargo run --release -p branchnet-benches --bin score -- coverage --cells 1000000 --sites 20000 --radius 2000
//! cargo run --release -p branchnet-benches --bin score -- huff --cells 1000000 --sites 2000 --cutoff 5000
//! cargo run --release -p branchnet-benches --bin score -- demo
//! ```
//!
//! Provinces are generated once (seeded) under the target directory and reused; reading them is not timed.
// A benchmark binary reports on the terminal.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use branchnet_core::{Decay, Scenario, SiteKind};
use branchnet_score::competition::huff_capture;
use branchnet_spatial::TravelCost;
use branchnet_spatial::travel::Euclidean;
use branchnet_synth::{ProvinceSpec, write_province};
use clap::{Parser, Subcommand};

/// Times the scoring kernels.
#[derive(Debug, Parser)]
struct Args {
    #[command(subcommand)]
    bench: Bench,
    /// Timed runs (the best and the median are reported).
    #[arg(long, default_value_t = 3, global = true)]
    repeat: usize,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Coverage lists: every (cell, site) pair within a radius, from the R-tree, on a generated province.
    Coverage {
        #[command(flatten)]
        spec: ProvinceSpec,
        /// Radius, metres.
        #[arg(long, default_value_t = 2000.0)]
        radius: f64,
    },
    /// Huff capture of every cell's demand by every site within a cutoff (power decay), on a generated province.
    Huff {
        #[command(flatten)]
        spec: ProvinceSpec,
        /// Cutoff, metres: sites farther away are not in a cell's choice set.
        #[arg(long, default_value_t = 5000.0)]
        cutoff: f64,
        /// Decay exponent β of `d^−β`.
        #[arg(long, default_value_t = 2.0)]
        beta: f64,
    },
    /// Every built-in score of the demo city (`data/demo-city`), run as `branchnet score` runs them.
    Demo,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.bench {
        Bench::Coverage { spec, radius } => coverage(&spec, radius, args.repeat),
        Bench::Huff { spec, cutoff, beta } => huff(&spec, cutoff, beta, args.repeat),
        Bench::Demo => demo(args.repeat),
    }
}

fn coverage(spec: &ProvinceSpec, radius: f64, repeat: usize) -> anyhow::Result<()> {
    let scenario = province(spec)?;
    let cells = cell_points(&scenario);
    let sites: Vec<[f64; 2]> = scenario.sites.all().iter().map(|s| [s.x, s.y]).collect();
    println!("{} cells × {} sites, radius {radius} m", cells.len(), sites.len());
    let mut pairs = 0;
    let times = timed(repeat, || {
        let travel = Euclidean::new(cells.clone(), sites.clone());
        pairs = travel.within(radius, None).n_pairs();
    });
    println!(
        "{pairs} pairs ({:.1} per cell)",
        pairs as f64 / cells.len() as f64
    );
    report("coverage lists (index + query)", &times);
    Ok(())
}

fn huff(spec: &ProvinceSpec, cutoff: f64, beta: f64, repeat: usize) -> anyhow::Result<()> {
    let scenario = province(spec)?;
    let cells = cell_points(&scenario);
    let sites = scenario.sites.all();
    let points: Vec<[f64; 2]> = sites.iter().map(|s| [s.x, s.y]).collect();
    let demand = scenario
        .cells
        .column("population")
        .context("the province has a population column")?;
    let own: Vec<bool> = sites.iter().map(|s| s.kind == SiteKind::Own).collect();
    // Attractiveness: counters where known, else 1 (ln A = 0).
    let ln_attractiveness: Vec<f64> = sites
        .iter()
        .map(|s| s.counters.map_or(0.0, |c| f64::from(c.max(1)).ln()))
        .collect();
    let decay = Decay::Power {
        beta,
        min_distance: 100.0,
        cutoff: Some(cutoff),
    };
    println!(
        "{} cells × {} sites, cutoff {cutoff} m, β = {beta}",
        cells.len(),
        sites.len()
    );
    let travel = Euclidean::new(cells, points);
    let mut pairs = 0;
    let mut captured = 0.0;
    let times = timed(repeat, || {
        let near = travel.within(cutoff, None);
        pairs = near.n_pairs();
        let capture = huff_capture(&near, demand, &ln_attractiveness, &decay, &own);
        captured = capture
            .captured
            .iter()
            .zip(&own)
            .filter(|(_, o)| **o)
            .map(|(c, _)| c)
            .sum();
    });
    println!(
        "{pairs} pairs ({:.1} per cell); own branches capture {captured:.0} of {:.0}",
        pairs as f64 / demand.len() as f64,
        demand.iter().sum::<f64>()
    );
    report("Huff (pairs within the cutoff + capture)", &times);
    Ok(())
}

fn demo(repeat: usize) -> anyhow::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo-city/scenario.toml");
    let config = branchnet_io::read_config(&path)?;
    let loaded = branchnet_io::build_scenario(&config, &path)?;
    let scenario = &loaded.scenario;
    let registry = branchnet_score::Registry::builtin();
    let models = registry.build(&branchnet_score::default_scores(&config.scores))?;
    println!(
        "{} cells, {} sites; models: {}",
        scenario.cells.len(),
        scenario.sites.len(),
        models.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
    );
    let mut last = None;
    let times = timed(repeat, || {
        let travel = Euclidean::new(
            cell_points(scenario),
            scenario.sites.all().iter().map(|s| [s.x, s.y]).collect(),
        );
        last = Some(branchnet_score::run_models(&models, scenario, &travel));
    });
    let run = last.context("at least one run")??;
    for (model, time) in &run.timings {
        println!("  {model}: {:.3} s", time.as_secs_f64());
    }
    report("every score, demo city (travel index + models)", &times);
    Ok(())
}

/// The generated province of `spec`, written once under the target directory.
fn province(spec: &ProvinceSpec) -> anyhow::Result<Scenario> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let dir = target.join(format!(
        "bench-data/province-{}-{}-{}-{}",
        spec.cells, spec.sites, spec.regions, spec.seed
    ));
    let scenario = dir.join("scenario.toml");
    if !scenario.exists() {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        write_province(&dir, spec)?;
    }
    Ok(branchnet_io::load_scenario(&scenario)?.scenario)
}

fn cell_points(scenario: &Scenario) -> Vec<[f64; 2]> {
    let cells = &scenario.cells;
    cells.x().iter().zip(cells.y()).map(|(&x, &y)| [x, y]).collect()
}

/// Wall times of `repeat` runs of `f`, sorted.
fn timed(repeat: usize, mut f: impl FnMut()) -> Vec<f64> {
    let mut times: Vec<f64> = (0..repeat.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

fn report(what: &str, times: &[f64]) {
    println!(
        "{what}: best {:.3} s, median {:.3} s over {} runs",
        times[0],
        times[times.len() / 2],
        times.len()
    );
}
