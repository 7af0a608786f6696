//! `branchnet plan` on the demo city, checked by an independent verifier: every KPI is recomputed by brute
//! force from the exported files and the inputs, and every rule of the scenario's `[plan]` table is checked
//! against the exported plan — budgets, bounds, quotas, inclusion, the Erlang-C service level.
//!
//! The verifier shares only the readers (the scenario in its metric frame) and the scoring models (the
//! rural flags and the demand columns the plan is defined on) with the planner; distances, coverage,
//! percentiles, region membership and queue figures are computed here from first principles.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use branchnet_core::{NO_REGION, Scenario, SiteKind};
use branchnet_score::{Registry, default_scores, run_models};
use branchnet_spatial::travel::Euclidean;
use geo::Contains;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo-city/scenario.toml")
}

/// A CSV export as rows of named fields (no field of these exports holds a quoted comma).
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("a header")
        .split(',')
        .map(String::from)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

/// Erlang C from its definition: `C = (aᶜ/c! · c/(c−a)) / (Σ_{k<c} aᵏ/k! + aᶜ/c! · c/(c−a))`.
fn erlang_c(c: u32, a: f64) -> f64 {
    if a >= f64::from(c) {
        return 1.0;
    }
    let (mut term, mut sum) = (1.0, 0.0);
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let last = term * f64::from(c) / (f64::from(c) - a);
    last / (sum + last)
}

struct Verifier {
    scenario: Scenario,
    rural: Vec<bool>,
    counter: Vec<f64>,
}

impl Verifier {
    fn new(path: &Path) -> Self {
        let config = branchnet_io::read_config(path).expect("config");
        let scenario = branchnet_io::build_scenario(&config, path)
            .expect("scenario")
            .scenario;
        let models = Registry::builtin()
            .build(&default_scores(&config.scores))
            .expect("models");
        let cells = &scenario.cells;
        let travel = Euclidean::new(
            cells.x().iter().zip(cells.y()).map(|(&x, &y)| [x, y]).collect(),
            scenario.sites.all().iter().map(|s| [s.x, s.y]).collect(),
        );
        let scores = run_models(&models, &scenario, &travel).expect("scores").scores;
        let rural = scores
            .cell("coverage.rural")
            .expect("rural flags")
            .iter()
            .map(|&v| v > 0.5)
            .collect();
        let counter = scores.cell("potential.counter").expect("counter demand").to_vec();
        Self {
            scenario,
            rural,
            counter,
        }
    }

    fn column(&self, name: &str) -> &[f64] {
        self.scenario.cells.column(name).expect("grid column")
    }

    /// Distance from every cell to its nearest point, by brute force.
    fn nearest(&self, points: &[[f64; 2]]) -> Vec<f64> {
        let cells = &self.scenario.cells;
        cells
            .x()
            .iter()
            .zip(cells.y())
            .map(|(&x, &y)| {
                points
                    .iter()
                    .map(|p| (p[0] - x).hypot(p[1] - y))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    /// (population covered, elderly covered, mean distance, p95 distance).
    fn coverage(&self, points: &[[f64; 2]]) -> (f64, f64, f64, f64) {
        let d = self.nearest(points);
        let pop = self.column("population");
        let eld = self.scenario.cells.column("elderly");
        let radius = |i: usize| if self.rural[i] { 5000.0 } else { 1000.0 };
        let (mut p, mut e) = (0.0, 0.0);
        for i in 0..d.len() {
            if d[i] <= radius(i) {
                p += pop[i];
                e += eld.map_or(0.0, |e| e[i]);
            }
        }
        let total: f64 = pop.iter().sum();
        let mean = d.iter().zip(pop).map(|(d, p)| d * p).sum::<f64>() / total;
        let mut order: Vec<usize> = (0..d.len()).collect();
        order.sort_by(|&a, &b| d[a].total_cmp(&d[b]));
        let mut acc = 0.0;
        let p95 = order
            .iter()
            .find(|&&i| {
                acc += pop[i];
                acc >= 0.95 * total
            })
            .map(|&i| d[i])
            .expect("a percentile");
        (p, e, mean, p95)
    }

    fn level(&self, name: &str) -> usize {
        self.scenario
            .regions
            .levels()
            .iter()
            .position(|l| l.name == name)
            .expect("level")
    }

    /// The region of `level` whose boundary holds the point (frame metres).
    fn region_of(&self, level: usize, x: f64, y: f64) -> Option<String> {
        self.scenario
            .regions
            .of_level(level)
            .find(|(_, r)| r.boundary.contains(&geo::Point::new(x, y)))
            .map(|(_, r)| r.id.clone())
    }
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-6 * a.abs().max(1.0),
        "{what}: recomputed {a}, exported {b}"
    );
}

/// A scenario under `data/` as text, with its paths made absolute, so that an edited copy can live elsewhere.
fn scenario_text(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(relative);
    let folder = path.parent().expect("folder").canonicalize().expect("absolute");
    std::fs::read_to_string(&path)
        .expect("scenario")
        .replace("path = \"", &format!("path = \"{}/", folder.display()))
}

/// Runs `branchnet plan` on a scenario written from `text` into a temp dir; returns the run, its stdout and
/// the dir (the exports are in `out/` below it).
fn plan_text(text: &str) -> (std::process::Output, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("scenario.toml");
    std::fs::write(&path, text).expect("written");
    let out = tmp.path().join("out");
    let run = common::branchnet(&[
        "plan",
        path.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    (run, stdout, tmp)
}

#[test]
fn demo_city_plan_holds_every_rule_and_its_kpis_recompute() {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path();
    let run = common::branchnet(&[
        "plan",
        demo().to_str().expect("path"),
        "--out",
        dir.to_str().expect("path"),
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v = Verifier::new(&demo());
    let kpis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kpis.json")).expect("kpis.json"))
            .expect("json");
    let stages = kpis["stages"].as_array().expect("stages");
    let meso = stages.iter().find(|s| s["stage"] == "meso").expect("meso stage");
    assert!(
        meso["status"] == "optimal" || meso["status"] == "feasible",
        "{meso}"
    );

    // Before: the input's own branches. After: the exported network.
    let sites = v.scenario.sites.all();
    let own: Vec<_> = sites.iter().filter(|s| s.kind == SiteKind::Own).collect();
    let before: Vec<[f64; 2]> = own.iter().map(|s| [s.x, s.y]).collect();
    let branches = read_csv(&dir.join("branches.csv"));
    let after: Vec<[f64; 2]> = branches.iter().map(|b| [num(b, "x"), num(b, "y")]).collect();
    assert_eq!(after.len(), before.len(), "equal branch count");

    let (pop_b, eld_b, mean_b, p95_b) = v.coverage(&before);
    let (pop_a, eld_a, mean_a, p95_a) = v.coverage(&after);
    for (when, (pop, eld, mean, p95)) in [
        ("before", (pop_b, eld_b, mean_b, p95_b)),
        ("after", (pop_a, eld_a, mean_a, p95_a)),
    ] {
        let k = &kpis[when];
        close(
            pop,
            k["population_covered"].as_f64().expect("number"),
            &format!("{when} population covered"),
        );
        close(
            eld,
            k["elderly_covered"].as_f64().expect("number"),
            &format!("{when} elderly covered"),
        );
        close(
            mean,
            k["mean_distance_m"].as_f64().expect("number"),
            &format!("{when} mean distance"),
        );
        close(
            p95,
            k["p95_distance_m"].as_f64().expect("number"),
            &format!("{when} p95 distance"),
        );
    }
    assert!(
        pop_a > pop_b,
        "coverage rises at equal branch count: {pop_b} → {pop_a}"
    );
    assert!(eld_a >= eld_b, "the elderly keep their access: {eld_b} → {eld_a}");

    // Budgets and bounds ([plan.budget] of the demo: capital 40 M, annual no more than today, no new
    // openings, at most 12 relocations).
    let actions = read_csv(&dir.join("actions.csv"));
    let count = |kind: &str| actions.iter().filter(|a| a["action"] == kind).count();
    let capital: f64 = actions.iter().map(|a| num(a, "capital_cost")).sum();
    let annual: f64 = actions.iter().map(|a| num(a, "annual_cost")).sum();
    let annual_today: f64 = own.iter().map(|s| s.annual_cost.expect("annual cost")).sum();
    assert!(capital <= 40_000_000.0 + 1e-6, "capital {capital}");
    close(
        capital,
        kpis["after"]["capital_cost"].as_f64().expect("number"),
        "capital",
    );
    assert!(
        annual <= annual_today + 1e-6,
        "annual {annual} vs today {annual_today}"
    );
    assert_eq!(count("open"), 0, "no new licences");
    assert!(
        count("relocate") <= 12 && count("relocate") > 0,
        "{} relocations",
        count("relocate")
    );
    let protected: Vec<&str> = own
        .iter()
        .filter(|s| s.protected)
        .map(|s| s.id.as_str())
        .collect();
    for a in &actions {
        if protected.contains(&a["from_id"].as_str()) {
            assert!(
                a["action"] == "keep" || a["action"] == "convert",
                "protected {a:?}"
            );
        }
    }

    // Branches move from the old core (JC01) into the new district (JC02).
    let district = v.level("district");
    let into_new_district = actions
        .iter()
        .filter(|a| a["action"] == "relocate")
        .filter(|a| {
            v.region_of(district, num(a, "from_x"), num(a, "from_y"))
                .as_deref()
                == Some("JC01")
                && v.region_of(district, num(a, "to_x"), num(a, "to_y")).as_deref() == Some("JC02")
        })
        .count();
    assert!(into_new_district >= 1, "no branch moves from Laocheng to Xinhe");

    // Quotas: branches per district, by point in polygon, within each exported range.
    let regions = read_csv(&dir.join("regions.csv"));
    let mut per_district: HashMap<String, usize> = HashMap::new();
    for b in &branches {
        if let Some(r) = v.region_of(district, num(b, "x"), num(b, "y")) {
            *per_district.entry(r).or_default() += 1;
        }
    }
    for r in &regions {
        let n = per_district.get(&r["region"]).copied().unwrap_or(0);
        assert!(
            (num(r, "quota_min") as usize..=num(r, "quota_max") as usize).contains(&n),
            "{}: {n} branches outside {}..={}",
            r["region"],
            r["quota_min"],
            r["quota_max"]
        );
        assert_eq!(n, num(r, "branches_after") as usize, "{}", r["region"]);
    }

    // Inclusion ([plan.inclusion]: townships of 2,000 or more keep a branch within 5 km of their
    // population centre where they have one today).
    let township = v.level("township");
    let cell_township = v.scenario.cells.regions(township).expect("townships");
    let pop = v.column("population");
    let mut centre: HashMap<u32, (f64, f64, f64)> = HashMap::new();
    for (i, &t) in cell_township.iter().enumerate() {
        if t != NO_REGION {
            let c = centre.entry(t).or_default();
            c.0 += pop[i] * v.scenario.cells.x()[i];
            c.1 += pop[i] * v.scenario.cells.y()[i];
            c.2 += pop[i];
        }
    }
    let within =
        |points: &[[f64; 2]], x: f64, y: f64| points.iter().any(|p| (p[0] - x).hypot(p[1] - y) <= 5000.0);
    let mut kept = 0;
    for (t, (sx, sy, p)) in centre {
        if p < 2000.0 {
            continue;
        }
        let (x, y) = (sx / p, sy / p);
        if within(&before, x, y) {
            kept += 1;
            assert!(within(&after, x, y), "township {t} loses its service point");
        }
    }
    assert!(kept > 0, "the inclusion rule applies somewhere");

    // Service level ([plan.service-level]: 0.6 counter visits per counter-demand unit a year, busy hour
    // 1.5 × the mean of 8 h × 300 days, 6 min per customer, at most 10 % waiting over 15 min).
    let per_erlang = 0.6 * 1.5 / (8.0 * 300.0) * 6.0 / 60.0;
    let mut routed = 0.0;
    for b in &branches {
        let (load, c) = (num(b, "load"), num(b, "counters") as u32);
        routed += load;
        if load == 0.0 {
            continue;
        }
        let a = load * per_erlang;
        let share = erlang_c(c, a) * (-(f64::from(c) - a) * 15.0 / 6.0).exp();
        assert!(
            a < f64::from(c) && share <= 0.1 + 1e-9,
            "{}: {share} waiting too long",
            b["id"]
        );
        close(share, num(b, "share_waiting_too_long"), "branch queue");
    }
    let counter_total: f64 = v.counter.iter().sum();
    assert!(
        routed > 0.0 && routed <= counter_total * (1.0 + 1e-9),
        "routed {routed} of {counter_total}"
    );
}

#[test]
fn a_scenario_without_money_for_its_quotas_says_which_rules_conflict() {
    let text = scenario_text("demo-city/scenario.toml").replace("capital = 40_000_000", "capital = 0");
    let (run, stdout, tmp) = plan_text(&text);
    let out = tmp.path().join("out");
    assert_eq!(
        run.status.code(),
        Some(2),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("infeasible"), "{stdout}");
    assert!(
        stdout.contains("the regional branch quotas") && stdout.contains("the capital budget"),
        "{stdout}"
    );
    assert!(stdout.contains("need capital of at least"), "{stdout}");
    // Nothing changes, and the exports still say why.
    let actions = read_csv(&out.join("actions.csv"));
    assert!(actions.iter().all(|a| a["action"] == "keep"));
    let kpis = std::fs::read_to_string(out.join("kpis.json")).expect("kpis.json");
    assert!(kpis.contains("the capital budget"));
}

#[test]
fn singapore_plan_runs_on_real_data() {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/singapore/scenario.toml");
    let out = tempfile::tempdir().expect("temp dir");
    let run = common::branchnet(&[
        "plan",
        scenario.to_str().expect("path"),
        "--out",
        out.path().to_str().expect("path"),
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v = Verifier::new(&scenario);
    let before: Vec<[f64; 2]> = v.scenario.sites.all().iter().map(|s| [s.x, s.y]).collect();
    let branches = read_csv(&out.path().join("branches.csv"));
    let after: Vec<[f64; 2]> = branches.iter().map(|b| [num(b, "x"), num(b, "y")]).collect();
    assert_eq!(after.len(), 36);
    let (pop_b, ..) = v.coverage(&before);
    let (pop_a, ..) = v.coverage(&after);
    assert!(pop_a > pop_b, "{pop_b} → {pop_a}");
    let actions = read_csv(&out.path().join("actions.csv"));
    let moves = actions.iter().filter(|a| a["action"] == "relocate").count();
    assert!((1..=6).contains(&moves), "{moves} relocations");
    // No candidate sites are listed: every move goes to a blank-area location, premises still to find.
    for a in actions.iter().filter(|a| a["action"] == "relocate") {
        assert!(
            a["to_id"].starts_with("GEN-") && a["reasons"].contains("no-listed-site"),
            "{a:?}"
        );
    }
}

#[test]
fn a_sweep_compares_cost_against_coverage() {
    // Singapore plans in a fraction of a second: sweep the number of moves allowed. Each run is proven
    // optimal, and a looser bound can only serve more, so coverage does not fall along the sweep.
    let sweep = "\n[[plan.sweep]]\nname = \"none\"\nset = { \"budget.max-relocations\" = 0 }\n\
                 [[plan.sweep]]\nname = \"two\"\nset = { \"budget.max-relocations\" = 2 }\n\
                 [[plan.sweep]]\nname = \"six\"\nset = { \"budget.max-relocations\" = 6 }\n";
    let (run, stdout, tmp) = plan_text(&(scenario_text("singapore/scenario.toml") + sweep));
    let out = tmp.path().join("out");
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows = read_csv(&out.join("sweep.csv"));
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["none", "two", "six"]);
    assert!(rows.iter().all(|r| r["status"] == "optimal"), "{rows:?}");
    let coverage: Vec<f64> = rows.iter().map(|r| num(r, "coverage_after")).collect();
    assert_eq!(num(&rows[0], "changes"), 0.0);
    assert!((coverage[0] - num(&rows[0], "coverage_before")).abs() < 1e-12);
    assert!(
        coverage[0] < coverage[1] && coverage[1] <= coverage[2],
        "{coverage:?}"
    );
    assert!(stdout.contains("sweep:"), "{stdout}");
}

#[test]
fn a_scenario_with_nothing_to_improve_says_so() {
    // Singapore without moves: no listed candidates and no new licences leave nothing to change.
    let text = scenario_text("singapore/scenario.toml").replace("max-relocations = 6", "max-relocations = 0");
    let (run, stdout, tmp) = plan_text(&text);
    let out = tmp.path().join("out");
    assert!(run.status.success(), "{stdout}");
    assert!(stdout.contains("Nothing to improve"), "{stdout}");
    let kpis = std::fs::read_to_string(out.join("kpis.json")).expect("kpis.json");
    assert!(kpis.contains("Nothing to improve"));
}

#[test]
fn the_capture_objective_wins_market_share() {
    // Huff capture instead of coverage, with a short time limit: a plan with a finite gap either way, and
    // a larger share of the market than today's network (the coverage plan raises it less).
    let text = scenario_text("demo-city/scenario.toml")
        .replace(
            "min-spacing-m = 300",
            "min-spacing-m = 300\nobjective = \"capture\"",
        )
        .replace("time-limit-s = 60 ", "time-limit-s = 25 ");
    let (run, stdout, tmp) = plan_text(&text);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let kpis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/kpis.json")).expect("kpis"))
            .expect("json");
    let share = |when: &str| kpis[when]["market_share"].as_f64().expect("a share");
    assert!(
        share("after") > share("before") + 0.01,
        "{} → {}",
        share("before"),
        share("after")
    );
    let meso = kpis["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == "meso")
        .cloned();
    let gap = meso.as_ref().and_then(|m| m["gap"].as_f64()).expect("a gap");
    assert!(gap.is_finite() && gap < 0.5, "{meso:?}");
}
