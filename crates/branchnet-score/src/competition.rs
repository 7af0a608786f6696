//! Competition: how much of each cell's demand the bank's own branches capture against competitors, by a
//! Huff or multinomial-logit (MNL) choice model, and the calibration of that model to observed volumes.
//!
//! Cell `i` with demand `D_i` chooses among the sites `j` of the choice set within the cutoff with
//! probability `P_ij = A_j w(d_ij) / Σ_k A_k w(d_ik)`:
//! - **Huff** (1963): `A_j = Π_k x_jk^{α_k}` from site attributes (counters, floor area, ...) and a
//!   [`Decay`], classically the power `w(d) = (max(d, m)/m)^−β` (the minimum distance `m` keeps `0^−β`
//!   finite; its scale cancels in the shares);
//! - **MNL**: `A_j = exp(Σ_k α_k x_jk)`, classically with `w(d) = exp(−β d)`, i.e. utility
//!   `U_ij = Σ_k α_k x_jk − β d_ij`.
//!
//! Site `j` captures `Σ_i D_i P_ij` (expected demand); a cell's own share is the probability of choosing an
//! own branch. Demand of a cell with no site in reach is captured by nobody.
//!
//! [`calibrate()`] fits the decay parameter and the attractiveness exponents to observed volumes of own
//! branches (least squares or Poisson maximum likelihood, Levenberg–Marquardt with analytic derivatives).
//!
//! ```
//! use branchnet_core::Decay;
//! use branchnet_score::competition::huff_capture;
//! use branchnet_spatial::travel::{Euclidean, TravelCost};
//!
//! // One cell of 90 people between an own branch 100 m away and a competitor 200 m away, both with
//! // attractiveness 1 (ln A = 0): with β = 2 the shares are 1/100² : 1/200² = 4 : 1.
//! let cost = Euclidean::new(vec![[0.0, 0.0]], vec![[100.0, 0.0], [-200.0, 0.0]]);
//! let pairs = cost.within(1000.0, None);
//! let decay = Decay::Power { beta: 2.0, min_distance: 1.0, cutoff: None };
//! let capture = huff_capture(&pairs, &[90.0], &[0.0, 0.0], &decay, &[true, false]);
//! assert!((capture.captured[0] - 72.0).abs() < 1e-12);
//! assert!((capture.own_share[0] - 0.8).abs() < 1e-12);
//! ```

mod calibrate;

use std::collections::BTreeMap;

use branchnet_core::{Decay, SiteKind};
use branchnet_spatial::Neighbours;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::access::{WithWeight, checked_cell_column, region_sums, with_weight};
use crate::{Column, Figure, ScoreContext, ScoreError, Scores, ScoringModel};

pub use calibrate::{Calibration, FitOptions, Objective, calibrate};

/// Cells per parallel task. Fixed, so that per-site sums are added in the same order on any machine.
const CHUNK_CELLS: usize = 4096;

/// How attributes make a site attractive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChoiceForm {
    /// Multiplicative: `A_j = Π_k x_jk^{α_k}` (attributes must be > 0). Default decay: power, β = 2,
    /// minimum distance 100.
    #[default]
    Huff,
    /// Exponential: `A_j = exp(Σ_k α_k x_jk)`. Default decay: exponential rate, β = 0.001 per unit of cost.
    Mnl,
}

/// What to do when a site of the choice set lacks an attractiveness attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingAttribute {
    /// Refuse, naming the site and the attribute (default).
    #[default]
    Error,
    /// Treat the attribute as neutral for that site: factor 1 in Huff, term 0 in MNL.
    Neutral,
}

/// The Huff / MNL capture model (`model = "huff"`).
///
/// ```toml
/// [[scores]]
/// model = "huff"
/// demand = "potential.now"
/// cutoff = 8000.0
/// decay = { kind = "power", beta = 2.0, min-distance = 100.0 }
/// attractiveness = { counters = 1.0 }
/// calibrate = "poisson"
/// ```
///
/// Output (prefixed with `name.` by the runner):
/// - sites: `captured` (expected demand `Σ_i D_i P_ij`; NaN for sites outside the choice set, e.g.
///   candidates), `attractiveness` (`A_j`, NaN outside the set), and when calibrated `predicted_volume`
///   (`κ · captured`, in the unit of the observed volumes);
/// - cells: `own_share` (probability of choosing an own site; NaN when no site is in reach) and
///   `own_captured` (`D_i · own_share`, 0 when none is in reach);
/// - regions: `own_captured` (sum) and `own_market_share` (own captured over demand in reach, NaN when
///   none);
/// - figures: `own_market_share`, `own_captured`, `demand_in_reach`, `demand_total`.
///
/// With `calibrate`, the fit runs first (see [`calibrate()`]) and the model scores with the fitted
/// parameters; figures `fit_r_squared`, `fit_rmse`, `fit_log_likelihood` (Poisson),
/// `fit_pseudo_r_squared` (1 − deviance / null deviance), `fit_iterations`, `fit_converged` (1 or 0),
/// `fit_observed` (own branches fitted), `fit_missing` (own branches without an observed volume; their ids
/// are logged), `fit_volume_per_demand` (κ), the decay parameter `fit_<beta|scale|bandwidth>` and
/// `fit_alpha_<attribute>`, each with `_se` (standard error).
///
/// Own sites are [`SiteKind::Own`] and, when the choice set includes them, candidates (the sites the bank
/// would open).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Huff {
    /// Model name, the prefix of its outputs. Default `"huff"` (the queue model reads `huff.captured`).
    #[serde(default = "default_name")]
    pub name: String,
    /// `"huff"` (default) or `"mnl"`: how attributes combine into attractiveness.
    #[serde(default)]
    pub form: ChoiceForm,
    /// Cell column of demand `D_i`. Default `"potential.now"`.
    #[serde(default = "default_demand")]
    pub demand: String,
    /// Distance decay `w(d)`; default by form (Huff: power β = 2, minimum distance 100; MNL: exponential
    /// rate β = 0.001). Parameters in the travel cost's unit (metres for the Euclidean cost).
    #[serde(default)]
    pub decay: Option<Decay>,
    /// Sites farther than this are not in a cell's choice set, in the travel cost's unit. Default 10,000.
    #[serde(default = "default_cutoff")]
    pub cutoff: f64,
    /// Site attribute → exponent `α_k` (Huff) or coefficient (MNL): a standard field (`counters`,
    /// `staff`, ...) or an attribute column. Default none: every site equally attractive.
    #[serde(default)]
    pub attractiveness: BTreeMap<String, f64>,
    /// A site of the choice set without an attribute: `"error"` (default) or `"neutral"`.
    #[serde(default)]
    pub missing_attribute: MissingAttribute,
    /// The choice set: default `["own", "competitor"]`; add `"candidate"` to evaluate candidates as open.
    #[serde(default = "default_site_kinds")]
    pub site_kinds: Vec<SiteKind>,
    /// Fit the decay parameter and the attractiveness exponents to observed volumes of own branches
    /// before scoring: `"least-squares"` or `"poisson"`. Default: no fit.
    #[serde(default)]
    pub calibrate: Option<Objective>,
    /// Site column of observed volumes used by `calibrate`. Default `"observed_volume"`.
    #[serde(default = "default_observed")]
    pub observed: String,
    /// Iteration limit of the fit. Default 100.
    #[serde(default = "default_max_iterations")]
    pub max_iterations: usize,
}

fn default_name() -> String {
    "huff".into()
}

fn default_demand() -> String {
    "potential.now".into()
}

fn default_cutoff() -> f64 {
    10_000.0
}

fn default_site_kinds() -> Vec<SiteKind> {
    vec![SiteKind::Own, SiteKind::Competitor]
}

fn default_observed() -> String {
    "observed_volume".into()
}

fn default_max_iterations() -> usize {
    100
}

impl Default for Huff {
    fn default() -> Self {
        Self {
            name: default_name(),
            form: ChoiceForm::default(),
            demand: default_demand(),
            decay: None,
            cutoff: default_cutoff(),
            attractiveness: BTreeMap::new(),
            missing_attribute: MissingAttribute::default(),
            site_kinds: default_site_kinds(),
            calibrate: None,
            observed: default_observed(),
            max_iterations: default_max_iterations(),
        }
    }
}

impl Huff {
    fn bad_parameter(&self, parameter: &str, message: impl Into<String>) -> ScoreError {
        ScoreError::BadParameter {
            model: self.name.clone(),
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// The decay in use (the configured one or the form's default), checked.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] naming the decay parameter that is out of range.
    pub fn effective_decay(&self) -> Result<Decay, ScoreError> {
        let decay = self.decay.unwrap_or(match self.form {
            ChoiceForm::Huff => Decay::Power {
                beta: 2.0,
                min_distance: 100.0,
                cutoff: None,
            },
            ChoiceForm::Mnl => Decay::ExponentialRate {
                beta: 0.001,
                cutoff: None,
            },
        });
        decay.check().map_err(|(parameter, value)| {
            self.bad_parameter(
                &format!("decay.{parameter}"),
                format!("must be finite and > 0 (found {value})"),
            )
        })?;
        Ok(decay)
    }

    fn check(&self) -> Result<(), ScoreError> {
        if !(self.cutoff.is_finite() && self.cutoff > 0.0) {
            return Err(self.bad_parameter(
                "cutoff",
                format!("must be finite and > 0 (found {})", self.cutoff),
            ));
        }
        if self.site_kinds.is_empty() {
            return Err(self.bad_parameter(
                "site-kinds",
                "lists no site kind (e.g. [\"own\", \"competitor\"])",
            ));
        }
        if let Some((attribute, alpha)) = self.attractiveness.iter().find(|(_, a)| !a.is_finite()) {
            return Err(self.bad_parameter(
                &format!("attractiveness.{attribute}"),
                format!("must be finite (found {alpha})"),
            ));
        }
        if self.calibrate.is_some() && self.max_iterations == 0 {
            return Err(self.bad_parameter("max-iterations", "must be ≥ 1 to calibrate"));
        }
        Ok(())
    }

    /// The attractiveness features of every site, one vector per attribute in `attractiveness` order:
    /// `ln x_jk` (Huff) or `x_jk` (MNL) for sites of the choice set, NaN for the others.
    fn features(&self, ctx: &ScoreContext<'_>, in_set: &[bool]) -> Result<Vec<Vec<f64>>, ScoreError> {
        let sites = ctx.scenario.sites.all();
        self.attractiveness
            .keys()
            .map(|attribute| {
                let values = ctx.site_column(&self.name, attribute)?;
                values
                    .iter()
                    .zip(sites)
                    .zip(in_set)
                    .map(|((&x, site), &used)| {
                        if !used {
                            return Ok(f64::NAN);
                        }
                        let bad = |expected: &str| ScoreError::BadInput {
                            model: self.name.clone(),
                            message: format!(
                                "site `{}` ({}): attractiveness attribute `{attribute}` is {x} (expected {expected})",
                                site.id, site.kind
                            ),
                        };
                        match (self.form, x) {
                            (_, x) if x.is_nan() => match self.missing_attribute {
                                MissingAttribute::Neutral => Ok(0.0),
                                MissingAttribute::Error => Err(bad(
                                    "a value; or set missing-attribute = \"neutral\"",
                                )),
                            },
                            (ChoiceForm::Huff, x) if x.is_finite() && x > 0.0 => Ok(x.ln()),
                            (ChoiceForm::Huff, _) => Err(bad(
                                "a finite value > 0 for form \"huff\" (x^α); form \"mnl\" takes any value",
                            )),
                            (ChoiceForm::Mnl, x) if x.is_finite() => Ok(x),
                            (ChoiceForm::Mnl, _) => Err(bad("a finite value")),
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Observed volumes per site (NaN where a site has none), refusing negative or infinite volumes of the
    /// sites to fit with their id.
    fn observed_volumes(&self, ctx: &ScoreContext<'_>, targets: &[bool]) -> Result<Vec<f64>, ScoreError> {
        let observed = ctx.site_column(&self.name, &self.observed)?;
        let sites = ctx.scenario.sites.all();
        for ((site, &v), &target) in sites.iter().zip(&observed).zip(targets) {
            if target && (v.is_infinite() || v < 0.0) {
                return Err(ScoreError::BadInput {
                    model: self.name.clone(),
                    message: format!(
                        "site `{}`: observed volume `{}` is {v} (expected a finite value ≥ 0, or none)",
                        site.id, self.observed
                    ),
                });
            }
        }
        Ok(observed)
    }

    /// Calibrates to the own branches' observed volumes, logging the ids of those without one, and checks
    /// that the fitted decay is a decay.
    fn fit(
        &self,
        ctx: &ScoreContext<'_>,
        problem: &ChoiceProblem<'_>,
        start: (&[f64], &Decay),
        in_set: &[bool],
        objective: Objective,
    ) -> Result<Calibration, ScoreError> {
        let sites = ctx.scenario.sites.all();
        let targets: Vec<bool> = sites
            .iter()
            .zip(in_set)
            .map(|(s, &used)| used && s.kind == SiteKind::Own)
            .collect();
        let observed = self.observed_volumes(ctx, &targets)?;
        let options = FitOptions {
            objective,
            max_iterations: self.max_iterations,
            ..FitOptions::default()
        };
        let fit = calibrate(problem, start.0, start.1, &targets, &observed, &options)
            .map_err(|e| renamed(e, &self.name))?;
        if !fit.missing.is_empty() {
            let ids: Vec<&str> = fit.missing.iter().map(|&j| sites[j].id.as_str()).collect();
            tracing::warn!(
                model = %self.name,
                missing = ids.len(),
                ids = %ids.join(", "),
                "own branches without `{}` are not fitted", self.observed
            );
        }
        fit.decay.check().map_err(|(parameter, value)| {
            self.bad_parameter(
                &format!("decay.{parameter}"),
                format!(
                    "fitted to {value}, which is not a decay (attraction would grow with distance); check \
                     `{}` and `demand`",
                    self.observed
                ),
            )
        })?;
        Ok(fit)
    }

    fn fit_figures(&self, fit: &Calibration) -> Vec<Figure> {
        let (parameter, value, se) = fit.decay_parameter();
        let mut figures = vec![
            ("fit_r_squared".to_string(), fit.r_squared),
            ("fit_rmse".into(), fit.rmse),
            ("fit_log_likelihood".into(), fit.log_likelihood),
            ("fit_pseudo_r_squared".into(), fit.pseudo_r_squared),
            ("fit_iterations".into(), fit.iterations as f64),
            ("fit_converged".into(), f64::from(u8::from(fit.converged))),
            ("fit_observed".into(), fit.observed as f64),
            ("fit_missing".into(), fit.missing.len() as f64),
            ("fit_volume_per_demand".into(), fit.volume_per_demand),
            (format!("fit_{parameter}"), value),
            (format!("fit_{parameter}_se"), se),
        ];
        for (i, attribute) in self.attractiveness.keys().enumerate() {
            let se = fit.std_errors.get(i).copied().unwrap_or(f64::NAN);
            figures.push((format!("fit_alpha_{attribute}"), fit.coefficients[i]));
            figures.push((format!("fit_alpha_{attribute}_se"), se));
        }
        figures
            .into_iter()
            .map(|(name, value)| Figure { name, value })
            .collect()
    }
}

/// What one scoring pass produced, before it becomes columns.
struct Outcome<'a> {
    in_set: &'a [bool],
    demand: &'a [f64],
    log_attractiveness: Vec<f64>,
    capture: Capture,
    volume_per_demand: Option<f64>,
}

impl Outcome<'_> {
    /// Site, cell and region columns and the figures of the capture.
    fn push_into(self, scores: &mut Scores, scenario: &branchnet_core::Scenario) {
        let in_set = self.in_set;
        let outside = |values: Vec<f64>| -> Vec<f64> {
            values
                .into_iter()
                .zip(in_set)
                .map(|(v, &used)| if used { v } else { f64::NAN })
                .collect()
        };
        let shares = &self.capture.own_share;
        let own_captured: Vec<f64> = shares
            .iter()
            .zip(self.demand)
            .map(|(s, d)| if s.is_nan() { 0.0 } else { s * d })
            .collect();
        let reached: Vec<f64> = shares
            .iter()
            .zip(self.demand)
            .map(|(s, d)| if s.is_nan() { 0.0 } else { *d })
            .collect();
        let own_total: f64 = own_captured.iter().sum();
        let reached_total: f64 = reached.iter().sum();
        let region_own = region_sums(scenario, &own_captured);
        let region_share = region_own
            .iter()
            .zip(region_sums(scenario, &reached))
            .map(|(&o, r)| if r > 0.0 { o / r } else { f64::NAN })
            .collect();
        if let Some(kappa) = self.volume_per_demand {
            let predicted = self.capture.captured.iter().map(|c| kappa * c).collect();
            scores
                .sites
                .push(Column::new("predicted_volume", outside(predicted)));
        }
        let attractiveness = self.log_attractiveness.iter().map(|a| a.exp()).collect();
        scores
            .sites
            .push(Column::new("captured", outside(self.capture.captured)));
        scores
            .sites
            .push(Column::new("attractiveness", outside(attractiveness)));
        scores
            .cells
            .push(Column::new("own_share", self.capture.own_share));
        scores.cells.push(Column::new("own_captured", own_captured));
        scores.regions.push(Column::new("own_captured", region_own));
        scores.regions.push(Column::new("own_market_share", region_share));
        let share = if reached_total > 0.0 {
            own_total / reached_total
        } else {
            f64::NAN
        };
        for (name, value) in [
            ("own_market_share", share),
            ("own_captured", own_total),
            ("demand_in_reach", reached_total),
            ("demand_total", self.demand.iter().sum()),
        ] {
            scores.figures.push(Figure {
                name: name.into(),
                value,
            });
        }
    }
}

impl ScoringModel for Huff {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        self.check()?;
        let mut decay = self.effective_decay()?;
        let demand = checked_cell_column(ctx, &self.name, &self.demand)?;
        let sites = ctx.scenario.sites.all();
        let in_set: Vec<bool> = sites.iter().map(|s| self.site_kinds.contains(&s.kind)).collect();
        let own: Vec<bool> = sites
            .iter()
            .map(|s| matches!(s.kind, SiteKind::Own | SiteKind::Candidate))
            .collect();
        let features = self.features(ctx, &in_set)?;
        let pairs = ctx.travel.within(self.cutoff.min(decay.reach()), Some(&in_set));
        tracing::debug!(model = %self.name, pairs = pairs.n_pairs(), "huff choice sets");

        let mut coefficients: Vec<f64> = self.attractiveness.values().copied().collect();
        let mut scores = Scores::default();
        let mut volume_per_demand = None;
        if let Some(objective) = self.calibrate {
            let problem = ChoiceProblem {
                pairs: &pairs,
                demand,
                features: &features,
            };
            let fit = self.fit(ctx, &problem, (&coefficients, &decay), &in_set, objective)?;
            scores.figures.extend(self.fit_figures(&fit));
            decay = fit.decay;
            coefficients = fit.coefficients;
            volume_per_demand = Some(fit.volume_per_demand);
        }
        let log_attractiveness = log_attractiveness(&features, &coefficients, sites.len());
        let capture = huff_capture(&pairs, demand, &log_attractiveness, &decay, &own);
        Outcome {
            in_set: &in_set,
            demand,
            log_attractiveness,
            capture,
            volume_per_demand,
        }
        .push_into(&mut scores, ctx.scenario);
        Ok(scores)
    }
}

/// The same error with `model` set to `name` (errors of the plain functions name the function).
fn renamed(error: ScoreError, name: &str) -> ScoreError {
    match error {
        ScoreError::BadInput { message, .. } => ScoreError::BadInput {
            model: name.into(),
            message,
        },
        ScoreError::BadParameter {
            parameter, message, ..
        } => ScoreError::BadParameter {
            model: name.into(),
            parameter,
            message,
        },
        other => other,
    }
}

/// `ln A_j = Σ_k coefficients[k] · features[k][j]` for every site (0 with no feature).
pub fn log_attractiveness(features: &[Vec<f64>], coefficients: &[f64], n_sites: usize) -> Vec<f64> {
    let mut out = vec![0.0; n_sites];
    for (feature, &alpha) in features.iter().zip(coefficients) {
        for (o, &f) in out.iter_mut().zip(feature) {
            *o += alpha * f;
        }
    }
    out
}

/// What a choice model needs besides its parameters: the choice sets with their costs, the demand and
/// the site features whose coefficients are fitted.
#[derive(Debug, Clone, Copy)]
pub struct ChoiceProblem<'a> {
    /// Choice set of each cell (rows) with costs; site indexes into the features.
    pub pairs: &'a Neighbours,
    /// Demand per cell.
    pub demand: &'a [f64],
    /// One vector per attribute, one value per site: `ln x` (Huff) or `x` (MNL).
    pub features: &'a [Vec<f64>],
}

/// Demand captured by each site and the own share of each cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// `Σ_i D_i P_ij` per site (0 for a site in no choice set).
    pub captured: Vec<f64>,
    /// `Σ_{j own} P_ij` per cell; NaN when the cell's choice set is empty (or every weight is 0).
    pub own_share: Vec<f64>,
}

/// Huff / MNL capture over the choice sets `pairs` (rows = cells, site indexes into `log_attractiveness`
/// and `own`): `P_ij = exp(ln A_j) w(d_ij) / Σ_k exp(ln A_k) w(d_ik)`.
///
/// Pairs beyond the decay's reach weigh 0. Attractiveness is taken relative to the most attractive site,
/// so no term overflows; a row whose terms all underflow is redone in log space. Per pair: a few
/// multiplications for a power decay with a whole exponent (β = 2), one `powf` for another exponent, one
/// `exp` for the exponential and Gaussian decays.
///
/// # Panics
/// When `demand` does not have one value per row, or a site index is out of `log_attractiveness` or `own`.
pub fn huff_capture(
    pairs: &Neighbours,
    demand: &[f64],
    log_attractiveness: &[f64],
    decay: &Decay,
    own: &[bool],
) -> Capture {
    assert_eq!(demand.len(), pairs.n_demand(), "huff_capture: one demand per row");
    assert_eq!(
        log_attractiveness.len(),
        own.len(),
        "huff_capture: one flag per site"
    );
    // Attractiveness relative to the most attractive site, in (0, 1]: its products with weights ≤ 1 stay
    // finite, and rows are summed in linear space (no ln or exp per pair where the decay needs none).
    let top = log_attractiveness
        .iter()
        .copied()
        .filter(|a| a.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = if top.is_finite() { top } else { 0.0 };
    let relative: Vec<f64> = log_attractiveness.iter().map(|a| (a - shift).exp()).collect();
    let own_weight: Vec<f64> = own.iter().map(|&o| f64::from(u8::from(o))).collect();
    with_weight(
        decay,
        CaptureKernel {
            pairs,
            demand,
            log_attractiveness,
            relative: &relative,
            own: &own_weight,
            log_decay: LogDecay::of(decay),
        },
    )
}

struct CaptureKernel<'a> {
    pairs: &'a Neighbours,
    demand: &'a [f64],
    log_attractiveness: &'a [f64],
    /// `exp(ln A_j − max ln A)`.
    relative: &'a [f64],
    /// 1 for own sites, 0 for the others.
    own: &'a [f64],
    /// For rows that underflow.
    log_decay: LogDecay,
}

impl WithWeight for CaptureKernel<'_> {
    type Output = Capture;

    /// The capture with `weight(d)` as the decay; one monomorphised loop per decay form.
    ///
    /// Each row is summed in linear space; a row whose sum underflows to 0 (every site very unattractive
    /// or far, relative to the best site anywhere) is redone in log space relative to its own largest term.
    fn run(self, weight: impl Fn(f64) -> f64 + Sync + Copy) -> Capture {
        let n = self.pairs.n_demand();
        let n_sites = self.own.len();
        let mut own_share = vec![f64::NAN; n];
        let partials: Vec<Vec<f64>> = own_share
            .par_chunks_mut(CHUNK_CELLS)
            .enumerate()
            .map(|(chunk, shares)| {
                let mut captured = vec![0.0; n_sites];
                let mut terms: Vec<f64> = Vec::new();
                for (k, share) in shares.iter_mut().enumerate() {
                    let i = chunk * CHUNK_CELLS + k;
                    let (sites, costs) = self.pairs.row(i);
                    terms.clear();
                    let mut total = 0.0;
                    let mut own_total = 0.0;
                    for (&j, &d) in sites.iter().zip(costs) {
                        let t = self.relative[j as usize] * weight(d);
                        terms.push(t);
                        total += t;
                        own_total += t * self.own[j as usize];
                    }
                    if !(total > 0.0 && total.is_finite()) {
                        match self.log_space_row(sites, costs, &mut terms) {
                            Some((t, o)) => (total, own_total) = (t, o),
                            None => continue,
                        }
                    }
                    *share = own_total / total;
                    let scale = self.demand[i] / total;
                    for (&t, &j) in terms.iter().zip(sites) {
                        captured[j as usize] += scale * t;
                    }
                }
                captured
            })
            .collect();
        let mut captured = vec![0.0; n_sites];
        for partial in partials {
            for (c, p) in captured.iter_mut().zip(partial) {
                *c += p;
            }
        }
        Capture { captured, own_share }
    }
}

impl CaptureKernel<'_> {
    /// The terms of one row relative to its largest, in log space, and their total and own total; `None`
    /// when no term is positive.
    fn log_space_row(&self, sites: &[u32], costs: &[f64], terms: &mut Vec<f64>) -> Option<(f64, f64)> {
        terms.clear();
        let mut top = f64::NEG_INFINITY;
        for (&j, &d) in sites.iter().zip(costs) {
            let l = self.log_attractiveness[j as usize] + self.log_decay.ln_weight(d);
            top = top.max(l);
            terms.push(l);
        }
        if !top.is_finite() {
            return None;
        }
        let (mut total, mut own_total) = (0.0, 0.0);
        for (t, &j) in terms.iter_mut().zip(sites) {
            *t = (*t - top).exp();
            total += *t;
            own_total += *t * self.own[j as usize];
        }
        Some((total, own_total))
    }
}

/// A [`Decay`] in log form. The smooth forms are log-linear in one parameter, the rate `γ`:
/// `ln w(d) = γ · g(d)` with `g(d) = −ln(max(d, m)/m)` (power, `γ = β`), `−d` (exponential: `γ = β` or
/// `1/scale`) or `−d²/2` (Gaussian, `γ = 1/bandwidth²`). That makes the Huff/MNL model a conditional
/// logit in `(α, γ)`, which calibration exploits. Step and linear decays are not.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LogDecay {
    Power {
        rate: f64,
        min_distance: f64,
        reach: f64,
    },
    Exponential {
        rate: f64,
        reach: f64,
    },
    Gaussian {
        rate: f64,
        reach: f64,
    },
    Other(Decay),
}

impl LogDecay {
    fn of(decay: &Decay) -> Self {
        let reach = decay.reach();
        match *decay {
            Decay::Power {
                beta, min_distance, ..
            } => Self::Power {
                rate: beta,
                min_distance,
                reach,
            },
            Decay::ExponentialRate { beta, .. } => Self::Exponential { rate: beta, reach },
            Decay::Exponential { scale, .. } => Self::Exponential {
                rate: 1.0 / scale,
                reach,
            },
            Decay::Gaussian { bandwidth, .. } => Self::Gaussian {
                rate: 1.0 / (bandwidth * bandwidth),
                reach,
            },
            Decay::Step { .. } | Decay::Linear { .. } => Self::Other(*decay),
        }
    }

    /// The rate `γ` of a log-linear form.
    fn rate(&self) -> Option<f64> {
        match *self {
            Self::Power { rate, .. } | Self::Exponential { rate, .. } | Self::Gaussian { rate, .. } => {
                Some(rate)
            }
            Self::Other(_) => None,
        }
    }

    /// `ln w(d)`: `γ g(d)` for the log-linear forms, `ln(decay.weight(d))` for the others; `−∞` beyond the
    /// reach.
    fn ln_weight(&self, d: f64) -> f64 {
        match *self {
            Self::Power {
                rate,
                min_distance,
                reach,
            } if d <= reach => -rate * (d.max(min_distance) / min_distance).ln(),
            Self::Exponential { rate, reach } if d <= reach => -rate * d.max(0.0),
            Self::Gaussian { rate, reach } if d <= reach => -0.5 * rate * d * d,
            Self::Other(decay) => decay.weight(d).ln(),
            _ => f64::NEG_INFINITY,
        }
    }

    /// `g(d)` of a log-linear form (`ln w = γ g`), `−∞` beyond the reach; NaN for the others.
    fn feature(&self, d: f64) -> f64 {
        match *self {
            Self::Power {
                min_distance, reach, ..
            } if d <= reach => -(d.max(min_distance) / min_distance).ln(),
            Self::Exponential { reach, .. } if d <= reach => -d.max(0.0),
            Self::Gaussian { reach, .. } if d <= reach => -0.5 * d * d,
            Self::Other(_) => f64::NAN,
            _ => f64::NEG_INFINITY,
        }
    }
}

/// `decay` with its parameter set from the rate `γ` of its log-linear form (see [`LogDecay`]); `None` for
/// step and linear decays.
fn with_rate(decay: &Decay, rate: f64) -> Option<Decay> {
    match *decay {
        Decay::Power {
            min_distance, cutoff, ..
        } => Some(Decay::Power {
            beta: rate,
            min_distance,
            cutoff,
        }),
        Decay::ExponentialRate { cutoff, .. } => Some(Decay::ExponentialRate { beta: rate, cutoff }),
        Decay::Exponential { cutoff, .. } => Some(Decay::Exponential {
            scale: 1.0 / rate,
            cutoff,
        }),
        Decay::Gaussian { cutoff, .. } => Some(Decay::Gaussian {
            bandwidth: 1.0 / rate.sqrt(),
            cutoff,
        }),
        Decay::Step { .. } | Decay::Linear { .. } => None,
    }
}

#[cfg(test)]
mod tests;
