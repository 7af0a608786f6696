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
    }
    writeln!(out, "in {:.1} s", start.elapsed().as_secs_f64())?;
    Ok(())
}
