//! Queues at the counters: Erlang-C (M/M/c) service levels per branch from the demand it captures, and the
//! counters a branch needs to keep the share of customers waiting over `T` minutes under a target.
//!
//! Banks report their queues as "the share of customers waiting too long" (客户超时等候占比, e.g. over 15
//! minutes) and as mean waits; both are Erlang-C quantities of a branch with `c` counters, arrivals `λ` per
//! hour and a mean service time `s` (offered load `a = λ·s` Erlangs):
//! - probability of waiting at all: `C(c, a)` (Erlang C; 1 when `a ≥ c`);
//! - probability of waiting over `t`: `P(W > t) = C(c, a) · exp(−(c − a)·t/s)`;
//! - mean wait: `E[W] = C(c, a) · s/(c − a)`;
//! - the inverse: the fewest counters with `P(W > t) ≤ target`.
//!
//! The plain functions ([`erlang_b`], [`erlang_c`], [`wait_exceeds`], [`mean_wait`], [`servers_needed`]) are
//! for any caller (the planner sizes formats with them); [`QueueModel`] applies them to every branch of a
//! scenario. Erlang C is computed from the Erlang-B recursion `B(k) = a·B(k−1)/(k + a·B(k−1))`, which needs no
//! factorials or powers and stays accurate for hundreds of servers.
//!
//! ```
//! use branchnet_score::queue::{erlang_c, mean_wait, servers_needed, wait_exceeds};
//!
//! // Two counters, one Erlang offered: a customer waits with probability 1/3.
//! assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
//! // 30 customers an hour, 5 minutes each (2.5 Erlangs) on 4 counters: mean wait in minutes.
//! let wait = mean_wait(4, 2.5, 5.0);
//! assert!((wait - erlang_c(4, 2.5) * 5.0 / 1.5).abs() < 1e-12);
//! // The fewest counters so that at most 10% wait over 15 minutes.
//! let c = servers_needed(2.5, 5.0, 15.0, 0.1).expect("a reachable target");
//! assert!(wait_exceeds(c, 2.5, 5.0, 15.0) <= 0.1 && wait_exceeds(c - 1, 2.5, 5.0, 15.0) > 0.1);
//! ```

use std::collections::BTreeMap;

use branchnet_core::{BranchFormat, Site, SiteKind};
use serde::{Deserialize, Serialize};
use tracing::{debug, warn};

use crate::{Column, Figure, ScoreContext, ScoreError, Scores, ScoringModel};

/// Erlang B: the probability that an arrival finds all `servers` busy in a loss system (M/M/c/c) offered
/// `offered_load` Erlangs.
///
/// Computed by the recursion `B(0) = 1`, `B(k) = a·B(k−1)/(k + a·B(k−1))`, stable for any number of servers.
/// A negative or NaN load gives NaN.
pub fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    if offered_load.is_nan() || offered_load < 0.0 {
        return f64::NAN;
    }
    let mut blocking = 1.0;
    for k in 1..=servers {
        blocking = next_erlang_b(blocking, k, offered_load);
    }
    blocking
}

/// One step of the Erlang-B recursion: `B(k)` from `B(k−1)`.
fn next_erlang_b(previous: f64, k: u32, offered_load: f64) -> f64 {
    let carried = offered_load * previous;
    carried / (f64::from(k) + carried)
}

/// Erlang C from Erlang B of the same servers and load: `C = c·B/(c − a·(1 − B))`, or 1 when `a ≥ c`.
fn erlang_c_from_b(blocking: f64, servers: u32, offered_load: f64) -> f64 {
    let c = f64::from(servers);
    if offered_load >= c {
        return 1.0;
    }
    c * blocking / (c - offered_load * (1.0 - blocking))
}

/// Erlang C: the probability that an arrival has to wait in an M/M/c queue with `servers` servers offered
/// `offered_load = λ/μ` Erlangs.
///
/// An unstable queue (`offered_load ≥ servers`, including no server at all) makes everyone wait: 1. No load
/// gives 0. A negative or NaN load gives NaN.
pub fn erlang_c(servers: u32, offered_load: f64) -> f64 {
    if offered_load.is_nan() || offered_load < 0.0 {
        return f64::NAN;
    }
    erlang_c_from_b(erlang_b(servers, offered_load), servers, offered_load)
}

/// `P(W > threshold)`: the probability that an arrival waits longer than `threshold` in an M/M/c queue,
/// `C(c, a) · exp(−(c − a) · threshold/mean_service)`.
///
/// `mean_service` and `threshold` share one time unit (e.g. minutes). An unstable queue
/// (`offered_load ≥ servers`) gives 1: the queue grows without bound, so every wait eventually exceeds any
/// threshold. NaN or negative inputs give NaN.
pub fn wait_exceeds(servers: u32, offered_load: f64, mean_service: f64, threshold: f64) -> f64 {
    if !valid_service(mean_service) || threshold.is_nan() || threshold < 0.0 {
        return f64::NAN;
    }
    tail_from_c(
        erlang_c(servers, offered_load),
        servers,
        offered_load,
        mean_service,
        threshold,
    )
}

/// The waiting-time tail from a known Erlang C value.
fn tail_from_c(waiting: f64, servers: u32, offered_load: f64, mean_service: f64, threshold: f64) -> f64 {
    let spare = f64::from(servers) - offered_load;
    if spare <= 0.0 {
        return waiting;
    }
    waiting * (-spare * threshold / mean_service).exp()
}

/// The mean wait in an M/M/c queue, `C(c, a) · mean_service/(c − a)`, in the unit of `mean_service`.
///
/// An unstable queue (`offered_load ≥ servers`) has no finite mean: `f64::INFINITY`. NaN or negative inputs
/// give NaN.
pub fn mean_wait(servers: u32, offered_load: f64, mean_service: f64) -> f64 {
    if !valid_service(mean_service) {
        return f64::NAN;
    }
    mean_wait_from_c(
        erlang_c(servers, offered_load),
        servers,
        offered_load,
        mean_service,
    )
}

/// The mean wait from a known Erlang C value.
fn mean_wait_from_c(waiting: f64, servers: u32, offered_load: f64, mean_service: f64) -> f64 {
    if waiting.is_nan() {
        return f64::NAN;
    }
    let spare = f64::from(servers) - offered_load;
    if spare <= 0.0 {
        return f64::INFINITY;
    }
    waiting * mean_service / spare
}

fn valid_service(mean_service: f64) -> bool {
    mean_service.is_finite() && mean_service > 0.0
}

/// The fewest servers of a stable M/M/c queue offered `offered_load` Erlangs for which
/// `P(W > threshold) ≤ target_share`; 0 when nothing arrives (`offered_load == 0`).
///
/// `mean_service` and `threshold` share one time unit. `None` when an input is NaN, negative or infinite,
/// `mean_service` is not positive, or `target_share` is not in `(0, 1]`: no count of servers can bring
/// the share to zero while anyone arrives. Costs one Erlang-B step per server tried.
pub fn servers_needed(
    offered_load: f64,
    mean_service: f64,
    threshold: f64,
    target_share: f64,
) -> Option<u32> {
    let usable = offered_load.is_finite()
        && offered_load >= 0.0
        && valid_service(mean_service)
        && threshold.is_finite()
        && threshold >= 0.0
        && target_share > 0.0
        && target_share <= 1.0;
    if !usable {
        return None;
    }
    if offered_load == 0.0 {
        return Some(0);
    }
    let mut blocking = 1.0;
    let mut servers = 0u32;
    loop {
        servers = servers.checked_add(1)?;
        blocking = next_erlang_b(blocking, servers, offered_load);
        if offered_load >= f64::from(servers) {
            continue;
        }
        let waiting = erlang_c_from_b(blocking, servers, offered_load);
        if tail_from_c(waiting, servers, offered_load, mean_service, threshold) <= target_share {
            return Some(servers);
        }
    }
}

/// The period a demand column counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DemandPeriod {
    /// Demand per year (Huff capture of a yearly column, `observed_volume`).
    Year,
    /// Demand per month (e.g. the demo city's monthly `transactions`).
    Month,
    /// Demand per opening day.
    Day,
}

/// Erlang-C service levels of the branches: per site the arrivals at the counters, utilisation, probability
/// of waiting, of waiting over `threshold-min`, mean wait, and the counters that meet `target-share`.
///
/// ```toml
/// [[scores]]
/// model = "queue"
/// demand = "huff.captured"      # site column, demand per `demand-period`
/// demand-period = "year"
/// visits-per-unit = 1.0         # counter-relevant visits per unit of demand
/// counter-share = 0.6           # share of visits that need a counter; the rest use machines
/// counter-share-by-format = { smart = 0.25, self-service = 0.0 }
/// service-min = 6.0
/// threshold-min = 15.0
/// target-share = 0.1
/// ```
///
/// **Arrivals.** Counter arrivals per hour at site `j` are
/// `demand_j · visits-per-unit · counter-share(format_j) · peak-factor / hours`, where `hours` is the
/// opening time of one demand period: `opening-hours-per-day × opening-days-per-year` for a yearly demand,
/// a twelfth of that for a monthly one, `opening-hours-per-day` for a daily one.
///
/// **Machines.** Smart teller machines, ATMs and mobile banking are modelled as a reduction of counter
/// arrivals, not as a queue of their own: the share `1 − counter-share` of visits is served without a counter
/// (digital migration lowers `counter-share`). Per-format shares override the default (a smart branch sends
/// most business to its machines); a `self-service` point has a share of 0 unless the map names it.
///
/// **Servers.** The site's `counters`. A scored site without counters (none given, or zero) but with
/// counter arrivals gets NaN for every figure that needs them (utilisation, waits) but still its
/// `counters_needed`; such sites are counted in the figure `sites_without_counters` and named in a warning.
/// A site without counters and without counter arrivals (a self-service point) has no queue: waits 0,
/// `counters_needed` 0. A site whose demand is NaN (e.g. one the
/// Huff model did not score) gets NaN everywhere and is counted in `sites_without_demand`. Negative or
/// infinite demand is an error naming the site.
///
/// **Unstable branches** (utilisation `ρ = a/c ≥ 1`): the queue grows without bound, so `p_wait` and
/// `p_wait_over` are 1 and `mean_wait_min` is `+∞` (not NaN: the branch is scored and fails). They are
/// counted in `unstable_branches`; the network `mean_wait_min` is `+∞` when any branch is unstable.
///
/// Site columns (NaN for sites of other kinds): `arrivals_per_hour`, `offered_load` (Erlangs),
/// `utilisation`, `p_wait`, `p_wait_over`, `mean_wait_min`, `counters_needed`.
///
/// Figures: `share_waiting_over` (arrival-weighted share of counter customers waiting over the threshold,
/// over sites with counters and demand), `mean_wait_min` (arrival-weighted), `unstable_branches`,
/// `branches_over_target`, `counters_short` (Σ of `counters_needed − counters` where positive),
/// `sites_scored`, `sites_without_counters`, `sites_without_demand`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct QueueModel {
    /// Name of the model, the prefix of its outputs. Default `"queue"`.
    pub name: String,
    /// Site column of demand per `demand-period`: an earlier model's output, a standard field
    /// (`observed_volume`: visits per year) or an attribute. Default `"huff.captured"`.
    pub demand: String,
    /// The period `demand` counts over: `"year"`, `"month"` or `"day"`. Default `"year"`.
    pub demand_period: DemandPeriod,
    /// Counter-relevant visits per unit of demand (e.g. visits per resident per year when the demand is
    /// people). Default 1 (the demand is visits).
    pub visits_per_unit: f64,
    /// Share of visits that need a counter (0–1); the rest are served by machines. Default 0.6.
    pub counter_share: f64,
    /// Per-format overrides of `counter-share` (keys `full`, `light`, `smart`, `community`,
    /// `self-service`). Default none (and `self-service` points, unstaffed, then get 0).
    pub counter_share_by_format: BTreeMap<BranchFormat, f64>,
    /// Arrival rate in the hour studied relative to the mean opening hour (1 = the mean hour; 1.5 = a busy
    /// hour). Default 1.
    pub peak_factor: f64,
    /// Opening hours per opening day. Default 8.
    pub opening_hours_per_day: f64,
    /// Opening days per year (ignored for daily demand). Default 300.
    pub opening_days_per_year: f64,
    /// Mean counter service time, minutes. Default 6.
    pub service_min: f64,
    /// The wait that counts as too long, minutes. Default 15.
    pub threshold_min: f64,
    /// Target share of counter customers waiting over `threshold-min` (0–1, exclusive of 0), for
    /// `counters_needed`. Default 0.1.
    pub target_share: f64,
    /// Which kinds of site are scored. Default `["own"]`; add `"candidate"` for the counters a new
    /// branch would need.
    pub kinds: Vec<SiteKind>,
}

impl Default for QueueModel {
    fn default() -> Self {
        Self {
            name: "queue".into(),
            demand: "huff.captured".into(),
            demand_period: DemandPeriod::Year,
            visits_per_unit: 1.0,
            counter_share: 0.6,
            counter_share_by_format: BTreeMap::new(),
            peak_factor: 1.0,
            opening_hours_per_day: 8.0,
            opening_days_per_year: 300.0,
            service_min: 6.0,
            threshold_min: 15.0,
            target_share: 0.1,
            kinds: vec![SiteKind::Own],
        }
    }
}

/// The queue of one site, all rates per hour and times in minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteQueue {
    /// Counter arrivals per hour.
    pub arrivals_per_hour: f64,
    /// Offered load, Erlangs (`arrivals_per_hour · service_min / 60`).
    pub offered_load: f64,
    /// Utilisation `offered_load / counters` (NaN without counters).
    pub utilisation: f64,
    /// Probability of waiting at all (NaN without counters).
    pub p_wait: f64,
    /// Probability of waiting over the threshold (NaN without counters).
    pub p_wait_over: f64,
    /// Mean wait, minutes (`+∞` when unstable, NaN without counters).
    pub mean_wait_min: f64,
    /// The fewest counters meeting the target.
    pub counters_needed: f64,
}

impl QueueModel {
    /// Checks every parameter's domain.
    ///
    /// # Errors
    /// [`ScoreError::BadParameter`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<(), ScoreError> {
        self.check(
            "visits-per-unit",
            self.visits_per_unit,
            |v| v >= 0.0,
            "a number ≥ 0",
        )?;
        self.check(
            "counter-share",
            self.counter_share,
            unit_share,
            "a share in [0, 1]",
        )?;
        for (format, &share) in &self.counter_share_by_format {
            let parameter = format!("counter-share-by-format.{format}");
            self.check(&parameter, share, unit_share, "a share in [0, 1]")?;
        }
        self.check("peak-factor", self.peak_factor, |v| v > 0.0, "a number > 0")?;
        self.check(
            "opening-hours-per-day",
            self.opening_hours_per_day,
            |v| v > 0.0 && v <= 24.0,
            "hours in (0, 24]",
        )?;
        self.check(
            "opening-days-per-year",
            self.opening_days_per_year,
            |v| v > 0.0 && v <= 366.0,
            "days in (0, 366]",
        )?;
        self.check("service-min", self.service_min, |v| v > 0.0, "minutes > 0")?;
        self.check("threshold-min", self.threshold_min, |v| v >= 0.0, "minutes ≥ 0")?;
        self.check(
            "target-share",
            self.target_share,
            |v| v > 0.0 && v <= 1.0,
            "a share in (0, 1] (no counter count makes it 0)",
        )?;
        if self.kinds.is_empty() {
            return Err(self.bad_parameter("kinds", "must name at least one site kind".into()));
        }
        Ok(())
    }

    fn check(
        &self,
        parameter: &str,
        value: f64,
        ok: impl Fn(f64) -> bool,
        expected: &str,
    ) -> Result<(), ScoreError> {
        if value.is_finite() && ok(value) {
            return Ok(());
        }
        Err(self.bad_parameter(parameter, format!("must be {expected}, found {value}")))
    }

    fn bad_parameter(&self, parameter: &str, message: String) -> ScoreError {
        ScoreError::BadParameter {
            model: self.name.clone(),
            parameter: parameter.into(),
            message,
        }
    }

    /// Opening hours in one demand period.
    pub fn hours_per_period(&self) -> f64 {
        match self.demand_period {
            DemandPeriod::Year => self.opening_hours_per_day * self.opening_days_per_year,
            DemandPeriod::Month => self.opening_hours_per_day * self.opening_days_per_year / 12.0,
            DemandPeriod::Day => self.opening_hours_per_day,
        }
    }

    /// The share of visits of a branch of `format` that need a counter.
    ///
    /// `counter-share-by-format` for the format if it names it; otherwise 0 for a self-service point
    /// (unstaffed by definition: every visit goes to its machines) and `counter-share` for the rest.
    pub fn counter_share_of(&self, format: Option<BranchFormat>) -> f64 {
        match format {
            Some(f) => match self.counter_share_by_format.get(&f) {
                Some(&share) => share,
                None if f == BranchFormat::SelfService => 0.0,
                None => self.counter_share,
            },
            None => self.counter_share,
        }
    }

    /// Counter arrivals per hour at a branch of `format` with `demand` per period.
    pub fn arrivals_per_hour(&self, demand: f64, format: Option<BranchFormat>) -> f64 {
        demand * self.visits_per_unit * self.counter_share_of(format) * self.peak_factor
            / self.hours_per_period()
    }

    /// The queue at a branch with `counters` (None or 0: none) and `arrivals_per_hour`.
    ///
    /// Without counters the waits are NaN, unless nothing arrives at the counters (a self-service point):
    /// then there is no queue and every wait is 0.
    pub fn site_queue(&self, arrivals_per_hour: f64, counters: Option<u32>) -> SiteQueue {
        let offered_load = arrivals_per_hour * self.service_min / 60.0;
        let counters_needed = servers_needed(
            offered_load,
            self.service_min,
            self.threshold_min,
            self.target_share,
        )
        .map_or(f64::NAN, f64::from);
        let Some(c) = counters.filter(|&c| c > 0) else {
            let wait = if offered_load == 0.0 { 0.0 } else { f64::NAN };
            return SiteQueue {
                arrivals_per_hour,
                offered_load,
                utilisation: f64::NAN,
                p_wait: wait,
                p_wait_over: wait,
                mean_wait_min: wait,
                counters_needed,
            };
        };
        let p_wait = erlang_c(c, offered_load);
        SiteQueue {
            arrivals_per_hour,
            offered_load,
            utilisation: offered_load / f64::from(c),
            p_wait,
            p_wait_over: tail_from_c(p_wait, c, offered_load, self.service_min, self.threshold_min),
            mean_wait_min: mean_wait_from_c(p_wait, c, offered_load, self.service_min),
            counters_needed,
        }
    }
}

fn unit_share(v: f64) -> bool {
    (0.0..=1.0).contains(&v)
}

/// Network totals gathered while scoring the sites.
#[derive(Debug, Default)]
struct Tally {
    scored: usize,
    without_counters: Vec<String>,
    without_demand: Vec<String>,
    unstable: usize,
    over_target: usize,
    counters_short: f64,
    arrivals: f64,
    arrivals_waiting_over: f64,
    arrivals_times_wait: f64,
}

impl Tally {
    fn add(&mut self, site: &Site, queue: &SiteQueue, target_share: f64) {
        self.scored += 1;
        if queue.p_wait.is_nan() {
            self.without_counters.push(site.id.clone());
            return;
        }
        let counters = site.counters.unwrap_or(0);
        if queue.mean_wait_min.is_infinite() {
            self.unstable += 1;
        }
        if queue.p_wait_over > target_share {
            self.over_target += 1;
        }
        self.counters_short += (queue.counters_needed - f64::from(counters)).max(0.0);
        self.arrivals += queue.arrivals_per_hour;
        self.arrivals_waiting_over += queue.arrivals_per_hour * queue.p_wait_over;
        // An unstable branch with arrivals makes the network mean infinite, as it should; one without
        // arrivals adds nothing (0 · ∞ would be NaN).
        if queue.arrivals_per_hour > 0.0 {
            self.arrivals_times_wait += queue.arrivals_per_hour * queue.mean_wait_min;
        }
    }

    fn figures(&self) -> Vec<Figure> {
        let per_arrival = |total: f64| {
            if self.arrivals > 0.0 {
                total / self.arrivals
            } else {
                0.0
            }
        };
        let count = |n: usize| n as f64;
        [
            ("share_waiting_over", per_arrival(self.arrivals_waiting_over)),
            ("mean_wait_min", per_arrival(self.arrivals_times_wait)),
            ("unstable_branches", count(self.unstable)),
            ("branches_over_target", count(self.over_target)),
            ("counters_short", self.counters_short),
            ("sites_scored", count(self.scored)),
            ("sites_without_counters", count(self.without_counters.len())),
            ("sites_without_demand", count(self.without_demand.len())),
        ]
        .into_iter()
        .map(|(name, value)| Figure {
            name: name.into(),
            value,
        })
        .collect()
    }
}

/// The first few ids of a list, for a log line.
fn first_ids(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = ids.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

/// One output column per [`SiteQueue`] field, NaN where a site is not scored.
struct QueueColumns {
    fields: [(&'static str, Vec<f64>); 7],
}

impl QueueColumns {
    fn new(n: usize) -> Self {
        let nan = || vec![f64::NAN; n];
        Self {
            fields: [
                ("arrivals_per_hour", nan()),
                ("offered_load", nan()),
                ("utilisation", nan()),
                ("p_wait", nan()),
                ("p_wait_over", nan()),
                ("mean_wait_min", nan()),
                ("counters_needed", nan()),
            ],
        }
    }

    fn set(&mut self, j: usize, q: &SiteQueue) {
        let values = [
            q.arrivals_per_hour,
            q.offered_load,
            q.utilisation,
            q.p_wait,
            q.p_wait_over,
            q.mean_wait_min,
            q.counters_needed,
        ];
        for ((_, column), value) in self.fields.iter_mut().zip(values) {
            column[j] = value;
        }
    }

    fn into_columns(self) -> Vec<Column> {
        self.fields
            .into_iter()
            .map(|(name, values)| Column::new(name, values))
            .collect()
    }
}

impl ScoringModel for QueueModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        self.validate()?;
        let demand = ctx.site_column(&self.name, &self.demand)?;
        let sites = ctx.scenario.sites.all();
        let mut columns = QueueColumns::new(sites.len());
        let mut tally = Tally::default();
        for (j, (site, &d)) in sites.iter().zip(&demand).enumerate() {
            if !self.kinds.contains(&site.kind) {
                continue;
            }
            if d.is_nan() {
                tally.without_demand.push(site.id.clone());
                continue;
            }
            if d < 0.0 || d.is_infinite() {
                return Err(ScoreError::BadInput {
                    model: self.name.clone(),
                    message: format!(
                        "column `{}` at site `{}`: demand must be finite and ≥ 0, found {d}",
                        self.demand, site.id
                    ),
                });
            }
            let queue = self.site_queue(self.arrivals_per_hour(d, site.format), site.counters);
            columns.set(j, &queue);
            tally.add(site, &queue, self.target_share);
        }
        if !tally.without_counters.is_empty() {
            warn!(
                model = %self.name,
                "{} site(s) without counters get no waiting figures: {}",
                tally.without_counters.len(),
                first_ids(&tally.without_counters)
            );
        }
        if !tally.without_demand.is_empty() {
            warn!(
                model = %self.name,
                "{} site(s) without a `{}` value are not scored: {}",
                tally.without_demand.len(),
                self.demand,
                first_ids(&tally.without_demand)
            );
        }
        debug!(model = %self.name, scored = tally.scored, unstable = tally.unstable, "queues scored");
        Ok(Scores {
            sites: columns.into_columns(),
            figures: tally.figures(),
            ..Scores::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use branchnet_core::{Cells, FrameDef, Regions, Scenario, Sites, SourceRef};
    use branchnet_spatial::travel::Euclidean;

    use super::*;

    /// Erlang C by its textbook closed form with factorials, in f64: an independent check for small `c`.
    fn erlang_c_factorials(c: u32, a: f64) -> f64 {
        let factorial = |n: u32| (1..=n).map(f64::from).product::<f64>();
        let below: f64 = (0..c).map(|k| a.powi(k as i32) / factorial(k)).sum();
        let top = a.powi(c as i32) / factorial(c) * f64::from(c) / (f64::from(c) - a);
        top / (below + top)
    }

    /// Erlang C through log-space terms (ln k! summed): independent of the recursion, valid for large `c`.
    fn erlang_c_log_space(c: u32, a: f64) -> f64 {
        let ln_term = |k: u32| f64::from(k) * a.ln() - (1..=k).map(|i| f64::from(i).ln()).sum::<f64>();
        let ln_top = ln_term(c) + (f64::from(c) / (f64::from(c) - a)).ln();
        let ln_max = (0..c).map(ln_term).fold(ln_top, f64::max);
        let below: f64 = (0..c).map(|k| (ln_term(k) - ln_max).exp()).sum();
        let top = (ln_top - ln_max).exp();
        top / (below + top)
    }

    #[test]
    fn erlang_c_matches_published_values() {
        // Two servers offered one Erlang: C = 1/3 exactly (textbook value).
        assert_relative_eq!(erlang_c(2, 1.0), 1.0 / 3.0, max_relative = 1e-14);
        // The widely published call-centre example: 10 agents, 8 Erlangs → P(wait) ≈ 0.409.
        assert_relative_eq!(erlang_c(10, 8.0), 0.409, epsilon = 5e-4);
        // M/M/1: P(wait) = ρ.
        for rho in [0.1, 0.5, 0.9, 0.99] {
            assert_relative_eq!(erlang_c(1, rho), rho, max_relative = 1e-14);
        }
        // The worked call-centre example (360 calls per half hour, 4 min each, 55 agents, 15 s target):
        // 48 Erlangs; as printed, 23.9% wait, a mean wait of 8.2 s and 84.6% answered within 15 s.
        let a = 360.0 * 4.0 / 30.0;
        assert_relative_eq!(a, 48.0);
        assert_relative_eq!(erlang_c(55, a), 0.239, epsilon = 5e-4);
        assert_relative_eq!(mean_wait(55, a, 240.0), 8.2, epsilon = 0.05);
        assert_relative_eq!(1.0 - wait_exceeds(55, a, 240.0, 15.0), 0.846, epsilon = 5e-4);
    }

    #[test]
    fn erlang_c_matches_the_factorial_closed_form() {
        for c in 1..=40u32 {
            for fraction in [0.01, 0.2, 0.5, 0.8, 0.95, 0.999] {
                let a = fraction * f64::from(c);
                let expected = erlang_c_factorials(c, a);
                assert_relative_eq!(erlang_c(c, a), expected, max_relative = 1e-11);
            }
        }
    }

    #[test]
    fn erlang_c_is_accurate_for_hundreds_of_servers() {
        for (c, a) in [
            (100, 90.0),
            (300, 290.0),
            (500, 480.0),
            (800, 700.0),
            (1000, 999.0),
        ] {
            let got = erlang_c(c, a);
            assert!(
                got.is_finite() && (0.0..=1.0).contains(&got),
                "C({c}, {a}) = {got}"
            );
            assert_relative_eq!(got, erlang_c_log_space(c, a), max_relative = 1e-9);
        }
        // Far below capacity the probability underflows towards 0 rather than becoming NaN.
        assert!(erlang_c(500, 10.0) >= 0.0 && erlang_c(500, 10.0) < 1e-300);
    }

    #[test]
    fn erlang_b_matches_the_loss_formula() {
        // B(c, a) = (a^c/c!) / Σ_{k≤c} a^k/k!; e.g. B(1, a) = a/(1 + a).
        assert_relative_eq!(erlang_b(1, 3.0), 0.75);
        let factorial = |n: u32| (1..=n).map(f64::from).product::<f64>();
        for c in 0..=25u32 {
            let a: f64 = 7.5;
            let terms: Vec<f64> = (0..=c).map(|k| a.powi(k as i32) / factorial(k)).collect();
            let expected = terms[c as usize] / terms.iter().sum::<f64>();
            assert_relative_eq!(erlang_b(c, a), expected, max_relative = 1e-12);
        }
    }

    #[test]
    fn waits_follow_the_rate_formulas() {
        // In rates: λ = 30 an hour, μ = 12 an hour (5 min), c = 4, t = 0.25 h (15 min).
        let (lambda, mu, c, t) = (30.0, 12.0, 4u32, 0.25);
        let cc = erlang_c_factorials(c, lambda / mu);
        let tail = cc * (-(f64::from(c) * mu - lambda) * t).exp();
        let mean_hours = cc / (f64::from(c) * mu - lambda);
        // The functions take the load and the service time in one unit (minutes here).
        assert_relative_eq!(wait_exceeds(c, 2.5, 5.0, 15.0), tail, max_relative = 1e-12);
        assert_relative_eq!(mean_wait(c, 2.5, 5.0), mean_hours * 60.0, max_relative = 1e-12);
        // Threshold zero: the tail is the probability of waiting at all.
        assert_relative_eq!(wait_exceeds(c, 2.5, 5.0, 0.0), cc, max_relative = 1e-12);
    }

    #[test]
    fn unstable_and_degenerate_queues_are_explicit() {
        assert_eq!(erlang_c(3, 3.0), 1.0);
        assert_eq!(erlang_c(3, 7.0), 1.0);
        assert_eq!(erlang_c(0, 0.5), 1.0);
        assert_eq!(wait_exceeds(3, 4.0, 5.0, 15.0), 1.0);
        assert_eq!(mean_wait(3, 3.0, 5.0), f64::INFINITY);
        assert_eq!(erlang_c(4, 0.0), 0.0);
        assert_eq!(mean_wait(4, 0.0, 5.0), 0.0);
        assert!(erlang_c(2, -1.0).is_nan());
        assert!(erlang_c(2, f64::NAN).is_nan());
        assert!(mean_wait(2, 1.0, 0.0).is_nan());
        assert!(wait_exceeds(2, 1.0, 5.0, -1.0).is_nan());
    }

    #[test]
    fn servers_needed_is_the_smallest_count_meeting_the_target() {
        // Brute force: the first stable c whose tail meets the target.
        // Nothing arriving needs no server (by the function's definition); otherwise the first stable c.
        let brute = |a: f64, s: f64, t: f64, target: f64| {
            if a == 0.0 {
                return Some(0);
            }
            (1..10_000u32).find(|&c| f64::from(c) > a && wait_exceeds(c, a, s, t) <= target)
        };
        for a in [0.0, 0.3, 1.0, 2.5, 7.9, 8.0, 23.4, 48.0, 150.0] {
            for t in [0.0, 2.0, 15.0] {
                for target in [0.01, 0.1, 0.14, 0.33, 1.0] {
                    let got = servers_needed(a, 5.0, t, target);
                    assert_eq!(got, brute(a, 5.0, t, target), "a {a} t {t} target {target}");
                }
            }
        }
        // The ErlangC application in Mathematica's documentation: 30 calls an hour of 5 minutes, at least
        // 90% not delayed at all → 6 servers (C(5, 2.5) = 0.130, C(6, 2.5) = 0.047).
        assert_eq!(servers_needed(2.5, 5.0, 0.0, 0.1), Some(6));
        assert_eq!(servers_needed(1.0, 5.0, 15.0, 0.0), None);
        assert_eq!(servers_needed(f64::NAN, 5.0, 15.0, 0.1), None);
        assert_eq!(servers_needed(1.0, 0.0, 15.0, 0.1), None);
    }

    fn site(
        id: &str,
        kind: SiteKind,
        format: Option<BranchFormat>,
        counters: Option<u32>,
        volume: Option<f64>,
    ) -> Site {
        let mut s = Site::new(id, kind, 0.0, 0.0, SourceRef { layer: 0, row: 1 });
        (s.x, s.y) = (0.0, 0.0);
        s.format = format;
        s.counters = counters;
        s.observed_volume = volume;
        s
    }

    fn scenario(sites: Vec<Site>) -> Scenario {
        Scenario {
            name: "queues".into(),
            currency: "CNY".into(),
            frame: FrameDef {
                central_meridian_deg: 114.3,
                origin_lat_deg: 30.6,
            },
            cells: Cells::new(vec![0.0], vec![0.0]).expect("one cell"),
            sites: Sites::new(sites),
            regions: Regions::default(),
        }
    }

    fn run(model: &QueueModel, scenario: &Scenario) -> Result<Scores, ScoreError> {
        let points: Vec<[f64; 2]> = scenario.sites.all().iter().map(|s| [s.x, s.y]).collect();
        let travel = Euclidean::new(vec![[0.0, 0.0]], points);
        let computed = Scores::default();
        model.score(&ScoreContext {
            scenario,
            travel: &travel,
            computed: &computed,
        })
    }

    #[test]
    fn the_model_scores_branches_by_hand() {
        let sc = scenario(vec![
            // 24,000 visits a year over 300 days x 8 h = 10 an hour; 60% at the counters = 6 an hour;
            // 6 min each → 0.6 Erlang on 2 counters.
            site(
                "A",
                SiteKind::Own,
                Some(BranchFormat::Full),
                Some(2),
                Some(24_000.0),
            ),
            // Smart: 25% at the counters → 2.5 an hour → 0.25 Erlang on 1 counter.
            site(
                "B",
                SiteKind::Own,
                Some(BranchFormat::Smart),
                Some(1),
                Some(24_000.0),
            ),
            // 120,000 visits → 30 counter arrivals an hour → 3 Erlangs on 3 counters: unstable.
            site("C", SiteKind::Own, None, Some(3), Some(120_000.0)),
            // No counters: only the counters it needs.
            site("D", SiteKind::Own, None, None, Some(24_000.0)),
            // No demand: not scored.
            site("E", SiteKind::Own, None, Some(2), None),
            site("X", SiteKind::Competitor, None, Some(5), Some(24_000.0)),
        ]);
        let model = QueueModel {
            demand: "observed_volume".into(),
            counter_share_by_format: [(BranchFormat::Smart, 0.25)].into_iter().collect(),
            ..QueueModel::default()
        };
        let scores = run(&model, &sc).expect("scores");
        let col = |name: &str| scores.site(name).expect(name).to_vec();
        let arrivals = col("arrivals_per_hour");
        assert_relative_eq!(arrivals[0], 6.0, max_relative = 1e-12);
        assert_relative_eq!(arrivals[1], 2.5, max_relative = 1e-12);
        assert_relative_eq!(arrivals[2], 30.0, max_relative = 1e-12);
        assert!(arrivals[4].is_nan() && arrivals[5].is_nan());

        // A: C(2, 0.6) = 2·B/(2 − 0.6(1 − B)), B(1) = 0.6/1.6 = 0.375, B(2) = 0.225/2.225.
        let b2 = 0.225 / 2.225;
        let c_a = 2.0 * b2 / (2.0 - 0.6 * (1.0 - b2));
        assert_relative_eq!(col("utilisation")[0], 0.3, max_relative = 1e-12);
        assert_relative_eq!(col("p_wait")[0], c_a, max_relative = 1e-12);
        // P(W > 15) = C·exp(−(2 − 0.6)·15/6); E[W] = C·6/1.4 minutes.
        assert_relative_eq!(
            col("p_wait_over")[0],
            c_a * (-1.4f64 * 2.5).exp(),
            max_relative = 1e-12
        );
        assert_relative_eq!(col("mean_wait_min")[0], c_a * 6.0 / 1.4, max_relative = 1e-12);
        // B: M/M/1 with ρ = 0.25: C = 0.25, E[W] = 0.25·6/0.75 = 2 minutes.
        assert_relative_eq!(col("p_wait")[1], 0.25, max_relative = 1e-12);
        assert_relative_eq!(col("mean_wait_min")[1], 2.0, max_relative = 1e-12);
        assert_eq!(col("counters_needed")[1], 1.0);
        // C: unstable.
        assert_eq!(col("p_wait")[2], 1.0);
        assert_eq!(col("p_wait_over")[2], 1.0);
        assert_eq!(col("mean_wait_min")[2], f64::INFINITY);
        let needed_c = col("counters_needed")[2];
        assert_eq!(Some(needed_c as u32), servers_needed(3.0, 6.0, 15.0, 0.1));
        // A needs 2: one counter would leave C(1, 0.6)·exp(−0.4·15/6) = 0.6/e = 0.22 waiting over 15 min.
        assert_eq!(col("counters_needed")[0], 2.0);
        // D: no counters → no waits, but the counters it needs (same load as A).
        assert!(col("p_wait")[3].is_nan() && col("utilisation")[3].is_nan());
        assert_eq!(col("counters_needed")[3], 2.0);

        // Network: arrival-weighted over A, B, C (sites with counters and demand).
        let share = (6.0 * col("p_wait_over")[0] + 2.5 * col("p_wait_over")[1] + 30.0) / 38.5;
        let figure = |name: &str| scores.figure(name).expect(name);
        assert_relative_eq!(figure("share_waiting_over"), share, max_relative = 1e-12);
        assert_eq!(figure("mean_wait_min"), f64::INFINITY);
        assert_eq!(figure("unstable_branches"), 1.0);
        assert_eq!(figure("branches_over_target"), 1.0);
        assert_eq!(figure("counters_short"), needed_c - 3.0);
        assert_eq!(figure("sites_scored"), 4.0);
        assert_eq!(figure("sites_without_counters"), 1.0);
        assert_eq!(figure("sites_without_demand"), 1.0);
    }

    #[test]
    fn demand_periods_scale_the_arrivals() {
        let year = QueueModel::default();
        let month = QueueModel {
            demand_period: DemandPeriod::Month,
            ..QueueModel::default()
        };
        let day = QueueModel {
            demand_period: DemandPeriod::Day,
            peak_factor: 1.5,
            ..QueueModel::default()
        };
        // 2400 opening hours a year, 200 a month, 8 a day.
        assert_relative_eq!(year.arrivals_per_hour(2400.0, None), 0.6);
        assert_relative_eq!(month.arrivals_per_hour(200.0, None), 0.6);
        assert_relative_eq!(day.arrivals_per_hour(8.0, None), 0.6 * 1.5);
    }

    #[test]
    fn bad_parameters_and_inputs_are_named() {
        let sc = scenario(vec![site("A", SiteKind::Own, None, Some(2), Some(-5.0))]);
        let model = QueueModel {
            demand: "observed_volume".into(),
            ..QueueModel::default()
        };
        let err = run(&model, &sc).expect_err("negative demand");
        assert!(err.to_string().contains("site `A`"), "{err}");
        for (broken, parameter) in [
            (
                QueueModel {
                    counter_share: 1.5,
                    ..QueueModel::default()
                },
                "counter-share",
            ),
            (
                QueueModel {
                    target_share: 0.0,
                    ..QueueModel::default()
                },
                "target-share",
            ),
            (
                QueueModel {
                    service_min: f64::NAN,
                    ..QueueModel::default()
                },
                "service-min",
            ),
            (
                QueueModel {
                    kinds: vec![],
                    ..QueueModel::default()
                },
                "kinds",
            ),
            (
                QueueModel {
                    counter_share_by_format: [(BranchFormat::Light, -0.1)].into_iter().collect(),
                    ..QueueModel::default()
                },
                "counter-share-by-format.light",
            ),
        ] {
            match broken.validate() {
                Err(ScoreError::BadParameter { parameter: p, .. }) => assert_eq!(p, parameter),
                other => panic!("{parameter}: {other:?}"),
            }
        }
        let missing = run(&QueueModel::default(), &sc).expect_err("no huff column");
        assert!(matches!(missing, ScoreError::MissingColumn { ref column, .. } if column == "huff.captured"));
    }

    #[test]
    fn the_config_reads_from_kebab_case_toml() {
        let model: QueueModel = toml::from_str(
            r#"
            demand = "observed_volume"
            demand-period = "month"
            counter-share-by-format = { smart = 0.25, self-service = 0.0 }
            threshold-min = 10
            kinds = ["own", "candidate"]
            "#,
        )
        .expect("parses");
        assert_eq!(model.name, "queue");
        assert_eq!(model.demand_period, DemandPeriod::Month);
        assert_eq!(model.counter_share_of(Some(BranchFormat::SelfService)), 0.0);
        assert_eq!(model.counter_share_of(Some(BranchFormat::Full)), 0.6);
        assert_eq!(model.threshold_min, 10.0);
        assert!(toml::from_str::<QueueModel>("service-minutes = 5").is_err());
        // The registry hands models a `toml::Value`; format keys read the same way from it.
        let value = toml::Value::Table(toml::to_string(&model).expect("writes").parse().expect("table"));
        assert_eq!(QueueModel::deserialize(value).expect("from a value"), model);
        let round_trip: QueueModel =
            toml::from_str(&toml::to_string(&model).expect("writes")).expect("reads");
        assert_eq!(round_trip, model);
    }
}
