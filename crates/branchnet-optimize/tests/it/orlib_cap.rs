//! OR-Library capacitated warehouse location (Beasley 1988): cap41–cap134 (16, 25 or 50 facilities, 50
//! customers) and capa/capb/capc (100 facilities, 1000 customers) at the capacities named in `bounds.txt`,
//! split demand, against the published optima of `bounds.txt`.

use std::path::PathBuf;
use std::time::Instant;

use branchnet_optimize::{Costs, SolveOptions, Sourcing, Status, solve_cflp};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/reference/orlib")
}

fn optimum(name: &str) -> f64 {
    let text = std::fs::read_to_string(dir().join("bounds.txt")).expect("bounds.txt");
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?, f.next()?.parse::<f64>().ok()?))
        })
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .expect("listed in bounds.txt")
}

struct Instance {
    costs: Costs,
    fixed: Vec<f64>,
    capacities: Vec<f64>,
    demands: Vec<f64>,
}

/// Beasley's format as a token stream: `m n`, m × `capacity fixed`, then per customer its demand and the m
/// costs of allocating all of it to each facility. A literal `capacity` takes `capacity` (capa/b/c).
fn instance(file: &str, capacity: Option<f64>) -> Instance {
    let text = std::fs::read_to_string(dir().join("cap").join(format!("{file}.txt"))).expect("instance");
    let mut tokens = text.split_whitespace();
    let mut next = || {
        let t = tokens.next().expect("more tokens");
        if t == "capacity" {
            capacity.expect("a capacity for this instance")
        } else {
            t.parse::<f64>().expect("number")
        }
    };
    let (m, n) = (next() as usize, next() as usize);
    let (mut capacities, mut fixed) = (Vec::new(), Vec::new());
    for _ in 0..m {
        capacities.push(next());
        fixed.push(next());
    }
    let mut demands = Vec::new();
    let mut triples = Vec::new();
    for i in 0..n {
        demands.push(next());
        for j in 0..m {
            triples.push((i, j, next()));
        }
    }
    Instance {
        costs: Costs::from_triples(n, m, triples).expect("valid costs"),
        fixed,
        capacities,
        demands,
    }
}

/// Solves one instance; returns its time in seconds.
fn check(file: &str, name: &str, capacity: Option<f64>) -> f64 {
    let inst = instance(file, capacity);
    let started = Instant::now();
    let s = solve_cflp(
        &inst.costs,
        &inst.fixed,
        &inst.capacities,
        &inst.demands,
        Sourcing::Split,
        &SolveOptions::default(),
    )
    .expect("solves");
    let seconds = started.elapsed().as_secs_f64();
    let expected = optimum(name);
    eprintln!(
        "{name}: {:.3} (published {expected:.3}) in {seconds:.2} s, {} open",
        s.solution.objective,
        s.solution.sites.len()
    );
    assert_eq!(s.solution.status, Status::Optimal, "{name}");
    let diff = (s.solution.objective - expected).abs();
    assert!(
        diff <= 1e-3,
        "{name}: {} vs {expected} (off by {diff})",
        s.solution.objective
    );
    // Every customer fully served, every open facility within its capacity.
    let mut load = vec![0.0; inst.fixed.len()];
    for (i, shares) in s.shares.iter().enumerate() {
        let total: f64 = shares.iter().map(|(_, f)| f).sum();
        assert!((total - 1.0).abs() < 1e-9, "{name}: customer {i} served {total}");
        for &(j, f) in shares {
            assert!(
                s.solution.sites.contains(&j),
                "{name}: customer {i} served by closed {j}"
            );
            load[j] += f * inst.demands[i];
        }
    }
    for (j, l) in load.iter().enumerate() {
        assert!(
            *l <= inst.capacities[j] * (1.0 + 1e-9),
            "{name}: facility {j} holds {l}"
        );
    }
    seconds
}

fn check_all(names: &[&str]) {
    let total: f64 = names.iter().map(|name| check(name, name, None)).sum();
    eprintln!("{names:?}: {total:.2} s");
}

#[test]
fn cap41_to_cap74_reach_their_published_optima() {
    check_all(&[
        "cap41", "cap42", "cap43", "cap44", "cap51", "cap61", "cap62", "cap63", "cap64", "cap71", "cap72",
        "cap73", "cap74",
    ]);
}

#[test]
fn cap81_to_cap104_reach_their_published_optima() {
    check_all(&[
        "cap81", "cap82", "cap83", "cap84", "cap91", "cap92", "cap93", "cap94", "cap101", "cap102", "cap103",
        "cap104",
    ]);
}

#[test]
fn cap111_to_cap134_reach_their_published_optima() {
    check_all(&[
        "cap111", "cap112", "cap113", "cap114", "cap121", "cap122", "cap123", "cap124", "cap131", "cap132",
        "cap133", "cap134",
    ]);
}

fn check_large(file: &str, capacities: &[u32]) {
    let total: f64 = capacities
        .iter()
        .map(|&q| check(file, &format!("{file}_{q}"), Some(f64::from(q))))
        .sum();
    eprintln!("{file} {capacities:?}: {total:.2} s");
}

// Times: `cargo run --release -p branchnet-benches --bin cap -- cflp <name>`, 2 cores shared with other
// builds (benches/README.md, "Capacitated models"). The Lagrangian bound with the aggregate capacity row
// (Cornuéjols, Sridharan & Thizy) is within 0.3% of the optimum on all twelve; what is left is HiGHS on the
// sites it could not fix.

#[test]
fn capa_capb_capc_where_the_bound_fixes_most_sites() {
    // capa_8000 14.7-33.2 s, capa_14000 0.7-1.4 s, capb_5000 2.5-4.2 s, capc_7250 8.1-26.6 s.
    check_large("capa", &[8000, 14000]);
    check_large("capb", &[5000]);
    check_large("capc", &[7250]);
}

#[test]
#[ignore = "slow: capa_10000 96-122 s, capa_12000 31-70 s on 2 cores"]
fn capa_10000_and_12000_reach_their_published_optima() {
    check_large("capa", &[10000, 12000]);
}

#[test]
#[ignore = "slow: capb_6000 190 s, capb_7000 349 s, capb_8000 20-51 s on 2 cores"]
fn capb_6000_to_8000_reach_their_published_optima() {
    check_large("capb", &[6000, 7000, 8000]);
}

#[test]
#[ignore = "slow: capc_5000 16-52 s, capc_5750 111 s, capc_6500 55-152 s on 2 cores"]
fn capc_5000_to_6500_reach_their_published_optima() {
    check_large("capc", &[5000, 5750, 6500]);
}
