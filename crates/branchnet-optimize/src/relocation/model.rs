//! The relocation program as a HiGHS model: columns per decision, rows per rule family, capacity cuts.

use highs::{Col, RowProblem};

use super::explain::Rule;
use super::{Relocation, Variant};

/// A capacity cut: the load of these zones (their widest level) is at most the capacity of these sites.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cut {
    pub zones: Vec<u32>,
    pub sites: Vec<u32>,
}

/// A tangent of a zone's capture share at own attraction `at`: `z ≤ g(at) + g'(at)·(S − at)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Tangent {
    pub zone: u32,
    pub at: f64,
}

/// The columns of one built model.
pub(super) struct Columns {
    pub keep: Vec<Col>,
    pub close: Vec<Col>,
    pub moved: Vec<Col>,
    pub convert: Vec<Vec<Col>>,
    pub open: Vec<Vec<Col>>,
    pub target: Vec<Col>,
    /// Per zone, per level.
    pub levels: Vec<Vec<Col>>,
}

impl Columns {
    /// `(column, coefficient)` terms of `open(site)`.
    pub fn open_terms(&self, site: usize) -> Vec<(Col, f64)> {
        let e = self.keep.len();
        if site < e {
            std::iter::once(self.keep[site])
                .chain(self.convert[site].iter().copied())
                .map(|c| (c, 1.0))
                .collect()
        } else {
            self.open[site - e].iter().map(|&c| (c, 1.0)).collect()
        }
    }

    /// `(column, capacity)` terms of the capacity of `site` (finite capacities only; `None` when unlimited).
    pub fn capacity_terms(&self, problem: &Relocation, site: usize) -> Option<Vec<(Col, f64)>> {
        let e = self.keep.len();
        let (cols, variants): (Vec<Col>, Vec<&Variant>) = if site < e {
            let ex = &problem.existing[site];
            std::iter::once((self.keep[site], &ex.keep))
                .chain(self.convert[site].iter().copied().zip(&ex.conversions))
                .unzip()
        } else {
            self.open[site - e]
                .iter()
                .copied()
                .zip(&problem.candidates[site - e].variants)
                .unzip()
        };
        if variants.iter().any(|v| !v.capacity.is_finite()) {
            return None;
        }
        Some(
            cols.into_iter()
                .zip(variants.iter().map(|v| v.capacity))
                .collect(),
        )
    }
}

/// Which rule families the model enforces (all, except while explaining an infeasible scenario).
pub(super) type Rules = [bool; Rule::ALL.len()];

/// What a built model optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Goal {
    /// The plan's objective (maximise).
    Plan,
    /// Nothing: any plan that meets the rules.
    Feasible,
    /// The least one-off spending (minimise).
    LeastCapital,
    /// The least annual cost (minimise).
    LeastAnnual,
}

/// Builds the program for `goal` with the rules switched on in `rules` and the capacity cuts and capture
/// tangents found so far.
pub(super) fn build(
    problem: &Relocation,
    rules: &Rules,
    cuts: &[Cut],
    tangents: &[Tangent],
    goal: Goal,
) -> (RowProblem, Columns) {
    let on = |rule: Rule| rules[rule.index()];
    let weight = |annual: f64, capital: f64, changes: f64| match goal {
        Goal::Plan => {
            -(problem.annual_weight * annual
                + problem.capital_weight * capital
                + problem.change_penalty * changes)
        }
        Goal::Feasible => 0.0,
        Goal::LeastCapital => capital,
        Goal::LeastAnnual => annual,
    };
    let objective = goal == Goal::Plan;
    let mut lp = RowProblem::default();
    let n_existing = problem.existing.len();
    let mut cols = Columns {
        keep: Vec::with_capacity(n_existing),
        close: Vec::with_capacity(n_existing),
        moved: Vec::with_capacity(n_existing),
        convert: Vec::with_capacity(n_existing),
        open: Vec::with_capacity(problem.candidates.len()),
        target: Vec::with_capacity(problem.candidates.len()),
        levels: Vec::with_capacity(problem.zones.len()),
    };
    for ex in &problem.existing {
        let fixed = on(Rule::Protected) && ex.protected;
        let hi = if fixed { 0.0 } else { 1.0 };
        cols.keep
            .push(lp.add_integer_column(weight(ex.keep.annual, ex.keep.capital, 0.0), 0.0..=1.0));
        cols.close
            .push(lp.add_integer_column(weight(0.0, ex.close_capital, 1.0), 0.0..=hi));
        cols.moved
            .push(lp.add_integer_column(weight(0.0, ex.move_capital, 1.0), 0.0..=hi));
        cols.convert.push(
            ex.conversions
                .iter()
                .map(|v| lp.add_integer_column(weight(v.annual, v.capital, 1.0), 0.0..=1.0))
                .collect(),
        );
    }
    for cand in &problem.candidates {
        cols.open.push(
            cand.variants
                .iter()
                .map(|v| {
                    let c = weight(v.annual, v.capital + cand.new_capital, 1.0);
                    lp.add_integer_column(c, 0.0..=1.0)
                })
                .collect(),
        );
        // A relocation target saves the licence of a new branch, and is one change with its move rather
        // than a second: otherwise a move and a closure plus an opening tie, and the tie need not go to
        // the cheaper one.
        cols.target
            .push(lp.add_integer_column(weight(0.0, -cand.new_capital, -1.0), 0.0..=1.0));
    }
    for zone in &problem.zones {
        let level_cols = zone
            .levels
            .iter()
            .map(|(_, value)| lp.add_column(if objective { *value } else { 0.0 }, 0.0..=1.0))
            .collect();
        cols.levels.push(level_cols);
    }

    for e in 0..n_existing {
        let row = std::iter::once(cols.keep[e])
            .chain([cols.close[e], cols.moved[e]])
            .chain(cols.convert[e].iter().copied())
            .map(|c| (c, 1.0));
        lp.add_row(1.0..=1.0, row);
    }
    for (j, open) in cols.open.iter().enumerate() {
        lp.add_row(..=1.0, open.iter().map(|&c| (c, 1.0)));
        let row = std::iter::once((cols.target[j], 1.0)).chain(open.iter().map(|&c| (c, -1.0)));
        lp.add_row(..=0.0, row);
    }
    for (q, zone) in problem.zones.iter().enumerate() {
        for (l, (sites, _)) in zone.levels.iter().enumerate() {
            let mut row = vec![(cols.levels[q][l], 1.0)];
            for &s in sites {
                row.extend(cols.open_terms(s as usize).into_iter().map(|(c, v)| (c, -v)));
            }
            lp.add_row(..=0.0, row);
        }
        // Inner (nearer) levels are served only as far as the zone is: capacity limits the widest level.
        for l in 1..zone.levels.len() {
            lp.add_row(..=0.0, [(cols.levels[q][l], 1.0), (cols.levels[q][0], -1.0)]);
        }
    }
    for t in tangents {
        add_tangent(&mut lp, problem, &cols, *t);
    }
    add_relocation_balance(&mut lp, problem, &cols);
    if on(Rule::Capital)
        && let Some(b) = problem.budget.capital
    {
        lp.add_row(..=b, capital_terms(problem, &cols));
    }
    if on(Rule::Annual)
        && let Some(b) = problem.budget.annual
    {
        lp.add_row(..=b, annual_terms(problem, &cols));
    }
    if on(Rule::Counts) {
        add_count_limits(&mut lp, problem, &cols);
    }
    if on(Rule::Quotas) {
        add_quotas(&mut lp, problem, &cols);
    }
    if on(Rule::Inclusion) {
        for unit in &problem.inclusion {
            let row: Vec<_> = unit
                .sites
                .iter()
                .flat_map(|&s| cols.open_terms(s as usize))
                .collect();
            lp.add_row(1.0.., row);
        }
    }
    if on(Rule::Floors) {
        for floor in &problem.floors {
            let row = floor
                .weights
                .iter()
                .zip(&cols.levels)
                .filter(|(w, levels)| **w != 0.0 && !levels.is_empty())
                .map(|(&w, levels)| (levels[0], w));
            lp.add_row(floor.min.., row);
        }
    }
    if on(Rule::Spacing) {
        for &[s, t] in &problem.spacing {
            let mut row = cols.open_terms(s as usize);
            row.extend(cols.open_terms(t as usize));
            lp.add_row(..=1.0, row);
        }
    }
    if on(Rule::Capacity) {
        for cut in cuts {
            add_cut(&mut lp, problem, &cols, cut);
        }
    }
    (lp, cols)
}

/// Moves out equal relocation targets, per quota region when moves stay within regions.
fn add_relocation_balance(lp: &mut RowProblem, problem: &Relocation, cols: &Columns) {
    let group = |region: Option<usize>| {
        if problem.relocate_within_region {
            region.map_or(0, |r| r + 1)
        } else {
            0
        }
    };
    let n_groups = 1 + problem
        .existing
        .iter()
        .map(|e| e.region)
        .chain(problem.candidates.iter().map(|c| c.region))
        .flatten()
        .max()
        .map_or(0, |r| r + 1);
    let mut rows: Vec<Vec<(Col, f64)>> = vec![Vec::new(); n_groups];
    for (e, ex) in problem.existing.iter().enumerate() {
        rows[group(ex.region)].push((cols.moved[e], 1.0));
    }
    for (j, cand) in problem.candidates.iter().enumerate() {
        rows[group(cand.region)].push((cols.target[j], -1.0));
    }
    for row in rows.into_iter().filter(|r| !r.is_empty()) {
        lp.add_row(0.0..=0.0, row);
    }
}

/// One-off spending: closures, moves, conversions, fit-outs, and licences of new branches.
pub(super) fn capital_terms(problem: &Relocation, cols: &Columns) -> Vec<(Col, f64)> {
    let mut row = Vec::new();
    for (e, ex) in problem.existing.iter().enumerate() {
        row.push((cols.keep[e], ex.keep.capital));
        row.push((cols.close[e], ex.close_capital));
        row.push((cols.moved[e], ex.move_capital));
        row.extend(
            cols.convert[e]
                .iter()
                .zip(&ex.conversions)
                .map(|(&c, v)| (c, v.capital)),
        );
    }
    for (j, cand) in problem.candidates.iter().enumerate() {
        row.extend(
            cols.open[j]
                .iter()
                .zip(&cand.variants)
                .map(|(&c, v)| (c, v.capital + cand.new_capital)),
        );
        row.push((cols.target[j], -cand.new_capital));
    }
    row.retain(|(_, v)| *v != 0.0);
    row
}

/// Annual operating cost of the open network.
pub(super) fn annual_terms(problem: &Relocation, cols: &Columns) -> Vec<(Col, f64)> {
    let mut row = Vec::new();
    for (e, ex) in problem.existing.iter().enumerate() {
        row.push((cols.keep[e], ex.keep.annual));
        row.extend(
            cols.convert[e]
                .iter()
                .zip(&ex.conversions)
                .map(|(&c, v)| (c, v.annual)),
        );
    }
    for (j, cand) in problem.candidates.iter().enumerate() {
        row.extend(
            cols.open[j]
                .iter()
                .zip(&cand.variants)
                .map(|(&c, v)| (c, v.annual)),
        );
    }
    row.retain(|(_, v)| *v != 0.0);
    row
}

fn add_count_limits(lp: &mut RowProblem, problem: &Relocation, cols: &Columns) {
    let b = &problem.budget;
    if let Some(max) = b.max_closures {
        lp.add_row(..=max as f64, cols.close.iter().map(|&c| (c, 1.0)));
    }
    if let Some(max) = b.max_relocations {
        lp.add_row(..=max as f64, cols.moved.iter().map(|&c| (c, 1.0)));
    }
    if let Some(max) = b.max_openings {
        let opens = cols.open.iter().flatten().map(|&c| (c, 1.0));
        let targets = cols.target.iter().map(|&c| (c, -1.0));
        lp.add_row(..=max as f64, opens.chain(targets));
    }
    if b.branches.min.is_some() || b.branches.max.is_some() {
        let all: Vec<_> = (0..problem.n_sites()).flat_map(|s| cols.open_terms(s)).collect();
        let lo = b.branches.min.unwrap_or(f64::NEG_INFINITY);
        let hi = b.branches.max.unwrap_or(f64::INFINITY);
        lp.add_row(lo..=hi, all);
    }
}

fn add_quotas(lp: &mut RowProblem, problem: &Relocation, cols: &Columns) {
    let mut rows: Vec<Vec<(Col, f64)>> = vec![Vec::new(); problem.quotas.len()];
    let regions = problem
        .existing
        .iter()
        .map(|e| e.region)
        .chain(problem.candidates.iter().map(|c| c.region));
    for (s, region) in regions.enumerate() {
        if let Some(row) = region.and_then(|r| rows.get_mut(r)) {
            row.extend(cols.open_terms(s));
        }
    }
    for (quota, row) in problem.quotas.iter().zip(rows) {
        if quota.min.is_none() && quota.max.is_none() {
            continue;
        }
        let lo = quota.min.unwrap_or(f64::NEG_INFINITY);
        let hi = quota.max.unwrap_or(f64::INFINITY);
        lp.add_row(lo..=hi, row);
    }
}

/// `Σ_{q ∈ S} load_q z_q0 − Σ_{s ∈ N(S)} cap(s) ≤ 0`.
fn add_cut(lp: &mut RowProblem, problem: &Relocation, cols: &Columns, cut: &Cut) {
    let mut row: Vec<(Col, f64)> = cut
        .zones
        .iter()
        .filter_map(|&q| {
            let q = q as usize;
            cols.levels[q].first().map(|&c| (c, problem.zones[q].load))
        })
        .collect();
    for &s in &cut.sites {
        if let Some(terms) = cols.capacity_terms(problem, s as usize) {
            row.extend(terms.into_iter().map(|(c, cap)| (c, -cap)));
        }
    }
    lp.add_row(..=0.0, row);
}

/// `z_q0 − g'(at)·Σ_s a_s open(s) ≤ g(at) − g'(at)·at`, with `g(S) = S/(S + C)`, `g'(S) = C/(S + C)²`.
fn add_tangent(lp: &mut RowProblem, problem: &Relocation, cols: &Columns, t: Tangent) {
    let q = t.zone as usize;
    let zone = &problem.zones[q];
    let (Some(capture), Some((sites, _)), Some(&z)) =
        (&zone.capture, zone.levels.first(), cols.levels[q].first())
    else {
        return;
    };
    let c = capture.competitors;
    if c <= 0.0 || t.at <= 0.0 {
        // Without competitors the share is 1 wherever a site is open: the level row says so already.
        return;
    }
    let slope = c / ((t.at + c) * (t.at + c));
    let mut row = vec![(z, 1.0)];
    for (&s, &a) in sites.iter().zip(&capture.attraction) {
        row.extend(
            cols.open_terms(s as usize)
                .into_iter()
                .map(|(col, v)| (col, -slope * a * v)),
        );
    }
    lp.add_row(..=capture.share(t.at) - slope * t.at, row);
}
