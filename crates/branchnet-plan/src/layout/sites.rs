//! The layout's sites: own branches, listed candidates, and generated blank-area locations.

use super::{LayoutSite, Origin};
use crate::config::PlanConfig;
use crate::inputs::Inputs;

/// Own branches, listed candidates, then one location per blank area.
pub(super) fn layout_sites(inputs: &Inputs<'_>, config: &PlanConfig) -> Vec<LayoutSite> {
    let scenario = inputs.scenario;
    let mut sites: Vec<LayoutSite> = inputs
        .own
        .iter()
        .map(|&j| (Origin::Existing(j), j))
        .chain(inputs.candidates.iter().map(|&j| (Origin::Listed(j), j)))
        .map(|(origin, j)| {
            let s = &scenario.sites.all()[j];
            LayoutSite {
                origin,
                x: s.x,
                y: s.y,
                region: inputs.site_region(j),
            }
        })
        .collect();
    if config.blank_area_locations
        && let Some(blank) = inputs.cell_column("gaps.blank_area")
    {
        sites.extend(blank_locations(inputs, blank));
    }
    sites
}

/// The demand-weighted centre of each blank area, in the region of its heaviest cell.
fn blank_locations(inputs: &Inputs<'_>, blank: &[f64]) -> Vec<LayoutSite> {
    let cells = &inputs.scenario.cells;
    // rank → (Σ w·x, Σ w·y, Σ w, heaviest cell)
    let mut areas: std::collections::BTreeMap<usize, (f64, f64, f64, usize)> = Default::default();
    for (i, &rank) in blank.iter().enumerate() {
        if !rank.is_finite() || rank < 1.0 {
            continue;
        }
        let w = inputs.demand[i].max(1e-12);
        let e = areas.entry(rank as usize).or_insert((0.0, 0.0, 0.0, i));
        e.0 += w * cells.x()[i];
        e.1 += w * cells.y()[i];
        e.2 += w;
        if inputs.demand[i] > inputs.demand[e.3] {
            e.3 = i;
        }
    }
    areas
        .into_iter()
        .map(|(rank, (sx, sy, w, heaviest))| LayoutSite {
            origin: Origin::Generated {
                id: format!("GEN-{rank:03}"),
                rank,
            },
            x: sx / w,
            y: sy / w,
            region: inputs.cell_region(heaviest),
        })
        .collect()
}
