//! The queue and site-score models on the Jiangcheng demo city, read as the CLI reads it.

use std::path::Path;
use std::sync::OnceLock;

use branchnet_core::{BranchFormat, Scenario, SiteKind};
use branchnet_score::queue::{QueueModel, erlang_c, servers_needed};
use branchnet_score::site_score::{Criterion, Direction, Factor, Normalise, SiteScoreModel};
use branchnet_score::{ScoreContext, Scores, ScoringModel};
use branchnet_spatial::travel::Euclidean;

/// The demo city and the straight-line travel cost from its cells to its sites, loaded once.
fn demo() -> &'static (Scenario, Euclidean) {
    static DEMO: OnceLock<(Scenario, Euclidean)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo-city/scenario.toml");
        let scenario = branchnet_io::load_scenario(&path)
            .expect("demo city loads")
            .scenario;
        let cells = scenario
            .cells
            .x()
            .iter()
            .zip(scenario.cells.y())
            .map(|(&x, &y)| [x, y])
            .collect();
        let sites = scenario.sites.all().iter().map(|s| [s.x, s.y]).collect();
        let travel = Euclidean::new(cells, sites);
        (scenario, travel)
    })
}

fn run(model: &dyn ScoringModel) -> Scores {
    let (scenario, travel) = demo();
    let computed = Scores::default();
    let ctx = ScoreContext {
        scenario,
        travel,
        computed: &computed,
    };
    model.score(&ctx).expect("scores")
}

#[test]
fn site_score_ranks_every_candidate_with_a_breakdown_that_sums_to_the_score() {
    let model: SiteScoreModel = toml::from_str(
        r#"
        criteria = [
          { factor = "footfall", weight = 3 },
          { factor = "rent", weight = 2, direction = "cost" },
          { factor = "visibility", normalise = "rank" },
          { factor = "floor_area_m2", direction = { ideal = 150 }, normalise = "z-score" },
          { factor = { sum = "population", within = 1000 }, weight = 2 },
          { factor = { sum = "transactions", within = 1000 } },
          { factor = { nearest = "competitor" } },
          { factor = { nearest = "own" } },
          { factor = { count = "competitor", within-m = 500 }, direction = "cost" },
        ]
        "#,
    )
    .expect("criteria parse");
    let scores = run(&model);
    let (scenario, _) = demo();
    let sites = scenario.sites.all();
    let candidates: Vec<usize> = (0..sites.len())
        .filter(|&j| sites[j].kind == SiteKind::Candidate)
        .collect();
    assert_eq!(candidates.len(), 1500);

    // Every candidate ranked once, 1..=1500, best score first; every other site unscored.
    let score = scores.site("score").expect("score");
    let rank = scores.site("rank").expect("rank");
    let mut ranks: Vec<usize> = candidates.iter().map(|&j| rank[j] as usize).collect();
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=1500).collect::<Vec<_>>());
    for &a in &candidates {
        for &b in &candidates {
            if rank[a] < rank[b] {
                assert!(
                    score[a] >= score[b],
                    "rank {} above {} with a lower score",
                    rank[a],
                    rank[b]
                );
            }
        }
    }
    for (j, site) in sites.iter().enumerate() {
        if site.kind != SiteKind::Candidate {
            assert!(
                score[j].is_nan() && rank[j].is_nan(),
                "{} is not a candidate",
                site.id
            );
        }
    }

    // The breakdown sums to the score, and each factor's raw value is what the site says.
    let names: Vec<String> = model.criteria.iter().map(Criterion::column_name).collect();
    for &j in &candidates {
        let parts: f64 = names
            .iter()
            .map(|n| scores.site(n).expect("factor column")[j])
            .sum();
        assert!(
            (parts - score[j]).abs() < 1e-12,
            "{}: {parts} vs {}",
            sites[j].id,
            score[j]
        );
        assert_eq!(
            scores.site("raw.footfall").expect("raw")[j],
            sites[j].attributes["footfall"]
        );
        assert_eq!(Some(scores.site("raw.rent").expect("raw")[j]), sites[j].rent);
    }
    // Min-max and rank factors span their whole scale across 1500 candidates: weight × [0, 1].
    let weight = scores.figure("weight.footfall").expect("weight");
    let footfall: Vec<f64> = candidates
        .iter()
        .map(|&j| scores.site("footfall").expect("f")[j])
        .collect();
    let (lo, hi) = footfall
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert_eq!((lo, hi), (0.0, weight));
    assert!((weight - 3.0 / 13.0).abs() < 1e-15);

    // A derived factor by brute force for one candidate: people within 1 km and the nearest competitor.
    let probe = candidates[0];
    let (px, py) = (sites[probe].x, sites[probe].y);
    let population = scenario.cells.column("population").expect("population");
    let within: f64 = (0..scenario.cells.len())
        .filter(|&i| (scenario.cells.x()[i] - px).hypot(scenario.cells.y()[i] - py) <= 1000.0)
        .map(|i| population[i])
        .sum();
    let raw_people = scores.site("raw.population_within_1000").expect("people")[probe];
    assert!(
        (raw_people - within).abs() <= 1e-9 * within.max(1.0),
        "{raw_people} vs {within}"
    );
    let nearest = sites
        .iter()
        .filter(|s| s.kind == SiteKind::Competitor)
        .map(|s| (s.x - px).hypot(s.y - py))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(
        scores.site("raw.nearest_competitor_m").expect("nearest")[probe],
        nearest
    );
    assert_eq!(scores.figure("scored_sites"), Some(1500.0));
    assert_eq!(scores.figure("excluded_sites"), Some(0.0));
}

#[test]
fn site_score_can_score_own_branches_against_each_other() {
    // Own branches have no footfall: scoring them on it fails naming a branch; on derived factors it works,
    // and two branches sharing one address (JC-011 and JC-012) are 0 m from their nearest own branch.
    let footfall = SiteScoreModel {
        kinds: vec![SiteKind::Own],
        ..SiteScoreModel::new(vec![Criterion::new(Factor::Column("footfall".into()))])
    };
    let (scenario, travel) = demo();
    let computed = Scores::default();
    let ctx = ScoreContext {
        scenario,
        travel,
        computed: &computed,
    };
    let err = footfall
        .score(&ctx)
        .expect_err("own branches lack footfall")
        .to_string();
    assert!(err.contains("site `JC-001`") && err.contains("footfall"), "{err}");

    let model = SiteScoreModel {
        kinds: vec![SiteKind::Own],
        ..SiteScoreModel::new(vec![Criterion {
            direction: Direction::Benefit,
            normalise: Normalise::MinMax,
            ..Criterion::new(Factor::Nearest { kind: SiteKind::Own })
        }])
    };
    let scores = run(&model);
    let sites = scenario.sites.all();
    let raw = scores.site("raw.nearest_own_m").expect("raw");
    let at = |id: &str| sites.iter().position(|s| s.id == id).expect("branch");
    assert_eq!(raw[at("JC-011")], 0.0);
    assert_eq!(raw[at("JC-012")], 0.0);
    assert!(raw[at("JC-001")] > 0.0);
    assert_eq!(scores.figure("scored_sites"), Some(81.0));
}

#[test]
fn queues_of_the_demo_branches_from_their_observed_visits() {
    let model: QueueModel = toml::from_str(
        r#"
        demand = "observed_volume"
        counter-share-by-format = { smart = 0.3 }
        peak-factor = 2.0
        "#,
    )
    .expect("queue config");
    let scores = run(&model);
    let (scenario, _) = demo();
    let sites = scenario.sites.all();
    let column = |name: &str| scores.site(name).expect(name);
    let own: Vec<usize> = (0..sites.len())
        .filter(|&j| sites[j].kind == SiteKind::Own)
        .collect();
    assert_eq!(scores.figure("sites_scored"), Some(own.len() as f64));
    assert_eq!(scores.figure("sites_without_counters"), Some(0.0));
    assert_eq!(scores.figure("sites_without_demand"), Some(0.0));

    // Each branch by hand: visits/year × counter share × peak / (300 days × 8 h), 6 minutes each.
    let mut weighted = (0.0, 0.0);
    for &j in &own {
        let site = &sites[j];
        let share = match site.format {
            Some(BranchFormat::Smart) => 0.3,
            // JC-013 is a self-service point with no counters: no counter queue at all.
            Some(BranchFormat::SelfService) => 0.0,
            _ => 0.6,
        };
        let arrivals = site.observed_volume.expect("visits") * share * 2.0 / 2400.0;
        let load = arrivals * 6.0 / 60.0;
        let counters = site.counters.expect("counters");
        assert!((column("arrivals_per_hour")[j] - arrivals).abs() <= 1e-9 * arrivals);
        let p_wait = if counters == 0 && load == 0.0 {
            0.0
        } else {
            erlang_c(counters, load)
        };
        assert!((column("p_wait")[j] - p_wait).abs() < 1e-12, "{}", site.id);
        let needed = servers_needed(load, 6.0, 15.0, 0.1).expect("reachable");
        assert_eq!(column("counters_needed")[j], f64::from(needed));
        weighted.0 += arrivals * column("p_wait_over")[j];
        weighted.1 += arrivals;
    }
    let share = scores.figure("share_waiting_over").expect("share");
    assert!((share - weighted.0 / weighted.1).abs() < 1e-12);
    assert!((0.0..=1.0).contains(&share));
    for (j, site) in sites.iter().enumerate() {
        if site.kind != SiteKind::Own {
            assert!(column("p_wait")[j].is_nan(), "{} is not scored", site.id);
        }
    }
}

#[test]
fn default_models_run_on_the_demo_city() {
    // What a scenario without `[[scores]]` gets: both models from empty tables.
    let sites: SiteScoreModel = toml::from_str("").expect("site-score defaults");
    let scores = run(&sites);
    assert_eq!(scores.figure("scored_sites"), Some(1500.0));
    assert_eq!(scores.figure("excluded_sites"), Some(0.0));
    // The queue's default demand is the Huff model's output, which has not run here: a clear error.
    let queue: QueueModel = toml::from_str("").expect("queue defaults");
    let (scenario, travel) = demo();
    let computed = Scores::default();
    let ctx = ScoreContext {
        scenario,
        travel,
        computed: &computed,
    };
    let err = queue.score(&ctx).expect_err("no huff.captured").to_string();
    assert!(err.contains("huff.captured"), "{err}");
}
