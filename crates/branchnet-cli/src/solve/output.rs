//! What `branchnet solve` reports: the summary (text or JSON) and the assignment table.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use branchnet_io::write::{Values, write_csv, write_parquet};
use branchnet_io::{FileFormat, file_format};
use branchnet_optimize::Status;
use serde_json::{Value, json};

use super::input::Problem;
use super::{Figure, Model, Needs, Outcome, Params};

/// Most chosen-site ids listed in the text summary (the JSON summary lists all).
const LISTED_IDS: usize = 40;

/// One demand point's line of the plan.
pub struct Row {
    /// The site serving it (cost models) or its nearest chosen site (covering models).
    site: Option<usize>,
    /// Distance or cost to that site.
    cost: Option<f64>,
    /// Whether a chosen site is within the radius (when there is one).
    covered: Option<bool>,
    /// The model's own figure for the point (decay-weighted coverage, captured demand), if it has one.
    extra: Option<f64>,
}

/// Coverage figures, when a radius is given.
struct CoverageFigures {
    radius: f64,
    covered_weight: f64,
    covered_points: usize,
    uncovered_points: usize,
}

/// The plan and its figures.
pub struct Report {
    model: Model,
    objective_label: &'static str,
    p: Option<usize>,
    status: Status,
    objective: f64,
    bound: f64,
    gap: f64,
    chosen: Vec<usize>,
    rows: Vec<Row>,
    total_weight: f64,
    coverage: Option<CoverageFigures>,
    /// Weighted mean distance (cost) from each reachable point to its nearest chosen site.
    mean_distance: Option<f64>,
    /// Weighted mean cost from each point to the sites serving it, by share (split assignments), which with
    /// capacities need not be the nearest.
    mean_served: Option<f64>,
    /// Points with no reachable chosen site (only with an OD table that does not list the pair).
    unreachable: usize,
    /// Split assignments (facility models), per point `(site, share)`.
    shares: Option<Vec<Vec<(usize, f64)>>>,
    /// The name of the per-point figure in `rows`.
    extra_name: Option<&'static str>,
    /// A figure per site (all sites), listed for the chosen ones.
    per_site: Option<(&'static str, Vec<f64>)>,
    figures: Vec<Figure>,
    read_s: f64,
    total_s: f64,
}

impl Report {
    /// Figures of `solution`, recomputed from the chosen sites.
    pub fn new(
        model: Model,
        needs: &Needs,
        problem: &Problem,
        params: &Params,
        outcome: Outcome,
        start: Instant,
        read_s: f64,
    ) -> anyhow::Result<Self> {
        let solution = &outcome.solution;
        let n = problem.n_demand();
        let plan = !matches!(solution.status, Status::Infeasible { .. });
        let nearest = if plan {
            problem.nearest_open(&solution.sites)
        } else {
            vec![None; n]
        };
        let radius = params.radius.filter(|_| plan);
        let rows: Vec<Row> = (0..n)
            .map(|i| {
                let (site, cost) = if needs.assigns {
                    let j = solution.assignment.get(i).copied().flatten();
                    (j, j.and_then(|j| problem.cost(i, j)))
                } else {
                    (nearest[i].map(|n| n.0), nearest[i].map(|n| n.1))
                };
                let covered = radius.map(|r| nearest[i].is_some_and(|(_, d)| d <= r));
                let extra = outcome.per_point.as_ref().and_then(|(_, v)| v.get(i).copied());
                Row {
                    site,
                    cost,
                    covered,
                    extra,
                }
            })
            .collect();
        let w = &problem.weights;
        let total_weight: f64 = w.iter().sum();
        let coverage = radius.map(|radius| {
            let covered = |i: &usize| rows[*i].covered == Some(true);
            let covered_points = (0..n).filter(covered).count();
            CoverageFigures {
                radius,
                covered_weight: (0..n).filter(covered).map(|i| w[i]).sum(),
                covered_points,
                uncovered_points: n - covered_points,
            }
        });
        let reachable: Vec<(usize, f64)> = nearest
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.map(|(_, d)| (i, d)))
            .collect();
        let reach_weight: f64 = reachable.iter().map(|&(i, _)| w[i]).sum();
        let mean_distance = (plan && reach_weight > 0.0)
            .then(|| reachable.iter().map(|&(i, d)| w[i] * d).sum::<f64>() / reach_weight);
        Ok(Self {
            model,
            objective_label: needs.objective,
            p: params.p,
            status: solution.status.clone(),
            objective: solution.objective,
            bound: solution.bound,
            gap: solution.gap,
            chosen: solution.sites.clone(),
            unreachable: if plan { n - reachable.len() } else { 0 },
            rows,
            total_weight,
            coverage,
            mean_distance,
            mean_served: outcome.shares.as_ref().filter(|_| plan).and_then(|shares| {
                let (mut total, mut weight) = (0.0, 0.0);
                for (i, s) in shares.iter().enumerate() {
                    for &(j, f) in s {
                        total += w[i] * f * problem.cost(i, j)?;
                    }
                    weight += w[i];
                }
                (weight > 0.0).then(|| total / weight)
            }),
            shares: outcome.shares.filter(|_| plan),
            extra_name: outcome.per_point.as_ref().map(|(name, _)| *name),
            per_site: outcome.per_site,
            figures: outcome.figures,
            read_s,
            total_s: start.elapsed().as_secs_f64(),
        })
    }

    /// Whether the model is infeasible (exit status 2).
    pub fn infeasible(&self) -> bool {
        matches!(self.status, Status::Infeasible { .. })
    }

    /// The per-site figure of each chosen site, by id.
    fn chosen_values<'a>(&self, problem: &'a Problem) -> Option<(&'static str, Vec<(&'a str, f64)>)> {
        self.per_site.as_ref().map(|(name, v)| {
            let values = self
                .chosen
                .iter()
                .map(|&j| (problem.site_ids[j].as_str(), v[j]))
                .collect();
            (*name, values)
        })
    }

    fn status_word(&self) -> &'static str {
        match self.status {
            Status::Optimal => "optimal",
            Status::Feasible { .. } => "feasible",
            Status::Infeasible { .. } => "infeasible",
        }
    }

    /// The summary as JSON (non-finite numbers are null).
    pub fn json(&self, problem: &Problem) -> Value {
        let reason = match &self.status {
            Status::Infeasible { reason } => Some(name_points(reason, problem)),
            _ => None,
        };
        let coverage = self.coverage.as_ref().map(|c| {
            json!({
                "radius": c.radius,
                "covered_weight": c.covered_weight,
                "covered_share": share(c.covered_weight, self.total_weight),
                "covered_points": c.covered_points,
                "uncovered_points": c.uncovered_points,
            })
        });
        let mut j = json!({
            "model": self.model.name(),
            "status": self.status_word(),
            "reason": reason,
            "objective": self.objective,
            "objective_is": self.objective_label,
            "bound": self.bound,
            "gap": self.gap,
            "p": self.p,
            "demand_points": problem.n_demand(),
            "total_weight": self.total_weight,
            "sites": problem.n_sites(),
            "competitors": problem.competitors.as_ref().map(|c| c.ids.len()),
            "chosen": self.chosen.iter().map(|&j| problem.site_ids[j].as_str()).collect::<Vec<_>>(),
            "coverage": coverage,
            "mean_distance": self.mean_distance,
            "mean_served_distance": self.mean_served,
            "unreachable_points": self.unreachable,
            "seconds": self.total_s,
            "read_seconds": self.read_s,
        });
        for f in &self.figures {
            j[f.key] = json!(f.value);
        }
        if let Some((name, values)) = self.chosen_values(problem) {
            let by_site: serde_json::Map<String, Value> = values
                .into_iter()
                .map(|(id, v)| (id.to_string(), json!(v)))
                .collect();
            j[format!("{name}_by_site")] = Value::Object(by_site);
        }
        j
    }

    /// The summary as text.
    pub fn print(&self, problem: &Problem, out: Option<&Path>) {
        let mut model = self.model.name().to_string();
        if let Some(p) = self.p {
            let _ = write!(model, ", p = {p}");
        }
        if let Some(c) = &self.coverage {
            let _ = write!(model, ", radius {}", c.radius);
        }
        println!("Model: {model}");
        let weight = match &problem.weight_column {
            Some(c) => format!("total weight {} (column `{c}`)", number(self.total_weight)),
            None => "weight 1 each".into(),
        };
        match &problem.demand_file {
            Some(f) => println!(
                "Demand: {} points from {}, {weight}",
                problem.n_demand(),
                f.display()
            ),
            None => println!("Demand: none (the model places sites only)"),
        }
        match &problem.site_file {
            Some(f) => println!("Sites: {} from {}", problem.n_sites(), f.display()),
            None => println!("Sites: {} (the destinations of the OD table)", problem.n_sites()),
        }
        if let Some(c) = &problem.competitors {
            println!("Competitors: {} from {}", c.ids.len(), c.file.display());
        }
        println!("Distances: {}", problem.distance_source());
        if let Some(e) = problem.frame_warning() {
            println!(
                "Warning: the data spans so wide an area that distances may be off by up to {:.2}%",
                e * 100.0
            );
        }
        match &self.status {
            Status::Infeasible { reason } => {
                println!("Status: infeasible: {}", name_points(reason, problem));
                return;
            }
            Status::Optimal => println!("Status: optimal"),
            Status::Feasible { gap } => {
                println!(
                    "Status: feasible (a limit stopped the proof; gap {:.3}%)",
                    gap * 100.0
                );
            }
        }
        println!("Objective: {} ({})", number(self.objective), self.objective_label);
        println!("Bound: {}", number(self.bound));
        println!("Gap: {:.3}%", self.gap * 100.0);
        let mut ids: Vec<&str> = self
            .chosen
            .iter()
            .take(LISTED_IDS)
            .map(|&j| problem.site_ids[j].as_str())
            .collect();
        let more = self.chosen.len().saturating_sub(LISTED_IDS);
        let tail = format!("… and {more} more (--json lists all)");
        if more > 0 {
            ids.push(&tail);
        }
        println!("Chosen: {} sites: {}", self.chosen.len(), ids.join(", "));
        if let Some(c) = &self.coverage {
            println!(
                "Coverage within {}: {:.2}% of the weight ({} of {}); {} points covered, {} uncovered",
                c.radius,
                share(c.covered_weight, self.total_weight) * 100.0,
                number(c.covered_weight),
                number(self.total_weight),
                c.covered_points,
                c.uncovered_points
            );
        }
        for f in &self.figures {
            if f.share {
                println!("{}: {:.2}%", f.label, f.value * 100.0);
            } else {
                println!("{}: {}", f.label, number(f.value));
            }
        }
        if let Some((name, values)) = self.chosen_values(problem) {
            let listed: Vec<String> = values
                .iter()
                .take(LISTED_IDS)
                .map(|(id, v)| format!("{id} {}", number(*v)))
                .collect();
            println!("Demand {name} by site: {}", listed.join(", "));
        }
        if let Some(d) = self.mean_served {
            println!("Mean distance to the serving sites: {d:.2} (weighted, by share)");
        }
        if let Some(d) = self.mean_distance {
            println!("Mean distance to the nearest chosen site: {d:.2} (weighted)");
        }
        if self.unreachable > 0 {
            println!(
                "Unreachable: {} points have no listed pair with a chosen site",
                self.unreachable
            );
        }
        if let Some(path) = out {
            println!("Assignments written to {}", path.display());
        }
        println!("Solved in {:.2} s (reading {:.2} s)", self.total_s, self.read_s);
    }
}

/// The models number demand points from 0 in input order; a reason read by people names them by id.
fn name_points(reason: &str, problem: &Problem) -> String {
    const KEY: &str = "demand point ";
    let mut out = String::new();
    let mut rest = reason;
    while let Some(k) = rest.find(KEY) {
        let after = &rest[k + KEY.len()..];
        let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
        out.push_str(&rest[..k + KEY.len()]);
        match after[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|i| problem.demand_ids.get(i))
        {
            Some(id) => {
                let _ = write!(out, "`{id}`");
            }
            None => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// `part / total`, NaN when the total is 0.
fn share(part: f64, total: f64) -> f64 {
    if total > 0.0 { part / total } else { f64::NAN }
}

/// A figure as it is: whole numbers without decimals, others with up to 6.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Writes the plan: one row per demand point (`demand_id, site_id, cost`, `covered` when a radius was given,
/// the model's own per-point figure), one row per (demand, site, share) for split assignments, or one row per
/// chosen site for models without demand; empty (null) where a point has no site.
pub fn write_assignments(path: &Path, report: &Report, problem: &Problem) -> anyhow::Result<()> {
    let format = file_format(path, &[FileFormat::Csv, FileFormat::Parquet])?;
    let id = |j: usize| problem.site_ids[j].clone();
    let site = |r: &Row| r.site.map(id);
    let mut columns: Vec<(&str, Values)> = Vec::new();
    if problem.demand_file.is_none() {
        // Sites only (p-dispersion): each chosen site, its nearest chosen neighbour and their distance.
        let d = problem.site_distances()?;
        let nearest: Vec<Option<(usize, f64)>> = report
            .chosen
            .iter()
            .map(|&a| {
                report
                    .chosen
                    .iter()
                    .filter(|&&b| b != a)
                    .map(|&b| (b, d[a][b].min(d[b][a])))
                    .min_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)))
            })
            .collect();
        columns.push((
            "site_id",
            Values::Text(report.chosen.iter().map(|&j| Some(id(j))).collect()),
        ));
        columns.push((
            "nearest_site_id",
            Values::Text(nearest.iter().map(|n| n.map(|(j, _)| id(j))).collect()),
        ));
        columns.push((
            "distance",
            Values::Number(nearest.iter().map(|n| n.map(|(_, d)| d)).collect()),
        ));
    } else if let Some(shares) = &report.shares {
        let pairs: Vec<(usize, usize, f64)> = shares
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.iter().map(move |&(j, f)| (i, j, f)))
            .collect();
        let covered = report.coverage.as_ref().map(|c| c.radius);
        columns.push((
            "demand_id",
            Values::Text(
                pairs
                    .iter()
                    .map(|p| Some(problem.demand_ids[p.0].clone()))
                    .collect(),
            ),
        ));
        columns.push((
            "site_id",
            Values::Text(pairs.iter().map(|p| Some(id(p.1))).collect()),
        ));
        columns.push(("share", Values::Number(pairs.iter().map(|p| Some(p.2)).collect())));
        columns.push((
            "cost",
            Values::Number(pairs.iter().map(|p| problem.cost(p.0, p.1)).collect()),
        ));
        if let Some(r) = covered {
            columns.push((
                "covered",
                Values::Flag(
                    pairs
                        .iter()
                        .map(|p| Some(problem.cost(p.0, p.1).is_some_and(|c| c <= r)))
                        .collect(),
                ),
            ));
        }
    } else {
        let rows = &report.rows;
        columns.push((
            "demand_id",
            Values::Text(problem.demand_ids.iter().cloned().map(Some).collect()),
        ));
        columns.push(("site_id", Values::Text(rows.iter().map(site).collect())));
        columns.push(("cost", Values::Number(rows.iter().map(|r| r.cost).collect())));
        if report.coverage.is_some() {
            columns.push(("covered", Values::Flag(rows.iter().map(|r| r.covered).collect())));
        }
        if let Some(name) = report.extra_name {
            columns.push((name, Values::Number(rows.iter().map(|r| r.extra).collect())));
        }
    }
    match format {
        FileFormat::Parquet => write_parquet(path, &columns),
        _ => write_csv(path, &columns),
    }
    .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn figures_and_fields_print_plainly() {
        assert_eq!(super::number(875_247.0), "875247");
        assert_eq!(super::number(2_982.126_857_989), "2982.126858");
        assert_eq!(super::number(0.5), "0.5");
    }
}
