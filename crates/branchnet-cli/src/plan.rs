//! `branchnet plan`: a scenario in, a relocation plan out (macro → meso → micro), with exports and a report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use branchnet_core::Reporter;
use branchnet_io::write::{Values, write_csv};
use branchnet_plan::{Kpis, SweepRow, sweep};
use branchnet_workflow::Session;
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `branchnet plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (scenario.toml); its `[plan]` table holds the planner's parameters.
    scenario: PathBuf,
    /// Output folder for the actions, regions, branches, sites, plan.geojson, kpis.json and report.html.
    #[arg(long)]
    out: PathBuf,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

/// Spinners on stderr, one per stage.
struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    quiet: bool,
}

impl Reporter for Bars {
    fn begin(&self, stage: &str, steps: Option<u64>) {
        if self.quiet {
            return;
        }
        let bar = match steps {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        let style = ProgressStyle::with_template("{spinner} {msg} [{elapsed}] {wide_bar}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(stage.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(n);
        }
    }

    fn end(&self, summary: &str) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            let stage = bar.message();
            bar.finish_and_clear();
            eprintln!("✓ {stage}: {summary} ({:.1} s)", bar.elapsed().as_secs_f64());
        }
    }
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bars = Bars {
        bar: Mutex::new(None),
        quiet: args.quiet,
    };
    bars.begin("reading the scenario", None);
    let session = Session::open(&args.scenario)?;
    let scenario = &session.scenario;
    bars.end(&format!(
        "{} cells, {} sites",
        scenario.cells.len(),
        scenario.sites.len()
    ));
    let scored = session.score(&session.models(None)?, &bars)?;
    let in_file = || format!("in {}", args.scenario.display());
    let table = session.config.plan.as_ref();
    let scores = &scored.scores;
    let planned = session.plan(scores, table, &bars).with_context(in_file)?;
    let files = planned.write(scenario, &args.out)?;
    let run = &planned.run;
    let mut sweep_rows = Vec::new();
    if !planned.config.sweep.is_empty() {
        sweep_rows = sweep(scenario, scores, table, &bars).with_context(in_file)?;
        let path = args.out.join("sweep.csv");
        write_csv(&path, &sweep_columns(&sweep_rows))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }

    let p = &run.plan;
    println!("plan: {}", p.scenario);
    for s in &p.stages {
        println!("  {s}");
    }
    println!("actions: {}", p.action_summary());
    print_kpis(&p.kpis.before, &p.kpis.after, &p.currency);
    for note in &p.notes {
        println!("note: {note}");
    }
    if !sweep_rows.is_empty() {
        println!("sweep:");
        println!(
            "  {:<20} {:>10} {:>8} {:>16} {:>10} {:>10}",
            "name", "status", "changes", "capital", "coverage", "mean m"
        );
        for r in &sweep_rows {
            println!(
                "  {:<20} {:>10} {:>8} {:>16.0} {:>9.2}% {:>10.0}",
                r.name,
                r.status,
                r.changes,
                r.capital_cost,
                100.0 * r.coverage_after,
                r.mean_distance_m
            );
        }
    }
    println!(
        "wrote {} files to {} in {:.1} s",
        files.len(),
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    let infeasible = p.stages.iter().any(|s| s.status == "infeasible");
    Ok(if infeasible {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_kpis(before: &Kpis, after: &Kpis, currency: &str) {
    let pct = |v: f64| format!("{:.2}%", 100.0 * v);
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("–".to_string(), f);
    let rows: Vec<(&str, String, String)> = vec![
        (
            "branches",
            before.branches.to_string(),
            after.branches.to_string(),
        ),
        (
            "population covered",
            format!("{:.0}", before.population_covered),
            format!("{:.0}", after.population_covered),
        ),
        ("coverage", pct(before.coverage), pct(after.coverage)),
        (
            "elderly covered",
            opt(before.elderly_covered, &|v| format!("{v:.0}")),
            opt(after.elderly_covered, &|v| format!("{v:.0}")),
        ),
        (
            "demand covered",
            format!("{:.0}", before.demand_covered),
            format!("{:.0}", after.demand_covered),
        ),
        (
            "mean distance m",
            format!("{:.0}", before.mean_distance_m),
            format!("{:.0}", after.mean_distance_m),
        ),
        (
            "p95 distance m",
            format!("{:.0}", before.p95_distance_m),
            format!("{:.0}", after.p95_distance_m),
        ),
        (
            "market share",
            opt(before.market_share, &pct),
            opt(after.market_share, &pct),
        ),
        (
            "waiting too long",
            opt(before.share_waiting_too_long, &pct),
            opt(after.share_waiting_too_long, &pct),
        ),
        (
            "annual cost",
            format!("{:.0} {currency}", before.annual_cost),
            format!("{:.0} {currency}", after.annual_cost),
        ),
        (
            "capital spent",
            "0".into(),
            format!("{:.0} {currency}", after.capital_cost),
        ),
    ];
    println!("  {:<20} {:>22} {:>22}", "kpi", "before", "after");
    for (name, b, a) in rows {
        println!("  {name:<20} {b:>22} {a:>22}");
    }
}

fn sweep_columns(rows: &[SweepRow]) -> Vec<(&'static str, Values)> {
    let num = |f: &dyn Fn(&SweepRow) -> f64| Values::Number(rows.iter().map(|r| Some(f(r))).collect());
    vec![
        (
            "name",
            Values::Text(rows.iter().map(|r| Some(r.name.clone())).collect()),
        ),
        (
            "status",
            Values::Text(rows.iter().map(|r| Some(r.status.clone())).collect()),
        ),
        ("gap", Values::Number(rows.iter().map(|r| r.gap).collect())),
        ("branches", num(&|r| r.branches as f64)),
        ("changes", num(&|r| r.changes as f64)),
        ("capital_cost", num(&|r| r.capital_cost)),
        ("annual_cost", num(&|r| r.annual_cost)),
        ("coverage_before", num(&|r| r.coverage_before)),
        ("coverage_after", num(&|r| r.coverage_after)),
        ("demand_covered", num(&|r| r.demand_covered)),
        ("mean_distance_m", num(&|r| r.mean_distance_m)),
    ]
}
