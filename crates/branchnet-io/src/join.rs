//! Joining a coarser grid (e.g. 500 m transactions) onto the demand cells, preserving totals.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use tracing::instrument;

/// How many grid points are sampled to estimate the grid spacing.
const SPACING_SAMPLE: usize = 10_000;

/// Neighbours looked at per sampled point when estimating the spacing along each axis.
const SPACING_NEIGHBOURS: usize = 8;

/// The result of a join: one joined column per input column, and the grid points no cell lay in.
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    /// Per input column, the value each demand cell receives.
    pub columns: Vec<Vec<f64>>,
    /// Indexes of grid points whose footprint held no demand cell; their values went to the nearest cell.
    pub orphans: Vec<usize>,
    /// The grid spacing used for footprints (east-west, north-south), metres.
    pub spacing_m: (f64, f64),
}

/// Splits every grid point's values over the demand cells in its footprint, in proportion to `weight`.
///
/// A grid point's footprint is the rectangle of one grid spacing around it (`spacing_m`, or estimated from
/// the points: the median distance to the nearest neighbour along each axis). A demand cell whose centre lies
/// in no footprint — beyond the grid's edge, or where a sparse grid leaves a square out — receives nothing
/// from this grid. A grid point whose footprint holds no demand cell gives its values to the nearest cell; one
/// whose cells all weigh zero splits them equally. So the total of every column is preserved exactly.
///
/// All coordinates are in one metric frame; `weight` must be non-negative. `values` holds one slice per
/// column, each of `grid_x.len()`.
#[instrument(skip_all, fields(cells = cell_x.len(), grid = grid.0.len()))]
pub fn join_grid(
    cell_x: &[f64],
    cell_y: &[f64],
    weight: Option<&[f64]>,
    grid: (&[f64], &[f64]),
    spacing_m: Option<f64>,
    values: &[&[f64]],
) -> Joined {
    let (grid_x, grid_y) = grid;
    let n_grid = grid_x.len();
    let n_cells = cell_x.len();
    let points: Vec<GeomWithData<[f64; 2], usize>> = (0..n_grid)
        .map(|i| GeomWithData::new([grid_x[i], grid_y[i]], i))
        .collect();
    let tree = RTree::bulk_load(points);
    let (sx, sy) = spacing_m.map_or_else(|| grid_spacing(&tree, grid_x, grid_y), |s| (s, s));
    // Half a spacing, with a hair of slack for centres written with rounded coordinates.
    let (hx, hy) = (sx * 0.5 * (1.0 + 1e-6), sy * 0.5 * (1.0 + 1e-6));

    let owner: Vec<Option<usize>> = (0..n_cells)
        .into_par_iter()
        .with_min_len(4096)
        .map(|c| {
            let p = [cell_x[c], cell_y[c]];
            tree.nearest_neighbor(&p)
                .filter(|g| (g.geom()[0] - p[0]).abs() <= hx && (g.geom()[1] - p[1]).abs() <= hy)
                .map(|g| g.data)
        })
        .collect();

    let w = |c: usize| weight.map_or(1.0, |w| w[c]);
    let mut weight_sum = vec![0.0; n_grid];
    let mut members = vec![0usize; n_grid];
    for (c, o) in owner.iter().enumerate() {
        if let Some(g) = *o {
            weight_sum[g] += w(c);
            members[g] += 1;
        }
    }
    let mut columns: Vec<Vec<f64>> = values
        .iter()
        .map(|v| {
            (0..n_cells)
                .map(|c| match owner[c] {
                    Some(g) if weight_sum[g] > 0.0 => v[g] * w(c) / weight_sum[g],
                    // Only zero-weight cells in this footprint: equal shares, so nothing is lost.
                    Some(g) => v[g] / members[g] as f64,
                    None => 0.0,
                })
                .collect()
        })
        .collect();

    let orphans: Vec<usize> = (0..n_grid).filter(|&g| members[g] == 0).collect();
    if !orphans.is_empty() && n_cells > 0 {
        let cells: Vec<GeomWithData<[f64; 2], usize>> = (0..n_cells)
            .map(|c| GeomWithData::new([cell_x[c], cell_y[c]], c))
            .collect();
        let cell_tree = RTree::bulk_load(cells);
        for &g in &orphans {
            if let Some(nearest) = cell_tree.nearest_neighbor(&[grid_x[g], grid_y[g]]) {
                for (column, v) in columns.iter_mut().zip(values) {
                    column[nearest.data] += v[g];
                }
            }
        }
    }
    Joined {
        columns,
        orphans,
        spacing_m: (sx, sy),
    }
}

/// The grid spacing along x and along y: on a sample of points, the distance to the nearest neighbour lying
/// (nearly) due east/west and due north/south; the median of each. Falls back to the nearest-neighbour distance
/// when a grid has no aligned neighbours, and to infinity (one footprint covering everything) for one point.
fn grid_spacing(tree: &RTree<GeomWithData<[f64; 2], usize>>, x: &[f64], y: &[f64]) -> (f64, f64) {
    let step = (x.len() / SPACING_SAMPLE).max(1);
    let (mut along_x, mut along_y, mut any) = (Vec::new(), Vec::new(), Vec::new());
    for i in (0..x.len()).step_by(step) {
        let p = [x[i], y[i]];
        let (mut bx, mut by) = (f64::INFINITY, f64::INFINITY);
        for q in tree.nearest_neighbor_iter(&p).skip(1).take(SPACING_NEIGHBOURS) {
            let (dx, dy) = ((q.geom()[0] - p[0]).abs(), (q.geom()[1] - p[1]).abs());
            if dx + dy == 0.0 {
                continue;
            }
            any.push(dx.hypot(dy));
            // Aligned with an axis to within ~6°: a neighbour in the same row or column of the grid.
            if dy < 0.1 * dx {
                bx = bx.min(dx);
            } else if dx < 0.1 * dy {
                by = by.min(dy);
            }
        }
        if bx.is_finite() {
            along_x.push(bx);
        }
        if by.is_finite() {
            along_y.push(by);
        }
    }
    let fallback = median(&mut any).unwrap_or(f64::INFINITY);
    (
        median(&mut along_x).unwrap_or(fallback),
        median(&mut along_y).unwrap_or(fallback),
    )
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn totals_are_preserved_and_split_by_weight() {
        // Three points of a 500 m grid: (0, 0), (500, 0) and a lone one 5 km away.
        let grid_x = [0.0, 500.0, 5000.0];
        let grid_y = [0.0, 0.0, 0.0];
        let tx = [100.0, 40.0, 7.0];
        // Three 100 m cells in the first footprint (weights 1, 3, 0) and one in the second.
        let cell_x = [-100.0, 100.0, 0.0, 450.0];
        let cell_y = [0.0, 0.0, 100.0, 0.0];
        let pop = [1.0, 3.0, 0.0, 2.0];
        let j = join_grid(
            &cell_x,
            &cell_y,
            Some(&pop),
            (&grid_x, &grid_y),
            Some(500.0),
            &[&tx],
        );
        let got = &j.columns[0];
        assert_relative_eq!(got[0], 25.0);
        assert_relative_eq!(got[1], 75.0);
        assert_relative_eq!(got[2], 0.0);
        // The lone point's footprint holds no cell: its value goes to the nearest one, cell 3.
        assert_relative_eq!(got[3], 40.0 + 7.0);
        assert_eq!(j.orphans, vec![2]);
        assert_relative_eq!(got.iter().sum::<f64>(), tx.iter().sum::<f64>());
    }

    #[test]
    fn a_square_left_out_of_a_sparse_grid_gives_its_cells_nothing() {
        // A 3 x 3 grid of 500 m squares without its middle square; a cell in the middle square is 316 m
        // from the nearest point, which would be inside a round 0.75-spacing reach but is outside its square.
        let mut gx = Vec::new();
        let mut gy = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                if (i, j) != (1, 1) {
                    gx.push(i as f64 * 500.0);
                    gy.push(j as f64 * 500.0);
                }
            }
        }
        let ones = vec![1.0; gx.len()];
        let j = join_grid(&[700.0, 0.0], &[600.0, 0.0], None, (&gx, &gy), None, &[&ones]);
        assert_eq!(j.spacing_m, (500.0, 500.0));
        // Only the origin's square holds a cell; the cell at (700, 600) joined no footprint, so the other
        // seven points are orphans (and go to whichever cell is nearest).
        assert_eq!(j.orphans.len(), 7);
        assert_relative_eq!(j.columns[0].iter().sum::<f64>(), 8.0);
    }

    #[test]
    fn spacing_is_estimated_per_axis() {
        // 0.0045° of longitude and of latitude at 40°N: ~383 m east-west, 500 m north-south.
        let (mut gx, mut gy) = (Vec::new(), Vec::new());
        for i in 0..20 {
            for j in 0..20 {
                gx.push(i as f64 * 383.0);
                gy.push(j as f64 * 500.0);
            }
        }
        let ones = vec![1.0; gx.len()];
        let j = join_grid(&[0.0], &[240.0], None, (&gx, &gy), None, &[&ones]);
        assert_eq!(j.spacing_m, (383.0, 500.0));
        assert_relative_eq!(j.columns[0][0], 400.0);
    }

    #[test]
    fn zero_weight_footprints_share_equally() {
        let j = join_grid(
            &[0.0, 10.0],
            &[0.0, 0.0],
            Some(&[0.0, 0.0]),
            (&[0.0, 500.0], &[0.0, 0.0]),
            None,
            &[&[8.0, 0.0]],
        );
        assert_eq!(j.columns[0], vec![4.0, 4.0]);
    }
}
