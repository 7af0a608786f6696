//! `branchnet solve <model>`: read demand points and candidate sites (positions or an origin/destination
//! table), solve a location model and report the plan.
//!
//! A model is one [`Model`] variant, its line in `Model::needs` and one arm in `dispatch`; the reading,
//! the summary and the assignment file are shared, and what a model needs beyond the plain inputs (decays,
//! capacities, fixed costs, competitors) is built in `models`.

mod decay;
mod input;
mod models;
mod od;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use branchnet_core::Decay;
use branchnet_optimize::{
    Solution, SolveOptions, Sourcing, UtilityDecay, solve_lscp, solve_lscp_backup, solve_mclp,
    solve_p_center, solve_p_median,
};

use decay::{DecayKind, UtilityKind};
use input::{CoordinateKind, PairLimit, Problem, Sources};

/// Arguments of `branchnet solve`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    branchnet solve mclp -p 4 --radius 5000 --demand demand.csv --sites sites.csv --weight population\n  \
    branchnet solve p-median -p 10 --demand cells.parquet --sites candidates.csv --max-distance 5000 --out plan.csv\n  \
    branchnet solve lscp --radius 800 --demand tracts.csv --od od.csv --od-columns tract,store,metres\n  \
    branchnet solve mclp -p 4 --decay gaussian --decay-param bandwidth=1500,cutoff=5000 --demand d.csv --sites s.csv\n  \
    branchnet solve cflp --fixed-cost fixed --capacity capacity --demand-amount demand --demand d.csv --sites s.csv --od od.csv\n  \
    branchnet solve capacitated-p-median -p 5 --capacity capacity --sourcing single --demand d.csv --sites s.csv\n  \
    branchnet solve p-dispersion -p 4 --sites s.csv\n  \
    branchnet solve max-capture -p 3 --competitors rivals.csv --utility-decay power --beta 2 --min-cost 100 --demand d.csv --sites s.csv")]
pub struct Args {
    /// The location model.
    #[arg(value_enum)]
    model: Model,
    /// Demand points: CSV or Parquet with an id column, positions (x/y in metres, or lon/lat) and optionally a
    /// weight column. Every model but p-dispersion needs it.
    #[arg(long, value_name = "FILE")]
    demand: Option<PathBuf>,
    /// Candidate sites: CSV or Parquet with an id column and positions. With --od only the ids (and the
    /// columns a model reads) are read, and the file may be left out (the sites are then the destinations of
    /// the table).
    #[arg(long, value_name = "FILE")]
    sites: Option<PathBuf>,
    /// A long origin/destination table (demand id, site id, cost), e.g. network distances from OSRM or r5;
    /// pairs it does not list are unreachable. Replaces positions. For p-dispersion (no --demand) both ends
    /// are site ids, and unlisted pairs never conflict.
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
    /// Partial coverage (mclp): coverage fades with distance by this decay instead of stopping at --radius.
    #[arg(long, value_enum, value_name = "KIND")]
    decay: Option<DecayKind>,
    /// Parameters of --decay as KEY=VALUE (comma-separated or repeated), the keys of a `[decay]` table in
    /// scenario.toml: beta, min-distance, scale, bandwidth, full-radius, cutoff. The radius of the step and
    /// linear forms is --radius.
    #[arg(long, value_name = "KEY=VALUE,...", value_delimiter = ',')]
    decay_param: Vec<String>,
    /// Fixed cost of opening each site (uflp, cflp): a column of --sites.
    #[arg(long, value_name = "COLUMN")]
    fixed_cost: Option<String>,
    /// Capacity of each site (cflp, capacitated-p-median): a column of --sites, in the unit of
    /// --demand-amount.
    #[arg(long, value_name = "COLUMN")]
    capacity: Option<String>,
    /// What each demand point consumes of a site's capacity (cflp, capacitated-p-median): a column of
    /// --demand; default the weight.
    #[arg(long, value_name = "COLUMN")]
    demand_amount: Option<String>,
    /// Whether a point's demand may be split among sites (cflp, capacitated-p-median); default split.
    #[arg(long, value_enum, value_name = "HOW")]
    sourcing: Option<SourcingArg>,
    /// Competitors' branches (max-capture): CSV or Parquet with ids and positions like --sites (with --od,
    /// the table's rows whose destination is a competitor id give their costs).
    #[arg(long, value_name = "FILE")]
    competitors: Option<PathBuf>,
    /// The id column of --competitors.
    #[arg(long, value_name = "COLUMN", default_value = "id")]
    competitor_id: String,
    /// Attractiveness of each branch (max-capture): a column of --sites and of --competitors; default 1.
    #[arg(long, value_name = "COLUMN")]
    attractiveness: Option<String>,
    /// How utility falls with cost (max-capture): power (Huff; the default) or exponential (multinomial
    /// logit).
    #[arg(long, value_enum, value_name = "FORM")]
    utility_decay: Option<UtilityKind>,
    /// Distance-decay exponent (power) or rate per unit of cost (exponential) of the utility (max-capture).
    #[arg(long, value_name = "BETA")]
    beta: Option<f64>,
    /// Costs below this count as this in the power utility (max-capture), so a customer next to a branch gets
    /// a finite utility.
    #[arg(long, value_name = "COST")]
    min_cost: Option<f64>,
    /// Write the plan to this CSV or Parquet file: one row per demand point (demand_id, site_id, cost, and
    /// covered with a radius, coverage with --decay, captured for max-capture); one row per (demand, site,
    /// share) for uflp, cflp and capacitated-p-median; one row per chosen site (its nearest chosen site and
    /// the distance) for p-dispersion.
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
    /// Uncapacitated facility location: any number of sites, each at its --fixed-cost, minimising fixed plus
    /// weighted service cost.
    Uflp,
    /// Capacitated facility location: as uflp, within each site's --capacity.
    Cflp,
    /// Capacitated p-median: the -p sites minimising weighted distance, within each site's --capacity.
    #[value(name = "capacitated-p-median")]
    CapacitatedPMedian,
    /// p-dispersion: the -p sites (of --sites only) as far apart from each other as possible.
    #[value(name = "p-dispersion")]
    PDispersion,
    /// Maximum capture: the -p sites capturing the most demand from --competitors under Huff / logit choice.
    #[value(name = "max-capture")]
    MaxCapture,
}

/// `--sourcing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourcingArg {
    /// A point's demand may be shared among open sites.
    Split,
    /// Each point is served by one site.
    Single,
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
    /// The model-specific flags it takes (others are refused rather than ignored).
    flags: &'static [&'static str],
}

impl Model {
    fn needs(self) -> Needs {
        const CAPACITY: &[&str] = &["--capacity", "--demand-amount", "--sourcing"];
        let (p, objective, assigns, flags): (_, _, _, &[&str]) = match self {
            Model::Lscp => (false, "sites opened", false, &[]),
            Model::Mclp => (true, "demand weight covered", false, &["--decay"]),
            Model::PMedian => (true, "weighted distance", true, &[]),
            Model::LscpB => (false, "demand weight covered twice", false, &[]),
            Model::PCenter => (true, "largest distance", true, &[]),
            Model::Uflp => (false, "fixed plus weighted service cost", true, &["--fixed-cost"]),
            Model::Cflp => (
                false,
                "fixed plus weighted service cost",
                true,
                &["--fixed-cost", "--capacity", "--demand-amount", "--sourcing"],
            ),
            Model::CapacitatedPMedian => (true, "weighted distance", true, CAPACITY),
            Model::PDispersion => (true, "smallest distance between chosen sites", false, &[]),
            Model::MaxCapture => (
                true,
                "demand weight captured",
                true,
                &[
                    "--competitors",
                    "--attractiveness",
                    "--beta",
                    "--min-cost",
                    "--utility-decay",
                ],
            ),
        };
        Needs {
            p,
            objective,
            assigns,
            flags,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Model::Lscp => "LSCP",
            Model::Mclp => "MCLP",
            Model::PMedian => "p-median",
            Model::LscpB => "LSCP-B",
            Model::PCenter => "p-center",
            Model::Uflp => "UFLP",
            Model::Cflp => "CFLP",
            Model::CapacitatedPMedian => "capacitated p-median",
            Model::PDispersion => "p-dispersion",
            Model::MaxCapture => "max-capture",
        }
    }
}

/// The model's parameters, checked against what it needs.
struct Params {
    radius: Option<f64>,
    p: Option<usize>,
    limit: PairLimit,
    /// Partial coverage (mclp with --decay).
    decay: Option<Decay>,
    /// Site and demand columns of the capacitated and fixed-cost models.
    fixed_cost: Option<String>,
    capacity: Option<String>,
    demand_amount: Option<String>,
    sourcing: Sourcing,
    /// Utility of a branch for a customer (max-capture), and the attractiveness column.
    utility: Option<UtilityDecay>,
    attractiveness: Option<String>,
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

/// A model's plan and what it reports beyond the shared figures.
pub struct Outcome {
    solution: Solution,
    /// Per point, `(site, share)` pairs (facility models); the assignment file then has a row per pair.
    shares: Option<Vec<Vec<(usize, f64)>>>,
    /// One more figure per demand point for the assignment file: its column name and values.
    per_point: Option<(&'static str, Vec<f64>)>,
    /// One figure per site, listed for the chosen sites: its name and values (all sites).
    per_site: Option<(&'static str, Vec<f64>)>,
    /// Model-specific summary figures.
    figures: Vec<Figure>,
}

impl Outcome {
    fn plan(solution: Solution) -> Self {
        Self {
            solution,
            shares: None,
            per_point: None,
            per_site: None,
            figures: Vec::new(),
        }
    }
}

/// A summary figure: its JSON key, its label in the text summary, its value, and whether it is a share
/// (printed as a percentage).
pub struct Figure {
    key: &'static str,
    label: &'static str,
    value: f64,
    share: bool,
}

/// Builds the model's input and solves it: the one place that knows which function solves which model.
fn dispatch(
    model: Model,
    problem: &Problem,
    params: &Params,
    options: &SolveOptions,
) -> anyhow::Result<Outcome> {
    let w = &problem.weights;
    let plan = |s: Solution| Ok(Outcome::plan(s));
    match model {
        Model::Lscp => plan(solve_lscp(&problem.coverage(params.radius(model)?)?, options)?),
        Model::Mclp if params.decay.is_some() => models::mclp_partial(problem, params, options),
        Model::Mclp => plan(solve_mclp(
            &problem.coverage(params.radius(model)?)?,
            w,
            params.p(model)?,
            options,
        )?),
        Model::PMedian => plan(solve_p_median(
            &problem.costs(params.limit)?,
            w,
            params.p(model)?,
            options,
        )?),
        Model::LscpB => {
            plan(solve_lscp_backup(&problem.coverage(params.radius(model)?)?, w, options)?.solution)
        }
        Model::PCenter => plan(solve_p_center(
            &problem.costs(params.limit)?,
            params.p(model)?,
            options,
        )?),
        Model::Uflp => models::uflp(problem, params, options),
        Model::Cflp => models::cflp(problem, params, options),
        Model::CapacitatedPMedian => models::capacitated_p_median(problem, params, options),
        Model::PDispersion => models::p_dispersion(problem, params, options),
        Model::MaxCapture => models::max_capture(problem, params, options),
    }
}

/// Refuses model-specific flags the model does not take, rather than ignoring them.
fn check_flags(args: &Args, needs: &Needs) -> anyhow::Result<()> {
    let given = [
        ("--decay", args.decay.is_some() || !args.decay_param.is_empty()),
        ("--fixed-cost", args.fixed_cost.is_some()),
        ("--capacity", args.capacity.is_some()),
        ("--demand-amount", args.demand_amount.is_some()),
        ("--sourcing", args.sourcing.is_some()),
        ("--competitors", args.competitors.is_some()),
        ("--attractiveness", args.attractiveness.is_some()),
        ("--beta", args.beta.is_some()),
        ("--min-cost", args.min_cost.is_some()),
        ("--utility-decay", args.utility_decay.is_some()),
    ];
    if let Some((flag, _)) = given.iter().find(|(f, set)| *set && !needs.flags.contains(f)) {
        bail!("{flag} does not apply to {}", args.model.name());
    }
    if args.decay.is_none() && !args.decay_param.is_empty() {
        bail!("--decay-param gives the parameters of a --decay KIND; name the kind");
    }
    match (args.model, &args.demand) {
        (Model::PDispersion, Some(_)) => {
            bail!("p-dispersion places sites only (from --sites); --demand does not apply")
        }
        (Model::PDispersion, None) => Ok(()),
        (_, None) => bail!(
            "{} needs --demand FILE, the demand points (ids, positions or --od ids, weights)",
            args.model.name()
        ),
        (_, Some(_)) => Ok(()),
    }
}

/// The model's parameters from the command line.
fn params(args: &Args) -> anyhow::Result<Params> {
    let decay = match args.decay {
        Some(kind) => Some(decay::coverage_decay(kind, &args.decay_param, args.radius)?),
        None => None,
    };
    let utility = match args.model {
        Model::MaxCapture => Some(decay::utility_decay(
            args.utility_decay.unwrap_or(UtilityKind::Power),
            args.beta,
            args.min_cost,
        )?),
        _ => None,
    };
    Ok(Params {
        radius: args.radius,
        p: args.p,
        limit: PairLimit {
            max_distance: args.max_distance,
            nearest: args.nearest,
            max_pairs: args.max_pairs,
        },
        decay,
        fixed_cost: args.fixed_cost.clone(),
        capacity: args.capacity.clone(),
        demand_amount: args.demand_amount.clone(),
        sourcing: match args.sourcing {
            Some(SourcingArg::Single) => Sourcing::Single,
            Some(SourcingArg::Split) | None => Sourcing::Split,
        },
        utility,
        attractiveness: args.attractiveness.clone(),
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
    check_flags(args, &needs)?;
    let params = params(args)?;
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
        demand: args.demand.as_deref(),
        demand_id: &args.demand_id,
        weight: args.weight.as_deref(),
        sites: args.sites.as_deref(),
        site_id: &args.site_id,
        od: args.od.as_deref(),
        od_columns: [origin, destination, cost],
        coordinates: args.coordinates,
        competitors: args
            .competitors
            .as_deref()
            .map(|c| (c, args.competitor_id.as_str())),
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
    let read_s = start.elapsed().as_secs_f64();
    let outcome = dispatch(args.model, &problem, &params, &options)?;
    let report = output::Report::new(args.model, &needs, &problem, &params, outcome, start, read_s)?;
    if let Some(path) = &args.out {
        output::write_assignments(path, &report, &problem)?;
    }
    let infeasible = report.infeasible();
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
