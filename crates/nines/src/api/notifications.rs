//! `POST /api/v1/notifications/test`: a test message through the outbox.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nines_config::Role;
use serde::Deserialize;

use crate::api::{ApiError, authorize};
use crate::app::App;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    /// A channel name, or `user:NAME`.
    to: String,
}

/// `POST /api/v1/notifications/test` (role responder): `{"to": "CHANNEL"}`
/// or `{"to": "user:NAME"}` queues a test message through the outbox.
pub async fn notify_test(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    authorize(&app, &headers, Role::Responder)?;
    let b: TestBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"to\": \"CHANNEL\" or \"user:NAME\"}}: {e}"),
        )
    })?;
    let to = b.to.clone();
    let key = tokio::task::spawn_blocking(move || crate::notify::channels::send_test(&app, &to))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            crate::notify::channels::TestError::Unknown(_) => {
                ApiError::new(StatusCode::NOT_FOUND, e.to_string())
            }
            crate::notify::channels::TestError::Store(e) => ApiError::unavailable(e),
        })?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({"queued": key, "to": b.to})),
    )
        .into_response())
}
