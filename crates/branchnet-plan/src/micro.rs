//! Micro site: for every location the layout opens, the listed candidate sites within walking distance,
//! ranked by the site score (the `site-score` model's total, with its per-factor breakdown), the best one
//! not taken by another opening chosen.
//!
//! Locations are taken in order of the demand they were opened for, so the busiest gets first pick. A
//! location with no listed site within walking distance (a generated one, in a blank area with no premises
//! on the market) keeps its own position and is flagged `no-listed-site`: the bank has to find premises
//! there.

use std::collections::HashSet;

use branchnet_spatial::SiteIndex;

use crate::inputs::Inputs;
use crate::plan::{Place, RankedSite, SiteChoice};

/// Prefix of the site-score model's columns.
const SCORE_MODEL: &str = "site-score";

/// An opened location to place: its position, its own listed site (if it is one) and the demand behind it.
pub struct Opened {
    /// The location as a place.
    pub location: Place,
    /// The listed site it is (index into the scenario's sites), if any.
    pub listed: Option<usize>,
    /// Demand it serves (its priority).
    pub demand: f64,
}

/// The micro choice of every opened location, in input order: the ranked sites and the index of the
/// chosen one in the scenario's sites (`None`: keep the location itself).
pub fn choose(
    inputs: &Inputs<'_>,
    opened: &[Opened],
    walking_m: f64,
    place_of: &dyn Fn(usize) -> Place,
) -> Vec<(SiteChoice, Option<usize>)> {
    let scenario = inputs.scenario;
    let sites = scenario.sites.all();
    let points: Vec<[f64; 2]> = inputs
        .candidates
        .iter()
        .map(|&j| [sites[j].x, sites[j].y])
        .collect();
    let index = SiteIndex::new(&points);
    let queries: Vec<[f64; 2]> = opened.iter().map(|o| [o.location.x, o.location.y]).collect();
    let near = index.within(&queries, walking_m);
    let score = inputs.scores.site(&format!("{SCORE_MODEL}.score"));
    let factors: Vec<(&str, &[f64])> = inputs
        .scores
        .sites
        .iter()
        .filter_map(|c| {
            let name = c.name.strip_prefix(&format!("{SCORE_MODEL}."))?;
            (name != "score" && name != "rank").then_some((name, c.values.as_slice()))
        })
        .collect();
    let mut order: Vec<usize> = (0..opened.len()).collect();
    order.sort_by(|&a, &b| opened[b].demand.total_cmp(&opened[a].demand).then(a.cmp(&b)));
    let mut taken: HashSet<usize> = opened.iter().filter_map(|o| o.listed).collect();
    let mut out: Vec<Option<(SiteChoice, Option<usize>)>> = vec![None; opened.len()];
    for k in order {
        let o = &opened[k];
        let mut ranked: Vec<(usize, f64, f64)> = near
            .sites_of(k)
            .iter()
            .zip(near.distances_of(k))
            .map(|(&c, &d)| {
                let j = inputs.candidates[c as usize];
                let s = score.map_or(f64::NAN, |s| s[j]);
                (j, d, s)
            })
            .collect();
        // Best score first (a site without a score last), then the nearer, then the id order.
        ranked.sort_by(|a, b| {
            let key = |s: f64| if s.is_nan() { f64::NEG_INFINITY } else { s };
            key(b.2)
                .total_cmp(&key(a.2))
                .then(a.1.total_cmp(&b.1))
                .then(a.0.cmp(&b.0))
        });
        // The location's own site is free to choose; other openings' sites are not.
        let own = o.listed;
        let chosen = ranked
            .iter()
            .map(|r| r.0)
            .find(|&j| Some(j) == own || !taken.contains(&j));
        if let Some(j) = chosen {
            taken.insert(j);
            if let Some(own) = own.filter(|&own| own != j) {
                taken.remove(&own);
            }
        }
        // The chosen site first, then the rest in rank order.
        if let Some(j) = chosen
            && let Some(pos) = ranked.iter().position(|r| r.0 == j)
        {
            let first = ranked.remove(pos);
            ranked.insert(0, first);
        }
        let ranked = ranked
            .into_iter()
            .map(|(j, d, s)| RankedSite {
                site: place_of(j),
                distance_m: d,
                score: s,
                factors: factors.iter().map(|(n, v)| (n.to_string(), v[j])).collect(),
            })
            .collect();
        out[k] = Some((
            SiteChoice {
                location: o.location.clone(),
                ranked,
            },
            chosen,
        ));
    }
    out.into_iter().flatten().collect()
}
