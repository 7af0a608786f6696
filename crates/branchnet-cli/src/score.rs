//! `branchnet score`: every scoring model of a scenario, written per cell, per site and per region.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use branchnet_workflow::Session;
use branchnet_workflow::tables::{cell_table, region_table, site_table};
use polars::prelude::{CsvWriter, DataFrame, ParquetWriter, SerWriter};
use serde_json::json;

/// Arguments of `branchnet score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (scenario.toml); its `[[scores]]` list the models (every built-in one when absent).
    scenario: PathBuf,
    /// Output folder: cells, sites and regions tables and `figures.json`.
    #[arg(long)]
    out: PathBuf,
    /// Table format.
    #[arg(long, value_enum, default_value_t = TableFormat::Parquet)]
    format: TableFormat,
}

/// How the per-cell and per-site tables are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Apache Parquet.
    Parquet,
    /// Comma-separated text.
    Csv,
}

impl TableFormat {
    fn extension(self) -> &'static str {
        match self {
            TableFormat::Parquet => "parquet",
            TableFormat::Csv => "csv",
        }
    }
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let session = Session::open(&args.scenario)?;
    let run = session.score(&session.models(None)?, &branchnet_core::Silent)?;
    let scenario = &session.scenario;
    let scores = &run.scores;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let path = |name: &str| args.out.join(format!("{name}.{}", args.format.extension()));
    write_table(&path("cells"), cell_table(scenario, scores)?, args.format)?;
    write_table(&path("sites"), site_table(scenario, scores)?, args.format)?;
    write_table(&path("regions"), region_table(scenario, scores)?, args.format)?;
    let timings: serde_json::Map<String, serde_json::Value> = run
        .timings
        .iter()
        .map(|(m, t)| (m.clone(), json!(t.as_secs_f64())))
        .collect();
    let figures: serde_json::Map<String, serde_json::Value> = scores
        .figures
        .iter()
        .map(|f| (f.name.clone(), json!(finite(f.value))))
        .collect();
    let figures_path = args.out.join("figures.json");
    let doc = json!({ "scenario": session.config.name, "figures": figures, "seconds": timings });
    std::fs::write(&figures_path, serde_json::to_string_pretty(&doc)?)
        .with_context(|| format!("cannot write {}", figures_path.display()))?;

    println!("Scenario: {}", session.config.name);
    println!("Read in {:.2} s; models:", session.read_s);
    for (model, t) in &run.timings {
        println!("  {model:<16} {:.3} s", t.as_secs_f64());
    }
    println!("Figures:");
    for f in &scores.figures {
        println!("  {:<48} {}", f.name, format_figure(f.value));
    }
    println!(
        "Wrote {} cell, {} site and {} region columns to {} in {:.2} s",
        scores.cells.len(),
        scores.sites.len(),
        scores.regions.len(),
        args.out.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn format_figure(v: f64) -> String {
    if !v.is_finite() {
        "n/a".into()
    } else if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.4e}")
    } else if v.abs() >= 1e4 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn write_table(path: &Path, mut df: DataFrame, format: TableFormat) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    match format {
        TableFormat::Parquet => ParquetWriter::new(file).finish(&mut df).map(|_| ()),
        TableFormat::Csv => CsvWriter::new(file).finish(&mut df),
    }
    .with_context(|| format!("cannot write {}", path.display()))
}
