//! `branchnet gaps`: blank areas (uncovered potential) and dense areas (overlapping branches) as GeoJSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use branchnet_core::{NO_REGION, RegionIdx, Scenario};
use branchnet_score::gaps::GapReport;
use branchnet_workflow::Session;
use branchnet_workflow::gaps::gaps_geojson;

/// Arguments of `branchnet gaps`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (scenario.toml). Its `[[scores]]` entry with `model = "gaps"` sets the rules (the
    /// defaults when there is none); the models listed before it run first (the potential it reads).
    scenario: PathBuf,
    /// The GeoJSON file to write: one polygon per blank and per dense area, with their figures.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let session = Session::open(&args.scenario)?;
    let (gaps, before) = session.gaps_model()?;
    let scored = session.score(&session.models(Some(before))?, &branchnet_core::Silent)?;
    let report = session.gaps(&gaps, &scored.scores)?;
    let collection = gaps_geojson(&session.scenario, &report);
    std::fs::write(&args.out, serde_json::to_string(&collection)?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    print_report(&session.scenario, &report);
    println!(
        "Wrote {} areas to {}",
        report.blank.len() + report.dense.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_report(scenario: &Scenario, report: &GapReport) {
    let sites = scenario.sites.all();
    println!("Blank areas: {}", report.blank.len());
    for a in report.blank.iter().take(10) {
        println!(
            "  #{:<3} {:>9.0} potential  {:>9.0} people  {:>6.2} km²  in {}",
            a.rank,
            a.potential,
            a.population,
            a.area_km2,
            region_names(scenario, &a.regions)
        );
    }
    println!("Dense areas: {}", report.dense.len());
    for d in report.dense.iter().take(10) {
        let ids: Vec<&str> = d
            .branches
            .iter()
            .map(|&j| sites[j as usize].id.as_str())
            .collect();
        println!(
            "  #{:<3} {:>2} branches  redundancy {:.2}  {:>9.0} served twice  in {}: {}",
            d.rank,
            d.branches.len(),
            d.redundancy,
            d.redundant_demand,
            region_names(scenario, &d.regions),
            ids.join(" ")
        );
    }
}

fn region_names(scenario: &Scenario, regions: &[RegionIdx]) -> String {
    let names: Vec<&str> = regions
        .iter()
        .filter(|&&r| r != NO_REGION)
        .filter_map(|&r| scenario.regions.get(r))
        .map(|r| r.name.as_deref().unwrap_or(&r.id))
        .collect();
    if names.is_empty() {
        "no region".into()
    } else {
        names.join(" / ")
    }
}
