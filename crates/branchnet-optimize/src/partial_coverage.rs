//! MCLP with partial coverage: coverage fades with cost by a [`Decay`], and each demand point counts with the
//! best weight any open site gives it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use branchnet_core::Decay;
use highs::{RowProblem, Sense};

use crate::input::check_weights;
use crate::mip::{MipOutcome, chosen, site_bounds, solve};
use crate::{Costs, OptimizeError, Solution, SolveOptions};

/// Maximal covering with partial coverage: opens exactly `p` sites to maximise
/// `Σ_i w_i · max_{j open} f(c_ij)`, where `f` is the decay (1 near, fading to 0). With [`Decay::Step`] this
/// is the classic MCLP; with [`Decay::Linear`] and a full-coverage radius it is Berman and Krass's gradual
/// covering.
///
/// Formulation: assignment variables `x_ij ∈ [0, 1]` for the pairs listed in `costs` with `f > 0` and `j` not
/// forbidden, `Σ_j x_ij ≤ 1`, `x_ij ≤ y_j`, `Σ_j y_j = p`, maximise `Σ w_i f_ij x_ij`. Points whose
/// (site, weight) lists are identical share one row with their summed weight. A greedy plan seeds the solve.
/// The objective is recomputed from the plan; `assignment` names each point's best open site (`None` when no
/// open site gives it a positive weight).
///
/// # Errors
/// Weights that do not match the demand points or are negative; a decay with unusable parameters (reported
/// as [`OptimizeError::BadNumber`] with the parameter's name); HiGHS failing.
pub fn solve_mclp_partial(
    costs: &Costs,
    weights: &[f64],
    decay: &Decay,
    p: usize,
    options: &SolveOptions,
) -> Result<Solution, OptimizeError> {
    let n = costs.n_demand();
    let m = costs.n_sites();
    check_weights(weights, n)?;
    decay.check().map_err(|(what, value)| OptimizeError::BadNumber {
        what,
        index: 0,
        value,
    })?;
    if let Some(reason) = options.p_conflict(p, m) {
        return Ok(Solution::infeasible(reason, n));
    }
    let rows = coverage_rows(costs, decay, options);
    let greedy = greedy(&rows, weights, m, p, options);

    // Identical rows merge: their points are interchangeable in the model.
    let mut index: HashMap<Vec<(u32, u64)>, usize> = HashMap::new();
    let mut groups: Vec<(&[(u32, f64)], f64)> = Vec::new();
    for (row, &w) in rows.iter().zip(weights) {
        if row.is_empty() || w == 0.0 {
            continue;
        }
        let key = row.iter().map(|&(j, f)| (j, f.to_bits())).collect();
        match index.entry(key) {
            Entry::Occupied(e) => groups[*e.get()].1 += w,
            Entry::Vacant(e) => {
                e.insert(groups.len());
                groups.push((row, w));
            }
        }
    }

    let mut problem = RowProblem::default();
    let y: Vec<_> = (0..m)
        .map(|j| {
            let (lo, hi) = site_bounds(j, options);
            problem.add_integer_column(0.0, lo..=hi)
        })
        .collect();
    let is_open = |j: u32| greedy.binary_search(&(j as usize)).is_ok();
    let mut start: Vec<f64> = (0..m as u32)
        .map(|j| if is_open(j) { 1.0 } else { 0.0 })
        .collect();
    for (row, weight) in &groups {
        let best = best_open(row, is_open).map(|(k, _)| k);
        let x: Vec<_> = row
            .iter()
            .enumerate()
            .map(|(k, &(_, f))| {
                start.push(if best == Some(k) { 1.0 } else { 0.0 });
                problem.add_column(weight * f, 0.0..=1.0)
            })
            .collect();
        problem.add_row(..=1.0, x.iter().map(|&c| (c, 1.0)));
        for (&xc, &(j, _)) in x.iter().zip(row.iter()) {
            problem.add_row(..=0.0, [(xc, 1.0), (y[j as usize], -1.0)]);
        }
    }
    problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
    let start = (greedy.len() == p).then_some(start);
    match solve(problem, Sense::Maximise, options, start)? {
        MipOutcome::Infeasible => Ok(Solution::infeasible(
            "no p sites satisfy the required/forbidden sites",
            n,
        )),
        MipOutcome::Plan {
            values,
            bound,
            proven,
        } => {
            let sites = chosen(&values[..m]);
            let open = |j: u32| sites.binary_search(&(j as usize)).is_ok();
            let best: Vec<Option<(usize, f64)>> = rows
                .iter()
                .map(|row| best_open(row, open).map(|(k, f)| (row[k].0 as usize, f)))
                .collect();
            let objective = best
                .iter()
                .zip(weights)
                .map(|(b, w)| b.map_or(0.0, |(_, f)| w * f))
                .sum();
            let assignment = best.iter().map(|b| b.map(|(j, _)| j)).collect();
            Ok(Solution::plan(sites, assignment, objective, bound, proven))
        }
    }
}

/// Per demand point, the allowed sites with a positive decay weight, ascending by site.
fn coverage_rows(costs: &Costs, decay: &Decay, options: &SolveOptions) -> Vec<Vec<(u32, f64)>> {
    (0..costs.n_demand())
        .map(|i| {
            let (sites, row) = costs.row(i);
            sites
                .iter()
                .zip(row)
                .filter(|(j, _)| !options.forbidden.contains(&(**j as usize)))
                .map(|(&j, &c)| (j, decay.weight(c)))
                .filter(|(_, f)| *f > 0.0)
                .collect()
        })
        .collect()
}

/// The position and weight of the best open site in a row (lowest site on ties).
fn best_open(row: &[(u32, f64)], open: impl Fn(u32) -> bool) -> Option<(usize, f64)> {
    row.iter()
        .enumerate()
        .filter(|(_, (j, _))| open(*j))
        .max_by(|a, b| a.1.1.total_cmp(&b.1.1).then(b.0.cmp(&a.0)))
        .map(|(k, &(_, f))| (k, f))
}

/// Opens `p` sites one by one (required first), each time the one adding the most weighted coverage.
fn greedy(
    rows: &[Vec<(u32, f64)>],
    weights: &[f64],
    m: usize,
    p: usize,
    options: &SolveOptions,
) -> Vec<usize> {
    let mut by_site: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    for (i, row) in rows.iter().enumerate() {
        for &(j, f) in row {
            by_site[j as usize].push((i, f));
        }
    }
    let mut level = vec![0.0f64; rows.len()];
    let mut open: Vec<usize> = Vec::with_capacity(p);
    let take = |j: usize, level: &mut Vec<f64>, open: &mut Vec<usize>| {
        open.push(j);
        for &(i, f) in &by_site[j] {
            level[i] = level[i].max(f);
        }
    };
    for &j in &options.required {
        take(j, &mut level, &mut open);
    }
    while open.len() < p {
        let gain = |j: usize| -> f64 {
            by_site[j]
                .iter()
                .map(|&(i, f)| weights[i] * (f - level[i]).max(0.0))
                .sum()
        };
        let best = (0..m)
            .filter(|j| !open.contains(j) && !options.forbidden.contains(j))
            .map(|j| (j, gain(j)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((j, _)) => take(j, &mut level, &mut open),
            None => break,
        }
    }
    open.sort_unstable();
    open
}
