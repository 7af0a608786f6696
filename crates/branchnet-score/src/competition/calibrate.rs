//! Calibration of a Huff / MNL model to observed branch volumes.
//!
//! The predicted volume of site `j` is `μ_j = κ M_j(θ)`, `M_j = Σ_i D_i P_ij(θ)`, with `θ = (α, γ)` the
//! attractiveness coefficients and the decay rate (see `LogDecay`) and `κ` the volume per unit of demand
//! (visits per person, say), which the demand and the volumes need not share. Because
//! `ln(A_j w(d_ij)) = Σ_k α_k f_jk + γ g(d_ij)` is linear in `θ`, the model is a conditional logit and
//! `∂M_j/∂θ = Σ_i D_i P_ij (z_ij − z̄_i)` with `z_ij = (f_j, g(d_ij))` and `z̄_i = Σ_j P_ij z_ij`: one pass
//! over the pairs gives the predictions and their exact Jacobian.
//!
//! The parameters `(α, γ, ln κ)` are fitted by Levenberg–Marquardt on
//! - least squares: `Σ_j (V_j − μ_j)²`, Gauss–Newton steps; or
//! - Poisson maximum likelihood: `Σ_j (μ_j − V_j ln μ_j)`, Fisher scoring steps (weights `1/μ_j`),
//!
//! with Marquardt's diagonal damping, started from the configured parameters and `κ` in closed form.
//! Standard errors come from the inverse of the final normal matrix (scaled by the residual variance for
//! least squares; the Fisher information for Poisson).

use branchnet_core::Decay;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{CHUNK_CELLS, ChoiceProblem, LogDecay, huff_capture, log_attractiveness, with_rate};
use crate::ScoreError;

/// What the fit minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Sum of squared differences between observed and predicted volumes.
    LeastSquares,
    /// Poisson negative log-likelihood of the observed volumes (counts); the default.
    #[default]
    Poisson,
}

/// Settings of [`calibrate()`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Least squares or Poisson maximum likelihood. Default Poisson.
    pub objective: Objective,
    /// Iteration limit (accepted or rejected steps). Default 100.
    pub max_iterations: usize,
    /// Converged when no parameter moves by more than this, relative to its size. Default 1e-9.
    pub tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            objective: Objective::default(),
            max_iterations: 100,
            tolerance: 1e-9,
        }
    }
}

/// A fitted Huff / MNL model and how well it fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The objective minimised.
    pub objective: Objective,
    /// Fitted attractiveness coefficients `α_k`, in feature order.
    pub coefficients: Vec<f64>,
    /// The starting decay with its parameter set to the fitted rate (power/exponential-rate `beta`,
    /// exponential `scale = 1/γ`, Gaussian `bandwidth = 1/√γ`). A rate ≤ 0 makes no valid decay:
    /// [`Decay::check`] then fails.
    pub decay: Decay,
    /// The fitted rate `γ` of the decay's log-linear form.
    pub rate: f64,
    /// `κ`: predicted volume per unit of captured demand.
    pub volume_per_demand: f64,
    /// Standard errors of `(α_1 … α_K, γ, ln κ)`; NaN when not estimable.
    pub std_errors: Vec<f64>,
    /// `κ Σ_i D_i P_ij` for every site (0 for a site in no choice set).
    pub predicted: Vec<f64>,
    /// `1 − SSE / SST` over the fitted sites.
    pub r_squared: f64,
    /// `√(SSE / n)`.
    pub rmse: f64,
    /// Poisson log-likelihood `Σ V ln μ − μ − ln Γ(V + 1)` of the observed volumes (whatever the
    /// objective).
    pub log_likelihood: f64,
    /// `1 − D / D₀`: Poisson deviance against that of a model predicting the mean volume everywhere.
    pub pseudo_r_squared: f64,
    /// Steps tried (accepted or rejected).
    pub iterations: usize,
    /// Whether the parameters stopped moving before the iteration limit.
    pub converged: bool,
    /// Number of sites fitted.
    pub observed: usize,
    /// Target sites without an observed volume (NaN), not fitted: their indexes.
    pub missing: Vec<usize>,
}

impl Calibration {
    /// The decay's own parameter: its name (`beta`, `scale` or `bandwidth`), fitted value and standard
    /// error (by the delta method from that of `γ`).
    pub fn decay_parameter(&self) -> (&'static str, f64, f64) {
        let se = self
            .std_errors
            .get(self.coefficients.len())
            .copied()
            .unwrap_or(f64::NAN);
        let g = self.rate;
        match self.decay {
            Decay::Power { beta, .. } | Decay::ExponentialRate { beta, .. } => ("beta", beta, se),
            Decay::Exponential { scale, .. } => ("scale", scale, se / (g * g)),
            Decay::Gaussian { bandwidth, .. } => ("bandwidth", bandwidth, 0.5 * se * g.powf(-1.5)),
            Decay::Step { radius } | Decay::Linear { radius, .. } => ("radius", radius, f64::NAN),
        }
    }
}

fn bad_input(message: String) -> ScoreError {
    ScoreError::BadInput {
        model: "calibrate".into(),
        message,
    }
}

/// Fits the attractiveness coefficients and the decay rate of a Huff / MNL model to the observed volumes
/// of the `targets` sites (the own branches), starting from `coefficients` and `decay`.
///
/// Target sites whose `observed` value is NaN are reported in [`Calibration::missing`] and not fitted;
/// the other sites (competitors) shape the choice but have no volume.
///
/// # Errors
/// - [`ScoreError::BadParameter`] for a step or linear decay (not differentiable in a rate);
/// - [`ScoreError::BadInput`] for lengths that do not match, an observed volume that is negative or
///   infinite, non-finite features of a site in a choice set, fewer observed sites than parameters + 1,
///   volumes that are all 0, or (Poisson) a site with a volume that no cell reaches.
pub fn calibrate(
    problem: &ChoiceProblem<'_>,
    coefficients: &[f64],
    decay: &Decay,
    targets: &[bool],
    observed: &[f64],
    options: &FitOptions,
) -> Result<Calibration, ScoreError> {
    let log_decay = LogDecay::of(decay);
    let Some(rate) = log_decay.rate() else {
        return Err(ScoreError::BadParameter {
            model: "calibrate".into(),
            parameter: "decay".into(),
            message:
                "a step or linear decay has no rate to fit; use power, exponential, exponential-rate or \
                      gaussian"
                    .into(),
        });
    };
    let layout = Layout::new(problem, coefficients, targets, observed)?;
    let n_params = coefficients.len() + 2;
    if layout.volumes.len() <= n_params {
        return Err(bad_input(format!(
            "{} sites with an observed volume for {n_params} parameters (attractiveness exponents, the \
             decay parameter and the volume per demand): at least {} are needed",
            layout.volumes.len(),
            n_params + 1
        )));
    }
    let features: Vec<f64> = problem
        .pairs
        .distances()
        .par_iter()
        .map(|&d| log_decay.feature(d))
        .collect();
    let evaluator = Evaluator {
        problem,
        layout: &layout,
        decay_features: &features,
    };
    let mut theta: Vec<f64> = coefficients.to_vec();
    theta.push(rate);
    let start = evaluator.evaluate(&theta);
    if options.objective == Objective::Poisson
        && let Some(r) = (0..layout.volumes.len()).find(|&r| start.model[r] <= 0.0 && layout.volumes[r] > 0.0)
    {
        return Err(bad_input(format!(
            "site {} has an observed volume but no demand reaches it within the cutoff",
            layout.sites[r]
        )));
    }
    theta.push(start_log_scale(options.objective, &layout.volumes, &start.model)?);

    let fit = LevenbergMarquardt {
        evaluator: &evaluator,
        objective: options.objective,
        volumes: &layout.volumes,
    }
    .run(theta, &start, options);

    let k = coefficients.len();
    let fitted_coefficients = fit.theta[..k].to_vec();
    let fitted_rate = fit.theta[k];
    let kappa = fit.theta[k + 1].exp();
    let fitted_decay = with_rate(decay, fitted_rate).unwrap_or(*decay);
    let n_sites = targets.len();
    let log_a = log_attractiveness(problem.features, &fitted_coefficients, n_sites);
    let capture = huff_capture(
        problem.pairs,
        problem.demand,
        &log_a,
        &fitted_decay,
        &vec![false; n_sites],
    );
    let predicted = capture.captured.iter().map(|c| kappa * c).collect();
    let stats = FitStatistics::of(&layout.volumes, &fit.predicted);
    Ok(Calibration {
        objective: options.objective,
        coefficients: fitted_coefficients,
        decay: fitted_decay,
        rate: fitted_rate,
        volume_per_demand: kappa,
        std_errors: fit.std_errors,
        predicted,
        r_squared: stats.r_squared,
        rmse: stats.rmse,
        log_likelihood: stats.log_likelihood,
        pseudo_r_squared: stats.pseudo_r_squared,
        iterations: fit.iterations,
        converged: fit.converged,
        observed: layout.volumes.len(),
        missing: layout.missing,
    })
}

/// `ln κ` at the start: the κ minimising the objective for the starting predictions (closed form).
fn start_log_scale(objective: Objective, volumes: &[f64], model: &[f64]) -> Result<f64, ScoreError> {
    let kappa = match objective {
        Objective::LeastSquares => {
            let vm: f64 = volumes.iter().zip(model).map(|(v, m)| v * m).sum();
            let mm: f64 = model.iter().map(|m| m * m).sum();
            vm / mm
        }
        Objective::Poisson => volumes.iter().sum::<f64>() / model.iter().sum::<f64>(),
    };
    if kappa.is_finite() && kappa > 0.0 {
        Ok(kappa.ln())
    } else {
        Err(bad_input(format!(
            "the observed volumes cannot be scaled to the captured demand (volume per demand {kappa}): are the \
             volumes all 0, or does no demand reach the observed sites?"
        )))
    }
}

/// Which sites are fitted and where their rows are.
struct Layout {
    /// Per site: its row among the fitted sites, or `usize::MAX`.
    row_of_site: Vec<usize>,
    /// Per row: the site index.
    sites: Vec<usize>,
    /// Per row: the observed volume.
    volumes: Vec<f64>,
    /// Target sites without a volume.
    missing: Vec<usize>,
    /// Site features row-major (`n_sites × K`), so one site's features are adjacent.
    site_features: Vec<f64>,
    n_features: usize,
}

impl Layout {
    fn new(
        problem: &ChoiceProblem<'_>,
        coefficients: &[f64],
        targets: &[bool],
        observed: &[f64],
    ) -> Result<Self, ScoreError> {
        let n_sites = targets.len();
        let k = coefficients.len();
        if observed.len() != n_sites
            || problem.features.len() != k
            || problem.features.iter().any(|f| f.len() != n_sites)
            || problem.demand.len() != problem.pairs.n_demand()
        {
            return Err(bad_input(format!(
                "lengths differ: {n_sites} target flags, {} observed volumes, {} features for {k} coefficients \
                 (of {:?} sites), {} demand values for {} cells",
                observed.len(),
                problem.features.len(),
                problem.features.iter().map(Vec::len).collect::<Vec<_>>(),
                problem.demand.len(),
                problem.pairs.n_demand()
            )));
        }
        let mut present = vec![false; n_sites];
        for &j in problem.pairs.sites() {
            present[j as usize] = true;
        }
        let mut site_features = vec![0.0; n_sites * k];
        for (kk, feature) in problem.features.iter().enumerate() {
            for (j, &f) in feature.iter().enumerate() {
                if present[j] && !f.is_finite() {
                    return Err(bad_input(format!(
                        "site {j}: feature {kk} is {f} (expected a finite value)"
                    )));
                }
                site_features[j * k + kk] = f;
            }
        }
        let mut layout = Self {
            row_of_site: vec![usize::MAX; n_sites],
            sites: Vec::new(),
            volumes: Vec::new(),
            missing: Vec::new(),
            site_features,
            n_features: k,
        };
        for (j, (&target, &v)) in targets.iter().zip(observed).enumerate() {
            if !target {
                continue;
            }
            if v.is_nan() {
                layout.missing.push(j);
            } else if v.is_finite() && v >= 0.0 {
                layout.row_of_site[j] = layout.sites.len();
                layout.sites.push(j);
                layout.volumes.push(v);
            } else {
                return Err(bad_input(format!(
                    "site {j}: observed volume {v} (expected a finite value ≥ 0)"
                )));
            }
        }
        Ok(layout)
    }
}

/// Predictions `M_j` of the fitted sites and their Jacobian in `(α, γ)`.
struct Evaluation {
    /// `M_r` per fitted row.
    model: Vec<f64>,
    /// `∂M_r/∂θ_k`, row-major `rows × (K + 1)`.
    jacobian: Vec<f64>,
}

struct Evaluator<'a> {
    problem: &'a ChoiceProblem<'a>,
    layout: &'a Layout,
    /// `g(d)` per pair, in pair order.
    decay_features: &'a [f64],
}

impl Evaluator<'_> {
    /// One parallel pass over the pairs at `θ = (α, γ)` (a trailing `ln κ` is ignored).
    fn evaluate(&self, theta: &[f64]) -> Evaluation {
        let k = self.layout.n_features;
        let width = k + 1;
        let rows = self.layout.volumes.len();
        let (alpha, rate) = (&theta[..k], theta[k]);
        let n_sites = self.layout.row_of_site.len();
        let log_a: Vec<f64> = (0..n_sites)
            .map(|j| {
                let f = &self.layout.site_features[j * k..(j + 1) * k];
                f.iter().zip(alpha).map(|(f, a)| f * a).sum()
            })
            .collect();
        let pairs = self.problem.pairs;
        let offsets = pairs.offsets();
        let n = pairs.n_demand();
        let starts: Vec<usize> = (0..n).step_by(CHUNK_CELLS).collect();
        let partials: Vec<Vec<f64>> = starts
            .par_iter()
            .map(|&start| {
                // `rows` predictions, then `rows × width` derivatives.
                let mut acc = vec![0.0; rows * (1 + width)];
                let (model, jacobian) = acc.split_at_mut(rows);
                let mut p: Vec<f64> = Vec::new();
                let mut mean = vec![0.0; width];
                for i in start..(start + CHUNK_CELLS).min(n) {
                    let range = offsets[i]..offsets[i + 1];
                    let sites = &pairs.sites()[range.clone()];
                    let g = &self.decay_features[range];
                    p.clear();
                    let mut top = f64::NEG_INFINITY;
                    for (&j, &gj) in sites.iter().zip(g) {
                        let l = log_a[j as usize] + rate * gj;
                        top = top.max(l);
                        p.push(l);
                    }
                    if top == f64::NEG_INFINITY {
                        continue;
                    }
                    let mut total = 0.0;
                    for t in &mut p {
                        *t = (*t - top).exp();
                        total += *t;
                    }
                    mean.fill(0.0);
                    for ((t, &j), &gj) in p.iter_mut().zip(sites).zip(g) {
                        *t /= total;
                        if *t > 0.0 {
                            let f = &self.layout.site_features[j as usize * k..(j as usize + 1) * k];
                            for (m, &fk) in mean.iter_mut().zip(f) {
                                *m += *t * fk;
                            }
                            mean[k] += *t * gj;
                        }
                    }
                    let d = self.problem.demand[i];
                    for ((&pj, &j), &gj) in p.iter().zip(sites).zip(g) {
                        let r = self.layout.row_of_site[j as usize];
                        if r == usize::MAX || pj == 0.0 {
                            continue;
                        }
                        let dp = d * pj;
                        model[r] += dp;
                        let f = &self.layout.site_features[j as usize * k..(j as usize + 1) * k];
                        let row = &mut jacobian[r * width..(r + 1) * width];
                        for ((out, &fk), &m) in row.iter_mut().zip(f).zip(&mean) {
                            *out += dp * (fk - m);
                        }
                        row[k] += dp * (gj - mean[k]);
                    }
                }
                acc
            })
            .collect();
        let mut total = vec![0.0; rows * (1 + width)];
        for partial in partials {
            for (t, p) in total.iter_mut().zip(partial) {
                *t += p;
            }
        }
        let jacobian = total.split_off(rows);
        Evaluation {
            model: total,
            jacobian,
        }
    }
}

/// Where Levenberg–Marquardt ended.
struct Fit {
    theta: Vec<f64>,
    predicted: Vec<f64>,
    std_errors: Vec<f64>,
    iterations: usize,
    converged: bool,
}

struct LevenbergMarquardt<'a> {
    evaluator: &'a Evaluator<'a>,
    objective: Objective,
    volumes: &'a [f64],
}

/// Predictions `μ = κ M`, the objective there, and the weighted normal equations `JᵀWJ`, `JᵀW(V − μ)` in
/// all parameters `(α, γ, ln κ)`.
struct Linearised {
    predicted: Vec<f64>,
    value: f64,
    normal: Vec<f64>,
    gradient: Vec<f64>,
}

impl LevenbergMarquardt<'_> {
    fn linearise(&self, theta: &[f64], evaluation: &Evaluation) -> Linearised {
        let p = theta.len();
        let width = p - 1;
        let kappa = theta[p - 1].exp();
        let predicted: Vec<f64> = evaluation.model.iter().map(|m| kappa * m).collect();
        let mut value = 0.0;
        let mut normal = vec![0.0; p * p];
        let mut gradient = vec![0.0; p];
        let mut row = vec![0.0; p];
        for (r, (&mu, &v)) in predicted.iter().zip(self.volumes).enumerate() {
            let weight = match self.objective {
                Objective::LeastSquares => {
                    value += (v - mu) * (v - mu);
                    1.0
                }
                Objective::Poisson => {
                    if mu > 0.0 {
                        value += mu - if v > 0.0 { v * mu.ln() } else { 0.0 };
                    } else if v > 0.0 {
                        value = f64::INFINITY;
                    }
                    if mu > 0.0 { 1.0 / mu } else { 0.0 }
                }
            };
            for (o, &jk) in row
                .iter_mut()
                .zip(&evaluation.jacobian[r * width..(r + 1) * width])
            {
                *o = kappa * jk;
            }
            row[p - 1] = mu;
            for a in 0..p {
                gradient[a] += weight * row[a] * (v - mu);
                for b in 0..p {
                    normal[a * p + b] += weight * row[a] * row[b];
                }
            }
        }
        Linearised {
            predicted,
            value,
            normal,
            gradient,
        }
    }

    fn run(&self, mut theta: Vec<f64>, start: &Evaluation, options: &FitOptions) -> Fit {
        let p = theta.len();
        let mut current = self.linearise(&theta, start);
        let mut lambda = 1e-3;
        let mut iterations = 0;
        let mut converged = false;
        while iterations < options.max_iterations {
            iterations += 1;
            let Some(step) = damped_step(&current.normal, &current.gradient, lambda) else {
                lambda *= 10.0;
                continue;
            };
            let small = step
                .iter()
                .zip(&theta)
                .all(|(s, t)| s.abs() <= options.tolerance * (t.abs() + options.tolerance));
            let trial: Vec<f64> = theta.iter().zip(&step).map(|(t, s)| t + s).collect();
            let evaluation = self.evaluator.evaluate(&trial);
            let next = self.linearise(&trial, &evaluation);
            if next.value.is_finite() && next.value <= current.value {
                theta = trial;
                current = next;
                lambda = (lambda / 3.0).max(1e-12);
                if small {
                    converged = true;
                    break;
                }
            } else if small {
                // Even a step this small does not decrease the objective: the minimum, to rounding.
                converged = true;
                break;
            } else {
                lambda *= 4.0;
            }
        }
        tracing::debug!(iterations, converged, value = current.value, "calibration");
        let std_errors = self.std_errors(&current, p);
        Fit {
            theta,
            predicted: current.predicted,
            std_errors,
            iterations,
            converged,
        }
    }

    /// √diag of the inverse normal matrix, times the residual variance for least squares.
    fn std_errors(&self, at: &Linearised, p: usize) -> Vec<f64> {
        let n = self.volumes.len();
        let scale = match self.objective {
            Objective::LeastSquares => at.value / (n - p) as f64,
            Objective::Poisson => 1.0,
        };
        match inverse_spd(&at.normal, p) {
            Some(inverse) => (0..p).map(|a| (scale * inverse[a * p + a]).sqrt()).collect(),
            None => vec![f64::NAN; p],
        }
    }
}

/// Solves `(N + λ D) δ = g`, `D = diag(N)` (Marquardt's scaling, so parameters of any magnitude are
/// damped alike) with the largest diagonal standing in for a zero one, so a parameter the data do not
/// move keeps the system solvable.
fn damped_step(normal: &[f64], gradient: &[f64], lambda: f64) -> Option<Vec<f64>> {
    let p = gradient.len();
    let largest = (0..p)
        .map(|a| normal[a * p + a])
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut a = normal.to_vec();
    for k in 0..p {
        let d = normal[k * p + k];
        a[k * p + k] += lambda * if d > 0.0 { d } else { largest };
    }
    let l = cholesky(&a, p)?;
    Some(cholesky_solve(&l, p, gradient))
}

/// Lower-triangular `L` with `L Lᵀ = a` (row-major `p × p`); `None` when `a` is not positive definite.
fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i * p + k] * l[j * p + k]).sum();
            let v = a[i * p + j] - dot;
            if i == j {
                if !(v > 0.0 && v.is_finite()) {
                    return None;
                }
                l[i * p + i] = v.sqrt();
            } else {
                l[i * p + j] = v / l[j * p + j];
            }
        }
    }
    Some(l)
}

fn cholesky_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; p];
    for i in 0..p {
        let dot: f64 = (0..i).map(|k| l[i * p + k] * y[k]).sum();
        y[i] = (b[i] - dot) / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let dot: f64 = (i + 1..p).map(|k| l[k * p + i] * x[k]).sum();
        x[i] = (y[i] - dot) / l[i * p + i];
    }
    x
}

/// The inverse of a symmetric positive definite matrix (row-major), or `None`.
fn inverse_spd(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let l = cholesky(a, p)?;
    let mut inverse = vec![0.0; p * p];
    let mut unit = vec![0.0; p];
    for c in 0..p {
        unit.fill(0.0);
        unit[c] = 1.0;
        for (r, v) in cholesky_solve(&l, p, &unit).into_iter().enumerate() {
            inverse[r * p + c] = v;
        }
    }
    Some(inverse)
}

/// Goodness of fit of predicted against observed volumes.
struct FitStatistics {
    r_squared: f64,
    rmse: f64,
    log_likelihood: f64,
    pseudo_r_squared: f64,
}

impl FitStatistics {
    fn of(volumes: &[f64], predicted: &[f64]) -> Self {
        let n = volumes.len() as f64;
        let mean = volumes.iter().sum::<f64>() / n;
        let sse: f64 = volumes
            .iter()
            .zip(predicted)
            .map(|(v, m)| (v - m) * (v - m))
            .sum();
        let sst: f64 = volumes.iter().map(|v| (v - mean) * (v - mean)).sum();
        let log_likelihood = volumes
            .iter()
            .zip(predicted)
            .map(|(&v, &m)| {
                let vm = if v > 0.0 { v * m.ln() } else { 0.0 };
                vm - m - ln_gamma(v + 1.0)
            })
            .sum();
        let deviance = |mu: &mut dyn Iterator<Item = f64>| -> f64 {
            volumes
                .iter()
                .zip(mu)
                .map(|(&v, m)| 2.0 * (if v > 0.0 { v * (v / m).ln() } else { 0.0 } - (v - m)))
                .sum()
        };
        let d = deviance(&mut predicted.iter().copied());
        let d0 = deviance(&mut std::iter::repeat_n(mean, volumes.len()));
        Self {
            r_squared: 1.0 - sse / sst,
            rmse: (sse / n).sqrt(),
            log_likelihood,
            pseudo_r_squared: 1.0 - d / d0,
        }
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine terms; about 15 significant digits).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let series = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |s, (k, &c)| s + c / (x + (k + 1) as f64));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_against_factorials_and_sqrt_pi() {
        // ln Γ(n + 1) = ln n!, Γ(½) = √π, Γ(3/2) = √π / 2.
        let mut factorial = 1.0f64;
        for n in 1..=30 {
            factorial *= f64::from(n);
            let got = ln_gamma(f64::from(n) + 1.0);
            assert!(
                (got - factorial.ln()).abs() <= 1e-13 * factorial.ln().max(1.0),
                "n {n}: {got}"
            );
        }
        assert!(ln_gamma(1.0).abs() < 1e-14 && ln_gamma(2.0).abs() < 1e-14);
        let sqrt_pi = std::f64::consts::PI.sqrt();
        assert!((ln_gamma(0.5) - sqrt_pi.ln()).abs() < 1e-14);
        assert!((ln_gamma(1.5) - (sqrt_pi / 2.0).ln()).abs() < 1e-14);
        // Stirling with two correction terms at 1e6: (x − ½) ln x − x + ½ ln 2π + 1/(12x) − 1/(360x³).
        let x = 1e6f64;
        let stirling = (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x);
        assert!((ln_gamma(x) - stirling).abs() / stirling < 1e-14);
    }

    #[test]
    fn the_jacobian_is_the_derivative_of_the_predictions() {
        use branchnet_spatial::travel::{Euclidean, TravelCost};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let mut point = || [rng.random_range(0.0..10_000.0), rng.random_range(0.0..10_000.0)];
        let cells: Vec<[f64; 2]> = (0..3000).map(|_| point()).collect();
        let sites: Vec<[f64; 2]> = (0..30).map(|_| point()).collect();
        let demand: Vec<f64> = (0..3000).map(|i| 1.0 + f64::from(i % 17)).collect();
        // Two features: ln counters (Huff-like) and a raw score (MNL-like).
        let features = vec![
            (0..30).map(|j| f64::from(1 + j % 6).ln()).collect::<Vec<f64>>(),
            (0..30).map(|j| f64::from(j % 5) * 0.3).collect(),
        ];
        let pairs = Euclidean::new(cells, sites).within(4000.0, None);
        let problem = ChoiceProblem {
            pairs: &pairs,
            demand: &demand,
            features: &features,
        };
        let targets: Vec<bool> = (0..30).map(|j| j % 2 == 0).collect();
        let observed = vec![1.0; 30];
        for decay in [
            Decay::Power {
                beta: 1.4,
                min_distance: 200.0,
                cutoff: None,
            },
            Decay::Gaussian {
                bandwidth: 1500.0,
                cutoff: Some(3500.0),
            },
        ] {
            let log_decay = LogDecay::of(&decay);
            let layout = Layout::new(&problem, &[0.7, -0.4], &targets, &observed).expect("layout");
            let g: Vec<f64> = pairs.distances().iter().map(|&d| log_decay.feature(d)).collect();
            let evaluator = Evaluator {
                problem: &problem,
                layout: &layout,
                decay_features: &g,
            };
            let theta = [0.7, -0.4, log_decay.rate().expect("log-linear")];
            let at = evaluator.evaluate(&theta);
            // The predictions are what huff_capture gives.
            let log_a = log_attractiveness(&features, &theta[..2], 30);
            let captured = huff_capture(&pairs, &demand, &log_a, &decay, &targets).captured;
            for (r, &j) in layout.sites.iter().enumerate() {
                assert!((at.model[r] - captured[j]).abs() <= 1e-12 * captured[j]);
            }
            for k in 0..3 {
                let h = 1e-6 * theta[k].abs();
                let mut up = theta;
                up[k] += h;
                let mut down = theta;
                down[k] -= h;
                let (mu, md) = (evaluator.evaluate(&up).model, evaluator.evaluate(&down).model);
                for r in 0..layout.sites.len() {
                    let numeric = (mu[r] - md[r]) / (2.0 * h);
                    let analytic = at.jacobian[r * 3 + k];
                    let scale = analytic.abs().max(1e-3 * at.model[r] / theta[k].abs());
                    assert!(
                        (numeric - analytic).abs() <= 1e-5 * scale,
                        "{decay:?} row {r} parameter {k}: {numeric} vs {analytic}"
                    );
                }
            }
        }
    }

    #[test]
    fn cholesky_solves_and_inverts() {
        // A = [[4, 2], [2, 3]]: det 8, A⁻¹ = [[3, −2], [−2, 4]] / 8; A x = (2, 1) → x = (0.5, 0).
        let a = [4.0, 2.0, 2.0, 3.0];
        let inverse = inverse_spd(&a, 2).expect("positive definite");
        for (got, want) in inverse.iter().zip([0.375, -0.25, -0.25, 0.5]) {
            assert!((got - want).abs() < 1e-15);
        }
        let l = cholesky(&a, 2).expect("positive definite");
        let x = cholesky_solve(&l, 2, &[2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
