//! Scenarios without region layers: the plan treats the whole scenario as one region.
//!
//! The macro level needs regions to set quotas on; a city-state or a study area may come without
//! administrative boundaries. Rather than refuse, the planner works on a copy of the scenario with one
//! region, `ALL`, whose boundary is the box around every cell and site, holding everything. The quota is
//! then the network's total and the layout is free to move branches anywhere.

use std::borrow::Cow;

use branchnet_core::{Region, RegionLevel, Regions, Scenario};
use geo_types::{MultiPolygon, Rect};

/// Id of the one region of a scenario without region layers.
pub const WHOLE_REGION: &str = "ALL";

/// The scenario itself when it has region layers; else a copy with one region holding everything.
pub fn with_regions(scenario: &Scenario) -> Cow<'_, Scenario> {
    if !scenario.regions.levels().is_empty() {
        return Cow::Borrowed(scenario);
    }
    let mut copy = scenario.clone();
    let xs = scenario
        .cells
        .x()
        .iter()
        .chain(scenario.sites.all().iter().map(|s| &s.x));
    let ys = scenario
        .cells
        .y()
        .iter()
        .chain(scenario.sites.all().iter().map(|s| &s.y));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
        (a.min(x), b.max(x))
    });
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
        (a.min(y), b.max(y))
    });
    // A metre of margin so that points on the box's edge are inside it.
    let rect = Rect::new((x0 - 1.0, y0 - 1.0), (x1 + 1.0, y1 + 1.0));
    copy.regions = Regions::new(
        vec![RegionLevel { name: "whole".into() }],
        vec![Region {
            id: WHOLE_REGION.into(),
            name: Some(scenario.name.clone()),
            level: 0,
            parent: None,
            boundary: MultiPolygon(vec![rect.to_polygon()]),
        }],
    );
    let n = copy.cells.len();
    // One entry per cell, so this cannot fail.
    let _ = copy.cells.set_regions(0, vec![0; n]);
    for site in copy.sites.all_mut() {
        site.regions = vec![0];
    }
    Cow::Owned(copy)
}
