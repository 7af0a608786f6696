//! Planner benchmark: a scenario read, scored and planned in-process, as `branchnet plan` does it, with the
//! wall time and peak memory of every stage.
//!
//! ```sh
//! # the demo city
//! cargo run --release -p branchnet-benches --bin plan -- --scenario data/demo-city/scenario.toml
//! # the generated province (written once into the folder, then reused)
//! cargo run --release -p branchnet-benches --bin plan -- --generate-province ~/.cache/branchnet/province
//! ```
//!
//! Run the binary itself, not under `/usr/bin/time -v`, whose maximum resident set size is cut short by
//! the resets (or pass `--no-stage-peaks` to compare the two).
//!
//! Stages: reading (`branchnet_io::read_config` + `build_scenario`), scoring (every `[[scores]]` model over
//! the configured travel cost), then `branchnet_plan::plan` — macro, the layout's zones and reach, the
//! program's assembly, HiGHS (meso), micro, actions and KPIs — and `write_plan` (the exports). Each
//! stage's peak resident memory is measured by resetting the kernel's high-water mark (`/proc/self/
//! clear_refs`, 5) at its start and reading `VmHWM` at its end; the process's peak is the largest of them.
//! Set `RUST_LOG=branchnet_plan=debug,branchnet_optimize=debug` for the planner's own log on stderr.
// A benchmark binary reports on the terminal.
#![allow(clippy::print_stdout)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use branchnet_core::{Reporter, Scenario};
use branchnet_plan::inputs::Inputs;
use branchnet_plan::{PlanConfig, plan, write_plan};
use branchnet_score::{Registry, Scores, default_scores, run_models};
use branchnet_spatial::SiteIndex;
use branchnet_synth::PlanProvinceSpec;
use branchnet_workflow::travel_cost;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Times `branchnet plan` stage by stage.
#[derive(Debug, Parser)]
struct Args {
    /// The scenario to plan (default: the demo city).
    #[arg(long, conflicts_with = "generate_province")]
    scenario: Option<PathBuf>,
    /// Generate the planner-benchmark province into this folder (unless its scenario.toml exists) and plan it.
    #[arg(long)]
    generate_province: Option<PathBuf>,
    /// Regenerate the province even when the folder has one.
    #[arg(long)]
    regenerate: bool,
    #[command(flatten)]
    spec: PlanProvinceSpec,
    /// Output folder of the plan's exports (default: a folder under the system's temporary directory).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also report what the layout's program is made of — zones, zones within reach of a site, zone-site
    /// pairs, and how many distinct reach sets there are (what merging zones with the same sites would
    /// leave) — recomputed from the scored scenario as the layout builds it (not timed).
    #[arg(long)]
    zones: bool,
    /// Leave the kernel's peak-memory mark alone: the peak column is then the process's peak so far (as
    /// `/usr/bin/time -v` reports it, which the per-stage resets would otherwise cut short).
    #[arg(long)]
    no_stage_peaks: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let scenario_path = match &args.generate_province {
        Some(dir) => generate(dir, &args.spec, args.regenerate)?,
        None => args
            .scenario
            .clone()
            .unwrap_or_else(|| PathBuf::from("data/demo-city/scenario.toml")),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("branchnet-plan-bench"));
    println!("scenario {}", scenario_path.display());
    println!(
        "machine: {} logical CPUs, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into())
    );

    let total = Instant::now();
    let timer = Segments::new("read", !args.no_stage_peaks);
    let config = branchnet_io::read_config(&scenario_path)?;
    let loaded = branchnet_io::build_scenario(&config, &scenario_path)?;
    let scenario = loaded.scenario;
    timer.mark(
        "score",
        &format!(
            "{} cells, {} sites, {} regions, {} findings",
            scenario.cells.len(),
            scenario.sites.len(),
            scenario.regions.len(),
            loaded.report.len()
        ),
    );
    let tables = default_scores(&config.scores);
    let models = Registry::builtin()
        .build(&tables)
        .with_context(|| format!("in {}", scenario_path.display()))?;
    let travel = travel_cost(&scenario, config.travel);
    let scored = run_models(&models, &scenario, travel.as_ref())?;
    let per_model: Vec<String> = scored
        .timings
        .iter()
        .map(|(m, t)| format!("{m} {:.2}", t.as_secs_f64()))
        .collect();
    timer.mark("plan: inputs", &format!("models (s): {}", per_model.join(", ")));
    let in_file = || format!("in {}", scenario_path.display());
    let plan_config = PlanConfig::from_table(config.plan.as_ref()).with_context(in_file)?;
    let scores = &scored.scores;
    let run = plan(&scenario, scores, &plan_config, &timer).with_context(in_file)?;
    timer.mark("exports", "");
    let inputs = Inputs::new(&scenario, scores, &plan_config)?;
    let files = write_plan(&run, &scenario, inputs.demand, inputs.level, &out)?;
    timer.mark("", &format!("{} files in {}", files.len(), out.display()));
    let total_s = total.elapsed().as_secs_f64();

    println!("\n{:<58} {:>9} {:>9}  detail", "stage", "seconds", "peak MiB");
    let rows = timer.rows();
    for r in &rows {
        println!(
            "{:<58} {:>9.2} {:>9}  {}",
            r.label,
            r.seconds,
            r.peak_mib.map_or("?".into(), |m| format!("{m:.0}")),
            r.note
        );
    }
    let peak = rows.iter().filter_map(|r| r.peak_mib).fold(0.0, f64::max);
    println!(
        "{:<58} {:>9.2} {:>9.0}  (peak: the largest stage peak)",
        "total", total_s, peak
    );

    if args.zones {
        zone_report(&scenario, scores, &plan_config)?;
    }

    let p = &run.plan;
    println!("\nplanner stages:");
    for s in &p.stages {
        println!("  {s}");
    }
    println!("actions: {}", p.action_summary());
    let (b, a) = (&p.kpis.before, &p.kpis.after);
    println!(
        "coverage {:.2}% → {:.2}%, mean distance {:.0} → {:.0} m, annual cost {:.0} → {:.0}, capital {:.0}",
        100.0 * b.coverage,
        100.0 * a.coverage,
        b.mean_distance_m,
        a.mean_distance_m,
        b.annual_cost,
        a.annual_cost,
        a.capital_cost
    );
    for note in &p.notes {
        let short: String = note.chars().take(200).collect();
        println!("note: {short}");
    }
    Ok(())
}

/// The layout's demand zones and their reach, rebuilt the way `branchnet_plan::layout` builds them (its
/// zones, its sites: own branches, candidates, one location per blank area; a step service — no decay),
/// with the number of distinct reach sets.
fn zone_report(scenario: &Scenario, scores: &Scores, config: &PlanConfig) -> anyhow::Result<()> {
    let inputs = Inputs::new(scenario, scores, config)?;
    let load = config
        .service_level
        .as_ref()
        .and_then(|sl| inputs.cell_column(&sl.demand));
    let zones = branchnet_plan::zones::build(&inputs, load, config.zone_m);
    let sites = scenario.sites.all();
    let mut points: Vec<[f64; 2]> = inputs
        .own
        .iter()
        .chain(&inputs.candidates)
        .map(|&j| [sites[j].x, sites[j].y])
        .collect();
    if config.blank_area_locations
        && let Some(blank) = inputs.cell_column("gaps.blank_area")
    {
        let cells = &scenario.cells;
        let mut areas: BTreeMap<usize, (f64, f64, f64)> = BTreeMap::new();
        for (i, &rank) in blank.iter().enumerate() {
            if rank.is_finite() && rank >= 1.0 {
                let w = inputs.demand[i].max(1e-12);
                let e = areas.entry(rank as usize).or_insert((0.0, 0.0, 0.0));
                e.0 += w * cells.x()[i];
                e.1 += w * cells.y()[i];
                e.2 += w;
            }
        }
        points.extend(areas.values().map(|&(x, y, w)| [x / w, y / w]));
    }
    let index = SiteIndex::new(&points);
    let centres: Vec<[f64; 2]> = zones.x.iter().zip(&zones.y).map(|(&x, &y)| [x, y]).collect();
    let urban = index.within(&centres, inputs.radius_m);
    let rural = index.within(&centres, inputs.rural_radius_m);
    let (mut reached, mut pairs, mut largest) = ([0usize; 2], [0usize; 2], 0usize);
    let mut distinct: HashSet<Vec<u32>> = HashSet::new();
    for q in 0..zones.len() {
        let r = usize::from(zones.rural[q]);
        let near = if zones.rural[q] { &rural } else { &urban };
        let mut reach = near.sites_of(q).to_vec();
        if reach.is_empty() {
            continue;
        }
        reached[r] += 1;
        pairs[r] += reach.len();
        largest = largest.max(reach.len());
        reach.sort_unstable();
        distinct.insert(reach);
    }
    let merged_pairs: usize = distinct.iter().map(Vec::len).sum();
    let rural_zones = zones.rural.iter().filter(|&&r| r).count();
    println!(
        "\nlayout program (rebuilt): {} zones ({} urban, {} rural) from {} cells, {} sites;",
        zones.len(),
        zones.len() - rural_zones,
        rural_zones,
        scenario.cells.len(),
        points.len()
    );
    println!(
        "  zones within reach of a site: {} urban ({} pairs, radius {} m), {} rural ({} pairs, radius {} m); \
         largest reach {} sites",
        reached[0], pairs[0], inputs.radius_m, reached[1], pairs[1], inputs.rural_radius_m, largest
    );
    println!(
        "  distinct reach sets: {} of {} reached zones ({} pairs after merging zones with the same sites)",
        distinct.len(),
        reached[0] + reached[1],
        merged_pairs
    );
    Ok(())
}

/// Writes the province into `dir` unless it already holds one; returns its scenario file.
fn generate(dir: &Path, spec: &PlanProvinceSpec, regenerate: bool) -> anyhow::Result<PathBuf> {
    let scenario = dir.join("scenario.toml");
    if regenerate || !scenario.exists() {
        let start = Instant::now();
        let summary = branchnet_synth::write_plan_province(dir, spec)
            .with_context(|| format!("writing the province to {}", dir.display()))?;
        print!("{summary}");
        println!(
            "generated {} in {:.1} s (not timed below)",
            dir.display(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(scenario)
}

/// One timed stretch of the run.
struct Row {
    label: String,
    seconds: f64,
    peak_mib: Option<f64>,
    note: String,
}

struct State {
    label: String,
    since: Instant,
    stage: Option<String>,
    rows: Vec<Row>,
}

/// Consecutive stretches of the run, cut at the planner's stage boundaries (it is the [`Reporter`]) and
/// at the benchmark's own marks; each with its wall time and its peak resident memory.
struct Segments {
    state: Mutex<State>,
    reset: bool,
}

impl Segments {
    /// Starts the first stretch, `first`; `reset`: measure each stretch's own peak.
    fn new(first: &str, reset: bool) -> Self {
        if reset {
            reset_peak();
        }
        Self {
            reset,
            state: Mutex::new(State {
                label: first.into(),
                since: Instant::now(),
                stage: None,
                rows: Vec::new(),
            }),
        }
    }

    /// Ends the current stretch (with `note`) and starts one called `next`.
    fn mark(&self, next: &str, note: &str) {
        let peak = read_kib("VmHWM:").map(|k| k / 1024.0);
        if let Ok(mut s) = self.state.lock() {
            let row = Row {
                label: std::mem::replace(&mut s.label, next.into()),
                seconds: s.since.elapsed().as_secs_f64(),
                peak_mib: peak,
                note: note.into(),
            };
            s.rows.push(row);
            s.since = Instant::now();
        }
        if self.reset {
            reset_peak();
        }
    }

    fn rows(&self) -> Vec<Row> {
        self.state
            .lock()
            .map(|mut s| std::mem::take(&mut s.rows))
            .unwrap_or_default()
    }
}

impl Reporter for Segments {
    fn begin(&self, stage: &str, _steps: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            s.stage = Some(stage.to_string());
        }
        self.mark(&format!("plan: {stage}"), "");
    }

    fn advance(&self, _n: u64) {}

    fn end(&self, summary: &str) {
        let stage = self
            .state
            .lock()
            .ok()
            .and_then(|mut s| s.stage.take())
            .unwrap_or_default();
        // What `branchnet_plan::plan` does between its reported stages.
        let next = match stage.as_str() {
            "macro: directions and quotas" => "plan: layout set-up",
            "layout: zones and reach" => "plan: layout program (costs, inclusion, today's routing)",
            "layout: relocation program (HiGHS)" => "plan: layout read back",
            "micro: sites" => "plan: actions and KPIs (before and after)",
            _ => "plan: (between stages)",
        };
        self.mark(next, summary);
    }
}

/// A `kB` figure of /proc/self/status.
fn read_kib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak resident set size to the current one (Linux ≥ 4.0); a no-op elsewhere.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
