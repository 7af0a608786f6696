//! Coverage: for every cell, the nearest own branch, the own branches within its service radius, and whether
//! it is covered; summaries per region and per group (all people, the elderly, rural residents).
//!
//! A cell is *covered* when at least one own branch lies within its service radius by the scenario's travel
//! cost (`ctx.travel`, so a user's OD table in minutes works as well as straight-line metres). Urban and
//! rural cells get different radii, because the two are served differently:
//! - `radius-m` (default 1,000 m) for urban cells: about a 12–15 minute walk, the reach of China's
//!   "15-minute community life circle" (15分钟社区生活圈) that city planning uses for daily services, and the
//!   catchment urban branches are usually drawn with (1–1.5 km);
//! - `rural-radius-m` (default 5,000 m) for rural cells: a short bus or motorbike ride to the township seat,
//!   where inclusive-finance rules expect a service point.
//!
//! Which cells are rural is configurable ([`RuralRule`]): by default by the EU/OECD degree of urbanisation —
//! a cell is urban when its 1 km × 1 km block holds at least 300 residents per km² and lies in a contiguous
//! cluster of such blocks with at least 5,000 residents ("urban cluster"), rural otherwise — or by a 0/1 cell
//! column (e.g. a census urban/rural code).
//!
//! Output columns (prefixed with the model's name, `coverage.` by default):
//! - cells: `nearest` (index of the nearest own branch in the scenario's site list, NaN when none is
//!   reachable), `nearest_m` (its cost), `covering` (number of own branches within the cell's radius),
//!   `covered` (1 or 0), `rural` (1 or 0);
//! - regions (every level; NaN where a region has none of the group): `covered_share_population`,
//!   `covered_share_<group>` for every column of `groups`, `covered_share_rural` (share of the rural
//!   population), `rural_share` (share of the population in rural cells), `covered_share_demand`,
//!   `uncovered_demand`, `uncovered_population`, `mean_nearest_m`
//!   (population-weighted, over cells that reach a branch), `branches` (own branches in the region);
//! - figures: the same shares, `rural_share`, `uncovered_demand`, `uncovered_population` and `mean_nearest_m`
//!   for the whole scenario, and `branches`.
//!
//! ```
//! use branchnet_score::coverage::{Coverage, RuralRule};
//! let model: Coverage = toml::from_str(r#"
//!     radius-m = 1200
//!     rural = { kind = "column", column = "rural_code" }
//! "#).unwrap();
//! assert_eq!(model.rural_radius_m, 5000.0);
//! assert_eq!(model.rural, RuralRule::Column { column: "rural_code".into() });
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use branchnet_core::{Scenario, SiteKind};
use branchnet_spatial::TravelCost;
use serde::{Deserialize, Serialize};
use tracing::instrument;

use crate::potential::{check_demand, figure};
use crate::{Column, ScoreContext, ScoreError, Scores, ScoringModel};

/// Which cells count as rural.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RuralRule {
    /// Rural unless urban by the EU/OECD degree of urbanisation on square blocks of `block-m` metres (aligned
    /// to the frame's origin): a block is urban when it holds at least `urban-density-per-km2` residents per
    /// km² and belongs to a cluster of such blocks (8-neighbour contiguity) of at least `urban-cluster`
    /// residents; a cell is rural when its block is not urban. The cluster condition keeps a village of a few
    /// hundred people, dense within its own square kilometre, rural.
    #[serde(rename_all = "kebab-case")]
    GridDensity {
        /// Side of the blocks, metres (default 1,000: the EU/OECD 1 km² grid).
        #[serde(default = "default_block_m")]
        block_m: f64,
        /// Least density of an urban block, residents per km² (default 300, the "urban cluster" density).
        #[serde(default = "default_urban_density")]
        urban_density_per_km2: f64,
        /// Least residents of a cluster of urban blocks (default 5,000); 0 drops the cluster condition.
        #[serde(default = "default_urban_cluster")]
        urban_cluster: f64,
    },
    /// Rural where a cell column is greater than 0.5 (a 0/1 code).
    Column {
        /// The cell column.
        column: String,
    },
    /// No cell is rural: every cell gets `radius-m`.
    None,
}

impl Default for RuralRule {
    fn default() -> Self {
        Self::GridDensity {
            block_m: default_block_m(),
            urban_density_per_km2: default_urban_density(),
            urban_cluster: default_urban_cluster(),
        }
    }
}

fn default_block_m() -> f64 {
    1000.0
}
fn default_urban_density() -> f64 {
    300.0
}
fn default_urban_cluster() -> f64 {
    5000.0
}
pub(crate) fn default_radius_m() -> f64 {
    1000.0
}
pub(crate) fn default_rural_radius_m() -> f64 {
    5000.0
}
pub(crate) fn default_demand() -> String {
    "potential.now".into()
}
pub(crate) fn default_population() -> String {
    "population".into()
}
fn default_name() -> String {
    "coverage".into()
}
fn default_groups() -> Vec<String> {
    vec!["elderly".into()]
}

/// The coverage model: its configuration (`[[scores]] model = "coverage"`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Coverage {
    /// Name of the model and prefix of its columns (default `coverage`).
    #[serde(default = "default_name")]
    pub name: String,
    /// Service radius of urban cells, in the travel cost's unit (default 1,000 m; see the module docs).
    #[serde(default = "default_radius_m")]
    pub radius_m: f64,
    /// Service radius of rural cells, in the travel cost's unit (default 5,000 m).
    #[serde(default = "default_rural_radius_m")]
    pub rural_radius_m: f64,
    /// Which cells are rural (default: outside urban clusters of 1 km blocks, 300 per km², 5,000 residents).
    #[serde(default)]
    pub rural: RuralRule,
    /// Demand column whose covered share is reported (default `potential.now`).
    #[serde(default = "default_demand")]
    pub demand: String,
    /// Residents column (default `population`): the population shares, the rural density and the weights of
    /// `mean_nearest_m`.
    #[serde(default = "default_population")]
    pub population_column: String,
    /// Further group columns (people counts) with a covered share each (default `["elderly"]`).
    #[serde(default = "default_groups")]
    pub groups: Vec<String>,
}

impl Default for Coverage {
    fn default() -> Self {
        Self {
            name: default_name(),
            radius_m: default_radius_m(),
            rural_radius_m: default_rural_radius_m(),
            rural: RuralRule::default(),
            demand: default_demand(),
            population_column: default_population(),
            groups: default_groups(),
        }
    }
}

/// The service area of own branches as two models share it: radii and the rural rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServiceArea<'a> {
    pub model: &'a str,
    pub radius_m: f64,
    pub rural_radius_m: f64,
    pub rural: &'a RuralRule,
    pub population_column: &'a str,
}

impl ServiceArea<'_> {
    pub fn check(&self) -> Result<(), ScoreError> {
        let bad = |parameter: &str, message: String| ScoreError::BadParameter {
            model: self.model.into(),
            parameter: parameter.into(),
            message,
        };
        for (parameter, r) in [
            ("radius-m", self.radius_m),
            ("rural-radius-m", self.rural_radius_m),
        ] {
            if !(r.is_finite() && r >= 0.0) {
                return Err(bad(parameter, format!("must be finite and ≥ 0, found {r}")));
            }
        }
        if let RuralRule::GridDensity {
            block_m,
            urban_density_per_km2,
            urban_cluster,
        } = *self.rural
        {
            if !(block_m.is_finite() && block_m > 0.0) {
                return Err(bad(
                    "rural.block-m",
                    format!("must be finite and > 0, found {block_m}"),
                ));
            }
            for (parameter, v) in [
                ("rural.urban-density-per-km2", urban_density_per_km2),
                ("rural.urban-cluster", urban_cluster),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(bad(parameter, format!("must be finite and ≥ 0, found {v}")));
                }
            }
        }
        Ok(())
    }

    /// The rural flags and the coverage of every cell; `nearest`, when known, is taken as each cell's nearest
    /// own branch instead of asking the travel cost.
    pub fn cover(
        &self,
        ctx: &ScoreContext<'_>,
        nearest: Option<Vec<Option<(u32, f64)>>>,
    ) -> Result<CellCoverage, ScoreError> {
        self.check()?;
        let rural = match self.rural {
            RuralRule::GridDensity {
                block_m,
                urban_density_per_km2,
                urban_cluster,
            } => {
                let population = ctx.cell_column(self.model, self.population_column)?;
                check_demand(self.model, self.population_column, population)?;
                let cells = &ctx.scenario.cells;
                let urban = UrbanBlocks {
                    block_m: *block_m,
                    density_per_km2: *urban_density_per_km2,
                    cluster: *urban_cluster,
                };
                urban.rural_cells(cells.x(), cells.y(), population)
            }
            RuralRule::Column { column } => {
                let code = ctx.cell_column(self.model, column)?;
                code.iter().map(|&v| v > 0.5).collect()
            }
            RuralRule::None => vec![false; ctx.scenario.cells.len()],
        };
        let own = ctx.sites_of_kind(SiteKind::Own);
        let nearest = nearest.unwrap_or_else(|| ctx.travel.nearest(Some(&own)));
        Ok(CellCoverage::with_nearest(
            ctx.travel,
            &own,
            rural,
            self.radius_m,
            self.rural_radius_m,
            nearest,
        ))
    }
}

/// The EU/OECD degree-of-urbanisation rule on square blocks (see [`RuralRule::GridDensity`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UrbanBlocks {
    /// Side of the blocks, metres.
    pub block_m: f64,
    /// Least density of an urban block, residents per km².
    pub density_per_km2: f64,
    /// Least residents of a cluster of urban blocks.
    pub cluster: f64,
}

impl UrbanBlocks {
    /// One flag per cell: whether its block is not urban.
    pub fn rural_cells(&self, x: &[f64], y: &[f64], population: &[f64]) -> Vec<bool> {
        let mut index: FastMap<u64, usize> = FastMap::default();
        let mut squares: Vec<(i64, i64)> = Vec::new();
        let mut residents: Vec<f64> = Vec::new();
        let block_of: Vec<usize> = x
            .iter()
            .zip(y)
            .zip(population)
            .map(|((&x, &y), &p)| {
                let square = (
                    (x / self.block_m).floor() as i64,
                    (y / self.block_m).floor() as i64,
                );
                let b = *index.entry(square_key(square.0, square.1)).or_insert_with(|| {
                    squares.push(square);
                    residents.push(0.0);
                    squares.len() - 1
                });
                residents[b] += p;
                b
            })
            .collect();
        let block_km2 = self.block_m * self.block_m / 1e6;
        let dense: Vec<bool> = residents
            .iter()
            .map(|&p| p / block_km2 >= self.density_per_km2)
            .collect();
        let mut clusters = DisjointSets::new(squares.len());
        for (b, &(c, r)) in squares.iter().enumerate().filter(|(b, _)| dense[*b]) {
            for (dc, dr) in [(1, -1), (1, 0), (1, 1), (0, 1)] {
                if let Some(&n) = index.get(&square_key(c + dc, r + dr))
                    && dense[n]
                {
                    clusters.union(b, n);
                }
            }
        }
        let mut cluster_residents = vec![0.0; squares.len()];
        for b in (0..squares.len()).filter(|&b| dense[b]) {
            cluster_residents[clusters.find(b)] += residents[b];
        }
        let urban: Vec<bool> = (0..squares.len())
            .map(|b| dense[b] && cluster_residents[clusters.find(b)] >= self.cluster)
            .collect();
        block_of.iter().map(|&b| !urban[b]).collect()
    }
}

/// Union–find with path halving and union by size.
pub(crate) struct DisjointSets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl DisjointSets {
    pub fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    pub fn find(&mut self, mut a: usize) -> usize {
        while self.parent[a] != a {
            self.parent[a] = self.parent[self.parent[a]];
            a = self.parent[a];
        }
        a
    }

    pub fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// A square of a grid (column, row) as one integer: the column in the high 32 bits, the row in the low ones
/// (two's complement, so negative coordinates have their own squares; unique within ±2³¹ squares).
pub(crate) fn square_key(column: i64, row: i64) -> u64 {
    (u64::from(column as u32) << 32) | u64::from(row as u32)
}

/// A hash map for integer keys: the multiply–rotate hash of rustc (FxHash). Grid keys are not chosen by an
/// adversary, and the standard SipHash made the per-cell maps of the demo city several times slower.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// See [`FastMap`].
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

/// Per cell: the nearest own branch, the own branches within the cell's radius, and whether it is rural.
///
/// Branches are indexes into the scenario's site list; costs are in the travel cost's unit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellCoverage {
    /// The nearest own branch of each cell and its cost (`None` when none is reachable).
    pub nearest: Vec<Option<(u32, f64)>>,
    /// Whether each cell is rural (and so served within the rural radius).
    pub rural: Vec<bool>,
    offsets: Vec<usize>,
    sites: Vec<u32>,
    costs: Vec<f64>,
}

impl CellCoverage {
    /// Coverage by the destinations `own` flags (one flag per destination of `travel`): urban cells within
    /// `radius_m`, rural ones within `rural_radius_m` (inclusive).
    ///
    /// # Panics
    /// When `rural` does not hold one flag per origin of `travel`.
    pub fn compute(
        travel: &dyn TravelCost,
        own: &[bool],
        rural: Vec<bool>,
        radius_m: f64,
        rural_radius_m: f64,
    ) -> Self {
        let nearest = travel.nearest(Some(own));
        Self::with_nearest(travel, own, rural, radius_m, rural_radius_m, nearest)
    }

    /// As [`compute`](Self::compute), with the nearest own branch of every cell already known (it does not
    /// depend on the radii, so a second model can take it from the first instead of asking again).
    ///
    /// # Panics
    /// When `rural` or `nearest` does not hold one entry per origin of `travel`.
    pub fn with_nearest(
        travel: &dyn TravelCost,
        own: &[bool],
        rural: Vec<bool>,
        radius_m: f64,
        rural_radius_m: f64,
        nearest: Vec<Option<(u32, f64)>>,
    ) -> Self {
        let reach = if rural.iter().any(|&r| r) {
            radius_m.max(rural_radius_m)
        } else {
            radius_m
        };
        let within = travel.within(reach, Some(own));
        let n = within.n_demand();
        assert_eq!(rural.len(), n, "CellCoverage: one rural flag per origin");
        assert_eq!(nearest.len(), n, "CellCoverage: one nearest branch per origin");
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut sites = Vec::with_capacity(within.n_pairs());
        let mut costs = Vec::with_capacity(within.n_pairs());
        for (i, &is_rural) in rural.iter().enumerate() {
            let limit = if is_rural { rural_radius_m } else { radius_m };
            let (s, c) = within.row(i);
            for (&j, &d) in s.iter().zip(c) {
                if d <= limit {
                    sites.push(j);
                    costs.push(d);
                }
            }
            offsets.push(sites.len());
        }
        Self {
            nearest,
            rural,
            offsets,
            sites,
            costs,
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.nearest.len()
    }

    /// Whether there is no cell.
    pub fn is_empty(&self) -> bool {
        self.nearest.is_empty()
    }

    /// The own branches covering cell `i` (ascending) and their costs.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn covering(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.sites[r.clone()], &self.costs[r])
    }

    /// How many own branches cover cell `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn n_covering(&self, i: usize) -> usize {
        self.offsets[i + 1] - self.offsets[i]
    }

    /// Whether cell `i` has an own branch within its radius.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn is_covered(&self, i: usize) -> bool {
        self.n_covering(i) > 0
    }

    /// One covered flag per cell.
    pub fn covered(&self) -> Vec<bool> {
        (0..self.len()).map(|i| self.is_covered(i)).collect()
    }
}

impl Coverage {
    pub(crate) fn service_area(&self) -> ServiceArea<'_> {
        ServiceArea {
            model: &self.name,
            radius_m: self.radius_m,
            rural_radius_m: self.rural_radius_m,
            rural: &self.rural,
            population_column: &self.population_column,
        }
    }

    /// The coverage of every cell (what [`ScoringModel::score`] summarises).
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] for a negative or non-finite radius or density;
    /// [`ScoreError::MissingColumn`] when the population (for the density rule) or the rural column is
    /// missing; [`ScoreError::BadInput`] for NaN or negative population.
    pub fn cover(&self, ctx: &ScoreContext<'_>) -> Result<CellCoverage, ScoreError> {
        self.service_area().cover(ctx, None)
    }
}

/// Covered share of a weight per region and overall: `(per region, overall)`, NaN where the weight is 0.
fn covered_shares(scenario: &Scenario, weight: &[f64], covered: &[bool]) -> (Vec<f64>, f64) {
    let covered_weight: Vec<f64> = weight
        .iter()
        .zip(covered)
        .map(|(&w, &c)| if c { w } else { 0.0 })
        .collect();
    let totals = crate::potential::region_totals(scenario, weight);
    let hits = crate::potential::region_totals(scenario, &covered_weight);
    let ratio = |h: f64, t: f64| if t > 0.0 { h / t } else { f64::NAN };
    let per_region = hits.iter().zip(&totals).map(|(&h, &t)| ratio(h, t)).collect();
    let overall = ratio(covered_weight.iter().sum(), weight.iter().sum());
    (per_region, overall)
}

/// Own branches per region (every level), by the regions the loader assigned to each site.
fn branches_per_region(scenario: &Scenario) -> Vec<f64> {
    let mut counts = vec![0.0; scenario.regions.len()];
    for site in scenario.sites.of_kind(SiteKind::Own) {
        for &r in &site.regions {
            if let Some(c) = counts.get_mut(r as usize) {
                *c += 1.0;
            }
        }
    }
    counts
}

impl ScoringModel for Coverage {
    fn name(&self) -> &str {
        &self.name
    }

    #[instrument(skip_all, fields(model = %self.name, cells = ctx.scenario.cells.len()))]
    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        let cover = self.cover(ctx)?;
        let scenario = ctx.scenario;
        let demand = ctx.cell_column(&self.name, &self.demand)?;
        check_demand(&self.name, &self.demand, demand)?;
        let population = ctx.cell_column(&self.name, &self.population_column)?;
        check_demand(&self.name, &self.population_column, population)?;
        let covered = cover.covered();
        let flag = |b: bool| if b { 1.0 } else { 0.0 };

        let mut out = Scores::default();
        let mut share = |label: &str, weight: &[f64]| {
            let (regions, overall) = covered_shares(scenario, weight, &covered);
            let name = format!("covered_share_{label}");
            out.regions.push(Column::new(name.clone(), regions));
            out.figures.push(figure(&name, overall));
        };
        share("population", population);
        for group in &self.groups {
            let values = ctx.cell_column(&self.name, group)?;
            check_demand(&self.name, group, values)?;
            share(group, values);
        }
        let rural_population: Vec<f64> = population
            .iter()
            .zip(&cover.rural)
            .map(|(&p, &r)| if r { p } else { 0.0 })
            .collect();
        share("rural", &rural_population);
        share("demand", demand);
        // How many live in rural cells: the weight behind `covered_share_rural`.
        let (rural_share, rural_share_all) = covered_shares(scenario, population, &cover.rural);
        out.regions.push(Column::new("rural_share", rural_share));
        out.figures.push(figure("rural_share", rural_share_all));

        for (label, weight) in [("uncovered_demand", demand), ("uncovered_population", population)] {
            let uncovered: Vec<f64> = weight
                .iter()
                .zip(&covered)
                .map(|(&w, &c)| if c { 0.0 } else { w })
                .collect();
            out.figures.push(figure(label, uncovered.iter().sum()));
            out.regions.push(Column::new(
                label,
                crate::potential::region_totals(scenario, &uncovered),
            ));
        }
        let (regions, overall) = mean_nearest(scenario, population, &cover.nearest);
        out.regions.push(Column::new("mean_nearest_m", regions));
        out.figures.push(figure("mean_nearest_m", overall));
        out.regions
            .push(Column::new("branches", branches_per_region(scenario)));
        out.figures
            .push(figure("branches", scenario.sites.count(SiteKind::Own) as f64));

        let nan_or = |n: Option<(u32, f64)>, f: fn((u32, f64)) -> f64| n.map_or(f64::NAN, f);
        out.cells = vec![
            Column::new(
                "nearest",
                cover
                    .nearest
                    .iter()
                    .map(|&n| nan_or(n, |(j, _)| f64::from(j)))
                    .collect(),
            ),
            Column::new(
                "nearest_m",
                cover.nearest.iter().map(|&n| nan_or(n, |(_, d)| d)).collect(),
            ),
            Column::new(
                "covering",
                (0..cover.len()).map(|i| cover.n_covering(i) as f64).collect(),
            ),
            Column::new("covered", covered.iter().map(|&c| flag(c)).collect()),
            Column::new("rural", cover.rural.iter().map(|&r| flag(r)).collect()),
        ];
        Ok(out)
    }
}

/// Weighted mean cost to the nearest branch over cells that reach one: `(per region, overall)`.
fn mean_nearest(scenario: &Scenario, weight: &[f64], nearest: &[Option<(u32, f64)>]) -> (Vec<f64>, f64) {
    let reached: Vec<f64> = weight
        .iter()
        .zip(nearest)
        .map(|(&w, n)| if n.is_some() { w } else { 0.0 })
        .collect();
    let weighted: Vec<f64> = weight
        .iter()
        .zip(nearest)
        .map(|(&w, n)| n.map_or(0.0, |(_, d)| w * d))
        .collect();
    let totals = crate::potential::region_totals(scenario, &reached);
    let sums = crate::potential::region_totals(scenario, &weighted);
    let ratio = |s: f64, t: f64| if t > 0.0 { s / t } else { f64::NAN };
    (
        sums.iter().zip(&totals).map(|(&s, &t)| ratio(s, t)).collect(),
        ratio(weighted.iter().sum(), reached.iter().sum()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::potential::tests::scenario;
    use approx::assert_relative_eq;
    use branchnet_core::{Site, Sites, SourceRef};
    use branchnet_spatial::travel::Euclidean;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn site(id: &str, kind: SiteKind, x: f64, y: f64) -> Site {
        let mut s = Site::new(id, kind, 0.0, 0.0, SourceRef { layer: 0, row: 1 });
        (s.x, s.y) = (x, y);
        s
    }

    pub(crate) fn run<M: ScoringModel>(
        model: &M,
        sc: &Scenario,
        computed: &Scores,
    ) -> Result<Scores, ScoreError> {
        let cells = sc
            .cells
            .x()
            .iter()
            .zip(sc.cells.y())
            .map(|(&x, &y)| [x, y])
            .collect();
        let sites = sc.sites.all().iter().map(|s| [s.x, s.y]).collect();
        let travel = Euclidean::new(cells, sites);
        model.score(&ScoreContext {
            scenario: sc,
            travel: &travel,
            computed,
        })
    }

    /// A 3 × 3 grid of 100 m cells (centres 0, 100, 200 in x and y), one resident each except the corner
    /// (2, 2) with 10, and an elderly column; own branches at (0, 0) and (200, 100), a competitor at
    /// (100, 100).
    fn toy() -> Scenario {
        let mut xy = Vec::new();
        for r in 0..3 {
            for c in 0..3 {
                xy.push([100.0 * f64::from(c), 100.0 * f64::from(r)]);
            }
        }
        let mut population = vec![1.0; 9];
        population[8] = 10.0;
        let elderly = vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0];
        let mut sc = scenario(&xy, &[("population", population), ("elderly", elderly)]);
        sc.sites = Sites::new(vec![
            site("A", SiteKind::Own, 0.0, 0.0),
            site("C", SiteKind::Competitor, 100.0, 100.0),
            site("B", SiteKind::Own, 200.0, 100.0),
        ]);
        sc
    }

    #[test]
    fn toy_grid_by_hand() {
        let sc = toy();
        let model = Coverage {
            radius_m: 150.0,
            demand: "population".into(),
            rural: RuralRule::None,
            ..Coverage::default()
        };
        let s = run(&model, &sc, &Scores::default()).expect("scores");
        // Cell (c, r) = index 3r + c. A = site 0 at (0,0), B = site 2 at (200,100); the competitor never
        // counts.
        // Within 150 m of A: (0,0) 0, (1,0) 100, (0,1) 100, (1,1) 141.4.
        // Within 150 m of B: (2,0) 100, (1,1) 100, (2,1) 0, (2,2) 100, (1,0) 141.4, (1,2) 141.4.
        let covering = s.cell("covering").expect("covering");
        assert_eq!(covering, &[1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 0.0, 1.0, 1.0]);
        assert_eq!(
            s.cell("covered").expect("covered"),
            &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0]
        );
        // Nearest: (1,0) is 100 from A and 141 from B; (1,1) is 141 from A, 100 from B; (0,2) is 200 from A,
        // 224 from B.
        let nearest = s.cell("nearest").expect("nearest");
        assert_eq!(nearest, &[0.0, 0.0, 2.0, 0.0, 2.0, 2.0, 0.0, 2.0, 2.0]);
        let nearest_m = s.cell("nearest_m").expect("nearest_m");
        assert_relative_eq!(nearest_m[6], 200.0);
        assert_relative_eq!(nearest_m[4], 100.0);
        // 1 of 18 people uncovered (cell 6); elderly 1 of 4.
        assert_relative_eq!(s.figure("covered_share_population").expect("f"), 17.0 / 18.0);
        assert_relative_eq!(s.figure("covered_share_elderly").expect("f"), 3.0 / 4.0);
        assert_relative_eq!(s.figure("uncovered_population").expect("f"), 1.0);
        assert!(
            s.figure("covered_share_rural").expect("f").is_nan(),
            "nobody is rural"
        );
        // Mean distance to the nearest branch, by population: distances 0,100,100,100,100,0,200,141.4,100·10.
        let d = [
            0.0,
            100.0,
            100.0,
            100.0,
            100.0,
            0.0,
            200.0,
            20_000f64.sqrt(),
            100.0,
        ];
        let p = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 10.0];
        let expected = d.iter().zip(p).map(|(d, p)| d * p).sum::<f64>() / 18.0;
        assert_relative_eq!(
            s.figure("mean_nearest_m").expect("f"),
            expected,
            max_relative = 1e-12
        );
        assert_relative_eq!(s.figure("branches").expect("f"), 2.0);
    }

    #[test]
    fn rural_cells_get_the_rural_radius() {
        let mut sc = toy();
        sc.cells
            .add_column("rural_code", vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0])
            .expect("column");
        let model = Coverage {
            radius_m: 150.0,
            rural_radius_m: 210.0,
            demand: "population".into(),
            rural: RuralRule::Column {
                column: "rural_code".into(),
            },
            ..Coverage::default()
        };
        let s = run(&model, &sc, &Scores::default()).expect("scores");
        // Cell 6 at (0, 200) is rural: A at 200 m now covers it, B at 223.6 m does not.
        assert_eq!(s.cell("covering").expect("c")[6], 1.0);
        assert_eq!(
            s.cell("rural").expect("r"),
            &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        );
        assert_relative_eq!(s.figure("covered_share_rural").expect("f"), 1.0);
        assert_relative_eq!(s.figure("rural_share").expect("f"), 1.0 / 18.0);
    }

    #[test]
    fn urban_clusters_of_dense_blocks_by_hand() {
        // 1 km blocks: (0,0) 400 and (1,1) 4,000 + 500 touch diagonally (4,900 together); (-1,0) holds 200,
        // too thin to join; (5,0) 6,000 alone; (8,0) 4,000 alone; (3,3) 100.
        let x = [500.0, 1500.0, 1200.0, -500.0, 5500.0, 8500.0, 3500.0];
        let y = [500.0, 1500.0, 1800.0, 500.0, 500.0, 500.0, 3500.0];
        let mut population = vec![400.0, 4000.0, 500.0, 200.0, 6000.0, 4000.0, 100.0];
        let rule = |cluster: f64| UrbanBlocks {
            block_m: 1000.0,
            density_per_km2: 300.0,
            cluster,
        };
        let (t, f) = (true, false);
        assert_eq!(
            rule(5000.0).rural_cells(&x, &y, &population),
            vec![t, t, t, t, f, t, t]
        );
        assert_eq!(
            rule(4900.0).rural_cells(&x, &y, &population),
            vec![f, f, f, t, f, t, t]
        );
        assert_eq!(
            rule(0.0).rural_cells(&x, &y, &population),
            vec![f, f, f, t, f, f, t]
        );
        // With 300 people the block west of the origin is dense, joins the pair and lifts it to 5,200.
        population[3] = 300.0;
        assert_eq!(
            rule(5000.0).rural_cells(&x, &y, &population),
            vec![f, f, f, f, f, t, t]
        );
    }

    #[test]
    fn coverage_matches_an_all_pairs_loop_on_random_cities() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for round in 0..6 {
            let n = 2000;
            let m = 40;
            // Cells on a 50 m lattice (exact ties at the radius) and branches anywhere in 3 km × 3 km.
            let xy: Vec<[f64; 2]> = (0..n)
                .map(|_| {
                    [
                        50.0 * f64::from(rng.random_range(0..60)),
                        50.0 * f64::from(rng.random_range(0..60)),
                    ]
                })
                .collect();
            let population: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(0..40))).collect();
            let mut sc = scenario(
                &xy,
                &[
                    ("population", population.clone()),
                    ("elderly", population.clone()),
                ],
            );
            let sites: Vec<Site> = (0..m)
                .map(|j| {
                    let kind = [SiteKind::Own, SiteKind::Competitor, SiteKind::Candidate][j % 3];
                    let on_lattice = j % 2 == 0;
                    let (x, y) = if on_lattice {
                        (
                            50.0 * f64::from(rng.random_range(0..60)),
                            50.0 * f64::from(rng.random_range(0..60)),
                        )
                    } else {
                        (rng.random_range(0.0..3000.0), rng.random_range(0.0..3000.0))
                    };
                    site(&format!("S{j}"), kind, x, y)
                })
                .collect();
            sc.sites = Sites::new(sites.clone());
            let (radius, rural_radius) = (300.0 + 50.0 * f64::from(round), 700.0);
            let model = Coverage {
                radius_m: radius,
                rural_radius_m: rural_radius,
                demand: "population".into(),
                rural: RuralRule::GridDensity {
                    block_m: 500.0,
                    urban_density_per_km2: 4400.0,
                    urban_cluster: 0.0,
                },
                ..Coverage::default()
            };
            let s = run(&model, &sc, &Scores::default()).expect("scores");
            let rural = UrbanBlocks {
                block_m: 500.0,
                density_per_km2: 4400.0,
                cluster: 0.0,
            }
            .rural_cells(sc.cells.x(), sc.cells.y(), &population);
            assert!(
                rural.iter().any(|&r| r) && rural.iter().any(|&r| !r),
                "both kinds of cells"
            );
            let mut covered_people = 0.0;
            for i in 0..n {
                let limit = if rural[i] { rural_radius } else { radius };
                let mut count = 0;
                let mut best: Option<(usize, f64)> = None;
                for (j, st) in sites.iter().enumerate() {
                    if st.kind != SiteKind::Own {
                        continue;
                    }
                    let d = ((xy[i][0] - st.x).powi(2) + (xy[i][1] - st.y).powi(2)).sqrt();
                    if d <= limit {
                        count += 1;
                    }
                    if best.is_none_or(|(_, b)| d < b) {
                        best = Some((j, d));
                    }
                }
                assert_eq!(
                    s.cell("covering").expect("c")[i],
                    f64::from(count),
                    "round {round}, cell {i}"
                );
                let (j, d) = best.expect("own sites exist");
                assert_eq!(
                    s.cell("nearest").expect("n")[i],
                    j as f64,
                    "round {round}, cell {i}"
                );
                assert_relative_eq!(s.cell("nearest_m").expect("n")[i], d, max_relative = 1e-12);
                if count > 0 {
                    covered_people += population[i];
                }
            }
            assert_relative_eq!(
                s.figure("covered_share_population").expect("f"),
                covered_people / population.iter().sum::<f64>(),
                max_relative = 1e-12
            );
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let sc = toy();
        let err = run(
            &Coverage {
                radius_m: f64::NAN,
                ..Coverage::default()
            },
            &sc,
            &Scores::default(),
        )
        .expect_err("NaN radius");
        assert!(matches!(err, ScoreError::BadParameter { parameter, .. } if parameter == "radius-m"));
        // The default demand is the potential model's output: without it, say so.
        let err = run(&Coverage::default(), &sc, &Scores::default()).expect_err("no potential");
        assert!(matches!(err, ScoreError::MissingColumn { column, .. } if column == "potential.now"));
        assert!(toml::from_str::<Coverage>("rural = { kind = \"grid-density\", block = 3 }").is_err());
    }
}
