//! Spatial machinery of branchnet: coordinate reference systems, the metric frame every scenario is
//! projected into, R-tree indexes and region assignment.
#![deny(missing_docs)]

mod crs;
mod frame;
mod regions;
mod tm;

pub use crs::{Crs, CrsError};
pub use frame::MetricFrame;
pub use regions::RegionIndex;
pub use tm::TransverseMercator;
