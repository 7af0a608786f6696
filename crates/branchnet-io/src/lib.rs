//! Reading branchnet's inputs: `scenario.toml`, demand grids (CSV, Parquet, GeoTIFF, H3), transaction grids,
//! site layers (CSV, Parquet, GeoJSON points) and region layers (GeoJSON polygons).
//!
//! Every unusable input is an [`InputError`] naming the file, row and column and what was expected; everything
//! usable but suspicious goes into the [`branchnet_core::ValidationReport`]; nothing is dropped silently.
//! The entry point is [`load_scenario`].
#![deny(missing_docs)]

mod checks;
mod error;
mod format;
mod geojson_points;
mod grid;
mod join;
mod load;
mod positions;
pub mod raster;
mod regions;
mod sites;
mod table;
pub mod write;

pub use checks::SHARED_LOCATION_M;
pub use error::{InputError, Location};
pub use format::{FileFormat, file_format};
pub use grid::{Grid, GridSpec, read_grid};
pub use join::{Joined, join_grid};
pub use load::{LoadedScenario, build_scenario, load_scenario, read_config};
pub use positions::{Positions, read_positions};
pub use regions::{RegionFeature, read_region_layer};
pub use sites::read_site_layer;
pub use table::{Expect, Table};
