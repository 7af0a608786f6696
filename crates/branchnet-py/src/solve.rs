//! One solve function per model and the `Solution` they return. Every solve releases the GIL: the models run
//! for seconds to minutes and need nothing from Python meanwhile.

use std::sync::atomic::{AtomicU32, Ordering};

use branchnet_optimize::{
    Coverage, OptimizeError, Solution, SolveOptions, Sourcing, Status, solve_capacitated_p_median,
    solve_lscp, solve_lscp_backup, solve_lscp_capacitated, solve_mclp, solve_p_center, solve_p_dispersion,
    solve_p_median,
};
use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::costs::PyCosts;
use crate::error::{bad_input, to_py};

/// How a solve ended and the plan it found.
#[pyclass(frozen, module = "branchnet._native", name = "Solution")]
pub(crate) struct PySolution {
    inner: Solution,
}

#[pymethods]
impl PySolution {
    /// `"optimal"` (proven within the requested gap), `"feasible"` (a limit stopped the proof) or
    /// `"infeasible"`.
    #[getter]
    fn status(&self) -> &'static str {
        match self.inner.status {
            Status::Optimal => "optimal",
            Status::Feasible { .. } => "feasible",
            Status::Infeasible { .. } => "infeasible",
        }
    }

    /// Why the model is infeasible, or None.
    #[getter]
    fn reason(&self) -> Option<&str> {
        match &self.inner.status {
            Status::Infeasible { reason } => Some(reason),
            _ => None,
        }
    }

    /// Objective of the plan (nan when infeasible).
    #[getter]
    fn objective(&self) -> f64 {
        self.inner.objective
    }

    /// Best proven bound on the objective (lower when minimising, upper when maximising).
    #[getter]
    fn bound(&self) -> f64 {
        self.inner.bound
    }

    /// Relative gap between objective and bound (0 when proven optimal).
    #[getter]
    fn gap(&self) -> f64 {
        self.inner.gap
    }

    /// Open sites, ascending.
    #[getter]
    fn sites<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        PyArray1::from_iter(py, self.inner.sites.iter().map(|&j| j as i64))
    }

    /// For each demand point, the site serving or covering it, -1 when none does.
    #[getter]
    fn assignment<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        let sites = self.inner.assignment.iter().map(|a| a.map_or(-1, |j| j as i64));
        PyArray1::from_iter(py, sites)
    }

    fn __repr__(&self) -> String {
        format!(
            "Solution(status={:?}, objective={}, bound={}, gap={}, sites={:?})",
            self.status(),
            self.inner.objective,
            self.inner.bound,
            self.inner.gap,
            self.inner.sites
        )
    }
}

/// The size of HiGHS's thread pool, 0 until the first solve. HiGHS starts one pool per process, sized by the
/// first solve's `threads`, and a later solve asking for another size fails inside HiGHS with a bare "Error";
/// a notebook easily does that, so the bindings remember the size and say what happened instead.
static POOL_THREADS: AtomicU32 = AtomicU32::new(0);

/// The thread count for a solve: the one asked for, or the pool's when none is (the default on first use).
pub(crate) fn pool_threads(asked: Option<u32>) -> PyResult<u32> {
    let asked = match asked {
        Some(0) => return Err(bad_input("threads is 0; expected at least 1")),
        Some(n) => n,
        None => match POOL_THREADS.load(Ordering::SeqCst) {
            0 => SolveOptions::default().threads,
            n => n,
        },
    };
    match POOL_THREADS.compare_exchange(0, asked, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) => Ok(asked),
        Err(pool) if pool == asked => Ok(asked),
        Err(pool) => Err(bad_input(format!(
            "threads is {asked}, but HiGHS runs one thread pool per process and this one started with \
             {pool} threads; solve with threads={pool} (or None), or in a new Python process"
        ))),
    }
}

/// Solver options from the keyword arguments, checked.
fn options(
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<SolveOptions> {
    let mut options = SolveOptions {
        required,
        forbidden,
        ..SolveOptions::default()
    };
    if let Some(t) = time_limit {
        if !(t.is_finite() && t > 0.0) {
            return Err(bad_input(format!(
                "time_limit is {t}; expected a number of seconds > 0"
            )));
        }
        options.time_limit_s = Some(t);
    }
    if let Some(g) = gap {
        if !(g.is_finite() && (0.0..1.0).contains(&g)) {
            return Err(bad_input(format!(
                "gap is {g}; expected a relative gap in [0, 1)"
            )));
        }
        options.mip_rel_gap = g;
    }
    options.threads = pool_threads(threads)?;
    Ok(options)
}

/// Weights copied out of numpy, so the solve can run without the GIL while Python keeps the array.
fn weights_of(weights: &PyReadonlyArray1<'_, f64>) -> Vec<f64> {
    weights.as_array().to_vec()
}

fn finish(result: Result<Solution, OptimizeError>) -> PyResult<PySolution> {
    result.map(|inner| PySolution { inner }).map_err(to_py)
}

/// Maximal covering: the `p` sites covering the most weight within `radius`.
#[pyfunction]
#[pyo3(name = "solve_mclp", signature = (costs, weights, radius, p, *, time_limit=None, gap=None, threads=None,
    required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn mclp(
    py: Python<'_>,
    costs: &PyCosts,
    weights: PyReadonlyArray1<'_, f64>,
    radius: f64,
    p: usize,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<PySolution> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let weights = weights_of(&weights);
    let costs = &costs.inner;
    finish(py.detach(|| {
        let coverage = Coverage::within(costs, radius);
        solve_mclp(&coverage, &weights, p, &options)
    }))
}

/// p-median: the `p` sites minimising the weighted cost from each demand point to its nearest open site.
#[pyfunction]
#[pyo3(name = "solve_p_median", signature = (costs, weights, p, *, time_limit=None, gap=None, threads=None,
    required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn p_median(
    py: Python<'_>,
    costs: &PyCosts,
    weights: PyReadonlyArray1<'_, f64>,
    p: usize,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<PySolution> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let weights = weights_of(&weights);
    let costs = &costs.inner;
    finish(py.detach(|| solve_p_median(costs, &weights, p, &options)))
}

/// Location set covering: the fewest sites that cover every demand point within `radius`.
#[pyfunction]
#[pyo3(name = "solve_lscp", signature = (costs, radius, *, time_limit=None, gap=None, threads=None,
    required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn lscp(
    py: Python<'_>,
    costs: &PyCosts,
    radius: f64,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<PySolution> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let costs = &costs.inner;
    finish(py.detach(|| {
        let coverage = Coverage::within(costs, radius);
        solve_lscp(&coverage, &options)
    }))
}

/// p-center: the `p` sites minimising the largest cost from a demand point to its nearest open site.
#[pyfunction]
#[pyo3(name = "solve_p_center", signature = (costs, p, *, time_limit=None, gap=None, threads=None,
    required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn p_center(
    py: Python<'_>,
    costs: &PyCosts,
    p: usize,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<PySolution> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let costs = &costs.inner;
    finish(py.detach(|| solve_p_center(costs, p, &options)))
}

/// Backup coverage (LSCP-B): as few sites as the LSCP needs, covering the most weight twice within `radius`.
/// Returns the plan and the demand points two open sites really cover, ascending.
#[pyfunction]
#[pyo3(name = "solve_lscp_backup", signature = (costs, weights, radius, *, time_limit=None, gap=None,
    threads=None, required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn lscp_backup<'py>(
    py: Python<'py>,
    costs: &PyCosts,
    weights: PyReadonlyArray1<'_, f64>,
    radius: f64,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<(PySolution, Bound<'py, PyArray1<i64>>)> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let weights = weights_of(&weights);
    let costs = &costs.inner;
    let cover = py
        .detach(|| {
            let coverage = Coverage::within(costs, radius);
            solve_lscp_backup(&coverage, &weights, &options)
        })
        .map_err(to_py)?;
    let backed_up = PyArray1::from_iter(py, cover.backed_up.iter().map(|&i| i as i64));
    Ok((
        PySolution {
            inner: cover.solution,
        },
        backed_up,
    ))
}

/// p-dispersion: the `p` sites whose smallest pairwise distance in the square matrix `distances` is largest.
#[pyfunction]
#[pyo3(name = "solve_p_dispersion", signature = (distances, p, *, time_limit=None, gap=None, threads=None,
    required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn p_dispersion(
    py: Python<'_>,
    distances: PyReadonlyArray2<'_, f64>,
    p: usize,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<PySolution> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let view = distances.as_array();
    finish(py.detach(|| solve_p_dispersion(view, p, &options)))
}

/// Capacitated p-median: the `p` sites minimising weighted cost with each client's weight drawn from the
/// capacity of the site serving it; one site per client (`single_sourcing`, spopt's model) or shares (the
/// assignment then names the site serving the largest share).
#[pyfunction]
#[pyo3(name = "solve_capacitated_p_median", signature = (costs, weights, capacities, p, *, single_sourcing=true,
    time_limit=None, gap=None, threads=None, required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn capacitated_p_median(
    py: Python<'_>,
    costs: &PyCosts,
    weights: PyReadonlyArray1<'_, f64>,
    capacities: PyReadonlyArray1<'_, f64>,
    p: usize,
    single_sourcing: bool,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<PySolution> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let weights = weights_of(&weights);
    let capacities = capacities.as_array().to_vec();
    let sourcing = if single_sourcing {
        Sourcing::Single
    } else {
        Sourcing::Split
    };
    let costs = &costs.inner;
    finish(py.detach(|| {
        solve_capacitated_p_median(costs, &weights, &weights, &capacities, p, sourcing, &options)
            .map(|plan| plan.solution)
    }))
}

/// Capacitated location set covering: the fewest sites serving every demand point's `demand` from open sites
/// within `radius`, no site serving more than its `capacity`; a point's demand may be split (spopt's model).
/// The assignment names the site serving the largest share of each point.
#[pyfunction]
#[pyo3(name = "solve_lscp_capacitated", signature = (costs, radius, demand, capacity, *, time_limit=None,
    gap=None, threads=None, required=Vec::new(), forbidden=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn lscp_capacitated(
    py: Python<'_>,
    costs: &PyCosts,
    radius: f64,
    demand: PyReadonlyArray1<'_, f64>,
    capacity: PyReadonlyArray1<'_, f64>,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
    required: Vec<usize>,
    forbidden: Vec<usize>,
) -> PyResult<PySolution> {
    let options = options(time_limit, gap, threads, required, forbidden)?;
    let demand = weights_of(&demand);
    let capacity = capacity.as_array().to_vec();
    let costs = &costs.inner;
    finish(py.detach(|| {
        let coverage = Coverage::within(costs, radius);
        solve_lscp_capacitated(&coverage, &demand, &capacity, &options).map(|cover| cover.solution)
    }))
}
