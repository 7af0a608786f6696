//! `branchnet gaps`: blank areas (uncovered potential) and dense areas (overlapping branches) as GeoJSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use branchnet_core::{NO_REGION, RegionIdx, Scenario};
use branchnet_score::gaps::{BlankArea, DenseArea, GapReport, Gaps};
use branchnet_score::{ScoreContext, default_scores};
use branchnet_spatial::MetricFrame;
use geo_types::Polygon;
use serde_json::{Map, Value, json};

use crate::scoring::score_scenario;

/// Arguments of `branchnet gaps`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (scenario.toml). Its `[[scores]]` entry with `model = "gaps"` sets the rules (the
    /// defaults when there is none); the models listed before it run first (the potential it reads).
    scenario: PathBuf,
    /// The GeoJSON file to write: one polygon per blank and per dense area, with their figures.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let config = branchnet_io::read_config(&args.scenario)?;
    let tables = default_scores(&config.scores);
    let at = tables
        .iter()
        .position(|t| t.get("model").and_then(|m| m.as_str()) == Some("gaps"));
    let gaps: Gaps = match at {
        Some(k) => {
            let mut table = tables[k].clone();
            table.remove("model");
            Gaps::deserialize(toml::Value::Table(table)).with_context(|| format!("scores[{k}] (gaps)"))?
        }
        None => Gaps::default(),
    };
    // Without a gaps entry, run what a gaps model would follow: everything listed (the potential at least).
    let scored = score_scenario(&args.scenario, Some(at.unwrap_or(tables.len())))?;
    let ctx = ScoreContext {
        scenario: &scored.scenario,
        travel: scored.travel.as_ref(),
        computed: &scored.run.scores,
    };
    let report = gaps.analyse(&ctx)?;
    let collection = feature_collection(&scored.scenario, &report);
    std::fs::write(&args.out, serde_json::to_string(&collection)?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    print_report(&scored.scenario, &report);
    println!(
        "Wrote {} areas to {}",
        report.blank.len() + report.dense.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

use serde::Deserialize as _;

fn print_report(scenario: &Scenario, report: &GapReport) {
    let sites = scenario.sites.all();
    println!("Blank areas: {}", report.blank.len());
    for a in report.blank.iter().take(10) {
        println!(
            "  #{:<3} {:>9.0} potential  {:>9.0} people  {:>6.2} km²  in {}",
            a.rank,
            a.potential,
            a.population,
            a.area_km2,
            region_names(scenario, &a.regions)
        );
    }
    println!("Dense areas: {}", report.dense.len());
    for d in report.dense.iter().take(10) {
        let ids: Vec<&str> = d
            .branches
            .iter()
            .map(|&j| sites[j as usize].id.as_str())
            .collect();
        println!(
            "  #{:<3} {:>2} branches  redundancy {:.2}  {:>9.0} served twice  in {}: {}",
            d.rank,
            d.branches.len(),
            d.redundancy,
            d.redundant_demand,
            region_names(scenario, &d.regions),
            ids.join(" ")
        );
    }
}

fn region_names(scenario: &Scenario, regions: &[RegionIdx]) -> String {
    let names: Vec<&str> = regions
        .iter()
        .filter(|&&r| r != NO_REGION)
        .filter_map(|&r| scenario.regions.get(r))
        .map(|r| r.name.as_deref().unwrap_or(&r.id))
        .collect();
    if names.is_empty() {
        "no region".into()
    } else {
        names.join(" / ")
    }
}

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

fn feature_collection(scenario: &Scenario, report: &GapReport) -> Value {
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
