//! Maximum capture (Huff / MNL) against hand-computed captures and brute-force enumeration of every p-subset
//! on seeded random instances; a larger instance for time, iterations and a time-limited bound.

use std::time::Instant;

use branchnet_optimize::{
    Costs, SolveOptions, Status, Utilities, UtilityDecay, evaluate_capture, solve_max_capture,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Two customers, three candidate sites:
/// - A: w = 100, competitor utility U = 2, u(A,0) = 2, u(A,1) = 1, site 2 out of reach;
/// - B: w = 50, U = 1, u(B,1) = 1, u(B,2) = 3, site 0 out of reach.
fn toy() -> (Utilities, Vec<f64>, Vec<f64>) {
    let u =
        Utilities::from_triples(2, 3, [(0, 0, 2.0), (0, 1, 1.0), (1, 1, 1.0), (1, 2, 3.0)]).expect("valid");
    (u, vec![2.0, 1.0], vec![100.0, 50.0])
}

fn opts(required: &[usize], forbidden: &[usize]) -> SolveOptions {
    SolveOptions {
        required: required.to_vec(),
        forbidden: forbidden.to_vec(),
        ..SolveOptions::default()
    }
}

#[test]
fn toy_case_by_hand() {
    let (u, comp, w) = toy();
    let solve = |p, options: &SolveOptions| solve_max_capture(&u, &comp, &w, p, options).expect("solves");
    // p = 1: {0}: A 100·2/(2+2) = 50, B 0 → 50
    //        {1}: A 100·1/(2+1) = 33.333…, B 50·1/(1+1) = 25 → 58.333…
    //        {2}: A 0, B 50·3/(1+3) = 37.5 → 37.5                        best {1}
    let s = solve(1, &SolveOptions::default());
    assert_eq!(s.solution.status, Status::Optimal);
    assert_eq!(s.solution.sites, vec![1]);
    approx::assert_relative_eq!(s.solution.objective, 100.0 / 3.0 + 25.0, max_relative = 1e-12);
    // p = 2: {0,1}: A 100·3/5 = 60, B 25 → 85
    //        {0,2}: A 50, B 37.5 → 87.5
    //        {1,2}: A 33.333…, B 50·4/5 = 40 → 73.333…                    best {0,2}
    // (greedy takes {1} then {0}, 85; the optimum needs the swap 1 → 2.)
    let s = solve(2, &SolveOptions::default());
    assert_eq!(s.solution.status, Status::Optimal);
    assert_eq!(s.solution.sites, vec![0, 2]);
    approx::assert_relative_eq!(s.solution.objective, 87.5, max_relative = 1e-12);
    // HiGHS stops at an absolute gap of 1e-6 by default, so the bound may exceed the optimum by that much.
    assert!(s.solution.bound >= 87.5 - 1e-9 && s.solution.gap <= 1e-6 / 87.5);
    // Per site: site 0 wins A's 100·2/4 = 50, site 2 wins B's 50·3/4 = 37.5.
    assert_eq!(s.capture.by_site, vec![50.0, 0.0, 37.5]);
    assert_eq!(s.capture.by_demand, vec![50.0, 37.5]);
    assert_eq!(s.solution.assignment, vec![Some(0), Some(2)]);
    // Required site 1 with p = 2: {0,1} 85 beats {1,2} 73.333….
    let s = solve(2, &opts(&[1], &[]));
    assert_eq!(s.solution.sites, vec![0, 1]);
    approx::assert_relative_eq!(s.solution.objective, 85.0, max_relative = 1e-12);
    // Site 0 forbidden: only {1,2} remains, 73.333….
    let s = solve(2, &opts(&[], &[0]));
    assert_eq!(s.solution.sites, vec![1, 2]);
    approx::assert_relative_eq!(s.solution.objective, 100.0 / 3.0 + 40.0, max_relative = 1e-12);
    // p = 3: A 100·3/5 = 60, B 50·4/5 = 40 → 100.
    let s = solve(3, &SolveOptions::default());
    approx::assert_relative_eq!(s.solution.objective, 100.0, max_relative = 1e-12);
    // Infeasible: more required than p; p beyond the sites that may open.
    assert!(matches!(
        solve(1, &opts(&[0, 1], &[])).solution.status,
        Status::Infeasible { .. }
    ));
    assert!(matches!(
        solve(3, &opts(&[], &[2])).solution.status,
        Status::Infeasible { .. }
    ));
    assert!(solve_max_capture(&u, &comp, &w, 1, &opts(&[5], &[])).is_err());
}

#[test]
fn no_competition_means_full_capture_once_reached() {
    // A (w = 10, U = 0) reached by site 0 only; B (w = 4, U = 0) by no site; C (w = 6, U = 3) by site 1 (u = 1).
    let u = Utilities::from_triples(3, 2, [(0, 0, 0.5), (2, 1, 1.0)]).expect("valid");
    let (comp, w) = (vec![0.0, 0.0, 3.0], vec![10.0, 4.0, 6.0]);
    // {0}: A fully (10), B 0, C 0 → 10.   {1}: C 6·1/4 = 1.5.   {} : 0.   {0,1}: 11.5.
    let total = |open: &[usize]| evaluate_capture(&u, &comp, &w, open).expect("valid").total;
    assert_eq!(total(&[0]), 10.0);
    assert_eq!(total(&[1]), 1.5);
    assert_eq!(total(&[]), 0.0);
    assert_eq!(total(&[0, 1]), 11.5);
    let s = solve_max_capture(&u, &comp, &w, 1, &SolveOptions::default()).expect("solves");
    assert_eq!((s.solution.sites.clone(), s.solution.objective), (vec![0], 10.0));
    assert_eq!(s.solution.assignment, vec![Some(0), None, None]);
}

#[test]
fn utilities_from_costs_follow_the_decay_forms() {
    let costs = Costs::from_triples(1, 2, [(0, 0, 2.0), (0, 1, 0.0)]).expect("valid");
    // Exponential, β = 0.5: u = a·e^(−0.5 c): site 0: 3·e^(−1), site 1: 2·e^0 = 2.
    let e =
        Utilities::from_costs(&costs, &[3.0, 2.0], UtilityDecay::Exponential { beta: 0.5 }).expect("valid");
    approx::assert_relative_eq!(e.utility(0, 0), 3.0 * (-1.0f64).exp(), max_relative = 1e-15);
    assert_eq!(e.utility(0, 1), 2.0);
    // Power, λ = 2, floor 0.5: site 0: 3·2^(−2) = 0.75, site 1: 2·max(0, 0.5)^(−2) = 8.
    let decay = UtilityDecay::Power {
        exponent: 2.0,
        min_cost: 0.5,
    };
    let h = Utilities::from_costs(&costs, &[3.0, 2.0], decay).expect("valid");
    assert_eq!((h.utility(0, 0), h.utility(0, 1)), (0.75, 8.0));
    assert_eq!(h.row_sums(), vec![8.75]);
    assert!(Utilities::from_costs(&costs, &[3.0], decay).is_err());
    let zero_floor = UtilityDecay::Power {
        exponent: 2.0,
        min_cost: 0.0,
    };
    assert!(Utilities::from_costs(&costs, &[3.0, 2.0], zero_floor).is_err());
}

/// A random instance: customers, candidates and competitors uniform in the unit square; pairs within `cutoff`.
struct Instance {
    /// Dense utilities computed here from the closed forms, independently of the library (0 beyond the cutoff).
    dense: Vec<Vec<f64>>,
    competition: Vec<f64>,
    weights: Vec<f64>,
    utilities: Utilities,
}

fn instance(seed: u64, n: usize, m: usize, cutoff: f64, exponential: bool) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = |k: usize| -> Vec<(f64, f64)> { (0..k).map(|_| (rng.random(), rng.random())).collect() };
    let customers = points(n);
    let candidates = points(m);
    let competitors = points(m / 2 + 2);
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 1000);
    let weights: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..100.0)).collect();
    let attract: Vec<f64> = (0..m).map(|_| rng.random_range(1.0..3.0)).collect();
    let comp_attract: Vec<f64> = competitors.iter().map(|_| rng.random_range(1.0..3.0)).collect();
    let dist = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let (beta, lambda, floor) = (6.0, 2.0, 0.02);
    let decay = |d: f64| {
        if exponential {
            (-beta * d).exp()
        } else {
            d.max(floor).powf(-lambda)
        }
    };
    let dense: Vec<Vec<f64>> = customers
        .iter()
        .map(|&c| {
            candidates
                .iter()
                .zip(&attract)
                .map(|(&s, a)| {
                    if dist(c, s) <= cutoff {
                        a * decay(dist(c, s))
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    // Competitors reach only within the cutoff too; every tenth customer faces none (U = 0).
    let competition: Vec<f64> = customers
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            competitors
                .iter()
                .zip(&comp_attract)
                .filter(|(s, _)| i % 10 != 0 && dist(c, **s) <= cutoff)
                .map(|(&s, a)| a * decay(dist(c, s)))
                .sum()
        })
        .collect();
    let triples = customers.iter().enumerate().flat_map(|(i, &c)| {
        candidates
            .iter()
            .enumerate()
            .map(move |(j, &s)| (i, j, dist(c, s)))
            .filter(|t| t.2 <= cutoff)
    });
    let costs = Costs::from_triples(n, m, triples).expect("valid");
    let form = if exponential {
        UtilityDecay::Exponential { beta }
    } else {
        UtilityDecay::Power {
            exponent: lambda,
            min_cost: floor,
        }
    };
    let utilities = Utilities::from_costs(&costs, &attract, form).expect("valid");
    Instance {
        dense,
        competition,
        weights,
        utilities,
    }
}

/// Σ_i w_i V_i / (U_i + V_i) from the dense utilities (0 when V_i = 0).
fn capture(inst: &Instance, open: &[usize]) -> f64 {
    inst.dense
        .iter()
        .zip(&inst.competition)
        .zip(&inst.weights)
        .map(|((row, &u), &w)| {
            let v: f64 = open.iter().map(|&j| row[j]).sum();
            if v > 0.0 { w * v / (u + v) } else { 0.0 }
        })
        .sum()
}

/// The best p-subset by enumeration, honouring required and forbidden sites.
fn brute_force(
    inst: &Instance,
    m: usize,
    p: usize,
    required: &[usize],
    forbidden: &[usize],
) -> (f64, Vec<usize>) {
    let mut best = (f64::NEG_INFINITY, Vec::new());
    for mask in 0u32..(1 << m) {
        if mask.count_ones() as usize != p
            || required.iter().any(|&j| mask & (1 << j) == 0)
            || forbidden.iter().any(|&j| mask & (1 << j) != 0)
        {
            continue;
        }
        let open: Vec<usize> = (0..m).filter(|&j| mask & (1 << j) != 0).collect();
        let value = capture(inst, &open);
        if value > best.0 {
            best = (value, open);
        }
    }
    best
}

#[test]
fn matches_brute_force_on_random_instances() {
    let (n, m) = (60, 12);
    let mut solves = 0;
    for seed in 1..=4u64 {
        for exponential in [true, false] {
            let inst = instance(seed, n, m, 0.45, exponential);
            assert!(
                inst.competition.contains(&0.0),
                "some customers face no competition"
            );
            for p in [3, 4] {
                // Plain, then one required and two forbidden sites chosen by the seed.
                let fixings: [(Vec<usize>, Vec<usize>); 2] = [
                    (vec![], vec![]),
                    (
                        vec![seed as usize % m],
                        vec![(seed as usize + 5) % m, (seed as usize + 7) % m],
                    ),
                ];
                for (required, forbidden) in fixings {
                    let (optimum, sites) = brute_force(&inst, m, p, &required, &forbidden);
                    let s = solve_max_capture(
                        &inst.utilities,
                        &inst.competition,
                        &inst.weights,
                        p,
                        &opts(&required, &forbidden),
                    )
                    .expect("solves");
                    solves += 1;
                    let case =
                        format!("seed {seed} exp {exponential} p {p} req {required:?} forb {forbidden:?}");
                    assert_eq!(s.solution.status, Status::Optimal, "{case}");
                    approx::assert_relative_eq!(s.solution.objective, optimum, max_relative = 1e-9);
                    approx::assert_relative_eq!(
                        capture(&inst, &s.solution.sites),
                        optimum,
                        max_relative = 1e-9
                    );
                    assert_eq!(s.solution.sites, sites, "{case}");
                    assert!(
                        s.solution.bound >= optimum * (1.0 - 1e-9),
                        "{case}: bound below the optimum"
                    );
                    assert!(required.iter().all(|j| s.solution.sites.contains(j)), "{case}");
                    assert!(!forbidden.iter().any(|j| s.solution.sites.contains(j)), "{case}");
                    let by_site: f64 = s.capture.by_site.iter().sum();
                    approx::assert_relative_eq!(by_site, optimum, max_relative = 1e-9);
                }
            }
        }
    }
    assert_eq!(solves, 32);
}

#[test]
fn larger_instance_to_optimality_and_a_time_limited_bound() {
    let inst = instance(42, 5000, 200, 0.15, true);
    let p = 10;
    let started = Instant::now();
    let s = solve_max_capture(
        &inst.utilities,
        &inst.competition,
        &inst.weights,
        p,
        &SolveOptions::default(),
    )
    .expect("solves");
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "max capture 5000 x 200, p = 10: {:.4} (bound {:.4}, gap {:.2e}) in {seconds:.2} s; {} LP rounds, {} MIP \
         solves, {} cuts",
        s.solution.objective, s.solution.bound, s.solution.gap, s.lp_rounds, s.mip_solves, s.cuts
    );
    assert_eq!(s.solution.status, Status::Optimal);
    assert!(s.solution.gap <= 1e-4);
    approx::assert_relative_eq!(
        capture(&inst, &s.solution.sites),
        s.solution.objective,
        max_relative = 1e-9
    );
    let optimum = s.solution.objective;

    let limited = SolveOptions {
        time_limit_s: Some(10.0),
        ..SolveOptions::default()
    };
    let started = Instant::now();
    let t =
        solve_max_capture(&inst.utilities, &inst.competition, &inst.weights, p, &limited).expect("solves");
    eprintln!(
        "time-limited (10 s): {:.4}, bound {:.4}, {:?} in {:.2} s",
        t.solution.objective,
        t.solution.bound,
        t.solution.status,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(t.solution.sites.len(), p);
    assert!(t.solution.objective <= optimum * (1.0 + 1e-9));
    assert!(
        t.solution.bound >= optimum * (1.0 - 1e-6),
        "the bound must not cut off the optimum"
    );
    approx::assert_relative_eq!(
        capture(&inst, &t.solution.sites),
        t.solution.objective,
        max_relative = 1e-9
    );
}

/// A short limit on a case that needs several times as long: the plan comes back on time (every phase checks
/// the deadline and HiGHS gets what is left), with a gap whose bound covers the true capture.
#[test]
fn a_short_time_limit_is_kept() {
    let inst = instance(42, 5000, 200, 0.15, true);
    let p = 10;
    let limit = 0.5;
    let options = SolveOptions {
        time_limit_s: Some(limit),
        ..SolveOptions::default()
    };
    let started = Instant::now();
    let t =
        solve_max_capture(&inst.utilities, &inst.competition, &inst.weights, p, &options).expect("solves");
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "max capture 5000 x 200 with a {limit} s limit: {:.4}, bound {:.4}, {:?} in {seconds:.3} s",
        t.solution.objective, t.solution.bound, t.solution.status
    );
    assert!(
        seconds <= limit + 0.25,
        "took {seconds:.3} s against a {limit} s limit"
    );
    let Status::Feasible { gap } = t.solution.status else {
        panic!("this case needs more than {limit} s; got {:?}", t.solution.status);
    };
    assert!(gap > 0.0 && gap.is_finite() && gap == t.solution.gap);
    assert!(t.solution.bound >= t.solution.objective);
    assert_eq!(t.solution.sites.len(), p);
    approx::assert_relative_eq!(
        capture(&inst, &t.solution.sites),
        t.solution.objective,
        max_relative = 1e-9
    );
}
