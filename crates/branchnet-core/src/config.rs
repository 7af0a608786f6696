//! The typed form of `scenario.toml`: the inputs of a run and every parameter.
//!
//! Keys are kebab-case, unknown keys are errors, and units are part of key names (`cell-size-m`). Paths are
//! written relative to the scenario file's folder; [`ScenarioConfig::resolve_paths`] makes them absolute.
//!
//! ```
//! use branchnet_core::ScenarioConfig;
//! let config: ScenarioConfig = toml::from_str(r#"
//!     name = "Tiny"
//!     [demand]
//!     path = "cells.csv"
//!     columns = ["population"]
//!     [[sites]]
//!     kind = "own"
//!     path = "branches.csv"
//! "#).unwrap();
//! assert_eq!(config.sites[0].id_column, "id");
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::SiteKind;

/// A whole `scenario.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ScenarioConfig {
    /// Scenario name, shown in reports.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Currency of every money figure in the inputs (ISO 4217 code).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// How the metric frame is chosen.
    #[serde(default)]
    pub frame: FrameConfig,
    /// The demand grid (population and other per-cell values).
    pub demand: DemandInput,
    /// Grids at other resolutions joined onto the demand cells (e.g. transactions on a 500 m grid).
    #[serde(default)]
    pub transactions: Vec<GridJoinInput>,
    /// Site layers: own branches, competitors, candidates.
    #[serde(default)]
    pub sites: Vec<SiteInput>,
    /// Region layers, coarse to fine (city, district/county, township).
    #[serde(default)]
    pub regions: Vec<RegionInput>,
    /// How travel cost between cells and sites is measured by the scoring models.
    #[serde(default)]
    pub travel: TravelConfig,
    /// Scoring models, run in this order (`[[scores]]` tables; `model = "..."` names the kind, the other
    /// keys are that model's parameters, read by `branchnet-score`'s registry).
    #[serde(default)]
    pub scores: Vec<toml::Table>,
    /// The planner's parameters (`[plan]`, read by `branchnet-plan`, which checks its keys).
    #[serde(default)]
    pub plan: Option<toml::Table>,
}

/// How travel cost is measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, tag = "kind")]
pub enum TravelConfig {
    /// Straight-line metres in the scenario's metric frame (the default).
    #[default]
    Euclidean,
    /// Great-circle metres between longitude/latitude positions.
    GreatCircle,
}

/// A value in `scenario.toml` that parses but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Dotted key, e.g. `demand.cell-size-m` or `sites[2].id-column`.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
}

fn first_duplicate(names: &[String]) -> Option<&str> {
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .find(|n| !seen.insert(n.as_str()))
        .map(String::as_str)
}

fn default_currency() -> String {
    "CNY".into()
}

impl ScenarioConfig {
    /// Checks the values serde cannot: ranges and non-empty names.
    ///
    /// # Errors
    /// The first unusable value, with its key.
    pub fn check(&self) -> Result<(), ConfigIssue> {
        let issue = |key: &str, message: &str| {
            Err(ConfigIssue {
                key: key.to_string(),
                message: message.to_string(),
            })
        };
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if let Some(size) = self.demand.cell_size_m
            && !positive(size)
        {
            return issue("demand.cell-size-m", "expected a positive number of metres");
        }
        if !positive(self.frame.max_scale_error) {
            return issue(
                "frame.max-scale-error",
                "expected a positive ratio (0.001 = 0.1%)",
            );
        }
        if let Some(lon) = self.frame.central_meridian_deg
            && !(-180.0..=180.0).contains(&lon)
        {
            return issue(
                "frame.central-meridian-deg",
                "expected a longitude between -180 and 180",
            );
        }
        if let Some(lat) = self.frame.origin_lat_deg
            && !(-90.0..=90.0).contains(&lat)
        {
            return issue("frame.origin-lat-deg", "expected a latitude between -90 and 90");
        }
        if let Some(columns) = &self.demand.columns {
            if columns.is_empty() {
                return issue(
                    "demand.columns",
                    "expected at least one value column (e.g. population)",
                );
            }
            if let Some(dup) = first_duplicate(columns) {
                return issue("demand.columns", &format!("column `{dup}` is listed twice"));
            }
        }
        for (i, grid) in self.transactions.iter().enumerate() {
            if let Some(size) = grid.cell_size_m
                && !positive(size)
            {
                return issue(
                    &format!("transactions[{i}].cell-size-m"),
                    "expected a positive number of metres",
                );
            }
            if let Some(w) = &grid.weight_column
                && self.demand.signed_columns.contains(w)
            {
                return issue(
                    &format!("transactions[{i}].weight-column"),
                    &format!(
                        "`{w}` may be negative (it is in `demand.signed-columns`); expected a column ≥ 0"
                    ),
                );
            }
        }
        if let Some(first) = self.regions.first()
            && first.parent_property.is_some()
        {
            return issue(
                "regions[0].parent-property",
                "the first (coarsest) region level has no level above it; expected no parent-property",
            );
        }
        for (i, layer) in self.sites.iter().enumerate() {
            if layer.id_column.trim().is_empty() {
                return issue(&format!("sites[{i}].id-column"), "expected a column name");
            }
        }
        let mut levels = std::collections::HashSet::new();
        for (i, layer) in self.regions.iter().enumerate() {
            if !levels.insert(layer.level.as_str()) {
                return issue(
                    &format!("regions[{i}].level"),
                    &format!(
                        "level `{}` is named twice; expected one layer per level",
                        layer.level
                    ),
                );
            }
        }
        Ok(())
    }

    /// Makes every input path absolute by resolving it against `base` (the scenario file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut self.demand.path);
        self.transactions.iter_mut().for_each(|t| resolve(&mut t.path));
        self.sites.iter_mut().for_each(|s| resolve(&mut s.path));
        self.regions.iter_mut().for_each(|r| resolve(&mut r.path));
    }
}

/// How the metric frame is chosen. By default it is centred on the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FrameConfig {
    /// Central meridian of the transverse Mercator frame; the middle of the data when absent.
    #[serde(default)]
    pub central_meridian_deg: Option<f64>,
    /// Latitude of the frame's origin; the middle of the data when absent.
    #[serde(default)]
    pub origin_lat_deg: Option<f64>,
    /// Largest relative distance error accepted before the validation report warns (0.001 = 0.1%).
    #[serde(default = "default_max_scale_error")]
    pub max_scale_error: f64,
}

fn default_max_scale_error() -> f64 {
    1e-3
}

impl Default for FrameConfig {
    fn default() -> Self {
        Self {
            central_meridian_deg: None,
            origin_lat_deg: None,
            max_scale_error: default_max_scale_error(),
        }
    }
}

/// Which columns hold a point's position. Give `lon` + `lat`, or `x` + `y` + `crs`, or `h3`.
///
/// When the whole table is absent, columns named `lon`/`lng`/`longitude`/`long` and `lat`/`latitude` are used.
/// GeoJSON layers take positions from their point geometries and must not set it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Coordinates {
    /// Longitude column (WGS84 degrees, or degrees of `crs` when that is geographic).
    #[serde(default)]
    pub lon: Option<String>,
    /// Latitude column.
    #[serde(default)]
    pub lat: Option<String>,
    /// Easting column in `crs`.
    #[serde(default)]
    pub x: Option<String>,
    /// Northing column in `crs`.
    #[serde(default)]
    pub y: Option<String>,
    /// Coordinate reference system of `x`/`y` (or `lon`/`lat`), as `EPSG:<code>`.
    #[serde(default)]
    pub crs: Option<String>,
    /// Column of H3 cell indexes (hex strings or 64-bit integers); cells are placed at their centres.
    #[serde(default)]
    pub h3: Option<String>,
}

/// The demand grid: a table (CSV, Parquet) of points with values, or a single-band GeoTIFF raster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DemandInput {
    /// File path (`.csv`, `.parquet`, `.tif`/`.tiff`).
    pub path: PathBuf,
    /// Position columns of a table.
    #[serde(default)]
    pub coordinates: Option<Coordinates>,
    /// Value columns to keep; every numeric column but the coordinates when absent.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Name of the value of a raster's band (default `population`).
    #[serde(default)]
    pub raster_value: Option<String>,
    /// Value columns that may be negative (growth rates); every other value column must be ≥ 0.
    #[serde(default)]
    pub signed_columns: Vec<String>,
    /// Cell side in metres; read from a raster's geotransform when absent (unknown for tables).
    #[serde(default)]
    pub cell_size_m: Option<f64>,
}

/// A grid at another resolution (e.g. transactions on 500 m cells) joined onto the demand cells.
///
/// Each grid cell's value is split over the demand cells whose centres lie in its footprint, in proportion to
/// `weight-column`; a grid cell holding no demand cell gives its value to the nearest one. Totals are preserved
/// exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GridJoinInput {
    /// File path (`.csv`, `.parquet`, `.tif`/`.tiff`).
    pub path: PathBuf,
    /// Position columns of a table.
    #[serde(default)]
    pub coordinates: Option<Coordinates>,
    /// Value columns to join; every numeric column but the coordinates when absent.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Name of the value of a raster's band (default `transactions`).
    #[serde(default)]
    pub raster_value: Option<String>,
    /// Demand column used to split each grid cell's value; equal shares when absent. It must be ≥ 0, so it
    /// cannot be one of `demand.signed-columns`.
    #[serde(default)]
    pub weight_column: Option<String>,
    /// Side of a grid cell in metres; estimated from the spacing of the grid's points when absent.
    #[serde(default)]
    pub cell_size_m: Option<f64>,
}

/// One layer of sites: a table (CSV, Parquet) or GeoJSON points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SiteInput {
    /// Own branches, competitors or candidate sites.
    pub kind: SiteKind,
    /// File path (`.csv`, `.parquet`, `.geojson`/`.json`).
    pub path: PathBuf,
    /// Position columns of a table (GeoJSON uses its point geometry).
    #[serde(default)]
    pub coordinates: Option<Coordinates>,
    /// Column (or GeoJSON property) holding the site id.
    #[serde(default = "default_id_column")]
    pub id_column: String,
    /// Bank name for every site of the layer (e.g. a competitor layer from one bank).
    #[serde(default)]
    pub brand: Option<String>,
    /// Where each attribute is read from; by default from a column of the attribute's own name.
    #[serde(default)]
    pub attributes: AttributeColumns,
    /// Further numeric columns to keep as site attributes (footfall, visibility, ...).
    #[serde(default)]
    pub extra_columns: Vec<String>,
}

fn default_id_column() -> String {
    "id".into()
}

/// Column names of the standard site attributes. An attribute left unset is read from the column of its
/// default name (given in brackets) when the file has one, and is absent otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AttributeColumns {
    /// Display name (`name`).
    #[serde(default)]
    pub name: Option<String>,
    /// Bank or brand (`brand`).
    #[serde(default)]
    pub brand: Option<String>,
    /// Format: full, light, smart, community, self-service (`format`).
    #[serde(default)]
    pub format: Option<String>,
    /// Teller counters (`counters`).
    #[serde(default)]
    pub counters: Option<String>,
    /// Staff headcount (`staff`).
    #[serde(default)]
    pub staff: Option<String>,
    /// Annual operating cost (`annual_cost`).
    #[serde(default)]
    pub annual_cost: Option<String>,
    /// Observed yearly volume (`observed_volume`).
    #[serde(default)]
    pub observed_volume: Option<String>,
    /// Protected flag: true/false, yes/no, 1/0 (`protected`).
    #[serde(default)]
    pub protected: Option<String>,
    /// One-off opening cost (`open_cost`).
    #[serde(default)]
    pub open_cost: Option<String>,
    /// Annual rent (`rent`).
    #[serde(default)]
    pub rent: Option<String>,
}

/// One level of administrative regions, from GeoJSON polygons and multipolygons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RegionInput {
    /// Level name (city, district, county, township ...).
    pub level: String,
    /// GeoJSON file of polygon or multipolygon features.
    pub path: PathBuf,
    /// Feature property holding the region id.
    #[serde(default = "default_id_column")]
    pub id_property: String,
    /// Feature property holding the display name.
    #[serde(default)]
    pub name_property: Option<String>,
    /// Feature property holding the id of the enclosing region one level up; by containment when absent.
    #[serde(default)]
    pub parent_property: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let err = toml::from_str::<ScenarioConfig>("name = \"x\"\n[demand]\npath = \"a.csv\"\nradius = 3\n")
            .expect_err("an unknown key");
        let msg = err.to_string();
        assert!(msg.contains("unknown field `radius`"), "{msg}");
    }

    #[test]
    fn unusable_values_are_named_by_key() {
        let config: ScenarioConfig =
            toml::from_str("name = \"x\"\n[demand]\npath = \"a.csv\"\ncell-size-m = -100\n").expect("parses");
        let issue = config.check().expect_err("negative cell size");
        assert_eq!(issue.key, "demand.cell-size-m");
        let config: ScenarioConfig = toml::from_str(
            "name = \"x\"\n[demand]\npath = \"a.csv\"\n[[regions]]\nlevel = \"d\"\npath = \"a.geojson\"\n\
             [[regions]]\nlevel = \"d\"\npath = \"b.geojson\"\n",
        )
        .expect("parses");
        assert_eq!(config.check().expect_err("level twice").key, "regions[1].level");
    }

    #[test]
    fn relative_paths_resolve_against_the_scenario_folder() {
        let mut config: ScenarioConfig = toml::from_str(
            "name = \"x\"\n[demand]\npath = \"cells.csv\"\n[[sites]]\nkind = \"candidate\"\npath = \"/abs/c.csv\"\n",
        )
        .expect("valid");
        config.resolve_paths(Path::new("/data/city"));
        assert_eq!(config.demand.path, PathBuf::from("/data/city/cells.csv"));
        assert_eq!(config.sites[0].path, PathBuf::from("/abs/c.csv"));
        assert_eq!(config.currency, "CNY");
    }
}
