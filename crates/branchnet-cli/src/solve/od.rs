//! Origin/destination tables for `branchnet solve`: costs from demand points to sites (and competitors), or
//! distances between sites for the models without demand.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use branchnet_io::{Expect, InputError, Location, Table};
use branchnet_optimize::Costs;

/// Reads an OD table into costs between demand points and sites (and competitors, whose ids are given).
/// Sites are those of the site file when given (every destination must be one of them or a competitor),
/// else the destinations that are not competitors, in order of first appearance.
pub fn read_od(
    path: &Path,
    [origin, destination, cost]: [&str; 3],
    demand_ids: &[String],
    site_ids: Option<Vec<String>>,
    competitor_ids: Option<&[String]>,
    demand_file: &Path,
) -> anyhow::Result<(Vec<String>, Costs, Costs)> {
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
    let competitor_ids = competitor_ids.unwrap_or_default();
    let competitor_index: HashMap<&str, usize> = competitor_ids
        .iter()
        .enumerate()
        .map(|(k, id)| (id.as_str(), k))
        .collect();
    let fixed_sites = site_ids.is_some();
    let mut site_ids = site_ids.unwrap_or_default();
    let mut site_index: HashMap<String, usize> = site_ids
        .iter()
        .enumerate()
        .map(|(j, id)| (id.clone(), j))
        .collect();
    let mut triples = Vec::with_capacity(od.height());
    let mut competitor_triples = Vec::new();
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
        if let Some(&k) = competitor_index.get(d) {
            competitor_triples.push((i, k, *c));
            continue;
        }
        let j = match site_index.get(d) {
            Some(&j) => j,
            None if fixed_sites => {
                let competitors = if competitor_ids.is_empty() {
                    ""
                } else {
                    " or a competitor id of the --competitors file"
                };
                return Err(InputError::BadValue {
                    at: at(destination),
                    expected: format!("a site id of the --sites file{competitors}"),
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
    let competitor_costs = Costs::from_triples(demand_ids.len(), competitor_ids.len(), competitor_triples)
        .with_context(|| format!("{}: building the competitors' cost table", path.display()))?;
    Ok((site_ids, costs, competitor_costs))
}

/// Reads an OD table between sites (origin and destination both site ids: of the site file when given, else
/// in order of first appearance) into a full matrix; unlisted pairs are infinite. Returns the pairs listed.
pub fn read_site_od(
    path: &Path,
    [origin, destination, cost]: [&str; 3],
    site_ids: Option<Vec<String>>,
) -> anyhow::Result<(Vec<String>, Vec<Vec<f64>>, usize)> {
    let od = Table::read(path)?;
    let what = "a site id (name the OD columns with --od-columns)";
    let (origins, destinations) = (od.texts(origin, what)?, od.texts(destination, what)?);
    let costs = od.numbers(cost, Expect::non_negative("a distance between sites"))?;
    let fixed_sites = site_ids.is_some();
    let mut site_ids = site_ids.unwrap_or_default();
    let mut index: HashMap<String, usize> = site_ids
        .iter()
        .enumerate()
        .map(|(j, id)| (id.clone(), j))
        .collect();
    let mut triples = Vec::with_capacity(od.height());
    for (row, ((o, d), c)) in origins.iter().zip(&destinations).zip(&costs).enumerate() {
        let mut site = |id: &Option<String>, column: &str| -> anyhow::Result<usize> {
            let at = Location::cell(path, row + 1, column);
            let Some(id) = id.as_deref() else {
                return Err(InputError::BadValue {
                    at,
                    expected: "a site id".into(),
                    found: "an empty value".into(),
                }
                .into());
            };
            match index.get(id) {
                Some(&j) => Ok(j),
                None if fixed_sites => Err(InputError::BadValue {
                    at,
                    expected: "a site id of the --sites file".into(),
                    found: format!("the unknown id `{id}`"),
                }
                .into()),
                None => {
                    site_ids.push(id.to_string());
                    index.insert(id.to_string(), site_ids.len() - 1);
                    Ok(site_ids.len() - 1)
                }
            }
        };
        let (a, b) = (site(o, origin)?, site(d, destination)?);
        triples.push((a, b, *c));
    }
    let m = site_ids.len();
    let mut distances = vec![vec![f64::INFINITY; m]; m];
    for (j, row) in distances.iter_mut().enumerate() {
        row[j] = 0.0;
    }
    for &(a, b, c) in &triples {
        distances[a][b] = c;
    }
    Ok((site_ids, distances, triples.len()))
}
