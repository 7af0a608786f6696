//! Python bindings of branchnet: the native module `branchnet._native` behind the `branchnet` package.
//!
//! The module is deliberately thin: it turns numpy arrays into the optimisation crate's sparse inputs,
//! runs the models with the GIL released, and hands back plain arrays; scenarios go through
//! `branchnet-workflow` as in the CLI, and their tables come back as Parquet bytes. The spopt-shaped classes users see
//! (`branchnet.locate.MCLP`, ...) are pure Python on top of it (`python/branchnet/locate.py`), so that
//! keyword handling, id mapping and DataFrame input stay easy to read and change. PyO3 types never leave this
//! crate.
#![deny(missing_docs)]

mod costs;
mod error;
mod model;
mod progress;
mod results;
mod scenario;
mod solve;

use pyo3::prelude::*;

/// The native module: `Costs`, `Solution` and one solve function per model (the locate API); `Scenario`,
/// `Scores`, `Gaps` and `Plan` (the scenario API).
#[pymodule]
#[pyo3(name = "_native")]
fn branchnet_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<costs::PyCosts>()?;
    m.add_class::<solve::PySolution>()?;
    m.add_class::<scenario::PyScenario>()?;
    m.add_class::<results::PyScores>()?;
    m.add_class::<results::PyGaps>()?;
    m.add_class::<results::PyPlan>()?;
    m.add_function(wrap_pyfunction!(solve::mclp, m)?)?;
    m.add_function(wrap_pyfunction!(solve::p_median, m)?)?;
    m.add_function(wrap_pyfunction!(solve::lscp, m)?)?;
    m.add_function(wrap_pyfunction!(solve::p_center, m)?)?;
    m.add_function(wrap_pyfunction!(solve::lscp_backup, m)?)?;
    m.add_function(wrap_pyfunction!(solve::p_dispersion, m)?)?;
    m.add_function(wrap_pyfunction!(solve::capacitated_p_median, m)?)?;
    m.add_function(wrap_pyfunction!(solve::lscp_capacitated, m)?)?;
    Ok(())
}
