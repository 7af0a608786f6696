//! Which sites are near each demand point: all sites within a radius, the k nearest, or the nearest one, for
//! points and sites in the metric frame (metres).
//!
//! Results are compressed sparse rows ([`Neighbours`]) so a million points with a hundred neighbours each
//! stay three flat arrays. The distance is the Euclidean `sqrt(dx² + dy²)` as computed here, and a site at
//! exactly `radius` is within it (`≤`). Every query is parallel (rayon) and deterministic: the output does
//! not depend on the number of threads.
//!
//! ```
//! use branchnet_spatial::neighbours;
//!
//! let demand = [[0.0, 0.0], [10.0, 0.0]];
//! let sites = [[3.0, 4.0], [100.0, 0.0], [0.0, 0.0]];
//! let near = neighbours::within(&demand, &sites, 5.0);
//! assert_eq!(near.row(0), (&[0, 2][..], &[5.0, 0.0][..]));
//! assert_eq!(near.sites_of(1), &[] as &[u32]);
//! assert_eq!(neighbours::nearest(&demand, &sites)[1], Some((0, 65f64.sqrt())));
//! ```

use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

/// Demand points handled by one task of [`SiteIndex::within`]: small enough to balance two cores over a
/// dense city centre, large enough that the R-tree query per task is noise.
const TASK_POINTS: usize = 512;

/// Demand points per parallel chunk of the k-nearest queries.
const CHUNK_POINTS: usize = 2048;

/// The sites near each demand point (compressed sparse rows): for point `i`, `sites_of(i)` and the matching
/// `distances_of(i)` in metres.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Neighbours {
    offsets: Vec<usize>,
    sites: Vec<u32>,
    distances: Vec<f64>,
}

impl Neighbours {
    /// Number of demand points (rows).
    pub fn n_demand(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of (point, site) pairs in all rows.
    pub fn n_pairs(&self) -> usize {
        self.sites.len()
    }

    /// The sites of point `i` and their distances.
    ///
    /// # Panics
    /// If `i >= n_demand()`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.sites[r.clone()], &self.distances[r])
    }

    /// The sites of point `i`.
    ///
    /// # Panics
    /// If `i >= n_demand()`.
    pub fn sites_of(&self, i: usize) -> &[u32] {
        &self.sites[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The distances of point `i` to its sites, in the order of [`sites_of`](Self::sites_of).
    ///
    /// # Panics
    /// If `i >= n_demand()`.
    pub fn distances_of(&self, i: usize) -> &[f64] {
        &self.distances[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Row offsets: row `i` is `offsets[i]..offsets[i + 1]` of the site and distance arrays.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Site indexes of all rows, one after the other.
    pub fn sites(&self) -> &[u32] {
        &self.sites
    }

    /// Distances of all rows, one after the other.
    pub fn distances(&self) -> &[f64] {
        &self.distances
    }

    /// Every (point, site, distance) triple, row by row.
    pub fn triples(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.n_demand()).flat_map(move |i| {
            let (s, d) = self.row(i);
            s.iter().zip(d).map(move |(&j, &d)| (i, j as usize, d))
        })
    }

    /// The three arrays: offsets, site indexes, distances.
    pub fn into_parts(self) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
        (self.offsets, self.sites, self.distances)
    }

    /// Rows from their parts (offsets of `n + 1` entries, starting at 0, ending at the number of pairs).
    pub(crate) fn from_parts(offsets: Vec<usize>, sites: Vec<u32>, distances: Vec<f64>) -> Self {
        debug_assert!(offsets.first() == Some(&0) && offsets.last() == Some(&sites.len()));
        debug_assert_eq!(sites.len(), distances.len());
        Self {
            offsets,
            sites,
            distances,
        }
    }

    fn empty_rows(n: usize) -> Self {
        Self {
            offsets: vec![0; n + 1],
            sites: Vec::new(),
            distances: Vec::new(),
        }
    }
}

/// Distance as every function of this module computes it, so that results and their checks agree to the bit.
#[inline]
fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    (dx * dx + dy * dy).sqrt()
}

type IndexedSite = GeomWithData<[f64; 2], u32>;

/// Where one row of [`SiteIndex::within`] is written: its part of the site and distance arrays.
type RowSlices<'a> = (&'a mut [u32], &'a mut [f64]);

/// An R-tree over site positions (metres), built once and queried for many demand points.
#[derive(Debug, Clone)]
pub struct SiteIndex {
    tree: RTree<IndexedSite>,
    n_sites: usize,
}

impl SiteIndex {
    /// Indexes `sites`; site `j` is reported as `j`.
    ///
    /// # Panics
    /// With more than `u32::MAX` sites (site indexes are `u32`).
    pub fn new(sites: &[[f64; 2]]) -> Self {
        assert!(
            u32::try_from(sites.len()).is_ok(),
            "SiteIndex: at most u32::MAX sites are supported"
        );
        let items = sites
            .iter()
            .enumerate()
            .map(|(j, &p)| GeomWithData::new(p, j as u32))
            .collect();
        Self {
            tree: RTree::bulk_load(items),
            n_sites: sites.len(),
        }
    }

    /// Number of indexed sites.
    pub fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// All sites within `radius` metres (inclusive) of each demand point, site indexes ascending.
    ///
    /// Demand points are bucketed into grid cells of half the radius; each bucket (at most a few hundred
    /// points) asks the R-tree once for the sites in its box grown by the radius and checks its points against
    /// them directly, which is several times faster than one tree query per point when rows are long.
    ///
    /// A negative or NaN radius gives empty rows; an infinite one gives every site.
    pub fn within(&self, demand: &[[f64; 2]], radius: f64) -> Neighbours {
        let n = demand.len();
        if n == 0 || self.n_sites == 0 || radius.is_nan() || radius < 0.0 {
            return Neighbours::empty_rows(n);
        }
        let tasks = buckets(demand, radius);
        let test = RadiusTest::new(radius);
        // Two passes over the same candidates: count each row, then write every row straight into its place
        // in the output. Counting is cheap (no branches, vectorised), and it saves growing per-bucket buffers
        // and copying them into demand order afterwards, which cost more with rows of hundreds of sites.
        let counts: Vec<Vec<u32>> = tasks
            .par_iter()
            .map(|points| {
                let c = self.candidates(demand, points, test.grow);
                points
                    .iter()
                    .map(|&i| {
                        let p = demand[i as usize];
                        c.x.iter()
                            .zip(&c.y)
                            .map(|(&x, &y)| u32::from(test.counts(p, x, y)))
                            .sum::<u32>()
                    })
                    .collect()
            })
            .collect();
        let mut row_len = vec![0u32; n];
        for (points, counts) in tasks.iter().zip(&counts) {
            for (&i, &c) in points.iter().zip(counts) {
                row_len[i as usize] = c;
            }
        }
        drop(counts);
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut total = 0usize;
        for &c in &row_len {
            total += c as usize;
            offsets.push(total);
        }
        let mut sites = vec![0u32; total];
        let mut distances = vec![0f64; total];
        // One disjoint pair of output slices per point, handed to the bucket that holds the point.
        let mut slots: Vec<Option<RowSlices<'_>>> = Vec::with_capacity(n);
        let (mut s_rest, mut d_rest) = (sites.as_mut_slice(), distances.as_mut_slice());
        for &len in &row_len {
            let (s, sr) = std::mem::take(&mut s_rest).split_at_mut(len as usize);
            let (d, dr) = std::mem::take(&mut d_rest).split_at_mut(len as usize);
            (s_rest, d_rest) = (sr, dr);
            slots.push(Some((s, d)));
        }
        let work: Vec<(&Vec<u32>, Vec<RowSlices<'_>>)> = tasks
            .iter()
            .map(|points| {
                let rows = points.iter().filter_map(|&i| slots[i as usize].take()).collect();
                (points, rows)
            })
            .collect();
        work.into_par_iter().for_each(|(points, rows)| {
            let c = self.candidates(demand, points, test.grow);
            for (&i, (s, d)) in points.iter().zip(rows) {
                let p = demand[i as usize];
                let mut k = 0;
                for ((&x, &y), &j) in c.x.iter().zip(&c.y).zip(&c.id) {
                    if let Some(dist) = test.accepts(p, x, y) {
                        s[k] = j;
                        d[k] = dist;
                        k += 1;
                    }
                }
            }
        });
        Neighbours {
            offsets,
            sites,
            distances,
        }
    }

    /// The sites in the bounding box of `points` grown by `grow`, by ascending index, as columns.
    fn candidates(&self, demand: &[[f64; 2]], points: &[u32], grow: f64) -> Candidates {
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for &i in points {
            let p = demand[i as usize];
            for a in 0..2 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        let envelope = AABB::from_corners([lo[0] - grow, lo[1] - grow], [hi[0] + grow, hi[1] + grow]);
        let mut found: Vec<&IndexedSite> = self.tree.locate_in_envelope(&envelope).collect();
        found.sort_unstable_by_key(|s| s.data);
        Candidates {
            id: found.iter().map(|s| s.data).collect(),
            x: found.iter().map(|s| s.geom()[0]).collect(),
            y: found.iter().map(|s| s.geom()[1]).collect(),
        }
    }

    /// The `k` nearest sites of each demand point, nearest first (ties by site index; fewer when there are
    /// fewer sites).
    pub fn k_nearest(&self, demand: &[[f64; 2]], k: usize) -> Neighbours {
        let k = k.min(self.n_sites);
        if k == 0 {
            return Neighbours::empty_rows(demand.len());
        }
        let rows: Vec<(Vec<u32>, Vec<f64>)> = demand
            .par_chunks(CHUNK_POINTS)
            .map(|chunk| {
                let mut sites = Vec::with_capacity(chunk.len() * k);
                let mut distances = Vec::with_capacity(chunk.len() * k);
                let mut row = Vec::with_capacity(k + 4);
                for &p in chunk {
                    self.nearest_k_into(p, k, &mut row);
                    sites.extend(row.iter().map(|r: &(f64, u32)| r.1));
                    distances.extend(row.iter().map(|r| r.0));
                }
                (sites, distances)
            })
            .collect();
        let mut offsets = Vec::with_capacity(demand.len() + 1);
        offsets.extend((0..=demand.len()).map(|i| i * k));
        let mut sites = Vec::with_capacity(demand.len() * k);
        let mut distances = Vec::with_capacity(demand.len() * k);
        for (s, d) in rows {
            sites.extend(s);
            distances.extend(d);
        }
        Neighbours {
            offsets,
            sites,
            distances,
        }
    }

    /// The nearest site of each demand point and its distance (ties by lowest site index); `None` when there
    /// are no sites.
    pub fn nearest(&self, demand: &[[f64; 2]]) -> Vec<Option<(u32, f64)>> {
        if self.n_sites == 0 {
            return vec![None; demand.len()];
        }
        demand
            .par_chunks(CHUNK_POINTS)
            .flat_map_iter(|chunk| {
                let mut row = Vec::with_capacity(4);
                chunk
                    .iter()
                    .map(|&p| {
                        self.nearest_k_into(p, 1, &mut row);
                        row.first().map(|&(d, j)| (j, d))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The `k` (≥ 1, ≤ n_sites) nearest sites of `p` as (distance, site), by distance then index. Sites tied
    /// with the k-th are all gathered before sorting, so which of them is kept does not depend on the tree.
    fn nearest_k_into(&self, p: [f64; 2], k: usize, row: &mut Vec<(f64, u32)>) {
        row.clear();
        let mut last = f64::NEG_INFINITY;
        for s in self.tree.nearest_neighbor_iter(&p) {
            let d = distance(p, *s.geom());
            // The tree orders by its own squared distance; a tie at the boundary may round either way, so
            // stop only once strictly beyond the k-th distance.
            if row.len() >= k && d > last {
                break;
            }
            last = last.max(d);
            row.push((d, s.data));
        }
        row.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        row.truncate(k);
    }
}

/// Candidate sites of a bucket as columns (so the distance loops vectorise).
struct Candidates {
    id: Vec<u32>,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// The one test of "within the radius" that both passes of [`SiteIndex::within`] apply.
#[derive(Clone, Copy)]
struct RadiusTest {
    radius: f64,
    /// Slightly above radius², so that the exact test on the square root decides every boundary case.
    r2: f64,
    /// How far beyond a bucket's box candidates are gathered: the radius and a hair for rounding.
    grow: f64,
}

impl RadiusTest {
    fn new(radius: f64) -> Self {
        Self {
            radius,
            r2: radius * radius * (1.0 + 8.0 * f64::EPSILON),
            grow: radius * (1.0 + 1e-12) + 1e-9,
        }
    }

    /// Whether `(x, y)` is within the radius of `p`: the same answer as [`accepts`](Self::accepts) (the
    /// square root is correctly rounded and monotone, so `d² > r2` implies `d > radius`), without branches.
    #[inline]
    fn counts(&self, p: [f64; 2], x: f64, y: f64) -> bool {
        let (dx, dy) = (p[0] - x, p[1] - y);
        (dx * dx + dy * dy).sqrt() <= self.radius
    }

    /// The distance from `p` to `(x, y)` when it is within the radius.
    #[inline]
    fn accepts(&self, p: [f64; 2], x: f64, y: f64) -> Option<f64> {
        let (dx, dy) = (p[0] - x, p[1] - y);
        let d2 = dx * dx + dy * dy;
        if d2 <= self.r2 {
            let d = d2.sqrt();
            (d <= self.radius).then_some(d)
        } else {
            None
        }
    }
}

/// Demand points grouped by grid cell of half the radius (cells of more than [`TASK_POINTS`] split), each
/// group's points ascending. The grouping depends only on the input, so the output does too.
fn buckets(demand: &[[f64; 2]], radius: f64) -> Vec<Vec<u32>> {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in demand {
        for a in 0..2 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    // Half the radius, but no finer than a 4096 × 4096 grid over the data (keeps cell keys small and the
    // number of buckets bounded for tiny radii) and no coarser than the data (huge or infinite radii).
    let cell = (0.5 * radius).max(extent / 4096.0);
    let cell = if cell.is_finite() && cell > 0.0 {
        cell
    } else {
        extent.max(1.0)
    };
    let key = |p: &[f64; 2]| -> u64 {
        let cx = ((p[0] - lo[0]) / cell).floor().clamp(0.0, 1e9) as u64;
        let cy = ((p[1] - lo[1]) / cell).floor().clamp(0.0, 1e9) as u64;
        (cy << 32) | cx
    };
    let mut order: Vec<(u64, u32)> = demand
        .par_iter()
        .enumerate()
        .map(|(i, p)| (key(p), i as u32))
        .collect();
    order.par_sort_unstable();
    let mut tasks = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let cell_key = order[start].0;
        let mut end = start;
        while end < order.len() && order[end].0 == cell_key && end - start < TASK_POINTS {
            end += 1;
        }
        tasks.push(order[start..end].iter().map(|o| o.1).collect());
        start = end;
    }
    tasks
}

/// All sites within `radius` metres (inclusive) of each demand point; see [`SiteIndex::within`].
pub fn within(demand: &[[f64; 2]], sites: &[[f64; 2]], radius: f64) -> Neighbours {
    SiteIndex::new(sites).within(demand, radius)
}

/// The `k` nearest sites of each demand point, nearest first; see [`SiteIndex::k_nearest`].
pub fn k_nearest(demand: &[[f64; 2]], sites: &[[f64; 2]], k: usize) -> Neighbours {
    SiteIndex::new(sites).k_nearest(demand, k)
}

/// The nearest site of each demand point and its distance; see [`SiteIndex::nearest`].
pub fn nearest(demand: &[[f64; 2]], sites: &[[f64; 2]]) -> Vec<Option<(u32, f64)>> {
    SiteIndex::new(sites).nearest(demand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Points on a 10 m lattice (many exact ties and points at exactly the radius) plus uniform points.
    fn points(rng: &mut ChaCha8Rng, n: usize) -> Vec<[f64; 2]> {
        (0..n)
            .map(|k| {
                if k % 2 == 0 {
                    [
                        f64::from(rng.random_range(0..40)) * 10.0,
                        f64::from(rng.random_range(0..40)) * 10.0,
                    ]
                } else {
                    [rng.random_range(0.0..400.0), rng.random_range(0.0..400.0)]
                }
            })
            .collect()
    }

    fn brute_within(demand: &[[f64; 2]], sites: &[[f64; 2]], radius: f64) -> Vec<Vec<(u32, f64)>> {
        demand
            .iter()
            .map(|&p| {
                (0..sites.len())
                    .map(|j| (j as u32, distance(p, sites[j])))
                    .filter(|&(_, d)| d <= radius)
                    .collect()
            })
            .collect()
    }

    fn rows(nb: &Neighbours) -> Vec<Vec<(u32, f64)>> {
        (0..nb.n_demand())
            .map(|i| {
                let (s, d) = nb.row(i);
                s.iter().copied().zip(d.iter().copied()).collect()
            })
            .collect()
    }

    #[test]
    fn within_matches_brute_force_including_the_boundary() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (n, m, radius) in [
            (3000, 300, 50.0),
            (2000, 40, 30.0),
            (500, 500, 1000.0),
            (700, 90, 0.0),
        ] {
            let demand = points(&mut rng, n);
            let sites = points(&mut rng, m);
            let got = within(&demand, &sites, radius);
            let expected = brute_within(&demand, &sites, radius);
            assert_eq!(rows(&got), expected, "n {n}, m {m}, radius {radius}");
        }
        // 3-4-5 triangles: the site at exactly 50 m is in, the one a hair beyond is out.
        let got = within(
            &[[0.0, 0.0]],
            &[[30.0, 40.0], [30.0, 40.000001], [-50.0, 0.0]],
            50.0,
        );
        assert_eq!(got.row(0), (&[0, 2][..], &[50.0, 50.0][..]));
        // The lattice data must actually exercise boundary cases, or the check above proves less.
        let demand = points(&mut rng, 2000);
        let boundary = brute_within(&demand, &demand, 50.0)
            .iter()
            .flatten()
            .filter(|(_, d)| *d == 50.0)
            .count();
        assert!(boundary > 100, "only {boundary} pairs at exactly the radius");
    }

    #[test]
    fn within_does_not_depend_on_the_thread_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let demand = points(&mut rng, 20_000);
        let sites = points(&mut rng, 500);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool")
            .install(|| within(&demand, &sites, 40.0));
        assert_eq!(one, within(&demand, &sites, 40.0));
    }

    #[test]
    fn k_nearest_and_nearest_match_brute_force() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let demand = points(&mut rng, 3000);
        let sites = points(&mut rng, 200);
        for k in [1, 3, 17, 200, 250] {
            let got = k_nearest(&demand, &sites, k);
            for (i, &p) in demand.iter().enumerate() {
                let mut all: Vec<(f64, u32)> = (0..sites.len())
                    .map(|j| (distance(p, sites[j]), j as u32))
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                all.truncate(k);
                let expected: Vec<(u32, f64)> = all.iter().map(|&(d, j)| (j, d)).collect();
                let (s, d) = got.row(i);
                let row: Vec<(u32, f64)> = s.iter().copied().zip(d.iter().copied()).collect();
                assert_eq!(row, expected, "point {i}, k {k}");
            }
        }
        let near = nearest(&demand, &sites);
        let one = k_nearest(&demand, &sites, 1);
        for (i, n) in near.iter().enumerate() {
            assert_eq!(*n, Some((one.sites_of(i)[0], one.distances_of(i)[0])));
        }
    }

    #[test]
    fn empty_inputs_give_empty_rows() {
        assert_eq!(within(&[[0.0, 0.0]], &[], 10.0).n_demand(), 1);
        assert_eq!(within(&[], &[[0.0, 0.0]], 10.0).n_pairs(), 0);
        assert_eq!(within(&[[0.0, 0.0]], &[[0.0, 0.0]], -1.0).n_pairs(), 0);
        assert_eq!(within(&[[0.0, 0.0]], &[[1e9, 0.0]], f64::INFINITY).n_pairs(), 1);
        assert_eq!(nearest(&[[0.0, 0.0]], &[]), vec![None]);
        assert_eq!(
            k_nearest(&[[0.0, 0.0]], &[[1.0, 1.0]], 0).sites_of(0),
            &[] as &[u32]
        );
    }
}
