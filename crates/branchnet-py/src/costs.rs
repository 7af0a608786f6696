//! `Costs`: the sparse demand-by-site cost table every model reads, built once from numpy arrays and shared by
//! the solves (a covering model derives its coverage from it by radius).

use branchnet_optimize::Costs;
use branchnet_spatial::neighbours;
use numpy::ndarray::ArrayView2;
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::error::{bad_input, to_py};

/// Costs from demand points (rows) to candidate sites (columns), sparse: pairs that are not listed cannot be
/// served.
#[pyclass(frozen, module = "branchnet._native", name = "Costs")]
pub(crate) struct PyCosts {
    pub(crate) inner: Costs,
}

#[pymethods]
impl PyCosts {
    /// From a dense matrix, demand points by sites; non-finite entries (inf, nan) mean "cannot be served".
    #[staticmethod]
    fn from_dense(py: Python<'_>, matrix: PyReadonlyArray2<'_, f64>) -> PyResult<Self> {
        let view = matrix.as_array();
        // Scanning a large matrix is pure Rust work on borrowed numbers: let other Python threads run.
        let inner = py.detach(|| Costs::from_dense(view)).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// From a long table of (demand index, site index, cost) rows; a pair listed twice keeps its last cost.
    #[staticmethod]
    fn from_triples(
        py: Python<'_>,
        n_demand: usize,
        n_sites: usize,
        origin: PyReadonlyArray1<'_, i64>,
        destination: PyReadonlyArray1<'_, i64>,
        cost: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Self> {
        let (origin, destination, cost) = (origin.as_array(), destination.as_array(), cost.as_array());
        if origin.len() != destination.len() || origin.len() != cost.len() {
            return Err(bad_input(format!(
                "od table: origin, destination and cost must have one entry per row; found {}, {} and {}",
                origin.len(),
                destination.len(),
                cost.len()
            )));
        }
        for (what, column) in [("origin", &origin), ("destination", &destination)] {
            if let Some(row) = column.iter().position(|&k| k < 0) {
                return Err(bad_input(format!(
                    "od table: {what} index of row {row} is {}; expected an index ≥ 0",
                    column[row]
                )));
            }
        }
        let triples = origin
            .iter()
            .zip(destination.iter())
            .zip(cost.iter())
            .map(|((&i, &j), &c)| (i as usize, j as usize, c));
        let inner = py
            .detach(|| Costs::from_triples(n_demand, n_sites, triples))
            .map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Euclidean distances between demand points and sites given as (x, y) rows, in their own unit: only the
    /// pairs within `max_cost` when it is given (an R-tree search, never a dense matrix; what covering models
    /// need), else every pair.
    #[staticmethod]
    #[pyo3(signature = (demand, sites, max_cost=None))]
    fn from_points(
        py: Python<'_>,
        demand: PyReadonlyArray2<'_, f64>,
        sites: PyReadonlyArray2<'_, f64>,
        max_cost: Option<f64>,
    ) -> PyResult<Self> {
        let demand = points("demand", demand.as_array())?;
        let sites = points("facility", sites.as_array())?;
        if let Some(limit) = max_cost
            && !(limit.is_finite() && limit >= 0.0)
        {
            return Err(bad_input(format!(
                "max_cost must be a finite distance ≥ 0; found {limit}"
            )));
        }
        let n_sites = sites.len();
        let inner = py
            .detach(|| match max_cost {
                Some(limit) => {
                    let (offsets, sites, costs) = neighbours::within(&demand, &sites, limit).into_parts();
                    Costs::from_csr(n_sites, offsets, sites, costs)
                }
                None => {
                    let offsets = (0..=demand.len()).map(|i| i * n_sites).collect();
                    let columns = (0..n_sites as u32).collect::<Vec<_>>();
                    let mut costs = Vec::with_capacity(demand.len() * n_sites);
                    for p in &demand {
                        // sqrt(dx² + dy²) as the neighbour search and scipy's cdist compute it, so a
                        // radius test and spopt's matrix agree to the last bit.
                        costs.extend(sites.iter().map(|q| {
                            let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
                            (dx * dx + dy * dy).sqrt()
                        }));
                    }
                    Costs::from_csr(n_sites, offsets, columns.repeat(demand.len()), costs)
                }
            })
            .map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Number of demand points.
    #[getter]
    fn n_demand(&self) -> usize {
        self.inner.n_demand()
    }

    /// Number of candidate sites.
    #[getter]
    fn n_sites(&self) -> usize {
        self.inner.n_sites()
    }

    /// For each of `sites`, the demand points whose cost to it is at most `radius`, ascending (what spopt's
    /// covering models report as `fac2cli` for an open site).
    fn within(&self, py: Python<'_>, radius: f64, sites: Vec<usize>) -> PyResult<Vec<Vec<usize>>> {
        let n_sites = self.inner.n_sites();
        if let Some(&j) = sites.iter().find(|&&j| j >= n_sites) {
            return Err(bad_input(format!(
                "within: site {j} does not exist (there are {n_sites} sites)"
            )));
        }
        let costs = &self.inner;
        Ok(py.detach(|| {
            let mut lists = vec![Vec::new(); sites.len()];
            for i in 0..costs.n_demand() {
                let (row_sites, row_costs) = costs.row(i);
                for (k, &j) in sites.iter().enumerate() {
                    if let Ok(at) = row_sites.binary_search(&(j as u32))
                        && row_costs[at] <= radius
                    {
                        lists[k].push(i);
                    }
                }
            }
            lists
        }))
    }

    fn __repr__(&self) -> String {
        format!(
            "Costs(n_demand={}, n_sites={})",
            self.inner.n_demand(),
            self.inner.n_sites()
        )
    }
}

/// The rows of an n × 2 array of coordinates as points; the first row with a coordinate that is not finite
/// is an error naming it.
fn points(what: &str, array: ArrayView2<'_, f64>) -> PyResult<Vec<[f64; 2]>> {
    if array.ncols() != 2 {
        return Err(bad_input(format!(
            "{what} points: expected an n × 2 array of (x, y); found {} columns",
            array.ncols()
        )));
    }
    array
        .rows()
        .into_iter()
        .enumerate()
        .map(|(row, p)| {
            if p[0].is_finite() && p[1].is_finite() {
                Ok([p[0], p[1]])
            } else {
                Err(bad_input(format!(
                    "{what} point {row}: coordinates must be finite numbers; found ({}, {}) (an empty or missing geometry?)",
                    p[0], p[1]
                )))
            }
        })
        .collect()
}
