//! File formats told from extensions.

use std::path::Path;

use crate::error::InputError;

/// The input formats branchnet reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated values with a header line (`.csv`).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// GeoJSON (`.geojson`, `.json`).
    GeoJson,
    /// GeoTIFF raster (`.tif`, `.tiff`).
    GeoTiff,
}

impl FileFormat {
    fn extensions(self) -> &'static str {
        match self {
            FileFormat::Csv => ".csv",
            FileFormat::Parquet => ".parquet/.pq",
            FileFormat::GeoJson => ".geojson/.json",
            FileFormat::GeoTiff => ".tif/.tiff",
        }
    }
}

/// The format of `path` by extension, if it is one of `accepted`.
///
/// # Errors
/// When the extension is unknown or names a format not accepted here.
pub fn file_format(path: &Path, accepted: &[FileFormat]) -> Result<FileFormat, InputError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("csv") => Some(FileFormat::Csv),
        Some("parquet" | "pq") => Some(FileFormat::Parquet),
        Some("geojson" | "json") => Some(FileFormat::GeoJson),
        Some("tif" | "tiff") => Some(FileFormat::GeoTiff),
        _ => None,
    };
    format.filter(|f| accepted.contains(f)).ok_or_else(|| {
        let expected: Vec<&str> = accepted.iter().map(|f| f.extensions()).collect();
        InputError::UnknownFormat {
            file: path.to_path_buf(),
            expected: expected.join(", "),
        }
    })
}
