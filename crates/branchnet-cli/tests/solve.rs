//! `branchnet solve` end to end: spopt's San Francisco case through an OD table, generated clustered cities
//! through coordinates (checked against brute-force enumeration), and bad input.

use std::path::{Path, PathBuf};
mod common;

use common::{branchnet, json};

use branchnet_synth::{ClusteredInstance, ClusteredSpec, TableFormat, generate_clustered};
use polars::prelude::{ParquetReader, SerReader};

fn sf(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/reference/spopt-sf")
        .join(file)
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

/// Runs a command that must fail, returning its message.
fn error(args: &[&str]) -> String {
    let out = branchnet(args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The SF tracts (id NAME, weight POP2000) with spopt's network distances; the stores are the destinations.
fn sf_args(model: &str) -> Vec<String> {
    [
        "solve",
        model,
        "--demand",
        &sf("SF_demand_205_centroid_uniform_weight.csv"),
        "--demand-id",
        "NAME",
        "--weight",
        "POP2000",
        "--od",
        &sf("SF_network_distance_candidateStore_16_censusTract_205_new.csv"),
        "--od-columns",
        "DestinationName,name,distance",
    ]
    .map(String::from)
    .to_vec()
}

/// Each SF tract's NAME and POP2000 (the 4th and 7th columns).
fn sf_population() -> Vec<(String, f64)> {
    let demand = std::fs::read_to_string(sf("SF_demand_205_centroid_uniform_weight.csv")).expect("demand");
    demand
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[3].trim_matches('"').to_string(), f[6].parse().expect("POP2000"))
        })
        .collect()
}

fn with<'a>(base: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    base.iter()
        .map(String::as_str)
        .chain(more.iter().copied())
        .collect()
}

#[test]
fn sf_mclp_p4_radius_5000_matches_spopt() {
    let base = sf_args("mclp");
    // spopt's test: 875,247 people covered, 21 tracts left uncovered.
    let j = json(&with(&base, &["-p", "4", "--radius", "5000", "--json"]));
    assert_eq!(j["status"], "optimal");
    assert_eq!(j["objective"], 875_247.0);
    assert_eq!(j["coverage"]["covered_weight"], 875_247.0);
    assert_eq!(j["coverage"]["uncovered_points"], 21);
    assert_eq!(j["chosen"].as_array().map(Vec::len), Some(4));

    let out = branchnet(&with(&base, &["-p", "4", "--radius", "5000"]));
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "Status: optimal",
        "Objective: 875247",
        "184 points covered, 21 uncovered",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn sf_p_median_p4_mean_distance_matches_spopt_and_the_assignment_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("plan.csv");
    let base = sf_args("p-median");
    let j = json(&with(
        &base,
        &["-p", "4", "--json", "--out", out.to_str().expect("utf-8")],
    ));
    assert_eq!(j["status"], "optimal");
    let mean = j["mean_distance"].as_f64().expect("mean distance");
    assert!((mean - 2982.1268579890657).abs() < 1e-12 * 2982.0, "{mean}");

    // The file alone gives the same weighted mean: 205 rows, each with its tract's POP2000.
    let pop: std::collections::HashMap<String, f64> = sf_population().into_iter().collect();
    let plan = std::fs::read_to_string(&out).expect("plan written");
    let mut lines = plan.lines();
    assert_eq!(lines.next(), Some("demand_id,site_id,cost"));
    let (mut total, mut weight, mut rows) = (0.0, 0.0, 0);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let w = pop[f[0]];
        total += w * f[2].parse::<f64>().expect("cost");
        weight += w;
        rows += 1;
    }
    assert_eq!(rows, 205);
    assert!(
        (total / weight - 2982.1268579890657).abs() < 1e-9,
        "{}",
        total / weight
    );
}

#[test]
fn sf_required_and_forbidden_sites_are_taken_by_id() {
    let base = sf_args("mclp");
    let free = json(&with(&base, &["-p", "4", "--radius", "5000", "--json"]));
    let first = free["chosen"][0].as_str().expect("a chosen id").to_string();
    let other = if first == "Store_1" { "Store_3" } else { "Store_1" };
    let j = json(&with(
        &base,
        &[
            "-p",
            "4",
            "--radius",
            "5000",
            "--json",
            "--forbidden",
            &first,
            "--required",
            other,
        ],
    ));
    let chosen: Vec<&str> = j["chosen"]
        .as_array()
        .expect("chosen")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        chosen.contains(&other) && !chosen.contains(&first.as_str()),
        "{chosen:?}"
    );
    assert!(j["objective"].as_f64() <= free["objective"].as_f64());

    // LSCP with every store forbidden cannot cover anything: exit status 2 and the reason.
    let stores = std::fs::read_to_string(sf("SF_store_site_16_longlat.csv")).expect("stores");
    let ids: Vec<&str> = stores
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).expect("NAME").trim_matches('"'))
        .collect();
    assert_eq!(ids.len(), 16);
    let all = ids.join(",");
    let out = branchnet(&with(
        &sf_args("lscp"),
        &["--radius", "5000", "--forbidden", &all],
    ));
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    // The reason names the first tract (in file order) by its id.
    assert!(
        text.contains("Status: infeasible: demand point `060816029.00`"),
        "{text}"
    );
}

/// 400 demand points in 4 clusters over 10 km, 12 candidates, 20% rural.
fn small(seed: u64) -> ClusteredSpec {
    ClusteredSpec {
        n_demand: 400,
        n_candidates: 12,
        n_clusters: 4,
        extent_m: 10_000.0,
        rural_share: 0.2,
        seed,
    }
}

/// A clustered city written to `dir`, and the in-memory instance.
fn city(dir: &Path, format: TableFormat, spec: ClusteredSpec) -> (ClusteredInstance, [PathBuf; 2]) {
    let city = generate_clustered(&spec).expect("valid spec");
    let paths = city.write(dir, format).expect("written");
    (city, paths)
}

fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Every set of `p` sites out of `m`, ascending.
fn subsets(m: usize, p: usize) -> Vec<Vec<usize>> {
    (0u32..1 << m)
        .filter(|mask| mask.count_ones() as usize == p)
        .map(|mask| (0..m).filter(|j| mask & (1 << j) != 0).collect())
        .collect()
}

#[test]
fn clustered_p_median_and_mclp_on_coordinates_match_enumeration() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (seed, format) in [(3, TableFormat::Csv), (4, TableFormat::Parquet)] {
        let (c, [demand, sites]) = city(dir.path(), format, small(seed));
        let (demand, sites) = (demand.to_str().expect("utf-8"), sites.to_str().expect("utf-8"));
        let nearest = |open: &[usize], i: usize| {
            open.iter()
                .map(|&j| distance(c.demand[i], c.candidates[j]))
                .fold(f64::INFINITY, f64::min)
        };
        let n = c.demand.len();
        // p-median: the least weighted distance over all 220 triples of the 12 candidates.
        let best = subsets(12, 3)
            .iter()
            .map(|s| (0..n).map(|i| c.weights[i] * nearest(s, i)).sum::<f64>())
            .fold(f64::INFINITY, f64::min);
        let j = json(&[
            "solve", "p-median", "-p", "3", "--demand", demand, "--sites", sites, "--json",
        ]);
        assert_eq!(j["status"], "optimal");
        let got = j["objective"].as_f64().expect("objective");
        assert!((got - best).abs() <= 1e-9 * best, "seed {seed}: {got} vs {best}");

        // MCLP: the most weight within 1.5 km over all triples.
        let best = subsets(12, 3)
            .iter()
            .map(|s| {
                (0..n)
                    .filter(|&i| nearest(s, i) <= 1500.0)
                    .map(|i| c.weights[i])
                    .sum::<f64>()
            })
            .fold(0.0, f64::max);
        let j = json(&[
            "solve", "mclp", "-p", "3", "--radius", "1500", "--demand", demand, "--sites", sites, "--json",
        ]);
        let got = j["coverage"]["covered_weight"].as_f64().expect("covered weight");
        assert!((got - best).abs() <= 1e-9 * best, "seed {seed}: {got} vs {best}");
        assert!((j["objective"].as_f64().expect("objective") - best).abs() <= 1e-9 * best);
    }
}

#[test]
fn clustered_lscp_and_parquet_assignments() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No countryside, 14 candidates: at 2.5 km some plan covers everyone (4 sites for this seed).
    let spec = ClusteredSpec {
        n_candidates: 14,
        rural_share: 0.0,
        ..small(9)
    };
    let (c, [demand, sites]) = city(dir.path(), TableFormat::Csv, spec);
    let out = dir.path().join("plan.parquet");
    let args = [
        "solve",
        "lscp",
        "--radius",
        "2500",
        "--demand",
        demand.to_str().expect("utf-8"),
        "--sites",
        sites.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
        "--json",
    ];
    let j = json(&args);
    // The fewest sites covering every point, by enumeration of subsets by size.
    let covers = |s: &[usize]| {
        c.demand
            .iter()
            .all(|&d| s.iter().any(|&j| distance(d, c.candidates[j]) <= 2500.0))
    };
    let fewest = (0..=14)
        .find(|&p| subsets(14, p).iter().any(|s| covers(s)))
        .expect("all 14 cover");
    assert!(fewest >= 3, "too easy an instance to tell anything: {fewest}");
    assert_eq!(j["status"], "optimal");
    assert_eq!(j["objective"].as_f64(), Some(fewest as f64));
    assert_eq!(j["coverage"]["uncovered_points"], 0);

    let df = ParquetReader::new(std::fs::File::open(&out).expect("plan written"))
        .finish()
        .expect("parquet");
    assert_eq!(df.height(), 400);
    let covered = df.column("covered").expect("covered").bool().expect("bool");
    assert!(covered.iter().all(|v| v == Some(true)));
    let cost = df.column("cost").expect("cost").f64().expect("f64");
    assert!(cost.iter().all(|v| v.is_some_and(|d| d <= 2500.0)));
}

#[test]
fn lon_lat_positions_are_projected_into_metres() {
    // SF tracts and stores by longitude/latitude (columns `long`, `lat`): straight-line p-median. The mean
    // distance to the chosen stores must agree with great-circle distances (haversine) to within 0.1%.
    let j = json(&[
        "solve",
        "p-median",
        "-p",
        "4",
        "--demand",
        &sf("SF_demand_205_centroid_uniform_weight.csv"),
        "--demand-id",
        "NAME",
        "--weight",
        "POP2000",
        "--sites",
        &sf("SF_store_site_16_longlat.csv"),
        "--site-id",
        "NAME",
        "--json",
    ]);
    let read = |file: &str, id: usize, lon: usize, lat: usize, w: Option<usize>| {
        std::fs::read_to_string(sf(file))
            .expect("read")
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let num = |k: usize| f[k].trim_matches('"').parse::<f64>().expect("number");
                (
                    f[id].trim_matches('"').to_string(),
                    num(lon),
                    num(lat),
                    w.map_or(1.0, num),
                )
            })
            .collect::<Vec<_>>()
    };
    let tracts = read("SF_demand_205_centroid_uniform_weight.csv", 3, 10, 11, Some(6));
    let stores = read("SF_store_site_16_longlat.csv", 2, 3, 4, None);
    let chosen: Vec<&str> = j["chosen"]
        .as_array()
        .expect("chosen")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(chosen.len(), 4);
    let haversine = |a: (f64, f64), b: (f64, f64)| {
        let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
        let h = ((la2 - la1) / 2.0).sin().powi(2)
            + la1.cos() * la2.cos() * ((b.0 - a.0).to_radians() / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    };
    let (mut total, mut weight) = (0.0, 0.0);
    for t in &tracts {
        let d = stores
            .iter()
            .filter(|s| chosen.contains(&s.0.as_str()))
            .map(|s| haversine((t.1, t.2), (s.1, s.2)))
            .fold(f64::INFINITY, f64::min);
        total += t.3 * d;
        weight += t.3;
    }
    let mean = j["mean_distance"].as_f64().expect("mean");
    assert!(
        ((mean - total / weight) / mean).abs() < 1e-3,
        "{mean} vs {}",
        total / weight
    );
}

#[test]
fn bad_input_is_named_by_file_row_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_string()
    };
    let sites = file("sites.csv", "id,x,y\nA,0,0\nB,1000,0\n");
    let no_y = file("no_y.csv", "id,x,weight\n1,0,5\n");
    let msg = error(&[
        "solve", "mclp", "-p", "1", "--radius", "10", "--demand", &no_y, "--sites", &sites,
    ]);
    assert!(
        msg.contains("no_y.csv, column `y`") && msg.contains("missing"),
        "{msg}"
    );

    let bad_x = file("bad_x.csv", "id,x,y\n1,0,0\n2,abc,0\n");
    let msg = error(&[
        "solve", "mclp", "-p", "1", "--radius", "10", "--demand", &bad_x, "--sites", &sites,
    ]);
    assert!(
        msg.contains("bad_x.csv, row 2, column `x`") && msg.contains("`abc`"),
        "{msg}"
    );

    let good = file("demand.csv", "id,x,y,pop\n1,0,0,5\n2,900,0,3\n");
    let msg = error(&[
        "solve", "mclp", "-p", "1", "--radius", "10", "--demand", &good, "--sites", &sites, "--weight",
        "people",
    ]);
    assert!(
        msg.contains("demand.csv, column `people`") && msg.contains("id, x, y, pop"),
        "{msg}"
    );

    let msg = error(&[
        "solve",
        "mclp",
        "-p",
        "1",
        "--radius",
        "10",
        "--demand",
        &good,
        "--sites",
        &sites,
        "--required",
        "A,Z",
    ]);
    assert!(
        msg.contains("--required: no site has the id `Z`") && msg.contains("sites.csv"),
        "{msg}"
    );

    let od = file("od.csv", "origin,destination,cost\n1,A,5\n7,B,9\n");
    let msg = error(&["solve", "p-median", "-p", "1", "--demand", &good, "--od", &od]);
    assert!(
        msg.contains("od.csv, row 2, column `origin`") && msg.contains("unknown id `7`"),
        "{msg}"
    );

    let msg = error(&[
        "solve",
        "p-median",
        "-p",
        "1",
        "--demand",
        &good,
        "--sites",
        &sites,
        "--max-pairs",
        "3",
    ]);
    assert!(
        msg.contains("--max-distance") && msg.contains("--nearest"),
        "{msg}"
    );

    let msg = error(&[
        "solve",
        "p-median",
        "-p",
        "1",
        "--demand",
        &good,
        "--sites",
        &sites,
        "--max-distance",
        "50",
    ]);
    assert!(msg.contains("demand point `2` cannot be served"), "{msg}");

    let msg = error(&["solve", "lscp", "--demand", &good, "--sites", &sites]);
    assert!(msg.contains("needs --radius"), "{msg}");
}

#[test]
fn sf_p_center_and_lscp_b_run_from_the_command_line() {
    let base = sf_args("p-center");
    // The optimum of every 4-store plan, found by enumeration in branchnet-optimize's covering tests.
    let j = json(&with(&base, &["-p", "4", "--json"]));
    assert_eq!(j["status"], "optimal");
    assert_eq!(j["objective"], 7403.063810849859);
    assert_eq!(j["chosen"].as_array().map(Vec::len), Some(4));

    // LSCP-B keeps the LSCP's 8 stores at 5000 m and maximises the population covered twice.
    let base = sf_args("lscp-b");
    let j = json(&with(&base, &["--radius", "5000", "--json"]));
    assert_eq!(j["status"], "optimal");
    assert_eq!(j["chosen"].as_array().map(Vec::len), Some(8));
    let backed_up = j["objective"].as_f64().expect("a number");
    let population: f64 = sf_population().iter().map(|(_, w)| w).sum();
    // Some tracts have a single store within 5000 m and can never count (145 of 205 tracts do, by count).
    assert!(
        backed_up > 0.0 && backed_up < population,
        "{backed_up} of {population}"
    );
}
