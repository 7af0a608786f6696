//! Reading the inputs of `branchnet solve`: demand points and sites with ids, positions or an
//! origin/destination cost table, and turning them into the sparse inputs of the models.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use branchnet_io::{Expect, InputError, Location, Table};
use branchnet_optimize::{Costs, Coverage};
use branchnet_spatial::{MetricFrame, Neighbours, SiteIndex, neighbours};

use super::od::{read_od, read_site_od};

/// Column names tried for longitudes and latitudes, as in branchnet-io.
const LON_NAMES: [&str; 4] = ["lon", "lng", "longitude", "long"];
const LAT_NAMES: [&str; 2] = ["lat", "latitude"];
/// Relative distance error of the metric frame above which the summary warns (0.1%, the frame's contract).
const FRAME_ERROR_WARN: f64 = 1e-3;

/// How positions are given in the demand and site files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CoordinateKind {
    /// `x`/`y` columns when both files have them, else longitude/latitude columns.
    Auto,
    /// `x`/`y` columns in metres of one local metric frame (no CRS; e.g. `branchnet-synth clustered`).
    Metric,
    /// WGS84 longitude/latitude columns (`lon`/`lng`/`longitude`/`long`, `lat`/`latitude`), projected into
    /// one metric frame fitted to both files.
    Lonlat,
}

/// Where the inputs come from and how to read them.
#[derive(Debug)]
pub struct Sources<'a> {
    /// `None` for models that place sites only (p-dispersion).
    pub demand: Option<&'a Path>,
    pub demand_id: &'a str,
    pub weight: Option<&'a str>,
    pub sites: Option<&'a Path>,
    pub site_id: &'a str,
    pub od: Option<&'a Path>,
    /// Origin, destination and cost column names of the OD table.
    pub od_columns: [&'a str; 3],
    pub coordinates: CoordinateKind,
    /// Competitors' branches (max-capture), with their id column.
    pub competitors: Option<(&'a Path, &'a str)>,
}

/// How far apart demand points and sites are.
#[derive(Debug)]
pub enum Geometry {
    /// Positions in metres of one frame; distances are Euclidean.
    Points {
        demand: Vec<[f64; 2]>,
        sites: Vec<[f64; 2]>,
        /// Competitors' positions (empty without --competitors).
        competitors: Vec<[f64; 2]>,
        /// Whether the positions were longitude/latitude projected here, and the frame's worst distance error.
        projected: Option<f64>,
    },
    /// The listed pairs of an origin/destination table and their costs (unlisted pairs are unreachable).
    Od {
        costs: Costs,
        /// Pairs whose destination is a competitor (no columns without --competitors).
        competitor_costs: Costs,
        file: PathBuf,
    },
    /// Models without demand (p-dispersion): an OD table between sites, as a full matrix (unlisted pairs
    /// infinite, the diagonal 0).
    SiteOd {
        distances: Vec<Vec<f64>>,
        pairs: usize,
        file: PathBuf,
    },
}

/// Everything a model is built from, with the ids to report results by.
#[derive(Debug)]
pub struct Problem {
    pub demand_ids: Vec<String>,
    pub site_ids: Vec<String>,
    pub weights: Vec<f64>,
    /// Where the weights came from, for the summary.
    pub weight_column: Option<String>,
    /// `None` when the model places sites only.
    pub demand_file: Option<PathBuf>,
    pub site_file: Option<PathBuf>,
    pub geometry: Geometry,
    /// The tables themselves, for the columns a model reads (capacities, fixed costs, demand amounts).
    demand_table: Option<Table>,
    site_table: Option<Table>,
    pub competitors: Option<Competitors>,
}

/// Competitors' branches (max-capture): ids and the table their attractiveness is read from.
#[derive(Debug)]
pub struct Competitors {
    pub ids: Vec<String>,
    pub file: PathBuf,
    table: Table,
}

/// Reads demand, sites, competitors and (if given) the OD table.
pub fn read(src: &Sources<'_>) -> anyhow::Result<Problem> {
    let demand = src.demand.map(Table::read).transpose()?;
    let demand_ids = match &demand {
        Some(t) => unique_ids(
            t,
            src.demand_id,
            "a demand point id (name the column with --demand-id)",
        )?,
        None => Vec::new(),
    };
    let weight_column = match (src.weight, &demand) {
        (Some(c), _) => Some(c.to_string()),
        // A column called `weight` is what `branchnet-synth clustered` writes; take it without being told.
        (None, Some(t)) => t.has_column("weight").then(|| "weight".to_string()),
        (None, None) => None,
    };
    let weights = match (&weight_column, &demand) {
        (Some(c), Some(t)) => t.numbers(
            c,
            Expect::non_negative("a weight (people or customers per point)"),
        )?,
        _ => vec![1.0; demand_ids.len()],
    };
    let sites = src.sites.map(Table::read).transpose()?;
    let site_ids = match &sites {
        Some(t) => Some(unique_ids(
            t,
            src.site_id,
            "a site id (name the column with --site-id)",
        )?),
        None => None,
    };
    let competitors = match src.competitors {
        Some((path, id)) => {
            let table = Table::read(path)?;
            let ids = unique_ids(
                &table,
                id,
                "a competitor branch id (name the column with --competitor-id)",
            )?;
            if let Some(clash) = site_ids.iter().flatten().find(|s| ids.contains(s)) {
                bail!(
                    "`{clash}` is the id of a candidate site and of a competitor ({}); ids must tell them apart",
                    path.display()
                );
            }
            Some(Competitors {
                ids,
                file: path.to_path_buf(),
                table,
            })
        }
        None => None,
    };
    let competitor_ids = competitors.as_ref().map(|c| c.ids.as_slice());
    let (site_ids, geometry) = match src.od {
        Some(od) if src.demand.is_none() => {
            let (site_ids, distances, pairs) = read_site_od(od, src.od_columns, site_ids)?;
            (
                site_ids,
                Geometry::SiteOd {
                    distances,
                    pairs,
                    file: od.to_path_buf(),
                },
            )
        }
        Some(od) => {
            let Some(demand_file) = src.demand else {
                bail!("an --od table links demand points to sites; this model reads no --demand");
            };
            let (site_ids, costs, competitor_costs) = read_od(
                od,
                src.od_columns,
                &demand_ids,
                site_ids,
                competitor_ids,
                demand_file,
            )?;
            (
                site_ids,
                Geometry::Od {
                    costs,
                    competitor_costs,
                    file: od.to_path_buf(),
                },
            )
        }
        None => {
            let (Some(site_table), Some(site_ids)) = (&sites, site_ids) else {
                bail!("name the candidate sites with --sites FILE (or give an --od table that lists them)");
            };
            let mut tables: Vec<&Table> = demand.iter().collect();
            tables.push(site_table);
            tables.extend(competitors.as_ref().map(|c| &c.table));
            let (mut positions, projected) = points(&tables, src.coordinates)?;
            let competitors = if competitors.is_some() {
                positions.pop().unwrap_or_default()
            } else {
                Vec::new()
            };
            let sites = positions.pop().unwrap_or_default();
            let demand = positions.pop().unwrap_or_default();
            (
                site_ids,
                Geometry::Points {
                    demand,
                    sites,
                    competitors,
                    projected,
                },
            )
        }
    };
    Ok(Problem {
        demand_ids,
        site_ids,
        weights,
        weight_column,
        demand_file: src.demand.map(Path::to_path_buf),
        site_file: src.sites.map(Path::to_path_buf),
        geometry,
        demand_table: demand,
        site_table: sites,
        competitors,
    })
}

/// The ids of a table: non-empty and unique, else an error naming the row.
fn unique_ids(table: &Table, column: &str, expected: &str) -> anyhow::Result<Vec<String>> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    let ids = table.texts(column, expected)?;
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else {
            return Err(
                InputError::bad_value(table.path(), i + 1, column, expected, "an empty value").into(),
            );
        };
        if let Some(row) = first.insert(id, i + 1) {
            return Err(InputError::DuplicateId {
                at: Location::cell(table.path(), i + 1, column),
                id: id.clone(),
                first: Box::new(Location::cell(table.path(), row, column)),
            }
            .into());
        }
    }
    Ok(ids.into_iter().flatten().collect())
}

/// Longitudes and latitudes of a table's points.
type LonLat = (Vec<f64>, Vec<f64>);

/// Positions in metres per table, and the frame's worst distance error when lon/lat were projected.
type Projected = (Vec<Vec<[f64; 2]>>, Option<f64>);

/// Positions in metres of the points of each table (demand, sites, competitors), read and (for lon/lat)
/// projected into one frame fitted to all of them.
fn points(tables: &[&Table], kind: CoordinateKind) -> anyhow::Result<Projected> {
    let has_xy = |t: &Table| t.has_column("x") && t.has_column("y");
    let kind = match kind {
        CoordinateKind::Auto if tables.iter().all(|t| has_xy(t)) => CoordinateKind::Metric,
        CoordinateKind::Auto => {
            // Name the file and column that is missing, whichever convention it half-follows.
            for t in tables {
                let half_xy = t.has_column("x") != t.has_column("y");
                if half_xy || (!has_xy(t) && find(t, &LON_NAMES).is_none() && find(t, &LAT_NAMES).is_none()) {
                    let missing = if t.has_column("x") { "y" } else { "x" };
                    return Err(missing_position(t, missing).into());
                }
            }
            CoordinateKind::Lonlat
        }
        k => k,
    };
    match kind {
        CoordinateKind::Metric => {
            let read = |t: &&Table| -> anyhow::Result<Vec<[f64; 2]>> {
                let what = Expect::number("a coordinate in metres");
                let (xs, ys) = (t.numbers("x", what)?, t.numbers("y", what)?);
                Ok(xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect())
            };
            Ok((tables.iter().map(read).collect::<anyhow::Result<_>>()?, None))
        }
        _ => {
            let read = |t: &&Table| -> anyhow::Result<LonLat> {
                let lon = find(t, &LON_NAMES).ok_or_else(|| missing_position(t, "lon"))?;
                let lat = find(t, &LAT_NAMES).ok_or_else(|| missing_position(t, "lat"))?;
                Ok((
                    t.numbers(lon, Expect::range("a longitude in degrees", -180.0, 180.0))?,
                    t.numbers(lat, Expect::range("a latitude in degrees", -90.0, 90.0))?,
                ))
            };
            let lonlat: Vec<LonLat> = tables.iter().map(read).collect::<anyhow::Result<_>>()?;
            let (lo, hi) = bounds(&lonlat);
            let frame = MetricFrame::fit(lo[0], hi[0], lo[1], hi[1]);
            let error = frame.max_scale_error(lo[0], hi[0], lo[1], hi[1]);
            let project = |(lon, lat): &LonLat| -> Vec<[f64; 2]> {
                let (xs, ys) = frame.project_all(lon, lat);
                xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect()
            };
            Ok((lonlat.iter().map(project).collect(), Some(error)))
        }
    }
}

/// Bounds of lon/lat sets: `([lon_min, lat_min], [lon_max, lat_max])`.
fn bounds(sets: &[LonLat]) -> ([f64; 2], [f64; 2]) {
    let range = |pick: fn(&LonLat) -> &Vec<f64>| {
        sets.iter()
            .flat_map(pick)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            })
    };
    let (lon_lo, lon_hi) = range(|s| &s.0);
    let (lat_lo, lat_hi) = range(|s| &s.1);
    ([lon_lo, lat_lo], [lon_hi, lat_hi])
}

fn find<'a>(t: &Table, names: &[&'a str]) -> Option<&'a str> {
    names.iter().find(|n| t.has_column(n)).copied()
}

fn missing_position(t: &Table, column: &str) -> InputError {
    InputError::MissingColumn {
        at: Location::column(t.path(), column),
        expected: "positions: `x` and `y` in metres of one local frame, or longitude/latitude columns \
                   (lon/lng/longitude/long and lat/latitude); or give an --od table instead"
            .into(),
        available: t.column_names().join(", "),
    }
}

/// Which pairs a cost model may use on coordinates, and how many it may have.
#[derive(Debug, Clone, Copy)]
pub struct PairLimit {
    /// Only pairs within this distance.
    pub max_distance: Option<f64>,
    /// Only each point's k nearest sites.
    pub nearest: Option<usize>,
    /// Refuse to build more pairs than this without one of the two above.
    pub max_pairs: usize,
}

impl Problem {
    pub fn n_demand(&self) -> usize {
        self.demand_ids.len()
    }

    pub fn n_sites(&self) -> usize {
        self.site_ids.len()
    }

    /// Which sites cover each point: cost (distance) ≤ radius.
    pub fn coverage(&self, radius: f64) -> anyhow::Result<Coverage> {
        Ok(match &self.geometry {
            Geometry::Points { demand, sites, .. } => {
                let near = neighbours::within(demand, sites, radius);
                Coverage::from_lists(
                    sites.len(),
                    (0..near.n_demand()).map(|i| near.sites_of(i).iter().map(|&j| j as usize)),
                )?
            }
            Geometry::Od { costs, .. } => Coverage::within(costs, radius),
            Geometry::SiteOd { distances, .. } => {
                Coverage::from_lists(distances.len(), std::iter::empty::<[usize; 0]>())?
            }
        })
    }

    /// The pairs a cost model may use, with their costs; every demand point must keep at least one.
    pub fn costs(&self, limit: PairLimit) -> anyhow::Result<Costs> {
        let costs = self.pairs(limit)?;
        if let Some(i) = (0..costs.n_demand()).find(|&i| costs.row(i).0.is_empty()) {
            let why = match (&self.geometry, limit.max_distance) {
                (Geometry::Od { file, .. }, None) => format!("{} lists no site for it", file.display()),
                (_, Some(d)) => format!("no site is within --max-distance {d}; raise it"),
                _ => "no site is listed for it".into(),
            };
            bail!("demand point `{}` cannot be served: {why}", self.demand_ids[i]);
        }
        Ok(costs)
    }

    /// The pairs of demand points and sites within the limit, with their costs (a point may keep none).
    pub fn pairs(&self, limit: PairLimit) -> anyhow::Result<Costs> {
        match &self.geometry {
            Geometry::Points { demand, sites, .. } => point_pairs(demand, sites, limit),
            Geometry::Od { costs, .. } => Ok(od_pairs(costs, limit.max_distance)?),
            Geometry::SiteOd { distances, .. } => Ok(Costs::from_triples(0, distances.len(), [])?),
        }
    }

    /// The pairs of demand points and competitors within the limit, with their costs.
    pub fn competitor_pairs(&self, limit: PairLimit) -> anyhow::Result<Costs> {
        match &self.geometry {
            Geometry::Points {
                demand, competitors, ..
            } => point_pairs(demand, competitors, limit),
            Geometry::Od { competitor_costs, .. } => Ok(od_pairs(competitor_costs, limit.max_distance)?),
            Geometry::SiteOd { .. } => Ok(Costs::from_triples(0, 0, [])?),
        }
    }

    /// Distances between every two sites (p-dispersion): straight-line from positions, or an OD table between
    /// sites.
    pub fn site_distances(&self) -> anyhow::Result<Vec<Vec<f64>>> {
        match &self.geometry {
            Geometry::Points { sites, .. } => Ok(sites
                .iter()
                .map(|&a| sites.iter().map(|&b| distance(a, b)).collect())
                .collect()),
            Geometry::SiteOd { distances, .. } => Ok(distances.clone()),
            Geometry::Od { .. } => bail!(
                "distances between sites come from their positions (--sites with x/y or lon/lat) or from an \
                 --od table between sites without --demand; this --od table links demand points to sites"
            ),
        }
    }

    /// A numeric column of the demand file, one value per point.
    pub fn demand_numbers(&self, column: &str, what: Expect) -> anyhow::Result<Vec<f64>> {
        match &self.demand_table {
            Some(t) => Ok(t.numbers(column, what)?),
            None => bail!("column `{column}` is read from --demand, and this model reads none"),
        }
    }

    /// A numeric column of the site file, one value per site; `flag` names the option for the message.
    pub fn site_numbers(&self, column: &str, what: Expect, flag: &str) -> anyhow::Result<Vec<f64>> {
        match &self.site_table {
            Some(t) => Ok(t.numbers(column, what)?),
            None => bail!(
                "{flag} `{column}` is a column of the site file: give --sites FILE (with --od it may hold the \
                 ids and the columns only)"
            ),
        }
    }

    /// A numeric column of the competitors' file, one value per competitor.
    pub fn competitor_numbers(&self, column: &str, what: Expect) -> anyhow::Result<Vec<f64>> {
        match &self.competitors {
            Some(c) => Ok(c.table.numbers(column, what)?),
            None => bail!("column `{column}` is read from --competitors, and none was given"),
        }
    }

    /// The cost of serving point `i` from site `j`, if that pair exists.
    pub fn cost(&self, i: usize, j: usize) -> Option<f64> {
        match &self.geometry {
            Geometry::Points { demand, sites, .. } => Some(distance(demand[i], sites[j])),
            Geometry::Od { costs, .. } => costs.cost(i, j),
            Geometry::SiteOd { .. } => None,
        }
    }

    /// For each demand point, the nearest of the `open` sites (ascending) and its cost; `None` when no open
    /// site is reachable (OD tables list only some pairs).
    pub fn nearest_open(&self, open: &[usize]) -> Vec<Option<(usize, f64)>> {
        match &self.geometry {
            Geometry::Points { demand, sites, .. } => {
                let positions: Vec<[f64; 2]> = open.iter().map(|&j| sites[j]).collect();
                SiteIndex::new(&positions)
                    .nearest(demand)
                    .into_iter()
                    .map(|n| n.map(|(k, d)| (open[k as usize], d)))
                    .collect()
            }
            Geometry::Od { costs, .. } => (0..costs.n_demand())
                .map(|i| {
                    let (s, c) = costs.row(i);
                    s.iter()
                        .zip(c)
                        .filter(|(j, _)| open.binary_search(&(**j as usize)).is_ok())
                        .min_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(b.0)))
                        .map(|(&j, &c)| (j as usize, c))
                })
                .collect(),
            Geometry::SiteOd { .. } => Vec::new(),
        }
    }

    /// Site indexes of the given ids; `flag` names the option for the message.
    pub fn site_indexes(&self, ids: &[String], flag: &str) -> anyhow::Result<Vec<usize>> {
        let index: HashMap<&str, usize> = self
            .site_ids
            .iter()
            .enumerate()
            .map(|(j, id)| (id.as_str(), j))
            .collect();
        let source = match (&self.site_file, &self.geometry) {
            (Some(f), _) => format!("the site ids of {}", f.display()),
            (None, Geometry::Od { file, .. }) => format!("the destinations of {}", file.display()),
            (None, Geometry::SiteOd { file, .. }) => format!("the sites of {}", file.display()),
            (None, Geometry::Points { .. }) => "the site ids".into(),
        };
        let mut out: Vec<usize> = ids
            .iter()
            .map(|id| {
                index.get(id.trim()).copied().with_context(|| {
                    let examples: Vec<&str> = self.site_ids.iter().take(3).map(String::as_str).collect();
                    format!(
                        "{flag}: no site has the id `{id}`; expected one of {source} (e.g. {})",
                        examples.join(", ")
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?;
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The worst relative distance error of the frame, when lon/lat were projected and it exceeds 0.1%.
    pub fn frame_warning(&self) -> Option<f64> {
        match self.geometry {
            Geometry::Points {
                projected: Some(e), ..
            } if e > FRAME_ERROR_WARN => Some(e),
            _ => None,
        }
    }

    /// How distances were obtained, for the summary.
    pub fn distance_source(&self) -> String {
        match &self.geometry {
            Geometry::Points { projected: None, .. } => "straight-line, x/y in metres".into(),
            Geometry::Points {
                projected: Some(_), ..
            } => "straight-line, lon/lat projected into a local metric frame (metres)".into(),
            Geometry::Od { costs, file, .. } => {
                let pairs: usize = (0..costs.n_demand()).map(|i| costs.row(i).0.len()).sum();
                format!("{} ({pairs} pairs)", file.display())
            }
            Geometry::SiteOd { pairs, file, .. } => {
                format!(
                    "{} ({pairs} pairs of sites; unlisted pairs never conflict)",
                    file.display()
                )
            }
        }
    }
}

/// Pairs of points and targets on positions: all of them (up to `max_pairs`), those within a distance, or each
/// point's k nearest.
fn point_pairs(demand: &[[f64; 2]], sites: &[[f64; 2]], limit: PairLimit) -> anyhow::Result<Costs> {
    let near: Option<Neighbours> = match (limit.nearest, limit.max_distance) {
        (Some(_), Some(_)) => bail!("give --nearest or --max-distance, not both"),
        (Some(k), None) => Some(neighbours::k_nearest(demand, sites, k)),
        (None, Some(d)) => Some(neighbours::within(demand, sites, d)),
        (None, None) => None,
    };
    if let Some(near) = near {
        return Ok(Costs::from_triples(demand.len(), sites.len(), near.triples())?);
    }
    let pairs = demand.len().saturating_mul(sites.len());
    if pairs > limit.max_pairs {
        bail!(
            "{} demand points × {} sites = {pairs} pairs, more than --max-pairs {}: keep only near pairs with \
             --max-distance METRES or --nearest K (each point's K nearest sites), or raise --max-pairs",
            demand.len(),
            sites.len(),
            limit.max_pairs
        );
    }
    let triples = demand.iter().enumerate().flat_map(|(i, p)| {
        sites
            .iter()
            .enumerate()
            .map(move |(j, s)| (i, j, distance(*p, *s)))
    });
    Ok(Costs::from_triples(demand.len(), sites.len(), triples)?)
}

/// The pairs of an OD table within `max_distance` (all when `None`).
fn od_pairs(costs: &Costs, max_distance: Option<f64>) -> Result<Costs, branchnet_optimize::OptimizeError> {
    let Some(d) = max_distance else {
        return Ok(costs.clone());
    };
    let triples = (0..costs.n_demand()).flat_map(|i| {
        let (s, c) = costs.row(i);
        s.iter()
            .zip(c)
            .filter(|(_, c)| **c <= d)
            .map(move |(&j, &c)| (i, j as usize, c))
    });
    Costs::from_triples(costs.n_demand(), costs.n_sites(), triples)
}

/// Euclidean distance, computed as the neighbour kernel computes it.
fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    (dx * dx + dy * dy).sqrt()
}
