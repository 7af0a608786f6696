//! Spatial accessibility of branches: two-step floating catchment (2SFCA), enhanced 2SFCA with distance
//! decay, and gravity (Hansen) potential; per cell, per region, and equity figures.
//!
//! With demand `P_i` per cell, supply `S_j` per counted site (counters, or 1 per branch), a weight
//! `w(d)` from a shared [`Decay`] and the pairs within the catchment:
//! - **2SFCA** (Luo & Wang 2003): `w = 1` within the catchment; `R_j = S_j / Σ_i P_i w(d_ij)`,
//!   `A_i = Σ_j R_j w(d_ij)`: supply per unit of demand competing for it, summed over reachable sites.
//! - **E2SFCA** (Luo & Qi 2009): the same two steps with the weight of a [`Decay`] (Gaussian, power, ...)
//!   inside the catchment. With a power decay and a wide catchment this is the Joseph–Bantock "gravity
//!   2SFCA"; Luo & Qi's stepped zone weights are not a [`Decay`] form and are not offered.
//! - **gravity** (Hansen 1959): `A_i = Σ_j S_j w(d_ij)`, the supply within reach discounted by distance,
//!   with no competition for it.
//!
//! Conventions (they differ from pysal/access where noted; see `data/reference/access/README.md`):
//! - a site is within the catchment when its cost is `≤ catchment` (inclusive, as pysal/access);
//! - a cell that reaches no counted site has access 0 (pysal/access: NaN);
//! - a site whose weighted demand is 0 has ratio 0: its supply serves nobody (pysal/access: ∞ or NaN).
//!
//! ```
//! use branchnet_core::Decay;
//! use branchnet_score::access::two_step_fca;
//! use branchnet_spatial::travel::{Euclidean, TravelCost};
//!
//! // Two cells of 100 people, one branch with 2 counters between them, catchment 1 km.
//! let cost = Euclidean::new(vec![[0.0, 0.0], [800.0, 0.0]], vec![[400.0, 0.0]]);
//! let pairs = cost.within(1000.0, None);
//! let fca = two_step_fca(&pairs, &[100.0, 100.0], &[2.0], &Decay::Step { radius: 1000.0 });
//! assert_eq!(fca.ratio, vec![0.01]); // 2 counters / 200 people
//! assert_eq!(fca.access, vec![0.01, 0.01]);
//! ```

use branchnet_core::{Decay, NO_REGION, Scenario, SiteKind};
use branchnet_spatial::Neighbours;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Column, Figure, ScoreContext, ScoreError, Scores, ScoringModel};

/// Cells per parallel task when demand is scattered onto sites. Fixed (not derived from the thread count),
/// so that partial sums are added in the same order on any machine and results are reproducible to the bit.
const CHUNK_CELLS: usize = 8192;

/// How accessibility is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AccessMethod {
    /// Two-step floating catchment with a binary catchment (`"2sfca"`).
    #[default]
    #[serde(rename = "2sfca")]
    TwoStep,
    /// Enhanced 2SFCA: both steps weighted by the decay (`"e2sfca"`).
    #[serde(rename = "e2sfca")]
    Enhanced,
    /// Hansen's gravity potential: decay-weighted supply within reach, no demand side (`"gravity"`).
    #[serde(rename = "gravity")]
    Gravity,
}

impl AccessMethod {
    /// The spelling used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TwoStep => "2sfca",
            Self::Enhanced => "e2sfca",
            Self::Gravity => "gravity",
        }
    }
}

/// The accessibility model (`model = "access"`): one struct covers 2SFCA, E2SFCA and gravity.
///
/// ```toml
/// [[scores]]
/// model = "access"
/// method = "e2sfca"
/// catchment = 3000.0
/// decay = { kind = "gaussian", bandwidth = 1500.0 }
/// supply = "counters"
/// ```
///
/// Output (prefixed with `name.` by the runner):
/// - cells: `access`;
/// - sites: `ratio` (`R_j`, supply per unit of weighted demand) and `catchment_demand`
///   (`Σ_i P_i w(d_ij)`) for 2SFCA/E2SFCA, NaN for sites that are not counted;
/// - regions: `access`, the population-weighted mean access per region (NaN for a region without
///   population);
/// - figures: `mean_access` (population-weighted), `gini_access` (population-weighted Gini),
///   `share_population_without_access` (access 0), and per group `share_<group>_beyond_<X>km` (the share
///   of the group whose nearest own branch is farther than `beyond-km`, or who have none).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Access {
    /// Model name, the prefix of its outputs. Default `"access"`.
    #[serde(default = "default_name")]
    pub name: String,
    /// `"2sfca"` (default), `"e2sfca"` or `"gravity"`.
    #[serde(default)]
    pub method: AccessMethod,
    /// Cell column of demand `P_i` (people or potential). Default `"potential.now"`; `"population"` works.
    #[serde(default = "default_demand")]
    pub demand: String,
    /// Site column of supply `S_j` (e.g. `"counters"`, `"staff"`); absent (default): 1 per site. Every
    /// counted site must have a finite value ≥ 0.
    #[serde(default)]
    pub supply: Option<String>,
    /// Which sites supply: default `["own"]`; `["own", "competitor"]` measures access to any bank.
    #[serde(default = "default_site_kinds")]
    pub site_kinds: Vec<SiteKind>,
    /// Catchment: pairs costing more are ignored, in the travel cost's unit (metres for the Euclidean
    /// cost). Default 3000.
    #[serde(default = "default_catchment")]
    pub catchment: f64,
    /// Distance decay for `e2sfca` and `gravity` (required there; not allowed for `2sfca`, whose weight is
    /// 1 within the catchment). Its own cutoff, if any, narrows the catchment.
    #[serde(default)]
    pub decay: Option<Decay>,
    /// Cell column weighting the region means, the mean and the Gini. Default `"population"`.
    #[serde(default = "default_population")]
    pub population: String,
    /// Cell columns of groups whose distance to the nearest own branch is reported, e.g.
    /// `["elderly", "disabled"]`; each must exist. Absent (default): `elderly` when the grid has such a
    /// column, none otherwise. `[]` for none.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// Distance, km, beyond which a group member counts as far from a branch. Default 2. Compared with
    /// the travel cost in metres, so it assumes a metric cost.
    #[serde(default = "default_beyond_km")]
    pub beyond_km: f64,
}

fn default_name() -> String {
    "access".into()
}

fn default_demand() -> String {
    "potential.now".into()
}

fn default_site_kinds() -> Vec<SiteKind> {
    vec![SiteKind::Own]
}

fn default_catchment() -> f64 {
    3000.0
}

fn default_population() -> String {
    "population".into()
}

fn default_beyond_km() -> f64 {
    2.0
}

impl Default for Access {
    fn default() -> Self {
        Self {
            name: default_name(),
            method: AccessMethod::default(),
            demand: default_demand(),
            supply: None,
            site_kinds: default_site_kinds(),
            catchment: default_catchment(),
            decay: None,
            population: default_population(),
            groups: None,
            beyond_km: default_beyond_km(),
        }
    }
}

impl Access {
    fn bad_parameter(&self, parameter: &str, message: impl Into<String>) -> ScoreError {
        ScoreError::BadParameter {
            model: self.name.clone(),
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// The weight every pair gets under this configuration, after checking the parameters.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] for a catchment that is not finite and > 0, a decay with bad
    /// parameters, a decay given to 2SFCA or missing for the others, an empty `site-kinds`, or a
    /// `beyond-km` that is not finite and ≥ 0.
    pub fn weight(&self) -> Result<Decay, ScoreError> {
        if !(self.catchment.is_finite() && self.catchment > 0.0) {
            return Err(self.bad_parameter(
                "catchment",
                format!("must be finite and > 0 (found {})", self.catchment),
            ));
        }
        if self.site_kinds.is_empty() {
            return Err(self.bad_parameter("site-kinds", "lists no site kind (e.g. [\"own\"])"));
        }
        if !(self.beyond_km.is_finite() && self.beyond_km >= 0.0) {
            return Err(self.bad_parameter(
                "beyond-km",
                format!("must be finite and ≥ 0 (found {})", self.beyond_km),
            ));
        }
        match (self.method, self.decay) {
            (AccessMethod::TwoStep, None) => Ok(Decay::Step {
                radius: self.catchment,
            }),
            (AccessMethod::TwoStep, Some(_)) => Err(self.bad_parameter(
                "decay",
                "is not used by method \"2sfca\" (weight 1 within the catchment); use \"e2sfca\" for a decay",
            )),
            (method, None) => Err(self.bad_parameter(
                "decay",
                format!(
                    "is required by method \"{}\", e.g. decay = {{ kind = \"gaussian\", bandwidth = 1000.0 }}",
                    method.as_str()
                ),
            )),
            (_, Some(decay)) => {
                decay.check().map_err(|(parameter, value)| {
                    self.bad_parameter(
                        &format!("decay.{parameter}"),
                        format!("must be finite and > 0 (found {value})"),
                    )
                })?;
                Ok(decay)
            }
        }
    }

    /// Supply per site (all sites, scenario order): the `supply` column or 1 for counted sites, 0 for the
    /// others.
    fn supply_values(&self, ctx: &ScoreContext<'_>, counted: &[bool]) -> Result<Vec<f64>, ScoreError> {
        let Some(column) = &self.supply else {
            return Ok(counted.iter().map(|&c| f64::from(u8::from(c))).collect());
        };
        let values = ctx.site_column(&self.name, column)?;
        let sites = ctx.scenario.sites.all();
        counted
            .iter()
            .zip(&values)
            .zip(sites)
            .map(|((&c, &v), site)| match (c, v) {
                (false, _) => Ok(0.0),
                (true, v) if v.is_finite() && v >= 0.0 => Ok(v),
                (true, v) => Err(ScoreError::BadInput {
                    model: self.name.clone(),
                    message: format!(
                        "site `{}` ({}): supply `{column}` is {v} (expected a finite value ≥ 0)",
                        site.id, site.kind
                    ),
                }),
            })
            .collect()
    }
}

impl ScoringModel for Access {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        let decay = self.weight()?;
        let demand = checked_cell_column(ctx, &self.name, &self.demand)?;
        let population = checked_cell_column(ctx, &self.name, &self.population)?;
        let groups = self.group_columns(ctx)?;
        let counted: Vec<bool> = ctx
            .scenario
            .sites
            .all()
            .iter()
            .map(|s| self.site_kinds.contains(&s.kind))
            .collect();
        let supply = self.supply_values(ctx, &counted)?;
        let pairs = ctx
            .travel
            .within(self.catchment.min(decay.reach()), Some(&counted));
        tracing::debug!(
            model = %self.name,
            method = self.method.as_str(),
            pairs = pairs.n_pairs(),
            "access pairs"
        );

        let mut scores = Scores::default();
        let access = match self.method {
            AccessMethod::TwoStep | AccessMethod::Enhanced => {
                let fca = two_step_fca(&pairs, demand, &supply, &decay);
                let not_counted = |values: Vec<f64>| -> Vec<f64> {
                    values
                        .into_iter()
                        .zip(&counted)
                        .map(|(v, &c)| if c { v } else { f64::NAN })
                        .collect()
                };
                scores.sites.push(Column::new("ratio", not_counted(fca.ratio)));
                scores
                    .sites
                    .push(Column::new("catchment_demand", not_counted(fca.catchment_demand)));
                fca.access
            }
            AccessMethod::Gravity => gravity_access(&pairs, &supply, &decay),
        };
        scores.figures = self.equity_figures(ctx, &access, population, &groups);
        scores.regions.push(Column::new(
            "access",
            region_weighted_means(ctx.scenario, &access, population),
        ));
        scores.cells.push(Column::new("access", access));
        Ok(scores)
    }
}

impl Access {
    /// The group columns: those configured (each required), or `elderly` when not configured and present.
    fn group_columns<'a>(&self, ctx: &ScoreContext<'a>) -> Result<Vec<(&str, &'a [f64])>, ScoreError> {
        const DEFAULT_GROUP: &str = "elderly";
        match &self.groups {
            Some(groups) => groups
                .iter()
                .map(|g| Ok((g.as_str(), checked_cell_column(ctx, &self.name, g)?)))
                .collect(),
            None => match checked_cell_column(ctx, &self.name, DEFAULT_GROUP) {
                Ok(values) => Ok(vec![(DEFAULT_GROUP, values)]),
                Err(ScoreError::MissingColumn { .. }) => {
                    tracing::debug!(model = %self.name, "no `{DEFAULT_GROUP}` column: no group figure");
                    Ok(Vec::new())
                }
                Err(e) => Err(e),
            },
        }
    }

    /// Mean, Gini and share without access (population-weighted), and per group the share farther than
    /// `beyond-km` from the nearest own branch.
    fn equity_figures(
        &self,
        ctx: &ScoreContext<'_>,
        access: &[f64],
        population: &[f64],
        groups: &[(&str, &[f64])],
    ) -> Vec<Figure> {
        let without: f64 = access
            .iter()
            .zip(population)
            .filter(|(a, _)| **a == 0.0)
            .map(|(_, p)| p)
            .sum();
        let mut figures = vec![
            figure("mean_access", weighted_mean(access, population)),
            figure("gini_access", gini(access, population)),
            figure(
                "share_population_without_access",
                without / population.iter().sum::<f64>(),
            ),
        ];
        if !groups.is_empty() {
            let nearest = ctx.travel.nearest(Some(&ctx.sites_of_kind(SiteKind::Own)));
            let limit_m = self.beyond_km * 1000.0;
            for (group, members) in groups {
                figures.push(figure(
                    &format!("share_{group}_beyond_{}km", self.beyond_km),
                    share_beyond(&nearest, members, limit_m),
                ));
            }
        }
        figures
    }
}

fn figure(name: &str, value: f64) -> Figure {
    Figure {
        name: name.into(),
        value,
    }
}

/// A cell column whose values are all finite and ≥ 0.
///
/// # Errors
/// [`ScoreError::MissingColumn`] when there is no such column, [`ScoreError::BadInput`] naming the first
/// bad row.
pub(crate) fn checked_cell_column<'a>(
    ctx: &ScoreContext<'a>,
    model: &str,
    name: &str,
) -> Result<&'a [f64], ScoreError> {
    let values = ctx.cell_column(model, name)?;
    if let Some((row, v)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(ScoreError::BadInput {
            model: model.into(),
            message: format!("cell column `{name}` row {row}: {v} (expected a finite value ≥ 0)"),
        });
    }
    Ok(values)
}

/// The result of a two-step floating catchment.
#[derive(Debug, Clone, PartialEq)]
pub struct Fca {
    /// `A_i` per cell: `Σ_j R_j w(d_ij)`; 0 for a cell that reaches no site.
    pub access: Vec<f64>,
    /// `R_j` per site: `S_j / Σ_i P_i w(d_ij)`; 0 where the weighted demand is 0.
    pub ratio: Vec<f64>,
    /// `Σ_i P_i w(d_ij)` per site: the demand competing for it.
    pub catchment_demand: Vec<f64>,
}

/// Two-step floating catchment over `pairs` (rows = cells, site indexes into `supply`): 2SFCA with a
/// [`Decay::Step`], E2SFCA with any other decay. Pairs beyond the decay's reach weigh 0.
///
/// `demand` has one value per cell (row of `pairs`), `supply` one per site; a site that is not counted
/// should not appear in `pairs` (or have supply 0).
///
/// # Panics
/// When `demand` does not have one value per row or a site index is out of `supply`.
pub fn two_step_fca(pairs: &Neighbours, demand: &[f64], supply: &[f64], decay: &Decay) -> Fca {
    assert_eq!(demand.len(), pairs.n_demand(), "two_step_fca: one demand per row");
    with_weight(
        decay,
        TwoStep {
            pairs,
            demand,
            supply,
        },
    )
}

struct TwoStep<'a> {
    pairs: &'a Neighbours,
    demand: &'a [f64],
    supply: &'a [f64],
}

impl WithWeight for TwoStep<'_> {
    type Output = Fca;

    fn run(self, weight: impl Fn(f64) -> f64 + Sync + Copy) -> Fca {
        let demand = self.demand;
        let catchment_demand = scatter_to_sites(self.pairs, self.supply.len(), |i, d| demand[i] * weight(d));
        let ratio: Vec<f64> = self
            .supply
            .iter()
            .zip(&catchment_demand)
            .map(|(&s, &dem)| if dem > 0.0 { s / dem } else { 0.0 })
            .collect();
        let access = gather_from_sites(self.pairs, &ratio, weight);
        Fca {
            access,
            ratio,
            catchment_demand,
        }
    }
}

/// Hansen's gravity potential `A_i = Σ_j S_j w(d_ij)` over `pairs`; 0 for a cell that reaches no site.
///
/// # Panics
/// When a site index of `pairs` is out of `supply`.
pub fn gravity_access(pairs: &Neighbours, supply: &[f64], decay: &Decay) -> Vec<f64> {
    struct Gravity<'a> {
        pairs: &'a Neighbours,
        supply: &'a [f64],
    }
    impl WithWeight for Gravity<'_> {
        type Output = Vec<f64>;
        fn run(self, weight: impl Fn(f64) -> f64 + Sync + Copy) -> Vec<f64> {
            gather_from_sites(self.pairs, self.supply, weight)
        }
    }
    with_weight(decay, Gravity { pairs, supply })
}

/// A computation over pairs that needs a decay's weight function (see [`with_weight`]).
pub(crate) trait WithWeight {
    /// What it computes.
    type Output;
    /// Runs with `weight(d)`, the decay's weight at cost `d ≥ 0`.
    fn run(self, weight: impl Fn(f64) -> f64 + Sync + Copy) -> Self::Output;
}

/// Runs `task` with the weight function of `decay` as a closure of its own form, so that the loops over
/// millions of pairs are compiled once per form with no match per pair, and a whole power exponent
/// (β = 2, the classic) or a half one costs multiplications instead of a `powf`. The values are those of
/// [`Decay::weight`] for costs ≥ 0 (to rounding: `(m / d)^β` for `(d / m)^−β`), as the tests check.
pub(crate) fn with_weight<T: WithWeight>(decay: &Decay, task: T) -> T::Output {
    let reach = decay.reach();
    match *decay {
        Decay::Step { radius } => task.run(move |d| if d <= radius { 1.0 } else { 0.0 }),
        Decay::Power {
            beta, min_distance, ..
        } if (2.0 * beta).fract() == 0.0 && (0.5..=16.0).contains(&beta) => {
            // A whole or half exponent (β = 2 is the classic, 1.5 common) by multiplications and a square
            // root.
            let (whole, half) = (beta.trunc() as i32, beta.fract() != 0.0);
            task.run(move |d| {
                if d <= reach {
                    let r = min_distance / d.max(min_distance);
                    if half {
                        r.powi(whole) * r.sqrt()
                    } else {
                        r.powi(whole)
                    }
                } else {
                    0.0
                }
            })
        }
        Decay::Power {
            beta, min_distance, ..
        } => task.run(move |d| {
            if d <= reach {
                // exp(β ln r) is cheaper than powf and as accurate here (|β ln r| stays small).
                (beta * (min_distance / d.max(min_distance)).ln()).exp()
            } else {
                0.0
            }
        }),
        Decay::ExponentialRate { beta, .. } => task.run(move |d| {
            if d <= reach {
                (-beta * d.max(0.0)).exp()
            } else {
                0.0
            }
        }),
        Decay::Exponential { scale, .. } => task.run(move |d| {
            if d <= reach {
                (-d.max(0.0) / scale).exp()
            } else {
                0.0
            }
        }),
        Decay::Gaussian { bandwidth, .. } => task.run(move |d| {
            if d <= reach {
                (-0.5 * (d / bandwidth).powi(2)).exp()
            } else {
                0.0
            }
        }),
        Decay::Linear { .. } => {
            let decay = *decay;
            task.run(move |d| decay.weight(d))
        }
    }
}

/// `Σ_j value_j w(d_ij)` for every row `i`.
fn gather_from_sites(pairs: &Neighbours, per_site: &[f64], weight: impl Fn(f64) -> f64 + Sync) -> Vec<f64> {
    (0..pairs.n_demand())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| {
            let (sites, costs) = pairs.row(i);
            sites
                .iter()
                .zip(costs)
                .map(|(&j, &d)| per_site[j as usize] * weight(d))
                .sum()
        })
        .collect()
}

/// `Σ_i contribution(i, d_ij)` for every site `j`, in parallel over fixed chunks of rows whose partial
/// sums are added in chunk order (reproducible whatever the thread count).
pub(crate) fn scatter_to_sites(
    pairs: &Neighbours,
    n_sites: usize,
    contribution: impl Fn(usize, f64) -> f64 + Sync,
) -> Vec<f64> {
    let n = pairs.n_demand();
    let starts: Vec<usize> = (0..n).step_by(CHUNK_CELLS).collect();
    let partials: Vec<Vec<f64>> = starts
        .par_iter()
        .map(|&start| {
            let mut acc = vec![0.0; n_sites];
            for i in start..(start + CHUNK_CELLS).min(n) {
                let (sites, costs) = pairs.row(i);
                for (&j, &d) in sites.iter().zip(costs) {
                    acc[j as usize] += contribution(i, d);
                }
            }
            acc
        })
        .collect();
    let mut total = vec![0.0; n_sites];
    for partial in partials {
        for (t, p) in total.iter_mut().zip(partial) {
            *t += p;
        }
    }
    total
}

/// `Σ w_i x_i / Σ w_i`; NaN when the weights sum to 0.
pub fn weighted_mean(values: &[f64], weights: &[f64]) -> f64 {
    let (sum, weight) = values
        .iter()
        .zip(weights)
        .fold((0.0, 0.0), |(s, w), (&x, &wi)| (s + wi * x, w + wi));
    if weight > 0.0 { sum / weight } else { f64::NAN }
}

/// Weighted Gini coefficient of `values` (≥ 0) with `weights` (≥ 0):
/// `G = Σ_i Σ_k w_i w_k |x_i − x_k| / (2 W² μ)`, `μ = Σ w x / W`, the area between the Lorenz curve and
/// the diagonal (0: everyone equal, → 1: all in one place).
///
/// Computed in `O(n log n)` from sorted values: with `C_i` the weight up to and including the `i`-th
/// smallest value, `Σ_i Σ_k w_i w_k |x_i − x_k| = 2 Σ_i w_i x_i (C_{i−1} + C_i − W)` (ties cancel).
/// NaN when the weights or the weighted total are 0.
pub fn gini(values: &[f64], weights: &[f64]) -> f64 {
    let mut order: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(&x, &w)| (x, w))
        .collect();
    order.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let total_weight: f64 = order.iter().map(|o| o.1).sum();
    let total_mass: f64 = order.iter().map(|o| o.0 * o.1).sum();
    if !(total_weight > 0.0 && total_mass > 0.0) {
        return f64::NAN;
    }
    let mut below = 0.0;
    let mut sum = 0.0;
    for (x, w) in order {
        let upto = below + w;
        sum += w * x * (below + upto - total_weight);
        below = upto;
    }
    sum / (total_weight * total_mass)
}

/// The share of `members` (one value per cell) whose nearest site is farther than `limit` or absent;
/// NaN when there are no members.
pub fn share_beyond(nearest: &[Option<(u32, f64)>], members: &[f64], limit: f64) -> f64 {
    let (far, all) = nearest
        .iter()
        .zip(members)
        .fold((0.0, 0.0), |(far, all), (near, &m)| match near {
            Some((_, d)) if *d <= limit => (far, all + m),
            _ => (far + m, all + m),
        });
    if all > 0.0 { far / all } else { f64::NAN }
}

/// `Σ w_i x_i / Σ w_i` over the cells of each region (every level, in `scenario.regions.all()` order);
/// NaN for a region whose cells weigh 0 or that has none.
pub fn region_weighted_means(scenario: &Scenario, values: &[f64], weights: &[f64]) -> Vec<f64> {
    let weighted: Vec<f64> = values.iter().zip(weights).map(|(x, w)| x * w).collect();
    let sums = region_sums(scenario, &weighted);
    let totals = region_sums(scenario, weights);
    sums.iter()
        .zip(&totals)
        .map(|(&s, &w)| if w > 0.0 { s / w } else { f64::NAN })
        .collect()
}

/// `Σ values_i` over the cells of each region (every level, in `scenario.regions.all()` order).
pub(crate) fn region_sums(scenario: &Scenario, values: &[f64]) -> Vec<f64> {
    let mut sums = vec![0.0; scenario.regions.len()];
    for level in 0..scenario.cells.region_levels() {
        let Some(of_cell) = scenario.cells.regions(level) else {
            continue;
        };
        for (&r, &v) in of_cell.iter().zip(values) {
            if r != NO_REGION
                && let Some(s) = sums.get_mut(r as usize)
            {
                *s += v;
            }
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;
    use branchnet_core::{Cells, FrameDef, Region, RegionLevel, Regions, Site, Sites, SourceRef};
    use branchnet_spatial::travel::{Euclidean, TravelCost};
    use geo_types::MultiPolygon;

    const EPS: f64 = 1e-12;

    fn close(a: f64, b: f64) {
        assert!(
            (a - b).abs() <= EPS * b.abs().max(1.0),
            "{a} != {b} (difference {})",
            a - b
        );
    }

    fn site(id: &str, kind: SiteKind, x: f64, y: f64, counters: u32) -> Site {
        let mut s = Site::new(id, kind, 0.0, 0.0, SourceRef { layer: 0, row: 1 });
        s.x = x;
        s.y = y;
        s.counters = Some(counters);
        s
    }

    fn region(id: &str, level: usize) -> Region {
        Region {
            id: id.into(),
            name: None,
            level,
            parent: None,
            boundary: MultiPolygon::new(vec![]),
        }
    }

    /// The hand-computed toy: three cells on the x axis, an own branch and a competitor, three regions.
    ///
    /// ```text
    /// cell   x      population  elderly  region
    /// c0     0      100         10       r0
    /// c1     1000   200         50       r0
    /// c2     2500   300         90       r1        (r2: no cells)
    /// site   x      kind        counters
    /// s0     500    own         2
    /// s1     2000   competitor  3
    /// ```
    fn toy() -> Scenario {
        let mut cells = Cells::new(vec![0.0, 1000.0, 2500.0], vec![0.0; 3]).expect("same length");
        cells
            .add_column("population", vec![100.0, 200.0, 300.0])
            .expect("fits");
        cells.add_column("elderly", vec![10.0, 50.0, 90.0]).expect("fits");
        cells.set_regions(0, vec![0, 0, 1]).expect("fits");
        let sites = Sites::new(vec![
            site("s0", SiteKind::Own, 500.0, 0.0, 2),
            site("s1", SiteKind::Competitor, 2000.0, 0.0, 3),
        ]);
        Scenario {
            name: "toy".into(),
            currency: "CNY".into(),
            frame: FrameDef {
                central_meridian_deg: 0.0,
                origin_lat_deg: 0.0,
            },
            cells,
            sites,
            regions: Regions::new(
                vec![RegionLevel {
                    name: "district".into(),
                }],
                vec![region("r0", 0), region("r1", 0), region("r2", 0)],
            ),
        }
    }

    fn run(model: &Access, scenario: &Scenario) -> Result<Scores, ScoreError> {
        let cost = Euclidean::new(
            scenario
                .cells
                .x()
                .iter()
                .zip(scenario.cells.y())
                .map(|(&x, &y)| [x, y])
                .collect(),
            scenario.sites.all().iter().map(|s| [s.x, s.y]).collect(),
        );
        let computed = Scores::default();
        let ctx = ScoreContext {
            scenario,
            travel: &cost,
            computed: &computed,
        };
        model.score(&ctx)
    }

    fn toy_model(method: AccessMethod, decay: Option<Decay>) -> Access {
        Access {
            method,
            decay,
            demand: "population".into(),
            supply: Some("counters".into()),
            site_kinds: vec![SiteKind::Own, SiteKind::Competitor],
            catchment: 1000.0,
            beyond_km: 1.0,
            ..Access::default()
        }
    }

    #[test]
    fn two_step_fca_on_the_hand_computed_toy() {
        // Distances: c0–s0 500, c1–s0 500, c1–s1 1000 (on the boundary: inside), c2–s1 500; c0–s1 and
        // c2–s0 2000 (outside). Step 1: D_0 = 100 + 200 = 300, R_0 = 2/300; D_1 = 200 + 300 = 500,
        // R_1 = 3/500. Step 2: A_0 = 2/300 = 10/1500, A_1 = 2/300 + 3/500 = 19/1500, A_2 = 3/500 = 9/1500.
        let scores = run(&toy_model(AccessMethod::TwoStep, None), &toy()).expect("scores");
        let access = scores.cell("access").expect("access column");
        for (got, want) in access.iter().zip([10.0 / 1500.0, 19.0 / 1500.0, 9.0 / 1500.0]) {
            close(*got, want);
        }
        let ratio = scores.site("ratio").expect("ratio column");
        close(ratio[0], 2.0 / 300.0);
        close(ratio[1], 3.0 / 500.0);
        assert_eq!(scores.site("catchment_demand"), Some(&[300.0, 500.0][..]));
        // Population-weighted mean: (100·10 + 200·19 + 300·9) / 600 / 1500 = 12.5 / 1500.
        close(scores.figure("mean_access").expect("mean"), 12.5 / 1500.0);
        // Gini in units of 1/1500, x = [10, 19, 9], w = [100, 200, 300]: Σ_{i≠k} w_i w_k |x_i − x_k| =
        // 2 (100·200·9 + 100·300·1 + 200·300·10) = 1,620,000; 2 W² μ = 2 · 360,000 · 12.5 = 9,000,000.
        close(scores.figure("gini_access").expect("gini"), 0.18);
        close(
            scores.figure("share_population_without_access").expect("share"),
            0.0,
        );
        // Nearest own branch (s0): c0 500 m, c1 500 m, c2 2000 m > 1 km: 90 of 150 elderly.
        close(scores.figure("share_elderly_beyond_1km").expect("share"), 0.6);
        // Regions: r0 = (100·10 + 200·19) / 300 / 1500 = 16/1500, r1 = 9/1500, r2 has no cells.
        let regions = scores.region("access").expect("region column");
        close(regions[0], 16.0 / 1500.0);
        close(regions[1], 9.0 / 1500.0);
        assert!(regions[2].is_nan());
    }

    #[test]
    fn enhanced_and_gravity_on_the_hand_computed_toy() {
        // Linear decay to 0 at 1000 m: w(500) = 0.5, w(1000) = 0.
        let linear = Decay::Linear {
            radius: 1000.0,
            full_radius: 0.0,
        };
        // E2SFCA: D_0 = 0.5·100 + 0.5·200 = 150, R_0 = 2/150; D_1 = 0·200 + 0.5·300 = 150, R_1 = 3/150.
        // A_0 = 0.5·2/150 = 1/150, A_1 = 0.5·2/150 + 0·3/150 = 1/150, A_2 = 0.5·3/150 = 0.01.
        let scores = run(&toy_model(AccessMethod::Enhanced, Some(linear)), &toy()).expect("scores");
        let access = scores.cell("access").expect("access");
        for (got, want) in access.iter().zip([1.0 / 150.0, 1.0 / 150.0, 0.01]) {
            close(*got, want);
        }
        assert_eq!(scores.site("catchment_demand"), Some(&[150.0, 150.0][..]));
        // Gravity: A_0 = 2·0.5 = 1, A_1 = 2·0.5 + 3·0 = 1, A_2 = 3·0.5 = 1.5; no site columns.
        let scores = run(&toy_model(AccessMethod::Gravity, Some(linear)), &toy()).expect("scores");
        assert_eq!(scores.cell("access"), Some(&[1.0, 1.0, 1.5][..]));
        assert!(scores.site("ratio").is_none());
        // Own branches only: s1 is not counted, c2 reaches nothing and has access 0 (pysal/access: NaN).
        let own_only = Access {
            site_kinds: vec![SiteKind::Own],
            ..toy_model(AccessMethod::Gravity, Some(linear))
        };
        let scores = run(&own_only, &toy()).expect("scores");
        assert_eq!(scores.cell("access"), Some(&[1.0, 1.0, 0.0][..]));
        close(
            scores.figure("share_population_without_access").expect("share"),
            0.5,
        );
    }

    #[test]
    fn fast_weights_are_the_decay_weights() {
        struct Sample;
        impl WithWeight for Sample {
            type Output = Vec<f64>;
            fn run(self, weight: impl Fn(f64) -> f64 + Sync + Copy) -> Vec<f64> {
                (0..=3000).map(|k| weight(f64::from(k) * 0.7)).collect()
            }
        }
        let decays = [
            Decay::Step { radius: 1000.0 },
            Decay::Linear {
                radius: 1500.0,
                full_radius: 300.0,
            },
            Decay::Power {
                beta: 2.0,
                min_distance: 50.0,
                cutoff: Some(1800.0),
            },
            Decay::Power {
                beta: 1.3,
                min_distance: 80.0,
                cutoff: None,
            },
            Decay::Power {
                beta: 1.5,
                min_distance: 80.0,
                cutoff: Some(2000.0),
            },
            Decay::Power {
                beta: 3.0,
                min_distance: 80.0,
                cutoff: None,
            },
            Decay::ExponentialRate {
                beta: 0.003,
                cutoff: Some(1200.0),
            },
            Decay::Exponential {
                scale: 400.0,
                cutoff: None,
            },
            Decay::Gaussian {
                bandwidth: 500.0,
                cutoff: Some(2000.0),
            },
        ];
        for decay in decays {
            let fast = with_weight(&decay, Sample);
            for (k, w) in fast.iter().enumerate() {
                let d = k as f64 * 0.7;
                let want = decay.weight(d);
                assert!(
                    (w - want).abs() <= 1e-14 * want,
                    "{decay:?} at {d}: {w} != {want}"
                );
                assert_eq!(*w == 0.0, want == 0.0, "{decay:?} at {d}");
            }
        }
    }

    #[test]
    fn gini_matches_the_pairwise_definition() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for n in [1, 2, 7, 300] {
            // Values with ties (rounded) and zero weights, as real grids have.
            let x: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(0..20)) * 0.5).collect();
            let w: Vec<f64> = (0..n)
                .map(|_| {
                    if rng.random_bool(0.2) {
                        0.0
                    } else {
                        rng.random_range(0.1..50.0)
                    }
                })
                .collect();
            let total_w: f64 = w.iter().sum();
            let mean = x.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() / total_w;
            let mut pairs = 0.0;
            for i in 0..n {
                for k in 0..n {
                    pairs += w[i] * w[k] * (x[i] - x[k]).abs();
                }
            }
            let expected = pairs / (2.0 * total_w * total_w * mean);
            let got = gini(&x, &w);
            assert!((got - expected).abs() < 1e-12, "n {n}: {got} != {expected}");
        }
        // Everyone equal: 0; one cell of four holds everything: 3/4 (with n² normalisation).
        assert_eq!(gini(&[2.0, 2.0, 2.0], &[1.0, 5.0, 2.0]), 0.0);
        close(gini(&[0.0, 0.0, 0.0, 8.0], &[1.0; 4]), 0.75);
        assert!(gini(&[0.0, 0.0], &[1.0, 1.0]).is_nan());
    }

    #[test]
    fn parameters_and_inputs_are_checked_with_names() {
        let err = run(
            &toy_model(AccessMethod::TwoStep, Some(Decay::Step { radius: 1.0 })),
            &toy(),
        );
        assert!(matches!(err, Err(ScoreError::BadParameter { ref parameter, .. }) if parameter == "decay"));
        let err = run(&toy_model(AccessMethod::Enhanced, None), &toy());
        assert!(matches!(err, Err(ScoreError::BadParameter { ref parameter, .. }) if parameter == "decay"));
        let bad_decay = Decay::Gaussian {
            bandwidth: -1.0,
            cutoff: None,
        };
        let err = run(&toy_model(AccessMethod::Enhanced, Some(bad_decay)), &toy());
        assert!(
            matches!(err, Err(ScoreError::BadParameter { ref parameter, .. }) if parameter == "decay.bandwidth")
        );
        let model = Access {
            catchment: f64::NAN,
            ..toy_model(AccessMethod::TwoStep, None)
        };
        assert!(matches!(
            run(&model, &toy()),
            Err(ScoreError::BadParameter { .. })
        ));
        // A counted site without the supply column's value is named.
        let mut scenario = toy();
        scenario.sites.all_mut()[1].counters = None;
        let err = run(&toy_model(AccessMethod::TwoStep, None), &scenario).expect_err("no counters");
        assert!(err.to_string().contains("site `s1`"), "{err}");
        // A negative demand is named with its row; a missing group column is named.
        let mut scenario = toy();
        scenario.cells = {
            let mut cells = Cells::new(vec![0.0, 1000.0, 2500.0], vec![0.0; 3]).expect("same length");
            cells
                .add_column("population", vec![100.0, -1.0, 300.0])
                .expect("fits");
            cells
        };
        let err = run(&toy_model(AccessMethod::TwoStep, None), &scenario).expect_err("negative");
        assert!(err.to_string().contains("row 1"), "{err}");
        let model = Access {
            groups: Some(vec!["disabled".into()]),
            ..toy_model(AccessMethod::TwoStep, None)
        };
        assert!(matches!(
            run(&model, &toy()),
            Err(ScoreError::MissingColumn { ref column, .. }) if column == "disabled"
        ));
        // Groups not configured and no `elderly` column: no group figure, no error.
        let mut scenario = toy();
        scenario.cells = {
            let mut cells = Cells::new(vec![0.0, 1000.0, 2500.0], vec![0.0; 3]).expect("same length");
            cells
                .add_column("population", vec![100.0, 200.0, 300.0])
                .expect("fits");
            cells
        };
        let scores = run(&toy_model(AccessMethod::TwoStep, None), &scenario).expect("scores");
        assert_eq!(scores.figures.len(), 3, "{:?}", scores.figures);
    }

    /// pysal/access 1.1.10 on 200 seeded points and 15 sites (`data/reference/access/`, generated by its
    /// `generate.py`): every measure equal to 1e-9 relative, NaN in pysal/access where branchnet gives 0.
    #[test]
    fn matches_pysal_access_on_the_reference_case() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/access");
        let cells = read_csv(&format!("{dir}/cells.csv"));
        let sites = read_csv(&format!("{dir}/sites.csv"));
        let costs = read_csv(&format!("{dir}/costs.csv"));
        let results = read_csv(&format!("{dir}/results.csv"));
        let number = |rows: &[Vec<String>], k: usize| -> Vec<f64> {
            rows.iter().map(|r| r[k].parse().expect("a number")).collect()
        };
        let points = |rows: &[Vec<String>]| -> Vec<[f64; 2]> {
            number(rows, 1)
                .into_iter()
                .zip(number(rows, 2))
                .map(|(x, y)| [x, y])
                .collect()
        };
        let demand = number(&cells, 3);
        let supply = number(&sites, 3);
        let cost = Euclidean::new(points(&cells), points(&sites));
        // The same input: pysal's cost matrix is the Euclidean cost branchnet computes (row-major).
        let all = cost.within(f64::INFINITY, None);
        assert_eq!(all.n_pairs(), costs.len());
        for ((_, _, d), row) in all.triples().zip(&costs) {
            let given: f64 = row[2].parse().expect("a cost");
            assert!((d - given).abs() <= 1e-12 * given, "{d} != {given}");
        }
        let step_2000 = Decay::Step { radius: 2000.0 };
        let gaussian = Decay::Gaussian {
            bandwidth: 800.0,
            cutoff: None,
        };
        let power = Decay::Power {
            beta: 1.5,
            min_distance: 100.0,
            cutoff: None,
        };
        let within_2000 = cost.within(2000.0, None);
        let within_3000 = cost.within(3000.0, None);
        let ours: Vec<(&str, &Neighbours, Vec<f64>)> = vec![
            (
                "2sfca",
                &within_2000,
                two_step_fca(&within_2000, &demand, &supply, &step_2000).access,
            ),
            (
                "e2sfca_gaussian",
                &within_2000,
                two_step_fca(&within_2000, &demand, &supply, &gaussian).access,
            ),
            (
                "e2sfca_power",
                &within_3000,
                two_step_fca(&within_3000, &demand, &supply, &power).access,
            ),
            (
                "gravity_power",
                &within_3000,
                gravity_access(&within_3000, &supply, &power),
            ),
            (
                "gravity_step",
                &within_2000,
                gravity_access(&within_2000, &supply, &step_2000),
            ),
        ];
        let header = &results[0];
        let mut compared = 0;
        for (name, pairs, values) in ours {
            let k = header.iter().position(|h| h == name).expect("a result column");
            for (i, row) in results[1..].iter().enumerate() {
                let theirs: f64 = row[k].parse().expect("a number or NaN");
                if theirs.is_nan() {
                    // pysal/access: NaN for a point that reaches no site; branchnet: 0.
                    assert!(
                        pairs.sites_of(i).is_empty(),
                        "{name} row {i}: NaN with sites in reach"
                    );
                    assert_eq!(values[i], 0.0, "{name} row {i}");
                } else {
                    let rel = (values[i] - theirs).abs() / theirs.abs();
                    assert!(rel <= 1e-9, "{name} row {i}: {} != {theirs}", values[i]);
                    compared += 1;
                }
            }
        }
        assert!(compared > 700, "only {compared} values compared");
    }

    /// 2SFCA, E2SFCA and gravity on 1,000,000 cells × 2,000 sites with a 5 km and a 10 km catchment.
    /// `cargo test --release -p branchnet-score --lib access_at_scale -- --ignored --nocapture`
    #[test]
    #[ignore = "scale run: reports timings"]
    #[allow(clippy::print_stderr)]
    fn access_at_scale() {
        use rand::{Rng, SeedableRng};
        use std::time::Instant;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let (n, m) = (1_000_000, 2000);
        let cells: Vec<[f64; 2]> = (0..n)
            .map(|_| [rng.random_range(0.0..100_000.0), rng.random_range(0.0..100_000.0)])
            .collect();
        let sites: Vec<[f64; 2]> = (0..m)
            .map(|_| {
                let r = 40_000.0 * rng.random::<f64>().powf(1.5);
                let t = rng.random_range(0.0..std::f64::consts::TAU);
                [50_000.0 + r * t.cos(), 50_000.0 + r * t.sin()]
            })
            .collect();
        let demand: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..200.0)).collect();
        let supply: Vec<f64> = (0..m).map(|_| f64::from(rng.random_range(1..=8))).collect();
        let cost = Euclidean::new(cells, sites);
        for catchment in [5000.0, 10_000.0] {
            let t = Instant::now();
            let pairs = cost.within(catchment, None);
            let t_pairs = t.elapsed().as_secs_f64();
            let gaussian = Decay::Gaussian {
                bandwidth: catchment / 2.0,
                cutoff: None,
            };
            let t = Instant::now();
            let step = two_step_fca(&pairs, &demand, &supply, &Decay::Step { radius: catchment });
            let t_step = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let enhanced = two_step_fca(&pairs, &demand, &supply, &gaussian);
            let t_enhanced = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let gravity = gravity_access(&pairs, &supply, &gaussian);
            let t_gravity = t.elapsed().as_secs_f64();
            eprintln!(
                "catchment {catchment} m: {} pairs; within {t_pairs:.2} s; 2SFCA {t_step:.2} s; E2SFCA (Gaussian) \
                 {t_enhanced:.2} s; gravity {t_gravity:.2} s; mean access {:.3e} {:.3e} {:.3e}",
                pairs.n_pairs(),
                weighted_mean(&step.access, &demand),
                weighted_mean(&enhanced.access, &demand),
                weighted_mean(&gravity, &demand),
            );
        }
    }

    /// Rows of a small comma-separated file without quoting; `results.csv` keeps its header row, the others
    /// drop it.
    fn read_csv(path: &str) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let rows = text.lines().map(|l| l.split(',').map(String::from).collect());
        if path.ends_with("results.csv") {
            rows.collect()
        } else {
            rows.skip(1).collect()
        }
    }

    #[test]
    fn config_is_kebab_case_with_defaults_and_refuses_unknown_keys() {
        let model: Access = toml::from_str("").expect("all defaults");
        assert_eq!(model, Access::default());
        assert_eq!(model.name(), "access");
        let model: Access = toml::from_str(
            r#"
            name = "access_any_bank"
            method = "e2sfca"
            supply = "counters"
            site-kinds = ["own", "competitor"]
            catchment = 5000.0
            decay = { kind = "power", beta = 1.5, min-distance = 100.0 }
            groups = []
            beyond-km = 1.5
            "#,
        )
        .expect("valid");
        assert_eq!(model.method, AccessMethod::Enhanced);
        assert_eq!(model.site_kinds, vec![SiteKind::Own, SiteKind::Competitor]);
        assert_eq!(model.name(), "access_any_bank");
        assert!(toml::from_str::<Access>("catchment-m = 5.0").is_err());
        assert!(toml::from_str::<Access>("method = \"3sfca\"").is_err());
    }
}
