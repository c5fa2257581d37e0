//! The on-call page (`/oncall`): who is on call now in each schedule and
//! until when, the next two weeks of shifts with overrides marked, and the
//! calendar feed. Built from the same views as `GET /api/v1/oncall/now`
//! and `GET /api/v1/schedules/{s}/shifts`.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nines_config::Config;
use nines_oncall::Step;

use super::html::{Chrome, E, Nav, layout, time_text};
use super::{UiState, Viewer, html_response, reader};
use crate::state::slo::view::{OnCallView, ShiftView};

/// Who the first step of a service's escalation policy pages now: the
/// people on call in its schedules and its named users, each once. A
/// round-robin step pages one of them per incident; the page lists all.
pub fn for_service(config: &Config, service: &str, now: jiff::Timestamp) -> Vec<String> {
    let Some(step) = config.escalation_for(service).and_then(|p| p.steps.first()) else {
        return Vec::new();
    };
    let all = Step {
        round_robin: false,
        ..step.clone()
    };
    all.recipients(now, |n| config.schedules.get(n), 0).users
}

/// One schedule on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleCard {
    pub now: OnCallView,
    pub timezone: String,
    pub shifts: Vec<ShiftView>,
}

/// The on-call page: pure, for snapshots.
pub fn render(cards: &[ScheduleCard], viewer: &Viewer) -> String {
    let mut b =
        String::from("<h1>On call</h1><section id=\"oncall\" data-live aria-label=\"Schedules\">");
    if cards.is_empty() {
        b.push_str("<p>No schedules are configured (<code>schedules:</code> in the config).</p>");
    }
    for c in cards {
        let name = &c.now.schedule;
        let _ = write!(
            b,
            "<article class=\"card\" data-schedule=\"{n}\"><h2>{n}</h2><p>Now: <strong>{}</strong>{} <small class=\"muted\">({})</small></p>\
             <p class=\"muted\">Time zone {}. Calendar: <a href=\"/api/v1/oncall/{}.ics\">iCalendar feed</a> (needs a reader token unless reading is public).</p>",
            if c.now.users.is_empty() {
                "nobody".to_string()
            } else {
                E(&c.now.users.join(", ")).to_string()
            },
            c.now
                .until
                .as_deref()
                .map(|u| format!(" until {}", time_text(u)))
                .unwrap_or_default(),
            E(&c.now.origin),
            E(&c.timezone),
            crate::text::url::encode(name),
            n = E(name),
        );
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Shifts\"><table><caption>Next 14 days</caption>\
             <thead><tr><th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Who</th><th scope=\"col\">Why</th></tr></thead><tbody>",
        );
        for s in &c.shifts {
            let _ = write!(
                b,
                "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if s.origin == "override" {
                    " class=\"override\""
                } else {
                    ""
                },
                time_text(&s.start),
                time_text(&s.end),
                if s.users.is_empty() {
                    "<span class=\"bad\">nobody</span>".to_string()
                } else {
                    E(&s.users.join(", ")).to_string()
                },
                E(&s.origin)
            );
        }
        b.push_str("</tbody></table></div></article>");
    }
    b.push_str("</section>");
    layout(&Chrome::new("On call", Nav::OnCall, viewer).live(60), &b)
}

/// `GET /oncall`.
pub async fn page(State(ui): State<UiState>, headers: HeaderMap) -> Response {
    let viewer = match reader(&ui, &headers, "/oncall") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let config = ui.app.config();
    let now = ui.app.clock.now();
    let to = now
        .checked_add(jiff::SignedDuration::from_hours(14 * 24))
        .unwrap_or(now);
    let cards: Vec<ScheduleCard> = config
        .schedules
        .values()
        .map(|s| ScheduleCard {
            now: OnCallView::of(s, now),
            timezone: s.tz.iana_name().unwrap_or("UTC").to_string(),
            shifts: s.shifts(now, to).iter().map(ShiftView::of).collect(),
        })
        .collect();
    html_response(StatusCode::OK, render(&cards, &viewer))
}
