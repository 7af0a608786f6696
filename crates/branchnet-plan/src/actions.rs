//! The actions table: one row per existing branch and per opening, with costs, the demand only it reaches,
//! and reason codes; moved branches paired with relocation targets by the shortest total distance.

use branchnet_core::BranchFormat;
use branchnet_optimize::relocation::{ExistingDecision, Opening};

use crate::layout::{Layout, Origin};
use crate::pairing::assign;
use crate::plan::{Action, ActionKind, Direction, Place, RegionDirection};
use crate::reasons;

/// What the actions are built from.
pub struct ActionInputs<'a> {
    /// The solved layout.
    pub layout: &'a Layout,
    /// Place of every layout site.
    pub places: &'a [Place],
    /// Per candidate (index into the layout's candidates), the place micro chose and its site score.
    pub chosen: &'a [Option<(Place, Option<f64>)>],
    /// Macro directions, by local region index.
    pub directions: &'a [RegionDirection],
    /// Local region index of each layout site.
    pub local_region: &'a [Option<usize>],
    /// Whether each existing branch lies in a dense area.
    pub dense: &'a [bool],
    /// Whether each layout site is a generated location with no listed site near.
    pub unlisted: &'a [bool],
    /// Today's format of each existing branch.
    pub formats_today: &'a [Option<BranchFormat>],
}

/// Demand in zones that exactly one open site reaches, per site.
pub fn unique_demand(layout: &Layout, open: &dyn Fn(usize) -> bool) -> Vec<f64> {
    let mut unique = vec![0.0; layout.sites.len()];
    for (q, zone) in layout.problem.zones.iter().enumerate() {
        let Some((reach, _)) = zone.levels.first() else {
            continue;
        };
        let mut open_sites = reach.iter().filter(|&&s| open(s as usize));
        if let (Some(&s), None) = (open_sites.next(), open_sites.next()) {
            unique[s as usize] += layout.zones.demand[q];
        }
    }
    unique
}

fn format_of(layout: &Layout, k: usize) -> Option<BranchFormat> {
    layout.formats.get(k).copied()
}

/// The format an existing branch has today (its own, which the plan's format list may not hold).
fn format_today(inp: &ActionInputs<'_>, e: usize) -> Option<BranchFormat> {
    inp.formats_today[e]
}

/// Builds the actions, each with the layout site that is open after it (none for a closure).
pub fn actions(inp: &ActionInputs<'_>) -> Vec<(Action, Option<usize>)> {
    let layout = inp.layout;
    let sol = &layout.solution;
    let problem = &layout.problem;
    let n_existing = problem.existing.len();
    let before = unique_demand(layout, &|s| s < n_existing);
    let after = unique_demand(layout, &|s| sol.is_open(s));
    let served_today: Vec<bool> = layout.served_today.iter().map(|&s| s > 0.0).collect();
    let region_reason = |site: usize| {
        inp.local_region[site]
            .map(|r| inp.directions[r].direction)
            .and_then(|d| match d {
                Direction::Grow => Some(reasons::REGION_GROWS),
                Direction::Consolidate => Some(reasons::REGION_CONSOLIDATES),
                Direction::Hold => None,
            })
    };
    let mut out = Vec::new();
    let mut moved = Vec::new();
    for (e, decision) in sol.existing.iter().enumerate() {
        let ex = &problem.existing[e];
        let from = inp.places[e].clone();
        let format_before = format_today(inp, e);
        let mut reasons_here: Vec<&str> = Vec::new();
        let (kind, format_after, capital, annual) = match decision {
            ExistingDecision::Keep => {
                if ex.protected {
                    reasons_here.push(reasons::PROTECTED);
                }
                if after[e] > 0.0 {
                    reasons_here.push(reasons::SOLE_SERVICE);
                }
                (ActionKind::Keep, format_before, ex.keep.capital, ex.keep.annual)
            }
            ExistingDecision::Convert(k) => {
                let v = &ex.conversions[*k];
                reasons_here.push(if v.capacity > ex.keep.capacity {
                    reasons::CAPACITY
                } else {
                    reasons::COST
                });
                (
                    ActionKind::Convert,
                    format_of(layout, v.format),
                    v.capital,
                    v.annual,
                )
            }
            ExistingDecision::Close | ExistingDecision::Relocate => {
                if inp.dense[e] {
                    reasons_here.push(reasons::DENSE_CLUSTER);
                }
                if after[e] == 0.0 && reach_covered_after(layout, e) {
                    reasons_here.push(reasons::OVERLAP);
                }
                if let Some(r) = region_reason(e).filter(|r| *r == reasons::REGION_CONSOLIDATES) {
                    reasons_here.push(r);
                }
                if *decision == ExistingDecision::Relocate {
                    moved.push((e, reasons_here.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
                    continue;
                }
                (ActionKind::Close, None, ex.close_capital, 0.0)
            }
        };
        let open_after = (kind != ActionKind::Close).then_some(e);
        out.push((
            Action {
                kind,
                from: Some(from),
                to: None,
                format_before,
                format_after,
                capital_cost: capital,
                annual_cost: annual,
                unique_demand: if kind == ActionKind::Close {
                    before[e]
                } else {
                    after[e]
                },
                site_score: None,
                reasons: reasons_here.into_iter().map(String::from).collect(),
            },
            open_after,
        ));
    }
    // Openings: relocation targets and new branches.
    let mut targets = Vec::new();
    for (j, opening) in sol.candidates.iter().enumerate() {
        let Some(opening) = opening else { continue };
        let s = n_existing + j;
        let mut why: Vec<String> = Vec::new();
        let generated = matches!(layout.sites[s].origin, Origin::Generated { .. });
        let reaches_new = layout.problem.zones.iter().enumerate().any(|(q, z)| {
            !served_today[q]
                && z.levels
                    .first()
                    .is_some_and(|l| l.0.binary_search(&(s as u32)).is_ok())
        });
        if generated || reaches_new {
            why.push(reasons::BLANK_AREA.into());
        }
        if let Some(r) = region_reason(s).filter(|r| *r == reasons::REGION_GROWS) {
            why.push(r.into());
        }
        if inp.unlisted[s] {
            why.push(reasons::NO_LISTED_SITE.into());
        }
        if opening.relocation {
            targets.push((j, *opening, why));
        } else {
            let action = opening_action(
                inp,
                j,
                *opening,
                ActionKind::Open,
                None,
                Vec::new(),
                why,
                after[s],
            );
            out.push((action, Some(s)));
        }
    }
    // Pair moved branches with targets by least total distance (per region when moves stay inside).
    let groups = group_moves(inp, &moved, &targets);
    for (ms, ts) in groups {
        let n = ms.len().min(ts.len());
        let cost: Vec<f64> = (0..n * n)
            .map(|k| {
                let (a, b) = (
                    &inp.places[moved[ms[k / n]].0],
                    &inp.places[n_existing + targets[ts[k % n]].0],
                );
                (a.x - b.x).hypot(a.y - b.y)
            })
            .collect();
        for (r, c) in assign(&cost, n).into_iter().enumerate() {
            let (e, from_why) = &moved[ms[r]];
            let (j, opening, to_why) = &targets[ts[c]];
            let ex = &problem.existing[*e];
            let mut action = opening_action(
                inp,
                *j,
                *opening,
                ActionKind::Relocate,
                Some(inp.places[*e].clone()),
                from_why.clone(),
                to_why.clone(),
                after[n_existing + j],
            );
            action.format_before = format_today(inp, *e);
            action.capital_cost += ex.move_capital;
            out.push((action, Some(n_existing + j)));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn opening_action(
    inp: &ActionInputs<'_>,
    j: usize,
    opening: Opening,
    kind: ActionKind,
    from: Option<Place>,
    mut why: Vec<String>,
    to_why: Vec<String>,
    unique: f64,
) -> Action {
    let layout = inp.layout;
    let cand = &layout.problem.candidates[j];
    let v = &cand.variants[opening.variant];
    let s = layout.problem.existing.len() + j;
    let (to, score) = inp.chosen[j]
        .clone()
        .unwrap_or_else(|| (inp.places[s].clone(), None));
    why.extend(to_why);
    Action {
        kind,
        from,
        to: Some(to),
        format_before: None,
        format_after: format_of(layout, v.format),
        capital_cost: v.capital + if opening.relocation { 0.0 } else { cand.new_capital },
        annual_cost: v.annual,
        unique_demand: unique,
        site_score: score,
        reasons: why,
    }
}

/// Whether every zone the branch reached is reached by another open site after the plan.
fn reach_covered_after(layout: &Layout, site: usize) -> bool {
    let sol = &layout.solution;
    layout.problem.zones.iter().all(|z| match z.levels.first() {
        Some((reach, _)) if reach.binary_search(&(site as u32)).is_ok() => reach
            .iter()
            .any(|&s| s as usize != site && sol.is_open(s as usize)),
        _ => true,
    })
}

type Groups = Vec<(Vec<usize>, Vec<usize>)>;

/// Moved branches and targets that may pair: one group, or one per region when moves stay inside.
fn group_moves(
    inp: &ActionInputs<'_>,
    moved: &[(usize, Vec<String>)],
    targets: &[(usize, Opening, Vec<String>)],
) -> Groups {
    let n_existing = inp.layout.problem.existing.len();
    if !inp.layout.problem.relocate_within_region {
        return vec![((0..moved.len()).collect(), (0..targets.len()).collect())];
    }
    let mut groups: std::collections::BTreeMap<Option<usize>, (Vec<usize>, Vec<usize>)> = Default::default();
    for (k, (e, _)) in moved.iter().enumerate() {
        groups.entry(inp.local_region[*e]).or_default().0.push(k);
    }
    for (k, (j, _, _)) in targets.iter().enumerate() {
        groups
            .entry(inp.local_region[n_existing + j])
            .or_default()
            .1
            .push(k);
    }
    groups.into_values().collect()
}
