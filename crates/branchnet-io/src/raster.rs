//! Single-band GeoTIFF rasters (population counts such as WorldPop) read as points at pixel centres.
//!
//! Only what branchnet needs of GeoTIFF is read: the geotransform (`ModelPixelScaleTag` +
//! `ModelTiepointTag`, or `ModelTransformationTag`), the raster type (`RasterTypeGeoKey`), the CRS
//! code (`ProjectedCSTypeGeoKey` / `GeographicTypeGeoKey`) and GDAL's nodata tag. Pixel decoding
//! (strips or tiles; uncompressed, LZW, Deflate or PackBits) is left to the `tiff` crate.
//!
//! A population raster is mostly empty (sea, nodata, uninhabited land), so only the populated pixels
//! are returned; the full grid is held once, as decoded, and scanned in place.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use rayon::prelude::*;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::{PhotometricInterpretation, Tag};
use tiff::{TiffError, TiffFormatError};
use tracing::{debug, instrument};

use crate::error::{InputError, Location};

/// GeoKey: model type (1 projected, 2 geographic, 3 geocentric).
const GT_MODEL_TYPE: u16 = 1024;
/// GeoKey: 1 PixelIsArea, 2 PixelIsPoint.
const GT_RASTER_TYPE: u16 = 1025;
/// GeoKey: free-text description of the CRS.
const GT_CITATION: u16 = 1026;
/// GeoKey: EPSG code of a geographic CRS.
const GEOGRAPHIC_TYPE: u16 = 2048;
/// GeoKey: EPSG code of a projected CRS.
const PROJECTED_CS_TYPE: u16 = 3072;
/// GeoKey value meaning "user-defined", i.e. no EPSG code.
const USER_DEFINED: u16 = 32767;

/// Populated pixels of a single-band GeoTIFF, as points at pixel centres in the raster's own CRS.
///
/// A pixel is kept when its value is finite, greater than zero and not the nodata value. The
/// vectors `x`, `y`, `values` and `pixels` are parallel and ordered row by row, left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterPoints {
    /// Easting (or longitude) of each kept pixel's centre, in the raster's CRS units.
    pub x: Vec<f64>,
    /// Northing (or latitude) of each kept pixel's centre, in the raster's CRS units.
    pub y: Vec<f64>,
    /// Value of each kept pixel.
    pub values: Vec<f64>,
    /// `(row, column)` of each kept pixel, counted from 0 at the top-left, for reporting.
    pub pixels: Vec<(u32, u32)>,
    /// EPSG code from the GeoKeyDirectory: `ProjectedCSTypeGeoKey` (3072), else
    /// `GeographicTypeGeoKey` (2048); `None` when the CRS is user-defined (32767) or not given.
    pub epsg: Option<u32>,
    /// What the GeoKeys say about the CRS, in words, for error messages
    /// (e.g. `"EPSG:4326 (GeographicTypeGeoKey)"` or `"no GeoKeyDirectory tag"`).
    pub crs_description: String,
    /// Pixel size `(dx, dy)` in CRS units, both positive (lengths of the column and row steps).
    pub pixel_size: (f64, f64),
    /// Raster width in pixels.
    pub width: u32,
    /// Raster height in pixels.
    pub height: u32,
    /// Nodata value from GDAL's `GDAL_NODATA` tag (42113), if any.
    pub nodata: Option<f64>,
    /// Pixels equal to the nodata value, or NaN.
    pub nodata_pixels: usize,
    /// Pixels equal to zero.
    pub zero_pixels: usize,
}

/// Reads the populated pixels of a single-band GeoTIFF.
///
/// Every pixel with a finite value above zero that is not the nodata value becomes a point at the
/// pixel's centre, in the raster's CRS (`RasterTypeGeoKey` is honoured: with `PixelIsPoint` the
/// tie point is a pixel centre, with `PixelIsArea`, the default, a pixel corner).
///
/// # Errors
///
/// - [`InputError::Io`] if the file cannot be read;
/// - [`InputError::Malformed`] if it is not a TIFF, or its pixel data cannot be decoded;
/// - [`InputError::Raster`] if it has more than one band, an unsupported sample type, or no
///   (or an unusable) georeference;
/// - [`InputError::BadValue`] for a negative or infinite pixel that is not the nodata value;
/// - [`InputError::Empty`] if no pixel is populated.
#[instrument(skip_all, fields(path = %path.display()))]
pub fn read_geotiff(path: &Path) -> Result<RasterPoints, InputError> {
    let file = File::open(path).map_err(|e| InputError::io(path, e))?;
    let mut decoder = Decoder::new(BufReader::new(file))
        .map_err(|e| tiff_error(path, e))?
        // Country rasters exceed the default 256 MiB decoding limit; memory is the caller's call.
        .with_limits(Limits::unlimited());
    let (width, height) = decoder.dimensions().map_err(|e| tiff_error(path, e))?;

    check_single_band(path, &mut decoder)?;
    let nodata = read_nodata(path, &mut decoder)?;
    let keys = GeoKeys::read(path, &mut decoder)?;
    let transform = read_transform(path, &mut decoder, keys.raster_type)?;
    let (epsg, crs_description) = keys.crs();
    debug!(
        width,
        height,
        ?nodata,
        ?epsg,
        crs = %crs_description,
        "reading GeoTIFF"
    );

    let image = decoder.read_image().map_err(|e| tiff_error(path, e))?;
    let scan = scan_image(&image, width as usize, nodata);
    // The decoded grid is no longer needed; free it before the point vectors grow.
    drop(image);
    let scan = scan.map_err(|bad| bad_pixel(path, bad, nodata))?;

    let nodata_pixels = scan.iter().map(|r| r.nodata_pixels).sum();
    let zero_pixels = scan.iter().map(|r| r.zero_pixels).sum();
    let n: usize = scan.iter().map(|r| r.kept.len()).sum();
    if n == 0 {
        return Err(InputError::Empty {
            file: path.to_path_buf(),
            expected: format!(
                "at least one pixel with a value above zero (the {width} × {height} raster has \
                 {nodata_pixels} nodata and {zero_pixels} zero pixels)"
            ),
        });
    }

    let mut points = RasterPoints {
        x: Vec::with_capacity(n),
        y: Vec::with_capacity(n),
        values: Vec::with_capacity(n),
        pixels: Vec::with_capacity(n),
        epsg,
        crs_description,
        pixel_size: transform.pixel_size(),
        width,
        height,
        nodata,
        nodata_pixels,
        zero_pixels,
    };
    // Consuming block by block frees each block's list as the points grow.
    for block in scan {
        for (row, col, value) in block.kept {
            let (x, y) = transform.centre(row, col);
            points.x.push(x);
            points.y.push(y);
            points.values.push(value);
            points.pixels.push((row, col));
        }
    }
    debug!(
        kept = n,
        nodata = points.nodata_pixels,
        zero = points.zero_pixels,
        "GeoTIFF read"
    );
    Ok(points)
}

/// Maps a `tiff` error: I/O stays I/O, anything else means the file is not a (decodable) TIFF.
fn tiff_error(path: &Path, error: TiffError) -> InputError {
    let message = match error {
        TiffError::IoError(e) => return InputError::io(path, e),
        TiffError::FormatError(
            TiffFormatError::TiffSignatureNotFound | TiffFormatError::TiffSignatureInvalid,
        ) => "not a TIFF file (no TIFF signature); expected a GeoTIFF raster".to_string(),
        other => format!(
            "cannot decode the TIFF: {other}; expected a single-band GeoTIFF with strips or tiles, \
             uncompressed or compressed with LZW, Deflate or PackBits"
        ),
    };
    InputError::Malformed {
        at: Location::file(path),
        message,
    }
}

/// A `Raster` error about one TIFF tag or GeoKey.
fn raster_error(path: &Path, tag: &str, message: String) -> InputError {
    InputError::Raster {
        at: Location::column(path, tag),
        message,
    }
}

/// Rejects multi-band rasters and sample types that would not decode to one number per pixel.
fn check_single_band<R: std::io::Read + std::io::Seek>(
    path: &Path,
    decoder: &mut Decoder<R>,
) -> Result<(), InputError> {
    let samples: u16 = decoder
        .find_tag_unsigned(Tag::SamplesPerPixel)
        .map_err(|e| tiff_error(path, e))?
        .unwrap_or(1);
    if samples != 1 {
        return Err(raster_error(
            path,
            "SamplesPerPixel",
            format!(
                "the raster has {samples} bands (SamplesPerPixel = {samples}); expected a \
                 single-band raster (extract the band first, e.g. `gdal_translate -b 1`)"
            ),
        ));
    }
    let bits: Vec<u16> = decoder
        .find_tag_unsigned_vec(Tag::BitsPerSample)
        .map_err(|e| tiff_error(path, e))?
        .unwrap_or_else(|| vec![1]);
    // Below 8 bits the decoder returns packed bytes, not one value per pixel.
    if let Some(&b) = bits.iter().find(|&&b| !matches!(b, 8 | 16 | 32 | 64)) {
        return Err(raster_error(
            path,
            "BitsPerSample",
            format!(
                "{b} bits per sample; expected 8, 16, 32 or 64 (u8/u16/u32/i8/i16/i32/f32/f64 \
                 pixels)"
            ),
        ));
    }
    let format: u16 = decoder
        .find_tag_unsigned(Tag::SampleFormat)
        .map_err(|e| tiff_error(path, e))?
        .unwrap_or(1);
    if !matches!(format, 1..=3) {
        return Err(raster_error(
            path,
            "SampleFormat",
            format!(
                "sample format {format}; expected 1 (unsigned integer), 2 (signed integer) or 3 \
                 (floating point)"
            ),
        ));
    }
    // The decoder inverts WhiteIsZero pixels as for images, which would corrupt counts.
    let photometric: Option<u16> = decoder
        .find_tag_unsigned(Tag::PhotometricInterpretation)
        .map_err(|e| tiff_error(path, e))?;
    if photometric == Some(PhotometricInterpretation::WhiteIsZero.to_u16()) {
        return Err(raster_error(
            path,
            "PhotometricInterpretation",
            "WhiteIsZero (0) would invert the pixel values; expected BlackIsZero (1), as GDAL \
             writes"
                .to_string(),
        ));
    }
    Ok(())
}

/// Reads `GDAL_NODATA`: ASCII, a number or `nan`.
fn read_nodata<R: std::io::Read + std::io::Seek>(
    path: &Path,
    decoder: &mut Decoder<R>,
) -> Result<Option<f64>, InputError> {
    let Some(value) = decoder
        .find_tag(Tag::GdalNodata)
        .map_err(|e| tiff_error(path, e))?
    else {
        return Ok(None);
    };
    let bad = |found: &str| {
        raster_error(
            path,
            "GDAL_NODATA",
            format!("nodata value `{found}`; expected a number or `nan` as ASCII text"),
        )
    };
    let text = value.into_string().map_err(|_| bad("(not ASCII)"))?;
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    // Rust parses "NaN"/"nan"/"inf" case-insensitively, which covers what GDAL writes.
    text.parse::<f64>().map(Some).map_err(|_| bad(text))
}

/// The GeoKeys branchnet uses.
#[derive(Debug, Default)]
struct GeoKeys {
    /// Whether the GeoKeyDirectory tag is present.
    present: bool,
    model_type: Option<u16>,
    raster_type: Option<u16>,
    geographic: Option<u16>,
    projected: Option<u16>,
    citation: Option<String>,
}

impl GeoKeys {
    /// Reads the GeoKeyDirectory: a header `[version, revision, minor, count]`, then `count` entries
    /// `[key, location, count, value]` where `location` 0 means the value is inline.
    fn read<R: std::io::Read + std::io::Seek>(
        path: &Path,
        decoder: &mut Decoder<R>,
    ) -> Result<Self, InputError> {
        let Some(value) = decoder
            .find_tag(Tag::GeoKeyDirectoryTag)
            .map_err(|e| tiff_error(path, e))?
        else {
            return Ok(Self::default());
        };
        let bad = |what: &str| {
            raster_error(
                path,
                "GeoKeyDirectoryTag",
                format!("{what}; expected SHORT values: a 4-value header then 4 values per key"),
            )
        };
        let dir = value.into_u16_vec().map_err(|_| bad("not SHORT values"))?;
        let count = usize::from(*dir.get(3).ok_or_else(|| bad("shorter than its header"))?);
        let entries = dir
            .get(4..4 + 4 * count)
            .ok_or_else(|| bad(&format!("{count} keys announced, fewer present")))?;

        let mut keys = GeoKeys {
            present: true,
            ..Self::default()
        };
        for entry in entries.chunks_exact(4) {
            let (key, location, len, value) = (entry[0], entry[1], entry[2], entry[3]);
            match (key, location) {
                (GT_MODEL_TYPE, 0) => keys.model_type = Some(value),
                (GT_RASTER_TYPE, 0) => keys.raster_type = Some(value),
                (GEOGRAPHIC_TYPE, 0) => keys.geographic = Some(value),
                (PROJECTED_CS_TYPE, 0) => keys.projected = Some(value),
                (GT_CITATION, location) if location == Tag::GeoAsciiParamsTag.to_u16() => {
                    keys.citation = ascii_param(decoder, value, len);
                }
                // Other keys (datum, units, projection parameters) are not needed to place pixels.
                _ => {}
            }
        }
        Ok(keys)
    }

    /// EPSG code and a description of what the keys said.
    fn crs(&self) -> (Option<u32>, String) {
        if !self.present {
            return (None, "no GeoKeyDirectory tag".to_string());
        }
        let citation = match &self.citation {
            Some(c) if !c.is_empty() => format!(", citation \"{c}\""),
            _ => String::new(),
        };
        let (epsg, description) = match (self.projected, self.geographic, self.model_type) {
            (Some(USER_DEFINED), _, _) => (
                None,
                format!("user-defined projected CRS (ProjectedCSTypeGeoKey = {USER_DEFINED})"),
            ),
            (Some(0), _, _) => (
                None,
                "undefined projected CRS (ProjectedCSTypeGeoKey = 0)".to_string(),
            ),
            (Some(code), _, _) => (
                Some(u32::from(code)),
                format!("EPSG:{code} (ProjectedCSTypeGeoKey)"),
            ),
            // A projected model without its code: the geographic key would name only the base
            // datum, and the coordinates are not in degrees, so no code is given.
            (None, _, Some(1)) => (
                None,
                "projected CRS without ProjectedCSTypeGeoKey (GTModelTypeGeoKey = 1)".to_string(),
            ),
            (None, Some(USER_DEFINED), _) => (
                None,
                format!("user-defined geographic CRS (GeographicTypeGeoKey = {USER_DEFINED})"),
            ),
            (None, Some(0), _) => (
                None,
                "undefined geographic CRS (GeographicTypeGeoKey = 0)".to_string(),
            ),
            (None, Some(code), _) => (
                Some(u32::from(code)),
                format!("EPSG:{code} (GeographicTypeGeoKey)"),
            ),
            (None, None, _) => (
                None,
                "GeoKeyDirectory without ProjectedCSTypeGeoKey or GeographicTypeGeoKey".to_string(),
            ),
        };
        (epsg, description + &citation)
    }
}

/// An ASCII GeoKey value: `len` characters from `offset` in `GeoAsciiParamsTag`, `|`-terminated.
/// Only used for descriptions, so any problem just yields `None`.
fn ascii_param<R: std::io::Read + std::io::Seek>(
    decoder: &mut Decoder<R>,
    offset: u16,
    len: u16,
) -> Option<String> {
    let text = decoder
        .find_tag(Tag::GeoAsciiParamsTag)
        .ok()??
        .into_string()
        .ok()?;
    let start = usize::from(offset);
    let end = (start + usize::from(len)).min(text.len());
    let s = text.get(start..end)?;
    Some(s.trim_end_matches(['|', '\0']).trim().to_string())
}

/// Raster-to-model affine transform: `x = a·i + b·j + c`, `y = d·i + e·j + f` for raster
/// coordinates `(i, j)` = (column, row), with the pixel-centre offset already folded in.
#[derive(Debug, Clone, Copy)]
struct Transform {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
    /// Raster coordinate of a pixel's centre relative to its index: 0.5 for PixelIsArea
    /// (raster coordinates run along pixel edges), 0 for PixelIsPoint (they hit pixel centres).
    centre_offset: f64,
}

impl Transform {
    /// Model coordinates of the centre of pixel `(row, col)`.
    fn centre(&self, row: u32, col: u32) -> (f64, f64) {
        let i = f64::from(col) + self.centre_offset;
        let j = f64::from(row) + self.centre_offset;
        (self.a * i + self.b * j + self.c, self.d * i + self.e * j + self.f)
    }

    /// Lengths of one column step and one row step in model units.
    fn pixel_size(&self) -> (f64, f64) {
        (self.a.hypot(self.d), self.b.hypot(self.e))
    }
}

/// Reads the geotransform from `ModelTransformationTag`, or else `ModelPixelScaleTag` +
/// `ModelTiepointTag`.
fn read_transform<R: std::io::Read + std::io::Seek>(
    path: &Path,
    decoder: &mut Decoder<R>,
    raster_type: Option<u16>,
) -> Result<Transform, InputError> {
    let centre_offset = match raster_type {
        None | Some(1) => 0.5,
        Some(2) => 0.0,
        Some(other) => {
            return Err(raster_error(
                path,
                "GTRasterTypeGeoKey",
                format!("raster type {other}; expected 1 (PixelIsArea) or 2 (PixelIsPoint)"),
            ));
        }
    };
    let read_f64s = |decoder: &mut Decoder<R>, tag: Tag, name: &str| {
        decoder
            .find_tag(tag)
            .map_err(|e| tiff_error(path, e))?
            .map(|v| {
                v.into_f64_vec()
                    .map_err(|_| raster_error(path, name, "not DOUBLE values; expected DOUBLE".to_string()))
            })
            .transpose()
    };
    let matrix = read_f64s(decoder, Tag::ModelTransformationTag, "ModelTransformationTag")?;
    let scale = read_f64s(decoder, Tag::ModelPixelScaleTag, "ModelPixelScaleTag")?;
    let tiepoints = read_f64s(decoder, Tag::ModelTiepointTag, "ModelTiepointTag")?;

    let (tag, transform) = match (matrix, scale, tiepoints) {
        (Some(m), _, _) => {
            if m.len() != 16 {
                return Err(raster_error(
                    path,
                    "ModelTransformationTag",
                    format!("{} values; expected 16 (a 4 × 4 matrix)", m.len()),
                ));
            }
            let transform = Transform {
                a: m[0],
                b: m[1],
                c: m[3],
                d: m[4],
                e: m[5],
                f: m[7],
                centre_offset,
            };
            ("ModelTransformationTag", transform)
        }
        (None, Some(scale), Some(tie)) => {
            if scale.len() < 2 {
                return Err(raster_error(
                    path,
                    "ModelPixelScaleTag",
                    format!("{} values; expected 3 (Sx, Sy, Sz)", scale.len()),
                ));
            }
            if tie.len() < 6 {
                return Err(raster_error(
                    path,
                    "ModelTiepointTag",
                    format!("{} values; expected 6 (I, J, K, X, Y, Z)", tie.len()),
                ));
            }
            if tie.len() > 6 {
                // Several tie points without a transform are ground control points; with a pixel
                // scale GDAL uses the first one, and so do we.
                debug!(tiepoints = tie.len() / 6, "several tie points; using the first");
            }
            let (sx, sy) = (scale[0], scale[1]);
            let (ti, tj, tx, ty) = (tie[0], tie[1], tie[3], tie[4]);
            // Row index grows southwards while Y grows northwards, hence −Sy.
            let transform = Transform {
                a: sx,
                b: 0.0,
                c: tx - ti * sx,
                d: 0.0,
                e: -sy,
                f: ty + tj * sy,
                centre_offset,
            };
            ("ModelPixelScaleTag", transform)
        }
        (None, scale, tie) => {
            let found = match (scale.is_some(), tie.is_some()) {
                (true, false) => "only ModelPixelScaleTag",
                (false, true) => "only ModelTiepointTag",
                _ => "none of them",
            };
            return Err(raster_error(
                path,
                "ModelPixelScaleTag/ModelTiepointTag/ModelTransformationTag",
                format!(
                    "the raster has no georeference ({found}); expected ModelPixelScaleTag \
                     (33550) + ModelTiepointTag (33922), or ModelTransformationTag (34264)"
                ),
            ));
        }
    };

    let coefficients = [
        transform.a,
        transform.b,
        transform.c,
        transform.d,
        transform.e,
        transform.f,
    ];
    let determinant = transform.a * transform.e - transform.b * transform.d;
    if coefficients.iter().any(|v| !v.is_finite()) || determinant == 0.0 {
        return Err(raster_error(
            path,
            tag,
            format!(
                "degenerate geotransform (x = {} + {}·col + {}·row, y = {} + {}·col + {}·row); \
                 expected finite values and non-zero pixel sizes",
                transform.c, transform.a, transform.b, transform.f, transform.d, transform.e
            ),
        ));
    }
    Ok(transform)
}

/// Outcome of scanning one block of raster rows.
#[derive(Debug, Default)]
struct BlockScan {
    /// `(row, column, value)` of the block's populated pixels, row-major.
    kept: Vec<(u32, u32, f64)>,
    nodata_pixels: usize,
    zero_pixels: usize,
}

/// The first (row-major) pixel that is neither populated, zero nor nodata.
#[derive(Debug, Clone, Copy)]
struct BadPixel {
    row: u32,
    col: u32,
    value: f64,
}

/// One decoded sample type, compared to nodata in its own precision.
trait Sample: Copy + Send + Sync {
    fn to_f64(self) -> f64;
    /// Whether the pixel is the nodata value (`nodata` cast to this type, so that a `GDAL_NODATA`
    /// written with fewer digits than an f32 needs still matches) or NaN.
    fn is_nodata(self, nodata: Option<f64>) -> bool;
}

macro_rules! integer_sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            #[allow(clippy::cast_precision_loss, reason = "64-bit counts above 2^53 are not populations")]
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn is_nodata(self, nodata: Option<f64>) -> bool {
                nodata.is_some_and(|n| self.to_f64() == n)
            }
        }
    )*};
}
integer_sample!(u8, u16, u32, u64, i8, i16, i32, i64);

impl Sample for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn is_nodata(self, nodata: Option<f64>) -> bool {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "rounding nodata to f32 is the point"
        )]
        let matches = nodata.is_some_and(|n| self == n as f32);
        self.is_nan() || matches
    }
}

impl Sample for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn is_nodata(self, nodata: Option<f64>) -> bool {
        self.is_nan() || nodata.is_some_and(|n| self == n)
    }
}

/// Scans the decoded grid, whatever its sample type, into per-block results or the first bad pixel.
fn scan_image(image: &DecodingResult, width: usize, nodata: Option<f64>) -> Result<Vec<BlockScan>, BadPixel> {
    match image {
        DecodingResult::U8(v) => scan(v, width, nodata),
        DecodingResult::U16(v) => scan(v, width, nodata),
        DecodingResult::U32(v) => scan(v, width, nodata),
        DecodingResult::U64(v) => scan(v, width, nodata),
        DecodingResult::I8(v) => scan(v, width, nodata),
        DecodingResult::I16(v) => scan(v, width, nodata),
        DecodingResult::I32(v) => scan(v, width, nodata),
        DecodingResult::I64(v) => scan(v, width, nodata),
        DecodingResult::F32(v) => scan(v, width, nodata),
        DecodingResult::F64(v) => scan(v, width, nodata),
        // Half floats: widen the whole grid (f16 rasters are rare and small enough).
        DecodingResult::F16(v) => {
            let wide: Vec<f32> = v.iter().map(|h| h.to_f32()).collect();
            scan(&wide, width, nodata)
        }
    }
}

/// Pixels per parallel work item: enough to amortise scheduling, few enough to balance the load.
const BLOCK_PIXELS: usize = 1 << 16;

/// Scans blocks of whole rows in parallel; each block keeps its own counts, and the first bad pixel
/// is picked in block order afterwards, so the result does not depend on scheduling.
fn scan<T: Sample>(pixels: &[T], width: usize, nodata: Option<f64>) -> Result<Vec<BlockScan>, BadPixel> {
    if width == 0 {
        return Ok(Vec::new());
    }
    let block_rows = (BLOCK_PIXELS / width).max(1);
    // Indices fit u32 because TIFF dimensions are u32.
    let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let blocks: Vec<Result<BlockScan, BadPixel>> = pixels
        .par_chunks(width * block_rows)
        .enumerate()
        .map(|(block, chunk)| {
            let mut out = BlockScan::default();
            for (k, &p) in chunk.iter().enumerate() {
                if p.is_nodata(nodata) {
                    out.nodata_pixels += 1;
                    continue;
                }
                let (row, col) = (index(block * block_rows + k / width), index(k % width));
                let value = p.to_f64();
                if value == 0.0 {
                    out.zero_pixels += 1;
                } else if value > 0.0 && value.is_finite() {
                    out.kept.push((row, col, value));
                } else {
                    return Err(BadPixel { row, col, value });
                }
            }
            Ok(out)
        })
        .collect();
    blocks.into_iter().collect()
}

/// The error for a pixel that is negative or infinite and not nodata.
fn bad_pixel(path: &Path, bad: BadPixel, nodata: Option<f64>) -> InputError {
    let expected = match nodata {
        Some(n) => format!("a non-negative value or the nodata value {n}"),
        None => "a non-negative value (the raster has no GDAL_NODATA tag)".to_string(),
    };
    let expected = if bad.value.is_infinite() && bad.value > 0.0 {
        expected.replacen("a non-negative", "a finite non-negative", 1)
    } else {
        expected
    };
    InputError::BadValue {
        at: Location::cell(
            path,
            bad.row as usize + 1,
            format!(
                "pixel column {} (raster rows and columns counted from 1 at the top-left)",
                u64::from(bad.col) + 1
            ),
        ),
        expected,
        found: bad.value.to_string(),
    }
}
