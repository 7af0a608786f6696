//! Why a relocation program has no plan: a deletion filter over its rule families.
//!
//! Starting from every family the scenario uses, each family in turn is dropped for good when the program
//! stays infeasible without it. What remains is a set of families that conflict, each of them needed: drop
//! any one and a plan exists (an irreducible set, as an IIS is for rows, but in the user's terms). When the
//! capital or annual budget is part of it, the least spending the other rules need is computed too.

use std::fmt;
use std::time::Instant;

use highs::Sense;

use super::Relocation;
use super::model::{Cut, Goal, Rules, Tangent, build};
use crate::mip::{MipOutcome, solve};
use crate::{OptimizeError, SolveOptions};

/// A family of rules of the relocation program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Protected branches stay open.
    Protected,
    /// The capital budget.
    Capital,
    /// The annual operating budget.
    Annual,
    /// Bounds on closures, relocations, new openings and the number of branches.
    Counts,
    /// Branch quotas per region.
    Quotas,
    /// Every inclusion unit keeps a service point.
    Inclusion,
    /// Floors on served totals.
    Floors,
    /// Minimum spacing between branches.
    Spacing,
    /// Site capacities (the service level).
    Capacity,
}

impl Rule {
    /// Every family, in the order the deletion filter tries to drop them (the most negotiable last, so
    /// that it stays in the explanation).
    pub const ALL: [Rule; 9] = [
        Rule::Capacity,
        Rule::Spacing,
        Rule::Floors,
        Rule::Protected,
        Rule::Inclusion,
        Rule::Quotas,
        Rule::Counts,
        Rule::Annual,
        Rule::Capital,
    ];

    /// The family's name in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Protected => "protected branches stay open",
            Rule::Capital => "the capital budget",
            Rule::Annual => "the annual operating budget",
            Rule::Counts => "the bounds on closures, relocations, openings and branches",
            Rule::Quotas => "the regional branch quotas",
            Rule::Inclusion => "the inclusion rule (every unit keeps a service point)",
            Rule::Floors => "the floors on served demand",
            Rule::Spacing => "the minimum spacing between branches",
            Rule::Capacity => "the branch capacities (service level)",
        }
    }

    pub(super) fn index(self) -> usize {
        Rule::ALL.iter().position(|&r| r == self).unwrap_or(0)
    }

    /// Whether the program has any rule of this family.
    fn applies(self, problem: &Relocation, cuts: &[Cut]) -> bool {
        let b = &problem.budget;
        match self {
            Rule::Protected => problem.existing.iter().any(|e| e.protected),
            Rule::Capital => b.capital.is_some(),
            Rule::Annual => b.annual.is_some(),
            Rule::Counts => {
                b.max_openings.is_some()
                    || b.max_closures.is_some()
                    || b.max_relocations.is_some()
                    || b.branches.min.is_some()
                    || b.branches.max.is_some()
            }
            Rule::Quotas => problem.quotas.iter().any(|q| q.min.is_some() || q.max.is_some()),
            Rule::Inclusion => !problem.inclusion.is_empty(),
            Rule::Floors => !problem.floors.is_empty(),
            Rule::Spacing => !problem.spacing.is_empty(),
            Rule::Capacity => !cuts.is_empty(),
        }
    }
}

/// Rule families that admit no plan together, each needed for the conflict.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The conflicting families.
    pub rules: Vec<Rule>,
    /// Figures that explain it (e.g. the least capital the other rules need).
    pub details: Vec<String>,
    /// Whether every test of the filter finished; when not, the set may hold a family it does not need.
    pub minimal: bool,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.rules.iter().map(|r| r.describe()).collect();
        match names.as_slice() {
            [one] => write!(f, "{one} cannot be met")?,
            _ => {
                write!(f, "these rules conflict: {}", names.join("; "))?;
                if self.minimal {
                    write!(f, " — without any one of them a plan exists")?;
                }
            }
        }
        for d in &self.details {
            write!(f, "; {d}")?;
        }
        Ok(())
    }
}

/// Finds the conflicting families of an infeasible program (see the module docs).
pub(super) fn explain(
    problem: &Relocation,
    cuts: &[Cut],
    tangents: &[Tangent],
    options: &SolveOptions,
    deadline: Option<Instant>,
) -> Result<Conflict, OptimizeError> {
    let mut active: Rules = [false; Rule::ALL.len()];
    for rule in Rule::ALL {
        active[rule.index()] = rule.applies(problem, cuts);
    }
    let mut minimal = true;
    for rule in Rule::ALL {
        if !active[rule.index()] {
            continue;
        }
        let mut trial = active;
        trial[rule.index()] = false;
        match feasible(problem, &trial, cuts, tangents, options, deadline)? {
            Some(false) => active = trial,
            Some(true) => {}
            None => minimal = false,
        }
    }
    let rules: Vec<Rule> = Rule::ALL.into_iter().filter(|r| active[r.index()]).collect();
    let mut details = Vec::new();
    for (rule, goal, budget) in [
        (Rule::Capital, Goal::LeastCapital, problem.budget.capital),
        (Rule::Annual, Goal::LeastAnnual, problem.budget.annual),
    ] {
        let (Some(budget), true) = (budget, rules.contains(&rule)) else {
            continue;
        };
        let mut others = active;
        others[rule.index()] = false;
        if let Some(least) = least(problem, &others, cuts, tangents, goal, options, deadline)? {
            details.push(format!(
                "the other rules need {} of at least {least:.0}, the budget is {budget:.0}",
                if rule == Rule::Capital {
                    "capital"
                } else {
                    "an annual cost"
                }
            ));
        }
    }
    Ok(Conflict {
        rules,
        details,
        minimal,
    })
}

fn test_options(options: &SolveOptions, deadline: Option<Instant>) -> Option<SolveOptions> {
    let mut test = SolveOptions {
        mip_rel_gap: 1e-4,
        ..options.clone()
    };
    if let Some(deadline) = deadline {
        let left = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
        if left <= 0.0 {
            return None;
        }
        test.time_limit_s = Some(left);
    }
    Some(test)
}

/// `Some(true)` when a plan exists under `rules`, `Some(false)` when none does, `None` when the time ran out.
fn feasible(
    problem: &Relocation,
    rules: &Rules,
    cuts: &[Cut],
    tangents: &[Tangent],
    options: &SolveOptions,
    deadline: Option<Instant>,
) -> Result<Option<bool>, OptimizeError> {
    let Some(test) = test_options(options, deadline) else {
        return Ok(None);
    };
    let (lp, _) = build(problem, rules, cuts, tangents, Goal::Feasible);
    Ok(match solve(lp, Sense::Minimise, &test, None) {
        Ok(MipOutcome::Infeasible) => Some(false),
        Ok(MipOutcome::Plan { .. }) => Some(true),
        Err(OptimizeError::Solver(_)) => None,
        Err(e) => return Err(e),
    })
}

/// The least capital or annual cost a plan under `rules` needs (its proven bound), if found in time.
fn least(
    problem: &Relocation,
    rules: &Rules,
    cuts: &[Cut],
    tangents: &[Tangent],
    goal: Goal,
    options: &SolveOptions,
    deadline: Option<Instant>,
) -> Result<Option<f64>, OptimizeError> {
    let Some(test) = test_options(options, deadline) else {
        return Ok(None);
    };
    let (lp, _) = build(problem, rules, cuts, tangents, goal);
    Ok(match solve(lp, Sense::Minimise, &test, None) {
        Ok(MipOutcome::Plan { bound, .. }) if bound.is_finite() => Some(bound),
        Ok(_) | Err(OptimizeError::Solver(_)) => None,
        Err(e) => return Err(e),
    })
}
