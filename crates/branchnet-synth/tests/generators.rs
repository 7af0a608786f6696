//! The generators are deterministic, write what the scenario names, and tile their regions exactly.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use branchnet_core::ScenarioConfig;
use branchnet_synth::{ProvinceSpec, generate_demo_city, write_province};
use polars::prelude::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("branchnet-synth-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    out.sort();
    out
}

fn parquet_rows(path: &Path) -> usize {
    ParquetReader::new(File::open(path).expect("open"))
        .finish()
        .expect("parquet")
        .height()
}

#[test]
fn a_province_is_byte_identical_for_a_seed_and_has_the_asked_sizes() {
    let spec = ProvinceSpec {
        cells: 20_000,
        sites: 100,
        regions: 30,
        seed: 11,
    };
    let (a, b) = (temp_dir("prov-a"), temp_dir("prov-b"));
    let scenario = write_province(&a, &spec).expect("write a");
    write_province(&b, &spec).expect("write b");
    assert_eq!(files(&a), files(&b));
    assert_eq!(parquet_rows(&a.join("cells.parquet")), 20_000);

    let text = std::fs::read_to_string(&scenario).expect("scenario");
    let mut config: ScenarioConfig = toml::from_str(&text).expect("valid scenario");
    config.resolve_paths(&a);
    assert!(config.demand.path.exists());
    assert!(config.sites.iter().all(|s| s.path.exists()));
    let rows: usize = config
        .sites
        .iter()
        .map(|s| std::fs::read_to_string(&s.path).expect("csv").lines().count() - 1)
        .sum();
    assert_eq!(rows, 100);
    let regions: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config.regions[0].path).expect("geojson"))
            .expect("json");
    assert_eq!(regions["features"].as_array().map(Vec::len), Some(30));

    let other = write_province(&b, &ProvinceSpec { seed: 12, ..spec }).expect("write c");
    assert_ne!(
        std::fs::read(a.join("cells.parquet")).ok(),
        std::fs::read(b.join("cells.parquet")).ok()
    );
    assert!(other.exists());
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn the_demo_city_keeps_its_promises() {
    let city = generate_demo_city(2026);
    let again = generate_demo_city(2026);
    let summary = city.summary();
    assert_eq!(summary, again.summary());
    assert_ne!(summary, generate_demo_city(2027).summary());

    assert_eq!(summary.branches, 81);
    assert_eq!(summary.districts.len(), 8);
    assert!(
        (80..=120).contains(&city.townships.len()),
        "{}",
        city.townships.len()
    );
    assert!((200_000..=300_000).contains(&summary.cells), "{}", summary.cells);
    assert!(
        (4e6..=6e6).contains(&summary.population),
        "{}",
        summary.population
    );
    assert!(
        summary.outside.0 > 0,
        "a few cells lie outside every region on purpose"
    );
    assert!(summary.transaction_cells_without_population > 0);
    assert!(
        city.cells
            .iter()
            .all(|c| c.elderly <= c.population && c.population > 0.0)
    );

    // Site ids are unique across layers; exactly two own branches share one address.
    let ids: HashSet<&str> = city
        .branches
        .iter()
        .chain(&city.competitors)
        .chain(&city.candidates)
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(ids.len(), 81 + city.competitors.len() + city.candidates.len());
    let shared = city
        .branches
        .iter()
        .enumerate()
        .flat_map(|(i, a)| city.branches[i + 1..].iter().map(move |b| (a, b)))
        .filter(|(a, b)| a.xy == b.xy)
        .count();
    assert_eq!(shared, 1);

    // Every district is exactly the union of its townships: the areas of the traced outlines agree.
    let towns = city.township_outlines();
    let districts = city.district_outlines();
    let area = |polys: &Vec<Vec<Vec<usize>>>| polys.iter().map(|p| city.mesh.polygon_area(p)).sum::<f64>();
    let mut total = 0.0;
    for (d, polys) in districts.iter().enumerate() {
        let from_towns: f64 = towns
            .iter()
            .zip(&city.townships)
            .filter(|(_, t)| t.district == d)
            .map(|(p, _)| area(p))
            .sum();
        assert!((area(polys) - from_towns).abs() < 1e-3, "district {d}");
        assert!(towns.iter().all(|p| !p.is_empty()));
        total += area(polys);
    }
    // The whole rectangle but the notch on the east edge: a triangle 400 m deep between the edge vertices
    // above and below the pulled-in one (which slide along the edge like every boundary vertex).
    let y = |j| city.mesh.vertex(city.mesh.vertex_index(100, j))[1];
    let notch = 0.5 * 400.0 * (y(53) - y(51));
    assert!(
        (total - (100_000.0 * 80_000.0 - notch)).abs() < 1.0,
        "{total} {notch}"
    );
}

#[test]
fn the_demo_city_writes_a_scenario_that_names_its_files() {
    let dir = temp_dir("city");
    let summary = branchnet_synth::write_demo_city(&dir, 2026).expect("write");
    let text = std::fs::read_to_string(dir.join("scenario.toml")).expect("scenario");
    let mut config: ScenarioConfig = toml::from_str(&text).expect("valid scenario");
    config.resolve_paths(&dir);
    let paths = std::iter::once(&config.demand.path)
        .chain(config.transactions.iter().map(|t| &t.path))
        .chain(config.sites.iter().map(|s| &s.path))
        .chain(config.regions.iter().map(|r| &r.path));
    for p in paths {
        assert!(p.exists(), "{}", p.display());
    }
    assert_eq!(parquet_rows(&dir.join("cells.parquet")), summary.cells);
    assert_eq!(parquet_rows(&dir.join("candidates.parquet")), summary.candidates);
    assert!(dir.join("README.md").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
