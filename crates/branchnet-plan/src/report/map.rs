//! The report's map: what it draws from the scenario ([`MapLayers`]) and the inline SVG.
//!
//! Everything is drawn in the scenario's metric frame: the SVG's user unit is one metre, x as in the frame and
//! y negated (SVG's y grows downwards). Marks are sized relative to the map's extent so a town and a province
//! both read; region outlines keep a one-pixel stroke at any zoom.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use branchnet_core::{Scenario, SiteKind};

use super::format::{self, esc};
use crate::{Action, ActionKind, Place, Plan};

/// Colours of the demand density classes, lightest (sparsest) first: ColorBrewer's sequential YlOrBr with seven
/// classes, which stays apart from the marks' blue, red, purple, green and teal.
pub const DEMAND_RAMP: [&str; 7] = [
    "#ffffd4", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04",
];

/// Most non-empty demand blocks [`MapLayers::from_scenario`] makes: enough for a city at 500 m–1 km, while the
/// report stays a few megabytes and a browser draws it at once.
pub const MAX_BLOCKS: usize = 20_000;

/// Colour of kept branches.
const KEEP: &str = "#2166ac";
/// Colour of closed branches.
const CLOSE: &str = "#d7191c";
/// Colour of relocations (old position, arrow, new site).
const RELOCATE: &str = "#7b3294";
/// Colour of opened branches.
const OPEN: &str = "#1a9641";
/// Colour of converted branches.
const CONVERT: &str = "#00a6ca";
/// Colour of competitor branches.
const COMPETITOR: &str = "#7f7f7f";

/// One square of aggregated demand.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandBlock {
    /// Easting of the block's west edge, frame metres.
    pub x: f64,
    /// Northing of the block's south edge, frame metres.
    pub y: f64,
    /// Demand of the cells whose centres lie in the block.
    pub demand: f64,
}

/// The outline of one region.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionOutline {
    /// Region id.
    pub id: String,
    /// Region name, when the layer has one.
    pub name: Option<String>,
    /// Closed rings (exteriors and holes) in frame metres, simplified to what the map can show.
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// A competitor branch on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetitorMark {
    /// Site id.
    pub id: String,
    /// Bank, when known.
    pub brand: Option<String>,
    /// Easting, frame metres.
    pub x: f64,
    /// Northing, frame metres.
    pub y: f64,
}

/// What the report's map draws from the scenario, apart from the plan's own branches: demand aggregated into
/// square blocks, the outlines of one region level and the competitors.
///
/// [`MapLayers::default`] is an empty map (the plan's branches only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapLayers {
    /// Side of a demand block, metres.
    pub block_m: f64,
    /// Blocks with positive demand, south to north then west to east.
    pub blocks: Vec<DemandBlock>,
    /// Region outlines of the chosen level.
    pub regions: Vec<RegionOutline>,
    /// Competitor branches.
    pub competitors: Vec<CompetitorMark>,
}

impl MapLayers {
    /// Collects the layers of `scenario`: `demand` (one value per cell) summed into square blocks, the outlines
    /// of region level `level` and the competitor branches.
    ///
    /// The block side is the smallest of 1, 2, 2.5 and 5 times a power of ten, no finer than the cells, that
    /// leaves at most [`MAX_BLOCKS`] non-empty blocks. Non-finite demand values are left out of the blocks;
    /// a level without regions gives no outlines.
    ///
    /// # Panics
    /// When `demand` does not hold one value per cell: a caller's mistake, not an input's.
    pub fn from_scenario(scenario: &Scenario, demand: &[f64], level: usize) -> MapLayers {
        let cells = &scenario.cells;
        assert_eq!(
            demand.len(),
            cells.len(),
            "MapLayers::from_scenario: demand needs one value per cell"
        );
        let floor = cells
            .cell_size_m()
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or_else(|| estimate_spacing(cells.x()));
        let block_m = choose_block_size(cells.x(), cells.y(), demand, floor);
        MapLayers {
            block_m,
            blocks: aggregate(cells.x(), cells.y(), demand, block_m),
            regions: outlines(scenario, level),
            competitors: competitors(scenario),
        }
    }
}

/// Candidate block sides in metres, ascending: 1, 2, 2.5, 5 × 10^k from a metre to 5,000 km.
fn block_ladder() -> Vec<f64> {
    (0..7)
        .flat_map(|e| [1.0, 2.0, 2.5, 5.0].map(|m| m * 10f64.powi(e)))
        .collect()
}

/// The smallest ladder side no finer than `floor` with at most [`MAX_BLOCKS`] non-empty blocks.
///
/// The count falls (nearly) monotonically with the side, so a binary search over the ladder needs a handful of
/// passes over the cells even for a province; it only ever returns a side it counted within the limit (or the
/// coarsest one).
fn choose_block_size(x: &[f64], y: &[f64], demand: &[f64], floor: f64) -> f64 {
    let ladder: Vec<f64> = block_ladder()
        .into_iter()
        .filter(|s| *s >= floor * 0.999)
        .collect();
    if ladder.is_empty() {
        // A floor above the ladder (cells thousands of kilometres apart): one block per cell.
        return floor;
    }
    let (mut lo, mut hi) = (0, ladder.len() - 1);
    if count_blocks_within(x, y, demand, ladder[lo], MAX_BLOCKS) {
        return ladder[lo];
    }
    // Invariant: ladder[lo] has too many blocks; ladder[hi] is within the limit or is the coarsest.
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if count_blocks_within(x, y, demand, ladder[mid], MAX_BLOCKS) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    ladder[hi]
}

/// Whether blocks of side `size` holding positive demand number at most `limit` (stops counting past it).
fn count_blocks_within(x: &[f64], y: &[f64], demand: &[f64], size: f64, limit: usize) -> bool {
    let mut seen = HashSet::new();
    for ((&x, &y), &d) in x.iter().zip(y).zip(demand) {
        if d.is_finite() && d > 0.0 {
            seen.insert(block_key(x, y, size));
            if seen.len() > limit {
                return false;
            }
        }
    }
    true
}

/// The block holding the point (x, y).
fn block_key(x: f64, y: f64, size: f64) -> (i64, i64) {
    ((x / size).floor() as i64, (y / size).floor() as i64)
}

/// Sums demand into blocks of side `size`; keeps the blocks whose total is positive.
fn aggregate(x: &[f64], y: &[f64], demand: &[f64], size: f64) -> Vec<DemandBlock> {
    let mut sums: HashMap<(i64, i64), f64> = HashMap::new();
    for ((&x, &y), &d) in x.iter().zip(y).zip(demand) {
        if d.is_finite() && x.is_finite() && y.is_finite() {
            *sums.entry(block_key(x, y, size)).or_default() += d;
        }
    }
    let mut keys: Vec<_> = sums.iter().filter(|(_, d)| **d > 0.0).collect();
    // Deterministic order, so two reports of one plan are byte for byte equal.
    keys.sort_by_key(|((i, j), _)| (*j, *i));
    keys.into_iter()
        .map(|(&(i, j), &demand)| DemandBlock {
            x: i as f64 * size,
            y: j as f64 * size,
            demand,
        })
        .collect()
}

/// The spacing of a grid whose cell size is not recorded: the median gap between distinct eastings (the
/// column spacing of a regular grid), at least a metre.
fn estimate_spacing(x: &[f64]) -> f64 {
    let mut xs: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    let mut gaps: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return 1.0;
    }
    let mid = gaps.len() / 2;
    let (_, median, _) = gaps.select_nth_unstable_by(mid, f64::total_cmp);
    median.max(1.0)
}

/// Outlines of the regions of `level`, each ring thinned to points at least 1/4000 of the regions' extent
/// apart (a quarter of a pixel on a 1,000-pixel map), which keeps detailed admin boundaries small.
fn outlines(scenario: &Scenario, level: usize) -> Vec<RegionOutline> {
    let regions: Vec<_> = scenario.regions.of_level(level).map(|(_, r)| r).collect();
    let mut bounds = Bounds::default();
    for r in &regions {
        for poly in &r.boundary.0 {
            for c in poly.exterior().0.iter() {
                bounds.add(c.x, c.y);
            }
        }
    }
    let tolerance = bounds.span() / 4000.0;
    regions
        .into_iter()
        .map(|r| RegionOutline {
            id: r.id.clone(),
            name: r.name.clone(),
            rings: r
                .boundary
                .0
                .iter()
                .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
                .map(|ring| thin(ring.0.iter().map(|c| (c.x, c.y)), tolerance))
                .filter(|ring| ring.len() >= 3)
                .collect(),
        })
        .collect()
}

/// Drops points closer than `tolerance` to the last kept one; the ring's last point always stays.
fn thin(points: impl Iterator<Item = (f64, f64)>, tolerance: f64) -> Vec<(f64, f64)> {
    let all: Vec<_> = points.filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(all.len());
    for (i, &p) in all.iter().enumerate() {
        let last = i + 1 == all.len();
        let far = kept
            .last()
            .is_none_or(|q| (p.0 - q.0).hypot(p.1 - q.1) >= tolerance);
        if far || last {
            kept.push(p);
        }
    }
    kept
}

/// The competitor branches with a position in the frame.
fn competitors(scenario: &Scenario) -> Vec<CompetitorMark> {
    scenario
        .sites
        .of_kind(SiteKind::Competitor)
        .filter(|s| s.x.is_finite() && s.y.is_finite())
        .map(|s| CompetitorMark {
            id: s.id.clone(),
            brand: s.brand.clone(),
            x: s.x,
            y: s.y,
        })
        .collect()
}

/// An axis-aligned box in frame metres, empty until a point is added.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            min_x: f64::INFINITY,
            min_y: f64::INFINITY,
            max_x: f64::NEG_INFINITY,
            max_y: f64::NEG_INFINITY,
        }
    }
}

impl Bounds {
    fn add(&mut self, x: f64, y: f64) {
        if x.is_finite() && y.is_finite() {
            self.min_x = self.min_x.min(x);
            self.min_y = self.min_y.min(y);
            self.max_x = self.max_x.max(x);
            self.max_y = self.max_y.max(y);
        }
    }

    fn is_empty(&self) -> bool {
        self.min_x > self.max_x
    }

    /// The longer side (0 when empty).
    fn span(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            (self.max_x - self.min_x).max(self.max_y - self.min_y)
        }
    }

    /// The box grown by 3% of its longer side on every side (at least 500 m, so a lone branch gets a map), or a
    /// 1 km square at the origin when nothing was added.
    fn padded(self) -> Bounds {
        if self.is_empty() {
            return Bounds {
                min_x: 0.0,
                min_y: 0.0,
                max_x: 1000.0,
                max_y: 1000.0,
            };
        }
        let pad = (self.span() * 0.03).max(500.0);
        Bounds {
            min_x: self.min_x - pad,
            min_y: self.min_y - pad,
            max_x: self.max_x + pad,
            max_y: self.max_y + pad,
        }
    }

    fn width(&self) -> f64 {
        self.max_x - self.min_x
    }

    fn height(&self) -> f64 {
        self.max_y - self.min_y
    }
}

/// The box around everything the map draws.
fn extent(plan: &Plan, layers: &MapLayers) -> Bounds {
    let mut b = Bounds::default();
    for block in &layers.blocks {
        b.add(block.x, block.y);
        b.add(block.x + layers.block_m, block.y + layers.block_m);
    }
    for ring in layers.regions.iter().flat_map(|r| &r.rings) {
        for &(x, y) in ring {
            b.add(x, y);
        }
    }
    for c in &layers.competitors {
        b.add(c.x, c.y);
    }
    for p in plan.actions.iter().flat_map(|a| a.from.iter().chain(a.to.iter())) {
        b.add(p.x, p.y);
    }
    b.padded()
}

/// A coordinate in SVG text: to a tenth of a metre, without a trailing `.0`.
fn c(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// The density classes of the demand blocks: up to six distinct quantile breaks (demand per km²) splitting the
/// blocks into seven groups of about equal size, which reads better than equal intervals on skewed demand.
pub(crate) fn density_breaks(layers: &MapLayers) -> Vec<f64> {
    let mut densities: Vec<f64> = layers.blocks.iter().map(|b| density(b, layers)).collect();
    if densities.is_empty() {
        return Vec::new();
    }
    densities.sort_by(f64::total_cmp);
    let n = densities.len();
    let mut breaks: Vec<f64> = (1..DEMAND_RAMP.len())
        .map(|k| densities[k * n / DEMAND_RAMP.len()])
        .filter(|b| *b > densities[0])
        .collect();
    breaks.dedup();
    breaks
}

/// Demand per km² of a block.
fn density(block: &DemandBlock, layers: &MapLayers) -> f64 {
    block.demand / (layers.block_m * layers.block_m / 1e6)
}

/// The ramp colour of class `class` out of `classes`, spread over the whole ramp.
pub(crate) fn class_colour(class: usize, classes: usize) -> &'static str {
    let last = DEMAND_RAMP.len() - 1;
    if classes <= 1 {
        return DEMAND_RAMP[last / 2];
    }
    DEMAND_RAMP[(class * last + (classes - 1) / 2) / (classes - 1)]
}

/// The whole `<svg id="map">`.
pub(crate) fn svg(plan: &Plan, layers: &MapLayers) -> String {
    let b = extent(plan, layers);
    // Mark radius: 1/200 of the map's longer side, a few pixels at any zoom of the page.
    let u = b.width().max(b.height()) / 200.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg id="map" viewBox="{} {} {} {}" role="img" aria-label="Map of the plan">"#,
        c(b.min_x),
        c(-b.max_y),
        c(b.width()),
        c(b.height())
    );
    s.push_str(&defs(u));
    let _ = write!(
        s,
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff"/>"##,
        c(b.min_x),
        c(-b.max_y),
        c(b.width()),
        c(b.height())
    );
    s.push_str(&demand_layer(layers));
    s.push_str(&region_layer(layers));
    s.push_str(&competitor_layer(layers, u));
    s.push_str(&action_layer(plan, u));
    s.push_str(&scale_bar(&b, u));
    s.push_str("</svg>");
    s
}

/// The arrowhead of relocations, sized in metres like the marks.
fn defs(u: f64) -> String {
    format!(
        r#"<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="{w}" markerHeight="{w}" orient="auto"><path d="M0,0L10,5L0,10z" fill="{RELOCATE}"/></marker></defs>"#,
        w = c(2.4 * u)
    )
}

/// One path per density class: a few bytes per block, where a `<rect>` each would triple the file.
fn demand_layer(layers: &MapLayers) -> String {
    let breaks = density_breaks(layers);
    let classes = breaks.len() + 1;
    let mut paths = vec![String::new(); classes];
    let side = c(layers.block_m);
    for block in &layers.blocks {
        let class = breaks.partition_point(|b| *b <= density(block, layers));
        let _ = write!(
            paths[class],
            "M{} {}h{side}v{side}h-{side}z",
            c(block.x),
            c(-(block.y + layers.block_m))
        );
    }
    let mut s = String::from(r#"<g id="layer-demand" shape-rendering="crispEdges">"#);
    for (class, d) in paths.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        let _ = write!(
            s,
            r#"<path class="demand d{class}" fill="{}" d="{d}"/>"#,
            class_colour(class, classes)
        );
    }
    s.push_str("</g>");
    s
}

/// Region outlines, a pixel wide at any scale, with their id and name as tooltip.
fn region_layer(layers: &MapLayers) -> String {
    let mut s = String::from(r##"<g id="layer-regions" fill="none" stroke="#4d4d4d" stroke-opacity="0.8">"##);
    for r in &layers.regions {
        let mut d = String::new();
        for ring in &r.rings {
            for (i, (x, y)) in ring.iter().enumerate() {
                let _ = write!(d, "{}{} {}", if i == 0 { 'M' } else { 'L' }, c(*x), c(-y));
            }
            d.push('z');
        }
        let title = match &r.name {
            Some(name) => format!("{} {}", r.id, name),
            None => r.id.clone(),
        };
        let _ = write!(
            s,
            r#"<path class="region" vector-effect="non-scaling-stroke" stroke-width="1.2" d="{d}"><title>{}</title></path>"#,
            esc(&title)
        );
    }
    s.push_str("</g>");
    s
}

/// Competitors: small grey dots, under the own branches.
fn competitor_layer(layers: &MapLayers, u: f64) -> String {
    let mut s = format!(r#"<g id="layer-competitors" fill="{COMPETITOR}">"#);
    for m in &layers.competitors {
        let title = match &m.brand {
            Some(brand) => format!("competitor {} ({brand})", m.id),
            None => format!("competitor {}", m.id),
        };
        let _ = write!(
            s,
            r#"<circle class="competitor" cx="{}" cy="{}" r="{}"><title>{}</title></circle>"#,
            c(m.x),
            c(-m.y),
            c(0.5 * u),
            esc(&title)
        );
    }
    s.push_str("</g>");
    s
}

/// Own branches, changes drawn over keeps so none hides under the many kept branches.
fn action_layer(plan: &Plan, u: f64) -> String {
    let mut s = String::from(r#"<g id="layer-actions">"#);
    let order = [
        ActionKind::Keep,
        ActionKind::Convert,
        ActionKind::Close,
        ActionKind::Relocate,
        ActionKind::Open,
    ];
    for kind in order {
        for a in plan.actions.iter().filter(|a| a.kind == kind) {
            s.push_str(&action_mark(a, u));
        }
    }
    s.push_str("</g>");
    s
}

/// One action as a group: its marks and a tooltip with ids, region, formats and reasons.
fn action_mark(a: &Action, u: f64) -> String {
    let from = a.from.as_ref().filter(|p| placed(p)).map(|p| (p.x, -p.y));
    let to = a.to.as_ref().filter(|p| placed(p)).map(|p| (p.x, -p.y));
    let body = match (a.kind, from, to) {
        (ActionKind::Keep, Some(p), _) => keep_mark(p, u),
        (ActionKind::Close, Some(p), _) => close_mark(p, u),
        (ActionKind::Convert, Some(p), _) => convert_mark(p, u),
        (ActionKind::Relocate, Some(p), Some(q)) => relocation_mark(p, q, u),
        (ActionKind::Relocate, Some(p), None) => old_site_mark(p, u),
        (ActionKind::Relocate | ActionKind::Open, _, Some(q)) => new_site_mark(a.kind, q, u),
        // An action without the position its kind needs has nothing to draw; the table still lists it.
        _ => return String::new(),
    };
    format!(
        r#"<g class="act act-{}"><title>{}</title>{body}</g>"#,
        a.kind.as_str(),
        esc(&action_title(a))
    )
}

/// Whether a place has a position in the frame.
fn placed(p: &Place) -> bool {
    p.x.is_finite() && p.y.is_finite()
}

/// The tooltip of an action: `relocate BR-1 → S-9 · region D1 · full → light · reasons`.
fn action_title(a: &Action) -> String {
    let mut t = a.kind.as_str().to_string();
    match (&a.from, &a.to) {
        (Some(f), Some(to)) => {
            let _ = write!(t, " {} → {}", f.id, to.id);
        }
        (Some(p), None) | (None, Some(p)) => {
            let _ = write!(t, " {}", p.id);
        }
        (None, None) => {}
    }
    if let Some(region) = action_region(a) {
        let _ = write!(t, " · region {region}");
    }
    match (a.format_before, a.format_after) {
        (Some(b), Some(f)) if b != f => {
            let _ = write!(t, " · {b} → {f}");
        }
        (_, Some(f)) | (Some(f), None) => {
            let _ = write!(t, " · {f}");
        }
        (None, None) => {}
    }
    if !a.reasons.is_empty() {
        let _ = write!(t, " · {}", a.reasons.join(", "));
    }
    t
}

/// The region an action happens in: the new site's for relocations and openings, else the branch's.
pub(crate) fn action_region(a: &Action) -> Option<&str> {
    a.to.as_ref()
        .and_then(|p| p.region.as_deref())
        .or_else(|| a.from.as_ref().and_then(|p| p.region.as_deref()))
}

/// A kept branch: a filled blue disc with a white rim.
fn keep_mark((x, y): (f64, f64), u: f64) -> String {
    format!(
        r##"<circle class="mark" cx="{}" cy="{}" r="{}" fill="{KEEP}" stroke="#ffffff" stroke-width="{}"/>"##,
        c(x),
        c(y),
        c(u),
        c(0.25 * u)
    )
}

/// A closed branch: a hollow red ring with a cross.
fn close_mark((x, y): (f64, f64), u: f64) -> String {
    let r = 1.1 * u;
    format!(
        r#"<g class="mark" fill="none" stroke="{CLOSE}" stroke-width="{w}"><circle cx="{}" cy="{}" r="{}"/><path d="M{} {}L{} {}M{} {}L{} {}"/></g>"#,
        c(x),
        c(y),
        c(r),
        c(x - r),
        c(y - r),
        c(x + r),
        c(y + r),
        c(x + r),
        c(y - r),
        c(x - r),
        c(y + r),
        w = c(0.35 * u)
    )
}

/// A converted branch: a teal square (the branch stays, its format changes).
fn convert_mark((x, y): (f64, f64), u: f64) -> String {
    let r = 1.0 * u;
    format!(
        r##"<rect class="mark" x="{}" y="{}" width="{}" height="{}" fill="{CONVERT}" stroke="#ffffff" stroke-width="{}"/>"##,
        c(x - r),
        c(y - r),
        c(2.0 * r),
        c(2.0 * r),
        c(0.25 * u)
    )
}

/// The position a relocated branch leaves: a dashed purple ring.
fn old_site_mark((x, y): (f64, f64), u: f64) -> String {
    format!(
        r#"<circle class="mark old" cx="{}" cy="{}" r="{}" fill="none" stroke="{RELOCATE}" stroke-width="{}" stroke-dasharray="{}"/>"#,
        c(x),
        c(y),
        c(u),
        c(0.3 * u),
        c(0.6 * u)
    )
}

/// A new site: a purple disc for a relocation's target, a green diamond for an opening.
fn new_site_mark(kind: ActionKind, (x, y): (f64, f64), u: f64) -> String {
    if kind == ActionKind::Open {
        let r = 1.5 * u;
        format!(
            r##"<path class="mark new" d="M{} {}L{} {}L{} {}L{} {}z" fill="{OPEN}" stroke="#ffffff" stroke-width="{}"/>"##,
            c(x),
            c(y - r),
            c(x + r),
            c(y),
            c(x),
            c(y + r),
            c(x - r),
            c(y),
            c(0.25 * u)
        )
    } else {
        format!(
            r##"<circle class="mark new" cx="{}" cy="{}" r="{}" fill="{RELOCATE}" stroke="#ffffff" stroke-width="{}"/>"##,
            c(x),
            c(y),
            c(u),
            c(0.25 * u)
        )
    }
}

/// A relocation: the old position, an arrow ending at the new site's rim, the new site.
fn relocation_mark(from: (f64, f64), to: (f64, f64), u: f64) -> String {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = dx.hypot(dy);
    // Stop the arrow at the new site's rim so its head stays visible; a move shorter than the marks gets the
    // full length.
    let end = if len > 3.0 * u {
        (to.0 - dx / len * 1.2 * u, to.1 - dy / len * 1.2 * u)
    } else {
        to
    };
    format!(
        r#"{}<line class="arrow" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{RELOCATE}" stroke-width="{}" marker-end="url(#arrowhead)"/>{}"#,
        old_site_mark(from, u),
        c(from.0),
        c(from.1),
        c(end.0),
        c(end.1),
        c(0.4 * u),
        new_site_mark(ActionKind::Relocate, to, u)
    )
}

/// A scale bar in the lower left: the round length (1, 2 or 5 × 10^k m) nearest below a fifth of the width.
fn scale_bar(b: &Bounds, u: f64) -> String {
    let target = b.width() / 5.0;
    let magnitude = 10f64.powf(target.log10().floor());
    let length = [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|l| *l <= target)
        .unwrap_or(magnitude);
    let x0 = b.min_x + 0.04 * b.width();
    let y0 = -b.min_y - 0.04 * b.height();
    let tick = 1.2 * u;
    let label = format!("{} km", format::num(length / 1000.0, km_decimals(length)));
    format!(
        r##"<g id="scale-bar" stroke="#222222" stroke-width="{w}" fill="none"><path d="M{} {}V{}H{}V{}"/><text x="{}" y="{}" fill="#222222" stroke="#ffffff" stroke-width="{halo}" paint-order="stroke" font-size="{fs}" text-anchor="middle" font-family="sans-serif">{label}</text></g>"##,
        c(x0),
        c(y0 - tick),
        c(y0),
        c(x0 + length),
        c(y0 - tick),
        c(x0 + length / 2.0),
        c(y0 - 1.6 * tick),
        w = c(0.35 * u),
        halo = c(0.6 * u),
        fs = c(4.0 * u),
    )
}

/// Decimals that show a scale length in km exactly (0.5 km, 0.02 km, 10 km).
fn km_decimals(length_m: f64) -> usize {
    if length_m >= 1000.0 {
        0
    } else {
        (3.0 - length_m.log10().floor()).max(0.0) as usize
    }
}

/// Small SVG swatches for the legend, drawn by the map's own mark functions so legend and map cannot differ.
pub(crate) fn legend_swatch(kind: Option<ActionKind>) -> String {
    let u = 5.0;
    let body = match kind {
        Some(ActionKind::Keep) => keep_mark((0.0, 0.0), u),
        Some(ActionKind::Close) => close_mark((0.0, 0.0), u),
        Some(ActionKind::Convert) => convert_mark((0.0, 0.0), u),
        Some(ActionKind::Open) => new_site_mark(ActionKind::Open, (0.0, 0.0), u),
        Some(ActionKind::Relocate) => {
            // Drawn here rather than with the map's arrowhead marker, which is sized in map metres.
            return format!(
                r#"<svg class="swatch wide" viewBox="-8 -8 56 16">{}<path d="M0 0H30" stroke="{RELOCATE}" stroke-width="2"/><path d="M28 -5L35 0L28 5z" fill="{RELOCATE}"/>{}</svg>"#,
                old_site_mark((0.0, 0.0), u),
                new_site_mark(ActionKind::Relocate, (40.0, 0.0), u)
            );
        }
        None => format!(
            r#"<circle cx="0" cy="0" r="{}" fill="{COMPETITOR}"/>"#,
            c(0.5 * u)
        ),
    };
    format!(r#"<svg class="swatch" viewBox="-9 -9 18 18">{body}</svg>"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_is_ascending() {
        let l = block_ladder();
        assert!(l.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(l[0], 1.0);
        assert!(l.contains(&500.0) && l.contains(&1000.0) && l.contains(&2500.0));
    }

    #[test]
    fn spacing_of_a_regular_grid_is_its_column_step() {
        let x: Vec<f64> = (0..50).flat_map(|i| [i as f64 * 250.0; 3]).collect();
        assert_eq!(estimate_spacing(&x), 250.0);
        assert_eq!(estimate_spacing(&[]), 1.0);
    }

    #[test]
    fn thinning_keeps_the_shape_and_the_closing_point() {
        let ring: Vec<(f64, f64)> = (0..=1000).map(|i| (i as f64, 0.0)).collect();
        let thinned = thin(ring.into_iter(), 100.0);
        assert_eq!(thinned.first(), Some(&(0.0, 0.0)));
        assert_eq!(thinned.last(), Some(&(1000.0, 0.0)));
        assert_eq!(thinned.len(), 11);
    }

    #[test]
    fn classes_spread_over_the_ramp() {
        assert_eq!(class_colour(0, 7), DEMAND_RAMP[0]);
        assert_eq!(class_colour(6, 7), DEMAND_RAMP[6]);
        assert_eq!(class_colour(0, 2), DEMAND_RAMP[0]);
        assert_eq!(class_colour(1, 2), DEMAND_RAMP[6]);
        assert_eq!(class_colour(0, 1), DEMAND_RAMP[3]);
    }

    #[test]
    fn scale_bar_is_a_round_length_in_km() {
        let b = Bounds {
            min_x: 0.0,
            min_y: 0.0,
            max_x: 100_000.0,
            max_y: 80_000.0,
        };
        assert!(scale_bar(&b, 400.0).contains(">20 km</text>"));
        let small = Bounds {
            max_x: 3_000.0,
            max_y: 3_000.0,
            ..b
        };
        assert!(scale_bar(&small, 12.0).contains(">0.5 km</text>"));
        assert_eq!(km_decimals(20.0), 2);
    }
}
