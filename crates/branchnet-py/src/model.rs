//! A scoring model written in Python: the researcher's callable, run in its place among the built-in models.
//!
//! The Python side (`branchnet.ScoringModel`) is called as `model._evaluate(cells, sites)` with one numpy array
//! (or list of strings) per column: positions, the grid's columns and every column the models before it
//! produced. It returns `{"cells": {...}, "sites": {...}, "regions": {...}, "figures": {...}}` with bare names;
//! the runner prefixes them with the model's name, as for a built-in model.

use branchnet_score::{Column, Figure, ScoreContext, ScoreError, Scores, ScoringModel};
use branchnet_workflow::tables::cell_lon_lat;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// A Python object with `name` and `_evaluate`, as a [`ScoringModel`].
pub(crate) struct PyScoringModel {
    name: String,
    model: Py<PyAny>,
}

impl PyScoringModel {
    /// Wraps `model` (a `branchnet.ScoringModel`).
    pub(crate) fn new(model: &Bound<'_, PyAny>) -> PyResult<Self> {
        let name: String = model.getattr("name")?.extract()?;
        Ok(Self {
            name,
            model: model.clone().unbind(),
        })
    }
}

impl ScoringModel for PyScoringModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        let failed = |message: String| ScoreError::BadInput {
            model: self.name.clone(),
            message,
        };
        Python::attach(|py| {
            let cells = cell_inputs(py, ctx).map_err(|e| failed(e.to_string()))?;
            let sites = site_inputs(py, ctx).map_err(|e| failed(e.to_string()))?;
            let out = self
                .model
                .call_method1(py, "_evaluate", (cells, sites))
                .map_err(|e| failed(format!("the Python model raised {e}")))?;
            scores_of(out.bind(py)).map_err(|e| failed(e.to_string()))
        })
    }
}

fn array<'py>(py: Python<'py>, values: &[f64]) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_slice(py, values)
}

/// Cell positions (metric `x`, `y` and `lon`, `lat`), the grid's columns and the earlier models' columns.
fn cell_inputs<'py>(py: Python<'py>, ctx: &ScoreContext<'_>) -> PyResult<Bound<'py, PyDict>> {
    let cells = &ctx.scenario.cells;
    let d = PyDict::new(py);
    d.set_item("x", array(py, cells.x()))?;
    d.set_item("y", array(py, cells.y()))?;
    let lon_lat = cell_lon_lat(ctx.scenario);
    d.set_item("lon", PyArray1::from_iter(py, lon_lat.iter().map(|p| p[0])))?;
    d.set_item("lat", PyArray1::from_iter(py, lon_lat.iter().map(|p| p[1])))?;
    for c in cells.columns() {
        d.set_item(&c.name, array(py, &c.values))?;
    }
    for c in &ctx.computed.cells {
        d.set_item(&c.name, array(py, &c.values))?;
    }
    Ok(d)
}

/// Site ids, kinds and positions, the standard numeric fields (nan where missing), the extra attributes and
/// the earlier models' site columns.
fn site_inputs<'py>(py: Python<'py>, ctx: &ScoreContext<'_>) -> PyResult<Bound<'py, PyDict>> {
    let sites = ctx.scenario.sites.all();
    let d = PyDict::new(py);
    d.set_item("id", PyList::new(py, sites.iter().map(|s| s.id.as_str()))?)?;
    d.set_item("kind", PyList::new(py, sites.iter().map(|s| s.kind.as_str()))?)?;
    let numeric = |f: &dyn Fn(&branchnet_core::Site) -> f64| PyArray1::from_iter(py, sites.iter().map(f));
    d.set_item("x", numeric(&|s| s.x))?;
    d.set_item("y", numeric(&|s| s.y))?;
    d.set_item("lon", numeric(&|s| s.lon))?;
    d.set_item("lat", numeric(&|s| s.lat))?;
    d.set_item("counters", numeric(&|s| s.counters.map_or(f64::NAN, f64::from)))?;
    d.set_item("staff", numeric(&|s| s.staff.map_or(f64::NAN, f64::from)))?;
    d.set_item("annual_cost", numeric(&|s| s.annual_cost.unwrap_or(f64::NAN)))?;
    d.set_item(
        "observed_volume",
        numeric(&|s| s.observed_volume.unwrap_or(f64::NAN)),
    )?;
    d.set_item("open_cost", numeric(&|s| s.open_cost.unwrap_or(f64::NAN)))?;
    d.set_item("rent", numeric(&|s| s.rent.unwrap_or(f64::NAN)))?;
    let mut attributes: Vec<&String> = sites.iter().flat_map(|s| s.attributes.keys()).collect();
    attributes.sort();
    attributes.dedup();
    for name in attributes {
        d.set_item(
            name,
            numeric(&|s| s.attributes.get(name).copied().unwrap_or(f64::NAN)),
        )?;
    }
    for c in &ctx.computed.sites {
        d.set_item(&c.name, array(py, &c.values))?;
    }
    Ok(d)
}

/// The model's returned columns and figures (already checked and made float arrays by the Python layer).
fn scores_of(out: &Bound<'_, PyAny>) -> PyResult<Scores> {
    let columns = |key: &str| -> PyResult<Vec<Column>> {
        let Some(table) = out.get_item(key).ok().filter(|t| !t.is_none()) else {
            return Ok(Vec::new());
        };
        let table = table.cast_into::<PyDict>()?;
        table
            .iter()
            .map(|(name, values)| {
                let values: PyReadonlyArray1<'_, f64> = values.extract()?;
                Ok(Column::new(name.extract::<String>()?, values.as_array().to_vec()))
            })
            .collect()
    };
    let mut scores = Scores {
        cells: columns("cells")?,
        sites: columns("sites")?,
        regions: columns("regions")?,
        figures: Vec::new(),
    };
    if let Some(figures) = out.get_item("figures").ok().filter(|t| !t.is_none()) {
        for (name, value) in figures.cast_into::<PyDict>()?.iter() {
            scores.figures.push(Figure {
                name: name.extract()?,
                value: value.extract()?,
            });
        }
    }
    Ok(scores)
}
