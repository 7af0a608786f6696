//! The layout's site rules: inclusion units and minimum-spacing pairs.

use branchnet_optimize::relocation::Inclusion;
use branchnet_spatial::SiteIndex;

use super::{LayoutSite, Origin};
use crate::PlanError;
use crate::config::PlanConfig;
use crate::inputs::Inputs;

/// Inclusion units: populated units of the inclusion level, each served by the sites within the radius of
/// its population centre. Units no branch serves today are left out unless `require-unserved` is set, and
/// named in `notes`.
pub(super) fn inclusion_units(
    inputs: &Inputs<'_>,
    config: &PlanConfig,
    index: &SiteIndex,
    sites: &[LayoutSite],
    notes: &mut Vec<String>,
) -> Result<Vec<Inclusion>, PlanError> {
    let Some(rule) = &config.inclusion else {
        return Ok(Vec::new());
    };
    let scenario = inputs.scenario;
    let level = scenario
        .regions
        .levels()
        .iter()
        .position(|l| l.name == rule.level)
        .ok_or_else(|| PlanError::Config {
            key: "inclusion.level".into(),
            message: format!("no region level `{}`", rule.level),
        })?;
    let Some(cell_regions) = scenario.cells.regions(level) else {
        return Ok(Vec::new());
    };
    let n = scenario.regions.len();
    let mut sums = vec![(0.0f64, 0.0f64, 0.0f64); n];
    for (i, &r) in cell_regions.iter().enumerate() {
        if let Some(s) = sums.get_mut(r as usize) {
            let p = inputs.population[i];
            s.0 += p * scenario.cells.x()[i];
            s.1 += p * scenario.cells.y()[i];
            s.2 += p;
        }
    }
    let mut units = Vec::new();
    let mut centres = Vec::new();
    let mut names = Vec::new();
    for (r, region) in scenario.regions.of_level(level) {
        let (sx, sy, p) = sums[r as usize];
        if p <= 0.0 || p < rule.min_population {
            continue;
        }
        centres.push([sx / p, sy / p]);
        names.push(match &region.name {
            Some(name) => format!("{} {} {name}", rule.level, region.id),
            None => format!("{} {}", rule.level, region.id),
        });
    }
    let near = index.within(&centres, rule.radius_m);
    let mut unserved = Vec::new();
    for (k, name) in names.into_iter().enumerate() {
        let sites_near = near.sites_of(k);
        let served = sites_near
            .iter()
            .any(|&s| matches!(sites[s as usize].origin, Origin::Existing(_)));
        if served || rule.require_unserved {
            units.push(Inclusion {
                name,
                sites: sites_near.to_vec(),
            });
        } else {
            unserved.push(name);
        }
    }
    if !unserved.is_empty() {
        notes.push(format!(
            "{} {} unit(s) have no branch within {} m today and are not required to get one \
             (set inclusion.require-unserved to require it): {}",
            unserved.len(),
            rule.level,
            rule.radius_m,
            unserved.join(", ")
        ));
    }
    Ok(units)
}

/// Pairs of layout sites closer than the minimum spacing, at least one of them a candidate.
pub(super) fn spacing_pairs(
    config: &PlanConfig,
    sites: &[LayoutSite],
    index: &SiteIndex,
    points: &[[f64; 2]],
) -> Vec<[u32; 2]> {
    let Some(min) = config.min_spacing_m else {
        return Vec::new();
    };
    let near = index.within(points, min);
    let is_candidate = |s: usize| !matches!(sites[s].origin, Origin::Existing(_));
    let mut pairs = Vec::new();
    for s in 0..sites.len() {
        for (&t, &d) in near.sites_of(s).iter().zip(near.distances_of(s)) {
            let t = t as usize;
            if t > s && d < min && (is_candidate(s) || is_candidate(t)) {
                pairs.push([s as u32, t as u32]);
            }
        }
    }
    pairs
}
