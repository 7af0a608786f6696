use serde::Serialize;

use crate::{Cells, FrameDef, Regions, SiteKind, Sites};

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
    /// Sum of every value column, in column order.
    pub column_totals: Vec<(String, f64)>,
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
            column_totals: self
                .cells
                .columns()
                .iter()
                .map(|c| (c.name.clone(), c.values.iter().sum()))
                .collect(),
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
