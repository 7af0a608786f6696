//! Lagrangian branch and bound for the p-median (Beasley 1985, 1993; Christofides & Beasley 1982): a tree over
//! the site variables whose every node is bounded by the Lagrangian of its own fixings, ascended by a few
//! subgradient steps from its parent's multipliers. A node costs one pass over the pairs cheaper than the
//! multipliers per step — microseconds on the lists the root fixings leave — so the tree explores orders of
//! magnitude more nodes per second than a MIP whose every node is an LP over the assignment variables. It
//! closes what the LP bound leaves open on instances with few medians (OR-Library pmed35–39, an LP gap near
//! 1%).
//!
//! Depth first, the branch that opens a site first; each node fixes sites by its reduced costs, prices its
//! relaxed plan as a real one (the incumbent improves along the way), and is cut off when its bound cannot
//! beat the incumbent. The bound reported when time runs out is the least bound of the nodes still open.

use std::time::Instant;

use tracing::debug;

use super::benders::{Problem, polish};
use super::heuristic::Open;
use super::lagrangian::reduced_cost_fixing;

/// How the tree ended.
pub(crate) struct TreeOutcome {
    pub(crate) best: Open,
    pub(crate) best_cost: f64,
    /// A lower bound on every plan (the incumbent's cost when the tree was searched to the end).
    pub(crate) bound: f64,
    pub(crate) proven: bool,
}

/// A node waiting to be explored: its fixings, its parent's multipliers and bound.
struct Node {
    fixed: Vec<Option<bool>>,
    lambda: Vec<f64>,
    parent_bound: f64,
}

/// Searches the tree under `problem`'s site bounds from multipliers `lambda` until the incumbent is proven
/// within `tolerance` or `deadline` passes.
pub(crate) fn search(
    problem: &Problem<'_>,
    lambda: Vec<f64>,
    mut best: Open,
    mut best_cost: f64,
    tolerance: f64,
    deadline: Option<Instant>,
) -> TreeOutcome {
    let mut stack = vec![Node {
        fixed: crate::relaxed_choice::fixed_sites(problem.site_bounds.iter().copied()),
        lambda,
        parent_bound: f64::NEG_INFINITY,
    }];
    let mut nodes = 0;
    // Only plans better than the incumbent matter: with integral data, by at least one.
    let step = if problem.integral { 1.0 - 1e-6 } else { 0.0 };
    let cut_off = |bound: f64, best_cost: f64| {
        bound > best_cost - step - 1e-9 * best_cost.abs().max(1.0)
            || best_cost - bound <= tolerance * best_cost.abs().max(1.0)
    };
    while let Some(node) = stack.pop() {
        if cut_off(node.parent_bound, best_cost) {
            continue;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            stack.push(node);
            break;
        }
        nodes += 1;
        let Node {
            mut fixed,
            mut lambda,
            ..
        } = node;
        let opened = fixed.iter().filter(|f| **f == Some(true)).count();
        let free = fixed.iter().filter(|f| f.is_none()).count();
        if opened > problem.p || opened + free < problem.p {
            continue;
        }
        let ascent = problem.ascend(&mut lambda, &fixed, best_cost, NODE_STEPS);
        if ascent.plan_cost < best_cost {
            // A better relaxed plan: the local search from it often finds more.
            best_cost = ascent.plan_cost;
            best.clone_from(&ascent.chosen);
            polish(
                problem,
                ascent.chosen.clone(),
                &mut best,
                &mut best_cost,
                "tree",
                deadline,
            );
        }
        let bound = ascent.bound.max(node.parent_bound);
        if cut_off(bound, best_cost) || opened == problem.p || opened + free == problem.p {
            // A node with every site decided is its own plan, priced above.
            continue;
        }
        fixed = reduced_cost_fixing(problem, &fixed, &ascent.rho, ascent.bound, best_cost);
        let opened = fixed.iter().filter(|f| **f == Some(true)).count();
        let free = fixed.iter().filter(|f| f.is_none()).count();
        if opened > problem.p || opened + free < problem.p {
            continue;
        }
        if opened == problem.p || opened + free == problem.p {
            // The fixings decide the plan: one more node prices it.
            stack.push(Node {
                fixed,
                lambda,
                parent_bound: bound,
            });
            continue;
        }
        // Branch on the chosen free site the relaxed plan would miss most: closing it costs the most bound.
        let Some(site) = (0..fixed.len())
            .filter(|&j| fixed[j].is_none() && ascent.chosen[j])
            .min_by(|&a, &b| ascent.rho[a].total_cmp(&ascent.rho[b]).then(a.cmp(&b)))
        else {
            continue;
        };
        let mut closed = fixed.clone();
        closed[site] = Some(false);
        fixed[site] = Some(true);
        stack.push(Node {
            fixed: closed,
            lambda: lambda.clone(),
            parent_bound: bound,
        });
        stack.push(Node {
            fixed,
            lambda,
            parent_bound: bound,
        });
    }
    let open_bound = stack.iter().map(|n| n.parent_bound).fold(f64::INFINITY, f64::min);
    let proven = stack.iter().all(|n| cut_off(n.parent_bound, best_cost));
    let bound = if proven {
        best_cost
    } else {
        open_bound.min(best_cost)
    };
    debug!(
        nodes,
        best_cost, bound, proven, "p-median Lagrangian branch and bound"
    );
    TreeOutcome {
        best,
        best_cost,
        bound,
        proven,
    }
}

/// Subgradient steps per node.
const NODE_STEPS: usize = 60;
