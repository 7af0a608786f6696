//! Blank and dense areas as GeoJSON (one polygon each, with its figures) and as tables.

use branchnet_core::{NO_REGION, RegionIdx, Scenario};
use branchnet_score::gaps::{BlankArea, DenseArea, GapReport};
use branchnet_spatial::MetricFrame;
use geo_types::Polygon;
use polars::prelude::{Column, DataFrame};
use serde_json::{Map, Value, json};

use crate::WorkflowError;

/// Region ids per level, keyed `region_<level>`.
fn region_properties(scenario: &Scenario, regions: &[RegionIdx], props: &mut Map<String, Value>) {
    for (level, l) in scenario.regions.levels().iter().enumerate() {
        let id = regions
            .get(level)
            .filter(|&&r| r != NO_REGION)
            .and_then(|&r| scenario.regions.get(r))
            .map(|r| r.id.clone());
        props.insert(format!("region_{}", l.name), json!(id));
    }
}

fn finite(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// The areas of `report` as a GeoJSON FeatureCollection: a polygon (the area's hull) per blank and per dense
/// area, property `kind` telling which, with its rank, figures, centroid and `region_<level>` ids.
pub fn gaps_geojson(scenario: &Scenario, report: &GapReport) -> Value {
    let frame = MetricFrame::new(scenario.frame);
    let lon_lat = |x: f64, y: f64| {
        let (lon, lat) = frame.unproject(x, y);
        json!([lon, lat])
    };
    let ring = |p: &Polygon<f64>| -> Value {
        Value::Array(p.exterior().coords().map(|c| lon_lat(c.x, c.y)).collect())
    };
    let mut features: Vec<Value> = report
        .blank
        .iter()
        .map(|a| blank_feature(scenario, a, &ring, &lon_lat))
        .collect();
    features.extend(
        report
            .dense
            .iter()
            .map(|d| dense_feature(scenario, d, &ring, &lon_lat)),
    );
    json!({ "type": "FeatureCollection", "features": features })
}

fn blank_feature(
    scenario: &Scenario,
    a: &BlankArea,
    ring: &dyn Fn(&Polygon<f64>) -> Value,
    lon_lat: &dyn Fn(f64, f64) -> Value,
) -> Value {
    let mut props = Map::new();
    props.insert("kind".into(), json!("blank"));
    props.insert("rank".into(), json!(a.rank));
    props.insert("potential".into(), finite(a.potential));
    props.insert("future".into(), a.future.map_or(Value::Null, finite));
    props.insert("population".into(), finite(a.population));
    props.insert("area_km2".into(), finite(a.area_km2));
    props.insert("cells".into(), json!(a.cells.len()));
    props.insert("mean_nearest_m".into(), finite(a.mean_nearest_m));
    props.insert("centroid".into(), lon_lat(a.centroid_x, a.centroid_y));
    region_properties(scenario, &a.regions, &mut props);
    json!({ "type": "Feature", "geometry": { "type": "Polygon", "coordinates": [ring(&a.hull)] }, "properties": props })
}

fn dense_feature(
    scenario: &Scenario,
    d: &DenseArea,
    ring: &dyn Fn(&Polygon<f64>) -> Value,
    lon_lat: &dyn Fn(f64, f64) -> Value,
) -> Value {
    let sites = scenario.sites.all();
    let mut props = Map::new();
    props.insert("kind".into(), json!("dense"));
    props.insert("rank".into(), json!(d.rank));
    props.insert(
        "branches".into(),
        json!(
            d.branches
                .iter()
                .map(|&j| sites[j as usize].id.as_str())
                .collect::<Vec<_>>()
        ),
    );
    props.insert("redundant_demand".into(), finite(d.redundant_demand));
    props.insert("union_demand".into(), finite(d.union_demand));
    props.insert("overlap_share".into(), finite(d.overlap_share));
    props.insert("redundancy".into(), finite(d.redundancy));
    props.insert("max_cannibalisation".into(), finite(d.max_cannibalisation));
    props.insert("overlap_area_km2".into(), finite(d.overlap_area_km2));
    props.insert("centroid".into(), lon_lat(d.centroid_x, d.centroid_y));
    region_properties(scenario, &d.regions, &mut props);
    json!({ "type": "Feature", "geometry": { "type": "Polygon", "coordinates": [ring(&d.hull)] }, "properties": props })
}

/// The region id of each area on every level, as `region_<level>` columns.
fn region_columns<'a>(
    scenario: &Scenario,
    regions: impl Iterator<Item = &'a [RegionIdx]> + Clone,
) -> Vec<Column> {
    scenario
        .regions
        .levels()
        .iter()
        .enumerate()
        .map(|(level, l)| {
            let ids: Vec<Option<&str>> = regions
                .clone()
                .map(|r| {
                    r.get(level)
                        .filter(|&&r| r != NO_REGION)
                        .and_then(|&r| scenario.regions.get(r))
                        .map(|g| g.id.as_str())
                })
                .collect();
            Column::new(format!("region_{}", l.name).into(), ids)
        })
        .collect()
}

/// Centroid longitudes and latitudes of areas.
fn centroid_columns(scenario: &Scenario, centroids: impl Iterator<Item = (f64, f64)>) -> [Column; 2] {
    let frame = MetricFrame::new(scenario.frame);
    let (lon, lat): (Vec<f64>, Vec<f64>) = centroids.map(|(x, y)| frame.unproject(x, y)).unzip();
    [Column::new("lon".into(), lon), Column::new("lat".into(), lat)]
}

fn finite_column(name: &str, values: impl Iterator<Item = f64>) -> Column {
    let values: Vec<Option<f64>> = values.map(|v| v.is_finite().then_some(v)).collect();
    Column::new(name.into(), values)
}

/// One row per blank area, by rank: `rank`, `potential`, `future`, `population`, `area_km2`, `cells`,
/// `mean_nearest_m`, the centroid's `lon` and `lat`, and `region_<level>` ids.
///
/// # Errors
/// When polars cannot build the table.
pub fn blank_table(scenario: &Scenario, report: &GapReport) -> Result<DataFrame, WorkflowError> {
    let b = &report.blank;
    let mut columns = vec![
        Column::new("rank".into(), b.iter().map(|a| a.rank as u64).collect::<Vec<_>>()),
        finite_column("potential", b.iter().map(|a| a.potential)),
        finite_column("future", b.iter().map(|a| a.future.unwrap_or(f64::NAN))),
        finite_column("population", b.iter().map(|a| a.population)),
        finite_column("area_km2", b.iter().map(|a| a.area_km2)),
        Column::new(
            "cells".into(),
            b.iter().map(|a| a.cells.len() as u64).collect::<Vec<_>>(),
        ),
        finite_column("mean_nearest_m", b.iter().map(|a| a.mean_nearest_m)),
    ];
    columns.extend(centroid_columns(
        scenario,
        b.iter().map(|a| (a.centroid_x, a.centroid_y)),
    ));
    columns.extend(region_columns(scenario, b.iter().map(|a| a.regions.as_slice())));
    DataFrame::new_infer_height(columns).map_err(|e| encode("blank areas", e))
}

/// One row per dense area, by rank: `rank`, `branches` (their ids, `;`-separated), `redundant_demand`,
/// `union_demand`, `overlap_share`, `redundancy`, `max_cannibalisation`, `overlap_area_km2`, the centroid's
/// `lon` and `lat`, and `region_<level>` ids.
///
/// # Errors
/// When polars cannot build the table.
pub fn dense_table(scenario: &Scenario, report: &GapReport) -> Result<DataFrame, WorkflowError> {
    let d = &report.dense;
    let sites = scenario.sites.all();
    let branches: Vec<String> = d
        .iter()
        .map(|a| {
            let ids: Vec<&str> = a
                .branches
                .iter()
                .map(|&j| sites[j as usize].id.as_str())
                .collect();
            ids.join(";")
        })
        .collect();
    let mut columns = vec![
        Column::new("rank".into(), d.iter().map(|a| a.rank as u64).collect::<Vec<_>>()),
        Column::new("branches".into(), branches),
        finite_column("redundant_demand", d.iter().map(|a| a.redundant_demand)),
        finite_column("union_demand", d.iter().map(|a| a.union_demand)),
        finite_column("overlap_share", d.iter().map(|a| a.overlap_share)),
        finite_column("redundancy", d.iter().map(|a| a.redundancy)),
        finite_column("max_cannibalisation", d.iter().map(|a| a.max_cannibalisation)),
        finite_column("overlap_area_km2", d.iter().map(|a| a.overlap_area_km2)),
    ];
    columns.extend(centroid_columns(
        scenario,
        d.iter().map(|a| (a.centroid_x, a.centroid_y)),
    ));
    columns.extend(region_columns(scenario, d.iter().map(|a| a.regions.as_slice())));
    DataFrame::new_infer_height(columns).map_err(|e| encode("dense areas", e))
}

fn encode(table: &str, e: impl std::fmt::Display) -> WorkflowError {
    WorkflowError::Encode {
        table: table.into(),
        message: e.to_string(),
    }
}
