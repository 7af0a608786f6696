//! Macro direction: per region of the planning level, demand potential now and at the horizon against
//! today's supply, a gap index, a branch quota and the direction that follows.
//!
//! **Quotas** apportion the network's branches (today's count unless `[plan.macro] branches` says
//! otherwise) to regions in proportion to their future demand, by the largest-remainder (Hamilton) method
//! with floors: every populated region keeps `floor` branches, and no region gets fewer than its protected
//! branches. A plan cycle moves a region at most `max-change` of today's branches there (at least one), so
//! the quota is the ideal clamped to that band, the surplus or shortfall being passed to the regions furthest
//! from their ideal that still have room. The layout may miss a quota by `tolerance` branches either way.

use branchnet_core::RegionIdx;

use crate::config::MacroConfig;
use crate::inputs::Inputs;
use crate::plan::{Direction, RegionDirection};

/// The macro stage's result: one direction per region of the level, and the local index of each region.
pub struct Macro {
    /// Directions, in the level's region order.
    pub directions: Vec<RegionDirection>,
    /// Global region index of each direction.
    pub regions: Vec<RegionIdx>,
    /// Branches in the network after the plan.
    pub total: usize,
}

impl Macro {
    /// Local index (into `directions`) of a global region index.
    pub fn local(&self, region: RegionIdx) -> Option<usize> {
        self.regions.iter().position(|&r| r == region)
    }
}

/// Per-region sums the directions are computed from.
struct Sums {
    now: f64,
    future: f64,
    population: f64,
    covered: f64,
    branches: usize,
    protected: usize,
    counters: u32,
}

/// Computes the directions and quotas; `covered[i]` says whether cell `i` is within reach of an own
/// branch today.
pub fn directions(inputs: &Inputs<'_>, config: &MacroConfig, covered: &[bool]) -> Macro {
    let scenario = inputs.scenario;
    let regions: Vec<RegionIdx> = scenario.regions.of_level(inputs.level).map(|(i, _)| i).collect();
    let local = |r: RegionIdx| regions.iter().position(|&x| x == r);
    let now_column = inputs.cell_column("potential.now").unwrap_or(inputs.demand);
    let mut sums: Vec<Sums> = (0..regions.len())
        .map(|_| Sums {
            now: 0.0,
            future: 0.0,
            population: 0.0,
            covered: 0.0,
            branches: 0,
            protected: 0,
            counters: 0,
        })
        .collect();
    for i in 0..scenario.cells.len() {
        if let Some(r) = inputs.cell_region(i).and_then(local) {
            let s = &mut sums[r];
            s.now += now_column[i];
            s.future += inputs.demand[i];
            s.population += inputs.population[i];
            if covered[i] {
                s.covered += inputs.demand[i];
            }
        }
    }
    for &j in &inputs.own {
        if let Some(r) = inputs.site_region(j).and_then(local) {
            let site = &scenario.sites.all()[j];
            sums[r].branches += 1;
            sums[r].protected += usize::from(site.protected);
            sums[r].counters += site.counters.unwrap_or(0);
        }
    }
    let branches_today: usize = sums.iter().map(|s| s.branches).sum();
    let total = config.branches.unwrap_or(branches_today);
    let future_total: f64 = sums.iter().map(|s| s.future).sum();
    let now_total: f64 = sums.iter().map(|s| s.now).sum();
    let floors: Vec<usize> = sums
        .iter()
        .map(|s| {
            let floor = if s.population > 0.0 { config.floor } else { 0 };
            floor.max(s.protected)
        })
        .collect();
    let weights: Vec<f64> = sums.iter().map(|s| s.future).collect();
    let ideal = apportion(total, &weights, &floors);
    let today: Vec<usize> = sums.iter().map(|s| s.branches).collect();
    let quotas = damp(&ideal, &today, &floors, config.max_change, total);
    let network_change = if now_total > 0.0 {
        future_total / now_total - 1.0
    } else {
        0.0
    };
    let directions = regions
        .iter()
        .enumerate()
        .map(|(r, &region)| {
            let s = &sums[r];
            let info = &scenario.regions.all()[region as usize];
            let future_share = if future_total > 0.0 {
                s.future / future_total
            } else {
                0.0
            };
            // A region without branches gets half a branch's share, so the index stays finite and large.
            let branch_share = (s.branches as f64).max(0.5) / (branches_today.max(1) as f64);
            let gap_index = future_share / branch_share;
            let quota = quotas[r];
            let direction = match quota.cmp(&s.branches) {
                std::cmp::Ordering::Greater => Direction::Grow,
                std::cmp::Ordering::Less => Direction::Consolidate,
                std::cmp::Ordering::Equal => Direction::Hold,
            };
            let change = if s.now > 0.0 { s.future / s.now - 1.0 } else { 0.0 };
            let mut reasons = Vec::new();
            if change > network_change + 0.01 {
                reasons.push("potential-growing".to_string());
            } else if change < network_change - 0.01 {
                reasons.push("potential-shrinking".to_string());
            }
            if gap_index > 1.15 {
                reasons.push("under-served".to_string());
            } else if gap_index < 0.85 {
                reasons.push("over-branched".to_string());
            }
            if quota == floors[r] && ideal[r] <= floors[r] && floors[r] > 0 {
                reasons.push(if s.protected == floors[r] && s.protected > 0 {
                    "protected-floor".to_string()
                } else {
                    "inclusion-floor".to_string()
                });
            }
            if quota != ideal[r] && band_excludes(ideal[r], s.branches, floors[r], config.max_change) {
                reasons.push("change-capped".to_string());
            }
            let lo = quota.saturating_sub(config.tolerance).max(floors[r]);
            RegionDirection {
                region: info.id.clone(),
                name: info.name.clone(),
                potential_now: s.now,
                potential_future: s.future,
                population: s.population,
                branches: s.branches,
                counters: s.counters,
                coverage: if s.future > 0.0 { s.covered / s.future } else { 0.0 },
                gap_index,
                direction,
                quota,
                quota_range: (lo, quota + config.tolerance),
                branches_after: s.branches,
                reasons,
            }
        })
        .collect();
    Macro {
        directions,
        regions,
        total,
    }
}

/// Largest-remainder apportionment of `total` seats by `weights`, every region getting at least its floor.
///
/// Regions whose proportional share falls below their floor get the floor and leave the rest to be shared
/// by the others, repeated until every share clears its floor; then the integer parts, then one more seat
/// each to the largest remainders. When the floors alone exceed `total`, the floors are returned.
pub fn apportion(total: usize, weights: &[f64], floors: &[usize]) -> Vec<usize> {
    let n = weights.len();
    let mut fixed = vec![false; n];
    loop {
        let seats = total.saturating_sub((0..n).filter(|&r| fixed[r]).map(|r| floors[r]).sum());
        let weight: f64 = (0..n).filter(|&r| !fixed[r]).map(|r| weights[r]).sum();
        let share = |r: usize| {
            if weight > 0.0 {
                seats as f64 * weights[r] / weight
            } else {
                0.0
            }
        };
        let below: Vec<usize> = (0..n)
            .filter(|&r| !fixed[r] && share(r) < floors[r] as f64)
            .collect();
        if !below.is_empty() {
            for r in below {
                fixed[r] = true;
            }
            continue;
        }
        let mut out: Vec<usize> = (0..n)
            .map(|r| {
                if fixed[r] {
                    floors[r]
                } else {
                    share(r).floor() as usize
                }
            })
            .collect();
        let given: usize = out.iter().sum();
        let mut order: Vec<usize> = (0..n).filter(|&r| !fixed[r]).collect();
        // Largest remainder first; ties to the larger weight, then the lower index (deterministic).
        order.sort_by(|&a, &b| {
            let ra = share(a) - share(a).floor();
            let rb = share(b) - share(b).floor();
            rb.total_cmp(&ra)
                .then(weights[b].total_cmp(&weights[a]))
                .then(a.cmp(&b))
        });
        for &r in order.iter().take(total.saturating_sub(given)) {
            out[r] += 1;
        }
        return out;
    }
}

/// Whether `ideal` lies outside the band a plan cycle may move a region with `today` branches.
fn band_excludes(ideal: usize, today: usize, floor: usize, max_change: f64) -> bool {
    let band = ((today as f64 * max_change).ceil() as usize).max(1);
    ideal < today.saturating_sub(band).max(floor) || ideal > today + band
}

/// Clamps each ideal quota to today's count ± `max_change` (at least one branch), then moves the surplus
/// or shortfall against `total` to the regions furthest from their ideal that still have room.
fn damp(ideal: &[usize], today: &[usize], floors: &[usize], max_change: f64, total: usize) -> Vec<usize> {
    let band = |r: usize| ((today[r] as f64 * max_change).ceil() as usize).max(1);
    let lo = |r: usize| today[r].saturating_sub(band(r)).max(floors[r]);
    let hi = |r: usize| today[r] + band(r);
    let mut quota: Vec<usize> = (0..ideal.len())
        .map(|r| ideal[r].clamp(lo(r), hi(r).max(lo(r))))
        .collect();
    loop {
        let sum: usize = quota.iter().sum();
        let gap = |r: usize| ideal[r] as f64 - quota[r] as f64;
        let pick = if sum < total {
            (0..quota.len())
                .filter(|&r| quota[r] < hi(r))
                .max_by(|&a, &b| gap(a).total_cmp(&gap(b)).then(b.cmp(&a)))
        } else if sum > total {
            (0..quota.len())
                .filter(|&r| quota[r] > lo(r))
                .min_by(|&a, &b| gap(a).total_cmp(&gap(b)).then(a.cmp(&b)))
        } else {
            None
        };
        match pick {
            Some(r) if sum < total => quota[r] += 1,
            Some(r) => quota[r] -= 1,
            None => return quota,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamilton_by_hand() {
        // 10 seats by 5 : 3 : 2 → 5, 3, 2 exactly; by 4.5 : 3.5 : 2 → 4.5, 3.5, 2 → 4 + 3 + 2 = 9, and the
        // tie of remainders (0.5 each) goes to the larger weight.
        assert_eq!(apportion(10, &[5.0, 3.0, 2.0], &[0, 0, 0]), vec![5, 3, 2]);
        assert_eq!(apportion(10, &[4.5, 3.5, 2.0], &[0, 0, 0]), vec![5, 3, 2]);
        // A floor: region 2 has no demand but keeps 1; the other 9 seats split 2 : 1 → 6, 3.
        assert_eq!(apportion(10, &[2.0, 1.0, 0.0], &[1, 1, 1]), vec![6, 3, 1]);
    }

    #[test]
    fn damping_caps_the_change_and_keeps_the_total() {
        // Ideal 4, 16 against today's 12, 8: the band is ±3 and ±2, so 9 and 10 — total 19 < 20: the one
        // left goes where the ideal is furthest above the quota (region 1 is at its ceiling, so region 0).
        let q = damp(&[4, 16], &[12, 8], &[1, 1], 0.25, 20);
        assert_eq!(q, vec![10, 10]);
    }
}
