//! Writing a plan: the tables as CSV and Parquet, the network as GeoJSON, the KPIs as JSON, and the HTML
//! report.
//!
//! | file | what |
//! |---|---|
//! | `actions.csv`, `actions.parquet` | one row per action: kind, from/to ids and positions, region, formats, costs, demand only it reaches, site score, reasons (`;`-separated) |
//! | `regions.csv` | the macro directions: figures, quota and range, branches after, reasons |
//! | `branches.csv` | the network after the plan: id, position, region, format, counters, planned load, capacity, share waiting too long |
//! | `sites.csv` | the micro rankings: per opened location every site within walking distance, its score and factors |
//! | `plan.geojson` | points for every branch before and after (property `action`) and a line per relocation |
//! | `kpis.json` | KPIs before and after, the budgets and their use, the stages and the notes |
//! | `report.html` | the self-contained report (map, region, KPI and action tables) |

use std::path::{Path, PathBuf};

use branchnet_core::Scenario;
use branchnet_io::write::{Values, write_csv, write_parquet};
use geojson::{Feature, FeatureCollection, Geometry, JsonObject, Value as GeoValue};
use serde_json::json;

use crate::report::{MapLayers, write_report};
use crate::whole_region::with_regions;
use crate::{ActionKind, Place, PlanError, PlanRun};

/// The plan's tables in memory, as [`write_plan`] writes them: named columns of text, numbers or flags.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTables {
    /// One row per action (`actions.csv`).
    pub actions: Vec<(String, Values)>,
    /// The macro directions, one row per region (`regions.csv`).
    pub regions: Vec<(String, Values)>,
    /// The network after the plan, one row per branch (`branches.csv`).
    pub branches: Vec<(String, Values)>,
    /// The micro rankings, one row per site considered for an opened location (`sites.csv`).
    pub sites: Vec<(String, Values)>,
}

impl PlanTables {
    /// The tables of `run`.
    pub fn of(run: &PlanRun) -> Self {
        Self {
            actions: action_columns(run),
            regions: region_columns(run),
            branches: branch_columns(run),
            sites: site_columns(run),
        }
    }
}

/// The plan as a GeoJSON FeatureCollection (`plan.geojson`): a point per branch before and after (property
/// `action`, `role`) and a line per relocation.
pub fn plan_geojson(run: &PlanRun) -> String {
    geojson(run).to_string()
}

/// KPIs before and after, the budgets and their use, the stages and the notes (`kpis.json`).
pub fn kpis_document(run: &PlanRun) -> serde_json::Value {
    json!({
        "scenario": run.plan.scenario,
        "currency": run.plan.currency,
        "before": run.plan.kpis.before,
        "after": run.plan.kpis.after,
        "budget": run.plan.budget,
        "stages": run.plan.stages,
        "notes": run.plan.notes,
    })
}

/// What the report's map draws of `scenario`: `demand` (one value per cell) shades it, the regions of `level`
/// outline it (the whole area as one region when the scenario has none).
pub fn map_layers(scenario: &Scenario, demand: &[f64], level: usize) -> MapLayers {
    MapLayers::from_scenario(&with_regions(scenario), demand, level)
}

/// Writes every export of `run` into `dir` (created if needed) and returns the files written.
///
/// `demand` (one value per cell) shades the report's map; `level` is the macro region level.
///
/// # Errors
/// A file that cannot be written, named.
pub fn write_plan(
    run: &PlanRun,
    scenario: &Scenario,
    demand: &[f64],
    level: usize,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlanError> {
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    let mut written = Vec::new();
    let mut out = |name: &str| {
        let p = dir.join(name);
        written.push(p.clone());
        p
    };
    let tables = PlanTables::of(run);
    let p = out("actions.csv");
    write_csv(&p, &tables.actions).map_err(|e| failed(&p, e))?;
    let p = out("actions.parquet");
    write_parquet(&p, &tables.actions).map_err(|e| failed(&p, e))?;
    let p = out("regions.csv");
    write_csv(&p, &tables.regions).map_err(|e| failed(&p, e))?;
    let p = out("branches.csv");
    write_csv(&p, &tables.branches).map_err(|e| failed(&p, e))?;
    let p = out("sites.csv");
    write_csv(&p, &tables.sites).map_err(|e| failed(&p, e))?;
    let p = out("plan.geojson");
    std::fs::write(&p, plan_geojson(run)).map_err(|e| failed(&p, e))?;
    let p = out("kpis.json");
    let text = serde_json::to_string_pretty(&kpis_document(run)).map_err(|e| failed(&p, e))?;
    std::fs::write(&p, text).map_err(|e| failed(&p, e))?;
    let p = out("report.html");
    write_report(&run.plan, &map_layers(scenario, demand, level), &p).map_err(|e| failed(&p, e))?;
    Ok(written)
}

fn failed(path: &Path, e: impl std::fmt::Display) -> PlanError {
    PlanError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn text(v: impl IntoIterator<Item = Option<String>>) -> Values {
    Values::Text(v.into_iter().collect())
}

fn number(v: impl IntoIterator<Item = Option<f64>>) -> Values {
    Values::Number(v.into_iter().collect())
}

fn place_columns(prefix: &str, places: &[Option<&Place>]) -> Vec<(String, Values)> {
    vec![
        (
            format!("{prefix}_id"),
            text(places.iter().map(|p| p.map(|p| p.id.clone()))),
        ),
        (
            format!("{prefix}_lon"),
            number(places.iter().map(|p| p.map(|p| p.lon))),
        ),
        (
            format!("{prefix}_lat"),
            number(places.iter().map(|p| p.map(|p| p.lat))),
        ),
        (
            format!("{prefix}_x"),
            number(places.iter().map(|p| p.map(|p| p.x))),
        ),
        (
            format!("{prefix}_y"),
            number(places.iter().map(|p| p.map(|p| p.y))),
        ),
    ]
}

fn action_columns(run: &PlanRun) -> Vec<(String, Values)> {
    let a = &run.plan.actions;
    let from: Vec<Option<&Place>> = a.iter().map(|x| x.from.as_ref()).collect();
    let to: Vec<Option<&Place>> = a.iter().map(|x| x.to.as_ref()).collect();
    let mut columns: Vec<(String, Values)> = vec![(
        "action".into(),
        text(a.iter().map(|x| Some(x.kind.as_str().to_string()))),
    )];
    columns.extend(place_columns("from", &from));
    columns.extend(place_columns("to", &to));
    columns.extend(named([
        (
            "region",
            text(
                a.iter()
                    .map(|x| x.to.as_ref().or(x.from.as_ref()).and_then(|p| p.region.clone())),
            ),
        ),
        (
            "format_before",
            text(a.iter().map(|x| x.format_before.map(|f| f.as_str().to_string()))),
        ),
        (
            "format_after",
            text(a.iter().map(|x| x.format_after.map(|f| f.as_str().to_string()))),
        ),
        ("capital_cost", number(a.iter().map(|x| Some(x.capital_cost)))),
        ("annual_cost", number(a.iter().map(|x| Some(x.annual_cost)))),
        ("unique_demand", number(a.iter().map(|x| Some(x.unique_demand)))),
        (
            "site_score",
            number(a.iter().map(|x| x.site_score.filter(|s| s.is_finite()))),
        ),
        ("reasons", text(a.iter().map(|x| Some(x.reasons.join(";"))))),
    ]));
    columns
}

fn named<const N: usize>(columns: [(&str, Values); N]) -> Vec<(String, Values)> {
    columns.into_iter().map(|(n, v)| (n.to_string(), v)).collect()
}

fn region_columns(run: &PlanRun) -> Vec<(String, Values)> {
    let d = &run.plan.directions;
    let count = |f: &dyn Fn(&crate::RegionDirection) -> usize| number(d.iter().map(|x| Some(f(x) as f64)));
    named([
        ("region", text(d.iter().map(|x| Some(x.region.clone())))),
        ("name", text(d.iter().map(|x| x.name.clone()))),
        ("potential_now", number(d.iter().map(|x| Some(x.potential_now)))),
        (
            "potential_future",
            number(d.iter().map(|x| Some(x.potential_future))),
        ),
        ("population", number(d.iter().map(|x| Some(x.population)))),
        ("branches", count(&|x| x.branches)),
        ("counters", number(d.iter().map(|x| Some(f64::from(x.counters))))),
        ("coverage", number(d.iter().map(|x| Some(x.coverage)))),
        ("gap_index", number(d.iter().map(|x| Some(x.gap_index)))),
        (
            "direction",
            text(d.iter().map(|x| Some(x.direction.as_str().to_string()))),
        ),
        ("quota", count(&|x| x.quota)),
        ("quota_min", count(&|x| x.quota_range.0)),
        ("quota_max", count(&|x| x.quota_range.1)),
        ("branches_after", count(&|x| x.branches_after)),
        ("reasons", text(d.iter().map(|x| Some(x.reasons.join(";"))))),
    ])
}

fn branch_columns(run: &PlanRun) -> Vec<(String, Values)> {
    let b = &run.branches;
    named([
        ("id", text(b.iter().map(|x| Some(x.place.id.clone())))),
        ("lon", number(b.iter().map(|x| Some(x.place.lon)))),
        ("lat", number(b.iter().map(|x| Some(x.place.lat)))),
        ("x", number(b.iter().map(|x| Some(x.place.x)))),
        ("y", number(b.iter().map(|x| Some(x.place.y)))),
        ("region", text(b.iter().map(|x| x.place.region.clone()))),
        (
            "format",
            text(b.iter().map(|x| x.format.map(|f| f.as_str().to_string()))),
        ),
        ("counters", number(b.iter().map(|x| Some(f64::from(x.counters))))),
        ("load", number(b.iter().map(|x| x.load))),
        (
            "capacity",
            number(b.iter().map(|x| x.capacity.filter(|c| c.is_finite()))),
        ),
        (
            "share_waiting_too_long",
            number(b.iter().map(|x| x.share_waiting_too_long)),
        ),
    ])
}

fn site_columns(run: &PlanRun) -> Vec<(String, Values)> {
    let rows: Vec<(&crate::SiteChoice, usize, &crate::RankedSite)> = run
        .plan
        .sites
        .iter()
        .flat_map(|c| c.ranked.iter().enumerate().map(move |(k, r)| (c, k + 1, r)))
        .collect();
    let mut factor_names: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.2.factors.iter().map(|f| f.0.as_str()))
        .collect();
    factor_names.sort_unstable();
    factor_names.dedup();
    let mut columns = named([
        (
            "location_id",
            text(rows.iter().map(|r| Some(r.0.location.id.clone()))),
        ),
        ("rank", number(rows.iter().map(|r| Some(r.1 as f64)))),
        (
            "chosen",
            Values::Flag(rows.iter().map(|r| Some(r.1 == 1)).collect()),
        ),
        ("site_id", text(rows.iter().map(|r| Some(r.2.site.id.clone())))),
        ("lon", number(rows.iter().map(|r| Some(r.2.site.lon)))),
        ("lat", number(rows.iter().map(|r| Some(r.2.site.lat)))),
        ("distance_m", number(rows.iter().map(|r| Some(r.2.distance_m)))),
        (
            "score",
            number(rows.iter().map(|r| Some(r.2.score).filter(|s| s.is_finite()))),
        ),
    ]);
    for name in factor_names {
        let values = number(rows.iter().map(|r| {
            r.2.factors
                .iter()
                .find(|f| f.0 == name)
                .map(|f| f.1)
                .filter(|v| v.is_finite())
        }));
        columns.push((format!("factor_{name}"), values));
    }
    columns
}

fn point_feature(place: &Place, properties: JsonObject) -> Feature {
    Feature {
        geometry: Some(Geometry::new(GeoValue::Point(vec![place.lon, place.lat]))),
        properties: Some(properties),
        ..Feature::default()
    }
}

fn geojson(run: &PlanRun) -> FeatureCollection {
    let mut features = Vec::new();
    for a in &run.plan.actions {
        let mut props = JsonObject::new();
        props.insert("action".into(), json!(a.kind.as_str()));
        props.insert("reasons".into(), json!(a.reasons.join(";")));
        props.insert("format_before".into(), json!(a.format_before.map(|f| f.as_str())));
        props.insert("format_after".into(), json!(a.format_after.map(|f| f.as_str())));
        if let Some(from) = &a.from {
            let mut p = props.clone();
            p.insert("id".into(), json!(from.id));
            p.insert(
                "role".into(),
                json!(if a.kind == ActionKind::Relocate {
                    "from"
                } else {
                    "branch"
                }),
            );
            features.push(point_feature(from, p));
        }
        if let Some(to) = &a.to {
            let mut p = props.clone();
            p.insert("id".into(), json!(to.id));
            p.insert(
                "role".into(),
                json!(if a.kind == ActionKind::Relocate {
                    "to"
                } else {
                    "branch"
                }),
            );
            p.insert("site_score".into(), json!(a.site_score.filter(|s| s.is_finite())));
            features.push(point_feature(to, p));
        }
        if let (Some(from), Some(to)) = (&a.from, &a.to) {
            let mut p = props.clone();
            p.insert("from_id".into(), json!(from.id));
            p.insert("to_id".into(), json!(to.id));
            p.insert("role".into(), json!("relocation"));
            features.push(Feature {
                geometry: Some(Geometry::new(GeoValue::LineString(vec![
                    vec![from.lon, from.lat],
                    vec![to.lon, to.lat],
                ]))),
                properties: Some(p),
                ..Feature::default()
            });
        }
    }
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}
