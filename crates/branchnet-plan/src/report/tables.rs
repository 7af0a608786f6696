//! The report's tables: stage status and notes, regions, KPIs, actions and micro site choices.
//!
//! Every function returns HTML; every string from the plan goes through [`esc`], every number through
//! [`super::format`]. Cells are passed around already HTML-safe.

use std::fmt::Write;

use super::format::{self, NONE, dist, esc, int, money, opt, pct, qty, secs, signed};
use super::map::action_region;
use crate::{Action, ActionKind, Kpis, Place, Plan, RegionDirection, SiteChoice, StageStatus};

/// Most action rows the table lists; the rest are counted in a note (the plan's own exports hold them all).
pub const MAX_ACTION_ROWS: usize = 3_000;

/// Most opened locations whose site choices the report lists.
pub const MAX_SITE_CHOICES: usize = 1_000;

/// Every action kind, in the order the tables count them.
const KINDS: [ActionKind; 5] = [
    ActionKind::Keep,
    ActionKind::Close,
    ActionKind::Relocate,
    ActionKind::Open,
    ActionKind::Convert,
];

/// A header row; `numeric` columns are right-aligned.
fn head(columns: &[(&str, bool)]) -> String {
    let mut s = String::from("<thead><tr>");
    for (name, numeric) in columns {
        let class = if *numeric { r#" class="n""# } else { "" };
        let _ = write!(s, "<th{class}>{}</th>", esc(name));
    }
    s.push_str("</tr></thead>");
    s
}

/// A text cell (content already escaped).
fn td(html: &str) -> String {
    format!("<td>{html}</td>")
}

/// A cell that must not wrap: ids and coordinates (content already escaped).
fn tdk(html: &str) -> String {
    format!(r#"<td class="k">{html}</td>"#)
}

/// A numeric cell (content already escaped).
fn tdn(html: &str) -> String {
    format!(r#"<td class="n">{html}</td>"#)
}

/// Reason codes as one escaped line.
fn reasons(codes: &[String]) -> String {
    if codes.is_empty() {
        NONE.to_string()
    } else {
        esc(&codes.join(", "))
    }
}

/// A row spanning a whole table, for "nothing here".
fn empty_row(columns: usize, text: &str) -> String {
    format!(
        r#"<tr class="empty"><td colspan="{columns}">{}</td></tr>"#,
        esc(text)
    )
}

/// The stage status table.
pub(crate) fn stages(stages: &[StageStatus]) -> String {
    let columns = [
        ("Stage", false),
        ("Status", false),
        ("Objective", true),
        ("Bound", true),
        ("Gap", true),
        ("Time", true),
        ("Detail", false),
    ];
    let mut s = format!(r#"<table id="stages">{}<tbody>"#, head(&columns));
    for st in stages {
        let _ = write!(
            s,
            r#"<tr>{}<td><span class="status status-{}">{}</span></td>{}{}{}{}{}</tr>"#,
            td(&esc(&st.stage)),
            esc(&st.status),
            esc(&st.status),
            tdn(&opt(st.objective, qty)),
            tdn(&opt(st.bound, qty)),
            tdn(&opt(st.gap, pct)),
            tdn(&secs(st.seconds)),
            td(&esc(&st.detail)),
        );
    }
    if stages.is_empty() {
        s.push_str(&empty_row(columns.len(), "No stage ran."));
    }
    s.push_str("</tbody></table>");
    s
}

/// The plan's notes as a list.
pub(crate) fn notes(notes: &[String]) -> String {
    if notes.is_empty() {
        return r#"<p id="notes" class="muted">No notes.</p>"#.to_string();
    }
    let mut s = String::from(r#"<ul id="notes">"#);
    for n in notes {
        let _ = write!(s, "<li>{}</li>", esc(n));
    }
    s.push_str("</ul>");
    s
}

/// The region table: the macro figures and direction of every region.
pub(crate) fn regions(directions: &[RegionDirection]) -> String {
    let columns = [
        ("Region", false),
        ("Name", false),
        ("Potential now", true),
        ("Potential future", true),
        ("Population", true),
        ("Branches before", true),
        ("Counters", true),
        ("Quota (range)", true),
        ("Branches after", true),
        ("Coverage", true),
        ("Gap index", true),
        ("Direction", false),
        ("Reasons", false),
    ];
    let mut s = format!(r#"<table id="regions">{}<tbody>"#, head(&columns));
    for d in directions {
        let _ = write!(
            s,
            r#"<tr>{}{}{}{}{}{}{}{}{}{}{}<td><span class="dir dir-{dir}">{dir}</span></td>{}</tr>"#,
            tdk(&esc(&d.region)),
            td(&d.name.as_deref().map_or_else(|| NONE.to_string(), esc)),
            tdn(&qty(d.potential_now)),
            tdn(&qty(d.potential_future)),
            tdn(&qty(d.population)),
            tdn(&int(d.branches)),
            tdn(&int(d.counters as usize)),
            tdn(&format!(
                "{} ({}–{})",
                int(d.quota),
                int(d.quota_range.0),
                int(d.quota_range.1)
            )),
            tdn(&int(d.branches_after)),
            tdn(&pct(d.coverage)),
            tdn(&format::num(d.gap_index, 2)),
            td(&reasons(&d.reasons)),
            dir = d.direction.as_str(),
        );
    }
    if directions.is_empty() {
        s.push_str(&empty_row(columns.len(), "No regions."));
    }
    s.push_str("</tbody></table>");
    s
}

/// How a KPI reads and how its change is shown.
#[derive(Clone, Copy)]
enum Unit {
    Count,
    Quantity,
    Share,
    Metres,
    Money,
}

/// One row of the KPI table: a field of [`Kpis`].
struct KpiRow {
    /// The field name, kept as `data-kpi` so tools (and tests) can find a row.
    key: &'static str,
    label: &'static str,
    unit: Unit,
    get: fn(&Kpis) -> Option<f64>,
}

/// Every scalar field of [`Kpis`], in reading order; `branches_per_region` has its own table.
const KPI_ROWS: [KpiRow; 15] = [
    KpiRow {
        key: "branches",
        label: "Own branches",
        unit: Unit::Count,
        get: |k| Some(k.branches as f64),
    },
    KpiRow {
        key: "population",
        label: "Population",
        unit: Unit::Quantity,
        get: |k| Some(k.population),
    },
    KpiRow {
        key: "population_covered",
        label: "Population covered",
        unit: Unit::Quantity,
        get: |k| Some(k.population_covered),
    },
    KpiRow {
        key: "coverage",
        label: "Coverage (population)",
        unit: Unit::Share,
        get: |k| Some(k.coverage),
    },
    KpiRow {
        key: "elderly",
        label: "Elderly",
        unit: Unit::Quantity,
        get: |k| k.elderly,
    },
    KpiRow {
        key: "elderly_covered",
        label: "Elderly covered",
        unit: Unit::Quantity,
        get: |k| k.elderly_covered,
    },
    KpiRow {
        key: "demand",
        label: "Planning demand",
        unit: Unit::Quantity,
        get: |k| Some(k.demand),
    },
    KpiRow {
        key: "demand_covered",
        label: "Demand covered",
        unit: Unit::Quantity,
        get: |k| Some(k.demand_covered),
    },
    KpiRow {
        key: "mean_distance_m",
        label: "Mean distance to a branch",
        unit: Unit::Metres,
        get: |k| Some(k.mean_distance_m),
    },
    KpiRow {
        key: "p95_distance_m",
        label: "95th percentile distance",
        unit: Unit::Metres,
        get: |k| Some(k.p95_distance_m),
    },
    KpiRow {
        key: "captured_demand",
        label: "Captured demand (Huff)",
        unit: Unit::Quantity,
        get: |k| k.captured_demand,
    },
    KpiRow {
        key: "market_share",
        label: "Market share",
        unit: Unit::Share,
        get: |k| k.market_share,
    },
    KpiRow {
        key: "share_waiting_too_long",
        label: "Customers waiting too long",
        unit: Unit::Share,
        get: |k| k.share_waiting_too_long,
    },
    KpiRow {
        key: "annual_cost",
        label: "Annual operating cost",
        unit: Unit::Money,
        get: |k| Some(k.annual_cost),
    },
    KpiRow {
        key: "capital_cost",
        label: "One-off cost",
        unit: Unit::Money,
        get: |k| Some(k.capital_cost),
    },
];

/// A KPI value in its unit.
fn kpi_value(v: f64, unit: Unit, currency: &str) -> String {
    match unit {
        Unit::Count => format::num(v, 0),
        Unit::Quantity => qty(v),
        Unit::Share => pct(v),
        Unit::Metres => dist(v),
        Unit::Money => money(v, currency),
    }
}

/// The change of a KPI: shares in percentage points, everything else in its own unit, rises with a plus.
fn kpi_change(before: f64, after: f64, unit: Unit, currency: &str) -> String {
    let delta = after - before;
    let text = match unit {
        Unit::Share => format!("{} pp", format::num(delta * 100.0, 1)),
        _ => kpi_value(delta, unit, currency),
    };
    signed(delta, text)
}

/// The KPI table (before | after | change) and the branches per region.
pub(crate) fn kpis(plan: &Plan) -> String {
    let (before, after) = (&plan.kpis.before, &plan.kpis.after);
    let columns = [
        ("Figure", false),
        ("Before", true),
        ("After", true),
        ("Change", true),
    ];
    let mut s = format!(r#"<table id="kpis">{}<tbody>"#, head(&columns));
    for row in &KPI_ROWS {
        let (b, a) = ((row.get)(before), (row.get)(after));
        let change = match (b, a) {
            (Some(b), Some(a)) => kpi_change(b, a, row.unit, &plan.currency),
            _ => NONE.to_string(),
        };
        let _ = write!(
            s,
            r#"<tr data-kpi="{}">{}{}{}{}</tr>"#,
            row.key,
            td(&esc(row.label)),
            tdn(&opt(b, |v| kpi_value(v, row.unit, &plan.currency))),
            tdn(&opt(a, |v| kpi_value(v, row.unit, &plan.currency))),
            tdn(&change),
        );
    }
    s.push_str("</tbody></table>");
    s.push_str(&branches_per_region(before, after));
    s
}

/// Branches per region before and after: regions of the before list in its order, then those only after.
fn branches_per_region(before: &Kpis, after: &Kpis) -> String {
    let columns = [
        ("Region", false),
        ("Before", true),
        ("After", true),
        ("Change", true),
    ];
    let mut ids: Vec<&str> = before
        .branches_per_region
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    for (id, _) in &after.branches_per_region {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    let count = |k: &Kpis, id: &str| {
        k.branches_per_region
            .iter()
            .find(|(r, _)| r == id)
            .map_or(0, |(_, n)| *n)
    };
    let mut s = format!(r#"<table id="kpi-regions">{}<tbody>"#, head(&columns));
    for id in &ids {
        let (b, a) = (count(before, id), count(after, id));
        let delta = a as f64 - b as f64;
        let _ = write!(
            s,
            "<tr>{}{}{}{}</tr>",
            td(&esc(id)),
            tdn(&int(b)),
            tdn(&int(a)),
            tdn(&signed(delta, format::num(delta, 0))),
        );
    }
    if ids.is_empty() {
        s.push_str(&empty_row(columns.len(), "No regions."));
    }
    s.push_str("</tbody></table>");
    s
}

/// Number of actions of a kind.
pub(crate) fn count_of(actions: &[Action], kind: ActionKind) -> usize {
    actions.iter().filter(|a| a.kind == kind).count()
}

/// The count of actions per kind.
fn action_counts(actions: &[Action]) -> String {
    let mut s = format!(
        r#"<table id="action-counts">{}<tbody>"#,
        head(&[("Action", false), ("Count", true)])
    );
    for kind in KINDS {
        let _ = write!(
            s,
            r#"<tr data-kind="{k}"><td><span class="kind kind-{k}">{k}</span></td>{}</tr>"#,
            tdn(&int(count_of(actions, kind))),
            k = kind.as_str()
        );
    }
    let _ = write!(
        s,
        r#"<tr class="total"><td>all</td>{}</tr></tbody></table>"#,
        tdn(&int(actions.len()))
    );
    s
}

/// A place's id, or the dash.
fn place_id(p: Option<&Place>) -> String {
    p.map_or_else(|| NONE.to_string(), |p| esc(&p.id))
}

/// A place's longitude and latitude to five decimals (about a metre), or the dash.
fn place_lonlat(p: Option<&Place>) -> String {
    p.filter(|p| p.lon.is_finite() && p.lat.is_finite())
        .map_or_else(|| NONE.to_string(), |p| format!("{:.5}, {:.5}", p.lon, p.lat))
}

/// Formats before and after: `full → light`, or the one format when it does not change.
fn formats(a: &Action) -> String {
    match (a.format_before, a.format_after) {
        (Some(b), Some(f)) if b != f => format!("{b} → {f}"),
        (Some(f), _) | (None, Some(f)) => f.to_string(),
        (None, None) => NONE.to_string(),
    }
}

/// One row of the actions table.
fn action_row(n: usize, a: &Action, currency: &str) -> String {
    let kind = a.kind.as_str();
    format!(
        r#"<tr class="row-{kind}">{}<td><span class="kind kind-{kind}">{kind}</span></td>{}{}{}{}{}{}{}{}{}{}{}</tr>"#,
        tdn(&int(n)),
        tdk(&place_id(a.from.as_ref())),
        tdk(&place_lonlat(a.from.as_ref())),
        tdk(&place_id(a.to.as_ref())),
        tdk(&place_lonlat(a.to.as_ref())),
        tdk(&action_region(a).map_or_else(|| NONE.to_string(), esc)),
        tdk(&esc(&formats(a))),
        tdn(&money(a.capital_cost, currency)),
        tdn(&money(a.annual_cost, currency)),
        tdn(&qty(a.unique_demand)),
        tdn(&opt(a.site_score, |v| format::num(v, 2))),
        td(&reasons(&a.reasons)),
    )
}

/// The counts per kind and the actions table: the changes first, then the kept branches, so a cut at
/// [`MAX_ACTION_ROWS`] leaves out keeps before any change.
pub(crate) fn actions(plan: &Plan) -> String {
    let columns = [
        ("#", true),
        ("Action", false),
        ("Branch", false),
        ("Branch lon, lat", false),
        ("New site", false),
        ("Site lon, lat", false),
        ("Region", false),
        ("Format", false),
        ("One-off cost", true),
        ("Annual cost", true),
        ("Unique demand", true),
        ("Site score", true),
        ("Reasons", false),
    ];
    let ordered = plan
        .actions
        .iter()
        .filter(|a| a.kind != ActionKind::Keep)
        .chain(plan.actions.iter().filter(|a| a.kind == ActionKind::Keep));
    let mut s = action_counts(&plan.actions);
    let _ = write!(s, r#"<table id="actions">{}<tbody>"#, head(&columns));
    for (i, a) in ordered.take(MAX_ACTION_ROWS).enumerate() {
        s.push_str(&action_row(i + 1, a, &plan.currency));
    }
    if plan.actions.is_empty() {
        s.push_str(&empty_row(columns.len(), "The plan has no actions."));
    }
    s.push_str("</tbody></table>");
    if plan.actions.len() > MAX_ACTION_ROWS {
        let _ = write!(
            s,
            r#"<p id="actions-left-out" class="note">Showing the first {} of {} actions (changes first); {} left out here. The plan's exports list every action.</p>"#,
            int(MAX_ACTION_ROWS),
            int(plan.actions.len()),
            int(plan.actions.len() - MAX_ACTION_ROWS)
        );
    }
    s
}

/// The micro choices: per opened location a collapsed table of its ranked sites with the factor breakdown.
pub(crate) fn sites(choices: &[SiteChoice]) -> String {
    if choices.is_empty() {
        return r#"<p class="muted">No opened location has site choices.</p>"#.to_string();
    }
    let mut s = String::new();
    for choice in choices.iter().take(MAX_SITE_CHOICES) {
        s.push_str(&site_choice(choice));
    }
    if choices.len() > MAX_SITE_CHOICES {
        let _ = write!(
            s,
            r#"<p class="note">Showing {} of {} locations; {} left out here.</p>"#,
            int(MAX_SITE_CHOICES),
            int(choices.len()),
            int(choices.len() - MAX_SITE_CHOICES)
        );
    }
    s
}

/// One location's `<details>`: the chosen site in the summary, every ranked site in the table.
fn site_choice(choice: &SiteChoice) -> String {
    let loc = &choice.location;
    let summary = match choice.ranked.first() {
        Some(best) => format!(
            "{} ({}) — {} sites; chosen {} (score {})",
            esc(&loc.id),
            place_lonlat(Some(loc)),
            int(choice.ranked.len()),
            esc(&best.site.id),
            format::num(best.score, 2)
        ),
        None => format!(
            "{} ({}) — no candidate site within reach",
            esc(&loc.id),
            place_lonlat(Some(loc))
        ),
    };
    // Factor columns: the union of the factor names, in first-seen order.
    let mut factors: Vec<&str> = Vec::new();
    for f in choice.ranked.iter().flat_map(|r| &r.factors) {
        if !factors.contains(&f.0.as_str()) {
            factors.push(&f.0);
        }
    }
    let mut columns = vec![
        ("Rank", true),
        ("Site", false),
        ("lon, lat", false),
        ("Distance", true),
        ("Score", true),
    ];
    columns.extend(factors.iter().map(|f| (*f, true)));
    let mut s = format!(
        r#"<details class="site-choice"><summary>{summary}</summary><table class="ranked">{}<tbody>"#,
        head(&columns)
    );
    for (rank, r) in choice.ranked.iter().enumerate() {
        let _ = write!(
            s,
            "<tr>{}{}{}{}{}",
            tdn(&int(rank + 1)),
            tdk(&esc(&r.site.id)),
            tdk(&place_lonlat(Some(&r.site))),
            tdn(&dist(r.distance_m)),
            tdn(&format::num(r.score, 2)),
        );
        for name in &factors {
            let value = r.factors.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
            s.push_str(&tdn(&opt(value, |v| format::num(v, 2))));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></details>");
    s
}
