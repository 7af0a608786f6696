//! The site layers a generated scenario writes: own branches (CSV), competitors (GeoJSON points) and
//! candidate sites (Parquet), in the columns `scenario.toml` of the demo city and the province name.

use std::path::Path;

use polars::prelude::*;
use serde_json::json;

use crate::city::CitySite;
use crate::common::{LocalFrame, point_feature, write_feature_collection, write_lines, write_parquet};

/// Writes `branches.csv`, `competitors.geojson` and `candidates.parquet` into `dir`.
pub(crate) fn write_site_layers(
    dir: &Path,
    f: &LocalFrame,
    branches: &[CitySite],
    competitors: &[CitySite],
    candidates: &[CitySite],
) -> anyhow::Result<()> {
    write_lines(
        &dir.join("branches.csv"),
        "id,name,lon,lat,format,counters,staff,annual_cost,observed_volume,protected,opened_year",
        branches.iter().map(|b| {
            let p = f.lonlat(b.xy[0], b.xy[1]);
            format!(
                "{},{},{:.6},{:.6},{},{},{},{},{},{},{}",
                b.id,
                b.name,
                p[0],
                p[1],
                b.format,
                b.counters,
                b.staff,
                b.annual_cost,
                b.observed_volume,
                b.protected,
                b.opened_year
            )
        }),
    )?;
    let features: Vec<serde_json::Value> = competitors
            .iter()
            .map(|c| {
                point_feature(
                    f.lonlat(c.xy[0], c.xy[1]),
                    json!({ "id": c.id, "bank": c.bank, "name": c.name, "format": c.format, "counters": c.counters }),
                )
            })
            .collect();
    write_feature_collection(&dir.join("competitors.geojson"), &features)?;
    let cand_ll: Vec<[f64; 2]> = candidates.iter().map(|c| f.lonlat(c.xy[0], c.xy[1])).collect();
    let col = |name: &str, get: fn(&CitySite) -> f64| {
        Column::new(name.into(), candidates.iter().map(get).collect::<Vec<f64>>())
    };
    write_parquet(
        &dir.join("candidates.parquet"),
        vec![
            Column::new(
                "id".into(),
                candidates.iter().map(|c| c.id.clone()).collect::<Vec<String>>(),
            ),
            Column::new("lon".into(), cand_ll.iter().map(|p| p[0]).collect::<Vec<f64>>()),
            Column::new("lat".into(), cand_ll.iter().map(|p| p[1]).collect::<Vec<f64>>()),
            col("rent", |c| c.rent),
            col("open_cost", |c| c.open_cost),
            col("floor_area_m2", |c| c.floor_area_m2),
            col("footfall", |c| c.footfall),
            col("visibility", |c| c.visibility),
        ],
    )?;
    Ok(())
}
