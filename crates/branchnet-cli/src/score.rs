//! `branchnet score`: every scoring model of a scenario, written per cell, per site and per region.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use branchnet_core::{NO_REGION, Scenario};
use branchnet_score::{Column as ScoreColumn, Scores};
use polars::prelude::{Column, CsvWriter, DataFrame, ParquetWriter, SerWriter};
use serde_json::json;

use crate::scoring::{cell_lon_lat, score_scenario};

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
    let scored = score_scenario(&args.scenario, None)?;
    let scenario = &scored.scenario;
    let scores = &scored.run.scores;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let path = |name: &str| args.out.join(format!("{name}.{}", args.format.extension()));
    write_table(&path("cells"), cell_table(scenario, scores)?, args.format)?;
    write_table(&path("sites"), site_table(scenario, scores)?, args.format)?;
    write_table(&path("regions"), region_table(scenario, scores)?, args.format)?;
    let timings: serde_json::Map<String, serde_json::Value> = scored
        .run
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
    let doc = json!({ "scenario": scored.config.name, "figures": figures, "seconds": timings });
    std::fs::write(&figures_path, serde_json::to_string_pretty(&doc)?)
        .with_context(|| format!("cannot write {}", figures_path.display()))?;

    println!("Scenario: {}", scored.config.name);
    println!("Read in {:.2} s; models:", scored.read_s);
    for (model, t) in &scored.run.timings {
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

/// Score columns as nullable floats (`NaN`, "does not apply", becomes null).
fn score_columns(columns: &[ScoreColumn]) -> impl Iterator<Item = Column> + '_ {
    columns.iter().map(|c| {
        Column::new(
            c.name.as_str().into(),
            c.values.iter().map(|&v| finite(v)).collect::<Vec<_>>(),
        )
    })
}

/// The region id of each cell on every level, as `region_<level>` columns.
fn region_id_columns(scenario: &Scenario, per_level: impl Fn(usize) -> Vec<u32>) -> Vec<Column> {
    let regions = &scenario.regions;
    regions
        .levels()
        .iter()
        .enumerate()
        .map(|(level, l)| {
            let ids: Vec<Option<&str>> = per_level(level)
                .into_iter()
                .map(|r| {
                    (r != NO_REGION)
                        .then(|| regions.get(r).map(|g| g.id.as_str()))
                        .flatten()
                })
                .collect();
            Column::new(format!("region_{}", l.name).into(), ids)
        })
        .collect()
}

fn cell_table(scenario: &Scenario, scores: &Scores) -> anyhow::Result<DataFrame> {
    let cells = &scenario.cells;
    let lon_lat = cell_lon_lat(scenario);
    let mut columns = vec![
        Column::new("cell".into(), (0..cells.len() as u64).collect::<Vec<_>>()),
        Column::new("lon".into(), lon_lat.iter().map(|p| p[0]).collect::<Vec<_>>()),
        Column::new("lat".into(), lon_lat.iter().map(|p| p[1]).collect::<Vec<_>>()),
    ];
    columns.extend(region_id_columns(scenario, |level| {
        cells
            .regions(level)
            .map_or_else(|| vec![NO_REGION; cells.len()], <[u32]>::to_vec)
    }));
    columns.extend(score_columns(&scores.cells));
    Ok(DataFrame::new_infer_height(columns)?)
}

fn site_table(scenario: &Scenario, scores: &Scores) -> anyhow::Result<DataFrame> {
    let sites = scenario.sites.all();
    let mut columns = vec![
        Column::new(
            "id".into(),
            sites.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "kind".into(),
            sites.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("lon".into(), sites.iter().map(|s| s.lon).collect::<Vec<_>>()),
        Column::new("lat".into(), sites.iter().map(|s| s.lat).collect::<Vec<_>>()),
    ];
    columns.extend(region_id_columns(scenario, |level| {
        sites
            .iter()
            .map(|s| s.regions.get(level).copied().unwrap_or(NO_REGION))
            .collect()
    }));
    columns.extend(score_columns(&scores.sites));
    Ok(DataFrame::new_infer_height(columns)?)
}

fn region_table(scenario: &Scenario, scores: &Scores) -> anyhow::Result<DataFrame> {
    let regions = scenario.regions.all();
    let levels = scenario.regions.levels();
    let mut columns = vec![
        Column::new(
            "id".into(),
            regions.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "name".into(),
            regions.iter().map(|r| r.name.as_deref()).collect::<Vec<_>>(),
        ),
        Column::new(
            "level".into(),
            regions
                .iter()
                .map(|r| levels[r.level].name.as_str())
                .collect::<Vec<_>>(),
        ),
    ];
    columns.extend(score_columns(&scores.regions));
    Ok(DataFrame::new_infer_height(columns)?)
}

fn write_table(path: &Path, mut df: DataFrame, format: TableFormat) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    match format {
        TableFormat::Parquet => ParquetWriter::new(file).finish(&mut df).map(|_| ()),
        TableFormat::Csv => CsvWriter::new(file).finish(&mut df),
    }
    .with_context(|| format!("cannot write {}", path.display()))
}
