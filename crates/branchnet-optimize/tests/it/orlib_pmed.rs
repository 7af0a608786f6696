//! OR-Library p-median instances pmed1–pmed40 (Beasley 1985): edge lists whose all-pairs shortest paths are
//! the costs; where an edge repeats, its last cost wins (Beasley's rule). Optima from `pmedopt.txt`.

use std::path::PathBuf;

use branchnet_optimize::{Costs, SolveOptions, Status, solve_p_median};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/reference/orlib/pmed")
}

fn optimum(instance: &str) -> f64 {
    let text = std::fs::read_to_string(dir().join("pmedopt.txt")).expect("pmedopt.txt");
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?, f.next()?.parse::<f64>().ok()?))
        })
        .find(|(name, _)| *name == instance)
        .map(|(_, v)| v)
        .expect("listed")
}

/// (n, p, all-pairs shortest-path matrix).
fn instance(name: &str) -> (usize, usize, Vec<f64>) {
    let text = std::fs::read_to_string(dir().join(format!("{name}.txt"))).expect("instance");
    let mut numbers = text.split_whitespace().map(|t| t.parse::<f64>().expect("number"));
    let mut next = || numbers.next().expect("more numbers");
    let (n, m, p) = (next() as usize, next() as usize, next() as usize);
    let mut d = vec![f64::INFINITY; n * n];
    for i in 0..n {
        d[i * n + i] = 0.0;
    }
    for _ in 0..m {
        let (a, b, c) = (next() as usize - 1, next() as usize - 1, next());
        // The last occurrence of an edge wins, even when it is longer.
        d[a * n + b] = c;
        d[b * n + a] = c;
    }
    for k in 0..n {
        for i in 0..n {
            let dik = d[i * n + k];
            if dik.is_infinite() {
                continue;
            }
            for j in 0..n {
                let via = dik + d[k * n + j];
                if via < d[i * n + j] {
                    d[i * n + j] = via;
                }
            }
        }
    }
    (n, p, d)
}

fn check(name: &str) {
    let (n, p, d) = instance(name);
    let triples = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| (i, j, d[i * n + j]));
    let costs = Costs::from_triples(n, n, triples).expect("valid");
    let s = solve_p_median(&costs, &vec![1.0; n], p, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal, "{name}");
    assert_eq!(s.sites.len(), p);
    assert_eq!(s.objective, optimum(name), "{name}");
}

#[test]
fn pmed1_to_pmed5_reach_their_published_optima() {
    for k in 1..=5 {
        check(&format!("pmed{k}"));
    }
}

#[test]
fn pmed6_to_pmed10_reach_their_published_optima() {
    for k in 6..=10 {
        check(&format!("pmed{k}"));
    }
}

#[test]
fn a_time_limit_returns_the_incumbent_with_its_gap() {
    // pmed26 (n = 600, p = 5): far more than a tenth of a second of work for HiGHS.
    let name = "pmed26";
    let (n, p, d) = instance(name);
    let triples = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| (i, j, d[i * n + j]));
    let costs = Costs::from_triples(n, n, triples).expect("valid");
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
