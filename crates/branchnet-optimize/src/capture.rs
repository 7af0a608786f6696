//! Maximum capture against competitors (Huff / multinomial-logit customer choice).
//!
//! Customer `i` (demand `w_i`) patronises our open branches `S` with probability `V_i(S) / (U_i + V_i(S))`,
//! where `V_i(S) = Σ_{j∈S} u_ij` is the total utility of our open branches for `i` and `U_i ≥ 0` that of the
//! competitors' branches (plus the no-purchase option, if the caller adds it). [`solve_max_capture`] opens
//! exactly `p` sites to maximise the captured demand `Σ_i w_i V_i / (U_i + V_i)`.
//!
//! The capture `g_i(V) = V / (U_i + V)` is concave in the linear aggregate `V_i`, so the model is solved exactly
//! by outer approximation (Ljubić & Moreno 2018, "Outer approximation and submodular cuts for maximum capture
//! facility location problems with random utilities", EJOR 266(1)): one share variable `θ_i` per customer,
//! bounded above by tangents of `g_i` and by submodular (marginal-gain) cuts, added where a solution of the
//! relaxed model overestimates the true capture. HiGHS (through the `highs` crate) has no lazy-constraint
//! callback, so the cuts are added between solves of one kept model: first rounds on the LP relaxation, then
//! MIP solves until the relaxed model's bound meets the best true plan.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use highs::{Col, HighsModelStatus, HighsSolutionStatus, Model, RowProblem, Sense, SolvedModel};
use tracing::debug;

use crate::input::check_amounts;
use crate::mip::{add_site_columns, chosen, site_bounds};
use crate::solution::relative_gap;
use crate::{Costs, OptimizeError, Solution, SolveOptions};

/// How utility decays with the cost (distance or travel time) of reaching a site; multiplied by the site's
/// attractiveness in [`Utilities::from_costs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UtilityDecay {
    /// Multinomial logit: `exp(−beta · cost)`.
    Exponential {
        /// Cost sensitivity `β ≥ 0` (per unit of cost).
        beta: f64,
    },
    /// Huff's gravity form: `max(cost, min_cost)^(−exponent)`.
    Power {
        /// Distance-decay exponent `λ ≥ 0` (Huff's original used 2).
        exponent: f64,
        /// Costs below this count as this (> 0), so a customer on top of a site gets a finite utility; half the
        /// cell size is a usual choice.
        min_cost: f64,
    },
}

impl UtilityDecay {
    /// The decay factor at `cost` (1 at cost 0 for the exponential form).
    pub fn factor(&self, cost: f64) -> f64 {
        match *self {
            Self::Exponential { beta } => (-beta * cost).exp(),
            Self::Power { exponent, min_cost } => cost.max(min_cost).powf(-exponent),
        }
    }

    fn check(&self) -> Result<(), OptimizeError> {
        let bad = |index: usize, value: f64| OptimizeError::BadNumber {
            what: "utility decay parameters",
            index,
            value,
        };
        match *self {
            Self::Exponential { beta } if !(beta.is_finite() && beta >= 0.0) => Err(bad(0, beta)),
            Self::Power { exponent, .. } if !(exponent.is_finite() && exponent >= 0.0) => {
                Err(bad(0, exponent))
            }
            Self::Power { min_cost, .. } if !(min_cost.is_finite() && min_cost > 0.0) => {
                Err(bad(1, min_cost))
            }
            _ => Ok(()),
        }
    }
}

/// Utility `u_ij ≥ 0` of each candidate site `j` for each demand point `i` (compressed sparse rows, the
/// [`Costs`] layout holding utilities instead of costs). Pairs not listed have utility 0: the site is beyond the
/// customer's reach (a cutoff keeps the rows short).
#[derive(Debug, Clone, PartialEq)]
pub struct Utilities {
    values: Costs,
}

impl Utilities {
    /// From (demand, site, utility) triples; a pair listed twice keeps its last utility.
    ///
    /// # Errors
    /// An index out of range, or a utility that is negative or not finite.
    pub fn from_triples(
        n_demand: usize,
        n_sites: usize,
        triples: impl IntoIterator<Item = (usize, usize, f64)>,
    ) -> Result<Self, OptimizeError> {
        let values = Costs::from_triples(n_demand, n_sites, triples).map_err(|e| match e {
            OptimizeError::Shape { expected, found, .. } => OptimizeError::Shape {
                what: "utilities (demand index)",
                expected,
                found,
            },
            OptimizeError::UnknownSite { site, sites, .. } => OptimizeError::UnknownSite {
                what: "utilities",
                site,
                sites,
            },
            OptimizeError::BadNumber { index, value, .. } => OptimizeError::BadNumber {
                what: "utilities",
                index,
                value,
            },
            other => other,
        })?;
        Ok(Self { values })
    }

    /// `u_ij = attractiveness_j · decay(cost_ij)` for every pair listed in `costs` (pairs beyond a cutoff should
    /// be left out of `costs`; they get utility 0).
    ///
    /// # Errors
    /// `attractiveness` not one per site, negative or not finite; a bad decay parameter; a utility that
    /// overflows.
    pub fn from_costs(
        costs: &Costs,
        attractiveness: &[f64],
        decay: UtilityDecay,
    ) -> Result<Self, OptimizeError> {
        check_amounts("attractiveness", attractiveness, costs.n_sites())?;
        decay.check()?;
        let triples = (0..costs.n_demand()).flat_map(|i| {
            let (sites, row) = costs.row(i);
            sites
                .iter()
                .zip(row)
                .map(move |(&j, &c)| (i, j as usize, attractiveness[j as usize] * decay.factor(c)))
        });
        Self::from_triples(costs.n_demand(), costs.n_sites(), triples)
    }

    /// Number of demand points.
    pub fn n_demand(&self) -> usize {
        self.values.n_demand()
    }

    /// Number of sites.
    pub fn n_sites(&self) -> usize {
        self.values.n_sites()
    }

    /// The sites with a listed utility for demand point `i`, ascending, and their utilities.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        self.values.row(i)
    }

    /// The utility of site `j` for demand point `i` (0 when the pair is not listed).
    pub fn utility(&self, i: usize, j: usize) -> f64 {
        self.values.cost(i, j).unwrap_or(0.0)
    }

    /// The total utility of all listed sites for each demand point: the competitors' `U_i` when these are the
    /// utilities of the competitors' branches.
    pub fn row_sums(&self) -> Vec<f64> {
        (0..self.n_demand()).map(|i| self.row(i).1.iter().sum()).collect()
    }
}

/// The demand a set of open sites captures.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// Total captured demand `Σ_i w_i V_i / (U_i + V_i)`.
    pub total: f64,
    /// Captured demand of each demand point.
    pub by_demand: Vec<f64>,
    /// Captured demand won by each site (all sites; 0 for closed ones): customer `i`'s captured demand split
    /// among the open sites in proportion to their utilities, `w_i u_ij / (U_i + V_i)`, the MNL choice shares.
    pub by_site: Vec<f64>,
}

/// The result of [`solve_max_capture`].
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSolution {
    /// The plan: status, captured demand (`objective`) and its upper bound, open sites, and for each demand
    /// point the open site of largest utility for it (`None` when it reaches no open site).
    pub solution: Solution,
    /// Captured demand of each demand point and of each site under the plan (all zeros when infeasible).
    pub capture: Capture,
    /// Cutting-plane rounds on the LP relaxation.
    pub lp_rounds: usize,
    /// MIP solves of the outer approximation.
    pub mip_solves: usize,
    /// Cuts added in all (initial ones included).
    pub cuts: usize,
}

/// Captured demand of the open sites `open` (required sites are not added: pass every open site).
///
/// Capture of a point is `w V / (U + V)`, 0 when `V = 0`; a point with `U = 0` is captured fully as soon as any
/// open site reaches it.
///
/// # Errors
/// Inputs that do not line up or are negative; an open site out of range.
pub fn evaluate_capture(
    utilities: &Utilities,
    competition: &[f64],
    weights: &[f64],
    open: &[usize],
) -> Result<Capture, OptimizeError> {
    let n = utilities.n_demand();
    let m = utilities.n_sites();
    check_amounts("weights", weights, n)?;
    check_amounts("competitor utilities", competition, n)?;
    let mut is_open = vec![false; m];
    for &j in open {
        if j >= m {
            return Err(OptimizeError::UnknownSite {
                what: "open sites",
                site: j,
                sites: m,
            });
        }
        is_open[j] = true;
    }
    Ok(capture_of(utilities, competition, weights, &is_open))
}

fn capture_of(utilities: &Utilities, competition: &[f64], weights: &[f64], is_open: &[bool]) -> Capture {
    let mut by_site = vec![0.0; utilities.n_sites()];
    let by_demand: Vec<f64> = (0..utilities.n_demand())
        .map(|i| {
            let (sites, row) = utilities.row(i);
            let open = || sites.iter().zip(row).filter(|(j, _)| is_open[**j as usize]);
            let v: f64 = open().map(|(_, u)| u).sum();
            if v <= 0.0 {
                return 0.0;
            }
            let per_utility = weights[i] / (competition[i] + v);
            for (&j, &u) in open() {
                by_site[j as usize] += per_utility * u;
            }
            weights[i] * share(competition[i], v)
        })
        .collect();
    Capture {
        total: by_demand.iter().sum(),
        by_demand,
        by_site,
    }
}

/// `v / (u + v)`, the share of a customer with competitor utility `u` and our utility `v`; 0 when `v = 0`.
fn share(u: f64, v: f64) -> f64 {
    if v > 0.0 { v / (u + v) } else { 0.0 }
}

/// Customers merged by identical (competition, required-site utility, free-site utilities): the capture of a
/// group is its summed weight times one share function, so merging is exact.
struct Groups {
    weight: Vec<f64>,
    /// Competitor utility `U`.
    comp: Vec<f64>,
    /// Utility of the required sites `B`, fixed open.
    base: Vec<f64>,
    offsets: Vec<usize>,
    /// Free (neither required nor forbidden) sites with positive utility, and their utilities.
    sites: Vec<usize>,
    utils: Vec<f64>,
    /// Weight captured whatever the free sites do (customers with no free site in reach, or with `U = 0` and a
    /// required site in reach).
    constant: f64,
}

impl Groups {
    fn build(utilities: &Utilities, competition: &[f64], weights: &[f64], fixed: &[Fixed]) -> Self {
        let mut groups = Self {
            weight: Vec::new(),
            comp: Vec::new(),
            base: Vec::new(),
            offsets: vec![0],
            sites: Vec::new(),
            utils: Vec::new(),
            constant: 0.0,
        };
        let mut index: HashMap<(u64, u64, Vec<u32>, Vec<u64>), usize> = HashMap::new();
        for i in 0..utilities.n_demand() {
            let (sites, row) = utilities.row(i);
            let (comp, weight) = (competition[i], weights[i]);
            let mut base = 0.0;
            let mut free_sites = Vec::new();
            let mut free_utils = Vec::new();
            for (&j, &u) in sites.iter().zip(row) {
                match fixed[j as usize] {
                    Fixed::Open => base += u,
                    Fixed::Free if u > 0.0 => {
                        free_sites.push(j);
                        free_utils.push(u.to_bits());
                    }
                    _ => {}
                }
            }
            if weight == 0.0 {
                continue;
            }
            if free_sites.is_empty() || (comp == 0.0 && base > 0.0) {
                groups.constant += weight * share(comp, base);
                continue;
            }
            let key = (comp.to_bits(), base.to_bits(), free_sites, free_utils);
            match index.get(&key) {
                Some(&g) => groups.weight[g] += weight,
                None => {
                    index.insert(key.clone(), groups.weight.len());
                    groups.weight.push(weight);
                    groups.comp.push(comp);
                    groups.base.push(base);
                    groups.sites.extend(key.2.iter().map(|&j| j as usize));
                    groups.utils.extend(key.3.iter().map(|&b| f64::from_bits(b)));
                    groups.offsets.push(groups.sites.len());
                }
            }
        }
        groups
    }

    fn len(&self) -> usize {
        self.weight.len()
    }

    fn row(&self, g: usize) -> (&[usize], &[f64]) {
        let r = self.offsets[g]..self.offsets[g + 1];
        (&self.sites[r.clone()], &self.utils[r])
    }

    /// Share of group `g` when its free open sites sum to utility `x`.
    fn share(&self, g: usize, x: f64) -> f64 {
        share(self.comp[g], self.base[g] + x)
    }

    /// Whether the share is a step (no competition, no required site): captured fully once any site opens.
    fn is_coverage(&self, g: usize) -> bool {
        self.comp[g] == 0.0
    }

    /// Free open-site utility of every group.
    fn aggregates(&self, y: &[f64]) -> Vec<f64> {
        (0..self.len())
            .map(|g| {
                let (sites, utils) = self.row(g);
                sites.iter().zip(utils).map(|(&j, &u)| u * y[j]).sum()
            })
            .collect()
    }

    /// Captured demand of the groups (constant included) for open-site indicators `y`.
    fn objective(&self, y: &[f64]) -> f64 {
        let x = self.aggregates(y);
        self.constant
            + (0..self.len())
                .map(|g| self.weight[g] * self.share(g, x[g]))
                .sum::<f64>()
    }

    /// For each site, the groups it reaches and its utility for them.
    fn by_site(&self, m: usize) -> Vec<Vec<(usize, f64)>> {
        let mut by_site = vec![Vec::new(); m];
        for g in 0..self.len() {
            let (sites, utils) = self.row(g);
            for (&j, &u) in sites.iter().zip(utils) {
                by_site[j].push((g, u));
            }
        }
        by_site
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Fixed {
    Open,
    Closed,
    Free,
}

/// Greedy by marginal gain (a (1 − 1/e)-approximation, the capture being monotone submodular), then 1-swap
/// local search to a local optimum or `deadline`, whichever comes first. Returns the free sites to open (`k` of
/// them, fewer only when fewer are free).
fn heuristic(groups: &Groups, fixed: &[Fixed], k: usize, deadline: Option<Instant>) -> Vec<usize> {
    let m = fixed.len();
    let by_site = groups.by_site(m);
    let gain = |j: usize, x: &[f64]| -> f64 {
        by_site[j]
            .iter()
            .map(|&(g, u)| groups.weight[g] * (groups.share(g, x[g] + u) - groups.share(g, x[g])))
            .sum()
    };
    let free: Vec<usize> = (0..m).filter(|&j| fixed[j] == Fixed::Free).collect();
    let mut x = vec![0.0; groups.len()];
    let mut open = vec![false; m];
    for _ in 0..k.min(free.len()) {
        // Ties go to the lowest index, so the plan is deterministic.
        let best = free
            .iter()
            .filter(|&&j| !open[j])
            .map(|&j| (j, gain(j, &x)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((j, _)) = best else { break };
        open[j] = true;
        by_site[j].iter().for_each(|&(g, u)| x[g] += u);
    }
    // 1-swap local search, best improvement; each pass costs (open sites) × (pairs).
    let scale = groups.weight.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
    // The greedy plan is complete; swaps only improve it, so a pass cut short by the deadline is dropped.
    while !out_of_time() {
        let mut best: Option<(usize, usize, f64)> = None;
        for &out in free.iter().filter(|&&j| open[j]) {
            if out_of_time() {
                best = None;
                break;
            }
            let saved: Vec<f64> = by_site[out].iter().map(|&(g, _)| x[g]).collect();
            let mut loss = 0.0;
            for &(g, u) in &by_site[out] {
                let before = groups.share(g, x[g]);
                x[g] = (x[g] - u).max(0.0);
                loss += groups.weight[g] * (before - groups.share(g, x[g]));
            }
            for &inn in free.iter().filter(|&&j| !open[j]) {
                let delta = gain(inn, &x) - loss;
                if delta > 1e-12 * scale && best.is_none_or(|b| delta > b.2) {
                    best = Some((out, inn, delta));
                }
            }
            for (&(g, _), v) in by_site[out].iter().zip(saved) {
                x[g] = v;
            }
        }
        let Some((out, inn, _)) = best else { break };
        open[out] = false;
        open[inn] = true;
        // Recomputed rather than updated, so rounding does not drift over many swaps.
        let y: Vec<f64> = open.iter().map(|&o| if o { 1.0 } else { 0.0 }).collect();
        x = groups.aggregates(&y);
    }
    (0..m).filter(|&j| open[j]).collect()
}

/// A cut `θ_g ≤ constant + Σ coef_j y_j` on group `g`'s share. Coefficients too small for HiGHS (which drops
/// entries below 1e-9) are moved into the constant at their largest value (`y_j ≤ 1`), so the cut stays valid.
fn cut_row(
    theta: Col,
    y: &[Col],
    constant: f64,
    coefs: impl IntoIterator<Item = (usize, f64)>,
) -> (f64, Vec<(Col, f64)>) {
    let mut rhs = constant;
    let mut row = vec![(theta, 1.0)];
    for (j, c) in coefs {
        if c.abs() < 1e-8 {
            rhs += c.max(0.0);
        } else {
            row.push((y[j], -c));
        }
    }
    (rhs, row)
}

/// The tangent of group `g`'s share at free utility `x`: `θ ≤ h(x) + h'(x) (Σ u_j y_j − x)`, valid everywhere
/// because the share `h(x) = (B + x) / (U + B + x)` is concave for `U > 0` and a concave function lies below
/// its tangents.
fn tangent(groups: &Groups, g: usize, x: f64, theta: Col, y: &[Col]) -> (f64, Vec<(Col, f64)>) {
    let total = groups.comp[g] + groups.base[g] + x;
    let slope = groups.comp[g] / (total * total);
    let (sites, utils) = groups.row(g);
    cut_row(
        theta,
        y,
        groups.share(g, x) - slope * x,
        sites.iter().zip(utils).map(|(&j, &u)| (j, slope * u)),
    )
}

/// The submodular cut of group `g` at the set `S̄` of its row positions marked in `member`: `θ ≤ h(S̄) +
/// Σ_{j∉S̄} (h(S̄ ∪ {j}) − h(S̄)) y_j`, valid for every plan because the share is monotone and submodular in the
/// open sites (Nemhauser, Wolsey & Fisher 1978). Returns the constant and the (site, coefficient) terms.
fn submodular_terms(groups: &Groups, g: usize, member: &[bool]) -> Terms {
    let (sites, utils) = groups.row(g);
    let x: f64 = utils
        .iter()
        .zip(member)
        .filter(|(_, m)| **m)
        .map(|(u, _)| u)
        .sum();
    let at = groups.share(g, x);
    let terms = sites
        .iter()
        .zip(utils)
        .zip(member)
        .filter(|(_, m)| !**m)
        .map(|((&j, &u), _)| (j, groups.share(g, x + u) - at))
        .collect();
    (at, terms)
}

/// The submodular cut of group `g` at the open sites of a plan.
fn submodular(groups: &Groups, g: usize, open: &[bool], theta: Col, y: &[Col]) -> (f64, Vec<(Col, f64)>) {
    let member: Vec<bool> = groups.row(g).0.iter().map(|&j| open[j]).collect();
    let (at, terms) = submodular_terms(groups, g, &member);
    cut_row(theta, y, at, terms)
}

/// The cut of group `g` tightest at a fractional point `ŷ` (free utility `x̂`), with its value there: the tangent
/// at `x̂`, or a submodular cut at a prefix of the group's sites taken by decreasing `ŷ_j` (the sets a rounding
/// of `ŷ` would open, where submodular cuts beat tangents: they bound the share over integer plans only).
fn separate(
    groups: &Groups,
    g: usize,
    values: &[f64],
    x: f64,
    theta: Col,
    y: &[Col],
) -> (f64, f64, Vec<(Col, f64)>) {
    let (sites, _) = groups.row(g);
    let mut order: Vec<usize> = (0..sites.len()).collect();
    order.sort_by(|&a, &b| values[sites[b]].total_cmp(&values[sites[a]]).then(a.cmp(&b)));
    let mut member = vec![false; sites.len()];
    // (value at ŷ, constant, terms)
    let mut best: Option<(f64, Terms)> = None;
    for step in 0..=order.len() {
        if step > 0 {
            let k = order[step - 1];
            if values[sites[k]] <= 1e-9 {
                break;
            }
            member[k] = true;
        }
        let terms = submodular_terms(groups, g, &member);
        let value = terms.0 + terms.1.iter().map(|&(j, c)| c * values[j]).sum::<f64>();
        if best.as_ref().is_none_or(|b| value < b.0) {
            best = Some((value, terms));
        }
    }
    let tangent_value = groups.share(g, x);
    match best {
        Some((value, (at, terms))) if value < tangent_value => {
            let (rhs, row) = cut_row(theta, y, at, terms);
            (value, rhs, row)
        }
        _ => {
            let (rhs, row) = tangent(groups, g, x, theta, y);
            (tangent_value, rhs, row)
        }
    }
}

/// Maximum capture: opens exactly `p` sites (required ones included, forbidden ones never) to maximise the
/// demand captured from competitors under Huff / multinomial-logit choice, `Σ_i w_i V_i / (U_i + V_i)` with
/// `V_i = Σ_{j open} u_ij` and `U_i = competition[i]`. A point with `U_i = 0` is captured fully as soon as an
/// open site reaches it; one that reaches none is not captured. Existing branches of our own that stay are
/// passed as `options.required` (their utility counts toward `V_i`); pass `U_i` including any no-purchase
/// utility.
///
/// **Method.** Exact, by outer approximation (Ljubić & Moreno 2018): binary `y_j` per site, a share `θ_g ∈
/// [0, 1]` per group of identical customers (merged exactly), objective `Σ_g w_g θ_g`, and `θ_g` bounded by
/// tangents of the concave share at a point and by submodular cuts at an open set; customers without
/// competition get the covering row `θ_g ≤ Σ_j y_j`. Every cut overestimates the true share at every plan, so
/// the model relaxes the problem and **its optimum (and any HiGHS dual bound of it) bounds the captured demand
/// from above**. Start: greedy by marginal gain, then 1-swap local search, whose plan seeds every solve and
/// places the first cuts. Then cutting-plane rounds on the LP relaxation, then MIP solves of the same model
/// (rows added, model kept), each plan evaluated exactly and cut where its `θ` overestimates, until the bound
/// is within `options.mip_rel_gap` of the best plan, no cut is violated, or the time limit is hit — then the
/// best plan comes back `Feasible` with the last bound and its gap.
///
/// # Errors
/// Weights or competitor utilities that do not match the demand points or are negative; a required or
/// forbidden site out of range; HiGHS failing.
pub fn solve_max_capture(
    utilities: &Utilities,
    competition: &[f64],
    weights: &[f64],
    p: usize,
    options: &SolveOptions,
) -> Result<CaptureSolution, OptimizeError> {
    let started = Instant::now();
    let n = utilities.n_demand();
    let m = utilities.n_sites();
    check_amounts("weights", weights, n)?;
    check_amounts("competitor utilities", competition, n)?;
    for (what, list) in [
        ("required sites", &options.required),
        ("forbidden sites", &options.forbidden),
    ] {
        if let Some(&site) = list.iter().find(|&&j| j >= m) {
            return Err(OptimizeError::UnknownSite { what, site, sites: m });
        }
    }
    let infeasible = |reason: String| CaptureSolution {
        solution: Solution::infeasible(reason, n),
        capture: Capture {
            total: 0.0,
            by_demand: vec![0.0; n],
            by_site: vec![0.0; m],
        },
        lp_rounds: 0,
        mip_solves: 0,
        cuts: 0,
    };
    let fixed: Vec<Fixed> = (0..m)
        .map(|j| match site_bounds(j, options) {
            (1.0, 1.0) => Fixed::Open,
            (0.0, 0.0) => Fixed::Closed,
            _ => Fixed::Free,
        })
        .collect();
    if let Some(&j) = options.required.iter().find(|j| options.forbidden.contains(j)) {
        return Ok(infeasible(format!("site {j} is both required and forbidden")));
    }
    let n_required = fixed.iter().filter(|&&f| f == Fixed::Open).count();
    let n_free = fixed.iter().filter(|&&f| f == Fixed::Free).count();
    if n_required > p || n_required + n_free < p {
        return Ok(infeasible(format!(
            "p = {p} sites must open, but {n_required} are required and {} may open",
            n_required + n_free
        )));
    }
    let k = p - n_required;
    let groups = Groups::build(utilities, competition, weights, &fixed);
    let finish = |open: Vec<bool>, bound: f64, proven: bool, lp_rounds, mip_solves, cuts| {
        let capture = capture_of(utilities, competition, weights, &open);
        let sites: Vec<usize> = (0..m).filter(|&j| open[j]).collect();
        let assignment = (0..n)
            .map(|i| {
                let (row_sites, row) = utilities.row(i);
                row_sites
                    .iter()
                    .zip(row)
                    .filter(|(j, u)| open[**j as usize] && **u > 0.0)
                    .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
                    .map(|(&j, _)| j as usize)
            })
            .collect();
        // A bound below the plan's own capture is solver tolerance: the plan is achievable, so clamp.
        let bound = bound.max(capture.total);
        CaptureSolution {
            solution: Solution::plan(sites, assignment, capture.total, bound, proven),
            capture,
            lp_rounds,
            mip_solves,
            cuts,
        }
    };

    let deadline = options
        .time_limit_s
        .map(|t| started + Duration::from_secs_f64(t.max(0.0)));
    let start_sites = heuristic(&groups, &fixed, k, deadline);
    let mut best_y: Vec<f64> = fixed
        .iter()
        .map(|&f| if f == Fixed::Open { 1.0 } else { 0.0 })
        .collect();
    start_sites.iter().for_each(|&j| best_y[j] = 1.0);
    let mut best = groups.objective(&best_y);
    debug!(groups = groups.len(), heuristic = best, "max capture: start");
    let to_open = |y: &[f64]| y.iter().map(|&v| v > 0.5).collect::<Vec<bool>>();
    // With every free site in reach of a group open at once (only k can be), no share can exceed this.
    let cap: Vec<f64> = (0..groups.len())
        .map(|g| {
            let mut u = groups.row(g).1.to_vec();
            u.sort_unstable_by(|a, b| b.total_cmp(a));
            groups.share(g, u.iter().take(k).sum())
        })
        .collect();
    if groups.len() == 0 || k == 0 {
        let bound = best;
        return Ok(finish(to_open(&best_y), bound, true, 0, 0, 0));
    }

    // Columns are created in the same order by every build, so these handles stay valid across rebuilds.
    let mut problem = RowProblem::default();
    let y: Vec<Col> = add_site_columns(&mut problem, m, 0.0, options);
    let theta: Vec<Col> = (0..groups.len())
        .map(|g| problem.add_column(groups.weight[g], 0.0..=cap[g]))
        .collect();
    let columns = problem;
    // The model: the columns, "exactly p open", the covering rows of groups without competition (exact at every
    // integer plan, θ ≤ 1 being the column bound), and the cuts in `pool`.
    let build = |pool: &[Cut], relaxation: bool| -> Result<Model, OptimizeError> {
        let mut problem = columns.clone();
        problem.add_row(p as f64..=p as f64, y.iter().map(|&c| (c, 1.0)));
        for g in (0..groups.len()).filter(|&g| groups.is_coverage(g)) {
            let (sites, _) = groups.row(g);
            problem.add_row(
                ..=0.0,
                std::iter::once((theta[g], 1.0)).chain(sites.iter().map(|&j| (y[j], -1.0))),
            );
        }
        for (rhs, row) in pool {
            problem.add_row(..=*rhs, row.iter().copied());
        }
        let mut model = problem
            .try_optimise(Sense::Maximise)
            .map_err(|e| OptimizeError::Solver(format!("cannot build the model: {e:?}")))?;
        model.make_quiet();
        set(&mut model, "mip_rel_gap", options.mip_rel_gap)?;
        set(&mut model, "threads", options.threads.max(1) as i32)?;
        set(&mut model, "solve_relaxation", relaxation)?;
        if relaxation {
            // The rounds are small changes to one LP; with presolve off the first solve took half the time
            // (5,000 × 200 test).
            set(&mut model, "presolve", "off")?;
        }
        Ok(model)
    };
    let remaining =
        |options: &SolveOptions| options.time_limit_s.map(|t| t - started.elapsed().as_secs_f64());
    let out_of_time = |options: &SolveOptions| remaining(options).is_some_and(|r| r <= 0.0);
    // θ of the start: its true shares, which satisfy every cut.
    let start_of = |y_values: &[f64]| -> Vec<f64> {
        let x = groups.aggregates(y_values);
        y_values
            .iter()
            .copied()
            .chain((0..groups.len()).map(|g| groups.share(g, x[g])))
            .collect()
    };
    // Each group's share with its best k free sites open: a bound available at once, should time run out.
    let mut bound = groups.constant + (0..groups.len()).map(|g| groups.weight[g] * cap[g]).sum::<f64>();

    // The first cuts, for every group with competition: the submodular cut and the tangent at the starting plan,
    // both exact there.
    let best_open = to_open(&best_y);
    let mut pool: Vec<Cut> = (0..groups.len())
        .filter(|&g| !groups.is_coverage(g))
        .map(|g| submodular(&groups, g, &best_open, theta[g], &y))
        .collect();
    let x0 = groups.aggregates(&best_y);
    pool.extend(
        (0..groups.len())
            .filter(|&g| !groups.is_coverage(g))
            .map(|g| tangent(&groups, g, x0[g], theta[g], &y)),
    );
    let n_start = pool.len();
    let mut cuts = n_start;

    // Cutting planes on the LP relaxation: cheap rounds that give the MIP a tight root. A cut is added where θ
    // exceeds it by more than this (shares are in [0, 1]).
    let lp_tol = 1e-7;
    let mut model = build(&pool, true)?;
    let mut lp_rounds = 0;
    let mut last_lp = f64::INFINITY;
    let mut lp_values: Option<Vec<f64>> = None;
    while lp_rounds < 100 && !out_of_time(options) {
        if let Some(r) = remaining(options) {
            set(&mut model, "time_limit", r)?;
        }
        let solved = model
            .try_solve()
            .map_err(|e| OptimizeError::Solver(format!("{e:?}")))?;
        lp_rounds += 1;
        if solved.status() != HighsModelStatus::Optimal {
            break;
        }
        let lp = solved.objective_value() + groups.constant;
        bound = bound.min(lp);
        let values = solved.get_solution().columns().to_vec();
        model = Model::from(solved);
        let x = groups.aggregates(&values[..m]);
        let mut added = 0;
        for g in (0..groups.len()).filter(|&g| !groups.is_coverage(g)) {
            let (value, rhs, row) = separate(&groups, g, &values, x[g], theta[g], &y);
            if values[m + g] > value + lp_tol {
                add_row(&mut model, rhs, row.clone())?;
                pool.push((rhs, row));
                added += 1;
            }
        }
        lp_values = Some(values);
        cuts += added;
        debug!(round = lp_rounds, lp, added, "max capture: LP round");
        // Kelley's method tails off; stop once a round barely moves the bound.
        let stalled = last_lp - lp <= 1e-5 * lp.abs().max(1.0);
        last_lp = lp;
        if added == 0 || stalled || relative_gap(best, bound) <= options.mip_rel_gap {
            break;
        }
    }
    // The MIP's nodes solve LPs over every row, so keep only the cuts binding at the last LP optimum (most
    // rounds' cuts are slack by then; on the 5,000 × 200 test a solve took about 12 s instead of 19 s).
    // The starting plan's cuts stay: the loop below takes a plan met twice as converged, which needs every
    // visited plan's own cuts in the model.
    if let Some(values) = &lp_values {
        let mut k = 0;
        pool.retain(|(rhs, row)| {
            k += 1;
            let activity: f64 = row.iter().map(|&(c, a)| a * values[c.index()]).sum();
            k <= n_start || activity >= rhs - 1e-7
        });
    }
    // Built on the first MIP solve, so a deadline met in the LP rounds skips building it.
    let mut kept: Option<Model> = None;

    // MIP solves, each plan cut where its θ overestimates by more than HiGHS's feasibility tolerance (smaller
    // excesses are the tolerance the solver works to, not a wrong estimate).
    let mip_tol = 1e-6;
    let mut mip_solves = 0;
    let mut visited: BTreeSet<Vec<usize>> = BTreeSet::new();
    visited.insert(chosen(&best_y));
    let mut proven = relative_gap(best, bound) <= options.mip_rel_gap;
    while !proven && !out_of_time(options) {
        let mut model = match kept.take() {
            Some(model) => model,
            None => build(&pool, false)?,
        };
        match remaining(options) {
            Some(r) if r <= 0.0 => break, // the build took what was left
            Some(r) => set(&mut model, "time_limit", r)?,
            None => {}
        }
        model
            .try_set_solution(Some(&start_of(&best_y)), None, None, None)
            .map_err(|e| OptimizeError::Solver(format!("cannot pass the starting plan: {e:?}")))?;
        let solved = model
            .try_solve()
            .map_err(|e| OptimizeError::Solver(format!("{e:?}")))?;
        mip_solves += 1;
        let (status, values, mip_bound) = read(&solved)?;
        model = Model::from(solved);
        if let Some(b) = mip_bound {
            bound = bound.min(b + groups.constant);
        }
        let Some(values) = values else { break };
        let plan_y: Vec<f64> = values[..m]
            .iter()
            .map(|&v| if v > 0.5 { 1.0 } else { 0.0 })
            .collect();
        let value = groups.objective(&plan_y);
        if value > best {
            best = value;
            best_y.clone_from(&plan_y);
        }
        debug!(
            solve = mip_solves,
            value,
            best,
            bound,
            ?status,
            "max capture: MIP solve"
        );
        if status != HighsModelStatus::Optimal {
            break; // a limit: the best plan with the bound so far
        }
        if relative_gap(best, bound) <= options.mip_rel_gap {
            proven = true;
            break;
        }
        // A plan whose θ overestimates nowhere has an approximate value equal to its true one, so it is optimal
        // (within HiGHS's tolerances). Cuts are added once per plan: a plan seen before is such a plan.
        if !visited.insert(chosen(&plan_y)) {
            proven = true;
            break;
        }
        let x = groups.aggregates(&plan_y);
        let open = to_open(&plan_y);
        let mut added = 0;
        for g in (0..groups.len()).filter(|&g| !groups.is_coverage(g)) {
            if values[m + g] > groups.share(g, x[g]) + mip_tol {
                for (rhs, row) in [
                    tangent(&groups, g, x[g], theta[g], &y),
                    submodular(&groups, g, &open, theta[g], &y),
                ] {
                    add_row(&mut model, rhs, row)?;
                    added += 1;
                }
            }
        }
        cuts += added;
        if added == 0 {
            proven = true;
            break;
        }
        kept = Some(model);
    }
    debug!(
        lp_rounds,
        mip_solves, cuts, best, bound, proven, "max capture: done"
    );
    Ok(finish(
        to_open(&best_y),
        bound,
        proven,
        lp_rounds,
        mip_solves,
        cuts,
    ))
}

/// A cut's constant and (site, coefficient) terms: `θ ≤ constant + Σ coefficient y_site`.
type Terms = (f64, Vec<(usize, f64)>);

/// What a MIP solve left: status, column values (when HiGHS has a plan) and dual bound.
type MipRead = (HighsModelStatus, Option<Vec<f64>>, Option<f64>);

/// A cut `θ_g − Σ c_j y_j ≤ rhs` as HiGHS takes it.
type Cut = (f64, Vec<(Col, f64)>);

fn set<V: highs::HighsOptionValue>(model: &mut Model, key: &str, value: V) -> Result<(), OptimizeError> {
    model
        .try_set_option(key, value)
        .map_err(|e| OptimizeError::Solver(format!("cannot set option {key}: {e:?}")))
}

fn add_row(model: &mut Model, rhs: f64, row: Vec<(Col, f64)>) -> Result<(), OptimizeError> {
    model
        .try_add_row(..=rhs, row)
        .map(|_| ())
        .map_err(|e| OptimizeError::Solver(format!("cannot add a cut: {e:?}")))
}

/// Status, column values (when HiGHS has a plan) and dual bound of a MIP solve.
fn read(solved: &SolvedModel) -> Result<MipRead, OptimizeError> {
    let status = solved.status();
    match status {
        HighsModelStatus::Optimal
        | HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit
        | HighsModelStatus::ObjectiveBound
        | HighsModelStatus::ObjectiveTarget => {}
        other => {
            return Err(OptimizeError::Solver(format!(
                "HiGHS ended with status {other:?}"
            )));
        }
    }
    let values = (solved.primal_solution_status() == HighsSolutionStatus::Feasible)
        .then(|| solved.get_solution().columns().to_vec());
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite());
    Ok((status, values, bound))
}
