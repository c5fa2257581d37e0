//! The web UI and the public status page, served by `nines serve` itself:
//! server-rendered HTML (see [`html`]), one stylesheet and a little plain
//! JavaScript embedded in the binary, charts drawn as inline SVG
//! ([`svg`]). Pages read the same [`App`] methods and views as the JSON API.
//!
//! Every page family has a pure `render` function over plain data (what
//! the snapshot tests call) and a handler that gathers that data.

pub mod alerts;
pub mod html;
pub mod incidents;
pub mod oncall;
pub mod overview;
pub mod postmortem;
pub mod service;
pub mod session;
pub mod status_page;
pub mod svg;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use nines_config::Role;

use crate::app::App;
use session::Sessions;

/// The UI's state: the daemon's [`App`] and the UI's login sessions (in
/// memory: a restart signs everyone out).
pub struct Ui {
    pub app: Arc<App>,
    pub sessions: Sessions,
    /// The status page's daily SLO ratios, reused for a few seconds.
    pub status_days: status_page::DayCache,
}

pub type UiState = Arc<Ui>;

/// The UI's routes, with their own state, ready to merge into the API's
/// router (whatever its state type).
pub fn router<S: Clone + Send + Sync + 'static>(app: Arc<App>) -> Router<S> {
    let ui = Arc::new(Ui {
        app,
        sessions: Sessions::default(),
        status_days: Default::default(),
    });
    Router::new()
        .route("/", get(overview::page))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/incidents", get(incidents::list_page))
        .route("/incidents/{id}", get(incidents::detail_page))
        .route(
            "/incidents/{id}/postmortem",
            get(postmortem::page).post(postmortem::save),
        )
        .route("/incidents/{id}/postmortem.md", get(postmortem::markdown))
        .route("/incidents/{id}/{action}", post(incidents::act))
        .route("/services/{service}", get(service::service_page))
        .route("/services/{service}/slos/{slo}", get(service::slo_page))
        .route("/oncall", get(oncall::page))
        .route("/alerts", get(alerts::page).post(alerts::add_silence))
        .route("/alerts/silences/{id}/expire", post(alerts::expire_silence))
        .route("/status", get(status_page::page))
        .route("/status.json", get(status_page::json))
        .route("/status/feed.atom", get(status_page::feed))
        .route("/status/badge/{file}", get(status_page::badge))
        .route("/ui/nines.css", get(css))
        .route("/ui/nines.js", get(js))
        .with_state(ui)
}

pub const CSS: &str = include_str!("ui/assets/nines.css");
pub const JS: &str = include_str!("ui/assets/nines.js");

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// Who is looking: the signed-in token's name and role, or nobody.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Viewer {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// The session's CSRF token, put in every form; empty when signed out.
    pub csrf: String,
    /// A one-time message from the last action ("INC-3 acknowledged").
    pub flash: Option<Flash>,
    /// Whether reading needs no sign-in (`auth.public_read`).
    pub public_read: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub ok: bool,
    pub text: String,
}

impl Viewer {
    /// Whether the viewer may do what `role` may.
    pub fn may(&self, role: Role) -> bool {
        match self.role {
            Some(r) => r >= role,
            None => role == Role::Reader && self.public_read,
        }
    }
}

/// Security headers on every UI page: no framing, no inline script or
/// style (all of it is in the two embedded assets), no sniffing.
pub fn html_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `303 See Other` to `to` (after a form post, or to the sign-in page).
pub fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// An error page with the layout.
pub fn error_page(viewer: &Viewer, status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!("<h1>{}</h1><p>{}</p>", html::E(title), html::E(text));
    html_response(
        status,
        html::layout(&html::Chrome::new(title, html::Nav::None, viewer), &body),
    )
}

/// The page for a path nothing routes.
pub fn not_found_page() -> Response {
    error_page(
        &Viewer::default(),
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page here. Start from the overview at /.",
    )
}

/// Whether the request came over HTTPS, as a proxy in front says with
/// `X-Forwarded-Proto`.
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The 404 page for an incident that does not exist.
fn no_incident(viewer: &Viewer, id: i64) -> Response {
    error_page(
        viewer,
        StatusCode::NOT_FOUND,
        "No such incident",
        &format!(
            "There is no {}.",
            crate::state::incidents::incident_name(id)
        ),
    )
}

/// The 404 page for an incident id that does not parse.
fn bad_id(viewer: &Viewer) -> Response {
    error_page(
        viewer,
        StatusCode::NOT_FOUND,
        "No such incident",
        "Incidents are named INC-<number>.",
    )
}

/// The viewer of a request, or a redirect to sign in when reading needs
/// it. `path` is where to come back to.
// The error is the page to answer with; handlers return it as it is.
#[allow(clippy::result_large_err)]
pub fn reader(ui: &Ui, headers: &HeaderMap, path: &str) -> Result<Viewer, Response> {
    let viewer = ui.sessions.viewer(&ui.app, headers);
    if viewer.may(Role::Reader) {
        Ok(viewer)
    } else {
        Err(redirect(&format!(
            "/login?next={}",
            crate::text::url::encode(path)
        )))
    }
}

/// The viewer of an incident's page (`/incidents/{id}{rest}`) and the
/// incident's number; a sign-in redirect or the no-such-incident page
/// otherwise.
#[allow(clippy::result_large_err)]
pub fn incident_reader(
    ui: &Ui,
    headers: &HeaderMap,
    id: &str,
    rest: &str,
) -> Result<(Viewer, i64), Response> {
    let path = format!("/incidents/{}{rest}", crate::text::url::encode(id));
    let viewer = reader(ui, headers, &path)?;
    match crate::state::incidents::parse_incident_id(id) {
        Some(n) => Ok((viewer, n)),
        None => Err(bad_id(&viewer)),
    }
}

/// A form post's viewer, refused unless the form carries the session's
/// CSRF token and the viewer has `role`.
// The error is the page to answer with; handlers return it as it is.
#[allow(clippy::result_large_err)]
pub fn actor(ui: &Ui, headers: &HeaderMap, csrf: &str, role: Role) -> Result<Viewer, Response> {
    let viewer = ui.sessions.viewer(&ui.app, headers);
    if viewer.csrf.is_empty() || !session::same(&viewer.csrf, csrf) {
        return Err(error_page(
            &viewer,
            StatusCode::FORBIDDEN,
            "Form refused",
            "This form did not carry this session's CSRF token (it is stale, or was not sent from a nines page). Reload the page, sign in if needed, and try again.",
        ));
    }
    if !viewer.may(role) {
        return Err(error_page(
            &viewer,
            StatusCode::FORBIDDEN,
            "Not allowed",
            &format!(
                "This needs a token with role {} or higher; you are signed in as {} ({}).",
                role.as_str(),
                viewer.name.as_deref().unwrap_or("nobody"),
                viewer.role.map_or("none", Role::as_str)
            ),
        ));
    }
    Ok(viewer)
}

/// A blocking read of the store, off the async threads.
pub async fn blocking<R: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> R + Send + 'static,
) -> Option<R> {
    let a = app.clone();
    tokio::task::spawn_blocking(move || f(&a)).await.ok()
}

#[cfg(test)]
mod tests;
