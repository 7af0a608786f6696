//! The MCLP's own machinery — lazy greedy, swap search, Lagrangian bound and the grouped MIP — against
//! enumeration on small seeded instances, and its promises on a model too large for HiGHS within the limit:
//! a plan no single swap improves, and a bound no plan can beat.

use branchnet_optimize::{Coverage, SolveOptions, Status, solve_mclp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::covering_models::subsets;

/// Random points and sites in a square; a site covers the points within `radius`.
fn instance(seed: u64, n: usize, m: usize, side: f64, radius: f64) -> (Coverage, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |count: usize| -> Vec<[f64; 2]> {
        (0..count)
            .map(|_| [rng.random_range(0.0..side), rng.random_range(0.0..side)])
            .collect()
    };
    let points = draw(n);
    let sites = draw(m);
    let lists = points.iter().map(|a| {
        (0..m)
            .filter(|&j| (a[0] - sites[j][0]).hypot(a[1] - sites[j][1]) <= radius)
            .collect::<Vec<_>>()
    });
    let coverage = Coverage::from_lists(m, lists).expect("valid");
    let weights = (0..n).map(|i| 1.0 + (i * 7 % 13) as f64).collect();
    (coverage, weights)
}

fn covered(coverage: &Coverage, weights: &[f64], open: &[usize]) -> f64 {
    (0..coverage.n_demand())
        .filter(|&i| coverage.sites_of(i).iter().any(|j| open.contains(&(*j as usize))))
        .map(|i| weights[i])
        .sum()
}

#[test]
fn small_instances_match_enumeration() {
    for seed in 0..20 {
        let (coverage, weights) = instance(seed, 60, 10, 100.0, 22.0);
        let p = 2 + (seed as usize % 3);
        let best = subsets(10, p)
            .iter()
            .map(|s| covered(&coverage, &weights, s))
            .fold(f64::NEG_INFINITY, f64::max);
        let s = solve_mclp(&coverage, &weights, p, &SolveOptions::default()).expect("solves");
        assert_eq!(s.status, Status::Optimal, "seed {seed}");
        assert_eq!(s.objective, best, "seed {seed}");
        assert_eq!(s.objective, covered(&coverage, &weights, &s.sites), "seed {seed}");
    }
}

#[test]
fn a_large_time_limited_model_returns_a_swap_optimal_plan_and_a_valid_bound() {
    // 100,000 points, 1,000 sites of radius 7 on a 100 × 100 square: well over the 20,000 groups at which the
    // Lagrangian bound comes first.
    let (coverage, weights) = instance(7, 100_000, 1_000, 100.0, 7.0);
    let distinct: std::collections::HashSet<&[u32]> =
        (0..coverage.n_demand()).map(|i| coverage.sites_of(i)).collect();
    assert!(distinct.len() > 20_000, "only {} coverage groups", distinct.len());
    let p = 3;
    let options = SolveOptions {
        time_limit_s: Some(3.0),
        ..SolveOptions::default()
    };
    let s = solve_mclp(&coverage, &weights, p, &options).expect("a plan");
    assert_eq!(s.sites.len(), p);
    let objective = covered(&coverage, &weights, &s.sites);
    assert_eq!(s.objective, objective);
    // No single swap improves the plan: the change of a swap, from the points either site covers.
    let m = coverage.n_sites();
    let mut by_site: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut open_count = vec![0usize; coverage.n_demand()];
    for (i, count) in open_count.iter_mut().enumerate() {
        for &j in coverage.sites_of(i) {
            by_site[j as usize].push(i);
            *count += usize::from(s.sites.contains(&(j as usize)));
        }
    }
    let covers = |i: usize, j: usize| coverage.sites_of(i).binary_search(&(j as u32)).is_ok();
    for &out in &s.sites {
        for add in (0..m).filter(|j| !s.sites.contains(j)) {
            let gained: f64 = by_site[add]
                .iter()
                .filter(|&&i| open_count[i] == 0)
                .map(|&i| weights[i])
                .sum();
            let lost: f64 = by_site[out]
                .iter()
                .filter(|&&i| open_count[i] == 1 && !covers(i, add))
                .map(|&i| weights[i])
                .sum();
            assert!(
                gained - lost <= 1e-6 * objective,
                "swapping {out} for {add} adds {}",
                gained - lost
            );
        }
    }
    // The bound is at least the best of many random plans and at most the coverable weight.
    let coverable: f64 = (0..coverage.n_demand())
        .filter(|&i| !coverage.sites_of(i).is_empty())
        .map(|i| weights[i])
        .sum();
    assert!(
        s.bound >= objective && s.bound <= coverable + 1e-6,
        "bound {} vs {objective}",
        s.bound
    );
    match s.status {
        Status::Optimal => assert!(s.gap <= 1e-9),
        Status::Feasible { gap } => assert!(gap > 0.0 && gap == s.gap),
        other => panic!("unexpected {other:?}"),
    }
}
