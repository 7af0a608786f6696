//! p-dispersion: the p sites as far apart from each other as possible (branches that do not cannibalise each
//! other).

use std::time::Instant;

use highs::{RowProblem, Sense};
use ndarray::ArrayView2;

use crate::mip::{MipOutcome, chosen, solve};
use crate::{OptimizeError, Solution, SolveOptions};

/// p-dispersion (max-min): opens exactly `p` sites so that the smallest distance between two open sites is as
/// large as possible.
///
/// `distances` is the square site-by-site matrix; the distance between `i` and `j` is the smaller of
/// `distances[[i, j]]` and `distances[[j, i]]` (network distances may differ by direction; the diagonal is
/// ignored). Infinite entries mean "never in conflict".
///
/// Exact by binary search over the distinct pair distances: a separation `t` is achievable iff the sites
/// closer than `t` to a required site aside, the conflict graph (pairs closer than `t`) has an independent set
/// of the remaining size — a small MIP (`y_i + y_j ≤ 1` per conflicting pair) solved to optimality. A
/// farthest-first greedy plan bounds the answer from below. When the time limit stops the search, the best
/// plan found is returned with `bound` the largest separation not yet proven unachievable.
///
/// The conflict MIPs have one row per pair closer than the tried separation, so the method suits candidate
/// lists of some hundreds of sites. The solution has no demand points: `assignment` is empty. For `p ≤ 1`
/// the objective is infinite.
///
/// # Errors
/// A matrix that is not square, or with an off-diagonal entry that is negative or NaN; HiGHS failing.
pub fn solve_p_dispersion(
    distances: ArrayView2<'_, f64>,
    p: usize,
    options: &SolveOptions,
) -> Result<Solution, OptimizeError> {
    let m = distances.nrows();
    if distances.ncols() != m {
        return Err(OptimizeError::Shape {
            what: "distances (columns of a square matrix)",
            expected: m,
            found: distances.ncols(),
        });
    }
    for ((i, j), &d) in distances.indexed_iter() {
        if i != j && (d.is_nan() || d < 0.0) {
            return Err(OptimizeError::BadNumber {
                what: "distances",
                index: i * m + j,
                value: d,
            });
        }
    }
    if let Some(reason) = options.p_conflict(p, m) {
        return Ok(Solution::infeasible(reason, 0));
    }
    let d = |i: usize, j: usize| distances[[i, j]].min(distances[[j, i]]);
    let allowed: Vec<usize> = (0..m).filter(|j| !options.forbidden.contains(j)).collect();
    let mut required = options.required.clone();
    required.sort_unstable();
    required.dedup();
    if p <= 1 {
        let sites = if required.is_empty() {
            allowed[..p].to_vec()
        } else {
            required
        };
        return Ok(exact(sites, f64::INFINITY));
    }

    let started = Instant::now();
    let greedy = farthest_first(&allowed, &required, p, &d);
    let mut values: Vec<f64> = allowed
        .iter()
        .enumerate()
        .flat_map(|(k, &i)| allowed[k + 1..].iter().map(move |&j| (i, j)))
        .map(|(i, j)| d(i, j))
        .collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    // The optimum is one of `values`. Invariant: values[lo] is achieved by `best`, values[hi + 1..] are not.
    let required_gap = min_separation(&required, &d);
    let mut hi = values.partition_point(|&v| v <= required_gap).saturating_sub(1);
    let mut lo = values.partition_point(|&v| v < min_separation(&greedy, &d));
    let mut best = greedy;
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        match achieve(&allowed, &required, p, values[mid], &best, &d, options, started)? {
            Some(Some(sites)) => {
                lo = values.partition_point(|&v| v < min_separation(&sites, &d));
                best = sites;
            }
            Some(None) => hi = mid - 1,
            None => break,
        }
    }
    let objective = min_separation(&best, &d);
    if lo == hi {
        return Ok(exact(best, objective));
    }
    Ok(Solution::plan(best, Vec::new(), objective, values[hi], false))
}

/// A proven plan (the gap is 0 even when the separation is infinite).
fn exact(sites: Vec<usize>, objective: f64) -> Solution {
    let mut s = Solution::plan(sites, Vec::new(), objective, objective, true);
    s.gap = 0.0;
    s
}

/// The smallest distance between two of `sites` (infinite for fewer than two).
fn min_separation(sites: &[usize], d: &impl Fn(usize, usize) -> f64) -> f64 {
    let mut min = f64::INFINITY;
    for (k, &i) in sites.iter().enumerate() {
        for &j in &sites[k + 1..] {
            min = min.min(d(i, j));
        }
    }
    min
}

/// Greedy start: the required sites (or, without any, the farthest allowed pair), then repeatedly the allowed
/// site farthest from those chosen. Returns `p` sites, ascending.
fn farthest_first(
    allowed: &[usize],
    required: &[usize],
    p: usize,
    d: &impl Fn(usize, usize) -> f64,
) -> Vec<usize> {
    let mut chosen: Vec<usize> = required.to_vec();
    if chosen.is_empty() {
        let mut pair = (allowed[0], allowed[1]);
        for (k, &i) in allowed.iter().enumerate() {
            for &j in &allowed[k + 1..] {
                if d(i, j) > d(pair.0, pair.1) {
                    pair = (i, j);
                }
            }
        }
        chosen = vec![pair.0, pair.1];
    }
    while chosen.len() < p {
        let next = allowed
            .iter()
            .filter(|j| !chosen.contains(j))
            .map(|&j| (j, chosen.iter().map(|&i| d(i, j)).fold(f64::INFINITY, f64::min)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match next {
            Some((j, _)) => chosen.push(j),
            None => break,
        }
    }
    chosen.sort_unstable();
    chosen
}

/// Whether `p` sites (the required ones among them) can be pairwise at least `t` apart: `Some(Some(sites))`
/// if so, `Some(None)` if not, `None` when the time limit passed first.
#[expect(
    clippy::too_many_arguments,
    reason = "one search step needs the whole search state"
)]
fn achieve(
    allowed: &[usize],
    required: &[usize],
    p: usize,
    t: f64,
    incumbent: &[usize],
    d: &impl Fn(usize, usize) -> f64,
    options: &SolveOptions,
    started: Instant,
) -> Result<Option<Option<Vec<usize>>>, OptimizeError> {
    if min_separation(required, d) < t {
        return Ok(Some(None));
    }
    // Sites too close to a required site can never join it.
    let free: Vec<usize> = allowed
        .iter()
        .copied()
        .filter(|j| !required.contains(j) && required.iter().all(|&r| d(r, *j) >= t))
        .collect();
    let k = p - required.len();
    if free.len() < k {
        return Ok(Some(None));
    }
    let mut inner = options.clone();
    inner.mip_rel_gap = 0.0;
    if let Some(limit) = options.time_limit_s {
        let left = limit - started.elapsed().as_secs_f64();
        if left <= 0.0 {
            return Ok(None);
        }
        inner.time_limit_s = Some(left);
    }
    let mut problem = RowProblem::default();
    let y: Vec<_> = free
        .iter()
        .map(|_| problem.add_integer_column(1.0, 0.0..=1.0))
        .collect();
    for a in 0..free.len() {
        for b in a + 1..free.len() {
            if d(free[a], free[b]) < t {
                problem.add_row(..=1.0, [(y[a], 1.0), (y[b], 1.0)]);
            }
        }
    }
    // At most k: the solve can stop as soon as it finds k, the bound.
    problem.add_row(..=k as f64, y.iter().map(|&c| (c, 1.0)));
    let start = (min_separation(incumbent, d) >= t).then(|| {
        free.iter()
            .map(|j| if incumbent.contains(j) { 1.0 } else { 0.0 })
            .collect()
    });
    Ok(match solve(problem, Sense::Maximise, &inner, start)? {
        MipOutcome::Infeasible => Some(None),
        MipOutcome::Plan { values, bound, .. } => {
            let picked = chosen(&values);
            if picked.len() >= k {
                let mut sites: Vec<usize> = required.to_vec();
                sites.extend(picked.iter().take(k).map(|&a| free[a]));
                sites.sort_unstable();
                Some(Some(sites))
            } else if bound < k as f64 - 0.5 {
                Some(None)
            } else {
                None
            }
        }
    })
}
