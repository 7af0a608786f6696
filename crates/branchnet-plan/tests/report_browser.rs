//! The HTML report in a real browser: Debian's headless Chromium opens the file from disk, dumps the DOM it
//! built and takes a screenshot. The DOM must hold the map's marks and the KPI rows as the browser parsed
//! them (so broken markup shows), and the screenshot must show the demand map drawn.
//!
//! Chromium comes from Debian's packages; `scripts/test.sh` installs it (`ensure_chromium` in
//! `scripts/env.sh`). Without it this test fails rather than passing unseen.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use branchnet_plan::report::{DEMAND_RAMP, DemandBlock, MapLayers, RegionOutline, write_report};
use branchnet_plan::{
    Action, ActionKind, KpiComparison, Kpis, Place, Plan, RankedSite, RegionDirection, SiteChoice,
    StageStatus,
};

/// Longest a browser run may take before it is killed: a cold start on a loaded 2-core machine takes seconds.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// The scalar KPI fields, one table row each.
const KPI_KEYS: [&str; 15] = [
    "branches",
    "population",
    "population_covered",
    "coverage",
    "elderly",
    "elderly_covered",
    "demand",
    "demand_covered",
    "mean_distance_m",
    "p95_distance_m",
    "captured_demand",
    "market_share",
    "share_waiting_too_long",
    "annual_cost",
    "capital_cost",
];

/// Number of actions of each kind in the test plan.
const PLAN_KINDS: [(ActionKind, usize); 5] = [
    (ActionKind::Keep, 30),
    (ActionKind::Close, 3),
    (ActionKind::Relocate, 4),
    (ActionKind::Open, 2),
    (ActionKind::Convert, 1),
];

fn place(id: String, x: f64, y: f64) -> Place {
    Place {
        id,
        lon: 116.0 + x / 90_000.0,
        lat: 39.0 + y / 111_000.0,
        x,
        y,
        region: Some(if x < 10_000.0 { "W" } else { "E" }.into()),
    }
}

/// The `i`-th action of `kind`, spread over a 20 × 15 km city (each kind shifted, so marks do not overlap).
fn action(kind: ActionKind, i: usize) -> Action {
    let k = kind as usize;
    let (x, y) = (
        1_000.0 + ((i * 3_700 + k * 1_900) % 18_000) as f64,
        1_000.0 + ((i * 2_300 + k * 4_100) % 13_000) as f64,
    );
    let branch = Some(place(format!("BR-{}-{i}", kind.as_str()), x, y));
    let site = Some(place(format!("S-{}-{i}", kind.as_str()), x + 1_500.0, y + 900.0));
    let (from, to) = match kind {
        ActionKind::Keep | ActionKind::Close | ActionKind::Convert => (branch, None),
        ActionKind::Relocate => (branch, site),
        ActionKind::Open => (None, site),
    };
    Action {
        kind,
        from,
        to,
        format_before: None,
        format_after: None,
        capital_cost: 0.0,
        annual_cost: 900_000.0,
        unique_demand: 1_000.0,
        site_score: None,
        reasons: vec![format!("reason-<{i}>")],
    }
}

/// The ranked sites near the `i`-th opened location.
fn site_choice(i: usize) -> SiteChoice {
    let location = action(ActionKind::Open, i).to.expect("an opening has a site");
    let ranked = (0..3)
        .map(|r| RankedSite {
            site: place(format!("CAND-{i}-{r}"), location.x + 80.0 * r as f64, location.y),
            distance_m: 80.0 * r as f64,
            score: 0.9 - 0.1 * r as f64,
            factors: vec![("footfall".into(), 0.5), ("rent".into(), 0.4 - 0.1 * r as f64)],
        })
        .collect();
    SiteChoice { location, ranked }
}

fn kpis(branches: usize, share: Option<f64>) -> Kpis {
    Kpis {
        branches,
        population_covered: 1.8e6,
        population: 2e6,
        elderly_covered: None,
        elderly: None,
        demand_covered: 1.5e6,
        demand: 1.7e6,
        coverage: 0.9,
        mean_distance_m: 900.0,
        p95_distance_m: 2_900.0,
        captured_demand: share.map(|s| s * 1.7e6),
        market_share: share,
        share_waiting_too_long: None,
        branches_per_region: vec![("W".into(), branches / 2), ("E".into(), branches - branches / 2)],
        annual_cost: 3.1e7,
        capital_cost: 0.0,
    }
}

fn test_plan() -> Plan {
    let actions = PLAN_KINDS
        .iter()
        .flat_map(|&(kind, n)| (0..n).map(move |i| action(kind, i)))
        .collect();
    let direction = |id: &str| RegionDirection {
        region: id.into(),
        name: None,
        potential_now: 1e6,
        potential_future: 1.1e6,
        population: 1e6,
        branches: 19,
        counters: 80,
        coverage: 0.9,
        gap_index: 1.0,
        direction: branchnet_plan::Direction::Hold,
        quota: 19,
        quota_range: (17, 21),
        branches_after: 19,
        reasons: vec![],
    };
    Plan {
        scenario: "browser <test>".into(),
        currency: "CNY".into(),
        directions: vec![direction("W"), direction("E")],
        actions,
        sites: (0..PLAN_KINDS[3].1).map(site_choice).collect(),
        kpis: KpiComparison {
            before: kpis(38, Some(0.21)),
            after: kpis(38, Some(0.23)),
        },
        budget: Default::default(),
        stages: vec![StageStatus {
            stage: "meso".into(),
            status: "optimal".into(),
            objective: Some(1.5e6),
            bound: Some(1.5e6),
            gap: Some(0.0),
            seconds: 0.4,
            detail: "test".into(),
        }],
        notes: vec![],
    }
}

/// A 20 × 15 km city in 500 m blocks, denser towards its centre; two districts split at x = 10 km.
fn test_layers() -> MapLayers {
    let mut blocks = Vec::new();
    for i in 0..40 {
        for j in 0..30 {
            let (x, y) = (i as f64 * 500.0, j as f64 * 500.0);
            let r = (x - 10_000.0).hypot(y - 7_500.0);
            blocks.push(DemandBlock {
                x,
                y,
                demand: 10.0 + 5_000.0 / (1.0 + r / 1_000.0),
            });
        }
    }
    let rect = |x0: f64, x1: f64| vec![(x0, 0.0), (x1, 0.0), (x1, 15_000.0), (x0, 15_000.0), (x0, 0.0)];
    MapLayers {
        block_m: 500.0,
        blocks,
        regions: vec![
            RegionOutline {
                id: "W".into(),
                name: None,
                rings: vec![rect(0.0, 10_000.0)],
            },
            RegionOutline {
                id: "E".into(),
                name: None,
                rings: vec![rect(10_000.0, 20_000.0)],
            },
        ],
        competitors: vec![],
    }
}

/// Headless Chromium: `chromium` on PATH, else Debian's `/usr/bin/chromium`.
fn chromium() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.is_file())
    });
    let fallback = PathBuf::from("/usr/bin/chromium");
    on_path.or_else(|| fallback.is_file().then_some(fallback)).expect(
        "headless Chromium not found (`chromium` on PATH or /usr/bin/chromium): \
             scripts/test.sh installs it (apt-get install -y chromium)",
    )
}

/// Runs Chromium headless on `page` with `args`, its standard output into `stdout`; kills it after
/// [`BROWSER_TIMEOUT`]. Panics with the browser's standard error when it fails.
fn run_chromium(dir: &Path, args: &[String], page: &Path, stdout: &Path) {
    let stderr_path = dir.join("chromium-stderr.txt");
    let mut command = Command::new(chromium());
    command
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        // A profile of its own, so parallel runs do not share a lock, and no background traffic.
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args([
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        // Files, not pipes: a DOM larger than a pipe's buffer would block the browser until we read it.
        .stdout(File::create(stdout).expect("stdout file"))
        .stderr(File::create(&stderr_path).expect("stderr file"));
    let mut child = command.spawn().expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium ran longer than {BROWSER_TIMEOUT:?}: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "chromium {args:?} failed ({status}):\n{stderr}");
}

/// The text from `<table id="{id}"` to its `</table>`.
fn table<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!(r#"<table id="{id}""#))
        .unwrap_or_else(|| panic!("the DOM has no table {id}"));
    let end = dom[start..].find("</table>").expect("table closes") + start;
    &dom[start..end]
}

/// Parses `#rrggbb`.
fn rgb(hex: &str) -> [u8; 3] {
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex colour");
    [byte(1), byte(3), byte(5)]
}

/// Width, height and RGB pixels of a PNG.
fn decode_png(path: &Path) -> (usize, usize, Vec<[u8; 3]>) {
    let mut decoder = png::Decoder::new(BufReader::new(File::open(path).expect("screenshot exists")));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("fits in memory")];
    let info = reader.next_frame(&mut buf).expect("one frame");
    let samples = info.color_type.samples();
    assert!(
        samples >= 3,
        "expected a colour screenshot, got {:?}",
        info.color_type
    );
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(samples)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width as usize, info.height as usize, pixels)
}

fn check_dom(dom: &str, plan: &Plan) {
    assert!(dom.contains(r#"<svg id="map""#), "no map in the DOM");
    let relocations = PLAN_KINDS[2].1;
    assert_eq!(dom.matches(r#"<line class="arrow""#).count(), relocations);
    for (kind, n) in PLAN_KINDS {
        let mark = format!(r#"<g class="act act-{}">"#, kind.as_str());
        assert_eq!(dom.matches(&mark).count(), n, "{} marks", kind.as_str());
    }
    assert_eq!(dom.matches(r#"<path class="region""#).count(), 2);
    assert_eq!(
        dom.matches(r#"<details class="site-choice">"#).count(),
        plan.sites.len()
    );
    let kpis = table(dom, "kpis");
    assert_eq!(kpis.matches("<tr data-kpi=").count(), KPI_KEYS.len());
    for key in KPI_KEYS {
        assert!(
            kpis.contains(&format!(r#"<tr data-kpi="{key}">"#)),
            "no KPI row {key}"
        );
    }
    assert!(
        kpis.contains("21.0%") && kpis.contains("+2.0 pp"),
        "market share row"
    );
    let actions = table(dom, "actions");
    assert_eq!(actions.matches("<tr class=\"row-").count(), plan.actions.len());
    // The browser kept the escaped text as text: no element was made from a reason code.
    assert!(dom.contains("reason-&lt;0&gt;") && !dom.contains("<0>"));
}

fn check_screenshot(path: &Path) {
    let (width, height, pixels) = decode_png(path);
    assert_eq!((width, height), (1400, 1800));
    let near = |p: &[u8; 3], c: &[u8; 3]| p.iter().zip(c).all(|(a, b)| a.abs_diff(*b) <= 3);
    let ramp: Vec<[u8; 3]> = DEMAND_RAMP.iter().map(|h| rgb(h)).collect();
    let upper = &pixels[..width * height * 2 / 3];
    let counts: Vec<usize> = ramp
        .iter()
        .map(|c| upper.iter().filter(|p| near(p, c)).count())
        .collect();
    // The legend's swatches alone hold a few hundred pixels of each colour; the drawn map holds far more.
    let drawn = counts.iter().filter(|n| **n >= 1_000).count();
    assert!(drawn >= 5, "demand colours on the screenshot: {counts:?}");
    let non_white = upper.iter().filter(|p| p.iter().any(|v| *v < 245)).count();
    assert!(
        non_white * 4 > upper.len(),
        "upper part mostly blank: {non_white} of {} pixels",
        upper.len()
    );
}

#[test]
fn chromium_renders_the_report_with_its_map_marks_and_tables() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    let plan = test_plan();
    write_report(&plan, &test_layers(), &page).expect("write the report");

    let dom_path = dir.path().join("dom.html");
    run_chromium(dir.path(), &["--dump-dom".into()], &page, &dom_path);
    let dom = std::fs::read_to_string(&dom_path).expect("dumped DOM");
    check_dom(&dom, &plan);

    let shot = dir.path().join("report.png");
    let args = [
        "--hide-scrollbars".to_string(),
        "--window-size=1400,1800".to_string(),
        format!("--screenshot={}", shot.display()),
    ];
    run_chromium(
        dir.path(),
        &args,
        &page,
        &dir.path().join("screenshot-stdout.txt"),
    );
    check_screenshot(&shot);
}
