//! `branchnet-synth`: writes the demo city or a benchmark province.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// Seeded generators of synthetic branchnet inputs.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The Jiangcheng demo city (data/demo-city).
    DemoCity {
        /// Output folder.
        #[arg(long, default_value = "data/demo-city")]
        out: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// A large province for ingestion benchmarks.
    Province {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        spec: branchnet_synth::ProvinceSpec,
    },
    /// A province for planner benchmarks: 1,000,000 populated 200 m cells, 2,000 own branches, 5,000
    /// candidate sites, 150 counties of townships, and a `[plan]` table (the demo city's, scaled up).
    PlanProvince {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        spec: branchnet_synth::PlanProvinceSpec,
    },
    /// A clustered city of demand points and candidate sites, x/y in metres of a local frame (no CRS), for
    /// `branchnet solve`.
    Clustered {
        /// Output folder (gets demand.csv and candidates.csv, or .parquet).
        #[arg(long)]
        out: PathBuf,
        /// File format of the two tables.
        #[arg(long, value_enum, default_value_t)]
        format: branchnet_synth::TableFormat,
        #[command(flatten)]
        spec: branchnet_synth::ClusteredSpec,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let start = Instant::now();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::DemoCity { out: dir, seed } => {
            let summary = branchnet_synth::write_demo_city(&dir, seed)
                .with_context(|| format!("writing the demo city to {}", dir.display()))?;
            write!(out, "{summary}")?;
        }
        Command::Province { out: dir, spec } => {
            let scenario = branchnet_synth::write_province(&dir, &spec)
                .with_context(|| format!("writing the province to {}", dir.display()))?;
            writeln!(out, "wrote {}", scenario.display())?;
        }
        Command::PlanProvince { out: dir, spec } => {
            let summary = branchnet_synth::write_plan_province(&dir, &spec)
                .with_context(|| format!("writing the province to {}", dir.display()))?;
            write!(out, "{summary}")?;
            writeln!(out, "wrote {}", dir.join("scenario.toml").display())?;
        }
        Command::Clustered {
            out: dir,
            format,
            spec,
        } => {
            let city = branchnet_synth::generate_clustered(&spec)?;
            let paths = city
                .write(&dir, format)
                .with_context(|| format!("writing the clustered city to {}", dir.display()))?;
            let people: f64 = city.weights.iter().sum();
            writeln!(
                out,
                "wrote {} ({} demand points, {people:.0} people) and {} ({} candidates); x/y in metres",
                paths[0].display(),
                city.demand.len(),
                paths[1].display(),
                city.candidates.len()
            )?;
        }
    }
    writeln!(out, "in {:.1} s", start.elapsed().as_secs_f64())?;
    Ok(())
}
