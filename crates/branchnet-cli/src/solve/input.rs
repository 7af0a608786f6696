//! Reading the inputs of `branchnet solve`: demand points and sites with ids, positions or an
//! origin/destination cost table, and turning them into the sparse inputs of the models.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use branchnet_io::{Expect, InputError, Location, Table};
use branchnet_optimize::{Costs, Coverage};
use branchnet_spatial::{MetricFrame, Neighbours, SiteIndex, neighbours};

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
    pub demand: &'a Path,
    pub demand_id: &'a str,
    pub weight: Option<&'a str>,
    pub sites: Option<&'a Path>,
    pub site_id: &'a str,
    pub od: Option<&'a Path>,
    /// Origin, destination and cost column names of the OD table.
    pub od_columns: [&'a str; 3],
    pub coordinates: CoordinateKind,
}

/// How far apart demand points and sites are.
#[derive(Debug)]
pub enum Geometry {
    /// Positions in metres of one frame; distances are Euclidean.
    Points {
        demand: Vec<[f64; 2]>,
        sites: Vec<[f64; 2]>,
        /// Whether the positions were longitude/latitude projected here, and the frame's worst distance error.
        projected: Option<f64>,
    },
    /// The listed pairs of an origin/destination table and their costs (unlisted pairs are unreachable).
    Od { costs: Costs, file: PathBuf },
}

/// Everything a model is built from, with the ids to report results by.
#[derive(Debug)]
pub struct Problem {
    pub demand_ids: Vec<String>,
    pub site_ids: Vec<String>,
    pub weights: Vec<f64>,
    /// Where the weights came from, for the summary.
    pub weight_column: Option<String>,
    pub demand_file: PathBuf,
    pub site_file: Option<PathBuf>,
    pub geometry: Geometry,
}

/// Reads demand, sites and (if given) the OD table.
pub fn read(src: &Sources<'_>) -> anyhow::Result<Problem> {
    let demand = Table::read(src.demand)?;
    let demand_ids = unique_ids(
        &demand,
        src.demand_id,
        "a demand point id (name the column with --demand-id)",
    )?;
    let weight_column = match src.weight {
        Some(c) => Some(c.to_string()),
        // A column called `weight` is what `branchnet-synth clustered` writes; take it without being told.
        None => demand.has_column("weight").then(|| "weight".to_string()),
    };
    let weights = match &weight_column {
        Some(c) => demand.numbers(
            c,
            Expect::non_negative("a weight (people or customers per point)"),
        )?,
        None => vec![1.0; demand.height()],
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
    let (site_ids, geometry) = match src.od {
        Some(od) => {
            let (site_ids, costs) = read_od(od, src.od_columns, &demand_ids, site_ids, src.demand)?;
            (
                site_ids,
                Geometry::Od {
                    costs,
                    file: od.to_path_buf(),
                },
            )
        }
        None => {
            let (Some(site_table), Some(site_ids)) = (&sites, site_ids) else {
                bail!("name the candidate sites with --sites FILE (or give an --od table that lists them)");
            };
            (site_ids, points(&demand, site_table, src.coordinates)?)
        }
    };
    Ok(Problem {
        demand_ids,
        site_ids,
        weights,
        weight_column,
        demand_file: src.demand.to_path_buf(),
        site_file: src.sites.map(Path::to_path_buf),
        geometry,
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

/// Positions of demand points and sites in metres, read and (for lon/lat) projected into one frame.
fn points(demand: &Table, sites: &Table, kind: CoordinateKind) -> anyhow::Result<Geometry> {
    let has_xy = |t: &Table| t.has_column("x") && t.has_column("y");
    let kind = match kind {
        CoordinateKind::Auto if has_xy(demand) && has_xy(sites) => CoordinateKind::Metric,
        CoordinateKind::Auto => {
            // Name the file and column that is missing, whichever convention it half-follows.
            for t in [demand, sites] {
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
            let read = |t: &Table| -> anyhow::Result<Vec<[f64; 2]>> {
                let what = Expect::number("a coordinate in metres");
                let (xs, ys) = (t.numbers("x", what)?, t.numbers("y", what)?);
                Ok(xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect())
            };
            Ok(Geometry::Points {
                demand: read(demand)?,
                sites: read(sites)?,
                projected: None,
            })
        }
        _ => {
            let read = |t: &Table| -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
                let lon = find(t, &LON_NAMES).ok_or_else(|| missing_position(t, "lon"))?;
                let lat = find(t, &LAT_NAMES).ok_or_else(|| missing_position(t, "lat"))?;
                Ok((
                    t.numbers(lon, Expect::range("a longitude in degrees", -180.0, 180.0))?,
                    t.numbers(lat, Expect::range("a latitude in degrees", -90.0, 90.0))?,
                ))
            };
            let (d, s) = (read(demand)?, read(sites)?);
            let (lo, hi) = bounds(&d, &s);
            let frame = MetricFrame::fit(lo[0], hi[0], lo[1], hi[1]);
            let error = frame.max_scale_error(lo[0], hi[0], lo[1], hi[1]);
            let project = |(lon, lat): &(Vec<f64>, Vec<f64>)| -> Vec<[f64; 2]> {
                let (xs, ys) = frame.project_all(lon, lat);
                xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect()
            };
            Ok(Geometry::Points {
                demand: project(&d),
                sites: project(&s),
                projected: Some(error),
            })
        }
    }
}

/// Bounds of two lon/lat sets: `([lon_min, lat_min], [lon_max, lat_max])`.
fn bounds(d: &(Vec<f64>, Vec<f64>), s: &(Vec<f64>, Vec<f64>)) -> ([f64; 2], [f64; 2]) {
    let range = |v: &[f64], w: &[f64]| {
        v.iter()
            .chain(w)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            })
    };
    let (lon_lo, lon_hi) = range(&d.0, &s.0);
    let (lat_lo, lat_hi) = range(&d.1, &s.1);
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

/// Reads an OD table into costs between demand points and sites. Sites are those of the site file when
/// given (every destination must be one of them), else the destinations in order of first appearance.
fn read_od(
    path: &Path,
    [origin, destination, cost]: [&str; 3],
    demand_ids: &[String],
    site_ids: Option<Vec<String>>,
    demand_file: &Path,
) -> anyhow::Result<(Vec<String>, Costs)> {
    let od = Table::read(path)?;
    let origins = od.texts(
        origin,
        "a demand point id (name the OD columns with --od-columns)",
    )?;
    let destinations = od.texts(destination, "a site id (name the OD columns with --od-columns)")?;
    let costs = od.numbers(cost, Expect::non_negative("a cost (distance or travel time)"))?;
    let demand_index: HashMap<&str, usize> = demand_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let fixed_sites = site_ids.is_some();
    let mut site_ids = site_ids.unwrap_or_default();
    let mut site_index: HashMap<String, usize> = site_ids
        .iter()
        .enumerate()
        .map(|(j, id)| (id.clone(), j))
        .collect();
    let mut triples = Vec::with_capacity(od.height());
    for (row, ((o, d), c)) in origins.iter().zip(&destinations).zip(&costs).enumerate() {
        let at = |column: &str| Location::cell(path, row + 1, column);
        let o = o.as_deref().ok_or_else(|| InputError::BadValue {
            at: at(origin),
            expected: "a demand point id".into(),
            found: "an empty value".into(),
        })?;
        let i = *demand_index.get(o).ok_or_else(|| InputError::BadValue {
            at: at(origin),
            expected: format!("a demand point id of {}", demand_file.display()),
            found: format!("the unknown id `{o}`"),
        })?;
        let d = d.as_deref().ok_or_else(|| InputError::BadValue {
            at: at(destination),
            expected: "a site id".into(),
            found: "an empty value".into(),
        })?;
        let j = match site_index.get(d) {
            Some(&j) => j,
            None if fixed_sites => {
                return Err(InputError::BadValue {
                    at: at(destination),
                    expected: "a site id of the --sites file".into(),
                    found: format!("the unknown id `{d}`"),
                }
                .into());
            }
            None => {
                site_ids.push(d.to_string());
                site_index.insert(d.to_string(), site_ids.len() - 1);
                site_ids.len() - 1
            }
        };
        triples.push((i, j, *c));
    }
    let costs = Costs::from_triples(demand_ids.len(), site_ids.len(), triples)
        .with_context(|| format!("{}: building the cost table", path.display()))?;
    Ok((site_ids, costs))
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
        })
    }

    /// The pairs a cost model may use, with their costs; every demand point must keep at least one.
    pub fn costs(&self, limit: PairLimit) -> anyhow::Result<Costs> {
        let costs = match &self.geometry {
            Geometry::Points { demand, sites, .. } => {
                let near: Option<Neighbours> = match (limit.nearest, limit.max_distance) {
                    (Some(_), Some(_)) => bail!("give --nearest or --max-distance, not both"),
                    (Some(k), None) => Some(neighbours::k_nearest(demand, sites, k)),
                    (None, Some(d)) => Some(neighbours::within(demand, sites, d)),
                    (None, None) => None,
                };
                match near {
                    Some(near) => Costs::from_triples(demand.len(), sites.len(), near.triples())?,
                    None => {
                        let pairs = demand.len().saturating_mul(sites.len());
                        if pairs > limit.max_pairs {
                            bail!(
                                "{} demand points × {} sites = {pairs} pairs, more than --max-pairs {}: keep only \
                                 near pairs with --max-distance METRES or --nearest K (each point's K nearest \
                                 sites), or raise --max-pairs",
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
                        Costs::from_triples(demand.len(), sites.len(), triples)?
                    }
                }
            }
            Geometry::Od { costs, .. } => match limit.max_distance {
                Some(d) => {
                    let triples = (0..costs.n_demand()).flat_map(|i| {
                        let (s, c) = costs.row(i);
                        s.iter()
                            .zip(c)
                            .filter(|(_, c)| **c <= d)
                            .map(move |(&j, &c)| (i, j as usize, c))
                    });
                    Costs::from_triples(costs.n_demand(), costs.n_sites(), triples)?
                }
                None => costs.clone(),
            },
        };
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

    /// The cost of serving point `i` from site `j`, if that pair exists.
    pub fn cost(&self, i: usize, j: usize) -> Option<f64> {
        match &self.geometry {
            Geometry::Points { demand, sites, .. } => Some(distance(demand[i], sites[j])),
            Geometry::Od { costs, .. } => costs.cost(i, j),
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
            Geometry::Od { costs, file } => {
                let pairs: usize = (0..costs.n_demand()).map(|i| costs.row(i).0.len()).sum();
                format!("{} ({pairs} pairs)", file.display())
            }
        }
    }
}

/// Euclidean distance, computed as the neighbour kernel computes it.
fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    (dx * dx + dy * dy).sqrt()
}
