//! The relocation program (the planner's meso level): keep, close, relocate or convert every existing
//! branch and open candidate sites, to maximise the value of the demand served minus weighted costs.
//!
//! ```text
//! max  Σ_q Σ_l v_ql · z_ql  −  w_a · annual cost  −  w_c · capital cost  −  ε · changes
//! existing e:   keep_e + close_e + move_e + Σ_k conv_ek = 1          (protected: close = move = 0)
//! candidate j:  Σ_k open_jk ≤ 1,   in_j ≤ Σ_k open_jk                (in: the target of a relocation)
//! open(e) = keep_e + Σ_k conv_ek,   open(j) = Σ_k open_jk
//! levels:       z_ql ≤ Σ_{s ∈ S_ql} open(s),   z ∈ [0, 1]           (S_q1 ⊇ S_q2 ⊇ …: decay levels)
//! relocations:  Σ_{e ∈ g} move_e = Σ_{j ∈ g} in_j  per region g (or over all sites)
//! budgets:      capital ≤ B_c, annual ≤ B_a, closures, relocations, new openings (Σ open − Σ in) bounded
//! quotas:       lo_r ≤ Σ_{s ∈ r} open(s) ≤ hi_r;  lo ≤ Σ_s open(s) ≤ hi
//! inclusion:    Σ_{s ∈ I} open(s) ≥ 1 for every inclusion unit
//! floors:       Σ_q f_q · z_q1 ≥ F  (e.g. elderly served no less than today)
//! spacing:      open(s) + open(t) ≤ 1 for pairs closer than the minimum spacing
//! capacity:     the served load Σ_q d_q z_q1 must route to open sites within reach, each taking at most
//!               the capacity of its format (Erlang C: the load at which the share waiting too long meets
//!               the target)
//! ```
//!
//! **Capacity by cutting planes.** Routing the served load is a transportation problem; by the max-flow
//! min-cut theorem it is feasible exactly when every set `S` of zones satisfies Hall's condition
//! `Σ_{q ∈ S} d_q z_q1 ≤ Σ_{s ∈ N(S)} cap(s)`, `N(S)` the sites reaching `S`. These inequalities are valid
//! for every plan, so the program is solved without them, the plan's flow is checked by a max-flow, and
//! the minimum cut of an overloaded plan gives a violated inequality to add; HiGHS re-solves until the plan
//! routes. This keeps the model the size of a covering model (no zone × site assignment columns, which
//! stall the LP at city scale) and the cuts it needs are few. A plan left unrouted when the time limit
//! strikes is repaired by serving only what the flow routes.
//!
//! **Capture instead of coverage.** A zone with a [`ZoneCapture`] earns its value times the share Huff's
//! rule gives the bank, `g(S) = S / (S + C)`, with `S = Σ_{s open} a_s` the attraction of the open sites
//! reaching it and `C` the competitors'. `g` is concave, so its tangents bound it from above: the served
//! share is capped by the tangent at today's `S` from the start, and by the tangent at each plan's `S`
//! where the plan's share exceeds `g` (outer approximation, as Ljubić & Moreno 2018 do for maximum
//! capture); HiGHS re-solves until no zone is over its share. The captured share is also what the zone
//! loads on capacity.
//!
//! **Infeasible scenarios** are explained by a deletion filter over the rule families (budgets, bounds,
//! quotas, inclusion, floors, spacing, protected branches): the families that together admit no plan, each
//! needed for the conflict (see [`Conflict`]).

mod explain;
mod flow;
mod model;
mod solve;

use crate::Status;

pub use explain::{Conflict, Rule};

pub use solve::{routed_shares, solve_relocation};

/// One way a site can be open: a format with its one-off cost, annual cost and capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The caller's label for the format (an index into its own list).
    pub format: usize,
    /// One-off cost of taking this variant (fit-out, conversion), in the scenario's currency.
    pub capital: f64,
    /// Annual operating cost while open.
    pub annual: f64,
    /// Load the site can take in this variant (the zones' `load` unit); `f64::INFINITY` when unlimited.
    pub capacity: f64,
}

/// An existing branch.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    /// Quota region, if the branch lies in one.
    pub region: Option<usize>,
    /// A protected branch may not close or move (it may convert).
    pub protected: bool,
    /// The branch as it is (capital 0 unless keeping costs something).
    pub keep: Variant,
    /// Formats it may convert to.
    pub conversions: Vec<Variant>,
    /// One-off cost of closing it.
    pub close_capital: f64,
    /// One-off cost of moving it out (the target's fit-out is the target variant's capital).
    pub move_capital: f64,
}

/// A candidate site (a listed site or a generated location).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Quota region, if the site lies in one.
    pub region: Option<usize>,
    /// Formats it may open in.
    pub variants: Vec<Variant>,
    /// Extra one-off cost when it opens as a new branch rather than as a relocation target (a licence).
    pub new_capital: f64,
}

/// A demand zone: nested levels of sites with the value each adds, and the load it puts on capacity.
///
/// Sites are numbered existing first (`0..existing.len()`), then candidates. With a step service radius a
/// zone has one level: the sites within its radius and the zone's value. With a decay, level `l` holds the
/// sites giving at least weight `f_l` and adds `value · (f_l − f_{l+1})`; level 0 (the largest set) is the
/// zone's reach, which the capacity rules route over.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// `(sites, value)` per level, the first the widest; sites ascending.
    pub levels: Vec<(Vec<u32>, f64)>,
    /// Load on the serving site's capacity when the zone is served in full.
    pub load: f64,
    /// The zone's Huff market, when the objective is captured demand (one level then).
    pub capture: Option<ZoneCapture>,
}

/// The Huff market of a zone: the attraction each reaching site adds when open, and the competitors'.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneCapture {
    /// Attraction `a_s` of each site of the zone's widest level, in its order (`A_s · w(d)`).
    pub attraction: Vec<f64>,
    /// Competitors' attraction `C` (`Σ A_k · w(d)` over the competitors reaching the zone).
    pub competitors: f64,
}

impl ZoneCapture {
    /// The share `g(S) = S / (S + C)` at own attraction `S` (0 when no own site is open).
    pub fn share(&self, own: f64) -> f64 {
        if own <= 0.0 {
            0.0
        } else {
            own / (own + self.competitors)
        }
    }
}

/// A lower bound on a weighted served total (`Σ_q weight_q · served_q ≥ min`).
#[derive(Debug, Clone, PartialEq)]
pub struct Floor {
    /// What it protects, for messages (e.g. `elderly served`).
    pub name: String,
    /// Weight per zone.
    pub weights: Vec<f64>,
    /// Least total.
    pub min: f64,
}

/// At least one of these sites stays open (every township keeps a service point).
#[derive(Debug, Clone, PartialEq)]
pub struct Inclusion {
    /// The unit it protects, for messages (e.g. `township T05 Qiaotou`).
    pub name: String,
    /// Sites that serve it, ascending.
    pub sites: Vec<u32>,
}

/// Least and most of something, either side optional.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Range {
    /// Least.
    pub min: Option<f64>,
    /// Most.
    pub max: Option<f64>,
}

/// Money and count limits.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Budget {
    /// Most one-off spending (closures, moves, conversions, fit-outs, licences).
    pub capital: Option<f64>,
    /// Most annual operating cost of the network after the plan.
    pub annual: Option<f64>,
    /// Most new branches (openings that are not relocation targets).
    pub max_openings: Option<usize>,
    /// Most closures.
    pub max_closures: Option<usize>,
    /// Most relocations.
    pub max_relocations: Option<usize>,
    /// Open branches after the plan.
    pub branches: Range,
}

/// The whole relocation program.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Relocation {
    /// Existing branches (sites `0..existing.len()`).
    pub existing: Vec<Existing>,
    /// Candidate sites (sites `existing.len()..`).
    pub candidates: Vec<Candidate>,
    /// Demand zones.
    pub zones: Vec<Zone>,
    /// Open branches per quota region (index = region); regions beyond the list are free.
    pub quotas: Vec<Range>,
    /// Money and count limits.
    pub budget: Budget,
    /// Inclusion units.
    pub inclusion: Vec<Inclusion>,
    /// Floors on served totals.
    pub floors: Vec<Floor>,
    /// Site pairs that may not both be open (closer than the minimum spacing).
    pub spacing: Vec<[u32; 2]>,
    /// Whether a branch may only move within its quota region.
    pub relocate_within_region: bool,
    /// Objective weight of one unit of annual cost (value units per currency unit).
    pub annual_weight: f64,
    /// Objective weight of one unit of capital cost.
    pub capital_weight: f64,
    /// Objective penalty per change (close, move, convert, open; a move and the opening of its target are
    /// one change), so that equal-value plans prefer fewer changes.
    pub change_penalty: f64,
}

impl Relocation {
    /// Number of sites (existing and candidates).
    pub fn n_sites(&self) -> usize {
        self.existing.len() + self.candidates.len()
    }
}

/// What happens to an existing branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingDecision {
    /// Stays as it is.
    Keep,
    /// Closes.
    Close,
    /// Moves out (to a candidate whose decision is a relocation target).
    Relocate,
    /// Converts to `conversions[k]`.
    Convert(usize),
}

/// What happens at a candidate site that opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    /// Index into the candidate's `variants`.
    pub variant: usize,
    /// Whether it is the target of a relocation (else a new branch).
    pub relocation: bool,
}

/// The solved program.
#[derive(Debug, Clone, PartialEq)]
pub struct RelocationPlan {
    /// Optimal, feasible with its gap, or infeasible with the conflicting rules in the reason.
    pub status: Status,
    /// The rules that conflict, when infeasible.
    pub conflict: Option<Conflict>,
    /// Objective (value served minus weighted costs), recomputed from the plan.
    pub objective: f64,
    /// Best bound on the objective.
    pub bound: f64,
    /// Relative gap.
    pub gap: f64,
    /// Per existing branch.
    pub existing: Vec<ExistingDecision>,
    /// Per candidate, `Some` when it opens.
    pub candidates: Vec<Option<Opening>>,
    /// Served share of each zone, 0–1 (after routing when capacities bind).
    pub served: Vec<f64>,
    /// Load routed from zones to open sites `(zone, site, load)`, when any site has a finite capacity.
    pub flows: Vec<(u32, u32, f64)>,
    /// Value of the demand served.
    pub value: f64,
    /// One-off cost.
    pub capital: f64,
    /// Annual cost after the plan.
    pub annual: f64,
    /// Capacity cuts added.
    pub cuts: usize,
    /// Capture tangents added (beyond the one at today's network per zone).
    pub tangents: usize,
    /// MIP solves.
    pub solves: usize,
}

impl RelocationPlan {
    /// Whether a site (existing or candidate index) is open after the plan.
    pub fn is_open(&self, site: usize) -> bool {
        match self.existing.get(site) {
            Some(d) => matches!(d, ExistingDecision::Keep | ExistingDecision::Convert(_)),
            None => self.candidates[site - self.existing.len()].is_some(),
        }
    }
}
