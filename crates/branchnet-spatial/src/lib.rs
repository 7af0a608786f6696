//! Spatial machinery of branchnet: coordinate reference systems, the metric frame every scenario is
//! projected into, R-tree indexes, neighbour queries between demand points and sites ([`neighbours`]) and
//! region assignment.
#![deny(missing_docs)]

mod crs;
mod frame;
pub mod neighbours;
mod regions;
mod tm;
pub mod travel;

pub use crs::{Crs, CrsError};
pub use frame::MetricFrame;
pub use neighbours::{Neighbours, SiteIndex};
pub use regions::RegionIndex;
pub use tm::TransverseMercator;
pub use travel::TravelCost;
