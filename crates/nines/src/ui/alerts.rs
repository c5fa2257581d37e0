//! Alerts and silences (`/alerts`): the firing SLO alert tiers, the
//! alerts linked to open incidents, and silences, with forms to create
//! and expire them (role responder). Silences are checked by the API's own
//! `incidents::silences`.

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nines_config::Role;
use serde::Deserialize;

use super::html::{Chrome, E, Nav, csrf_field, layout, rate, time_s, time_text};
use super::{UiState, Viewer, actor, error_page, html_response, reader, redirect};
use crate::incidents::silences::{NewSilence, silence_state};
use crate::state::slo::view::{AlertView, SloView};

#[derive(Debug, Clone, PartialEq)]
pub struct SilenceLine {
    pub id: i64,
    pub matchers: Vec<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: String,
    pub comment: String,
    pub state: &'static str,
}

/// The page's data.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertsPage {
    pub firing: Vec<AlertView>,
    pub silences: Vec<SilenceLine>,
}

/// The alerts page: pure, for snapshots.
pub fn render(p: &AlertsPage, viewer: &Viewer) -> String {
    let mut b = String::from(
        "<h1>Alerts and silences</h1><section id=\"firing\" data-live aria-labelledby=\"h-f\"><h2 id=\"h-f\">Firing SLO alerts</h2>",
    );
    if p.firing.is_empty() {
        b.push_str("<p class=\"ok\">No alert tier is firing.</p>");
    } else {
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Firing alerts\"><table class=\"cards\"><thead><tr><th scope=\"col\">SLO</th><th scope=\"col\">Tier</th><th scope=\"col\">Burn (long, short)</th>\
             <th scope=\"col\">Threshold</th><th scope=\"col\">Since</th></tr></thead><tbody>",
        );
        for a in &p.firing {
            let _ = write!(
                b,
                "<tr><td><a href=\"/services/{}/slos/{}\">{}/{}</a></td><td data-label=\"Tier\"><span class=\"chip {}\">{}</span></td><td class=\"num\" data-label=\"Burn (long, short)\">{}, {}</td><td class=\"num\" data-label=\"Threshold\">{}</td><td data-label=\"Since\">{}</td></tr>",
                crate::text::url::encode(&a.service),
                crate::text::url::encode(&a.slo),
                E(&a.service),
                E(&a.slo),
                if a.severity == "page" { "bad" } else { "warn" },
                E(&a.tier),
                rate(a.long_burn_rate),
                rate(a.short_burn_rate),
                rate(Some(a.threshold)),
                a.since.as_deref().map(time_text).unwrap_or_default()
            );
        }
        b.push_str("</tbody></table></div>");
    }
    b.push_str("</section><section id=\"silences\" data-live aria-labelledby=\"h-s\"><h2 id=\"h-s\">Silences</h2>");
    if p.silences.is_empty() {
        b.push_str("<p>No silences.</p>");
    } else {
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Silences\"><table class=\"cards\"><thead><tr><th scope=\"col\">Matchers</th><th scope=\"col\">State</th><th scope=\"col\">From</th>\
             <th scope=\"col\">Until</th><th scope=\"col\">By</th><th scope=\"col\">Why</th><th scope=\"col\"><span class=\"sr-only\">Actions</span></th></tr></thead><tbody>",
        );
        for s in &p.silences {
            let _ = write!(
                b,
                "<tr><td><code>{}</code></td><td data-label=\"State\">{}</td><td data-label=\"From\">{}</td><td data-label=\"Until\">{}</td><td data-label=\"By\">{}</td><td data-label=\"Why\">{}</td><td>",
                E(&s.matchers.join(", ")),
                s.state,
                time_s(s.starts_at),
                time_s(s.ends_at),
                E(&s.created_by),
                E(&s.comment)
            );
            if s.state != "expired" && viewer.may(Role::Responder) {
                let _ = write!(
                    b,
                    "<form method=\"post\" action=\"/alerts/silences/{}/expire\" data-confirm=\"Expire silence {}?\">{}<button type=\"submit\">Expire</button></form>",
                    s.id,
                    s.id,
                    csrf_field(viewer)
                );
            }
            b.push_str("</td></tr>");
        }
        b.push_str("</tbody></table></div>");
    }
    b.push_str("</section>");
    if viewer.may(Role::Responder) {
        let _ = write!(
            b,
            "<section aria-labelledby=\"h-n\"><h2 id=\"h-n\">New silence</h2><form method=\"post\" action=\"/alerts\" class=\"card\">{}\
             <label for=\"matchers\">Matchers, one per line</label><textarea id=\"matchers\" name=\"matchers\" rows=\"3\" required placeholder=\"service=&quot;shop&quot;\"></textarea>\
             <label for=\"duration\">For</label><input id=\"duration\" name=\"duration\" value=\"2h\" required>\
             <label for=\"comment\">Why</label><input id=\"comment\" name=\"comment\" required>\
             <button type=\"submit\">Create silence</button></form></section>",
            csrf_field(viewer)
        );
    } else {
        b.push_str("<p>Creating and expiring silences needs a token with role responder or higher. <a href=\"/login?next=/alerts\">Sign in</a>.</p>");
    }
    layout(&Chrome::new("Alerts", Nav::Alerts, viewer).live(10), &b)
}

/// `GET /alerts`.
pub async fn page(State(ui): State<UiState>, headers: HeaderMap) -> Response {
    let viewer = match reader(&ui, &headers, "/alerts") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let firing = ui.app.read(|engine| {
        engine
            .slos()
            .iter()
            .flat_map(|s| SloView::of(s).alerts)
            .filter(|a| a.state == "firing")
            .collect()
    });
    let now = ui.app.clock.now();
    let rows = super::blocking(&ui.app, move |app| {
        crate::incidents::silences::list(app, now)
    })
    .await;
    let Some(Ok(rows)) = rows else {
        return error_page(
            &viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            "",
        );
    };
    let silences = rows
        .iter()
        .map(|r| {
            let s = crate::state::incidents::to_silence(r);
            SilenceLine {
                id: r.id,
                matchers: s.matchers.iter().map(ToString::to_string).collect(),
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                created_by: r.created_by.clone(),
                comment: r.comment.clone(),
                state: silence_state(&s, now),
            }
        })
        .collect();
    html_response(
        StatusCode::OK,
        render(&AlertsPage { firing, silences }, &viewer),
    )
}

#[derive(Debug, Deserialize)]
pub struct SilenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    matchers: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    comment: String,
}

/// `POST /alerts`: a new silence (role responder).
pub async fn add_silence(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Form(f): Form<SilenceForm>,
) -> Response {
    let viewer = match actor(&ui, &headers, &f.csrf, Role::Responder) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let n = NewSilence {
        matchers: f
            .matchers
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        starts_at: None,
        ends_at: None,
        duration: Some(f.duration.trim().to_string()),
        comment: f.comment,
    };
    let who = viewer.name.clone().unwrap_or_default();
    let (ok, text) = match crate::incidents::silences::add(&ui.app, n, who) {
        Ok(row) => (true, format!("Silence {} created.", row.id)),
        Err(e) => (false, format!("Not created: {e}")),
    };
    ui.sessions.flash(&headers, ok, text);
    redirect("/alerts")
}

/// `POST /alerts/silences/{id}/expire` (role responder).
pub async fn expire_silence(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<super::session::CsrfForm>,
) -> Response {
    if let Err(r) = actor(&ui, &headers, f.csrf(), Role::Responder) {
        return r;
    }
    let (ok, text) = match crate::incidents::silences::expire(&ui.app, id) {
        Ok(true) => (true, format!("Silence {id} expired.")),
        Ok(false) => (false, format!("There is no silence {id}.")),
        Err(e) => (false, format!("Not expired: {e}")),
    };
    ui.sessions.flash(&headers, ok, text);
    redirect("/alerts")
}
