//! Rust errors as Python exceptions, in one place: bad input is a `ValueError` carrying the Rust crate's own
//! message, a solver failure a `RuntimeError`, a file that cannot be written an `OSError`.

use branchnet_optimize::OptimizeError;
use branchnet_plan::PlanError;
use branchnet_workflow::WorkflowError;
use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};

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

/// The Python exception for an error of the scenario workflow: unusable input or parameters are a
/// `ValueError`, a solver that failed (not one that found the scenario infeasible: that is a plan) a
/// `RuntimeError`, an export that cannot be written an `OSError`; the message is the Rust one.
pub(crate) fn workflow_to_py(error: WorkflowError) -> PyErr {
    match &error {
        WorkflowError::Plan(PlanError::Optimize(OptimizeError::Solver(_))) => {
            PyRuntimeError::new_err(error.to_string())
        }
        WorkflowError::Plan(PlanError::Write { .. }) => PyOSError::new_err(error.to_string()),
        _ => PyValueError::new_err(error.to_string()),
    }
}
