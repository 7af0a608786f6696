//! Heuristic MCLP plans on coverage groups: lazy greedy (covered weight is submodular, so a site's gain only
//! falls and a stale gain in the heap is an upper bound), then best-improvement swaps until none adds weight.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::groups::Groups;

/// A site's gain as a heap entry: highest gain first, then lowest site.
#[derive(PartialEq)]
struct Gain(f64, usize);

impl Eq for Gain {}

impl PartialOrd for Gain {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Gain {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

/// Weight of the groups site `j` covers that are not yet covered.
fn uncovered_gain(groups: &Groups, covered: &[bool], j: usize) -> f64 {
    groups
        .groups_of(j)
        .iter()
        .filter(|&&g| !covered[g as usize])
        .map(|&g| groups.weights[g as usize])
        .sum()
}

/// Opens `required`, then repeatedly the allowed site adding the most uncovered weight, until `p` are open.
pub(crate) fn greedy(groups: &Groups, p: usize, required: &[usize], allowed: &[bool]) -> Vec<bool> {
    let m = groups.n_sites();
    let mut open = vec![false; m];
    let mut covered = vec![false; groups.len()];
    let mut count = 0;
    let mut take = |j: usize, open: &mut [bool], covered: &mut [bool]| {
        open[j] = true;
        groups
            .groups_of(j)
            .iter()
            .for_each(|&g| covered[g as usize] = true);
        count += 1;
    };
    for &j in required {
        if !open[j] {
            take(j, &mut open, &mut covered);
        }
    }
    // The first gains, one pass over every site's groups, in parallel.
    let gains: Vec<f64> = (0..m)
        .into_par_iter()
        .map(|j| {
            if allowed[j] && !open[j] {
                uncovered_gain(groups, &covered, j)
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let mut heap: BinaryHeap<Gain> = (0..m)
        .filter(|&j| allowed[j] && !open[j])
        .map(|j| Gain(gains[j], j))
        .collect();
    let mut count = open.iter().filter(|o| **o).count();
    while count < p {
        let Some(Gain(stale, j)) = heap.pop() else { break };
        let fresh = uncovered_gain(groups, &covered, j);
        // A fresh gain still at least the best stale one is the true maximum.
        if fresh == stale || heap.peek().is_none_or(|top| Gain(fresh, j) >= *top) {
            take(j, &mut open, &mut covered);
            count += 1;
        } else {
            heap.push(Gain(fresh, j));
        }
    }
    open
}

/// Best-improvement swaps (close one open site, open one closed) until none adds covered weight. Sites in
/// `required` never close; sites not `allowed` never open.
///
/// A swap of `r` for `f` adds `gain(f) − loss(r) + extra(r, f)`: `gain(f)` is the uncovered weight `f` would
/// cover, `loss(r)` the weight only `r` covers, and `extra(r, f)` the weight only `r` covers that `f` also
/// covers. The three tables are kept up to date incrementally (Whitaker's fast interchange; Resende &
/// Werneck 2007): a swap changes only the groups either site covers, so each costs a few of their lists
/// instead of a pass over all groups.
pub(crate) fn swap(groups: &Groups, open: &mut [bool], required: &[usize], allowed: &[bool]) {
    let mut state = SwapState::new(groups, open, required, allowed);
    let mut swaps = 0;
    let mut refreshed = false;
    while let Some((profit, r, f)) = state.best_swap() {
        if profit <= state.threshold(r, f) {
            break;
        }
        // The tables drift by rounding over many swaps: a swap is made only if its exact change is a gain.
        if state.exact_change(r, f) <= state.threshold(r, f) {
            if refreshed {
                break;
            }
            state = SwapState::new(groups, &state.open, required, allowed);
            refreshed = true;
            continue;
        }
        state.apply(r, f);
        refreshed = false;
        swaps += 1;
    }
    open.copy_from_slice(&state.open);
    tracing::debug!(swaps, "MCLP swap search converged");
}

/// The fast-interchange tables of a plan.
struct SwapState<'a> {
    groups: &'a Groups,
    open: Vec<bool>,
    /// Per site: may it open.
    allowed: &'a [bool],
    /// Per site: open and not required.
    closable: Vec<bool>,
    /// Per group: open sites covering it.
    count: Vec<u32>,
    gain: Vec<f64>,
    loss: Vec<f64>,
    /// Per closable open site, its row of `extra` (`m` wide).
    slot: Vec<usize>,
    extra: Vec<f64>,
    /// Per group: whether the current swap has already visited it (a group both sites cover counts once).
    mark: Vec<bool>,
}

impl<'a> SwapState<'a> {
    fn new(groups: &'a Groups, open: &[bool], required: &[usize], allowed: &'a [bool]) -> Self {
        let m = groups.n_sites();
        let closable: Vec<bool> = (0..m).map(|j| open[j] && !required.contains(&j)).collect();
        let mut slot = vec![usize::MAX; m];
        let mut slots = 0;
        for j in (0..m).filter(|&j| closable[j]) {
            slot[j] = slots;
            slots += 1;
        }
        let mut count = vec![0u32; groups.len()];
        for (j, _) in open.iter().enumerate().filter(|(_, o)| **o) {
            groups.groups_of(j).iter().for_each(|&g| count[g as usize] += 1);
        }
        let mut state = Self {
            groups,
            open: open.to_vec(),
            allowed,
            closable,
            count,
            gain: vec![0.0; m],
            loss: vec![0.0; m],
            slot,
            extra: vec![0.0; slots * m],
            mark: vec![false; groups.len()],
        };
        for g in 0..groups.len() {
            state.contribute(g, 1.0);
        }
        state
    }

    /// Adds (`sign` = 1) or removes (`sign` = −1) group `g`'s part of the tables under the current plan.
    fn contribute(&mut self, g: usize, sign: f64) {
        let w = sign * self.groups.weights[g];
        let sites = self.groups.sites_of(g);
        match self.count[g] {
            0 => sites.iter().for_each(|&f| self.gain[f as usize] += w),
            1 => {
                let Some(&r) = sites.iter().find(|&&j| self.open[j as usize]) else {
                    return;
                };
                let r = r as usize;
                self.loss[r] += w;
                if self.closable[r] {
                    let m = self.groups.n_sites();
                    let row = &mut self.extra[self.slot[r] * m..(self.slot[r] + 1) * m];
                    sites
                        .iter()
                        .filter(|&&f| f as usize != r)
                        .for_each(|&f| row[f as usize] += w);
                }
            }
            _ => {}
        }
    }

    /// The most profitable swap `(profit, close, open)`, ties to the lowest sites.
    fn best_swap(&self) -> Option<(f64, usize, usize)> {
        let m = self.groups.n_sites();
        let openable: Vec<usize> = (0..m).filter(|&j| self.allowed[j] && !self.open[j]).collect();
        let mut best: Option<(f64, usize, usize)> = None;
        for r in (0..m).filter(|&r| self.closable[r]) {
            let row = &self.extra[self.slot[r] * m..(self.slot[r] + 1) * m];
            for &f in &openable {
                let profit = self.gain[f] - self.loss[r] + row[f];
                if best.is_none_or(|(b, _, _)| profit > b) {
                    best = Some((profit, r, f));
                }
            }
        }
        best
    }

    /// A relative threshold keeps rounding noise from swapping forever.
    fn threshold(&self, r: usize, f: usize) -> f64 {
        1e-9 * (1.0 + self.gain[f].abs() + self.loss[r].abs())
    }

    /// The change in covered weight of swapping `r` for `f`, from the groups themselves.
    fn exact_change(&self, r: usize, f: usize) -> f64 {
        let groups = self.groups;
        let gained: f64 = groups
            .groups_of(f)
            .iter()
            .filter(|&&g| self.count[g as usize] == 0)
            .map(|&g| groups.weights[g as usize])
            .sum();
        let lost: f64 = groups
            .groups_of(r)
            .iter()
            .filter(|&&g| {
                self.count[g as usize] == 1 && groups.sites_of(g as usize).binary_search(&(f as u32)).is_err()
            })
            .map(|&g| groups.weights[g as usize])
            .sum();
        gained - lost
    }

    /// Closes `r` and opens `f` (which takes over `r`'s row of `extra`), redoing the groups either covers.
    fn apply(&mut self, r: usize, f: usize) {
        let groups = self.groups;
        let touched: Vec<u32> = groups
            .groups_of(r)
            .iter()
            .chain(groups.groups_of(f))
            .copied()
            .filter(|&g| !std::mem::replace(&mut self.mark[g as usize], true))
            .collect();
        for &g in &touched {
            self.contribute(g as usize, -1.0);
        }
        let m = groups.n_sites();
        let row = self.slot[r];
        // Every group in r's row was just removed: clear what rounding left behind.
        self.extra[row * m..(row + 1) * m].fill(0.0);
        self.gain[r] = 0.0;
        self.loss[r] = 0.0;
        self.gain[f] = 0.0;
        self.loss[f] = 0.0;
        self.open[r] = false;
        self.closable[r] = false;
        self.slot[r] = usize::MAX;
        self.open[f] = true;
        self.closable[f] = true;
        self.slot[f] = row;
        groups
            .groups_of(r)
            .iter()
            .for_each(|&g| self.count[g as usize] -= 1);
        groups
            .groups_of(f)
            .iter()
            .for_each(|&g| self.count[g as usize] += 1);
        for &g in &touched {
            self.contribute(g as usize, 1.0);
            self.mark[g as usize] = false;
        }
    }
}

/// The bound of a plan by submodularity (Nemhauser, Wolsey & Fisher 1978; Minoux's "online" bound): covered
/// weight is monotone and submodular, so no p sites cover more than the plan plus the p largest gains any
/// single allowed site would add to it. One pass over the uncovered groups; often far tighter than a
/// subgradient that has had only a few steps.
pub(crate) fn submodular_bound(groups: &Groups, open: &[bool], p: usize, allowed: &[bool]) -> f64 {
    let m = groups.n_sites();
    let mut gain = vec![0.0f64; m];
    let mut covered = 0.0;
    for (g, &w) in groups.weights.iter().enumerate() {
        let sites = groups.sites_of(g);
        if sites.iter().any(|&j| open[j as usize]) {
            covered += w;
        } else {
            sites.iter().for_each(|&j| gain[j as usize] += w);
        }
    }
    let mut gains: Vec<f64> = (0..m)
        .filter(|&j| allowed[j] && !open[j])
        .map(|j| gain[j])
        .collect();
    gains.sort_unstable_by(|a, b| b.total_cmp(a));
    covered + gains.iter().take(p).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::mclp::groups::random_groups;

    /// The swap change computed from scratch: covered weight after minus before.
    fn brute_change(groups: &Groups, open: &[bool], r: usize, f: usize) -> f64 {
        let mut after = open.to_vec();
        after[r] = false;
        after[f] = true;
        groups.covered(&after) - groups.covered(open)
    }

    #[test]
    fn incremental_tables_match_a_fresh_build_after_every_swap() {
        let groups = random_groups(3, 2_000, 40, 15.0);
        let allowed = vec![true; 40];
        let required = [5];
        let mut open = vec![false; 40];
        for j in [1, 5, 9, 20, 33] {
            open[j] = true;
        }
        let mut state = SwapState::new(&groups, &open, &required, &allowed);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..60 {
            let closable: Vec<usize> = (0..40).filter(|&j| state.closable[j]).collect();
            let closed: Vec<usize> = (0..40).filter(|&j| !state.open[j]).collect();
            let r = closable[rng.random_range(0..closable.len())];
            let f = closed[rng.random_range(0..closed.len())];
            let expected = brute_change(&groups, &state.open, r, f);
            assert!((state.exact_change(r, f) - expected).abs() < 1e-9);
            let table = state.gain[f] - state.loss[r] + state.extra[state.slot[r] * 40 + f];
            assert!((table - expected).abs() < 1e-9, "table {table} vs {expected}");
            state.apply(r, f);
            let fresh = SwapState::new(&groups, &state.open, &required, &allowed);
            for j in 0..40 {
                assert!((state.gain[j] - fresh.gain[j]).abs() < 1e-9, "gain of {j}");
                assert!((state.loss[j] - fresh.loss[j]).abs() < 1e-9, "loss of {j}");
            }
            for r in (0..40).filter(|&r| state.closable[r]) {
                for f in 0..40 {
                    let (a, b) = (
                        state.extra[state.slot[r] * 40 + f],
                        fresh.extra[fresh.slot[r] * 40 + f],
                    );
                    assert!((a - b).abs() < 1e-9, "extra({r}, {f}): {a} vs {b}");
                }
            }
            assert_eq!(state.count, fresh.count);
        }
    }

    #[test]
    fn the_swap_search_ends_where_no_single_swap_improves() {
        for seed in 0..5 {
            let groups = random_groups(seed, 1_500, 30, 12.0);
            let mut allowed = vec![true; 30];
            allowed[7] = false;
            let required = [2];
            let mut open = greedy(&groups, 6, &required, &allowed);
            let greedy_covered = groups.covered(&open);
            swap(&groups, &mut open, &required, &allowed);
            assert!(open[2] && !open[7]);
            assert_eq!(open.iter().filter(|o| **o).count(), 6);
            assert!(groups.covered(&open) >= greedy_covered);
            for r in (0..30).filter(|&r| open[r] && r != 2) {
                for f in (0..30).filter(|&f| !open[f] && allowed[f]) {
                    assert!(
                        brute_change(&groups, &open, r, f) <= 1e-9,
                        "seed {seed}: {r} -> {f}"
                    );
                }
            }
        }
    }
}
