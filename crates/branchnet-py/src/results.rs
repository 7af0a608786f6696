//! What the scenario API returns: scores, gaps and plans, each keeping the scenario it came from so that its
//! tables carry ids, positions and region ids.

use std::path::PathBuf;
use std::sync::Arc;

use branchnet_io::write::{Values, frame, parquet_bytes};
use branchnet_plan::{PlanTables, html_report, kpis_document, plan_geojson, summary_html};
use branchnet_score::gaps::GapReport;
use branchnet_score::{ScoreRun, Scores};
use branchnet_workflow::gaps::{blank_table, dense_table, gaps_geojson};
use branchnet_workflow::tables::{cell_table, region_table, site_table, to_parquet};
use branchnet_workflow::{Planned, Session, WorkflowError};
use polars::prelude::DataFrame;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::error::{bad_input, workflow_to_py};

/// Parquet bytes of `df`, as a Python `bytes`.
fn parquet<'py>(
    py: Python<'py>,
    table: &str,
    df: Result<DataFrame, WorkflowError>,
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = df.and_then(|df| to_parquet(table, df)).map_err(workflow_to_py)?;
    Ok(PyBytes::new(py, &bytes))
}

/// Parquet bytes of named columns.
fn columns_parquet<'py>(
    py: Python<'py>,
    table: &str,
    columns: &[(String, Values)],
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = frame(columns)
        .and_then(|mut df| parquet_bytes(&mut df))
        .map_err(|e| bad_input(format!("encoding the {table} table: {e}")))?;
    Ok(PyBytes::new(py, &bytes))
}

/// The columns and figures every scoring model produced.
#[pyclass(frozen, module = "branchnet._native", name = "Scores")]
pub(crate) struct PyScores {
    session: Arc<Session>,
    run: ScoreRun,
}

impl PyScores {
    pub(crate) fn new(session: Arc<Session>, run: ScoreRun) -> Self {
        Self { session, run }
    }

    pub(crate) fn scores(&self) -> &Scores {
        &self.run.scores
    }
}

#[pymethods]
impl PyScores {
    /// One row per cell: `cell`, `lon`, `lat`, `region_<level>`, then the models' cell columns (Parquet bytes).
    fn cells_parquet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        parquet(py, "cells", cell_table(&self.session.scenario, &self.run.scores))
    }

    /// One row per site: `id`, `kind`, `lon`, `lat`, `region_<level>`, then the models' site columns.
    fn sites_parquet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        parquet(py, "sites", site_table(&self.session.scenario, &self.run.scores))
    }

    /// One row per region: `id`, `name`, `level`, then the models' region columns.
    fn regions_parquet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        parquet(
            py,
            "regions",
            region_table(&self.session.scenario, &self.run.scores),
        )
    }

    /// The scalar figures by name (nan where one does not apply).
    fn figures<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for f in &self.run.scores.figures {
            d.set_item(&f.name, f.value)?;
        }
        Ok(d)
    }

    /// Seconds per model, in run order.
    fn timings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (model, t) in &self.run.timings {
            d.set_item(model, t.as_secs_f64())?;
        }
        Ok(d)
    }

    /// Names of the cell columns the models produced.
    fn cell_columns(&self) -> Vec<String> {
        self.run.scores.cells.iter().map(|c| c.name.clone()).collect()
    }
}

/// Blank areas (potential no branch reaches) and dense areas (branches serving the same people).
#[pyclass(frozen, module = "branchnet._native", name = "Gaps")]
pub(crate) struct PyGaps {
    session: Arc<Session>,
    report: GapReport,
}

impl PyGaps {
    pub(crate) fn new(session: Arc<Session>, report: GapReport) -> Self {
        Self { session, report }
    }
}

#[pymethods]
impl PyGaps {
    /// One row per blank area, by rank.
    fn blank_parquet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        parquet(
            py,
            "blank areas",
            blank_table(&self.session.scenario, &self.report),
        )
    }

    /// One row per dense area, by rank.
    fn dense_parquet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        parquet(
            py,
            "dense areas",
            dense_table(&self.session.scenario, &self.report),
        )
    }

    /// Every area as a GeoJSON polygon with its figures (what `branchnet gaps` writes).
    fn geojson(&self) -> String {
        gaps_geojson(&self.session.scenario, &self.report).to_string()
    }
}

/// A relocation plan in the three levels, with its KPIs and exports.
#[pyclass(frozen, module = "branchnet._native", name = "Plan")]
pub(crate) struct PyPlan {
    session: Arc<Session>,
    planned: Planned,
}

impl PyPlan {
    pub(crate) fn new(session: Arc<Session>, planned: Planned) -> Self {
        Self { session, planned }
    }
}

#[pymethods]
impl PyPlan {
    /// The plan's tables (`actions`, `regions`, `branches`, `sites`) as Parquet bytes, by name.
    fn tables_parquet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = PlanTables::of(&self.planned.run);
        let d = PyDict::new(py);
        d.set_item("actions", columns_parquet(py, "actions", &t.actions)?)?;
        d.set_item("regions", columns_parquet(py, "regions", &t.regions)?)?;
        d.set_item("branches", columns_parquet(py, "branches", &t.branches)?)?;
        d.set_item("sites", columns_parquet(py, "sites", &t.sites)?)?;
        Ok(d)
    }

    /// KPIs before and after, budgets, stages and notes, as JSON (what `kpis.json` holds).
    fn kpis_json(&self) -> PyResult<String> {
        serde_json::to_string(&kpis_document(&self.planned.run)).map_err(|e| bad_input(e.to_string()))
    }

    /// The plan as GeoJSON: points before and after, lines for relocations.
    fn geojson(&self) -> String {
        plan_geojson(&self.planned.run)
    }

    /// The whole self-contained HTML report.
    fn report_html(&self, py: Python<'_>) -> String {
        py.detach(|| {
            let layers = self.planned.map_layers(&self.session.scenario);
            html_report(&self.planned.run.plan, &layers)
        })
    }

    /// A short HTML document: headline figures, stages, the map and the KPI table.
    fn summary_html(&self, py: Python<'_>) -> String {
        py.detach(|| {
            let layers = self.planned.map_layers(&self.session.scenario);
            summary_html(&self.planned.run.plan, &layers)
        })
    }

    /// Counts of actions by kind, as one line (`12 relocate, 2 convert, 67 keep`).
    fn action_summary(&self) -> String {
        self.planned.run.plan.action_summary()
    }

    /// Writes every export into `dir` (created if needed); returns the files written.
    fn write(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<PathBuf>> {
        py.detach(|| self.planned.write(&self.session.scenario, &dir))
            .map_err(workflow_to_py)
    }
}
