//! OR-Library capacitated benchmarks: CFLP cap41–cap134 and capa/capb/capc at the capacities of `bounds.txt`
//! (split demand), and the capacitated p-median pmedcap01–20 (Osman & Christofides; single sourcing, the
//! unweighted sum of Euclidean distances rounded down). Each solve is timed and checked against the reference.
//!
//! ```sh
//! cargo run --release -p branchnet-benches --bin cap -- pmedcap --from 1 --to 20 [--log]
//! cargo run --release -p branchnet-benches --bin cap -- cflp capa_8000 capb_5000 cap41 [--log]
//! ```
// A benchmark binary reports on the terminal.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use branchnet_optimize::orlib::listed_optimum;
use branchnet_optimize::{Costs, SolveOptions, Sourcing, solve_capacitated_p_median, solve_cflp};
use clap::{Parser, Subcommand};

/// Times the capacitated models on OR-Library instances.
#[derive(Debug, Parser)]
struct Args {
    #[command(subcommand)]
    set: Set,
    /// Log the solver's phases to stderr.
    #[arg(long, global = true)]
    log: bool,
    /// Time limit per instance, seconds (the check then only requires the reference within the bounds).
    #[arg(long, global = true)]
    time_limit: Option<f64>,
}

#[derive(Debug, Subcommand)]
enum Set {
    /// Capacitated p-median pmedcapNN.
    Pmedcap {
        /// First instance number.
        #[arg(long, default_value_t = 1)]
        from: usize,
        /// Last instance number.
        #[arg(long, default_value_t = 20)]
        to: usize,
    },
    /// Capacitated facility location, by `bounds.txt` name (cap41, capa_8000, ...).
    Cflp {
        /// Instances; capa/capb/capc take the capacity after an underscore.
        names: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.log {
        tracing_subscriber::fmt()
            .with_env_filter("branchnet_optimize=debug")
            .with_writer(std::io::stderr)
            .init();
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/reference/orlib");
    let options = SolveOptions {
        time_limit_s: args.time_limit,
        ..SolveOptions::default()
    };
    let mut total = 0.0;
    println!("instance        reference     objective         bound   status      seconds");
    match args.set {
        Set::Pmedcap { from, to } => {
            for k in from..=to {
                let name = format!("pmedcap{k:02}");
                let Pmedcap {
                    best,
                    p,
                    capacity,
                    costs,
                    demands,
                } = read_pmedcap(&dir.join(format!("pmedcap/{name}.txt")))?;
                let n = demands.len();
                let started = Instant::now();
                let s = solve_capacitated_p_median(
                    &costs,
                    &vec![1.0; n],
                    &demands,
                    &vec![capacity; n],
                    p,
                    Sourcing::Single,
                    &options,
                )
                .with_context(|| format!("solving {name}"))?;
                let seconds = started.elapsed().as_secs_f64();
                total += seconds;
                report(&name, best, &s.solution, seconds, args.time_limit.is_some())?;
            }
        }
        Set::Cflp { names } => {
            for name in names {
                let (file, capacity) = match name.split_once('_') {
                    Some((file, q)) => (file.to_string(), Some(q.parse::<f64>().context("capacity")?)),
                    None => (name.clone(), None),
                };
                let Cflp {
                    costs,
                    fixed,
                    capacities,
                    demands,
                } = read_cap(&dir.join(format!("cap/{file}.txt")), capacity)?;
                let best = listed_optimum(&dir.join("bounds.txt"), &name)?;
                let started = Instant::now();
                let s = solve_cflp(&costs, &fixed, &capacities, &demands, Sourcing::Split, &options)
                    .with_context(|| format!("solving {name}"))?;
                let seconds = started.elapsed().as_secs_f64();
                total += seconds;
                report(&name, best, &s.solution, seconds, args.time_limit.is_some())?;
            }
        }
    }
    println!("total {total:.1} s");
    Ok(())
}

fn report(
    name: &str,
    reference: f64,
    s: &branchnet_optimize::Solution,
    seconds: f64,
    limited: bool,
) -> anyhow::Result<()> {
    let status = if s.is_optimal() {
        "optimal".to_string()
    } else {
        format!("gap {:.3}%", 100.0 * s.gap)
    };
    println!(
        "{name:<12} {reference:>13.3} {:>13.3} {:>13.3}   {status:<10} {seconds:>8.2}",
        s.objective, s.bound
    );
    let tol = 1e-6 * reference.abs().max(1.0);
    if limited {
        ensure!(
            s.bound <= reference + tol && reference <= s.objective + tol,
            "{name}: the reference {reference} lies outside [{}, {}]",
            s.bound,
            s.objective
        );
    } else {
        ensure!(
            s.is_optimal() && (s.objective - reference).abs() <= tol,
            "{name}: {:?} objective {} against the reference {reference}",
            s.status,
            s.objective
        );
    }
    Ok(())
}

/// A capacitated p-median instance: header value, medians, one capacity for all, distances, demands.
struct Pmedcap {
    best: f64,
    p: usize,
    capacity: f64,
    costs: Costs,
    demands: Vec<f64>,
}

/// A CFLP instance: costs of serving each customer whole, fixed costs and capacities per site, demands.
struct Cflp {
    costs: Costs,
    fixed: Vec<f64>,
    capacities: Vec<f64>,
    demands: Vec<f64>,
}

/// `pmedcapNN.txt`: `number best`, `n p capacity`, then `id x y demand` per point; costs are the Euclidean
/// distances rounded down.
fn read_pmedcap(path: &Path) -> anyhow::Result<Pmedcap> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let numbers: Vec<f64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| path.display().to_string())?;
    if numbers.len() < 5 {
        bail!("{}: too short", path.display());
    }
    let (best, n, p, capacity) = (numbers[1], numbers[2] as usize, numbers[3] as usize, numbers[4]);
    ensure!(
        numbers.len() >= 5 + 4 * n,
        "{}: fewer than {n} points",
        path.display()
    );
    let point = |i: usize| (numbers[5 + 4 * i + 1], numbers[5 + 4 * i + 2]);
    let demands: Vec<f64> = (0..n).map(|i| numbers[5 + 4 * i + 3]).collect();
    let triples = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| {
        let (a, b) = (point(i), point(j));
        (i, j, (a.0 - b.0).hypot(a.1 - b.1).floor())
    });
    let costs = Costs::from_triples(n, n, triples)?;
    Ok(Pmedcap {
        best,
        p,
        capacity,
        costs,
        demands,
    })
}

/// Beasley's CFLP format: `m n`, m × `capacity fixed`, then per customer its demand and the m costs of serving
/// all of it from each facility; a literal `capacity` stands for `capacity` (capa/b/c).
fn read_cap(path: &Path, capacity: Option<f64>) -> anyhow::Result<Cflp> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let numbers: Vec<f64> = text
        .split_whitespace()
        .map(|t| match (t, capacity) {
            ("capacity", Some(q)) => Ok(q),
            ("capacity", None) => bail!("{} needs a capacity (name_capacity)", path.display()),
            _ => t
                .parse::<f64>()
                .with_context(|| format!("{}: {t}", path.display())),
        })
        .collect::<anyhow::Result<_>>()?;
    let (m, n) = (numbers[0] as usize, numbers[1] as usize);
    ensure!(
        numbers.len() >= 2 + 2 * m + n * (m + 1),
        "{}: too short",
        path.display()
    );
    let capacities: Vec<f64> = (0..m).map(|j| numbers[2 + 2 * j]).collect();
    let fixed: Vec<f64> = (0..m).map(|j| numbers[3 + 2 * j]).collect();
    let base = 2 + 2 * m;
    let demands: Vec<f64> = (0..n).map(|i| numbers[base + i * (m + 1)]).collect();
    let numbers = &numbers;
    let triples = (0..n).flat_map(|i| (0..m).map(move |j| (i, j, numbers[base + i * (m + 1) + 1 + j])));
    let costs = Costs::from_triples(n, m, triples)?;
    Ok(Cflp {
        costs,
        fixed,
        capacities,
        demands,
    })
}
