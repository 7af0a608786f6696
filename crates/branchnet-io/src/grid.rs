//! Value grids (demand, transactions) from tables or GeoTIFF rasters, as points in WGS84 with value columns.

use std::path::Path;

use branchnet_core::config::Coordinates;
use branchnet_spatial::Crs;
use rayon::prelude::*;
use tracing::instrument;

use crate::error::{InputError, Location};
use crate::format::{FileFormat, file_format};
use crate::positions::{Positions, check_positions, position_columns, read_positions};
use crate::raster::read_geotiff;
use crate::table::{Expect, Table};

/// Metres per degree of latitude (and of longitude at the equator), for sizing geographic raster pixels.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// What to read a grid from and how.
#[derive(Debug, Clone, Copy)]
pub struct GridSpec<'a> {
    /// Table or raster file.
    pub path: &'a Path,
    /// Position columns of a table.
    pub coordinates: Option<&'a Coordinates>,
    /// Value columns to keep; every numeric non-position column when `None`.
    pub columns: Option<&'a [String]>,
    /// Value columns that may be negative.
    pub signed_columns: &'a [String],
    /// Name given to a raster's band, as configured (only for rasters).
    pub raster_value: Option<&'a str>,
    /// Name given to a raster's band when the scenario names none.
    pub default_raster_value: &'a str,
    /// The scenario file, for configuration errors.
    pub scenario: &'a Path,
    /// The scenario key of this input (e.g. `demand`), for configuration errors.
    pub key: &'a str,
}

/// A grid read from a file: positions, value columns, and where each point came from.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// Position of every point.
    pub positions: Positions,
    /// Value columns (name, one value per point).
    pub columns: Vec<(String, Vec<f64>)>,
    /// Source of every point: the 1-based data row of a table, or the 1-based pixel number (row-major) of a
    /// raster.
    pub rows: Vec<usize>,
    /// Side of a cell in metres when the source tells it (rasters).
    pub cell_size_m: Option<f64>,
}

impl Grid {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the grid has no point.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Reads a grid as `spec` says.
///
/// # Errors
/// Every problem of the file, its columns or values, with file, row and column.
#[instrument(skip_all, fields(path = %spec.path.display()))]
pub fn read_grid(spec: GridSpec<'_>) -> Result<Grid, InputError> {
    let formats = [FileFormat::Csv, FileFormat::Parquet, FileFormat::GeoTiff];
    match file_format(spec.path, &formats)? {
        FileFormat::GeoTiff => read_raster_grid(spec),
        _ => read_table_grid(spec),
    }
}

fn read_table_grid(spec: GridSpec<'_>) -> Result<Grid, InputError> {
    if spec.raster_value.is_some() {
        return Err(not_for(
            &spec,
            "raster-value",
            "a table",
            "name its value columns in `columns`",
        ));
    }
    let table = Table::read(spec.path)?;
    let key = format!("{}.coordinates", spec.key);
    let positions = read_positions(&table, spec.coordinates, spec.scenario, &key)?;
    let names: Vec<String> = match spec.columns {
        Some(names) => names.to_vec(),
        None => {
            let skip = position_columns(&table, spec.coordinates);
            table
                .column_names()
                .into_iter()
                .filter(|c| !skip.contains(c) && table.is_numeric(c))
                .collect()
        }
    };
    if names.is_empty() {
        return Err(InputError::Config {
            at: Location::column(spec.scenario, format!("{}.columns", spec.key)),
            message: format!(
                "{} has no numeric value column; expected at least one (e.g. population); it has columns: {}",
                spec.path.display(),
                table.column_names().join(", ")
            ),
        });
    }
    let columns = names
        .into_iter()
        .map(|name| {
            let expect = if spec.signed_columns.contains(&name) {
                Expect::number("a value")
            } else {
                Expect::non_negative("a value; list the column in `signed-columns` if it may be negative")
            };
            table.numbers(&name, expect).map(|v| (name, v))
        })
        .collect::<Result<_, _>>()?;
    Ok(Grid {
        rows: (1..=table.height()).collect(),
        positions,
        columns,
        cell_size_m: None,
    })
}

fn read_raster_grid(spec: GridSpec<'_>) -> Result<Grid, InputError> {
    // Keys that only mean something for tables would be silently ignored here; say so instead.
    let how = "a raster's one band is named with `raster-value`";
    if spec.coordinates.is_some() {
        return Err(not_for(
            &spec,
            "coordinates",
            "a raster",
            "positions come from its geotransform",
        ));
    }
    if spec.columns.is_some() {
        return Err(not_for(&spec, "columns", "a raster", how));
    }
    if !spec.signed_columns.is_empty() {
        return Err(not_for(
            &spec,
            "signed-columns",
            "a raster",
            "its values must be ≥ 0",
        ));
    }
    let raster = read_geotiff(spec.path)?;
    let unknown = |crs: String| InputError::UnknownCrs {
        at: Location::column(spec.path, "GeoKeyDirectory"),
        crs,
        supported: Crs::SUPPORTED.to_string(),
    };
    let crs = match raster.epsg {
        Some(code) => Crs::from_epsg(code).map_err(|e| unknown(e.crs))?,
        None => return Err(unknown(raster.crs_description.clone())),
    };
    let (lon, lat): (Vec<f64>, Vec<f64>) = raster
        .x
        .par_iter()
        .zip(raster.y.par_iter())
        .map(|(&x, &y)| crs.to_lon_lat(x, y))
        .unzip();
    let cell_size_m = if crs.is_geographic() {
        let mid_lat = lat.iter().sum::<f64>() / lat.len().max(1) as f64;
        raster.pixel_size.0 * METRES_PER_DEGREE * mid_lat.to_radians().cos()
    } else {
        raster.pixel_size.0
    };
    let width = raster.width as usize;
    let rows: Vec<usize> = raster
        .pixels
        .iter()
        .map(|&(r, c)| r as usize * width + c as usize + 1)
        .collect();
    let positions = Positions { lon, lat };
    check_positions(
        &positions,
        |i| {
            let (r, c) = raster.pixels[i];
            Location::cell(spec.path, r as usize + 1, format!("pixel column {}", c + 1))
        },
        &format!(
            "a pixel centre inside the area of EPSG:{} (check the geotransform)",
            crs.epsg()
        ),
    )?;
    let value = spec.raster_value.unwrap_or(spec.default_raster_value);
    Ok(Grid {
        positions,
        columns: vec![(value.to_string(), raster.values)],
        rows,
        cell_size_m: Some(cell_size_m),
    })
}

fn not_for(spec: &GridSpec<'_>, key: &str, kind: &str, how: &str) -> InputError {
    InputError::Config {
        at: Location::column(spec.scenario, format!("{}.{key}", spec.key)),
        message: format!("does not apply to {kind} ({}): {how}", spec.path.display()),
    }
}
