//! Demand potential: how much branch demand each cell holds today, in a few years, and how much of that
//! future demand still needs a counter once customers have moved to machines and mobile banking.
//!
//! The potential is a weighted combination of grid columns (population, elderly, transactions, …), each first
//! normalised so that columns in different units can be mixed:
//!
//! ```text
//! index_i  = Σ_k w_k · n_k(v_ik) / Σ_k w_k                    (a weighted mean of normalised terms)
//! now_i    = s · index_i                                      (s: see `scale`)
//! future_i = s · Σ_k w_k · n_k(v_ik · (1 + g_ik)^N) / Σ_k w_k  (N = horizon-years, g = annual growth rate)
//! counter_i = future_i · ((1 − e_i) · c + e_i · c_elderly)     (e = elderly share of the cell's population)
//! ```
//!
//! The normalisation constants `n_k` and the scale `s` are taken from today's values and applied unchanged to
//! the projection, so the projection keeps the growth (normalising the future by its own total would cancel
//! it). With the defaults (`normalise = "share"`, `scale = "population"`) a weight reads as "this share of
//! branch demand is distributed like that column", and the potential is in people-equivalents: it sums to the
//! population of the scenario, so radii, thresholds per km² and queue rates elsewhere keep their meaning.
//!
//! Output columns (the runner prefixes the model's name, `potential.` by default):
//! - cells: `now`, `future`, `counter` (people-equivalents with the default scale);
//! - regions: `now`, `future`, `counter` (sums over the region's cells), `change` (`future / now − 1`);
//! - figures: `total_now`, `total_future`, `total_counter`, `change`.
//!
//! ```
//! use branchnet_score::potential::Potential;
//! let model: Potential = toml::from_str(r#"
//!     horizon-years = 5
//!     counter-share = 0.2
//!     elderly-column = "elderly"
//!     terms = [
//!         { column = "population", weight = 0.6 },
//!         { column = "transactions", weight = 0.3 },
//!         { column = "elderly", weight = 0.1 },
//!     ]
//! "#).unwrap();
//! assert_eq!(model.name, "potential");
//! assert_eq!(model.terms.len(), 3);
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tracing::{instrument, warn};

use crate::{Column, Figure, ScoreContext, ScoreError, Scores, ScoringModel};
use branchnet_core::Scenario;

/// How a term's column is scaled before it is weighted. The constants come from today's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalise {
    /// The raw values (for columns already in one unit).
    None,
    /// Value divided by the column's total: every term sums to 1 over the grid (the default).
    #[default]
    Share,
    /// Value divided by the column's largest value: 0 to 1.
    Max,
    /// `(value − min) / (max − min)`: 0 to 1; the only normalisation that accepts negative values (e.g. a
    /// signed growth rate used as an index). A projected value below today's minimum counts as 0.
    MinMax,
}

/// What the weighted index is scaled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Scaled so that today's potential sums to the total of `population-column`: people-equivalents
    /// (the default).
    #[default]
    Population,
    /// The weighted mean of the normalised terms as it is (unitless).
    Index,
}

/// One grid column in the potential.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Term {
    /// Cell column: a grid column (`population`, `transactions`) or an earlier model's output. Required.
    pub column: String,
    /// Weight, ≥ 0 (default 1). Weights are relative: they are divided by their sum.
    #[serde(default = "one")]
    pub weight: f64,
    /// Normalisation of this term (default: the model's `normalise`).
    #[serde(default)]
    pub normalise: Option<Normalise>,
    /// Annual growth-rate column of this term (default: the model's `growth-column`).
    #[serde(default)]
    pub growth_column: Option<String>,
    /// Whether the term grows in the projection (default true); `false` holds it at today's value.
    #[serde(default = "yes")]
    pub project: bool,
}

impl Term {
    /// A term with weight `weight` and the model's defaults for everything else.
    pub fn new(column: impl Into<String>, weight: f64) -> Self {
        Self {
            column: column.into(),
            weight,
            normalise: None,
            growth_column: None,
            project: true,
        }
    }
}

/// The demand-potential model: its configuration (`[[scores]] model = "potential"`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Potential {
    /// Name of the model and prefix of its columns (default `potential`).
    #[serde(default = "default_name")]
    pub name: String,
    /// The weighted columns (default: `population` with weight 1, so the potential is the population).
    #[serde(default = "default_terms")]
    pub terms: Vec<Term>,
    /// Normalisation of terms that do not set their own (default `share`).
    #[serde(default)]
    pub normalise: Normalise,
    /// What the index is scaled to (default `population`: people-equivalents).
    #[serde(default)]
    pub scale: Scale,
    /// Population column (default `population`): the total of `scale = "population"` and the denominator of
    /// the elderly share.
    #[serde(default = "default_population")]
    pub population_column: String,
    /// Years to project ahead, ≥ 0 (default 5: one planning cycle). 0 skips the projection and the growth
    /// columns are not read.
    #[serde(default = "default_horizon")]
    pub horizon_years: f64,
    /// Annual growth-rate column, as a fraction (0.05 = 5 % a year; ≥ −1), for terms that do not name their
    /// own (default `growth`).
    #[serde(default = "default_growth")]
    pub growth_column: String,
    /// Share of the projected demand that still needs a counter after digital migration, 0–1 (default 0.2:
    /// banks report 80–95 % of non-cash transactions moving to machines and mobile; 0.2 is the cautious end).
    #[serde(default = "default_counter_share")]
    pub counter_share: f64,
    /// Elderly column (default none). When set, the elderly part of a cell's demand needs a counter at
    /// `elderly-counter-share` instead of `counter-share`, in proportion to `elderly / population`.
    #[serde(default)]
    pub elderly_column: Option<String>,
    /// Share of the elderly's projected demand that still needs a counter, 0–1 (default 0.5: older customers
    /// migrate to digital channels far less).
    #[serde(default = "default_elderly_counter_share")]
    pub elderly_counter_share: f64,
}

fn one() -> f64 {
    1.0
}
fn yes() -> bool {
    true
}
fn default_name() -> String {
    "potential".into()
}
fn default_terms() -> Vec<Term> {
    vec![Term::new("population", 1.0)]
}
fn default_population() -> String {
    "population".into()
}
fn default_horizon() -> f64 {
    5.0
}
fn default_growth() -> String {
    "growth".into()
}
fn default_counter_share() -> f64 {
    0.2
}
fn default_elderly_counter_share() -> f64 {
    0.5
}

impl Default for Potential {
    fn default() -> Self {
        Self {
            name: default_name(),
            terms: default_terms(),
            normalise: Normalise::default(),
            scale: Scale::default(),
            population_column: default_population(),
            horizon_years: default_horizon(),
            growth_column: default_growth(),
            counter_share: default_counter_share(),
            elderly_column: None,
            elderly_counter_share: default_elderly_counter_share(),
        }
    }
}

/// Demand potential per cell, in the unit of [`Potential::scale`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DemandPotential {
    /// Today's potential.
    pub now: Vec<f64>,
    /// The potential `horizon-years` ahead.
    pub future: Vec<f64>,
    /// The part of `future` that still needs a counter.
    pub counter: Vec<f64>,
}

/// How one term maps a value: `(v − offset) / divisor`; a zero divisor (an all-zero column) maps to 0.
#[derive(Debug, Clone, Copy)]
struct Affine {
    offset: f64,
    divisor: f64,
}

impl Affine {
    fn of(kind: Normalise, values: &[f64]) -> Self {
        let (min, max, total) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY, 0.0), |(lo, hi, t), &v| {
                (lo.min(v), hi.max(v), t + v)
            });
        match kind {
            Normalise::None => Self {
                offset: 0.0,
                divisor: 1.0,
            },
            Normalise::Share => Self {
                offset: 0.0,
                divisor: total,
            },
            Normalise::Max => Self {
                offset: 0.0,
                divisor: max,
            },
            Normalise::MinMax => Self {
                offset: min,
                divisor: max - min,
            },
        }
    }

    #[inline]
    fn apply(&self, v: f64) -> f64 {
        if self.divisor > 0.0 {
            ((v - self.offset) / self.divisor).max(0.0)
        } else {
            0.0
        }
    }
}

impl Potential {
    fn bad(&self, parameter: &str, message: String) -> ScoreError {
        ScoreError::BadParameter {
            model: self.name.clone(),
            parameter: parameter.into(),
            message,
        }
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] naming the first parameter out of its domain.
    pub fn check(&self) -> Result<(), ScoreError> {
        if self.terms.is_empty() {
            return Err(self.bad("terms", "must list at least one column".into()));
        }
        for (k, t) in self.terms.iter().enumerate() {
            if !(t.weight.is_finite() && t.weight >= 0.0) {
                return Err(self.bad(
                    &format!("terms[{k}].weight"),
                    format!("must be finite and ≥ 0, found {}", t.weight),
                ));
            }
        }
        if self.terms.iter().map(|t| t.weight).sum::<f64>() <= 0.0 {
            return Err(self.bad("terms", "need a weight > 0 on at least one term".into()));
        }
        if !(self.horizon_years.is_finite() && self.horizon_years >= 0.0) {
            return Err(self.bad(
                "horizon-years",
                format!("must be finite and ≥ 0, found {}", self.horizon_years),
            ));
        }
        for (parameter, share) in [
            ("counter-share", self.counter_share),
            ("elderly-counter-share", self.elderly_counter_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(self.bad(parameter, format!("must be in [0, 1], found {share}")));
            }
        }
        Ok(())
    }

    /// Computes the potential of every cell.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] from [`check`](Self::check); [`ScoreError::MissingColumn`] for a column
    /// that is not there; [`ScoreError::BadInput`] for NaN values, negative values in a term that is not
    /// `min-max`, growth rates below −1, or (with `scale = "population"`) an index that is zero everywhere.
    pub fn compute(&self, ctx: &ScoreContext<'_>) -> Result<DemandPotential, ScoreError> {
        self.check()?;
        let n = ctx.scenario.cells.len();
        let weight_sum: f64 = self.terms.iter().map(|t| t.weight).sum();
        let mut index_now = vec![0.0; n];
        let mut index_future = vec![0.0; n];
        let mut factors: HashMap<String, Vec<f64>> = HashMap::new();
        for term in &self.terms {
            let values = ctx.cell_column(&self.name, &term.column)?;
            let kind = term.normalise.unwrap_or(self.normalise);
            if kind == Normalise::MinMax {
                check_finite(&self.name, &term.column, values)?;
            } else {
                check_demand(&self.name, &term.column, values)?;
            }
            let affine = Affine::of(kind, values);
            if affine.divisor <= 0.0 {
                warn!(model = %self.name, column = %term.column, "term is constant or zero everywhere; it adds nothing");
            }
            let w = term.weight / weight_sum;
            // Terms usually share one growth column: raise it to the horizon once.
            let growth = match self.growth_column_of(term) {
                None => None,
                Some(column) => {
                    if !factors.contains_key(column) {
                        factors.insert(column.to_owned(), self.growth_factors(ctx, column)?);
                    }
                    factors.get(column)
                }
            };
            for i in 0..n {
                index_now[i] += w * affine.apply(values[i]);
                let grown = growth.map_or(values[i], |f| values[i] * f[i]);
                index_future[i] += w * affine.apply(grown);
            }
        }
        let scale = self.scale_factor(ctx, &index_now)?;
        let now: Vec<f64> = index_now.iter().map(|v| v * scale).collect();
        let future: Vec<f64> = index_future.iter().map(|v| v * scale).collect();
        let counter_share = self.counter_shares(ctx)?;
        let counter = future.iter().zip(&counter_share).map(|(f, s)| f * s).collect();
        Ok(DemandPotential { now, future, counter })
    }

    /// The growth-rate column a term is projected with; `None` when it does not grow (no projection, or
    /// `project = false`).
    fn growth_column_of<'t>(&'t self, term: &'t Term) -> Option<&'t str> {
        (self.horizon_years != 0.0 && term.project)
            .then(|| term.growth_column.as_deref().unwrap_or(&self.growth_column))
    }

    /// `(1 + g)^horizon` per cell for the growth-rate column `column`.
    fn growth_factors(&self, ctx: &ScoreContext<'_>, column: &str) -> Result<Vec<f64>, ScoreError> {
        let rates = ctx.cell_column(&self.name, column)?;
        if let Some((i, &g)) = rates
            .iter()
            .enumerate()
            .find(|(_, g)| !g.is_finite() || **g < -1.0)
        {
            return Err(ScoreError::BadInput {
                model: self.name.clone(),
                message: format!(
                    "growth column `{column}`, cell {i}: {g} is not an annual rate ≥ −1 (0.05 = 5 % a year)"
                ),
            });
        }
        Ok(rates.iter().map(|g| (1.0 + g).powf(self.horizon_years)).collect())
    }

    fn scale_factor(&self, ctx: &ScoreContext<'_>, index_now: &[f64]) -> Result<f64, ScoreError> {
        match self.scale {
            Scale::Index => Ok(1.0),
            Scale::Population => {
                let population = ctx.cell_column(&self.name, &self.population_column)?;
                check_demand(&self.name, &self.population_column, population)?;
                let index_total: f64 = index_now.iter().sum();
                if index_total > 0.0 {
                    Ok(population.iter().sum::<f64>() / index_total)
                } else {
                    Err(ScoreError::BadInput {
                        model: self.name.clone(),
                        message:
                            "the weighted terms are zero in every cell: nothing to scale to the population"
                                .into(),
                    })
                }
            }
        }
    }

    /// Per cell, the share of projected demand that still needs a counter.
    fn counter_shares(&self, ctx: &ScoreContext<'_>) -> Result<Vec<f64>, ScoreError> {
        let n = ctx.scenario.cells.len();
        let Some(elderly_column) = &self.elderly_column else {
            return Ok(vec![self.counter_share; n]);
        };
        let elderly = ctx.cell_column(&self.name, elderly_column)?;
        check_demand(&self.name, elderly_column, elderly)?;
        let population = ctx.cell_column(&self.name, &self.population_column)?;
        check_demand(&self.name, &self.population_column, population)?;
        Ok(elderly
            .iter()
            .zip(population)
            .map(|(&e, &p)| {
                // More elderly than residents is an input inconsistency; cap the share rather than exceed 1.
                let share = if p > 0.0 { (e / p).min(1.0) } else { 0.0 };
                (1.0 - share) * self.counter_share + share * self.elderly_counter_share
            })
            .collect())
    }
}

impl ScoringModel for Potential {
    fn name(&self) -> &str {
        &self.name
    }

    #[instrument(skip_all, fields(model = %self.name, cells = ctx.scenario.cells.len()))]
    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        let p = self.compute(ctx)?;
        let scenario = ctx.scenario;
        let region_now = region_totals(scenario, &p.now);
        let region_future = region_totals(scenario, &p.future);
        let change: Vec<f64> = region_now
            .iter()
            .zip(&region_future)
            .map(|(n, f)| if *n > 0.0 { f / n - 1.0 } else { f64::NAN })
            .collect();
        let total_now: f64 = p.now.iter().sum();
        let total_future: f64 = p.future.iter().sum();
        let total_counter: f64 = p.counter.iter().sum();
        let figures = vec![
            figure("total_now", total_now),
            figure("total_future", total_future),
            figure("total_counter", total_counter),
            figure(
                "change",
                if total_now > 0.0 {
                    total_future / total_now - 1.0
                } else {
                    f64::NAN
                },
            ),
        ];
        Ok(Scores {
            regions: vec![
                Column::new("now", region_now),
                Column::new("future", region_future),
                Column::new("counter", region_totals(scenario, &p.counter)),
                Column::new("change", change),
            ],
            cells: vec![
                Column::new("now", p.now),
                Column::new("future", p.future),
                Column::new("counter", p.counter),
            ],
            sites: Vec::new(),
            figures,
        })
    }
}

pub(crate) fn figure(name: &str, value: f64) -> Figure {
    Figure {
        name: name.into(),
        value,
    }
}

/// Sum of a cell column over each region (every level, in `scenario.regions.all()` order); cells in no
/// region of a level count for none of its regions.
pub fn region_totals(scenario: &Scenario, values: &[f64]) -> Vec<f64> {
    let mut totals = vec![0.0; scenario.regions.len()];
    for level in 0..scenario.cells.region_levels() {
        let Some(regions) = scenario.cells.regions(level) else {
            continue;
        };
        for (&r, &v) in regions.iter().zip(values) {
            if let Some(t) = totals.get_mut(r as usize) {
                *t += v;
            }
        }
    }
    totals
}

/// Demand must be a finite amount ≥ 0 in every cell.
///
/// # Errors
/// [`ScoreError::BadInput`] naming the column and the first bad cell.
pub(crate) fn check_demand(model: &str, column: &str, values: &[f64]) -> Result<(), ScoreError> {
    match values
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        None => Ok(()),
        Some((i, v)) => Err(ScoreError::BadInput {
            model: model.into(),
            message: format!("column `{column}`, cell {i}: {v} is not a finite amount ≥ 0"),
        }),
    }
}

fn check_finite(model: &str, column: &str, values: &[f64]) -> Result<(), ScoreError> {
    match values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((i, v)) => Err(ScoreError::BadInput {
            model: model.into(),
            message: format!("column `{column}`, cell {i}: {v} is not a finite number"),
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use branchnet_core::{Cells, FrameDef, Region, RegionLevel, Regions, Sites};
    use branchnet_spatial::travel::Euclidean;

    /// A scenario of cells at `xy` with the named columns, no sites, no regions.
    pub(crate) fn scenario(xy: &[[f64; 2]], columns: &[(&str, Vec<f64>)]) -> Scenario {
        let mut cells = Cells::new(
            xy.iter().map(|p| p[0]).collect(),
            xy.iter().map(|p| p[1]).collect(),
        )
        .expect("same length");
        for (name, values) in columns {
            cells
                .add_column(*name, values.clone())
                .expect("one value per cell");
        }
        Scenario {
            name: "toy".into(),
            currency: "CNY".into(),
            frame: FrameDef {
                central_meridian_deg: 0.0,
                origin_lat_deg: 0.0,
            },
            cells,
            sites: Sites::default(),
            regions: Regions::default(),
        }
    }

    fn run(model: &Potential, scenario: &Scenario) -> Result<Scores, ScoreError> {
        let travel = Euclidean::new(
            scenario
                .cells
                .x()
                .iter()
                .zip(scenario.cells.y())
                .map(|(&x, &y)| [x, y])
                .collect(),
            Vec::new(),
        );
        let computed = Scores::default();
        let ctx = ScoreContext {
            scenario,
            travel: &travel,
            computed: &computed,
        };
        model.score(&ctx)
    }

    fn three_cells() -> Scenario {
        scenario(
            &[[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]],
            &[
                ("population", vec![100.0, 300.0, 600.0]),
                ("elderly", vec![50.0, 30.0, 0.0]),
                ("transactions", vec![10.0, 0.0, 30.0]),
                ("growth", vec![0.1, 0.0, -0.5]),
            ],
        )
    }

    #[test]
    fn defaults_give_the_population_grown_and_a_fifth_at_the_counter() {
        let s = run(&Potential::default(), &three_cells()).expect("scores");
        assert_eq!(s.cell("now"), Some(&[100.0, 300.0, 600.0][..]));
        let future = s.cell("future").expect("future");
        // 100·1.1⁵ = 161.051, 300·1, 600·0.5⁵ = 18.75
        assert_relative_eq!(future[0], 161.051, max_relative = 1e-12);
        assert_relative_eq!(future[1], 300.0, max_relative = 1e-12);
        assert_relative_eq!(future[2], 18.75, max_relative = 1e-12);
        assert_relative_eq!(
            s.cell("counter").expect("counter")[0],
            0.2 * 161.051,
            max_relative = 1e-12
        );
        assert_relative_eq!(s.figure("total_now").expect("figure"), 1000.0);
        assert_relative_eq!(
            s.figure("change").expect("figure"),
            (161.051 + 300.0 + 18.75) / 1000.0 - 1.0,
            max_relative = 1e-12
        );
    }

    #[test]
    fn weighted_shares_are_people_equivalents_and_growth_survives_normalisation() {
        let model: Potential = toml::from_str(
            r#"
            horizon-years = 2
            elderly-column = "elderly"
            counter-share = 0.1
            elderly-counter-share = 0.6
            terms = [
                { column = "population", weight = 3 },
                { column = "transactions", weight = 1, growth-column = "tx_growth" },
            ]
            "#,
        )
        .expect("parses");
        let mut sc = three_cells();
        sc.cells
            .add_column("tx_growth", vec![0.0, 0.0, 1.0])
            .expect("column");
        let s = run(&model, &sc).expect("scores");
        // Index: 0.75·pop/1000 + 0.25·tx/40; scaled to 1000 people (the index sums to 1).
        let now = s.cell("now").expect("now");
        let expected_now = [
            1000.0 * (0.75 * 0.1 + 0.25 * 0.25),
            1000.0 * (0.75 * 0.3),
            1000.0 * (0.75 * 0.6 + 0.25 * 0.75),
        ];
        for (g, e) in now.iter().zip(expected_now) {
            assert_relative_eq!(*g, e, max_relative = 1e-12);
        }
        // Future: population grows by `growth`, transactions by `tx_growth` (cell 2 quadruples in 2 years);
        // divided by today's totals, not the future's.
        let future = s.cell("future").expect("future");
        let expected_future = [
            1000.0 * (0.75 * 100.0 * 1.21 / 1000.0 + 0.25 * 10.0 / 40.0),
            1000.0 * (0.75 * 0.3),
            1000.0 * (0.75 * 600.0 * 0.25 / 1000.0 + 0.25 * 120.0 / 40.0),
        ];
        for (g, e) in future.iter().zip(expected_future) {
            assert_relative_eq!(*g, e, max_relative = 1e-12);
        }
        // Counter share: cell 0 is half elderly → 0.5·0.1 + 0.5·0.6 = 0.35; cell 1: 0.9·0.1 + 0.1·0.6 = 0.15.
        let counter = s.cell("counter").expect("counter");
        assert_relative_eq!(counter[0], 0.35 * expected_future[0], max_relative = 1e-12);
        assert_relative_eq!(counter[1], 0.15 * expected_future[1], max_relative = 1e-12);
        assert_relative_eq!(counter[2], 0.1 * expected_future[2], max_relative = 1e-12);
    }

    #[test]
    fn max_min_max_and_index_scales() {
        let model = Potential {
            terms: vec![
                Term {
                    normalise: Some(Normalise::Max),
                    ..Term::new("population", 1.0)
                },
                Term {
                    normalise: Some(Normalise::MinMax),
                    project: false,
                    ..Term::new("growth", 1.0)
                },
            ],
            scale: Scale::Index,
            horizon_years: 0.0,
            ..Potential::default()
        };
        let s = run(&model, &three_cells()).expect("scores");
        // pop/600 and (g + 0.5)/0.6, averaged.
        let expected = [
            0.5 * (100.0 / 600.0 + 1.0),
            0.5 * (300.0 / 600.0 + 0.5 / 0.6),
            0.5 * (1.0 + 0.0),
        ];
        for (g, e) in s.cell("now").expect("now").iter().zip(expected) {
            assert_relative_eq!(*g, e, max_relative = 1e-12);
        }
        assert_eq!(s.cell("now"), s.cell("future"));
    }

    #[test]
    fn region_columns_sum_cells_per_region_on_every_level() {
        let mut sc = three_cells();
        let square = geo_types::MultiPolygon::new(vec![]);
        let region = |id: &str, level, parent| Region {
            id: id.into(),
            name: None,
            level,
            parent,
            boundary: square.clone(),
        };
        sc.regions = Regions::new(
            vec![
                RegionLevel {
                    name: "district".into(),
                },
                RegionLevel {
                    name: "township".into(),
                },
            ],
            vec![
                region("D", 0, None),
                region("T1", 1, Some(0)),
                region("T2", 1, Some(0)),
            ],
        );
        sc.cells
            .set_regions(0, vec![0, 0, branchnet_core::NO_REGION])
            .expect("level 0");
        sc.cells
            .set_regions(1, vec![1, 2, branchnet_core::NO_REGION])
            .expect("level 1");
        let s = run(&Potential::default(), &sc).expect("scores");
        assert_eq!(s.region("now"), Some(&[400.0, 100.0, 300.0][..]));
        let change = s.region("change").expect("change");
        assert_relative_eq!(change[1], 0.61051, max_relative = 1e-12);
        assert_relative_eq!(change[2], 0.0);
    }

    #[test]
    fn bad_parameters_and_inputs_are_named() {
        let sc = three_cells();
        let bad = |m: Potential| run(&m, &sc).expect_err("must fail");
        assert!(matches!(
            bad(Potential { terms: vec![Term::new("population", -1.0)], ..Potential::default() }),
            ScoreError::BadParameter { parameter, .. } if parameter == "terms[0].weight"
        ));
        assert!(matches!(
            bad(Potential { counter_share: 1.5, ..Potential::default() }),
            ScoreError::BadParameter { parameter, .. } if parameter == "counter-share"
        ));
        assert!(matches!(
            bad(Potential { terms: vec![Term::new("footfall", 1.0)], ..Potential::default() }),
            ScoreError::MissingColumn { column, .. } if column == "footfall"
        ));
        // Growth used as a share term: negative demand.
        let err = bad(Potential {
            terms: vec![Term::new("growth", 1.0)],
            ..Potential::default()
        });
        assert!(
            matches!(&err, ScoreError::BadInput { message, .. } if message.contains("`growth`, cell 2")),
            "{err}"
        );
        let nan = scenario(
            &[[0.0, 0.0], [1.0, 0.0]],
            &[("population", vec![1.0, f64::NAN]), ("growth", vec![0.0, 0.0])],
        );
        let err = run(&Potential::default(), &nan).expect_err("NaN");
        assert!(
            matches!(&err, ScoreError::BadInput { message, .. } if message.contains("`population`, cell 1")),
            "{err}"
        );
        let no_growth = scenario(&[[0.0, 0.0]], &[("population", vec![1.0])]);
        assert!(matches!(
            run(&Potential::default(), &no_growth),
            Err(ScoreError::MissingColumn { column, .. }) if column == "growth"
        ));
        assert!(
            run(
                &Potential {
                    horizon_years: 0.0,
                    ..Potential::default()
                },
                &no_growth
            )
            .is_ok()
        );
        assert!(
            toml::from_str::<Potential>("radius = 3").is_err(),
            "unknown keys are refused"
        );
    }
}
