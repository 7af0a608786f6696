//! Reading a whole scenario: `scenario.toml` → every input → one metric frame → regions → report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use branchnet_core::config::GridJoinInput;
use branchnet_core::{
    Cells, FindingKind, FrameDef, NO_REGION, Region, RegionIdx, RegionLevel, Regions, Scenario,
    ScenarioConfig, Site, Sites, ValidationReport,
};
use branchnet_spatial::{MetricFrame, RegionIndex};
use geo::{InteriorPoint, MapCoords};
use tracing::{info, instrument};

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
    let mut config: ScenarioConfig = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
        let message = e.message().trim().to_string();
        InputError::Config {
            at: Location::file(path),
            message: match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            },
        }
    })?;
    config.check().map_err(|issue| InputError::Config {
        at: Location::column(path, issue.key),
        message: issue.message,
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
    let mut report = ValidationReport::default();

    let demand = &config.demand;
    let grid = read_grid(GridSpec {
        path: &demand.path,
        coordinates: demand.coordinates.as_ref(),
        columns: demand.columns.as_deref(),
        signed_columns: &demand.signed_columns,
        raster_value: demand.raster_value.as_deref().unwrap_or("population"),
        scenario: scenario_path,
        key: "demand",
    })?;
    info!(cells = grid.len(), "read demand grid");

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
    info!(sites = sites.len(), "read sites");

    let layers: Vec<Vec<RegionFeature>> = config
        .regions
        .iter()
        .map(read_region_layer)
        .collect::<Result<_, _>>()?;

    let frame = choose_frame(config, &grid, &sites, &mut report, scenario_path);
    let (x, y) = frame.project_all(&grid.positions.lon, &grid.positions.lat);
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

    for (i, input) in config.transactions.iter().enumerate() {
        join_transactions(&mut cells, input, i, scenario_path, &frame, &mut report)?;
    }

    let regions = build_regions(config, layers, &frame, &mut report);
    assign_regions(&mut cells, &mut sites, &regions, &grid.rows, config, &mut report)?;

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

fn core_error(file: &Path, e: branchnet_core::CoreError) -> InputError {
    InputError::Malformed {
        at: Location::file(file),
        message: e.to_string(),
    }
}

/// The frame from the scenario, or centred on the data; warns when distances stretch more than accepted.
fn choose_frame(
    config: &ScenarioConfig,
    grid: &Grid,
    sites: &[Site],
    report: &mut ValidationReport,
    scenario_path: &Path,
) -> MetricFrame {
    let lons = grid.positions.lon.iter().chain(sites.iter().map(|s| &s.lon));
    let lats = grid.positions.lat.iter().chain(sites.iter().map(|s| &s.lat));
    let (lon_min, lon_max) = min_max(lons);
    let (lat_min, lat_max) = min_max(lats);
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
                "the data span longitudes {lon_min:.3}..{lon_max:.3}; distances at the edge of the frame are \
                 off by up to {:.3}% (accepted: {:.3}%, `frame.max-scale-error`); split the scenario or \
                 raise the limit",
                error * 100.0,
                config.frame.max_scale_error * 100.0
            ),
        );
    }
    frame
}

fn min_max<'a>(values: impl Iterator<Item = &'a f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    })
}

fn join_transactions(
    cells: &mut Cells,
    input: &GridJoinInput,
    index: usize,
    scenario_path: &Path,
    frame: &MetricFrame,
    report: &mut ValidationReport,
) -> Result<(), InputError> {
    let key = format!("transactions[{index}]");
    let grid = read_grid(GridSpec {
        path: &input.path,
        coordinates: input.coordinates.as_ref(),
        columns: input.columns.as_deref(),
        signed_columns: &[],
        raster_value: input.raster_value.as_deref().unwrap_or("transactions"),
        scenario: scenario_path,
        key: &key,
    })?;
    let weight = match &input.weight_column {
        Some(name) => Some(cells.column(name).ok_or_else(|| InputError::Config {
            at: Location::column(scenario_path, format!("{key}.weight-column")),
            message: format!(
                "no demand column `{name}`; expected one of: {}",
                cells.columns().iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        })?),
        None => None,
    };
    let (gx, gy) = frame.project_all(&grid.positions.lon, &grid.positions.lat);
    let values: Vec<&[f64]> = grid.columns.iter().map(|(_, v)| v.as_slice()).collect();
    let joined = join_grid(cells.x(), cells.y(), weight, &gx, &gy, &values);
    if !joined.orphans.is_empty() {
        let moved: Vec<String> = grid
            .columns
            .iter()
            .map(|(name, v)| format!("{:.0} {name}", joined.orphans.iter().map(|&g| v[g]).sum::<f64>()))
            .collect();
        report.push(
            FindingKind::TransactionsWithoutPopulation,
            Some(input.path.display().to_string()),
            joined.orphans.iter().map(|&g| grid.rows[g]).collect(),
            format!(
                "{} grid cells (spacing {:.0} m) hold no demand cell; their {} went to the nearest demand cell",
                joined.orphans.len(),
                joined.spacing_m,
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

/// Projects region boundaries and links every region to its parent one level up.
fn build_regions(
    config: &ScenarioConfig,
    layers: Vec<Vec<RegionFeature>>,
    frame: &MetricFrame,
    report: &mut ValidationReport,
) -> Regions {
    let mut regions: Vec<Region> = Vec::new();
    let mut level_start = Vec::new();
    for (level, layer) in layers.iter().enumerate() {
        level_start.push(regions.len());
        for feature in layer {
            regions.push(Region {
                id: feature.id.clone(),
                name: feature.name.clone(),
                level,
                parent: None,
                boundary: feature.boundary.map_coords(|c| {
                    let (x, y) = frame.project(c.x, c.y);
                    geo_types::Coord { x, y }
                }),
            });
        }
    }
    level_start.push(regions.len());
    for level in 1..layers.len() {
        let (parents, children) = (
            level_start[level - 1]..level_start[level],
            level_start[level]..level_start[level + 1],
        );
        let by_id: HashMap<&str, RegionIdx> = parents
            .clone()
            .map(|i| (regions[i].id.as_str(), i as RegionIdx))
            .collect();
        let index = RegionIndex::new(parents.map(|i| (i as RegionIdx, &regions[i].boundary)));
        let mut orphans = Vec::new();
        let mut found = Vec::with_capacity(children.len());
        for (k, child) in children.clone().enumerate() {
            let region = &regions[child];
            let parent = match &layers[level][k].parent_id {
                Some(pid) => by_id.get(pid.as_str()).copied(),
                None if config.regions[level].parent_property.is_some() => None,
                None => region
                    .boundary
                    .interior_point()
                    .and_then(|p| index.locate(p.x(), p.y())),
            };
            if parent.is_none() {
                orphans.push(layers[level][k].row);
            }
            found.push(parent);
        }
        for (child, parent) in children.zip(found) {
            regions[child].parent = parent;
        }
        if !orphans.is_empty() {
            let how = match &config.regions[level].parent_property {
                Some(p) => format!("their `{p}` names no {} region", config.regions[level - 1].level),
                None => format!("no {} region contains them", config.regions[level - 1].level),
            };
            report.push(
                FindingKind::RegionWithoutParent,
                Some(config.regions[level].path.display().to_string()),
                orphans.clone(),
                format!(
                    "{} {} regions have no parent: {how}",
                    orphans.len(),
                    config.regions[level].level
                ),
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
    Regions::new(levels, regions)
}

/// Puts every cell and site in its region on every level, reporting those outside all regions of a level.
fn assign_regions(
    cells: &mut Cells,
    sites: &mut [Site],
    regions: &Regions,
    cell_rows: &[usize],
    config: &ScenarioConfig,
    report: &mut ValidationReport,
) -> Result<(), InputError> {
    for (level, input) in config.regions.iter().enumerate() {
        let index = RegionIndex::new(regions.of_level(level).map(|(i, r)| (i, &r.boundary)));
        let assigned = index.locate_all(cells.x(), cells.y());
        let outside: Vec<usize> = assigned
            .iter()
            .enumerate()
            .filter(|(_, r)| **r == NO_REGION)
            .map(|(i, _)| cell_rows[i])
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
            .map_err(|e| InputError::Malformed {
                at: Location::file(&input.path),
                message: e.to_string(),
            })?;
        let mut outside_sites: HashMap<usize, Vec<usize>> = HashMap::new();
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
        let mut layers: Vec<_> = outside_sites.into_iter().collect();
        layers.sort_unstable();
        for (layer, rows) in layers {
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
    Ok(())
}
