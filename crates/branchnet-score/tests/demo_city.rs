//! The demand-potential, coverage and gaps models on the Jiangcheng demo city (data/demo-city): blank areas
//! where the README says the new development district lacks branches (Xinhe, JC02), dense areas where it says
//! the old core has clusters of them (Laocheng, JC01).

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use branchnet_core::{NO_REGION, RegionIdx, Scenario};
use branchnet_score::coverage::Coverage;
use branchnet_score::gaps::{BlankArea, GapReport, Gaps};
use branchnet_score::potential::Potential;
use branchnet_score::{ScoreContext, Scores, ScoringModel};
use branchnet_spatial::travel::Euclidean;

fn demo() -> &'static Scenario {
    static DEMO: OnceLock<Scenario> = OnceLock::new();
    DEMO.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo-city/scenario.toml");
        branchnet_io::load_scenario(&path)
            .expect("the demo city loads")
            .scenario
    })
}

fn travel(scenario: &Scenario) -> Euclidean {
    let cells = scenario
        .cells
        .x()
        .iter()
        .zip(scenario.cells.y())
        .map(|(&x, &y)| [x, y])
        .collect();
    let sites = scenario.sites.all().iter().map(|s| [s.x, s.y]).collect();
    Euclidean::new(cells, sites)
}

/// Runs models in order as the scenario runner does: each sees the prefixed columns of those before it.
/// Returns the scores and the time each model took.
fn run(models: &[&dyn ScoringModel], scenario: &Scenario, travel: &Euclidean) -> (Scores, Vec<Duration>) {
    let mut scores = Scores::default();
    let mut times = Vec::new();
    for model in models {
        let start = Instant::now();
        let out = model
            .score(&ScoreContext {
                scenario,
                travel,
                computed: &scores,
            })
            .unwrap_or_else(|e| panic!("{} scores the demo city: {e}", model.name()));
        times.push(start.elapsed());
        scores.absorb(model.name(), out);
    }
    (scores, times)
}

/// The potential as a planner would configure it for the demo city.
fn potential() -> Potential {
    toml::from_str(
        r#"
        horizon-years = 5
        elderly-column = "elderly"
        terms = [
            { column = "population", weight = 0.6 },
            { column = "transactions", weight = 0.3 },
            { column = "elderly", weight = 0.1 },
        ]
        "#,
    )
    .expect("the potential config parses")
}

fn gaps(extra: &str) -> Gaps {
    toml::from_str(&format!("future = \"potential.future\"\n{extra}")).expect("the gaps config parses")
}

/// The id of region `r` (`-` for none).
fn id(scenario: &Scenario, r: RegionIdx) -> &str {
    if r == NO_REGION {
        return "-";
    }
    scenario.regions.get(r).map_or("?", |r| r.id.as_str())
}

/// The region index of a district by id.
fn district(scenario: &Scenario, district_id: &str) -> usize {
    scenario
        .regions
        .of_level(0)
        .find(|(_, r)| r.id == district_id)
        .map(|(i, _)| i as usize)
        .unwrap_or_else(|| panic!("district {district_id}"))
}

#[allow(
    clippy::print_stderr,
    reason = "the test reports the demo city's findings under --nocapture"
)]
fn report(scenario: &Scenario, scores: &Scores, gaps: &GapReport, times: &[Duration]) {
    let figures: Vec<String> = scores
        .figures
        .iter()
        .map(|f| format!("{} {:.3}", f.name, f.value))
        .collect();
    eprintln!("figures: {}", figures.join(", "));
    let share = scores.region("coverage.covered_share_population");
    let blank = scores.region("gaps.blank_potential");
    for (r, region) in scenario.regions.of_level(0) {
        let at = |c: Option<&[f64]>| c.map_or(f64::NAN, |c| c[r as usize]);
        eprintln!(
            "{}: covered share {:.3}, elderly {:.3}, rural {:.3}, blank potential {:.0}, potential change {:.3}",
            region.id,
            at(share),
            at(scores.region("coverage.covered_share_elderly")),
            at(scores.region("coverage.covered_share_rural")),
            at(blank),
            at(scores.region("potential.change")),
        );
    }
    eprintln!(
        "cells {}, own branches {}; potential {:?}, coverage {:?}, gaps {:?}",
        scenario.cells.len(),
        gaps.overlaps.branches.len(),
        times[0],
        times[1],
        times[2]
    );
    for a in gaps.blank.iter().take(8) {
        eprintln!(
            "blank #{}: {} / {}, {} cells, {:.1} km², potential {:.0}, future {:.0}, population {:.0}, \
             centroid ({:.0}, {:.0}), nearest branch {:.0} m",
            a.rank,
            id(scenario, a.regions[0]),
            id(scenario, a.regions[1]),
            a.cells.len(),
            a.area_km2,
            a.potential,
            a.future.unwrap_or(f64::NAN),
            a.population,
            a.centroid_x,
            a.centroid_y,
            a.mean_nearest_m
        );
    }
    let sites = scenario.sites.all();
    for a in gaps.dense.iter().take(8) {
        let ids: Vec<&str> = a
            .branches
            .iter()
            .map(|&s| sites[s as usize].id.as_str())
            .collect();
        eprintln!(
            "dense #{}: {} / {}, branches {:?}, redundant {:.0}, union {:.0}, overlap share {:.2}, \
             redundancy {:.2}, max cannibalisation {:.2}",
            a.rank,
            id(scenario, a.regions[0]),
            id(scenario, a.regions[1]),
            ids,
            a.redundant_demand,
            a.union_demand,
            a.overlap_share,
            a.redundancy,
            a.max_cannibalisation
        );
    }
}

#[test]
fn blank_areas_lie_in_xinhe_and_dense_areas_in_laocheng() {
    let scenario = demo();
    // The README's figures: the grid and the people in it.
    assert_eq!(scenario.cells.len(), 244_185);
    let population = scenario.cells.column_total("population").expect("population");
    assert!((population - 4_582_984.0).abs() < 1.0, "{population}");

    let travel = travel(scenario);
    let (potential, coverage, gaps) = (potential(), Coverage::default(), gaps(""));
    let (scores, times) = run(&[&potential, &coverage, &gaps], scenario, &travel);
    let ctx = ScoreContext {
        scenario,
        travel: &travel,
        computed: &scores,
    };
    let found = gaps.analyse(&ctx).expect("gaps analyse");
    report(scenario, &scores, &found, &times);

    // Potential in people-equivalents: it sums to the population; Xinhe grows (+4.96 % a year in the README),
    // Laocheng shrinks (−0.43 %).
    let total = scores.figure("potential.total_now").expect("figure");
    assert!((total - population).abs() < 1e-6 * population, "{total}");
    let change = scores.region("potential.change").expect("region column");
    let (laocheng, xinhe) = (district(scenario, "JC01"), district(scenario, "JC02"));
    assert!(change[xinhe] > 0.2, "Xinhe grows over 5 years: {}", change[xinhe]);
    assert!(change[laocheng] < 0.0, "Laocheng shrinks: {}", change[laocheng]);

    // Coverage: 30 branches in Laocheng against 5 in the larger, as populous Xinhe.
    let share = scores
        .region("coverage.covered_share_population")
        .expect("region column");
    assert!(
        share[laocheng] > share[xinhe] + 0.3,
        "{} vs {}",
        share[laocheng],
        share[xinhe]
    );

    // Blank areas (split by township, the default): the two largest are in Xinhe, three of the five largest,
    // and Xinhe holds more blank potential than any other district.
    let blank = &found.blank;
    assert!(blank.len() >= 5, "{} blank areas", blank.len());
    let in_xinhe = |a: &BlankArea| id(scenario, a.regions[0]) == "JC02";
    assert!(in_xinhe(&blank[0]) && in_xinhe(&blank[1]));
    assert!(blank[..5].iter().filter(|a| in_xinhe(a)).count() >= 3);
    let townships = scenario.cells.regions(1).expect("townships");
    for a in blank {
        assert!(
            a.cells.iter().all(|&i| townships[i as usize] == a.regions[1]),
            "area #{}",
            a.rank
        );
    }
    let blank_potential = scores.region("gaps.blank_potential").expect("region column");
    let districts: Vec<usize> = scenario.regions.of_level(0).map(|(i, _)| i as usize).collect();
    for &d in &districts {
        assert!(
            d == xinhe || blank_potential[d] < blank_potential[xinhe],
            "district {d}"
        );
    }
    // No blank cell is covered, and a district's blank potential cannot exceed what is uncovered there.
    let covered = scores.cell("coverage.covered").expect("cell column");
    assert!(
        blank
            .iter()
            .flat_map(|a| &a.cells)
            .all(|&i| covered[i as usize] == 0.0)
    );
    let uncovered = scores.region("coverage.uncovered_demand").expect("region column");
    for &d in &districts {
        assert!(blank_potential[d] <= uncovered[d] * (1.0 + 1e-12), "district {d}");
    }

    // Dense areas: the most redundant are in Laocheng.
    let dense = &found.dense;
    assert!(dense.len() >= 3, "{} dense areas", dense.len());
    for a in &dense[..3] {
        assert_eq!(id(scenario, a.regions[0]), "JC01", "dense area #{}", a.rank);
        assert!(
            a.redundancy > 1.5,
            "dense area #{}: redundancy {}",
            a.rank,
            a.redundancy
        );
    }
    // JC-011 and JC-012 share an address: each serves exactly the other's catchment.
    let sites = scenario.sites.all();
    let index = |id: &str| sites.iter().position(|s| s.id == id).expect("site") as u32;
    let (j11, j12) = (index("JC-011"), index("JC-012"));
    let twin = found
        .overlaps
        .pairs
        .iter()
        .find(|p| (p.a, p.b) == (j11.min(j12), j11.max(j12)))
        .expect("the twins overlap");
    assert_eq!(twin.cannibalisation, 1.0);
    assert!(
        dense
            .iter()
            .any(|a| a.branches.contains(&j11) && a.branches.contains(&j12))
    );

    // Well within the ≤ 2 s the whole set of models may take; generous for a shared two-core machine.
    let total_time: Duration = times.iter().sum();
    assert!(total_time < Duration::from_secs(3), "{times:?}");
}

#[test]
fn blank_areas_by_district_and_unsplit() {
    let scenario = demo();
    let travel = travel(scenario);
    let (potential, coverage) = (potential(), Coverage::default());
    let (scores, _) = run(&[&potential, &coverage], scenario, &travel);
    let ctx = ScoreContext {
        scenario,
        travel: &travel,
        computed: &scores,
    };
    // By district, Xinhe's uncovered estates are one area, the largest.
    let by_district = gaps("split-by = \"district\"")
        .analyse(&ctx)
        .expect("gaps analyse");
    assert_eq!(id(scenario, by_district.blank[0].regions[0]), "JC02");
    let districts = scenario.cells.regions(0).expect("districts");
    for a in &by_district.blank {
        assert!(
            a.cells.iter().all(|&i| districts[i as usize] == a.regions[0]),
            "area #{}",
            a.rank
        );
    }
    // Unsplit, the uncovered urban belt of Beihu, Hanxi and the edge of Laocheng is one area across districts,
    // larger than Xinhe's.
    let whole = gaps("split-by = \"none\"").analyse(&ctx).expect("gaps analyse");
    let first = &whole.blank[0];
    let mut spanned: Vec<u32> = first.cells.iter().map(|&i| districts[i as usize]).collect();
    spanned.sort_unstable();
    spanned.dedup();
    assert!(spanned.len() >= 2, "{spanned:?}");
    assert!(first.potential > by_district.blank[0].potential);
}
