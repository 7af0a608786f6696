//! Checks for suspicious-but-usable inputs; each adds findings to the validation report, dropping nothing.

use std::collections::BTreeMap;

use rayon::prelude::*;

use branchnet_core::{Cells, FindingKind, SiteKind, Sites, ValidationReport};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use tracing::instrument;

/// Sites of one kind closer than this stand "at the same place" (same address, geocoded twice).
pub const SHARED_LOCATION_M: f64 = 1.0;

/// Finds groups of sites of one kind at the same place: one finding per group and file it spans.
#[instrument(skip_all)]
pub fn shared_locations(sites: &Sites, files: &[String], report: &mut ValidationReport) {
    for kind in SiteKind::ALL {
        let members: Vec<_> = sites.all().iter().filter(|s| s.kind == kind).collect();
        let tree = RTree::bulk_load(
            members
                .iter()
                .enumerate()
                .map(|(i, s)| GeomWithData::new([s.x, s.y], i))
                .collect(),
        );
        let mut grouped = vec![false; members.len()];
        for (i, site) in members.iter().enumerate() {
            if grouped[i] {
                continue;
            }
            let mut group: Vec<usize> = tree
                .locate_within_distance([site.x, site.y], SHARED_LOCATION_M * SHARED_LOCATION_M)
                .map(|p| p.data)
                .filter(|&j| !grouped[j])
                .collect();
            if group.len() < 2 {
                continue;
            }
            group.sort_unstable();
            group.iter().for_each(|&j| grouped[j] = true);
            let ids: Vec<&str> = group.iter().map(|&j| members[j].id.as_str()).collect();
            let first = members[group[0]];
            let message = format!(
                "{} {kind} sites stand within {SHARED_LOCATION_M} m of each other at ({:.6}, {:.6}): {}",
                ids.len(),
                first.lon,
                first.lat,
                ids.join(", ")
            );
            // One finding per file, so that every row number is read against the right file.
            let mut by_layer: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for &j in &group {
                by_layer
                    .entry(members[j].source.layer)
                    .or_default()
                    .push(members[j].source.row);
            }
            for (layer, rows) in by_layer {
                report.push(
                    FindingKind::SharedLocation,
                    files.get(layer).cloned(),
                    rows,
                    message.clone(),
                );
            }
        }
    }
}

/// Finds cells sharing a centre, and cells whose every value is zero.
#[instrument(skip_all)]
pub fn cell_checks(cells: &Cells, rows: &[usize], file: &str, report: &mut ValidationReport) {
    // Centres are compared at 1 cm: grid centres that differ less are the same cell written twice. Sorting
    // the keys (in parallel) finds the repeats far faster than hashing a million of them.
    let mut keys: Vec<(i64, i64, usize)> = (0..cells.len())
        .into_par_iter()
        .map(|i| {
            let q = |v: f64| (v * 100.0).round() as i64;
            (q(cells.x()[i]), q(cells.y()[i]), i)
        })
        .collect();
    keys.par_sort_unstable();
    let mut duplicates: Vec<(usize, usize)> = Vec::new();
    let mut first = 0;
    for k in 1..keys.len() {
        if keys[k].0 == keys[first].0 && keys[k].1 == keys[first].1 {
            duplicates.push((rows[keys[first].2], rows[keys[k].2]));
        } else {
            first = k;
        }
    }
    duplicates.sort_unstable_by_key(|&(_, later)| later);
    if !duplicates.is_empty() {
        report.push(
            FindingKind::DuplicateCells,
            Some(file.to_string()),
            duplicates.iter().map(|&(_, r)| r).collect(),
            format!(
                "{} cells share a centre with an earlier cell (first pair: rows {} and {}); both are kept and \
                 their values count twice unless the inputs are fixed",
                duplicates.len(),
                duplicates[0].0,
                duplicates[0].1
            ),
        );
    }
    let empty: Vec<usize> = (0..cells.len())
        .into_par_iter()
        .filter(|&i| cells.columns().iter().all(|c| c.values[i] == 0.0))
        .map(|i| rows[i])
        .collect();
    if !empty.is_empty() {
        report.push(
            FindingKind::EmptyCells,
            Some(file.to_string()),
            empty.clone(),
            format!(
                "{} cells have every value zero; they are kept and carry no demand",
                empty.len()
            ),
        );
    }
}
