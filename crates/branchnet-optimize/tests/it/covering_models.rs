//! The covering family beyond LSCP/MCLP — capacitated LSCP, LSCP-B, partial-coverage MCLP, p-center and
//! p-dispersion — against spopt's published San Francisco values, hand-computed toys and brute force over
//! every p-subset of small seeded instances.

use approx::assert_relative_eq;
use branchnet_core::Decay;
use branchnet_optimize::{
    Costs, Coverage, SolveOptions, Status, solve_lscp, solve_lscp_backup, solve_lscp_capacitated, solve_mclp,
    solve_mclp_partial, solve_p_center, solve_p_dispersion, solve_p_median,
};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::spopt_sf::{case, dir, fields};

/// All `k`-subsets of `0..m`, ascending.
pub(crate) fn subsets(m: usize, k: usize) -> Vec<Vec<usize>> {
    fn walk(from: usize, m: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for j in from..m {
            cur.push(j);
            walk(j + 1, m, k, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    walk(0, m, k, &mut Vec::new(), &mut out);
    out
}

fn infeasible_reason(status: &Status) -> &str {
    match status {
        Status::Infeasible { reason } => reason,
        other => panic!("expected infeasible, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------------------
// spopt's San Francisco case (205 tracts, 16 stores, network distances in metres).

/// Number of open sites among the coverers of each point.
fn cover_counts(coverage: &Coverage, open: &[usize]) -> Vec<usize> {
    (0..coverage.n_demand())
        .map(|i| {
            coverage
                .sites_of(i)
                .iter()
                .filter(|&&j| open.contains(&(j as usize)))
                .count()
        })
        .collect()
}

/// spopt/tests/test_locate/test_lscpb.py, `test_mixin_lscpb_get_percentage`: LSCPB at 5000 m reports
/// `backup_perc == 81.46341463414633`, i.e. an objective of 167 of 205 tracts (167 / 205 × 100).
///
/// spopt's `add_backup_covering_constraint` (spopt/locate/base.py) writes `Σ a_ij y_j ≥ 1 + 0·u_i` for a
/// tract with fewer than two stores in reach, leaving `u_i` free, so every such tract counts as backed up.
/// The true optimum (only tracts that two open stores really cover) is therefore 167 minus those tracts; it is
/// asserted here and checked by enumerating all C(16, 8) = 12,870 plans of 8 stores.
#[test]
fn lscp_b_at_5000_m_is_spopts_167_of_205_minus_its_single_coverer_tracts() {
    let case = case();
    let coverage = Coverage::within(&case.costs, 5000.0);
    let n = coverage.n_demand();
    let ones = vec![1.0; n];
    let b = solve_lscp_backup(&coverage, &ones, &SolveOptions::default()).expect("solves");
    assert_eq!(b.solution.status, Status::Optimal);
    assert_eq!(b.solution.sites.len(), 8, "the LSCP needs 8 stores at 5000 m");

    let single = (0..n).filter(|&i| coverage.sites_of(i).len() == 1).count();
    let counts = cover_counts(&coverage, &b.solution.sites);
    assert!(counts.iter().all(|&c| c >= 1), "every tract still covered");
    let backed: Vec<usize> = (0..n).filter(|&i| counts[i] >= 2).collect();
    assert_eq!(b.backed_up, backed);
    assert_relative_eq!(b.solution.objective, backed.len() as f64);
    // 145 really backed up + 22 tracts with a single store in reach = spopt's 167 (both counts also found by
    // an independent Python enumeration over the CSV files).
    assert_eq!((backed.len(), single), (145, 22));
    assert_eq!(backed.len() + single, 167, "spopt's 81.46341463414633 % of 205");
    assert_relative_eq!(
        (backed.len() + single) as f64 / 205.0 * 100.0,
        81.463_414_634_146_33,
        max_relative = 1e-14
    );

    let brute = subsets(16, 8)
        .into_iter()
        .map(|open| cover_counts(&coverage, &open))
        .filter(|c| c.iter().all(|&k| k >= 1))
        .map(|c| c.iter().filter(|&&k| k >= 2).count())
        .max()
        .expect("some 8 stores cover everything");
    assert_eq!(backed.len(), brute);
    assert!(
        single > 0,
        "the case has single-coverer tracts, so spopt's bug shows"
    );
}

/// With a step decay the partial-coverage MCLP is the MCLP: spopt's 875,247 people at r = 5000 m, p = 4
/// (spopt/tests/test_mclp.py), and the same plan value as `solve_mclp`.
#[test]
fn partial_coverage_with_a_step_decay_is_the_mclp() {
    let case = case();
    let step = Decay::Step { radius: 5000.0 };
    let s =
        solve_mclp_partial(&case.costs, &case.weights, &step, 4, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal);
    assert_relative_eq!(s.objective, 875_247.0);
    let coverage = Coverage::within(&case.costs, 5000.0);
    let m = solve_mclp(&coverage, &case.weights, 4, &SolveOptions::default()).expect("solves");
    assert_relative_eq!(s.objective, m.objective);
    assert_eq!(s.assignment.iter().filter(|a| a.is_none()).count(), 21);
}

fn sf_max_cost(costs: &Costs, open: &[usize]) -> f64 {
    (0..costs.n_demand())
        .map(|i| {
            open.iter()
                .filter_map(|&j| costs.cost(i, j))
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

/// spopt's SF p-center test (test_p_center.py, `test_optimality_pcenter_from_cost_matrix`) asserts only
/// optimality, not a value, so the optimum is checked against all C(16, 4) = 1820 plans.
#[test]
fn p_center_p4_on_sf_matches_enumeration() {
    let case = case();
    let s = solve_p_center(&case.costs, 4, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.sites.len(), 4);
    let brute = subsets(16, 4)
        .iter()
        .map(|open| sf_max_cost(&case.costs, open))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(s.objective, brute);
    assert_eq!(s.bound, brute);
    // The same enumeration in Python over the CSV: 7403.06 m.
    assert_relative_eq!(s.objective, 7_403.063_810_849_859, max_relative = 1e-12);
    assert_eq!(s.objective, sf_max_cost(&case.costs, &s.sites));
    // p = 0 cannot serve anyone (spopt's `test_infeasibility_pcenter_from_cost_matrix`).
    let none = solve_p_center(&case.costs, 0, &SolveOptions::default()).expect("answers");
    assert!(matches!(none.status, Status::Infeasible { .. }));
}

/// Stores by name (spopt sorts the GeoDataFrame by NAME), as (long, lat).
fn store_points() -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(dir().join("SF_store_site_16_longlat.csv")).expect("stores");
    let mut lines = text.lines();
    let header = fields(lines.next().expect("header"));
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (name, long, lat) = (col("NAME"), col("long"), col("lat"));
    let mut rows: Vec<(String, f64, f64)> = lines
        .map(|l| {
            let f = fields(l);
            (
                f[name].clone(),
                f[long].parse().expect("long"),
                f[lat].parse().expect("lat"),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|r| (r.1, r.2)).collect()
}

fn brute_dispersion(d: &Array2<f64>, p: usize, ok: impl Fn(&[usize]) -> bool) -> f64 {
    subsets(d.nrows(), p)
        .iter()
        .filter(|s| ok(s))
        .map(|s| {
            let mut min = f64::INFINITY;
            for (k, &i) in s.iter().enumerate() {
                for &j in &s[k + 1..] {
                    min = min.min(d[[i, j]].min(d[[j, i]]));
                }
            }
            min
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// spopt/tests/test_locate/test_p_dispersion.py, `test_optimality_p_dispersion_from_geodataframe`: Euclidean
/// distances between the stores' (long, lat), p = 4, chosen `["y_0_", "y_2_", "y_8_", "y_14_"]`.
#[test]
fn p_dispersion_p4_on_store_coordinates_picks_spopts_sites() {
    let pts = store_points();
    let d = Array2::from_shape_fn((16, 16), |(i, j)| {
        ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2)).sqrt()
    });
    let s = solve_p_dispersion(d.view(), 4, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.sites, vec![0, 2, 8, 14]);
    assert_eq!(s.objective, brute_dispersion(&d, 4, |_| true));
    // Unique: the runner-up {0, 2, 9, 14} is 0.087546 degrees apart (Python enumeration).
    assert_relative_eq!(s.objective, 0.087_600_369_823_090_36, max_relative = 1e-12);
    // 17 of 16 sites is infeasible (spopt's `test_infeasibility_p_dispersion_from_geodataframe`).
    let too_many = solve_p_dispersion(d.view(), 17, &SolveOptions::default()).expect("answers");
    assert!(matches!(too_many.status, Status::Infeasible { .. }));
}

/// test_p_dispersion.py, `test_optimality_p_dispersion_from_cost_matrix`, passes the 205 × 16 tract-by-store
/// matrix to `PDispersion.from_cost_matrix`, which reads `cost[i, j]` for store indexes `i < j` — the first
/// 16 tracts' rows stand in for stores. That matrix, mirrored, gives spopt's `["y_0_", "y_1_", "y_14_",
/// "y_15_"]` here too.
#[test]
fn p_dispersion_on_spopts_cost_matrix_quirk_picks_spopts_sites() {
    let case = case();
    let d = Array2::from_shape_fn((16, 16), |(i, j)| {
        let (a, b) = (i.min(j), i.max(j));
        case.costs.cost(a, b).expect("dense")
    });
    let s = solve_p_dispersion(d.view(), 4, &SolveOptions::default()).expect("solves");
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.sites, vec![0, 1, 14, 15]);
    assert_eq!(s.objective, brute_dispersion(&d, 4, |_| true));
    assert_relative_eq!(s.objective, 14_223.138_556_428_212, max_relative = 1e-12);
}

// ---------------------------------------------------------------------------------------------------------
// Brute force on seeded random instances.

/// Random sparse costs: each pair listed with probability `density`, cost uniform in [0, 100) on a coarse grid
/// so that ties occur.
fn random_costs(rng: &mut ChaCha8Rng, n: usize, m: usize, density: f64) -> Costs {
    let mut triples = Vec::new();
    for i in 0..n {
        for j in 0..m {
            if rng.random_bool(density) {
                triples.push((i, j, f64::from(rng.random_range(0..40u32)) * 2.5));
            }
        }
    }
    Costs::from_triples(n, m, triples).expect("valid")
}

fn random_options(rng: &mut ChaCha8Rng, m: usize, p: usize) -> SolveOptions {
    let mut options = SolveOptions::default();
    if rng.random_bool(0.4) && p >= 1 {
        options.required = vec![rng.random_range(0..m)];
    }
    if rng.random_bool(0.4) {
        let f = rng.random_range(0..m);
        if !options.required.contains(&f) {
            options.forbidden = vec![f];
        }
    }
    options
}

fn honours(open: &[usize], options: &SolveOptions) -> bool {
    options.required.iter().all(|r| open.contains(r)) && !options.forbidden.iter().any(|f| open.contains(f))
}

#[test]
fn p_center_matches_enumeration_on_random_instances() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut solved = 0;
    for _ in 0..40 {
        let (n, m) = (rng.random_range(3..14), rng.random_range(3..8));
        let p = rng.random_range(1..=m.min(4));
        let costs = random_costs(&mut rng, n, m, 0.7);
        let options = random_options(&mut rng, m, p);
        let s = solve_p_center(&costs, p, &options).expect("solves");
        let brute = subsets(m, p)
            .iter()
            .filter(|s| honours(s, &options))
            .map(|open| sf_max_cost(&costs, open))
            .fold(f64::INFINITY, f64::min);
        if brute.is_infinite() {
            assert!(matches!(s.status, Status::Infeasible { .. }), "{s:?}");
            continue;
        }
        solved += 1;
        assert_eq!(s.status, Status::Optimal);
        assert_eq!(s.sites.len(), p);
        assert!(honours(&s.sites, &options));
        assert_eq!(s.objective, brute);
        assert_eq!(s.objective, sf_max_cost(&costs, &s.sites));
    }
    assert!(solved >= 20, "only {solved} feasible instances");
}

#[test]
fn p_dispersion_matches_enumeration_on_random_instances() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for round in 0..40 {
        let m = rng.random_range(4..10);
        let p = rng.random_range(2..=m.min(5));
        let mut d = Array2::from_elem((m, m), 0.0);
        for i in 0..m {
            for j in 0..m {
                // Asymmetric on purpose: the model must use the smaller direction.
                d[[i, j]] = f64::from(rng.random_range(1..30u32));
            }
        }
        let mut options = random_options(&mut rng, m, p);
        if round % 5 == 0 && p >= 2 {
            options.required = vec![0, 1];
            options.forbidden.retain(|&f| f > 1);
        }
        let s = solve_p_dispersion(d.view(), p, &options).expect("solves");
        let brute = brute_dispersion(&d, p, |s| honours(s, &options));
        if brute == f64::NEG_INFINITY {
            assert!(matches!(s.status, Status::Infeasible { .. }), "round {round}");
            continue;
        }
        assert_eq!(s.status, Status::Optimal, "round {round}");
        assert_eq!(s.sites.len(), p);
        assert!(honours(&s.sites, &options));
        assert_eq!(s.objective, brute, "round {round}");
        assert!(s.assignment.is_empty());
    }
}

#[test]
fn partial_coverage_matches_enumeration_on_random_instances() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let decays = [
        Decay::Linear {
            radius: 60.0,
            full_radius: 20.0,
        },
        Decay::Gaussian {
            bandwidth: 25.0,
            cutoff: Some(70.0),
        },
        Decay::Step { radius: 40.0 },
    ];
    for round in 0..30 {
        let (n, m) = (rng.random_range(4..16), rng.random_range(3..8));
        let p = rng.random_range(1..=m.min(3));
        let costs = random_costs(&mut rng, n, m, 0.6);
        let weights: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(0..20u32))).collect();
        let decay = decays[round % decays.len()];
        let options = random_options(&mut rng, m, p);
        let value = |open: &[usize]| -> f64 {
            (0..n)
                .map(|i| {
                    weights[i]
                        * open
                            .iter()
                            .filter_map(|&j| costs.cost(i, j))
                            .map(|c| decay.weight(c))
                            .fold(0.0, f64::max)
                })
                .sum()
        };
        let brute = subsets(m, p)
            .iter()
            .filter(|s| honours(s, &options))
            .map(|s| value(s))
            .fold(f64::NEG_INFINITY, f64::max);
        let s = solve_mclp_partial(&costs, &weights, &decay, p, &options).expect("solves");
        if brute == f64::NEG_INFINITY {
            assert!(matches!(s.status, Status::Infeasible { .. }), "round {round}");
            continue;
        }
        assert_eq!(s.status, Status::Optimal, "round {round}");
        assert!(honours(&s.sites, &options));
        assert_eq!(s.sites.len(), p);
        assert_relative_eq!(s.objective, value(&s.sites), max_relative = 1e-12);
        assert_relative_eq!(s.objective, brute, max_relative = 1e-9, epsilon = 1e-9);
    }
}

#[test]
fn lscp_b_matches_enumeration_on_random_instances() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let mut rounds = 0;
    while rounds < 30 {
        let (n, m) = (rng.random_range(4..15), rng.random_range(3..9));
        let lists: Vec<Vec<usize>> = (0..n)
            .map(|_| (0..m).filter(|_| rng.random_bool(0.35)).collect())
            .collect();
        if lists.iter().any(Vec::is_empty) {
            continue;
        }
        rounds += 1;
        let coverage = Coverage::from_lists(m, lists).expect("valid");
        let weights: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(1..10u32))).collect();
        let options = random_options(&mut rng, m, 1);
        let lscp = solve_lscp(&coverage, &options).expect("solves");
        let b = solve_lscp_backup(&coverage, &weights, &options).expect("solves");
        if let Status::Infeasible { .. } = lscp.status {
            assert!(matches!(b.solution.status, Status::Infeasible { .. }));
            continue;
        }
        let p = lscp.sites.len();
        let brute = subsets(m, p)
            .into_iter()
            .filter(|s| honours(s, &options))
            .map(|s| cover_counts(&coverage, &s))
            .filter(|c| c.iter().all(|&k| k >= 1))
            .map(|c| (0..n).filter(|&i| c[i] >= 2).map(|i| weights[i]).sum::<f64>())
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(b.solution.status, Status::Optimal);
        assert_eq!(b.solution.sites.len(), p);
        assert!(honours(&b.solution.sites, &options));
        assert_eq!(b.solution.objective, brute);
        let counts = cover_counts(&coverage, &b.solution.sites);
        assert!(b.backed_up.iter().all(|&i| counts[i] >= 2));
    }
}

/// A point that only one site can cover never counts as backed up, however many sites are open.
#[test]
fn lscp_b_never_counts_a_point_with_one_possible_coverer() {
    // Point 0: only site 0. Point 1: sites 0 and 1. Point 2: only site 1. The LSCP opens {0, 1} (p = 2); then
    // point 1 is covered twice and points 0 and 2 once: backed-up weight = 5 (point 1), not 5 + 100 + 100.
    let coverage = Coverage::from_lists(3, [vec![0], vec![0, 1], vec![1]]).expect("valid");
    let b = solve_lscp_backup(&coverage, &[100.0, 5.0, 100.0], &SolveOptions::default()).expect("solves");
    assert_eq!(b.solution.sites, vec![0, 1]);
    assert_eq!(b.backed_up, vec![1]);
    assert_eq!(b.solution.objective, 5.0);
}

// ---------------------------------------------------------------------------------------------------------
// Capacitated LSCP.

#[test]
fn capacitated_lscp_needs_more_sites_than_the_uncapacitated_one() {
    // Demand 4, 4, 4. Site 0 covers {0, 1} (cap 8), site 1 covers {1, 2} (cap 8), site 2 covers all (cap 6).
    // Uncapacitated: site 2 alone. Capacitated: total 12 > every single capacity, and {0, 1} works
    // (0 → site 0, 2 → site 1, point 1 split over the 4 + 4 left), so 2 sites.
    let coverage = Coverage::from_lists(3, [vec![0, 2], vec![0, 1, 2], vec![1, 2]]).expect("valid");
    let plain = solve_lscp(&coverage, &SolveOptions::default()).expect("solves");
    assert_eq!(plain.sites, vec![2]);
    let demand = [4.0, 4.0, 4.0];
    let capacity = [8.0, 8.0, 6.0];
    let c = solve_lscp_capacitated(&coverage, &demand, &capacity, &SolveOptions::default()).expect("solves");
    assert_eq!(c.solution.status, Status::Optimal);
    assert_eq!(c.solution.objective, 2.0);
    check_shares(&coverage, &demand, &capacity, &c.solution.sites, &c.shares);

    // Site 2 required: it takes 6 of the 12, one more site takes the rest — still 2 sites, site 2 among them.
    let options = SolveOptions {
        required: vec![2],
        ..SolveOptions::default()
    };
    let c = solve_lscp_capacitated(&coverage, &demand, &capacity, &options).expect("solves");
    assert_eq!(c.solution.sites.len(), 2);
    assert!(c.solution.sites.contains(&2));
    check_shares(&coverage, &demand, &capacity, &c.solution.sites, &c.shares);
}

#[test]
fn capacitated_lscp_splits_a_point_too_big_for_one_site() {
    // One point of demand 10, two sites of capacity 6: both open, 10 = 6 + 4 or 4 + 6.
    let coverage = Coverage::from_lists(2, [vec![0, 1]]).expect("valid");
    let c =
        solve_lscp_capacitated(&coverage, &[10.0], &[6.0, 6.0], &SolveOptions::default()).expect("solves");
    assert_eq!(c.solution.sites, vec![0, 1]);
    assert_eq!(c.shares[0].len(), 2);
    check_shares(&coverage, &[10.0], &[6.0, 6.0], &c.solution.sites, &c.shares);
}

#[test]
fn capacitated_lscp_explains_why_it_is_infeasible() {
    // Points 0 and 1 (5 each) can only use site 0 (cap 8): 10 > 8.
    let coverage = Coverage::from_lists(2, [vec![0], vec![0], vec![1]]).expect("valid");
    let c = solve_lscp_capacitated(
        &coverage,
        &[5.0, 5.0, 1.0],
        &[8.0, 100.0],
        &SolveOptions::default(),
    )
    .expect("answers");
    let reason = infeasible_reason(&c.solution.status);
    assert!(
        reason.contains("capacity short: demand points 0, 1 need 10"),
        "{reason}"
    );
    assert!(reason.contains("hold only 8"), "{reason}");

    // Forbid site 1: point 2 has no allowed coverer.
    let options = SolveOptions {
        forbidden: vec![1],
        ..SolveOptions::default()
    };
    let c = solve_lscp_capacitated(&coverage, &[1.0, 1.0, 1.0], &[8.0, 100.0], &options).expect("answers");
    let reason = infeasible_reason(&c.solution.status);
    assert!(
        reason.contains("demand point 2") && reason.contains("no allowed site"),
        "{reason}"
    );
}

/// Shares per point sum to 1, use only open covering sites, and load no site beyond its capacity.
fn check_shares(
    coverage: &Coverage,
    demand: &[f64],
    capacity: &[f64],
    open: &[usize],
    shares: &[Vec<(usize, f64)>],
) {
    let mut load = vec![0.0; capacity.len()];
    for (i, row) in shares.iter().enumerate() {
        assert_relative_eq!(row.iter().map(|s| s.1).sum::<f64>(), 1.0, epsilon = 1e-9);
        for &(j, f) in row {
            assert!(open.contains(&j) && coverage.sites_of(i).contains(&(j as u32)));
            load[j] += f * demand[i];
        }
    }
    for (j, l) in load.iter().enumerate() {
        assert!(*l <= capacity[j] + 1e-9, "site {j} loaded {l} > {}", capacity[j]);
    }
}

/// Whether open sites can serve all demand within capacity, by Gale's theorem (Hall's condition for
/// supplies): every set of points needs no more than the capacity of the open sites covering any of them.
fn hall_feasible(coverage: &Coverage, demand: &[f64], capacity: &[f64], open: &[usize]) -> bool {
    let n = coverage.n_demand();
    (1u32..(1 << n)).all(|set| {
        let points: Vec<usize> = (0..n).filter(|i| set & (1 << i) != 0).collect();
        let need: f64 = points.iter().map(|&i| demand[i]).sum();
        let have: f64 = open
            .iter()
            .filter(|&&j| points.iter().any(|&i| coverage.sites_of(i).contains(&(j as u32))))
            .map(|&j| capacity[j])
            .sum();
        need <= have + 1e-9
    })
}

#[test]
fn capacitated_lscp_matches_enumeration_on_random_instances() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let (mut feasible, mut infeasible) = (0, 0);
    for _ in 0..40 {
        let (n, m) = (rng.random_range(2..9), rng.random_range(2..7));
        let lists: Vec<Vec<usize>> = (0..n)
            .map(|_| (0..m).filter(|_| rng.random_bool(0.5)).collect())
            .collect();
        let coverage = Coverage::from_lists(m, lists).expect("valid");
        let demand: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(0..10u32))).collect();
        let capacity: Vec<f64> = (0..m).map(|_| f64::from(rng.random_range(5..25u32))).collect();
        let brute = (0..=m).find(|&k| {
            subsets(m, k).iter().any(|open| {
                (0..n).all(|i| coverage.sites_of(i).iter().any(|&j| open.contains(&(j as usize))))
                    && hall_feasible(&coverage, &demand, &capacity, open)
            })
        });
        let c =
            solve_lscp_capacitated(&coverage, &demand, &capacity, &SolveOptions::default()).expect("solves");
        match brute {
            Some(k) => {
                feasible += 1;
                assert_eq!(c.solution.status, Status::Optimal);
                assert_eq!(c.solution.sites.len(), k);
                check_shares(&coverage, &demand, &capacity, &c.solution.sites, &c.shares);
            }
            None => {
                infeasible += 1;
                assert!(matches!(c.solution.status, Status::Infeasible { .. }));
            }
        }
    }
    assert!(
        feasible >= 10 && infeasible >= 3,
        "{feasible} feasible, {infeasible} infeasible"
    );
}

/// A time limit returns a plan with its gap rather than nothing (p-center and p-dispersion search in steps).
#[test]
fn time_limits_return_a_plan() {
    let case = case();
    let options = SolveOptions {
        time_limit_s: Some(1e-9),
        ..SolveOptions::default()
    };
    let s = solve_p_center(&case.costs, 4, &options).expect("solves");
    assert_eq!(s.sites.len(), 4);
    assert!(s.bound <= s.objective);
    assert_relative_eq!(s.gap, (s.objective - s.bound) / s.objective);

    // p-dispersion maximises: the greedy plan comes back with an upper bound.
    let pts = store_points();
    let d = Array2::from_shape_fn((16, 16), |(i, j)| {
        ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2)).sqrt()
    });
    let s = solve_p_dispersion(d.view(), 4, &options).expect("solves");
    assert_eq!(s.sites.len(), 4);
    assert!(s.bound >= s.objective && s.objective > 0.0);
}

#[test]
fn sparse_p_median_serves_every_client_or_says_none_can() {
    // Clients 0 and 1 are served only by sites 0 and 1; client 2 (weight 10) by all three, site 2 at cost 0.
    // Greedy opens site 2 first, leaving client 0 or 1 unserved; only {0, 1} serves everyone:
    // 1 + 1 + 10 × 5 = 52.
    let costs = Costs::from_triples(
        3,
        3,
        [(0, 0, 1.0), (1, 1, 1.0), (2, 0, 5.0), (2, 1, 5.0), (2, 2, 0.0)],
    )
    .expect("valid");
    let solution = solve_p_median(&costs, &[1.0, 1.0, 10.0], 2, &SolveOptions::default()).expect("solves");
    assert_eq!(solution.status, Status::Optimal);
    assert_eq!(solution.sites, vec![0, 1]);
    assert_eq!(solution.objective, 52.0);
    assert!(solution.assignment.iter().all(Option::is_some));
}
