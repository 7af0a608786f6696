//! spopt's own San Francisco test case (205 census tracts, 16 candidate stores, network distances in metres,
//! POP2000 weights); the expected values are the ones spopt's test suite asserts.

use std::collections::HashMap;
use std::path::PathBuf;

use approx::assert_relative_eq;
use branchnet_optimize::{Costs, Coverage, SolveOptions, Status, solve_lscp, solve_mclp, solve_p_median};

pub(crate) fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/reference/spopt-sf")
}

/// Splits a CSV line on commas outside double quotes, unquoting fields.
pub(crate) fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("one field at least").push(c),
        }
    }
    out
}

pub(crate) struct Case {
    pub(crate) costs: Costs,
    pub(crate) weights: Vec<f64>,
}

/// Tracts and stores sorted by name, as spopt's test does (`sort_values(by=["NAME"])`, pivot on names).
pub(crate) fn case() -> Case {
    let demand =
        std::fs::read_to_string(dir().join("SF_demand_205_centroid_uniform_weight.csv")).expect("demand");
    let mut lines = demand.lines();
    let header = fields(lines.next().expect("header"));
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (name_col, pop_col) = (col("NAME"), col("POP2000"));
    let mut tracts: Vec<(String, f64)> = lines
        .map(|l| {
            let f = fields(l);
            (f[name_col].clone(), f[pop_col].parse().expect("POP2000"))
        })
        .collect();
    tracts.sort_by(|a, b| a.0.cmp(&b.0));
    let tract_index: HashMap<&str, usize> = tracts
        .iter()
        .enumerate()
        .map(|(i, t)| (t.0.as_str(), i))
        .collect();

    let od =
        std::fs::read_to_string(dir().join("SF_network_distance_candidateStore_16_censusTract_205_new.csv"))
            .expect("distances");
    let mut lines = od.lines();
    let header = fields(lines.next().expect("header"));
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (d_col, store_col, tract_col) = (col("distance"), col("name"), col("DestinationName"));
    let rows: Vec<(String, String, f64)> = lines
        .map(|l| {
            let f = fields(l);
            (
                f[tract_col].clone(),
                f[store_col].clone(),
                f[d_col].parse().expect("distance"),
            )
        })
        .collect();
    let mut stores: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    stores.sort();
    stores.dedup();
    assert_eq!(stores.len(), 16);
    let store_index: HashMap<&str, usize> = stores.iter().enumerate().map(|(j, s)| (s.as_str(), j)).collect();
    let triples = rows
        .iter()
        .map(|(t, s, d)| (tract_index[t.as_str()], store_index[s.as_str()], *d));
    Case {
        costs: Costs::from_triples(tracts.len(), stores.len(), triples).expect("valid"),
        weights: tracts.iter().map(|t| t.1).collect(),
    }
}

#[test]
fn mclp_p4_radius_5000_leaves_21_tracts_uncovered() {
    let case = case();
    let coverage = Coverage::within(&case.costs, 5000.0);
    let s = solve_mclp(&coverage, &case.weights, 4, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.sites.len(), 4);
    let uncovered = s.assignment.iter().filter(|a| a.is_none()).count();
    assert_eq!(uncovered, 21);
    assert_relative_eq!(s.objective, 875_247.0);
    assert_relative_eq!(s.bound, 875_247.0, max_relative = 1e-9);
}

#[test]
fn p_median_p4_mean_distance_is_spopts() {
    let case = case();
    let s = solve_p_median(&case.costs, &case.weights, 4, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal);
    let mean = s.objective / case.weights.iter().sum::<f64>();
    assert_relative_eq!(mean, 2982.1268579890657, max_relative = 1e-12);
}

#[test]
fn lscp_radius_5000_needs_8_sites() {
    let case = case();
    let coverage = Coverage::within(&case.costs, 5000.0);
    let s = solve_lscp(&coverage, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.sites.len(), 8);
    assert!(s.assignment.iter().all(Option::is_some));
}

#[test]
fn required_and_forbidden_sites_are_honoured_and_infeasibility_is_explained() {
    let case = case();
    let coverage = Coverage::within(&case.costs, 5000.0);
    let base = solve_mclp(&coverage, &case.weights, 4, &SolveOptions::default()).expect("solves");
    let options = SolveOptions {
        forbidden: vec![base.sites[0]],
        required: vec![(base.sites[0] + 1) % 16],
        ..SolveOptions::default()
    };
    let s = solve_mclp(&coverage, &case.weights, 4, &options).expect("solves");
    assert!(!s.sites.contains(&base.sites[0]));
    assert!(s.sites.contains(&options.required[0]));
    assert!(s.objective <= base.objective);

    // Forbid every store: LSCP must say which tract cannot be covered.
    let all = SolveOptions {
        forbidden: (0..16).collect(),
        ..SolveOptions::default()
    };
    let s = solve_lscp(&coverage, &all).expect("answers");
    match s.status {
        Status::Infeasible { reason } => assert!(reason.contains("covered by no allowed site"), "{reason}"),
        other => panic!("expected infeasible, got {other:?}"),
    }
}
