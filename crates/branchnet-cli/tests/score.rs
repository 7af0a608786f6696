//! `branchnet score` and `branchnet gaps` on the demo city: the tables and figures they write agree with each
//! other and with the scenario, blank areas lie in the new district and dense areas in the old core, and a bad
//! `[[scores]]` entry is named.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::{ParquetReader, SerReader};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo-city")
}

fn branchnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_branchnet"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn succeed(args: &[&str]) -> String {
    let out = branchnet(args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The demo scenario rewritten into `dir` with absolute input paths and `extra` appended.
fn demo_variant(dir: &Path, extra: &str) -> PathBuf {
    let demo = demo_dir().canonicalize().expect("demo city folder");
    let text = std::fs::read_to_string(demo.join("scenario.toml")).expect("demo scenario");
    let text = text.replace("path = \"", &format!("path = \"{}/", demo.display()));
    let text = match text.find("[[scores]]") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    let path = dir.join("scenario.toml");
    std::fs::write(&path, format!("{text}\n{extra}")).expect("write scenario");
    path
}

#[test]
fn score_writes_consistent_tables_and_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("scores");
    let scenario = demo_dir().join("scenario.toml");
    let stdout = succeed(&[
        "score",
        scenario.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(stdout.contains("potential"), "{stdout}");
    let read = |name: &str| {
        let file = std::fs::File::open(out.join(name)).expect("table written");
        ParquetReader::new(file).finish().expect("valid Parquet")
    };
    let cells = read("cells.parquet");
    let sites = read("sites.parquet");
    let regions = read("regions.parquet");
    let figures: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("figures.json")).expect("figures"))
            .expect("JSON");
    let figure = |name: &str| {
        figures["figures"][name]
            .as_f64()
            .unwrap_or_else(|| panic!("figure {name}"))
    };

    // One row per cell, site and region of the scenario as `validate` counts them.
    let loaded = branchnet_io::load_scenario(&scenario).expect("demo city loads");
    assert_eq!(cells.height(), loaded.scenario.cells.len());
    assert_eq!(sites.height(), loaded.scenario.sites.len());
    assert_eq!(regions.height(), loaded.scenario.regions.len());

    // The potential's total is the sum of its cell column.
    let now = cells
        .column("potential.now")
        .expect("potential column")
        .f64()
        .expect("floats");
    let total: f64 = now.iter().flatten().sum();
    assert!((total - figure("potential.total_now")).abs() <= 1e-6 * total);

    // Coverage counts every own branch, and the covered share is the share of covered cells' population.
    let own = sites
        .column("kind")
        .expect("kind")
        .str()
        .expect("text")
        .iter()
        .filter(|k| *k == Some("own"))
        .count();
    assert_eq!(figure("coverage.branches"), own as f64);
    let population = loaded.scenario.cells.column("population").expect("population");
    let covered = cells
        .column("coverage.covered")
        .expect("covered")
        .f64()
        .expect("floats");
    let covered_people: f64 = covered
        .iter()
        .zip(population)
        .map(|(c, p)| if c == Some(1.0) { *p } else { 0.0 })
        .sum();
    let people: f64 = population.iter().sum();
    assert!((covered_people / people - figure("coverage.covered_share_population")).abs() < 1e-9);

    // Huff: own branches' captured demand adds up to the own total; candidates are not in the choice set.
    let captured = sites
        .column("huff.captured")
        .expect("captured")
        .f64()
        .expect("floats");
    let kinds = sites.column("kind").expect("kind").str().expect("text");
    let mut own_captured = 0.0;
    for (c, k) in captured.iter().zip(kinds.iter()) {
        match k {
            Some("own") => own_captured += c.expect("own branches capture"),
            Some("candidate") => assert_eq!(c, None, "candidates capture nothing"),
            _ => {}
        }
    }
    assert!((own_captured - figure("huff.own_captured")).abs() <= 1e-6 * own_captured);

    // Every model's time is reported.
    for model in branchnet_score::DEFAULT_KINDS {
        let name = model.replace('-', "_");
        assert!(
            figures["seconds"]
                .get(model)
                .or_else(|| figures["seconds"].get(&name))
                .is_some(),
            "no time for {model}: {figures}"
        );
    }
}

#[test]
fn score_writes_csv_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = demo_dir().join("scenario.toml");
    succeed(&[
        "score",
        scenario.to_str().expect("utf-8"),
        "--out",
        dir.path().to_str().expect("utf-8"),
        "--format",
        "csv",
    ]);
    let sites = std::fs::read_to_string(dir.path().join("sites.csv")).expect("sites.csv");
    let header = sites.lines().next().expect("header");
    assert!(header.starts_with("id,kind,lon,lat,"), "{header}");
    assert!(header.contains("queue.p_wait_over"), "{header}");
    assert!(sites.lines().nth(1).expect("a row").starts_with("JC-001,own,"));
}

#[test]
fn gaps_finds_blank_areas_in_the_new_district_and_dense_ones_in_the_old_core() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("gaps.geojson");
    let scenario = demo_dir().join("scenario.toml");
    succeed(&[
        "gaps",
        scenario.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("GeoJSON");
    let features = doc["features"].as_array().expect("features");
    let of_kind = |kind: &str| -> Vec<&serde_json::Value> {
        features
            .iter()
            .filter(|f| f["properties"]["kind"] == kind)
            .collect()
    };
    let blank = of_kind("blank");
    let dense = of_kind("dense");
    assert!(!blank.is_empty() && !dense.is_empty());
    // Xinhe (JC02), the growing new district, holds one of the two largest blank areas.
    assert!(
        blank
            .iter()
            .take(2)
            .any(|f| f["properties"]["region_district"] == "JC02"),
        "{:?}",
        blank.iter().take(3).map(|f| &f["properties"]).collect::<Vec<_>>()
    );
    // Laocheng (JC01), the old core, holds the densest clusters.
    assert!(
        dense
            .iter()
            .take(3)
            .all(|f| f["properties"]["region_district"] == "JC01")
    );
    // Ranks run from 1, potentials fall with rank, and rings are closed lon/lat rings around the city.
    for (k, f) in blank.iter().enumerate() {
        assert_eq!(f["properties"]["rank"], k + 1);
        let ring = f["geometry"]["coordinates"][0].as_array().expect("ring");
        assert!(ring.len() >= 4 && ring.first() == ring.last());
        for p in ring {
            let (lon, lat) = (p[0].as_f64().expect("lon"), p[1].as_f64().expect("lat"));
            assert!(
                (113.5..115.2).contains(&lon) && (30.1..31.1).contains(&lat),
                "{lon} {lat}"
            );
        }
    }
    let potentials: Vec<f64> = blank
        .iter()
        .map(|f| f["properties"]["potential"].as_f64().expect("potential"))
        .collect();
    assert!(potentials.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn a_bad_scores_entry_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = demo_variant(
        dir.path(),
        "[[scores]]\nmodel = \"potential\"\n[[scores]]\nmodel = \"hufff\"\n",
    );
    let out = branchnet(&[
        "score",
        path.to_str().expect("utf-8"),
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("scores[1]: unknown model `hufff`; expected one of: access, coverage, gaps, huff, potential, queue, site-score"),
        "{stderr}"
    );
    let path = demo_variant(dir.path(), "[[scores]]\nmodel = \"coverage\"\nradius-m = -5\n");
    let out = branchnet(&[
        "score",
        path.to_str().expect("utf-8"),
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("radius"), "{stderr}");
}
