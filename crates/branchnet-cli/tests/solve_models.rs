//! `branchnet solve` for the models beyond covering and p-median, end to end through the binary: OR-Library
//! instances converted to CSV tables (CFLP, UFLP, capacitated p-median against their published optima or the
//! library), spopt's San Francisco case (p-dispersion, partial MCLP), and small hand-made cases checked by
//! enumeration in the test (UFLP, partial MCLP, max-capture); bad input and infeasible capacities.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
mod common;

use common::{branchnet, json};

use branchnet_optimize::{Costs, SolveOptions, orlib, solve_uflp};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(rel)
}

/// Runs a command that must fail (exit status 1), returning its message.
fn error(args: &[&str]) -> String {
    let out = branchnet(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run(a: &[String]) -> Vec<&str> {
    a.iter().map(String::as_str).collect()
}

fn chosen(j: &serde_json::Value) -> Vec<String> {
    j["chosen"]
        .as_array()
        .expect("chosen")
        .iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_str().expect("utf-8").to_string()
}

/// Every set of `p` of `m` items, ascending.
fn subsets(m: usize, p: usize) -> Vec<Vec<usize>> {
    (0u32..1 << m)
        .filter(|mask| mask.count_ones() as usize == p)
        .map(|mask| (0..m).filter(|j| mask & (1 << j) != 0).collect())
        .collect()
}

/// Splits a CSV line on commas outside double quotes, unquoting fields.
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("a field").push(c),
        }
    }
    out
}

/// A CSV file as rows of named fields.
fn rows(path: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("read");
    let mut lines = text.lines();
    let header = fields(lines.next().expect("header"));
    lines
        .map(|l| header.iter().cloned().zip(fields(l)).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// OR-Library capacitated warehouse location, as tables.

/// An OR-Library `capNN` instance (Beasley 1988): `m n`, m × `capacity fixed`, then per customer its demand
/// and the m costs of serving all of it from each warehouse.
struct Cap {
    capacities: Vec<f64>,
    fixed: Vec<f64>,
    demands: Vec<f64>,
    /// `costs[i][j]`: customer i served wholly from warehouse j.
    costs: Vec<Vec<f64>>,
}

fn cap(name: &str) -> Cap {
    let text = std::fs::read_to_string(data("reference/orlib/cap").join(format!("{name}.txt"))).expect("cap");
    let mut numbers = text.split_whitespace().map(|t| t.parse::<f64>().expect("number"));
    let mut next = || numbers.next().expect("more numbers");
    let (m, n) = (next() as usize, next() as usize);
    let (mut capacities, mut fixed) = (Vec::new(), Vec::new());
    for _ in 0..m {
        capacities.push(next());
        fixed.push(next());
    }
    let (mut demands, mut costs) = (Vec::new(), Vec::new());
    for _ in 0..n {
        demands.push(next());
        costs.push((0..m).map(|_| next()).collect());
    }
    Cap {
        capacities,
        fixed,
        demands,
        costs,
    }
}

/// Writes the instance as `demand.csv` (id, demand), `sites.csv` (id, capacity, fixed) and `od.csv`; returns
/// their paths. No weight column: each customer's costs are the whole customer's, as OR-Library lists them.
fn cap_tables(dir: &Path, c: &Cap) -> [String; 3] {
    let mut demand = String::from("id,demand\n");
    for (i, d) in c.demands.iter().enumerate() {
        let _ = writeln!(demand, "c{},{d}", i + 1);
    }
    let mut sites = String::from("id,capacity,fixed\n");
    for (j, (q, f)) in c.capacities.iter().zip(&c.fixed).enumerate() {
        let _ = writeln!(sites, "w{},{q},{f}", j + 1);
    }
    let mut od = String::from("origin,destination,cost\n");
    for (i, row) in c.costs.iter().enumerate() {
        for (j, cost) in row.iter().enumerate() {
            let _ = writeln!(od, "c{},w{},{cost}", i + 1, j + 1);
        }
    }
    [
        write(dir, "demand.csv", &demand),
        write(dir, "sites.csv", &sites),
        write(dir, "od.csv", &od),
    ]
}

#[test]
fn cflp_on_cap41_and_cap71_reaches_the_published_optima_and_the_file_adds_up() {
    let bounds = data("reference/orlib/bounds.txt");
    for name in ["cap41", "cap71"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let c = cap(name);
        let [demand, sites, od] = cap_tables(dir.path(), &c);
        let out = dir.path().join("plan.csv");
        let out = out.to_str().expect("utf-8");
        let j = json(&[
            "solve",
            "cflp",
            "--demand",
            &demand,
            "--sites",
            &sites,
            "--od",
            &od,
            "--fixed-cost",
            "fixed",
            "--capacity",
            "capacity",
            "--demand-amount",
            "demand",
            "--out",
            out,
            "--json",
        ]);
        let optimum = orlib::listed_optimum(&bounds, name).expect("listed");
        let objective = j["objective"].as_f64().expect("objective");
        assert_eq!(j["status"], "optimal", "{name}");
        assert!(
            (objective - optimum).abs() <= 1e-3,
            "{name}: {objective} vs {optimum}"
        );

        // The assignment file alone: every customer fully served by open warehouses within their capacities,
        // and fixed plus shared costs give the objective.
        let open: Vec<usize> = chosen(&j)
            .iter()
            .map(|id| id[1..].parse::<usize>().expect("w<k>") - 1)
            .collect();
        let mut served = vec![0.0; c.demands.len()];
        let mut load = vec![0.0; c.fixed.len()];
        let mut total: f64 = open.iter().map(|&k| c.fixed[k]).sum();
        for r in rows(out) {
            let i = r["demand_id"][1..].parse::<usize>().expect("c<k>") - 1;
            let k = r["site_id"][1..].parse::<usize>().expect("w<k>") - 1;
            let share: f64 = r["share"].parse().expect("share");
            assert!(open.contains(&k), "{name}: served from closed {k}");
            assert_eq!(r["cost"].parse::<f64>().expect("cost"), c.costs[i][k]);
            served[i] += share;
            load[k] += share * c.demands[i];
            total += share * c.costs[i][k];
        }
        assert!(
            served.iter().all(|s| (s - 1.0).abs() < 1e-9),
            "{name}: {served:?}"
        );
        assert!(
            load.iter()
                .zip(&c.capacities)
                .all(|(l, q)| *l <= q * (1.0 + 1e-9))
        );
        assert!((total - optimum).abs() <= 1e-3, "{name}: file gives {total}");
        assert!(
            (j["fixed_cost"].as_f64().expect("fixed") + j["service_cost"].as_f64().expect("service")
                - objective)
                .abs()
                < 1e-6
        );
    }

    // Single sourcing on cap41: a customer wants more than any warehouse holds, so no plan exists; the CLI
    // exits 2 naming the first such customer.
    let dir = tempfile::tempdir().expect("temp dir");
    let c = cap("cap41");
    let largest = c.capacities.iter().copied().fold(0.0, f64::max);
    let first = c
        .demands
        .iter()
        .position(|&d| d > largest)
        .expect("a customer beyond every capacity");
    let [demand, sites, od] = cap_tables(dir.path(), &c);
    let out = branchnet(&[
        "solve",
        "cflp",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--od",
        &od,
        "--fixed-cost",
        "fixed",
        "--capacity",
        "capacity",
        "--demand-amount",
        "demand",
        "--sourcing",
        "single",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    let id = format!("`c{}`", first + 1);
    assert!(
        text.contains("Status: infeasible: ") && text.contains(&id),
        "{text}"
    );
}

#[test]
fn uflp_on_cap41_without_capacities_matches_the_library_and_cap71s_optimum() {
    let dir = tempfile::tempdir().expect("temp dir");
    let c = cap("cap41");
    let [demand, sites, od] = cap_tables(dir.path(), &c);
    let j = json(&[
        "solve",
        "uflp",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--od",
        &od,
        "--fixed-cost",
        "fixed",
        "--json",
    ]);
    let m = c.fixed.len();
    let costs = Costs::from_triples(
        c.demands.len(),
        m,
        c.costs
            .iter()
            .enumerate()
            .flat_map(|(i, row)| row.iter().enumerate().map(move |(k, &v)| (i, k, v))),
    )
    .expect("costs");
    let lib = solve_uflp(&costs, &c.fixed, &SolveOptions::default()).expect("solves");
    assert!(lib.is_optimal());
    assert_eq!(j["status"], "optimal");
    let objective = j["objective"].as_f64().expect("objective");
    assert!(
        (objective - lib.objective).abs() <= 1e-6 * lib.objective,
        "{objective} vs {}",
        lib.objective
    );
    // The plan the CLI reports costs what it says: each customer from its cheapest chosen warehouse.
    let open: Vec<usize> = chosen(&j)
        .iter()
        .map(|id| id[1..].parse::<usize>().expect("w<k>") - 1)
        .collect();
    let plan_cost: f64 = open.iter().map(|&k| c.fixed[k]).sum::<f64>()
        + c.costs
            .iter()
            .map(|row| open.iter().map(|&k| row[k]).fold(f64::INFINITY, f64::min))
            .sum::<f64>();
    assert!((plan_cost - objective).abs() <= 1e-6 * objective);

    // cap71 is cap41 with capacities no warehouse can exhaust (each holds all the demand): its published
    // optimum is this UFLP's.
    let c71 = cap("cap71");
    let total: f64 = c.demands.iter().sum();
    assert!(c71.costs == c.costs && c71.fixed == c.fixed && c71.demands == c.demands);
    assert!(c71.capacities.iter().all(|&q| q >= total));
    let published = orlib::listed_optimum(&data("reference/orlib/bounds.txt"), "cap71").expect("listed");
    assert!(
        (objective - published).abs() <= 1e-3,
        "{objective} vs {published}"
    );
}

/// Seven weighted points and five sites on a line-ish layout, x/y in metres.
const SMALL_DEMAND: &str = "id,x,y,weight\n\
    a,0,0,10\nb,300,100,4\nc,900,-50,7\nd,1500,200,2\ne,2100,0,9\nf,2600,400,5\ng,3400,-100,6\n";
const SMALL_SITES: &str = "id,x,y,fixed,attr\n\
    s1,100,0,4000,1\ns2,1000,0,2500,2\ns3,1800,100,3000,1.5\ns4,2700,0,2000,1\ns5,3300,300,3500,3\n";

fn xy(table: &str) -> Vec<(String, [f64; 2], Vec<f64>)> {
    table
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let num = |k: usize| f[k].parse::<f64>().expect("number");
            (
                f[0].to_string(),
                [num(1), num(2)],
                (3..f.len()).map(num).collect(),
            )
        })
        .collect()
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[test]
fn uflp_on_a_small_case_matches_enumeration_of_every_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demand = write(dir.path(), "demand.csv", SMALL_DEMAND);
    let sites = write(dir.path(), "sites.csv", SMALL_SITES);
    let (d, s) = (xy(SMALL_DEMAND), xy(SMALL_SITES));
    // Every non-empty plan: fixed costs plus each point's weight times the distance to its nearest site.
    let cost = |plan: &[usize]| {
        plan.iter().map(|&k| s[k].2[0]).sum::<f64>()
            + d.iter()
                .map(|p| {
                    p.2[0]
                        * plan
                            .iter()
                            .map(|&k| dist(p.1, s[k].1))
                            .fold(f64::INFINITY, f64::min)
                })
                .sum::<f64>()
    };
    let (best_plan, best) = (1..=5)
        .flat_map(|k| subsets(5, k))
        .map(|plan| {
            let c = cost(&plan);
            (plan, c)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("plans");
    let j = json(&[
        "solve",
        "uflp",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--fixed-cost",
        "fixed",
        "--json",
    ]);
    assert_eq!(j["status"], "optimal");
    let got = j["objective"].as_f64().expect("objective");
    assert!((got - best).abs() <= 1e-9 * best, "{got} vs {best}");
    let expected: Vec<String> = best_plan.iter().map(|&k| s[k].0.clone()).collect();
    assert_eq!(chosen(&j), expected);
    // Not a trivial case: neither one site nor every site.
    assert!(best_plan.len() > 1 && best_plan.len() < 5, "{best_plan:?}");
}

#[test]
fn mclp_with_a_linear_decay_on_positions_matches_enumeration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demand = write(dir.path(), "demand.csv", SMALL_DEMAND);
    let sites = write(dir.path(), "sites.csv", SMALL_SITES);
    let (d, s) = (xy(SMALL_DEMAND), xy(SMALL_SITES));
    // Full coverage within 300 m, none from 1,500 m, linear between (Berman and Krass's gradual cover).
    let f = |x: f64| ((1500.0 - x) / 1200.0).clamp(0.0, 1.0);
    let value = |plan: &[usize]| {
        d.iter()
            .map(|p| p.2[0] * plan.iter().map(|&k| f(dist(p.1, s[k].1))).fold(0.0, f64::max))
            .sum::<f64>()
    };
    let out = dir.path().join("plan.csv");
    let out = out.to_str().expect("utf-8");
    for p in [1, 2, 3] {
        let best = subsets(5, p).iter().map(|plan| value(plan)).fold(0.0, f64::max);
        let j = json(&[
            "solve",
            "mclp",
            "-p",
            &p.to_string(),
            "--demand",
            &demand,
            "--sites",
            &sites,
            "--decay",
            "linear",
            "--radius",
            "1500",
            "--decay-param",
            "full-radius=300",
            "--out",
            out,
            "--json",
        ]);
        assert_eq!(j["status"], "optimal");
        let got = j["objective"].as_f64().expect("objective");
        assert!((got - best).abs() <= 1e-9 * best, "p = {p}: {got} vs {best}");
        // Each point's coverage in the file is the decay at its distance to the nearest chosen site.
        let file: f64 = rows(out)
            .iter()
            .zip(&d)
            .map(|(r, p)| p.2[0] * r["coverage"].parse::<f64>().expect("coverage"))
            .sum();
        assert!((file - best).abs() <= 1e-9 * best, "p = {p}: file gives {file}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Capacitated p-median: Osman & Christofides' pmedcap01.

#[test]
fn capacitated_p_median_on_pmedcap01_reaches_the_header_optimum() {
    let text = std::fs::read_to_string(data("reference/orlib/pmedcap/pmedcap01.txt")).expect("pmedcap01");
    let mut numbers = text.split_whitespace().map(|t| t.parse::<f64>().expect("number"));
    let mut next = || numbers.next().expect("more numbers");
    let (_, best) = (next(), next());
    let (n, p, capacity) = (next() as usize, next() as usize, next());
    let mut points = Vec::new();
    let mut demand = String::from("id,amount\n");
    let mut sites = String::from("id,capacity\n");
    for _ in 0..n {
        let (id, x, y, d) = (next(), next(), next(), next());
        points.push((x, y));
        let _ = writeln!(demand, "{id},{d}");
        let _ = writeln!(sites, "{id},{capacity}");
    }
    // The instances' convention: Euclidean distances rounded down, every point a candidate.
    let mut od = String::from("origin,destination,cost\n");
    for (i, a) in points.iter().enumerate() {
        for (k, b) in points.iter().enumerate() {
            let _ = writeln!(od, "{},{},{}", i + 1, k + 1, (a.0 - b.0).hypot(a.1 - b.1).floor());
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("plan.csv");
    let out = out.to_str().expect("utf-8");
    let j = json(&[
        "solve",
        "capacitated-p-median",
        "-p",
        &p.to_string(),
        "--demand",
        &write(dir.path(), "demand.csv", &demand),
        "--sites",
        &write(dir.path(), "sites.csv", &sites),
        "--od",
        &write(dir.path(), "od.csv", &od),
        "--capacity",
        "capacity",
        "--demand-amount",
        "amount",
        "--sourcing",
        "single",
        "--out",
        out,
        "--json",
    ]);
    assert_eq!(j["status"], "optimal");
    assert_eq!(j["objective"].as_f64(), Some(best));
    assert_eq!(chosen(&j).len(), p);
    // Single sourcing: one row per point, share 1, and the distances sum to the optimum.
    let plan = rows(out);
    assert_eq!(plan.len(), n);
    assert!(plan.iter().all(|r| r["share"] == "1"));
    let total: f64 = plan.iter().map(|r| r["cost"].parse::<f64>().expect("cost")).sum();
    assert_eq!(total, best);
    // Capacities send some points past their nearest median: the served mean is the optimum per point.
    let served = j["mean_served_distance"].as_f64().expect("served");
    assert!((served - best / n as f64).abs() < 1e-12, "{served}");
    assert!(j["mean_distance"].as_f64().expect("nearest") <= served);
}

// ---------------------------------------------------------------------------------------------------------
// spopt's San Francisco case.

fn sf(file: &str) -> String {
    data("reference/spopt-sf")
        .join(file)
        .to_str()
        .expect("utf-8")
        .to_string()
}

#[test]
fn p_dispersion_on_the_sf_stores_picks_spopts_sites() {
    // spopt's test_p_dispersion.py measures planar distances on the raw (long, lat) of the stores sorted by
    // NAME and picks y_0, y_2, y_8, y_14: the same table with x = long, y = lat, in that order.
    let mut stores: Vec<(String, f64, f64)> = rows(&sf("SF_store_site_16_longlat.csv"))
        .iter()
        .map(|r| {
            (
                r["NAME"].clone(),
                r["long"].parse().expect("long"),
                r["lat"].parse().expect("lat"),
            )
        })
        .collect();
    stores.sort_by(|a, b| a.0.cmp(&b.0));
    let mut table = String::from("id,x,y\n");
    for s in &stores {
        let _ = writeln!(table, "{},{},{}", s.0, s.1, s.2);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let sites = write(dir.path(), "stores.csv", &table);
    let out = dir.path().join("plan.csv");
    let out = out.to_str().expect("utf-8");
    let j = json(&[
        "solve",
        "p-dispersion",
        "-p",
        "4",
        "--sites",
        &sites,
        "--coordinates",
        "metric",
        "--out",
        out,
        "--json",
    ]);
    assert_eq!(j["status"], "optimal");
    let mut expected: Vec<String> = [0, 2, 8, 14].iter().map(|&k| stores[k].0.clone()).collect();
    let mut got = chosen(&j);
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    // The smallest separation, by enumeration of all 1,820 plans.
    let d = |a: usize, b: usize| (stores[a].1 - stores[b].1).hypot(stores[a].2 - stores[b].2);
    let best = subsets(16, 4)
        .iter()
        .map(|s| {
            let mut min = f64::INFINITY;
            for (k, &a) in s.iter().enumerate() {
                for &b in &s[k + 1..] {
                    min = min.min(d(a, b));
                }
            }
            min
        })
        .fold(f64::NEG_INFINITY, f64::max);
    let objective = j["objective"].as_f64().expect("objective");
    assert!((objective - best).abs() <= 1e-12, "{objective} vs {best}");
    // The file: each chosen store and its nearest chosen neighbour; the least distance is the objective.
    let plan = rows(out);
    assert_eq!(plan.len(), 4);
    let least = plan
        .iter()
        .map(|r| r["distance"].parse::<f64>().expect("distance"))
        .fold(f64::INFINITY, f64::min);
    assert!((least - objective).abs() <= 1e-12);

    // The same distances as an OD table between stores, each pair listed once in one direction: the same plan.
    let mut od = String::from("from,to,d\n");
    for (a, b) in (0..16).flat_map(|a| (a + 1..16).map(move |b| (a, b))) {
        let (a, b) = if (a + b) % 2 == 0 { (a, b) } else { (b, a) };
        let _ = writeln!(od, "{},{},{}", stores[a].0, stores[b].0, d(a, b));
    }
    let od = write(dir.path(), "between.csv", &od);
    let j = json(&[
        "solve",
        "p-dispersion",
        "-p",
        "4",
        "--od",
        &od,
        "--od-columns",
        "from,to,d",
        "--json",
    ]);
    let mut got = chosen(&j);
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(j["objective"].as_f64(), Some(objective));
}

fn sf_args(model: &str) -> Vec<String> {
    [
        "solve",
        model,
        "--demand",
        &sf("SF_demand_205_centroid_uniform_weight.csv"),
        "--demand-id",
        "NAME",
        "--weight",
        "POP2000",
        "--od",
        &sf("SF_network_distance_candidateStore_16_censusTract_205_new.csv"),
        "--od-columns",
        "DestinationName,name,distance",
    ]
    .map(String::from)
    .to_vec()
}

fn with<'a>(base: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    base.iter()
        .map(String::as_str)
        .chain(more.iter().copied())
        .collect()
}

#[test]
fn mclp_with_a_decay_on_sf_is_plain_mclp_for_a_step_and_matches_enumeration_for_a_gaussian() {
    let base = sf_args("mclp");
    let step = json(&with(
        &base,
        &["-p", "4", "--radius", "5000", "--decay", "step", "--json"],
    ));
    assert_eq!(step["status"], "optimal");
    assert_eq!(step["objective"], 875_247.0);

    // Gaussian coverage, bandwidth 2 km, none beyond 6 km: the best of all 1,820 plans of 4 stores.
    let (h, cutoff) = (2000.0, 6000.0);
    let f = |d: f64| {
        if d <= cutoff {
            (-0.5 * (d / h) * (d / h)).exp()
        } else {
            0.0
        }
    };
    let population: HashMap<String, f64> = rows(&sf("SF_demand_205_centroid_uniform_weight.csv"))
        .iter()
        .map(|r| (r["NAME"].clone(), r["POP2000"].parse().expect("POP2000")))
        .collect();
    let mut stores: Vec<String> = Vec::new();
    let mut tracts: HashMap<String, Vec<(usize, f64)>> = HashMap::new();
    for r in rows(&sf(
        "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
    )) {
        let k = match stores.iter().position(|s| *s == r["name"]) {
            Some(k) => k,
            None => {
                stores.push(r["name"].clone());
                stores.len() - 1
            }
        };
        tracts
            .entry(r["DestinationName"].clone())
            .or_default()
            .push((k, r["distance"].parse().expect("distance")));
    }
    assert_eq!(stores.len(), 16);
    let value = |plan: &[usize]| {
        tracts
            .iter()
            .map(|(t, pairs)| {
                population[t]
                    * pairs
                        .iter()
                        .filter(|(k, _)| plan.contains(k))
                        .map(|&(_, d)| f(d))
                        .fold(0.0, f64::max)
            })
            .sum::<f64>()
    };
    let plans = subsets(16, 4);
    assert_eq!(plans.len(), 1820);
    let (best_plan, best) = plans
        .iter()
        .map(|p| (p, value(p)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("plans");
    let j = json(&with(
        &base,
        &[
            "-p",
            "4",
            "--decay",
            "gaussian",
            "--decay-param",
            "bandwidth=2000,cutoff=6000",
            "--json",
        ],
    ));
    assert_eq!(j["status"], "optimal");
    let got = j["objective"].as_f64().expect("objective");
    assert!((got - best).abs() <= 1e-9 * best, "{got} vs {best}");
    let mut expected: Vec<String> = best_plan.iter().map(|&k| stores[k].clone()).collect();
    let mut got_sites = chosen(&j);
    expected.sort();
    got_sites.sort();
    assert_eq!(got_sites, expected);
    // Partial coverage counts less than the step at the cutoff would: a real decay, not a step in disguise.
    assert!(best < 875_247.0 && best > 0.0);
}

// ---------------------------------------------------------------------------------------------------------
// Max-capture.

#[test]
fn max_capture_on_a_small_case_matches_enumeration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demand = write(dir.path(), "demand.csv", SMALL_DEMAND);
    let sites = write(dir.path(), "sites.csv", SMALL_SITES);
    let rivals_text = "id,x,y,attr\nr1,600,0,2\nr2,2400,-200,1\n";
    let rivals = write(dir.path(), "rivals.csv", rivals_text);
    let (d, s, r) = (xy(SMALL_DEMAND), xy(SMALL_SITES), xy(rivals_text));
    // Huff: utility = attractiveness × max(distance, 100)^−2; attractiveness is the sites' 2nd extra column.
    let u = |a: f64, dd: f64| a * dd.max(100.0).powf(-2.0);
    let capture = |plan: &[usize]| {
        d.iter()
            .map(|p| {
                let ours: f64 = plan.iter().map(|&k| u(s[k].2[1], dist(p.1, s[k].1))).sum();
                let theirs: f64 = r.iter().map(|c| u(c.2[0], dist(p.1, c.1))).sum();
                p.2[0] * ours / (ours + theirs)
            })
            .sum::<f64>()
    };
    let total: f64 = d.iter().map(|p| p.2[0]).sum();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "solve",
            "max-capture",
            "-p",
            "2",
            "--demand",
            &demand,
            "--sites",
            &sites,
            "--competitors",
            &rivals,
            "--attractiveness",
            "attr",
            "--utility-decay",
            "power",
            "--beta",
            "2",
            "--min-cost",
            "100",
            "--json",
        ];
        a.extend_from_slice(extra);
        json(&a)
    };
    for required in [None, Some(4usize)] {
        let (plan, best) = subsets(5, 2)
            .into_iter()
            .filter(|p| required.is_none_or(|k| p.contains(&k)))
            .map(|p| {
                let c = capture(&p);
                (p, c)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("plans");
        let j = match required {
            Some(k) => args(&["--required", &s[k].0]),
            None => args(&[]),
        };
        assert_eq!(j["status"], "optimal");
        let got = j["objective"].as_f64().expect("objective");
        assert!((got - best).abs() <= 1e-9 * best, "{required:?}: {got} vs {best}");
        assert!((j["captured"].as_f64().expect("captured") - best).abs() <= 1e-9 * best);
        assert!((j["captured_share"].as_f64().expect("share") - best / total).abs() <= 1e-12);
        let expected: Vec<String> = plan.iter().map(|&k| s[k].0.clone()).collect();
        assert_eq!(chosen(&j), expected, "{required:?}");
        let by_site: f64 = j["captured_by_site"]
            .as_object()
            .expect("by site")
            .values()
            .map(|v| v.as_f64().expect("a number"))
            .sum();
        assert!((by_site - best).abs() <= 1e-9 * best);
    }

    // The same case from an OD table whose rows to competitor ids give the competitors' costs.
    let mut od = String::from("origin,destination,cost\n");
    for p in &d {
        for t in s.iter().chain(&r) {
            let _ = writeln!(od, "{},{},{}", p.0, t.0, dist(p.1, t.1));
        }
    }
    let od = write(dir.path(), "od.csv", &od);
    let j = json(&[
        "solve",
        "max-capture",
        "-p",
        "2",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--od",
        &od,
        "--competitors",
        &rivals,
        "--attractiveness",
        "attr",
        "--beta",
        "2",
        "--min-cost",
        "100",
        "--json",
    ]);
    let best = subsets(5, 2).iter().map(|p| capture(p)).fold(0.0, f64::max);
    let got = j["objective"].as_f64().expect("objective");
    assert!((got - best).abs() <= 1e-9 * best, "OD: {got} vs {best}");
    assert_eq!(j["competitors"], 2);

    // Multinomial logit: utility = attractiveness × exp(−0.002 × distance).
    let u = |a: f64, dd: f64| a * (-0.002 * dd).exp();
    let logit = |plan: &[usize]| {
        d.iter()
            .map(|p| {
                let ours: f64 = plan.iter().map(|&k| u(s[k].2[1], dist(p.1, s[k].1))).sum();
                let theirs: f64 = r.iter().map(|c| u(c.2[0], dist(p.1, c.1))).sum();
                p.2[0] * ours / (ours + theirs)
            })
            .sum::<f64>()
    };
    let best = subsets(5, 3).iter().map(|p| logit(p)).fold(0.0, f64::max);
    let j = json(&[
        "solve",
        "max-capture",
        "-p",
        "3",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--competitors",
        &rivals,
        "--attractiveness",
        "attr",
        "--utility-decay",
        "exponential",
        "--beta",
        "0.002",
        "--json",
    ]);
    let got = j["objective"].as_f64().expect("objective");
    assert!((got - best).abs() <= 1e-9 * best, "logit: {got} vs {best}");
}

// ---------------------------------------------------------------------------------------------------------
// Bad input and infeasible capacities.

#[test]
fn bad_capacities_are_named_by_file_row_and_column_and_too_little_capacity_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demand = write(
        dir.path(),
        "demand.csv",
        "id,x,y,weight\n1,0,0,5\n2,900,0,3\n3,400,300,4\n",
    );
    let sites = write(
        dir.path(),
        "sites.csv",
        "id,x,y,fixed,capacity\nA,0,0,10,8\nB,1000,0,10,-5\n",
    );
    let cflp = |sites: &str, capacity: &str| {
        vec![
            "solve".to_string(),
            "cflp".into(),
            "--demand".into(),
            demand.clone(),
            "--sites".into(),
            sites.to_string(),
            "--fixed-cost".into(),
            "fixed".into(),
            "--capacity".into(),
            capacity.to_string(),
        ]
    };

    let msg = error(&run(&cflp(&sites, "cap")));
    assert!(
        msg.contains("sites.csv, column `cap`") && msg.contains("missing") && msg.contains("capacity"),
        "{msg}"
    );
    let msg = error(&run(&cflp(&sites, "capacity")));
    assert!(
        msg.contains("sites.csv, row 2, column `capacity`")
            && msg.contains("-5")
            && msg.contains("non-negative"),
        "{msg}"
    );
    let msg = error(&[
        "solve",
        "cflp",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--capacity",
        "capacity",
    ]);
    assert!(msg.contains("needs --fixed-cost"), "{msg}");
    let msg = error(&[
        "solve",
        "p-median",
        "-p",
        "1",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--capacity",
        "c",
    ]);
    assert!(msg.contains("--capacity does not apply to p-median"), "{msg}");

    // 12 units of demand, 8 + 3 of capacity: infeasible, exit status 2, the reason printed.
    let small = write(
        dir.path(),
        "small.csv",
        "id,x,y,fixed,capacity\nA,0,0,10,8\nB,1000,0,10,3\n",
    );
    let out = branchnet(&run(&cflp(&small, "capacity")));
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Status: infeasible: "), "{text}");
    assert!(text.to_lowercase().contains("capacit"), "{text}");
    let out = branchnet(&[
        "solve",
        "capacitated-p-median",
        "-p",
        "1",
        "--demand",
        &demand,
        "--sites",
        &small,
        "--capacity",
        "capacity",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Status: infeasible: "));

    // A decay with a parameter it does not have, and max-capture without competitors.
    let msg = error(&[
        "solve",
        "mclp",
        "-p",
        "1",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--decay",
        "gaussian",
        "--decay-param",
        "width=5",
    ]);
    assert!(msg.contains("width") && msg.contains("bandwidth"), "{msg}");
    let msg = error(&[
        "solve",
        "max-capture",
        "-p",
        "1",
        "--demand",
        &demand,
        "--sites",
        &sites,
        "--beta",
        "2",
        "--min-cost",
        "1",
    ]);
    assert!(msg.contains("needs --competitors"), "{msg}");
}
