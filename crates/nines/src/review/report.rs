//! Reliability reports: the daemon computes the figures of a period
//! ([`build`], `GET /api/v1/reports`) with `nines_review::report`, and
//! `nines report` renders them as Markdown, HTML or JSON.
//!
//! Approximate where the data is: SLO and SLA figures come from the
//! in-memory series, which keep minutes for the last day and hours before
//! (so period edges older than a day round to hours) and reach back as far
//! as each SLO's window plus 7 days; timeslice SLOs report no event counts.
//! Time to detect counts from impact start as postmortems find it.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp, ToSpan};
use nines_review::IncidentTimes;
use nines_review::report::{
    CHANGE_FAILURE_WINDOW, DailyCounts, Sla, SlaPeriod, change_failure_rate, noise, response_times,
    sla_periods, slo_attainment,
};
use nines_slo::{SloSeries, minute_of};
use nines_store::StoreError;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::state::incidents::incident_name;

/// `GET /api/v1/reports`: a period's figures, per service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDoc {
    pub from: String,
    pub to: String,
    pub services: Vec<ServiceReport>,
    /// On-call load over the period: per person and team.
    pub oncall: crate::oncall::health::OncallHealth,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceReport {
    pub service: String,
    pub owner: Option<String>,
    pub slos: Vec<SloLine>,
    /// Incidents that started in the period, by severity.
    pub incidents_by_severity: BTreeMap<String, usize>,
    pub incidents: Vec<IncidentLine>,
    pub response: Response,
    pub changes: Changes,
    /// SLO alert tiers that started firing in the period, by tier.
    pub alerts_by_tier: BTreeMap<String, usize>,
    pub noise: Noise,
    /// Open action items of the service's postmortems (whenever made).
    pub action_items_open: usize,
    pub action_items_overdue: usize,
    pub slas: Vec<SlaLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloLine {
    pub slo: String,
    /// Percent.
    pub objective: f64,
    pub good: u64,
    pub total: u64,
    pub sli: Option<f64>,
    pub met: Option<bool>,
    /// Share of the period's error budget used (above 1 when overspent).
    pub budget_consumed: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentLine {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub started_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub count: usize,
    pub mean_seconds: i64,
    pub median_seconds: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub mttd: Option<Stat>,
    pub mtta: Option<Stat>,
    pub mttr: Option<Stat>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub changes: usize,
    /// Followed by an incident of the service within an hour.
    pub failed: usize,
    pub failure_rate: Option<f64>,
    /// The failed changes, one line each.
    pub failed_changes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Noise {
    pub firings: usize,
    pub noisy_firings: usize,
    /// `slo/tier` and how often it fired without an incident.
    pub alerts: Vec<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaLine {
    /// Percent.
    pub target: f64,
    /// The SLOs it counts; empty is all of the service's event SLOs.
    #[serde(default)]
    pub slos: Vec<String>,
    pub period: String,
    pub timezone: String,
    pub periods: Vec<SlaPeriodLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaPeriodLine {
    pub label: String,
    pub partial: bool,
    pub good: u64,
    pub total: u64,
    pub attainment: Option<f64>,
    pub met: Option<bool>,
}

fn ts(t: i64) -> Timestamp {
    Timestamp::from_second(t).unwrap_or_default()
}

fn stat(s: Option<nines_review::report::DurationStats>) -> Option<Stat> {
    s.map(|s| Stat {
        count: s.count,
        mean_seconds: s.mean.as_secs(),
        median_seconds: s.median.as_secs(),
    })
}

/// Good and total events of the service's event SLOs in `[from, to)`.
/// Good and total events of the service's event SLOs in `[from, to)`;
/// only of the SLOs named in `only`, unless it is empty.
fn events_between(
    app: &App,
    service: &str,
    only: &[String],
    from: Timestamp,
    to: Timestamp,
) -> (u64, u64) {
    app.read(|engine| {
        engine
            .slos()
            .iter()
            .filter(|s| s.service == service)
            .filter(|s| only.is_empty() || only.contains(&s.config.name))
            .filter_map(|s| match &s.series {
                SloSeries::Events(series) => Some(series.range_sum(minute_of(from), minute_of(to))),
                SloSeries::Timeslices(_) => None,
            })
            .fold((0, 0), |(g, t), c| (g + c.good, t + c.total))
    })
}

/// The figures of `[from, to)` for every service (or one).
pub fn build(
    app: &App,
    from: Timestamp,
    to: Timestamp,
    only: Option<&str>,
) -> Result<ReportDoc, StoreError> {
    let config = app.config();
    let today = app.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut services = Vec::new();
    let linked = app.with_store(|s| s.linked_alert_keys(from.as_second()))?;
    let firings = app.with_store(|s| s.alert_firings(from.as_second(), to.as_second()))?;
    let open_items = app.with_store(|s| s.action_items(None, true))?;
    let mut item_service: HashMap<i64, String> = HashMap::new();
    for item in &open_items {
        if !item_service.contains_key(&item.incident_id)
            && let Some(i) = app.with_store(|s| s.incident(item.incident_id))?
        {
            item_service.insert(item.incident_id, i.service);
        }
    }
    for svc in config.services.values() {
        if only.is_some_and(|o| o != svc.name) {
            continue;
        }
        let name = svc.name.as_str();

        let slos = app.read(|engine| {
            engine
                .slos()
                .iter()
                .filter(|s| s.service == name)
                .map(|s| {
                    let c = match &s.series {
                        SloSeries::Events(series) => {
                            series.range_sum(minute_of(from), minute_of(to))
                        }
                        // Good slices over slices with data: the SLI
                        // timeslice SLOs are judged by.
                        SloSeries::Timeslices(series) => {
                            series.slice_range_sum(minute_of(from), minute_of(to))
                        }
                    };
                    let a = slo_attainment(c.good, c.total, s.config.spec.objective);
                    SloLine {
                        slo: s.config.name.clone(),
                        objective: s.config.objective_percent,
                        good: a.good,
                        total: a.total,
                        sli: a.sli,
                        met: a.met,
                        budget_consumed: a.budget_consumed_ratio,
                    }
                })
                .collect::<Vec<_>>()
        });

        // Incidents up to an hour after the period count against its
        // changes; only those starting in it are listed.
        let after = to
            .checked_add(CHANGE_FAILURE_WINDOW)
            .unwrap_or(Timestamp::MAX);
        let rows = app.with_store(|s| {
            let rows = s.incidents_started(Some(name), from.as_second(), after.as_second())?;
            rows.into_iter()
                .map(|i| Ok((s.incident_alerts(i.id)?, i)))
                .collect::<Result<Vec<_>, StoreError>>()
        })?;
        let mut times = Vec::new();
        let mut incidents = Vec::new();
        let mut all_starts = Vec::new();
        let mut by_severity = BTreeMap::new();
        for (alerts, i) in &rows {
            let detected = ts(i.started_at);
            let alert_start = alerts
                .iter()
                .map(|a| ts(a.first_at))
                .min()
                .unwrap_or(detected)
                .min(detected);
            let started = app
                .read(|e| crate::review::postmortem::impact_start(e, name, detected, alert_start));
            all_starts.push(started);
            if i.started_at >= to.as_second() {
                continue;
            }
            *by_severity.entry(i.severity.to_string()).or_insert(0) += 1;
            times.push(IncidentTimes {
                started,
                detected: Some(detected),
                acknowledged: i.acknowledged_at.map(ts),
                mitigated: i.mitigated_at.map(ts),
                resolved: i.resolved_at.map(ts),
            });
            incidents.push(IncidentLine {
                id: incident_name(i.id),
                title: i.title.clone(),
                severity: i.severity.to_string(),
                started_at: detected.to_string(),
                resolved_at: i.resolved_at.map(|t| ts(t).to_string()),
            });
        }
        let r = response_times(&times);

        let change_rows =
            app.with_store(|s| s.changes(Some(name), from.as_second(), to.as_second(), 10_000))?;
        let at: Vec<Timestamp> = change_rows.iter().map(|c| ts(c.at)).collect();
        let cfr = change_failure_rate(&at, &all_starts, CHANGE_FAILURE_WINDOW);
        let failed_changes = change_rows
            .iter()
            .rev()
            .filter(|c| {
                let t = ts(c.at);
                all_starts
                    .iter()
                    .any(|&s| s >= t && s.duration_since(t) <= CHANGE_FAILURE_WINDOW)
            })
            .map(|c| {
                format!(
                    "{} {} {}",
                    ts(c.at),
                    c.kind,
                    c.version.as_deref().unwrap_or("(no version)")
                )
            })
            .collect();

        let mine: Vec<_> = firings.iter().filter(|f| f.service == name).collect();
        let mut alerts_by_tier = BTreeMap::new();
        for f in &mine {
            *alerts_by_tier.entry(f.tier.clone()).or_insert(0) += 1;
        }
        let source = nines_incident::AlertSource::Slo.as_str();
        let fired: Vec<String> = mine
            .iter()
            .map(|f| {
                format!(
                    "{source}|{}",
                    nines_incident::Alert::slo_key(name, &f.slo, &f.tier)
                )
            })
            .collect();
        let n = noise(&fired, &linked);
        let prefix = format!("{source}|{name}/");

        let items: Vec<_> = open_items
            .iter()
            .filter(|a| item_service.get(&a.incident_id).map(String::as_str) == Some(name))
            .collect();
        let overdue = items
            .iter()
            .filter(|a| crate::review::reminders::item_due(a).is_overdue(today))
            .count();

        let mut slas = Vec::new();
        for sla in &svc.slas {
            slas.push(sla_line(app, name, sla, from, to));
        }

        services.push(ServiceReport {
            service: name.to_string(),
            owner: svc.owner.clone(),
            slos,
            incidents_by_severity: by_severity,
            incidents,
            response: Response {
                mttd: stat(r.mttd),
                mtta: stat(r.mtta),
                mttr: stat(r.mttr),
            },
            changes: Changes {
                changes: cfr.changes,
                failed: cfr.failed,
                failure_rate: cfr.rate,
                failed_changes,
            },
            alerts_by_tier,
            noise: Noise {
                firings: n.firings,
                noisy_firings: n.noisy_firings,
                alerts: n
                    .alerts
                    .iter()
                    .map(|a| (a.key.trim_start_matches(&prefix).to_string(), a.fired))
                    .collect(),
            },
            action_items_open: items.len(),
            action_items_overdue: overdue,
            slas,
        });
    }
    Ok(ReportDoc {
        from: from.to_string(),
        to: to.to_string(),
        services,
        oncall: crate::oncall::health::oncall_health(app, from, to)?,
    })
}

fn sla_line(
    app: &App,
    service: &str,
    sla: &nines_config::Sla,
    from: Timestamp,
    to: Timestamp,
) -> SlaLine {
    let tz = sla.timezone.clone();
    let first = from.to_zoned(tz.clone()).date();
    let end = to.to_zoned(tz.clone());
    // The day after the last one the period touches.
    let last = if end.time() == jiff::civil::Time::midnight() {
        end.date()
    } else {
        end.date().checked_add(1.day()).unwrap_or(end.date())
    };
    let mut days = Vec::new();
    let mut day = first;
    while day < last {
        let next = day.checked_add(1.day()).unwrap_or(last);
        let (Ok(a), Ok(b)) = (day.to_zoned(tz.clone()), next.to_zoned(tz.clone())) else {
            break;
        };
        let (good, total) = events_between(app, service, &sla.slos, a.timestamp(), b.timestamp());
        days.push(DailyCounts { day, good, total });
        day = next;
    }
    let period = match sla.period {
        nines_config::SlaPeriod::Month => SlaPeriod::Month,
        nines_config::SlaPeriod::Quarter => SlaPeriod::Quarter,
        nines_config::SlaPeriod::Days(n) => SlaPeriod::Days(n),
    };
    let pure = Sla {
        target: sla.target_percent / 100.0,
        period,
        tz,
    };
    let periods = sla_periods(&pure, first, last, &days).unwrap_or_default();
    SlaLine {
        target: sla.target_percent,
        period: match period {
            SlaPeriod::Month => "month".into(),
            SlaPeriod::Quarter => "quarter".into(),
            SlaPeriod::Days(n) => format!("{n}d"),
        },
        timezone: sla.timezone.iana_name().unwrap_or("UTC").to_string(),
        slos: sla.slos.clone(),
        periods: periods
            .iter()
            .map(|p| SlaPeriodLine {
                label: p.label.clone(),
                partial: p.partial,
                good: p.good,
                total: p.total,
                attainment: p.attainment,
                met: p.met,
            })
            .collect(),
    }
}

// === rendering ===

fn pct(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{:.digits$}%", x * 100.0),
        Some(_) => "∞".into(),
        None => "no data".into(),
    }
}

fn yes_no(x: Option<bool>) -> &'static str {
    match x {
        Some(true) => "met",
        Some(false) => "missed",
        None => "no data",
    }
}

fn span(s: Option<Stat>) -> String {
    match s {
        Some(s) => format!(
            "{:#} (median {:#}, {} {})",
            SignedDuration::from_secs(s.mean_seconds),
            SignedDuration::from_secs(s.median_seconds),
            s.count,
            if s.count == 1 {
                "incident"
            } else {
                "incidents"
            }
        ),
        None => "-".into(),
    }
}

/// The report as Markdown (GitHub-flavoured tables).
pub fn markdown(doc: &ReportDoc) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "# Reliability report\n\n{} to {}\n",
        doc.from, doc.to
    ));
    for s in &doc.services {
        o.push_str(&format!("\n## {}\n\n", s.service));
        if let Some(owner) = &s.owner {
            o.push_str(&format!("Owner: {owner}\n\n"));
        }
        o.push_str("### SLOs\n\n| SLO | Objective | Attainment | Events | Budget consumed | |\n|---|---|---|---|---|---|\n");
        for l in &s.slos {
            o.push_str(&format!(
                "| {} | {}% | {} | {} | {} | {} |\n",
                l.slo,
                l.objective,
                pct(l.sli, 3),
                l.total,
                pct(l.budget_consumed, 1),
                yes_no(l.met)
            ));
        }
        o.push_str("\n### Incidents\n\n");
        let by: Vec<String> = nines_review::Severity::ALL
            .iter()
            .map(|sev| {
                format!(
                    "{sev}: {}",
                    s.incidents_by_severity
                        .get(sev.as_str())
                        .copied()
                        .unwrap_or(0)
                )
            })
            .collect();
        o.push_str(&format!("{}\n\n", by.join(", ")));
        for i in &s.incidents {
            o.push_str(&format!(
                "- {} ({}) {}: started {}, {}\n",
                i.id,
                i.severity,
                i.title,
                i.started_at,
                match &i.resolved_at {
                    Some(r) => format!("resolved {r}"),
                    None => "open".into(),
                }
            ));
        }
        if !s.incidents.is_empty() {
            o.push('\n');
        }
        o.push_str(&format!(
            "| | Mean |\n|---|---|\n| Time to detect | {} |\n| Time to acknowledge | {} |\n| Time to resolve | {} |\n",
            span(s.response.mttd),
            span(s.response.mtta),
            span(s.response.mttr)
        ));
        o.push_str(&format!(
            "\n### Changes\n\n{} change(s), {} followed by an incident within an hour (change failure rate {})\n",
            s.changes.changes,
            s.changes.failed,
            pct(s.changes.failure_rate, 0)
        ));
        for c in &s.changes.failed_changes {
            o.push_str(&format!("\n- failed: {c}"));
        }
        if !s.changes.failed_changes.is_empty() {
            o.push('\n');
        }
        o.push_str("\n### Alerts\n\n");
        if s.alerts_by_tier.is_empty() {
            o.push_str("No SLO alert fired.\n");
        } else {
            let tiers: Vec<String> = s
                .alerts_by_tier
                .iter()
                .map(|(t, n)| format!("{t}: {n}"))
                .collect();
            o.push_str(&format!("Fired: {}\n", tiers.join(", ")));
            o.push_str(&format!(
                "\nNever led to an incident (noise): {} of {} firings\n",
                s.noise.noisy_firings, s.noise.firings
            ));
            for (key, n) in &s.noise.alerts {
                o.push_str(&format!("\n- {key}: {n}"));
            }
            if !s.noise.alerts.is_empty() {
                o.push('\n');
            }
        }
        o.push_str(&format!(
            "\n### Action items\n\n{} open, {} overdue\n",
            s.action_items_open, s.action_items_overdue
        ));
        if !s.slas.is_empty() {
            o.push_str("\n### SLAs\n\n| Target | Period | Events | Attainment | |\n|---|---|---|---|---|\n");
            for sla in &s.slas {
                for p in &sla.periods {
                    o.push_str(&format!(
                        "| {}%{} ({}, {}) | {}{} | {} | {} | {} |\n",
                        sla.target,
                        of_slos(&sla.slos),
                        sla.period,
                        sla.timezone,
                        p.label,
                        if p.partial { " (partial)" } else { "" },
                        p.total,
                        pct(p.attainment, 3),
                        yes_no(p.met)
                    ));
                }
            }
        }
    }
    oncall_markdown(&mut o, &doc.oncall);
    o
}

/// ` of latency, availability` when an SLA counts only some SLOs.
fn of_slos(slos: &[String]) -> String {
    if slos.is_empty() {
        String::new()
    } else {
        format!(" of {}", slos.join(", "))
    }
}

fn count(n: Option<usize>) -> String {
    n.map_or_else(|| "-".to_string(), |n| n.to_string())
}

/// The on-call section: one row per person, then the teams' warnings.
fn oncall_markdown(o: &mut String, h: &crate::oncall::health::OncallHealth) {
    if h.people.is_empty() {
        return;
    }
    o.push_str("\n## On-call load\n\n| Person | Pages | Off hours | At night | Hours on call | Acknowledged | MTTA |\n|---|---|---|---|---|---|---|\n");
    for p in &h.people {
        o.push_str(&format!(
            "| {} | {} | {} | {} | {:.0} | {} | {} |\n",
            p.user,
            p.pages,
            count(p.pages_off_hours),
            count(p.pages_at_night),
            p.hours_on_call,
            p.acknowledged,
            p.mtta_seconds
                .map_or_else(|| "-".to_string(), |s| format!("{s:.0}s"))
        ));
    }
    for t in &h.teams {
        for w in &t.warnings {
            o.push_str(&format!("\nWarning (team {}): {w}\n", t.team));
        }
    }
}

/// A horizontal bar of budget consumed (capped at 100% wide; red when
/// overspent), as inline SVG.
fn budget_bar(consumed: Option<f64>) -> String {
    let Some(c) = consumed.filter(|c| c.is_finite()) else {
        return String::from("no data");
    };
    let width = (c.clamp(0.0, 1.0) * 200.0).round();
    let color = if c > 1.0 { "#c0392b" } else { "#2e86c1" };
    format!(
        "<svg width=\"200\" height=\"12\" role=\"img\" aria-label=\"{label}\"><rect width=\"200\" height=\"12\" fill=\"#eee\"/><rect width=\"{width}\" height=\"12\" fill=\"{color}\"/></svg> {label}",
        label = crate::notify::messages::escape(&pct(Some(c), 1))
    )
}

/// The report as a standalone HTML page: the Markdown's tables, and a bar
/// per SLO for the budget consumed.
pub fn html(doc: &ReportDoc) -> String {
    let mut o = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Reliability report</title>\n<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em}}</style></head><body>\n<h1>Reliability report</h1>\n<p>{} to {}</p>\n",
        crate::notify::messages::escape(&doc.from),
        crate::notify::messages::escape(&doc.to)
    );
    for s in &doc.services {
        o.push_str(&format!("<h2>{}</h2>\n<table><tr><th>SLO</th><th>Objective</th><th>Attainment</th><th>Events</th><th>Budget consumed</th><th></th></tr>\n", crate::notify::messages::escape(&s.service)));
        for l in &s.slos {
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                crate::notify::messages::escape(&l.slo),
                l.objective,
                pct(l.sli, 3),
                l.total,
                budget_bar(l.budget_consumed),
                yes_no(l.met)
            ));
        }
        o.push_str("</table>\n");
        let mut counts: Vec<String> = Vec::new();
        for sev in nines_review::Severity::ALL {
            let n = s
                .incidents_by_severity
                .get(sev.as_str())
                .copied()
                .unwrap_or(0);
            counts.push(format!("{sev}: {n}"));
        }
        o.push_str(&format!(
            "<p>Incidents: {}. Time to detect {}, acknowledge {}, resolve {}.</p>\n",
            counts.join(", "),
            crate::notify::messages::escape(&span(s.response.mttd)),
            crate::notify::messages::escape(&span(s.response.mtta)),
            crate::notify::messages::escape(&span(s.response.mttr))
        ));
        o.push_str(&format!(
            "<p>Changes: {}, failed {} (rate {}). Alert firings {}, noise {}. Action items open {}, overdue {}.</p>\n",
            s.changes.changes,
            s.changes.failed,
            pct(s.changes.failure_rate, 0),
            s.noise.firings,
            s.noise.noisy_firings,
            s.action_items_open,
            s.action_items_overdue
        ));
        for sla in &s.slas {
            for p in &sla.periods {
                o.push_str(&format!(
                    "<p>SLA {}%{} {}: {} {}</p>\n",
                    sla.target,
                    crate::notify::messages::escape(&of_slos(&sla.slos)),
                    crate::notify::messages::escape(&p.label),
                    pct(p.attainment, 3),
                    yes_no(p.met)
                ));
            }
        }
    }
    if !doc.oncall.people.is_empty() {
        o.push_str("<h2>On-call load</h2>\n<table><tr><th>Person</th><th>Pages</th><th>Off hours</th><th>At night</th><th>Hours on call</th><th>Acknowledged</th></tr>\n");
        for p in &doc.oncall.people {
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{}</td></tr>\n",
                crate::notify::messages::escape(&p.user),
                p.pages,
                count(p.pages_off_hours),
                count(p.pages_at_night),
                p.hours_on_call,
                p.acknowledged
            ));
        }
        o.push_str("</table>\n");
        for t in &doc.oncall.teams {
            for w in &t.warnings {
                o.push_str(&format!(
                    "<p>Team {}: {}</p>\n",
                    crate::notify::messages::escape(&t.team),
                    crate::notify::messages::escape(w)
                ));
            }
        }
    }
    o.push_str("</body></html>\n");
    o
}

#[cfg(test)]
mod oncall_tests {
    use super::*;
    use crate::oncall::health::OncallHealth;

    #[test]
    fn the_report_shows_on_call_load_and_warnings() {
        let person = |user: &str, pages: usize| nines_oncall::PersonLoad {
            user: user.into(),
            pages,
            pages_off_hours: Some(pages / 2),
            pages_at_night: None,
            hours_on_call: 84.0,
            acknowledged: 1,
            mtta_seconds: Some(95.0),
        };
        let doc = ReportDoc {
            from: "2026-11-01T00:00:00Z".into(),
            to: "2026-12-01T00:00:00Z".into(),
            services: vec![],
            oncall: OncallHealth {
                from: String::new(),
                to: String::new(),
                people: vec![person("ana", 9), person("bo", 2)],
                teams: vec![nines_oncall::TeamLoad {
                    team: "payments".into(),
                    members: vec![],
                    median_pages: 2.0,
                    median_hours_on_call: 84.0,
                    warnings: vec!["ana had 9 pages, more than 2× the team's median of 2".into()],
                }],
            },
        };
        let md = markdown(&doc);
        assert!(md.contains("| ana | 9 | 4 | - | 84 | 1 | 95s |"), "{md}");
        assert!(
            md.contains("Warning (team payments): ana had 9 pages"),
            "{md}"
        );
        let html = html(&doc);
        assert!(
            html.contains("<td>ana</td><td>9</td><td>4</td><td>-</td><td>84</td><td>1</td>"),
            "{html}"
        );
    }
}
