//! Changes: `POST /api/v1/changes`, `GET /api/v1/changes`, and PagerDuty
//! change events, all landing in one table that incidents draw on.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nines_config::{IntegrationKind, Role};
use nines_store::ChangeRow;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, authorize, instant};
use crate::app::App;

/// Change kinds, as `nines change --kind` takes them.
pub const KINDS: [&str; 6] = ["deploy", "config", "flag", "rollback", "chaos", "other"];

pub fn change_json(c: &ChangeRow) -> Value {
    json!({
        "id": c.id,
        "service": c.service,
        "at": jiff::Timestamp::from_second(c.at).map(|t| t.to_string()).unwrap_or_default(),
        "kind": c.kind,
        "version": c.version,
        "by": c.author,
        "link": c.link,
        "description": c.description,
        "source": c.source,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChange {
    service: String,
    version: Option<String>,
    kind: Option<String>,
    by: Option<String>,
    link: Option<String>,
    description: Option<String>,
    /// RFC 3339; default now.
    time: Option<String>,
}

/// `POST /api/v1/changes` (role writer: CI pipelines record deploys).
pub async fn add(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = authorize(&app, &headers, Role::Writer)?;
    let bad = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    let n: NewChange = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"service\", \"version\"?, \"kind\"?, \"by\"?, \"link\"?, \"description\"?, \"time\"?}}: {e}"),
        )
    })?;
    if !app.config().services.contains_key(&n.service) {
        return Err(bad(format!("no service `{}` in the config", n.service)));
    }
    let kind = n.kind.unwrap_or_else(|| "deploy".into());
    if !KINDS.contains(&kind.as_str()) {
        return Err(bad(format!(
            "kind `{kind}` is not one of {}",
            KINDS.join(", ")
        )));
    }
    let at = instant(n.time.as_deref(), "time", app.clock.now())?;
    let mut row = ChangeRow {
        id: 0,
        service: n.service,
        at: at.as_second(),
        kind,
        version: n.version,
        author: n.by.or(Some(actor)),
        link: n.link,
        description: n.description,
        source: "api".into(),
    };
    row.id = crate::review::changes::add(&app, &row).map_err(ApiError::unavailable)?;
    Ok((StatusCode::CREATED, axum::Json(change_json(&row))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    service: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/changes[?service=&from=&to=&limit=]`: newest first;
/// default the last 7 days.
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Vec<Value>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    // Default: through now, this second included.
    let now = app.clock.now() + jiff::SignedDuration::from_secs(1);
    let to = instant(q.to.as_deref(), "to", now)?;
    let week = to
        .checked_sub(jiff::SignedDuration::from_hours(7 * 24))
        .unwrap_or(to);
    let from = instant(q.from.as_deref(), "from", week)?;
    let rows = crate::review::changes::list(
        &app,
        q.service.as_deref(),
        from.as_second(),
        to.as_second(),
        q.limit.unwrap_or(100).min(1000),
    )
    .map_err(ApiError::unavailable)?;
    Ok(axum::Json(rows.iter().map(change_json).collect()))
}

/// `POST /integrations/pagerduty/v2/change/enqueue`: PagerDuty change
/// events, recorded as changes of the integration's service.
pub async fn pagerduty(State(app): State<Arc<App>>, body: Body) -> Response {
    let answer = |status: StatusCode, body: String| {
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let invalid = |why: &str| {
        answer(
            StatusCode::BAD_REQUEST,
            json!({"status": "invalid event", "message": "Event object is invalid", "errors": [why]}).to_string(),
        )
    };
    let Ok(body) = axum::body::to_bytes(body, crate::api::incidents::MAX_INTAKE_BYTES).await else {
        return invalid("the body is larger than 1 MiB");
    };
    let event = match nines_incident::pagerduty::parse_change_event(&body) {
        Ok(e) => e,
        Err(r) => return answer(StatusCode::BAD_REQUEST, r.body()),
    };
    let hash = nines_config::hash_token(event.routing_key.as_ref());
    let config = app.config();
    let Some(service) = config
        .integrations
        .values()
        .find(|i| i.kind == IntegrationKind::Pagerduty && i.key_hash == hash)
        .map(|i| i.service.clone())
    else {
        return invalid("Invalid routing key");
    };
    let Some(service) = service else {
        return invalid("the integration names no service for its changes");
    };
    let row = ChangeRow {
        id: 0,
        service,
        at: event.timestamp.unwrap_or(app.clock.now()).as_second(),
        kind: "other".into(),
        version: None,
        author: event.source.clone(),
        link: event.links.first().map(|l| l.href.clone()),
        description: Some(event.summary.clone()),
        source: "pagerduty".into(),
    };
    match crate::review::changes::add(&app, &row) {
        Ok(_) => answer(
            StatusCode::ACCEPTED,
            nines_incident::pagerduty::change_success_body(),
        ),
        Err(e) => ApiError::unavailable(e).into_response(),
    }
}
