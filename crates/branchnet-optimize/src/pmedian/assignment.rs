//! The classic assignment formulation of the p-median (ReVelle & Swain 1970) over the sites still free after
//! reduced-cost fixing: every node LP of its branch and bound is the true LP relaxation, which a Benders
//! master with finitely many cuts is not — so once fixing has shrunk the sites, this closes the gap fastest.

use highs::{RowProblem, Sense};

use super::benders::Problem;
use super::heuristic::Open;
use crate::mip::{self, MipOutcome};
use crate::{OptimizeError, SolveOptions};

/// The pairs each client may use: allowed sites not fixed closed, up to and including the first site fixed
/// open (beyond it the client would never go).
fn usable_pairs<'a>(
    problem: &'a Problem<'_>,
    site_bounds: &'a [(f64, f64)],
    i: usize,
) -> impl Iterator<Item = (usize, f64)> + 'a {
    let (sites, costs) = problem.lists.row(i);
    let mut past_open = false;
    sites
        .iter()
        .zip(costs)
        .map(|(&j, &c)| (j as usize, c))
        .filter(|&(j, _)| site_bounds[j].1 > 0.0)
        .take_while(move |&(j, _)| {
            let keep = !past_open;
            past_open |= site_bounds[j].0 > 0.0;
            keep
        })
}

/// Number of assignment variables the formulation would need.
pub(crate) fn size(problem: &Problem<'_>, site_bounds: &[(f64, f64)]) -> usize {
    (0..problem.lists.n_clients())
        .map(|i| usable_pairs(problem, site_bounds, i).count())
        .sum()
}

/// Solves the p-median exactly over the usable pairs, starting from `incumbent` (which must respect
/// `site_bounds`). Returns HiGHS's outcome; the site values come first.
pub(crate) fn solve(
    problem: &Problem<'_>,
    site_bounds: &[(f64, f64)],
    incumbent: &Open,
    options: &SolveOptions,
) -> Result<MipOutcome, OptimizeError> {
    let lists = problem.lists;
    let mut model = RowProblem::default();
    let y: Vec<_> = site_bounds
        .iter()
        .map(|&(lo, hi)| model.add_integer_column(0.0, lo..=hi))
        .collect();
    let mut start: Vec<f64> = incumbent.iter().map(|&o| if o { 1.0 } else { 0.0 }).collect();
    let mut serves_all = true;
    for i in 0..lists.n_clients() {
        let pairs: Vec<(usize, f64)> = usable_pairs(problem, site_bounds, i).collect();
        let nearest_open = pairs.iter().position(|&(j, _)| incumbent[j]);
        serves_all &= nearest_open.is_some();
        let x: Vec<_> = pairs
            .iter()
            .map(|&(_, c)| model.add_column(problem.weights[i] * c, 0.0..=1.0))
            .collect();
        start.extend((0..pairs.len()).map(|k| if Some(k) == nearest_open { 1.0 } else { 0.0 }));
        model.add_row(1.0..=1.0, x.iter().map(|&c| (c, 1.0)));
        for (&xc, &(j, _)) in x.iter().zip(&pairs) {
            if site_bounds[j].0 == 0.0 {
                model.add_row(..=0.0, [(xc, 1.0), (y[j], -1.0)]);
            }
        }
    }
    let p = problem.p as f64;
    model.add_row(p..=p, y.iter().map(|&c| (c, 1.0)));
    // An incumbent that leaves a client unserved is no plan: it must not come back as the answer.
    mip::solve(model, Sense::Minimise, options, serves_all.then_some(start))
}
