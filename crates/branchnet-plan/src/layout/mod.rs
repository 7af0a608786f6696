//! Meso layout: the relocation program built from the scenario, solved, and read back as decisions per
//! branch and location.
//!
//! Layout sites are the own branches, the listed candidate sites, and — unless switched off — one generated
//! location at the demand-weighted centre of each blank area the gaps model found (`GEN-<rank>`): a blank
//! area without a listed site nearby still gets a location, and micro then looks for premises around it.
mod reach;
mod rules;
mod sites;

use std::time::Instant;

use branchnet_core::{BranchFormat, RegionIdx, Reporter, Site};
use branchnet_optimize::SolveOptions;
use branchnet_optimize::relocation::{
    Budget, Candidate, Existing, Floor, Range, Relocation, RelocationPlan, Variant, routed_shares,
    solve_relocation,
};
use branchnet_spatial::SiteIndex;
use tracing::{debug, info};

use self::reach::{add_markets, zone_levels};
use self::rules::{inclusion_units, spacing_pairs};
use self::sites::layout_sites;
use crate::PlanError;
use crate::config::{Amount, FormatConfig, Objective, PlanConfig};
use crate::directions::Macro;
use crate::inputs::Inputs;
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
