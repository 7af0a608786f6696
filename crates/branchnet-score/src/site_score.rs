//! The micro level ("微观定立地"): a multi-criteria score of concrete sites, with the contribution of every
//! factor to every site's score.
//!
//! Each criterion names a factor (a site attribute, a standard field, an earlier model's output, or a factor
//! derived from the map), how its values are put on one scale (min-max, z-score or rank), which way is good
//! (benefit, cost, or closest to an ideal value) and its weight:
//!
//! ```toml
//! [[scores]]
//! model = "site-score"
//! kinds = ["candidate"]          # which sites are scored (default)
//! missing = "error"              # or "exclude": sites lacking a value are left out and counted
//! criteria = [
//!   { factor = "footfall", weight = 3 },
//!   { factor = "rent", weight = 2, direction = "cost" },
//!   { factor = "floor_area_m2", direction = { ideal = 150 }, normalise = "rank" },
//!   { factor = { sum = "population", within = 1000 }, weight = 2, normalise = "z-score" },
//!   { factor = { nearest = "competitor" }, name = "competitor_distance" },
//!   { factor = { count = "own", within-m = 500 }, direction = "cost" },
//! ]
//! ```
//!
//! Without `criteria`, candidates are scored on the people within 1000 (travel-cost units) and the
//! distances to the nearest own branch and competitor ([`SiteScoreModel::default_criteria`]).
//!
//! **Derived factors.**
//! - `{ sum = "<cell column>", within = r }`: the column summed over the cells whose travel cost to the site
//!   is at most `r` (in the travel cost's unit: metres for straight-line or great-circle costs, minutes for a
//!   timed OD table) — people or transactions within reach of the site. Default name `<column>_within_<r>`.
//! - `{ nearest = "<kind>" }`: straight-line distance in metres, in the scenario's metric frame, to the
//!   nearest other site of that kind (own, competitor or candidate). Site-to-site distances do not go through
//!   the travel cost, which runs from cells to sites. Default name `nearest_<kind>_m`.
//! - `{ count = "<kind>", within-m = r }`: how many other sites of that kind lie within `r` metres (straight
//!   line). Default name `<kind>_within_<r>m`.
//!
//! **Scoring.** For the sites scored, each raw value `v` is first turned into a goodness `g` by the
//! direction (benefit: `g = v`; cost: `g = −v`; ideal `x*`: `g = −|v − x*|`), then normalised over the sites
//! scored: min-max `(g − min)/(max − min)` in [0, 1]; z-score `(g − mean)/sd` with the population standard
//! deviation; rank `(r − 1)/(n − 1)` in [0, 1] with `r` the ascending rank of `g`, ties sharing their mean
//! rank. A factor that does not vary puts every site in the middle of its scale (0.5, 0 and 0.5). Weights
//! are relative: each is divided by their sum, so a site's `score` is the sum of its factors' weighted
//! normalised values (the breakdown), and lies in [0, 1] when every criterion uses min-max or rank.
//!
//! **Missing values.** A scored site without a finite value of a factor (an attribute its row lacks, a
//! `nearest` factor with no such site) is, with `missing = "error"` (the default), an error naming the site
//! and the factor; with `missing = "exclude"` the site is left out of the normalisation and gets NaN, and
//! the figures `excluded_sites` and `missing.<factor>` count them.
//!
//! Site columns: `score`; `rank` (1 = best; ties in score broken by scenario order, so ranks are 1..n); per
//! criterion `<factor>` (its weighted normalised contribution) and `raw.<factor>` (its value before
//! normalisation). All are NaN for sites not scored, except that an excluded site keeps the raw values it
//! has, to show what it lacks. Figures: `scored_sites`, `excluded_sites`,
//! `missing.<factor>`, `weight.<factor>` (the normalised weights).

use std::collections::BTreeMap;
use std::fmt;

use branchnet_core::SiteKind;
use branchnet_spatial::SiteIndex;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use tracing::{debug, warn};

use crate::{Column, Figure, ScoreContext, ScoreError, Scores, ScoringModel};

/// Multi-criteria score of sites (candidates by default) with a per-factor breakdown; see the
/// [module documentation](self) for the TOML, the derived factors and the arithmetic.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SiteScoreModel {
    /// Name of the model, the prefix of its outputs. Default `"site-score"`.
    #[serde(default = "SiteScoreModel::default_name")]
    pub name: String,
    /// Which kinds of site are scored. Default `["candidate"]`.
    #[serde(default = "SiteScoreModel::default_kinds")]
    pub kinds: Vec<SiteKind>,
    /// What a missing value does: `"error"` (default) or `"exclude"`.
    #[serde(default)]
    pub missing: MissingValues,
    /// The criteria; at least one. Default (so that a scenario without `[[scores]]` can score its
    /// candidates from the map alone): people within 1000 (`{ sum = "population", within = 1000 }`,
    /// weight 2), distance to the nearest own branch (weight 1: less cannibalisation) and to the nearest
    /// competitor (weight 1), all min-max benefits.
    #[serde(default = "SiteScoreModel::default_criteria")]
    pub criteria: Vec<Criterion>,
}

/// One criterion of a site score.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Criterion {
    /// What is measured.
    pub factor: Factor,
    /// Output column name; default the factor's own name (see [`Factor::default_name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Relative weight, ≥ 0 (divided by the sum of the weights). Default 1.
    #[serde(default = "Criterion::default_weight")]
    pub weight: f64,
    /// How values are put on one scale. Default `"min-max"`.
    #[serde(default)]
    pub normalise: Normalise,
    /// Which way is good. Default `"benefit"`.
    #[serde(default)]
    pub direction: Direction,
}

impl Criterion {
    fn default_weight() -> f64 {
        1.0
    }

    /// A criterion on `factor` with weight 1, min-max, benefit.
    pub fn new(factor: Factor) -> Self {
        Self {
            factor,
            name: None,
            weight: 1.0,
            normalise: Normalise::default(),
            direction: Direction::default(),
        }
    }

    /// The output column name: `name` or the factor's default name.
    pub fn column_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.factor.default_name())
    }
}

/// What a criterion measures at each site.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "FactorSpec")]
pub enum Factor {
    /// A site column: an attribute (`footfall`), a standard field (`rent`, `counters`, …) or an earlier
    /// model's output (`huff.captured`). TOML: the name as a string.
    Column(String),
    /// A cell column summed over the cells within `within` (travel-cost unit) of the site.
    /// TOML: `{ sum = "population", within = 1000 }`.
    CellSum {
        /// The cell column.
        column: String,
        /// The reach, in the travel cost's unit.
        within: f64,
    },
    /// Straight-line metres to the nearest other site of `kind`. TOML: `{ nearest = "competitor" }`.
    Nearest {
        /// The kind of site looked for.
        kind: SiteKind,
    },
    /// Number of other sites of `kind` within `within_m` straight-line metres.
    /// TOML: `{ count = "competitor", within-m = 500 }`.
    CountWithin {
        /// The kind of site counted.
        kind: SiteKind,
        /// The radius, metres.
        within_m: f64,
    },
}

impl Factor {
    /// The factor's name when its criterion gives none: the column name, `<column>_within_<r>`,
    /// `nearest_<kind>_m` or `<kind>_within_<r>m`.
    pub fn default_name(&self) -> String {
        match self {
            Factor::Column(column) => column.clone(),
            Factor::CellSum { column, within } => format!("{column}_within_{within}"),
            Factor::Nearest { kind } => format!("nearest_{kind}_m"),
            Factor::CountWithin { kind, within_m } => format!("{kind}_within_{within_m}m"),
        }
    }
}

/// The TOML spelling of a derived factor: which keys are set decides which factor it is.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct DerivedSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    within: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nearest: Option<SiteKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<SiteKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    within_m: Option<f64>,
}

const DERIVED_SHAPES: &str = "{ sum = \"<cell column>\", within = <reach> }, { nearest = \"<kind>\" } or { count = \"<kind>\", within-m = <metres> }";

impl TryFrom<DerivedSpec> for Factor {
    type Error = String;

    fn try_from(spec: DerivedSpec) -> Result<Self, String> {
        match spec {
            DerivedSpec {
                sum: Some(column),
                within: Some(within),
                nearest: None,
                count: None,
                within_m: None,
            } => Ok(Factor::CellSum { column, within }),
            DerivedSpec {
                sum: None,
                within: None,
                nearest: Some(kind),
                count: None,
                within_m: None,
            } => Ok(Factor::Nearest { kind }),
            DerivedSpec {
                sum: None,
                within: None,
                nearest: None,
                count: Some(kind),
                within_m: Some(within_m),
            } => Ok(Factor::CountWithin { kind, within_m }),
            _ => Err(format!("a derived factor is one of {DERIVED_SHAPES}")),
        }
    }
}

/// A factor as written: a column name or a derived-factor table.
#[derive(Serialize)]
#[serde(untagged)]
enum FactorSpec {
    Column(String),
    Derived(DerivedSpec),
}

impl From<Factor> for FactorSpec {
    fn from(factor: Factor) -> Self {
        let derived = match factor {
            Factor::Column(column) => return FactorSpec::Column(column),
            Factor::CellSum { column, within } => DerivedSpec {
                sum: Some(column),
                within: Some(within),
                ..DerivedSpec::default()
            },
            Factor::Nearest { kind } => DerivedSpec {
                nearest: Some(kind),
                ..DerivedSpec::default()
            },
            Factor::CountWithin { kind, within_m } => DerivedSpec {
                count: Some(kind),
                within_m: Some(within_m),
                ..DerivedSpec::default()
            },
        };
        FactorSpec::Derived(derived)
    }
}

// By hand rather than `#[serde(untagged)]`, so that a mistyped key in a derived factor is reported as such
// instead of "data did not match any variant".
impl<'de> Deserialize<'de> for Factor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FactorVisitor;

        impl<'de> Visitor<'de> for FactorVisitor {
            type Value = Factor;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a site column name or a derived factor, {DERIVED_SHAPES}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Factor, E> {
                Ok(Factor::Column(v.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Factor, A::Error> {
                let spec = DerivedSpec::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Factor::try_from(spec).map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_any(FactorVisitor)
    }
}

/// How a factor's values are put on one scale across the sites scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalise {
    /// `(g − min)/(max − min)`, in [0, 1].
    #[default]
    MinMax,
    /// `(g − mean)/sd` (population standard deviation).
    ZScore,
    /// `(rank − 1)/(n − 1)`, ascending ranks, ties sharing their mean rank; in [0, 1].
    Rank,
}

/// Which values of a factor are good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// More is better.
    #[default]
    Benefit,
    /// Less is better.
    Cost,
    /// Closer to this value is better (TOML `{ ideal = 150 }`).
    Ideal(f64),
}

impl Direction {
    /// The goodness of a raw value: larger is better.
    pub fn goodness(self, value: f64) -> f64 {
        match self {
            Direction::Benefit => value,
            Direction::Cost => -value,
            Direction::Ideal(ideal) => -(value - ideal).abs(),
        }
    }
}

/// What a scored site lacking a factor's value does to the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingValues {
    /// Stop with an error naming the site and the factor.
    #[default]
    Error,
    /// Leave the site out (NaN outputs) and count it in the figures.
    Exclude,
}

/// Puts goodness values on one scale; `values` holds only the sites scored.
pub fn normalise(values: &[f64], how: Normalise) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    match how {
        Normalise::MinMax => {
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let span = max - min;
            if span > 0.0 {
                values.iter().map(|v| (v - min) / span).collect()
            } else {
                vec![0.5; n]
            }
        }
        Normalise::ZScore => {
            let mean = values.iter().sum::<f64>() / n as f64;
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
            let sd = variance.sqrt();
            if sd > 0.0 {
                values.iter().map(|v| (v - mean) / sd).collect()
            } else {
                vec![0.0; n]
            }
        }
        Normalise::Rank => {
            if n == 1 {
                return vec![0.5];
            }
            let ranks = mean_ranks(values);
            ranks.iter().map(|r| (r - 1.0) / (n - 1) as f64).collect()
        }
    }
}

/// Ascending 1-based ranks, tied values sharing the mean of their ranks.
fn mean_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1..=end; their mean is (start + 1 + end)/2.
        let shared = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = shared;
        }
        start = end;
    }
    ranks
}

impl SiteScoreModel {
    fn default_name() -> String {
        "site-score".into()
    }

    fn default_kinds() -> Vec<SiteKind> {
        vec![SiteKind::Candidate]
    }

    /// The criteria a `site-score` table without `criteria` uses (see [`SiteScoreModel::criteria`]).
    pub fn default_criteria() -> Vec<Criterion> {
        let people = Factor::CellSum {
            column: "population".into(),
            within: 1000.0,
        };
        vec![
            Criterion {
                weight: 2.0,
                ..Criterion::new(people)
            },
            Criterion::new(Factor::Nearest { kind: SiteKind::Own }),
            Criterion::new(Factor::Nearest {
                kind: SiteKind::Competitor,
            }),
        ]
    }

    /// A model of the default name and kinds over `criteria`, stopping on missing values.
    pub fn new(criteria: Vec<Criterion>) -> Self {
        Self {
            name: Self::default_name(),
            kinds: Self::default_kinds(),
            missing: MissingValues::Error,
            criteria,
        }
    }

    fn bad_parameter(&self, parameter: impl Into<String>, message: impl Into<String>) -> ScoreError {
        ScoreError::BadParameter {
            model: self.name.clone(),
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// Checks the criteria: at least one, weights finite and ≥ 0 with a positive sum, reaches and ideals
    /// finite, output names unique and not `score` or `rank`.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] naming the criterion (`criteria[i].weight`, …).
    pub fn validate(&self) -> Result<(), ScoreError> {
        if self.criteria.is_empty() {
            return Err(self.bad_parameter("criteria", "must list at least one criterion"));
        }
        if self.kinds.is_empty() {
            return Err(self.bad_parameter("kinds", "must name at least one site kind"));
        }
        let mut names = BTreeMap::new();
        for (i, criterion) in self.criteria.iter().enumerate() {
            self.validate_criterion(i, criterion)?;
            let name = criterion.column_name();
            if name == "score" || name == "rank" || name.starts_with("raw.") {
                return Err(self.bad_parameter(
                    format!("criteria[{i}].name"),
                    format!("`{name}` is taken by the model's own outputs; set another `name`"),
                ));
            }
            if let Some(first) = names.insert(name.clone(), i) {
                return Err(self.bad_parameter(
                    format!("criteria[{i}].name"),
                    format!("`{name}` is also the name of criteria[{first}]; set `name` on one of them"),
                ));
            }
        }
        let total: f64 = self.criteria.iter().map(|c| c.weight).sum();
        if total <= 0.0 {
            return Err(self.bad_parameter("criteria", "the weights must not all be 0"));
        }
        Ok(())
    }

    fn validate_criterion(&self, i: usize, criterion: &Criterion) -> Result<(), ScoreError> {
        let at = |field: &str| format!("criteria[{i}].{field}");
        if !(criterion.weight.is_finite() && criterion.weight >= 0.0) {
            let message = format!("must be a finite number ≥ 0, found {}", criterion.weight);
            return Err(self.bad_parameter(at("weight"), message));
        }
        if let Direction::Ideal(ideal) = criterion.direction
            && !ideal.is_finite()
        {
            return Err(self.bad_parameter(at("direction.ideal"), format!("must be finite, found {ideal}")));
        }
        match criterion.factor {
            Factor::CellSum { within, .. } if !(within.is_finite() && within >= 0.0) => Err(self
                .bad_parameter(
                    at("factor.within"),
                    format!("must be a finite reach ≥ 0, found {within}"),
                )),
            Factor::CountWithin { within_m, .. } if !(within_m.is_finite() && within_m >= 0.0) => Err(self
                .bad_parameter(
                    at("factor.within-m"),
                    format!("must be finite metres ≥ 0, found {within_m}"),
                )),
            _ => Ok(()),
        }
    }

    /// Raw values of one factor per site (NaN for sites not scored or lacking it).
    fn raw_values(
        &self,
        ctx: &ScoreContext<'_>,
        factor: &Factor,
        scored: &[bool],
        reach_cache: &mut ReachCache,
    ) -> Result<Vec<f64>, ScoreError> {
        let mut values = match factor {
            Factor::Column(column) => ctx.site_column(&self.name, column)?,
            Factor::CellSum { column, within } => self.cell_sum(ctx, column, *within, scored, reach_cache)?,
            Factor::Nearest { kind } => {
                if ctx.scenario.sites.count(*kind) == 0 {
                    return Err(ScoreError::BadInput {
                        model: self.name.clone(),
                        message: format!("factor `nearest = \"{kind}\"`: the scenario has no {kind} site"),
                    });
                }
                nearest_other(ctx, *kind, scored)
            }
            Factor::CountWithin { kind, within_m } => count_others_within(ctx, *kind, *within_m, scored),
        };
        for (value, &s) in values.iter_mut().zip(scored) {
            if !s {
                *value = f64::NAN;
            }
        }
        Ok(values)
    }

    /// Σ of a cell column over the cells within `within` of each scored site: the transpose of the
    /// cell → site reach lists.
    fn cell_sum(
        &self,
        ctx: &ScoreContext<'_>,
        column: &str,
        within: f64,
        scored: &[bool],
        reach_cache: &mut ReachCache,
    ) -> Result<Vec<f64>, ScoreError> {
        let cell_values = ctx.cell_column(&self.name, column)?;
        if let Some(i) = cell_values.iter().position(|v| !v.is_finite()) {
            return Err(ScoreError::BadInput {
                model: self.name.clone(),
                message: format!("cell column `{column}` has {} at cell {i}", cell_values[i]),
            });
        }
        check_travel_shape(&self.name, ctx)?;
        let reach = reach_cache
            .entry(within.to_bits())
            .or_insert_with(|| ctx.travel.within(within, Some(scored)));
        let mut sums: Vec<f64> = scored.iter().map(|&s| if s { 0.0 } else { f64::NAN }).collect();
        for (cell, site, _) in reach.triples() {
            sums[site] += cell_values[cell];
        }
        Ok(sums)
    }

    /// Scores the sites; the work of [`ScoringModel::score`].
    fn score_sites(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        self.validate()?;
        let sites = ctx.scenario.sites.all();
        let mut scored: Vec<bool> = sites.iter().map(|s| self.kinds.contains(&s.kind)).collect();
        let mut reach_cache = ReachCache::new();
        let mut raws = Vec::with_capacity(self.criteria.len());
        for criterion in &self.criteria {
            raws.push(self.raw_values(ctx, &criterion.factor, &scored, &mut reach_cache)?);
        }
        let names: Vec<String> = self.criteria.iter().map(Criterion::column_name).collect();
        let missing = self.apply_missing(ctx, &names, &raws, &mut scored)?;
        let included: Vec<usize> = (0..sites.len()).filter(|&j| scored[j]).collect();
        if included.is_empty() {
            warn!(model = %self.name, kinds = ?self.kinds, "no site to score");
        }

        let total_weight: f64 = self.criteria.iter().map(|c| c.weight).sum();
        let mut score = vec![f64::NAN; sites.len()];
        for &j in &included {
            score[j] = 0.0;
        }
        let mut columns = Vec::with_capacity(2 + 2 * self.criteria.len());
        let mut figures = Vec::new();
        for ((criterion, name), raw) in self.criteria.iter().zip(&names).zip(raws) {
            let weight = criterion.weight / total_weight;
            let goodness: Vec<f64> = included
                .iter()
                .map(|&j| criterion.direction.goodness(raw[j]))
                .collect();
            let mut contribution = vec![f64::NAN; sites.len()];
            for (&j, n) in included.iter().zip(normalise(&goodness, criterion.normalise)) {
                contribution[j] = weight * n;
                score[j] += weight * n;
            }
            columns.push(Column::new(name.clone(), contribution));
            columns.push(Column::new(format!("raw.{name}"), raw));
            figures.push(figure(format!("weight.{name}"), weight));
        }
        let rank = ranks_by_score(&score, &included);
        columns.splice(0..0, [Column::new("score", score), Column::new("rank", rank)]);

        figures.push(figure("scored_sites".into(), included.len() as f64));
        figures.push(figure("excluded_sites".into(), missing.excluded as f64));
        for (name, count) in names.iter().zip(&missing.per_factor) {
            figures.push(figure(format!("missing.{name}"), *count as f64));
        }
        debug!(model = %self.name, scored = included.len(), excluded = missing.excluded, "sites scored");
        Ok(Scores {
            sites: columns,
            figures,
            ..Scores::default()
        })
    }

    /// Finds scored sites lacking a value: an error, or they leave `scored` and are counted.
    fn apply_missing(
        &self,
        ctx: &ScoreContext<'_>,
        names: &[String],
        raws: &[Vec<f64>],
        scored: &mut [bool],
    ) -> Result<MissingTally, ScoreError> {
        let sites = ctx.scenario.sites.all();
        let mut tally = MissingTally {
            excluded: 0,
            per_factor: vec![0; names.len()],
        };
        let mut examples = Vec::new();
        for j in 0..sites.len() {
            if !scored[j] {
                continue;
            }
            let lacking: Vec<usize> = (0..names.len()).filter(|&f| !raws[f][j].is_finite()).collect();
            let Some(&first) = lacking.first() else {
                continue;
            };
            if self.missing == MissingValues::Error {
                let total = (0..sites.len())
                    .filter(|&k| scored[k] && raws.iter().any(|r| !r[k].is_finite()))
                    .count();
                return Err(ScoreError::BadInput {
                    model: self.name.clone(),
                    message: format!(
                        "site `{}` ({}) has no value of `{}` ({} site(s) lack a value; \
                         set missing = \"exclude\" to leave them out)",
                        sites[j].id, sites[j].kind, names[first], total
                    ),
                });
            }
            for &f in &lacking {
                tally.per_factor[f] += 1;
            }
            tally.excluded += 1;
            scored[j] = false;
            if examples.len() < 5 {
                examples.push(format!("{} (no {})", sites[j].id, names[first]));
            }
        }
        if tally.excluded > 0 {
            warn!(
                model = %self.name,
                "{} site(s) lack a value and are not scored, e.g. {}",
                tally.excluded,
                examples.join(", ")
            );
        }
        Ok(tally)
    }
}

/// Cell → site reach lists by reach (bit pattern of the f64), so criteria sharing a reach share one query.
type ReachCache = BTreeMap<u64, branchnet_spatial::Neighbours>;

/// Sites left out for lacking values.
struct MissingTally {
    excluded: usize,
    per_factor: Vec<usize>,
}

fn figure(name: String, value: f64) -> Figure {
    Figure { name, value }
}

fn check_travel_shape(model: &str, ctx: &ScoreContext<'_>) -> Result<(), ScoreError> {
    let (cells, sites) = (ctx.scenario.cells.len(), ctx.scenario.sites.len());
    if ctx.travel.n_origins() == cells && ctx.travel.n_destinations() == sites {
        return Ok(());
    }
    Err(ScoreError::BadInput {
        model: model.into(),
        message: format!(
            "the travel cost runs from {} origins to {} destinations, the scenario has {cells} cells and \
             {sites} sites",
            ctx.travel.n_origins(),
            ctx.travel.n_destinations()
        ),
    })
}

/// Ranks 1..n by descending score over `included` (ties by scenario order); NaN elsewhere.
fn ranks_by_score(score: &[f64], included: &[usize]) -> Vec<f64> {
    let mut order = included.to_vec();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    let mut rank = vec![f64::NAN; score.len()];
    for (r, &j) in order.iter().enumerate() {
        rank[j] = (r + 1) as f64;
    }
    rank
}

/// The sites of `kind` (positions and full indexes) in an R-tree.
fn index_of_kind(ctx: &ScoreContext<'_>, kind: SiteKind) -> (SiteIndex, Vec<usize>) {
    let sites = ctx.scenario.sites.all();
    let members: Vec<usize> = (0..sites.len()).filter(|&j| sites[j].kind == kind).collect();
    let points: Vec<[f64; 2]> = members.iter().map(|&j| [sites[j].x, sites[j].y]).collect();
    (SiteIndex::new(&points), members)
}

/// The scored sites (full indexes) and their positions.
fn scored_points(ctx: &ScoreContext<'_>, scored: &[bool]) -> (Vec<usize>, Vec<[f64; 2]>) {
    let sites = ctx.scenario.sites.all();
    let which: Vec<usize> = (0..sites.len()).filter(|&j| scored[j]).collect();
    let points = which.iter().map(|&j| [sites[j].x, sites[j].y]).collect();
    (which, points)
}

/// Straight-line metres from each scored site to the nearest other site of `kind`; NaN when there is none.
fn nearest_other(ctx: &ScoreContext<'_>, kind: SiteKind, scored: &[bool]) -> Vec<f64> {
    let (index, members) = index_of_kind(ctx, kind);
    let (which, points) = scored_points(ctx, scored);
    // Two nearest, so that a site of `kind` itself can be skipped.
    let near = index.k_nearest(&points, 2);
    let mut values = vec![f64::NAN; scored.len()];
    for (row, &j) in which.iter().enumerate() {
        let (found, distances) = near.row(row);
        values[j] = found
            .iter()
            .zip(distances)
            .find(|&(&m, _)| members[m as usize] != j)
            .map_or(f64::NAN, |(_, &d)| d);
    }
    values
}

/// How many other sites of `kind` lie within `within_m` straight-line metres of each scored site.
fn count_others_within(ctx: &ScoreContext<'_>, kind: SiteKind, within_m: f64, scored: &[bool]) -> Vec<f64> {
    let (index, members) = index_of_kind(ctx, kind);
    let (which, points) = scored_points(ctx, scored);
    let near = index.within(&points, within_m);
    let mut values = vec![f64::NAN; scored.len()];
    for (row, &j) in which.iter().enumerate() {
        let others = near
            .sites_of(row)
            .iter()
            .filter(|&&m| members[m as usize] != j)
            .count();
        values[j] = others as f64;
    }
    values
}

impl ScoringModel for SiteScoreModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        self.score_sites(ctx)
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use branchnet_core::{Cells, FrameDef, Regions, Scenario, Site, Sites, SourceRef};
    use branchnet_spatial::travel::Euclidean;

    use super::*;

    /// A candidate at (x, y) with the given attributes.
    fn site(id: &str, kind: SiteKind, x: f64, y: f64, attributes: &[(&str, f64)]) -> Site {
        let mut s = Site::new(id, kind, 0.0, 0.0, SourceRef { layer: 0, row: 1 });
        (s.x, s.y) = (x, y);
        for &(name, value) in attributes {
            if name == "rent" {
                s.rent = Some(value);
            } else {
                s.attributes.insert(name.into(), value);
            }
        }
        s
    }

    /// Three candidates A (0, 0), B (1000, 0), C (0, 2000); a competitor K at (300, 400); an own branch O at
    /// (1000, 300). Footfall 100 / 300 / 200, rent 50 / 80 / 20. Cells: (0, 0) 10 people, (600, 0) 20,
    /// (0, 1900) 5.
    fn toy() -> Scenario {
        let candidate = SiteKind::Candidate;
        let sites = vec![
            site("A", candidate, 0.0, 0.0, &[("footfall", 100.0), ("rent", 50.0)]),
            site(
                "B",
                candidate,
                1000.0,
                0.0,
                &[("footfall", 300.0), ("rent", 80.0)],
            ),
            site("K", SiteKind::Competitor, 300.0, 400.0, &[("footfall", 1.0)]),
            site(
                "C",
                candidate,
                0.0,
                2000.0,
                &[("footfall", 200.0), ("rent", 20.0)],
            ),
            site("O", SiteKind::Own, 1000.0, 300.0, &[]),
        ];
        let mut cells = Cells::new(vec![0.0, 600.0, 0.0], vec![0.0, 0.0, 1900.0]).expect("cells");
        cells
            .add_column("population", vec![10.0, 20.0, 5.0])
            .expect("column");
        Scenario {
            name: "toy".into(),
            currency: "CNY".into(),
            frame: FrameDef {
                central_meridian_deg: 114.3,
                origin_lat_deg: 30.6,
            },
            cells,
            sites: Sites::new(sites),
            regions: Regions::default(),
        }
    }

    fn run(model: &SiteScoreModel, scenario: &Scenario) -> Result<Scores, ScoreError> {
        let cells: Vec<[f64; 2]> = scenario
            .cells
            .x()
            .iter()
            .zip(scenario.cells.y())
            .map(|(&x, &y)| [x, y])
            .collect();
        let sites: Vec<[f64; 2]> = scenario.sites.all().iter().map(|s| [s.x, s.y]).collect();
        let travel = Euclidean::new(cells, sites);
        let computed = Scores::default();
        model.score(&ScoreContext {
            scenario,
            travel: &travel,
            computed: &computed,
        })
    }

    fn criterion(factor: Factor, weight: f64, normalise: Normalise, direction: Direction) -> Criterion {
        Criterion {
            factor,
            name: None,
            weight,
            normalise,
            direction,
        }
    }

    fn column(factor: &str) -> Factor {
        Factor::Column(factor.into())
    }

    /// Scores at sites A, B, C (scenario rows 0, 1, 3).
    fn at_abc(scores: &Scores, name: &str) -> [f64; 3] {
        let values = scores.site(name).expect(name);
        [values[0], values[1], values[3]]
    }

    fn assert_abc(scores: &Scores, name: &str, expected: [f64; 3]) {
        let got = at_abc(scores, name);
        for (g, e) in got.iter().zip(expected) {
            assert_relative_eq!(*g, e, max_relative = 1e-12, epsilon = 1e-12);
        }
        let values = scores.site(name).expect(name);
        assert!(
            values[2].is_nan() && values[4].is_nan(),
            "{name}: sites not scored are NaN"
        );
    }

    #[test]
    fn min_max_benefit_and_cost_by_hand() {
        // Weights 3 and 1 → 0.75 and 0.25.
        // footfall 100, 300, 200 → (v − 100)/200 = 0, 1, 0.5 → × 0.75 = 0, 0.75, 0.375.
        // rent as cost: g = −50, −80, −20 → (g + 80)/60 = 0.5, 0, 1 → × 0.25 = 0.125, 0, 0.25.
        // Scores 0.125, 0.75, 0.625 → ranks 3, 1, 2.
        let model = SiteScoreModel::new(vec![
            criterion(column("footfall"), 3.0, Normalise::MinMax, Direction::Benefit),
            criterion(column("rent"), 1.0, Normalise::MinMax, Direction::Cost),
        ]);
        let scores = run(&model, &toy()).expect("scores");
        assert_abc(&scores, "footfall", [0.0, 0.75, 0.375]);
        assert_abc(&scores, "rent", [0.125, 0.0, 0.25]);
        assert_abc(&scores, "raw.rent", [50.0, 80.0, 20.0]);
        assert_abc(&scores, "score", [0.125, 0.75, 0.625]);
        assert_abc(&scores, "rank", [3.0, 1.0, 2.0]);
        assert_eq!(scores.figure("weight.footfall"), Some(0.75));
        assert_eq!(scores.figure("scored_sites"), Some(3.0));
        assert_eq!(scores.figure("excluded_sites"), Some(0.0));
    }

    #[test]
    fn z_score_benefit_and_rank_cost_by_hand() {
        // Weights 1 and 1 → 0.5 each.
        // footfall: mean 200, population sd √((100² + 100² + 0)/3) = 81.6497 → z = −1.2247, 1.2247, 0.
        // rent as cost, ranked: g = −50, −80, −20 → ranks 2, 1, 3 → (r − 1)/2 = 0.5, 0, 1.
        // Scores 0.5·(−1.2247) + 0.25 = −0.36237, 0.61237, 0.5 → ranks 3, 1, 2.
        let model = SiteScoreModel::new(vec![
            criterion(column("footfall"), 1.0, Normalise::ZScore, Direction::Benefit),
            criterion(column("rent"), 1.0, Normalise::Rank, Direction::Cost),
        ]);
        let scores = run(&model, &toy()).expect("scores");
        let z = 1.5f64.sqrt(); // 100/√(20000/3) = √1.5
        assert_abc(&scores, "footfall", [-0.5 * z, 0.5 * z, 0.0]);
        assert_abc(&scores, "rent", [0.25, 0.0, 0.5]);
        assert_abc(&scores, "score", [0.25 - 0.5 * z, 0.5 * z, 0.5]);
        assert_abc(&scores, "rank", [3.0, 1.0, 2.0]);
        assert_relative_eq!(0.5 * z, 0.612_372_435_695_794_5, max_relative = 1e-12);
    }

    #[test]
    fn ideal_values_with_tied_ranks_by_hand() {
        // footfall ideal 250, ranked: |v − 250| = 150, 50, 50 → g = −150, −50, −50 → ranks 1, 2.5, 2.5 →
        // 0, 0.75, 0.75 → × 0.5 = 0, 0.375, 0.375.
        // rent ideal 40, min-max: |v − 40| = 10, 40, 20 → g = −10, −40, −20 → (g + 40)/30 = 1, 0, 2/3 → × 0.5.
        // Scores 0.5, 0.375, 0.375 + 1/3 = 0.70833 → ranks 2, 3, 1.
        let model = SiteScoreModel::new(vec![
            criterion(column("footfall"), 2.0, Normalise::Rank, Direction::Ideal(250.0)),
            criterion(column("rent"), 2.0, Normalise::MinMax, Direction::Ideal(40.0)),
        ]);
        let scores = run(&model, &toy()).expect("scores");
        assert_abc(&scores, "footfall", [0.0, 0.375, 0.375]);
        assert_abc(&scores, "rent", [0.5, 0.0, 1.0 / 3.0]);
        assert_abc(&scores, "score", [0.5, 0.375, 0.375 + 1.0 / 3.0]);
        assert_abc(&scores, "rank", [2.0, 3.0, 1.0]);
    }

    #[test]
    fn derived_factors_by_hand() {
        let model = SiteScoreModel::new(vec![
            // People within 500 m: A reaches cell (0, 0) [10]; B reaches (600, 0) at 400 m [20];
            // C reaches (0, 1900) at 100 m [5].
            Criterion::new(Factor::CellSum {
                column: "population".into(),
                within: 500.0,
            }),
            // Competitor K at (300, 400): from A 500 m; from B √(700² + 400²) = 806.226; from C
            // √(300² + 1600²) = 1627.882.
            Criterion::new(Factor::Nearest {
                kind: SiteKind::Competitor,
            }),
            // Nearest other candidate: A → B 1000; B → A 1000; C → A 2000.
            Criterion::new(Factor::Nearest {
                kind: SiteKind::Candidate,
            }),
            // Own branches within 400 m: only O (1000, 300), 300 m from B.
            Criterion::new(Factor::CountWithin {
                kind: SiteKind::Own,
                within_m: 400.0,
            }),
            // Other candidates within 1000 m (inclusive): A has B, B has A, C none.
            Criterion::new(Factor::CountWithin {
                kind: SiteKind::Candidate,
                within_m: 1000.0,
            }),
        ]);
        let scores = run(&model, &toy()).expect("scores");
        assert_abc(&scores, "raw.population_within_500", [10.0, 20.0, 5.0]);
        assert_abc(
            &scores,
            "raw.nearest_competitor_m",
            [500.0, 650_000f64.sqrt(), 2_650_000f64.sqrt()],
        );
        assert_abc(&scores, "raw.nearest_candidate_m", [1000.0, 1000.0, 2000.0]);
        assert_abc(&scores, "raw.own_within_400m", [0.0, 1.0, 0.0]);
        assert_abc(&scores, "raw.candidate_within_1000m", [1.0, 1.0, 0.0]);
        // population min-max: (10 − 5)/15, 1, 0, weight 1/5.
        assert_abc(&scores, "population_within_500", [1.0 / 15.0, 0.2, 0.0]);
    }

    #[test]
    fn an_empty_table_scores_on_the_default_criteria() {
        let model: SiteScoreModel = toml::from_str("").expect("all defaults");
        assert_eq!(model.name, "site-score");
        assert_eq!(model.criteria, SiteScoreModel::default_criteria());
        let scores = run(&model, &toy()).expect("scores");
        // Population within 1000 m (inclusive): A reaches (0, 0) and (600, 0) [30]; B reaches (600, 0) and,
        // at exactly 1000 m, (0, 0) [30]; C reaches (0, 1900) [5] → min-max 1, 1, 0, weight 2/4.
        assert_abc(&scores, "raw.population_within_1000", [30.0, 30.0, 5.0]);
        assert_abc(&scores, "population_within_1000", [0.5, 0.5, 0.0]);
        // Own branch O (1000, 300): from A √(1000² + 300²) = 1044.03, B 300, C √(1000² + 1700²) = 1972.31.
        assert_abc(
            &scores,
            "raw.nearest_own_m",
            [1_090_000f64.sqrt(), 300.0, 3_890_000f64.sqrt()],
        );
        assert!(scores.site("nearest_competitor_m").is_some());
    }

    #[test]
    fn a_factor_without_spread_sits_in_the_middle() {
        assert_eq!(normalise(&[3.0, 3.0], Normalise::MinMax), vec![0.5, 0.5]);
        assert_eq!(normalise(&[3.0, 3.0], Normalise::ZScore), vec![0.0, 0.0]);
        assert_eq!(normalise(&[3.0, 3.0], Normalise::Rank), vec![0.5, 0.5]);
        assert_eq!(normalise(&[7.0], Normalise::Rank), vec![0.5]);
        // 1 → rank 1, 2 → rank 2, the two 4s share ranks 3 and 4 → 3.5; (r − 1)/3.
        let ranked = normalise(&[4.0, 1.0, 4.0, 2.0], Normalise::Rank);
        assert_eq!(ranked, vec![2.5 / 3.0, 0.0, 2.5 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn missing_values_stop_the_run_or_are_excluded_and_counted() {
        let mut scenario = toy();
        scenario.sites.all_mut()[3].attributes.remove("footfall");
        let criteria = vec![
            criterion(column("footfall"), 3.0, Normalise::MinMax, Direction::Benefit),
            criterion(column("rent"), 1.0, Normalise::MinMax, Direction::Cost),
        ];
        let err = run(&SiteScoreModel::new(criteria.clone()), &scenario).expect_err("C lacks footfall");
        let message = err.to_string();
        assert!(
            message.contains("site `C`") && message.contains("`footfall`"),
            "{message}"
        );

        let model = SiteScoreModel {
            missing: MissingValues::Exclude,
            ..SiteScoreModel::new(criteria)
        };
        let scores = run(&model, &scenario).expect("scores");
        // Over A and B only: footfall 0, 1 (× 0.75); rent cost 1, 0 (× 0.25) → 0.25, 0.75.
        let score = scores.site("score").expect("score");
        assert_eq!([score[0], score[1]], [0.25, 0.75]);
        assert!(score[3].is_nan());
        assert_eq!(scores.site("rank").expect("rank")[1], 1.0);
        assert_eq!(scores.figure("excluded_sites"), Some(1.0));
        assert_eq!(scores.figure("missing.footfall"), Some(1.0));
        assert_eq!(scores.figure("missing.rent"), Some(0.0));
        assert_eq!(scores.figure("scored_sites"), Some(2.0));
    }

    #[test]
    fn bad_criteria_are_named() {
        let name_of = |model: SiteScoreModel| match model.validate() {
            Err(ScoreError::BadParameter { parameter, .. }) => parameter,
            other => panic!("{other:?}"),
        };
        assert_eq!(name_of(SiteScoreModel::new(vec![])), "criteria");
        let twice = vec![Criterion::new(column("rent")), Criterion::new(column("rent"))];
        assert_eq!(name_of(SiteScoreModel::new(twice)), "criteria[1].name");
        let negative = vec![criterion(
            column("rent"),
            -1.0,
            Normalise::MinMax,
            Direction::Cost,
        )];
        assert_eq!(name_of(SiteScoreModel::new(negative)), "criteria[0].weight");
        let zero = vec![criterion(column("rent"), 0.0, Normalise::MinMax, Direction::Cost)];
        assert_eq!(name_of(SiteScoreModel::new(zero)), "criteria");
        let reserved = vec![Criterion {
            name: Some("score".into()),
            ..Criterion::new(column("rent"))
        }];
        assert_eq!(name_of(SiteScoreModel::new(reserved)), "criteria[0].name");
        let reach = vec![Criterion::new(Factor::CellSum {
            column: "population".into(),
            within: f64::NAN,
        })];
        assert_eq!(name_of(SiteScoreModel::new(reach)), "criteria[0].factor.within");
        let err = run(
            &SiteScoreModel::new(vec![Criterion::new(column("parking"))]),
            &toy(),
        )
        .expect_err("no such attribute");
        assert!(matches!(err, ScoreError::MissingColumn { ref column, .. } if column == "parking"));
    }

    #[test]
    fn the_config_reads_from_kebab_case_toml() {
        let text = r#"
            kinds = ["candidate", "own"]
            missing = "exclude"
            criteria = [
              { factor = "footfall", weight = 3 },
              { factor = "rent", direction = "cost", normalise = "z-score" },
              { factor = "floor_area_m2", direction = { ideal = 150 }, normalise = "rank" },
              { factor = { sum = "population", within = 1000 }, weight = 2 },
              { factor = { nearest = "competitor" }, name = "competitor_distance" },
              { factor = { count = "own", within-m = 500 }, direction = "cost" },
            ]
        "#;
        let model: SiteScoreModel = toml::from_str(text).expect("parses");
        assert_eq!(model.name, "site-score");
        assert_eq!(model.missing, MissingValues::Exclude);
        assert_eq!(model.criteria[0].weight, 3.0);
        assert_eq!(model.criteria[1].normalise, Normalise::ZScore);
        assert_eq!(model.criteria[2].direction, Direction::Ideal(150.0));
        assert_eq!(model.criteria[3].column_name(), "population_within_1000");
        assert_eq!(model.criteria[4].column_name(), "competitor_distance");
        assert_eq!(
            model.criteria[5].factor,
            Factor::CountWithin {
                kind: SiteKind::Own,
                within_m: 500.0
            }
        );
        assert_eq!(model.criteria[5].column_name(), "own_within_500m");
        // The registry hands models a `toml::Value`; the same table reads the same way.
        let value: toml::Value = toml::from_str(text).expect("value");
        assert_eq!(SiteScoreModel::deserialize(value).expect("from a value"), model);
        let written = toml::to_string(&model).expect("writes");
        assert_eq!(
            toml::from_str::<SiteScoreModel>(&written).expect("reads back"),
            model
        );

        let typo = "criteria = [{ factor = { sum = \"population\", within-km = 1 } }]";
        let err = toml::from_str::<SiteScoreModel>(typo)
            .expect_err("unknown key")
            .to_string();
        assert!(err.contains("within-km"), "{err}");
        let mixed = "criteria = [{ factor = { nearest = \"own\", within = 3 } }]";
        let err = toml::from_str::<SiteScoreModel>(mixed)
            .expect_err("two shapes")
            .to_string();
        assert!(err.contains("derived factor is one of"), "{err}");
        assert!(toml::from_str::<SiteScoreModel>("criteria = [{ factor = \"x\", wieght = 2 }]").is_err());
    }
}
