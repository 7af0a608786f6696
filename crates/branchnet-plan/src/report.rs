//! The self-contained HTML report of a plan: one file that opens offline (inline CSS and SVG, no script, no
//! fonts or images from elsewhere), for the people who decide on the plan.
//!
//! It shows, in order: the title block with the stage status and notes; the map (demand density, region
//! outlines, competitors, every action: kept, closed, relocated with an arrow, opened, converted); the region
//! table; KPIs before and after; the actions with their counts; and the micro site choices, collapsed.
//!
//! ```
//! # use branchnet_plan::{KpiComparison, Kpis, Plan};
//! # use branchnet_plan::report::{MapLayers, html_report};
//! # let kpis = Kpis { branches: 0, population_covered: 0.0, population: 0.0, elderly_covered: None,
//! #     elderly: None, demand_covered: 0.0, demand: 0.0, coverage: 0.0, mean_distance_m: 0.0,
//! #     p95_distance_m: 0.0, captured_demand: None, market_share: None, share_waiting_too_long: None,
//! #     branches_per_region: vec![], annual_cost: 0.0, capital_cost: 0.0 };
//! let plan = Plan {
//!     scenario: "demo".into(),
//!     currency: "CNY".into(),
//!     directions: vec![],
//!     actions: vec![],
//!     sites: vec![],
//!     kpis: KpiComparison { before: kpis.clone(), after: kpis },
//!     budget: Default::default(),
//!     stages: vec![],
//!     notes: vec![],
//! };
//! let html = html_report(&plan, &MapLayers::default());
//! assert!(html.contains(r#"<svg id="map""#));
//! ```

mod format;
mod map;
mod tables;

use std::fmt::Write;
use std::path::Path;

pub use map::{CompetitorMark, DEMAND_RAMP, DemandBlock, MAX_BLOCKS, MapLayers, RegionOutline};
pub use tables::{MAX_ACTION_ROWS, MAX_SITE_CHOICES};

use crate::{ActionKind, Plan};
use format::{esc, int, pct, qty};

/// The page's style sheet, inlined so the file stands alone.
const CSS: &str = include_str!("report/report.css");

/// The whole report as one HTML document.
pub fn html_report(plan: &Plan, layers: &MapLayers) -> String {
    let mut s = String::with_capacity(64 * 1024 + layers.blocks.len() * 32);
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Branch network plan — {}</title><style>{CSS}</style></head><body>"#,
        esc(&plan.scenario)
    );
    s.push_str(&title_block(plan));
    s.push_str(&section("map-section", "Map", &map_block(plan, layers)));
    s.push_str(&section(
        "regions-section",
        "Regions",
        &wide(&tables::regions(&plan.directions)),
    ));
    s.push_str(&section("kpis-section", "Network figures", &tables::kpis(plan)));
    s.push_str(&section(
        "actions-section",
        "Actions",
        &wide(&tables::actions(plan)),
    ));
    s.push_str(&section(
        "sites-section",
        "Site choices",
        &tables::sites(&plan.sites),
    ));
    let _ = write!(
        s,
        r#"<footer class="muted">Written by branchnet {}.</footer></body></html>"#,
        env!("CARGO_PKG_VERSION")
    );
    s
}

/// A short document for a notebook cell: title, headline figures, stages, the map and the KPI table.
///
/// It is a whole document with the report's style sheet; the Python package shows it inside an iframe, so
/// the style cannot reach the notebook around it.
pub fn summary_html(plan: &Plan, layers: &MapLayers) -> String {
    let mut s = String::with_capacity(32 * 1024 + layers.blocks.len() * 32);
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Branch network plan — {}</title><style>{CSS}</style></head><body>"#,
        esc(&plan.scenario)
    );
    let _ = write!(
        s,
        r#"<header><h1>Branch network plan — {}</h1><p class="meta">money in <b>{}</b> · {} regions · {} actions</p>"#,
        esc(&plan.scenario),
        esc(&plan.currency),
        int(plan.directions.len()),
        int(plan.actions.len())
    );
    s.push_str(&headline(plan));
    s.push_str(&tables::stages(&plan.stages));
    s.push_str("</header>");
    s.push_str(&section("map-section", "Map", &map_block(plan, layers)));
    s.push_str(&section("kpis-section", "Network figures", &tables::kpis(plan)));
    s.push_str("</body></html>");
    s
}

/// Writes [`html_report`] to `path`.
///
/// # Errors
/// When the file cannot be written.
pub fn write_report(plan: &Plan, layers: &MapLayers, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, html_report(plan, layers))
}

/// A titled section.
fn section(id: &str, title: &str, body: &str) -> String {
    format!(r#"<section id="{id}"><h2>{}</h2>{body}</section>"#, esc(title))
}

/// A horizontally scrolling box for tables wider than the page.
fn wide(table: &str) -> String {
    format!(r#"<div class="wide-table">{table}</div>"#)
}

/// Title, currency, headline figures, stage status and notes.
fn title_block(plan: &Plan) -> String {
    let mut s = format!(
        r#"<header><h1>Branch network plan — {}</h1><p class="meta">Scenario <b>{}</b> · money in <b>{}</b> · {} regions · {} actions</p>"#,
        esc(&plan.scenario),
        esc(&plan.scenario),
        esc(&plan.currency),
        int(plan.directions.len()),
        int(plan.actions.len())
    );
    s.push_str(&headline(plan));
    s.push_str("<h3>Stages</h3>");
    s.push_str(&tables::stages(&plan.stages));
    s.push_str("<h3>Notes</h3>");
    s.push_str(&tables::notes(&plan.notes));
    s.push_str("</header>");
    s
}

/// The few figures a reader wants first: branches, coverage, demand covered, and what changes.
fn headline(plan: &Plan) -> String {
    let (b, a) = (&plan.kpis.before, &plan.kpis.after);
    let changes: Vec<String> = [
        ActionKind::Relocate,
        ActionKind::Open,
        ActionKind::Close,
        ActionKind::Convert,
    ]
    .into_iter()
    .map(|k| format!("{} {}", int(tables::count_of(&plan.actions, k)), k.as_str()))
    .collect();
    format!(
        r#"<div class="headline"><div>Own branches<b>{} → {}</b></div><div>Population coverage<b>{} → {}</b></div><div>Demand covered<b>{} → {}</b></div><div>Changes<b>{}</b></div></div>"#,
        int(b.branches),
        int(a.branches),
        pct(b.coverage),
        pct(a.coverage),
        qty(b.demand_covered),
        qty(a.demand_covered),
        changes.join(" · ")
    )
}

/// The map and its legend side by side.
fn map_block(plan: &Plan, layers: &MapLayers) -> String {
    format!(
        r#"<div class="map-wrap"><div class="map-box">{}</div><aside class="legend">{}</aside></div>"#,
        map::svg(plan, layers),
        legend(plan, layers)
    )
}

/// The legend: layer switches, the marks with their counts, the density classes.
fn legend(plan: &Plan, layers: &MapLayers) -> String {
    let mut s = String::from("<h3>Own branches</h3><ul>");
    for kind in [
        ActionKind::Keep,
        ActionKind::Close,
        ActionKind::Relocate,
        ActionKind::Open,
        ActionKind::Convert,
    ] {
        let count = int(tables::count_of(&plan.actions, kind));
        let item = format!("{}{} ({count})", map::legend_swatch(Some(kind)), kind.as_str());
        if kind == ActionKind::Keep {
            let _ = write!(
                s,
                r#"<li><label><input type="checkbox" id="show-keep" checked>{item}</label></li>"#
            );
        } else {
            let _ = write!(s, "<li>{item}</li>");
        }
    }
    let _ = write!(
        s,
        r#"</ul><h3>Context</h3><ul><li><label><input type="checkbox" id="show-competitors" checked>{}competitors ({})</label></li><li><label><input type="checkbox" id="show-regions" checked><span class="outline-swatch"></span>regions ({})</label></li><li><label><input type="checkbox" id="show-demand" checked>demand</label></li></ul>"#,
        map::legend_swatch(None),
        int(layers.competitors.len()),
        int(layers.regions.len())
    );
    s.push_str(&density_legend(layers));
    s
}

/// The density classes: ranges of demand per km², light to dark.
fn density_legend(layers: &MapLayers) -> String {
    if layers.blocks.is_empty() {
        return r#"<h3>Demand</h3><p class="muted">No demand on the map.</p>"#.to_string();
    }
    let breaks = map::density_breaks(layers);
    let classes = breaks.len() + 1;
    let mut s = format!(
        r#"<h3>Demand per km²</h3><p class="muted">blocks of {}</p><ul id="density-legend">"#,
        format::dist(layers.block_m)
    );
    for class in 0..classes {
        let label = match (class.checked_sub(1).map(|i| breaks[i]), breaks.get(class)) {
            (None, Some(hi)) => format!("below {}", qty(*hi)),
            (Some(lo), Some(hi)) => format!("{} – {}", qty(lo), qty(*hi)),
            (Some(lo), None) => format!("{} and more", qty(lo)),
            (None, None) => "all blocks".to_string(),
        };
        let _ = write!(
            s,
            r#"<li><span class="ramp" style="background:{}"></span>{label}</li>"#,
            map::class_colour(class, classes)
        );
    }
    s.push_str("</ul>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Action, Direction, KpiComparison, Kpis, Place, RankedSite, RegionDirection, SiteChoice, StageStatus,
    };
    use branchnet_core::{
        BranchFormat, Cells, FrameDef, Region, RegionLevel, Regions, Scenario, Site, SiteKind, Sites,
        SourceRef,
    };
    use geo_types::{LineString, MultiPolygon, Polygon};

    fn place(id: &str, x: f64, y: f64, region: &str) -> Place {
        Place {
            id: id.into(),
            lon: 121.0 + x / 100_000.0,
            lat: 31.0 + y / 100_000.0,
            x,
            y,
            region: Some(region.into()),
        }
    }

    fn action(kind: ActionKind, from: Option<Place>, to: Option<Place>) -> Action {
        Action {
            kind,
            from,
            to,
            format_before: Some(BranchFormat::Full),
            format_after: Some(BranchFormat::Full),
            capital_cost: 0.0,
            annual_cost: 1_200_000.0,
            unique_demand: 3456.0,
            site_score: None,
            reasons: vec!["low-demand".into()],
        }
    }

    fn kpis(branches: usize, coverage: f64) -> Kpis {
        Kpis {
            branches,
            population_covered: 1e6 * coverage,
            population: 1e6,
            elderly_covered: None,
            elderly: None,
            demand_covered: 8e5 * coverage,
            demand: 8e5,
            coverage,
            mean_distance_m: 1234.0,
            p95_distance_m: 4321.0,
            captured_demand: None,
            market_share: None,
            share_waiting_too_long: None,
            branches_per_region: vec![("D1".into(), branches - 1), ("D2".into(), 1)],
            annual_cost: 1e7,
            capital_cost: 0.0,
        }
    }

    /// Every action kind once, a second relocation, and an id that needs escaping.
    fn sample_plan() -> Plan {
        let mut convert = action(
            ActionKind::Convert,
            Some(place("BR-4", 6000.0, 2000.0, "D2")),
            None,
        );
        convert.format_after = Some(BranchFormat::Light);
        let mut open = action(ActionKind::Open, None, Some(place("GEN-1", 8000.0, 8000.0, "D2")));
        open.format_before = None;
        open.site_score = Some(0.8123);
        open.capital_cost = 2_500_000.0;
        Plan {
            scenario: "Demo <city> & co".into(),
            currency: "CNY".into(),
            directions: vec![RegionDirection {
                region: "D1".into(),
                name: Some("Old <town>".into()),
                potential_now: 123_456.7,
                potential_future: 130_000.0,
                population: 500_000.0,
                branches: 3,
                counters: 12,
                coverage: 0.8234,
                gap_index: 1.234,
                direction: Direction::Grow,
                quota: 4,
                quota_range: (3, 5),
                branches_after: 4,
                reasons: vec!["under-served".into()],
            }],
            actions: vec![
                action(
                    ActionKind::Keep,
                    Some(place("BR-<1>&", 1000.0, 1000.0, "D1")),
                    None,
                ),
                action(ActionKind::Close, Some(place("BR-2", 2000.0, 5000.0, "D1")), None),
                action(
                    ActionKind::Relocate,
                    Some(place("BR-3", 3000.0, 3000.0, "D1")),
                    Some(place("S-9", 5000.0, 7000.0, "D2")),
                ),
                action(
                    ActionKind::Relocate,
                    Some(place("BR-5", 9000.0, 1000.0, "D2")),
                    Some(place("S-10", 7000.0, 4000.0, "D2")),
                ),
                convert,
                open,
            ],
            sites: vec![SiteChoice {
                location: place("GEN-1", 8000.0, 8000.0, "D2"),
                ranked: vec![RankedSite {
                    site: place("CAND-<7>", 8100.0, 8050.0, "D2"),
                    distance_m: 111.8,
                    score: 0.8123,
                    factors: vec![("footfall".into(), 0.5), ("rent".into(), 0.3123)],
                }],
            }],
            kpis: KpiComparison {
                before: kpis(4, 0.81),
                after: kpis(5, 0.86),
            },
            budget: Default::default(),
            stages: vec![StageStatus {
                stage: "meso".into(),
                status: "optimal".into(),
                objective: Some(688_000.0),
                bound: Some(688_000.0),
                gap: Some(0.0),
                seconds: 1.25,
                detail: "MCLP, 40 candidates".into(),
            }],
            notes: vec!["Budget binds: <1 M> left".into()],
        }
    }

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
        let ring = LineString::from(vec![
            (x0, y0),
            (x0 + side, y0),
            (x0 + side, y0 + side),
            (x0, y0 + side),
            (x0, y0),
        ]);
        MultiPolygon(vec![Polygon::new(ring, vec![])])
    }

    fn site(id: &str, kind: SiteKind, x: f64, y: f64) -> Site {
        let mut s = Site::new(id, kind, 0.0, 0.0, SourceRef { layer: 0, row: 1 });
        s.x = x;
        s.y = y;
        s
    }

    /// A 10 × 10 km town on a 250 m grid, two districts on level 1 and a city on level 0, one competitor.
    fn sample_scenario() -> (Scenario, Vec<f64>) {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..40 {
            for j in 0..40 {
                x.push(125.0 + 250.0 * i as f64);
                y.push(125.0 + 250.0 * j as f64);
            }
        }
        // Denser towards the north-east, so the map shows several density classes.
        let demand: Vec<f64> = x.iter().zip(&y).map(|(x, y)| (x + y) / 100.0).collect();
        let mut cells = Cells::new(x, y).expect("equal lengths");
        cells
            .add_column("population", demand.clone())
            .expect("one value per cell");
        let region = |id: &str, level, boundary| Region {
            id: id.into(),
            name: Some(format!("{id} name")),
            level,
            parent: None,
            boundary,
        };
        let regions = Regions::new(
            vec![
                RegionLevel { name: "city".into() },
                RegionLevel {
                    name: "district".into(),
                },
            ],
            vec![
                region("C", 0, square(0.0, 0.0, 10_000.0)),
                region("D1", 1, square(0.0, 0.0, 5_000.0)),
                region("D2", 1, square(5_000.0, 0.0, 5_000.0)),
            ],
        );
        let sites = Sites::new(vec![
            site("BR-1", SiteKind::Own, 1000.0, 1000.0),
            site("RIVAL-<1>", SiteKind::Competitor, 4000.0, 4000.0),
            site("CAND-7", SiteKind::Candidate, 8100.0, 8050.0),
        ]);
        let scenario = Scenario {
            name: "town".into(),
            currency: "CNY".into(),
            frame: FrameDef {
                central_meridian_deg: 121.0,
                origin_lat_deg: 31.0,
            },
            cells,
            sites,
            regions,
        };
        (scenario, demand)
    }

    fn sample_report() -> String {
        let (scenario, demand) = sample_scenario();
        html_report(&sample_plan(), &MapLayers::from_scenario(&scenario, &demand, 1))
    }

    /// The text between `<table id="{id}"` and its `</table>`.
    fn table<'a>(html: &'a str, id: &str) -> &'a str {
        let start = html
            .find(&format!(r#"<table id="{id}""#))
            .unwrap_or_else(|| panic!("no table {id}"));
        let end = html[start..].find("</table>").expect("table closes") + start;
        &html[start..end]
    }

    #[test]
    fn report_holds_the_map_and_the_three_tables() {
        let html = sample_report();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.ends_with("</html>"));
        assert_eq!(html.matches(r#"<svg id="map""#).count(), 1);
        for id in ["regions", "kpis", "actions", "stages", "action-counts"] {
            assert_eq!(html.matches(&format!(r#"<table id="{id}""#)).count(), 1, "{id}");
        }
        // One row per region, per action, per scalar KPI.
        assert_eq!(table(&html, "regions").matches("<tr>").count(), 2);
        assert_eq!(table(&html, "actions").matches("<tr class=\"row-").count(), 6);
        assert_eq!(table(&html, "kpis").matches("<tr data-kpi=").count(), 15);
        assert!(html.contains("<details class=\"site-choice\">"));
    }

    #[test]
    fn every_relocation_gets_one_arrow_and_every_action_one_mark() {
        let html = sample_report();
        assert_eq!(html.matches(r#"<line class="arrow""#).count(), 2);
        assert_eq!(html.matches(r#"marker-end="url(#arrowhead)""#).count(), 2);
        assert_eq!(html.matches(r#"<marker id="arrowhead""#).count(), 1);
        for (kind, n) in [
            ("keep", 1),
            ("close", 1),
            ("relocate", 2),
            ("open", 1),
            ("convert", 1),
        ] {
            assert_eq!(
                html.matches(&format!(r#"<g class="act act-{kind}">"#)).count(),
                n,
                "{kind}"
            );
        }
        assert_eq!(html.matches(r#"<circle class="competitor""#).count(), 1);
    }

    #[test]
    fn map_draws_in_frame_metres_with_y_flipped() {
        let html = sample_report();
        // The town spans 0..10 km; the box is padded by 500 m.
        assert!(
            html.contains(r#"viewBox="-500 -10500 11000 11000""#),
            "{}",
            &html[..200]
        );
        // The kept branch at (1000, 1000) is drawn at (1000, -1000).
        assert!(html.contains(r#"cx="1000" cy="-1000""#));
        // Two district outlines (level 1), not the city.
        assert_eq!(html.matches(r#"<path class="region""#).count(), 2);
        assert!(html.contains("<title>D2 D2 name</title>"));
        assert!(html.contains(">2 km</text>"), "scale bar of a 11 km map");
    }

    #[test]
    fn strings_are_escaped() {
        let html = sample_report();
        for raw in [
            "BR-<1>&",
            "<city>",
            "Old <town>",
            "CAND-<7>",
            "RIVAL-<1>",
            "<1 M>",
        ] {
            assert!(!html.contains(raw), "{raw} is not escaped");
        }
        assert!(html.contains("BR-&lt;1&gt;&amp;"));
        assert!(html.contains("Demo &lt;city&gt; &amp; co"));
        assert!(html.contains("competitor RIVAL-&lt;1&gt;"));
    }

    #[test]
    fn report_opens_offline() {
        let html = sample_report();
        let lower = html.to_ascii_lowercase();
        for reference in ["http://", "https://", "src=", "<link", "@import", "<script"] {
            assert!(!lower.contains(reference), "found {reference}");
        }
        // Every url(...) points inside the document.
        assert!(
            lower
                .match_indices("url(")
                .all(|(i, _)| lower[i..].starts_with("url(#"))
        );
    }

    #[test]
    fn missing_kpis_show_a_dash_and_changes_their_sign() {
        let html = sample_report();
        let kpis = table(&html, "kpis");
        let row = |key: &str| {
            let start = kpis
                .find(&format!(r#"data-kpi="{key}""#))
                .unwrap_or_else(|| panic!("no row {key}"));
            let end = kpis[start..].find("</tr>").expect("row closes") + start;
            kpis[start..end].to_string()
        };
        assert_eq!(row("market_share").matches("<td class=\"n\">–</td>").count(), 3);
        assert_eq!(row("elderly").matches("<td class=\"n\">–</td>").count(), 3);
        let coverage = row("coverage");
        assert!(coverage.contains("81.0%") && coverage.contains("86.0%"));
        assert!(coverage.contains("+5.0 pp"));
        assert!(row("branches").contains(">+1<"));
        assert!(row("annual_cost").contains("10,000,000 CNY"));
        assert!(row("mean_distance_m").contains("1.23 km"));
        assert!(table(&html, "kpi-regions").contains("D1"));
    }

    #[test]
    fn tables_format_numbers_for_people() {
        let html = sample_report();
        let regions = table(&html, "regions");
        assert!(regions.contains("123,457"));
        assert!(regions.contains("82.3%"));
        assert!(regions.contains("4 (3–5)"));
        assert!(regions.contains(r#"<span class="dir dir-grow">grow</span>"#));
        let actions = table(&html, "actions");
        assert!(actions.contains("2,500,000 CNY"));
        assert!(actions.contains("full → light"));
        assert!(actions.contains("0.81"));
        assert!(actions.contains("121.03000, 31.03000"));
    }

    #[test]
    fn empty_plan_and_layers_still_render() {
        let mut plan = sample_plan();
        plan.actions.clear();
        plan.directions.clear();
        plan.sites.clear();
        plan.stages.clear();
        plan.notes.clear();
        plan.kpis.before.branches_per_region.clear();
        plan.kpis.after.branches_per_region.clear();
        let html = html_report(&plan, &MapLayers::default());
        assert!(html.contains(r#"<svg id="map" viewBox="0 -1000 1000 1000""#));
        assert!(html.contains("The plan has no actions."));
        assert!(html.contains("No regions."));
        assert!(html.contains("No demand on the map."));
        assert_eq!(table(&html, "kpis").matches("<tr data-kpi=").count(), 15);
        assert!(!html.contains("class=\"act "));
    }

    #[test]
    fn long_action_lists_are_cut_after_the_changes_with_a_note() {
        let mut plan = sample_plan();
        let keep = plan.actions[0].clone();
        plan.actions
            .splice(0..0, std::iter::repeat_n(keep, MAX_ACTION_ROWS + 500));
        let html = html_report(&plan, &MapLayers::default());
        let actions = table(&html, "actions");
        assert_eq!(actions.matches("<tr class=\"row-").count(), MAX_ACTION_ROWS);
        // The five changes come first, so none is left out.
        assert_eq!(actions.matches("<tr class=\"row-relocate\"").count(), 2);
        assert!(html.contains("Showing the first 3,000 of 3,506 actions (changes first); 506 left out"));
        // The map still draws every branch.
        assert_eq!(
            html.matches(r#"<g class="act act-keep">"#).count(),
            MAX_ACTION_ROWS + 501
        );
    }

    #[test]
    fn layers_hold_the_level_outlines_competitors_and_all_demand() {
        let (scenario, demand) = sample_scenario();
        let layers = MapLayers::from_scenario(&scenario, &demand, 1);
        let ids: Vec<_> = layers.regions.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["D1", "D2"]);
        assert_eq!(layers.regions[0].rings[0].len(), 5);
        assert_eq!(layers.competitors.len(), 1);
        assert_eq!(layers.competitors[0].id, "RIVAL-<1>");
        // 1,600 cells fit under the limit at the cells' own spacing (estimated: no cell size recorded).
        assert_eq!(layers.block_m, 250.0);
        assert_eq!(layers.blocks.len(), 1600);
        let total: f64 = layers.blocks.iter().map(|b| b.demand).sum();
        approx::assert_relative_eq!(total, demand.iter().sum::<f64>(), max_relative = 1e-12);
        assert!(MapLayers::from_scenario(&scenario, &demand, 5).regions.is_empty());
    }

    #[test]
    fn blocks_of_a_city_grid_stay_under_the_limit() {
        // 100 × 80 km at 200 m: 200,000 cells; 500 m blocks would be 32,000, 1 km blocks 8,000.
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..500 {
            for j in 0..400 {
                x.push(100.0 + 200.0 * i as f64);
                y.push(100.0 + 200.0 * j as f64);
            }
        }
        let demand = vec![2.0; x.len()];
        let mut cells = Cells::new(x, y).expect("equal lengths");
        cells.set_cell_size_m(Some(200.0));
        let (mut scenario, _) = sample_scenario();
        scenario.cells = cells;
        let layers = MapLayers::from_scenario(&scenario, &demand, 1);
        assert_eq!(layers.block_m, 1000.0);
        assert_eq!(layers.blocks.len(), 8000);
        assert!(layers.blocks.iter().all(|b| b.demand == 50.0));
    }

    #[test]
    fn denser_blocks_get_darker_classes() {
        let html = sample_report();
        // The sample's demand rises to the north-east: seven classes, the sparsest at the south-west corner.
        for colour in DEMAND_RAMP {
            assert_eq!(
                html.matches(&format!(r#"fill="{colour}" d="M"#)).count(),
                1,
                "{colour}"
            );
        }
        let first = &html[html.find(r##"fill="#ffffd4" d="M"##).expect("lightest class")..];
        assert!(first.contains(r#"d="M0 -250h250v250h-250z"#));
        assert_eq!(html.matches("<span class=\"ramp\"").count(), 7);
    }
}
