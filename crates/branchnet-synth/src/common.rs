//! Pieces shared by the generators: the local metric plane, weighted sampling, rounding and writers.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use polars::prelude::*;
use rand::Rng;
use rand_distr::StandardNormal;
use serde_json::{Value, json};

use crate::mesh::{IndexPolygon, QuadMesh};

/// Metres per degree of latitude (and of longitude at the equator) on the sphere the generators use.
pub const METRES_PER_DEGREE: f64 = 111_320.0;

/// An equirectangular plane about a centre: `x = (lon − lon0)·cos(lat0)·111 320 m`, `y = (lat − lat0)·111 320 m`.
///
/// Over a city or a province (≤ 200 km) this is close enough to a proper projection for synthetic data; the
/// files carry lon/lat, and branchnet chooses its own metric frame when it reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    /// Longitude of the origin, degrees.
    pub lon0: f64,
    /// Latitude of the origin, degrees.
    pub lat0: f64,
}

impl LocalFrame {
    /// Longitude and latitude of a local point, rounded to 6 decimals (about 0.1 m).
    pub fn lonlat(&self, x: f64, y: f64) -> [f64; 2] {
        let lon = self.lon0 + x / (self.lat0.to_radians().cos() * METRES_PER_DEGREE);
        let lat = self.lat0 + y / METRES_PER_DEGREE;
        [round_to(lon, 6), round_to(lat, 6)]
    }
}

/// `v` rounded to `decimals` decimal places.
pub fn round_to(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// A lognormal factor with median 1.
pub fn lognormal<R: Rng>(rng: &mut R, sigma: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    (sigma * z).exp()
}

/// Draws indices with probability proportional to non-negative weights (cumulative sums + binary search).
#[derive(Debug, Clone)]
pub struct WeightedPicker {
    cumulative: Vec<f64>,
}

impl WeightedPicker {
    /// `None` when no weight is positive.
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut total = 0.0;
        let cumulative: Vec<f64> = weights
            .into_iter()
            .map(|w| {
                total += if w.is_finite() && w > 0.0 { w } else { 0.0 };
                total
            })
            .collect();
        (total > 0.0).then_some(Self { cumulative })
    }

    /// One index.
    pub fn pick<R: Rng>(&self, rng: &mut R) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let u = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

/// Writes a frame of columns as Parquet (zstd, the polars default).
pub fn write_parquet(path: &Path, columns: Vec<Column>) -> anyhow::Result<()> {
    let mut df = DataFrame::new_infer_height(columns)?;
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    Ok(())
}

/// Writes text lines (a CSV built by the caller, who knows how each column should be formatted).
pub fn write_lines(path: &Path, header: &str, lines: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::new(file);
    writeln!(w, "{header}")?;
    for line in lines {
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    Ok(())
}

/// Writes a GeoJSON FeatureCollection, one feature per line so diffs and `head` stay readable.
pub fn write_feature_collection(path: &Path, features: &[Value]) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::new(file);
    writeln!(w, "{{\"type\":\"FeatureCollection\",\"features\":[")?;
    for (k, f) in features.iter().enumerate() {
        let sep = if k + 1 < features.len() { "," } else { "" };
        writeln!(w, "{}{sep}", serde_json::to_string(f)?)?;
    }
    writeln!(w, "]}}")?;
    w.flush()?;
    Ok(())
}

/// A GeoJSON Point feature.
pub fn point_feature(lonlat: [f64; 2], properties: Value) -> Value {
    json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [lonlat[0], lonlat[1]] },
        "properties": properties,
    })
}

/// A GeoJSON Polygon or MultiPolygon feature from mesh polygons. Vertex positions are converted one vertex
/// at a time, so a vertex shared by neighbours gets the same rounded coordinates in both (exact tiling).
/// Exterior rings are counter-clockwise and holes clockwise, as RFC 7946 asks.
pub fn polygon_feature(
    mesh: &QuadMesh,
    frame: &LocalFrame,
    polygons: &[IndexPolygon],
    properties: Value,
) -> Value {
    let ring_coords = |ring: &Vec<usize>| -> Value {
        Value::Array(
            ring.iter()
                .map(|&v| {
                    let p = mesh.vertex(v);
                    let ll = frame.lonlat(p[0], p[1]);
                    json!([ll[0], ll[1]])
                })
                .collect(),
        )
    };
    let polys: Vec<Value> = polygons
        .iter()
        .map(|rings| Value::Array(rings.iter().map(ring_coords).collect()))
        .collect();
    let geometry = if polys.len() == 1 {
        json!({ "type": "Polygon", "coordinates": polys[0] })
    } else {
        json!({ "type": "MultiPolygon", "coordinates": polys })
    };
    json!({ "type": "Feature", "geometry": geometry, "properties": properties })
}
