//! Meso layout: the relocation program built from the scenario, solved, and read back as decisions per
//! branch and location.
//!
//! Layout sites are the own branches, the listed candidate sites, and — unless switched off — one generated
//! location at the demand-weighted centre of each blank area the gaps model found (`GEN-<rank>`): a blank
//! area without a listed site nearby still gets a location, and micro then looks for premises around it.

use std::time::Instant;

use branchnet_core::{BranchFormat, RegionIdx, Reporter, Site};
use branchnet_optimize::SolveOptions;
use branchnet_optimize::relocation::{
    Budget, Candidate, Existing, Floor, Inclusion, Range, Relocation, RelocationPlan, Variant, Zone,
    ZoneCapture, routed_shares, solve_relocation,
};
use branchnet_spatial::SiteIndex;
use tracing::{debug, info};

use crate::PlanError;
use crate::config::{Amount, FormatConfig, Objective, PlanConfig};
use crate::directions::Macro;
use crate::inputs::Inputs;
use crate::kpis::capture_decay;
use crate::zones::{self, Zones};

/// Where a layout site comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// An own branch (index into the scenario's sites).
    Existing(usize),
    /// A listed candidate site (index into the scenario's sites).
    Listed(usize),
    /// A location generated at a blank area's centre.
    Generated {
        /// `GEN-<rank>`.
        id: String,
        /// Rank of the blank area.
        rank: usize,
    },
}

/// One site of the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutSite {
    /// Where it comes from.
    pub origin: Origin,
    /// Position, metres.
    pub x: f64,
    /// Position, metres.
    pub y: f64,
    /// Region of the macro level.
    pub region: Option<RegionIdx>,
}

/// The solved layout.
pub struct Layout {
    /// Sites in program order: own branches, then candidates (listed, then generated).
    pub sites: Vec<LayoutSite>,
    /// Formats the program's variants refer to (`Variant::format` indexes this list).
    pub formats: Vec<BranchFormat>,
    /// The program.
    pub problem: Relocation,
    /// Its demand zones.
    pub zones: Zones,
    /// The solved program.
    pub solution: RelocationPlan,
    /// Share of each zone today's network serves (under its capacities).
    pub served_today: Vec<f64>,
    /// Wall time of the solve, seconds.
    pub seconds: f64,
    /// What the layout could not apply (e.g. inclusion units without a branch today).
    pub notes: Vec<String>,
}

/// The formats a plan may use: the configured ones, or a light branch when none is configured.
pub fn formats(config: &PlanConfig) -> Vec<(BranchFormat, FormatConfig)> {
    if config.formats.is_empty() {
        return vec![(
            BranchFormat::Light,
            FormatConfig {
                counters: 3,
                annual_cost: 1_500_000.0,
                fit_out: 1_000_000.0,
                conversion_cost: None,
                open: true,
            },
        )];
    }
    config.formats.iter().map(|(f, c)| (*f, c.clone())).collect()
}

/// Builds and solves the layout.
///
/// # Errors
/// Unusable parameters, HiGHS failing.
pub fn layout(
    inputs: &Inputs<'_>,
    config: &PlanConfig,
    macro_level: &Macro,
    reporter: &dyn Reporter,
) -> Result<Layout, PlanError> {
    let started = Instant::now();
    let sl = config.service_level.as_ref();
    let load = match sl {
        Some(sl) => Some(inputs.cell_column(&sl.demand).ok_or_else(|| {
            PlanError::Missing(format!(
                "[plan.service-level] demand column `{}` is neither a grid column nor a score",
                sl.demand
            ))
        })?),
        None => None,
    };
    reporter.begin("layout: zones and reach", None);
    let zones = zones::build(inputs, load, config.zone_m);
    let sites = layout_sites(inputs, config);
    let formats = formats(config);
    let format_list: Vec<BranchFormat> = formats.iter().map(|(f, _)| *f).collect();
    let points: Vec<[f64; 2]> = sites.iter().map(|s| [s.x, s.y]).collect();
    let index = SiteIndex::new(&points);
    let mut problem_zones = zone_levels(inputs, config, &zones, &index);
    reporter.end(&format!("{} zones, {} sites", zones.len(), sites.len()));

    let scenario = inputs.scenario;
    let capacity = |counters: u32| sl.map_or(f64::INFINITY, |sl| sl.capacity(counters));
    let site_of = |o: &Origin| match o {
        Origin::Existing(j) | Origin::Listed(j) => Some(&scenario.sites.all()[*j]),
        Origin::Generated { .. } => None,
    };
    let mut existing = Vec::new();
    let mut candidates = Vec::new();
    for s in &sites {
        let local = s.region.and_then(|r| macro_level.local(r));
        match &s.origin {
            Origin::Existing(j) => {
                let site = &scenario.sites.all()[*j];
                existing.push(existing_branch(
                    site,
                    local,
                    &formats,
                    &format_list,
                    config,
                    &capacity,
                ));
            }
            origin => {
                let site = site_of(origin);
                let variants = formats
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, f))| f.open)
                    .map(|(k, (_, f))| Variant {
                        format: k,
                        capital: site.and_then(|s| s.open_cost).unwrap_or(f.fit_out),
                        annual: f.annual_cost + site.and_then(|s| s.rent).unwrap_or(0.0),
                        capacity: capacity(f.counters),
                    })
                    .collect();
                candidates.push(Candidate {
                    region: local,
                    variants,
                    new_capital: config.costs.licence,
                });
            }
        }
    }
    if config.objective == Objective::Capture {
        let strength: Vec<f64> = sites
            .iter()
            .map(|s| match &s.origin {
                Origin::Existing(j) => f64::from(scenario.sites.all()[*j].counters.unwrap_or(1).max(1)),
                _ => f64::from(
                    formats
                        .iter()
                        .find(|(_, f)| f.open)
                        .map_or(1, |(_, f)| f.counters.max(1)),
                ),
            })
            .collect();
        add_markets(inputs, &zones, &points, &strength, &mut problem_zones);
    }
    let today_annual: f64 = existing.iter().map(|e: &Existing| e.keep.annual).sum();
    let quotas = macro_level
        .directions
        .iter()
        .map(|d| Range {
            min: Some(d.quota_range.0 as f64),
            max: Some(d.quota_range.1 as f64),
        })
        .collect();
    let b = &config.budget;
    let budget = Budget {
        capital: b.capital,
        annual: b.annual.map(|a| match a {
            Amount::Value(v) => v,
            Amount::Today(_) => today_annual,
        }),
        max_openings: b.max_openings,
        max_closures: b.max_closures,
        max_relocations: b.max_relocations,
        branches: Range {
            min: Some(macro_level.total as f64),
            max: Some(macro_level.total as f64),
        },
    };
    let (annual_weight, capital_weight) = match config.demand_value {
        Some(v) if v > 0.0 => (1.0 / v, 1.0 / (v * config.payback_years)),
        _ => (0.0, 0.0),
    };
    let mut notes = Vec::new();
    let inclusion = inclusion_units(inputs, config, &index, &sites, &mut notes)?;
    let mut problem = Relocation {
        existing,
        candidates,
        zones: problem_zones,
        quotas,
        budget,
        inclusion,
        floors: Vec::new(),
        spacing: spacing_pairs(config, &sites, &index, &points),
        relocate_within_region: config.relocate_within_region,
        annual_weight,
        capital_weight,
        change_penalty: config.change_penalty,
    };
    let today_capacity: Vec<f64> = (0..problem.n_sites())
        .map(|s| problem.existing.get(s).map_or(0.0, |e| e.keep.capacity))
        .collect();
    let served_today = routed_shares(&problem, &today_capacity);
    if inputs.elderly.is_some() {
        let min: f64 = zones.elderly.iter().zip(&served_today).map(|(e, s)| e * s).sum();
        // A hair below today's figure: the same plan must pass despite rounding in the solver.
        problem.floors.push(Floor {
            name: "elderly served".into(),
            weights: zones.elderly.clone(),
            min: min * (1.0 - 1e-9),
        });
    }
    debug!(
        zones = problem.zones.len(),
        pairs = problem.zones.iter().map(|z| z.levels.first().map_or(0, |l| l.0.len())).sum::<usize>(),
        inclusion = problem.inclusion.len(),
        spacing = problem.spacing.len(),
        elapsed = ?started.elapsed(),
        "layout program built"
    );
    reporter.begin("layout: relocation program (HiGHS)", None);
    let options = SolveOptions {
        time_limit_s: Some(config.time_limit_s),
        mip_rel_gap: config.gap,
        ..SolveOptions::default()
    };
    let solution = solve_relocation(&problem, &options)?;
    info!(status = ?solution.status, objective = solution.objective, cuts = solution.cuts, "layout solved");
    reporter.end(&format!("{:?}", solution.status));
    Ok(Layout {
        sites,
        formats: format_list,
        problem,
        zones,
        solution,
        served_today,
        seconds: started.elapsed().as_secs_f64(),
        notes,
    })
}

fn existing_branch(
    site: &Site,
    region: Option<usize>,
    formats: &[(BranchFormat, FormatConfig)],
    format_list: &[BranchFormat],
    config: &PlanConfig,
    capacity: &dyn Fn(u32) -> f64,
) -> Existing {
    let own_format = site.format.and_then(|f| format_list.iter().position(|&g| g == f));
    let fallback = own_format.map(|k| &formats[k].1);
    let counters = site.counters.or(fallback.map(|f| f.counters)).unwrap_or(0);
    let annual = site
        .annual_cost
        .or(fallback.map(|f| f.annual_cost))
        .unwrap_or(0.0);
    let conversions = formats
        .iter()
        .enumerate()
        .filter(|(k, (f, c))| {
            Some(*k) != own_format && Some(*f) != site.format && c.conversion_cost.is_some()
        })
        .map(|(k, (_, c))| Variant {
            format: k,
            capital: c.conversion_cost.unwrap_or(0.0),
            annual: c.annual_cost + site.rent.unwrap_or(0.0),
            capacity: capacity(c.counters),
        })
        .collect();
    Existing {
        region,
        protected: site.protected,
        keep: Variant {
            format: own_format.unwrap_or(usize::MAX),
            capital: 0.0,
            annual,
            capacity: capacity(counters),
        },
        conversions,
        close_capital: config.costs.close,
        move_capital: config.costs.move_out,
    }
}

/// Own branches, listed candidates, then one location per blank area.
fn layout_sites(inputs: &Inputs<'_>, config: &PlanConfig) -> Vec<LayoutSite> {
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

/// Each zone's reach (sites within its radius) and, with a decay, its nearer levels.
fn zone_levels(inputs: &Inputs<'_>, config: &PlanConfig, zones: &Zones, index: &SiteIndex) -> Vec<Zone> {
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
fn add_markets(inputs: &Inputs<'_>, zones: &Zones, points: &[[f64; 2]], strength: &[f64], out: &mut [Zone]) {
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

/// Inclusion units: populated units of the inclusion level, each served by the sites within the radius of
/// its population centre. Units no branch serves today are left out unless `require-unserved` is set, and
/// named in `notes`.
fn inclusion_units(
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
fn spacing_pairs(
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
