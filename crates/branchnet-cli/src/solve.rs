//! `branchnet solve <model>`: read demand points and candidate sites (positions or an origin/destination
//! table), solve a location model and report the plan.
//!
//! A model is one [`Model`] variant, its line in `Model::needs` and one arm in `dispatch`; the reading,
//! the summary and the assignment file are shared.

mod input;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use branchnet_optimize::{
    Solution, SolveOptions, Status, solve_lscp, solve_lscp_backup, solve_mclp, solve_p_center, solve_p_median,
};

use input::{CoordinateKind, PairLimit, Problem, Sources};

/// Arguments of `branchnet solve`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    branchnet solve mclp -p 4 --radius 5000 --demand demand.csv --sites sites.csv --weight population\n  \
    branchnet solve p-median -p 10 --demand cells.parquet --sites candidates.csv --max-distance 5000 --out plan.csv\n  \
    branchnet solve lscp --radius 800 --demand tracts.csv --od od.csv --od-columns tract,store,metres")]
pub struct Args {
    /// The location model.
    #[arg(value_enum)]
    model: Model,
    /// Demand points: CSV or Parquet with an id column, positions (x/y in metres, or lon/lat) and optionally a
    /// weight column.
    #[arg(long, value_name = "FILE")]
    demand: PathBuf,
    /// Candidate sites: CSV or Parquet with an id column and positions. With --od only the ids are read, and
    /// the file may be left out (the sites are then the destinations of the table).
    #[arg(long, value_name = "FILE")]
    sites: Option<PathBuf>,
    /// A long origin/destination table (demand id, site id, cost), e.g. network distances from OSRM or r5;
    /// pairs it does not list are unreachable. Replaces positions.
    #[arg(long, value_name = "FILE")]
    od: Option<PathBuf>,
    /// The origin, destination and cost columns of --od.
    #[arg(
        long,
        value_name = "ORIGIN,DESTINATION,COST",
        default_value = "origin,destination,cost"
    )]
    od_columns: String,
    /// The id column of --demand.
    #[arg(long, value_name = "COLUMN", default_value = "id")]
    demand_id: String,
    /// The id column of --sites.
    #[arg(long, value_name = "COLUMN", default_value = "id")]
    site_id: String,
    /// The demand weight column (people, customers); default: a column named `weight` if there is one, else
    /// 1 per point.
    #[arg(long, value_name = "COLUMN")]
    weight: Option<String>,
    /// How positions are given.
    #[arg(long, value_enum, default_value_t = CoordinateKind::Auto)]
    coordinates: CoordinateKind,
    /// Covering radius, in metres (or the unit of the --od costs): a site covers the points within it.
    #[arg(long, value_name = "METRES")]
    radius: Option<f64>,
    /// Number of sites to open.
    #[arg(short = 'p', value_name = "P")]
    p: Option<usize>,
    /// Sites that must be open, by id (comma-separated).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    required: Vec<String>,
    /// Sites that must stay closed, by id (comma-separated).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    forbidden: Vec<String>,
    /// Wall-clock limit of the solver in seconds; the best plan found by then is reported with its gap.
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Relative gap at which the solver may stop (0 proves optimality).
    #[arg(long, default_value_t = 0.0)]
    gap: f64,
    /// Solver threads.
    #[arg(long, default_value_t = 2)]
    threads: u32,
    /// Cost models only use pairs within this distance (or cost, with --od).
    #[arg(long, value_name = "METRES")]
    max_distance: Option<f64>,
    /// Cost models on positions only use each demand point's K nearest sites.
    #[arg(long, value_name = "K")]
    nearest: Option<usize>,
    /// Most pairs a cost model on positions may use without --max-distance or --nearest.
    #[arg(long, default_value_t = 2_000_000)]
    max_pairs: usize,
    /// Write one row per demand point (demand_id, site_id, cost, covered) to this CSV or Parquet file.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// The location models `branchnet solve` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    /// Location set covering: the fewest sites covering every demand point within --radius.
    Lscp,
    /// Maximal covering: the -p sites covering the most demand weight within --radius.
    Mclp,
    /// p-median: the -p sites minimising the weighted distance of every point to its nearest open site.
    #[value(name = "p-median")]
    PMedian,
    /// LSCP-B: as few sites as the LSCP needs, covering the most demand weight twice within --radius.
    #[value(name = "lscp-b")]
    LscpB,
    /// p-center: the -p sites minimising the largest distance of a point to its nearest open site.
    #[value(name = "p-center")]
    PCenter,
}

/// What a model needs from the command line, and what its objective is.
struct Needs {
    /// Whether -p applies (a radius applies to every model: covering models need it, cost models report
    /// coverage within it).
    p: bool,
    /// What the objective counts, for the summary.
    objective: &'static str,
    /// Whether the model assigns points to sites (cost models) rather than just covering them.
    assigns: bool,
}

impl Model {
    fn needs(self) -> Needs {
        let (p, objective, assigns) = match self {
            Model::Lscp => (false, "sites opened", false),
            Model::Mclp => (true, "demand weight covered", false),
            Model::PMedian => (true, "weighted distance", true),
            Model::LscpB => (false, "demand weight covered twice", false),
            Model::PCenter => (true, "largest distance", true),
        };
        Needs {
            p,
            objective,
            assigns,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Model::Lscp => "LSCP",
            Model::Mclp => "MCLP",
            Model::PMedian => "p-median",
            Model::LscpB => "LSCP-B",
            Model::PCenter => "p-center",
        }
    }
}

/// The model's parameters, checked against what it needs.
struct Params {
    radius: Option<f64>,
    p: Option<usize>,
    limit: PairLimit,
}

impl Params {
    fn radius(&self, model: Model) -> anyhow::Result<f64> {
        match self.radius {
            Some(r) if r.is_finite() && r >= 0.0 => Ok(r),
            Some(r) => bail!("--radius must be a distance ≥ 0, not {r}"),
            None => bail!(
                "{} needs --radius (metres, or the unit of the --od costs)",
                model.name()
            ),
        }
    }

    fn p(&self, model: Model) -> anyhow::Result<usize> {
        self.p
            .ok_or_else(|| anyhow::anyhow!("{} needs -p, the number of sites to open", model.name()))
    }
}

/// Builds the model's input and solves it: the one place that knows which function solves which model.
fn dispatch(
    model: Model,
    problem: &Problem,
    params: &Params,
    options: &SolveOptions,
) -> anyhow::Result<Solution> {
    let w = &problem.weights;
    Ok(match model {
        Model::Lscp => solve_lscp(&problem.coverage(params.radius(model)?)?, options)?,
        Model::Mclp => solve_mclp(
            &problem.coverage(params.radius(model)?)?,
            w,
            params.p(model)?,
            options,
        )?,
        Model::PMedian => solve_p_median(&problem.costs(params.limit)?, w, params.p(model)?, options)?,
        Model::LscpB => solve_lscp_backup(&problem.coverage(params.radius(model)?)?, w, options)?.solution,
        Model::PCenter => solve_p_center(&problem.costs(params.limit)?, params.p(model)?, options)?,
    })
}

/// Runs the command: exit status 0 with a plan, 2 when the model is infeasible (the reason is printed).
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let needs = args.model.needs();
    if !needs.p && args.p.is_some() {
        bail!(
            "{} chooses the number of sites itself; -p does not apply",
            args.model.name()
        );
    }
    let od_columns: Vec<&str> = args.od_columns.split(',').map(str::trim).collect();
    let [origin, destination, cost] = od_columns[..] else {
        bail!(
            "--od-columns takes three names, origin,destination,cost; got `{}`",
            args.od_columns
        );
    };
    if args.od.is_some() && args.nearest.is_some() {
        bail!("--nearest applies to positions; with --od, keep near pairs with --max-distance");
    }
    let problem = input::read(&Sources {
        demand: &args.demand,
        demand_id: &args.demand_id,
        weight: args.weight.as_deref(),
        sites: args.sites.as_deref(),
        site_id: &args.site_id,
        od: args.od.as_deref(),
        od_columns: [origin, destination, cost],
        coordinates: args.coordinates,
    })?;
    let options = SolveOptions {
        time_limit_s: args.time_limit,
        mip_rel_gap: args.gap,
        threads: args.threads,
        required: problem.site_indexes(&args.required, "--required")?,
        forbidden: problem.site_indexes(&args.forbidden, "--forbidden")?,
    };
    if let Some(j) = options.required.iter().find(|j| options.forbidden.contains(j)) {
        bail!(
            "site `{}` is both --required and --forbidden",
            problem.site_ids[*j]
        );
    }
    let params = Params {
        radius: args.radius,
        p: args.p,
        limit: PairLimit {
            max_distance: args.max_distance,
            nearest: args.nearest,
            max_pairs: args.max_pairs,
        },
    };
    let read_s = start.elapsed().as_secs_f64();
    let solution = dispatch(args.model, &problem, &params, &options)?;
    let report = output::Report::new(args.model, &needs, &problem, &params, &solution, start, read_s)?;
    if let Some(path) = &args.out {
        output::write_assignments(path, &report, &problem)?;
    }
    let infeasible = matches!(solution.status, Status::Infeasible { .. });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.json(&problem))?);
    } else {
        report.print(&problem, args.out.as_deref());
        if infeasible && needs.assigns && (args.nearest.is_some() || args.max_distance.is_some()) {
            println!(
                "Hint: only pairs within --max-distance or among the --nearest sites may serve; with few \
                 of them per point, p sites may not reach everyone: allow more pairs"
            );
        }
    }
    Ok(if infeasible {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
