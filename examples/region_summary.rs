//! Population, elderly share and branches per region, from the Rust API.
//!
//! ```sh
//! cargo run --release -p branchnet-examples --bin region-summary -- data/demo-city/scenario.toml district
//! ```
// An example program prints its table.
#![allow(clippy::print_stdout)]

use anyhow::{Context, bail};
use branchnet_core::{NO_REGION, SiteKind};
use branchnet_io::load_scenario;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: region-summary <scenario.toml> [level name]")?;
    let loaded = load_scenario(path.as_ref())?;
    let scenario = &loaded.scenario;
    let regions = &scenario.regions;

    let level_name = args.next();
    let level = match &level_name {
        Some(name) => regions
            .levels()
            .iter()
            .position(|l| &l.name == name)
            .with_context(|| format!("no region level `{name}`"))?,
        None => 0,
    };
    let Some(cell_regions) = scenario.cells.regions(level) else {
        bail!("the scenario has no regions");
    };
    let population = scenario
        .cells
        .column("population")
        .context("no population column")?;
    let elderly = scenario.cells.column("elderly");

    let n = regions.len();
    let (mut people, mut old, mut branches) = (vec![0.0; n], vec![0.0; n], vec![0usize; n]);
    for (i, &r) in cell_regions.iter().enumerate() {
        if r != NO_REGION {
            people[r as usize] += population[i];
            old[r as usize] += elderly.map_or(0.0, |e| e[i]);
        }
    }
    for site in scenario.sites.of_kind(SiteKind::Own) {
        if let Some(&r) = site.regions.get(level).filter(|&&r| r != NO_REGION) {
            branches[r as usize] += 1;
        }
    }

    println!(
        "{:<8} {:<28} {:>12} {:>8} {:>9} {:>16}",
        "id", "name", "population", "65+", "branches", "people/branch"
    );
    for (idx, region) in regions.of_level(level) {
        let i = idx as usize;
        let per_branch = if branches[i] > 0 {
            format!("{:.0}", people[i] / branches[i] as f64)
        } else {
            "no branch".into()
        };
        println!(
            "{:<8} {:<28} {:>12.0} {:>7.1}% {:>9} {:>16}",
            region.id,
            region.name.as_deref().unwrap_or(""),
            people[i],
            100.0 * old[i] / people[i].max(1.0),
            branches[i],
            per_branch
        );
    }
    Ok(())
}
