//! `branchnet validate`: read, check and summarise a scenario.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use branchnet_core::ScenarioSummary;
use branchnet_io::load_scenario;

/// Arguments of `branchnet validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (scenario.toml).
    scenario: PathBuf,
    /// Write the validation report (every finding with every row concerned) to this JSON file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Exit with status 2 when the report has findings.
    #[arg(long)]
    strict: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let loaded = load_scenario(&args.scenario)?;
    let elapsed = start.elapsed();
    let summary = loaded.scenario.summary();
    print_summary(&summary, loaded.scenario.cells.cell_size_m());
    println!("Findings: {}", loaded.report.len());
    for finding in &loaded.report.findings {
        println!("  {finding}");
    }
    if let Some(path) = &args.report {
        let json = serde_json::json!({ "summary": summary, "findings": loaded.report.findings });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        println!("Report written to {}", path.display());
    }
    println!("Valid: read and checked in {:.2} s", elapsed.as_secs_f64());
    Ok(if args.strict && !loaded.report.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(s: &ScenarioSummary, cell_size_m: Option<f64>) {
    println!("Scenario: {}", s.name);
    println!(
        "Frame: transverse Mercator (WGS84), central meridian {:.4}°, origin latitude {:.4}°",
        s.frame.central_meridian_deg, s.frame.origin_lat_deg
    );
    let size = cell_size_m.map_or(String::new(), |m| format!(" of {m:.0} m"));
    println!("Cells: {}{size}", thousands(s.cells as f64));
    for c in &s.columns {
        println!(
            "  {:<16} total {:>13}   min {:<10} mean {:<10} max {}",
            c.name,
            thousands(c.total),
            short(c.min),
            short(c.mean),
            short(c.max)
        );
    }
    let sites: Vec<String> = s.sites.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("Sites: {}", sites.join(", "));
    if s.regions.is_empty() {
        println!("Regions: none");
    } else {
        let regions: Vec<String> = s.regions.iter().map(|(l, n)| format!("{l} {n}")).collect();
        println!("Regions: {}", regions.join(", "));
    }
}

/// A number to four significant digits.
fn short(v: f64) -> String {
    if v == 0.0 || (1e-3..1e6).contains(&v.abs()) {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.digits$}")
    } else {
        format!("{v:.3e}")
    }
}

/// A number rounded to units with thousands separators.
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(5_399_000.4), "5,399,000");
        assert_eq!(super::thousands(-1234.0), "-1,234");
        assert_eq!(super::thousands(12.0), "12");
        assert_eq!(super::short(0.0023456), "0.002346");
        assert_eq!(super::short(-0.02), "-0.02000");
        assert_eq!(super::short(189.09), "189.1");
    }
}
