//! GeoTIFF reader against references: the Singapore raster against its companion CSV, and small
//! rasters written here with the `tiff` encoder whose pixel centres are computed by hand.
#![allow(clippy::unwrap_used, clippy::float_cmp)]

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use approx::assert_relative_eq;
use branchnet_io::raster::{RasterPoints, read_geotiff};
use branchnet_io::{InputError, Location};
use tiff::encoder::colortype::{
    ColorType, Gray8, Gray16, Gray32, Gray32Float, Gray64Float, GrayI8, GrayI16, GrayI32, RGB8,
};
use tiff::encoder::compression::DeflateLevel;
use tiff::encoder::{Compression, TiffEncoder, TiffValue};
use tiff::tags::Tag;

const SINGAPORE_TIF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/singapore/population_100m.tif"
);
const SINGAPORE_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/singapore/population_100m.csv"
);

/// Geo tags to write; `None` leaves a tag out.
#[derive(Default, Clone)]
struct Geo {
    scale: Option<[f64; 3]>,
    tiepoint: Option<Vec<f64>>,
    transformation: Option<[f64; 16]>,
    geokeys: Option<Vec<u16>>,
    nodata: Option<&'static str>,
}

impl Geo {
    /// 10 × 20 unit pixels with the top-left raster corner at (100, 50), EPSG:4326, PixelIsArea.
    fn simple() -> Self {
        Geo {
            scale: Some([10.0, 20.0, 0.0]),
            tiepoint: Some(vec![0.0, 0.0, 0.0, 100.0, 50.0, 0.0]),
            transformation: None,
            geokeys: Some(geokeys(2, 1, 2048, 4326)),
            nodata: None,
        }
    }

    fn nodata(mut self, nodata: &'static str) -> Self {
        self.nodata = Some(nodata);
        self
    }
}

/// A GeoKeyDirectory with GTModelType, GTRasterType and one CRS key (2048 or 3072).
fn geokeys(model_type: u16, raster_type: u16, crs_key: u16, code: u16) -> Vec<u16> {
    vec![
        1,
        1,
        0,
        3, // header: version, revision, minor, number of keys
        1024,
        0,
        1,
        model_type, //
        1025,
        0,
        1,
        raster_type, //
        crs_key,
        0,
        1,
        code,
    ]
}

fn write_geo_tags<W: std::io::Write + std::io::Seek, K: tiff::encoder::TiffKind>(
    dir: &mut tiff::encoder::DirectoryEncoder<'_, W, K>,
    geo: &Geo,
) {
    if let Some(s) = geo.scale {
        dir.write_tag(Tag::ModelPixelScaleTag, &s[..]).unwrap();
    }
    if let Some(t) = &geo.tiepoint {
        dir.write_tag(Tag::ModelTiepointTag, &t[..]).unwrap();
    }
    if let Some(m) = geo.transformation {
        dir.write_tag(Tag::ModelTransformationTag, &m[..]).unwrap();
    }
    if let Some(k) = &geo.geokeys {
        dir.write_tag(Tag::GeoKeyDirectoryTag, &k[..]).unwrap();
    }
    if let Some(n) = geo.nodata {
        dir.write_tag(Tag::GdalNodata, n).unwrap();
    }
}

/// Writes a stripped TIFF of colour type `C` with the given geo tags.
fn write_tiff<C: ColorType>(
    path: &Path,
    width: u32,
    height: u32,
    data: &[C::Inner],
    geo: &Geo,
    compression: Compression,
) where
    [C::Inner]: TiffValue,
{
    let file = BufWriter::new(File::create(path).unwrap());
    let mut encoder = TiffEncoder::new(file).unwrap().with_compression(compression);
    let mut image = encoder.new_image::<C>(width, height).unwrap();
    // Several strips, so that strip boundaries are exercised.
    image.rows_per_strip(2).unwrap();
    write_geo_tags(image.encoder(), geo);
    image.write_data(data).unwrap();
}

fn write_f32(path: &Path, width: u32, height: u32, data: &[f32], geo: &Geo) {
    write_tiff::<Gray32Float>(path, width, height, data, geo, Compression::Uncompressed);
}

/// Writes an uncompressed tiled f32 TIFF by hand (the encoder writes strips only).
fn write_tiled_f32(path: &Path, width: u32, height: u32, tile: u32, data: &[f32], geo: &Geo) {
    let file = BufWriter::new(File::create(path).unwrap());
    let mut encoder = TiffEncoder::new(file).unwrap();
    let mut dir = encoder.image_directory().unwrap();
    let (across, down) = (width.div_ceil(tile), height.div_ceil(tile));
    let mut offsets = Vec::new();
    let mut counts = Vec::new();
    for ty in 0..down {
        for tx in 0..across {
            // Tiles are always full size; the part outside the image is padding.
            let mut buf = vec![0.0f32; (tile * tile) as usize];
            for r in 0..tile {
                for c in 0..tile {
                    let (row, col) = (ty * tile + r, tx * tile + c);
                    if row < height && col < width {
                        buf[(r * tile + c) as usize] = data[(row * width + col) as usize];
                    }
                }
            }
            offsets.push(u32::try_from(dir.write_data(&buf[..]).unwrap()).unwrap());
            counts.push(tile * tile * 4);
        }
    }
    dir.write_tag(Tag::ImageWidth, width).unwrap();
    dir.write_tag(Tag::ImageLength, height).unwrap();
    dir.write_tag(Tag::BitsPerSample, 32u16).unwrap();
    dir.write_tag(Tag::Compression, 1u16).unwrap();
    dir.write_tag(Tag::PhotometricInterpretation, 1u16).unwrap();
    dir.write_tag(Tag::SamplesPerPixel, 1u16).unwrap();
    dir.write_tag(Tag::TileWidth, tile).unwrap();
    dir.write_tag(Tag::TileLength, tile).unwrap();
    dir.write_tag(Tag::TileOffsets, &offsets[..]).unwrap();
    dir.write_tag(Tag::TileByteCounts, &counts[..]).unwrap();
    dir.write_tag(Tag::SampleFormat, 3u16).unwrap();
    write_geo_tags(&mut dir, geo);
    dir.finish().unwrap();
}

fn raster_error(result: Result<RasterPoints, InputError>) -> (Location, String) {
    match result {
        Err(InputError::Raster { at, message }) => (at, message),
        other => panic!("expected a Raster error, got {other:?}"),
    }
}

fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn singapore_raster_matches_its_csv_cell_by_cell() {
    let raster = read_geotiff(Path::new(SINGAPORE_TIF)).unwrap();
    assert_eq!(raster.epsg, Some(4326), "{}", raster.crs_description);
    assert_eq!((raster.width, raster.height), (579, 375));
    assert!(raster.nodata.is_some_and(f64::is_nan));
    assert_relative_eq!(raster.pixel_size.0, 0.0008333, max_relative = 1e-9);
    assert_relative_eq!(raster.pixel_size.1, 0.0008333, max_relative = 1e-9);
    assert_eq!(raster.x.len(), 19_598);
    assert_eq!(raster.y.len(), 19_598);
    assert_eq!(raster.values.len(), 19_598);
    assert_eq!(raster.pixels.len(), 19_598);
    assert_eq!(
        raster.nodata_pixels + raster.zero_pixels + raster.values.len(),
        579 * 375
    );
    let total: f64 = raster.values.iter().sum();
    assert!(
        (total - 5_399_000.0).abs() <= 5_399_000.0 * 1e-4,
        "total population {total}"
    );

    // Join on the grid index relative to the raster's westernmost and northernmost centres: cell
    // centres differ by whole pixels, so rounding is far from any tie.
    let (dx, dy) = raster.pixel_size;
    let west = raster.x.iter().copied().fold(f64::INFINITY, f64::min);
    let north = raster.y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let key = |x: f64, y: f64| {
        (
            ((x - west) / dx).round() as i64,
            ((north - y) / dy).round() as i64,
        )
    };
    let index: HashMap<(i64, i64), usize> = (0..raster.x.len())
        .map(|i| (key(raster.x[i], raster.y[i]), i))
        .collect();
    assert_eq!(index.len(), raster.x.len(), "two kept pixels share a cell");

    let csv = std::fs::read_to_string(SINGAPORE_CSV).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("lon,lat,population"));
    let mut matched = vec![false; raster.x.len()];
    let mut rows = 0;
    for line in lines {
        let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        let (lon, lat, population) = (f[0], f[1], f[2]);
        let i = *index
            .get(&key(lon, lat))
            .unwrap_or_else(|| panic!("CSV cell {line} is not a populated raster pixel"));
        assert!(!matched[i], "CSV cell {line} listed twice");
        matched[i] = true;
        assert!((raster.x[i] - lon).abs() < 1.0e-6, "{line}: x {}", raster.x[i]);
        assert!((raster.y[i] - lat).abs() < 1.0e-6, "{line}: y {}", raster.y[i]);
        assert!(
            (raster.values[i] - population).abs() < 0.01,
            "{line}: value {}",
            raster.values[i]
        );
        rows += 1;
    }
    assert_eq!(rows, 19_598);
    assert!(matched.iter().all(|&m| m), "a raster pixel is not in the CSV");

    // Pixel indices agree with the centres: row-major order, centre = corner + (index + ½) · size.
    let (r, c) = raster.pixels[0];
    for i in 0..raster.x.len() {
        let (ri, ci) = raster.pixels[i];
        assert_relative_eq!(
            raster.x[i] - raster.x[0],
            (f64::from(ci) - f64::from(c)) * dx,
            epsilon = 1e-9
        );
        assert_relative_eq!(
            raster.y[0] - raster.y[i],
            (f64::from(ri) - f64::from(r)) * dy,
            epsilon = 1e-9
        );
    }
    assert!(raster.pixels.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn no_geo_tags_is_an_error_naming_the_missing_tags() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "plain.tif");
    write_f32(&path, 2, 2, &[1.0; 4], &Geo::default());
    let (at, message) = raster_error(read_geotiff(&path));
    assert_eq!(at.file, path);
    assert!(message.contains("no georeference"), "{message}");
    for tag in ["ModelPixelScaleTag", "ModelTiepointTag", "ModelTransformationTag"] {
        assert!(message.contains(tag), "{message}");
    }

    // A tie point without a pixel scale is no georeference either.
    let path = tmp(&dir, "tiepoint_only.tif");
    let geo = Geo {
        scale: None,
        ..Geo::simple()
    };
    write_f32(&path, 2, 2, &[1.0; 4], &geo);
    let (_, message) = raster_error(read_geotiff(&path));
    assert!(message.contains("only ModelTiepointTag"), "{message}");
}

#[test]
fn three_bands_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "rgb.tif");
    write_tiff::<RGB8>(&path, 2, 2, &[1; 12], &Geo::simple(), Compression::Uncompressed);
    let (at, message) = raster_error(read_geotiff(&path));
    assert_eq!(at.column.as_deref(), Some("SamplesPerPixel"));
    assert!(message.contains("3 bands"), "{message}");
    assert!(message.contains("single-band"), "{message}");
}

#[test]
fn negative_pixel_is_an_error_naming_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "negative.tif");
    // 4 × 3; nodata -9999 at (0, 1) is fine; -5 at 0-based (1, 2) is the first bad pixel, -7 at
    // (2, 0) comes later in row order.
    #[rustfmt::skip]
    let data = [
        1.0, -9999.0, 2.0, 3.0,
        4.0, 5.0, -5.0, 6.0,
        -7.0, 8.0, 9.0, 10.0,
    ];
    write_f32(&path, 4, 3, &data, &Geo::simple().nodata("-9999"));
    match read_geotiff(&path) {
        Err(InputError::BadValue { at, expected, found }) => {
            assert_eq!(at.file, path);
            assert_eq!(at.row, Some(2), "1-based raster row");
            let column = at.column.unwrap();
            assert!(column.contains("pixel column 3"), "{column}");
            assert!(expected.contains("non-negative"), "{expected}");
            assert!(expected.contains("-9999"), "{expected}");
            assert_eq!(found, "-5");
        }
        other => panic!("expected BadValue, got {other:?}"),
    }

    // Without a nodata tag, -9999 itself is the bad value.
    let path = tmp(&dir, "negative_no_nodata.tif");
    write_f32(&path, 4, 3, &data, &Geo::simple());
    match read_geotiff(&path) {
        Err(InputError::BadValue { at, found, .. }) => {
            assert_eq!(at.row, Some(1));
            assert!(at.column.unwrap().contains("pixel column 2"));
            assert_eq!(found, "-9999");
        }
        other => panic!("expected BadValue, got {other:?}"),
    }
}

#[test]
fn nodata_pixels_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "nodata.tif");
    #[rustfmt::skip]
    let data = [
        -9999.0, 1.5, 0.0,
        2.5, f32::NAN, -9999.0,
        -9999.0, 0.0, 3.5,
    ];
    write_f32(&path, 3, 3, &data, &Geo::simple().nodata("-9999"));
    let r = read_geotiff(&path).unwrap();
    assert_eq!(r.nodata, Some(-9999.0));
    assert_eq!(r.nodata_pixels, 4, "three -9999 and one NaN");
    assert_eq!(r.zero_pixels, 2);
    assert_eq!(r.values, vec![1.5, 2.5, 3.5]);
    assert_eq!(r.pixels, vec![(0, 1), (1, 0), (2, 2)]);

    // Integer raster, nodata written as GDAL does for Int16.
    let path = tmp(&dir, "nodata_i16.tif");
    let data: [i16; 4] = [-9999, 7, 0, -9999];
    write_tiff::<GrayI16>(
        &path,
        2,
        2,
        &data,
        &Geo::simple().nodata("-9999"),
        Compression::Uncompressed,
    );
    let r = read_geotiff(&path).unwrap();
    assert_eq!((r.nodata_pixels, r.zero_pixels), (2, 1));
    assert_eq!(r.values, vec![7.0]);

    // f32 nodata given with fewer digits than f32::MIN needs still matches (compared as f32).
    let path = tmp(&dir, "nodata_f32_min.tif");
    write_f32(
        &path,
        2,
        1,
        &[f32::MIN, 4.0],
        &Geo::simple().nodata("-3.40282347e+38"),
    );
    let r = read_geotiff(&path).unwrap();
    assert_eq!((r.nodata_pixels, r.values.len()), (1, 1));

    // An unreadable nodata value is named.
    let path = tmp(&dir, "nodata_bad.tif");
    write_f32(&path, 2, 1, &[1.0, 4.0], &Geo::simple().nodata("none"));
    let (at, message) = raster_error(read_geotiff(&path));
    assert_eq!(at.column.as_deref(), Some("GDAL_NODATA"));
    assert!(message.contains("`none`"), "{message}");
}

#[test]
fn pixel_is_area_and_pixel_is_point_centres() {
    let dir = tempfile::tempdir().unwrap();
    // 3 × 2, every pixel populated; scale (10, 20), tie point raster (0, 0) -> model (100, 50).
    let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];

    let area = tmp(&dir, "area.tif");
    write_f32(&area, 3, 2, &data, &Geo::simple());
    let r = read_geotiff(&area).unwrap();
    // PixelIsArea: (100, 50) is the top-left corner; pixel (row, col) centre is
    // (100 + 10 (col + ½), 50 − 20 (row + ½)).
    assert_eq!(r.x, vec![105.0, 115.0, 125.0, 105.0, 115.0, 125.0]);
    assert_eq!(r.y, vec![40.0, 40.0, 40.0, 20.0, 20.0, 20.0]);
    assert_eq!(r.pixel_size, (10.0, 20.0));
    assert_eq!(r.epsg, Some(4326));
    assert_eq!((r.width, r.height), (3, 2));

    let point = tmp(&dir, "point.tif");
    let geo = Geo {
        geokeys: Some(geokeys(2, 2, 2048, 4326)),
        ..Geo::simple()
    };
    write_f32(&point, 3, 2, &data, &geo);
    let r = read_geotiff(&point).unwrap();
    // PixelIsPoint: (100, 50) is the centre of pixel (0, 0).
    assert_eq!(r.x, vec![100.0, 110.0, 120.0, 100.0, 110.0, 120.0]);
    assert_eq!(r.y, vec![50.0, 50.0, 50.0, 30.0, 30.0, 30.0]);

    // A tie point away from the origin: raster (2, 1) -> model (120, 30) is the same grid.
    let moved = tmp(&dir, "moved_tiepoint.tif");
    let geo = Geo {
        tiepoint: Some(vec![2.0, 1.0, 0.0, 120.0, 30.0, 0.0]),
        ..Geo::simple()
    };
    write_f32(&moved, 3, 2, &data, &geo);
    let r = read_geotiff(&moved).unwrap();
    assert_eq!(r.x, vec![105.0, 115.0, 125.0, 105.0, 115.0, 125.0]);
    assert_eq!(r.y, vec![40.0, 40.0, 40.0, 20.0, 20.0, 20.0]);
}

#[test]
fn model_transformation_with_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "rotated.tif");
    // x = 1000 + 6 i − 8 j, y = 2000 + 8 i + 6 j: 10-unit pixels rotated by atan(8/6).
    #[rustfmt::skip]
    let matrix = [
        6.0, -8.0, 0.0, 1000.0,
        8.0, 6.0, 0.0, 2000.0,
        0.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 1.0,
    ];
    let geo = Geo {
        scale: None,
        tiepoint: None,
        transformation: Some(matrix),
        geokeys: Some(geokeys(1, 1, 3072, 32648)),
        nodata: None,
    };
    write_f32(&path, 3, 2, &[0.0, 0.0, 1.0, 0.0, 0.0, 2.0], &geo);
    let r = read_geotiff(&path).unwrap();
    assert_eq!(r.epsg, Some(32648));
    assert!(r.crs_description.contains("ProjectedCSTypeGeoKey"));
    assert_eq!(r.pixel_size, (10.0, 10.0));
    assert_eq!(r.pixels, vec![(0, 2), (1, 2)]);
    // Pixel (0, 2): i = 2.5, j = 0.5; pixel (1, 2): i = 2.5, j = 1.5.
    assert_eq!(r.x, vec![1000.0 + 15.0 - 4.0, 1000.0 + 15.0 - 12.0]);
    assert_eq!(r.y, vec![2000.0 + 20.0 + 3.0, 2000.0 + 20.0 + 9.0]);
}

#[test]
fn crs_description_when_no_epsg_code() {
    let dir = tempfile::tempdir().unwrap();

    let path = tmp(&dir, "user_defined.tif");
    let geo = Geo {
        geokeys: Some(geokeys(1, 1, 3072, 32767)),
        ..Geo::simple()
    };
    write_f32(&path, 1, 1, &[1.0], &geo);
    let r = read_geotiff(&path).unwrap();
    assert_eq!(r.epsg, None);
    assert!(
        r.crs_description
            .contains("user-defined projected CRS (ProjectedCSTypeGeoKey = 32767)"),
        "{}",
        r.crs_description
    );

    let path = tmp(&dir, "no_keys.tif");
    let geo = Geo {
        geokeys: None,
        ..Geo::simple()
    };
    write_f32(&path, 1, 1, &[1.0], &geo);
    let r = read_geotiff(&path).unwrap();
    assert_eq!(r.epsg, None);
    assert_eq!(r.crs_description, "no GeoKeyDirectory tag");
}

#[test]
fn not_a_tiff_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("text.tif", &b"lon,lat,population\n103.8,1.3,10\n"[..]),
        ("empty.tif", &b""[..]),
    ] {
        let path = tmp(&dir, name);
        std::fs::write(&path, content).unwrap();
        match read_geotiff(&path) {
            Err(InputError::Malformed { at, message }) => {
                assert_eq!(at, Location::file(&path));
                assert!(message.contains("not a TIFF"), "{message}");
            }
            other => panic!("{name}: expected Malformed, got {other:?}"),
        }
    }

    let missing = tmp(&dir, "missing.tif");
    assert!(matches!(read_geotiff(&missing), Err(InputError::Io { .. })));
}

#[test]
fn all_zero_raster_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "zeros.tif");
    write_f32(&path, 3, 2, &[0.0; 6], &Geo::simple().nodata("-9999"));
    match read_geotiff(&path) {
        Err(InputError::Empty { file, expected }) => {
            assert_eq!(file, path);
            assert!(expected.contains("6 zero pixels"), "{expected}");
        }
        other => panic!("expected Empty, got {other:?}"),
    }
}

#[test]
fn every_sample_format_and_compression() {
    let dir = tempfile::tempdir().unwrap();
    let geo = Geo::simple();
    // 2 × 3 with one zero; values 1..=5 survive every type.
    let check = |path: &Path| {
        let r = read_geotiff(path).unwrap();
        assert_eq!(r.values, vec![1.0, 2.0, 3.0, 4.0, 5.0], "{}", path.display());
        assert_eq!(r.zero_pixels, 1);
        assert_eq!(r.pixels[0], (0, 1));
    };
    let none = || Compression::Uncompressed;

    let p = tmp(&dir, "u8.tif");
    write_tiff::<Gray8>(&p, 2, 3, &[0, 1, 2, 3, 4, 5], &geo, none());
    check(&p);
    let p = tmp(&dir, "u16.tif");
    write_tiff::<Gray16>(&p, 2, 3, &[0, 1, 2, 3, 4, 5], &geo, none());
    check(&p);
    let p = tmp(&dir, "u32.tif");
    write_tiff::<Gray32>(&p, 2, 3, &[0, 1, 2, 3, 4, 5], &geo, none());
    check(&p);
    let p = tmp(&dir, "i8.tif");
    write_tiff::<GrayI8>(&p, 2, 3, &[0, 1, 2, 3, 4, 5], &geo, none());
    check(&p);
    let p = tmp(&dir, "i16.tif");
    write_tiff::<GrayI16>(&p, 2, 3, &[0, 1, 2, 3, 4, 5], &geo, none());
    check(&p);
    let p = tmp(&dir, "i32.tif");
    write_tiff::<GrayI32>(&p, 2, 3, &[0, 1, 2, 3, 4, 5], &geo, none());
    check(&p);
    let p = tmp(&dir, "f64.tif");
    write_tiff::<Gray64Float>(&p, 2, 3, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &geo, none());
    check(&p);

    let f32s = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0];
    let p = tmp(&dir, "f32_lzw.tif");
    write_tiff::<Gray32Float>(&p, 2, 3, &f32s, &geo, Compression::Lzw);
    check(&p);
    let p = tmp(&dir, "f32_deflate.tif");
    write_tiff::<Gray32Float>(
        &p,
        2,
        3,
        &f32s,
        &geo,
        Compression::Deflate(DeflateLevel::Balanced),
    );
    check(&p);
    let p = tmp(&dir, "f32_packbits.tif");
    write_tiff::<Gray32Float>(&p, 2, 3, &f32s, &geo, Compression::Packbits);
    check(&p);
}

#[test]
fn tiled_raster_reads_like_the_stripped_one() {
    let dir = tempfile::tempdir().unwrap();
    // 37 × 21 with 16 × 16 tiles: partial tiles on the right and at the bottom.
    let (width, height) = (37u32, 21u32);
    let data: Vec<f32> = (0..width * height)
        .map(|i| if i % 3 == 0 { 0.0 } else { i as f32 })
        .collect();
    let geo = Geo::simple().nodata("-9999");
    let tiled = tmp(&dir, "tiled.tif");
    write_tiled_f32(&tiled, width, height, 16, &data, &geo);
    let stripped = tmp(&dir, "stripped.tif");
    write_f32(&stripped, width, height, &data, &geo);

    let t = read_geotiff(&tiled).unwrap();
    let s = read_geotiff(&stripped).unwrap();
    assert_eq!(t, s);
    assert_eq!(t.values.len(), (width * height) as usize * 2 / 3);
    // Spot check: pixel index 38 is row 1, column 1.
    let i = t.pixels.iter().position(|&p| p == (1, 1)).unwrap();
    assert_eq!(t.values[i], 38.0);
    assert_eq!((t.x[i], t.y[i]), (115.0, 20.0));
}

#[test]
fn large_raster_spans_several_scan_blocks() {
    let dir = tempfile::tempdir().unwrap();
    // 300 × 500 = 150,000 pixels: the scan works on blocks of whole rows of about 65,536 pixels.
    let (width, height) = (300u32, 500u32);
    let value = |row: u32, col: u32| ((row * width + col) % 7) as f32;
    let mut data: Vec<f32> = (0..height)
        .flat_map(|r| (0..width).map(move |c| value(r, c)))
        .collect();
    let path = tmp(&dir, "large.tif");
    write_tiff::<Gray32Float>(&path, width, height, &data, &Geo::simple(), Compression::Lzw);
    let r = read_geotiff(&path).unwrap();
    let zeros = data.iter().filter(|&&v| v == 0.0).count();
    assert_eq!(r.zero_pixels, zeros);
    assert_eq!(r.values.len(), data.len() - zeros);
    assert!(r.pixels.windows(2).all(|w| w[0] < w[1]), "row-major order");
    for (i, &(row, col)) in r.pixels.iter().enumerate() {
        assert_eq!(r.values[i], f64::from(value(row, col)));
        assert_eq!(r.x[i], 100.0 + 10.0 * (f64::from(col) + 0.5));
        assert_eq!(r.y[i], 50.0 - 20.0 * (f64::from(row) + 0.5));
    }

    // Two bad pixels in different blocks: the first in row order is reported.
    data[(450 * width + 3) as usize] = -1.0;
    data[(400 * width + 17) as usize] = -2.0;
    write_tiff::<Gray32Float>(&path, width, height, &data, &Geo::simple(), Compression::Lzw);
    match read_geotiff(&path) {
        Err(InputError::BadValue { at, found, .. }) => {
            assert_eq!(at.row, Some(401));
            assert!(at.column.unwrap().starts_with("pixel column 18 "));
            assert_eq!(found, "-2");
        }
        other => panic!("expected BadValue, got {other:?}"),
    }
}
