//! The coordinate reference systems branchnet reads and writes, named by EPSG code.
//!
//! Only the systems bank data actually arrives in are supported, each with its projection implemented here
//! rather than through PROJ, so that the library needs no C dependency or database. Every parameter set was
//! checked against PROJ 9.5 (pyproj 3.7); `tests/projection.rs` holds the reference values.
//!
//! Datums: CGCS2000 (EPSG:4490), ETRS89 (EPSG:4258) and NAD83 (EPSG:4269) are treated as identical to WGS84,
//! i.e. no datum shift is applied. CGCS2000 agrees with WGS84 to a few centimetres; ETRS89 is fixed to the
//! Eurasian plate and has drifted ~2.5 cm a year from WGS84 since 1989 (under a metre today); NAD83 differs
//! by 1–2 m. All of that is below the accuracy of geocoded branch and customer addresses, and PROJ's own
//! "ballpark" transformation between these datums is the same null shift.

use crate::tm::{GRS80_A, GRS80_F, TransverseMercator, WGS84_A};

/// An error for a coordinate reference system branchnet does not support.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unsupported coordinate reference system {crs}; expected one of: {supported}")]
pub struct CrsError {
    /// The CRS as the caller gave it (e.g. `"EPSG:9999"` or `"WGS84"`).
    pub crs: String,
    /// What is supported instead, [`Crs::SUPPORTED`].
    pub supported: String,
}

/// A supported coordinate reference system.
///
/// Projected coordinates are always `(x, y)` = (easting, northing) in metres and geographic ones
/// `(longitude, latitude)` in degrees, whatever axis order the EPSG definition lists (EPSG:4326 is
/// officially latitude first, the Chinese Gauss-Krüger systems and SVY21 northing first); this is the
/// "traditional GIS order" of GeoJSON, shapefiles and `pyproj`'s `always_xy=True`.
///
/// ```
/// use branchnet_spatial::Crs;
///
/// let utm = Crs::parse("EPSG:32650")?;
/// let (x, y) = utm.from_lon_lat(114.3, 30.6);
/// let (lon, lat) = utm.to_lon_lat(x, y);
/// assert!((lon - 114.3).abs() < 1e-9 && (lat - 30.6).abs() < 1e-9);
/// # Ok::<(), branchnet_spatial::CrsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crs {
    /// Longitude/latitude in degrees: EPSG:4326 (WGS84), 4490 (CGCS2000), 4258 (ETRS89) or 4269 (NAD83),
    /// all taken as WGS84.
    Geographic {
        /// The EPSG code.
        epsg: u32,
    },
    /// EPSG:3857, "Web Mercator": spherical Mercator on the WGS84 semi-major axis. Not conformal on the
    /// ellipsoid and its scale grows as `1 / cos(lat)`, so it is for exchanging tiles and web-map data, never
    /// for measuring.
    WebMercator,
    /// A transverse Mercator grid: UTM, CGCS2000 Gauss-Krüger or SVY21.
    TransverseMercator {
        /// The EPSG code.
        epsg: u32,
        /// The projection with that code's parameters.
        tm: TransverseMercator,
    },
}

/// EPSG:3414 SVY21 / Singapore TM: natural origin 1°22′N 103°50′E.
const SVY21_LAT0: f64 = 1.0 + 22.0 / 60.0;
const SVY21_LON0: f64 = 103.0 + 50.0 / 60.0;

impl Crs {
    /// What is supported, for error messages.
    pub const SUPPORTED: &'static str = "EPSG:4326 (WGS84), EPSG:4490 (CGCS2000), EPSG:4258 (ETRS89), \
        EPSG:4269 (NAD83), EPSG:3857 (Web Mercator), EPSG:32601-32660 and EPSG:32701-32760 (UTM north and \
        south on WGS84), EPSG:4534-4554 (CGCS2000 3-degree Gauss-Kruger CM 75E-135E), EPSG:4502-4512 \
        (CGCS2000 6-degree Gauss-Kruger CM 75E-135E), EPSG:3414 (SVY21 Singapore TM)";

    /// The CRS with this EPSG code, if supported.
    pub fn from_epsg(code: u32) -> Result<Crs, CrsError> {
        let tm = |tm| Ok(Crs::TransverseMercator { epsg: code, tm });
        match code {
            4326 | 4490 | 4258 | 4269 => Ok(Crs::Geographic { epsg: code }),
            3857 => Ok(Crs::WebMercator),
            // UTM zone z has its central meridian at 6z - 183 degrees.
            32601..=32660 => tm(utm(code - 32600, 0.0)),
            32701..=32760 => tm(utm(code - 32700, 10_000_000.0)),
            // The CGCS2000 Gauss-Krüger grids without the zone number in the easting. They use the GRS80
            // ellipsoid (as PROJ does for them), which moves coordinates by only ~0.1 mm against WGS84, but
            // costs nothing to get right.
            4534..=4554 => tm(gauss_kruger(75.0 + 3.0 * f64::from(code - 4534))),
            4502..=4512 => tm(gauss_kruger(75.0 + 6.0 * f64::from(code - 4502))),
            3414 => tm(TransverseMercator::new(
                SVY21_LON0, SVY21_LAT0, 1.0, 28_001.642, 38_744.572,
            )),
            _ => Err(CrsError {
                crs: format!("EPSG:{code}"),
                supported: Self::SUPPORTED.to_owned(),
            }),
        }
    }

    /// Parses `"EPSG:4326"` (any case, surrounding spaces allowed) or a bare code `"4326"`.
    ///
    /// Names such as `"WGS84"`, PROJ strings and WKT are rejected rather than guessed at, with an error naming
    /// the input.
    pub fn parse(text: &str) -> Result<Crs, CrsError> {
        let trimmed = text.trim();
        let unsupported = || CrsError {
            crs: trimmed.to_owned(),
            supported: Self::SUPPORTED.to_owned(),
        };
        let code = match trimmed.split_at_checked(5) {
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("epsg:") => rest.trim(),
            _ => trimmed,
        };
        // `u32::from_str` would also take a leading '+', which is not a way anyone writes an EPSG code.
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unsupported());
        }
        let code: u32 = code.parse().map_err(|_| unsupported())?;
        // Report the text as given ("epsg:9999"), not the normalised form, so the user can find it.
        Self::from_epsg(code).map_err(|_| unsupported())
    }

    /// The EPSG code.
    pub fn epsg(&self) -> u32 {
        match *self {
            Crs::Geographic { epsg } | Crs::TransverseMercator { epsg, .. } => epsg,
            Crs::WebMercator => 3857,
        }
    }

    /// Whether coordinates are longitude/latitude in degrees rather than projected metres.
    pub fn is_geographic(&self) -> bool {
        matches!(self, Crs::Geographic { .. })
    }

    /// Converts `(x, y)` in this CRS to WGS84 `(longitude, latitude)` in degrees.
    pub fn to_lon_lat(&self, x: f64, y: f64) -> (f64, f64) {
        match self {
            Crs::Geographic { .. } => (x, y),
            Crs::WebMercator => (
                (x / WGS84_A).to_degrees(),
                (y / WGS84_A).sinh().atan().to_degrees(),
            ),
            Crs::TransverseMercator { tm, .. } => tm.inverse(x, y),
        }
    }

    /// Converts WGS84 `(longitude, latitude)` in degrees to `(x, y)` in this CRS.
    ///
    /// Web Mercator sends the poles to infinity; the web-map convention is to keep data within ±85.05°.
    pub fn from_lon_lat(&self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Geographic { .. } => (lon, lat),
            Crs::WebMercator => {
                // asinh(tan φ) is the Mercator northing ln(tan(π/4 + φ/2)) in a form without cancellation near
                // the equator.
                (
                    WGS84_A * lon.to_radians(),
                    WGS84_A * lat.to_radians().tan().asinh(),
                )
            }
            Crs::TransverseMercator { tm, .. } => tm.forward(lon, lat),
        }
    }
}

/// The WGS84 UTM zone `zone` (1..=60); `false_northing` is 10,000 km in the southern hemisphere.
fn utm(zone: u32, false_northing: f64) -> TransverseMercator {
    let lon0 = 6.0 * f64::from(zone) - 183.0;
    TransverseMercator::new(lon0, 0.0, 0.9996, 500_000.0, false_northing)
}

/// A CGCS2000 Gauss-Krüger grid without zone prefix: scale 1 on the central meridian, false easting 500 km.
fn gauss_kruger(lon0: f64) -> TransverseMercator {
    TransverseMercator::with_ellipsoid(GRS80_A, GRS80_F, lon0, 0.0, 1.0, 500_000.0, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_central_meridians() {
        let Ok(Crs::TransverseMercator { tm, .. }) = Crs::from_epsg(32650) else {
            panic!("32650")
        };
        assert_eq!(tm.central_meridian_deg(), 117.0);
        let Ok(Crs::TransverseMercator { tm, .. }) = Crs::from_epsg(32701) else {
            panic!("32701")
        };
        assert_eq!(tm.central_meridian_deg(), -177.0);
    }

    #[test]
    fn epsg_round_trips_through_from_epsg() {
        for code in [
            4326, 4490, 4258, 4269, 3857, 32601, 32660, 32701, 32760, 4534, 4554, 4502, 4512, 3414,
        ] {
            assert_eq!(Crs::from_epsg(code).map(|c| c.epsg()), Ok(code));
        }
        for code in [0, 4533, 4555, 4501, 4513, 32600, 32661, 32700, 32761, 2154] {
            assert!(Crs::from_epsg(code).is_err(), "{code}");
        }
    }
}
