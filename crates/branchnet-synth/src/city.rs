//! The Jiangcheng demo city: a fictional Chinese prefecture-level city of about five million people.
//!
//! Everything is built in a local metric plane centred on 114.3°E, 30.6°N (see [`LocalFrame`]) and written
//! as WGS84 longitude/latitude. The story, with local coordinates in metres (x east, y north):
//!
//! * a river (≈1.3 km wide) crosses the city from south-west to north-east; nobody lives on it;
//! * the old urban core (Laocheng District) sits on its north-west bank around (−3 km, 0): dense, old,
//!   shrinking; a lake lies north-east of it;
//! * the new development district (Xinhe District) lies across the river to the south-east, around
//!   (5 km, −1.5 km): medium density, young, growing fast, with new high-rise estates and an industrial
//!   park (transactions but no residents);
//! * two more urban districts, Beihu (north) and Hanxi (west);
//! * four counties (Xishan, Beiling, Nanping, Dongpu) with a county seat each, townships, small towns and
//!   villages: sparse and elderly.
//!
//! Regions come from one jittered 1 km quad mesh (see [`crate::mesh`]): townships are groups of quads
//! around township seats, districts are groups of townships, so both levels tile the city exactly. One
//! boundary vertex on the east edge is pulled 400 m inwards, leaving a small triangle outside every region
//! with a hamlet in it, so the validator's "cells outside every region" finding has something to show.

use std::fmt;
use std::path::Path;

use anyhow::Context;
use branchnet_core::ScenarioConfig;
use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::common::{
    LocalFrame, WeightedPicker, lognormal, polygon_feature, round_to, write_feature_collection, write_lines,
    write_parquet,
};
use crate::mesh::{IndexPolygon, QuadMesh};
use crate::site_layers::write_site_layers;

/// Longitude of the city centre.
pub const CITY_LON: f64 = 114.3;
/// Latitude of the city centre.
pub const CITY_LAT: f64 = 30.6;
const HALF_W: f64 = 50_000.0;
const HALF_H: f64 = 40_000.0;
const CELL: f64 = 100.0;
const NX: usize = 1000;
const NY: usize = 800;
/// Side of the quads the regions are built from.
const BLOCK: f64 = 1000.0;
/// The 500 m transaction grid is made of 5 × 5 demand cells.
const TX_FACTOR: usize = 5;
const RIVER_HALF_WIDTH: f64 = 650.0;
/// Expected people per cell below which population is drawn as whole houses (see `make_population`).
const LUMP: f64 = 6.0;
/// Number of own branches (fixed: the demo's figures are quoted in docs and tests).
pub const OWN_BRANCHES: usize = 81;
const CANDIDATES: usize = 1500;
const VILLAGES: usize = 4000;

const CORE: [f64; 2] = [-3000.0, 0.0];
const NEW_CENTRE: [f64; 2] = [5000.0, -1500.0];
const LAKE: [f64; 2] = [2500.0, 6500.0];
const LAKE_AXES: [f64; 2] = [2600.0, 1400.0];
/// The boundary vertex pulled inwards and the hamlet it leaves outside every region.
const NOTCH_VERTEX: (usize, usize) = (100, 52);
const NOTCH_TO: [f64; 2] = [HALF_W - 400.0, 12_000.0];
const HAMLET: [f64; 2] = [HALF_W - 130.0, 12_000.0];
/// Industrial parks: rectangles on the 500 m grid with jobs (transactions) and no residents.
const PARKS: [(&str, [f64; 4]); 2] = [
    (
        "Xinhe Hi-tech Industrial Park",
        [9000.0, -9500.0, 11_000.0, -8000.0],
    ),
    (
        "Beiling Airport Logistics Park",
        [12_000.0, 20_000.0, 13_500.0, 21_000.0],
    ),
];

/// Independent random streams per stage, so changing one stage does not reshuffle the others.
pub(crate) fn stage_rng(seed: u64, stage: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage);
    rng
}

/// Y of the river's centre line at `x`.
fn river_centre_y(x: f64) -> f64 {
    0.55 * x + 2200.0 * (x / 8000.0).sin() - 1500.0
}

/// Signed distance-like offset from the river centre line: positive on the north-west bank.
fn river_offset(x: f64, y: f64) -> f64 {
    let slope = 0.55 + 2200.0 / 8000.0 * (x / 8000.0).cos();
    (y - river_centre_y(x)) / (1.0 + slope * slope).sqrt()
}

fn in_water(x: f64, y: f64) -> bool {
    let (u, v) = ((x - LAKE[0]) / LAKE_AXES[0], (y - LAKE[1]) / LAKE_AXES[1]);
    river_offset(x, y).abs() < RIVER_HALF_WIDTH || u * u + v * v < 1.0
}

fn park_at(x: f64, y: f64) -> Option<usize> {
    PARKS
        .iter()
        .position(|(_, r)| x >= r[0] && x < r[2] && y >= r[1] && y < r[3])
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn cell_centre(i: usize, j: usize) -> [f64; 2] {
    [
        -HALF_W + (i as f64 + 0.5) * CELL,
        -HALF_H + (j as f64 + 0.5) * CELL,
    ]
}

/// Urban district or county.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistrictKind {
    /// A district of the city proper (区).
    Urban,
    /// A county (县) with townships and villages.
    County,
}

impl DistrictKind {
    fn as_str(self) -> &'static str {
        match self {
            DistrictKind::Urban => "urban-district",
            DistrictKind::County => "county",
        }
    }
}

/// A level-1 region.
#[derive(Debug, Clone)]
pub struct District {
    /// Region id (`JC01` …).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Short name used in branch names.
    pub short: &'static str,
    /// Urban district or county.
    pub kind: DistrictKind,
    /// Centre (urban) or county seat, local metres.
    pub centre: [f64; 2],
    /// Larger values claim townships from further away.
    reach: f64,
    /// River bank the district lies on (1 north-west, −1 south-east, 0 either).
    side: i8,
}

/// A level-2 region: a street (街道) of an urban district or a town/township of a county.
#[derive(Debug, Clone)]
pub struct Township {
    /// Region id (`JC05-03` …).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Index of the district.
    pub district: usize,
    /// Township seat (its town centre), local metres.
    pub seat: [f64; 2],
    /// True for the seat of a county.
    pub county_seat: bool,
}

/// A populated 100 m cell.
#[derive(Debug, Clone, Copy)]
pub struct CityCell {
    /// Cell centre, local metres.
    pub xy: [f64; 2],
    /// Residents (one decimal, as modelled grids give).
    pub population: f64,
    /// Residents aged 65+.
    pub elderly: f64,
    /// Expected annual growth rate.
    pub growth: f64,
    /// Township index; `None` in the notch outside every region.
    pub township: Option<usize>,
}

/// A branch (own or competitor) or a candidate site (of the demo city and the planner's province).
#[derive(Debug, Clone, Default)]
pub struct CitySite {
    /// Site id, unique across the scenario.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Position, local metres.
    pub xy: [f64; 2],
    /// Bank (competitors), empty otherwise.
    pub bank: String,
    /// Format: full, light, smart, community, self-service (empty for candidates).
    pub format: &'static str,
    /// Teller counters.
    pub counters: u32,
    /// Staff headcount.
    pub staff: u32,
    /// Operating cost per year, CNY.
    pub annual_cost: f64,
    /// Visits per year.
    pub observed_volume: f64,
    /// Never to be closed.
    pub protected: bool,
    /// Year opened.
    pub opened_year: i32,
    /// Rent per year, CNY (candidates).
    pub rent: f64,
    /// One-off cost of opening, CNY (candidates).
    pub open_cost: f64,
    /// Floor area, m² (candidates).
    pub floor_area_m2: f64,
    /// Daily passers-by (candidates).
    pub footfall: f64,
    /// 0–1 (candidates).
    pub visibility: f64,
    /// District index; `None` outside every region.
    pub district: Option<usize>,
}

impl CitySite {
    fn at(id: String, xy: [f64; 2]) -> Self {
        Self {
            id,
            name: String::new(),
            xy,
            bank: String::new(),
            format: "",
            counters: 0,
            staff: 0,
            annual_cost: 0.0,
            observed_volume: 0.0,
            protected: false,
            opened_year: 0,
            rent: 0.0,
            open_cost: 0.0,
            floor_area_m2: 0.0,
            footfall: 0.0,
            visibility: 0.0,
            district: None,
        }
    }
}

/// The whole demo city in memory.
#[derive(Debug, Clone)]
pub struct DemoCity {
    /// Seed it was generated from.
    pub seed: u64,
    /// Local plane.
    pub frame: LocalFrame,
    /// The quad mesh every region is made of.
    pub mesh: QuadMesh,
    /// Level-1 regions.
    pub districts: Vec<District>,
    /// Level-2 regions.
    pub townships: Vec<Township>,
    /// Township of each mesh quad.
    pub quad_township: Vec<usize>,
    /// Populated 100 m cells, row-major from the south-west.
    pub cells: Vec<CityCell>,
    /// 500 m transaction cells: centre (local metres) and monthly transactions.
    pub transactions: Vec<([f64; 2], f64)>,
    /// Own branches.
    pub branches: Vec<CitySite>,
    /// Competitor branches.
    pub competitors: Vec<CitySite>,
    /// Candidate sites.
    pub candidates: Vec<CitySite>,
}

/// Population-density blob: exponential or Gaussian decay from a centre.
struct Blob {
    c: [f64; 2],
    peak: f64,
    scale: f64,
    gauss: bool,
    elderly: f64,
    growth: f64,
    /// 1: only on the north-west bank, −1: only on the south-east bank, 0: both.
    side: i8,
}

/// Dense per-cell accumulators over the full 1000 × 800 grid.
struct Density {
    dens: Vec<f64>,
    eld: Vec<f64>,
    gro: Vec<f64>,
    side: Vec<i8>,
}

impl Density {
    fn new() -> Self {
        let mut side = vec![0i8; NX * NY];
        for j in 0..NY {
            for i in 0..NX {
                let [x, y] = cell_centre(i, j);
                side[j * NX + i] = if river_offset(x, y) >= 0.0 { 1 } else { -1 };
            }
        }
        Self {
            dens: vec![0.0; NX * NY],
            eld: vec![0.0; NX * NY],
            gro: vec![0.0; NX * NY],
            side,
        }
    }

    fn stamp(&mut self, b: &Blob) {
        let reach = if b.gauss { 3.5 * b.scale } else { 7.0 * b.scale };
        let lo = |v: f64, half: f64| (((v - reach + half) / CELL).floor().max(0.0)) as usize;
        let hi = |v: f64, half: f64, n: usize| ((((v + reach + half) / CELL).ceil()) as usize).min(n);
        for j in lo(b.c[1], HALF_H)..hi(b.c[1], HALF_H, NY) {
            for i in lo(b.c[0], HALF_W)..hi(b.c[0], HALF_W, NX) {
                let k = j * NX + i;
                if b.side != 0 && self.side[k] != b.side {
                    continue;
                }
                let r = dist(cell_centre(i, j), b.c) / b.scale;
                let v = b.peak * if b.gauss { (-0.5 * r * r).exp() } else { (-r).exp() };
                if v < 1e-4 {
                    continue;
                }
                self.dens[k] += v;
                self.eld[k] += v * b.elderly;
                self.gro[k] += v * b.growth;
            }
        }
    }
}

pub(crate) const SYLLABLE_A: [&str; 30] = [
    "Qing", "Bai", "Shui", "Hua", "Long", "Feng", "Jin", "Shi", "Yang", "Liu", "Tao", "Song", "He", "Dong",
    "Xi", "Nan", "Bei", "Ma", "Niu", "Huang", "Hong", "Gu", "Xin", "Lian", "Sha", "Zhu", "Mei", "Lu", "Yu",
    "Guan",
];
pub(crate) const SYLLABLE_B: [&str; 24] = [
    "he", "shan", "qiao", "tang", "gang", "kou", "ping", "ling", "po", "wan", "zhou", "tian", "yuan", "hu",
    "tai", "pu", "ji", "dian", "bu", "lin", "chong", "fan", "yan", "quan",
];
const ROADS: [&str; 40] = [
    "Zhongshan Road",
    "Jiefang Avenue",
    "Minzhu Road",
    "Heping Street",
    "Renmin Road",
    "Hubin Road",
    "Jianghan Road",
    "Xinhua Road",
    "Wenhua Road",
    "Qingnian Road",
    "Dongfeng Road",
    "Gongye Road",
    "Binjiang Avenue",
    "Yingbin Road",
    "Kexue Avenue",
    "Chuangye Road",
    "Huayuan Road",
    "Shengli Street",
    "Changqing Road",
    "Guanggu Avenue",
    "Fuqian Road",
    "Nanhu Road",
    "Beijing Road",
    "Youyi Avenue",
    "Hongqi Road",
    "Gulou Street",
    "Chaoyang Road",
    "Xingfu Road",
    "Jiankang Road",
    "Jianshe Avenue",
    "Tiyu Road",
    "Huochezhan Road",
    "Xueyuan Road",
    "Shuguang Road",
    "Lianhua Road",
    "Taoyuan Street",
    "Jinqiao Avenue",
    "Wanda Plaza",
    "Zhongxin Avenue",
    "Dongting Road",
];

/// Builds the demo city from a seed (everything in memory; nothing is written).
pub fn generate_demo_city(seed: u64) -> DemoCity {
    let frame = LocalFrame {
        lon0: CITY_LON,
        lat0: CITY_LAT,
    };
    let districts = make_districts();
    let mut rng = stage_rng(seed, 1);
    let mut mesh = QuadMesh::jittered(
        [-HALF_W, -HALF_H],
        [2.0 * HALF_W, 2.0 * HALF_H],
        (2.0 * HALF_W / BLOCK) as usize,
        (2.0 * HALF_H / BLOCK) as usize,
        0.3,
        &mut rng,
    );
    mesh.set_vertex(NOTCH_VERTEX.0, NOTCH_VERTEX.1, NOTCH_TO);
    let townships = make_townships(&districts, &mut stage_rng(seed, 2));
    let quad_township: Vec<usize> = (0..mesh.len())
        .map(|q| nearest(&townships, mesh.quad_centre(q)))
        .collect();
    let cells = make_population(
        &districts,
        &townships,
        &mesh,
        &quad_township,
        &mut stage_rng(seed, 3),
    );
    let mut city = DemoCity {
        seed,
        frame,
        mesh,
        districts,
        townships,
        quad_township,
        cells,
        transactions: Vec::new(),
        branches: Vec::new(),
        competitors: Vec::new(),
        candidates: Vec::new(),
    };
    city.transactions = make_transactions(&city.cells, &mut stage_rng(seed, 4));
    let index = CellIndex::new(&city);
    city.branches = make_branches(&city, &index, &mut stage_rng(seed, 5));
    city.competitors = make_competitors(&city, &index, &mut stage_rng(seed, 6));
    city.candidates = make_candidates(&city, &index, &mut stage_rng(seed, 7));
    city
}

fn make_districts() -> Vec<District> {
    let d = |id: &str, name: &str, short: &'static str, kind, centre, reach, side| District {
        id: id.into(),
        name: name.into(),
        short,
        kind,
        centre,
        reach,
        side,
    };
    use DistrictKind::{County, Urban};
    vec![
        d("JC01", "Laocheng District", "Laocheng", Urban, CORE, 1.0, 1),
        d("JC02", "Xinhe District", "Xinhe", Urban, NEW_CENTRE, 1.35, -1),
        d(
            "JC03",
            "Beihu District",
            "Beihu",
            Urban,
            [-6000.0, 11_000.0],
            0.95,
            1,
        ),
        d(
            "JC04",
            "Hanxi District",
            "Hanxi",
            Urban,
            [-14_000.0, -3000.0],
            0.95,
            1,
        ),
        d(
            "JC05",
            "Xishan County",
            "Xishan",
            County,
            [-36_000.0, 6000.0],
            2.8,
            0,
        ),
        d(
            "JC06",
            "Beiling County",
            "Beiling",
            County,
            [22_000.0, 27_000.0],
            2.8,
            0,
        ),
        d(
            "JC07",
            "Nanping County",
            "Nanping",
            County,
            [-2000.0, -28_000.0],
            2.8,
            0,
        ),
        d(
            "JC08",
            "Dongpu County",
            "Dongpu",
            County,
            [35_000.0, -12_000.0],
            2.8,
            0,
        ),
    ]
}

/// The district a township seat at `p` belongs to: a multiplicatively weighted nearest centre (urban
/// districts reach less far than counties), and an urban district never crosses the river.
fn district_of(districts: &[District], p: [f64; 2]) -> usize {
    let bank: i8 = if river_offset(p[0], p[1]) >= 0.0 { 1 } else { -1 };
    let mut best = (f64::INFINITY, 0);
    for (k, d) in districts.iter().enumerate() {
        if d.side != 0 && d.side != bank {
            continue;
        }
        let cost = dist(p, d.centre) / d.reach;
        if cost < best.0 {
            best = (cost, k);
        }
    }
    best.1
}

fn nearest(townships: &[Township], p: [f64; 2]) -> usize {
    let mut best = (f64::INFINITY, 0);
    for (k, t) in townships.iter().enumerate() {
        let d = dist(p, t.seat);
        if d < best.0 {
            best = (d, k);
        }
    }
    best.1
}

/// Township seats by dart throwing with a spacing that depends on the district: streets of the old core
/// are small, rural townships large.
fn make_townships(districts: &[District], rng: &mut ChaCha8Rng) -> Vec<Township> {
    let spacing = |d: usize| match (districts[d].kind, d) {
        (DistrictKind::Urban, 0) => 2600.0,
        (DistrictKind::Urban, 1) => 3300.0,
        (DistrictKind::Urban, _) => 3000.0,
        (DistrictKind::County, _) => 10_500.0,
    };
    // District centres and county seats come first so every district has its seat township.
    let mut seats: Vec<([f64; 2], usize, bool)> = districts
        .iter()
        .enumerate()
        .map(|(k, d)| (d.centre, k, d.kind == DistrictKind::County))
        .collect();
    for _ in 0..40_000 {
        let p = [
            rng.random_range(-HALF_W + 800.0..HALF_W - 800.0),
            rng.random_range(-HALF_H + 800.0..HALF_H - 800.0),
        ];
        if in_water(p[0], p[1]) {
            continue;
        }
        let d = district_of(districts, p);
        let r = spacing(d);
        if seats
            .iter()
            .all(|(s, sd, _)| dist(*s, p) >= 0.5 * (r + spacing(*sd)))
        {
            seats.push((p, d, false));
        }
    }
    // Number townships district by district, west to east within each, so ids read like admin codes.
    seats.sort_by(|a, b| {
        (a.1, !a.2)
            .cmp(&(b.1, !b.2))
            .then(a.0[0].total_cmp(&b.0[0]))
            .then(a.0[1].total_cmp(&b.0[1]))
    });
    let mut used_names: Vec<String> = Vec::new();
    let mut counter = vec![0usize; districts.len()];
    seats
        .into_iter()
        .map(|(seat, d, county_seat)| {
            counter[d] += 1;
            let district = &districts[d];
            let name = if county_seat {
                format!("{} Chengguan Town", district.short)
            } else {
                let base = loop {
                    let a = SYLLABLE_A[rng.random_range(0..SYLLABLE_A.len())];
                    let b = SYLLABLE_B[rng.random_range(0..SYLLABLE_B.len())];
                    let n = format!("{a}{b}");
                    if !used_names.contains(&n) && !n.starts_with(district.short) {
                        break n;
                    }
                };
                used_names.push(base.clone());
                match district.kind {
                    DistrictKind::Urban => format!("{base} Street"),
                    DistrictKind::County if rng.random_bool(0.6) => format!("{base} Town"),
                    DistrictKind::County => format!("{base} Township"),
                }
            };
            Township {
                id: format!("{}-{:02}", district.id, counter[d]),
                name,
                district: d,
                seat,
                county_seat,
            }
        })
        .collect()
}

fn make_population(
    districts: &[District],
    townships: &[Township],
    mesh: &QuadMesh,
    quad_township: &[usize],
    rng: &mut ChaCha8Rng,
) -> Vec<CityCell> {
    let mut density = Density::new();
    let blob = |c, peak, scale, gauss, elderly, growth, side| Blob {
        c,
        peak,
        scale,
        gauss,
        elderly,
        growth,
        side,
    };
    let mut blobs = vec![
        // The old core: very dense, old, slowly shrinking; confined to its bank.
        blob(CORE, 300.0, 2500.0, false, 0.25, -0.008, 1),
        blob([-1200.0, -900.0], 130.0, 700.0, false, 0.27, -0.012, 1),
        blob([-4800.0, 1500.0], 120.0, 700.0, false, 0.27, -0.012, 1),
        blob([-2500.0, 3200.0], 110.0, 650.0, false, 0.26, -0.010, 1),
        // The new district: medium density, young, strong inflow.
        blob(NEW_CENTRE, 60.0, 4500.0, true, 0.07, 0.055, -1),
        // Older urban districts.
        blob(districts[3].centre, 160.0, 2000.0, false, 0.17, 0.008, 1),
        blob(districts[2].centre, 150.0, 2000.0, false, 0.15, 0.015, 1),
        // A suburban belt around the city proper.
        blob(CORE, 12.0, 10_000.0, true, 0.14, 0.012, 0),
        // The hamlet in the notch outside every region.
        blob(HAMLET, 9.0, 150.0, true, 0.33, -0.02, 0),
    ];
    // New high-rise estates in the new district.
    while blobs.len() < 14 {
        let c = [
            NEW_CENTRE[0] + rng.random_range(-5000.0..5000.0),
            NEW_CENTRE[1] + rng.random_range(-5000.0..5000.0),
        ];
        if river_offset(c[0], c[1]) < -RIVER_HALF_WIDTH - 800.0 {
            let (peak, scale) = (rng.random_range(120.0..180.0), rng.random_range(450.0..700.0));
            blobs.push(blob(c, peak, scale, true, 0.05, 0.08, -1));
        }
    }
    for t in townships {
        let d = &districts[t.district];
        if d.kind != DistrictKind::County {
            continue;
        }
        if t.county_seat {
            blobs.push(blob(t.seat, 120.0, 1300.0, false, 0.19, 0.003, 0));
        } else {
            let (peak, scale) = (rng.random_range(15.0..40.0), rng.random_range(300.0..550.0));
            blobs.push(blob(t.seat, peak, scale, false, 0.27, -0.012, 0));
        }
    }
    // Villages, everywhere but on the water.
    let mut villages = 0;
    while villages < VILLAGES {
        let c = [
            rng.random_range(-HALF_W..HALF_W),
            rng.random_range(-HALF_H..HALF_H),
        ];
        if in_water(c[0], c[1]) {
            continue;
        }
        let (peak, scale) = (rng.random_range(3.0..12.0), rng.random_range(90.0..200.0));
        blobs.push(blob(c, peak, scale, true, 0.31, -0.02, 0));
        villages += 1;
    }
    for b in &blobs {
        density.stamp(b);
    }

    let mut cells = Vec::with_capacity(260_000);
    for j in 0..NY {
        for i in 0..NX {
            let k = j * NX + i;
            let xy = cell_centre(i, j);
            // Draw the same number of variates for every cell so the stream is position-independent.
            let noise = lognormal(rng, 0.35);
            let farm: f64 = rng.random();
            let farm_people = rng.random_range(1.0..6.0);
            let share_noise = lognormal(rng, 0.15);
            let growth_noise = 0.004 * (rng.random::<f64>() - 0.5) * 2.0;
            let lump_draw: f64 = rng.random();
            let lump_size = rng.random_range(1.0..2.0 * LUMP - 1.0);
            if in_water(xy[0], xy[1]) || park_at(xy[0], xy[1]).is_some() {
                continue;
            }
            let d = density.dens[k];
            let mut pop = d * noise;
            let (mut share, mut growth) = if d > 0.0 {
                (density.eld[k] / d, density.gro[k] / d)
            } else {
                (0.32, -0.02)
            };
            // Scattered farmhouses between villages.
            if d < 1.0 && farm < 0.05 {
                pop += farm_people;
                share = (share * pop.max(1e-9) + 0.32 * farm_people) / (pop + farm_people);
                growth = (growth * pop.max(1e-9) + -0.02 * farm_people) / (pop + farm_people);
            }
            // Thin population lives in a few houses, not a film over every cell: below LUMP people a cell
            // holds 1 to 2·LUMP − 1 people (mean LUMP) with probability pop / LUMP: the expected count is
            // unchanged, the number of populated cells is not.
            if pop < LUMP {
                pop = if lump_draw < pop / LUMP { lump_size } else { 0.0 };
            }
            let population = round_to(pop, 1);
            if population < 0.5 {
                continue;
            }
            let elderly = round_to((population * share * share_noise).clamp(0.0, population * 0.6), 1);
            let growth = round_to((growth + growth_noise).clamp(-0.03, 0.09), 4);
            let township = mesh.locate(xy).map(|q| quad_township[q]);
            cells.push(CityCell {
                xy,
                population,
                elderly: elderly.min(population),
                growth,
                township,
            });
        }
    }
    cells
}

fn make_transactions(cells: &[CityCell], rng: &mut ChaCha8Rng) -> Vec<([f64; 2], f64)> {
    let (bx, by) = (NX / TX_FACTOR, NY / TX_FACTOR);
    let mut pop = vec![0.0f64; bx * by];
    for c in cells {
        let i = ((c.xy[0] + HALF_W) / CELL) as usize / TX_FACTOR;
        let j = ((c.xy[1] + HALF_H) / CELL) as usize / TX_FACTOR;
        pop[j * bx + i] += c.population;
    }
    let size = CELL * TX_FACTOR as f64;
    let mut out = Vec::new();
    for j in 0..by {
        for i in 0..bx {
            let xy = [
                -HALF_W + (i as f64 + 0.5) * size,
                -HALF_H + (j as f64 + 0.5) * size,
            ];
            let noise = lognormal(rng, 0.3);
            let p = pop[j * bx + i];
            let t = if park_at(xy[0], xy[1]).is_some() {
                // Factories and warehouses: payroll and business accounts, no residents.
                9000.0 * noise
            } else {
                // Urban residents bank more often than rural ones.
                let urban = (p / 3000.0).min(1.0);
                p * (0.35 + 1.1 * urban) * noise
            };
            let t = t.round();
            if t >= 1.0 {
                out.push((xy, t));
            }
        }
    }
    out
}

/// Where the populated cells are, for sampling and catchment sums.
struct CellIndex {
    /// Summed-area table of `grid`, `(NX + 1) × (NY + 1)`.
    sat: Vec<f64>,
    /// District of each populated cell (`usize::MAX` outside every region).
    district: Vec<usize>,
    /// Zone of each populated cell.
    zone: Vec<Zone>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Core,
    New,
    Urban,
    CountySeat,
    Rural,
}

impl CellIndex {
    fn new(city: &DemoCity) -> Self {
        let mut grid = vec![0.0; NX * NY];
        for c in &city.cells {
            let (i, j) = grid_ij(c.xy);
            grid[j * NX + i] = c.population;
        }
        let mut sat = vec![0.0; (NX + 1) * (NY + 1)];
        for j in 0..NY {
            let mut row = 0.0;
            for i in 0..NX {
                row += grid[j * NX + i];
                sat[(j + 1) * (NX + 1) + i + 1] = sat[j * (NX + 1) + i + 1] + row;
            }
        }
        let district: Vec<usize> = city
            .cells
            .iter()
            .map(|c| c.township.map_or(usize::MAX, |t| city.townships[t].district))
            .collect();
        let zone = city
            .cells
            .iter()
            .zip(&district)
            .map(|(c, &d)| match d {
                0 => Zone::Core,
                1 => Zone::New,
                d if d < city.districts.len() && city.districts[d].kind == DistrictKind::Urban => Zone::Urban,
                d if d < city.districts.len() && dist(c.xy, city.districts[d].centre) < 4000.0 => {
                    Zone::CountySeat
                }
                _ => Zone::Rural,
            })
            .collect();
        Self { sat, district, zone }
    }

    /// Population within a square of half-side `half_m` around `p`.
    fn pop_within(&self, p: [f64; 2], half_m: f64) -> f64 {
        let (ci, cj) = grid_ij(p);
        let h = (half_m / CELL).round() as usize;
        let (i0, j0) = (ci.saturating_sub(h), cj.saturating_sub(h));
        let (i1, j1) = ((ci + h + 1).min(NX), (cj + h + 1).min(NY));
        let s = |i: usize, j: usize| self.sat[j * (NX + 1) + i];
        s(i1, j1) - s(i0, j1) - s(i1, j0) + s(i0, j0)
    }

    fn district_at(&self, city: &DemoCity, p: [f64; 2]) -> Option<usize> {
        city.mesh
            .locate(p)
            .map(|q| city.townships[city.quad_township[q]].district)
    }
}

fn grid_ij(p: [f64; 2]) -> (usize, usize) {
    let i = (((p[0] + HALF_W) / CELL).floor().max(0.0) as usize).min(NX - 1);
    let j = (((p[1] + HALF_H) / CELL).floor().max(0.0) as usize).min(NY - 1);
    (i, j)
}

/// A point somewhere inside a cell (branches stand at addresses, not at cell centres).
fn inside_cell(rng: &mut ChaCha8Rng, c: [f64; 2]) -> [f64; 2] {
    [
        c[0] + rng.random_range(-45.0..45.0),
        c[1] + rng.random_range(-45.0..45.0),
    ]
}

/// Picks a populated cell by weight and returns a point in it, at least `min_gap` metres from `taken`
/// (given up after a few hundred tries: a crowded centre may legitimately hold neighbours).
fn sample_site(
    rng: &mut ChaCha8Rng,
    cells: &[CityCell],
    picker: &WeightedPicker,
    taken: &[[f64; 2]],
    min_gap: f64,
) -> [f64; 2] {
    let draw = |rng: &mut ChaCha8Rng| {
        let k = picker.pick(rng);
        inside_cell(rng, cells[k].xy)
    };
    let mut p = draw(rng);
    for _ in 0..300 {
        if taken.iter().all(|t| dist(*t, p) >= min_gap) {
            break;
        }
        p = draw(rng);
    }
    p
}

fn picker_for(cells: &[CityCell], mut weight: impl FnMut(usize, &CityCell) -> f64) -> Option<WeightedPicker> {
    WeightedPicker::new(cells.iter().enumerate().map(|(k, c)| weight(k, c)))
}

/// Counters, annual cost (CNY) and relative visit volume of a branch format.
pub(crate) struct FormatSpec {
    pub(crate) counters: (u32, u32),
    pub(crate) cost: (f64, f64),
    pub(crate) volume: f64,
}

pub(crate) fn format_spec(format: &str) -> FormatSpec {
    match format {
        "full" => FormatSpec {
            counters: (6, 10),
            cost: (2.8e6, 5.5e6),
            volume: 1.2,
        },
        "light" => FormatSpec {
            counters: (2, 4),
            cost: (1.2e6, 2.0e6),
            volume: 0.9,
        },
        "smart" => FormatSpec {
            counters: (1, 2),
            cost: (0.9e6, 1.4e6),
            volume: 0.7,
        },
        "community" => FormatSpec {
            counters: (2, 3),
            cost: (0.8e6, 1.2e6),
            volume: 0.8,
        },
        _ => FormatSpec {
            counters: (0, 0),
            cost: (0.15e6, 0.35e6),
            volume: 0.35,
        },
    }
}

pub(crate) fn pick_format(rng: &mut ChaCha8Rng, mix: &[(&'static str, f64)]) -> &'static str {
    let total: f64 = mix.iter().map(|m| m.1).sum();
    let mut u = rng.random::<f64>() * total;
    for (f, w) in mix {
        if u < *w {
            return f;
        }
        u -= w;
    }
    mix.last().map_or("full", |m| m.0)
}

/// A branch's planned place before its attributes are drawn.
struct Planned {
    xy: [f64; 2],
    district: usize,
    zone: Zone,
    format: &'static str,
    name: String,
    protected: bool,
    /// Catchment population for the volume (township branches serve their township).
    catchment: Option<f64>,
}

fn make_branches(city: &DemoCity, index: &CellIndex, rng: &mut ChaCha8Rng) -> Vec<CitySite> {
    let cells = &city.cells;
    let mut plan: Vec<Planned> = Vec::new();
    let mut roads: Vec<Vec<&'static str>> = (0..city.districts.len())
        .map(|_| {
            let mut r = ROADS.to_vec();
            r.shuffle(rng);
            r
        })
        .collect();
    let road_name = |roads: &mut Vec<Vec<&'static str>>, d: usize, what: &str| -> String {
        let road = roads[d].pop().unwrap_or("Central Road");
        format!("{} {road} {what}", city.districts[d].short)
    };
    let taken = |plan: &[Planned]| plan.iter().map(|p| p.xy).collect::<Vec<_>>();

    // The head office, in the heart of the old core.
    plan.push(Planned {
        xy: [CORE[0] + 120.0, CORE[1] - 80.0],
        district: 0,
        zone: Zone::Core,
        format: "full",
        name: "Jiangcheng Head Office Business Department".into(),
        protected: true,
        catchment: None,
    });
    // Three deliberate clusters of branches a few hundred metres apart, the "dense areas" of the story.
    for centre in [[-1300.0, -700.0], [-4600.0, 1400.0], [-2400.0, 1100.0]] {
        for k in 0..3 {
            let a = rng.random_range(0.0..std::f64::consts::TAU);
            let r = if k == 0 {
                0.0
            } else {
                rng.random_range(150.0..380.0)
            };
            let fmt = pick_format(rng, &[("full", 0.5), ("light", 0.3), ("smart", 0.2)]);
            plan.push(Planned {
                xy: [centre[0] + r * a.cos(), centre[1] + r * a.sin()],
                district: 0,
                zone: Zone::Core,
                format: fmt,
                name: road_name(&mut roads, 0, "Sub-branch"),
                protected: false,
                catchment: None,
            });
        }
    }
    // Two branches sharing one address (a sub-branch and a wealth-management centre in one tower).
    let shared = [CORE[0] - 900.0, CORE[1] + 650.0];
    let road = roads[0].pop().unwrap_or("Central Road");
    for (what, fmt) in [("Sub-branch", "full"), ("Wealth Management Centre", "light")] {
        plan.push(Planned {
            xy: shared,
            district: 0,
            zone: Zone::Core,
            format: fmt,
            name: format!("Laocheng {road} {what}"),
            protected: false,
            catchment: None,
        });
    }
    // The rest of the urban branches, drawn towards dense cells (pop² favours the centres, as history did).
    let urban_quota = [(0usize, 30usize), (1, 5), (2, 9), (3, 9)];
    for (d, quota) in urban_quota {
        let mix: &[(&'static str, f64)] = match d {
            0 => &[
                ("full", 0.35),
                ("light", 0.25),
                ("smart", 0.15),
                ("community", 0.15),
                ("self-service", 0.1),
            ],
            1 => &[("light", 0.4), ("smart", 0.4), ("community", 0.2)],
            _ => &[("full", 0.4), ("light", 0.3), ("community", 0.2), ("smart", 0.1)],
        };
        let power = if d == 0 { 2.0 } else { 1.6 };
        let Some(picker) = picker_for(cells, |k, c| {
            if index.district[k] == d {
                c.population.powf(power)
            } else {
                0.0
            }
        }) else {
            continue;
        };
        let mut first = true;
        while plan.iter().filter(|p| p.district == d).count() < quota {
            let xy = sample_site(rng, cells, &picker, &taken(&plan), 250.0);
            let format = if first && d != 0 {
                "full"
            } else {
                pick_format(rng, mix)
            };
            first = false;
            let zone = match d {
                0 => Zone::Core,
                1 => Zone::New,
                _ => Zone::Urban,
            };
            plan.push(Planned {
                xy,
                district: d,
                zone,
                format,
                name: road_name(&mut roads, d, "Sub-branch"),
                protected: false,
                catchment: None,
            });
        }
    }
    // Three branches in each county seat.
    for (d, district) in city.districts.iter().enumerate() {
        if district.kind != DistrictKind::County {
            continue;
        }
        let Some(picker) = picker_for(cells, |k, c| {
            if index.district[k] == d && dist(c.xy, district.centre) < 3000.0 {
                c.population.powf(1.5)
            } else {
                0.0
            }
        }) else {
            continue;
        };
        for k in 0..3 {
            let xy = sample_site(rng, cells, &picker, &taken(&plan), 300.0);
            let format = if k == 0 {
                "full"
            } else {
                pick_format(rng, &[("light", 0.6), ("community", 0.4)])
            };
            plan.push(Planned {
                xy,
                district: d,
                zone: Zone::CountySeat,
                format,
                name: road_name(&mut roads, d, "Sub-branch"),
                protected: false,
                catchment: None,
            });
        }
    }
    // One branch in each of the largest remaining townships, at its town centre.
    let mut township_pop = vec![(0.0f64, 0.0f64); city.townships.len()];
    for c in cells {
        if let Some(t) = c.township {
            township_pop[t].0 += c.population;
            township_pop[t].1 += c.elderly;
        }
    }
    let mut rural: Vec<usize> = (0..city.townships.len())
        .filter(|&t| {
            let tw = &city.townships[t];
            city.districts[tw.district].kind == DistrictKind::County && !tw.county_seat
        })
        .collect();
    rural.sort_by(|&a, &b| township_pop[b].0.total_cmp(&township_pop[a].0).then(a.cmp(&b)));
    let remaining = OWN_BRANCHES.saturating_sub(plan.len());
    let chosen: Vec<usize> = rural.into_iter().take(remaining).collect();
    // The sole branches of the poorest (most elderly) of these townships are protected: inclusion rules.
    let mut by_age = chosen.clone();
    by_age.sort_by(|&a, &b| {
        let share = |t: usize| township_pop[t].1 / township_pop[t].0.max(1.0);
        share(b).total_cmp(&share(a)).then(a.cmp(&b))
    });
    let poor: Vec<usize> = by_age.into_iter().take(4).collect();
    for t in chosen {
        let tw = &city.townships[t];
        let base = tw.name.trim_end_matches(" Town").trim_end_matches(" Township");
        plan.push(Planned {
            xy: [
                tw.seat[0] + rng.random_range(-80.0..80.0),
                tw.seat[1] + rng.random_range(-80.0..80.0),
            ],
            district: tw.district,
            zone: Zone::Rural,
            format: pick_format(rng, &[("light", 0.6), ("community", 0.4)]),
            name: format!("{} {base} Sub-branch", city.districts[tw.district].short),
            protected: poor.contains(&t),
            catchment: Some(township_pop[t].0),
        });
    }

    let own_xy = taken(&plan);
    plan.iter()
        .enumerate()
        .map(|(k, p)| {
            let spec = format_spec(p.format);
            let mut site = CitySite::at(format!("JC-{:03}", k + 1), p.xy);
            site.name = p.name.clone();
            site.format = p.format;
            site.district = Some(p.district);
            site.protected = p.protected;
            site.counters = if k == 0 {
                14
            } else {
                rng.random_range(spec.counters.0..=spec.counters.1)
            };
            site.staff = match p.format {
                "full" => site.counters * 2 + rng.random_range(6..=12) + if k == 0 { 20 } else { 0 },
                "light" | "community" => site.counters * 2 + rng.random_range(1..=2),
                "smart" => rng.random_range(3..=5),
                _ => rng.random_range(0..=1),
            };
            let cost_factor = match p.zone {
                Zone::Core => 1.15,
                Zone::Rural => 0.8,
                _ => 1.0,
            };
            let head = if k == 0 { 3.0 } else { 1.0 };
            site.annual_cost = round_to(
                rng.random_range(spec.cost.0..spec.cost.1) * cost_factor * head / 1000.0,
                0,
            ) * 1000.0;
            let catchment = p.catchment.unwrap_or_else(|| index.pop_within(p.xy, 1500.0));
            let sharing = own_xy.iter().filter(|o| dist(**o, p.xy) < 1500.0).count().max(1) as f64;
            let volume = 1.2 * catchment / sharing * spec.volume * lognormal(rng, 0.3);
            // Capacity caps what a branch can have served: about 20,000 counter visits a year per counter.
            let cap = 20_000.0 * f64::from(site.counters.max(1)) * 1.5;
            site.observed_volume = volume.clamp(800.0, cap).round();
            site.opened_year = match p.zone {
                _ if k == 0 => 1987,
                Zone::Core => rng.random_range(1984..=2008),
                Zone::New => rng.random_range(2011..=2023),
                Zone::Urban => rng.random_range(1990..=2015),
                Zone::CountySeat => rng.random_range(1988..=2010),
                Zone::Rural => rng.random_range(1992..=2016),
            };
            site
        })
        .collect()
}

const COMPETITOR_BANKS: [(&str, &str, usize); 3] = [
    ("HUB", "Huaxia Union Bank", 70),
    ("GRB", "Great River Bank", 60),
    ("JRCB", "Jiangcheng Rural Commercial Bank", 70),
];

fn make_competitors(city: &DemoCity, index: &CellIndex, rng: &mut ChaCha8Rng) -> Vec<CitySite> {
    let cells = &city.cells;
    let mut out: Vec<CitySite> = Vec::new();
    for (prefix, bank, count) in COMPETITOR_BANKS {
        let mut xys: Vec<[f64; 2]> = Vec::new();
        if prefix == "JRCB" {
            // The rural commercial bank has a branch in (nearly) every county township.
            for t in &city.townships {
                if city.districts[t.district].kind == DistrictKind::County {
                    xys.push([
                        t.seat[0] + rng.random_range(-150.0..150.0),
                        t.seat[1] + rng.random_range(-150.0..150.0),
                    ]);
                }
            }
        }
        let power = match prefix {
            "HUB" => 1.6,
            "GRB" => 1.4,
            _ => 1.2,
        };
        let Some(picker) = picker_for(cells, |k, c| {
            let zone_w = match (prefix, index.zone[k]) {
                ("HUB", Zone::Rural | Zone::CountySeat) => 0.0,
                ("GRB", Zone::Rural) => 0.0,
                ("JRCB", Zone::Core) => 0.3,
                _ => 1.0,
            };
            c.population.powf(power) * zone_w
        }) else {
            continue;
        };
        while xys.len() < count {
            let xy = sample_site(rng, cells, &picker, &xys, 200.0);
            xys.push(xy);
        }
        xys.truncate(count);
        for (k, xy) in xys.into_iter().enumerate() {
            let format = pick_format(
                rng,
                &[
                    ("full", 0.45),
                    ("light", 0.3),
                    ("smart", 0.15),
                    ("self-service", 0.1),
                ],
            );
            let spec = format_spec(format);
            let mut site = CitySite::at(format!("{prefix}-{:03}", k + 1), xy);
            site.bank = bank.into();
            site.format = format;
            site.counters = rng.random_range(spec.counters.0..=spec.counters.1);
            site.district = index.district_at(city, xy);
            let place = site.district.map_or("Jiangcheng", |d| city.districts[d].short);
            site.name = format!("{bank} {place} Branch No. {}", k + 1);
            out.push(site);
        }
    }
    out
}

fn make_candidates(city: &DemoCity, index: &CellIndex, rng: &mut ChaCha8Rng) -> Vec<CitySite> {
    let cells = &city.cells;
    let zone_weight = |z: Zone| match z {
        Zone::New => 3.0,
        Zone::Core => 1.5,
        Zone::Urban => 1.0,
        Zone::CountySeat => 0.8,
        Zone::Rural => 0.25,
    };
    let Some(picker) = picker_for(cells, |k, c| c.population * zone_weight(index.zone[k])) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(CANDIDATES);
    for n in 0..CANDIDATES {
        let k = picker.pick(rng);
        let xy = inside_cell(rng, cells[k].xy);
        let zone = index.zone[k];
        let unit_rent = match zone {
            Zone::Core => rng.random_range(1500.0..3200.0),
            Zone::Urban => rng.random_range(900.0..1800.0),
            Zone::New => rng.random_range(700.0..1500.0),
            Zone::CountySeat => rng.random_range(350.0..700.0),
            Zone::Rural => rng.random_range(150.0..400.0),
        };
        let area = (160.0 * lognormal(rng, 0.45)).clamp(60.0, 450.0).round();
        let visibility = round_to((rng.random::<f64>() + rng.random::<f64>()) / 2.0, 2);
        let nearby = index.pop_within(xy, 300.0);
        let mut site = CitySite::at(format!("CAND-{:04}", n + 1), xy);
        site.floor_area_m2 = area;
        site.rent = (area * unit_rent / 100.0).round() * 100.0;
        site.open_cost = ((area * rng.random_range(2500.0..4500.0) + rng.random_range(3e5..8e5)) / 1000.0)
            .round()
            * 1000.0;
        site.footfall = ((nearby * 0.15 + 50.0) * lognormal(rng, 0.4) * (0.5 + visibility)).round();
        site.visibility = visibility;
        site.district = Some(index.district[k]).filter(|&d| d != usize::MAX);
        out.push(site);
    }
    out
}

/// Figures of a generated demo city, for the README and the command's output.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCitySummary {
    /// Seed.
    pub seed: u64,
    /// Populated 100 m cells.
    pub cells: usize,
    /// Total population.
    pub population: f64,
    /// Total residents aged 65+.
    pub elderly: f64,
    /// 500 m transaction cells.
    pub transaction_cells: usize,
    /// 500 m cells with transactions but no residents.
    pub transaction_cells_without_population: usize,
    /// Monthly transactions in all.
    pub transactions: f64,
    /// Own branches.
    pub branches: usize,
    /// Protected own branches.
    pub protected: usize,
    /// Competitor branches.
    pub competitors: usize,
    /// Candidate sites.
    pub candidates: usize,
    /// Per district: id, name, kind, townships, cells, population, elderly, own branches, competitors,
    /// candidates.
    pub districts: Vec<DistrictFigures>,
    /// Populated cells outside every region, and their population.
    pub outside: (usize, f64),
}

/// One district's row of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictFigures {
    /// Region id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// "urban-district" or "county".
    pub kind: &'static str,
    /// Townships (streets) in it.
    pub townships: usize,
    /// Populated cells.
    pub cells: usize,
    /// Residents.
    pub population: f64,
    /// Residents aged 65+.
    pub elderly: f64,
    /// Mean growth rate, population-weighted.
    pub growth: f64,
    /// Own branches.
    pub branches: usize,
    /// Competitor branches.
    pub competitors: usize,
    /// Candidate sites.
    pub candidates: usize,
}

impl DemoCity {
    /// The figures of this city.
    pub fn summary(&self) -> DemoCitySummary {
        let mut rows: Vec<DistrictFigures> = self
            .districts
            .iter()
            .enumerate()
            .map(|(k, d)| DistrictFigures {
                id: d.id.clone(),
                name: d.name.clone(),
                kind: d.kind.as_str(),
                townships: self.townships.iter().filter(|t| t.district == k).count(),
                cells: 0,
                population: 0.0,
                elderly: 0.0,
                growth: 0.0,
                branches: self.branches.iter().filter(|b| b.district == Some(k)).count(),
                competitors: self.competitors.iter().filter(|b| b.district == Some(k)).count(),
                candidates: self.candidates.iter().filter(|b| b.district == Some(k)).count(),
            })
            .collect();
        let mut outside = (0, 0.0);
        for c in &self.cells {
            match c.township {
                Some(t) => {
                    let r = &mut rows[self.townships[t].district];
                    r.cells += 1;
                    r.population += c.population;
                    r.elderly += c.elderly;
                    r.growth += c.growth * c.population;
                }
                None => {
                    outside.0 += 1;
                    outside.1 += c.population;
                }
            }
        }
        for r in &mut rows {
            r.growth /= r.population.max(1.0);
        }
        let tx_pop: std::collections::HashSet<(i64, i64)> = self
            .cells
            .iter()
            .map(|c| {
                let (i, j) = grid_ij(c.xy);
                ((i / TX_FACTOR) as i64, (j / TX_FACTOR) as i64)
            })
            .collect();
        let without = self
            .transactions
            .iter()
            .filter(|(xy, _)| {
                let (i, j) = grid_ij(*xy);
                !tx_pop.contains(&((i / TX_FACTOR) as i64, (j / TX_FACTOR) as i64))
            })
            .count();
        DemoCitySummary {
            seed: self.seed,
            cells: self.cells.len(),
            population: self.cells.iter().map(|c| c.population).sum(),
            elderly: self.cells.iter().map(|c| c.elderly).sum(),
            transaction_cells: self.transactions.len(),
            transaction_cells_without_population: without,
            transactions: self.transactions.iter().map(|t| t.1).sum(),
            branches: self.branches.len(),
            protected: self.branches.iter().filter(|b| b.protected).count(),
            competitors: self.competitors.len(),
            candidates: self.candidates.len(),
            districts: rows,
            outside,
        }
    }

    /// Polygons of every township (index polygons of the mesh).
    pub fn township_outlines(&self) -> Vec<Vec<IndexPolygon>> {
        self.mesh.outlines(&self.quad_township, self.townships.len())
    }

    /// Polygons of every district, traced from the quads of its townships.
    pub fn district_outlines(&self) -> Vec<Vec<IndexPolygon>> {
        let labels: Vec<usize> = self
            .quad_township
            .iter()
            .map(|&t| self.townships[t].district)
            .collect();
        self.mesh.outlines(&labels, self.districts.len())
    }

    /// Writes every file of the demo city into `dir` (created if needed) and returns its figures.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, dir: &Path) -> anyhow::Result<DemoCitySummary> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let f = &self.frame;
        let ll: Vec<[f64; 2]> = self.cells.iter().map(|c| f.lonlat(c.xy[0], c.xy[1])).collect();
        write_parquet(
            &dir.join("cells.parquet"),
            vec![
                Column::new("lon".into(), ll.iter().map(|p| p[0]).collect::<Vec<f64>>()),
                Column::new("lat".into(), ll.iter().map(|p| p[1]).collect::<Vec<f64>>()),
                Column::new(
                    "population".into(),
                    self.cells.iter().map(|c| c.population).collect::<Vec<f64>>(),
                ),
                Column::new(
                    "elderly".into(),
                    self.cells.iter().map(|c| c.elderly).collect::<Vec<f64>>(),
                ),
                Column::new(
                    "growth".into(),
                    self.cells.iter().map(|c| c.growth).collect::<Vec<f64>>(),
                ),
            ],
        )?;
        write_lines(
            &dir.join("transactions_500m.csv"),
            "lon,lat,transactions",
            self.transactions.iter().map(|(xy, t)| {
                let p = f.lonlat(xy[0], xy[1]);
                format!("{:.6},{:.6},{t}", p[0], p[1])
            }),
        )?;
        write_site_layers(dir, f, &self.branches, &self.competitors, &self.candidates)?;
        let districts: Vec<serde_json::Value> = self
            .district_outlines()
            .iter()
            .zip(&self.districts)
            .map(|(polys, d)| {
                polygon_feature(
                    &self.mesh,
                    f,
                    polys,
                    json!({ "id": d.id, "name": d.name, "kind": d.kind.as_str() }),
                )
            })
            .collect();
        write_feature_collection(&dir.join("districts.geojson"), &districts)?;
        let townships: Vec<serde_json::Value> = self
            .township_outlines()
            .iter()
            .zip(&self.townships)
            .map(|(polys, t)| {
                polygon_feature(
                    &self.mesh,
                    f,
                    polys,
                    json!({ "id": t.id, "name": t.name, "district_id": self.districts[t.district].id }),
                )
            })
            .collect();
        write_feature_collection(&dir.join("townships.geojson"), &townships)?;
        let scenario = scenario_toml();
        // Fail here, not in a user's first run, if the schema and the generator drift apart.
        toml::from_str::<ScenarioConfig>(&scenario).context("the generated scenario.toml does not parse")?;
        std::fs::write(dir.join("scenario.toml"), scenario)?;
        let summary = self.summary();
        std::fs::write(dir.join("README.md"), readme(self, &summary, dir))?;
        Ok(summary)
    }
}

/// Generates the demo city from `seed` and writes it into `dir`.
///
/// # Errors
/// When a file cannot be written.
pub fn write_demo_city(dir: &Path, seed: u64) -> anyhow::Result<DemoCitySummary> {
    generate_demo_city(seed).write(dir)
}

fn scenario_toml() -> String {
    r#"# Jiangcheng: a synthetic prefecture-level city generated by `branchnet-synth demo-city` (see README.md).
name = "Jiangcheng demo city"
description = "Synthetic city of ~5 million: an old core, a new district across the river, two more urban districts and four counties."
currency = "CNY"

[demand]
path = "cells.parquet"
coordinates = { lon = "lon", lat = "lat" }
columns = ["population", "elderly", "growth"]
signed-columns = ["growth"]
cell-size-m = 100

[[transactions]]
path = "transactions_500m.csv"
coordinates = { lon = "lon", lat = "lat" }
columns = ["transactions"]
weight-column = "population"

[[sites]]
kind = "own"
path = "branches.csv"
id-column = "id"
brand = "Bank of Jiangcheng"
extra-columns = ["opened_year"]

[[sites]]
kind = "competitor"
path = "competitors.geojson"
id-column = "id"
attributes = { brand = "bank" }

[[sites]]
kind = "candidate"
path = "candidates.parquet"
id-column = "id"
extra-columns = ["floor_area_m2", "footfall", "visibility"]

[[regions]]
level = "district"
path = "districts.geojson"
id-property = "id"
name-property = "name"

[[regions]]
level = "township"
path = "townships.geojson"
id-property = "id"
name-property = "name"
parent-property = "district_id"

# Scoring models for `branchnet score` and `branchnet gaps`, run in this order; each later model reads the
# columns of those before it (`potential.now`, `huff.captured`). Parameters not given take their defaults,
# documented in the `branchnet_score` modules.
[[scores]]
model = "potential"
horizon-years = 5                      # project 5 years ahead by the `growth` column (annual rate)
elderly-column = "elderly"             # the elderly keep using counters more than others
terms = [
  { column = "population", weight = 0.7 },
  { column = "transactions", weight = 0.3 },
]

[[scores]]
model = "coverage"                     # 1 km urban, 5 km rural service radius

[[scores]]
model = "gaps"
future = "potential.future"

[[scores]]
model = "access"                       # 2SFCA of counters against the potential

[[scores]]
model = "huff"                         # own branches against competitors, d^-2 within 5 km

[[scores]]
model = "queue"                        # Erlang-C at the counters from the demand Huff assigns

[[scores]]
model = "site-score"                   # the candidate sites
criteria = [
  { factor = "footfall", weight = 3 },
  { factor = "visibility", weight = 1 },
  { factor = "floor_area_m2", direction = { ideal = 300 } },
  { factor = { sum = "potential.now", within = 1000 }, weight = 3 },
  { factor = { nearest = "competitor" }, weight = 1 },
  { factor = { nearest = "own" }, weight = 2 },
]
"#
    .to_string()
}

/// `1234567.8` → `"1,234,568"`.
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < -0.5 { format!("-{out}") } else { out }
}

fn readme(city: &DemoCity, s: &DemoCitySummary, dir: &Path) -> String {
    let f = &city.frame;
    let ll = |p: [f64; 2]| {
        let q = f.lonlat(p[0], p[1]);
        format!("{:.3}°E {:.3}°N", q[0], q[1])
    };
    let size = |name: &str| {
        std::fs::metadata(dir.join(name))
            .map(|m| match m.len() {
                n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
                n => format!("{} kB", n.div_ceil(1000)),
            })
            .unwrap_or_else(|_| "?".into())
    };
    let mut table = String::from(
        "| id | name | kind | townships | cells | population | 65+ share | growth | own branches | competitors | candidates |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &s.districts {
        table += &format!(
            "| {} | {} | {} | {} | {} | {} | {:.1}% | {:+.2}% | {} | {} | {} |\n",
            r.id,
            r.name,
            r.kind,
            r.townships,
            thousands(r.cells as f64),
            thousands(r.population),
            100.0 * r.elderly / r.population.max(1.0),
            100.0 * r.growth,
            r.branches,
            r.competitors,
            r.candidates
        );
    }
    let seats: Vec<String> = city
        .districts
        .iter()
        .filter(|d| d.kind == DistrictKind::County)
        .map(|d| format!("  {} (seat at {})", d.name, ll(d.centre)))
        .collect();
    let notch_outside = ll(NOTCH_TO);
    let seats = seats.join(",\n");
    format!(
        r#"# Jiangcheng demo city (synthetic)

A fictional Chinese prefecture-level city, made up from scratch by `branchnet-synth` so that examples, tests
and tutorials have a realistic, fully known input. Nothing here describes a real place or a real bank.

Regenerate (byte-identical) with

```sh
cargo run --release -p branchnet-synth -- demo-city --out data/demo-city --seed {seed}
```

## The story

The city spans about 100 km × 80 km around {centre} (local plane: equirectangular about that point,
100 m grid cells).

* **The river** (≈1.3 km wide) crosses the city from south-west to north-east; nobody lives on it. A lake lies
  north-east of the old core, around {lake}.
* **Laocheng District (JC01), the old urban core**, lies on the north-west bank around {core}: about
  30,000 people/km² at its centre, a high share of residents aged 65+, slowly shrinking. Most of the bank's branches are here —
  including the protected head office, three clusters of branches a few hundred metres apart, and two branches
  sharing one address (JC-011 and JC-012: same coordinates).
* **Xinhe District (JC02), the new development district**, lies across the river to the south-east around
  {new}: medium density, young, growing 5–8% a year, with new high-rise estates — and only a handful of
  branches. Its *Xinhe Hi-tech Industrial Park* and the *Beiling Airport Logistics Park* (Beiling County) have
  transactions but no residents (500 m cells with transactions and no population, as real data has).
* **Beihu (JC03, north) and Hanxi (JC04, west)**: older urban districts of medium density.
* **Four counties** with townships, small towns and villages: sparse, elderly and shrinking —
{seats}.
  The bank has three branches in each county seat and one in each of the larger townships; the sole branches
  of the four most elderly of those townships are protected (inclusive-finance rule), as is the head office.

## Files

| file | what | rows | size |
|---|---|---:|---:|
| `scenario.toml` | the scenario, naming every file by relative path | | |
| `cells.parquet` | populated 100 m cells: `lon`, `lat`, `population`, `elderly` (65+), `growth` (annual rate) | {cells} | {cells_size} |
| `transactions_500m.csv` | 500 m cells (5 × 5 blocks of the 100 m grid): `lon`, `lat`, `transactions` (monthly) | {tx_cells} | {tx_size} |
| `branches.csv` | own branches: `id`, `name`, `lon`, `lat`, `format`, `counters`, `staff`, `annual_cost` (CNY), `observed_volume` (visits/year), `protected`, `opened_year` | {branches} | {br_size} |
| `competitors.geojson` | competitor branches (points): `id`, `bank`, `name`, `format`, `counters` | {competitors} | {co_size} |
| `candidates.parquet` | shop fronts for lease: `id`, `lon`, `lat`, `rent` (CNY/year), `open_cost` (CNY), `floor_area_m2`, `footfall` (daily), `visibility` (0–1) | {candidates} | {ca_size} |
| `districts.geojson` | level 1: 4 urban districts and 4 counties (`id`, `name`, `kind`) | {n_districts} | {di_size} |
| `townships.geojson` | level 2: streets and towns (`id`, `name`, `district_id`); each district is exactly the union of its townships | {n_townships} | {to_size} |

Totals: **{population} residents** ({elderly_share:.1}% aged 65+) in {cells} populated cells;
{transactions} transactions a month in {tx_cells} cells ({tx_empty} of them with no residents);
{branches} own branches ({protected} protected), {competitors} competitor branches of 3 banks
(Huaxia Union Bank, Great River Bank, Jiangcheng Rural Commercial Bank), {candidates} candidate sites.
Site ids are unique across the three layers (`JC-…`, `HUB-…`/`GRB-…`/`JRCB-…`, `CAND-…`).

{table}
### Deliberately outside every region

The regions tile the city rectangle exactly (shared vertices, no gaps or overlaps) except for one small
triangle on the east edge: the boundary vertex at {notch} is pulled 400 m inwards. A hamlet lies in it:
**{out_cells} populated cells ({out_pop:.1} people) fall outside every region**, so branchnet's validation
report has a "cells outside every region" finding to show. This is intended.

## How it is made

All from one seed with ChaCha8 streams per stage (mesh, townships, population, transactions, branches,
competitors, candidates): population is a sum of exponential and Gaussian clusters (core, sub-centres, new
district, estates, urban districts, suburban belt, county seats, township towns, 4,000 villages) times
lognormal noise, plus scattered farmhouses; where fewer than 6 people are expected, a cell holds a house of
1–11 people or nobody (same expected total, fewer populated cells). Cells on water or in the industrial parks
are empty. Townships are groups of 1 km quads of a jittered mesh around seats placed by dart throwing (small
streets in the core, large townships in the counties); districts are groups of townships, so both levels share
every vertex. Positions are computed in a local plane, x = (lon − 114.3)·cos(30.6°)·111,320 m,
y = (lat − 30.6)·111,320 m, and written with 6 decimals. See `crates/branchnet-synth/src/city.rs`.

`branchnet validate data/demo-city/scenario.toml` reads it all and reports, on purpose: the
{tx_empty} transaction cells without residents, the {out_cells} cells outside every district and township,
and the two own branches sharing an address.
"#,
        seed = city.seed,
        centre = ll([0.0, 0.0]),
        lake = ll(LAKE),
        core = ll(CORE),
        new = ll(NEW_CENTRE),
        seats = seats,
        cells = thousands(s.cells as f64),
        cells_size = size("cells.parquet"),
        tx_cells = thousands(s.transaction_cells as f64),
        tx_size = size("transactions_500m.csv"),
        branches = s.branches,
        br_size = size("branches.csv"),
        competitors = s.competitors,
        co_size = size("competitors.geojson"),
        candidates = thousands(s.candidates as f64),
        ca_size = size("candidates.parquet"),
        n_districts = city.districts.len(),
        di_size = size("districts.geojson"),
        n_townships = city.townships.len(),
        to_size = size("townships.geojson"),
        population = thousands(s.population),
        elderly_share = 100.0 * s.elderly / s.population.max(1.0),
        transactions = thousands(s.transactions),
        tx_empty = s.transaction_cells_without_population,
        protected = s.protected,
        notch = notch_outside,
        out_cells = s.outside.0,
        out_pop = s.outside.1,
    )
}

impl fmt::Display for DemoCitySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seed {}: {} cells, population {:.0} (65+: {:.0}), {} transaction cells ({} without residents, {:.0}/month), \
             {} branches ({} protected), {} competitors, {} candidates, {} cells ({:.1} people) outside every region",
            self.seed,
            self.cells,
            self.population,
            self.elderly,
            self.transaction_cells,
            self.transaction_cells_without_population,
            self.transactions,
            self.branches,
            self.protected,
            self.competitors,
            self.candidates,
            self.outside.0,
            self.outside.1
        )?;
        for r in &self.districts {
            writeln!(
                f,
                "  {} {:<18} {:<14} townships {:>3}  cells {:>6}  pop {:>9.0}  65+ {:>4.1}%  growth {:+.2}%  branches {:>2}  competitors {:>3}  candidates {:>4}",
                r.id,
                r.name,
                r.kind,
                r.townships,
                r.cells,
                r.population,
                100.0 * r.elderly / r.population.max(1.0),
                100.0 * r.growth,
                r.branches,
                r.competitors,
                r.candidates
            )?;
        }
        Ok(())
    }
}
