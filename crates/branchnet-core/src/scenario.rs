use serde::Serialize;

use crate::{Cells, FrameDef, Regions, SiteKind, Sites, ValueColumn};

/// Everything one planning run knows, in one metric frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Scenario name.
    pub name: String,
    /// Currency of every money figure.
    pub currency: String,
    /// The metric frame of every x/y.
    pub frame: FrameDef,
    /// The demand grid.
    pub cells: Cells,
    /// Own branches, competitors and candidate sites.
    pub sites: Sites,
    /// Administrative regions.
    pub regions: Regions,
}

/// Headline figures of a scenario, as `branchnet validate` prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioSummary {
    /// Scenario name.
    pub name: String,
    /// Number of demand cells.
    pub cells: usize,
    /// Figures of every value column, in column order.
    pub columns: Vec<ColumnSummary>,
    /// Number of sites of each kind.
    pub sites: Vec<(SiteKind, usize)>,
    /// Number of regions on each level (level name, count).
    pub regions: Vec<(String, usize)>,
    /// The metric frame.
    pub frame: FrameDef,
}

impl Scenario {
    /// Headline figures.
    pub fn summary(&self) -> ScenarioSummary {
        ScenarioSummary {
            name: self.name.clone(),
            cells: self.cells.len(),
            columns: self.cells.columns().iter().map(ColumnSummary::of).collect(),
            sites: SiteKind::ALL.iter().map(|&k| (k, self.sites.count(k))).collect(),
            regions: self
                .regions
                .levels()
                .iter()
                .enumerate()
                .map(|(i, l)| (l.name.clone(), self.regions.of_level(i).count()))
                .collect(),
            frame: self.frame,
        }
    }
}

/// Total, range and mean of one value column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnSummary {
    /// Column name.
    pub name: String,
    /// Sum over all cells.
    pub total: f64,
    /// Smallest value.
    pub min: f64,
    /// Mean over all cells.
    pub mean: f64,
    /// Largest value.
    pub max: f64,
}

impl ColumnSummary {
    fn of(column: &ValueColumn) -> Self {
        let v = &column.values;
        let total: f64 = v.iter().sum();
        Self {
            name: column.name.clone(),
            total,
            min: v.iter().copied().fold(f64::INFINITY, f64::min),
            mean: total / v.len().max(1) as f64,
            max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}
