//! Region assignment and the sum-preserving join of a coarser grid, on the real Singapore population.

use approx::assert_relative_eq;
use branchnet_core::{FindingKind, NO_REGION};

use crate::fixtures::Copy;

fn rectangle(id: &str, lon: (f64, f64), lat: (f64, f64)) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}","name":"Area {id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{a},{c}],[{b},{c}],[{b},{d}],[{a},{d}],[{a},{c}]]]}}}}"#,
        a = lon.0,
        b = lon.1,
        c = lat.0,
        d = lat.1
    )
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

const SPLIT_LON: f64 = 103.82;
const SPLIT_LAT: f64 = 1.35;
const EAST_EDGE: f64 = 104.0;

#[test]
fn cells_and_sites_get_regions_on_every_level_and_outsiders_are_reported() {
    let copy = Copy::singapore();
    copy.write(
        "halves.geojson",
        &collection(&[
            rectangle("W", (103.5, SPLIT_LON), (1.1, 1.5)),
            rectangle("E", (SPLIT_LON, EAST_EDGE), (1.1, 1.5)),
        ]),
    );
    copy.write(
        "quarters.geojson",
        &collection(&[
            rectangle("SW", (103.5, SPLIT_LON), (1.1, SPLIT_LAT)),
            rectangle("NW", (103.5, SPLIT_LON), (SPLIT_LAT, 1.5)),
            rectangle("SE", (SPLIT_LON, EAST_EDGE), (1.1, SPLIT_LAT)),
            rectangle("NE", (SPLIT_LON, EAST_EDGE), (SPLIT_LAT, 1.5)),
        ]),
    );
    let scenario = copy.csv_scenario(
        "[[regions]]\nlevel = \"half\"\npath = \"halves.geojson\"\nname-property = \"name\"\n\
         [[regions]]\nlevel = \"quarter\"\npath = \"quarters.geojson\"\n",
    );
    let loaded = copy.load(&scenario).expect("valid");
    let s = &loaded.scenario;
    let regions = &s.regions;
    assert_eq!(regions.levels().len(), 2);
    assert_eq!(regions.len(), 6);
    // Parents found by containment.
    for (_, q) in regions.of_level(1) {
        let parent = regions
            .get(q.parent.expect("every quarter has a half"))
            .expect("region");
        assert_eq!(parent.id, &q.id[1..], "quarter {} in half {}", q.id, parent.id);
    }
    assert_eq!(regions.get(0).and_then(|r| r.name.as_deref()), Some("Area W"));

    // Brute force on the CSV's own lon/lat: which cells lie east of the east edge.
    let text = copy.read("population_100m.csv");
    let lons: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().and_then(|v| v.parse().ok()).expect("lon"))
        .collect();
    let expected_outside: Vec<usize> = (0..lons.len())
        .filter(|&i| lons[i] > EAST_EDGE)
        .map(|i| i + 1)
        .collect();
    assert!(
        !expected_outside.is_empty(),
        "the test needs cells beyond the east edge"
    );
    let halves = s.cells.regions(0).expect("level 0");
    let quarters = s.cells.regions(1).expect("level 1");
    for i in 0..s.cells.len() {
        let outside = lons[i] > EAST_EDGE;
        assert_eq!(halves[i] == NO_REGION, outside, "cell {i} at lon {}", lons[i]);
        if !outside {
            let west = lons[i] < SPLIT_LON;
            assert_eq!(
                regions.get(halves[i]).map(|r| r.id.as_str()),
                Some(if west { "W" } else { "E" })
            );
            assert_eq!(regions.get(quarters[i]).and_then(|r| r.parent), Some(halves[i]));
        }
    }
    let outside = loaded
        .report
        .of_kind(FindingKind::CellOutsideRegions)
        .find(|f| f.message.contains("half"))
        .expect("cells outside are reported");
    assert_eq!(outside.rows, expected_outside);
    for site in s.sites.all() {
        assert_eq!(site.regions.len(), 2);
    }
}

#[test]
fn a_named_parent_that_does_not_exist_is_reported() {
    let copy = Copy::singapore();
    copy.write(
        "top.geojson",
        &collection(&[rectangle("ALL", (103.5, 104.2), (1.1, 1.5))]),
    );
    let child = rectangle("C", (103.5, 104.2), (1.1, 1.5)).replace(r#""name":"Area C""#, r#""up":"NOPE""#);
    copy.write("child.geojson", &collection(&[child]));
    let scenario = copy.csv_scenario(
        "[[regions]]\nlevel = \"city\"\npath = \"top.geojson\"\n\
         [[regions]]\nlevel = \"town\"\npath = \"child.geojson\"\nparent-property = \"up\"\n",
    );
    let loaded = copy.load(&scenario).expect("usable");
    let finding = loaded
        .report
        .of_kind(FindingKind::RegionWithoutParent)
        .next()
        .expect("reported");
    assert_eq!(finding.rows, vec![1]);
    assert!(
        finding.message.contains("`up` names no city region"),
        "{}",
        finding.message
    );
}

#[test]
fn a_coarser_grid_joins_onto_the_cells_preserving_its_total() {
    let copy = Copy::singapore();
    // A ~500 m grid over the island and the sea around it, one transaction per grid cell, plus one far away.
    let mut csv = String::from("lon,lat,transactions\n");
    let step = 0.0045;
    let mut total = 0.0;
    let mut i = 0;
    while 103.6 + i as f64 * step < 104.1 {
        let mut j = 0;
        while 1.15 + j as f64 * step < 1.48 {
            csv.push_str(&format!(
                "{:.5},{:.5},1\n",
                103.6 + i as f64 * step,
                1.15 + j as f64 * step
            ));
            total += 1.0;
            j += 1;
        }
        i += 1;
    }
    csv.push_str("103.0,1.0,250\n");
    total += 250.0;
    copy.write("tx.csv", &csv);
    let scenario = copy.csv_scenario(
        "[[transactions]]\npath = \"tx.csv\"\ncolumns = [\"transactions\"]\nweight-column = \"population\"\n",
    );
    let loaded = copy.load(&scenario).expect("valid");
    let joined = loaded
        .scenario
        .cells
        .column_total("transactions")
        .expect("joined column");
    assert_relative_eq!(joined, total, max_relative = 1e-12);
    let orphans = loaded
        .report
        .of_kind(FindingKind::TransactionsWithoutPopulation)
        .next()
        .expect("sea cells and the far cell hold no population");
    let far_row = csv.lines().count() - 1;
    assert!(orphans.rows.contains(&far_row));
    // Footprints are estimated per axis: 0.0045° of longitude at 1.35°N is 111.3 km × cos(1.35°) × 0.0045
    // ≈ 501 m; 0.0045° of latitude near the equator is 110.6 km × 0.0045 ≈ 498 m.
    assert!(orphans.message.contains("(501 m × 498 m)"), "{}", orphans.message);
}

#[test]
fn an_unknown_weight_column_names_the_key_and_the_choices() {
    let copy = Copy::singapore();
    copy.write("tx.csv", "lon,lat,transactions\n103.8,1.35,5\n");
    let scenario = copy.csv_scenario("[[transactions]]\npath = \"tx.csv\"\nweight-column = \"people\"\n");
    let msg = crate::fixtures::error_of(copy.load(&scenario));
    crate::fixtures::assert_mentions(&msg, &["transactions[0].weight-column", "`people`", "population"]);
}
