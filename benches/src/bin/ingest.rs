//! Ingestion benchmark: read, validate, project and assign regions for a generated province.
//!
//! ```sh
//! cargo run --release -p branchnet-benches --bin ingest -- --cells 1000000 --sites 2000 --regions 3000
//! ```
//!
//! The province is generated once (seeded) under the target directory and reused; each run times
//! `branchnet_io::load_scenario` end to end and reports the best and median wall time and the peak memory.
// A benchmark binary reports on the terminal.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use branchnet_synth::{ProvinceSpec, write_province};
use clap::Parser;

/// Times scenario ingestion on a generated province.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    spec: ProvinceSpec,
    /// Timed runs.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Where the generated province goes (default: under the cargo target directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Print the time of every pipeline stage (tracing spans) to stderr.
    #[arg(long)]
    stages: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.stages {
        tracing_subscriber::fmt()
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(std::io::stderr)
            .init();
    }
    let spec = args.spec;
    let dir = args.dir.unwrap_or_else(|| {
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
        target.join(format!(
            "bench-data/province-{}-{}-{}-{}",
            spec.cells, spec.sites, spec.regions, spec.seed
        ))
    });
    let scenario = dir.join("scenario.toml");
    if !scenario.exists() {
        let start = Instant::now();
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        write_province(&dir, &spec)?;
        println!(
            "generated {} in {:.1} s",
            dir.display(),
            start.elapsed().as_secs_f64()
        );
    }

    let mut times = Vec::with_capacity(args.repeat);
    let mut last = None;
    for run in 1..=args.repeat.max(1) {
        let start = Instant::now();
        let loaded = branchnet_io::load_scenario(&scenario)?;
        let secs = start.elapsed().as_secs_f64();
        println!("run {run}: {secs:.3} s");
        times.push(secs);
        last = Some(loaded);
    }
    times.sort_by(f64::total_cmp);
    let loaded = last.context("at least one run")?;
    let s = loaded.scenario.summary();
    println!(
        "cells {}, sites {}, regions {}, findings {}",
        s.cells,
        loaded.scenario.sites.len(),
        loaded.scenario.regions.len(),
        loaded.report.len()
    );
    println!(
        "load_scenario: best {:.3} s, median {:.3} s over {} runs; peak RSS {}",
        times[0],
        times[times.len() / 2],
        times.len(),
        peak_rss().unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}

/// The process's peak resident set size, from /proc (Linux).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.0} MiB", kib / 1024.0))
}
