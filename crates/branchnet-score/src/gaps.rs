//! Gaps in the network: **blank areas** (潜力空白区域) — contiguous clusters of uncovered cells with high
//! potential — and **dense areas** (资源聚集区域) — groups of own branches whose catchments overlap, with the
//! overlap of every branch and every pair. Banks move branches out of dense areas into blank ones.
//!
//! The service area is the one of [`crate::coverage`] (same parameters and defaults: an urban radius of
//! 1,000 m, a rural one of 5,000 m, rural cells outside urban clusters of 1 km blocks); set both models alike
//! when changing them. A branch's *catchment* is the set of cells it covers; `d_i` is the demand of cell `i`
//! (`potential.now` by default) and `k_i` the number of own branches covering it. Each cell's nearest own
//! branch is taken from the coverage model's columns when it ran before (`nearest-from`).
//!
//! **Blank areas.** A cell is a blank cell when no own branch covers it and its demand density
//! `d_i / cell area` is at least `min-density-per-km2` (default 1,500 per km²: the EU/OECD density of an
//! urban centre, so scattered farmhouses do not chain into one huge "area"). Blank cells that touch — the 8
//! neighbours on the grid, i.e. centres at most 1.5 cell sides apart — and lie in the same region of the
//! `split-by` level (default: the finest, townships and streets) form one area. Areas of at least
//! `min-cells` cells and `min-potential` demand are reported, ranked by demand, each with its cells, the
//! demand-weighted centroid (where a branch would serve it best), bounding box and convex hull of the cells'
//! squares, area, demand, population, the demand-weighted mean cost to the nearest own branch, and its region
//! on every level (the one holding most of its demand).
//!
//! **Overlap of branches.** For own branch `j` with catchment `C_j`: catchment demand `D_j = Σ_{i∈C_j} d_i`;
//! exclusive demand `E_j` (cells only `j` covers: what closing `j` leaves uncovered); overlap share
//! `(D_j − E_j) / D_j`; redundancy `Σ_{i∈C_j} d_i (k_i − 1) / D_j` (how many *other* branches cover its
//! demand, on average). For a pair `(a, b)`: shared demand `S_ab = Σ_{i∈C_a∩C_b} d_i` and cannibalisation
//! `S_ab / min(D_a, D_b)`: the share of the smaller catchment the other branch also serves.
//!
//! **Dense areas.** Branches are linked when their cannibalisation is at least `link-share` (default 0.5:
//! half the smaller catchment is shared, two circles of 1 km closer than about 800 m); linked groups of two
//! or more are dense areas, ranked by redundant demand `Σ_j D_j − U` (`U`: demand of the union of the
//! catchments), i.e. the demand that is served more than once. Each carries its branches, overlap share
//! (demand covered twice or more by its branches over `U`), redundancy `Σ D_j / U`, the largest pairwise
//! cannibalisation, and the hull of the cells its branches cover twice.
//!
//! Output columns (prefixed with the model's name, `gaps.` by default):
//! - cells: `blank_area` and `dense_area` (rank of the reported area the cell belongs to, NaN elsewhere);
//! - sites (NaN for sites that are not own branches): `catchment`, `exclusive`, `overlap_share`,
//!   `redundancy`, `cannibalisation` (largest over partners), `partner` (site index of that partner),
//!   `dense_area` (rank);
//! - regions: `blank_potential`, `blank_areas` (areas whose demand lies mostly in the region), `dense_areas`
//!   (likewise), `dense_branches` (own branches of dense areas located in the region);
//! - figures: `blank_areas`, `blank_potential`, `blank_share` (of all demand), `dense_areas`,
//!   `dense_branches`, `redundant_demand`, `overlap_share` (demand-weighted over all own branches).
//!
//! ```
//! use branchnet_score::gaps::Gaps;
//! let model: Gaps = toml::from_str(r#"
//!     radius-m = 1200
//!     min-density-per-km2 = 2000
//!     cell-size-m = 100
//! "#).unwrap();
//! assert_eq!(model.link_share, 0.5);
//! ```

use std::collections::HashMap;

use branchnet_core::{NO_REGION, RegionIdx, Scenario, SiteKind};
use geo::ConvexHull;
use geo_types::{MultiPoint, Point, Polygon, Rect, coord};
use serde::{Deserialize, Serialize};
use tracing::instrument;

use crate::coverage::{
    CellCoverage, DisjointSets, FastMap, RuralRule, ServiceArea, default_demand, default_population,
    default_radius_m, default_rural_radius_m, square_key,
};
use crate::potential::{check_demand, figure, region_totals};
use crate::{Column, ScoreContext, ScoreError, Scores, ScoringModel};

fn default_name() -> String {
    "gaps".into()
}
fn default_min_density() -> f64 {
    1500.0
}
fn default_min_cells() -> usize {
    4
}
fn default_min_potential() -> f64 {
    1000.0
}
fn default_nearest_from() -> String {
    "coverage".into()
}
fn default_split_by() -> String {
    "finest".into()
}
fn default_link_share() -> f64 {
    0.5
}

/// The gaps model: its configuration (`[[scores]] model = "gaps"`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Gaps {
    /// Name of the model and prefix of its columns (default `gaps`).
    #[serde(default = "default_name")]
    pub name: String,
    /// Service radius of urban cells, in the travel cost's unit (default 1,000 m, as [`crate::coverage`]).
    #[serde(default = "default_radius_m")]
    pub radius_m: f64,
    /// Service radius of rural cells, in the travel cost's unit (default 5,000 m).
    #[serde(default = "default_rural_radius_m")]
    pub rural_radius_m: f64,
    /// Which cells are rural (default: outside urban clusters of 1 km blocks, 300 per km², 5,000 residents).
    #[serde(default)]
    pub rural: RuralRule,
    /// Demand column (default `potential.now`).
    #[serde(default = "default_demand")]
    pub demand: String,
    /// Residents column (default `population`): the rural rule and the population of blank areas.
    #[serde(default = "default_population")]
    pub population_column: String,
    /// A second demand column summed per blank area, e.g. `potential.future` (default none).
    #[serde(default)]
    pub future: Option<String>,
    /// Side of a grid cell, metres (default: the scenario's; required when the scenario does not know it).
    #[serde(default)]
    pub cell_size_m: Option<f64>,
    /// Demand per km² from which an uncovered cell counts as high-potential (default 1,500).
    #[serde(default = "default_min_density")]
    pub min_density_per_km2: f64,
    /// Fewest cells of a reported blank area (default 4).
    #[serde(default = "default_min_cells")]
    pub min_cells: usize,
    /// Least demand of a reported blank area, in the demand's unit (default 1,000 people-equivalents).
    #[serde(default = "default_min_potential")]
    pub min_potential: f64,
    /// Earlier model whose `nearest` and `nearest_m` cell columns give each cell's nearest own branch
    /// (default `coverage`). The nearest branch does not depend on radii, so gaps takes it from there rather
    /// than ask the travel cost again; when those columns are absent or inconsistent, it asks the travel
    /// cost.
    #[serde(default = "default_nearest_from")]
    pub nearest_from: String,
    /// Region level whose boundaries blank areas do not cross: `finest` (the default: townships and streets,
    /// the unit inclusive-finance rules count service points in, so an area is a place a few branches could
    /// serve and an urban belt without branches does not become one area across several districts),
    /// `coarsest`, a level's name, or `none`.
    #[serde(default = "default_split_by")]
    pub split_by: String,
    /// Cannibalisation from which two branches belong to one dense area, in (0, 1] (default 0.5).
    #[serde(default = "default_link_share")]
    pub link_share: f64,
}

impl Default for Gaps {
    fn default() -> Self {
        Self {
            name: default_name(),
            radius_m: default_radius_m(),
            rural_radius_m: default_rural_radius_m(),
            rural: RuralRule::default(),
            demand: default_demand(),
            population_column: default_population(),
            future: None,
            cell_size_m: None,
            min_density_per_km2: default_min_density(),
            min_cells: default_min_cells(),
            min_potential: default_min_potential(),
            nearest_from: default_nearest_from(),
            split_by: default_split_by(),
            link_share: default_link_share(),
        }
    }
}

/// A contiguous cluster of uncovered high-potential cells.
#[derive(Debug, Clone, PartialEq)]
pub struct BlankArea {
    /// 1 for the area with the most demand.
    pub rank: usize,
    /// Its cells (indexes into the scenario's cells), ascending.
    pub cells: Vec<u32>,
    /// Demand-weighted centroid, metres (the plain mean when the demand is 0).
    pub centroid_x: f64,
    /// Demand-weighted centroid, metres.
    pub centroid_y: f64,
    /// Bounding box of the cells' squares, metres.
    pub bbox: Rect<f64>,
    /// Convex hull of the cells' squares, metres (counter-clockwise).
    pub hull: Polygon<f64>,
    /// Area of its cells, km².
    pub area_km2: f64,
    /// Demand (the model's `demand` column).
    pub potential: f64,
    /// The `future` column's sum, when the model names one.
    pub future: Option<f64>,
    /// Residents.
    pub population: f64,
    /// Demand-weighted mean cost from its cells to their nearest own branch (NaN when none is reachable).
    pub mean_nearest_m: f64,
    /// Per region level, the region holding most of its demand ([`NO_REGION`] when none).
    pub regions: Vec<RegionIdx>,
}

/// How much one own branch's catchment overlaps the others'.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchOverlap {
    /// The branch (index into the scenario's sites).
    pub site: u32,
    /// Demand within its reach, `D_j`.
    pub catchment: f64,
    /// Demand only it covers, `E_j`.
    pub exclusive: f64,
    /// `(D_j − E_j) / D_j` (NaN when `D_j` is 0).
    pub overlap_share: f64,
    /// Mean number of other own branches covering its demand (NaN when `D_j` is 0).
    pub redundancy: f64,
}

/// Shared demand of two own branches whose catchments meet.
#[derive(Debug, Clone, PartialEq)]
pub struct PairOverlap {
    /// The branch with the lower site index.
    pub a: u32,
    /// The other branch.
    pub b: u32,
    /// Demand both cover, `S_ab`.
    pub shared: f64,
    /// `S_ab / D_a` (NaN when `D_a` is 0).
    pub share_of_a: f64,
    /// `S_ab / D_b` (NaN when `D_b` is 0).
    pub share_of_b: f64,
    /// `S_ab / min(D_a, D_b)` (0 when that is 0).
    pub cannibalisation: f64,
}

/// Overlaps of all own branches and of every pair whose catchments meet (pairs by `(a, b)` ascending).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overlaps {
    /// One entry per own branch, by site index.
    pub branches: Vec<BranchOverlap>,
    /// Pairs with at least one common cell.
    pub pairs: Vec<PairOverlap>,
}

/// A group of own branches whose catchments overlap strongly.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseArea {
    /// 1 for the area with the most redundant demand.
    pub rank: usize,
    /// Its branches (indexes into the scenario's sites), ascending.
    pub branches: Vec<u32>,
    /// Mean position of its branches, metres.
    pub centroid_x: f64,
    /// Mean position of its branches, metres.
    pub centroid_y: f64,
    /// The cells two or more of its branches cover (indexes into the scenario's cells), ascending.
    pub cells: Vec<u32>,
    /// Convex hull of the squares of those cells, metres (of the branches when there are none).
    pub hull: Polygon<f64>,
    /// Area of those cells, km².
    pub overlap_area_km2: f64,
    /// Demand of the union of its catchments, `U`.
    pub union_demand: f64,
    /// Sum of its catchments' demand, `Σ D_j`.
    pub catchment_sum: f64,
    /// `Σ D_j − U`: demand served more than once.
    pub redundant_demand: f64,
    /// Demand covered by two or more of its branches, over `U`.
    pub overlap_share: f64,
    /// `Σ D_j / U` (1 without overlap).
    pub redundancy: f64,
    /// Largest cannibalisation between two of its branches.
    pub max_cannibalisation: f64,
    /// Per region level, the region holding most of the doubly covered demand ([`NO_REGION`] when none).
    pub regions: Vec<RegionIdx>,
}

/// Everything the gaps model finds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GapReport {
    /// The coverage the areas are computed from.
    pub coverage: CellCoverage,
    /// Reported blank areas, by rank.
    pub blank: Vec<BlankArea>,
    /// Branch and pair overlaps.
    pub overlaps: Overlaps,
    /// Dense areas, by rank.
    pub dense: Vec<DenseArea>,
}

/// Which blank cells form reported areas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlankRules {
    /// Side of a grid cell, metres.
    pub cell_size_m: f64,
    /// Demand per km² from which an uncovered cell counts.
    pub min_density_per_km2: f64,
    /// Fewest cells of an area.
    pub min_cells: usize,
    /// Least demand of an area.
    pub min_potential: f64,
    /// Region level whose boundaries areas do not cross (`None`: areas may cross every boundary).
    pub split_level: Option<usize>,
}

impl Gaps {
    fn bad(&self, parameter: &str, message: String) -> ScoreError {
        ScoreError::BadParameter {
            model: self.name.clone(),
            parameter: parameter.into(),
            message,
        }
    }

    fn service_area(&self) -> ServiceArea<'_> {
        ServiceArea {
            model: &self.name,
            radius_m: self.radius_m,
            rural_radius_m: self.rural_radius_m,
            rural: &self.rural,
            population_column: &self.population_column,
        }
    }

    /// The blank-area rules, with the cell size from the model or the scenario.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] when a threshold is out of its domain or no cell size is known.
    pub fn blank_rules(&self, scenario: &Scenario) -> Result<BlankRules, ScoreError> {
        let cell_size_m = self.cell_size_m.or(scenario.cells.cell_size_m()).ok_or_else(|| {
            self.bad(
                "cell-size-m",
                "is needed: the scenario does not know the side of its grid cells (metres)".into(),
            )
        })?;
        if !(cell_size_m.is_finite() && cell_size_m > 0.0) {
            return Err(self.bad(
                "cell-size-m",
                format!("must be finite and > 0, found {cell_size_m}"),
            ));
        }
        for (parameter, v) in [
            ("min-density-per-km2", self.min_density_per_km2),
            ("min-potential", self.min_potential),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(self.bad(parameter, format!("must be finite and ≥ 0, found {v}")));
            }
        }
        if !(self.link_share > 0.0 && self.link_share <= 1.0) {
            return Err(self.bad(
                "link-share",
                format!("must be in (0, 1], found {}", self.link_share),
            ));
        }
        Ok(BlankRules {
            cell_size_m,
            min_density_per_km2: self.min_density_per_km2,
            min_cells: self.min_cells,
            min_potential: self.min_potential,
            split_level: self.split_level(scenario)?,
        })
    }

    fn split_level(&self, scenario: &Scenario) -> Result<Option<usize>, ScoreError> {
        let levels = scenario.regions.levels();
        match self.split_by.as_str() {
            "none" => Ok(None),
            "coarsest" => Ok((scenario.cells.region_levels() > 0).then_some(0)),
            "finest" => Ok(scenario.cells.region_levels().checked_sub(1)),
            name => match levels.iter().position(|l| l.name == name) {
                Some(level) => Ok(Some(level)),
                None => {
                    let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
                    Err(self.bad(
                        "split-by",
                        format!(
                            "must be `finest`, `coarsest`, `none` or a region level ({}), found `{name}`",
                            names.join(", ")
                        ),
                    ))
                }
            },
        }
    }

    /// The nearest own branch of every cell from the columns of `nearest-from`, when they are there and
    /// consistent (one entry per cell; NaN together, or an own branch's index and a finite cost ≥ 0).
    fn known_nearest(&self, ctx: &ScoreContext<'_>) -> Option<Vec<Option<(u32, f64)>>> {
        let sites = ctx.computed.cell(&format!("{}.nearest", self.nearest_from))?;
        let costs = ctx.computed.cell(&format!("{}.nearest_m", self.nearest_from))?;
        let n = ctx.scenario.cells.len();
        if sites.len() != n || costs.len() != n {
            return None;
        }
        let own = ctx.sites_of_kind(SiteKind::Own);
        sites
            .iter()
            .zip(costs)
            .map(|(&j, &d)| {
                if j.is_nan() && d.is_nan() {
                    return Some(None);
                }
                let valid = j >= 0.0
                    && j.fract() == 0.0
                    && own.get(j as usize) == Some(&true)
                    && d.is_finite()
                    && d >= 0.0;
                valid.then_some(Some((j as u32, d)))
            })
            .collect()
    }

    /// Coverage, blank areas, overlaps and dense areas.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] for parameters out of their domain or an unknown cell size;
    /// [`ScoreError::MissingColumn`] for a missing demand, population or future column;
    /// [`ScoreError::BadInput`] for NaN or negative demand or population.
    pub fn analyse(&self, ctx: &ScoreContext<'_>) -> Result<GapReport, ScoreError> {
        let rules = self.blank_rules(ctx.scenario)?;
        let demand = ctx.cell_column(&self.name, &self.demand)?;
        check_demand(&self.name, &self.demand, demand)?;
        let population = ctx.cell_column(&self.name, &self.population_column)?;
        check_demand(&self.name, &self.population_column, population)?;
        let future = match &self.future {
            Some(column) => {
                let values = ctx.cell_column(&self.name, column)?;
                check_demand(&self.name, column, values)?;
                Some(values)
            }
            None => None,
        };
        let coverage = self.service_area().cover(ctx, self.known_nearest(ctx))?;
        let blank = blank_areas(
            ctx.scenario,
            &coverage,
            BlankInputs {
                demand,
                population,
                future,
            },
            &rules,
        );
        let overlaps = branch_overlaps(ctx.scenario, &coverage, demand);
        let dense = dense_areas(
            ctx.scenario,
            &coverage,
            demand,
            &overlaps,
            rules.cell_size_m,
            self.link_share,
        );
        Ok(GapReport {
            coverage,
            blank,
            overlaps,
            dense,
        })
    }
}

/// The cell columns a blank area is measured with.
#[derive(Debug, Clone, Copy)]
pub struct BlankInputs<'a> {
    /// Demand per cell (threshold, ranking, centroid).
    pub demand: &'a [f64],
    /// Residents per cell.
    pub population: &'a [f64],
    /// A second demand column to sum per area, if any.
    pub future: Option<&'a [f64]>,
}

/// Blank areas: contiguous (8-neighbour) clusters of uncovered cells whose demand density reaches
/// `rules.min_density_per_km2`, within one region of `rules.split_level`, with at least `rules.min_cells`
/// cells and `rules.min_potential` demand, by demand (ties by lowest cell index), ranked from 1.
pub fn blank_areas(
    scenario: &Scenario,
    coverage: &CellCoverage,
    inputs: BlankInputs<'_>,
    rules: &BlankRules,
) -> Vec<BlankArea> {
    let cells = &scenario.cells;
    let cell_km2 = rules.cell_size_m * rules.cell_size_m / 1e6;
    let blank: Vec<u32> = (0..cells.len())
        .filter(|&i| !coverage.is_covered(i) && inputs.demand[i] / cell_km2 >= rules.min_density_per_km2)
        .map(|i| i as u32)
        .collect();
    let groups = rules.split_level.and_then(|level| cells.regions(level));
    let components = grid_components(cells.x(), cells.y(), &blank, rules.cell_size_m, groups);
    let mut areas: Vec<BlankArea> = components
        .into_iter()
        .filter(|c| c.len() >= rules.min_cells.max(1))
        .map(|c| measure_blank(scenario, coverage, &inputs, rules.cell_size_m, c))
        .filter(|a| a.potential >= rules.min_potential)
        .collect();
    areas.sort_by(|a, b| {
        b.potential
            .total_cmp(&a.potential)
            .then(a.cells[0].cmp(&b.cells[0]))
    });
    for (k, a) in areas.iter_mut().enumerate() {
        a.rank = k + 1;
    }
    areas
}

fn measure_blank(
    scenario: &Scenario,
    coverage: &CellCoverage,
    inputs: &BlankInputs<'_>,
    cell_size_m: f64,
    cells: Vec<u32>,
) -> BlankArea {
    let (x, y) = (scenario.cells.x(), scenario.cells.y());
    let sum = |v: &[f64]| cells.iter().map(|&i| v[i as usize]).sum::<f64>();
    let potential = sum(inputs.demand);
    let n = cells.len() as f64;
    let (centroid_x, centroid_y) = if potential > 0.0 {
        let w = |p: &[f64]| {
            cells
                .iter()
                .map(|&i| inputs.demand[i as usize] * p[i as usize])
                .sum::<f64>()
                / potential
        };
        (w(x), w(y))
    } else {
        (sum(x) / n, sum(y) / n)
    };
    let (mut reached, mut weighted) = (0.0, 0.0);
    for &i in &cells {
        if let Some((_, d)) = coverage.nearest[i as usize] {
            reached += inputs.demand[i as usize];
            weighted += inputs.demand[i as usize] * d;
        }
    }
    let (bbox, hull) = extent(x, y, &cells, cell_size_m);
    BlankArea {
        rank: 0,
        centroid_x,
        centroid_y,
        bbox,
        hull,
        area_km2: n * cell_size_m * cell_size_m / 1e6,
        potential,
        future: inputs.future.map(sum),
        population: sum(inputs.population),
        mean_nearest_m: if reached > 0.0 {
            weighted / reached
        } else {
            f64::NAN
        },
        regions: dominant_regions(scenario, &cells, inputs.demand),
        cells,
    }
}

/// Bounding box and convex hull of the squares (side `cell_size_m`) centred on the cells.
fn extent(x: &[f64], y: &[f64], cells: &[u32], cell_size_m: f64) -> (Rect<f64>, Polygon<f64>) {
    let h = cell_size_m / 2.0;
    let corners: Vec<Point<f64>> = cells
        .iter()
        .flat_map(|&i| {
            let (cx, cy) = (x[i as usize], y[i as usize]);
            [(-h, -h), (h, -h), (h, h), (-h, h)].map(|(dx, dy)| Point::new(cx + dx, cy + dy))
        })
        .collect();
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in &corners {
        lo = [lo[0].min(p.x()), lo[1].min(p.y())];
        hi = [hi[0].max(p.x()), hi[1].max(p.y())];
    }
    let bbox = Rect::new(coord! { x: lo[0], y: lo[1] }, coord! { x: hi[0], y: hi[1] });
    (bbox, MultiPoint::new(corners).convex_hull())
}

/// Per region level, the region with the largest weight over `cells` (ties and all-zero weights: the most
/// cells, then the lowest index); [`NO_REGION`] when none of the cells lies in a region of the level.
fn dominant_regions(scenario: &Scenario, cells: &[u32], weight: &[f64]) -> Vec<RegionIdx> {
    (0..scenario.cells.region_levels())
        .map(|level| {
            let Some(regions) = scenario.cells.regions(level) else {
                return NO_REGION;
            };
            let mut tally: HashMap<RegionIdx, (f64, usize)> = HashMap::new();
            for &i in cells {
                let r = regions[i as usize];
                if r != NO_REGION {
                    let t = tally.entry(r).or_insert((0.0, 0));
                    t.0 += weight[i as usize];
                    t.1 += 1;
                }
            }
            tally
                .into_iter()
                .max_by(|(ra, a), (rb, b)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(rb.cmp(ra)))
                .map_or(NO_REGION, |(r, _)| r)
        })
        .collect()
}

/// Connected components of `members` (cell indexes) on a regular grid of side `cell_size_m`, where two cells
/// touch when their centres are at most 1.5 sides apart (the 8 neighbours) and, when `groups` is given (one
/// value per cell of the grid), they are in the same group.
///
/// The distance test rather than rounding to integer grid coordinates keeps a grid that is regular in its
/// source reference system (e.g. longitude/latitude) but slightly sheared or stretched in the scenario's
/// frame connected; true neighbours are at most √2 ≈ 1.41 sides apart, the next cells 2 sides. Cells are
/// bucketed by squares of 1.5 sides in a hash map, so the work is linear in the number of members (plus one
/// sort). Components come ordered by their lowest cell index, each ascending.
pub fn grid_components(
    x: &[f64],
    y: &[f64],
    members: &[u32],
    cell_size_m: f64,
    groups: Option<&[u32]>,
) -> Vec<Vec<u32>> {
    let reach = 1.5 * cell_size_m;
    let reach2 = reach * reach;
    let square = |i: u32| {
        (
            (x[i as usize] / reach).floor() as i64,
            (y[i as usize] / reach).floor() as i64,
        )
    };
    // Members by square, and each square's run in that order.
    let mut by_square: Vec<(u64, u32)> = members
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let (c, r) = square(i);
            (square_key(c, r), k as u32)
        })
        .collect();
    by_square.sort_unstable();
    let mut runs: FastMap<u64, (usize, usize)> = FastMap::default();
    let mut start = 0;
    while start < by_square.len() {
        let key = by_square[start].0;
        let end = start + by_square[start..].partition_point(|e| e.0 == key);
        runs.insert(key, (start, end));
        start = end;
    }
    let same_group = |i: usize, j: usize| groups.is_none_or(|g| g[i] == g[j]);
    let mut sets = DisjointSets::new(members.len());
    for (k, &i) in members.iter().enumerate() {
        let (c, r) = square(i);
        let i = i as usize;
        for dc in -1..=1 {
            for dr in -1..=1 {
                let Some(&(from, to)) = runs.get(&square_key(c + dc, r + dr)) else {
                    continue;
                };
                for &(_, l) in &by_square[from..to] {
                    let j = members[l as usize] as usize;
                    let (dx, dy) = (x[i] - x[j], y[i] - y[j]);
                    if (l as usize) > k && dx * dx + dy * dy <= reach2 && same_group(i, j) {
                        sets.union(k, l as usize);
                    }
                }
            }
        }
    }
    // Walk the members by cell index: a root seen for the first time opens the next component.
    let mut order: Vec<u32> = (0..members.len() as u32).collect();
    order.sort_unstable_by_key(|&k| members[k as usize]);
    let mut component_of_root = vec![u32::MAX; members.len()];
    let mut components: Vec<Vec<u32>> = Vec::new();
    for k in order {
        let root = sets.find(k as usize);
        if component_of_root[root] == u32::MAX {
            component_of_root[root] = components.len() as u32;
            components.push(Vec::new());
        }
        components[component_of_root[root] as usize].push(members[k as usize]);
    }
    components
}

/// Catchment, exclusive demand, overlap share and redundancy of every own branch, and the shared demand of
/// every pair of own branches whose catchments meet.
pub fn branch_overlaps(scenario: &Scenario, coverage: &CellCoverage, demand: &[f64]) -> Overlaps {
    let n_sites = scenario.sites.len();
    let (mut catchment, mut exclusive, mut others) =
        (vec![0.0; n_sites], vec![0.0; n_sites], vec![0.0; n_sites]);
    // Pair (a, b) with a < b as one key: a in the high half.
    let mut shared: FastMap<u64, f64> = FastMap::default();
    for (i, &d) in demand.iter().enumerate().take(coverage.len()) {
        let (sites, _) = coverage.covering(i);
        let k = sites.len();
        for (p, &a) in sites.iter().enumerate() {
            catchment[a as usize] += d;
            others[a as usize] += d * (k - 1) as f64;
            if k == 1 {
                exclusive[a as usize] += d;
            }
            // Rows are ascending, so (a, b) has a < b.
            for &b in &sites[p + 1..] {
                *shared.entry((u64::from(a) << 32) | u64::from(b)).or_insert(0.0) += d;
            }
        }
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let branches = scenario
        .sites
        .all()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == SiteKind::Own)
        .map(|(j, _)| BranchOverlap {
            site: j as u32,
            catchment: catchment[j],
            exclusive: exclusive[j],
            overlap_share: ratio(catchment[j] - exclusive[j], catchment[j]),
            redundancy: ratio(others[j], catchment[j]),
        })
        .collect();
    let mut pairs: Vec<PairOverlap> = shared
        .into_iter()
        .map(|(key, s)| {
            let (a, b) = ((key >> 32) as u32, key as u32);
            let (da, db) = (catchment[a as usize], catchment[b as usize]);
            let smaller = da.min(db);
            PairOverlap {
                a,
                b,
                shared: s,
                share_of_a: ratio(s, da),
                share_of_b: ratio(s, db),
                cannibalisation: if smaller > 0.0 { s / smaller } else { 0.0 },
            }
        })
        .collect();
    pairs.sort_by_key(|p| (p.a, p.b));
    Overlaps { branches, pairs }
}

/// Dense areas: groups of two or more own branches linked by pairwise cannibalisation ≥ `link_share`, ranked
/// by redundant demand (ties by lowest branch index).
pub fn dense_areas(
    scenario: &Scenario,
    coverage: &CellCoverage,
    demand: &[f64],
    overlaps: &Overlaps,
    cell_size_m: f64,
    link_share: f64,
) -> Vec<DenseArea> {
    let n_sites = scenario.sites.len();
    let mut sets = DisjointSets::new(n_sites);
    for p in overlaps.pairs.iter().filter(|p| p.cannibalisation >= link_share) {
        sets.union(p.a as usize, p.b as usize);
    }
    // Group own branches by component; singletons are not dense.
    let mut groups: HashMap<usize, Vec<u32>> = HashMap::new();
    for b in &overlaps.branches {
        groups.entry(sets.find(b.site as usize)).or_default().push(b.site);
    }
    let mut area_of_site: Vec<Option<usize>> = vec![None; n_sites];
    let mut members: Vec<Vec<u32>> = groups.into_values().filter(|g| g.len() >= 2).collect();
    members.sort_by_key(|g| g[0]);
    for (a, g) in members.iter().enumerate() {
        for &s in g {
            area_of_site[s as usize] = Some(a);
        }
    }
    // One pass over the cells: per area, union demand and the cells covered twice or more by its branches.
    let mut union_demand = vec![0.0; members.len()];
    let mut overlap_demand = vec![0.0; members.len()];
    let mut overlap_cells: Vec<Vec<u32>> = vec![Vec::new(); members.len()];
    // (area, branches of it covering the cell): a cell has few covering branches, so a short list.
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (i, &d) in demand.iter().enumerate().take(coverage.len()) {
        hits.clear();
        for &s in coverage.covering(i).0 {
            if let Some(a) = area_of_site[s as usize] {
                match hits.iter_mut().find(|h| h.0 == a) {
                    Some(h) => h.1 += 1,
                    None => hits.push((a, 1)),
                }
            }
        }
        for &(a, count) in &hits {
            union_demand[a] += d;
            if count >= 2 {
                overlap_demand[a] += d;
                overlap_cells[a].push(i as u32);
            }
        }
    }
    let catchment: HashMap<u32, f64> = overlaps.branches.iter().map(|b| (b.site, b.catchment)).collect();
    let mut max_cannibalisation = vec![0.0_f64; members.len()];
    for p in &overlaps.pairs {
        if let (Some(a), Some(b)) = (area_of_site[p.a as usize], area_of_site[p.b as usize])
            && a == b
        {
            max_cannibalisation[a] = max_cannibalisation[a].max(p.cannibalisation);
        }
    }
    let (x, y) = (scenario.cells.x(), scenario.cells.y());
    let sites = scenario.sites.all();
    let mut areas: Vec<DenseArea> = members
        .into_iter()
        .enumerate()
        .map(|(a, branches)| {
            let catchment_sum: f64 = branches.iter().map(|s| catchment[s]).sum();
            let n = branches.len() as f64;
            let centroid_x = branches.iter().map(|&s| sites[s as usize].x).sum::<f64>() / n;
            let centroid_y = branches.iter().map(|&s| sites[s as usize].y).sum::<f64>() / n;
            let cells = std::mem::take(&mut overlap_cells[a]);
            let hull = if cells.is_empty() {
                MultiPoint::new(
                    branches
                        .iter()
                        .map(|&s| Point::new(sites[s as usize].x, sites[s as usize].y))
                        .collect(),
                )
                .convex_hull()
            } else {
                extent(x, y, &cells, cell_size_m).1
            };
            let u = union_demand[a];
            let ratio = |v: f64| if u > 0.0 { v / u } else { f64::NAN };
            DenseArea {
                rank: 0,
                centroid_x,
                centroid_y,
                hull,
                overlap_area_km2: cells.len() as f64 * cell_size_m * cell_size_m / 1e6,
                union_demand: u,
                catchment_sum,
                redundant_demand: catchment_sum - u,
                overlap_share: ratio(overlap_demand[a]),
                redundancy: ratio(catchment_sum),
                max_cannibalisation: max_cannibalisation[a],
                regions: dominant_regions(scenario, &cells, demand),
                cells,
                branches,
            }
        })
        .collect();
    areas.sort_by(|a, b| {
        b.redundant_demand
            .total_cmp(&a.redundant_demand)
            .then(a.branches[0].cmp(&b.branches[0]))
    });
    for (k, a) in areas.iter_mut().enumerate() {
        a.rank = k + 1;
    }
    areas
}

impl ScoringModel for Gaps {
    fn name(&self) -> &str {
        &self.name
    }

    #[instrument(skip_all, fields(model = %self.name, cells = ctx.scenario.cells.len()))]
    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        let report = self.analyse(ctx)?;
        let demand = ctx.cell_column(&self.name, &self.demand)?;
        Ok(report_scores(ctx.scenario, &report, demand))
    }
}

/// The columns and figures of a gap report (see the module docs).
pub fn report_scores(scenario: &Scenario, report: &GapReport, demand: &[f64]) -> Scores {
    let n_cells = scenario.cells.len();
    let n_sites = scenario.sites.len();
    let n_regions = scenario.regions.len();

    let mut blank_cell = vec![f64::NAN; n_cells];
    let mut in_blank = vec![0.0; n_cells];
    let mut blank_count = vec![0.0; n_regions];
    for area in &report.blank {
        for &i in &area.cells {
            blank_cell[i as usize] = area.rank as f64;
            in_blank[i as usize] = demand[i as usize];
        }
        count_regions(&mut blank_count, &area.regions);
    }
    let blank_potential: f64 = report.blank.iter().map(|a| a.potential).sum();
    let total_demand: f64 = demand.iter().sum();

    let mut dense_cell = vec![f64::NAN; n_cells];
    let mut dense_site = vec![f64::NAN; n_sites];
    let mut dense_count = vec![0.0; n_regions];
    let mut dense_branches = vec![0.0; n_regions];
    // Worst rank first, so that a cell doubly covered in two areas keeps the better rank.
    for area in report.dense.iter().rev() {
        for &i in &area.cells {
            dense_cell[i as usize] = area.rank as f64;
        }
        for &s in &area.branches {
            dense_site[s as usize] = area.rank as f64;
            count_regions(&mut dense_branches, &scenario.sites.all()[s as usize].regions);
        }
        count_regions(&mut dense_count, &area.regions);
    }

    let mut site_columns = [(); 6].map(|_| vec![f64::NAN; n_sites]);
    for b in &report.overlaps.branches {
        let j = b.site as usize;
        site_columns[0][j] = b.catchment;
        site_columns[1][j] = b.exclusive;
        site_columns[2][j] = b.overlap_share;
        site_columns[3][j] = b.redundancy;
        site_columns[4][j] = 0.0;
    }
    for p in &report.overlaps.pairs {
        for (me, other) in [(p.a, p.b), (p.b, p.a)] {
            let j = me as usize;
            if p.cannibalisation > site_columns[4][j] {
                site_columns[4][j] = p.cannibalisation;
                site_columns[5][j] = f64::from(other);
            }
        }
    }
    let [
        catchment,
        exclusive,
        overlap_share,
        redundancy,
        cannibalisation,
        partner,
    ] = site_columns;
    let catchment_total: f64 = report.overlaps.branches.iter().map(|b| b.catchment).sum();
    let exclusive_total: f64 = report.overlaps.branches.iter().map(|b| b.exclusive).sum();
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };

    Scores {
        cells: vec![
            Column::new("blank_area", blank_cell),
            Column::new("dense_area", dense_cell),
        ],
        sites: vec![
            Column::new("catchment", catchment),
            Column::new("exclusive", exclusive),
            Column::new("overlap_share", overlap_share),
            Column::new("redundancy", redundancy),
            Column::new("cannibalisation", cannibalisation),
            Column::new("partner", partner),
            Column::new("dense_area", dense_site),
        ],
        regions: vec![
            Column::new("blank_potential", region_totals(scenario, &in_blank)),
            Column::new("blank_areas", blank_count),
            Column::new("dense_areas", dense_count),
            Column::new("dense_branches", dense_branches),
        ],
        figures: vec![
            figure("blank_areas", report.blank.len() as f64),
            figure("blank_potential", blank_potential),
            figure("blank_share", ratio(blank_potential, total_demand)),
            figure("dense_areas", report.dense.len() as f64),
            figure(
                "dense_branches",
                report.dense.iter().map(|a| a.branches.len()).sum::<usize>() as f64,
            ),
            figure(
                "redundant_demand",
                report.dense.iter().map(|a| a.redundant_demand).sum(),
            ),
            figure(
                "overlap_share",
                ratio(catchment_total - exclusive_total, catchment_total),
            ),
        ],
    }
}

fn count_regions(counts: &mut [f64], regions: &[RegionIdx]) {
    for &r in regions {
        if let Some(c) = counts.get_mut(r as usize) {
            *c += 1.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::potential::tests::scenario;
    use approx::assert_relative_eq;
    use branchnet_core::{Region, RegionLevel, Regions, Site, Sites, SourceRef};
    use branchnet_spatial::travel::Euclidean;
    use geo::Area;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn site(id: &str, kind: SiteKind, x: f64, y: f64) -> Site {
        let mut s = Site::new(id, kind, 0.0, 0.0, SourceRef { layer: 0, row: 1 });
        (s.x, s.y) = (x, y);
        s
    }

    fn with_context<T>(sc: &Scenario, f: impl FnOnce(&ScoreContext<'_>) -> T) -> T {
        let cells = sc
            .cells
            .x()
            .iter()
            .zip(sc.cells.y())
            .map(|(&x, &y)| [x, y])
            .collect();
        let sites = sc.sites.all().iter().map(|s| [s.x, s.y]).collect();
        let travel = Euclidean::new(cells, sites);
        let computed = Scores::default();
        f(&ScoreContext {
            scenario: sc,
            travel: &travel,
            computed: &computed,
        })
    }

    /// 3 × 3 cells of 100 m, cell (c, r) = index 3r + c at (100c, 100r).
    fn grid3(demand: [f64; 9], sites: Vec<Site>) -> Scenario {
        let mut xy = Vec::new();
        for r in 0..3 {
            for c in 0..3 {
                xy.push([100.0 * f64::from(c), 100.0 * f64::from(r)]);
            }
        }
        let population: Vec<f64> = demand.iter().map(|d| 2.0 * d).collect();
        let mut sc = scenario(&xy, &[("demand", demand.to_vec()), ("population", population)]);
        sc.sites = Sites::new(sites);
        sc
    }

    fn toy_model() -> Gaps {
        Gaps {
            demand: "demand".into(),
            rural: RuralRule::None,
            cell_size_m: Some(100.0),
            ..Gaps::default()
        }
    }

    #[test]
    fn blank_areas_on_a_toy_grid_by_hand() {
        // One branch at (0, 0) with a 100 m radius covers cells 0, 1 and 3. Threshold 1,000/km² = 10 a cell:
        // cells 4 and 5 are too thin, so the blank cells are 2 (alone) and 6, 7, 8 (a row).
        let sc = grid3(
            [50.0, 50.0, 40.0, 50.0, 1.0, 1.0, 30.0, 20.0, 10.0],
            vec![
                site("A", SiteKind::Own, 0.0, 0.0),
                site("X", SiteKind::Competitor, 200.0, 200.0),
            ],
        );
        let model = Gaps {
            radius_m: 100.0,
            min_density_per_km2: 1000.0,
            min_cells: 1,
            min_potential: 0.0,
            future: Some("population".into()),
            ..toy_model()
        };
        let report = with_context(&sc, |ctx| model.analyse(ctx)).expect("analyses");
        let blank = &report.blank;
        assert_eq!(blank.len(), 2);
        assert_eq!((blank[0].rank, blank[0].cells.clone()), (1, vec![6, 7, 8]));
        assert_eq!((blank[1].rank, blank[1].cells.clone()), (2, vec![2]));
        let a = &blank[0];
        assert_relative_eq!(a.potential, 60.0);
        assert_relative_eq!(a.population, 120.0);
        assert_eq!(a.future, Some(120.0));
        assert_relative_eq!(a.centroid_x, (20.0 * 100.0 + 10.0 * 200.0) / 60.0);
        assert_relative_eq!(a.centroid_y, 200.0);
        assert_relative_eq!(a.area_km2, 0.03);
        assert_eq!(
            a.bbox,
            Rect::new(coord! { x: -50.0, y: 150.0 }, coord! { x: 250.0, y: 250.0 })
        );
        assert_relative_eq!(a.hull.unsigned_area(), 300.0 * 100.0);
        let expected_nearest = (30.0 * 200.0 + 20.0 * 50_000f64.sqrt() + 10.0 * 80_000f64.sqrt()) / 60.0;
        assert_relative_eq!(a.mean_nearest_m, expected_nearest, max_relative = 1e-12);
        assert_relative_eq!(blank[1].hull.unsigned_area(), 100.0 * 100.0);

        // Size and demand floors drop the single cell.
        for model in [
            Gaps {
                min_cells: 2,
                ..model.clone()
            },
            Gaps {
                min_potential: 50.0,
                ..model.clone()
            },
        ] {
            let report = with_context(&sc, |ctx| model.analyse(ctx)).expect("analyses");
            assert_eq!(report.blank.len(), 1);
            assert_eq!(report.blank[0].cells, vec![6, 7, 8]);
        }

        // Districts: column 0 is D0, the rest D1. Split by districts (the finest level), the row {6, 7, 8}
        // falls apart into {6} (30) and {7, 8} (30); ties go to the lower cell index. Unsplit, it stays whole.
        let mut split = sc.clone();
        split.regions = Regions::new(
            vec![RegionLevel {
                name: "district".into(),
            }],
            ["D0", "D1"]
                .map(|id| Region {
                    id: id.into(),
                    name: None,
                    level: 0,
                    parent: None,
                    boundary: geo_types::MultiPolygon::new(vec![]),
                })
                .to_vec(),
        );
        split
            .cells
            .set_regions(0, vec![0, 1, 1, 0, 1, 1, 0, 1, 1])
            .expect("regions");
        let report = with_context(&split, |ctx| model.analyse(ctx)).expect("analyses");
        let cells: Vec<Vec<u32>> = report.blank.iter().map(|a| a.cells.clone()).collect();
        assert_eq!(cells, vec![vec![2], vec![6], vec![7, 8]]);
        assert_eq!(report.blank[1].regions, vec![0]);
        assert_eq!(report.blank[2].regions, vec![1]);
        let by_township = Gaps {
            split_by: "township".into(),
            ..model.clone()
        };
        let err = with_context(&split, |ctx| by_township.analyse(ctx)).expect_err("no such level");
        assert!(matches!(err, ScoreError::BadParameter { parameter, .. } if parameter == "split-by"));
        let whole = Gaps {
            split_by: "none".into(),
            ..model.clone()
        };
        let report = with_context(&split, |ctx| whole.analyse(ctx)).expect("analyses");
        assert_eq!(report.blank[0].cells, vec![6, 7, 8]);

        let s = with_context(&sc, |ctx| model.score(ctx)).expect("scores");
        let ranks = s.cell("blank_area").expect("column");
        let expected = [
            f64::NAN,
            f64::NAN,
            2.0,
            f64::NAN,
            f64::NAN,
            f64::NAN,
            1.0,
            1.0,
            1.0,
        ];
        for (g, e) in ranks.iter().zip(expected) {
            assert!(g == &e || (g.is_nan() && e.is_nan()), "{ranks:?}");
        }
        assert_relative_eq!(s.figure("blank_potential").expect("f"), 100.0);
        assert_relative_eq!(s.figure("blank_share").expect("f"), 100.0 / 252.0);
    }

    #[test]
    fn overlaps_and_dense_areas_on_a_toy_grid_by_hand() {
        // Own branches A (site 0) at (0, 0) and B (site 2) at (200, 100), radius 150 m:
        // A covers cells 0, 1, 3, 4; B covers 1, 2, 4, 5, 7, 8; cell 6 is uncovered.
        let sc = grid3(
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 10.0],
            vec![
                site("A", SiteKind::Own, 0.0, 0.0),
                site("C", SiteKind::Competitor, 100.0, 100.0),
                site("B", SiteKind::Own, 200.0, 100.0),
            ],
        );
        let model = Gaps {
            radius_m: 150.0,
            ..toy_model()
        };
        let report = with_context(&sc, |ctx| model.analyse(ctx)).expect("analyses");
        let [a, b] = &report.overlaps.branches[..] else {
            panic!("two own branches: {:?}", report.overlaps.branches);
        };
        assert_eq!((a.site, b.site), (0, 2));
        // D_A = 4, E_A = 2 (cells 0, 3); D_B = 1+1+1+1+1+10 = 15, E_B = 13 (cells 2, 5, 7, 8).
        assert_eq!((a.catchment, a.exclusive), (4.0, 2.0));
        assert_eq!((b.catchment, b.exclusive), (15.0, 13.0));
        assert_relative_eq!(a.overlap_share, 0.5);
        assert_relative_eq!(b.overlap_share, 2.0 / 15.0);
        // Cells 1 and 4 have one other branch each.
        assert_relative_eq!(a.redundancy, 2.0 / 4.0);
        assert_relative_eq!(b.redundancy, 2.0 / 15.0);
        let [pair] = &report.overlaps.pairs[..] else {
            panic!("one pair");
        };
        assert_eq!((pair.a, pair.b, pair.shared), (0, 2, 2.0));
        assert_relative_eq!(pair.share_of_a, 0.5);
        assert_relative_eq!(pair.share_of_b, 2.0 / 15.0);
        assert_relative_eq!(pair.cannibalisation, 0.5);

        // Cannibalisation 0.5 reaches the default link share: one dense area.
        let [dense] = &report.dense[..] else {
            panic!("one dense area: {:?}", report.dense);
        };
        assert_eq!(dense.branches, vec![0, 2]);
        assert_eq!(dense.cells, vec![1, 4]);
        assert_relative_eq!(dense.union_demand, 17.0);
        assert_relative_eq!(dense.catchment_sum, 19.0);
        assert_relative_eq!(dense.redundant_demand, 2.0);
        assert_relative_eq!(dense.overlap_share, 2.0 / 17.0);
        assert_relative_eq!(dense.redundancy, 19.0 / 17.0);
        assert_relative_eq!(dense.max_cannibalisation, 0.5);
        assert_relative_eq!(dense.overlap_area_km2, 0.02);
        assert_relative_eq!(dense.hull.unsigned_area(), 100.0 * 200.0);
        assert_relative_eq!(dense.centroid_x, 100.0);

        // After a coverage model, gaps takes the nearest branches from its columns: the same report. Columns
        // that do not fit (a competitor as "nearest own branch") are ignored.
        let mut computed = Scores::default();
        let coverage = crate::coverage::Coverage {
            demand: "demand".into(),
            groups: Vec::new(),
            ..crate::coverage::Coverage::default()
        };
        let cells = sc
            .cells
            .x()
            .iter()
            .zip(sc.cells.y())
            .map(|(&x, &y)| [x, y])
            .collect();
        let travel = Euclidean::new(cells, sc.sites.all().iter().map(|s| [s.x, s.y]).collect());
        fn ctx<'a>(sc: &'a Scenario, travel: &'a Euclidean, computed: &'a Scores) -> ScoreContext<'a> {
            ScoreContext {
                scenario: sc,
                travel,
                computed,
            }
        }
        let out = coverage
            .score(&ctx(&sc, &travel, &computed))
            .expect("coverage scores");
        computed.absorb("coverage", out);
        let reused = model
            .known_nearest(&ctx(&sc, &travel, &computed))
            .expect("columns fit");
        assert_eq!(reused, report.coverage.nearest);
        assert_eq!(
            model.analyse(&ctx(&sc, &travel, &computed)).expect("analyses"),
            report
        );
        let nearest = computed
            .cells
            .iter_mut()
            .find(|c| c.name == "coverage.nearest")
            .expect("column");
        nearest.values[0] = 1.0;
        assert_eq!(model.known_nearest(&ctx(&sc, &travel, &computed)), None);
        assert_eq!(
            model.analyse(&ctx(&sc, &travel, &computed)).expect("analyses"),
            report
        );

        // Just above 0.5, the two are not linked.
        let strict = Gaps {
            link_share: 0.5000001,
            ..model.clone()
        };
        let report = with_context(&sc, |ctx| strict.analyse(ctx)).expect("analyses");
        assert!(report.dense.is_empty());

        let s = with_context(&sc, |ctx| model.score(ctx)).expect("scores");
        let cannibalisation = s.site("cannibalisation").expect("column");
        assert_eq!(cannibalisation[0], 0.5);
        assert!(
            cannibalisation[1].is_nan(),
            "the competitor has no overlap figures"
        );
        assert_eq!(s.site("partner").expect("column")[0], 2.0);
        assert_eq!(s.site("dense_area").expect("column")[2], 1.0);
        assert_relative_eq!(s.figure("redundant_demand").expect("f"), 2.0);
        assert_relative_eq!(s.figure("overlap_share").expect("f"), 4.0 / 19.0);
    }

    #[test]
    fn components_are_the_8_neighbour_components_of_a_distorted_lattice() {
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        for round in 0..8 {
            // A 60 × 60 lattice of 100 m, stretched by up to ±0.5 % and sheared by up to 0.3 %, as a
            // longitude/latitude grid looks in a transverse Mercator frame far from its centre.
            let stretch = 1.0 + rng.random_range(-0.005..0.005);
            let shear = rng.random_range(-0.003..0.003);
            let (side, s) = (60_i32, 100.0);
            let mut lattice = Vec::new();
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for r in 0..side {
                for c in 0..side {
                    lattice.push((c, r));
                    x.push(50_000.0 + f64::from(c) * s * stretch + f64::from(r) * s * shear);
                    y.push(-20_000.0 + f64::from(r) * s);
                }
            }
            let density = 0.3 + 0.05 * f64::from(round);
            let mut members: Vec<u32> = (0..lattice.len() as u32)
                .filter(|_| rng.random_bool(density))
                .collect();
            // Any order in, the same components out.
            let swaps = members.len();
            for _ in 0..swaps {
                let (i, j) = (rng.random_range(0..swaps), rng.random_range(0..swaps));
                members.swap(i, j);
            }
            // Odd rounds split the lattice into vertical stripes of 17 columns that components may not cross.
            let stripes: Vec<u32> = lattice.iter().map(|&(c, _)| (c / 17) as u32).collect();
            let groups = (round % 2 == 1).then_some(stripes.as_slice());
            let got = grid_components(&x, &y, &members, s, groups);

            // Brute force: breadth-first search over lattice neighbours.
            let mut sorted = members.clone();
            sorted.sort_unstable();
            let mut seen = vec![false; sorted.len()];
            let mut expected = Vec::new();
            for start in 0..sorted.len() {
                if seen[start] {
                    continue;
                }
                seen[start] = true;
                let mut component = vec![sorted[start]];
                let mut k = 0;
                while k < component.len() {
                    let (c, r) = lattice[component[k] as usize];
                    for (q, &m) in sorted.iter().enumerate() {
                        let (c2, r2) = lattice[m as usize];
                        let same = groups.is_none_or(|g| g[component[k] as usize] == g[m as usize]);
                        if !seen[q] && (c - c2).abs() <= 1 && (r - r2).abs() <= 1 && same {
                            seen[q] = true;
                            component.push(m);
                        }
                    }
                    k += 1;
                }
                component.sort_unstable();
                expected.push(component);
            }
            assert_eq!(got, expected, "round {round}");
            assert!(expected.len() > 1, "round {round}: {} components", expected.len());
        }
    }

    #[test]
    fn overlaps_and_dense_areas_match_all_pairs_loops_on_random_cities() {
        let mut rng = ChaCha8Rng::seed_from_u64(29);
        for round in 0..5 {
            let n = 3000;
            let m = 60;
            let xy: Vec<[f64; 2]> = (0..n)
                .map(|_| {
                    [
                        50.0 * f64::from(rng.random_range(0..80)),
                        50.0 * f64::from(rng.random_range(0..80)),
                    ]
                })
                .collect();
            let demand: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(0..50))).collect();
            let mut sc = scenario(&xy, &[("demand", demand.clone()), ("population", demand.clone())]);
            // Branches in a few tight clusters and scattered, some on the lattice (exact ties).
            let sites: Vec<Site> = (0..m)
                .map(|j| {
                    let kind = if j % 4 == 3 {
                        SiteKind::Competitor
                    } else {
                        SiteKind::Own
                    };
                    let (x, y) = if j % 3 == 0 {
                        (
                            50.0 * f64::from(rng.random_range(0..80)),
                            50.0 * f64::from(rng.random_range(0..80)),
                        )
                    } else {
                        let centre = [[1000.0, 1000.0], [3000.0, 2500.0]][j % 2];
                        (
                            centre[0] + rng.random_range(-300.0..300.0),
                            centre[1] + rng.random_range(-300.0..300.0),
                        )
                    };
                    site(&format!("S{j}"), kind, x, y)
                })
                .collect();
            sc.sites = Sites::new(sites.clone());
            let radius = 400.0 + 100.0 * f64::from(round);
            let link = 0.3 + 0.1 * f64::from(round);
            let model = Gaps {
                radius_m: radius,
                link_share: link,
                ..toy_model()
            };
            let report = with_context(&sc, |ctx| model.analyse(ctx)).expect("analyses");

            let own: Vec<usize> = (0..m).filter(|&j| sites[j].kind == SiteKind::Own).collect();
            let covers = |i: usize, j: usize| {
                ((xy[i][0] - sites[j].x).powi(2) + (xy[i][1] - sites[j].y).powi(2)).sqrt() <= radius
            };
            let k: Vec<usize> = (0..n)
                .map(|i| own.iter().filter(|&&j| covers(i, j)).count())
                .collect();
            let catchment = |j: usize| (0..n).filter(|&i| covers(i, j)).map(|i| demand[i]).sum::<f64>();
            for b in &report.overlaps.branches {
                let j = b.site as usize;
                let d = catchment(j);
                let e: f64 = (0..n)
                    .filter(|&i| covers(i, j) && k[i] == 1)
                    .map(|i| demand[i])
                    .sum();
                let r: f64 = (0..n)
                    .filter(|&i| covers(i, j))
                    .map(|i| demand[i] * (k[i] - 1) as f64)
                    .sum();
                assert_eq!((b.catchment, b.exclusive), (d, e), "round {round}, site {j}");
                assert_relative_eq!(b.redundancy, r / d, max_relative = 1e-12);
            }
            assert_eq!(report.overlaps.branches.len(), own.len());
            // Every pair of own branches: shared demand where the catchments meet, absent where they do not.
            let mut linked: Vec<(usize, usize)> = Vec::new();
            let mut meeting = 0;
            for (p, &a) in own.iter().enumerate() {
                for &b in &own[p + 1..] {
                    let common: Vec<usize> = (0..n).filter(|&i| covers(i, a) && covers(i, b)).collect();
                    let found = report
                        .overlaps
                        .pairs
                        .iter()
                        .find(|q| (q.a as usize, q.b as usize) == (a, b));
                    if common.is_empty() {
                        assert!(found.is_none(), "round {round}: ({a}, {b}) do not meet");
                        continue;
                    }
                    meeting += 1;
                    let shared: f64 = common.iter().map(|&i| demand[i]).sum();
                    let found = found.expect("meeting pairs are listed");
                    assert_eq!(found.shared, shared, "round {round}: ({a}, {b})");
                    let c = shared / catchment(a).min(catchment(b));
                    assert_relative_eq!(found.cannibalisation, c, max_relative = 1e-12);
                    if c >= link {
                        linked.push((a, b));
                    }
                }
            }
            assert_eq!(report.overlaps.pairs.len(), meeting);
            // Dense areas: the groups of the linked pairs, with their union demand.
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for &(a, b) in &linked {
                let ga = groups.iter().position(|g| g.contains(&a));
                let gb = groups.iter().position(|g| g.contains(&b));
                match (ga, gb) {
                    (None, None) => groups.push(vec![a, b]),
                    (Some(g), None) => groups[g].push(b),
                    (None, Some(g)) => groups[g].push(a),
                    (Some(g), Some(h)) if g != h => {
                        let moved = groups.remove(g.max(h));
                        groups[g.min(h)].extend(moved);
                    }
                    _ => {}
                }
            }
            for g in &mut groups {
                g.sort_unstable();
            }
            groups.sort();
            let mut got: Vec<Vec<usize>> = report
                .dense
                .iter()
                .map(|a| a.branches.iter().map(|&s| s as usize).collect())
                .collect();
            got.sort();
            assert_eq!(got, groups, "round {round}");
            assert!(
                !groups.is_empty(),
                "round {round}: the clusters must give dense areas"
            );
            for area in &report.dense {
                let members: Vec<usize> = area.branches.iter().map(|&s| s as usize).collect();
                let union: f64 = (0..n)
                    .filter(|&i| members.iter().any(|&j| covers(i, j)))
                    .map(|i| demand[i])
                    .sum();
                let twice: Vec<u32> = (0..n)
                    .filter(|&i| members.iter().filter(|&&j| covers(i, j)).count() >= 2)
                    .map(|i| i as u32)
                    .collect();
                assert_relative_eq!(area.union_demand, union, max_relative = 1e-12);
                assert_eq!(area.cells, twice);
                let sum: f64 = members.iter().map(|&j| catchment(j)).sum();
                assert_relative_eq!(area.redundant_demand, sum - union, max_relative = 1e-9);
            }
            for w in report.dense.windows(2) {
                assert!(w[0].redundant_demand >= w[1].redundant_demand);
            }
        }
    }

    #[test]
    fn parameters_and_inputs_are_checked() {
        let mut sc = grid3([1.0; 9], vec![site("A", SiteKind::Own, 0.0, 0.0)]);
        let err = with_context(&sc, |ctx| {
            Gaps {
                cell_size_m: None,
                ..toy_model()
            }
            .score(ctx)
        })
        .expect_err("no cell size");
        assert!(matches!(err, ScoreError::BadParameter { parameter, .. } if parameter == "cell-size-m"));
        sc.cells.set_cell_size_m(Some(100.0));
        assert!(
            with_context(&sc, |ctx| Gaps {
                cell_size_m: None,
                ..toy_model()
            }
            .score(ctx))
            .is_ok()
        );
        let err = with_context(&sc, |ctx| {
            Gaps {
                link_share: 0.0,
                ..toy_model()
            }
            .score(ctx)
        })
        .expect_err("link share");
        assert!(matches!(err, ScoreError::BadParameter { parameter, .. } if parameter == "link-share"));
        let mut negative = [1.0; 9];
        negative[4] = -2.0;
        let sc = grid3(negative, vec![site("A", SiteKind::Own, 0.0, 0.0)]);
        let err = with_context(&sc, |ctx| toy_model().score(ctx)).expect_err("negative demand");
        assert!(
            matches!(&err, ScoreError::BadInput { message, .. } if message.contains("`demand`, cell 4")),
            "{err}"
        );
        assert!(toml::from_str::<Gaps>("min-cells = -1").is_err());
    }
}
