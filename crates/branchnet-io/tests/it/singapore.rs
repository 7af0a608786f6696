//! The real Singapore inputs: population raster and CSV, OCBC branches.

use approx::assert_relative_eq;
use branchnet_core::{FindingKind, SiteKind};

use crate::fixtures::{Copy, data_dir};

const CELLS: usize = 19_598;
const PEOPLE: f64 = 5_399_000.0;

#[test]
fn the_raster_reads_as_19598_cells_of_5_4_million_people() {
    let loaded = branchnet_io::load_scenario(&data_dir().join("singapore/scenario.toml")).expect("valid");
    let s = &loaded.scenario;
    assert_eq!(s.cells.len(), CELLS);
    let total = s.cells.column_total("population").expect("population column");
    assert_relative_eq!(total, PEOPLE, max_relative = 1e-4);
    assert_eq!(s.sites.count(SiteKind::Own), 36);
    // 3 arc-seconds at 1.35°N is about 92.6 m.
    let size = s.cells.cell_size_m().expect("raster cell size");
    assert!((92.0..93.5).contains(&size), "{size}");
    // The frame is centred on the island; its corners are far from anywhere that stretches distances.
    assert!((103.6..104.1).contains(&s.frame.central_meridian_deg));
    assert!(
        loaded
            .report
            .of_kind(FindingKind::FrameScaleError)
            .next()
            .is_none()
    );
}

#[test]
fn branches_sharing_an_address_are_reported_not_dropped() {
    let loaded = branchnet_io::load_scenario(&data_dir().join("singapore/scenario.toml")).expect("valid");
    let shared: Vec<_> = loaded.report.of_kind(FindingKind::SharedLocation).collect();
    assert_eq!(shared.len(), 3, "{shared:#?}");
    assert!(
        shared
            .iter()
            .any(|f| f.message.contains("OCBC-001") && f.message.contains("OCBC-004"))
    );
    assert!(shared.iter().all(|f| f.rows.len() >= 2));
}

#[test]
fn the_csv_and_the_raster_agree_cell_for_cell() {
    let copy = Copy::singapore();
    let from_csv = copy.load(&copy.csv_scenario("")).expect("valid");
    let raster = branchnet_io::load_scenario(&data_dir().join("singapore/scenario.toml")).expect("valid");
    let (a, b) = (&from_csv.scenario.cells, &raster.scenario.cells);
    assert_eq!(a.len(), b.len());
    assert_relative_eq!(
        a.column_total("population").expect("population"),
        b.column_total("population").expect("population"),
        // The CSV gives values to 0.01 person (the raster holds f32), which shifts the total by ~40 people.
        max_relative = 1e-5
    );
    // Same frame (same data extent), so the same cells sit at the same metres, to the CSV's 6 decimals.
    assert_relative_eq!(
        from_csv.scenario.frame.central_meridian_deg,
        raster.scenario.frame.central_meridian_deg,
        epsilon = 1e-4
    );
}

#[test]
fn projected_coordinates_with_an_epsg_code_give_the_same_cells() {
    let copy = Copy::singapore();
    let svy21 = branchnet_spatial::Crs::from_epsg(3414).expect("SVY21");
    let text = copy.read("population_100m.csv");
    let mut out = String::from("x,y,population\n");
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|t| t.parse().expect("number")).collect();
        let (x, y) = svy21.from_lon_lat(v[0], v[1]);
        out.push_str(&format!("{x:.3},{y:.3},{}\n", v[2]));
    }
    copy.write("svy21.csv", &out);
    let toml = "name = \"sg\"\n[demand]\npath = \"svy21.csv\"\n\
                coordinates = { x = \"x\", y = \"y\", crs = \"EPSG:3414\" }\n";
    copy.write("svy21.toml", toml);
    let projected = copy.load(&copy.path("svy21.toml")).expect("valid");
    let geographic = copy.load(&copy.csv_scenario("")).expect("valid");
    let (a, b) = (&projected.scenario.cells, &geographic.scenario.cells);
    assert_eq!(a.len(), CELLS);
    // Frames differ slightly (fitted to the data), so compare cell-to-cell distances instead of positions.
    for i in (0..a.len()).step_by(97) {
        let j = (i * 7 + 13) % a.len();
        let da = (a.x()[i] - a.x()[j]).hypot(a.y()[i] - a.y()[j]);
        let db = (b.x()[i] - b.x()[j]).hypot(b.y()[i] - b.y()[j]);
        assert!((da - db).abs() < 0.5, "cells {i}-{j}: {da} vs {db}");
    }
}

#[test]
fn h3_cell_ids_are_placed_at_their_centres() {
    let copy = Copy::singapore();
    // Resolution-9 cells of three OCBC branches, as hex strings and as a 64-bit integer; centres from h3-py 4.5.
    let expected = [
        (1.2825835258232048, 103.84874259272038),
        (1.3543207957681347, 103.94207901284038),
        (1.3408798235523962, 103.70661532202122),
    ];
    copy.write(
        "h3.csv",
        "h3,population\n896520d86dbffff,10\n896526add0bffff,20\n618772213009481727,5\n",
    );
    copy.write(
        "h3.toml",
        "name = \"h3\"\n[demand]\npath = \"h3.csv\"\ncoordinates = { h3 = \"h3\" }\n",
    );
    let loaded = copy.load(&copy.path("h3.toml")).expect("valid");
    let cells = &loaded.scenario.cells;
    assert_eq!(cells.len(), 3);
    assert_relative_eq!(cells.column_total("population").expect("population"), 35.0);
    let frame = branchnet_spatial::MetricFrame::new(loaded.scenario.frame);
    for (i, (lat, lon)) in expected.into_iter().enumerate() {
        let (got_lon, got_lat) = frame.unproject(cells.x()[i], cells.y()[i]);
        assert_relative_eq!(got_lon, lon, epsilon = 1e-8);
        assert_relative_eq!(got_lat, lat, epsilon = 1e-8);
    }
}

#[test]
fn a_shared_address_across_two_files_is_reported_once_per_file() {
    let copy = Copy::singapore();
    // A second own-branch file with one branch at the OCBC Centre address (row 1 of ocbc_branches.csv).
    copy.write("more.csv", "id,lon,lat\nX-1,103.8499,1.2836\n");
    let scenario = copy.csv_scenario("[[sites]]\nkind = \"own\"\npath = \"more.csv\"\n");
    let loaded = copy.load(&scenario).expect("valid");
    let group: Vec<_> = loaded
        .report
        .of_kind(FindingKind::SharedLocation)
        .filter(|f| f.message.contains("X-1"))
        .collect();
    assert_eq!(group.len(), 2, "{group:#?}");
    assert!(
        group
            .iter()
            .any(|f| f.file.as_deref().is_some_and(|p| p.ends_with("more.csv")) && f.rows == [1])
    );
    assert!(group.iter().any(|f| {
        f.file
            .as_deref()
            .is_some_and(|p| p.ends_with("ocbc_branches.csv"))
            && f.rows == [1, 4]
    }));
}
