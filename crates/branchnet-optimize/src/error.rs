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
    /// HiGHS refused the model or failed while solving it.
    #[error("HiGHS failed: {0}")]
    Solver(String),
}
