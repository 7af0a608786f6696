//! A jittered quadrilateral mesh and the outlines of groups of its quads.
//!
//! Region layers must tile an area exactly: shared edges, no gaps, no overlaps. Building them from one mesh
//! whose neighbouring quads share vertex *indices* makes that true by construction — a region is a set of
//! quads, its outline is the chain of quad edges whose neighbour lies in another set, and two neighbouring
//! regions write the very same vertices for their common edge. Coarser levels (districts) are unions of
//! finer ones (townships), so they nest exactly too.

use rand::Rng;

/// Edge directions in index space, counter-clockwise order: east, north, west, south.
const DIRS: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// A grid of `cols × rows` quadrilaterals over a rectangle; interior vertices are jittered so the outlines of
/// regions look drawn rather than ruled, while vertices on the rectangle's edge stay on it.
#[derive(Debug, Clone)]
pub struct QuadMesh {
    /// Quads along x.
    pub cols: usize,
    /// Quads along y.
    pub rows: usize,
    x0: f64,
    y0: f64,
    dx: f64,
    dy: f64,
    /// `(cols + 1) × (rows + 1)` vertex positions, row-major from the south-west corner.
    vertices: Vec<[f64; 2]>,
}

/// One polygon of a region as vertex indices of the mesh: the exterior ring (counter-clockwise) and any holes
/// (clockwise), each ring closed (first index repeated at the end).
pub type IndexPolygon = Vec<Vec<usize>>;

impl QuadMesh {
    /// A mesh over `[x0, x0 + width] × [y0, y0 + height]`; each interior vertex moves by up to
    /// `jitter` (a fraction of the quad size, below 0.5 so quads never fold) along each axis.
    pub fn jittered<R: Rng>(
        origin: [f64; 2],
        size: [f64; 2],
        cols: usize,
        rows: usize,
        jitter: f64,
        rng: &mut R,
    ) -> Self {
        let cols = cols.max(1);
        let rows = rows.max(1);
        let dx = size[0] / cols as f64;
        let dy = size[1] / rows as f64;
        let jitter = jitter.clamp(0.0, 0.45);
        let mut vertices = Vec::with_capacity((cols + 1) * (rows + 1));
        for j in 0..=rows {
            for i in 0..=cols {
                let mut x = origin[0] + i as f64 * dx;
                let mut y = origin[1] + j as f64 * dy;
                // Draw both offsets for every vertex so the random stream does not depend on the position.
                let ox = rng.random_range(-jitter..=jitter) * dx;
                let oy = rng.random_range(-jitter..=jitter) * dy;
                if i > 0 && i < cols {
                    x += ox;
                }
                if j > 0 && j < rows {
                    y += oy;
                }
                vertices.push([x, y]);
            }
        }
        Self {
            cols,
            rows,
            x0: origin[0],
            y0: origin[1],
            dx,
            dy,
            vertices,
        }
    }

    /// Number of quads.
    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// True when the mesh has no quads (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of vertex `(i, j)`.
    pub fn vertex_index(&self, i: usize, j: usize) -> usize {
        j * (self.cols + 1) + i
    }

    /// Position of a vertex by index.
    pub fn vertex(&self, index: usize) -> [f64; 2] {
        self.vertices[index]
    }

    /// Moves vertex `(i, j)`; used to cut a deliberate notch out of the tiled area.
    pub fn set_vertex(&mut self, i: usize, j: usize, p: [f64; 2]) {
        let k = self.vertex_index(i, j);
        self.vertices[k] = p;
    }

    /// The four corners of quad `q` (row-major index), counter-clockwise from the south-west one.
    pub fn quad_ring(&self, q: usize) -> [[f64; 2]; 4] {
        let (i, j) = (q % self.cols, q / self.cols);
        [
            self.vertices[self.vertex_index(i, j)],
            self.vertices[self.vertex_index(i + 1, j)],
            self.vertices[self.vertex_index(i + 1, j + 1)],
            self.vertices[self.vertex_index(i, j + 1)],
        ]
    }

    /// The mean of a quad's corners.
    pub fn quad_centre(&self, q: usize) -> [f64; 2] {
        let r = self.quad_ring(q);
        [
            (r[0][0] + r[1][0] + r[2][0] + r[3][0]) / 4.0,
            (r[0][1] + r[1][1] + r[2][1] + r[3][1]) / 4.0,
        ]
    }

    /// The quad containing `p`, or `None` outside the mesh.
    pub fn locate(&self, p: [f64; 2]) -> Option<usize> {
        // Jitter stays below half a quad, so the containing quad is the regular one or a neighbour of it.
        let gi = ((p[0] - self.x0) / self.dx).floor() as i64;
        let gj = ((p[1] - self.y0) / self.dy).floor() as i64;
        for dj in [0, -1, 1] {
            for di in [0, -1, 1] {
                let (i, j) = (gi + di, gj + dj);
                if i < 0 || j < 0 || i >= self.cols as i64 || j >= self.rows as i64 {
                    continue;
                }
                let q = j as usize * self.cols + i as usize;
                if point_in_ring(p, &self.quad_ring(q)) {
                    return Some(q);
                }
            }
        }
        None
    }

    /// Outlines of every group: `labels[q]` is the group of quad `q`; the result has `groups` entries, each a
    /// list of polygons (a group made of pieces that touch only at corners, or not at all, gives several).
    pub fn outlines(&self, labels: &[usize], groups: usize) -> Vec<Vec<IndexPolygon>> {
        let (cols, rows) = (self.cols as i64, self.rows as i64);
        let label_at = |i: i64, j: i64| -> Option<usize> {
            (i >= 0 && j >= 0 && i < cols && j < rows).then(|| labels[(j * cols + i) as usize])
        };
        // Boundary edges of each group, directed with the group on their left: start vertex (i, j), direction.
        let mut edges: Vec<Vec<(i64, i64, usize)>> = vec![Vec::new(); groups];
        for j in 0..rows {
            for i in 0..cols {
                let g = labels[(j * cols + i) as usize];
                // Bottom edge east, right edge north, top edge west, left edge south (counter-clockwise).
                let sides = [
                    ((i, j), 0usize, (i, j - 1)),
                    ((i + 1, j), 1, (i + 1, j)),
                    ((i + 1, j + 1), 2, (i, j + 1)),
                    ((i, j + 1), 3, (i - 1, j)),
                ];
                for ((si, sj), d, (ni, nj)) in sides {
                    if label_at(ni, nj) != Some(g) {
                        edges[g].push((si, sj, d));
                    }
                }
            }
        }
        edges
            .into_iter()
            .map(|group_edges| self.trace(group_edges))
            .collect()
    }

    /// Chains one group's boundary edges into rings and sorts them into polygons with holes.
    fn trace(&self, mut group_edges: Vec<(i64, i64, usize)>) -> Vec<IndexPolygon> {
        group_edges.sort_unstable();
        let find =
            |edges: &[(i64, i64, usize)], i: i64, j: i64, d: usize| edges.binary_search(&(i, j, d)).ok();
        let mut used = vec![false; group_edges.len()];
        let mut rings: Vec<Vec<(i64, i64)>> = Vec::new();
        for start in 0..group_edges.len() {
            if used[start] {
                continue;
            }
            let mut ring = Vec::new();
            let mut k = start;
            loop {
                used[k] = true;
                let (i, j, d) = group_edges[k];
                ring.push((i, j));
                let (ei, ej) = (i + DIRS[d].0, j + DIRS[d].1);
                // Where two pieces touch at a corner, turning left first keeps each ring hugging its own
                // piece, so rings stay simple (they meet the other piece at a point, never cross it).
                let next = [(d + 1) % 4, d, (d + 3) % 4]
                    .into_iter()
                    .find_map(|nd| find(&group_edges, ei, ej, nd).filter(|&n| !used[n]));
                match next {
                    Some(n) => k = n,
                    None => break,
                }
            }
            rings.push(ring);
        }
        let area2 = |ring: &[(i64, i64)]| -> i64 {
            (0..ring.len())
                .map(|a| {
                    let (p, q) = (ring[a], ring[(a + 1) % ring.len()]);
                    p.0 * q.1 - q.0 * p.1
                })
                .sum()
        };
        let mut exteriors: Vec<(i64, Vec<(i64, i64)>)> = Vec::new();
        let mut holes: Vec<Vec<(i64, i64)>> = Vec::new();
        for ring in rings {
            let a = area2(&ring);
            if a > 0 {
                exteriors.push((a, ring));
            } else {
                holes.push(ring);
            }
        }
        let mut polygons: Vec<Vec<Vec<(i64, i64)>>> =
            exteriors.iter().map(|(_, r)| vec![r.clone()]).collect();
        for hole in holes {
            // The quad left of the hole's first edge belongs to the group; the smallest exterior around it
            // is the polygon the hole cuts.
            let (i, j) = hole[0];
            let next = hole[1 % hole.len()];
            let d = (next.0 - i, next.1 - j);
            let left = (-d.1, d.0);
            let probe = [
                i as f64 + 0.5 * (d.0 + left.0) as f64,
                j as f64 + 0.5 * (d.1 + left.1) as f64,
            ];
            let owner = exteriors
                .iter()
                .enumerate()
                .filter(|(_, (_, r))| {
                    let pts: Vec<[f64; 2]> = r.iter().map(|&(a, b)| [a as f64, b as f64]).collect();
                    point_in_ring(probe, &pts)
                })
                .min_by_key(|(_, (a, _))| *a)
                .map(|(k, _)| k);
            if let Some(k) = owner {
                polygons[k].push(hole);
            }
        }
        polygons
            .into_iter()
            .map(|rings| {
                rings
                    .into_iter()
                    .map(|ring| {
                        let mut idx: Vec<usize> = ring
                            .iter()
                            .map(|&(i, j)| self.vertex_index(i as usize, j as usize))
                            .collect();
                        idx.push(idx[0]);
                        idx
                    })
                    .collect()
            })
            .collect()
    }

    /// Area of an index polygon (exterior minus holes), in the mesh's units squared.
    pub fn polygon_area(&self, polygon: &IndexPolygon) -> f64 {
        polygon
            .iter()
            .map(|ring| {
                let s: f64 = ring
                    .windows(2)
                    .map(|w| {
                        let (p, q) = (self.vertices[w[0]], self.vertices[w[1]]);
                        p[0] * q[1] - q[0] * p[1]
                    })
                    .sum();
                s / 2.0
            })
            .sum()
    }
}

/// Even-odd test of `p` against a closed or open ring.
pub fn point_in_ring(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let n = ring.len();
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn outlines_of_a_partition_add_up_to_the_mesh_area() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mesh = QuadMesh::jittered([0.0, 0.0], [1000.0, 800.0], 10, 8, 0.3, &mut rng);
        // A chequered pattern (pieces touching at corners) and a ring around a hole stress the tracer.
        let labels: Vec<usize> = (0..mesh.len())
            .map(|q| {
                let (i, j) = (q % 10, q / 10);
                if (3..6).contains(&i) && (3..6).contains(&j) {
                    if i == 4 && j == 4 { 2 } else { 1 }
                } else {
                    (i + j) % 2 * 3
                }
            })
            .collect();
        let outlines = mesh.outlines(&labels, 4);
        let total: f64 = outlines.iter().flatten().map(|p| mesh.polygon_area(p)).sum();
        assert!((total - 800_000.0).abs() < 1e-6, "{total}");
        assert_eq!(outlines[2].len(), 1);
        assert_eq!(outlines[1].len(), 1);
        assert_eq!(outlines[1][0].len(), 2, "the ring around group 2 has one hole");
        for (g, polys) in outlines.iter().enumerate() {
            let expected: f64 = (0..mesh.len())
                .filter(|&q| labels[q] == g)
                .map(|q| {
                    let r = mesh.quad_ring(q);
                    let mut ring = r.to_vec();
                    ring.push(r[0]);
                    ring.windows(2)
                        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
                        .sum::<f64>()
                        / 2.0
                })
                .sum();
            let got: f64 = polys.iter().map(|p| mesh.polygon_area(p)).sum();
            assert!((got - expected).abs() < 1e-6, "group {g}: {got} vs {expected}");
        }
    }

    #[test]
    fn locate_finds_the_quad_whose_centre_it_is() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mesh = QuadMesh::jittered([-50.0, 10.0], [600.0, 400.0], 6, 4, 0.3, &mut rng);
        for q in 0..mesh.len() {
            assert_eq!(mesh.locate(mesh.quad_centre(q)), Some(q));
        }
        assert_eq!(mesh.locate([-60.0, 20.0]), None);
    }
}
