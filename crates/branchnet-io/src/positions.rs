//! Point positions of a table in WGS84 longitude/latitude, from lon/lat, x/y in a CRS, or H3 cell ids.

use std::path::Path;
use std::str::FromStr;

use branchnet_core::config::Coordinates;
use branchnet_spatial::Crs;
use h3o::{CellIndex, LatLng};
use rayon::prelude::*;

use crate::error::{InputError, Location};
use crate::table::{Expect, Table};

const LON: Expect = Expect::range("a longitude in degrees", -180.0, 180.0);
const LAT: Expect = Expect::range("a latitude in degrees", -90.0, 90.0);
const LON_NAMES: [&str; 4] = ["lon", "lng", "longitude", "long"];
const LAT_NAMES: [&str; 2] = ["lat", "latitude"];

/// Longitudes and latitudes (WGS84 degrees) of every row.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    /// Longitude per row.
    pub lon: Vec<f64>,
    /// Latitude per row.
    pub lat: Vec<f64>,
}

/// Names of the columns that hold positions (so they are not taken for value columns).
pub(crate) fn position_columns(table: &Table, coords: Option<&Coordinates>) -> Vec<String> {
    match coords {
        Some(c) => [&c.lon, &c.lat, &c.x, &c.y, &c.h3]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        None => LON_NAMES
            .iter()
            .chain(LAT_NAMES.iter())
            .filter(|n| table.has_column(n))
            .map(|n| n.to_string())
            .collect(),
    }
}

/// Reads the positions of every row as `coords` says (or from lon/lat-named columns when it is absent).
///
/// `scenario` and `key` name the scenario file and the TOML table of `coords`, for configuration errors.
///
/// # Errors
/// Missing columns, values that are not coordinates, an unsupported CRS, or an inconsistent `coords`.
pub fn read_positions(
    table: &Table,
    coords: Option<&Coordinates>,
    scenario: &Path,
    key: &str,
) -> Result<Positions, InputError> {
    let config_error = |message: String| InputError::Config {
        at: Location::column(scenario, key),
        message,
    };
    let Some(c) = coords else {
        let find = |names: &[&'static str]| names.iter().find(|n| table.has_column(n)).copied();
        let (Some(lon), Some(lat)) = (find(&LON_NAMES), find(&LAT_NAMES)) else {
            let missing = if find(&LON_NAMES).is_none() { "lon" } else { "lat" };
            return Err(InputError::MissingColumn {
                at: Location::column(table.path(), missing),
                expected: format!(
                    "longitude/latitude columns (named {} and {}), or `{key}` in the scenario naming \
                     lon/lat, x/y with a crs, or h3 columns",
                    LON_NAMES.join("/"),
                    LAT_NAMES.join("/")
                ),
                available: table.column_names().join(", "),
            });
        };
        return geographic(table, lon, lat);
    };
    let crs = match &c.crs {
        Some(text) => Some(Crs::parse(text).map_err(|e| InputError::UnknownCrs {
            at: Location::column(scenario, format!("{key}.crs")),
            crs: e.crs,
            supported: e.supported,
        })?),
        None => None,
    };
    match c {
        Coordinates {
            h3: Some(h3),
            lon: None,
            lat: None,
            x: None,
            y: None,
            crs: None,
        } => h3_centres(table, h3),
        Coordinates {
            lon: Some(lon),
            lat: Some(lat),
            x: None,
            y: None,
            h3: None,
            ..
        } => match crs {
            Some(crs) if !crs.is_geographic() => Err(config_error(format!(
                "`lon`/`lat` columns need a geographic crs, but {} is projected; name the columns `x`/`y`",
                c.crs.as_deref().unwrap_or_default()
            ))),
            _ => geographic(table, lon, lat),
        },
        Coordinates {
            x: Some(x),
            y: Some(y),
            lon: None,
            lat: None,
            h3: None,
            ..
        } => match crs {
            Some(crs) => projected(table, x, y, crs),
            None => Err(config_error(
                "`x`/`y` columns need `crs` (e.g. crs = \"EPSG:32650\")".into(),
            )),
        },
        _ => Err(config_error(
            "expected exactly one of: `lon` + `lat`, `x` + `y` + `crs`, or `h3`".into(),
        )),
    }
}

fn geographic(table: &Table, lon: &str, lat: &str) -> Result<Positions, InputError> {
    Ok(Positions {
        lon: table.numbers(lon, LON)?,
        lat: table.numbers(lat, LAT)?,
    })
}

fn projected(table: &Table, x: &str, y: &str, crs: Crs) -> Result<Positions, InputError> {
    let what = if crs.is_geographic() {
        "a coordinate in degrees"
    } else {
        "a coordinate in metres"
    };
    let xs = table.numbers(x, Expect::number(what))?;
    let ys = table.numbers(y, Expect::number(what))?;
    let (lon, lat): (Vec<f64>, Vec<f64>) = xs
        .par_iter()
        .zip(ys.par_iter())
        .map(|(&x, &y)| crs.to_lon_lat(x, y))
        .unzip();
    let positions = Positions { lon, lat };
    let at = |i: usize| Location::cell(table.path(), i + 1, format!("{x}/{y}"));
    let expected = format!("a position inside the area of EPSG:{}", crs.epsg());
    check_positions(&positions, at, &expected).map_err(|e| match e {
        InputError::BadValue { at, expected, .. } => {
            let i = at.row.map_or(0, |r| r - 1);
            InputError::BadValue {
                at,
                expected,
                found: format!("x = {}, y = {}", xs[i], ys[i]),
            }
        }
        other => other,
    })?;
    if let Crs::TransverseMercator { tm, epsg } = crs {
        // Far outside a transverse Mercator zone the inverse still returns a valid-looking lon/lat: catch
        // points more than ~900 km from the central meridian (scale > 1.01), typically swapped x and y.
        let far =
            (0..positions.lon.len()).find(|&i| tm.scale_factor(positions.lon[i], positions.lat[i]) > 1.01);
        if let Some(i) = far {
            return Err(InputError::BadValue {
                at: at(i),
                expected: format!(
                    "a position within the zone of EPSG:{epsg}; x and y may be swapped (in Chinese \
                     surveying X is the northing): name the easting column `x` and the northing column `y`"
                ),
                found: format!("x = {}, y = {}", xs[i], ys[i]),
            });
        }
    }
    Ok(positions)
}

/// Checks that every position is a valid longitude/latitude; `at` names the offending row for the message.
pub(crate) fn check_positions(
    positions: &Positions,
    at: impl Fn(usize) -> Location,
    expected: &str,
) -> Result<(), InputError> {
    let bad = (0..positions.lon.len())
        .find(|&i| !(LON.check_value(positions.lon[i]) && LAT.check_value(positions.lat[i])));
    match bad {
        Some(i) => Err(InputError::BadValue {
            at: at(i),
            expected: expected.to_string(),
            found: format!("longitude {}, latitude {}", positions.lon[i], positions.lat[i]),
        }),
        None => Ok(()),
    }
}

fn h3_centres(table: &Table, column: &str) -> Result<Positions, InputError> {
    const EXPECTED: &str = "an H3 cell index (hex string or 64-bit integer)";
    let texts = table.texts(column, EXPECTED)?;
    let mut positions = Positions::default();
    for (i, text) in texts.iter().enumerate() {
        let bad = |found: String| InputError::bad_value(table.path(), i + 1, column, EXPECTED, found);
        let text = text.as_deref().ok_or_else(|| bad("an empty value".into()))?;
        let cell = CellIndex::from_str(text)
            .ok()
            .or_else(|| text.parse::<u64>().ok().and_then(|n| CellIndex::try_from(n).ok()))
            .ok_or_else(|| bad(format!("`{text}`")))?;
        let centre = LatLng::from(cell);
        positions.lon.push(centre.lng());
        positions.lat.push(centre.lat());
    }
    Ok(positions)
}
