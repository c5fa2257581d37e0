//! One-click acknowledge and resolve links from notifications:
//! `/a/INC-12/ack?token=…`, signed with `incidents.secret` and expiring
//! (`incidents.link_lifetime`, default 24 hours), so they work without
//! logging in.
//!
//! Opening a link (GET) only shows what it will do and a button; the
//! button (POST) acts. Mail scanners and chat unfurlers fetch links on
//! their own, and a GET that acted would acknowledge every page before a
//! person saw it.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use nines_incident::signature::{Action, verify_action};
use serde::Deserialize;

use crate::app::App;
use crate::notify::messages::escape;
use crate::state::incidents::{IncidentError, incident_name, parse_incident_id};
use crate::text::capitalize;

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Who the timeline names for an action taken through a link.
pub const LINK_ACTOR: &str = "one-click link";

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{t} · nines</title>\
         <style>body{{font:1.1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}\
         button{{font:inherit;padding:.6rem 1.4rem;cursor:pointer}}\
         @media (prefers-color-scheme:dark){{body{{background:#111;color:#eee}}}}</style></head>\
         <body><main><h1>{t}</h1>{body}</main></body></html>",
        t = escape(title)
    );
    let mut resp = (status, Html(html)).into_response();
    // The token is in the URL: keep the page out of caches.
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    resp
}

/// A page refusing a link: status, title and body HTML.
struct Refusal(StatusCode, &'static str, String);

impl Refusal {
    fn page(self) -> Response {
        page(self.0, self.1, &self.2)
    }
}

/// The incident, action and checked token of a link, or why it does not
/// work.
fn check(app: &App, id: &str, action: &str, token: &str) -> Result<(i64, Action), Refusal> {
    let not_found = || {
        Refusal(
            StatusCode::NOT_FOUND,
            "No such link",
            "<p>This link does not exist.</p>".into(),
        )
    };
    let action = match action {
        "ack" => Action::Acknowledge,
        "resolve" => Action::Resolve,
        _ => return Err(not_found()),
    };
    let id = parse_incident_id(id).ok_or_else(not_found)?;
    let config = app.config();
    let Some(secret) = &config.incident_policy.link_secret else {
        return Err(Refusal(
            StatusCode::NOT_FOUND,
            "Links are off",
            "<p>One-click links are not enabled on this nines (<code>incidents.secret</code>).</p>"
                .into(),
        ));
    };
    let name = incident_name(id);
    verify_action(secret.as_bytes(), &name, action, token, app.clock.now()).map_err(|e| {
        Refusal(
            StatusCode::FORBIDDEN,
            "This link does not work",
            format!(
                "<p>{}. Use a newer notification, or act with <code>nines incident {} {name}</code>.</p>",
                escape(&capitalize(&e.to_string())),
                action.as_str()
            ),
        )
    })?;
    Ok((id, action))
}

fn verb(action: Action) -> (&'static str, nines_incident::Status) {
    match action {
        Action::Acknowledge => ("Acknowledge", nines_incident::Status::Acknowledged),
        Action::Resolve => ("Resolve", nines_incident::Status::Resolved),
    }
}

/// `GET /a/{id}/{action}?token=`: what the link will do, and a button.
pub async fn confirm(
    State(app): State<Arc<App>>,
    Path((id, action)): Path<(String, String)>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let (id, action) = match check(&app, &id, &action, &q.token) {
        Ok(x) => x,
        Err(refusal) => return refusal.page(),
    };
    let a = app.clone();
    let incident =
        tokio::task::spawn_blocking(move || crate::incidents::queries::get(&a, id)).await;
    let Ok(Ok(Some(incident))) = incident else {
        return page(
            StatusCode::NOT_FOUND,
            "No such incident",
            "<p>The incident is not in this nines.</p>",
        );
    };
    let (label, _) = verb(action);
    let body = format!(
        "<p><strong>{name}</strong> {title}<br>service {service} · {severity} · {status}</p>\
         <form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <button type=\"submit\">{label} {name}</button></form>",
        name = incident_name(id),
        title = escape(&incident.title),
        service = escape(&incident.service),
        severity = escape(incident.severity.as_str()),
        status = escape(incident.status.as_str()),
        token = escape(&q.token),
    );
    page(
        StatusCode::OK,
        &format!("{label} {}?", incident_name(id)),
        &body,
    )
}

/// `POST /a/{id}/{action}` with the token in the form (or the query):
/// does it.
pub async fn act(
    State(app): State<Arc<App>>,
    Path((id, action)): Path<(String, String)>,
    Query(q): Query<TokenQuery>,
    body: axum::body::Bytes,
) -> Response {
    let form_token = form_value(&body, "token");
    let token = form_token.as_deref().unwrap_or(&q.token);
    let (id, action) = match check(&app, &id, &action, token) {
        Ok(x) => x,
        Err(refusal) => return refusal.page(),
    };
    let (label, done) = verb(action);
    let a = app.clone();
    let result = tokio::task::spawn_blocking(move || {
        crate::incidents::lifecycle::incident_status(&a, id, done, LINK_ACTOR)
    })
    .await;
    let name = incident_name(id);
    match result {
        Ok(Ok(_)) => page(
            StatusCode::OK,
            &format!("{name} {done}"),
            &format!("<p>{name} is {done}. The timeline records it.</p>"),
        ),
        Ok(Err(IncidentError::Invalid(why))) => page(
            StatusCode::CONFLICT,
            &format!("{label}: nothing to do"),
            &format!("<p>{}.</p>", escape(&why)),
        ),
        Ok(Err(IncidentError::NotFound(_))) => page(
            StatusCode::NOT_FOUND,
            "No such incident",
            "<p>The incident is not in this nines.</p>",
        ),
        _ => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not done",
            "<p>The change could not be stored; nothing changed. Try again.</p>",
        ),
    }
}

/// A field of an `application/x-www-form-urlencoded` body.
fn form_value(body: &[u8], key: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| crate::text::url::decode(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_decoded() {
        assert_eq!(
            form_value(b"a=1&token=12.ab%2Bc+d", "token").as_deref(),
            Some("12.ab+c d")
        );
        assert_eq!(
            form_value(b"token=%zz%4", "token").as_deref(),
            Some("%zz%4")
        );
        assert_eq!(form_value(b"x=1", "token"), None);
        assert_eq!(
            form_value("token=é%é".as_bytes(), "token").as_deref(),
            Some("é%é")
        );
    }
}
