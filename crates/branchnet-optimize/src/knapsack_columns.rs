//! The exact Lagrangian dual of the single-sourcing capacitated models, by column generation over knapsack
//! columns (Ceselli & Righini 2005), and the restricted master as a MIP for plans.
//!
//! Relaxing "every point served once" leaves, per site, a 0-1 knapsack; the best multipliers give the bound of
//! the set-partitioning (Dantzig–Wolfe) master whose columns are a site with the points it serves. A
//! subgradient only approaches those multipliers; the master LP's duals reach them, and on Osman and
//! Christofides' instances the subgradient stopped percents below. Columns: a site `j` and a set `S` of points
//! within its capacity, cost `f_j + Σ_{i∈S} c_ij`. Rows: each point covered at least once (costs are
//! non-negative, so dropping a point from a column never costs more: covering and partitioning have the same
//! optimum), each site at most once (exactly once when required), and `Σ z = p` for the p-median. Pricing is
//! the knapsack the Lagrangian phase already solves, exactly by dynamic programming; the Lagrangian bound of
//! every dual vector is valid on its own, so the loop may stop at any time.

use std::time::Instant;

use highs::{Col, ColProblem, HighsModelStatus, HighsSolutionStatus, Model as Highs, Row, Sense};
use tracing::debug;

use crate::facility::{Model, Pairs, Plan, relax, single_fill};
use crate::site_swaps::improve_by_swaps;
use crate::{OptimizeError, SolveOptions};

/// A column of the master: the site, the points it serves and its cost.
struct Column {
    site: usize,
    points: Vec<usize>,
    cost: f64,
}

/// What the column generation leaves: the best Lagrangian bound, its multipliers, and the sites whose
/// closing alone lifts the bound past the incumbent (so every better plan opens them).
pub(crate) struct Dual {
    pub(crate) bound: f64,
    pub(crate) lambda: Vec<f64>,
    pub(crate) open: Vec<usize>,
}

/// The instance as the master sees it.
struct Instance<'a, 'm> {
    model: &'a Model<'m>,
    pairs: &'a [Pairs],
    by_site: &'a [Vec<(usize, f64)>],
    dp: &'a [bool],
}

/// The master LP, kept between solves: rows for points, sites and the count, and every column generated.
struct Master {
    lp: Option<Highs>,
    n: usize,
    cover: Vec<Row>,
    site_rows: Vec<Option<Row>>,
    count: Option<Row>,
    /// Row numbers of the site rows and the count row (rows are numbered in the order they were added).
    site_index: Vec<Option<usize>>,
    count_index: Option<usize>,
    /// Columns after the `n` artificial ones, with their handles.
    columns: Vec<(Column, Col)>,
}

/// How one run of the pricing loop ended.
struct Run {
    /// The best Lagrangian bound met.
    bound: f64,
    lambda: Vec<f64>,
    rounds: usize,
    lp: f64,
    /// Per site, the share the last master LP opens.
    y: Vec<f64>,
}

impl Master {
    fn new(inst: &Instance<'_, '_>, options: &SolveOptions) -> Result<Self, OptimizeError> {
        let (n, m) = (inst.pairs.len(), inst.by_site.len());
        let mut problem = ColProblem::default();
        let cover: Vec<Row> = (0..n).map(|_| problem.add_row(1.0..)).collect();
        let site_rows: Vec<Option<Row>> = (0..m)
            .map(|j| {
                (!options.forbidden.contains(&j)).then(|| {
                    if options.required.contains(&j) {
                        problem.add_row(1.0..=1.0)
                    } else {
                        problem.add_row(..=1.0)
                    }
                })
            })
            .collect();
        let count = inst.model.p.map(|p| problem.add_row(p as f64..=p as f64));
        let mut site_index: Vec<Option<usize>> = vec![None; m];
        let mut next = n;
        for (j, row) in site_rows.iter().enumerate() {
            if row.is_some() {
                site_index[j] = Some(next);
                next += 1;
            }
        }
        let count_index = count.map(|_| next);
        let mut lp = problem
            .try_optimise(Sense::Minimise)
            .map_err(|e| OptimizeError::Solver(format!("cannot build the master LP: {e:?}")))?;
        lp.make_quiet();
        set(&mut lp, "threads", options.threads.max(1) as i32)?;
        set(&mut lp, "presolve", "off")?;
        // An artificial column per point keeps every restricted master feasible; its cost exceeds any
        // assignment of the point, so it only bounds the multiplier.
        for (i, row) in inst.pairs.iter().enumerate() {
            let big = 1.0 + 2.0 * row.iter().map(|&(_, c)| c).fold(0.0, f64::max);
            lp.try_add_column(big, 0.0.., [(cover[i], 1.0)])
                .map_err(|e| OptimizeError::Solver(format!("cannot add a column: {e:?}")))?;
        }
        Ok(Self {
            lp: Some(lp),
            n,
            cover,
            site_rows,
            count,
            site_index,
            count_index,
            columns: Vec::new(),
        })
    }

    fn add(&mut self, c: Column) -> Result<(), OptimizeError> {
        let mut rows: Vec<(Row, f64)> = c.points.iter().map(|&i| (self.cover[i], 1.0)).collect();
        rows.extend(self.site_rows[c.site].map(|r| (r, 1.0)));
        rows.extend(self.count.map(|r| (r, 1.0)));
        let lp = self.lp.as_mut().expect("the master is kept between solves");
        let col = lp
            .try_add_column(c.cost, 0.0.., rows)
            .map_err(|e| OptimizeError::Solver(format!("cannot add a column: {e:?}")))?;
        self.columns.push((c, col));
        Ok(())
    }

    /// Opens (`true`) or closes every column of site `j`.
    fn allow_site(&mut self, j: usize, allowed: bool) {
        let lp = self.lp.as_mut().expect("the master is kept between solves");
        for (c, col) in self.columns.iter().filter(|(c, _)| c.site == j) {
            let _ = c;
            if allowed {
                lp.change_column_bounds(*col, 0.0..);
            } else {
                lp.change_column_bounds(*col, 0.0..=0.0);
            }
        }
    }

    /// Prices columns until none has a negative reduced cost, the Lagrangian bound exceeds `stop_above`,
    /// `deadline`, or 2,000 rounds. `options` says which sites may open (its forbidden ones get no column).
    fn run(
        &mut self,
        inst: &Instance<'_, '_>,
        lambda: &[f64],
        options: &SolveOptions,
        stop_above: f64,
        deadline: Option<Instant>,
    ) -> Result<Run, OptimizeError> {
        let (n, m) = (self.n, inst.by_site.len());
        let r = relax(inst.model, inst.by_site, lambda, inst.dp, options);
        let mut out = Run {
            bound: r.bound,
            lambda: lambda.to_vec(),
            rounds: 0,
            lp: f64::INFINITY,
            y: vec![0.0; m],
        };
        let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
        while out.bound <= stop_above && !out_of_time() && out.rounds < 2000 {
            let mut lp = self.lp.take().expect("the master is kept between solves");
            if let Some(d) = deadline {
                set(
                    &mut lp,
                    "time_limit",
                    d.saturating_duration_since(Instant::now()).as_secs_f64(),
                )?;
            }
            let solved = lp
                .try_solve()
                .map_err(|e| OptimizeError::Solver(format!("master LP: {e:?}")))?;
            out.rounds += 1;
            let status = solved.status();
            let solution = solved.get_solution();
            self.lp = Some(Highs::from(solved));
            if status != HighsModelStatus::Optimal {
                break;
            }
            out.lp = solution
                .columns()
                .iter()
                .zip(self.costs())
                .map(|(v, c)| v * c)
                .sum();
            let duals = solution.dual_rows();
            let values = solution.columns();
            out.y = vec![0.0; m];
            for (k, (c, _)) in self.columns.iter().enumerate() {
                out.y[c.site] += values[n + k];
            }
            let lambda: Vec<f64> = duals[..n].to_vec();
            let mu = self.count_index.map_or(0.0, |r| duals[r]);
            let r = relax(inst.model, inst.by_site, &lambda, inst.dp, options);
            if r.bound > out.bound {
                out.bound = r.bound;
                out.lambda.clone_from(&lambda);
            }
            let mut priced = Vec::new();
            for j in 0..m {
                let Some(k) = &r.knapsacks[j] else { continue };
                let nu = self.site_index[j].map_or(0.0, |r| duals[r]);
                if r.gain[j] - nu - mu < -1e-7 * out.lp.abs().max(1.0) && !k.taken.is_empty() {
                    priced.push(make_column(
                        inst.model,
                        inst.pairs,
                        j,
                        k.taken.iter().map(|&(i, _)| i).collect(),
                    ));
                }
            }
            if priced.is_empty() {
                break; // no column prices out: the master LP is optimal and its value the Lagrangian dual
            }
            for c in priced {
                self.add(c)?;
            }
        }
        Ok(out)
    }

    /// Column costs in column order, the artificial ones first.
    fn costs(&self) -> Vec<f64> {
        let mut costs = vec![0.0; self.n];
        costs.extend(self.columns.iter().map(|(c, _)| c.cost));
        costs
    }
}

/// Column generation from the multipliers `lambda` until the master LP is optimal, the bound proves the
/// incumbent, or `deadline`. Then the restricted master is solved as a MIP (briefly) and its plan, if cheaper,
/// becomes the incumbent; and each site the master LP opens is probed: closed, with the master re-priced,
/// until the bound passes the incumbent (the site is then open in every better plan) or the master is optimal.
/// `integral`: every plan's objective is an integer, so a bound above `incumbent − 1` proves it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn column_generation(
    model: &Model<'_>,
    pairs: &[Pairs],
    by_site: &[Vec<(usize, f64)>],
    dp: &[bool],
    lambda: &[f64],
    options: &SolveOptions,
    incumbent: &mut Option<Plan>,
    integral: bool,
    deadline: Option<Instant>,
) -> Result<Dual, OptimizeError> {
    let m = by_site.len();
    let started = Instant::now();
    let inst = Instance {
        model,
        pairs,
        by_site,
        dp,
    };
    // Bounds above this prove the incumbent, or (probing) that a better plan keeps the probed site.
    let threshold = |plan: &Option<Plan>| match plan {
        Some(p) if integral => p.objective - 1.0 + 1e-6,
        Some(p) => p.objective * (1.0 - options.mip_rel_gap) - 1e-9 * p.objective.abs().max(1.0),
        None => f64::INFINITY,
    };
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
    let mut master = Master::new(&inst, options)?;
    // Seeds: every allowed site serving nobody (so "p open" is always feasible), the incumbent's columns and
    // the knapsacks at the starting multipliers.
    for j in (0..m).filter(|j| !options.forbidden.contains(j)) {
        master.add(Column {
            site: j,
            points: Vec::new(),
            cost: model.fixed(j),
        })?;
    }
    if let Some(plan) = incumbent.as_ref() {
        let mut served: Vec<Vec<usize>> = vec![Vec::new(); m];
        for (i, s) in plan.shares.iter().enumerate() {
            if let Some(&(j, _)) = s.first() {
                served[j].push(i);
            }
        }
        for (j, points) in served.into_iter().enumerate() {
            if !points.is_empty() {
                master.add(make_column(model, pairs, j, points))?;
            }
        }
    }
    let r = relax(model, by_site, lambda, dp, options);
    for (j, k) in r.knapsacks.iter().enumerate() {
        if let Some(k) = k
            && !k.taken.is_empty()
        {
            master.add(make_column(
                model,
                pairs,
                j,
                k.taken.iter().map(|&(i, _)| i).collect(),
            ))?;
        }
    }
    let run = master.run(&inst, lambda, options, threshold(incumbent), deadline)?;
    let mut dual = Dual {
        bound: run.bound,
        lambda: run.lambda.clone(),
        open: Vec::new(),
    };
    debug!(
        rounds = run.rounds,
        columns = master.columns.len(),
        lp = run.lp,
        bound = dual.bound,
        incumbent = incumbent.as_ref().map(|p| p.objective),
        seconds = started.elapsed().as_secs_f64(),
        "knapsack columns: master LP"
    );
    if dual.bound > threshold(incumbent) || out_of_time() {
        return Ok(dual);
    }
    let columns: Vec<&Column> = master.columns.iter().map(|(c, _)| c).collect();
    restricted_master_plan(model, pairs, &columns, options, incumbent, deadline)?;
    if let Some(p) = model.p {
        // The master MIP's plan is a new start for the swaps; a better incumbent makes the fixing bite. So are
        // the sites the master LP opens most and those the relaxation picks at the best multipliers
        // (pmedcap20: the swaps from the greedy plan stop 2% above the optimum).
        improve_by_swaps(model, pairs, options, incumbent, deadline)?;
        let mut by_y: Vec<usize> = (0..m).filter(|j| !options.forbidden.contains(j)).collect();
        by_y.sort_by(|&a, &b| {
            let key = |j: usize| (options.required.contains(&j), run.y[j]);
            key(b)
                .partial_cmp(&key(a))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        let mut lp_sites = vec![false; m];
        by_y.iter().take(p).for_each(|&j| lp_sites[j] = true);
        let relaxed = relax(model, by_site, &dual.lambda, dp, options).chosen;
        for open in [lp_sites, relaxed] {
            if out_of_time() {
                break;
            }
            let Some(shares) = single_fill(model, pairs, &open) else {
                continue;
            };
            let mut start = Some(Plan::new(model, pairs, open, shares));
            improve_by_swaps(model, pairs, options, &mut start, deadline)?;
            if let Some(plan) = start
                && incumbent.as_ref().is_none_or(|i| plan.objective < i.objective)
            {
                *incumbent = Some(plan);
            }
        }
    }
    if dual.bound > threshold(incumbent) {
        return Ok(dual);
    }
    // Probing, the sites the LP opens most first.
    let probe_started = Instant::now();
    let mut order: Vec<usize> = (0..m)
        .filter(|&j| run.y[j] > 1e-6 && !options.required.contains(&j))
        .collect();
    order.sort_by(|&a, &b| run.y[b].total_cmp(&run.y[a]).then(a.cmp(&b)));
    let mut rounds = 0;
    for &j in &order {
        if out_of_time() {
            break;
        }
        let mut closed = options.clone();
        closed.forbidden.push(j);
        master.allow_site(j, false);
        let probe = master.run(&inst, &dual.lambda, &closed, threshold(incumbent), deadline)?;
        master.allow_site(j, true);
        rounds += probe.rounds;
        if probe.bound > threshold(incumbent) {
            dual.open.push(j);
        }
    }
    debug!(
        probed = order.len(),
        fixed_open = dual.open.len(),
        rounds,
        seconds = probe_started.elapsed().as_secs_f64(),
        "knapsack columns: probing"
    );
    Ok(dual)
}

/// The column of site `j` serving `points`, priced from the pairs.
fn make_column(model: &Model<'_>, pairs: &[Pairs], j: usize, points: Vec<usize>) -> Column {
    let cost = model.fixed(j)
        + points
            .iter()
            .map(|&i| {
                let row = &pairs[i];
                row.binary_search_by_key(&j, |&(s, _)| s)
                    .map_or(f64::INFINITY, |k| row[k].1)
            })
            .sum::<f64>();
    Column {
        site: j,
        points,
        cost,
    }
}

/// Solves the master over the generated columns as a MIP (a few seconds at most): a cover of every point by
/// at most one column per site, which — points covered twice kept at their cheaper site — is a plan.
fn restricted_master_plan(
    model: &Model<'_>,
    pairs: &[Pairs],
    columns: &[&Column],
    options: &SolveOptions,
    incumbent: &mut Option<Plan>,
    deadline: Option<Instant>,
) -> Result<(), OptimizeError> {
    let n = pairs.len();
    let m = model.costs.n_sites();
    let started = Instant::now();
    let mut problem = ColProblem::default();
    let cover: Vec<Row> = (0..n).map(|_| problem.add_row(1.0..)).collect();
    let site_rows: Vec<Row> = (0..m)
        .map(|j| {
            if options.required.contains(&j) {
                problem.add_row(1.0..=1.0)
            } else {
                problem.add_row(..=1.0)
            }
        })
        .collect();
    let count = model.p.map(|p| problem.add_row(p as f64..=p as f64));
    // Columns are numbered in the order they are added.
    for &c in columns {
        let mut rows: Vec<(Row, f64)> = c.points.iter().map(|&i| (cover[i], 1.0)).collect();
        rows.push((site_rows[c.site], 1.0));
        rows.extend(count.map(|r| (r, 1.0)));
        problem.add_integer_column(c.cost, 0.0..=1.0, rows);
    }
    let mut mip = problem
        .try_optimise(Sense::Minimise)
        .map_err(|e| OptimizeError::Solver(format!("cannot build the master MIP: {e:?}")))?;
    mip.make_quiet();
    set(&mut mip, "threads", options.threads.max(1) as i32)?;
    let mut limit: f64 = 5.0;
    if let Some(d) = deadline {
        limit = limit.min(d.saturating_duration_since(Instant::now()).as_secs_f64());
    }
    set(&mut mip, "time_limit", limit.max(0.01))?;
    if let Some(plan) = incumbent.as_ref() {
        // Nothing worse than the incumbent is of use.
        set(&mut mip, "objective_bound", plan.objective)?;
    }
    let solved = mip
        .try_solve()
        .map_err(|e| OptimizeError::Solver(format!("master MIP: {e:?}")))?;
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        debug!(status = ?solved.status(), "knapsack columns: master MIP found no plan");
        return Ok(());
    }
    let values = solved.get_solution().columns().to_vec();
    let mut open = vec![false; m];
    let mut site_of: Vec<Option<(usize, f64)>> = vec![None; n];
    for (c, &v) in columns.iter().zip(&values) {
        if v > 0.5 {
            open[c.site] = true;
            for &i in &c.points {
                let cost = pairs[i]
                    .binary_search_by_key(&c.site, |&(s, _)| s)
                    .map_or(f64::INFINITY, |k| pairs[i][k].1);
                if site_of[i].is_none_or(|(_, b)| cost < b) {
                    site_of[i] = Some((c.site, cost));
                }
            }
        }
    }
    let Some(shares) = site_of
        .into_iter()
        .map(|s| s.map(|(j, _)| vec![(j, 1.0)]))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(());
    };
    let plan = Plan::new(model, pairs, open, shares);
    debug!(
        objective = plan.objective,
        status = ?solved.status(),
        seconds = started.elapsed().as_secs_f64(),
        "knapsack columns: master MIP"
    );
    if incumbent.as_ref().is_none_or(|p| plan.objective < p.objective) {
        *incumbent = Some(plan);
    }
    Ok(())
}

fn set<V: highs::HighsOptionValue>(model: &mut Highs, key: &str, value: V) -> Result<(), OptimizeError> {
    model
        .try_set_option(key, value)
        .map_err(|e| OptimizeError::Solver(format!("cannot set option {key}: {e:?}")))
}
