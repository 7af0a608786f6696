//! Heuristic p-median plans: greedy addition, then fast interchange (Whitaker 1983; Resende & Werneck 2003)
//! until no single swap improves. They give the exact method its first incumbent and upper bound.

use std::time::Instant;

use super::lists::ServiceLists;

/// A plan's open sites as a membership mask (`open[j]`).
pub(crate) type Open = Vec<bool>;

/// Opens the sites in `fixed` and then, one at a time, the allowed site that serves the most unserved clients,
/// breaking ties by the largest drop in weighted cost, until `p` are open. Returns `None` when fewer than `p`
/// sites can open.
pub(crate) fn greedy(
    lists: &ServiceLists,
    weights: &[f64],
    p: usize,
    fixed: &[usize],
    allowed: &[bool],
) -> Option<Open> {
    let m = lists.n_sites();
    let mut open = vec![false; m];
    let mut best = vec![f64::INFINITY; lists.n_clients()];
    let mut count = 0;
    // Only sites nearer than a client's current one change its cost: walk each list until there.
    let take = |j: usize, open: &mut Open, best: &mut [f64]| {
        open[j] = true;
        for (i, b) in best.iter_mut().enumerate() {
            let (sites, costs) = lists.row(i);
            if let Some((_, &c)) = sites
                .iter()
                .zip(costs)
                .take_while(|(_, c)| **c < *b)
                .find(|(s, _)| **s as usize == j)
            {
                *b = c;
            }
        }
    };
    for &j in fixed {
        if !open[j] {
            take(j, &mut open, &mut best);
            count += 1;
        }
    }
    let mut newly_served = vec![0usize; m];
    let mut saving = vec![0.0f64; m];
    while count < p {
        newly_served.fill(0);
        saving.fill(0.0);
        for (i, &b) in best.iter().enumerate() {
            let (sites, costs) = lists.row(i);
            for (&j, &c) in sites.iter().zip(costs) {
                if c >= b {
                    break;
                }
                if b.is_infinite() {
                    newly_served[j as usize] += 1;
                } else {
                    saving[j as usize] += weights[i] * (b - c);
                }
            }
        }
        let pick = (0..m).filter(|&j| allowed[j] && !open[j]).max_by(|&a, &b| {
            newly_served[a]
                .cmp(&newly_served[b])
                .then(saving[a].total_cmp(&saving[b]))
                .then(b.cmp(&a))
        })?;
        take(pick, &mut open, &mut best);
        count += 1;
    }
    Some(open)
}

/// Each client's nearest and second-nearest open sites.
struct Nearest {
    first: Vec<(usize, f64)>,
    second: Vec<f64>,
}

/// Improves `open` by the best single swap (open one site, close another) until none lowers the weighted
/// cost or `until` passes. Sites in `fixed` never close; sites not `allowed` never open.
///
/// Per round, for every candidate `f` to open and open site `r` to close, the saving is
/// `gain(f) − loss(r) + extra(r, f)` (Resende & Werneck's decomposition), computed in one pass over the
/// clients' lists up to their second-nearest open site — so a round costs about what evaluating one plan does.
pub(crate) fn interchange(
    lists: &ServiceLists,
    weights: &[f64],
    open: &mut Open,
    fixed: &[usize],
    allowed: &[bool],
    until: Option<Instant>,
) {
    let m = lists.n_sites();
    // A client left unserved costs more than any plan that serves it.
    let max_cost = (0..lists.n_clients())
        .filter_map(|i| lists.row(i).1.last().copied())
        .fold(0.0f64, f64::max);
    let unserved = 2.0 * max_cost + 1.0;
    let mut gain = vec![0.0f64; m];
    let mut loss = vec![0.0f64; m];
    let mut extra: Vec<f64> = Vec::new();
    let mut closable_rank = vec![usize::MAX; m];
    let mut rounds = 0;
    loop {
        if until.is_some_and(|t| Instant::now() >= t) {
            tracing::debug!(rounds, "p-median interchange stopped by the time limit");
            return;
        }
        let closable: Vec<usize> = (0..m).filter(|&j| open[j] && !fixed.contains(&j)).collect();
        if closable.is_empty() {
            return;
        }
        closable_rank.fill(usize::MAX);
        for (k, &r) in closable.iter().enumerate() {
            closable_rank[r] = k;
        }
        let nearest = nearest_two(lists, open, unserved);
        gain.fill(0.0);
        loss.fill(0.0);
        extra.clear();
        extra.resize(closable.len() * m, 0.0);
        for (i, &w) in weights.iter().enumerate() {
            let (r, d1) = nearest.first[i];
            let d2 = nearest.second[i];
            let rank = if r < m { closable_rank[r] } else { usize::MAX };
            if rank != usize::MAX {
                loss[r] += w * (d2 - d1);
            }
            let (sites, costs) = lists.row(i);
            for (&f, &d) in sites.iter().zip(costs) {
                if d >= d2 {
                    break;
                }
                let f = f as usize;
                if open[f] {
                    continue;
                }
                if d < d1 {
                    gain[f] += w * (d1 - d);
                }
                if rank != usize::MAX {
                    extra[rank * m + f] += w * (d2 - d.max(d1));
                }
            }
        }
        let mut best: Option<(f64, usize, usize)> = None;
        for (k, &r) in closable.iter().enumerate() {
            for f in (0..m).filter(|&f| allowed[f] && !open[f]) {
                let profit = gain[f] - loss[r] + extra[k * m + f];
                if best.is_none_or(|(b, _, _)| profit > b) {
                    best = Some((profit, r, f));
                }
            }
        }
        rounds += 1;
        match best {
            // A relative threshold keeps rounding noise from swapping forever.
            Some((profit, r, f)) if profit > 1e-9 * (1.0 + loss[r].abs() + gain[f].abs()) => {
                open[r] = false;
                open[f] = true;
            }
            _ => {
                tracing::debug!(rounds, "p-median interchange converged");
                return;
            }
        }
    }
}

/// Nearest and second-nearest open site of every client; `unserved` stands in for a missing one (site
/// index `usize::MAX` when even the nearest is missing).
fn nearest_two(lists: &ServiceLists, open: &[bool], unserved: f64) -> Nearest {
    let n = lists.n_clients();
    let mut first = Vec::with_capacity(n);
    let mut second = Vec::with_capacity(n);
    for i in 0..n {
        let (sites, costs) = lists.row(i);
        let mut found = sites.iter().zip(costs).filter(|(j, _)| open[**j as usize]);
        first.push(
            found
                .next()
                .map_or((usize::MAX, unserved), |(&j, &c)| (j as usize, c)),
        );
        second.push(found.next().map_or(unserved, |(_, &c)| c));
    }
    Nearest { first, second }
}
