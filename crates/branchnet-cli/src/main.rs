//! The `branchnet` command-line tool.
// The CLI is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod gaps;
mod plan;
mod score;
mod solve;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Plan bank branch networks: which branches to keep, close, relocate, open or convert, where and why.
#[derive(Debug, Parser)]
#[command(name = "branchnet", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a scenario and every input it names, check them and print a summary.
    Validate(validate::Args),
    /// Solve a location model (covering, p-median, p-center, facility location, p-dispersion, max-capture) on
    /// demand points and candidate sites.
    Solve(Box<solve::Args>),
    /// Score a scenario: demand potential, coverage, gaps, access, competition, queues, site scores.
    Score(score::Args),
    /// Find blank areas (uncovered potential) and dense areas (overlapping branches); write them as GeoJSON.
    Gaps(gaps::Args),
    /// Plan the network: macro quotas, the relocation layout, micro sites; write actions, KPIs and a report.
    Plan(plan::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Solve(args) => solve::run(&args),
        Command::Score(args) => score::run(&args),
        Command::Gaps(args) => gaps::run(&args),
        Command::Plan(args) => plan::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
