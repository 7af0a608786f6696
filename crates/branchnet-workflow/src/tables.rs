//! Result tables as polars DataFrames: the scores per cell, per site and per region, each with ids,
//! positions and region ids beside the model columns (what `branchnet score` writes and the Python package
//! returns).

use branchnet_core::{NO_REGION, Scenario};
use branchnet_io::write::parquet_bytes;
use branchnet_score::{Column as ScoreColumn, Scores};
use branchnet_spatial::MetricFrame;
use polars::prelude::{Column, DataFrame};

use crate::WorkflowError;

/// Longitude and latitude of every cell centre.
pub fn cell_lon_lat(scenario: &Scenario) -> Vec<[f64; 2]> {
    let frame = MetricFrame::new(scenario.frame);
    let cells = &scenario.cells;
    cells
        .x()
        .iter()
        .zip(cells.y())
        .map(|(&x, &y)| {
            let (lon, lat) = frame.unproject(x, y);
            [lon, lat]
        })
        .collect()
}

/// `df` as the bytes of a Parquet file, naming `table` if it cannot be encoded.
///
/// # Errors
/// When polars cannot encode a column.
pub fn to_parquet(table: &str, mut df: DataFrame) -> Result<Vec<u8>, WorkflowError> {
    parquet_bytes(&mut df).map_err(|e| encode(table, e))
}

fn encode(table: &str, e: impl std::fmt::Display) -> WorkflowError {
    WorkflowError::Encode {
        table: table.into(),
        message: e.to_string(),
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
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

/// One row per cell: `cell`, `lon`, `lat`, `region_<level>` ids, then every cell column of `scores`.
///
/// # Errors
/// Columns of different lengths.
pub fn cell_table(scenario: &Scenario, scores: &Scores) -> Result<DataFrame, WorkflowError> {
    const TABLE: &str = "cells";
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
    DataFrame::new_infer_height(columns).map_err(|e| encode(TABLE, e))
}

/// One row per site (every kind, scenario order): `id`, `kind`, `lon`, `lat`, `region_<level>` ids, then every
/// site column of `scores`.
///
/// # Errors
/// Columns of different lengths.
pub fn site_table(scenario: &Scenario, scores: &Scores) -> Result<DataFrame, WorkflowError> {
    const TABLE: &str = "sites";
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
    DataFrame::new_infer_height(columns).map_err(|e| encode(TABLE, e))
}

/// One row per region (every level): `id`, `name`, `level`, then every region column of `scores`.
///
/// # Errors
/// Columns of different lengths.
pub fn region_table(scenario: &Scenario, scores: &Scores) -> Result<DataFrame, WorkflowError> {
    const TABLE: &str = "regions";
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
    DataFrame::new_infer_height(columns).map_err(|e| encode(TABLE, e))
}
