//! The bundled demo city reads whole, with the figures its generator documents and only the planted findings.

use approx::assert_relative_eq;
use branchnet_core::{FindingKind, NO_REGION, SiteKind};

use crate::fixtures::data_dir;

#[test]
fn the_demo_city_reads_with_its_documented_figures() {
    let dir = data_dir().join("demo-city");
    let loaded = branchnet_io::load_scenario(&dir.join("scenario.toml")).expect("valid");
    let s = &loaded.scenario;
    assert_eq!(s.cells.len(), 244_185);
    assert_eq!(s.sites.count(SiteKind::Own), 81);
    assert_eq!(s.sites.count(SiteKind::Competitor), 200);
    assert_eq!(s.sites.count(SiteKind::Candidate), 1_500);
    let levels: Vec<(String, usize)> = s.summary().regions;
    assert_eq!(
        levels,
        vec![("district".to_string(), 8), ("township".to_string(), 101)]
    );

    // The join preserves the transaction total of the CSV, summed here independently of the reader.
    let csv = std::fs::read_to_string(dir.join("transactions_500m.csv")).expect("csv");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "transactions")
        .expect("transactions column");
    let total: f64 = csv
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(col)
                .and_then(|v| v.parse::<f64>().ok())
                .expect("number")
        })
        .sum();
    let joined = s.cells.column_total("transactions").expect("joined");
    assert_relative_eq!(joined, total, max_relative = 1e-12);

    // Every township's parent is a district, and every cell's township lies in the cell's district.
    let districts = s.cells.regions(0).expect("districts");
    let townships = s.cells.regions(1).expect("townships");
    for (d, t) in districts.iter().zip(townships) {
        if *t != NO_REGION {
            assert_eq!(s.regions.get(*t).and_then(|r| r.parent), Some(*d));
        }
    }

    // Exactly the findings the generator plants (see data/demo-city/README.md).
    let kinds: Vec<FindingKind> = loaded.report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![
            FindingKind::TransactionsWithoutPopulation,
            FindingKind::CellOutsideRegions,
            FindingKind::CellOutsideRegions,
            FindingKind::SharedLocation,
        ]
    );
    assert_eq!(loaded.report.findings[1].rows.len(), 22);
    assert_eq!(loaded.report.findings[0].rows.len(), 18);
}
