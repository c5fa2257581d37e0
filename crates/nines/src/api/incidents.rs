//! Incident endpoints and the alert intakes: Alertmanager's webhook and
//! PagerDuty's Events API v2, wire-compatible so existing senders work by
//! changing only the URL.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nines_config::{Integration, IntegrationKind, Role};
use nines_incident::Alert;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, authorize};
use crate::app::App;
use crate::incidents::actions::{ActBody, ActionError, IncidentDetail, load_detail, perform};
use crate::incidents::silences::{NewSilence, SilenceError, silence_state};
use crate::state::incidents::{IncidentError, incident_json, parse_incident_id};

/// Intake bodies above this are refused: an Alertmanager group or a
/// PagerDuty event is kilobytes.
pub const MAX_INTAKE_BYTES: usize = 1 << 20;

fn refusal(e: IncidentError) -> ApiError {
    match e {
        IncidentError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        IncidentError::Invalid(m) => ApiError::new(StatusCode::CONFLICT, m),
        IncidentError::Store(e) => ApiError::unavailable(e),
    }
}

pub(crate) fn id_of(text: &str) -> Result<i64, ApiError> {
    parse_incident_id(text).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("`{text}` is not an incident id; use INC-<n>"),
        )
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    service: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/incidents[?status=&service=&limit=]`, newest first.
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Vec<Value>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let status = match q
        .status
        .as_deref()
        .map(str::parse::<nines_incident::Status>)
    {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "status `{}` is not one of triggered, acknowledged, resolved",
                    q.status.unwrap_or_default()
                ),
            ));
        }
    };
    let limit = q.limit.unwrap_or(100).min(1000);
    let rows = tokio::task::spawn_blocking(move || {
        crate::incidents::queries::list(&app, status, q.service.as_deref(), limit)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::unavailable)?;
    Ok(axum::Json(rows.iter().map(incident_json).collect()))
}

/// `GET /api/v1/incidents/{id}`: the incident, its alerts, timeline and
/// notifications.
pub async fn show(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let id = id_of(&id)?;
    let found = tokio::task::spawn_blocking(move || load_detail(&app, id))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::unavailable)?;
    let Some(IncidentDetail {
        incident,
        alerts,
        timeline,
        outbox,
    }) = found
    else {
        return Err(refusal(IncidentError::NotFound(id)));
    };
    let time = crate::clock::rfc3339;
    let mut v = incident_json(&incident);
    // Detected: when nines opened it (its first timeline entry); it can be
    // later than `started_at`, the alert's own start.
    v["detected_at"] = json!(
        timeline
            .iter()
            .find(|t| t.kind == "triggered")
            .map(|t| time(t.at))
    );
    v["alerts"] = alerts
        .iter()
        .map(|a| {
            json!({
                "source": a.source, "key": a.key, "status": a.status, "summary": a.summary,
                "labels": serde_json::from_str::<Value>(&a.labels).unwrap_or(Value::Null),
                "first_at": time(a.first_at), "last_at": time(a.last_at),
            })
        })
        .collect();
    v["timeline"] = timeline
        .iter()
        .map(|t| json!({"at": time(t.at), "kind": t.kind, "actor": t.actor, "text": t.text}))
        .collect();
    v["notifications"] = outbox
        .iter()
        .map(|o| {
            json!({"channel": o.channel, "key": o.key, "state": o.state, "attempts": o.attempts, "last_error": o.last_error})
        })
        .collect();
    Ok(axum::Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    title: String,
    service: String,
    #[serde(default)]
    severity: Option<String>,
}

/// `POST /api/v1/incidents`: open an incident by hand (role responder).
pub async fn open(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = authorize(&app, &headers, Role::Responder)?;
    let b: OpenBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"title\", \"service\", \"severity\"?}}: {e}"),
        )
    })?;
    let config = app.config();
    if !config.services.contains_key(&b.service) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("no service `{}` in the config", b.service),
        ));
    }
    let severity = b.severity.unwrap_or_else(|| "SEV3".into());
    if !matches!(severity.as_str(), "SEV1" | "SEV2" | "SEV3" | "SEV4") {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("severity `{severity}` is not one of SEV1, SEV2, SEV3, SEV4"),
        ));
    }
    let row = tokio::task::spawn_blocking(move || {
        crate::incidents::lifecycle::open_incident(&app, &b.title, &b.service, &severity, &actor)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(refusal)?;
    Ok((StatusCode::CREATED, axum::Json(incident_json(&row))).into_response())
}

/// `POST /api/v1/incidents/{id}/ack|resolve|reopen|notes|severity|assign`
/// (role responder).
pub async fn act(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = authorize(&app, &headers, Role::Responder)?;
    let id = id_of(&id)?;
    let b: ActBody = if body.is_empty() {
        ActBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?
    };
    let row = tokio::task::spawn_blocking(move || perform(&app, id, &action, b, &actor))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            ActionError::Missing(..) => ApiError::new(StatusCode::BAD_REQUEST, e.to_string()),
            ActionError::Unknown(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            ActionError::Incident(e) => refusal(e),
        })?;
    Ok(axum::Json(match row {
        Some(r) => incident_json(&r),
        None => json!({"recorded": true}),
    }))
}

/// The integration a key belongs to, if any, of `kind`.
fn integration_for(app: &App, key: &str, kind: IntegrationKind) -> Option<Integration> {
    let hash = nines_config::hash_token(key);
    app.config()
        .integrations
        .values()
        .find(|i| i.kind == kind && i.key_hash == hash)
        .cloned()
}

async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_INTAKE_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the body is larger than 1 MiB; nothing was recorded",
            )
        })
}

/// Records the alerts of one request ([`ingest_outside`]); all are
/// stored before it is answered. An alert no rule gives a service is
/// refused with 422, naming it; then nothing is recorded.
///
/// [`ingest_outside`]: crate::incidents::lifecycle::ingest_outside
async fn take_alerts(
    app: Arc<App>,
    alerts: Vec<Alert>,
    service: Option<String>,
) -> Result<Vec<crate::state::incidents::AlertOutcome>, ApiError> {
    use crate::incidents::lifecycle::IntakeError;
    tokio::task::spawn_blocking(move || {
        crate::incidents::lifecycle::ingest_outside(&app, &alerts, service.as_deref())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        IntakeError::NoService { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
        }
        IntakeError::Store(e) => ApiError::unavailable(e),
    })
}

/// Each incident once, in the order the alerts first reached it: a
/// group of 2,000 alerts joining one incident names it once.
fn incident_names(outcomes: &[crate::state::incidents::AlertOutcome]) -> Vec<String> {
    let mut ids: Vec<i64> = Vec::new();
    for id in outcomes.iter().filter_map(|o| o.incident) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.into_iter()
        .map(crate::state::incidents::incident_name)
        .collect()
}

/// `POST /integrations/alertmanager` with the integration key as a bearer
/// token (Alertmanager's `http_config.authorization.credentials`).
pub async fn alertmanager(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<Value>, ApiError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    alertmanager_with(app, &key, body).await
}

/// `POST /integrations/alertmanager/{key}`: the key in the path, for
/// senders that cannot set headers.
pub async fn alertmanager_keyed(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    body: Body,
) -> Result<axum::Json<Value>, ApiError> {
    alertmanager_with(app, &key, body).await
}

async fn alertmanager_with(
    app: Arc<App>,
    key: &str,
    body: Body,
) -> Result<axum::Json<Value>, ApiError> {
    let Some(integration) = integration_for(&app, key, IntegrationKind::Alertmanager) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no alertmanager integration has this key; send it as `Authorization: Bearer <key>` or in the path /integrations/alertmanager/<key>",
        ));
    };
    let body = read_body(body).await?;
    let webhook = nines_incident::alertmanager::parse_webhook(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let outcomes = take_alerts(app, webhook.to_alerts(), integration.service.clone()).await?;
    Ok(axum::Json(json!({
        "received": outcomes.len(),
        "incidents": incident_names(&outcomes),
    })))
}

/// `POST /integrations/pagerduty/v2/enqueue`: PagerDuty Events API v2.
/// Answers exactly as PagerDuty does: 202 with the dedup key, or 400
/// `{"status":"invalid event", ...}`.
pub async fn pagerduty(State(app): State<Arc<App>>, body: Body) -> Response {
    let body = match axum::body::to_bytes(body, MAX_INTAKE_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return pd_answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["the body is larger than 1 MiB"]}).to_string(),
            );
        }
    };
    let event = match nines_incident::pagerduty::parse_event(&body, || {
        format!(
            "{:032x}",
            u128::from(getrandom::u64().unwrap_or(0)) << 64
                | u128::from(getrandom::u64().unwrap_or(0))
        )
    }) {
        Ok(e) => e,
        Err(r) => {
            return pd_answer(
                StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                r.body(),
            );
        }
    };
    let Some(integration) = integration_for(&app, &event.routing_key, IntegrationKind::Pagerduty)
    else {
        return pd_answer(
            StatusCode::BAD_REQUEST,
            json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid routing key"]}).to_string(),
        );
    };
    let now = app.clock.now();
    let dedup_key = event.dedup_key.clone();
    let a = app.clone();
    let stored = match Alert::from_pagerduty(&event, now) {
        Some(alert) => {
            let service = integration.service.clone();
            let taken = tokio::task::spawn_blocking(move || {
                crate::incidents::lifecycle::ingest_outside(&a, &[alert], service.as_deref())
            })
            .await;
            match taken {
                Ok(Ok(_)) => Ok(()),
                // PagerDuty's shape: senders show `errors` to whoever
                // configured them. 400 is PagerDuty's only refusal code.
                Ok(Err(crate::incidents::lifecycle::IntakeError::NoService { reason, .. })) => {
                    let error = format!(
                        "the event names no service of this nines: {reason}; give the \
                         integration a `service`, route it with `routes:`, or set \
                         `incidents.default_service`"
                    );
                    return pd_answer(
                        StatusCode::BAD_REQUEST,
                        json!({"status": "invalid event", "message": "Event object is invalid", "errors": [error]}).to_string(),
                    );
                }
                Ok(Err(crate::incidents::lifecycle::IntakeError::Store(e))) => {
                    Err(ApiError::unavailable(e))
                }
                Err(e) => Err(ApiError::internal(e)),
            }
        }
        None => {
            // acknowledge: the incident the dedup key opened.
            tokio::task::spawn_blocking(move || {
                crate::incidents::lifecycle::acknowledge_alert(&a, "pagerduty", &dedup_key)
            })
            .await
            .map_err(ApiError::internal)
            .and_then(|r| r.map_err(refusal))
        }
    };
    match stored {
        Ok(()) => pd_answer(
            StatusCode::ACCEPTED,
            nines_incident::pagerduty::success_body(&event.dedup_key),
        ),
        Err(e) => e.into_response(),
    }
}

fn pd_answer(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/analytics/incidents[?from=&to=]` (default the last 30
/// days): per service and severity, how many incidents started, how many
/// were acknowledged and resolved, and the mean time to each (MTTA, MTTR).
pub async fn analytics(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let now = app.clock.now();
    let to = crate::api::instant(q.to.as_deref(), "to", now)?;
    let from = crate::api::instant(
        q.from.as_deref(),
        "from",
        to.checked_sub(jiff::SignedDuration::from_hours(30 * 24))
            .unwrap_or(to),
    )?;
    if to <= from {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "`to` must be after `from`",
        ));
    }
    let (f, t) = (from.as_second(), to.as_second());
    let stats = tokio::task::spawn_blocking(move || crate::incidents::queries::stats(&app, f, t))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::unavailable)?;
    Ok(axum::Json(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "by_service": stats.iter().map(|s| json!({
            "service": s.service,
            "severity": s.severity,
            "incidents": s.incidents,
            "acknowledged": s.acknowledged,
            "resolved": s.resolved,
            "mtta_seconds": s.mtta_seconds,
            "mttr_seconds": s.mttr_seconds,
        })).collect::<Vec<_>>(),
    })))
}

fn silence_refusal(e: SilenceError) -> ApiError {
    match e {
        SilenceError::BadTime(m) => ApiError::new(StatusCode::BAD_REQUEST, m),
        SilenceError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
        SilenceError::Store(e) => ApiError::unavailable(e),
    }
}

fn silence_json(row: &nines_store::SilenceRow, now: jiff::Timestamp) -> Value {
    let s = crate::state::incidents::to_silence(row);
    let state = silence_state(&s, now);
    json!({
        "id": row.id,
        "matchers": s.matchers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "starts_at": s.starts_at.to_string(),
        "ends_at": s.ends_at.to_string(),
        "created_by": row.created_by,
        "comment": row.comment,
        "state": state,
    })
}

/// `GET /api/v1/silences`: active and pending silences, and the last 100.
pub async fn silences(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<Value>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let now = app.clock.now();
    let rows = crate::incidents::silences::list(&app, now).map_err(ApiError::unavailable)?;
    Ok(axum::Json(
        rows.iter().map(|r| silence_json(r, now)).collect(),
    ))
}

/// `POST /api/v1/silences` (role responder): `{matchers, comment,
/// ends_at | duration, starts_at?}`.
pub async fn add_silence(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = authorize(&app, &headers, Role::Responder)?;
    let n: NewSilence = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "expected {{\"matchers\": [...], \"comment\", \"ends_at\" or \"duration\"}}: {e}"
            ),
        )
    })?;
    let row = crate::incidents::silences::add(&app, n, actor).map_err(silence_refusal)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(silence_json(&row, app.clock.now())),
    )
        .into_response())
}

/// `POST /api/v1/silences/{id}/expire` (role responder): ends it now.
pub async fn expire_silence(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Responder)?;
    let found = crate::incidents::silences::expire(&app, id).map_err(ApiError::unavailable)?;
    if !found {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no silence {id}"),
        ));
    }
    Ok(axum::Json(json!({"expired": id})))
}
