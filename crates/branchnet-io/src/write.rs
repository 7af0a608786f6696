//! Writing result tables: named columns of text, numbers or flags, as CSV or Parquet.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use polars::prelude::{Column, DataFrame, ParquetWriter};

/// The values of one output column; `None` is written as an empty CSV field or a Parquet null.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text.
    Text(Vec<Option<String>>),
    /// Numbers.
    Number(Vec<Option<f64>>),
    /// Flags.
    Flag(Vec<Option<bool>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Number(v) => v.len(),
            Values::Flag(v) => v.len(),
        }
    }
}

/// `columns` as a polars DataFrame (text as strings, numbers as floats, flags as booleans; `None` as null).
///
/// # Errors
/// Columns of different lengths or repeated names.
pub fn frame<S: AsRef<str>>(columns: &[(S, Values)]) -> io::Result<DataFrame> {
    let columns: Vec<Column> = columns
        .iter()
        .map(|(name, values)| {
            let name = name.as_ref().into();
            match values {
                Values::Text(v) => Column::new(name, v),
                Values::Number(v) => Column::new(name, v),
                Values::Flag(v) => Column::new(name, v),
            }
        })
        .collect();
    DataFrame::new_infer_height(columns).map_err(io::Error::other)
}

/// Writes `columns` to `path` as Parquet.
///
/// # Errors
/// Columns of different lengths, or the file cannot be written.
pub fn write_parquet<S: AsRef<str>>(path: &Path, columns: &[(S, Values)]) -> io::Result<()> {
    let mut df = frame(columns)?;
    let file = File::create(path)?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map_err(io::Error::other)?;
    Ok(())
}

/// `df` as the bytes of a Parquet file: how tables cross into Python (`polars.read_parquet` reads them with
/// their types, and no Arrow version has to match between the two sides).
///
/// # Errors
/// When polars cannot encode a column.
pub fn parquet_bytes(df: &mut DataFrame) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(df)
        .map_err(io::Error::other)?;
    Ok(bytes)
}

/// Writes `columns` to `path` as CSV (a header line, then one line per row; numbers in Rust's shortest
/// round-trip form).
///
/// # Errors
/// The file cannot be written.
pub fn write_csv<S: AsRef<str>>(path: &Path, columns: &[(S, Values)]) -> io::Result<()> {
    let file = File::create(path)?;
    let mut w = BufWriter::new(file);
    let names: Vec<String> = columns.iter().map(|c| csv_field(c.0.as_ref())).collect();
    writeln!(w, "{}", names.join(","))?;
    let height = columns.first().map_or(0, |(_, v)| v.len());
    for row in 0..height {
        let fields: Vec<String> = columns
            .iter()
            .map(|(_, v)| match v {
                Values::Text(v) => v[row].as_deref().map_or(String::new(), csv_field),
                Values::Number(v) => v[row].map_or(String::new(), |x| x.to_string()),
                Values::Flag(v) => v[row].map_or(String::new(), |x| x.to_string()),
            })
            .collect();
        writeln!(w, "{}", fields.join(","))?;
    }
    w.flush()
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("060750479.01"), "060750479.01");
    }

    #[test]
    fn csv_and_parquet_round_trip_their_shape() {
        let dir = tempfile::tempdir().expect("temp dir");
        let columns = vec![
            ("id", Values::Text(vec![Some("a,1".into()), None])),
            ("x", Values::Number(vec![Some(1.5), None])),
            ("ok", Values::Flag(vec![Some(true), Some(false)])),
        ];
        let csv = dir.path().join("t.csv");
        write_csv(&csv, &columns).expect("csv");
        let text = std::fs::read_to_string(&csv).expect("read");
        assert_eq!(text, "id,x,ok\n\"a,1\",1.5,true\n,,false\n");
        let parquet = dir.path().join("t.parquet");
        write_parquet(&parquet, &columns).expect("parquet");
        assert!(std::fs::metadata(&parquet).expect("written").len() > 0);
    }
}
