//! The metric frame a scenario is projected into, so that every distance and radius downstream is plain
//! Euclidean geometry in metres.

use branchnet_core::FrameDef;
use rayon::prelude::*;

use crate::tm::TransverseMercator;

/// Below this many points [`MetricFrame::project_all`] stays on the calling thread: projecting a point takes
/// well under a microsecond, so splitting a small batch across threads costs more than it saves.
const PARALLEL_MIN_POINTS: usize = 4096;

/// How many latitudes along the far box edge [`MetricFrame::max_scale_error`] evaluates, on top of the
/// corners and the equator. The scale is monotone in latitude along a meridian, so the corners already give
/// the answer; the samples only insure against that assumption for odd boxes.
const SCALE_EDGE_SAMPLES: usize = 16;

/// The metric frame of a scenario: TM with k0 = 1 centred on the data (x east, y north, metres, origin at the
/// FrameDef point).
///
/// Because the scale is exactly 1 on the central meridian and grows as about `1 + d² / 2R²` at a distance `d`
/// from it, Euclidean distances in the frame are within 0.1% of geodesic distances for data within ~280 km
/// of the central meridian (|k - 1| = 0.001 at d ≈ 285 km); [`max_scale_error`](Self::max_scale_error) gives
/// the bound for an actual data extent.
///
/// ```
/// use branchnet_spatial::MetricFrame;
///
/// let frame = MetricFrame::fit(112.8, 115.8, 29.1, 32.1);
/// let (x, y) = frame.project(114.3, 30.6);
/// assert!(x.abs() < 1e-9 && y.abs() < 1e-9);
/// assert!(frame.max_scale_error(112.8, 115.8, 29.1, 32.1) < 1e-3);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MetricFrame {
    def: FrameDef,
    tm: TransverseMercator,
}

impl MetricFrame {
    /// The frame with this definition.
    pub fn new(def: FrameDef) -> Self {
        let tm = TransverseMercator::new(def.central_meridian_deg, def.origin_lat_deg, 1.0, 0.0, 0.0);
        Self { def, tm }
    }

    /// A frame centred on a lon/lat bounding box (central meridian and origin latitude at the box centre).
    ///
    /// The box must not cross the antimeridian (`lon_min <= lon_max` in [-180, 180]).
    pub fn fit(lon_min: f64, lon_max: f64, lat_min: f64, lat_max: f64) -> Self {
        // Centring the meridian halves the largest distance from it, and the scale error grows with its square.
        Self::new(FrameDef {
            central_meridian_deg: 0.5 * (lon_min + lon_max),
            origin_lat_deg: 0.5 * (lat_min + lat_max),
        })
    }

    /// The frame's definition, to store with the scenario.
    pub fn def(&self) -> FrameDef {
        self.def
    }

    /// Projects WGS84 longitude/latitude (degrees) to frame `(x, y)` metres.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        self.tm.forward(lon, lat)
    }

    /// Unprojects frame `(x, y)` metres to WGS84 `(longitude, latitude)` degrees.
    pub fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        self.tm.inverse(x, y)
    }

    /// Projects many points in parallel (rayon), returning (xs, ys).
    ///
    /// # Panics
    ///
    /// If `lon` and `lat` have different lengths: silently truncating would drop points and misalign ids.
    #[tracing::instrument(level = "debug", skip_all, fields(points = lon.len()))]
    pub fn project_all(&self, lon: &[f64], lat: &[f64]) -> (Vec<f64>, Vec<f64>) {
        assert_eq!(
            lon.len(),
            lat.len(),
            "project_all: lon and lat must have the same length"
        );
        if lon.len() < PARALLEL_MIN_POINTS {
            return lon.iter().zip(lat).map(|(&lo, &la)| self.project(lo, la)).unzip();
        }
        lon.par_iter()
            .zip(lat.par_iter())
            .with_min_len(PARALLEL_MIN_POINTS / 4)
            .map(|(&lo, &la)| self.project(lo, la))
            .unzip()
    }

    /// Worst relative distance error |k - 1| over a lon/lat box (k is largest at the box edge farthest from
    /// the central meridian).
    ///
    /// The straight frame segment between two points of a region is at most `k_max` and at least `k_min`
    /// times the geodesic between them (it is no longer than the image of the geodesic, and its own preimage
    /// is no shorter than the geodesic). With `k0 = 1`, `k >= 1` everywhere, so frame distances are never
    /// short and this value bounds the relative error of every distance between points in the box.
    pub fn max_scale_error(&self, lon_min: f64, lon_max: f64, lat_min: f64, lat_max: f64) -> f64 {
        let cm = self.def.central_meridian_deg;
        // The scale depends on the distance from the central meridian, so only the farther edge matters.
        let far_lon = if (lon_min - cm).abs() >= (lon_max - cm).abs() {
            lon_min
        } else {
            lon_max
        };
        let (lo, hi) = (lat_min.min(lat_max), lat_min.max(lat_max));
        // That distance is greatest nearest the equator, so include it when the box spans it.
        let equator = if lo <= 0.0 && hi >= 0.0 { Some(0.0) } else { None };
        let steps = (0..=SCALE_EDGE_SAMPLES).map(|i| lo + (hi - lo) * i as f64 / SCALE_EDGE_SAMPLES as f64);
        steps
            .chain(equator)
            .map(|lat| (self.tm.scale_factor(far_lon, lat) - 1.0).abs())
            .fold(0.0, f64::max)
    }
}
