//! Projection tests against PROJ, and the metric frame's distance contract against geodesics.
//!
//! Reference coordinates below were generated with pyproj 3.7.2 bundling PROJ 9.5.1
//! (`Transformer.from_crs(<geographic base>, <code>, always_xy=True)`, the base being EPSG:4326 or, for the
//! CGCS2000 grids, EPSG:4490, so that no datum shift enters), printed to 1 µm / 1e-12 degree and hard-coded
//! here; nothing is compared against this crate's own output.

use branchnet_core::FrameDef;
use branchnet_spatial::{Crs, MetricFrame, TransverseMercator};
use geo::{Distance, Geodesic, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Metres per degree of latitude, near enough to turn an angular error into a length for tolerances.
const M_PER_DEG: f64 = 111_320.0;

/// The contract is 1 mm for transverse Mercator and 1 cm for Web Mercator; we assert 10 µm for both, since the
/// two implementations agree to the 1 µm rounding of the references and a looser bound would hide a wrong
/// coefficient in the series' higher terms.
const TOL_M: f64 = 1e-5;

// EPSG:32650 forward: (lon, lat, x, y)
const FWD_32650: &[[f64; 4]] = &[
    [114.3, 30.6, 241125.514825, 3388379.641893],
    [117.0, 0.0, 500000.000000, 0.000000],
    [121.47, 31.23, 925906.761126, 3463716.896255],
    [113.26, 23.13, 116897.728042, 2562827.235102],
    [116.4, 39.9, 448709.380192, 4416830.562172],
    [119.5, 45.0, 697038.328157, 4985991.017362],
    [110.0, 20.0, -233644.415888, 2226862.893669],
    [140.0, 30.0, 2747996.022905, 3552363.577961],
    [144.0, 0.5, 3622967.431975, 62079.353220],
    [117.0, 60.0, 500000.000000, 6651411.190363],
    [123.0, 80.0, 616114.651337, 8887579.007720],
];
// EPSG:32650 inverse: (x, y, lon, lat)
const INV_32650: &[[f64; 4]] = &[
    [500000.0, 0.0, 117.000000000000, 0.000000000000],
    [623456.789, 3456789.012, 118.296390901416, 31.238774233593],
    [250000.0, 5000000.0, 113.821978081014, 45.109238235011],
    [780000.0, 2500000.0, 119.723191379362, 22.583759971426],
    [400000.0, 8000000.0, 114.087507678238, 72.077536527016],
];
// EPSG:32756 forward: (lon, lat, x, y)
const FWD_32756: &[[f64; 4]] = &[
    [151.21, -33.87, 334435.706142, 6250816.397805],
    [153.0, -10.0, 500000.000000, 8894587.508699],
    [148.5, -40.0, 115812.167614, 5562534.101154],
    [160.0, -20.0, 1233644.415888, 7773137.106331],
];
// EPSG:32756 inverse: (x, y, lon, lat)
const INV_32756: &[[f64; 4]] = &[
    [334000.0, 6250000.0, 151.205137284303, -33.877291055144],
    [500000.0, 10000000.0, 153.000000000000, 0.000000000000],
    [700000.0, 8800000.0, 154.829557232656, -10.850043609837],
];
// EPSG:32701 forward: (lon, lat, x, y)
const FWD_32701: &[[f64; 4]] = &[
    [-179.5, -14.0, 229946.874995, 8450847.713462],
    [179.8, -16.0, 157474.914686, 8228426.142277],
    [-176.0, -45.0, 578815.302917, 5016563.231651],
];
// EPSG:32701 inverse: (x, y, lon, lat)
const INV_32701: &[[f64; 4]] = &[
    [250000.0, 8400000.0, -179.319155403423, -14.461220536531],
    [520000.0, 5000000.0, -176.745563222150, -45.153193766576],
];
// EPSG:4547 forward: (lon, lat, x, y)
const FWD_4547: &[[f64; 4]] = &[
    [114.3, 30.6, 528770.237256, 3386666.250562],
    [114.06, 22.54, 506171.999186, 2493598.044092],
    [112.5, 35.0, 363062.349073, 3875621.181694],
    [115.4, 40.0, 619553.492243, 4430468.001917],
    [114.0, 18.0, 500000.000000, 1990981.934816],
    [110.0, 28.0, 106372.500815, 3104899.165671],
];
// EPSG:4547 inverse: (x, y, lon, lat)
const INV_4547: &[[f64; 4]] = &[
    [500000.0, 3400000.0, 114.000000000000, 30.720617455895],
    [438123.456, 2495000.5, 113.398435824862, 22.551550850624],
    [620000.0, 4450000.0, 115.408848641330, 40.175789952998],
];
// EPSG:4502 forward: (lon, lat, x, y)
const FWD_4502: &[[f64; 4]] = &[
    [75.0, 40.0, 500000.000000, 4429529.030237],
    [72.5, 38.0, 280401.824980, 4210448.642907],
];
// EPSG:3414 forward: (lon, lat, x, y)
const FWD_3414: &[[f64; 4]] = &[
    [103.8198, 1.3521, 26495.534871, 37133.868476],
    [103.6, 1.25, 2033.161827, 25845.325763],
    [104.0, 1.45, 46549.015545, 47959.833513],
    [103.83333333333333, 1.3666666666666667, 28001.642000, 38744.572000],
    [103.7, 1.3, 13162.824540, 31373.305239],
];
// EPSG:3414 inverse: (x, y, lon, lat)
const INV_3414: &[[f64; 4]] = &[
    [30000.0, 30000.0, 103.851289391907, 1.287583789069],
    [20000.0, 45000.0, 103.761431345801, 1.423237383680],
    [45000.0, 38000.0, 103.986074733775, 1.359928159998],
];
// EPSG:3857 forward: (lon, lat, x, y)
const FWD_3857: &[[f64; 4]] = &[
    [0.0, 0.0, 0.000000, 0.000000],
    [114.3, 30.6, 12723817.797671, 3580909.760462],
    [-74.006, 40.7128, -8238310.235647, 4970071.579142],
    [151.2, -33.87, 16831507.007943, -4011359.531052],
    [103.8, 1.35, 11554963.144342, 150295.219661],
    [179.0, 85.0, 19926188.851996, 19971868.880409],
    [-120.0, -60.0, -13358338.895193, -8399737.889818],
];
// EPSG:3857 inverse: (x, y, lon, lat)
const INV_3857: &[[f64; 4]] = &[
    [12723785.0, 3580000.0, 114.299705373507, 30.592965315545],
    [-8238310.0, 4970072.0, -74.005997883147, 40.712802865673],
    [1000.0, -2000000.0, 0.008983152841, -17.678914238336],
];
// EPSG:32650 point scale: (lon, lat, k), from proj_factors (numerical derivatives, ~1e-10)
const SCALE_32650: &[[f64; 3]] = &[
    [114.3, 30.6, 1.000426803323],
    [110.0, 20.0, 1.006259596424],
    [140.0, 30.0, 1.062581760758],
    [117.0, 45.0, 0.999600000000],
];
// EPSG:3414 point scale: (lon, lat, k), from proj_factors (numerical derivatives, ~1e-10)
const SCALE_3414: &[[f64; 3]] = &[[103.6, 1.25, 1.000008344359], [104.0, 1.45, 1.000004256631]];

fn crs(code: u32) -> Crs {
    Crs::from_epsg(code).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts that EPSG:`code` projects every `(lon, lat)` reference to within `tol_m` of PROJ's `(x, y)`.
fn check_forward(code: u32, refs: &[[f64; 4]], tol_m: f64) {
    let c = crs(code);
    for &[lon, lat, x, y] in refs {
        let (gx, gy) = c.from_lon_lat(lon, lat);
        let err = (gx - x).hypot(gy - y);
        assert!(
            err <= tol_m,
            "EPSG:{code} forward({lon}, {lat}) = ({gx}, {gy}), PROJ ({x}, {y}), {err} m off"
        );
    }
}

/// Asserts that EPSG:`code` unprojects every `(x, y)` reference to within `tol_m` (on the ground) of PROJ's
/// `(lon, lat)`.
fn check_inverse(code: u32, refs: &[[f64; 4]], tol_m: f64) {
    let c = crs(code);
    for &[x, y, lon, lat] in refs {
        let (glon, glat) = c.to_lon_lat(x, y);
        let err = ((glon - lon) * lat.to_radians().cos()).hypot(glat - lat) * M_PER_DEG;
        assert!(
            err <= tol_m,
            "EPSG:{code} inverse({x}, {y}) = ({glon}, {glat}), PROJ ({lon}, {lat}), {err} m off"
        );
    }
}

#[test]
fn utm_north_matches_proj() {
    // Includes points 2,200 and 3,000 km from the central meridian, where a 4th-order series would fail.
    check_forward(32650, FWD_32650, TOL_M);
    check_inverse(32650, INV_32650, TOL_M);
}

#[test]
fn utm_south_matches_proj() {
    check_forward(32756, FWD_32756, TOL_M);
    check_inverse(32756, INV_32756, TOL_M);
}

#[test]
fn utm_zone_1_wraps_the_antimeridian() {
    // 179.8°E is 3.2° west of zone 1's central meridian at 177°W.
    check_forward(32701, FWD_32701, TOL_M);
    check_inverse(32701, INV_32701, TOL_M);
}

#[test]
fn cgcs2000_gauss_kruger_matches_proj() {
    check_forward(4547, FWD_4547, TOL_M);
    check_inverse(4547, INV_4547, TOL_M);
    check_forward(4502, FWD_4502, TOL_M);
}

#[test]
fn svy21_matches_proj() {
    check_forward(3414, FWD_3414, TOL_M);
    check_inverse(3414, INV_3414, TOL_M);
}

#[test]
fn web_mercator_matches_proj() {
    check_forward(3857, FWD_3857, TOL_M);
    check_inverse(3857, INV_3857, TOL_M);
}

#[test]
fn scale_factor_matches_proj() {
    let Crs::TransverseMercator { tm, .. } = crs(32650) else {
        panic!("32650 is TM")
    };
    for &[lon, lat, k] in SCALE_32650 {
        assert!((tm.scale_factor(lon, lat) - k).abs() < 1e-9, "k({lon}, {lat})");
    }
    let Crs::TransverseMercator { tm, .. } = crs(3414) else {
        panic!("3414 is TM")
    };
    for &[lon, lat, k] in SCALE_3414 {
        assert!((tm.scale_factor(lon, lat) - k).abs() < 1e-9, "k({lon}, {lat})");
    }
}

#[test]
fn geographic_codes_are_identity() {
    for code in [4326, 4490, 4258, 4269] {
        let c = crs(code);
        assert!(c.is_geographic());
        assert_eq!(c.epsg(), code);
        assert_eq!(c.from_lon_lat(114.3, 30.6), (114.3, 30.6));
        assert_eq!(c.to_lon_lat(114.3, 30.6), (114.3, 30.6));
    }
    assert!(!crs(3857).is_geographic());
    assert!(!crs(32650).is_geographic());
}

#[test]
fn tm_round_trips() {
    let mut rng = ChaCha8Rng::seed_from_u64(20_11);
    let projections = [
        TransverseMercator::new(117.0, 0.0, 0.9996, 500_000.0, 0.0),
        TransverseMercator::new(-177.0, 0.0, 0.9996, 500_000.0, 10_000_000.0),
        TransverseMercator::new(
            103.0 + 50.0 / 60.0,
            1.0 + 22.0 / 60.0,
            1.0,
            28_001.642,
            38_744.572,
        ),
        TransverseMercator::new(19.0, 50.0, 1.0, 0.0, 0.0),
        TransverseMercator::new(114.3, -30.6, 1.0, 0.0, 0.0),
        TransverseMercator::with_ellipsoid(
            6_378_137.0,
            1.0 / 298.257_222_101,
            114.0,
            0.0,
            1.0,
            500_000.0,
            0.0,
        ),
    ];
    for tm in projections {
        let cm = tm.central_meridian_deg();
        for _ in 0..2000 {
            // Up to 25° of longitude from the central meridian: 2,800 km at the equator.
            let lon = cm + rng.random_range(-25.0..25.0);
            let lat = rng.random_range(-85.0..85.0);
            let (x, y) = tm.forward(lon, lat);
            let (lon2, lat2) = tm.inverse(x, y);
            let dlon = (lon2 - lon + 540.0).rem_euclid(360.0) - 180.0;
            assert!(
                dlon.abs() < 1e-10 && (lat2 - lat).abs() < 1e-10,
                "{tm:?} ({lon}, {lat}) -> ({lon2}, {lat2})"
            );
            let (x2, y2) = tm.forward(lon2, lat2);
            assert!((x2 - x).hypot(y2 - y) < 1e-6, "{tm:?} ({x}, {y}) -> ({x2}, {y2})");
        }
    }
}

#[test]
fn tm_origin_is_the_false_origin() {
    let tm = TransverseMercator::new(19.0, 50.0, 1.0, 1_000.0, 2_000.0);
    let (x, y) = tm.forward(19.0, 50.0);
    assert!(
        (x - 1_000.0).abs() < 1e-9 && (y - 2_000.0).abs() < 1e-9,
        "({x}, {y})"
    );
    let (lon, lat) = tm.inverse(1_000.0, 2_000.0);
    assert!(
        (lon - 19.0).abs() < 1e-12 && (lat - 50.0).abs() < 1e-12,
        "({lon}, {lat})"
    );
}

#[test]
fn parse_accepts_epsg_forms() {
    for (text, code) in [
        ("EPSG:4326", 4326),
        ("epsg:32650", 32650),
        ("Epsg:3414", 3414),
        ("4326", 4326),
        ("  EPSG:4547 \t", 4547),
        ("EPSG: 3857", 3857),
        (" 32756 ", 32756),
    ] {
        assert_eq!(Crs::parse(text).map(|c| c.epsg()), Ok(code), "{text:?}");
    }
    assert_eq!(Crs::parse("EPSG:32650"), Crs::from_epsg(32650));
}

#[test]
fn parse_errors_name_the_input() {
    for text in [
        "WGS84",
        "EPSG:9999",
        "EPSG:abc",
        "",
        "EPSG:",
        "+4326",
        "4326.0",
        "EPSG:4326:1",
        "EPSG:99999999999",
    ] {
        let err = Crs::parse(text).expect_err(text);
        assert_eq!(err.crs, text.trim(), "{text:?}");
        assert_eq!(err.supported, Crs::SUPPORTED);
        let message = err.to_string();
        assert!(
            message.contains(text.trim()) && message.contains(Crs::SUPPORTED),
            "{message}"
        );
    }
    let err = Crs::from_epsg(2154).expect_err("Lambert-93 is not supported");
    assert_eq!(err.crs, "EPSG:2154");
    assert!(
        Crs::parse(" epsg:9999 ")
            .expect_err("9999")
            .to_string()
            .contains("epsg:9999")
    );
}

#[test]
fn frame_is_centred_and_inverts() {
    let frame = MetricFrame::fit(112.8, 115.8, 29.1, 32.1);
    assert_eq!(
        frame.def(),
        FrameDef {
            central_meridian_deg: 114.3,
            origin_lat_deg: 30.6
        }
    );
    let (x, y) = frame.project(114.3, 30.6);
    assert!(x.abs() < 1e-9 && y.abs() < 1e-9);
    // East and north are positive.
    let (x, y) = frame.project(114.4, 30.7);
    assert!(x > 9_000.0 && y > 11_000.0, "({x}, {y})");
    let (lon, lat) = frame.unproject(x, y);
    assert!((lon - 114.4).abs() < 1e-12 && (lat - 30.7).abs() < 1e-12);
    let same = MetricFrame::new(frame.def());
    assert_eq!(same.project(115.0, 31.0), frame.project(115.0, 31.0));
}

#[test]
fn project_all_matches_project() {
    let frame = MetricFrame::fit(103.6, 104.0, 1.2, 1.5);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // Both below and above the size at which the work goes parallel.
    for n in [0, 1, 100, 20_000] {
        let lon: Vec<f64> = (0..n).map(|_| rng.random_range(103.6..104.0)).collect();
        let lat: Vec<f64> = (0..n).map(|_| rng.random_range(1.2..1.5)).collect();
        let (xs, ys) = frame.project_all(&lon, &lat);
        assert_eq!((xs.len(), ys.len()), (n, n));
        for i in 0..n {
            assert_eq!((xs[i], ys[i]), frame.project(lon[i], lat[i]));
        }
    }
}

#[test]
#[should_panic(expected = "same length")]
fn project_all_rejects_mismatched_lengths() {
    MetricFrame::fit(0.0, 1.0, 0.0, 1.0).project_all(&[0.5, 0.6], &[0.5]);
}

/// A named lon/lat box for the distance contract.
struct TestBox {
    name: &'static str,
    lon: (f64, f64),
    lat: (f64, f64),
}

/// Relative error of frame distance against the geodesic for seeded random pairs in the box: (worst, the
/// box's max_scale_error).
fn distance_errors(b: &TestBox, seed: u64) -> (f64, f64) {
    let frame = MetricFrame::fit(b.lon.0, b.lon.1, b.lat.0, b.lat.1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut point = || {
        (
            rng.random_range(b.lon.0..b.lon.1),
            rng.random_range(b.lat.0..b.lat.1),
        )
    };
    let mut worst = 0.0_f64;
    for _ in 0..5_000 {
        let (p, q) = (point(), point());
        let geodesic = Geodesic.distance(Point::new(p.0, p.1), Point::new(q.0, q.1));
        if geodesic < 1.0 {
            continue;
        }
        let (a, c) = (frame.project(p.0, p.1), frame.project(q.0, q.1));
        let euclid = (a.0 - c.0).hypot(a.1 - c.1);
        worst = worst.max((euclid / geodesic - 1.0).abs());
    }
    (worst, frame.max_scale_error(b.lon.0, b.lon.1, b.lat.0, b.lat.1))
}

const BOXES: [TestBox; 4] = [
    TestBox {
        name: "Singapore",
        lon: (103.6, 104.0),
        lat: (1.15, 1.55),
    },
    TestBox {
        name: "Wuhan prefecture ±1.5°",
        lon: (112.8, 115.8),
        lat: (29.1, 32.1),
    },
    TestBox {
        name: "50°N ±3.5° lon",
        lon: (15.5, 22.5),
        lat: (48.5, 51.5),
    },
    // The public contract at its limit: ±2.5° of longitude at the equator is ±278 km.
    TestBox {
        name: "equator ±278 km",
        lon: (101.3, 106.3),
        lat: (0.35, 2.35),
    },
];

#[test]
fn frame_distances_are_within_a_tenth_of_a_percent() {
    for (i, b) in BOXES.iter().enumerate() {
        let (worst, bound) = distance_errors(b, 42 + i as u64);
        assert!(worst < 1e-3, "{}: relative distance error {worst}", b.name);
        assert!(bound < 1e-3, "{}: max_scale_error {bound}", b.name);
        // The bound holds (up to the geodesic solver's ~1e-15) and is not wildly pessimistic.
        assert!(
            worst <= bound + 1e-12,
            "{}: observed {worst} > max_scale_error {bound}",
            b.name
        );
        assert!(
            worst > 0.25 * bound,
            "{}: observed {worst} ≪ max_scale_error {bound}",
            b.name
        );
    }
}

#[test]
fn max_scale_error_is_the_local_distance_error_at_the_far_edge() {
    // A 10 m segment at the box corner farthest from the central meridian and nearest the equator is
    // stretched by the worst scale, less the scale's change along 10 m (~1e-3 of it); checked against
    // geodesics rather than against the formula.
    for b in &BOXES {
        let frame = MetricFrame::fit(b.lon.0, b.lon.1, b.lat.0, b.lat.1);
        let bound = frame.max_scale_error(b.lon.0, b.lon.1, b.lat.0, b.lat.1);
        let (lon, lat) = (b.lon.1, b.lat.0);
        let (lon2, lat2) = (lon - 0.00009, lat);
        let geodesic = Geodesic.distance(Point::new(lon, lat), Point::new(lon2, lat2));
        let (a, c) = (frame.project(lon, lat), frame.project(lon2, lat2));
        let local = (a.0 - c.0).hypot(a.1 - c.1) / geodesic - 1.0;
        assert!(
            (local - bound).abs() < 1e-3 * bound + 1e-9,
            "{}: local {local}, bound {bound}",
            b.name
        );
    }
}

#[test]
fn contract_fails_beyond_its_range() {
    // At ±4° at the equator (445 km) the frame's error passes 0.1%, which is why max_scale_error exists.
    let frame = MetricFrame::fit(100.0, 108.0, 0.0, 2.0);
    assert!(frame.max_scale_error(100.0, 108.0, 0.0, 2.0) > 1e-3);
}
