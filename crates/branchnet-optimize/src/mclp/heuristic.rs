//! Heuristic MCLP plans on coverage groups: lazy greedy (covered weight is submodular, so a site's gain only
//! falls and a stale gain in the heap is an upper bound), then best-improvement swaps until none adds weight.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

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
    let mut heap: BinaryHeap<Gain> = (0..m)
        .filter(|&j| allowed[j] && !open[j])
        .map(|j| Gain(uncovered_gain(groups, &covered, j), j))
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
/// Per round: `gain(f)` is the uncovered weight `f` would cover, `loss(r)` the weight only `r` covers, and
/// `extra(r, f)` the weight only `r` covers that `f` also covers; a swap adds `gain − loss + extra`.
pub(crate) fn swap(groups: &Groups, open: &mut [bool], required: &[usize], allowed: &[bool]) {
    let m = groups.n_sites();
    let mut count = vec![0u32; groups.len()];
    for (j, _) in open.iter().enumerate().filter(|(_, o)| **o) {
        groups.groups_of(j).iter().for_each(|&g| count[g as usize] += 1);
    }
    let mut rank = vec![usize::MAX; m];
    let mut gain = vec![0.0f64; m];
    let mut loss = vec![0.0f64; m];
    let mut extra: Vec<f64> = Vec::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let closable: Vec<usize> = (0..m).filter(|&j| open[j] && !required.contains(&j)).collect();
        let openable: Vec<usize> = (0..m).filter(|&j| allowed[j] && !open[j]).collect();
        if closable.is_empty() || openable.is_empty() {
            break;
        }
        rank.fill(usize::MAX);
        closable.iter().enumerate().for_each(|(k, &r)| rank[r] = k);
        gain.fill(0.0);
        loss.fill(0.0);
        extra.clear();
        extra.resize(closable.len() * m, 0.0);
        for (g, (&w, &covering)) in groups.weights.iter().zip(&count).enumerate() {
            let sites = groups.sites_of(g);
            match covering {
                0 => sites.iter().for_each(|&f| gain[f as usize] += w),
                1 => {
                    let Some(&r) = sites.iter().find(|&&j| open[j as usize]) else {
                        continue;
                    };
                    let k = rank[r as usize];
                    if k == usize::MAX {
                        continue; // covered by a required site: never lost
                    }
                    loss[r as usize] += w;
                    for &f in sites.iter().filter(|&&f| !open[f as usize]) {
                        extra[k * m + f as usize] += w;
                    }
                }
                _ => {}
            }
        }
        let mut best: Option<(f64, usize, usize)> = None;
        for (k, &r) in closable.iter().enumerate() {
            for &f in &openable {
                let profit = gain[f] - loss[r] + extra[k * m + f];
                if best.is_none_or(|(b, _, _)| profit > b) {
                    best = Some((profit, r, f));
                }
            }
        }
        match best {
            // A relative threshold keeps rounding noise from swapping forever.
            Some((profit, r, f)) if profit > 1e-9 * (1.0 + gain[f] + loss[r]) => {
                open[r] = false;
                open[f] = true;
                groups.groups_of(r).iter().for_each(|&g| count[g as usize] -= 1);
                groups.groups_of(f).iter().for_each(|&g| count[g as usize] += 1);
            }
            _ => break,
        }
    }
    tracing::debug!(rounds, "MCLP swap search converged");
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
