//! The scenario API's native half: a scenario read from its file, its scores, gaps and plans. Tables leave as
//! Parquet bytes (the Python layer reads them into polars DataFrames), documents as JSON text; every long step
//! runs without the GIL.

use std::path::PathBuf;
use std::sync::Arc;

use branchnet_workflow::{Session, WorkflowError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::{bad_input, workflow_to_py};
use crate::model::PyScoringModel;
use crate::progress::PyReporter;
use crate::results::{PyGaps, PyPlan, PyScores};
use crate::solve::pool_threads;

/// A scenario read from its `scenario.toml` and every input it names.
#[pyclass(frozen, module = "branchnet._native", name = "Scenario")]
pub(crate) struct PyScenario {
    session: Arc<Session>,
}

/// One entry of a scoring run: a built-in model's table (as in `[[scores]]`) or a Python model.
enum Entry {
    Builtin(toml::Table),
    Python(PyScoringModel),
}

#[pymethods]
impl PyScenario {
    /// Reads `path` (a scenario.toml) and its inputs.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let session = py.detach(|| Session::open(&path)).map_err(workflow_to_py)?;
        Ok(Self {
            session: Arc::new(session),
        })
    }

    /// Writes a scenario file from its keys as JSON (as `scenario.toml` spells them, paths relative to the
    /// file's folder); the keys are checked as when the file is read.
    #[staticmethod]
    fn write_config(config_json: &str, path: PathBuf) -> PyResult<()> {
        let config: branchnet_core::ScenarioConfig =
            serde_json::from_str(config_json).map_err(|e| bad_input(format!("scenario keys: {e}")))?;
        let text = toml::to_string(&config).map_err(|e| bad_input(format!("scenario keys: {e}")))?;
        std::fs::write(&path, text).map_err(|e| {
            pyo3::exceptions::PyOSError::new_err(format!("cannot write {}: {e}", path.display()))
        })
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> &str {
        &self.session.config.name
    }

    /// The scenario file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.session.path.clone()
    }

    /// The currency its money is in.
    #[getter]
    fn currency(&self) -> &str {
        &self.session.config.currency
    }

    /// Seconds spent reading the inputs.
    #[getter]
    fn read_seconds(&self) -> f64 {
        self.session.read_s
    }

    /// Counts: cells, own branches, competitors, candidates, regions.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.session.scenario;
        let d = PyDict::new(py);
        d.set_item("cells", s.cells.len())?;
        for kind in branchnet_core::SiteKind::ALL {
            d.set_item(
                kind.as_str(),
                s.sites.all().iter().filter(|x| x.kind == kind).count(),
            )?;
        }
        d.set_item("regions", s.regions.len())?;
        Ok(d)
    }

    /// The validation findings (suspicious but usable inputs) as JSON: a list of
    /// `{kind, file, rows, message}`.
    fn findings_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.session.validation.findings).map_err(|e| bad_input(e.to_string()))
    }

    /// The scenario's scoring entries (its `[[scores]]`, or every built-in model when it lists none) as JSON.
    fn score_entries_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.session.score_entries()).map_err(|e| bad_input(e.to_string()))
    }

    /// The scenario's `[plan]` table as JSON (`null` when it has none).
    fn plan_table_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.session.config.plan).map_err(|e| bad_input(e.to_string()))
    }

    /// Runs scoring models in order: `entries` holds JSON tables of built-in models and `branchnet.ScoringModel`
    /// objects; None runs the scenario's own list.
    #[pyo3(signature = (entries=None, progress=None))]
    fn score(
        &self,
        py: Python<'_>,
        entries: Option<&Bound<'_, PyList>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<PyScores> {
        let entries = match entries {
            None => self
                .session
                .score_entries()
                .into_iter()
                .map(Entry::Builtin)
                .collect(),
            Some(list) => list.iter().map(|e| entry(&e)).collect::<PyResult<Vec<_>>>()?,
        };
        let reporter = PyReporter::new(progress);
        let session = Arc::clone(&self.session);
        let run = py
            .detach(|| {
                let models = build(&session, entries)?;
                session.score(&models, &reporter)
            })
            .map_err(workflow_to_py)?;
        reporter.finish()?;
        Ok(PyScores::new(Arc::clone(&self.session), run))
    }

    /// The blank and dense areas by the scenario's gaps rules, over `scores` (which must hold the columns they
    /// read, `potential.now` at least).
    fn gaps(&self, py: Python<'_>, scores: &PyScores) -> PyResult<PyGaps> {
        let session = Arc::clone(&self.session);
        let report = py
            .detach(|| {
                let (gaps, _) = session.gaps_model()?;
                session.gaps(&gaps, scores.scores())
            })
            .map_err(workflow_to_py)?;
        Ok(PyGaps::new(Arc::clone(&self.session), report))
    }

    /// Plans the scenario on `scores` with the `[plan]` table given as JSON (`null`: the defaults).
    #[pyo3(signature = (scores, plan_json, progress=None))]
    fn plan(
        &self,
        py: Python<'_>,
        scores: &PyScores,
        plan_json: &str,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<PyPlan> {
        let table: Option<toml::Table> = serde_json::from_str(plan_json)
            .map_err(|e| bad_input(format!("the plan parameters are not a table of keys: {e}")))?;
        // The planner solves with the default thread count; say so clearly if an earlier solve sized
        // HiGHS's pool otherwise.
        pool_threads(Some(branchnet_optimize::SolveOptions::default().threads))?;
        let reporter = PyReporter::new(progress);
        let session = Arc::clone(&self.session);
        let planned = py
            .detach(|| session.plan(scores.scores(), table.as_ref(), &reporter))
            .map_err(workflow_to_py)?;
        reporter.finish()?;
        Ok(PyPlan::new(Arc::clone(&self.session), planned))
    }
}

/// One entry of the `entries` list.
fn entry(e: &Bound<'_, PyAny>) -> PyResult<Entry> {
    if let Ok(text) = e.extract::<String>() {
        let table: toml::Table = serde_json::from_str(&text)
            .map_err(|err| bad_input(format!("a scoring entry is not a table of keys: {err}")))?;
        return Ok(Entry::Builtin(table));
    }
    Ok(Entry::Python(PyScoringModel::new(e)?))
}

/// The models of `entries`, in order.
fn build(
    session: &Session,
    entries: Vec<Entry>,
) -> Result<Vec<Box<dyn branchnet_score::ScoringModel>>, WorkflowError> {
    let mut models = Vec::with_capacity(entries.len());
    for e in entries {
        match e {
            Entry::Builtin(table) => models.extend(session.build_models(std::slice::from_ref(&table))?),
            Entry::Python(m) => models.push(Box::new(m)),
        }
    }
    Ok(models)
}
