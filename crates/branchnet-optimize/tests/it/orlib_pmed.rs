//! OR-Library p-median instances pmed1–pmed40 (Beasley 1985): edge lists whose all-pairs shortest paths are
//! the costs; where an edge repeats, its last cost wins (Beasley's rule). Optima from `pmedopt.txt`.

use std::path::PathBuf;

use branchnet_optimize::orlib::{self, PMedianInstance};
use branchnet_optimize::{SolveOptions, Status, solve_p_median};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/reference/orlib/pmed")
}

fn optimum(instance: &str) -> f64 {
    orlib::listed_optimum(&dir().join("pmedopt.txt"), instance).expect("listed")
}

fn check(name: &str) {
    let PMedianInstance { n, p, costs } =
        orlib::read_pmed(&dir().join(format!("{name}.txt"))).expect("reads");
    let started = std::time::Instant::now();
    let s = solve_p_median(&costs, &vec![1.0; n], p, &SolveOptions::default()).expect("solves");
    eprintln!(
        "{name}: n = {n}, p = {p}, {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(s.status, Status::Optimal, "{name}");
    assert_eq!(s.sites.len(), p);
    assert_eq!(s.objective, optimum(name), "{name}");
}

#[test]
fn pmed1_to_pmed10_reach_their_published_optima() {
    (1..=10).for_each(|k| check(&format!("pmed{k}")));
}

#[test]
fn pmed11_to_pmed20_reach_their_published_optima() {
    (11..=20).for_each(|k| check(&format!("pmed{k}")));
}

#[test]
fn pmed21_to_pmed30_reach_their_published_optima() {
    (21..=30).for_each(|k| check(&format!("pmed{k}")));
}

#[test]
fn pmed31_to_pmed40_but_the_slow_three_reach_their_published_optima() {
    [31, 32, 33, 34, 35, 37, 40]
        .iter()
        .for_each(|k| check(&format!("pmed{k}")));
}

/// pmed36, pmed38 and pmed39 (n = 800–900, p = 5–10: LP gaps near 1%) take minutes each on two cores; run
/// them with `cargo test --release -- --ignored`, or all 40 with the `pmed` benchmark.
#[test]
#[ignore = "slow: minutes each on two cores"]
fn pmed36_pmed38_pmed39_reach_their_published_optima() {
    [36, 38, 39].iter().for_each(|k| check(&format!("pmed{k}")));
}

#[test]
fn a_time_limit_returns_the_incumbent_with_its_gap() {
    // pmed26 (n = 600, p = 5): far more than a tenth of a second of work for HiGHS.
    let name = "pmed26";
    let PMedianInstance { n, p, costs } =
        orlib::read_pmed(&dir().join(format!("{name}.txt"))).expect("reads");
    let options = SolveOptions {
        time_limit_s: Some(0.1),
        ..SolveOptions::default()
    };
    let s = solve_p_median(&costs, &vec![1.0; n], p, &options).expect("a plan, not an error");
    assert_eq!(s.sites.len(), p);
    assert!(s.objective >= optimum(name), "{} below the optimum", s.objective);
    match s.status {
        Status::Feasible { gap } => assert!(gap > 0.0 && gap == s.gap, "{gap}"),
        Status::Optimal => assert_eq!(s.objective, optimum(name)),
        other => panic!("unexpected {other:?}"),
    }
    assert!(s.assignment.iter().all(Option::is_some));
}
