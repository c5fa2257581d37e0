//! Signing in to the UI: a token (the API's bearer tokens) is exchanged
//! for a random session id in an HTTP-only, `SameSite=Strict` cookie. The
//! sessions live in memory (a restart signs everyone out) and hold the
//! token's hash, never the token, so a token removed from the config by a
//! reload signs its sessions out at once; the role is read from the config
//! on every request. Each session has its own CSRF token, which every form
//! carries; the sign-in form is protected by a one-off cookie of its own.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use nines_config::Role;
use serde::Deserialize;

use super::html::{Chrome, E, Nav, layout};
use super::{Flash, UiState, Viewer, html_response, redirect};
use crate::app::App;

/// How long a session lasts from sign-in.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// At most this many sessions; the oldest go first.
const MAX_SESSIONS: usize = 10_000;
const COOKIE: &str = "nines_session";
const LOGIN_COOKIE: &str = "nines_login";

struct Session {
    /// SHA-256 of the token signed in with.
    token_hash: [u8; 32],
    csrf: String,
    expires: i64,
    flash: Option<Flash>,
}

/// The UI's sessions by id.
#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

/// 256 random bits in hex.
fn random_id() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not recoverable; an all-zero id
    // would be guessable, so refuse to serve one.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let mut out = String::with_capacity(64);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Compares without an early exit.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && std::hint::black_box(
            a.bytes()
                .zip(b.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y)),
        ) == 0
}

/// A cookie's value from the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// `Secure` when the request came over HTTPS through a proxy that says so.
fn secure(headers: &HeaderMap) -> &'static str {
    if super::is_https(headers) {
        "; Secure"
    } else {
        ""
    }
}

fn set_cookie(resp: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.by_id.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Who a request comes from. Takes the session's flash message.
    pub fn viewer(&self, app: &App, headers: &HeaderMap) -> Viewer {
        let config = app.config();
        let mut viewer = Viewer {
            public_read: config.auth.public_read,
            ..Viewer::default()
        };
        let Some(id) = cookie(headers, COOKIE) else {
            return viewer;
        };
        let now = app.clock.now().as_second();
        let mut sessions = self.lock();
        let Some(s) = sessions.get_mut(&id) else {
            return viewer;
        };
        let entry = config.auth.tokens.iter().find(|t| t.hash == s.token_hash);
        match entry {
            Some(entry) if s.expires > now => {
                viewer.name = Some(entry.name.clone());
                viewer.role = Some(entry.role);
                viewer.csrf = s.csrf.clone();
                viewer.flash = s.flash.take();
            }
            _ => {
                sessions.remove(&id);
            }
        }
        viewer
    }

    /// A one-time message for the session's next page.
    pub fn flash(&self, headers: &HeaderMap, ok: bool, text: String) {
        if let Some(id) = cookie(headers, COOKIE)
            && let Some(s) = self.lock().get_mut(&id)
        {
            s.flash = Some(Flash { ok, text });
        }
    }

    fn start(&self, token_hash: [u8; 32], now: i64) -> String {
        let mut sessions = self.lock();
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, s| s.expires > now);
            while sessions.len() >= MAX_SESSIONS {
                let oldest = sessions
                    .iter()
                    .min_by_key(|(_, s)| s.expires)
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => sessions.remove(&k),
                    None => break,
                };
            }
        }
        let id = random_id();
        sessions.insert(
            id.clone(),
            Session {
                token_hash,
                csrf: random_id(),
                expires: now + SESSION_SECONDS,
                flash: None,
            },
        );
        id
    }

    fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            self.lock().remove(&id);
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths of this site: no `//host` or `https://` open redirects.
/// Browsers drop tabs and line breaks from a `Location` and read `\` as
/// `/`, so `/\t/evil.example` and `/\\evil.example` are `//evil.example`
/// to them: control characters and backslashes are refused anywhere
/// (issue 17).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c == '\\' || c.is_control()) =>
        {
            n
        }
        _ => "/",
    }
}

/// The sign-in form: pure, for snapshots.
pub fn render_login(viewer: &Viewer, next: &str, csrf: &str, error: Option<&str>) -> String {
    let mut body = String::from("<h1>Sign in</h1>");
    if let Some(name) = &viewer.name {
        let _ = write!(
            body,
            "<p>You are signed in as <strong>{}</strong>. Signing in again replaces that session.</p>",
            E(name)
        );
    }
    if let Some(e) = error {
        let _ = write!(body, "<p class=\"flash bad\" role=\"alert\">{}</p>", E(e));
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/login\" class=\"card narrow\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\
         <label for=\"token\">API token</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required>\
         <p class=\"hint\">A token from <code>nines token new</code>; its role decides what you may do. \
         The token is not stored: a session cookie stands for it for 12 hours.</p>\
         <button type=\"submit\">Sign in</button></form>",
        E(csrf),
        E(next)
    );
    layout(&Chrome::new("Sign in", Nav::None, viewer), &body)
}

fn login_form(
    ui: &UiState,
    headers: &HeaderMap,
    next: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let viewer = ui.sessions.viewer(&ui.app, headers);
    let csrf = random_id();
    let mut resp = html_response(status, render_login(&viewer, next, &csrf, error));
    set_cookie(
        &mut resp,
        format!(
            "{LOGIN_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
            secure(headers)
        ),
    );
    resp
}

/// `GET /login[?next=]`.
pub async fn login_page(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    login_form(
        &ui,
        &headers,
        safe_next(q.next.as_deref()),
        StatusCode::OK,
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /login`: token, next, csrf.
pub async fn login(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next)).to_string();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &f.csrf) {
        return login_form(
            &ui,
            &headers,
            &next,
            StatusCode::FORBIDDEN,
            Some("The sign-in form was stale or not sent from this page; try again."),
        );
    }
    let config = ui.app.config();
    let Some(entry) = config.auth.verify(f.token.trim()) else {
        tracing::warn!("UI sign-in refused: unknown token");
        return login_form(
            &ui,
            &headers,
            &next,
            StatusCode::UNAUTHORIZED,
            Some("That token is not valid."),
        );
    };
    let id = ui
        .sessions
        .start(entry.hash, ui.app.clock.now().as_second());
    tracing::info!(token = %entry.name, role = entry.role.as_str(), "UI sign-in");
    let mut resp = redirect(&next);
    set_cookie(
        &mut resp,
        format!(
            "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{}",
            secure(&headers)
        ),
    );
    set_cookie(
        &mut resp,
        format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    resp
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl CsrfForm {
    pub fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /logout`.
pub async fn logout(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    // Any signed-in role may sign out; the CSRF token is what matters.
    if let Err(r) = super::actor(&ui, &headers, &f.csrf, Role::Reader) {
        return r;
    }
    ui.sessions.end(&headers);
    let mut resp = redirect("/login");
    set_cookie(
        &mut resp,
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 17: the hostile forms a browser turns into `//host`.
    #[test]
    fn sign_in_redirects_stay_on_this_site() {
        for hostile in [
            "/\t/evil.example",
            "/\r\n/evil.example",
            "/\n/evil.example",
            "/\u{7f}/evil.example",
            "/\u{85}/evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
        for fine in ["/", "/incidents/i-1", "/alerts?state=firing", "/%2F%2Fx"] {
            assert_eq!(safe_next(Some(fine)), fine);
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; nines_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
