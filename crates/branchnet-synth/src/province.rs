//! A large synthetic province for ingestion benchmarks: a million-cell grid, thousands of sites, thousands of
//! region polygons. Realism matters less here than size, shape (clustered cells, an exact tiling) and speed.

use std::path::{Path, PathBuf};

use anyhow::Context;
use branchnet_core::ScenarioConfig;
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::common::{
    LocalFrame, WeightedPicker, lognormal, polygon_feature, round_to, write_feature_collection, write_lines,
    write_parquet,
};
use crate::mesh::QuadMesh;

/// What to generate. Also the command-line flags of every tool that generates a province (`--cells`,
/// `--sites`, `--regions`, `--seed`), so the sizes and their defaults are stated once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct ProvinceSpec {
    /// Populated 100 m cells (exactly this many rows).
    #[arg(long, default_value_t = 1_000_000)]
    pub cells: usize,
    /// Sites in all: 40% own branches, 35% competitors, the rest candidate sites.
    #[arg(long, default_value_t = 2_000)]
    pub sites: usize,
    /// Region polygons, about this many (a `cols × rows` grid with the area's aspect ratio).
    #[arg(long, default_value_t = 3_000)]
    pub regions: usize,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Centre of the province (a fictional place in central China).
const PROVINCE_LON: f64 = 112.9;
const PROVINCE_LAT: f64 = 27.9;
const CELL: f64 = 100.0;
/// Grid cells per populated cell: the rest of the rectangle is empty land, so populated cells cluster.
const FILL: f64 = 2.5;

/// Writes a province into `dir` (created if needed): `cells.parquet`, `own.csv`, `competitors.csv`,
/// `candidates.csv`, `regions.geojson` and `scenario.toml`, whose path is returned.
///
/// # Errors
/// When a file cannot be written or the spec is empty.
pub fn write_province(dir: &Path, spec: &ProvinceSpec) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(spec.cells > 0, "a province needs at least one cell");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    // A 6:5 rectangle holding FILL times the wanted cells, so 60 × 50 regions for 3,000.
    let nx = ((spec.cells as f64 * FILL * 6.0 / 5.0).sqrt().ceil() as usize).max(1);
    let ny = ((spec.cells as f64 * FILL / nx as f64).ceil() as usize).max(1);
    let (width, height) = (nx as f64 * CELL, ny as f64 * CELL);
    let (x0, y0) = (-width / 2.0, -height / 2.0);
    let frame = LocalFrame {
        lon0: PROVINCE_LON,
        lat0: PROVINCE_LAT,
    };

    // Cities of Pareto-like sizes, each an exponential density hill; the score of a cell is its density
    // times noise plus a little background, and the `cells` best-scoring cells are the populated ones.
    let cities = (spec.cells / 15_000).max(3);
    let mut score = vec![0f32; nx * ny];
    let mut urban = vec![0f32; nx * ny];
    for _ in 0..cities {
        let c = [
            rng.random_range(x0..x0 + width),
            rng.random_range(y0..y0 + height),
        ];
        let size = 1.0 / rng.random_range(0.05f64..1.0);
        let scale = 600.0 * size.sqrt();
        let peak = 20.0 * size.sqrt();
        let reach = 6.0 * scale;
        let i0 = (((c[0] - reach - x0) / CELL).floor().max(0.0)) as usize;
        let i1 = ((((c[0] + reach - x0) / CELL).ceil()) as usize).min(nx);
        let j0 = (((c[1] - reach - y0) / CELL).floor().max(0.0)) as usize;
        let j1 = ((((c[1] + reach - y0) / CELL).ceil()) as usize).min(ny);
        for j in j0..j1 {
            for i in i0..i1 {
                let (x, y) = (x0 + (i as f64 + 0.5) * CELL, y0 + (j as f64 + 0.5) * CELL);
                let r = ((x - c[0]).powi(2) + (y - c[1]).powi(2)).sqrt() / scale;
                let v = peak * (-r).exp();
                score[j * nx + i] += v as f32;
                urban[j * nx + i] = urban[j * nx + i].max((-r).exp() as f32);
            }
        }
    }
    for s in &mut score {
        *s = *s * lognormal(&mut rng, 0.4) as f32 + rng.random_range(0.0f32..1.5);
    }
    let mut order: Vec<u32> = (0..(nx * ny) as u32).collect();
    let keep = spec.cells.min(order.len());
    // Highest scores first; ties broken by index so the selection is deterministic.
    order.select_nth_unstable_by(keep.saturating_sub(1), |&a, &b| {
        score[b as usize].total_cmp(&score[a as usize]).then(a.cmp(&b))
    });
    order.truncate(keep);
    order.sort_unstable();

    let n = order.len();
    let (mut lon, mut lat) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut pop, mut eld, mut gro) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut xy = Vec::with_capacity(n);
    for &k in &order {
        let k = k as usize;
        let (i, j) = (k % nx, k / nx);
        let (x, y) = (x0 + (i as f64 + 0.5) * CELL, y0 + (j as f64 + 0.5) * CELL);
        let ll = frame.lonlat(x, y);
        let u = f64::from(urban[k]);
        let p = round_to(f64::from(score[k]).max(0.1) * 4.0, 1);
        lon.push(ll[0]);
        lat.push(ll[1]);
        pop.push(p);
        // Countryside is older and shrinking; city centres young and growing.
        eld.push(round_to(p * (0.28 - 0.16 * u), 1).min(p));
        gro.push(round_to(-0.015 + 0.05 * u + rng.random_range(-0.005..0.005), 4));
        xy.push([x, y]);
    }
    write_parquet(
        &dir.join("cells.parquet"),
        vec![
            Column::new("lon".into(), lon),
            Column::new("lat".into(), lat),
            Column::new("population".into(), pop.clone()),
            Column::new("elderly".into(), eld),
            Column::new("growth".into(), gro),
        ],
    )?;

    // Sites near people: drawn by population.
    let picker = WeightedPicker::new(pop.iter().copied()).context("the province has no population")?;
    let own = spec.sites * 2 / 5;
    let competitors = spec.sites * 7 / 20;
    let candidates = spec.sites - own - competitors;
    let site = |rng: &mut ChaCha8Rng| {
        let c = xy[picker.pick(rng)];
        frame.lonlat(
            c[0] + rng.random_range(-45.0..45.0),
            c[1] + rng.random_range(-45.0..45.0),
        )
    };
    const FORMATS: [&str; 5] = ["full", "light", "smart", "community", "self-service"];
    let own_rows: Vec<String> = (0..own)
        .map(|k| {
            let p = site(&mut rng);
            let f = FORMATS[rng.random_range(0..FORMATS.len())];
            let counters = rng.random_range(1..=8);
            format!(
                "P-{:05},Branch {},{:.6},{:.6},{f},{counters},{},{},{},{},{}",
                k + 1,
                k + 1,
                p[0],
                p[1],
                counters * 3,
                (rng.random_range(0.5f64..5.0) * 1e3).round() * 1e3,
                (rng.random_range(5e3f64..1.5e5)).round(),
                k % 97 == 0,
                rng.random_range(1985..=2024)
            )
        })
        .collect();
    write_lines(
        &dir.join("own.csv"),
        "id,name,lon,lat,format,counters,staff,annual_cost,observed_volume,protected,opened_year",
        own_rows,
    )?;
    const BANKS: [&str; 3] = [
        "Huaxia Union Bank",
        "Great River Bank",
        "Provincial Rural Commercial Bank",
    ];
    let comp_rows: Vec<String> = (0..competitors)
        .map(|k| {
            let p = site(&mut rng);
            let f = FORMATS[rng.random_range(0..3)];
            format!(
                "Q-{:05},{},{:.6},{:.6},{f},{}",
                k + 1,
                BANKS[k % BANKS.len()],
                p[0],
                p[1],
                rng.random_range(1..=8)
            )
        })
        .collect();
    write_lines(
        &dir.join("competitors.csv"),
        "id,brand,lon,lat,format,counters",
        comp_rows,
    )?;
    let cand_rows: Vec<String> = (0..candidates)
        .map(|k| {
            let p = site(&mut rng);
            let area = rng.random_range(60.0f64..400.0).round();
            format!(
                "S-{:05},{:.6},{:.6},{},{},{area},{},{:.2}",
                k + 1,
                p[0],
                p[1],
                (area * rng.random_range(200.0..2500.0) / 100.0).round() * 100.0,
                ((area * 3500.0 + 5e5) / 1e3).round() * 1e3,
                rng.random_range(50..20_000),
                rng.random_range(0.0..1.0)
            )
        })
        .collect();
    write_lines(
        &dir.join("candidates.csv"),
        "id,lon,lat,rent,open_cost,floor_area_m2,footfall,visibility",
        cand_rows,
    )?;

    // Regions: every quad of a jittered mesh over the whole rectangle (an exact partition by construction).
    let cols = ((spec.regions.max(1) as f64 * width / height).sqrt().round() as usize).max(1);
    let rows = ((spec.regions.max(1) as f64 / cols as f64).round() as usize).max(1);
    let mesh = QuadMesh::jittered([x0, y0], [width, height], cols, rows, 0.3, &mut rng);
    let labels: Vec<usize> = (0..mesh.len()).collect();
    let features: Vec<serde_json::Value> = mesh
        .outlines(&labels, mesh.len())
        .iter()
        .enumerate()
        .map(|(k, polys)| {
            polygon_feature(
                &mesh,
                &frame,
                polys,
                json!({ "id": format!("R{:05}", k + 1), "name": format!("Region {}", k + 1) }),
            )
        })
        .collect();
    write_feature_collection(&dir.join("regions.geojson"), &features)?;

    let scenario = format!(
        r#"# Synthetic benchmark province generated by `branchnet-synth province` (seed {seed}).
name = "Synthetic province (seed {seed})"
description = "{cells} populated 100 m cells, {own} own branches, {competitors} competitors, {candidates} candidate sites, {regions} regions."
currency = "CNY"

[demand]
path = "cells.parquet"
coordinates = {{ lon = "lon", lat = "lat" }}
columns = ["population", "elderly", "growth"]
signed-columns = ["growth"]
cell-size-m = 100

[[sites]]
kind = "own"
path = "own.csv"
id-column = "id"
brand = "Bank of the Province"
extra-columns = ["opened_year"]

[[sites]]
kind = "competitor"
path = "competitors.csv"
id-column = "id"

[[sites]]
kind = "candidate"
path = "candidates.csv"
id-column = "id"
extra-columns = ["floor_area_m2", "footfall", "visibility"]

[[regions]]
level = "region"
path = "regions.geojson"
id-property = "id"
name-property = "name"
"#,
        seed = spec.seed,
        cells = n,
        regions = mesh.len(),
    );
    toml::from_str::<ScenarioConfig>(&scenario).context("the generated scenario.toml does not parse")?;
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario)?;
    Ok(path)
}
