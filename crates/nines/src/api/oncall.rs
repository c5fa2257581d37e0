//! On-call endpoints: overrides laid over schedules
//! (`/api/v1/schedules/{schedule}/overrides`) and on-call health
//! (`/api/v1/analytics/oncall`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use nines_config::Role;
use nines_store::OverrideRow;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, authorize, instant};
use crate::app::App;
use crate::oncall::health::{DEFAULT_PERIOD, MAX_PERIOD, OncallHealth};
use crate::oncall::overrides::{NewOverride, OverrideError};

fn row_json(r: &OverrideRow) -> Value {
    let time = crate::clock::rfc3339;
    json!({
        "id": r.id,
        "schedule": r.schedule,
        "user": r.user,
        "from": time(r.start_at),
        "to": time(r.end_at),
        "created_by": r.created_by,
        "created_at": time(r.created_at),
        "reason": r.reason,
    })
}

fn refusal(e: OverrideError) -> ApiError {
    let status = match &e {
        OverrideError::UnknownSchedule(_) | OverrideError::NotFound(..) => StatusCode::NOT_FOUND,
        OverrideError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        OverrideError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    ApiError::new(status, e.to_string())
}

/// `POST /api/v1/schedules/{schedule}/overrides`.
pub async fn add(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(schedule): Path<String>,
    body: axum::body::Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let actor = authorize(&app, &headers, Role::Responder)?;
    let o: NewOverride = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{e}; send {{\"user\", \"from\", \"to\", \"reason\"?}} with RFC 3339 times"),
        )
    })?;
    let row = tokio::task::spawn_blocking(move || {
        crate::oncall::overrides::add_override(&app, &schedule, &o, &actor)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(refusal)?;
    Ok((StatusCode::CREATED, axum::Json(row_json(&row))))
}

/// `GET /api/v1/schedules/{schedule}/overrides`: stored overrides that have
/// not ended, and the config's, marked by `source`.
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(schedule): Path<String>,
) -> Result<axum::Json<Vec<Value>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let now = app.clock.now();
    if !app.config().schedules.contains_key(&schedule) {
        return Err(refusal(OverrideError::UnknownSchedule(schedule)));
    }
    let a = app.clone();
    let rows = tokio::task::spawn_blocking(move || crate::oncall::overrides::current(&a, now))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| refusal(e.into()))?;
    Ok(axum::Json(
        rows.iter()
            .filter(|r| r.schedule == schedule)
            .map(|r| {
                let mut v = row_json(r);
                v["source"] = json!("api");
                v
            })
            .collect(),
    ))
}

/// `DELETE /api/v1/schedules/{schedule}/overrides/{id}`.
pub async fn delete(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((schedule, id)): Path<(String, i64)>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = authorize(&app, &headers, Role::Responder)?;
    tokio::task::spawn_blocking(move || {
        crate::oncall::overrides::delete_override(&app, &schedule, id, &actor)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(refusal)?;
    Ok(axum::Json(json!({"deleted": id})))
}

#[derive(Deserialize)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `[from, to)` from a query: `to` defaults to now, `from` to 28 days
/// before `to`; at most 400 days.
pub fn period(
    from: Option<&str>,
    to: Option<&str>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), ApiError> {
    let to = instant(to, "to", now)?;
    let from = instant(from, "from", to - DEFAULT_PERIOD)?;
    if from >= to {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "`from` must be before `to`",
        ));
    }
    if to.duration_since(from) > MAX_PERIOD {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the period is longer than 400 days",
        ));
    }
    Ok((from, to))
}

/// `GET /api/v1/analytics/oncall?from=&to=` (role reader).
pub async fn analytics(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<PeriodQuery>,
) -> Result<axum::Json<OncallHealth>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let (from, to) = period(q.from.as_deref(), q.to.as_deref(), app.clock.now())?;
    let health =
        tokio::task::spawn_blocking(move || crate::oncall::health::oncall_health(&app, from, to))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::unavailable)?;
    Ok(axum::Json(health))
}
