use thiserror::Error;

/// Inputs a model cannot be built from.
#[derive(Debug, Error, PartialEq)]
pub enum OptimizeError {
    /// Rows and weights (or costs) do not line up.
    #[error("{what}: expected {expected} entries, found {found}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// Expected count.
        expected: usize,
        /// Count found.
        found: usize,
    },
    /// A site index beyond the number of sites.
    #[error("{what}: site {site} does not exist (there are {sites} sites)")]
    UnknownSite {
        /// Which input.
        what: &'static str,
        /// The index.
        site: usize,
        /// Number of sites.
        sites: usize,
    },
    /// A weight or cost that is negative or not finite.
    #[error("{what}: entry {index} is {value}; expected a finite number ≥ 0")]
    BadNumber {
        /// Which input.
        what: &'static str,
        /// Its position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A row of compressed sparse input whose sites are not strictly ascending.
    #[error("{what}: the sites of row {row} are not strictly ascending")]
    Unsorted {
        /// Which input.
        what: &'static str,
        /// The row.
        row: usize,
    },
    /// A reference data file that cannot be read.
    #[error("reference data: {0}")]
    Reference(String),
    /// HiGHS refused the model or failed while solving it.
    #[error("HiGHS failed: {0}")]
    Solver(String),
}
