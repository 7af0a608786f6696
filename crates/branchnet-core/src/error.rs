use thiserror::Error;

/// Errors raised when domain containers are built with inconsistent parts.
#[derive(Debug, Error, PartialEq)]
pub enum CoreError {
    /// A column does not have one value per cell.
    #[error("column `{name}` has {found} values, but there are {expected} cells")]
    ColumnLength {
        /// Column name.
        name: String,
        /// Number of cells.
        expected: usize,
        /// Number of values given.
        found: usize,
    },
    /// Two value columns share a name.
    #[error("a value column named `{0}` already exists")]
    DuplicateColumn(String),
}
