//! The API's outer guard (issue 17): the token is checked before any
//! extractor parses the path, query or body, so a client without a valid
//! token learns nothing from parse errors; and every error leaves as JSON
//! `{"error": ...}`, including the plain-text rejections of axum's
//! extractors (bad query, bad JSON, body too large).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nines_config::Role;

use crate::api::{ApiError, authorize};
use crate::app::App;

/// Error answers longer than this are cut: rejections quote the input.
const MAX_MESSAGE: usize = 1024;

/// Every route of the API router passes through here (a route layer: the
/// not-found fallback does not).
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if needs_a_reader(req.uri().path())
        && let Err(e) = authorize(&app, req.headers(), Role::Reader)
    {
        return e.into_response();
    }
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&resp) {
        return resp;
    }
    let body = axum::body::to_bytes(resp.into_body(), MAX_MESSAGE * 4)
        .await
        .unwrap_or_default();
    let mut text = String::from_utf8_lossy(&body).trim().to_string();
    if text.is_empty() {
        text = status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_lowercase();
    }
    if text.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    ApiError::new(status, text).into_response()
}

/// Paths every caller must at least read: the whole `/api/v1/` tree and
/// `/metrics`, except the OpenAPI document. Integrations and one-click
/// links carry their own secrets and are checked by their handlers.
fn needs_a_reader(path: &str) -> bool {
    (path.starts_with("/api/v1/") && path != "/api/v1/openapi.json") || path == "/metrics"
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

#[cfg(test)]
mod tests {
    use super::needs_a_reader;

    #[test]
    fn the_api_tree_needs_a_token_first() {
        assert!(needs_a_reader("/api/v1/slos"));
        assert!(needs_a_reader("/api/v1/incidents/i-1/ack"));
        assert!(needs_a_reader("/metrics"));
        assert!(!needs_a_reader("/api/v1/openapi.json"));
        assert!(!needs_a_reader("/integrations/alertmanager"));
        assert!(!needs_a_reader("/a/x/ack"));
        assert!(!needs_a_reader("/healthz"));
    }
}
