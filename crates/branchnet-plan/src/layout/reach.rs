//! Which sites reach each demand zone, with what value: the service radius, decay levels, Huff markets.

use branchnet_optimize::relocation::{Zone, ZoneCapture};
use branchnet_spatial::SiteIndex;

use crate::config::PlanConfig;
use crate::inputs::Inputs;
use crate::kpis::capture_decay;
use crate::zones::Zones;

/// Each zone's reach (sites within its radius) and, with a decay, its nearer levels.
pub(super) fn zone_levels(
    inputs: &Inputs<'_>,
    config: &PlanConfig,
    zones: &Zones,
    index: &SiteIndex,
) -> Vec<Zone> {
    let centres: Vec<[f64; 2]> = zones.x.iter().zip(&zones.y).map(|(&x, &y)| [x, y]).collect();
    let urban = index.within(&centres, inputs.radius_m);
    let rural = index.within(&centres, inputs.rural_radius_m);
    (0..zones.len())
        .map(|q| {
            let near = if zones.rural[q] { &rural } else { &urban };
            let (sites, distances) = near.row(q);
            let value = zones.demand[q];
            let levels = if sites.is_empty() {
                Vec::new()
            } else {
                match &config.service.decay {
                    None => vec![(sites.to_vec(), value)],
                    Some(decay) => decay_levels(sites, distances, value, |d| decay.weight(d)),
                }
            };
            Zone {
                levels,
                load: zones.load[q],
                capture: None,
            }
        })
        .collect()
}

/// Each zone's Huff market: the attraction of every layout site in its reach (`strength · d⁻²`) and of the
/// competitors within the same radius (their counters, same weight).
pub(super) fn add_markets(
    inputs: &Inputs<'_>,
    zones: &Zones,
    points: &[[f64; 2]],
    strength: &[f64],
    out: &mut [Zone],
) {
    let sites = inputs.scenario.sites.all();
    let rivals: Vec<[f64; 2]> = inputs
        .competitors
        .iter()
        .map(|&j| [sites[j].x, sites[j].y])
        .collect();
    let rival_strength: Vec<f64> = inputs
        .competitors
        .iter()
        .map(|&j| f64::from(sites[j].counters.unwrap_or(1).max(1)))
        .collect();
    let centres: Vec<[f64; 2]> = zones.x.iter().zip(&zones.y).map(|(&x, &y)| [x, y]).collect();
    let index = SiteIndex::new(&rivals);
    let urban = index.within(&centres, inputs.radius_m);
    let rural = index.within(&centres, inputs.rural_radius_m);
    for (q, zone) in out.iter_mut().enumerate() {
        let Some((reach, _)) = zone.levels.first() else {
            continue;
        };
        let radius = if zones.rural[q] {
            inputs.rural_radius_m
        } else {
            inputs.radius_m
        };
        let decay = capture_decay(radius);
        let weight = |p: [f64; 2]| decay.weight((p[0] - centres[q][0]).hypot(p[1] - centres[q][1]));
        let attraction = reach
            .iter()
            .map(|&s| strength[s as usize] * weight(points[s as usize]))
            .collect();
        let near = if zones.rural[q] { &rural } else { &urban };
        let competitors = near
            .sites_of(q)
            .iter()
            .map(|&k| rival_strength[k as usize] * weight(rivals[k as usize]))
            .sum();
        zone.capture = Some(ZoneCapture {
            attraction,
            competitors,
        });
    }
}

/// Levels of one zone under a decay, weights rounded down to tenths: level `k` holds the sites of weight
/// ≥ `f_k` and adds `value · (f_k − f_{k+1})`, so a zone earns its best open site's weight; the widest level
/// is every site within the radius.
fn decay_levels(
    sites: &[u32],
    distances: &[f64],
    value: f64,
    weight: impl Fn(f64) -> f64,
) -> Vec<(Vec<u32>, f64)> {
    let tenths: Vec<u32> = distances
        .iter()
        .map(|&d| (weight(d) * 10.0 + 1e-9).floor() as u32)
        .collect();
    let mut steps = tenths.clone();
    steps.sort_unstable();
    steps.dedup();
    // Ascending thresholds, so the widest level comes first; each adds its step over the one before.
    let mut below = 0;
    steps
        .into_iter()
        .map(|t| {
            let members: Vec<u32> = sites
                .iter()
                .zip(&tenths)
                .filter(|&(_, &w)| w >= t)
                .map(|(&s, _)| s)
                .collect();
            let add = value * f64::from(t - below) / 10.0;
            below = t;
            (members, add)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_levels_telescope_to_the_best_weight() {
        // Weights 1.0, 0.55 → 0.5 and 0.2: levels {all} (0.2), {0, 1} (0.3 more), {0} (0.5 more).
        let levels = decay_levels(&[0, 1, 2], &[0.0, 1.0, 2.0], 10.0, |d| {
            [1.0, 0.55, 0.2][d as usize]
        });
        assert_eq!(levels.len(), 3);
        assert_eq!(levels[0].0, vec![0, 1, 2]);
        assert_eq!(levels[1].0, vec![0, 1]);
        assert_eq!(levels[2].0, vec![0]);
        let values: Vec<f64> = levels.iter().map(|l| l.1).collect();
        for (v, want) in values.iter().zip([2.0, 3.0, 5.0]) {
            assert!((v - want).abs() < 1e-9, "{values:?}");
        }
    }
}
