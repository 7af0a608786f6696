use serde::{Deserialize, Serialize};

/// The metric frame every coordinate of a [`crate::Scenario`] is expressed in.
///
/// A transverse Mercator projection of the WGS84 ellipsoid with scale 1 on the central meridian and false
/// origin at (`central_meridian_deg`, `origin_lat_deg`): x grows east and y north, in metres. The maths lives in
/// `branchnet-spatial`; this is only its definition, so that every crate can carry it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameDef {
    /// Longitude of the central meridian, degrees.
    pub central_meridian_deg: f64,
    /// Latitude of the false origin (y = 0), degrees.
    pub origin_lat_deg: f64,
}
