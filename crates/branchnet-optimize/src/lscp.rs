//! LSCP: the fewest sites that cover every demand point, uncapacitated or with site capacities.

use highs::{Col, RowProblem, Sense};

use crate::input::check_amounts;
use crate::mip::{MipOutcome, add_site_columns, chosen, site_bounds, solve};
use crate::{Coverage, OptimizeError, Solution, SolveOptions};

/// Location set covering: opens the fewest sites such that every demand point is covered by one.
///
/// Demand points with identical coverage sets share one constraint. A point that no allowed site covers makes
/// the model infeasible, and the status says which point.
///
/// # Errors
/// When HiGHS fails.
pub fn solve_lscp(coverage: &Coverage, options: &SolveOptions) -> Result<Solution, OptimizeError> {
    let n = coverage.n_demand();
    let mut problem = RowProblem::default();
    let y = add_site_columns(&mut problem, coverage.n_sites(), 1.0, options);
    for (sites, members) in coverage.groups() {
        let allowed: Vec<_> = sites
            .iter()
            .filter(|&&j| !options.forbidden.contains(&(j as usize)))
            .collect();
        if allowed.is_empty() {
            return Ok(Solution::infeasible(
                format!(
                    "demand point {} (and {} more with the same coverage) is covered by no allowed site",
                    members[0],
                    members.len() - 1
                ),
                n,
            ));
        }
        problem.add_row(1.0.., allowed.iter().map(|&&j| (y[j as usize], 1.0)));
    }
    // Every allowed site open covers everything coverable: a feasible start.
    let start = (0..coverage.n_sites())
        .map(|j| site_bounds(j, options).1)
        .collect();
    match solve(problem, Sense::Minimise, options, Some(start))? {
        MipOutcome::Infeasible => Ok(Solution::infeasible(
            "no set of sites covers every demand point",
            n,
        )),
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => {
            let sites = chosen(&values);
            let objective = sites.len() as f64;
            let assignment = coverage.first_open(&sites);
            // The bound of a count can be rounded up.
            Ok(Solution::plan(sites, assignment, objective, bound.ceil(), proven))
        }
    }
}

/// A capacitated cover: the plan, and how each demand point's demand is split among the open sites.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitatedCover {
    /// The plan; `assignment` names, per point, the open site serving the largest share of it.
    pub solution: Solution,
    /// For each demand point, the open sites serving it and the fraction of its demand each serves (the
    /// fractions sum to 1). Empty when infeasible.
    pub shares: Vec<Vec<(usize, f64)>>,
}

/// Capacitated location set covering: opens the fewest sites such that every demand point's demand is served
/// entirely by open sites that cover it, no site serving more than its capacity. A point's demand may be split
/// among several covering sites (as spopt's capacitated LSCP does).
///
/// Points with identical coverage sets are merged with their summed demand (exact, because demand may be
/// split). A point with zero demand still needs an open site covering it. Before the MIP a maximum flow with
/// every allowed site open checks feasibility; when even that fails the status names the points whose demand
/// exceeds the capacity of every site that could serve them, or the point no allowed site covers.
///
/// # Errors
/// `demand` or `capacity` of the wrong length, negative or not finite; HiGHS failing.
pub fn solve_lscp_capacitated(
    coverage: &Coverage,
    demand: &[f64],
    capacity: &[f64],
    options: &SolveOptions,
) -> Result<CapacitatedCover, OptimizeError> {
    let n = coverage.n_demand();
    let m = coverage.n_sites();
    check_amounts("demand", demand, n)?;
    check_amounts("capacity", capacity, m)?;
    let infeasible = |reason: String| CapacitatedCover {
        solution: Solution::infeasible(reason, n),
        shares: vec![Vec::new(); n],
    };
    let mut groups: Vec<Group> = Vec::new();
    for (sites, members) in coverage.groups() {
        let allowed: Vec<usize> = sites
            .iter()
            .map(|&j| j as usize)
            .filter(|j| !options.forbidden.contains(j))
            .collect();
        if allowed.is_empty() {
            return Ok(infeasible(format!(
                "demand point {} (and {} more with the same coverage) is covered by no allowed site",
                members[0],
                members.len() - 1
            )));
        }
        let total = members.iter().map(|&i| demand[i]).sum();
        groups.push(Group {
            sites: allowed,
            members,
            demand: total,
        });
    }
    let all_allowed: Vec<bool> = (0..m).map(|j| site_bounds(j, options).1 > 0.5).collect();
    let start_flows = match split(&groups, capacity, &all_allowed) {
        Ok(flows) => flows,
        Err(short) => return Ok(infeasible(short.reason(&groups, capacity))),
    };

    let mut problem = RowProblem::default();
    let y = add_site_columns(&mut problem, m, 1.0, options);
    let mut start: Vec<f64> = all_allowed.iter().map(|&a| if a { 1.0 } else { 0.0 }).collect();
    let mut by_site: Vec<Vec<(Col, f64)>> = vec![Vec::new(); m];
    // No per-pair x ≤ y rows: they tighten the relaxation, but on 3,000 points × 100 sites they made it too
    // big for HiGHS to finish the root in 30 s (no bound at all), while without them it proved 13 ≤ 19.
    for (g, group) in groups.iter().enumerate() {
        problem.add_row(1.0.., group.sites.iter().map(|&j| (y[j], 1.0)));
        let mut row = Vec::with_capacity(group.sites.len());
        for (k, &j) in group.sites.iter().enumerate() {
            let x = problem.add_column(0.0, 0.0..=group.demand);
            start.push(start_flows[g][k]);
            row.push((x, 1.0));
            by_site[j].push((x, 1.0));
        }
        problem.add_row(group.demand..=group.demand, row);
    }
    for (j, mut row) in by_site.into_iter().enumerate() {
        if !row.is_empty() {
            row.push((y[j], -capacity[j]));
            problem.add_row(..=0.0, row);
        }
    }
    let (values, bound, proven) = match solve(problem, Sense::Minimise, options, Some(start))? {
        MipOutcome::Infeasible => {
            return Ok(infeasible(
                "no set of sites serves every demand point within capacity".into(),
            ));
        }
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => (values, bound, proven),
    };
    let sites = chosen(&values[..m]);
    let open: Vec<bool> = (0..m).map(|j| sites.binary_search(&j).is_ok()).collect();
    // The split recomputed for the chosen sites by a flow, free of the MIP's tolerances.
    let flows = split(&groups, capacity, &open).map_err(|_| {
        OptimizeError::Solver("HiGHS returned sites that cannot serve the demand within capacity".into())
    })?;
    let mut shares = vec![Vec::new(); n];
    for (group, flows) in groups.iter().zip(&flows) {
        let row: Vec<(usize, f64)> = if group.demand > 0.0 {
            group
                .sites
                .iter()
                .zip(flows)
                .filter(|(_, f)| **f > 0.0)
                .map(|(&j, f)| (j, f / group.demand))
                .collect()
        } else {
            let j = group.sites.iter().copied().find(|&j| open[j]);
            j.into_iter().map(|j| (j, 1.0)).collect()
        };
        for &i in &group.members {
            shares[i] = row.clone();
        }
    }
    let assignment = shares
        .iter()
        .map(|row| {
            row.iter()
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|&(j, _)| j)
        })
        .collect();
    let objective = sites.len() as f64;
    Ok(CapacitatedCover {
        solution: Solution::plan(sites, assignment, objective, bound.ceil(), proven),
        shares,
    })
}

/// Demand points sharing one coverage set, restricted to allowed sites.
struct Group {
    sites: Vec<usize>,
    members: Vec<usize>,
    demand: f64,
}

/// Demand that cannot be served: the groups on the source side of a minimum cut, whose summed demand exceeds
/// the capacity of every open site that covers any of them (Hall's condition, violated).
struct Shortfall {
    groups: Vec<usize>,
}

impl Shortfall {
    fn reason(&self, groups: &[Group], capacity: &[f64]) -> String {
        let mut points: Vec<usize> = self
            .groups
            .iter()
            .flat_map(|&g| groups[g].members.iter().copied())
            .collect();
        points.sort_unstable();
        let mut sites: Vec<usize> = self
            .groups
            .iter()
            .flat_map(|&g| groups[g].sites.iter().copied())
            .collect();
        sites.sort_unstable();
        sites.dedup();
        let need: f64 = self.groups.iter().map(|&g| groups[g].demand).sum();
        let have: f64 = sites.iter().map(|&j| capacity[j]).sum();
        let shown: Vec<String> = points.iter().take(10).map(usize::to_string).collect();
        let more = if points.len() > 10 {
            format!(" and {} more", points.len() - 10)
        } else {
            String::new()
        };
        format!(
            "capacity short: demand points {}{more} need {need} in total, but the {} allowed sites that cover \
             them ({sites:?}) hold only {have}",
            shown.join(", "),
            sites.len()
        )
    }
}

/// Splits each group's demand among its open sites within capacity, by a maximum flow (Dinic) from the groups
/// to the sites. Returns per group the flow to each of its sites, or the groups that cannot be served.
fn split(groups: &[Group], capacity: &[f64], open: &[bool]) -> Result<Vec<Vec<f64>>, Shortfall> {
    let g_count = groups.len();
    let m = capacity.len();
    let (source, sink) = (0, g_count + m + 1);
    let mut net = Network::new(sink + 1);
    let total: f64 = groups.iter().map(|g| g.demand).sum();
    let mut arcs = Vec::with_capacity(g_count);
    for (g, group) in groups.iter().enumerate() {
        net.add(source, 1 + g, group.demand);
        arcs.push(
            group
                .sites
                .iter()
                .map(|&j| {
                    let cap = if open[j] { group.demand } else { 0.0 };
                    net.add(1 + g, 1 + g_count + j, cap)
                })
                .collect::<Vec<_>>(),
        );
    }
    for (j, &c) in capacity.iter().enumerate() {
        net.add(1 + g_count + j, sink, if open[j] { c } else { 0.0 });
    }
    let flow = net.max_flow(source, sink);
    // Zero-demand groups need an open covering site even though they carry no flow.
    let uncovered: Vec<usize> = (0..g_count)
        .filter(|&g| !groups[g].sites.iter().any(|&j| open[j]))
        .collect();
    if !uncovered.is_empty() {
        return Err(Shortfall { groups: uncovered });
    }
    if flow < total - 1e-9 * total.max(1.0) {
        let reach = net.reachable(source);
        return Err(Shortfall {
            groups: (0..g_count).filter(|&g| reach[1 + g]).collect(),
        });
    }
    Ok(arcs
        .iter()
        .map(|row| row.iter().map(|&a| net.flow(a)).collect())
        .collect())
}

/// A flow network with real capacities (Dinic's algorithm); small, dense-enough bipartite graphs only.
struct Network {
    head: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<f64>,
    initial: Vec<f64>,
}

impl Network {
    /// Residual capacities below this are treated as zero (demands are populations or money, far above it).
    const EPS: f64 = 1e-12;

    fn new(nodes: usize) -> Self {
        Self {
            head: vec![Vec::new(); nodes],
            to: Vec::new(),
            cap: Vec::new(),
            initial: Vec::new(),
        }
    }

    /// Adds an arc and its reverse; returns the arc's index.
    fn add(&mut self, from: usize, to: usize, cap: f64) -> usize {
        let a = self.to.len();
        self.head[from].push(a);
        self.to.push(to);
        self.cap.push(cap);
        self.initial.push(cap);
        self.head[to].push(a + 1);
        self.to.push(from);
        self.cap.push(0.0);
        self.initial.push(0.0);
        a
    }

    fn flow(&self, arc: usize) -> f64 {
        (self.initial[arc] - self.cap[arc]).max(0.0)
    }

    fn levels(&self, source: usize) -> Vec<usize> {
        let mut level = vec![usize::MAX; self.head.len()];
        level[source] = 0;
        let mut queue = std::collections::VecDeque::from([source]);
        while let Some(u) = queue.pop_front() {
            for &a in &self.head[u] {
                let v = self.to[a];
                if self.cap[a] > Self::EPS && level[v] == usize::MAX {
                    level[v] = level[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        level
    }

    fn reachable(&self, source: usize) -> Vec<bool> {
        self.levels(source).iter().map(|&l| l != usize::MAX).collect()
    }

    fn max_flow(&mut self, source: usize, sink: usize) -> f64 {
        let mut total = 0.0;
        loop {
            let level = self.levels(source);
            if level[sink] == usize::MAX {
                return total;
            }
            let mut next = vec![0; self.head.len()];
            loop {
                let pushed = self.push(source, sink, f64::INFINITY, &level, &mut next);
                if pushed <= Self::EPS {
                    break;
                }
                total += pushed;
            }
        }
    }

    /// One blocking-flow augmentation along level-increasing arcs (iterative depth-first search).
    fn push(&mut self, source: usize, sink: usize, limit: f64, level: &[usize], next: &mut [usize]) -> f64 {
        let mut path: Vec<usize> = Vec::new();
        let mut u = source;
        loop {
            if u == sink {
                let amount = path.iter().fold(limit, |acc, &a| acc.min(self.cap[a]));
                for &a in &path {
                    self.cap[a] -= amount;
                    self.cap[a ^ 1] += amount;
                }
                return amount;
            }
            let mut advanced = false;
            while next[u] < self.head[u].len() {
                let a = self.head[u][next[u]];
                let v = self.to[a];
                if self.cap[a] > Self::EPS && level[v] == level[u] + 1 {
                    path.push(a);
                    u = v;
                    advanced = true;
                    break;
                }
                next[u] += 1;
            }
            if !advanced {
                // Dead end: retreat and skip the arc that led here.
                match path.pop() {
                    Some(a) => {
                        u = self.to[a ^ 1];
                        next[u] += 1;
                    }
                    None => return 0.0,
                }
            }
        }
    }
}
