//! Incident pages: the list (`/incidents`, filtered by status, severity
//! and service) and one incident (`/incidents/INC-n`) with its timeline,
//! linked alerts, affected SLOs and the budget the incident burned, and the
//! forms that acknowledge, resolve, reopen, mitigate, note and change its
//! severity. Actions go through the same function as the API's
//! (`api_incidents::perform`).

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nines_config::Role;
use nines_incident::IncidentSeverity;
use nines_store::IncidentRow;
use serde::Deserialize;

use super::html::{Chrome, E, Nav, csrf_field, duration, layout, pct, time_s};
use super::{
    UiState, Viewer, actor, bad_id, error_page, html_response, no_incident, reader, redirect,
};
use crate::incidents::actions::{ActBody, ActionError, IncidentDetail, load_detail, perform};
use crate::state::incidents::{IncidentError, incident_name, parse_incident_id};

/// `?status=open|triggered|acknowledged|resolved|all&severity=&service=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub severity: Option<String>,
    pub service: Option<String>,
}

/// The list page's data.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub incidents: Vec<IncidentRow>,
    /// `open`, `all` or one status.
    pub status: String,
    pub severity: String,
    pub service: String,
    pub services: Vec<String>,
    pub now: i64,
}

fn status_chip(status: &str) -> String {
    let class = match status {
        "triggered" => "bad",
        "acknowledged" => "warn",
        _ => "ok",
    };
    format!(
        "<span class=\"chip {class}\" data-status>{}</span>",
        E(status)
    )
}

fn severity_chip(sev: &str) -> String {
    format!(
        "<span class=\"chip {}\">{}</span>",
        super::status_page::impact(sev).class(),
        E(sev)
    )
}

fn select(out: &mut String, id: &str, label: &str, options: &[(&str, &str)], current: &str) {
    let _ = write!(
        out,
        "<label for=\"{id}\">{label}</label><select id=\"{id}\" name=\"{id}\">"
    );
    for (value, text) in options {
        let _ = write!(
            out,
            "<option value=\"{}\"{}>{}</option>",
            E(value),
            if *value == current { " selected" } else { "" },
            E(text)
        );
    }
    out.push_str("</select>");
}

/// The incident list: pure, for snapshots.
pub fn render_list(l: &List, viewer: &Viewer) -> String {
    let mut b = String::from(
        "<h1>Incidents</h1><form class=\"filters\" method=\"get\" action=\"/incidents\">",
    );
    select(
        &mut b,
        "status",
        "Status",
        &[
            ("open", "Open"),
            ("triggered", "Triggered"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved"),
            ("all", "All"),
        ],
        &l.status,
    );
    let mut sev: Vec<(&str, &str)> = vec![("", "Any")];
    sev.extend(IncidentSeverity::ALL.map(|s| (s.as_str(), s.as_str())));
    select(&mut b, "severity", "Severity", &sev, &l.severity);
    let mut services: Vec<(&str, &str)> = vec![("", "Any")];
    services.extend(l.services.iter().map(|s| (s.as_str(), s.as_str())));
    select(&mut b, "service", "Service", &services, &l.service);
    b.push_str("<button type=\"submit\">Apply</button></form>");
    b.push_str("<section id=\"incidents\" data-live aria-label=\"Incidents\">");
    if l.incidents.is_empty() {
        b.push_str("<p>No incidents match.</p>");
    } else {
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Incident table\"><table class=\"cards\">\
             <thead><tr><th scope=\"col\">Incident</th><th scope=\"col\">Title</th><th scope=\"col\">Service</th>\
             <th scope=\"col\">Severity</th><th scope=\"col\">Status</th><th scope=\"col\">Started</th><th scope=\"col\">Duration</th></tr></thead><tbody>",
        );
        for i in &l.incidents {
            let name = incident_name(i.id);
            let end = i.resolved_at.unwrap_or(l.now);
            let _ = write!(
                b,
                "<tr data-incident=\"{name}\"><th scope=\"row\"><a href=\"/incidents/{name}\">{name}</a></th><td>{}</td><td data-label=\"Service\"><a href=\"/services/{}\">{}</a></td>\
                 <td data-label=\"Severity\">{}</td><td data-label=\"Status\">{}</td><td data-label=\"Started\">{}</td><td data-label=\"Duration\">{}</td></tr>",
                E(&i.title),
                crate::text::url::encode(&i.service),
                E(&i.service),
                severity_chip(i.severity.as_str()),
                status_chip(i.status.as_str()),
                time_s(i.started_at),
                duration(end - i.started_at),
            );
        }
        b.push_str("</tbody></table></div>");
    }
    b.push_str("</section>");
    layout(
        &Chrome::new("Incidents", Nav::Incidents, viewer).live(10),
        &b,
    )
}

/// `GET /incidents`.
pub async fn list_page(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let viewer = match reader(&ui, &headers, "/incidents") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let status = q.status.clone().unwrap_or_else(|| "open".into());
    use nines_incident::Status;
    let statuses: Vec<Option<Status>> = match status.as_str() {
        "open" => vec![Some(Status::Triggered), Some(Status::Acknowledged)],
        s => vec![s.parse().ok()],
    };
    let service = q.service.clone().filter(|s| !s.is_empty());
    let sev = q.severity.clone().filter(|s| !s.is_empty());
    let svc = service.clone();
    let rows = super::blocking(&ui.app, move |app| {
        crate::incidents::queries::list_in(app, &statuses, svc.as_deref(), 500)
    })
    .await;
    let mut incidents = match rows {
        Some(Ok(r)) => r,
        _ => {
            return error_page(
                &viewer,
                StatusCode::SERVICE_UNAVAILABLE,
                "Store unavailable",
                "the incidents could not be read",
            );
        }
    };
    incidents.retain(|i| sev.as_ref().is_none_or(|s| s == i.severity.as_str()));
    incidents.sort_by_key(|i| std::cmp::Reverse(i.id));
    let list = List {
        incidents,
        status: if status == "all" || statuses_known(&status) {
            status
        } else {
            "all".into()
        },
        severity: sev.unwrap_or_default(),
        service: service.unwrap_or_default(),
        services: ui.app.config().services.keys().cloned().collect(),
        now: ui.app.clock.now().as_second(),
    };
    html_response(StatusCode::OK, render_list(&list, &viewer))
}

fn statuses_known(s: &str) -> bool {
    matches!(s, "open" | "triggered" | "acknowledged" | "resolved")
}

/// An SLO an incident's alerts name, with the share of its budget that
/// burned while the incident was open.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    pub service: String,
    pub slo: String,
    pub budget_left: Option<f64>,
    /// Bad events during the incident over the budget of the SLO window.
    pub burned: Option<f64>,
}

/// The detail page's data.
pub struct Detail {
    pub d: IncidentDetail,
    pub affected: Vec<Affected>,
    /// The postmortem's current revision, if it has one.
    pub postmortem: Option<super::postmortem::Revision>,
    /// The service's runbook and dashboard links: (label, URL).
    pub runbooks: Vec<(String, String)>,
    /// Whether it is on the public status page, where a responder decides
    /// that (`status_page.publish: confirmed` and a component shows the
    /// service); `None` where nobody does.
    pub published: Option<bool>,
    pub now: i64,
}

/// One incident: pure, for snapshots.
pub fn render_detail(x: &Detail, viewer: &Viewer) -> String {
    let i = &x.d.incident;
    let name = incident_name(i.id);
    let mut b = String::new();
    let _ = write!(
        b,
        "<p class=\"crumbs\"><a href=\"/incidents\">Incidents</a> / {name}</p>\
         <h1>{name}: {}</h1><section id=\"incident\" data-live aria-label=\"Incident state\">\
         <p class=\"facts\">{} {} · service <a href=\"/services/{}\">{}</a></p><dl class=\"facts\">\
         <dt>Started</dt><dd>{}</dd>",
        E(&i.title),
        status_chip(i.status.as_str()),
        severity_chip(i.severity.as_str()),
        crate::text::url::encode(&i.service),
        E(&i.service),
        time_s(i.started_at),
    );
    for (label, at) in [
        ("Acknowledged", i.acknowledged_at),
        ("Mitigated", i.mitigated_at),
        ("Resolved", i.resolved_at),
    ] {
        if let Some(at) = at {
            let _ = write!(
                b,
                "<dt>{label}</dt><dd>{} <small class=\"muted\">after {}</small></dd>",
                time_s(at),
                duration(at - i.started_at)
            );
        }
    }
    for (label, who) in [("Commander", &i.commander), ("Assignee", &i.assignee)] {
        if let Some(w) = who {
            let _ = write!(b, "<dt>{label}</dt><dd>{}</dd>", E(w));
        }
    }
    super::service::runbook_facts(&mut b, &x.runbooks);
    match x.published {
        Some(true) => b.push_str(
            "<dt>Status page</dt><dd>published: customers see it on <a href=\"/status\">/status</a></dd>",
        ),
        Some(false) => b.push_str(
            "<dt>Status page</dt><dd>not published: customers do not see it yet</dd>",
        ),
        None => {}
    }
    b.push_str("</dl></section>");
    // Actions.
    b.push_str("<section aria-labelledby=\"act\"><h2 id=\"act\">Act</h2>");
    if viewer.may(Role::Responder) {
        let form = |b: &mut String, action: &str, label: &str, confirm: Option<&str>| {
            let _ = write!(
                b,
                "<form method=\"post\" action=\"/incidents/{name}/{action}\" class=\"inline\"{}>{}<button type=\"submit\">{label}</button></form>",
                confirm
                    .map(|c| format!(" data-confirm=\"{}\"", E(c)))
                    .unwrap_or_default(),
                csrf_field(viewer)
            );
        };
        b.push_str("<div class=\"actions\">");
        match i.status.as_str() {
            "triggered" => form(&mut b, "ack", "Acknowledge", None),
            "resolved" => form(&mut b, "reopen", "Reopen", Some(&format!("Reopen {name}?"))),
            _ => {}
        }
        if x.published == Some(false) {
            form(
                &mut b,
                "publish",
                "Publish to status page",
                Some(&format!(
                    "Publish {name} to the public status page? Customers see it and its impact."
                )),
            );
        }
        if i.status != nines_incident::Status::Resolved {
            if i.mitigated_at.is_none() {
                form(&mut b, "mitigate", "Mark mitigated", None);
            }
            form(
                &mut b,
                "resolve",
                "Resolve",
                Some(&format!("Resolve {name}? Notifications go out.")),
            );
        }
        b.push_str("</div>");
        let _ = write!(
            b,
            "<form method=\"post\" action=\"/incidents/{name}/severity\" class=\"row\">{}<label for=\"severity\">Severity</label><select id=\"severity\" name=\"severity\">",
            csrf_field(viewer)
        );
        for s in IncidentSeverity::ALL.map(IncidentSeverity::as_str) {
            let _ = write!(
                b,
                "<option{}>{s}</option>",
                if s == i.severity.as_str() {
                    " selected"
                } else {
                    ""
                }
            );
        }
        let _ = write!(
            b,
            "</select><button type=\"submit\">Change severity</button></form>\
             <form method=\"post\" action=\"/incidents/{name}/note\" class=\"note\">{}<label for=\"text\">Note for the timeline</label>\
             <textarea id=\"text\" name=\"text\" rows=\"3\" required></textarea>\
             <p class=\"hint\">Start a note with <code>public:</code> to show it on the status page.</p>\
             <button type=\"submit\">Add note</button></form>",
            csrf_field(viewer)
        );
    } else {
        let _ = write!(
            b,
            "<p>Acknowledging, resolving and notes need a token with role responder or higher. <a href=\"/login?next=/incidents/{name}\">Sign in</a>.</p>"
        );
    }
    b.push_str("</section>");
    // Postmortem.
    b.push_str("<section id=\"postmortem\" aria-labelledby=\"pm\"><h2 id=\"pm\">Postmortem</h2>");
    match &x.postmortem {
        Some(r) => {
            let _ = write!(
                b,
                "<p><a href=\"/incidents/{name}/postmortem\">The postmortem of {name}</a> {} \
                 <small class=\"muted\">revision {}, saved {} by {}</small></p>",
                super::postmortem::status_chip(&r.status),
                r.revision,
                time_s(r.saved_at),
                E(&r.author)
            );
        }
        None => {
            b.push_str("<p>No postmortem yet.</p>");
            super::postmortem::draft_form(&mut b, &name, viewer);
        }
    }
    b.push_str("</section>");
    // Timeline.
    b.push_str("<section id=\"timeline\" data-live aria-labelledby=\"tl\"><h2 id=\"tl\">Timeline</h2><ol class=\"timeline\">");
    for t in &x.d.timeline {
        let _ = write!(
            b,
            "<li data-kind=\"{}\">{} <span class=\"chip\">{}</span> {}{}</li>",
            E(&t.kind),
            time_s(t.at),
            E(&t.kind),
            E(&t.text),
            t.actor
                .as_ref()
                .map(|a| format!(" <small class=\"muted\">— {}</small>", E(a)))
                .unwrap_or_default()
        );
    }
    b.push_str("</ol></section>");
    // Affected SLOs.
    if !x.affected.is_empty() {
        b.push_str(
            "<section aria-labelledby=\"aff\"><h2 id=\"aff\">Affected SLOs</h2><div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Affected SLOs\"><table>\
             <thead><tr><th scope=\"col\">SLO</th><th scope=\"col\">Budget burned during the incident</th><th scope=\"col\">Budget left now</th></tr></thead><tbody>",
        );
        for a in &x.affected {
            let _ = write!(
                b,
                "<tr><td><a href=\"/services/{}/slos/{}\">{}/{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                crate::text::url::encode(&a.service),
                crate::text::url::encode(&a.slo),
                E(&a.service),
                E(&a.slo),
                pct(a.burned, 1),
                pct(a.budget_left, 1)
            );
        }
        b.push_str("</tbody></table></div></section>");
    }
    // Alerts.
    b.push_str("<section aria-labelledby=\"al\"><h2 id=\"al\">Linked alerts</h2>");
    if x.d.alerts.is_empty() {
        b.push_str("<p>None: opened by hand.</p>");
    } else {
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Linked alerts\"><table><thead><tr><th scope=\"col\">Source</th><th scope=\"col\">Summary</th>\
             <th scope=\"col\">Status</th><th scope=\"col\">First</th><th scope=\"col\">Last</th></tr></thead><tbody>",
        );
        for a in &x.d.alerts {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                E(&a.source),
                E(&a.summary),
                E(a.status.as_str()),
                time_s(a.first_at),
                time_s(a.last_at)
            );
        }
        b.push_str("</tbody></table></div>");
    }
    b.push_str("</section>");
    // Notifications: states only (errors can quote channel URLs, which are secrets).
    if !x.d.outbox.is_empty() {
        b.push_str("<section aria-labelledby=\"nt\"><h2 id=\"nt\">Notifications</h2><ul>");
        for o in &x.d.outbox {
            let _ = write!(
                b,
                "<li>{}: {} ({} attempt(s))</li>",
                E(&o.channel),
                E(&o.state),
                o.attempts
            );
        }
        b.push_str("</ul></section>");
    }
    layout(
        &Chrome::new(&format!("{name}: {}", i.title), Nav::Incidents, viewer).live(10),
        &b,
    )
}

/// The SLOs an incident's SLO alerts name, with what they burned.
fn affected(app: &crate::app::App, d: &IncidentDetail, now: i64) -> Vec<Affected> {
    let mut keys: Vec<(String, String)> = d
        .alerts
        .iter()
        .filter_map(|a| {
            let labels: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&a.labels).ok()?;
            Some((labels.get("service")?.clone(), labels.get("slo")?.clone()))
        })
        .collect();
    keys.sort();
    keys.dedup();
    let i = &d.incident;
    let (from, to) = (i.started_at, i.resolved_at.unwrap_or(now));
    app.read(|engine| {
        keys.into_iter()
            .filter_map(|(service, slo)| {
                let s = engine.get(&service, &slo)?;
                let burned = crate::review::postmortem::budget_burned(
                    s,
                    jiff::Timestamp::from_second(from).ok()?,
                    jiff::Timestamp::from_second(to).ok()?,
                )
                .map(|b| b.ratio);
                Some(Affected {
                    service,
                    slo,
                    budget_left: s.report.as_ref().and_then(|r| r.budget.remaining),
                    burned,
                })
            })
            .collect()
    })
}

/// `GET /incidents/{id}`.
pub async fn detail_page(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (viewer, n) = match super::incident_reader(&ui, &headers, &id, "") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let found = super::blocking(&ui.app, move |app| {
        let now = app.clock.now().as_second();
        load_detail(app, n).map(|d| {
            d.map(|d| Detail {
                affected: affected(app, &d, now),
                runbooks: crate::state::incidents::runbook_links_of(
                    &app.config(),
                    &d.incident.service,
                ),
                published: super::status_page::publishable(&app.config(), &d.incident.service)
                    .then(|| crate::state::incidents::is_published(&d.timeline)),
                postmortem: crate::review::postmortem::stored(app, n)
                    .ok()
                    .flatten()
                    .map(|r| super::postmortem::Revision::from(&r)),
                d,
                now,
            })
        })
    })
    .await;
    match found {
        Some(Ok(Some(x))) => html_response(StatusCode::OK, render_detail(&x, &viewer)),
        Some(Ok(None)) => no_incident(&viewer, n),
        _ => error_page(
            &viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            "the incident could not be read",
        ),
    }
}

/// The fields of the incident forms.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    text: Option<String>,
    severity: Option<String>,
}

/// `POST /incidents/{id}/{action}`: the forms' target (role responder).
pub async fn act(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActForm>,
) -> Response {
    let viewer = match actor(&ui, &headers, &f.csrf, Role::Responder) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(n) = parse_incident_id(&id) else {
        return bad_id(&viewer);
    };
    if !matches!(
        action.as_str(),
        "ack" | "resolve" | "reopen" | "mitigate" | "note" | "severity" | "publish"
    ) {
        return error_page(&viewer, StatusCode::NOT_FOUND, "No such action", "");
    }
    let who = viewer.name.clone().unwrap_or_default();
    let body = ActBody {
        text: f.text,
        severity: f.severity,
        ..ActBody::default()
    };
    let a = action.clone();
    let result = super::blocking(&ui.app, move |app| perform(app, n, &a, body, &who)).await;
    let name = incident_name(n);
    let (ok, text) = match result {
        Some(Ok(_)) => (
            true,
            match action.as_str() {
                "ack" => format!("{name} acknowledged."),
                "resolve" => format!("{name} resolved."),
                "reopen" => format!("{name} reopened."),
                "mitigate" => format!("{name} marked mitigated."),
                "publish" => format!("{name} is on the public status page."),
                "note" => "Note added to the timeline.".to_string(),
                _ => format!("{name}: severity changed."),
            },
        ),
        Some(Err(ActionError::Incident(IncidentError::NotFound(_)))) => {
            return no_incident(&viewer, n);
        }
        Some(Err(e)) => (false, format!("Not done: {e}")),
        None => (false, "Not done: internal error".to_string()),
    };
    ui.sessions.flash(&headers, ok, text);
    redirect(&format!("/incidents/{name}"))
}
