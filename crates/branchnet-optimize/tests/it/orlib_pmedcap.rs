//! OR-Library capacitated p-median instances pmedcap01–pmedcap20 (Osman & Christofides 1994): every point is
//! a customer and a candidate median, distances are Euclidean rounded down, each point goes whole to one
//! median (single sourcing), demand only consumes capacity, and the objective is the plain sum of distances.
//! The value in each file's header is the optimum (proven by Baldacci, Hadjiconstantinou, Maniezzo and
//! Mingozzi 2002).

use std::path::PathBuf;
use std::time::Instant;

use branchnet_optimize::{Costs, SolveOptions, Sourcing, Status, solve_capacitated_p_median};

struct Instance {
    best: f64,
    p: usize,
    capacity: f64,
    points: Vec<(f64, f64)>,
    demands: Vec<f64>,
}

fn instance(k: usize) -> Instance {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../data/reference/orlib/pmedcap/pmedcap{k:02}.txt"));
    let text = std::fs::read_to_string(path).expect("instance");
    let mut numbers = text.split_whitespace().map(|t| t.parse::<f64>().expect("number"));
    let mut next = || numbers.next().expect("more numbers");
    let (_, best) = (next(), next());
    let (n, p, capacity) = (next() as usize, next() as usize, next());
    let (mut points, mut demands) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let (_, x, y, d) = (next(), next(), next(), next());
        points.push((x, y));
        demands.push(d);
    }
    Instance {
        best,
        p,
        capacity,
        points,
        demands,
    }
}

fn floor_distances(points: &[(f64, f64)]) -> Costs {
    let n = points.len();
    let triples = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| {
        let (a, b) = (points[i], points[j]);
        (i, j, (a.0 - b.0).hypot(a.1 - b.1).floor())
    });
    Costs::from_triples(n, n, triples).expect("valid costs")
}

/// Solves pmedcap`k`; returns its time in seconds.
fn check(k: usize) -> f64 {
    let inst = instance(k);
    let n = inst.points.len();
    let costs = floor_distances(&inst.points);
    let started = Instant::now();
    let s = solve_capacitated_p_median(
        &costs,
        &vec![1.0; n],
        &inst.demands,
        &vec![inst.capacity; n],
        inst.p,
        Sourcing::Single,
        &SolveOptions::default(),
    )
    .expect("solves");
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "pmedcap{k:02}: {} (header {}) in {seconds:.2} s bound {} {:?}",
        s.solution.objective, inst.best, s.solution.bound, s.solution.status
    );
    assert_eq!(s.solution.status, Status::Optimal, "pmedcap{k:02}");
    assert_eq!(s.solution.objective, inst.best, "pmedcap{k:02}");
    assert_eq!(
        s.solution.bound, inst.best,
        "pmedcap{k:02}: the bound of a proven plan"
    );
    assert_eq!(s.solution.sites.len(), inst.p);
    // The plan itself: single sources, open medians, capacities respected, and the objective its distances.
    let mut load = vec![0.0; n];
    let mut total = 0.0;
    for (i, a) in s.solution.assignment.iter().enumerate() {
        let j = a.expect("every point served");
        assert!(s.solution.sites.contains(&j));
        assert_eq!(s.shares[i], vec![(j, 1.0)]);
        load[j] += inst.demands[i];
        total += costs.cost(i, j).expect("allowed");
    }
    assert!(
        load.iter().all(|&l| l <= inst.capacity),
        "pmedcap{k:02} overloads a median"
    );
    assert_eq!(total, inst.best);
    seconds
}

fn check_all(instances: &[usize]) {
    let total: f64 = instances.iter().map(|&k| check(k)).sum();
    eprintln!("pmedcap{instances:?}: {total:.2} s");
}

// Times below: `cargo run --release -p branchnet-benches --bin cap -- pmedcap`, 2 cores shared with other
// builds (benches/README.md, "Capacitated models").

#[test]
fn pmedcap01_to_pmedcap10_but_08_reach_their_optima() {
    // 0.01-8.4 s each, 8.8-16.8 s in all.
    check_all(&[1, 2, 3, 4, 5, 6, 7, 9, 10]);
}

#[test]
fn pmedcap11_to_pmedcap13_and_16_reach_their_optima() {
    // 6.3-12.5, 10.3-20.9, 1.5-4.5 and 4.9-11.9 s.
    check_all(&[11, 12, 13, 16]);
}

#[test]
#[ignore = "slow: 38-53 s on 2 cores (the knapsack-column bound is 6% below the optimum; HiGHS closes it)"]
fn pmedcap08_reaches_its_optimum() {
    check(8);
}

#[test]
#[ignore = "slow: 16-52 s each, 108-193 s in all on 2 cores (the knapsack-column bound is 1% below the optimum)"]
fn pmedcap14_15_and_17_to_19_reach_their_optima() {
    check_all(&[14, 15, 17, 18, 19]);
}

#[test]
#[ignore = "not yet reproduced: stopped after 12 min; the heuristics reach 1,022 (header 1,005), the bound 973.6"]
fn pmedcap20_reaches_its_optimum() {
    check(20);
}

/// A time limit returns the incumbent plan with its gap, the header value lying between bound and plan.
#[test]
fn a_time_limit_returns_a_plan_and_its_gap() {
    let inst = instance(20);
    let n = inst.points.len();
    let costs = floor_distances(&inst.points);
    let options = SolveOptions {
        time_limit_s: Some(2.0),
        ..SolveOptions::default()
    };
    let started = Instant::now();
    let s = solve_capacitated_p_median(
        &costs,
        &vec![1.0; n],
        &inst.demands,
        &vec![inst.capacity; n],
        inst.p,
        Sourcing::Single,
        &options,
    )
    .expect("solves");
    assert!(started.elapsed().as_secs_f64() < 10.0);
    let Status::Feasible { gap } = s.solution.status else {
        panic!("expected a gap, got {:?}", s.solution.status);
    };
    assert!(gap > 0.0 && gap == s.solution.gap);
    assert!(s.solution.bound <= inst.best && inst.best <= s.solution.objective);
    assert_eq!(s.solution.sites.len(), inst.p);
    let mut load = vec![0.0; n];
    let mut total = 0.0;
    for (i, a) in s.solution.assignment.iter().enumerate() {
        let j = a.expect("every point served");
        load[j] += inst.demands[i];
        total += costs.cost(i, j).expect("allowed");
    }
    assert!(load.iter().all(|&l| l <= inst.capacity));
    assert_eq!(total, s.solution.objective);
}
