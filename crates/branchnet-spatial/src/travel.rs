//! Travel cost between demand points (origins) and sites (destinations): the seam through which every
//! scoring model asks "which sites can this cell reach, at what cost".
//!
//! [`TravelCost`] is the trait; three costs ship with branchnet:
//! - [`Euclidean`]: straight-line metres in the scenario's metric frame (R-tree);
//! - [`GreatCircle`]: metres along the sphere between longitude/latitude points (R-tree on the unit sphere);
//! - [`OdTable`]: a user-supplied long table `origin, destination, cost` (minutes or metres from OSRM, r5,
//!   Valhalla, …); a pair missing from the table cannot be travelled.
//!
//! Every query takes an optional mask of allowed destinations (e.g. only the bank's own branches) and
//! returns destination indexes of the full destination list.
//!
//! ```
//! use branchnet_spatial::travel::{Euclidean, TravelCost};
//!
//! let cells = vec![[0.0, 0.0], [10.0, 0.0]];
//! let sites = vec![[3.0, 4.0], [100.0, 0.0], [0.0, 0.0]];
//! let cost = Euclidean::new(cells, sites);
//! assert_eq!(cost.within(5.0, None).row(0), (&[0, 2][..], &[5.0, 0.0][..]));
//! let own = [false, true, false];
//! assert_eq!(cost.nearest(Some(&own))[0], Some((1, 100.0)));
//! ```

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use thiserror::Error;

use crate::neighbours::{Neighbours, SiteIndex};

/// Origins per parallel task of the great-circle and OD-table queries.
const CHUNK_ORIGINS: usize = 1024;

/// Cost of travel from every origin to every destination, queried sparsely.
///
/// Costs are non-negative and in one unit per implementation (metres for the geometric ones). Rows of
/// [`TravelCost::within`] list destinations ascending; rows of [`TravelCost::k_nearest`] cheapest first (ties
/// by destination index). `allowed`, when given, has one flag per destination and hides the others.
pub trait TravelCost: Send + Sync {
    /// Number of origins (demand points, rows).
    fn n_origins(&self) -> usize;

    /// Number of destinations (sites).
    fn n_destinations(&self) -> usize;

    /// Every allowed destination within `limit` (inclusive) of each origin, destination indexes ascending.
    fn within(&self, limit: f64, allowed: Option<&[bool]>) -> Neighbours;

    /// The `k` cheapest allowed destinations of each origin, cheapest first (fewer when fewer are reachable).
    fn k_nearest(&self, k: usize, allowed: Option<&[bool]>) -> Neighbours;

    /// The cheapest allowed destination of each origin and its cost; `None` when none is reachable.
    fn nearest(&self, allowed: Option<&[bool]>) -> Vec<Option<(u32, f64)>> {
        let near = self.k_nearest(1, allowed);
        (0..near.n_demand())
            .map(|i| {
                let (sites, costs) = near.row(i);
                sites.first().map(|&j| (j, costs[0]))
            })
            .collect()
    }
}

/// The allowed destinations' indexes, ascending; `None` when every destination is allowed.
fn allowed_indexes(allowed: Option<&[bool]>, n: usize) -> Option<Vec<u32>> {
    let mask = allowed?;
    assert_eq!(mask.len(), n, "travel cost: one allowed flag per destination");
    Some((0..n as u32).filter(|&j| mask[j as usize]).collect())
}

/// Rewrites the destination indexes of `near` (positions in `subset`) as indexes of the full list. `subset`
/// is ascending, so ascending rows stay ascending.
fn to_full_indexes(near: Neighbours, subset: &[u32]) -> Neighbours {
    let (offsets, mut sites, distances) = near.into_parts();
    for j in &mut sites {
        *j = subset[*j as usize];
    }
    Neighbours::from_parts(offsets, sites, distances)
}

/// Straight-line distance in metres between points of the metric frame.
#[derive(Debug, Clone)]
pub struct Euclidean {
    origins: Vec<[f64; 2]>,
    destinations: Vec<[f64; 2]>,
    index: SiteIndex,
}

impl Euclidean {
    /// Origins and destinations as `[x, y]` metres.
    pub fn new(origins: Vec<[f64; 2]>, destinations: Vec<[f64; 2]>) -> Self {
        let index = SiteIndex::new(&destinations);
        Self {
            origins,
            destinations,
            index,
        }
    }

    /// The origins, `[x, y]` metres.
    pub fn origins(&self) -> &[[f64; 2]] {
        &self.origins
    }

    /// The destinations, `[x, y]` metres.
    pub fn destinations(&self) -> &[[f64; 2]] {
        &self.destinations
    }

    /// The index over the allowed destinations and their full indexes (`None`: the full index).
    fn index_of(&self, allowed: Option<&[bool]>) -> (Option<SiteIndex>, Option<Vec<u32>>) {
        match allowed_indexes(allowed, self.destinations.len()) {
            None => (None, None),
            Some(subset) => {
                let points: Vec<[f64; 2]> = subset.iter().map(|&j| self.destinations[j as usize]).collect();
                (Some(SiteIndex::new(&points)), Some(subset))
            }
        }
    }
}

impl TravelCost for Euclidean {
    fn n_origins(&self) -> usize {
        self.origins.len()
    }

    fn n_destinations(&self) -> usize {
        self.destinations.len()
    }

    fn within(&self, limit: f64, allowed: Option<&[bool]>) -> Neighbours {
        match self.index_of(allowed) {
            (Some(index), Some(subset)) => to_full_indexes(index.within(&self.origins, limit), &subset),
            _ => self.index.within(&self.origins, limit),
        }
    }

    fn k_nearest(&self, k: usize, allowed: Option<&[bool]>) -> Neighbours {
        match self.index_of(allowed) {
            (Some(index), Some(subset)) => to_full_indexes(index.k_nearest(&self.origins, k), &subset),
            _ => self.index.k_nearest(&self.origins, k),
        }
    }

    fn nearest(&self, allowed: Option<&[bool]>) -> Vec<Option<(u32, f64)>> {
        match self.index_of(allowed) {
            (Some(index), Some(subset)) => index
                .nearest(&self.origins)
                .into_iter()
                .map(|n| n.map(|(j, d)| (subset[j as usize], d)))
                .collect(),
            _ => self.index.nearest(&self.origins),
        }
    }
}

/// Mean Earth radius (IUGG), metres: the sphere of [`GreatCircle`].
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle (haversine) distance in metres between two `[lon, lat]` points in degrees.
pub fn haversine_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (lon1, lat1) = (a[0].to_radians(), a[1].to_radians());
    let (lon2, lat2) = (b[0].to_radians(), b[1].to_radians());
    let h =
        ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.min(1.0).sqrt().asin()
}

/// A `[lon, lat]` point in degrees as a point on the unit sphere: straight-line (chord) distances between
/// such points order exactly as great-circle distances, so a 3-D R-tree answers great-circle queries.
fn unit_vector(p: [f64; 2]) -> [f64; 3] {
    let (lon, lat) = (p[0].to_radians(), p[1].to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

type SpherePoint = GeomWithData<[f64; 3], u32>;

/// Great-circle distance in metres between `[lon, lat]` points (degrees) on a sphere of
/// [`EARTH_RADIUS_M`]: the cost for inputs that were never projected, or that span more than one projection
/// zone. Within 0.5% of the ellipsoidal distance.
#[derive(Debug, Clone)]
pub struct GreatCircle {
    origins: Vec<[f64; 2]>,
    destinations: Vec<[f64; 2]>,
}

impl GreatCircle {
    /// Origins and destinations as `[lon, lat]` degrees.
    pub fn new(origins: Vec<[f64; 2]>, destinations: Vec<[f64; 2]>) -> Self {
        Self {
            origins,
            destinations,
        }
    }

    fn tree(&self, allowed: Option<&[bool]>) -> RTree<SpherePoint> {
        let n = self.destinations.len();
        let subset = allowed_indexes(allowed, n).unwrap_or_else(|| (0..n as u32).collect());
        RTree::bulk_load(
            subset
                .into_iter()
                .map(|j| GeomWithData::new(unit_vector(self.destinations[j as usize]), j))
                .collect(),
        )
    }

    /// Rows for every origin, computed in parallel by `row_of` (which fills one row at a time).
    fn rows(&self, row_of: impl Fn([f64; 2], &mut Vec<(f64, u32)>) + Sync) -> Neighbours {
        parallel_rows(self.origins.len(), |i, row| row_of(self.origins[i], row))
    }
}

/// Rows `0..n` filled by `row_of` (as `(cost, destination)`) in parallel chunks, joined in order into one CSR.
fn parallel_rows(n: usize, row_of: impl Fn(usize, &mut Vec<(f64, u32)>) + Sync) -> Neighbours {
    let starts: Vec<usize> = (0..n).step_by(CHUNK_ORIGINS).collect();
    let chunks: Vec<(Vec<usize>, Vec<u32>, Vec<f64>)> = starts
        .par_iter()
        .map(|&start| {
            let end = (start + CHUNK_ORIGINS).min(n);
            let mut lengths = Vec::with_capacity(end - start);
            let (mut sites, mut costs) = (Vec::new(), Vec::new());
            let mut row = Vec::new();
            for i in start..end {
                row.clear();
                row_of(i, &mut row);
                lengths.push(row.len());
                sites.extend(row.iter().map(|r| r.1));
                costs.extend(row.iter().map(|r| r.0));
            }
            (lengths, sites, costs)
        })
        .collect();
    assemble(chunks)
}

/// Joins per-chunk rows (row lengths, sites, costs) into one CSR.
fn assemble(chunks: Vec<(Vec<usize>, Vec<u32>, Vec<f64>)>) -> Neighbours {
    let n_pairs = chunks.iter().map(|c| c.1.len()).sum();
    let mut offsets = vec![0];
    let mut sites = Vec::with_capacity(n_pairs);
    let mut costs = Vec::with_capacity(n_pairs);
    for (lengths, s, c) in chunks {
        for len in lengths {
            offsets.push(offsets[offsets.len() - 1] + len);
        }
        sites.extend(s);
        costs.extend(c);
    }
    Neighbours::from_parts(offsets, sites, costs)
}

impl TravelCost for GreatCircle {
    fn n_origins(&self) -> usize {
        self.origins.len()
    }

    fn n_destinations(&self) -> usize {
        self.destinations.len()
    }

    fn within(&self, limit: f64, allowed: Option<&[bool]>) -> Neighbours {
        if limit.is_nan() || limit < 0.0 {
            return self.rows(|_, _| {});
        }
        let tree = self.tree(allowed);
        // Chord of the arc `limit`, grown by a hair so that rounding never loses a point the exact haversine
        // test below accepts.
        let angle = (limit / EARTH_RADIUS_M).min(std::f64::consts::PI);
        let chord = 2.0 * (angle / 2.0).sin() * (1.0 + 1e-9) + 1e-12;
        self.rows(|p, row| {
            for s in tree.locate_within_distance(unit_vector(p), chord * chord) {
                let d = haversine_m(p, self.destinations[s.data as usize]);
                if d <= limit {
                    row.push((d, s.data));
                }
            }
            row.sort_unstable_by_key(|r| r.1);
        })
    }

    fn k_nearest(&self, k: usize, allowed: Option<&[bool]>) -> Neighbours {
        let tree = self.tree(allowed);
        let k = k.min(tree.size());
        self.rows(|p, row| {
            if k == 0 {
                return;
            }
            let mut last = f64::NEG_INFINITY;
            for s in tree.nearest_neighbor_iter(&unit_vector(p)) {
                let d = haversine_m(p, self.destinations[s.data as usize]);
                // Chord and haversine may round a tie differently: stop only strictly beyond the k-th.
                if row.len() >= k && d > last {
                    break;
                }
                last = last.max(d);
                row.push((d, s.data));
            }
            row.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            row.truncate(k);
        })
    }
}

/// A row of an OD table that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OdTableError {
    /// An origin or destination index beyond the lists.
    #[error("OD row {row}: {what} {index} is not below {count}")]
    OutOfRange {
        /// Row of the table (0-based, in the order given).
        row: usize,
        /// `origin` or `destination`.
        what: &'static str,
        /// The index found.
        index: usize,
        /// How many there are.
        count: usize,
    },
    /// A cost that is negative or not a number.
    #[error("OD row {row}: cost {cost} is not a non-negative number")]
    BadCost {
        /// Row of the table.
        row: usize,
        /// The cost found.
        cost: f64,
    },
    /// The same origin–destination pair twice.
    #[error("OD row {row}: origin {origin} to destination {destination} repeats row {first}")]
    Duplicate {
        /// Row of the repeat.
        row: usize,
        /// Row of the first occurrence.
        first: usize,
        /// Origin index.
        origin: usize,
        /// Destination index.
        destination: usize,
    },
}

/// A user-supplied cost table (long format: origin, destination, cost), e.g. travel minutes from a routing
/// engine. A pair that is not in the table cannot be travelled: it is never within any limit and never
/// among the nearest.
#[derive(Debug, Clone)]
pub struct OdTable {
    n_destinations: usize,
    /// Per origin, its pairs cheapest first (ties by destination).
    by_cost: Neighbours,
}

impl OdTable {
    /// Builds the table from `(origin, destination, cost)` rows over `n_origins` origins and
    /// `n_destinations` destinations.
    ///
    /// # Errors
    /// The first row with an index out of range, a negative or NaN cost, or a repeated pair.
    pub fn new(
        n_origins: usize,
        n_destinations: usize,
        rows: impl IntoIterator<Item = (usize, usize, f64)>,
    ) -> Result<Self, OdTableError> {
        let mut pairs: Vec<(usize, u32, f64, usize)> = Vec::new();
        for (row, (i, j, cost)) in rows.into_iter().enumerate() {
            if i >= n_origins {
                return Err(OdTableError::OutOfRange {
                    row,
                    what: "origin",
                    index: i,
                    count: n_origins,
                });
            }
            if j >= n_destinations || u32::try_from(j).is_err() {
                return Err(OdTableError::OutOfRange {
                    row,
                    what: "destination",
                    index: j,
                    count: n_destinations,
                });
            }
            if cost.is_nan() || cost < 0.0 {
                return Err(OdTableError::BadCost { row, cost });
            }
            pairs.push((i, j as u32, cost, row));
        }
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1) {
            let (first, row) = (w[0].3.min(w[1].3), w[0].3.max(w[1].3));
            return Err(OdTableError::Duplicate {
                row,
                first,
                origin: w[0].0,
                destination: w[0].1 as usize,
            });
        }
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.2.total_cmp(&b.2)).then(a.1.cmp(&b.1)));
        let mut offsets = vec![0usize; n_origins + 1];
        for p in &pairs {
            offsets[p.0 + 1] += 1;
        }
        for i in 0..n_origins {
            offsets[i + 1] += offsets[i];
        }
        let by_cost = Neighbours::from_parts(
            offsets,
            pairs.iter().map(|p| p.1).collect(),
            pairs.iter().map(|p| p.2).collect(),
        );
        Ok(Self {
            n_destinations,
            by_cost,
        })
    }

    /// Rows of the pairs that `keep` accepts (given the rank in the cheapest-first row, the destination and
    /// the cost), in parallel.
    fn filtered(
        &self,
        allowed: Option<&[bool]>,
        sort_by_destination: bool,
        keep: impl Fn(usize, f64) -> bool + Sync,
    ) -> Neighbours {
        if let Some(mask) = allowed {
            assert_eq!(
                mask.len(),
                self.n_destinations,
                "travel cost: one allowed flag per destination"
            );
        }
        parallel_rows(self.by_cost.n_demand(), |i, row| {
            let (js, cs) = self.by_cost.row(i);
            for (&j, &c) in js.iter().zip(cs) {
                if allowed.is_some_and(|m| !m[j as usize]) {
                    continue;
                }
                if !keep(row.len(), c) {
                    break;
                }
                row.push((c, j));
            }
            if sort_by_destination {
                row.sort_unstable_by_key(|r| r.1);
            }
        })
    }
}

impl TravelCost for OdTable {
    fn n_origins(&self) -> usize {
        self.by_cost.n_demand()
    }

    fn n_destinations(&self) -> usize {
        self.n_destinations
    }

    fn within(&self, limit: f64, allowed: Option<&[bool]>) -> Neighbours {
        // Rows are cheapest first, so the first pair beyond the limit ends the row.
        self.filtered(allowed, true, |_, c| c <= limit)
    }

    fn k_nearest(&self, k: usize, allowed: Option<&[bool]>) -> Neighbours {
        self.filtered(allowed, false, |rank, _| rank < k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Every (origin, destination, cost) a brute-force pass finds within `limit`.
    fn brute_within(
        n: usize,
        m: usize,
        cost: impl Fn(usize, usize) -> Option<f64>,
        limit: f64,
        allowed: &[bool],
    ) -> Vec<(usize, u32, f64)> {
        let mut out = Vec::new();
        for i in 0..n {
            for (j, &ok) in allowed.iter().enumerate().take(m) {
                if let Some(c) = cost(i, j).filter(|&c| ok && c <= limit) {
                    out.push((i, j as u32, c));
                }
            }
        }
        out
    }

    fn triples(near: &Neighbours) -> Vec<(usize, u32, f64)> {
        near.triples().map(|(i, j, c)| (i, j as u32, c)).collect()
    }

    /// The cheapest `k` allowed per origin by brute force, cheapest first, ties by destination.
    fn brute_k(
        n: usize,
        m: usize,
        cost: impl Fn(usize, usize) -> Option<f64>,
        k: usize,
        allowed: &[bool],
    ) -> Vec<(usize, u32, f64)> {
        let mut out = Vec::new();
        for i in 0..n {
            let mut row: Vec<(f64, u32)> = (0..m)
                .filter(|&j| allowed[j])
                .filter_map(|j| cost(i, j).map(|c| (c, j as u32)))
                .collect();
            row.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            out.extend(row.into_iter().take(k).map(|(c, j)| (i, j, c)));
        }
        out
    }

    fn lon_lat(rng: &mut ChaCha8Rng, n: usize) -> Vec<[f64; 2]> {
        (0..n)
            .map(|_| [rng.random_range(113.5..115.0), rng.random_range(30.0..31.2)])
            .collect()
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // One degree of latitude on the sphere: R · π / 180.
        let d = haversine_m([114.0, 30.0], [114.0, 31.0]);
        assert!((d - EARTH_RADIUS_M * std::f64::consts::PI / 180.0).abs() < 1e-6);
        // Antipodes: half the circumference.
        let d = haversine_m([0.0, 0.0], [180.0, 0.0]);
        assert!((d - EARTH_RADIUS_M * std::f64::consts::PI).abs() < 1e-6);
    }

    #[test]
    fn great_circle_queries_agree_with_brute_force() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let origins = lon_lat(&mut rng, 400);
        let destinations = lon_lat(&mut rng, 60);
        let allowed: Vec<bool> = (0..60).map(|j| j % 3 != 0).collect();
        let cost = GreatCircle::new(origins.clone(), destinations.clone());
        let exact = |i: usize, j: usize| Some(haversine_m(origins[i], destinations[j]));
        for limit in [0.0, 5_000.0, 25_000.0, 1e9] {
            assert_eq!(
                triples(&cost.within(limit, None)),
                brute_within(400, 60, exact, limit, &[true; 60])
            );
            assert_eq!(
                triples(&cost.within(limit, Some(&allowed))),
                brute_within(400, 60, exact, limit, &allowed)
            );
        }
        for k in [1, 4, 100] {
            assert_eq!(
                triples(&cost.k_nearest(k, Some(&allowed))),
                brute_k(400, 60, exact, k, &allowed)
            );
        }
        let nearest = cost.nearest(None);
        let expected = brute_k(400, 60, exact, 1, &[true; 60]);
        assert!(nearest.iter().zip(&expected).all(|(n, e)| *n == Some((e.1, e.2))));
    }

    #[test]
    fn euclidean_masks_map_back_to_full_indexes() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let pts = |rng: &mut ChaCha8Rng, n| -> Vec<[f64; 2]> {
            (0..n)
                .map(|_| [rng.random_range(0.0..5000.0), rng.random_range(0.0..5000.0)])
                .collect()
        };
        let origins = pts(&mut rng, 500);
        let destinations = pts(&mut rng, 80);
        let allowed: Vec<bool> = (0..80).map(|j| j % 4 == 1).collect();
        let cost = Euclidean::new(origins.clone(), destinations.clone());
        let exact = |i: usize, j: usize| {
            let (dx, dy) = (
                origins[i][0] - destinations[j][0],
                origins[i][1] - destinations[j][1],
            );
            Some((dx * dx + dy * dy).sqrt())
        };
        assert_eq!(
            triples(&cost.within(900.0, Some(&allowed))),
            brute_within(500, 80, exact, 900.0, &allowed)
        );
        assert_eq!(
            triples(&cost.k_nearest(3, Some(&allowed))),
            brute_k(500, 80, exact, 3, &allowed)
        );
        let nearest = cost.nearest(Some(&allowed));
        let expected = brute_k(500, 80, exact, 1, &allowed);
        assert!(nearest.iter().zip(&expected).all(|(n, e)| *n == Some((e.1, e.2))));
    }

    #[test]
    fn od_table_treats_missing_pairs_as_unreachable() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (n, m) = (50, 20);
        let mut table = vec![vec![None; m]; n];
        let mut rows = Vec::new();
        for (i, row) in table.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                if rng.random_bool(0.6) {
                    // Whole minutes: many ties.
                    let c = f64::from(rng.random_range(0..30u32));
                    *cell = Some(c);
                    rows.push((i, j, c));
                }
            }
        }
        rows.reverse(); // order of the input must not matter
        let od = OdTable::new(n, m, rows).expect("valid table");
        let cost = |i: usize, j: usize| table[i][j];
        let allowed: Vec<bool> = (0..m).map(|j| j % 2 == 0).collect();
        for limit in [0.0, 10.0, 100.0] {
            assert_eq!(
                triples(&od.within(limit, None)),
                brute_within(n, m, cost, limit, &[true; 20])
            );
            assert_eq!(
                triples(&od.within(limit, Some(&allowed))),
                brute_within(n, m, cost, limit, &allowed)
            );
        }
        assert_eq!(
            triples(&od.k_nearest(3, Some(&allowed))),
            brute_k(n, m, cost, 3, &allowed)
        );
    }

    #[test]
    fn od_table_names_the_bad_row() {
        assert_eq!(
            OdTable::new(2, 2, [(0, 0, 1.0), (2, 0, 1.0)]).expect_err("a bad row"),
            OdTableError::OutOfRange {
                row: 1,
                what: "origin",
                index: 2,
                count: 2
            }
        );
        assert!(matches!(
            OdTable::new(2, 2, [(0, 1, 1.0), (1, 0, f64::NAN)]).expect_err("a bad row"),
            OdTableError::BadCost { row: 1, cost } if cost.is_nan()
        ));
        assert_eq!(
            OdTable::new(2, 2, [(0, 1, 1.0), (1, 1, 2.0), (0, 1, 3.0)]).expect_err("a bad row"),
            OdTableError::Duplicate {
                row: 2,
                first: 0,
                origin: 0,
                destination: 1
            }
        );
    }
}
