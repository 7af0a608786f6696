//! Progress of long work, reported to a Python callable: `callback(event, stage, value)` with `event` one of
//! `"begin"` (value: the number of steps, or None), `"advance"` (value: steps done since the last call) and
//! `"end"` (value: the stage's one-line summary). `branchnet.progress` turns these into tqdm bars.

use std::sync::Mutex;

use branchnet_core::Reporter;
use pyo3::prelude::*;

/// A [`Reporter`] that calls a Python function; the first exception it raises is kept and raised when the work
/// is done (the work itself cannot be interrupted half-way).
pub(crate) struct PyReporter {
    callback: Option<Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
}

impl PyReporter {
    /// Reports to `callback`, or nowhere when it is None.
    pub(crate) fn new(callback: Option<Py<PyAny>>) -> Self {
        Self {
            callback,
            error: Mutex::new(None),
        }
    }

    /// The callback's first exception, if it raised one.
    pub(crate) fn finish(self) -> PyResult<()> {
        match self.error.into_inner() {
            Ok(Some(e)) => Err(e),
            _ => Ok(()),
        }
    }

    fn call<A>(&self, event: &str, stage: &str, value: A)
    where
        A: for<'py> IntoPyObject<'py>,
    {
        let Some(callback) = &self.callback else {
            return;
        };
        let Ok(mut error) = self.error.lock() else {
            return;
        };
        if error.is_some() {
            return;
        }
        Python::attach(|py| {
            if let Err(e) = callback.call1(py, (event, stage, value)) {
                *error = Some(e);
            }
        });
    }
}

impl Reporter for PyReporter {
    fn begin(&self, stage: &str, steps: Option<u64>) {
        self.call("begin", stage, steps);
    }

    fn advance(&self, n: u64) {
        self.call("advance", "", n);
    }

    fn end(&self, summary: &str) {
        self.call("end", "", summary);
    }
}
