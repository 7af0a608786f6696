//! Rust errors as Python exceptions, in one place: bad input is a `ValueError` carrying the optimisation
//! crate's own message, a solver failure a `RuntimeError`.

use branchnet_optimize::OptimizeError;
use pyo3::PyErr;
use pyo3::exceptions::{PyRuntimeError, PyValueError};

/// The Python exception for an optimisation error.
pub(crate) fn to_py(error: OptimizeError) -> PyErr {
    match error {
        OptimizeError::Solver(_) => PyRuntimeError::new_err(error.to_string()),
        _ => PyValueError::new_err(error.to_string()),
    }
}

/// A `ValueError` for input the bindings check themselves (before the optimisation crate sees it).
pub(crate) fn bad_input(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
