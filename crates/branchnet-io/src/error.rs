use std::path::{Path, PathBuf};

use thiserror::Error;

/// Where in an input a problem is: the file, and when known the row and column (or key).
///
/// Rows are 1-based data rows: the header of a CSV is not counted, so data row `n` is on line `n + 1`.
/// GeoJSON features are counted from 1 as well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input file.
    pub file: PathBuf,
    /// 1-based data row or feature number.
    pub row: Option<usize>,
    /// Column, property, raster tag or TOML key.
    pub column: Option<String>,
}

impl Location {
    /// A whole file.
    pub fn file(file: &Path) -> Self {
        Self {
            file: file.to_path_buf(),
            row: None,
            column: None,
        }
    }

    /// A column (or key) of a file.
    pub fn column(file: &Path, column: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            row: None,
            column: Some(column.into()),
        }
    }

    /// One cell of a table.
    pub fn cell(file: &Path, row: usize, column: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            row: Some(row),
            column: Some(column.into()),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        Ok(())
    }
}

/// Why an input could not be read. Every variant names where the problem is and what was expected.
#[derive(Debug, Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read the file: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's content is not of its format (bad CSV, Parquet, TIFF, GeoJSON or TOML).
    #[error("{at}: {message}")]
    Malformed {
        /// Where.
        at: Location,
        /// What the parser said.
        message: String,
    },
    /// The file holds no data rows.
    #[error("{file}: the file is empty; expected {expected}")]
    Empty {
        /// The file.
        file: PathBuf,
        /// What should have been there.
        expected: String,
    },
    /// A required column is not in the file.
    #[error("{at}: the column is missing; expected {expected}; the file has columns: {available}")]
    MissingColumn {
        /// File and column.
        at: Location,
        /// What the column should hold.
        expected: String,
        /// The columns the file does have, comma-separated.
        available: String,
    },
    /// A column has the wrong type as a whole (e.g. text where numbers are expected).
    #[error("{at}: expected {expected}, found a column of {found}")]
    ColumnType {
        /// File and column.
        at: Location,
        /// Expected type.
        expected: String,
        /// Type found.
        found: String,
    },
    /// One value is unusable: not a number, NaN, negative, out of range, unknown category ...
    #[error("{at}: expected {expected}, found {found}")]
    BadValue {
        /// File, row and column.
        at: Location,
        /// What the value should be.
        expected: String,
        /// The value as found.
        found: String,
    },
    /// An id occurs twice where ids must be unique.
    #[error("{at}: duplicate id `{id}`, first used at {first}; expected ids unique within the scenario")]
    DuplicateId {
        /// File, row and column of the second occurrence.
        at: Location,
        /// The id.
        id: String,
        /// Where it was first seen (boxed: keeps every `Result` of this crate small).
        first: Box<Location>,
    },
    /// A raster lacks what branchnet needs (georeference, a single band, a known CRS ...).
    #[error("{at}: {message}")]
    Raster {
        /// File and tag.
        at: Location,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A coordinate reference system branchnet cannot handle.
    #[error("{at}: unsupported coordinate reference system {crs}; expected one of: {supported}")]
    UnknownCrs {
        /// File (or scenario key).
        at: Location,
        /// The CRS as given.
        crs: String,
        /// What is supported.
        supported: String,
    },
    /// The scenario file is inconsistent (a key has a bad value, or two keys conflict).
    #[error("{at}: {message}")]
    Config {
        /// Scenario file and key.
        at: Location,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The file's extension does not tell its format.
    #[error("{file}: cannot tell the file's format from its extension; expected {expected}")]
    UnknownFormat {
        /// The file.
        file: PathBuf,
        /// The extensions accepted here.
        expected: String,
    },
}

impl InputError {
    /// An I/O error on `file`.
    pub fn io(file: &Path, source: std::io::Error) -> Self {
        InputError::Io {
            file: file.to_path_buf(),
            source,
        }
    }

    /// A value error at a table cell.
    pub fn bad_value(
        file: &Path,
        row: usize,
        column: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        InputError::BadValue {
            at: Location::cell(file, row, column),
            expected: expected.into(),
            found: found.into(),
        }
    }
}
