//! KPIs of a network, computed cell by cell from branch positions — the same code for today's network and
//! the plan's, so the two columns of the KPI table compare like with like.
//!
//! - coverage: a cell is covered when its nearest own branch is within its service radius (urban or
//!   rural); covered residents, elderly and planning demand, and the population-weighted mean and 95th
//!   percentile of the distance to the nearest branch;
//! - capture: Huff against the competitors (attractiveness = counters, `d⁻²` beyond 100 m, nothing beyond
//!   5 km), the own branches' captured planning demand and share;
//! - queues: each cell's counter demand goes to its nearest own branch (what customers do), and the
//!   share of counter customers waiting over the threshold is Erlang C per branch, arrival-weighted.

use branchnet_core::{BranchFormat, Decay};
use branchnet_score::competition::huff_capture;
use branchnet_spatial::SiteIndex;

use crate::config::ServiceLevelConfig;
use crate::directions::Macro;
use crate::inputs::Inputs;
use crate::plan::Kpis;

/// Reach of the capture model, metres.
const CAPTURE_CUTOFF_M: f64 = 5_000.0;

/// The distance weight of Huff capture: `d⁻²`, flat within 100 m, nothing beyond `cutoff`.
pub fn capture_decay(cutoff: f64) -> Decay {
    Decay::Power {
        beta: 2.0,
        min_distance: 100.0,
        cutoff: Some(cutoff),
    }
}

/// An own network: its open branches.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Positions, metres.
    pub points: Vec<[f64; 2]>,
    /// Counters per branch.
    pub counters: Vec<u32>,
    /// Format per branch.
    pub formats: Vec<Option<BranchFormat>>,
    /// Region of the macro level per branch.
    pub regions: Vec<Option<u32>>,
    /// Annual operating cost of the network.
    pub annual_cost: f64,
    /// One-off cost spent to reach it.
    pub capital_cost: f64,
}

/// What every KPI computation shares: the inputs, the competitors, the queue parameters.
pub struct KpiContext<'a> {
    /// The scored scenario.
    pub inputs: &'a Inputs<'a>,
    /// The macro regions (for branches per region).
    pub macro_level: &'a Macro,
    /// Queue parameters and the counter demand per cell, when a service level is set.
    pub queues: Option<(&'a ServiceLevelConfig, &'a [f64])>,
}

impl KpiContext<'_> {
    /// The KPIs of `network`.
    pub fn kpis(&self, network: &Network) -> Kpis {
        let inputs = self.inputs;
        let cells = &inputs.scenario.cells;
        let points: Vec<[f64; 2]> = cells.x().iter().zip(cells.y()).map(|(&x, &y)| [x, y]).collect();
        let nearest = SiteIndex::new(&network.points).nearest(&points);
        let (mut pop_cov, mut eld_cov, mut dem_cov) = (0.0, 0.0, 0.0);
        let mut by_distance: Vec<(f64, f64)> = Vec::with_capacity(points.len());
        for (i, near) in nearest.iter().enumerate() {
            let d = near.map_or(f64::INFINITY, |n| n.1);
            if d <= inputs.radius_of(i) {
                pop_cov += inputs.population[i];
                dem_cov += inputs.demand[i];
                eld_cov += inputs.elderly.map_or(0.0, |e| e[i]);
            }
            by_distance.push((d, inputs.population[i]));
        }
        let population: f64 = inputs.population.iter().sum();
        let demand: f64 = inputs.demand.iter().sum();
        let elderly = inputs.elderly.map(|e| e.iter().sum::<f64>());
        let (mean, p95) = distance_figures(&mut by_distance);
        let (captured, share) = self.capture(network, demand);
        Kpis {
            branches: network.points.len(),
            population_covered: pop_cov,
            population,
            elderly_covered: elderly.map(|_| eld_cov),
            elderly,
            demand_covered: dem_cov,
            demand,
            coverage: if population > 0.0 {
                pop_cov / population
            } else {
                0.0
            },
            mean_distance_m: mean,
            p95_distance_m: p95,
            captured_demand: captured,
            market_share: share,
            share_waiting_too_long: self.waiting(network, &nearest),
            branches_per_region: self.per_region(network),
            annual_cost: network.annual_cost,
            capital_cost: network.capital_cost,
        }
    }

    fn capture(&self, network: &Network, demand: f64) -> (Option<f64>, Option<f64>) {
        let inputs = self.inputs;
        if inputs.competitors.is_empty() || network.points.is_empty() {
            return (None, None);
        }
        let sites = inputs.scenario.sites.all();
        let mut points = network.points.clone();
        let mut log_attr: Vec<f64> = network
            .counters
            .iter()
            .map(|&c| f64::from(c.max(1)).ln())
            .collect();
        let mut own = vec![true; points.len()];
        for &j in &inputs.competitors {
            points.push([sites[j].x, sites[j].y]);
            log_attr.push(f64::from(sites[j].counters.unwrap_or(1).max(1)).ln());
            own.push(false);
        }
        let cells = &inputs.scenario.cells;
        let cell_points: Vec<[f64; 2]> = cells.x().iter().zip(cells.y()).map(|(&x, &y)| [x, y]).collect();
        let pairs = SiteIndex::new(&points).within(&cell_points, CAPTURE_CUTOFF_M);
        let decay = capture_decay(CAPTURE_CUTOFF_M);
        let capture = huff_capture(&pairs, inputs.demand, &log_attr, &decay, &own);
        let captured: f64 = capture
            .captured
            .iter()
            .zip(&own)
            .filter(|(_, o)| **o)
            .map(|(c, _)| c)
            .sum();
        (Some(captured), (demand > 0.0).then(|| captured / demand))
    }

    fn waiting(&self, network: &Network, nearest: &[Option<(u32, f64)>]) -> Option<f64> {
        let (sl, load) = self.queues?;
        let mut per_branch = vec![0.0; network.points.len()];
        for (near, &l) in nearest.iter().zip(load) {
            if let Some((j, _)) = near {
                per_branch[*j as usize] += l;
            }
        }
        let (mut waiting, mut arrivals) = (0.0, 0.0);
        for (j, &l) in per_branch.iter().enumerate() {
            let a = sl.arrivals_per_hour(l);
            waiting += a * sl.share_waiting_too_long(network.counters[j], l);
            arrivals += a;
        }
        Some(if arrivals > 0.0 { waiting / arrivals } else { 0.0 })
    }

    fn per_region(&self, network: &Network) -> Vec<(String, usize)> {
        let regions = self.inputs.scenario.regions.all();
        let mut counts = vec![0usize; self.macro_level.regions.len()];
        for r in network.regions.iter().flatten() {
            if let Some(k) = self.macro_level.local(*r) {
                counts[k] += 1;
            }
        }
        self.macro_level
            .regions
            .iter()
            .zip(counts)
            .map(|(&r, c)| (regions[r as usize].id.clone(), c))
            .collect()
    }
}

/// Population-weighted mean and 95th percentile of the distance (NaN when no cell reaches a branch).
fn distance_figures(by_distance: &mut [(f64, f64)]) -> (f64, f64) {
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = by_distance.iter().filter(|c| c.0.is_finite()).map(|c| c.1).sum();
    if total <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = by_distance
        .iter()
        .filter(|c| c.0.is_finite())
        .map(|c| c.0 * c.1)
        .sum::<f64>()
        / total;
    let mut acc = 0.0;
    let mut p95 = f64::NAN;
    for &(d, w) in by_distance.iter() {
        acc += w;
        if acc >= 0.95 * total {
            p95 = d;
            break;
        }
    }
    (mean, p95)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_percentile_by_hand() {
        // 10 people at 100 m, 85 at 200 m, 5 at 900 m: the 95th person is at 200 m; the mean 225 m.
        let mut d = vec![(900.0, 5.0), (100.0, 10.0), (200.0, 85.0)];
        let (mean, p95) = distance_figures(&mut d);
        assert!((mean - (1000.0 + 17_000.0 + 4_500.0) / 100.0).abs() < 1e-9);
        assert_eq!(p95, 200.0);
    }
}
