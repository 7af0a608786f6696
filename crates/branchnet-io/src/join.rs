//! Joining a coarser grid (e.g. 500 m transactions) onto the demand cells, preserving totals.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// How many grid points are sampled to estimate the grid spacing.
const SPACING_SAMPLE: usize = 10_000;

/// The result of a join: one joined column per input column, and the grid points no cell lay in.
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    /// Per input column, the value each demand cell receives.
    pub columns: Vec<Vec<f64>>,
    /// Indexes of grid points whose footprint held no demand cell; their values went to the nearest cell.
    pub orphans: Vec<usize>,
    /// The grid spacing used for footprints, metres.
    pub spacing_m: f64,
}

/// Splits every grid point's values over the demand cells in its footprint, in proportion to `weight`.
///
/// A cell lies in the footprint of its nearest grid point when it is within 0.75 grid spacings of it (a
/// square cell's corner is at 0.71), so cells beyond the grid's edge receive nothing. A grid point whose
/// footprint holds no cell, or only cells of zero weight, gives its value to the nearest cell or in equal
/// shares; so the total of every column is preserved.
///
/// All coordinates are in one metric frame. `values` holds one slice per column, each of `grid_x.len()`.
pub fn join_grid(
    cell_x: &[f64],
    cell_y: &[f64],
    weight: Option<&[f64]>,
    grid_x: &[f64],
    grid_y: &[f64],
    values: &[&[f64]],
) -> Joined {
    let n_grid = grid_x.len();
    let n_cells = cell_x.len();
    let points: Vec<GeomWithData<[f64; 2], usize>> = (0..n_grid)
        .map(|i| GeomWithData::new([grid_x[i], grid_y[i]], i))
        .collect();
    let tree = RTree::bulk_load(points);
    let spacing = grid_spacing(&tree, grid_x, grid_y);
    let reach2 = (0.75 * spacing).powi(2);

    let owner: Vec<Option<usize>> = (0..n_cells)
        .into_par_iter()
        .with_min_len(4096)
        .map(|c| {
            tree.nearest_neighbor_iter_with_distance_2(&[cell_x[c], cell_y[c]])
                .next()
                .filter(|(_, d2)| *d2 <= reach2)
                .map(|(p, _)| p.data)
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
        spacing_m: spacing,
    }
}

/// The median distance from a grid point to its nearest neighbour, on a sample.
fn grid_spacing(tree: &RTree<GeomWithData<[f64; 2], usize>>, x: &[f64], y: &[f64]) -> f64 {
    let step = (x.len() / SPACING_SAMPLE).max(1);
    let mut d: Vec<f64> = (0..x.len())
        .step_by(step)
        .filter_map(|i| {
            tree.nearest_neighbor_iter_with_distance_2(&[x[i], y[i]])
                .map(|(_, d2)| d2.sqrt())
                .find(|&d| d > 0.0)
        })
        .collect();
    if d.is_empty() {
        return f64::INFINITY; // a single point: its footprint is everything
    }
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn totals_are_preserved_and_split_by_weight() {
        // Two 500 m grid points; four 100 m cells near the first, none near the second.
        let grid_x = [0.0, 500.0, 5000.0];
        let grid_y = [0.0, 0.0, 0.0];
        let tx = [100.0, 40.0, 7.0];
        let cell_x = [-100.0, 100.0, 0.0, 450.0];
        let cell_y = [0.0, 0.0, 100.0, 0.0];
        let pop = [1.0, 3.0, 0.0, 2.0];
        let j = join_grid(&cell_x, &cell_y, Some(&pop), &grid_x, &grid_y, &[&tx]);
        assert_relative_eq!(j.spacing_m, 500.0);
        let got = &j.columns[0];
        assert_relative_eq!(got[0], 25.0);
        assert_relative_eq!(got[1], 75.0);
        assert_relative_eq!(got[2], 0.0);
        // The far grid point (5 km away) had no cell: it goes to the nearest one, cell 3.
        assert_relative_eq!(got[3], 40.0 + 7.0);
        assert_eq!(j.orphans, vec![2]);
        assert_relative_eq!(got.iter().sum::<f64>(), tx.iter().sum::<f64>());
    }

    #[test]
    fn zero_weight_footprints_share_equally() {
        let j = join_grid(
            &[0.0, 10.0],
            &[0.0, 0.0],
            Some(&[0.0, 0.0]),
            &[0.0, 500.0],
            &[0.0, 0.0],
            &[&[8.0, 0.0]],
        );
        assert_eq!(j.columns[0], vec![4.0, 4.0]);
    }
}
