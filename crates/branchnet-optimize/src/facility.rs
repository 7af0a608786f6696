//! Facility location with fixed costs: the capacitated (CFLP) and uncapacitated (UFLP) problems, and the
//! engine they share with the capacitated p-median.
//!
//! One formulation serves all three: open-site variables `y_j`, assignment variables `x_ij` (the share of
//! point `i`'s demand served by site `j`, for the allowed pairs only), every point fully served, the strong
//! links `x_ij ≤ y_j`, capacity rows `Σ_i d_i x_ij ≤ Q_j y_j`, and the aggregate cut `Σ_j Q_j y_j ≥ Σ_i d_i`
//! (implied by the others, but it tightens the relaxation HiGHS branches on a great deal).
//!
//! Split demand (`x` continuous) is the default; single sourcing makes `x` binary. With split demand the plan
//! HiGHS returns is re-allocated by a transportation LP over its open sites, so the shares and the objective
//! are the best for those sites rather than whatever HiGHS's tolerances left.
//!
//! With capacities, phases before HiGHS: a greedy plan; a Lagrangian relaxation of "every point served" (a
//! knapsack per site; without `p` the sites it opens must hold the demand, Cornuéjols, Sridharan & Thizy
//! 1991) by subgradient; plans improved by moves on the open set (drop/add under split demand, site swaps
//! for the single-sourcing p-median, see `site_swaps`); under single sourcing, the exact Lagrangian dual by
//! column generation over knapsack columns (`knapsack_columns`); then reduced-cost fixing of sites and pairs
//! against the incumbent, and HiGHS on what is left.

use std::time::Instant;

use highs::{Col, HighsModelStatus, RowProblem, Sense};
use tracing::debug;

use crate::input::check_amounts;
use crate::knapsack_columns::column_generation;
use crate::mip::{MipOutcome, site_bounds, solve};
use crate::site_swaps::{improve_by_swaps, improve_open_set};
use crate::{Costs, OptimizeError, Solution, SolveOptions};

/// Whether a demand point may be served by several sites.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sourcing {
    /// A point's demand may be split among open sites (the classical CFLP and OR-Library's convention).
    #[default]
    Split,
    /// Each point is served by exactly one open site.
    Single,
}

/// A plan with capacities: the [`Solution`] plus how each point's demand is shared among sites.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilitySolution {
    /// Status, objective, bound, gap and open sites; `assignment` names the site serving the largest share of
    /// each point (the lowest-numbered one on a tie).
    pub solution: Solution,
    /// For each demand point, `(site, share)` pairs with shares summing to 1, ascending by site (one pair
    /// `(site, 1.0)` under single sourcing); empty when infeasible.
    pub shares: Vec<Vec<(usize, f64)>>,
}

impl FacilitySolution {
    fn infeasible(reason: impl Into<String>, n: usize) -> Self {
        Self {
            solution: Solution::infeasible(reason, n),
            shares: vec![Vec::new(); n],
        }
    }
}

/// Capacitated facility location: opens any number of sites, each at its fixed cost, and serves every demand
/// point within the sites' capacities, minimising fixed plus assignment cost.
///
/// `costs` lists, per demand point, the sites allowed to serve it and the cost of serving **all** of its
/// demand there (OR-Library's convention); serving a share `s` costs `s` times that. `fixed_costs` and
/// `capacities` have one entry per site, `demands` one per point. [`Sourcing::Split`] lets a point be served by
/// several sites; [`Sourcing::Single`] does not.
///
/// A greedy add/drop plan (allocated by a transportation LP), improved by the Lagrangian phase, seeds HiGHS,
/// so a time limit returns a plan and its gap. Infeasible instances — a point with no allowed site, total allowed capacity below total demand,
/// or (split) no allocation fitting the capacities at all — come back with the reason.
///
/// # Errors
/// Inputs of the wrong length, or negative or non-finite numbers; HiGHS failing.
pub fn solve_cflp(
    costs: &Costs,
    fixed_costs: &[f64],
    capacities: &[f64],
    demands: &[f64],
    sourcing: Sourcing,
    options: &SolveOptions,
) -> Result<FacilitySolution, OptimizeError> {
    check_amounts("fixed costs", fixed_costs, costs.n_sites())?;
    check_amounts("capacities", capacities, costs.n_sites())?;
    check_amounts("demands", demands, costs.n_demand())?;
    let model = Model {
        costs,
        weights: None,
        demands,
        capacities: Some(capacities),
        fixed: Some(fixed_costs),
        p: None,
        sourcing,
    };
    solve_model(&model, options)
}

/// Uncapacitated facility location: opens any number of sites, each at its fixed cost, and serves every demand
/// point from its cheapest open site, minimising fixed plus assignment cost.
///
/// `costs` gives, per demand point, the allowed sites and the cost of serving the whole point there.
///
/// # Errors
/// Fixed costs of the wrong length, negative or non-finite; HiGHS failing.
pub fn solve_uflp(
    costs: &Costs,
    fixed_costs: &[f64],
    options: &SolveOptions,
) -> Result<Solution, OptimizeError> {
    check_amounts("fixed costs", fixed_costs, costs.n_sites())?;
    let demands = vec![0.0; costs.n_demand()];
    let model = Model {
        costs,
        weights: None,
        demands: &demands,
        capacities: None,
        fixed: Some(fixed_costs),
        p: None,
        // Without capacities each point goes whole to its cheapest open site at every optimum anyway.
        sourcing: Sourcing::Split,
    };
    Ok(solve_model(&model, options)?.solution)
}

/// The shared model: CFLP (fixed costs, capacities), UFLP (fixed costs only), capacitated p-median (`p`,
/// capacities, cost weights).
pub(crate) struct Model<'a> {
    pub(crate) costs: &'a Costs,
    /// Multiplies each point's costs (the p-median's weights); `None` means 1.
    pub(crate) weights: Option<&'a [f64]>,
    /// What each point consumes of a site's capacity.
    pub(crate) demands: &'a [f64],
    /// `None`: uncapacitated.
    pub(crate) capacities: Option<&'a [f64]>,
    /// `None`: no fixed costs.
    pub(crate) fixed: Option<&'a [f64]>,
    /// Exactly this many sites open, if set.
    pub(crate) p: Option<usize>,
    pub(crate) sourcing: Sourcing,
}

/// The allowed pairs of one demand point: sites and assignment costs (weight included).
pub(crate) type Pairs = Vec<(usize, f64)>;

/// Per demand point, `(site, share)` pairs.
type Shares = Vec<Vec<(usize, f64)>>;

impl Model<'_> {
    pub(crate) fn fixed(&self, j: usize) -> f64 {
        self.fixed.map_or(0.0, |f| f[j])
    }

    pub(crate) fn capacity(&self, j: usize) -> f64 {
        self.capacities.map_or(f64::INFINITY, |q| q[j])
    }

    fn total_demand(&self) -> f64 {
        self.demands.iter().sum()
    }

    /// Per point, the pairs it may use: listed in `costs`, site not forbidden, and (single sourcing) a site
    /// whose capacity can hold the whole point.
    fn pairs(&self, options: &SolveOptions) -> Vec<Pairs> {
        (0..self.costs.n_demand())
            .map(|i| {
                let w = self.weights.map_or(1.0, |w| w[i]);
                let (sites, costs) = self.costs.row(i);
                sites
                    .iter()
                    .zip(costs)
                    .map(|(&j, &c)| (j as usize, w * c))
                    .filter(|(j, _)| !options.forbidden.contains(j))
                    .filter(|(j, _)| self.sourcing == Sourcing::Split || self.demands[i] <= self.capacity(*j))
                    .collect()
            })
            .collect()
    }

    /// Why no plan can exist, when a simple count shows it.
    fn obvious_conflict(&self, pairs: &[Pairs], options: &SolveOptions) -> Option<String> {
        let m = self.costs.n_sites();
        if let Some(p) = self.p
            && let Some(reason) = options.p_conflict(p, m)
        {
            return Some(reason);
        }
        if let Some(j) = options.required.iter().find(|j| options.forbidden.contains(j)) {
            return Some(format!("site {j} is both required and forbidden"));
        }
        if let Some(i) = pairs.iter().position(Vec::is_empty) {
            return Some(if self.sourcing == Sourcing::Single {
                format!(
                    "demand point {i} (demand {}) can be served by no allowed site with enough capacity",
                    self.demands[i]
                )
            } else {
                format!("demand point {i} can be served by no allowed site")
            });
        }
        let total = self.total_demand();
        let mut caps: Vec<f64> = (0..m)
            .filter(|j| !options.forbidden.contains(j))
            .map(|j| self.capacity(j))
            .collect();
        let available: f64 = match self.p {
            // At most p sites open: the required ones and the largest of the others.
            Some(p) => {
                let required: f64 = options.required.iter().map(|&j| self.capacity(j)).sum();
                let mut others: Vec<f64> = (0..m)
                    .filter(|j| !options.forbidden.contains(j) && !options.required.contains(j))
                    .map(|j| self.capacity(j))
                    .collect();
                others.sort_by(|a, b| b.total_cmp(a));
                required
                    + others
                        .iter()
                        .take(p.saturating_sub(options.required.len()))
                        .sum::<f64>()
            }
            None => {
                caps.sort_by(|a, b| b.total_cmp(a));
                caps.iter().sum()
            }
        };
        (available < total).then(|| match self.p {
            Some(p) => {
                format!("total demand {total} exceeds {available}, the most capacity {p} allowed sites offer")
            }
            None => {
                format!("total demand {total} exceeds the total capacity {available} of the allowed sites")
            }
        })
    }
}

/// Solves the shared model: checks, greedy start, MIP, then the plan's own allocation and objective.
pub(crate) fn solve_model(
    model: &Model<'_>,
    options: &SolveOptions,
) -> Result<FacilitySolution, OptimizeError> {
    let n = model.costs.n_demand();
    let m = model.costs.n_sites();
    if let Some(j) = options
        .required
        .iter()
        .chain(&options.forbidden)
        .find(|&&j| j >= m)
    {
        return Err(OptimizeError::UnknownSite {
            what: "required/forbidden sites",
            site: *j,
            sites: m,
        });
    }
    let pairs = model.pairs(options);
    if let Some(reason) = model.obvious_conflict(&pairs, options) {
        return Ok(FacilitySolution::infeasible(reason, n));
    }
    let start = start_plan(model, &pairs, options)?;
    if start.is_none() && model.sourcing == Sourcing::Split && model.p.is_none() {
        // Split demand with every allowed site open is the loosest the capacities can be: if even that
        // transportation problem has no solution, no plan does.
        let all: Vec<bool> = (0..m).map(|j| !options.forbidden.contains(&j)).collect();
        if allocate(model, &pairs, &all, options)?.is_none() {
            return Ok(FacilitySolution::infeasible(
                "the allowed sites cannot serve every demand point within their capacities, even all open",
                n,
            ));
        }
    }

    let started = Instant::now();
    let mut incumbent: Option<Plan> = start.map(|(open, shares)| Plan::new(model, &pairs, open, shares));
    debug!(
        start = incumbent.as_ref().map(|p| p.objective),
        "facility: greedy start"
    );
    // Capacities make the plain LP bound weak; a Lagrangian bound first proves most pairs and sites useless.
    let reduction = match model.capacities {
        Some(_) => Some(reduce(model, &pairs, options, &mut incumbent, started)?),
        None => None,
    };
    let (kept, site_fix, lower) = match &reduction {
        Some(r) => (&r.pairs, r.sites.clone(), r.bound),
        None => (&pairs, vec![None; m], f64::NEG_INFINITY),
    };
    debug!(
        bound = lower,
        incumbent = incumbent.as_ref().map(|p| p.objective),
        pairs = kept.iter().map(Vec::len).sum::<usize>(),
        open = site_fix.iter().filter(|f| **f == Some(true)).count(),
        closed = site_fix.iter().filter(|f| **f == Some(false)).count(),
        seconds = started.elapsed().as_secs_f64(),
        "facility: Lagrangian reduction"
    );
    if let Some(plan) = &incumbent
        && (kept.iter().any(Vec::is_empty) || lower >= plan.objective)
    {
        // No plan better than the incumbent survives the reduction: it is optimal.
        return Ok(plan.clone().finish(plan.objective, true));
    }
    let mut options = options.clone();
    if let Some(limit) = options.time_limit_s {
        options.time_limit_s = Some((limit - started.elapsed().as_secs_f64()).max(0.05));
    }
    let start_values = incumbent.as_ref().and_then(|plan| plan.columns(kept, &site_fix));
    let outcome = solve(
        build(model, kept, &site_fix, &options),
        Sense::Minimise,
        &options,
        start_values,
    );
    let outcome = match (outcome, &incumbent) {
        (Ok(outcome), _) => outcome,
        // Stopped before a plan of its own, with the incumbent cut off by the reduction: the incumbent stands.
        (Err(_), Some(plan)) if options.time_limit_s.is_some() => {
            return Ok(plan.clone().finish(lower, false));
        }
        (Err(e), _) => return Err(e),
    };
    match outcome {
        MipOutcome::Infeasible => match incumbent {
            // The reduction kept only plans better than the incumbent, and there are none.
            Some(plan) => Ok(plan.clone().finish(plan.objective, true)),
            None => Ok(FacilitySolution::infeasible(
                "no plan serves every demand point within the capacities and site constraints",
                n,
            )),
        },
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => {
            let open: Vec<bool> = values[..m].iter().map(|&v| v > 0.5).collect();
            let shares = match model.sourcing {
                Sourcing::Split => match allocate(model, &pairs, &open, &options)? {
                    Some(shares) => shares,
                    // Only tolerances can get here; HiGHS's own shares are then the plan.
                    None => shares_from_values(kept, &values[m..]),
                },
                Sourcing::Single => shares_from_values(kept, &values[m..]),
            };
            let found = Plan::new(model, &pairs, open, shares);
            // Plans outside the reduced model cost at least the incumbent's objective.
            let bound = match &incumbent {
                Some(plan) => bound.min(plan.objective).max(lower),
                None => bound.max(lower),
            };
            let best = match incumbent {
                Some(plan) if plan.objective < found.objective => plan,
                _ => found,
            };
            // HiGHS can prove the reduced model (presolve alone, say) without raising the dual bound it
            // reports; proven means within the requested gap (pmedcap13 came back optimal at 1026 with 1022).
            let bound = if proven {
                bound.max(best.objective - options.mip_rel_gap * best.objective.abs())
            } else {
                bound
            };
            Ok(best.finish(bound, proven))
        }
    }
}

/// A plan: open sites, shares and its objective, recomputed from the plan itself.
#[derive(Clone)]
pub(crate) struct Plan {
    pub(crate) objective: f64,
    pub(crate) open: Vec<bool>,
    pub(crate) shares: Vec<Vec<(usize, f64)>>,
}

impl Plan {
    pub(crate) fn new(
        model: &Model<'_>,
        pairs: &[Pairs],
        open: Vec<bool>,
        shares: Vec<Vec<(usize, f64)>>,
    ) -> Self {
        let mut shares = shares;
        if model.sourcing == Sourcing::Single {
            for s in &mut shares {
                if let Some(&(j, _)) = s.iter().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0))) {
                    *s = vec![(j, 1.0)];
                }
            }
        }
        let fixed: f64 = (0..open.len()).filter(|&j| open[j]).map(|j| model.fixed(j)).sum();
        let service: f64 = pairs
            .iter()
            .zip(&shares)
            .map(|(row, s)| {
                s.iter()
                    .map(|&(j, f)| {
                        row.iter()
                            .find(|(site, _)| *site == j)
                            .map_or(f64::INFINITY, |(_, c)| f * c)
                    })
                    .sum::<f64>()
            })
            .sum();
        Self {
            objective: fixed + service,
            open,
            shares,
        }
    }

    fn finish(self, bound: f64, proven: bool) -> FacilitySolution {
        let sites: Vec<usize> = (0..self.open.len()).filter(|&j| self.open[j]).collect();
        let assignment: Vec<Option<usize>> = self
            .shares
            .iter()
            .map(|s| {
                s.iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|&(j, _)| j)
            })
            .collect();
        FacilitySolution {
            solution: Solution::plan(sites, assignment, self.objective, bound, proven),
            shares: self.shares,
        }
    }

    /// The plan as MIP columns over the kept pairs, or `None` when the reduction cut it off.
    fn columns(&self, kept: &[Pairs], site_fix: &[Option<bool>]) -> Option<Vec<f64>> {
        let mut v: Vec<f64> = Vec::new();
        for (j, &o) in self.open.iter().enumerate() {
            if site_fix[j].is_some_and(|f| f != o) {
                return None;
            }
            v.push(if o { 1.0 } else { 0.0 });
        }
        for (row, share) in kept.iter().zip(&self.shares) {
            if share.iter().any(|(j, _)| !row.iter().any(|(k, _)| k == j)) {
                return None;
            }
            v.extend(
                row.iter()
                    .map(|(j, _)| share.iter().find(|(s, _)| s == j).map_or(0.0, |(_, f)| *f)),
            );
        }
        Some(v)
    }
}

/// The MIP over the kept pairs, with sites fixed open or closed by the options and the reduction.
fn build(
    model: &Model<'_>,
    pairs: &[Pairs],
    site_fix: &[Option<bool>],
    options: &SolveOptions,
) -> RowProblem {
    let m = model.costs.n_sites();
    let mut problem = RowProblem::default();
    let y: Vec<Col> = (0..m)
        .map(|j| {
            let (lo, hi) = match (site_bounds(j, options), site_fix[j]) {
                (_, Some(true)) => (1.0, 1.0),
                (_, Some(false)) => (0.0, 0.0),
                (b, None) => b,
            };
            problem.add_integer_column(model.fixed(j), lo..=hi)
        })
        .collect();
    let mut by_site: Vec<Vec<(Col, f64)>> = vec![Vec::new(); m];
    for (i, row) in pairs.iter().enumerate() {
        let x: Vec<Col> = row
            .iter()
            .map(|&(_, c)| match model.sourcing {
                Sourcing::Split => problem.add_column(c, 0.0..=1.0),
                Sourcing::Single => problem.add_integer_column(c, 0.0..=1.0),
            })
            .collect();
        problem.add_row(1.0..=1.0, x.iter().map(|&c| (c, 1.0)));
        for (&xc, &(j, _)) in x.iter().zip(row) {
            problem.add_row(..=0.0, [(xc, 1.0), (y[j], -1.0)]);
            by_site[j].push((xc, model.demands[i]));
        }
    }
    if model.capacities.is_some() {
        for (j, row) in by_site.iter().enumerate() {
            problem.add_row(..=0.0, row.iter().copied().chain([(y[j], -model.capacity(j))]));
        }
        problem.add_row(
            model.total_demand()..,
            y.iter().enumerate().map(|(j, &c)| (c, model.capacity(j))),
        );
    }
    if let Some(p) = model.p {
        problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
    }
    problem
}

/// The shares a column vector holds, per point (tiny values dropped, the rest rescaled to sum to 1; under
/// single sourcing the largest alone).
fn shares_from_values(pairs: &[Pairs], x: &[f64]) -> Vec<Vec<(usize, f64)>> {
    let mut k = 0;
    pairs
        .iter()
        .map(|row| {
            let values = &x[k..k + row.len()];
            k += row.len();
            let kept: Vec<(usize, f64)> = row
                .iter()
                .zip(values)
                .filter(|(_, v)| **v > 1e-9)
                .map(|(&(j, _), &v)| (j, v))
                .collect();
            let sum: f64 = kept.iter().map(|(_, v)| v).sum();
            kept.into_iter().map(|(j, v)| (j, v / sum)).collect()
        })
        .collect()
}

/// The best allocation of every point to the `open` sites: a transportation LP under split demand, each point
/// to its cheapest open site without capacities, and a greedy fill under single sourcing. `None` when it finds
/// none.
pub(crate) fn allocate(
    model: &Model<'_>,
    pairs: &[Pairs],
    open: &[bool],
    options: &SolveOptions,
) -> Result<Option<Shares>, OptimizeError> {
    if model.capacities.is_none() {
        return Ok(pairs
            .iter()
            .map(|row| {
                row.iter()
                    .filter(|(j, _)| open[*j])
                    .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                    .map(|&(j, _)| vec![(j, 1.0)])
            })
            .collect());
    }
    match model.sourcing {
        Sourcing::Split => transportation(model, pairs, open, options),
        Sourcing::Single => Ok(single_fill(model, pairs, open)),
    }
}

/// Split demand over fixed open sites: the transportation LP, solved by HiGHS.
fn transportation(
    model: &Model<'_>,
    pairs: &[Pairs],
    open: &[bool],
    options: &SolveOptions,
) -> Result<Option<Shares>, OptimizeError> {
    let m = open.len();
    let mut problem = RowProblem::default();
    let mut by_site: Vec<Vec<(Col, f64)>> = vec![Vec::new(); m];
    let mut columns: Vec<Vec<usize>> = Vec::with_capacity(pairs.len());
    for (i, row) in pairs.iter().enumerate() {
        let mut x = Vec::new();
        let mut sites = Vec::new();
        for &(j, c) in row.iter().filter(|(j, _)| open[*j]) {
            let col = problem.add_column(c, 0.0..=1.0);
            by_site[j].push((col, model.demands[i]));
            x.push((col, 1.0));
            sites.push(j);
        }
        if x.is_empty() {
            return Ok(None);
        }
        problem.add_row(1.0..=1.0, x);
        columns.push(sites);
    }
    for (j, row) in by_site.into_iter().enumerate() {
        if !row.is_empty() {
            problem.add_row(..=model.capacity(j), row);
        }
    }
    let mut lp = problem
        .try_optimise(Sense::Minimise)
        .map_err(|e| OptimizeError::Solver(format!("cannot build the transportation LP: {e:?}")))?;
    lp.make_quiet();
    lp.try_set_option("threads", options.threads.max(1) as i32)
        .map_err(|e| OptimizeError::Solver(format!("cannot set threads: {e:?}")))?;
    let solved = lp
        .try_solve()
        .map_err(|e| OptimizeError::Solver(format!("transportation LP: {e:?}")))?;
    match solved.status() {
        HighsModelStatus::Optimal => {}
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => return Ok(None),
        other => {
            return Err(OptimizeError::Solver(format!(
                "the transportation LP ended with status {other:?}"
            )));
        }
    }
    let values = solved.get_solution().columns().to_vec();
    let mut k = 0;
    let shares = columns
        .iter()
        .map(|sites| {
            let v = &values[k..k + sites.len()];
            k += sites.len();
            let kept: Vec<(usize, f64)> = sites
                .iter()
                .zip(v)
                .filter(|(_, f)| **f > 1e-9)
                .map(|(&j, &f)| (j, f))
                .collect();
            let sum: f64 = kept.iter().map(|(_, f)| f).sum();
            kept.into_iter().map(|(j, f)| (j, f / sum)).collect()
        })
        .collect();
    Ok(Some(shares))
}

/// Single sourcing over fixed open sites (a generalised assignment problem), heuristically: repeatedly the
/// point with the largest regret (second cheapest minus cheapest site with room) goes to its cheapest site
/// with room; then single moves and pairwise exchanges that lower the cost. `None` when it gets stuck.
pub(crate) fn single_fill(
    model: &Model<'_>,
    pairs: &[Pairs],
    open: &[bool],
) -> Option<Vec<Vec<(usize, f64)>>> {
    let n = pairs.len();
    let d = model.demands;
    let mut room: Vec<f64> = (0..open.len()).map(|j| model.capacity(j)).collect();
    let rows: Vec<Pairs> = pairs
        .iter()
        .map(|row| row.iter().copied().filter(|(j, _)| open[*j]).collect())
        .collect();
    let mut site: Vec<Option<(usize, f64)>> = vec![None; n];
    for _ in 0..n {
        let mut pick: Option<(usize, usize, f64, f64)> = None; // (point, site, cost, regret)
        for i in (0..n).filter(|&i| site[i].is_none()) {
            let (mut best, mut second): (Option<(usize, f64)>, f64) = (None, f64::INFINITY);
            for &(j, c) in rows[i].iter().filter(|(j, _)| room[*j] >= d[i]) {
                match best {
                    Some((_, b)) if c >= b => second = second.min(c),
                    _ => {
                        second = best.map_or(f64::INFINITY, |(_, b)| b);
                        best = Some((j, c));
                    }
                }
            }
            let (j, c) = best?;
            let regret = second - c;
            if pick.is_none_or(|(_, _, _, r)| regret > r) {
                pick = Some((i, j, c, regret));
            }
        }
        let (i, j, c, _) = pick?;
        room[j] -= d[i];
        site[i] = Some((j, c));
    }
    let mut site: Vec<(usize, f64)> = site.into_iter().collect::<Option<_>>()?;
    // Local search; each accepted move strictly lowers the cost, so it ends.
    for _ in 0..100 {
        let mut improved = false;
        for i in 0..n {
            let (cur, cc) = site[i];
            if let Some(&(j, c)) = rows[i]
                .iter()
                .filter(|&&(j, c)| j != cur && c < cc - 1e-12 && room[j] >= d[i])
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
            {
                room[cur] += d[i];
                room[j] -= d[i];
                site[i] = (j, c);
                improved = true;
            }
        }
        for i in 0..n {
            for k in i + 1..n {
                let ((a, ca), (b, cb)) = (site[i], site[k]);
                if a == b || room[a] + d[i] < d[k] || room[b] + d[k] < d[i] {
                    continue;
                }
                let (Some(cib), Some(cka)) = (cost_in(&rows[i], b), cost_in(&rows[k], a)) else {
                    continue;
                };
                if cib + cka < ca + cb - 1e-12 {
                    room[a] += d[i] - d[k];
                    room[b] += d[k] - d[i];
                    site[i] = (b, cib);
                    site[k] = (a, cka);
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    Some(site.into_iter().map(|(j, _)| vec![(j, 1.0)]).collect())
}

/// Single sourcing over fixed open sites, exactly: the assignment MIP with every site fixed, at most five
/// seconds (or until `deadline`). `None` when HiGHS finds no plan in that time.
pub(crate) fn exact_assignment(
    model: &Model<'_>,
    pairs: &[Pairs],
    open: &[bool],
    options: &SolveOptions,
    deadline: Option<Instant>,
) -> Result<Option<Plan>, OptimizeError> {
    let m = open.len();
    let site_fix: Vec<Option<bool>> = open.iter().map(|&o| Some(o)).collect();
    let mut limit: f64 = 5.0;
    if let Some(d) = deadline {
        limit = limit.min(d.saturating_duration_since(Instant::now()).as_secs_f64());
    }
    let options = SolveOptions {
        time_limit_s: Some(limit.max(0.01)),
        ..options.clone()
    };
    match solve(
        build(model, pairs, &site_fix, &options),
        Sense::Minimise,
        &options,
        None,
    ) {
        Ok(MipOutcome::Plan { values, .. }) => {
            let shares = shares_from_values(pairs, &values[m..]);
            Ok(Some(Plan::new(model, pairs, open.to_vec(), shares)))
        }
        Ok(MipOutcome::Infeasible) => Ok(None),
        // Stopped before any plan: nothing to offer.
        Err(OptimizeError::Solver(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The cost of site `j` in a point's pairs, if allowed.
fn cost_in(row: &Pairs, j: usize) -> Option<f64> {
    row.binary_search_by_key(&j, |&(s, _)| s).ok().map(|k| row[k].1)
}

/// A feasible starting plan (open sites, shares), or `None` when the heuristic finds none.
///
/// Sites are added greedily by estimated saving (each point to its cheapest open site, capacities aside)
/// until every point has a site, capacity covers demand and no addition pays for its fixed cost (or until `p`
/// are open); then, without `p`, sites whose fixed cost exceeds what closing them loses are dropped while
/// capacity still suffices. The open set is allocated exactly (split) or greedily (single sourcing).
fn start_plan(
    model: &Model<'_>,
    pairs: &[Pairs],
    options: &SolveOptions,
) -> Result<Option<(Vec<bool>, Shares)>, OptimizeError> {
    let m = model.costs.n_sites();
    let n = pairs.len();
    let mut by_site: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    for (i, row) in pairs.iter().enumerate() {
        for &(j, c) in row {
            by_site[j].push((i, c));
        }
    }
    let total = model.total_demand();
    let mut open = vec![false; m];
    let mut best = vec![f64::INFINITY; n];
    let mut capacity = 0.0;
    let mut count = 0;
    let take = |j: usize, open: &mut Vec<bool>, best: &mut Vec<f64>, capacity: &mut f64| {
        open[j] = true;
        *capacity += model.capacity(j);
        for &(i, c) in &by_site[j] {
            best[i] = best[i].min(c);
        }
    };
    for &j in &options.required {
        if !open[j] {
            take(j, &mut open, &mut best, &mut capacity);
            count += 1;
        }
    }
    let candidates: Vec<usize> = (0..m)
        .filter(|j| !options.forbidden.contains(j) && !options.required.contains(j))
        .collect();
    loop {
        if model.p.is_some_and(|p| count >= p) {
            break;
        }
        let unserved = best.iter().any(|b| b.is_infinite());
        let short = capacity < total;
        // Capacity the remaining slots must still add after this one (p-median): keeps the greedy feasible.
        let slots_after = model.p.map(|p| p - count - 1);
        let mut scored: Vec<(usize, f64, f64)> = Vec::new();
        for &j in candidates.iter().filter(|&&j| !open[j]) {
            if let Some(slots) = slots_after {
                let mut rest: Vec<f64> = candidates
                    .iter()
                    .filter(|&&k| !open[k] && k != j)
                    .map(|&k| model.capacity(k))
                    .collect();
                rest.sort_by(|a, b| b.total_cmp(a));
                let reachable = capacity + model.capacity(j) + rest.iter().take(slots).sum::<f64>();
                if reachable < total {
                    continue;
                }
            }
            let (served, saving) = by_site[j].iter().fold((0.0, 0.0), |(served, saving), &(i, c)| {
                if best[i].is_infinite() {
                    (served + 1.0, saving)
                } else {
                    (served, saving + (best[i] - c).max(0.0))
                }
            });
            scored.push((j, served, saving - model.fixed(j)));
        }
        let pick = if unserved {
            scored
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)).then(b.0.cmp(&a.0)))
                .filter(|s| s.1 > 0.0)
        } else if short && model.p.is_none() {
            // Cheapest net cost per unit of the missing capacity.
            let missing = total - capacity;
            scored
                .iter()
                .filter(|s| model.capacity(s.0) > 0.0)
                .min_by(|a, b| {
                    let ra = -a.2 / model.capacity(a.0).min(missing);
                    let rb = -b.2 / model.capacity(b.0).min(missing);
                    ra.total_cmp(&rb).then(a.0.cmp(&b.0))
                })
        } else {
            scored
                .iter()
                .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)))
                .filter(|s| model.p.is_some() || s.2 > 0.0)
        };
        match pick {
            Some(&(j, _, _)) => {
                take(j, &mut open, &mut best, &mut capacity);
                count += 1;
            }
            None => break,
        }
    }
    if model.p.is_some_and(|p| count != p) || best.iter().any(|b| b.is_infinite()) || capacity < total {
        return Ok(None);
    }
    if model.p.is_none() {
        drop_sites(model, pairs, &by_site, &mut open, options);
    }
    let mut shares = allocate(model, pairs, &open, options)?;
    if shares.is_none() && model.p.is_none() {
        // Sparse pairs or single sourcing can defeat the chosen set; every allowed site open may not.
        open = (0..m).map(|j| !options.forbidden.contains(&j)).collect();
        shares = allocate(model, pairs, &open, options)?;
    }
    Ok(shares.map(|s| (open, s)))
}

/// Closes open sites (never required ones) whose fixed cost exceeds the extra service cost of moving their
/// points to the next cheapest open site, while every point keeps a site and capacity covers demand.
fn drop_sites(
    model: &Model<'_>,
    pairs: &[Pairs],
    by_site: &[Vec<(usize, f64)>],
    open: &mut [bool],
    options: &SolveOptions,
) {
    let total = model.total_demand();
    loop {
        let capacity: f64 = (0..open.len())
            .filter(|&j| open[j])
            .map(|j| model.capacity(j))
            .sum();
        // Cheapest and second cheapest open site per point.
        let two: Vec<(f64, Option<usize>, f64)> = pairs
            .iter()
            .map(|row| {
                row.iter().filter(|(j, _)| open[*j]).fold(
                    (f64::INFINITY, None, f64::INFINITY),
                    |(b, bj, s), &(j, c)| {
                        if c < b { (c, Some(j), b) } else { (b, bj, s.min(c)) }
                    },
                )
            })
            .collect();
        let best = (0..open.len())
            .filter(|&j| open[j] && !options.required.contains(&j))
            .filter(|&j| capacity - model.capacity(j) >= total)
            .map(|j| {
                let loss: f64 = by_site[j]
                    .iter()
                    .filter(|(i, _)| two[*i].1 == Some(j))
                    .map(|&(i, _)| two[i].2 - two[i].0)
                    .sum();
                (j, model.fixed(j) - loss)
            })
            .filter(|(_, gain)| *gain > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((j, _)) => open[j] = false,
            None => break,
        }
    }
}

/// What the Lagrangian phase leaves for the MIP: a valid lower bound, the pairs that may still be used and
/// the sites it fixed open (`Some(true)`) or closed (`Some(false)`).
struct Reduction {
    bound: f64,
    pairs: Vec<Pairs>,
    sites: Vec<Option<bool>>,
}

/// One site's knapsack at given multipliers: min Σ r_i x_i over the points with negative reduced cost r_i,
/// within the site's capacity; 0-1 by dynamic programming when single sourcing has integral data of modest
/// size, fractional otherwise (a weaker but valid bound).
pub(crate) struct Knapsack {
    value: f64,
    /// (point, share) taken.
    pub(crate) taken: Vec<(usize, f64)>,
    /// The knapsack's value at every smaller capacity, for the fixing tests.
    table: Table,
}

enum Table {
    /// Best value within capacity q, for q = 0..=Q.
    Dp(Vec<f64>),
    /// Items by ratio: cumulative demand and value (fractional knapsack).
    Fractional(Vec<(f64, f64)>),
}

impl Knapsack {
    /// A lower bound on the knapsack's value within capacity `q` (the same items, all still available).
    fn within(&self, q: f64) -> f64 {
        match &self.table {
            Table::Dp(best) => best[(q.max(0.0).floor() as usize).min(best.len() - 1)],
            Table::Fractional(cumulative) => {
                let k = cumulative.partition_point(|&(w, _)| w <= q);
                let (w0, v0) = if k == 0 { (0.0, 0.0) } else { cumulative[k - 1] };
                match cumulative.get(k) {
                    Some(&(w1, v1)) if w1 > w0 => v0 + (v1 - v0) * (q - w0) / (w1 - w0),
                    _ => v0,
                }
            }
        }
    }
}

fn knapsack(items: &mut [(usize, f64, f64)], capacity: f64, dp: bool) -> Knapsack {
    if dp {
        let q = capacity.floor() as usize;
        let mut best = vec![0.0; q + 1];
        let mut keep = vec![false; items.len() * (q + 1)];
        for (k, &(_, r, d)) in items.iter().enumerate() {
            let w = d as usize;
            for c in (w..=q).rev() {
                if best[c - w] + r < best[c] {
                    best[c] = best[c - w] + r;
                    keep[k * (q + 1) + c] = true;
                }
            }
        }
        let mut c = q;
        let mut taken = Vec::new();
        for (k, &(i, _, d)) in items.iter().enumerate().rev() {
            if keep[k * (q + 1) + c] {
                taken.push((i, 1.0));
                c -= d as usize;
            }
        }
        return Knapsack {
            value: best[q],
            taken,
            table: Table::Dp(best),
        };
    }
    // Zero-demand items first, then by cost per unit of demand.
    items.sort_by(|a, b| (a.1 * b.2).total_cmp(&(b.1 * a.2)).then(a.0.cmp(&b.0)));
    let (mut w, mut v) = (0.0, 0.0);
    let mut cumulative = Vec::with_capacity(items.len());
    let mut taken = Vec::new();
    for &(i, r, d) in items.iter() {
        if w + d <= capacity {
            taken.push((i, 1.0));
        } else if w < capacity {
            taken.push((i, (capacity - w) / d));
        }
        w += d;
        v += r;
        cumulative.push((w, v));
    }
    let table = Table::Fractional(cumulative);
    let mut k = Knapsack {
        value: 0.0,
        taken,
        table,
    };
    k.value = k.within(capacity);
    k
}

/// The Lagrangian relaxation of "every point fully served" at multipliers `lambda`: per site its knapsack,
/// the sites chosen (required ones, then the best others: `p` in all, or every one that lowers the bound), and
/// the bound.
pub(crate) struct Relaxed {
    pub(crate) bound: f64,
    /// The part of the bound that does not depend on the free sites: the multipliers and the required sites.
    base: f64,
    pub(crate) knapsacks: Vec<Option<Knapsack>>,
    /// Fixed cost plus knapsack value per site (infinite when forbidden).
    pub(crate) gain: Vec<f64>,
    pub(crate) chosen: Vec<bool>,
    /// Free (neither required nor forbidden) sites by ascending gain.
    free: Vec<usize>,
    /// How many of `free` are chosen.
    free_chosen: usize,
}

pub(crate) fn relax(
    model: &Model<'_>,
    by_site: &[Vec<(usize, f64)>],
    lambda: &[f64],
    dp: &[bool],
    options: &SolveOptions,
) -> Relaxed {
    let m = by_site.len();
    let mut knapsacks = Vec::with_capacity(m);
    let mut gain = vec![f64::INFINITY; m];
    for j in 0..m {
        if options.forbidden.contains(&j) {
            knapsacks.push(None);
            continue;
        }
        let mut items: Vec<(usize, f64, f64)> = by_site[j]
            .iter()
            .map(|&(i, c)| (i, c - lambda[i], model.demands[i]))
            .filter(|&(_, r, _)| r < 0.0)
            .collect();
        let k = knapsack(&mut items, model.capacity(j), dp[j]);
        gain[j] = model.fixed(j) + k.value;
        knapsacks.push(Some(k));
    }
    let mut chosen = vec![false; m];
    for &j in &options.required {
        chosen[j] = true;
    }
    let mut free: Vec<usize> = (0..m)
        .filter(|j| !options.forbidden.contains(j) && !options.required.contains(j))
        .collect();
    free.sort_by(|&a, &b| gain[a].total_cmp(&gain[b]).then(a.cmp(&b)));
    let required: f64 = options.required.iter().map(|&j| gain[j]).sum();
    let (free_chosen, bound) = match model.p {
        Some(p) => {
            let k = p.saturating_sub(options.required.len()).min(free.len());
            (k, free[..k].iter().map(|&j| gain[j]).sum::<f64>())
        }
        None => {
            // Without p, the sites the relaxation opens must still hold the demand (Cornuéjols, Sridharan &
            // Thizy 1991): the chosen ones come first in `free`, the rest by gain.
            let (value, picked) = cover_selection(model, &gain, &free, uncovered_demand(model, options));
            let mut picked_free = vec![false; m];
            picked.iter().for_each(|&j| picked_free[j] = true);
            free.sort_by_key(|&j| !picked_free[j]);
            (picked.len(), value)
        }
    };
    for &j in &free[..free_chosen] {
        chosen[j] = true;
    }
    let base = lambda.iter().sum::<f64>() + required;
    Relaxed {
        bound: base + bound,
        base,
        knapsacks,
        gain,
        chosen,
        free,
        free_chosen,
    }
}

/// Demand the required sites cannot hold.
fn uncovered_demand(model: &Model<'_>, options: &SolveOptions) -> f64 {
    model.total_demand() - options.required.iter().map(|&j| model.capacity(j)).sum::<f64>()
}

/// The cheapest sites among `candidates` (ascending by gain) whose capacities hold `need`: every site of
/// negative gain, then, if short, the fewest of the rest by gain when their capacities are equal (exact), or a
/// fractional fill by gain per unit of capacity otherwise (a lower bound; the last site counts in part but is
/// picked whole). Returns the value and the picked sites; an infinite value when even all fall short.
fn cover_selection(model: &Model<'_>, gain: &[f64], candidates: &[usize], need: f64) -> (f64, Vec<usize>) {
    let (mut value, mut capacity) = (0.0, 0.0);
    let mut picked: Vec<usize> = Vec::new();
    for &j in candidates.iter().filter(|&&j| gain[j] < 0.0) {
        value += gain[j];
        capacity += model.capacity(j);
        picked.push(j);
    }
    let mut rest: Vec<usize> = candidates.iter().copied().filter(|&j| gain[j] >= 0.0).collect();
    let equal = rest
        .windows(2)
        .all(|w| model.capacity(w[0]) == model.capacity(w[1]));
    if !equal {
        rest.sort_by(|&a, &b| {
            (gain[a] * model.capacity(b))
                .total_cmp(&(gain[b] * model.capacity(a)))
                .then(a.cmp(&b))
        });
    }
    for &j in &rest {
        if capacity >= need {
            break;
        }
        let q = model.capacity(j);
        let part = if equal || capacity + q <= need || q <= 0.0 {
            1.0
        } else {
            (need - capacity) / q
        };
        value += part * gain[j];
        capacity += q;
        picked.push(j);
    }
    if capacity < need {
        value = f64::INFINITY;
    }
    (value, picked)
}

/// Lagrangian bound by subgradient ascent, plans built from the relaxation's sites on the way, and the pairs
/// and sites that cannot appear in a plan better than the incumbent removed or fixed.
fn reduce(
    model: &Model<'_>,
    pairs: &[Pairs],
    options: &SolveOptions,
    incumbent: &mut Option<Plan>,
    started: Instant,
) -> Result<Reduction, OptimizeError> {
    let m = model.costs.n_sites();
    let mut by_site: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    for (i, row) in pairs.iter().enumerate() {
        for &(j, c) in row {
            by_site[j].push((i, c));
        }
    }
    let integral_data = |v: f64| v.fract() == 0.0 && v.abs() < 1e15;
    let dp: Vec<bool> = (0..m)
        .map(|j| {
            model.sourcing == Sourcing::Single
                && integral_data(model.capacity(j))
                && by_site[j].iter().all(|&(i, _)| integral_data(model.demands[i]))
                && (by_site[j].len() as f64) * (model.capacity(j) + 1.0) <= 4e6
        })
        .collect();
    // Under single sourcing with integral costs every plan's objective is an integer.
    let integral = model.sourcing == Sourcing::Single
        && pairs.iter().flatten().all(|&(_, c)| integral_data(c))
        && (0..m).all(|j| integral_data(model.fixed(j)));
    let budget = options.time_limit_s.map(|t| 0.3 * t);
    let out_of_time = || budget.is_some_and(|b| started.elapsed().as_secs_f64() > b);

    let mut lambda: Vec<f64> = pairs
        .iter()
        .map(|row| row.iter().map(|&(_, c)| c).fold(f64::INFINITY, f64::min))
        .collect();
    let mut best = (f64::NEG_INFINITY, lambda.clone());
    let mut tried: Vec<Vec<bool>> = Vec::new();
    let (mut mu, mut stall) = (2.0, 0);
    let proven = |bound: f64, plan: &Option<Plan>| {
        plan.as_ref().is_some_and(|p| {
            let ub = p.objective;
            bound >= ub - 1e-9 * ub.abs().max(1.0) - options.mip_rel_gap * ub.abs()
                || (integral && bound > ub - 1.0 + 1e-6)
        })
    };
    for iteration in 0..1000 {
        if out_of_time() || mu < 1e-3 {
            break;
        }
        let r = relax(model, &by_site, &lambda, &dp, options);
        if r.bound > best.0 + 1e-12 * r.bound.abs() {
            best = (r.bound, lambda.clone());
            stall = 0;
        } else {
            stall += 1;
            if stall >= 20 {
                mu /= 2.0;
                stall = 0;
            }
        }
        if iteration % 5 == 0 && !tried.contains(&r.chosen) {
            tried.push(r.chosen.clone());
            try_sites(model, pairs, &r, options, incumbent)?;
        }
        if proven(best.0, incumbent) {
            break;
        }
        let mut served = vec![0.0; pairs.len()];
        for j in (0..m).filter(|&j| r.chosen[j]) {
            if let Some(k) = &r.knapsacks[j] {
                for &(i, x) in &k.taken {
                    served[i] += x;
                }
            }
        }
        let norm: f64 = served.iter().map(|s| (1.0 - s).powi(2)).sum();
        if norm < 1e-18 {
            break; // the relaxation's solution serves everyone once: it is optimal for the relaxation
        }
        let target = match incumbent {
            Some(p) => p.objective,
            None => best.0 + 0.05 * best.0.abs() + 1.0,
        };
        let step = mu * (target - r.bound).max(1e-9 * target.abs().max(1.0)) / norm;
        for (l, s) in lambda.iter_mut().zip(&served) {
            *l += step * (1.0 - s);
        }
    }

    debug!(
        bound = best.0,
        incumbent = incumbent.as_ref().map(|p| p.objective),
        seconds = started.elapsed().as_secs_f64(),
        "facility: subgradient"
    );
    // The subgradient only approaches the best multipliers; the master LP over knapsack columns reaches them.
    let deadline = budget.map(|b| started + std::time::Duration::from_secs_f64(b));
    let swaps = model.sourcing == Sourcing::Single && model.p.is_some();
    if swaps && !proven(best.0, incumbent) {
        improve_by_swaps(model, pairs, options, incumbent, deadline)?;
    }
    if model.p.is_none() && !proven(best.0, incumbent) {
        // The relaxation's sites at the best multipliers, then the others by gain.
        let r = relax(model, &by_site, &best.1, &dp, options);
        improve_open_set(model, pairs, &r.chosen, &r.free, options, incumbent, deadline)?;
        if let Some(plan) = incumbent.clone() {
            // And the incumbent's own sites, by the same moves.
            improve_open_set(model, pairs, &plan.open, &r.free, options, incumbent, deadline)?;
        }
    }
    let mut probed_open: Vec<usize> = Vec::new();
    if model.sourcing == Sourcing::Single && dp.iter().all(|&d| d) && !proven(best.0, incumbent) {
        let dual = column_generation(
            model, pairs, &by_site, &dp, &best.1, options, incumbent, integral, deadline,
        )?;
        if dual.bound > best.0 {
            best = (dual.bound, dual.lambda);
        }
        probed_open = dual.open;
    }
    let r = relax(model, &by_site, &best.1, &dp, options);
    let mut bound = r.bound;
    if integral {
        bound = (bound - 1e-6).ceil();
    }
    let mut sites: Vec<Option<bool>> = vec![None; m];
    let mut kept: Vec<Pairs> = pairs.to_vec();
    let Some(ub) = incumbent.as_ref().map(|p| p.objective) else {
        return Ok(Reduction {
            bound,
            pairs: kept,
            sites,
        });
    };
    // Keep only what a plan better than the incumbent (by at least 1 when objectives are integers) may use.
    let threshold = if integral {
        ub - 1.0 + 1e-4
    } else {
        ub + 1e-7 * ub.abs().max(1.0)
    };
    let worst_chosen = r.free_chosen.checked_sub(1).map(|k| r.gain[r.free[k]]);
    let best_unchosen = r.free.get(r.free_chosen).map(|&j| r.gain[j]);
    // The bound with site j forced open.
    let mut open_bound = vec![f64::INFINITY; m];
    for j in (0..m).filter(|j| !options.forbidden.contains(j)) {
        // Without p, forcing a site open or closed changes which others must hold the demand.
        let others: Vec<usize> = r.free.iter().copied().filter(|&k| k != j).collect();
        let base = r.base;
        open_bound[j] = if r.chosen[j] {
            r.bound
        } else {
            match (model.p, worst_chosen) {
                (Some(_), Some(w)) => r.bound + r.gain[j] - w,
                (Some(_), None) => f64::INFINITY,
                (None, _) => {
                    let need = uncovered_demand(model, options) - model.capacity(j);
                    base + r.gain[j] + cover_selection(model, &r.gain, &others, need).0
                }
            }
        };
        if open_bound[j] > threshold {
            sites[j] = Some(false);
        } else if r.chosen[j] && !options.required.contains(&j) {
            let closed_bound = match (model.p, best_unchosen) {
                (Some(_), Some(b)) => r.bound - r.gain[j] + b,
                (Some(_), None) => f64::INFINITY,
                (None, _) => {
                    base + cover_selection(model, &r.gain, &others, uncovered_demand(model, options)).0
                }
            };
            if closed_bound > threshold {
                sites[j] = Some(true);
            }
        }
    }
    for (i, row) in kept.iter_mut().enumerate() {
        row.retain(|&(j, c)| {
            if sites[j] == Some(false) {
                return false;
            }
            match (model.sourcing, &r.knapsacks[j]) {
                // Forcing the whole point into j: its reduced cost, plus j's knapsack in the room left.
                (Sourcing::Single, Some(k)) => {
                    let forced = c - best.1[i] + k.within(model.capacity(j) - model.demands[i]);
                    open_bound[j] - k.value + forced <= threshold
                }
                _ => true,
            }
        });
    }
    for &j in &probed_open {
        if sites[j] == Some(false) {
            // Open in every better plan, and in none: there is no better plan.
            kept.iter_mut().for_each(Vec::clear);
        }
        sites[j] = Some(true);
    }
    Ok(Reduction {
        bound,
        pairs: kept,
        sites,
    })
}

/// A plan from the relaxation's chosen sites (topped up with capacity when their number is free), allocated
/// exactly or greedily; it replaces the incumbent when cheaper.
fn try_sites(
    model: &Model<'_>,
    pairs: &[Pairs],
    r: &Relaxed,
    options: &SolveOptions,
    incumbent: &mut Option<Plan>,
) -> Result<(), OptimizeError> {
    let mut open = r.chosen.clone();
    if model.p.is_none() {
        let total = model.total_demand();
        let mut capacity: f64 = (0..open.len())
            .filter(|&j| open[j])
            .map(|j| model.capacity(j))
            .sum();
        for &j in &r.free[r.free_chosen..] {
            if capacity >= total {
                break;
            }
            open[j] = true;
            capacity += model.capacity(j);
        }
    }
    let Some(shares) = allocate(model, pairs, &open, options)? else {
        return Ok(());
    };
    if model.p.is_none() {
        // Sites left serving nobody only cost their fixed cost.
        for (j, o) in open.iter_mut().enumerate() {
            if *o && !options.required.contains(&j) && !shares.iter().flatten().any(|&(s, _)| s == j) {
                *o = false;
            }
        }
    }
    let plan = Plan::new(model, pairs, open, shares);
    debug!(
        objective = plan.objective,
        open = plan.open.iter().filter(|&&o| o).count(),
        "facility: plan from the relaxation's sites"
    );
    if incumbent.as_ref().is_none_or(|p| plan.objective < p.objective) {
        *incumbent = Some(plan);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::{Status, solve_capacitated_p_median};

    fn dense(rows: &[&[f64]]) -> Costs {
        let triples = rows
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.iter().enumerate().map(move |(j, &c)| (i, j, c)));
        Costs::from_triples(rows.len(), rows[0].len(), triples).expect("valid")
    }

    fn reason(s: &Solution) -> &str {
        match &s.status {
            Status::Infeasible { reason } => reason,
            other => panic!("expected infeasible, got {other:?}"),
        }
    }

    #[test]
    fn split_demand_is_strictly_cheaper_than_single_sourcing() {
        // Two sites of capacity 10 and fixed cost 1; two points of demand 6 costing 6 (whole point) at site 0
        // and 12 at site 1, i.e. 1 and 2 per unit. Split: site 0 takes 10 units (all of point 0 and 4/6 of
        // point 1) for 10, site 1 the last 2 units for 4: 2 + 14 = 16. Single: one point per site, 2 + 6 + 12.
        let costs = dense(&[&[6.0, 12.0], &[6.0, 12.0]]);
        let (fixed, caps, demands) = ([1.0, 1.0], [10.0, 10.0], [6.0, 6.0]);
        let o = SolveOptions::default();
        let split = solve_cflp(&costs, &fixed, &caps, &demands, Sourcing::Split, &o).expect("solves");
        assert_eq!(split.solution.status, Status::Optimal);
        assert!((split.solution.objective - 16.0).abs() < 1e-9);
        let load0: f64 = split
            .shares
            .iter()
            .zip(demands)
            .map(|(s, d)| d * cost_in(s, 0).unwrap_or(0.0))
            .sum();
        assert!((load0 - 10.0).abs() < 1e-9);
        let single = solve_cflp(&costs, &fixed, &caps, &demands, Sourcing::Single, &o).expect("solves");
        assert_eq!(single.solution.objective, 20.0);
        assert_eq!(single.solution.sites, vec![0, 1]);
        let mut served = single.solution.assignment.clone();
        served.sort();
        assert_eq!(served, vec![Some(0), Some(1)]);
    }

    #[test]
    fn uflp_balances_fixed_and_service_costs() {
        // Fixed costs 5, 5, 20. Open {0}: 5 + 1 + 4 + 3 = 13; {1}: 5 + 4 + 1 + 4 = 14; {0,1}: 10 + 1 + 1 + 3
        // = 15; {2}: 20 + 0 = 20; anything with site 2 and another ≥ 25.
        let costs = dense(&[&[1.0, 4.0, 0.0], &[4.0, 1.0, 0.0], &[3.0, 4.0, 0.0]]);
        let fixed = [5.0, 5.0, 20.0];
        let s = solve_uflp(&costs, &fixed, &SolveOptions::default()).expect("solves");
        assert_eq!((s.objective, s.sites.clone()), (13.0, vec![0]));
        assert_eq!(s.assignment, vec![Some(0); 3]);
        // Site 2 required: alone it costs 20, with site 0 25.
        let required = SolveOptions {
            required: vec![2],
            ..SolveOptions::default()
        };
        let s = solve_uflp(&costs, &fixed, &required).expect("solves");
        assert_eq!((s.objective, s.sites.clone()), (20.0, vec![2]));
        // Site 0 forbidden: {1} at 14.
        let forbidden = SolveOptions {
            forbidden: vec![0],
            ..SolveOptions::default()
        };
        let s = solve_uflp(&costs, &fixed, &forbidden).expect("solves");
        assert_eq!((s.objective, s.sites.clone()), (14.0, vec![1]));
    }

    #[test]
    fn capacity_shortfalls_are_infeasible_with_their_reason() {
        let costs = dense(&[&[1.0, 2.0], &[2.0, 1.0]]);
        let o = SolveOptions::default();
        // Demand 12 against capacity 5 + 5.
        let s = solve_cflp(&costs, &[0.0; 2], &[5.0; 2], &[6.0; 2], Sourcing::Split, &o).expect("solves");
        assert!(
            reason(&s.solution).contains("exceeds the total capacity 10"),
            "{:?}",
            s.solution
        );
        // Enough in total, but site 1 forbidden leaves 10 for 12.
        let forbid = SolveOptions {
            forbidden: vec![1],
            ..SolveOptions::default()
        };
        let s =
            solve_cflp(&costs, &[0.0; 2], &[10.0; 2], &[6.0; 2], Sourcing::Split, &forbid).expect("solves");
        assert!(reason(&s.solution).contains("exceeds"));
        // Single sourcing: a point of demand 11 fits no site of capacity 10.
        let s =
            solve_cflp(&costs, &[0.0; 2], &[10.0; 2], &[11.0, 1.0], Sourcing::Single, &o).expect("solves");
        assert!(reason(&s.solution).contains("demand point 0"));
        // A point no site may serve.
        let sparse = Costs::from_triples(2, 2, [(0, 0, 1.0)]).expect("valid");
        let s = solve_cflp(&sparse, &[0.0; 2], &[10.0; 2], &[1.0; 2], Sourcing::Split, &o).expect("solves");
        assert_eq!(
            reason(&s.solution),
            "demand point 1 can be served by no allowed site"
        );
        // Split demand, enough capacity in total, but point 1 may only use site 1 (capacity 1) for demand 2.
        let sparse = Costs::from_triples(2, 2, [(0, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)]).expect("valid");
        let s =
            solve_cflp(&sparse, &[0.0; 2], &[10.0, 1.0], &[1.0, 2.0], Sourcing::Split, &o).expect("solves");
        assert!(reason(&s.solution).contains("even all open"));
        // Capacitated p-median: the 1 largest of capacities 5, 4 holds less than demand 6.
        let s = solve_capacitated_p_median(&costs, &[1.0; 2], &[3.0; 2], &[5.0, 4.0], 1, Sourcing::Split, &o)
            .expect("solves");
        assert!(reason(&s.solution).contains("the most capacity 1 allowed sites offer"));
        assert!(solve_cflp(&costs, &[0.0; 2], &[1.0], &[1.0; 2], Sourcing::Split, &o).is_err());
    }

    #[test]
    fn required_and_forbidden_sites_are_honoured_under_capacities() {
        // Three sites of capacity 10; site 1 is cheapest for both points (fixed 1, cost 1 each); site 0 has
        // fixed 3 and costs 2, site 2 fixed 1 and costs 5. Free: {1} = 1 + 2 = 3. Site 1 forbidden: {0} =
        // 3 + 4 = 7 beats {2} = 1 + 10 = 11. Site 2 required as well: {2} alone is 11, {0, 2} is 3 + 1 + 4 =
        // 8.
        let costs = dense(&[&[2.0, 1.0, 5.0], &[2.0, 1.0, 5.0]]);
        let (fixed, caps, demands) = ([3.0, 1.0, 1.0], [10.0; 3], [4.0, 4.0]);
        let solve = |options: SolveOptions| {
            solve_cflp(&costs, &fixed, &caps, &demands, Sourcing::Single, &options)
                .expect("solves")
                .solution
        };
        let s = solve(SolveOptions::default());
        assert_eq!((s.objective, s.sites), (3.0, vec![1]));
        let s = solve(SolveOptions {
            forbidden: vec![1],
            ..SolveOptions::default()
        });
        assert_eq!((s.objective, s.sites), (7.0, vec![0]));
        let s = solve(SolveOptions {
            forbidden: vec![1],
            required: vec![2],
            ..SolveOptions::default()
        });
        assert_eq!((s.objective, s.sites), (8.0, vec![0, 2]));
    }

    /// Brute force over every single-source assignment: the cheapest whose used sites fit the capacities, with
    /// `p` open (unused ones may fill up to `p`) or, without `p`, paying the fixed cost of each used site.
    fn brute_force(
        costs: &[Vec<f64>],
        fixed: &[f64],
        caps: &[f64],
        demands: &[f64],
        p: Option<usize>,
    ) -> Option<f64> {
        let (n, m) = (costs.len(), caps.len());
        let mut best: Option<f64> = None;
        for code in 0..m.pow(n as u32) {
            let mut load = vec![0.0; m];
            let (mut c, mut k) = (0.0, code);
            for i in 0..n {
                let j = k % m;
                k /= m;
                load[j] += demands[i];
                c += costs[i][j];
            }
            let used = load.iter().filter(|&&l| l > 0.0).count();
            if (0..m).any(|j| load[j] > caps[j]) || p.is_some_and(|p| used > p) {
                continue;
            }
            c += (0..m).filter(|&j| load[j] > 0.0).map(|j| fixed[j]).sum::<f64>();
            if best.is_none_or(|b| c < b) {
                best = Some(c);
            }
        }
        best
    }

    #[test]
    fn single_sourcing_matches_brute_force_on_random_instances() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for round in 0..30 {
            let (n, m) = (rng.random_range(3..=7), rng.random_range(2..=4));
            let costs: Vec<Vec<f64>> = (0..n)
                .map(|_| (0..m).map(|_| f64::from(rng.random_range(0..50u32))).collect())
                .collect();
            let demands: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(1..10u32))).collect();
            let caps: Vec<f64> = (0..m).map(|_| f64::from(rng.random_range(5..30u32))).collect();
            let fixed: Vec<f64> = (0..m).map(|_| f64::from(rng.random_range(0..40u32))).collect();
            let table =
                Costs::from_dense(ndarray::Array2::from_shape_fn((n, m), |(i, j)| costs[i][j]).view())
                    .expect("valid");
            let o = SolveOptions::default();
            let s = solve_cflp(&table, &fixed, &caps, &demands, Sourcing::Single, &o).expect("solves");
            match brute_force(&costs, &fixed, &caps, &demands, None) {
                Some(b) => assert_eq!(s.solution.objective, b, "round {round} (CFLP)"),
                None => assert!(
                    matches!(s.solution.status, Status::Infeasible { .. }),
                    "round {round}"
                ),
            }
            let p = rng.random_range(1..=m);
            let s =
                solve_capacitated_p_median(&table, &vec![1.0; n], &demands, &caps, p, Sourcing::Single, &o)
                    .expect("solves");
            match brute_force(&costs, &vec![0.0; m], &caps, &demands, Some(p)) {
                Some(b) => {
                    assert_eq!(s.solution.objective, b, "round {round} (p-median, p = {p})");
                    assert_eq!(s.solution.sites.len(), p);
                }
                None => assert!(
                    matches!(s.solution.status, Status::Infeasible { .. }),
                    "round {round}"
                ),
            }
        }
    }
}
