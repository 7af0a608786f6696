//! Which region contains a point: an R-tree over region bounding boxes, then an exact point-in-polygon test.

use branchnet_core::{NO_REGION, RegionIdx};
use geo_types::{LineString, MultiPolygon};
use rayon::prelude::*;
use rstar::{AABB, Envelope, RTree, RTreeObject};

/// Regions with more edges than this (over all their rings) get their own edge R-tree, so that a point test stays logarithmic on
/// detailed administrative boundaries (thousands of vertices) instead of scanning every edge.
const EDGE_INDEX_THRESHOLD: usize = 256;

/// One polygon edge, as stored in an edge index.
#[derive(Debug, Clone, Copy)]
struct Edge {
    a: [f64; 2],
    b: [f64; 2],
}

impl RTreeObject for Edge {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.a, self.b)
    }
}

impl Edge {
    /// Whether a ray from `p` towards +x crosses this edge, with the half-open rule on y.
    ///
    /// The half-open rule (`a.y > y` differs from `b.y > y`) counts a vertex exactly once and puts a point on an
    /// edge shared by two polygons of a tiling into exactly one of them, so every cell of a partition gets
    /// exactly one region.
    #[inline]
    fn crosses_ray(&self, p: [f64; 2]) -> bool {
        let (a, b) = (self.a, self.b);
        if (a[1] > p[1]) == (b[1] > p[1]) {
            return false;
        }
        let x_at = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
        p[0] < x_at
    }
}

/// The edges of one region, scanned linearly or through an R-tree when there are many.
#[derive(Debug)]
enum Edges {
    Few(Vec<Edge>),
    Many(RTree<Edge>),
}

/// One indexed region: its bounding box, its edges and the region it stands for.
#[derive(Debug)]
struct IndexedRegion {
    region: RegionIdx,
    envelope: AABB<[f64; 2]>,
    edges: Edges,
}

impl IndexedRegion {
    fn new(region: RegionIdx, boundary: &MultiPolygon<f64>) -> Option<Self> {
        let rings = boundary
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
        let edges: Vec<Edge> = rings.flat_map(ring_edges).collect();
        let first = edges.first()?;
        let mut envelope = AABB::from_corners(first.a, first.b);
        for e in &edges {
            envelope.merge(&e.envelope());
        }
        let edges = if edges.len() > EDGE_INDEX_THRESHOLD {
            Edges::Many(RTree::bulk_load(edges))
        } else {
            Edges::Few(edges)
        };
        Some(Self {
            region,
            envelope,
            edges,
        })
    }

    /// Even-odd rule over every ring of the multipolygon: inside the shell and outside its holes.
    fn contains(&self, p: [f64; 2]) -> bool {
        let crossings = match &self.edges {
            Edges::Few(edges) => edges.iter().filter(|e| e.crosses_ray(p)).count(),
            Edges::Many(tree) => {
                let ray = AABB::from_corners(p, [self.envelope.upper()[0], p[1]]);
                tree.locate_in_envelope_intersecting(&ray)
                    .filter(|e| e.crosses_ray(p))
                    .count()
            }
        };
        crossings % 2 == 1
    }
}

fn ring_edges(ring: &LineString<f64>) -> impl Iterator<Item = Edge> + '_ {
    ring.0
        .windows(2)
        .map(|w| Edge {
            a: [w[0].x, w[0].y],
            b: [w[1].x, w[1].y],
        })
        .filter(|e| e.a != e.b)
}

impl RTreeObject for IndexedRegion {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Finds the region containing a point among many polygons (one level of a region hierarchy).
///
/// Regions of one level are expected not to overlap; where they do, the one listed first wins, so results are
/// deterministic. Points on an edge shared by two regions go to exactly one of them.
///
/// ```
/// use branchnet_spatial::RegionIndex;
/// use geo_types::{polygon, MultiPolygon};
///
/// let west = MultiPolygon::new(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]]);
/// let east = MultiPolygon::new(vec![polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)]]);
/// let index = RegionIndex::new([(7, &west), (9, &east)]);
/// assert_eq!(index.locate(0.5, 0.5), Some(7));
/// assert_eq!(index.locate(1.5, 0.5), Some(9));
/// assert_eq!(index.locate(3.0, 0.5), None);
/// ```
#[derive(Debug)]
pub struct RegionIndex {
    tree: RTree<IndexedRegion>,
}

impl RegionIndex {
    /// Indexes the given regions (region index, boundary). Regions without any edge are ignored.
    pub fn new<'a>(regions: impl IntoIterator<Item = (RegionIdx, &'a MultiPolygon<f64>)>) -> Self {
        let indexed: Vec<IndexedRegion> = regions
            .into_iter()
            .filter_map(|(idx, boundary)| IndexedRegion::new(idx, boundary))
            .collect();
        Self {
            tree: RTree::bulk_load(indexed),
        }
    }

    /// Number of indexed regions.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether no region is indexed.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// The region containing `(x, y)`, if any (the lowest region index when several do).
    pub fn locate(&self, x: f64, y: f64) -> Option<RegionIdx> {
        let p = [x, y];
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point(p))
            .filter(|r| r.contains(p))
            .map(|r| r.region)
            .min()
    }

    /// The region of every point, [`NO_REGION`] where none contains it; in parallel.
    pub fn locate_all(&self, x: &[f64], y: &[f64]) -> Vec<RegionIdx> {
        x.par_iter()
            .zip(y.par_iter())
            .with_min_len(4096)
            .map(|(&x, &y)| self.locate(x, y).unwrap_or(NO_REGION))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Coord, LineString, Polygon};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![
                (x0, y0),
                (x0 + side, y0),
                (x0 + side, y0 + side),
                (x0, y0 + side),
                (x0, y0),
            ]),
            vec![],
        )])
    }

    /// A circle with `n` vertices: enough to force the edge R-tree.
    fn circle(cx: f64, cy: f64, r: f64, n: usize) -> Polygon<f64> {
        let ring: Vec<Coord<f64>> = (0..=n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                Coord {
                    x: cx + r * t.cos(),
                    y: cy + r * t.sin(),
                }
            })
            .collect();
        Polygon::new(LineString::new(ring), vec![])
    }

    #[test]
    fn holes_are_outside_and_detailed_rings_use_the_edge_index() {
        let mut donut = circle(0.0, 0.0, 10.0, 2000);
        donut.interiors_push(circle(0.0, 0.0, 5.0, 1000).exterior().clone());
        let donut = MultiPolygon::new(vec![donut]);
        let index = RegionIndex::new([(0, &donut)]);
        assert_eq!(index.locate(7.5, 0.1), Some(0));
        assert_eq!(index.locate(0.0, 0.0), None);
        assert_eq!(index.locate(-9.9, 0.0), Some(0));
        assert_eq!(index.locate(10.1, 0.0), None);
    }

    #[test]
    fn a_tiling_assigns_every_point_exactly_once_and_matches_brute_force() {
        // A 10 x 10 grid of unit squares: points on shared edges and corners must land in exactly one square.
        let squares: Vec<MultiPolygon<f64>> = (0..100)
            .map(|i| square((i % 10) as f64, (i / 10) as f64, 1.0))
            .collect();
        let index = RegionIndex::new(squares.iter().enumerate().map(|(i, s)| (i as RegionIdx, s)));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..5000 {
            // Half the points snapped to the grid lines, where rounding rules matter.
            let (mut x, mut y): (f64, f64) = (rng.random_range(0.0..9.999), rng.random_range(0.0..9.999));
            if rng.random_bool(0.5) {
                x = x.round().min(9.0);
                y = y.round().min(9.0);
            }
            let found = index.locate(x, y).expect("inside the tiling");
            // Exactly one square claims the point, even on shared edges and corners.
            let claims = index.tree.iter().filter(|r| r.contains([x, y])).count();
            assert_eq!(claims, 1, "({x}, {y}) claimed by {claims} squares");
            let (col, row) = (found % 10, found / 10);
            // Brute force: the square whose half-open box [x0, x0+1) x [y0, y0+1) holds the point,
            // allowing the right/top-closed convention of the crossing rule.
            assert!((col as f64 - x).abs() <= 1.0 && (row as f64 - y).abs() <= 1.0);
            let inside = x >= col as f64 - 1e-12
                && x <= col as f64 + 1.0
                && y >= row as f64 - 1e-12
                && y <= row as f64 + 1.0;
            assert!(inside, "({x}, {y}) put in square {found}");
        }
        let xs = [0.5, 5.5, 20.0];
        let ys = [0.5, 9.5, 0.0];
        assert_eq!(index.locate_all(&xs, &ys), vec![0, 95, NO_REGION]);
    }
}
