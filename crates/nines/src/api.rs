//! The HTTP API: routes, authentication and the JSON error shape
//! `{"error": "...", "detail": ...}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use nines_config::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::reload::ReloadError;
use crate::slo::service::IngestError;
use crate::state::slo::view::{AlertChange, AlertView, SloDetail, SloView};

/// Event batches up to this size are read (20,000 events take about 4 MiB).
pub mod action_links;
pub mod changes;
pub mod guard;
pub mod incidents;
pub mod metrics;
pub mod notifications;
pub mod oncall;
pub mod probes;
pub mod review;

pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/slos", get(list_slos))
        .route("/api/v1/slos/{service}/{slo}", get(get_slo))
        .route("/api/v1/alerts", get(list_alerts))
        .route("/api/v1/events", post(post_events))
        .route("/api/v1/reload", post(reload))
        .route("/api/v1/oncall/now", get(oncall_now))
        .route("/api/v1/oncall/{file}", get(schedule_ics))
        .route("/api/v1/users/{user}/oncall.ics", get(user_ics))
        .route("/api/v1/schedules/{schedule}/shifts", get(schedule_shifts))
        .route(
            "/api/v1/schedules/{schedule}/overrides",
            get(crate::api::oncall::list).post(crate::api::oncall::add),
        )
        .route(
            "/api/v1/schedules/{schedule}/overrides/{id}",
            axum::routing::delete(crate::api::oncall::delete),
        )
        .route("/api/v1/probes", get(crate::api::probes::list))
        .route(
            "/api/v1/probes/{service}/{probe}",
            get(crate::api::probes::detail),
        )
        .route(
            "/api/v1/heartbeats/{service}/{name}",
            post(crate::api::probes::beat),
        )
        .route("/api/v1/sources", get(crate::api::probes::sources))
        .route(
            "/api/v1/incidents",
            get(crate::api::incidents::list).post(crate::api::incidents::open),
        )
        .route("/api/v1/incidents/{id}", get(crate::api::incidents::show))
        .route(
            "/api/v1/notifications/test",
            post(crate::api::notifications::notify_test),
        )
        .route(
            "/api/v1/changes",
            get(crate::api::changes::list).post(crate::api::changes::add),
        )
        .route(
            "/integrations/pagerduty/v2/change/enqueue",
            post(crate::api::changes::pagerduty),
        )
        .route(
            "/api/v1/silences",
            get(crate::api::incidents::silences).post(crate::api::incidents::add_silence),
        )
        .route(
            "/api/v1/silences/{id}/expire",
            post(crate::api::incidents::expire_silence),
        )
        .route(
            "/api/v1/analytics/oncall",
            get(crate::api::oncall::analytics),
        )
        .route(
            "/api/v1/analytics/incidents",
            get(crate::api::incidents::analytics),
        )
        .route(
            "/api/v1/incidents/{id}/{action}",
            post(crate::api::incidents::act),
        )
        .route(
            "/integrations/alertmanager",
            post(crate::api::incidents::alertmanager),
        )
        .route(
            "/integrations/alertmanager/{key}",
            post(crate::api::incidents::alertmanager_keyed),
        )
        .route(
            "/integrations/pagerduty/v2/enqueue",
            post(crate::api::incidents::pagerduty),
        )
        .route(
            "/a/{id}/{action}",
            get(crate::api::action_links::confirm).post(crate::api::action_links::act),
        )
        .route(
            "/api/v1/services/{service}/gate",
            get(crate::api::review::gate),
        )
        .route(
            "/api/v1/services/{service}/gate/overrides",
            get(crate::api::review::overrides).post(crate::api::review::add_override),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem",
            get(crate::api::review::get_postmortem).post(crate::api::review::save_postmortem),
        )
        .route(
            "/api/v1/action-items",
            get(crate::api::review::action_items),
        )
        .route("/api/v1/reports", get(crate::api::review::report))
        .route("/api/v1/openapi.json", get(openapi))
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed here; see GET /api/v1/openapi.json",
            )
        })
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::guard,
        ))
        .fallback(|| async { not_found() })
        .with_state(app)
}

/// The answer to a path nothing routes. The daemon gives browsers the
/// UI's page instead, outside `/api/` and `/integrations/`.
pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such endpoint; see GET /api/v1/openapi.json",
    )
}

/// An API error: a status and `{"error": message, "detail": ...}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: String,
    detail: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        ApiError {
            status,
            error: error.into(),
            detail: Value::Null,
        }
    }

    /// The message, for pages that show it (the UI).
    pub fn message(&self) -> &str {
        &self.error
    }

    /// A 500: a task of the server failed (a panic, a join error).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }

    /// A 503: the store could not answer; nothing changed.
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
    }

    fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.error });
        if !self.detail.is_null() {
            body["detail"] = self.detail;
        }
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

/// Checks the bearer token for `needed`; returns the token's name (who
/// acts, for timelines), or `anonymous` for a public read. Reads pass
/// without a token when the config sets `auth.public_read`.
pub(crate) fn authorize(app: &App, headers: &HeaderMap, needed: Role) -> Result<String, ApiError> {
    let config = app.config();
    if needed == Role::Reader && config.auth.public_read {
        return Ok("anonymous".into());
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!(
                "this endpoint needs `Authorization: Bearer <token>` with role {} or higher",
                needed.as_str()
            ),
        ));
    };
    match config.auth.verify(token) {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the token is not valid",
        )),
        Some(entry) if entry.role < needed => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "token `{}` has role {}; this needs {} or higher",
                entry.name,
                entry.role.as_str(),
                needed.as_str()
            ),
        )),
        Some(entry) => Ok(entry.name.clone()),
    }
}

async fn readyz(State(_app): State<Arc<App>>) -> impl IntoResponse {
    // The App exists only once the config loaded and the store opened.
    "ready\n"
}

async fn metrics(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let body = tokio::task::spawn_blocking(move || metrics::render(&app))
        .await
        .map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
struct SloFilter {
    service: Option<String>,
}

async fn list_slos(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(filter): Query<SloFilter>,
) -> Result<axum::Json<Vec<SloView>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    app.read(|engine| {
        if let Some(service) = &filter.service
            && !engine.has_service(service)
        {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("unknown service `{service}`"),
            ));
        }
        let views = engine
            .slos()
            .iter()
            .filter(|s| filter.service.as_ref().is_none_or(|f| *f == s.service))
            .map(SloView::of)
            .collect();
        Ok(axum::Json(views))
    })
}

async fn get_slo(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((service, slo)): Path<(String, String)>,
) -> Result<axum::Json<SloDetail>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let (view, id) = app
        .read(|engine| engine.get(&service, &slo).map(|s| (SloView::of(s), s.id)))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("unknown SLO `{service}/{slo}`"),
            )
        })?;
    let history =
        crate::slo::service::alert_history(&app, id, 50).map_err(ApiError::unavailable)?;
    Ok(axum::Json(SloDetail {
        slo: view,
        alert_history: history.iter().map(AlertChange::of).collect(),
    }))
}

async fn list_alerts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<AlertView>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    Ok(axum::Json(app.read(|engine| {
        engine
            .slos()
            .iter()
            .flat_map(|s| SloView::of(s).alerts)
            .filter(|a| a.state == "firing")
            .collect()
    })))
}

async fn post_events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // The token before the body: nobody unauthenticated makes us read 16 MiB.
    authorize(&app, &headers, Role::Writer)?;
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the body is larger than {} MiB; send smaller batches; nothing was stored",
                    MAX_BODY_BYTES >> 20
                ),
            )
        })?;
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(k)) => Some(k.to_string()),
        Some(Err(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                IngestError::BadKey.to_string(),
            ));
        }
    };
    let result = tokio::task::spawn_blocking(move || {
        crate::slo::service::ingest(&app, &body, key.as_deref())
    })
    .await
    .map_err(ApiError::internal)?;
    match result {
        Ok(accepted) => Ok((StatusCode::OK, axum::Json(accepted)).into_response()),
        Err(e @ IngestError::Shape(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the batch is not valid JSON of the expected shape; nothing was stored: {e}"),
        )),
        Err(e @ IngestError::BadKey) => Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string())),
        Err(IngestError::Refused(refusals, count)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{count} event(s) refused{}; nothing of this batch was stored",
                if count > refusals.len() {
                    format!(" (the first {} listed)", refusals.len())
                } else {
                    String::new()
                }
            ),
        )
        .detail(json!(refusals))),
        Err(e @ IngestError::Store(_)) => {
            tracing::error!(error = %e, "batch not stored");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                e.to_string(),
            ))
        }
    }
}

async fn reload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Admin)?;
    let result = tokio::task::spawn_blocking({
        let app = app.clone();
        move || crate::reload::reload(&app)
    })
    .await
    .map_err(ApiError::internal)?;
    match result {
        Ok(slos) => {
            tracing::info!(slos, "config reloaded");
            Ok(axum::Json(json!({ "reloaded": true, "slos": slos })))
        }
        Err(ReloadError::Invalid(errors)) => {
            tracing::warn!(errors = %errors, "config reload refused; keeping the old config");
            let detail: Vec<String> = errors.iter().map(ToString::to_string).collect();
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the new config is invalid; the old one stays",
            )
            .detail(json!(detail)))
        }
        Err(e) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            e.to_string(),
        )),
    }
}

#[derive(Deserialize)]
struct OncallQuery {
    schedule: Option<String>,
    /// RFC 3339; default now.
    at: Option<String>,
}

pub(crate) fn instant(
    text: Option<&str>,
    what: &str,
    default: jiff::Timestamp,
) -> Result<jiff::Timestamp, ApiError> {
    crate::clock::parse_time(text, what, default)
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, m))
}

/// Who is on call now (or `at`) in every schedule, or in `schedule`.
async fn oncall_now(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<OncallQuery>,
) -> Result<axum::Json<Vec<crate::state::slo::view::OnCallView>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let at = instant(q.at.as_deref(), "at", app.clock.now())?;
    let config = app.config();
    if let Some(s) = &q.schedule
        && !config.schedules.contains_key(s)
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("unknown schedule `{s}`"),
        ));
    }
    let views = config
        .schedules
        .values()
        .filter(|s| q.schedule.as_ref().is_none_or(|f| *f == s.name))
        .map(|s| crate::state::slo::view::OnCallView::of(s, at))
        .collect();
    Ok(axum::Json(views))
}

#[derive(Deserialize)]
struct ShiftsQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The shifts of a schedule between `from` (default now) and `to` (default
/// 14 days later), at most 400 days.
async fn schedule_shifts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(schedule): Path<String>,
    Query(q): Query<ShiftsQuery>,
) -> Result<axum::Json<Vec<crate::state::slo::view::ShiftView>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let config = app.config();
    let s = config.schedules.get(&schedule).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("unknown schedule `{schedule}`"),
        )
    })?;
    let from = instant(q.from.as_deref(), "from", app.clock.now())?;
    let to = instant(
        q.to.as_deref(),
        "to",
        from.checked_add(jiff::SignedDuration::from_hours(14 * 24))
            .unwrap_or(from),
    )?;
    if to <= from || to.duration_since(from) > jiff::SignedDuration::from_hours(400 * 24) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "`to` must be after `from`, at most 400 days later",
        ));
    }
    Ok(axum::Json(
        s.shifts(from, to)
            .iter()
            .map(crate::state::slo::view::ShiftView::of)
            .collect(),
    ))
}

/// Calendar feeds cover 15 days back to 180 days ahead.
fn feed_range(now: jiff::Timestamp) -> (jiff::Timestamp, jiff::Timestamp) {
    let day = jiff::SignedDuration::from_hours(24);
    (
        now.checked_sub(day * 15).unwrap_or(now),
        now.checked_add(day * 180).unwrap_or(now),
    )
}

fn ics_response(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `GET /api/v1/oncall/{schedule}.ics`: the schedule's shifts as iCalendar.
async fn schedule_ics(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let name = file.strip_suffix(".ics").ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no such endpoint; schedule feeds are /api/v1/oncall/<schedule>.ics",
        )
    })?;
    let config = app.config();
    let s = config.schedules.get(name).ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, format!("unknown schedule `{name}`"))
    })?;
    let now = app.clock.now();
    let (from, to) = feed_range(now);
    Ok(ics_response(nines_oncall::calendar(
        &format!("On call: {name}"),
        &[s],
        from,
        to,
        None,
        now,
    )))
}

/// `GET /api/v1/users/{user}/oncall.ics`: one person's shifts in every schedule.
async fn user_ics(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let config = app.config();
    if !config.users.contains_key(&user) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("unknown user `{user}`"),
        ));
    }
    let now = app.clock.now();
    let (from, to) = feed_range(now);
    let schedules: Vec<&nines_oncall::Schedule> = config.schedules.values().collect();
    Ok(ics_response(nines_oncall::calendar(
        &format!("On call: {user}"),
        &schedules,
        from,
        to,
        Some(&user),
        now,
    )))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
}

#[cfg(test)]
mod tests;
