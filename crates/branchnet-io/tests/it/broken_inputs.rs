//! One test per class of bad input, each on a broken copy of the real Singapore inputs. The message must name
//! the file, the row and column (or key), and what was expected.

use crate::fixtures::{Copy, assert_mentions, error_of};

#[test]
fn a_missing_column_lists_the_columns_the_file_has() {
    let copy = Copy::singapore();
    copy.replace_line("ocbc_branches.csv", 1, "branch_id,name,address,lon,latitud");
    let scenario = copy.csv_scenario("coordinates = { lon = \"lon\", lat = \"lat\" }\n");
    let msg = error_of(copy.load(&scenario));
    assert_mentions(
        &msg,
        &[
            "ocbc_branches.csv",
            "column `lat`",
            "missing",
            "latitud",
            "branch_id, name, address, lon",
        ],
    );
}

#[test]
fn a_missing_id_column_says_how_to_name_it() {
    let copy = Copy::singapore();
    let scenario = copy.path("no-id.toml");
    copy.write(
        "no-id.toml",
        "name = \"sg\"\n[demand]\npath = \"population_100m.csv\"\n\
         [[sites]]\nkind = \"own\"\npath = \"ocbc_branches.csv\"\n",
    );
    let msg = error_of(copy.load(&scenario));
    assert_mentions(&msg, &["ocbc_branches.csv", "column `id`", "id-column"]);
}

#[test]
fn a_mistyped_value_names_its_row_and_column() {
    let copy = Copy::singapore();
    // Data row 17 is line 18 (the header is line 1).
    copy.replace_line("population_100m.csv", 18, "103.829442,1.469525,abc");
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(
        &msg,
        &[
            "population_100m.csv",
            "row 17",
            "column `population`",
            "found `abc`",
        ],
    );
}

#[test]
fn a_text_column_where_numbers_belong_is_a_type_error_in_parquet_too() {
    use polars::prelude::*;
    let copy = Copy::singapore();
    let mut df = df!(
        "lon" => [103.8, 103.9],
        "lat" => [1.3, 1.35],
        "population" => ["12", "many"]
    )
    .expect("frame");
    let file = std::fs::File::create(copy.path("cells.parquet")).expect("create");
    ParquetWriter::new(file).finish(&mut df).expect("write");
    copy.write(
        "pq.toml",
        "name = \"pq\"\n[demand]\npath = \"cells.parquet\"\ncolumns = [\"population\"]\n",
    );
    let msg = error_of(copy.load(&copy.path("pq.toml")));
    assert_mentions(
        &msg,
        &["cells.parquet", "row 2", "column `population`", "found `many`"],
    );
}

#[test]
fn a_nan_coordinate_is_rejected() {
    let copy = Copy::singapore();
    copy.replace_line("population_100m.csv", 6, "NaN,1.470358,189.09");
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(
        &msg,
        &[
            "population_100m.csv",
            "row 5",
            "column `lon`",
            "longitude in degrees between -180 and 180",
            "NaN",
        ],
    );
}

#[test]
fn an_out_of_range_latitude_is_rejected() {
    let copy = Copy::singapore();
    copy.replace_line(
        "ocbc_branches.csv",
        4,
        "OCBC-003,OCBC Jurong Point,\"1 Jurong West Central 2\",103.7068,133.94",
    );
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(
        &msg,
        &[
            "ocbc_branches.csv",
            "row 3",
            "column `lat`",
            "between -90 and 90",
            "133.94",
        ],
    );
}

#[test]
fn a_negative_population_is_rejected() {
    let copy = Copy::singapore();
    copy.replace_line("population_100m.csv", 10, "103.819442,1.470358,-3");
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(
        &msg,
        &[
            "population_100m.csv",
            "row 9",
            "column `population`",
            "non-negative",
            "-3",
        ],
    );
}

#[test]
fn signed_columns_may_be_negative() {
    let copy = Copy::singapore();
    copy.write(
        "g.csv",
        "lon,lat,population,growth\n103.8,1.3,10,-0.02\n103.81,1.3,5,0.04\n",
    );
    copy.write(
        "g.toml",
        "name = \"g\"\n[demand]\npath = \"g.csv\"\nsigned-columns = [\"growth\"]\n",
    );
    let loaded = copy.load(&copy.path("g.toml")).expect("growth may be negative");
    assert_eq!(loaded.scenario.cells.column("growth"), Some(&[-0.02, 0.04][..]));
}

#[test]
fn a_duplicate_id_names_both_rows() {
    let copy = Copy::singapore();
    copy.replace_line(
        "ocbc_branches.csv",
        11,
        "OCBC-001,OCBC Somewhere,\"1 Some Road\",103.80,1.30",
    );
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(
        &msg,
        &[
            "ocbc_branches.csv, row 10, column `branch_id`",
            "duplicate id `OCBC-001`",
            "row 1",
        ],
    );
}

#[test]
fn ids_must_be_unique_across_site_layers() {
    let copy = Copy::singapore();
    copy.write("competitors.csv", "id,lon,lat\nOCBC-002,103.9,1.35\n");
    let scenario = copy.csv_scenario("\n[[sites]]\nkind = \"competitor\"\npath = \"competitors.csv\"\n");
    let msg = error_of(copy.load(&scenario));
    assert_mentions(
        &msg,
        &[
            "competitors.csv, row 1",
            "duplicate id `OCBC-002`",
            "ocbc_branches.csv, row 2",
        ],
    );
}

#[test]
fn empty_files_are_named() {
    let copy = Copy::singapore();
    copy.write("ocbc_branches.csv", "");
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(&msg, &["ocbc_branches.csv", "empty"]);

    let copy = Copy::singapore();
    copy.write("population_100m.csv", "lon,lat,population\n");
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(&msg, &["population_100m.csv", "empty", "at least one data row"]);
}

#[test]
fn a_raster_without_georeference_is_rejected() {
    use tiff::encoder::{TiffEncoder, colortype::Gray32Float};
    let copy = Copy::singapore();
    let file = std::fs::File::create(copy.path("plain.tif")).expect("create");
    let mut encoder = TiffEncoder::new(file).expect("encoder");
    encoder
        .write_image::<Gray32Float>(2, 2, &[1.0, 2.0, 3.0, 4.0])
        .expect("write");
    copy.write("plain.toml", "name = \"r\"\n[demand]\npath = \"plain.tif\"\n");
    let msg = error_of(copy.load(&copy.path("plain.toml")));
    assert_mentions(&msg, &["plain.tif", "georeference", "ModelTiepoint"]);
}

#[test]
fn an_unknown_crs_names_the_scenario_key() {
    let copy = Copy::singapore();
    copy.write("xy.csv", "x,y,population\n28000,38000,3\n");
    copy.write(
        "xy.toml",
        "name = \"xy\"\n[demand]\npath = \"xy.csv\"\ncoordinates = { x = \"x\", y = \"y\", crs = \"EPSG:9999\" }\n",
    );
    let msg = error_of(copy.load(&copy.path("xy.toml")));
    assert_mentions(
        &msg,
        &["xy.toml", "demand.coordinates.crs", "EPSG:9999", "EPSG:4326"],
    );
}

#[test]
fn projected_coordinates_without_a_crs_are_a_config_error() {
    let copy = Copy::singapore();
    copy.write("xy.csv", "x,y,population\n28000,38000,3\n");
    copy.write(
        "xy.toml",
        "name = \"xy\"\n[demand]\npath = \"xy.csv\"\ncoordinates = { x = \"x\", y = \"y\" }\n",
    );
    let msg = error_of(copy.load(&copy.path("xy.toml")));
    assert_mentions(&msg, &["xy.toml", "demand.coordinates", "need `crs`"]);
}

#[test]
fn unknown_keys_in_the_scenario_are_named_with_their_line() {
    let copy = Copy::singapore();
    copy.write(
        "typo.toml",
        "name = \"sg\"\n\n[demand]\npath = \"population_100m.csv\"\nradius-km = 3\n",
    );
    let msg = error_of(copy.load(&copy.path("typo.toml")));
    assert_mentions(
        &msg,
        &[
            "typo.toml",
            "line 5",
            "unknown field `radius-km`",
            "expected one of",
        ],
    );
}

#[test]
fn an_unknown_branch_format_lists_the_formats() {
    let copy = Copy::singapore();
    copy.write(
        "b.csv",
        "id,lon,lat,format\nA,103.8,1.3,full\nB,103.9,1.3,kiosk\n",
    );
    copy.write(
        "b.toml",
        "name = \"b\"\n[demand]\npath = \"population_100m.csv\"\n[[sites]]\nkind = \"own\"\npath = \"b.csv\"\n",
    );
    let msg = error_of(copy.load(&copy.path("b.toml")));
    assert_mentions(
        &msg,
        &[
            "b.csv",
            "row 2",
            "column `format`",
            "full, light, smart, community, self-service",
            "`kiosk`",
        ],
    );
}

#[test]
fn a_region_that_is_not_a_polygon_is_rejected() {
    let copy = Copy::singapore();
    copy.write(
        "regions.geojson",
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"id":"W"},"geometry":{"type":"Point","coordinates":[103.8,1.3]}}]}"#,
    );
    let scenario = copy.csv_scenario("[[regions]]\nlevel = \"area\"\npath = \"regions.geojson\"\n");
    let msg = error_of(copy.load(&scenario));
    assert_mentions(
        &msg,
        &[
            "regions.geojson",
            "row 1",
            "geometry",
            "Polygon or MultiPolygon",
            "a Point geometry",
        ],
    );
}

#[test]
fn a_file_of_unknown_format_says_which_are_accepted() {
    let copy = Copy::singapore();
    copy.write("cells.xlsx", "not really");
    copy.write("x.toml", "name = \"x\"\n[demand]\npath = \"cells.xlsx\"\n");
    let msg = error_of(copy.load(&copy.path("x.toml")));
    assert_mentions(&msg, &["cells.xlsx", ".csv", ".parquet", ".tif"]);
}

#[test]
fn swapped_gauss_kruger_x_and_y_are_caught() {
    // Chinese surveying writes X as the northing: a point near Wuhan in EPSG:4547 (CGCS2000 GK CM 114°E) with
    // its columns swapped lands ~2,900 km from the central meridian, not at a plausible place.
    let copy = Copy::singapore();
    copy.write("gk.csv", "x,y,population\n3387000.0,528700.0,12\n");
    copy.write(
        "gk.toml",
        "name = \"gk\"\n[demand]\npath = \"gk.csv\"\ncoordinates = { x = \"x\", y = \"y\", crs = \"EPSG:4547\" }\n",
    );
    let msg = error_of(copy.load(&copy.path("gk.toml")));
    assert_mentions(
        &msg,
        &["gk.csv", "row 1", "column `x/y`", "may be swapped", "x = 3387000"],
    );
    // The same point the right way round reads.
    copy.write("gk.csv", "x,y,population\n528700.0,3387000.0,12\n");
    let loaded = copy.load(&copy.path("gk.toml")).expect("valid");
    assert_eq!(loaded.scenario.cells.len(), 1);
}

#[test]
fn keys_that_do_not_apply_are_errors_not_ignored() {
    let copy = Copy::singapore();
    copy.write(
        "r.toml",
        "name = \"r\"\n[demand]\npath = \"population_100m.tif\"\ncolumns = [\"population\"]\n",
    );
    let msg = error_of(copy.load(&copy.path("r.toml")));
    assert_mentions(
        &msg,
        &[
            "r.toml",
            "demand.columns",
            "does not apply to a raster",
            "raster-value",
        ],
    );

    copy.write("pts.geojson", r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A"},"geometry":{"type":"Point","coordinates":[103.8,1.3]}}]}"#);
    let scenario = copy.csv_scenario(
        "[[sites]]\nkind = \"candidate\"\npath = \"pts.geojson\"\ncoordinates = { lon = \"x\", lat = \"y\" }\n",
    );
    let msg = error_of(copy.load(&scenario));
    assert_mentions(&msg, &["sites[1].coordinates", "does not apply to GeoJSON"]);
}

#[test]
fn a_signed_weight_column_is_refused() {
    let copy = Copy::singapore();
    copy.write("g.csv", "lon,lat,population,growth\n103.8,1.3,10,-0.02\n");
    copy.write("tx.csv", "lon,lat,transactions\n103.8,1.3,5\n");
    copy.write(
        "g.toml",
        "name = \"g\"\n[demand]\npath = \"g.csv\"\nsigned-columns = [\"growth\"]\n\
         [[transactions]]\npath = \"tx.csv\"\nweight-column = \"growth\"\n",
    );
    let msg = error_of(copy.load(&copy.path("g.toml")));
    assert_mentions(
        &msg,
        &[
            "g.toml",
            "transactions[0].weight-column",
            "`growth` may be negative",
        ],
    );
}

#[test]
fn a_misspelt_region_property_lists_the_properties() {
    let copy = Copy::singapore();
    copy.write(
        "regions.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A","name":"All"},
            "geometry":{"type":"Polygon","coordinates":[[[103.5,1.1],[104.2,1.1],[104.2,1.5],[103.5,1.5],[103.5,1.1]]]}}]}"#,
    );
    let scenario = copy
        .csv_scenario("[[regions]]\nlevel = \"all\"\npath = \"regions.geojson\"\nname-property = \"nmae\"\n");
    let msg = error_of(copy.load(&scenario));
    assert_mentions(
        &msg,
        &["regions.geojson", "column `nmae`", "name-property", "id, name"],
    );
}

#[test]
fn an_unquoted_comma_names_its_line() {
    let copy = Copy::singapore();
    copy.replace_line(
        "ocbc_branches.csv",
        8,
        "OCBC-007,OCBC Somewhere,1 Some Road, #01-02,103.80,1.30",
    );
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(
        &msg,
        &[
            "ocbc_branches.csv",
            "line 8",
            "6 fields where the header has 5",
            "quote",
        ],
    );
}

#[test]
fn a_file_that_is_not_utf8_says_so() {
    let copy = Copy::singapore();
    // "北京" in GBK.
    let mut bytes = b"id,name,lon,lat\nA,".to_vec();
    bytes.extend_from_slice(&[0xB1, 0xB1, 0xBE, 0xA9]);
    bytes.extend_from_slice(b",103.8,1.3\n");
    std::fs::write(copy.path("ocbc_branches.csv"), bytes).expect("write");
    let msg = error_of(copy.load(&copy.csv_scenario("")));
    assert_mentions(&msg, &["ocbc_branches.csv", "line 2", "not UTF-8"]);
}
