use super::*;
use branchnet_core::{Cells, FrameDef, Region, RegionLevel, Regions, Scenario, Site, Sites, SourceRef};
use branchnet_spatial::travel::{Euclidean, TravelCost};
use geo_types::MultiPolygon;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn close(a: f64, b: f64, tolerance: f64) {
    assert!(
        (a - b).abs() <= tolerance * b.abs().max(1.0),
        "{a} != {b} (difference {:e})",
        a - b
    );
}

fn site(id: &str, kind: SiteKind, x: f64, y: f64, counters: u32) -> Site {
    let mut s = Site::new(id, kind, 0.0, 0.0, SourceRef { layer: 0, row: 1 });
    s.x = x;
    s.y = y;
    s.counters = Some(counters);
    s
}

fn scenario(cells: Cells, sites: Vec<Site>, n_regions: usize) -> Scenario {
    let region = |k: usize| Region {
        id: format!("r{k}"),
        name: None,
        level: 0,
        parent: None,
        boundary: MultiPolygon::new(vec![]),
    };
    Scenario {
        name: "toy".into(),
        currency: "CNY".into(),
        frame: FrameDef {
            central_meridian_deg: 0.0,
            origin_lat_deg: 0.0,
        },
        cells,
        sites: Sites::new(sites),
        regions: Regions::new(
            vec![RegionLevel {
                name: "district".into(),
            }],
            (0..n_regions).map(region).collect(),
        ),
    }
}

fn cost_of(scenario: &Scenario) -> Euclidean {
    Euclidean::new(
        scenario
            .cells
            .x()
            .iter()
            .zip(scenario.cells.y())
            .map(|(&x, &y)| [x, y])
            .collect(),
        scenario.sites.all().iter().map(|s| [s.x, s.y]).collect(),
    )
}

fn run(model: &Huff, scenario: &Scenario) -> Result<Scores, ScoreError> {
    let cost = cost_of(scenario);
    let computed = Scores::default();
    let ctx = ScoreContext {
        scenario,
        travel: &cost,
        computed: &computed,
    };
    model.score(&ctx)
}

/// The hand-computed toy: two cells, own branches A and C, competitor B, on the x axis.
///
/// ```text
/// cell  x    demand  region        site  x     kind        counters
/// c0    0    100     r0            A     100   own         2
/// c1    300  50      r1            B     −200  competitor  1
///                                  C     600   own         4
/// ```
fn toy() -> Scenario {
    let mut cells = Cells::new(vec![0.0, 300.0], vec![0.0, 0.0]).expect("same length");
    cells.add_column("population", vec![100.0, 50.0]).expect("fits");
    cells.set_regions(0, vec![0, 1]).expect("fits");
    scenario(
        cells,
        vec![
            site("A", SiteKind::Own, 100.0, 0.0, 2),
            site("B", SiteKind::Competitor, -200.0, 0.0, 1),
            site("C", SiteKind::Own, 600.0, 0.0, 4),
        ],
        2,
    )
}

fn toy_model(form: ChoiceForm, decay: Decay, alpha: f64) -> Huff {
    Huff {
        form,
        decay: Some(decay),
        demand: "population".into(),
        cutoff: 500.0,
        attractiveness: BTreeMap::from([("counters".to_string(), alpha)]),
        ..Huff::default()
    }
}

const POWER_2: Decay = Decay::Power {
    beta: 2.0,
    min_distance: 1.0,
    cutoff: None,
};

#[test]
fn huff_on_the_hand_computed_toy() {
    // β = 2, A_j = counters. c0: A at 100 m (2/100² = 2e-4), B at 200 m (1/200² = 0.25e-4), C at 600 m
    // beyond the 500 m cutoff: P_A = 8/9, P_B = 1/9.
    // c1: A at 200 m (2/40,000), B at 500 m (1/250,000; on the cutoff: inside), C at 300 m (4/90,000);
    // over 4.5e6: 225, 18 and 200, so P = 225/443, 18/443, 200/443.
    let scores = run(&toy_model(ChoiceForm::Huff, POWER_2, 1.0), &toy()).expect("scores");
    let captured = scores.site("captured").expect("captured");
    let want = [
        100.0 * 8.0 / 9.0 + 50.0 * 225.0 / 443.0,
        100.0 / 9.0 + 50.0 * 18.0 / 443.0,
        50.0 * 200.0 / 443.0,
    ];
    for (got, want) in captured.iter().zip(want) {
        close(*got, want, 1e-12);
    }
    let own_share = scores.cell("own_share").expect("own share");
    close(own_share[0], 8.0 / 9.0, 1e-12);
    close(own_share[1], 425.0 / 443.0, 1e-12);
    let own_captured = scores.cell("own_captured").expect("own captured");
    close(own_captured[1], 50.0 * 425.0 / 443.0, 1e-12);
    close(
        scores.figure("own_market_share").expect("share"),
        (want[0] + want[2]) / 150.0,
        1e-12,
    );
    assert_eq!(scores.figure("demand_in_reach"), Some(150.0));
    let regions = scores.region("own_market_share").expect("regions");
    close(regions[0], 8.0 / 9.0, 1e-12);
    close(regions[1], 425.0 / 443.0, 1e-12);
    let attractiveness = scores.site("attractiveness").expect("A");
    assert_eq!(attractiveness.len(), 3);
    close(attractiveness[2], 4.0, 1e-12);
    assert!(scores.site("predicted_volume").is_none());
}

#[test]
fn mnl_on_the_hand_computed_toy() {
    // α = ln 2 on counters: A = 2^counters = 4, 2, 16; w = e^{−0.01 d}.
    // c0: 4e^{−1} vs 2e^{−2}: P_A = 2 / (2 + e^{−1}). c1: 4e^{−2}, 2e^{−5}, 16e^{−3}.
    let decay = Decay::ExponentialRate {
        beta: 0.01,
        cutoff: None,
    };
    let scores = run(&toy_model(ChoiceForm::Mnl, decay, 2f64.ln()), &toy()).expect("scores");
    let e = f64::exp;
    let c1 = 4.0 * e(-2.0) + 2.0 * e(-5.0) + 16.0 * e(-3.0);
    let p0a = 2.0 / (2.0 + e(-1.0));
    let want = [
        100.0 * p0a + 50.0 * 4.0 * e(-2.0) / c1,
        100.0 * (1.0 - p0a) + 50.0 * 2.0 * e(-5.0) / c1,
        50.0 * 16.0 * e(-3.0) / c1,
    ];
    for (got, want) in scores.site("captured").expect("captured").iter().zip(want) {
        close(*got, want, 1e-12);
    }
    close(scores.cell("own_share").expect("share")[0], p0a, 1e-12);
}

#[test]
fn candidates_are_outside_the_choice_set_unless_asked_and_count_as_own() {
    let mut scenario = toy();
    let mut sites = scenario.sites.all().to_vec();
    sites.push(site("N", SiteKind::Candidate, 0.0, 100.0, 2));
    scenario.sites = Sites::new(sites);
    let scores = run(&toy_model(ChoiceForm::Huff, POWER_2, 1.0), &scenario).expect("scores");
    assert!(scores.site("captured").expect("captured")[3].is_nan());
    close(scores.cell("own_share").expect("share")[0], 8.0 / 9.0, 1e-12);
    // With candidates, c0 also sees N at 100 m with counters 2: 2e-4 : 0.25e-4 : 2e-4, own share 16/17;
    // c1 sees N at √(300² + 100²) m: 2/100,000, i.e. 90 over 4.5e6 next to A 225, B 18, C 200.
    let model = Huff {
        site_kinds: vec![SiteKind::Own, SiteKind::Competitor, SiteKind::Candidate],
        ..toy_model(ChoiceForm::Huff, POWER_2, 1.0)
    };
    let scores = run(&model, &scenario).expect("scores");
    close(scores.cell("own_share").expect("share")[0], 16.0 / 17.0, 1e-12);
    close(
        scores.site("captured").expect("captured")[3],
        100.0 * 8.0 / 17.0 + 50.0 * 90.0 / 533.0,
        1e-12,
    );
}

/// Random cells and sites in a 20 km square with counters 1–8 and demand 1–100; two sites in three own.
struct Synthetic {
    cells: Vec<[f64; 2]>,
    sites: Vec<[f64; 2]>,
    demand: Vec<f64>,
    counters: Vec<f64>,
    own: Vec<bool>,
}

fn synthetic(seed: u64, n_cells: usize, n_sites: usize) -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut point = || [rng.random_range(0.0..20_000.0), rng.random_range(0.0..20_000.0)];
    let cells = (0..n_cells).map(|_| point()).collect();
    let sites = (0..n_sites).map(|_| point()).collect();
    Synthetic {
        cells,
        sites,
        demand: (0..n_cells).map(|_| rng.random_range(1.0..100.0)).collect(),
        counters: (0..n_sites).map(|_| f64::from(rng.random_range(1..=8))).collect(),
        own: (0..n_sites).map(|j| j % 3 != 0).collect(),
    }
}

#[test]
fn capture_matches_a_dense_brute_force_for_every_decay() {
    let data = synthetic(7, 2000, 60);
    let cost = Euclidean::new(data.cells.clone(), data.sites.clone());
    let cutoff = 6000.0;
    let pairs = cost.within(cutoff, None);
    let alpha = 0.8;
    let log_a: Vec<f64> = data.counters.iter().map(|c| alpha * c.ln()).collect();
    let decays = [
        Decay::Power {
            beta: 2.0,
            min_distance: 150.0,
            cutoff: None,
        },
        Decay::Power {
            beta: 1.7,
            min_distance: 150.0,
            cutoff: Some(5000.0),
        },
        Decay::ExponentialRate {
            beta: 0.0008,
            cutoff: None,
        },
        Decay::Exponential {
            scale: 900.0,
            cutoff: None,
        },
        Decay::Gaussian {
            bandwidth: 2000.0,
            cutoff: Some(4000.0),
        },
        Decay::Step { radius: 3000.0 },
        Decay::Linear {
            radius: 5000.0,
            full_radius: 500.0,
        },
    ];
    for decay in decays {
        let got = huff_capture(&pairs, &data.demand, &log_a, &decay, &data.own);
        // Dense: every cell against every site, u = counters^α · w(d) straight from the definitions.
        let mut captured = vec![0.0; data.sites.len()];
        for (i, c) in data.cells.iter().enumerate() {
            let u: Vec<f64> = data
                .sites
                .iter()
                .zip(&data.counters)
                .map(|(s, &k)| {
                    let d = ((c[0] - s[0]).powi(2) + (c[1] - s[1]).powi(2)).sqrt();
                    if d <= cutoff {
                        k.powf(alpha) * decay.weight(d)
                    } else {
                        0.0
                    }
                })
                .collect();
            let total: f64 = u.iter().sum();
            if total == 0.0 {
                assert!(got.own_share[i].is_nan(), "{decay:?}: cell {i} reaches nothing");
                continue;
            }
            let own: f64 = u.iter().zip(&data.own).filter(|(_, o)| **o).map(|(u, _)| u).sum();
            close(got.own_share[i], own / total, 1e-12);
            for (c, uj) in captured.iter_mut().zip(&u) {
                *c += data.demand[i] * uj / total;
            }
        }
        for (g, w) in got.captured.iter().zip(&captured) {
            close(*g, *w, 1e-11);
        }
        // Every unit of demand in reach is captured by someone.
        let in_reach: f64 = got
            .own_share
            .iter()
            .zip(&data.demand)
            .filter(|(s, _)| !s.is_nan())
            .map(|(_, d)| d)
            .sum();
        close(got.captured.iter().sum(), in_reach, 1e-12);
    }
}

#[test]
fn rows_that_underflow_are_redone_in_log_space() {
    // Site 0 is e^800 times as attractive as sites 1 and 2 (MNL utilities 800, 0, 0.5): relative to it,
    // the others underflow to 0. Cell 1 reaches only sites 1 and 2, 100 m and 200 m away.
    let cost = Euclidean::new(
        vec![[0.0, 0.0], [10_000.0, 0.0]],
        vec![[0.0, 50.0], [10_100.0, 0.0], [10_000.0, 200.0]],
    );
    let pairs = cost.within(1000.0, None);
    let decay = Decay::ExponentialRate {
        beta: 0.01,
        cutoff: None,
    };
    let capture = huff_capture(
        &pairs,
        &[10.0, 30.0],
        &[800.0, 0.0, 0.5],
        &decay,
        &[true, true, false],
    );
    // Cell 1: e^{0 − 1} : e^{0.5 − 2} = 1 : e^{−0.5}.
    let p1 = 1.0 / (1.0 + (-0.5f64).exp());
    close(capture.own_share[1], p1, 1e-12);
    close(capture.captured[1], 30.0 * p1, 1e-12);
    close(capture.captured[2], 30.0 * (1.0 - p1), 1e-12);
    close(capture.captured[0], 10.0, 1e-12);
}

#[test]
fn capture_does_not_depend_on_the_thread_count() {
    let data = synthetic(8, 20_000, 80);
    let cost = Euclidean::new(data.cells.clone(), data.sites.clone());
    let pairs = cost.within(5000.0, None);
    let log_a: Vec<f64> = data.counters.iter().map(|c| c.ln()).collect();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(|| huff_capture(&pairs, &data.demand, &log_a, &POWER_2, &data.own));
    let many = huff_capture(&pairs, &data.demand, &log_a, &POWER_2, &data.own);
    assert_eq!(one.captured, many.captured);
}

/// Volumes of the own sites generated from known parameters: `κ Σ_i D_i P_ij(α, β)` (exact) or that
/// plus normal noise of a Poisson's variance (rounded to whole visits); NaN for competitors.
fn volumes(
    data: &Synthetic,
    pairs: &Neighbours,
    decay: &Decay,
    alpha: f64,
    kappa: f64,
    noise: Option<u64>,
) -> Vec<f64> {
    let log_a: Vec<f64> = data.counters.iter().map(|c| alpha * c.ln()).collect();
    let capture = huff_capture(pairs, &data.demand, &log_a, decay, &data.own);
    let mut rng = noise.map(ChaCha8Rng::seed_from_u64);
    capture
        .captured
        .iter()
        .zip(&data.own)
        .map(|(&c, &own)| {
            if !own {
                return f64::NAN;
            }
            let mu = kappa * c;
            match rng.as_mut() {
                None => mu,
                Some(rng) => {
                    // Box–Muller standard normal.
                    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
                    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                    (mu + mu.sqrt() * z).round().max(0.0)
                }
            }
        })
        .collect()
}

#[test]
fn calibration_recovers_known_parameters_from_exact_volumes() {
    let data = synthetic(21, 6000, 45);
    let cost = Euclidean::new(data.cells.clone(), data.sites.clone());
    let pairs = cost.within(8000.0, None);
    let features = vec![data.counters.iter().map(|c| c.ln()).collect::<Vec<f64>>()];
    let problem = ChoiceProblem {
        pairs: &pairs,
        demand: &data.demand,
        features: &features,
    };
    let cases = [
        (
            Decay::Power {
                beta: 1.8,
                min_distance: 100.0,
                cutoff: None,
            },
            Decay::Power {
                beta: 1.0,
                min_distance: 100.0,
                cutoff: None,
            },
        ),
        (
            Decay::ExponentialRate {
                beta: 0.0006,
                cutoff: None,
            },
            Decay::ExponentialRate {
                beta: 0.001,
                cutoff: None,
            },
        ),
        (
            Decay::Gaussian {
                bandwidth: 3000.0,
                cutoff: None,
            },
            Decay::Gaussian {
                bandwidth: 2000.0,
                cutoff: None,
            },
        ),
    ];
    for (truth, start) in cases {
        let exact = volumes(&data, &pairs, &truth, 0.7, 3.5, None);
        // Two own branches without a volume: reported, not fitted.
        let own_sites: Vec<usize> = (0..data.sites.len()).filter(|&j| data.own[j]).collect();
        let mut observed = exact.clone();
        observed[own_sites[0]] = f64::NAN;
        observed[own_sites[5]] = f64::NAN;
        for objective in [Objective::LeastSquares, Objective::Poisson] {
            let options = FitOptions {
                objective,
                ..FitOptions::default()
            };
            let fit = calibrate(&problem, &[0.0], &start, &data.own, &observed, &options).expect("fits");
            let message = format!("{truth:?} {objective:?}: {fit:?}");
            assert!(fit.converged && fit.iterations <= 40, "{message}");
            close(fit.coefficients[0], 0.7, 1e-6);
            let truth_rate = LogDecay::of(&truth).rate().expect("log-linear");
            close(fit.rate / truth_rate, 1.0, 1e-6);
            assert_eq!(fit.decay.check(), Ok(()));
            close(fit.volume_per_demand, 3.5, 1e-6);
            close(fit.r_squared, 1.0, 1e-9);
            close(fit.pseudo_r_squared, 1.0, 1e-9);
            assert_eq!(fit.missing, vec![own_sites[0], own_sites[5]], "{message}");
            assert_eq!(fit.observed, own_sites.len() - 2);
            // The prediction for an unobserved own branch is what the true model gives it.
            close(fit.predicted[own_sites[0]] / exact[own_sites[0]], 1.0, 1e-6);
        }
    }
}

#[test]
fn calibration_on_noisy_volumes_lands_within_its_standard_errors() {
    let data = synthetic(33, 8000, 150);
    let cost = Euclidean::new(data.cells.clone(), data.sites.clone());
    let pairs = cost.within(8000.0, None);
    let features = vec![data.counters.iter().map(|c| c.ln()).collect::<Vec<f64>>()];
    let problem = ChoiceProblem {
        pairs: &pairs,
        demand: &data.demand,
        features: &features,
    };
    let power = |beta: f64| Decay::Power {
        beta,
        min_distance: 100.0,
        cutoff: None,
    };
    let observed = volumes(&data, &pairs, &power(1.5), 0.6, 2.0, Some(5));
    let fit = calibrate(
        &problem,
        &[1.0],
        &power(2.5),
        &data.own,
        &observed,
        &FitOptions::default(),
    )
    .expect("fits");
    assert!(fit.converged);
    let (name, beta, beta_se) = fit.decay_parameter();
    assert_eq!(name, "beta");
    let alpha_se = fit.std_errors[0];
    assert!(
        beta_se > 0.0 && beta_se < 0.1 && alpha_se > 0.0 && alpha_se < 0.1,
        "{fit:?}"
    );
    assert!((beta - 1.5).abs() < 4.0 * beta_se, "beta {beta} ± {beta_se}");
    assert!(
        (fit.coefficients[0] - 0.6).abs() < 4.0 * alpha_se,
        "alpha {:?} ± {alpha_se}",
        fit.coefficients
    );
    assert!(fit.r_squared > 0.9 && fit.r_squared < 1.0, "{}", fit.r_squared);
    assert!(fit.log_likelihood.is_finite() && fit.log_likelihood < 0.0);
    // Least squares on the same data agrees with the Poisson fit within the noise.
    let least_squares = FitOptions {
        objective: Objective::LeastSquares,
        ..FitOptions::default()
    };
    let ls = calibrate(
        &problem,
        &[1.0],
        &power(2.5),
        &data.own,
        &observed,
        &least_squares,
    )
    .expect("fits");
    assert!(
        (ls.rate - fit.rate).abs() < 4.0 * beta_se,
        "{} vs {}",
        ls.rate,
        fit.rate
    );
    // At the optimum, no small move of a parameter improves the Poisson log-likelihood (κ profiled out).
    let rows: Vec<usize> = (0..data.sites.len()).filter(|&j| data.own[j]).collect();
    let log_likelihood_at = |alpha: f64, beta: f64| {
        let log_a: Vec<f64> = data.counters.iter().map(|c| alpha * c.ln()).collect();
        let captured = huff_capture(&pairs, &data.demand, &log_a, &power(beta), &data.own).captured;
        let kappa =
            rows.iter().map(|&j| observed[j]).sum::<f64>() / rows.iter().map(|&j| captured[j]).sum::<f64>();
        rows.iter()
            .map(|&j| observed[j] * (kappa * captured[j]).ln() - kappa * captured[j])
            .sum::<f64>()
    };
    let best = log_likelihood_at(fit.coefficients[0], beta);
    for (da, db) in [(1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)] {
        assert!(log_likelihood_at(fit.coefficients[0] + da, beta + db) < best);
    }
}

#[test]
fn calibration_refuses_what_it_cannot_fit() {
    let data = synthetic(4, 500, 12);
    let cost = Euclidean::new(data.cells.clone(), data.sites.clone());
    let pairs = cost.within(8000.0, None);
    let features = vec![data.counters.iter().map(|c| c.ln()).collect::<Vec<f64>>()];
    let problem = ChoiceProblem {
        pairs: &pairs,
        demand: &data.demand,
        features: &features,
    };
    let observed = volumes(&data, &pairs, &POWER_2, 1.0, 1.0, None);
    let step = Decay::Step { radius: 1000.0 };
    let err = calibrate(
        &problem,
        &[1.0],
        &step,
        &data.own,
        &observed,
        &FitOptions::default(),
    );
    assert!(matches!(err, Err(ScoreError::BadParameter { .. })), "{err:?}");
    // Three observed own branches for four parameters.
    let few: Vec<bool> = (0..12).map(|j| j == 1 || j == 2 || j == 4).collect();
    let err = calibrate(
        &problem,
        &[1.0],
        &POWER_2,
        &few,
        &observed,
        &FitOptions::default(),
    )
    .expect_err("too few");
    assert!(err.to_string().contains("at least 4"), "{err}");
    let mut negative = observed.clone();
    negative[1] = -5.0;
    let err = calibrate(
        &problem,
        &[1.0],
        &POWER_2,
        &data.own,
        &negative,
        &FitOptions::default(),
    )
    .expect_err("negative");
    assert!(err.to_string().contains("site 1"), "{err}");
}

/// A scenario of 5,000 cells and 60 sites whose own branches carry volumes from β = 1.6, α = 0.9,
/// κ = 12 (branch S1 has none).
fn city_with_volumes() -> (Scenario, Synthetic) {
    let data = synthetic(55, 5000, 60);
    let truth = Decay::Power {
        beta: 1.6,
        min_distance: 100.0,
        cutoff: None,
    };
    let cost = Euclidean::new(data.cells.clone(), data.sites.clone());
    let pairs = cost.within(8000.0, None);
    let observed = volumes(&data, &pairs, &truth, 0.9, 12.0, None);
    let mut cells = Cells::new(
        data.cells.iter().map(|p| p[0]).collect(),
        data.cells.iter().map(|p| p[1]).collect(),
    )
    .expect("same length");
    cells.add_column("population", data.demand.clone()).expect("fits");
    let sites = data
        .sites
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let kind = if data.own[j] {
                SiteKind::Own
            } else {
                SiteKind::Competitor
            };
            let mut s = site(&format!("S{j}"), kind, p[0], p[1], data.counters[j] as u32);
            s.observed_volume = (data.own[j] && j != 1).then_some(observed[j]);
            s
        })
        .collect();
    (scenario(cells, sites, 0), data)
}

#[test]
fn the_model_calibrates_then_scores_with_the_fitted_parameters() {
    let (scenario, data) = city_with_volumes();
    let model: Huff = toml::from_str(
        r#"
        demand = "population"
        cutoff = 8000.0
        attractiveness = { counters = 0.5 }
        calibrate = "poisson"
        "#,
    )
    .expect("valid");
    let scores = run(&model, &scenario).expect("scores");
    close(scores.figure("fit_beta").expect("beta"), 1.6, 1e-6);
    close(scores.figure("fit_alpha_counters").expect("alpha"), 0.9, 1e-6);
    close(scores.figure("fit_volume_per_demand").expect("kappa"), 12.0, 1e-6);
    assert_eq!(scores.figure("fit_converged"), Some(1.0));
    assert_eq!(scores.figure("fit_missing"), Some(1.0)); // S1 has no volume
    let n_own = data.own.iter().filter(|o| **o).count();
    assert_eq!(scores.figure("fit_observed"), Some((n_own - 1) as f64));
    // Poisson standard errors come from the Fisher information: not 0 even for a perfect fit.
    let se = scores.figure("fit_beta_se").expect("se");
    assert!(se > 0.0 && se < 0.05, "{se}");
    // Scored with the fitted parameters: the predicted volumes are the observed ones, and
    // `predicted_volume` is κ · `captured`.
    let predicted = scores.site("predicted_volume").expect("predicted");
    for (j, s) in scenario.sites.all().iter().enumerate() {
        if let Some(v) = s.observed_volume {
            close(predicted[j] / v, 1.0, 1e-6);
        }
    }
    let captured = scores.site("captured").expect("captured");
    close(predicted[0], 12.0 * captured[0], 1e-6);
    // A negative volume is refused with the branch's id.
    let mut bad = scenario.clone();
    bad.sites.all_mut()[2].observed_volume = Some(-1.0);
    let err = run(&model, &bad).expect_err("negative volume");
    assert!(err.to_string().contains("site `S2`"), "{err}");
}

#[test]
fn bad_inputs_and_parameters_are_named() {
    let mut scenario = toy();
    scenario.sites.all_mut()[1].counters = None;
    let err = run(&toy_model(ChoiceForm::Huff, POWER_2, 1.0), &scenario).expect_err("no counters");
    let text = err.to_string();
    assert!(text.contains("site `B`") && text.contains("counters"), "{text}");
    // Neutral: B's missing counters count as factor 1, the same as counters = 1.
    let model = Huff {
        missing_attribute: MissingAttribute::Neutral,
        ..toy_model(ChoiceForm::Huff, POWER_2, 1.0)
    };
    let neutral = run(&model, &scenario).expect("scores");
    let reference = run(&toy_model(ChoiceForm::Huff, POWER_2, 1.0), &toy()).expect("scores");
    assert_eq!(neutral.site("captured"), reference.site("captured"));
    // Huff needs attributes > 0; MNL takes 0.
    let mut scenario = toy();
    scenario.sites.all_mut()[0].counters = Some(0);
    let err = run(&toy_model(ChoiceForm::Huff, POWER_2, 1.0), &scenario).expect_err("zero");
    assert!(err.to_string().contains("site `A`"), "{err}");
    assert!(run(&toy_model(ChoiceForm::Mnl, POWER_2, 1.0), &scenario).is_ok());
    let model = Huff {
        cutoff: 0.0,
        ..toy_model(ChoiceForm::Huff, POWER_2, 1.0)
    };
    assert!(matches!(
        run(&model, &toy()),
        Err(ScoreError::BadParameter { ref parameter, .. }) if parameter == "cutoff"
    ));
    let model = Huff {
        decay: Some(Decay::Power {
            beta: 2.0,
            min_distance: 0.0,
            cutoff: None,
        }),
        ..toy_model(ChoiceForm::Huff, POWER_2, 1.0)
    };
    assert!(matches!(
        run(&model, &toy()),
        Err(ScoreError::BadParameter { ref parameter, .. }) if parameter == "decay.min-distance"
    ));
    let model = Huff {
        calibrate: Some(Objective::Poisson),
        decay: Some(Decay::Step { radius: 400.0 }),
        ..toy_model(ChoiceForm::Huff, POWER_2, 1.0)
    };
    let err = run(&model, &toy()).expect_err("step decay");
    assert!(
        matches!(err, ScoreError::BadParameter { ref model, .. } if model == "huff"),
        "{err}"
    );
}

#[test]
fn config_is_kebab_case_with_defaults_and_refuses_unknown_keys() {
    let model: Huff = toml::from_str("").expect("all defaults");
    assert_eq!(model, Huff::default());
    assert_eq!(model.name(), "huff");
    assert_eq!(
        model.effective_decay(),
        Ok(Decay::Power {
            beta: 2.0,
            min_distance: 100.0,
            cutoff: None
        })
    );
    let model: Huff = toml::from_str(
        r#"
        form = "mnl"
        site-kinds = ["own", "competitor", "candidate"]
        attractiveness = { counters = 0.3, visibility = 1.2 }
        missing-attribute = "neutral"
        calibrate = "least-squares"
        observed = "visits"
        max-iterations = 50
        "#,
    )
    .expect("valid");
    assert_eq!(model.form, ChoiceForm::Mnl);
    assert_eq!(
        model.effective_decay(),
        Ok(Decay::ExponentialRate {
            beta: 0.001,
            cutoff: None
        })
    );
    assert_eq!(model.calibrate, Some(Objective::LeastSquares));
    assert!(toml::from_str::<Huff>("beta = 2.0").is_err());
    assert!(toml::from_str::<Huff>("calibrate = \"ml\"").is_err());
}

/// Huff on 1,000,000 cells × 2,000 sites (own and competitors) with a cutoff, power and exponential decay.
/// `cargo test --release -p branchnet-score --lib huff_at_scale -- --ignored --nocapture`
#[test]
#[ignore = "scale run: reports timings"]
#[allow(clippy::print_stderr)]
fn huff_at_scale() {
    use std::time::Instant;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // A 100 km × 100 km province, sites denser towards the centre.
    let n = 1_000_000;
    let m = 2000;
    let cells: Vec<[f64; 2]> = (0..n)
        .map(|_| [rng.random_range(0.0..100_000.0), rng.random_range(0.0..100_000.0)])
        .collect();
    let sites: Vec<[f64; 2]> = (0..m)
        .map(|_| {
            let r = 40_000.0 * rng.random::<f64>().powf(1.5);
            let t = rng.random_range(0.0..std::f64::consts::TAU);
            [50_000.0 + r * t.cos(), 50_000.0 + r * t.sin()]
        })
        .collect();
    let demand: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..200.0)).collect();
    let log_a: Vec<f64> = (0..m).map(|_| f64::from(rng.random_range(1..=8)).ln()).collect();
    let own: Vec<bool> = (0..m).map(|j| j % 4 != 0).collect();
    let cost = Euclidean::new(cells, sites);
    for cutoff in [5000.0, 10_000.0] {
        let t = Instant::now();
        let pairs = cost.within(cutoff, None);
        let t_pairs = t.elapsed();
        for decay in [
            Decay::Power {
                beta: 2.0,
                min_distance: 100.0,
                cutoff: None,
            },
            Decay::Power {
                beta: 1.5,
                min_distance: 100.0,
                cutoff: None,
            },
            Decay::Power {
                beta: 1.7,
                min_distance: 100.0,
                cutoff: None,
            },
            Decay::ExponentialRate {
                beta: 0.0005,
                cutoff: None,
            },
        ] {
            let t = Instant::now();
            let capture = huff_capture(&pairs, &demand, &log_a, &decay, &own);
            let t_capture = t.elapsed();
            eprintln!(
                "cutoff {cutoff} m: {} pairs ({:.1}/cell); within {:.2} s; capture {:?} {:.2} s; captured {:.0}",
                pairs.n_pairs(),
                pairs.n_pairs() as f64 / n as f64,
                t_pairs.as_secs_f64(),
                decay,
                t_capture.as_secs_f64(),
                capture.captured.iter().sum::<f64>()
            );
        }
    }
    // Calibration at scale: volumes from β = 1.8 and α = 0.7 on counters, fitted from β = 2, α = 1.
    let pairs = cost.within(5000.0, None);
    let features = vec![log_a.clone()];
    let problem = ChoiceProblem {
        pairs: &pairs,
        demand: &demand,
        features: &features,
    };
    let truth = Decay::Power {
        beta: 1.8,
        min_distance: 100.0,
        cutoff: None,
    };
    let true_log_a: Vec<f64> = log_a.iter().map(|a| 0.7 * a).collect();
    let captured = huff_capture(&pairs, &demand, &true_log_a, &truth, &own).captured;
    let observed: Vec<f64> = captured
        .iter()
        .zip(&own)
        .map(|(c, &o)| if o { 0.01 * c } else { f64::NAN })
        .collect();
    let start = Decay::Power {
        beta: 2.0,
        min_distance: 100.0,
        cutoff: None,
    };
    let t = Instant::now();
    let fit = calibrate(&problem, &[1.0], &start, &own, &observed, &FitOptions::default()).expect("fits");
    eprintln!(
        "calibration on {} pairs, {} observed branches: {:.2} s, {} iterations, converged {}, beta {:.6}, alpha {:.6}",
        pairs.n_pairs(),
        fit.observed,
        t.elapsed().as_secs_f64(),
        fit.iterations,
        fit.converged,
        fit.rate,
        fit.coefficients[0]
    );
}

/// The Jiangcheng demo city (data/demo-city): Huff calibrated to the 81 own branches' observed volumes
/// (generated by the synthesiser from catchment population, not from a Huff model, so only plausibility
/// is asserted), and access per district.
#[test]
#[allow(clippy::print_stderr)]
fn demo_city_calibrates_and_access_falls_from_core_to_counties() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/demo-city/scenario.toml");
    let scenario = branchnet_io::load_scenario(std::path::Path::new(path))
        .expect("the demo city loads")
        .scenario;
    let huff: Huff = toml::from_str(
        r#"
        # Self-service branches have 0 counters, so counters enter additively (MNL form) with a power
        # distance decay.
        form = "mnl"
        decay = { kind = "power", beta = 2.0, min-distance = 100.0 }
        demand = "population"
        cutoff = 10000.0
        attractiveness = { counters = 0.1 }
        calibrate = "poisson"
        "#,
    )
    .expect("valid");
    let scores = run(&huff, &scenario).expect("scores");
    let figure = |name: &str| scores.figure(name).unwrap_or(f64::NAN);
    for name in [
        "fit_beta",
        "fit_beta_se",
        "fit_alpha_counters",
        "fit_alpha_counters_se",
        "fit_r_squared",
        "fit_pseudo_r_squared",
        "fit_iterations",
        "fit_observed",
        "own_market_share",
    ] {
        eprintln!("demo city huff {name} = {}", figure(name));
    }
    assert_eq!(figure("fit_converged"), 1.0);
    assert_eq!(figure("fit_observed"), 81.0);
    assert_eq!(figure("fit_missing"), 0.0);
    assert!(figure("fit_beta") > 0.0 && figure("fit_beta") < 5.0);
    // The synthesiser made the volumes from the population within 1.5 km shared among own branches,
    // format factors, noise and clamps, ignoring competitors: no Huff model with competitors explains them
    // better than their mean (pseudo-R² < 0). The fit must still be the best of its family: no point of a
    // grid over (β, α) has a smaller Poisson deviance.
    let sites = scenario.sites.all();
    let in_set: Vec<bool> = sites.iter().map(|s| s.kind != SiteKind::Candidate).collect();
    let pairs = cost_of(&scenario).within(10_000.0, Some(&in_set));
    let own: Vec<bool> = sites.iter().map(|s| s.kind == SiteKind::Own).collect();
    let demand = scenario.cells.column("population").expect("population");
    let counters: Vec<f64> = sites.iter().map(|s| f64::from(s.counters.unwrap_or(0))).collect();
    let rows: Vec<usize> = (0..sites.len()).filter(|&j| own[j]).collect();
    let observed: Vec<f64> = rows
        .iter()
        .map(|&j| sites[j].observed_volume.expect("a volume"))
        .collect();
    let mean = observed.iter().sum::<f64>() / observed.len() as f64;
    let deviance = |mu: &dyn Fn(usize) -> f64| -> f64 {
        observed
            .iter()
            .enumerate()
            .map(|(r, &v)| 2.0 * (v * (v / mu(r)).ln() - (v - mu(r))))
            .sum()
    };
    let null = deviance(&|_| mean);
    for beta in [0.5, 1.0, 1.5, 2.0, 3.0] {
        for alpha in [0.0, 0.05, 0.2] {
            let decay = Decay::Power {
                beta,
                min_distance: 100.0,
                cutoff: None,
            };
            let log_a: Vec<f64> = counters.iter().map(|c| alpha * c).collect();
            let captured = huff_capture(&pairs, demand, &log_a, &decay, &own).captured;
            let kappa = observed.iter().sum::<f64>() / rows.iter().map(|&j| captured[j]).sum::<f64>();
            let pseudo = 1.0 - deviance(&|r| kappa * captured[rows[r]]) / null;
            assert!(
                figure("fit_pseudo_r_squared") >= pseudo,
                "β {beta}, α {alpha}: {pseudo}"
            );
        }
    }
    assert!(figure("own_market_share") > 0.0 && figure("own_market_share") < 1.0);
    // Every own branch captures something; competitors too; candidates are outside the choice set.
    let captured = scores.site("captured").expect("captured");
    for (s, c) in scenario.sites.all().iter().zip(captured) {
        match s.kind {
            SiteKind::Candidate => assert!(c.is_nan()),
            _ => assert!(*c > 0.0, "{}", s.id),
        }
    }

    let access: crate::access::Access = toml::from_str(
        r#"
        demand = "population"
        supply = "counters"
        catchment = 3000.0
        "#,
    )
    .expect("valid");
    let cost = cost_of(&scenario);
    let computed = Scores::default();
    let ctx = ScoreContext {
        scenario: &scenario,
        travel: &cost,
        computed: &computed,
    };
    let scores = access.score(&ctx).expect("access");
    let regions = scores.region("access").expect("region access");
    let by_id = |id: &str| {
        let k = scenario
            .regions
            .all()
            .iter()
            .position(|r| r.id == id)
            .expect("a district");
        regions[k]
    };
    for name in [
        "mean_access",
        "gini_access",
        "share_population_without_access",
        "share_elderly_beyond_2km",
    ] {
        eprintln!(
            "demo city access {name} = {}",
            scores.figure(name).unwrap_or(f64::NAN)
        );
    }
    for id in ["JC01", "JC02", "JC05", "JC08"] {
        eprintln!("demo city access {id} = {:.3e} counters per resident", by_id(id));
    }
    // The old core (Laocheng, JC01) has most branches; Xinhe (JC02) few for its people; counties sparse.
    assert!(by_id("JC01") > by_id("JC02"));
    assert!(by_id("JC01") > by_id("JC05") && by_id("JC01") > by_id("JC08"));
    let gini = scores.figure("gini_access").expect("gini");
    assert!(gini > 0.0 && gini < 1.0);
    let far = scores.figure("share_elderly_beyond_2km").expect("share");
    assert!(far > 0.0 && far < 1.0);
}
