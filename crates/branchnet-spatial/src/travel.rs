//! Travel cost between demand points (origins) and sites (destinations): the seam through which every
//! scoring model asks "which sites can this cell reach, at what cost".
//!
//! [`TravelCost`] is the trait; three costs ship with branchnet:
//! - [`Euclidean`]: straight-line metres in the scenario's metric frame (R-tree);
//! - [`GreatCircle`]: metres along the sphere between longitude/latitude points (R-tree on the unit sphere);
//! - [`OdTable`]: a user-supplied long table `origin, destination, cost` (minutes or metres from OSRM, r5,
//!   Valhalla, …); a pair missing from the table cannot be travelled.
//!
//! Every query takes an optional mask of allowed destinations (e.g. only the bank's own branches) and
//! returns destination indexes of the full destination list.
//!
//! ```
//! use branchnet_spatial::travel::{Euclidean, TravelCost};
//!
//! let cells = vec![[0.0, 0.0], [10.0, 0.0]];
//! let sites = vec![[3.0, 4.0], [100.0, 0.0], [0.0, 0.0]];
//! let cost = Euclidean::new(cells, sites);
//! assert_eq!(cost.within(5.0, None).row(0), (&[0, 2][..], &[5.0, 0.0][..]));
//! let own = [false, true, false];
//! assert_eq!(cost.nearest(Some(&own))[0], Some((1, 100.0)));
//! ```

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::neighbours::{Neighbours, SiteIndex};

/// Cost of travel from every origin to every destination, queried sparsely.
///
/// Costs are non-negative and in one unit per implementation (metres for the geometric ones). Rows of
/// [`TravelCost::within`] list destinations ascending; rows of [`TravelCost::k_nearest`] cheapest first (ties
/// by destination index). `allowed`, when given, has one flag per destination and hides the others.
pub trait TravelCost: Send + Sync {
    /// Number of origins (demand points, rows).
    fn n_origins(&self) -> usize;

    /// Number of destinations (sites).
    fn n_destinations(&self) -> usize;

    /// Every allowed destination within `limit` (inclusive) of each origin, destination indexes ascending.
    fn within(&self, limit: f64, allowed: Option<&[bool]>) -> Neighbours;

    /// The `k` cheapest allowed destinations of each origin, cheapest first (fewer when fewer are reachable).
    fn k_nearest(&self, k: usize, allowed: Option<&[bool]>) -> Neighbours;

    /// The cheapest allowed destination of each origin and its cost; `None` when none is reachable.
    fn nearest(&self, allowed: Option<&[bool]>) -> Vec<Option<(u32, f64)>> {
        let near = self.k_nearest(1, allowed);
        (0..near.n_demand())
            .map(|i| {
                let (sites, costs) = near.row(i);
                sites.first().map(|&j| (j, costs[0]))
            })
            .collect()
    }
}

/// The allowed destinations' indexes, ascending; `None` when every destination is allowed.
fn allowed_indexes(allowed: Option<&[bool]>, n: usize) -> Option<Vec<u32>> {
    let mask = allowed?;
    assert_eq!(mask.len(), n, "travel cost: one allowed flag per destination");
    Some((0..n as u32).filter(|&j| mask[j as usize]).collect())
}

/// Rewrites the destination indexes of `near` (positions in `subset`) as indexes of the full list. `subset`
/// is ascending, so ascending rows stay ascending.
fn to_full_indexes(near: Neighbours, subset: &[u32]) -> Neighbours {
    let (offsets, mut sites, distances) = near.into_parts();
    for j in &mut sites {
        *j = subset[*j as usize];
    }
    Neighbours::from_parts(offsets, sites, distances)
}

/// Straight-line distance in metres between points of the metric frame.
#[derive(Debug, Clone)]
pub struct Euclidean {
    origins: Vec<[f64; 2]>,
    destinations: Vec<[f64; 2]>,
    index: SiteIndex,
}

impl Euclidean {
    /// Origins and destinations as `[x, y]` metres.
    pub fn new(origins: Vec<[f64; 2]>, destinations: Vec<[f64; 2]>) -> Self {
        let index = SiteIndex::new(&destinations);
        Self {
            origins,
            destinations,
            index,
        }
    }

    /// The origins, `[x, y]` metres.
    pub fn origins(&self) -> &[[f64; 2]] {
        &self.origins
    }

    /// The destinations, `[x, y]` metres.
    pub fn destinations(&self) -> &[[f64; 2]] {
        &self.destinations
    }

    /// The index over the allowed destinations and their full indexes (`None`: the full index).
    fn index_of(&self, allowed: Option<&[bool]>) -> (Option<SiteIndex>, Option<Vec<u32>>) {
        match allowed_indexes(allowed, self.destinations.len()) {
            None => (None, None),
            Some(subset) => {
                let points: Vec<[f64; 2]> = subset.iter().map(|&j| self.destinations[j as usize]).collect();
                (Some(SiteIndex::new(&points)), Some(subset))
            }
        }
    }
}

impl TravelCost for Euclidean {
    fn n_origins(&self) -> usize {
        self.origins.len()
    }

    fn n_destinations(&self) -> usize {
        self.destinations.len()
    }

    fn within(&self, limit: f64, allowed: Option<&[bool]>) -> Neighbours {
        match self.index_of(allowed) {
            (Some(index), Some(subset)) => to_full_indexes(index.within(&self.origins, limit), &subset),
            _ => self.index.within(&self.origins, limit),
        }
    }

    fn k_nearest(&self, k: usize, allowed: Option<&[bool]>) -> Neighbours {
        match self.index_of(allowed) {
            (Some(index), Some(subset)) => to_full_indexes(index.k_nearest(&self.origins, k), &subset),
            _ => self.index.k_nearest(&self.origins, k),
        }
    }

    fn nearest(&self, allowed: Option<&[bool]>) -> Vec<Option<(u32, f64)>> {
        match self.index_of(allowed) {
            (Some(index), Some(subset)) => index
                .nearest(&self.origins)
                .into_iter()
                .map(|n| n.map(|(j, d)| (subset[j as usize], d)))
                .collect(),
            _ => self.index.nearest(&self.origins),
        }
    }
}
