//! The public status page: `/status` (HTML), `/status.json` (for status
//! aggregators, in Atlassian Statuspage's words), `/status/feed.atom` and
//! `/status/badge/{component}.svg`. Served without sign-in. Components are
//! groups of services (`status_page.components` in the config; by default
//! one per service); each is in one of five states, the worst its services'
//! open incidents, probes, SLO alerts and maintenance windows say.
//! Incidents show
//! only their component, impact, progress and the notes marked `public:`
//! — never internal titles, alert texts or people.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::html::{E, time_s};
use super::svg::{Day, State as St, badge as badge_image, uptime_bars};
use super::{UiState, html_response};
use crate::app::App;
use crate::clock::rfc3339;
use crate::notify::messages::escape;
use crate::state::incidents::incident_name;
use crate::text::capitalize;

/// Days of history in the uptime bars.
pub const DAYS: i64 = 90;
/// Resolved incidents are listed this long after they start.
pub const PAST_DAYS: i64 = 14;
/// Scheduled maintenance is announced this far ahead.
pub const MAINTENANCE_AHEAD_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub name: String,
    pub description: Option<String>,
    pub state: St,
    /// Mean of the daily uptimes with data over the 90 days.
    pub uptime: Option<f64>,
    pub days: Vec<Day>,
}

/// One update of a public incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub at: i64,
    /// `investigating`, `identified`, `monitoring`, `resolved` or `update`.
    pub status: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublicIncident {
    pub id: i64,
    /// The components its service is part of.
    pub components: Vec<String>,
    pub impact: St,
    pub resolved: bool,
    pub started_at: i64,
    pub resolved_at: Option<i64>,
    /// Newest first.
    pub updates: Vec<Update>,
}

impl PublicIncident {
    pub fn title(&self) -> String {
        format!("{} of {}", self.impact.label(), self.components.join(", "))
    }
    pub fn status(&self) -> &'static str {
        if self.resolved {
            return "resolved";
        }
        self.updates
            .iter()
            .map(|u| u.status)
            .find(|s| *s != "update")
            .unwrap_or("investigating")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Maintenance {
    pub name: String,
    pub components: Vec<String>,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// What the status page, its JSON and its feed show.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusData {
    /// `status_page.title`, default "Status".
    pub title: String,
    pub components: Vec<Component>,
    /// Open incidents, then those resolved in the last 14 days.
    pub incidents: Vec<PublicIncident>,
    pub maintenance: Vec<Maintenance>,
    pub now: i64,
}

impl StatusData {
    pub fn overall(&self) -> St {
        self.components
            .iter()
            .map(|c| c.state)
            .max()
            .unwrap_or(St::Operational)
    }
}

/// The impact an incident's severity means.
pub fn impact(severity: &str) -> St {
    match severity {
        "SEV1" => St::MajorOutage,
        "SEV2" => St::PartialOutage,
        _ => St::Degraded,
    }
}

/// An open incident's public impact: what its severity means, or what its
/// components show when that is worse (all probes down, a page tier
/// burning), so the banner, the component and the incident never say two
/// things at once (issue 14). Maintenance is not an impact.
pub fn open_impact(severity: &str, components: impl IntoIterator<Item = St>) -> St {
    components
        .into_iter()
        .filter(|s| *s != St::Maintenance)
        .fold(impact(severity), St::max)
}

/// The state of a component from its signals: the worst of what its open
/// incidents, probes and firing SLO alerts say; maintenance when a window
/// is active and nothing says worse.
pub fn component_state(
    open_severities: &[&str],
    probes: &[&str],
    page_firing: bool,
    ticket_firing: bool,
    in_maintenance: bool,
) -> St {
    let mut s = St::Operational;
    for sev in open_severities {
        s = s.max(impact(sev));
    }
    let down = probes.iter().filter(|p| **p == "down").count();
    if down > 0 {
        s = s.max(if down == probes.len() {
            St::MajorOutage
        } else {
            St::PartialOutage
        });
    }
    if page_firing {
        s = s.max(St::PartialOutage);
    } else if ticket_firing {
        s = s.max(St::Degraded);
    }
    if in_maintenance {
        s = s.max(St::Maintenance);
    }
    s
}

/// The public updates of an incident's timeline: its progress, and notes
/// starting with `public:`. Newest first.
pub fn public_updates(timeline: &[nines_store::TimelineEntry]) -> Vec<Update> {
    let mut out: Vec<Update> = timeline
        .iter()
        .filter_map(|t| {
            let (status, text) = match t.kind.as_str() {
                "triggered" => (
                    "investigating",
                    "We are investigating a problem.".to_string(),
                ),
                "acknowledged" => ("identified", "The team is working on it.".to_string()),
                "mitigated" => (
                    "monitoring",
                    "A fix is in place; we are watching it.".to_string(),
                ),
                "resolved" => ("resolved", "This incident is resolved.".to_string()),
                "reopened" => (
                    "investigating",
                    "The problem is back; we are investigating.".to_string(),
                ),
                "note" => {
                    let rest = t
                        .text
                        .strip_prefix("public:")
                        .or_else(|| t.text.strip_prefix("Public:"))?;
                    ("update", rest.trim().to_string())
                }
                _ => return None,
            };
            Some(Update {
                at: t.at,
                status,
                text,
            })
        })
        .collect();
    // Newest first; of one second, the later entry first.
    out.reverse();
    out.sort_by_key(|u| std::cmp::Reverse(u.at));
    out
}

fn day_start(t: i64) -> i64 {
    t.div_euclid(86400) * 86400
}

fn date(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The components to show: `status_page.components`, or one per service.
/// Whether a responder decides what of `service`'s incidents is public:
/// publishing is by hand and a component shows the service.
pub fn publishable(config: &nines_config::Config, service: &str) -> bool {
    config.status_page.publish == nines_config::Publish::Confirmed
        && component_specs(config)
            .iter()
            .any(|c| c.services.iter().any(|s| s == service))
}

fn component_specs(config: &nines_config::Config) -> Vec<nines_config::StatusComponent> {
    if !config.status_page.components.is_empty() {
        return config.status_page.components.clone();
    }
    config
        .services
        .keys()
        .map(|name| nines_config::StatusComponent {
            name: name.clone(),
            description: None,
            services: vec![name.clone()],
        })
        .collect()
}

/// How long the SLOs' daily ratios are reused: summing 90 days of every
/// SLO is most of the page's cost with thousands of SLOs, and a day's bar
/// may lag by this much. States (incidents, alerts, probes) are always
/// live.
pub const SLO_DAYS_TTL_SECS: i64 = 30;

/// The SLOs' daily good ÷ total per service, as last computed; shared by
/// the status endpoints (owned by [`super::Ui`]).
#[derive(Default)]
pub struct DayCache(std::sync::Mutex<Option<CachedDays>>);

struct CachedDays {
    at: i64,
    first_day: i64,
    /// The config they were computed for (a reload recomputes).
    config: std::sync::Arc<nines_config::Config>,
    by_service: std::sync::Arc<SloDays>,
}

/// Per service, each day's worst SLO good ÷ total.
type SloDays = HashMap<String, Vec<Option<f64>>>;

/// Daily good ÷ total of each service's event-budgeted SLOs (the worst SLO
/// decides the day), computed in one pass over the SLOs.
fn slo_days(
    app: &App,
    config: &std::sync::Arc<nines_config::Config>,
    first_day: i64,
    now: i64,
    cache: &DayCache,
) -> std::sync::Arc<SloDays> {
    let mut held = cache.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = held.as_ref()
        && c.first_day == first_day
        && now - c.at < SLO_DAYS_TTL_SECS
        && std::sync::Arc::ptr_eq(&c.config, config)
    {
        return c.by_service.clone();
    }
    let mut by_service = SloDays::new();
    app.read(|engine| {
        for s in engine.slos() {
            let nines_slo::SloSeries::Events(series) = &s.series else {
                continue;
            };
            let ratios = by_service
                .entry(s.service.clone())
                .or_insert_with(|| vec![None; DAYS as usize]);
            let oldest = series.oldest_accepted();
            for d in 0..DAYS {
                let a = (first_day + d * 86400) / 60;
                let b = a + 1440;
                if b <= oldest {
                    continue;
                }
                let c = series.range_sum(a.max(oldest), b);
                if c.total > 0 {
                    let r = c.good as f64 / c.total as f64;
                    let day = &mut ratios[d as usize];
                    *day = Some(day.map_or(r, |x: f64| x.min(r)));
                }
            }
        }
    });
    let by_service = std::sync::Arc::new(by_service);
    *held = Some(CachedDays {
        at: now,
        first_day,
        config: config.clone(),
        by_service: by_service.clone(),
    });
    by_service
}

/// What one service says, to be combined into its components.
struct Signals<'a> {
    open: Vec<&'a str>,
    page: bool,
    ticket: bool,
    /// Daily up ratio, the worst of its sources; `None` without data.
    ratios: Vec<Option<f64>>,
    /// Incidents open during each day.
    incidents: Vec<usize>,
}

impl Signals<'_> {
    fn worst(&mut self, d: usize, r: f64) {
        self.ratios[d] = Some(self.ratios[d].map_or(r, |x| x.min(r)));
    }
}

/// Gathers everything (blocking: reads the store). One pass over the
/// SLOs and the incidents, whatever the number of components; the SLOs'
/// daily ratios come from `days` while fresh.
pub fn gather(app: &App, days: &DayCache) -> Result<StatusData, nines_store::StoreError> {
    let config = app.config();
    let now_ts = app.clock.now();
    let now = now_ts.as_second();
    let first_day = day_start(now) - (DAYS - 1) * 86400;
    let specs = component_specs(&config);
    let shown: HashSet<&str> = specs
        .iter()
        .flat_map(|c| c.services.iter().map(String::as_str))
        .collect();
    let mut signals: HashMap<&str, Signals<'_>> = shown
        .iter()
        .map(|s| {
            let sig = Signals {
                open: Vec::new(),
                page: false,
                ticket: false,
                ratios: vec![None; DAYS as usize],
                incidents: vec![0; DAYS as usize],
            };
            (*s, sig)
        })
        .collect();
    // Incidents: open ones and those of the last 90 days.
    let rows = crate::incidents::queries::list(app, None, None, 1000)?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|i| i.resolved_at.is_none_or(|r| r >= first_day))
        .collect();
    // With `publish: confirmed`, only what a responder published is
    // public, and the measured signals do not set a component's state by
    // themselves (they still make its daily bars).
    let auto = config.status_page.publish == nines_config::Publish::Auto;
    let rows: Vec<_> = if auto {
        rows
    } else {
        let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
        let timelines = crate::incidents::queries::timelines(app, &ids)?;
        rows.into_iter()
            .zip(timelines)
            .filter(|(_, t)| crate::state::incidents::is_published(t))
            .map(|(i, _)| i)
            .collect()
    };
    for i in &rows {
        let Some(sig) = signals.get_mut(i.service.as_str()) else {
            continue;
        };
        if i.status != nines_incident::Status::Resolved {
            sig.open.push(i.severity.as_str());
        }
        let end = i.resolved_at.unwrap_or(now);
        let from = ((i.started_at - first_day).div_euclid(86400)).max(0);
        let to = ((end - first_day).div_euclid(86400)).min(DAYS - 1);
        for d in from..=to {
            sig.incidents[d as usize] += 1;
        }
    }
    // SLOs: firing tiers (live), and each event-budgeted SLO's daily good ÷
    // total (cached).
    for (service, ratios) in slo_days(app, &config, first_day, now, days).iter() {
        if let Some(sig) = signals.get_mut(service.as_str()) {
            for (d, r) in ratios.iter().enumerate() {
                if let Some(r) = *r {
                    sig.worst(d, r);
                }
            }
        }
    }
    app.read(|engine| {
        for s in engine.slos() {
            let Some(sig) = signals.get_mut(s.service.as_str()) else {
                continue;
            };
            for (a, t) in s.alerts.iter().zip(&s.config.spec.tiers) {
                if a.firing {
                    if t.severity.as_str() == "page" {
                        sig.page = true;
                    } else {
                        sig.ticket = true;
                    }
                }
            }
        }
    });
    let probe_states: BTreeMap<(String, String), &'static str> = app.read_probes(|p| {
        p.by_key
            .iter()
            .map(|(k, s)| (k.clone(), crate::state::probes::probe_status(s)))
            .collect()
    });
    // Each service's state, with its probes' current states and history.
    let mut states: HashMap<&str, St> = HashMap::new();
    for (name, service) in &config.services {
        let Some(sig) = signals.get_mut(name.as_str()) else {
            continue;
        };
        let mut probe_now = Vec::new();
        for p in &service.probes {
            probe_now.push(
                probe_states
                    .get(&(name.clone(), p.name.clone()))
                    .copied()
                    .unwrap_or("unknown"),
            );
            let (_, rollups) = crate::probes::service::probe_history(
                app,
                name,
                &p.name,
                0,
                nines_store::Resolution::Day,
                first_day,
                now + 1,
            )?;
            for r in rollups {
                let d = (day_start(r.start) - first_day) / 86400;
                if (0..DAYS).contains(&d) && r.up + r.down > 0 {
                    sig.worst(d as usize, r.up as f64 / (r.up + r.down) as f64);
                }
            }
        }
        let labels = nines_incident::Labels::from([("service".to_string(), name.clone())]);
        let in_maintenance = config
            .incident_policy
            .maintenance
            .iter()
            .any(|w| w.covers(&labels, Some(name), now_ts));
        let state = if auto {
            component_state(&sig.open, &probe_now, sig.page, sig.ticket, in_maintenance)
        } else {
            component_state(&sig.open, &[], false, false, in_maintenance)
        };
        states.insert(name.as_str(), state);
    }
    // Components: the worst of their services, day by day.
    let dates: Vec<String> = (0..DAYS).map(|d| date(first_day + d * 86400)).collect();
    let mut components = Vec::with_capacity(specs.len());
    for spec in &specs {
        let mut state = St::Operational;
        let mut ratios: Vec<Option<f64>> = vec![None; DAYS as usize];
        let mut incidents = vec![0; DAYS as usize];
        for service in &spec.services {
            state = state.max(
                states
                    .get(service.as_str())
                    .copied()
                    .unwrap_or(St::Operational),
            );
            let Some(sig) = signals.get(service.as_str()) else {
                continue;
            };
            for d in 0..DAYS as usize {
                if let Some(r) = sig.ratios[d] {
                    ratios[d] = Some(ratios[d].map_or(r, |x| x.min(r)));
                }
                incidents[d] += sig.incidents[d];
            }
        }
        let days: Vec<Day> = (0..DAYS as usize)
            .map(|d| Day {
                date: dates[d].clone(),
                ratio: ratios[d],
                incidents: incidents[d],
            })
            .collect();
        let with_data: Vec<f64> = ratios.iter().flatten().copied().collect();
        components.push(Component {
            name: spec.name.clone(),
            description: spec.description.clone(),
            state,
            uptime: (!with_data.is_empty())
                .then(|| with_data.iter().sum::<f64>() / with_data.len() as f64),
            days,
        });
    }
    // Incidents shown: open, and resolved ones of the last 14 days.
    // Of services no component shows, nothing is public.
    let mut component_of: HashMap<&str, Vec<String>> = HashMap::new();
    for spec in &specs {
        for service in &spec.services {
            component_of
                .entry(service.as_str())
                .or_default()
                .push(spec.name.clone());
        }
    }
    let listed: Vec<_> = rows
        .iter()
        .filter(|i| {
            i.status != nines_incident::Status::Resolved || i.started_at >= now - PAST_DAYS * 86400
        })
        .filter(|i| component_of.contains_key(i.service.as_str()))
        .take(50)
        .collect();
    let ids: Vec<i64> = listed.iter().map(|i| i.id).collect();
    let timelines = crate::incidents::queries::timelines(app, &ids)?;
    let mut incidents = Vec::new();
    for (i, timeline) in listed.into_iter().zip(timelines) {
        incidents.push(PublicIncident {
            id: i.id,
            components: component_of[i.service.as_str()].clone(),
            impact: if i.status == nines_incident::Status::Resolved {
                impact(i.severity.as_str())
            } else {
                open_impact(
                    i.severity.as_str(),
                    components
                        .iter()
                        .filter(|c| component_of[i.service.as_str()].contains(&c.name))
                        .map(|c| c.state),
                )
            },
            resolved: i.status == nines_incident::Status::Resolved,
            started_at: i.started_at,
            resolved_at: i.resolved_at,
            updates: public_updates(&timeline),
        });
    }
    incidents.sort_by(|a, b| {
        a.resolved
            .cmp(&b.resolved)
            .then(b.started_at.cmp(&a.started_at))
    });
    // Scheduled maintenance in the next week.
    let horizon = now + MAINTENANCE_AHEAD_DAYS * 86400;
    let mut maintenance = Vec::new();
    for w in &config.incident_policy.maintenance {
        let components: Vec<String> = specs
            .iter()
            .filter(|c| {
                c.services.iter().any(|name| {
                    let labels =
                        nines_incident::Labels::from([("service".to_string(), name.clone())]);
                    w.applies_to(&labels, Some(name))
                })
            })
            .map(|c| c.name.clone())
            .collect();
        if components.is_empty() {
            continue;
        }
        if let Some(start) = w.next_start(now_ts)
            && start.as_second() <= horizon
        {
            maintenance.push(Maintenance {
                name: w.name.clone(),
                components,
                starts_at: start.as_second(),
                ends_at: start.as_second() + w.duration.as_secs(),
            });
        }
    }
    maintenance.sort_by_key(|m| m.starts_at);
    Ok(StatusData {
        title: config
            .status_page
            .title
            .clone()
            .unwrap_or_else(|| "Status".to_string()),
        components,
        incidents,
        maintenance,
        now,
    })
}

fn overall_text(s: St) -> &'static str {
    match s {
        St::Operational => "All systems operational",
        St::Maintenance => "Maintenance in progress",
        St::Degraded => "Some systems are degraded",
        St::PartialOutage => "Partial outage",
        St::MajorOutage => "Major outage",
    }
}

/// The public page: pure, for snapshots.
pub fn render(d: &StatusData) -> String {
    let overall = d.overall();
    let mut b = String::with_capacity(8192 + d.components.len() * 6000);
    let _ = write!(
        b,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><link rel=\"icon\" href=\"data:,\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/ui/nines.css\"><script src=\"/ui/nines.js\" defer></script>\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"Incidents\" href=\"/status/feed.atom\"></head>\
         <body class=\"public\" data-refresh=\"30\"><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header class=\"top\"><p class=\"brand\">{title}</p></header><main id=\"main\">\
         <section id=\"now\" data-live aria-label=\"Current status\">\
         <h1 class=\"banner {}\" data-overall=\"{}\">{}</h1>",
        overall.class(),
        overall.key(),
        overall_text(overall),
        title = E(&d.title),
    );
    for m in &d.maintenance {
        let _ = write!(
            b,
            "<p class=\"flash maint\">Scheduled maintenance of {}: {} to {}</p>",
            E(&m.components.join(", ")),
            time_s(m.starts_at),
            time_s(m.ends_at)
        );
    }
    b.push_str("<ul class=\"components\">");
    for c in &d.components {
        let _ = write!(
            b,
            "<li data-component=\"{n}\" data-state=\"{}\"><div class=\"row\"><h2>{n}</h2>\
             <span class=\"state {}\">{}</span></div>{}{}<p class=\"muted small\"><span>{} days ago</span> <span>{} uptime</span> <span>today</span></p></li>",
            c.state.key(),
            c.state.class(),
            c.state.label(),
            c.description
                .as_deref()
                .map(|t| format!("<p class=\"muted\">{}</p>", E(t)))
                .unwrap_or_default(),
            uptime_bars(
                &c.days,
                &format!(
                    "{}: daily uptime over {DAYS} days, {}",
                    c.name,
                    super::html::pct(c.uptime, 2)
                )
            ),
            DAYS,
            super::html::pct(c.uptime, 2),
            n = E(&c.name),
        );
    }
    b.push_str("</ul></section><section id=\"incidents\" data-live aria-labelledby=\"inc\"><h2 id=\"inc\">Incidents</h2>");
    if d.incidents.is_empty() {
        let _ = write!(b, "<p>No incidents in the last {PAST_DAYS} days.</p>");
    }
    for i in &d.incidents {
        let _ = write!(
            b,
            "<article class=\"card incident\" id=\"{}\"><h3>{}</h3><p class=\"muted\">{} · started {}{}</p><ol class=\"timeline\">",
            incident_name(i.id),
            E(&i.title()),
            if i.resolved { "Resolved" } else { "Ongoing" },
            time_s(i.started_at),
            i.resolved_at
                .map(|r| format!(", resolved {}", time_s(r)))
                .unwrap_or_default()
        );
        for u in &i.updates {
            let _ = write!(
                b,
                "<li>{} <strong>{}</strong> {}</li>",
                time_s(u.at),
                capitalize(u.status),
                E(&u.text)
            );
        }
        b.push_str("</ol></article>");
    }
    b.push_str(
        "</section></main><footer><p><a href=\"/status/feed.atom\">Atom feed</a> · <a href=\"/status.json\">JSON</a> · powered by nines</p></footer></body></html>\n",
    );
    b
}

/// `/status.json`: pure, for snapshots.
pub fn to_json(d: &StatusData) -> Value {
    let overall = d.overall();
    let indicator = match overall {
        St::Operational => "none",
        St::Maintenance => "maintenance",
        St::Degraded => "minor",
        St::PartialOutage => "major",
        St::MajorOutage => "critical",
    };
    json!({
        "page": { "name": d.title, "updated_at": rfc3339(d.now) },
        "status": { "indicator": indicator, "description": overall_text(overall) },
        "components": d.components.iter().map(|c| json!({
            "name": c.name,
            "description": c.description,
            "status": c.state.key(),
            "uptime_90d": c.uptime,
        })).collect::<Vec<_>>(),
        "incidents": d.incidents.iter().map(|i| json!({
            "id": incident_name(i.id),
            "name": i.title(),
            "status": i.status(),
            "impact": i.impact.key(),
            "components": i.components,
            "created_at": rfc3339(i.started_at),
            "resolved_at": i.resolved_at.map(rfc3339),
            "updates": i.updates.iter().map(|u| json!({
                "at": rfc3339(u.at), "status": u.status, "body": u.text,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "scheduled_maintenances": d.maintenance.iter().map(|m| json!({
            "name": m.name,
            "components": m.components,
            "starts_at": rfc3339(m.starts_at),
            "ends_at": rfc3339(m.ends_at),
        })).collect::<Vec<_>>(),
    })
}

/// The Atom feed of incidents: pure, for snapshots. `base` is the site's
/// URL (`https://status.example.com`).
pub fn to_atom(d: &StatusData, base: &str) -> String {
    let updated = d
        .incidents
        .iter()
        .filter_map(|i| i.updates.first().map(|u| u.at))
        .max()
        .unwrap_or(d.now);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>{}: incidents</title><id>{b}/status</id>\
         <link rel=\"self\" href=\"{b}/status/feed.atom\"/><link href=\"{b}/status\"/>\
         <updated>{}</updated><author><name>nines</name></author>\n",
        escape(&d.title),
        rfc3339(updated),
        b = escape(base)
    );
    for i in &d.incidents {
        let content: String = i
            .updates
            .iter()
            .map(|u| {
                format!(
                    "<p><small>{}</small> <strong>{}</strong> - {}</p>",
                    rfc3339(u.at),
                    capitalize(u.status),
                    E(&u.text)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<entry><title>{}</title><id>{b}/status#{n}</id><link href=\"{b}/status#{n}\"/>\
             <published>{}</published><updated>{}</updated><content type=\"html\">{}</content></entry>",
            escape(&format!(
                "{}{}",
                i.title(),
                if i.resolved { " (resolved)" } else { "" }
            )),
            rfc3339(i.started_at),
            rfc3339(i.updates.first().map_or(i.started_at, |u| u.at)),
            escape(&content),
            b = escape(base),
            n = incident_name(i.id),
        );
    }
    out.push_str("</feed>\n");
    out
}

/// The site's base URL from the request (`X-Forwarded-Proto` and `Host`).
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = if super::is_https(headers) {
        "https"
    } else {
        "http"
    };
    format!("{proto}://{host}")
}

async fn load(ui: &UiState) -> Result<StatusData, Response> {
    let held = ui.clone();
    match super::blocking(&ui.app, move |app| gather(app, &held.status_days)).await {
        Some(Ok(d)) => Ok(d),
        _ => Err((StatusCode::SERVICE_UNAVAILABLE, "status unavailable\n").into_response()),
    }
}

fn typed(kind: &'static str, body: String) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// `GET /status`.
pub async fn page(State(ui): State<UiState>) -> Response {
    match load(&ui).await {
        Ok(d) => html_response(StatusCode::OK, render(&d)),
        Err(r) => r,
    }
}

/// `GET /status.json`.
pub async fn json(State(ui): State<UiState>) -> Response {
    match load(&ui).await {
        Ok(d) => typed("application/json", to_json(&d).to_string()),
        Err(r) => r,
    }
}

/// `GET /status/feed.atom`.
pub async fn feed(State(ui): State<UiState>, headers: HeaderMap) -> Response {
    match load(&ui).await {
        Ok(d) => typed(
            "application/atom+xml; charset=utf-8",
            to_atom(&d, &base_url(&headers)),
        ),
        Err(r) => r,
    }
}

/// `GET /status/badge/{component}.svg`.
pub async fn badge_svg(ui: &UiState, file: &str) -> Response {
    let Some(name) = file.strip_suffix(".svg") else {
        return (
            StatusCode::NOT_FOUND,
            "badges are /status/badge/<component>.svg\n",
        )
            .into_response();
    };
    if !component_specs(&ui.app.config())
        .iter()
        .any(|c| c.name == name)
    {
        return (StatusCode::NOT_FOUND, "no such component\n").into_response();
    }
    match load(ui).await {
        Ok(d) => {
            let state = d
                .components
                .iter()
                .find(|c| c.name == name)
                .map_or(St::Operational, |c| c.state);
            typed("image/svg+xml", badge_image(name, state))
        }
        Err(r) => r,
    }
}

/// `GET /status/badge/{file}`.
pub async fn badge(State(ui): State<UiState>, Path(file): Path<String>) -> Response {
    badge_svg(&ui, &file).await
}
