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
fn pmed31_to_pmed40_reach_their_published_optima() {
    // pmed35, 36, 38 and 39 (n = 800–900, p = 5–10) have LP gaps near 1%: the Lagrangian tree closes them.
    (31..=40).for_each(|k| check(&format!("pmed{k}")));
}

#[test]
fn a_time_limit_returns_the_incumbent_with_its_gap() {
    // pmed36 (n = 800, p = 10): seconds of work in the Lagrangian tree.
    let name = "pmed36";
    let PMedianInstance { n, p, costs } =
        orlib::read_pmed(&dir().join(format!("{name}.txt"))).expect("reads");
    let options = SolveOptions {
        time_limit_s: Some(1.0),
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
