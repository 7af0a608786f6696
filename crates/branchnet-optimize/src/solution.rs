/// How a solve ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Proven optimal (within the requested relative gap, 0 by default).
    Optimal,
    /// A plan was found, but a limit stopped the proof; `gap` is (objective − bound) relative to the objective.
    Feasible {
        /// Relative gap between the plan and the best bound.
        gap: f64,
    },
    /// No plan satisfies the constraints.
    Infeasible {
        /// Which constraint makes it so.
        reason: String,
    },
}

/// The result of a location model.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// How the solve ended.
    pub status: Status,
    /// Objective of the plan (NaN when infeasible).
    pub objective: f64,
    /// Best proven bound on the objective (a lower bound when minimising, upper when maximising).
    pub bound: f64,
    /// Relative gap between objective and bound (0 when proven optimal).
    pub gap: f64,
    /// Open sites, ascending.
    pub sites: Vec<usize>,
    /// For each demand point, the site serving (or covering) it, if any.
    pub assignment: Vec<Option<usize>>,
}

impl Solution {
    /// A solution for an infeasible model.
    pub fn infeasible(reason: impl Into<String>, demand: usize) -> Self {
        Self {
            status: Status::Infeasible {
                reason: reason.into(),
            },
            objective: f64::NAN,
            bound: f64::NAN,
            gap: f64::NAN,
            sites: Vec::new(),
            assignment: vec![None; demand],
        }
    }

    /// A plan from a solve: status from whether HiGHS proved it, gap between `objective` and `bound`.
    pub(crate) fn plan(
        sites: Vec<usize>,
        assignment: Vec<Option<usize>>,
        objective: f64,
        bound: f64,
        proven: bool,
    ) -> Self {
        let gap = relative_gap(objective, bound);
        Self {
            status: if proven {
                Status::Optimal
            } else {
                Status::Feasible { gap }
            },
            objective,
            bound,
            gap,
            sites,
            assignment,
        }
    }

    /// Whether the solve proved optimality.
    pub fn is_optimal(&self) -> bool {
        self.status == Status::Optimal
    }
}

/// |objective − bound| / |objective|, the relative gap as HiGHS defines it; 0 when they agree, infinite when
/// the bound is unknown.
pub(crate) fn relative_gap(objective: f64, bound: f64) -> f64 {
    if !bound.is_finite() {
        return f64::INFINITY;
    }
    let diff = (objective - bound).abs();
    if diff == 0.0 {
        0.0
    } else {
        diff / objective.abs().max(f64::MIN_POSITIVE)
    }
}
