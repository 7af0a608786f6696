//! Reading a whole scenario: `scenario.toml` → every input → one metric frame → regions → report.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use branchnet_core::config::GridJoinInput;
use branchnet_core::{
    Cells, FindingKind, FrameDef, NO_REGION, Region, RegionIdx, RegionLevel, Regions, Scenario,
    ScenarioConfig, Site, Sites, ValidationReport,
};
use branchnet_spatial::{MetricFrame, RegionIndex};
use geo::{CoordsIter, InteriorPoint, MapCoords};
use tracing::{info, info_span, instrument};

use crate::checks::{cell_checks, shared_locations};
use crate::error::{InputError, Location};
use crate::grid::{Grid, GridSpec, read_grid};
use crate::join::join_grid;
use crate::regions::{RegionFeature, read_region_layer};
use crate::sites::read_site_layer;

/// A scenario and what was found suspicious while reading it.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The scenario, in its metric frame.
    pub scenario: Scenario,
    /// Suspicious-but-usable inputs; nothing was dropped.
    pub report: ValidationReport,
}

/// Reads and checks `scenario.toml` (relative paths resolved against its folder).
///
/// # Errors
/// When the file cannot be read, is not valid TOML, or has unknown or mistyped keys.
pub fn read_config(path: &Path) -> Result<ScenarioConfig, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::io(path, e))?;
    let mut config: ScenarioConfig = toml::from_str(&text).map_err(|e| InputError::Config {
        at: Location::file(path),
        message: match e.span() {
            Some(span) => {
                let line = text[..span.start].matches('\n').count() + 1;
                format!("line {line}: {}", e.message().trim())
            }
            // Without a position, the full message is the one that names the table and key.
            None => e.to_string().trim().to_string(),
        },
    })?;
    let base = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    config.resolve_paths(&base);
    Ok(config)
}

/// Reads a scenario file and every input it names, projects everything into one metric frame and assigns
/// regions.
///
/// # Errors
/// The first unusable input, naming file, row, column and what was expected.
pub fn load_scenario(path: &Path) -> Result<LoadedScenario, InputError> {
    let config = read_config(path)?;
    build_scenario(&config, path)
}

/// Builds a scenario from a parsed configuration; `scenario_path` names the configuration in messages.
///
/// # Errors
/// As [`load_scenario`].
#[instrument(skip_all, fields(scenario = %config.name))]
pub fn build_scenario(config: &ScenarioConfig, scenario_path: &Path) -> Result<LoadedScenario, InputError> {
    config.check().map_err(|issue| InputError::Config {
        at: Location::column(scenario_path, issue.key),
        message: issue.message,
    })?;
    let mut report = ValidationReport::default();

    let demand = &config.demand;
    let grid = read_grid(GridSpec {
        path: &demand.path,
        coordinates: demand.coordinates.as_ref(),
        columns: demand.columns.as_deref(),
        signed_columns: &demand.signed_columns,
        raster_value: demand.raster_value.as_deref(),
        default_raster_value: "population",
        scenario: scenario_path,
        key: "demand",
    })?;
    info!(cells = grid.len(), "read demand grid");
    let joins: Vec<Grid> = config
        .transactions
        .iter()
        .enumerate()
        .map(|(i, input)| {
            read_grid(GridSpec {
                path: &input.path,
                coordinates: input.coordinates.as_ref(),
                columns: input.columns.as_deref(),
                signed_columns: &[],
                raster_value: input.raster_value.as_deref(),
                default_raster_value: "transactions",
                scenario: scenario_path,
                key: &format!("transactions[{i}]"),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut sites = read_sites(config, scenario_path)?;
    info!(sites = sites.len(), "read sites");
    let layers: Vec<Vec<RegionFeature>> = config
        .regions
        .iter()
        .map(read_region_layer)
        .collect::<Result<_, _>>()?;

    let extent = Extent::of(&grid, &joins, &sites, &layers);
    let frame = choose_frame(config, &extent, &mut report, scenario_path);
    let (x, y) =
        info_span!("project_cells").in_scope(|| frame.project_all(&grid.positions.lon, &grid.positions.lat));
    let mut cells = Cells::new(x, y).map_err(|e| core_error(&demand.path, e))?;
    cells.set_cell_size_m(demand.cell_size_m.or(grid.cell_size_m));
    for (name, values) in grid.columns {
        cells
            .add_column(name, values)
            .map_err(|e| core_error(&demand.path, e))?;
    }
    for site in &mut sites {
        (site.x, site.y) = frame.project(site.lon, site.lat);
    }
    for (i, (input, join)) in config.transactions.iter().zip(&joins).enumerate() {
        join_transactions(&mut cells, input, join, i, scenario_path, &frame, &mut report)?;
    }

    let (regions, indexes) = build_regions(config, layers, &frame, &mut report);
    assign_regions(&mut cells, &mut sites, &indexes, &grid.rows, config, &mut report);

    let demand_file = demand.path.display().to_string();
    cell_checks(&cells, &grid.rows, &demand_file, &mut report);
    let site_files: Vec<String> = config
        .sites
        .iter()
        .map(|s| s.path.display().to_string())
        .collect();
    let sites = Sites::new(sites);
    shared_locations(&sites, &site_files, &mut report);

    Ok(LoadedScenario {
        scenario: Scenario {
            name: config.name.clone(),
            currency: config.currency.clone(),
            frame: frame.def(),
            cells,
            sites,
            regions,
        },
        report,
    })
}

/// Every site layer, with ids unique across layers.
#[instrument(skip_all)]
fn read_sites(config: &ScenarioConfig, scenario_path: &Path) -> Result<Vec<Site>, InputError> {
    let mut sites = Vec::new();
    let mut first_seen: HashMap<String, Location> = HashMap::new();
    for (layer, input) in config.sites.iter().enumerate() {
        for site in read_site_layer(layer, input, scenario_path)? {
            let here = Location::cell(&input.path, site.source.row, input.id_column.as_str());
            if let Some(first) = first_seen.get(&site.id) {
                return Err(InputError::DuplicateId {
                    at: here,
                    id: site.id,
                    first: Box::new(first.clone()),
                });
            }
            first_seen.insert(site.id.clone(), here);
            sites.push(site);
        }
    }
    Ok(sites)
}

/// The longitude/latitude box of every input, and which input reaches farthest east and west.
#[derive(Debug, Clone, Copy)]
struct Extent {
    lon: (f64, f64),
    lat: (f64, f64),
}

impl Extent {
    fn of(demand: &Grid, joins: &[Grid], sites: &[Site], regions: &[Vec<RegionFeature>]) -> Self {
        let mut e = Extent {
            lon: (f64::INFINITY, f64::NEG_INFINITY),
            lat: (f64::INFINITY, f64::NEG_INFINITY),
        };
        let mut add = |lon: f64, lat: f64| {
            e.lon = (e.lon.0.min(lon), e.lon.1.max(lon));
            e.lat = (e.lat.0.min(lat), e.lat.1.max(lat));
        };
        for grid in std::iter::once(demand).chain(joins) {
            for (&lon, &lat) in grid.positions.lon.iter().zip(&grid.positions.lat) {
                add(lon, lat);
            }
        }
        for site in sites {
            add(site.lon, site.lat);
        }
        for c in regions.iter().flatten().flat_map(|r| r.boundary.coords_iter()) {
            add(c.x, c.y);
        }
        e
    }
}

fn core_error(file: &Path, e: branchnet_core::CoreError) -> InputError {
    InputError::Malformed {
        at: Location::file(file),
        message: e.to_string(),
    }
}

/// The frame from the scenario, or centred on the data; warns when distances stretch more than accepted.
fn choose_frame(
    config: &ScenarioConfig,
    extent: &Extent,
    report: &mut ValidationReport,
    scenario_path: &Path,
) -> MetricFrame {
    let ((lon_min, lon_max), (lat_min, lat_max)) = (extent.lon, extent.lat);
    let fitted = MetricFrame::fit(lon_min, lon_max, lat_min, lat_max).def();
    let frame = MetricFrame::new(FrameDef {
        central_meridian_deg: config
            .frame
            .central_meridian_deg
            .unwrap_or(fitted.central_meridian_deg),
        origin_lat_deg: config.frame.origin_lat_deg.unwrap_or(fitted.origin_lat_deg),
    });
    let error = frame.max_scale_error(lon_min, lon_max, lat_min, lat_max);
    if error > config.frame.max_scale_error {
        report.push(
            FindingKind::FrameScaleError,
            Some(scenario_path.display().to_string()),
            Vec::new(),
            format!(
                "the inputs span longitudes {lon_min:.3}..{lon_max:.3} and latitudes {lat_min:.3}..{lat_max:.3}; \
                 distances at the edge of the frame are off by up to {:.3}% (accepted: {:.3}%, \
                 `frame.max-scale-error`); split the scenario or raise the limit",
                error * 100.0,
                config.frame.max_scale_error * 100.0
            ),
        );
    }
    frame
}

fn join_transactions(
    cells: &mut Cells,
    input: &GridJoinInput,
    grid: &Grid,
    index: usize,
    scenario_path: &Path,
    frame: &MetricFrame,
    report: &mut ValidationReport,
) -> Result<(), InputError> {
    let key = format!("transactions[{index}]");
    let weight = match &input.weight_column {
        Some(name) => {
            let values = cells.column(name).ok_or_else(|| InputError::Config {
                at: Location::column(scenario_path, format!("{key}.weight-column")),
                message: format!(
                    "no demand column `{name}`; expected one of: {}",
                    cells
                        .columns()
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
            Some(values)
        }
        None => None,
    };
    let (gx, gy) = frame.project_all(&grid.positions.lon, &grid.positions.lat);
    let values: Vec<&[f64]> = grid.columns.iter().map(|(_, v)| v.as_slice()).collect();
    let spacing = input.cell_size_m.or(grid.cell_size_m);
    let joined = join_grid(cells.x(), cells.y(), weight, (&gx, &gy), spacing, &values);
    if !joined.orphans.is_empty() {
        let moved: Vec<String> = grid
            .columns
            .iter()
            .map(|(name, v)| format!("{:.0} {name}", joined.orphans.iter().map(|&g| v[g]).sum::<f64>()))
            .collect();
        let (sx, sy) = joined.spacing_m;
        report.push(
            FindingKind::TransactionsWithoutPopulation,
            Some(input.path.display().to_string()),
            joined.orphans.iter().map(|&g| grid.rows[g]).collect(),
            format!(
                "{} grid cells ({sx:.0} m × {sy:.0} m) hold no demand cell; their {} went to the nearest \
                 demand cell",
                joined.orphans.len(),
                moved.join(", ")
            ),
        );
    }
    for ((name, _), values) in grid.columns.iter().zip(joined.columns) {
        cells
            .add_column(name.clone(), values)
            .map_err(|e| InputError::Config {
                at: Location::column(scenario_path, format!("{key}.columns")),
                message: e.to_string(),
            })?;
    }
    Ok(())
}

/// Projects region boundaries, indexes each level and links every region to its parent one level up.
#[instrument(skip_all)]
fn build_regions(
    config: &ScenarioConfig,
    layers: Vec<Vec<RegionFeature>>,
    frame: &MetricFrame,
    report: &mut ValidationReport,
) -> (Regions, Vec<RegionIndex>) {
    let mut regions: Vec<Region> = Vec::new();
    let mut bounds = Vec::new();
    for (level, layer) in layers.iter().enumerate() {
        let start = regions.len();
        regions.extend(layer.iter().map(|feature| Region {
            id: feature.id.clone(),
            name: feature.name.clone(),
            level,
            parent: None,
            boundary: feature.boundary.map_coords(|c| {
                let (x, y) = frame.project(c.x, c.y);
                geo_types::Coord { x, y }
            }),
        }));
        bounds.push(start..regions.len());
    }
    let indexes: Vec<RegionIndex> = bounds
        .iter()
        .map(|range| RegionIndex::new(range.clone().map(|i| (i as RegionIdx, &regions[i].boundary))))
        .collect();

    for level in 1..layers.len() {
        let by_id: HashMap<&str, RegionIdx> = bounds[level - 1]
            .clone()
            .map(|i| (regions[i].id.as_str(), i as RegionIdx))
            .collect();
        let input = &config.regions[level];
        let parents: Vec<Option<RegionIdx>> = bounds[level]
            .clone()
            .zip(&layers[level])
            .map(
                |(child, feature)| match (&input.parent_property, &feature.parent_id) {
                    (Some(_), Some(pid)) => by_id.get(pid.as_str()).copied(),
                    (Some(_), None) => None,
                    (None, _) => regions[child]
                        .boundary
                        .interior_point()
                        .and_then(|p| indexes[level - 1].locate(p.x(), p.y())),
                },
            )
            .collect();
        let orphans: Vec<usize> = layers[level]
            .iter()
            .zip(&parents)
            .filter(|(_, p)| p.is_none())
            .map(|(f, _)| f.row)
            .collect();
        for (child, parent) in bounds[level].clone().zip(parents) {
            regions[child].parent = parent;
        }
        if !orphans.is_empty() {
            let above = &config.regions[level - 1].level;
            let how = match &input.parent_property {
                Some(p) => format!("their `{p}` names no {above} region"),
                None => format!("no {above} region contains them"),
            };
            report.push(
                FindingKind::RegionWithoutParent,
                Some(input.path.display().to_string()),
                orphans.clone(),
                format!("{} {} regions have no parent: {how}", orphans.len(), input.level),
            );
        }
    }
    let levels = config
        .regions
        .iter()
        .map(|r| RegionLevel {
            name: r.level.clone(),
        })
        .collect();
    (Regions::new(levels, regions), indexes)
}

/// Puts every cell and site in its region on every level, reporting those outside all regions of a level.
#[instrument(skip_all)]
fn assign_regions(
    cells: &mut Cells,
    sites: &mut [Site],
    indexes: &[RegionIndex],
    cell_rows: &[usize],
    config: &ScenarioConfig,
    report: &mut ValidationReport,
) {
    for (level, (input, index)) in config.regions.iter().zip(indexes).enumerate() {
        let assigned = index.locate_all(cells.x(), cells.y());
        let outside: Vec<usize> = assigned
            .iter()
            .zip(cell_rows)
            .filter(|(r, _)| **r == NO_REGION)
            .map(|(_, &row)| row)
            .collect();
        if !outside.is_empty() {
            report.push(
                FindingKind::CellOutsideRegions,
                Some(config.demand.path.display().to_string()),
                outside.clone(),
                format!(
                    "{} cells lie outside every {} region of {}; they are kept, without a {}",
                    outside.len(),
                    input.level,
                    input.path.display(),
                    input.level
                ),
            );
        }
        cells
            .set_regions(level, assigned)
            .expect("locate_all returns one region per cell");
        let mut outside_sites: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for site in sites.iter_mut() {
            let r = index.locate(site.x, site.y).unwrap_or(NO_REGION);
            if r == NO_REGION {
                outside_sites
                    .entry(site.source.layer)
                    .or_default()
                    .push(site.source.row);
            }
            site.regions.push(r);
        }
        for (layer, rows) in outside_sites {
            report.push(
                FindingKind::SiteOutsideRegions,
                Some(config.sites[layer].path.display().to_string()),
                rows.clone(),
                format!(
                    "{} sites lie outside every {} region; they are kept",
                    rows.len(),
                    input.level
                ),
            );
        }
    }
}
