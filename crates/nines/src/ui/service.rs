//! The service page (`/services/{s}`: its SLOs, probes, recent incidents
//! and changes, owner and escalation) and the SLO page
//! (`/services/{s}/slos/{slo}`: budget burn-down and SLI over the window
//! with changes and incidents marked, burn rates against the alert
//! thresholds, alert history, and its definition).

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nines_store::{ChangeRow, IncidentRow};
use serde::Deserialize;

use super::html::{Chrome, E, Nav, duration, layout, pct, rate, time_s, time_text};
use super::overview::{SloRow, burn_history, slo_row};
use super::svg::{LineChart, Marker, budget_bar};
use super::{UiState, Viewer, error_page, html_response, reader};
use crate::state::incidents::incident_name;
use crate::state::slo::engine::SloState;
use crate::state::slo::view::{AlertChange, SloView};

/// A probe as the service page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeLine {
    pub name: String,
    pub kind: String,
    pub status: &'static str,
    pub last_at: Option<i64>,
    pub latency_ms: Option<f64>,
    pub error: Option<String>,
    pub history: ProbeHistory,
}

/// What a probe did lately, as Uptime Kuma and Gatus show it: the hourly
/// mean latency and up ratio over the last day, and the last results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbeHistory {
    /// One per hour, oldest first: mean latency in ms, `None` without runs.
    pub latency_ms: Vec<Option<f64>>,
    /// One per hour, oldest first: up ratio, labelled with the hour.
    pub hours: Vec<super::svg::Day>,
    /// The last results, oldest first: (unix ms, success, latency ms).
    pub recent: Vec<(i64, bool, f64)>,
}

/// Hours of probe history on the service page.
pub const PROBE_HOURS: i64 = 24;
/// Last results shown per probe.
pub const PROBE_RECENT: u32 = 30;

impl ProbeHistory {
    /// From stored raw results (newest first, as the store gives them)
    /// and hourly rollups of the `PROBE_HOURS` hours up to `now`.
    pub fn of(rows: &[nines_store::ProbeRow], rollups: &[nines_store::Rollup], now: i64) -> Self {
        let first = (now.div_euclid(3600) - PROBE_HOURS + 1) * 3600;
        let mut latency_ms = vec![None; PROBE_HOURS as usize];
        let mut hours: Vec<super::svg::Day> = (0..PROBE_HOURS)
            .map(|h| super::svg::Day {
                date: format!("{} UTC", &rfc(first + h * 3600)[..16].replace('T', " ")),
                ratio: None,
                incidents: 0,
            })
            .collect();
        for r in rollups {
            let h = (r.start - first).div_euclid(3600);
            let runs = r.up + r.down;
            if (0..PROBE_HOURS).contains(&h) && runs > 0 {
                latency_ms[h as usize] = Some(r.latency_sum_ms / runs as f64);
                hours[h as usize].ratio = Some(r.up as f64 / runs as f64);
            }
        }
        let recent = rows
            .iter()
            .rev()
            .map(|r| (r.at_ms, r.success, r.duration_ms))
            .collect();
        ProbeHistory {
            latency_ms,
            hours,
            recent,
        }
    }
}

/// A probe's latency line, hourly up bars and last results.
fn probe_history(b: &mut String, pr: &ProbeLine) {
    let h = &pr.history;
    let known: Vec<f64> = h.latency_ms.iter().flatten().copied().collect();
    if known.is_empty() && h.recent.is_empty() {
        return;
    }
    let range = match (
        known.iter().copied().reduce(f64::min),
        known.iter().copied().reduce(f64::max),
    ) {
        (Some(lo), Some(hi)) => format!("{lo:.0} to {hi:.0} ms"),
        _ => "no runs".to_string(),
    };
    let _ = write!(
        b,
        "<div class=\"probe-history\" data-probe=\"{n}\"><h3>{n}</h3><p class=\"muted small\">Mean latency per hour, last {PROBE_HOURS} h: {range}</p>{}",
        super::svg::sparkline(
            &h.latency_ms,
            None,
            &format!(
                "{}: mean latency per hour over {PROBE_HOURS} hours, {range}",
                pr.name
            )
        ),
        n = E(&pr.name),
    );
    let up: Vec<f64> = h.hours.iter().filter_map(|d| d.ratio).collect();
    if !up.is_empty() {
        let mean = up.iter().sum::<f64>() / up.len() as f64;
        let _ = write!(
            b,
            "<p class=\"muted small\">Up per hour: {}</p>{}",
            super::html::pct(Some(mean), 2),
            super::svg::uptime_bars(
                &h.hours,
                &format!(
                    "{}: up per hour over {PROBE_HOURS} hours, {}",
                    pr.name,
                    super::html::pct(Some(mean), 2)
                )
            )
        );
    }
    if !h.recent.is_empty() {
        let results: Vec<super::svg::Day> = h
            .recent
            .iter()
            .map(|(at, ok, ms)| super::svg::Day {
                date: format!("{} ({ms:.0} ms)", crate::clock::rfc3339_ms(*at)),
                ratio: Some(if *ok { 1.0 } else { 0.0 }),
                incidents: 0,
            })
            .collect();
        let failed = h.recent.iter().filter(|(_, ok, _)| !ok).count();
        let _ = write!(
            b,
            "<p class=\"muted small\">Last {} results: {failed} failed</p>{}",
            h.recent.len(),
            super::svg::uptime_bars(
                &results,
                &format!(
                    "{}: last {} results, {failed} failed",
                    pr.name,
                    h.recent.len()
                )
            )
        );
    }
    b.push_str("</div>");
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServicePage {
    pub name: String,
    pub owner: Option<String>,
    pub description: Option<String>,
    pub escalation: Option<String>,
    pub oncall: Vec<String>,
    pub slos: Vec<SloRow>,
    pub probes: Vec<ProbeLine>,
    pub incidents: Vec<IncidentRow>,
    pub changes: Vec<ChangeRow>,
    /// Runbook and dashboard links of its SLOs: (label, URL).
    pub links: Vec<(String, String)>,
}

/// `<dt>Runbooks</dt>` and its links, for a `<dl class="facts">`; nothing
/// without links.
pub fn runbook_facts(b: &mut String, links: &[(String, String)]) {
    if links.is_empty() {
        return;
    }
    let links: Vec<String> = links
        .iter()
        .map(|(label, url)| format!("<a href=\"{}\">{}</a>", E(url), E(label)))
        .collect();
    let _ = write!(b, "<dt>Runbooks</dt><dd>{}</dd>", links.join(", "));
}

/// The service page: pure, for snapshots.
pub fn render_service(p: &ServicePage, viewer: &Viewer) -> String {
    let mut b = format!(
        "<p class=\"crumbs\"><a href=\"/\">Overview</a> / {n}</p><h1>{n}</h1>",
        n = E(&p.name)
    );
    if let Some(d) = &p.description {
        let _ = write!(b, "<p>{}</p>", E(d));
    }
    b.push_str("<dl class=\"facts\">");
    for (label, v) in [
        ("Owner", p.owner.clone()),
        ("Escalation", p.escalation.clone()),
        (
            "On call",
            (!p.oncall.is_empty()).then(|| p.oncall.join(", ")),
        ),
    ] {
        let _ = write!(
            b,
            "<dt>{label}</dt><dd>{}</dd>",
            E(v.as_deref().unwrap_or("–"))
        );
    }
    runbook_facts(&mut b, &p.links);
    b.push_str("</dl><section id=\"slos\" data-live aria-labelledby=\"h-slos\"><h2 id=\"h-slos\">SLOs</h2>");
    if p.slos.is_empty() {
        b.push_str("<p>No SLOs.</p>");
    } else {
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"SLO table\"><table class=\"slos cards\"><thead><tr><th scope=\"col\">SLO</th><th scope=\"col\">SLI</th>\
             <th scope=\"col\">Objective</th><th scope=\"col\">Budget left</th><th scope=\"col\">Burn 1h</th>\
             <th scope=\"col\">Burn, 24 h</th><th scope=\"col\">Alerts</th></tr></thead><tbody>",
        );
        for s in &p.slos {
            slo_row(&mut b, s, false);
        }
        b.push_str("</tbody></table></div>");
    }
    b.push_str("</section><section id=\"probes\" data-live aria-labelledby=\"h-probes\"><h2 id=\"h-probes\">Probes</h2>");
    if p.probes.is_empty() {
        b.push_str("<p>No probes.</p>");
    } else {
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Probe table\"><table><thead><tr><th scope=\"col\">Probe</th><th scope=\"col\">Kind</th><th scope=\"col\">State</th>\
             <th scope=\"col\">Last run</th><th scope=\"col\">Latency</th><th scope=\"col\">Why it fails</th></tr></thead><tbody>",
        );
        for pr in &p.probes {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td><span class=\"chip {}\">{}</span></td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                E(&pr.name),
                E(&pr.kind),
                match pr.status {
                    "up" => "ok",
                    "down" => "bad",
                    _ => "",
                },
                pr.status,
                pr.last_at.map(time_s).unwrap_or_else(|| "–".into()),
                pr.latency_ms
                    .map(|l| format!("{l:.0} ms"))
                    .unwrap_or_else(|| "–".into()),
                E(pr.error.as_deref().unwrap_or(""))
            );
        }
        b.push_str("</tbody></table></div>");
        for pr in &p.probes {
            probe_history(&mut b, pr);
        }
    }
    b.push_str(
        "</section><section aria-labelledby=\"h-inc\"><h2 id=\"h-inc\">Recent incidents</h2>",
    );
    incident_list(&mut b, &p.incidents);
    b.push_str("</section><section aria-labelledby=\"h-ch\"><h2 id=\"h-ch\">Recent changes</h2>");
    change_list(&mut b, &p.changes);
    b.push_str("</section>");
    layout(&Chrome::new(&p.name, Nav::Overview, viewer).live(15), &b)
}

fn incident_list(b: &mut String, incidents: &[IncidentRow]) {
    if incidents.is_empty() {
        b.push_str("<p>None.</p>");
        return;
    }
    b.push_str("<ul>");
    for i in incidents {
        let name = incident_name(i.id);
        let _ = write!(
            b,
            "<li><a href=\"/incidents/{name}\">{name}</a> {} · {} · {} · {}</li>",
            E(&i.title),
            E(i.severity.as_str()),
            E(i.status.as_str()),
            time_s(i.started_at)
        );
    }
    b.push_str("</ul>");
}

fn change_list(b: &mut String, changes: &[ChangeRow]) {
    if changes.is_empty() {
        b.push_str("<p>None in the last 30 days.</p>");
        return;
    }
    b.push_str("<ul>");
    for c in changes {
        let _ = write!(
            b,
            "<li>{} {} {}{}{}</li>",
            time_s(c.at),
            E(&c.kind),
            E(c.version.as_deref().unwrap_or("")),
            c.author
                .as_ref()
                .map(|a| format!(" by {}", E(a)))
                .unwrap_or_default(),
            c.description
                .as_ref()
                .map(|d| format!(": {}", E(d)))
                .unwrap_or_default()
        );
    }
    b.push_str("</ul>");
}

/// `GET /services/{service}`.
pub async fn service_page(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let viewer = match reader(
        &ui,
        &headers,
        &format!("/services/{}", crate::text::url::encode(&name)),
    ) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let config = ui.app.config();
    let Some(service) = config.services.get(&name).cloned() else {
        return error_page(
            &viewer,
            StatusCode::NOT_FOUND,
            "No such service",
            &format!("There is no service `{name}` in the config."),
        );
    };
    let now = ui.app.clock.now();
    let slos = ui.app.read(|engine| {
        engine
            .slos()
            .iter()
            .filter(|s| s.service == name)
            .map(|s| SloRow {
                view: SloView::of(s),
                burn: burn_history(s),
            })
            .collect()
    });
    let probes = ui.app.read_probes(|p| {
        p.by_key
            .values()
            .filter(|s| s.service == name)
            .map(|s| ProbeLine {
                name: s.probe.name.clone(),
                kind: s.probe.check.kind().to_string(),
                status: crate::state::probes::probe_status(s),
                last_at: s.last.as_ref().map(|(t, _)| t.as_second()),
                latency_ms: s
                    .last
                    .as_ref()
                    .map(|(_, o)| o.duration.as_secs_f64() * 1000.0),
                // A failed condition is a reason too, not only an error.
                error: s
                    .last
                    .as_ref()
                    .and_then(|(_, o)| o.reason())
                    .map(|r| crate::text::url::redact(&r)),
                history: ProbeHistory::default(),
            })
            .collect::<Vec<_>>()
    });
    let n = name.clone();
    let probe_names: Vec<String> = probes.iter().map(|p| p.name.clone()).collect();
    let stored = super::blocking(&ui.app, move |app| {
        let now = app.clock.now().as_second();
        let from = (now.div_euclid(3600) - PROBE_HOURS + 1) * 3600;
        let mut histories = Vec::with_capacity(probe_names.len());
        for probe in &probe_names {
            let (rows, rollups) = crate::probes::service::probe_history(
                app,
                &n,
                probe,
                PROBE_RECENT,
                nines_store::Resolution::Hour,
                from,
                now + 1,
            )?;
            histories.push(ProbeHistory::of(&rows, &rollups, now));
        }
        Ok::<_, nines_store::StoreError>((
            crate::incidents::queries::list(app, None, Some(&n), 10)?,
            crate::review::changes::list(app, Some(&n), now - 30 * 86400, now + 1, 20)?,
            histories,
        ))
    })
    .await;
    let Some(Ok((incidents, changes, histories))) = stored else {
        return error_page(
            &viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            "",
        );
    };
    let mut probes = probes;
    for (p, h) in probes.iter_mut().zip(histories) {
        p.history = h;
    }
    let page = ServicePage {
        oncall: super::oncall::for_service(&config, &name, now),
        name,
        owner: service.owner.clone(),
        description: service.description.clone(),
        // Its own policy or its owner team's, as escalations page.
        escalation: config
            .escalation_for(&service.name)
            .map(|p| p.name.clone())
            .or_else(|| service.escalation.clone()),
        links: crate::state::incidents::runbook_links(&service),
        slos,
        probes,
        incidents,
        changes,
    };
    html_response(StatusCode::OK, render_service(&page, &viewer))
}

/// Points of the SLO charts over the span shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Charts {
    pub from: i64,
    pub to: i64,
    /// Budget left over time (1 at the window start when nothing burned).
    pub budget: Vec<(i64, Option<f64>)>,
    /// SLI of each step.
    pub sli: Vec<(i64, Option<f64>)>,
}

/// Steps across a chart.
const STEPS: i64 = 60;

/// The spans the range picker offers besides the SLO window.
pub const RANGES: [(&str, i64); 5] = [
    ("1h", 3600),
    ("6h", 6 * 3600),
    ("1d", 86400),
    ("7d", 7 * 86400),
    ("30d", 30 * 86400),
];

/// The span the SLO charts show: `?range=` (`1h`, `6h`, `1d`, `7d`,
/// `30d`, `window`), `?from=&to=` (RFC 3339 or unix seconds), or
/// `?incident=INC-n` (the incident with some time either side).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChartQuery {
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub incident: Option<String>,
}

/// A time parameter: RFC 3339 or unix seconds.
fn parse_at(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().or_else(|| {
        text.trim()
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_second())
    })
}

/// What the picker marks as chosen, and the span asked for (unix seconds;
/// `None` for the whole SLO window). `now` ends the relative ranges.
pub fn chart_span(
    q: &ChartQuery,
    now: i64,
    incidents: &[IncidentRow],
) -> (String, Option<(i64, i64)>) {
    if let Some(name) = &q.incident {
        let id = name.trim().trim_start_matches("INC-").parse::<i64>().ok();
        if let Some(i) = incidents.iter().find(|i| Some(i.id) == id) {
            let end = i.resolved_at.unwrap_or(now).min(now);
            let pad = ((end - i.started_at) / 4).max(900);
            return (incident_name(i.id), Some((i.started_at - pad, end + pad)));
        }
    }
    if let (Some(f), Some(t)) = (
        q.from.as_deref().and_then(parse_at),
        q.to.as_deref().and_then(parse_at),
    ) && f < t
    {
        return ("custom".into(), Some((f, t)));
    }
    match q.range.as_deref() {
        Some(r) => match RANGES.iter().find(|(k, _)| *k == r) {
            Some((k, secs)) => (k.to_string(), Some((now - secs, now))),
            None => ("window".into(), None),
        },
        None => ("window".into(), None),
    }
}

/// The burn-down and SLI series of an event-budgeted SLO over `span`
/// (unix seconds, kept within the SLO window; the whole window for
/// `None`): budget left at each step counts the bad events from the
/// window start to that step against the budget of the whole window so
/// far, so a zoomed chart is a part of the window's chart.
pub fn charts(s: &SloState, span: Option<(i64, i64)>) -> Option<Charts> {
    let nines_slo::SloSeries::Events(series) = &s.series else {
        return None;
    };
    let index = s.config.spec.slo_window_index();
    let window_from = series.window_from(index);
    let end = series.head() + 1;
    let (from, to) = match span {
        Some((a, b)) => {
            let (a, b) = (
                a.div_euclid(60).max(window_from),
                (b.div_euclid(60) + 1).min(end),
            );
            if b - a >= 2 {
                (a, b)
            } else {
                (window_from, end)
            }
        }
        None => (window_from, end),
    };
    let all = series.range_sum(window_from, end);
    let allowed = s.config.spec.budget() * all.total as f64;
    let before = series.range_sum(window_from, from);
    let step = ((to - from) / STEPS).max(1);
    let mut budget = Vec::new();
    let mut sli = Vec::new();
    let mut bad = before.total - before.good;
    let mut t = from;
    while t < to {
        let next = (t + step).min(to);
        let c = series.range_sum(t, next);
        bad += c.total - c.good;
        budget.push((
            next * 60,
            (allowed > 0.0).then(|| 1.0 - bad as f64 / allowed),
        ));
        sli.push((
            next * 60,
            nines_slo::WindowStats::from_counts(c, s.config.spec.budget()).sli,
        ));
        t = next;
    }
    Some(Charts {
        from: from * 60,
        to: to * 60,
        budget,
        sli,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloPage {
    pub view: SloView,
    pub charts: Option<Charts>,
    pub markers: Vec<Marker>,
    pub history: Vec<AlertChange>,
    /// The SLO's definition, as `key: value` lines.
    pub definition: Vec<(String, String)>,
    /// The range picked (`window`, `6h`, `custom`, `INC-3`).
    pub picked: String,
    /// The SLO window's length in seconds.
    pub window_seconds: i64,
}

/// A ratio as a percentage with at most three decimals, trailing zeros
/// left out: `100%`, `99.9%`, `98.343%`.
fn pct_short(v: f64) -> String {
    let r = (v * 100_000.0).round() / 1000.0;
    let text = format!("{r:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// Unix seconds as `2026-12-04 10:00`, UTC.
fn rfc(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Round `v` down to a multiple of `step`.
fn floor_to(v: f64, step: f64) -> f64 {
    (v / step).floor() * step
}

/// The range picker: plain links, the chosen one marked.
fn range_picker(b: &mut String, picked: &str, window: &str, window_seconds: i64) {
    b.push_str(
        "<nav class=\"ranges\" aria-label=\"Chart range\"><span class=\"muted\">Range:</span><ul>",
    );
    for (key, secs) in RANGES {
        if secs >= window_seconds {
            continue;
        }
        let current = if picked == key {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(b, "<li><a href=\"?range={key}\"{current}>{key}</a></li>");
    }
    let current = if picked == "window" {
        " aria-current=\"page\""
    } else {
        ""
    };
    let _ = write!(
        b,
        "<li><a href=\"?range=window\"{current}>{} window</a></li>",
        E(window)
    );
    if picked != "window" && !RANGES.iter().any(|(k, _)| *k == picked) {
        let _ = write!(
            b,
            "<li><span aria-current=\"page\">{}</span></li>",
            E(if picked == "custom" {
                "custom span"
            } else {
                picked
            })
        );
    }
    b.push_str("</ul></nav>");
}

/// The SLO page: pure, for snapshots.
pub fn render_slo(p: &SloPage, viewer: &Viewer) -> String {
    let v = &p.view;
    let title = format!("{}/{}", v.service, v.slo);
    let sli = v.windows.get(&v.window).and_then(|w| w.sli);
    let mut b = format!(
        "<p class=\"crumbs\"><a href=\"/\">Overview</a> / <a href=\"/services/{}\">{}</a> / {}</p><h1>{}</h1>",
        crate::text::url::encode(&v.service),
        E(&v.service),
        E(&v.slo),
        E(&title)
    );
    if let Some(d) = &v.description {
        let _ = write!(b, "<p>{}</p>", E(d));
    }
    let exhausted = v.budget.remaining.is_some_and(|r| r <= 0.0);
    let _ = write!(
        b,
        "<section id=\"slo\" data-live aria-label=\"SLO figures\"><dl class=\"facts\"><dt>SLI ({w})</dt><dd data-sli>{}</dd><dt>Objective</dt><dd>{}%</dd>\
         <dt>Budget left</dt><dd><span data-budget>{}</span> {}</dd><dt>Runs out (1h burn)</dt><dd data-runs-out>{}</dd></dl>",
        pct(sli, 3),
        v.objective,
        pct(v.budget.remaining, 1),
        budget_bar(v.budget.remaining),
        if exhausted {
            "<strong class=\"bad\">exhausted</strong>".to_string()
        } else {
            v.budget
                .exhausted_at
                .at_1h_burn
                .as_deref()
                .map(time_text)
                .unwrap_or_else(|| "not at this rate".into())
        },
        w = E(&v.window),
    );
    match &p.charts {
        Some(c) => {
            range_picker(&mut b, &p.picked, &v.window, p.window_seconds);
            let lowest_budget = c.budget.iter().filter_map(|p| p.1).fold(0.0f64, f64::min);
            let budget_min = floor_to(lowest_budget.max(-1.0), 0.25);
            let budget_ticks = [1.0, 0.0, 0.5, budget_min, -0.5, -1.0];
            let budget = LineChart {
                points: &c.budget,
                from: c.from,
                to: c.to,
                y_min: budget_min,
                y_max: 1.0,
                ticks: &budget_ticks,
                fmt: pct_short,
                reference: Some(0.0),
                markers: &p.markers,
                label: &format!(
                    "Error budget left over the {} window, now {}",
                    v.window,
                    pct(v.budget.remaining, 1)
                ),
                what: "budget left",
            };
            let objective = v.objective / 100.0;
            let lowest = c.sli.iter().filter_map(|p| p.1).fold(objective, f64::min);
            let y_min = (objective - 2.0 * (1.0 - objective)).min(lowest).max(0.0);
            let y_min = floor_to(y_min, if 1.0 - y_min > 0.1 { 0.1 } else { 0.001 }).max(0.0);
            let mid = floor_to((objective + y_min) / 2.0, 0.001);
            let sli_ticks = [1.0, objective, y_min, mid];
            let sli_chart = LineChart {
                points: &c.sli,
                from: c.from,
                to: c.to,
                y_min,
                y_max: 1.0,
                ticks: &sli_ticks,
                fmt: pct_short,
                reference: Some(objective),
                markers: &p.markers,
                label: &format!(
                    "SLI from {} to {} against the objective",
                    rfc(c.from),
                    rfc(c.to)
                ),
                what: "SLI",
            };
            let _ = write!(
                b,
                "<h2>Error budget burn-down</h2><figure>{}<figcaption>Budget left from {} to {} (times in UTC); lines mark changes (blue) and incidents (red, shaded while open). Hover a point for its value.</figcaption></figure>\
                 <h2>SLI</h2><figure>{}<figcaption>SLI per step; the dashed line is the objective.</figcaption></figure>",
                budget.render(),
                time_s(c.from),
                time_s(c.to),
                sli_chart.render()
            );
            let shown: Vec<&Marker> = p
                .markers
                .iter()
                .filter(|m| m.at <= c.to && m.until.unwrap_or(m.at) >= c.from)
                .collect();
            if !shown.is_empty() {
                b.push_str("<h3>Marked on the charts</h3><ul class=\"marks\">");
                for m in shown {
                    let _ = write!(
                        b,
                        "<li><span class=\"chip {}\">{}</span> {} {}",
                        if m.kind == "incident" { "bad" } else { "maint" },
                        m.kind,
                        time_s(m.at),
                        E(&m.label)
                    );
                    if m.kind == "incident" {
                        let _ = write!(
                            b,
                            " <a href=\"?incident={n}\">zoom to {n}</a>",
                            n = E(&m.name)
                        );
                    }
                    b.push_str("</li>");
                }
                b.push_str("</ul>");
            }
            b.push_str(
                "<details class=\"values\"><summary>The charts' values as a table</summary>\
                 <div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Chart values\"><table><thead><tr>\
                 <th scope=\"col\">Until (UTC)</th><th scope=\"col\">Budget left</th><th scope=\"col\">SLI</th></tr></thead><tbody>",
            );
            for (i, (t, left)) in c.budget.iter().enumerate() {
                let sli = c.sli.get(i).and_then(|p| p.1);
                let _ = write!(
                    b,
                    "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    rfc(*t),
                    pct(*left, 2),
                    pct(sli, 3)
                );
            }
            b.push_str("</tbody></table></div></details>");
        }
        None => b.push_str("<p>Charts are drawn for event-budgeted SLOs.</p>"),
    }
    b.push_str(
        "<h2>Burn rates</h2><div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Burn rates\"><table><thead><tr><th scope=\"col\">Tier</th><th scope=\"col\">Long window</th>\
         <th scope=\"col\">Short window</th><th scope=\"col\">Threshold</th><th scope=\"col\">State</th></tr></thead><tbody>",
    );
    for a in &v.alerts {
        let _ = write!(
            b,
            "<tr><td>{}</td><td class=\"num\">{} {}</td><td class=\"num\">{} {}</td><td class=\"num\">{}</td><td><span class=\"chip {}\">{}</span></td></tr>",
            E(&a.tier),
            E(&a.long_window),
            rate(a.long_burn_rate),
            E(&a.short_window),
            rate(a.short_burn_rate),
            rate(Some(a.threshold)),
            if a.state == "firing" { "bad" } else { "ok" },
            E(&a.state)
        );
    }
    b.push_str("</tbody></table></div></section><h2>Alert history</h2>");
    if p.history.is_empty() {
        b.push_str("<p>No alert has fired.</p>");
    } else {
        b.push_str("<ul>");
        for h in &p.history {
            let _ = write!(
                b,
                "<li>{} {} {} (burn {}, threshold {})</li>",
                time_text(&h.at),
                E(&h.tier),
                E(&h.state),
                rate(h.long_burn_rate),
                rate(Some(h.threshold))
            );
        }
        b.push_str("</ul>");
    }
    b.push_str("<h2>Definition</h2><dl class=\"facts\">");
    for (k, val) in &p.definition {
        let _ = write!(b, "<dt>{}</dt><dd><code>{}</code></dd>", E(k), E(val));
    }
    b.push_str("</dl>");
    layout(&Chrome::new(&title, Nav::Overview, viewer).live(30), &b)
}

/// `GET /services/{service}/slos/{slo}`.
pub async fn slo_page(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path((service, slo)): Path<(String, String)>,
    Query(q): Query<ChartQuery>,
) -> Response {
    let path = format!(
        "/services/{}/slos/{}",
        crate::text::url::encode(&service),
        crate::text::url::encode(&slo)
    );
    let viewer = match reader(&ui, &headers, &path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let svc = service.clone();
    let listed = super::blocking(&ui.app, move |app| {
        crate::incidents::queries::list(app, None, Some(&svc), 200)
    })
    .await;
    let Some(Ok(incidents)) = listed else {
        return error_page(
            &viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            "",
        );
    };
    let now = ui.app.clock.now().as_second();
    let (picked, span) = chart_span(&q, now, &incidents);
    let found = ui.app.read(|engine| {
        engine.get(&service, &slo).map(|s| {
            let spec = &s.config.spec;
            let definition = vec![
                (
                    "objective".into(),
                    format!("{}", s.config.objective_percent),
                ),
                ("window".into(), s.config.window_label.clone()),
                ("sli".into(), s.config.sli.kind().to_string()),
                (
                    "budgeting".into(),
                    match spec.timeslices {
                        None => "occurrences".into(),
                        Some(t) => format!(
                            "timeslices of {} at {}%",
                            nines_slo::format_minutes(t.slice_minutes),
                            t.target * 100.0
                        ),
                    },
                ),
                (
                    "alert tiers".into(),
                    spec.tiers
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ];
            let window_seconds = match &s.series {
                nines_slo::SloSeries::Events(series) => {
                    (series.head() + 1 - series.window_from(spec.slo_window_index())) * 60
                }
                _ => 0,
            };
            (
                SloView::of(s),
                charts(s, span),
                s.id,
                definition,
                window_seconds,
            )
        })
    });
    let Some((view, charts, id, definition, window_seconds)) = found else {
        return error_page(
            &viewer,
            StatusCode::NOT_FOUND,
            "No such SLO",
            &format!("There is no SLO `{service}/{slo}`."),
        );
    };
    let (from, to) = charts.as_ref().map_or((0, 0), |c| (c.from, c.to));
    let svc = service.clone();
    let stored = super::blocking(&ui.app, move |app| -> Result<_, nines_store::StoreError> {
        let history = crate::slo::service::alert_history(app, id, 50)?;
        let changes = crate::review::changes::list(app, Some(&svc), from, to + 1, 100)?;
        Ok((history, changes))
    })
    .await;
    let Some(Ok((history, changes))) = stored else {
        return error_page(
            &viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            "",
        );
    };
    let mut markers: Vec<Marker> = changes
        .iter()
        .map(|c| Marker {
            at: c.at,
            until: None,
            kind: "change",
            name: format!("{} {}", c.kind, c.version.as_deref().unwrap_or(""))
                .trim()
                .to_string(),
            label: format!(
                "{} {} {}",
                c.kind,
                c.version.as_deref().unwrap_or(""),
                c.description.as_deref().unwrap_or("")
            )
            .trim()
            .to_string(),
        })
        .collect();
    markers.extend(
        incidents
            .iter()
            .filter(|i| i.started_at <= to && i.resolved_at.is_none_or(|r| r >= from))
            .map(|i| Marker {
                at: i.started_at,
                until: Some(i.resolved_at.unwrap_or(to)),
                kind: "incident",
                name: incident_name(i.id),
                label: format!(
                    "{} {} ({})",
                    incident_name(i.id),
                    i.title,
                    i.resolved_at
                        .map(|r| duration(r - i.started_at))
                        .unwrap_or_else(|| "open".into())
                ),
            }),
    );
    let page = SloPage {
        view,
        charts,
        markers,
        history: history.iter().map(AlertChange::of).collect(),
        definition,
        picked,
        window_seconds,
    };
    html_response(StatusCode::OK, render_slo(&page, &viewer))
}
