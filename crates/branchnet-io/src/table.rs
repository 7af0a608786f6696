//! Tables from CSV, Parquet or GeoJSON points, read with polars and checked value by value.
//!
//! CSV files are read with every column as text and parsed here, so that a bad value is reported with its row
//! and column instead of as a parser failure somewhere in the file. Parquet columns keep their types; text
//! columns where numbers are expected are parsed the same way.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use tracing::instrument;

use crate::error::{InputError, Location};
use crate::format::{FileFormat, file_format};
use crate::geojson_points::read_geojson_points;

/// What a numeric column must hold, for checking and for messages.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    /// What the value is, for messages ("a longitude in degrees").
    pub what: &'static str,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
}

impl Expect {
    /// Any finite number.
    pub const fn number(what: &'static str) -> Self {
        Self {
            what,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        }
    }

    /// A finite number ≥ 0.
    pub const fn non_negative(what: &'static str) -> Self {
        Self {
            what,
            min: 0.0,
            max: f64::INFINITY,
        }
    }

    /// A finite number within `[min, max]`.
    pub const fn range(what: &'static str, min: f64, max: f64) -> Self {
        Self { what, min, max }
    }

    fn describe(&self) -> String {
        match (self.min.is_finite(), self.max.is_finite()) {
            (true, true) => format!("{} between {} and {}", self.what, self.min, self.max),
            (true, false) if self.min == 0.0 => format!("{} (a non-negative number)", self.what),
            (true, false) => format!("{} of at least {}", self.what, self.min),
            (false, true) => format!("{} of at most {}", self.what, self.max),
            (false, false) => format!("{} (a finite number)", self.what),
        }
    }

    /// Whether `v` is acceptable.
    pub fn check_value(&self, v: f64) -> bool {
        v.is_finite() && v >= self.min && v <= self.max
    }
}

/// A table read from a file, with its origin for messages.
#[derive(Debug)]
pub struct Table {
    path: PathBuf,
    df: DataFrame,
}

impl Table {
    /// Reads a CSV, Parquet or GeoJSON-points file, chosen by extension.
    ///
    /// GeoJSON point features become rows with `lon` and `lat` columns and one text column per property.
    ///
    /// # Errors
    /// When the file cannot be read, is not of its format, or has no data row.
    #[instrument(skip_all, fields(path = %path.display()))]
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let df = match file_format(path, &[FileFormat::Csv, FileFormat::Parquet, FileFormat::GeoJson])? {
            FileFormat::Csv => read_csv(path)?,
            FileFormat::Parquet => read_parquet(path)?,
            FileFormat::GeoJson => read_geojson_points(path)?,
            FileFormat::GeoTiff => unreachable!("not among the accepted formats"),
        };
        if df.height() == 0 {
            return Err(InputError::Empty {
                file: path.to_path_buf(),
                expected: "at least one data row".into(),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            df,
        })
    }

    /// Wraps a frame built in memory (tests, bindings), naming `path` in messages.
    pub fn from_frame(path: &Path, df: DataFrame) -> Self {
        Self {
            path: path.to_path_buf(),
            df,
        }
    }

    /// The file the table came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data rows.
    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// Column names in file order.
    pub fn column_names(&self) -> Vec<String> {
        self.df
            .get_column_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect()
    }

    /// Whether the table has a column called `name`.
    pub fn has_column(&self, name: &str) -> bool {
        self.df.column(name).is_ok()
    }

    fn column(&self, name: &str, expected: &str) -> Result<&Column, InputError> {
        self.df.column(name).map_err(|_| InputError::MissingColumn {
            at: Location::column(&self.path, name),
            expected: expected.to_string(),
            available: self.column_names().join(", "),
        })
    }

    /// Whether a column looks numeric: a numeric type, or text whose first non-empty value parses as a number.
    pub fn is_numeric(&self, name: &str) -> bool {
        let Ok(col) = self.df.column(name) else {
            return false;
        };
        if col.dtype().is_primitive_numeric() {
            return true;
        }
        col.str().is_ok_and(|s| {
            s.iter()
                .flatten()
                .find(|v| !v.trim().is_empty())
                .is_some_and(|v| v.trim().parse::<f64>().is_ok())
        })
    }

    /// Every value of a numeric column, each checked against `expect`; empty values are errors.
    ///
    /// # Errors
    /// A missing column, a column of another type, or the first row whose value is empty, not a number or
    /// outside the expected range.
    pub fn numbers(&self, name: &str, expect: Expect) -> Result<Vec<f64>, InputError> {
        let values = self.optional_numbers(name, expect)?;
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.ok_or_else(|| {
                    InputError::bad_value(&self.path, i + 1, name, expect.describe(), "an empty value")
                })
            })
            .collect()
    }

    /// Every value of a numeric column where empty values are allowed (absent attributes).
    ///
    /// # Errors
    /// As [`Table::numbers`], except that empty values are `None`.
    pub fn optional_numbers(&self, name: &str, expect: Expect) -> Result<Vec<Option<f64>>, InputError> {
        let col = self.column(name, &expect.describe())?;
        let bad = |row: usize, found: String| {
            InputError::bad_value(&self.path, row, name, expect.describe(), found)
        };
        let check = |row: usize, v: Option<f64>| match v {
            Some(v) if !expect.check_value(v) => Err(bad(row, format_number(v))),
            v => Ok(v),
        };
        if col.dtype().is_primitive_numeric() {
            let cast = col
                .cast(&DataType::Float64)
                .map_err(|e| self.malformed(name, e))?;
            let ca = cast.f64().map_err(|e| self.malformed(name, e))?;
            return ca.iter().enumerate().map(|(i, v)| check(i + 1, v)).collect();
        }
        let Ok(text) = col.str() else {
            return Err(InputError::ColumnType {
                at: Location::column(&self.path, name),
                expected: expect.describe(),
                found: col.dtype().to_string(),
            });
        };
        text.iter()
            .enumerate()
            .map(|(i, v)| {
                let v = v.map(str::trim).filter(|v| !v.is_empty());
                match v {
                    None => Ok(None),
                    Some(s) => match s.parse::<f64>() {
                        Ok(n) => check(i + 1, Some(n)),
                        Err(_) => Err(bad(i + 1, format!("`{s}`"))),
                    },
                }
            })
            .collect()
    }

    /// Every value of a column as text (numbers formatted); empty values are `None`.
    ///
    /// # Errors
    /// A missing column or one of a type that has no text form here.
    pub fn texts(&self, name: &str, expected: &str) -> Result<Vec<Option<String>>, InputError> {
        let col = self.column(name, expected)?;
        let text = col.cast(&DataType::String).map_err(|e| self.malformed(name, e))?;
        let ca = text.str().map_err(|e| self.malformed(name, e))?;
        Ok(ca
            .iter()
            .map(|v| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string))
            .collect())
    }

    /// Every value of a yes/no column: true/false, yes/no, y/n, 1/0 (any case); empty values are `None`.
    ///
    /// # Errors
    /// A missing column or the first row holding anything else.
    pub fn flags(&self, name: &str) -> Result<Vec<Option<bool>>, InputError> {
        const EXPECTED: &str = "true/false, yes/no or 1/0";
        let col = self.column(name, EXPECTED)?;
        if let Ok(ca) = col.bool() {
            return Ok(ca.iter().collect());
        }
        self.texts(name, EXPECTED)?
            .into_iter()
            .enumerate()
            .map(
                |(i, v)| match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    None => Ok(None),
                    Some("true" | "yes" | "y" | "1" | "1.0" | "t") => Ok(Some(true)),
                    Some("false" | "no" | "n" | "0" | "0.0" | "f") => Ok(Some(false)),
                    Some(other) => Err(InputError::bad_value(
                        &self.path,
                        i + 1,
                        name,
                        EXPECTED,
                        format!("`{other}`"),
                    )),
                },
            )
            .collect()
    }

    fn malformed(&self, name: &str, e: PolarsError) -> InputError {
        InputError::Malformed {
            at: Location::column(&self.path, name),
            message: e.to_string(),
        }
    }
}

/// Formats a number for a message, keeping NaN and infinities readable.
pub(crate) fn format_number(v: f64) -> String {
    if v.is_nan() { "NaN".into() } else { v.to_string() }
}

fn read_csv(path: &Path) -> Result<DataFrame, InputError> {
    let malformed = |e: PolarsError| InputError::Malformed {
        at: Location::file(path),
        message: e.to_string(),
    };
    // An empty file (not even a header) makes polars fail with a generic message; say it plainly.
    let len = std::fs::metadata(path)
        .map_err(|e| InputError::io(path, e))?
        .len();
    if len == 0 {
        return Err(InputError::Empty {
            file: path.to_path_buf(),
            expected: "a header line and at least one data row".into(),
        });
    }
    CsvReadOptions::default()
        .with_has_header(true)
        // Every column as text: values are parsed and checked here, row by row.
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .map_err(malformed)?
        .finish()
        .map_err(|e| explain_csv_error(path).unwrap_or_else(|| malformed(e)))
}

/// Finds why polars could not read a CSV, for a message with a line number: text that is not UTF-8, or a
/// line with more fields than the header (an unquoted comma). `None` when neither is the cause.
fn explain_csv_error(path: &Path) -> Option<InputError> {
    let bytes = std::fs::read(path).ok()?;
    let line_of = |offset: usize| bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            return Some(InputError::Malformed {
                at: Location::file(path),
                message: format!(
                    "line {}: the text is not UTF-8 (byte {} of the file); expected a UTF-8 CSV — \
                     re-save the file as UTF-8 (e.g. from GBK)",
                    line_of(e.valid_up_to()),
                    e.valid_up_to() + 1
                ),
            });
        }
    };
    let mut lines = csv_records(text);
    let header = lines.next()?.1;
    lines
        .find(|(_, fields)| *fields > header)
        .map(|(line, fields)| InputError::Malformed {
            at: Location::file(path),
            message: format!(
                "line {line}: {fields} fields where the header has {header}; expected one value per column — \
             quote values that contain commas"
            ),
        })
}

/// (line number, field count) of every record of a CSV text, honouring double quotes.
fn csv_records(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut line = 1;
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let start = line;
        let (mut fields, mut quoted) = (1, false);
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => fields += 1,
                '\n' if quoted => line += 1,
                '\n' => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        line += 1;
        let blank = rest[..end].trim().is_empty();
        rest = &rest[end..];
        Some((start, if blank { 0 } else { fields }))
    })
}

fn read_parquet(path: &Path) -> Result<DataFrame, InputError> {
    let file = File::open(path).map_err(|e| InputError::io(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| InputError::Malformed {
            at: Location::file(path),
            message: format!("not a readable Parquet file: {e}"),
        })
}
