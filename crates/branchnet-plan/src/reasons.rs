//! Reason codes of the plan, as they appear in the actions and regions tables.
//!
//! Regions: `potential-growing`, `potential-shrinking` (future demand against the network's change),
//! `under-served`, `over-branched` (gap index above 1.15 / below 0.85), `inclusion-floor`,
//! `protected-floor` (the quota is the floor), `change-capped` (the quota moved as far as `max-change`
//! allows, short of the ideal).
//!
//! Actions:
//! - `protected`: a protected branch, kept;
//! - `sole-service`: it alone reaches some demand after the plan;
//! - `overlap`: everything it reached is reached by another branch after the plan;
//! - `dense-cluster`: the branch lies in a dense area of the gaps model;
//! - `region-consolidates` / `region-grows`: its region's direction;
//! - `blank-area`: the new site is a generated blank-area location, or reaches demand no branch reached today;
//! - `capacity`: it converts to a format with more counters, or opens where the service level binds;
//! - `cost`: it converts to a format with fewer counters (cheaper);
//! - `no-listed-site`: no listed site within walking distance: premises still to be found.

/// A protected branch.
pub const PROTECTED: &str = "protected";
/// It alone reaches some demand after the plan.
pub const SOLE_SERVICE: &str = "sole-service";
/// Everything it reached is reached by another branch.
pub const OVERLAP: &str = "overlap";
/// In a dense area.
pub const DENSE_CLUSTER: &str = "dense-cluster";
/// Its region consolidates.
pub const REGION_CONSOLIDATES: &str = "region-consolidates";
/// Its region grows.
pub const REGION_GROWS: &str = "region-grows";
/// Demand no branch reached today.
pub const BLANK_AREA: &str = "blank-area";
/// More counters, or the service level binds.
pub const CAPACITY: &str = "capacity";
/// Fewer counters.
pub const COST: &str = "cost";
/// No listed site within walking distance.
pub const NO_LISTED_SITE: &str = "no-listed-site";
