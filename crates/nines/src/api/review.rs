//! Review endpoints (issue 8): the deploy gate and its overrides,
//! postmortems, action items and reliability reports.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use nines_config::Role;
use nines_store::GateOverrideRow;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, authorize, instant};
use crate::app::App;
use crate::clock::rfc3339 as time;
use crate::review::postmortem::PostmortemError;

/// Overrides last at most this long: a freeze lifted for longer is a policy
/// change, which belongs in the config.
pub const MAX_OVERRIDE: SignedDuration = SignedDuration::from_hours(30 * 24);

fn known_service(app: &App, service: &str) -> Result<(), ApiError> {
    if app.config().services.contains_key(service) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("unknown service `{service}`"),
        ))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateQuery {
    kind: Option<String>,
}

/// `GET /api/v1/services/{service}/gate[?kind=deploy]`: may a change of
/// this kind ship now? Answers 200 whether allowed or not: the decision is
/// the `allowed` field, so Argo Rollouts' web metric provider
/// (`successCondition: result.allowed == true`), `jq -e .allowed` in CI and
/// the CLI all read one field, and a non-2xx status keeps meaning that the
/// gate itself could not answer.
pub async fn gate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(service): Path<String>,
    Query(q): Query<GateQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    known_service(&app, &service)?;
    let kind = q.kind.unwrap_or_else(|| "deploy".into());
    crate::review::gate::check_kind(&kind)
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, m))?;
    let answer =
        tokio::task::spawn_blocking(move || crate::review::gate::evaluate(&app, &service, &kind))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::unavailable)?;
    Ok(axum::Json(answer))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    reason: String,
    /// RFC 3339.
    expires_at: Option<String>,
    /// `2h`, `30m`, … from now; instead of `expires_at`.
    duration: Option<String>,
}

/// `POST /api/v1/services/{service}/gate/overrides` (role admin): lets
/// changes through a freeze until it expires, with a reason; recorded.
pub async fn add_override(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(service): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = authorize(&app, &headers, Role::Admin)?;
    known_service(&app, &service)?;
    let bad = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    let n: NewOverride = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"reason\", \"expires_at\" | \"duration\"}}: {e}"),
        )
    })?;
    if n.reason.trim().is_empty() {
        return Err(bad("`reason` must say why the freeze is lifted".into()));
    }
    let now = app.clock.now();
    let expires_at = match (&n.expires_at, &n.duration) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(bad("give exactly one of `expires_at` and `duration`".into()));
        }
        (Some(t), None) => instant(Some(t), "expires_at", now)?,
        (None, Some(d)) => {
            let d = nines_slo::parse_duration(d).map_err(|e| bad(format!("duration: {e}")))?;
            let d = SignedDuration::try_from(d).map_err(|e| bad(format!("duration: {e}")))?;
            now.checked_add(d).unwrap_or(Timestamp::MAX)
        }
    };
    if expires_at <= now {
        return Err(bad(format!("expires_at {expires_at} is not in the future")));
    }
    if expires_at.duration_since(now) > MAX_OVERRIDE {
        return Err(bad(format!(
            "an override lasts at most {MAX_OVERRIDE:#}; change `error_budget_policy` for longer"
        )));
    }
    let mut row = GateOverrideRow {
        id: 0,
        service: service.clone(),
        reason: n.reason.trim().to_string(),
        created_by: actor,
        created_at: now.as_second(),
        expires_at: expires_at.as_second(),
    };
    row.id = crate::review::gate::add_override(&app, &row).map_err(ApiError::unavailable)?;
    tracing::warn!(
        service = %row.service, by = %row.created_by, expires_at = %expires_at, reason = %row.reason,
        "gate override set: deploys pass the error budget policy until it expires"
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(crate::review::gate::override_json(&row, now)),
    )
        .into_response())
}

/// `GET /api/v1/services/{service}/gate/overrides`: every override of the
/// service, newest first, expired ones included (`active: false`).
pub async fn overrides(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(service): Path<String>,
) -> Result<axum::Json<Vec<Value>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    known_service(&app, &service)?;
    let now = app.clock.now();
    let rows =
        crate::review::gate::overrides(&app, &service, 1000).map_err(ApiError::unavailable)?;
    Ok(axum::Json(
        rows.iter()
            .map(|r| crate::review::gate::override_json(r, now))
            .collect(),
    ))
}

fn pm_refusal(e: PostmortemError) -> ApiError {
    let status = match &e {
        PostmortemError::NotFound(_) => StatusCode::NOT_FOUND,
        PostmortemError::Invalid(_) | PostmortemError::Markdown(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        PostmortemError::Conflict(_) => StatusCode::CONFLICT,
        PostmortemError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        PostmortemError::Corrupt(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, e.to_string())
}

/// A postmortem revision as the API answers it: the model, its Markdown,
/// and the list of revisions.
fn postmortem_json(
    app: &App,
    row: &nines_store::PostmortemRow,
    pm: &nines_review::postmortem::Postmortem,
) -> Result<Value, ApiError> {
    let revisions = crate::review::postmortem::revisions(app, row.incident_id)
        .map_err(ApiError::unavailable)?;
    Ok(json!({
        "incident": crate::state::incidents::incident_name(row.incident_id),
        "revision": row.revision,
        "status": row.status,
        "author": row.author,
        "saved_at": time(row.created_at),
        "postmortem": pm,
        "markdown": nines_review::postmortem::to_markdown(pm),
        "revisions": revisions.iter().map(|r| json!({
            "revision": r.revision, "status": r.status, "author": r.author, "saved_at": time(r.created_at),
        })).collect::<Vec<_>>(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostmortemQuery {
    /// `json` (default) or `markdown`.
    format: Option<String>,
}

/// `GET /api/v1/incidents/{id}/postmortem[?format=markdown]`: the current
/// revision.
pub async fn get_postmortem(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PostmortemQuery>,
) -> Result<Response, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let id = crate::api::incidents::id_of(&id)?;
    let markdown = match q.format.as_deref() {
        None | Some("json") => false,
        Some("markdown" | "md") => true,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("format `{other}` is not json or markdown"),
            ));
        }
    };
    let found = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || crate::review::postmortem::current_postmortem(&app, id))
            .await
            .map_err(ApiError::internal)?
            .map_err(pm_refusal)?
    };
    let Some((row, pm)) = found else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "{} has no postmortem yet; POST to this URL (or `nines postmortem {}`) drafts one",
                crate::state::incidents::incident_name(id),
                crate::state::incidents::incident_name(id)
            ),
        ));
    };
    if markdown {
        return Ok((
            [(
                axum::http::header::CONTENT_TYPE,
                "text/markdown; charset=utf-8",
            )],
            nines_review::postmortem::to_markdown(&pm),
        )
            .into_response());
    }
    Ok(axum::Json(postmortem_json(&app, &row, &pm)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavePostmortem {
    /// The postmortem as Markdown (`nines postmortem import`).
    markdown: Option<String>,
    /// The postmortem as JSON (the UI's editor).
    postmortem: Option<nines_review::postmortem::Postmortem>,
}

/// `POST /api/v1/incidents/{id}/postmortem` (role responder). Without a
/// body (or `{}`): drafts the postmortem from the incident's facts unless
/// it has one (201 when drafted, 200 with the current one otherwise).
/// With `{"markdown"}` or `{"postmortem"}`: saves it as the next revision
/// (201); 409 when the status workflow refuses the change, 422 when the
/// Markdown does not parse or names another incident.
pub async fn save_postmortem(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = authorize(&app, &headers, Role::Responder)?;
    let id = crate::api::incidents::id_of(&id)?;
    let req: SavePostmortem = if body.iter().all(u8::is_ascii_whitespace) {
        SavePostmortem::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "expected {{}}, {{\"markdown\": \"...\"}} or {{\"postmortem\": {{...}}}}: {e}"
                ),
            )
        })?
    };
    let (markdown, given) = match (req.markdown, req.postmortem) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "give `markdown` or `postmortem`, not both",
            ));
        }
        given => given,
    };
    let result = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || match (markdown, given) {
            (Some(md), _) => {
                crate::review::postmortem::save_postmortem_markdown(&app, id, &md, &actor)
                    .map(|(r, p)| (r, p, true))
            }
            (None, Some(pm)) => crate::review::postmortem::save_postmortem(&app, id, pm, &actor)
                .map(|(r, p)| (r, p, true)),
            (None, None) => crate::review::postmortem::draft_postmortem(&app, id, &actor),
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(pm_refusal)?
    };
    let (row, pm, created) = result;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(postmortem_json(&app, &row, &pm)?)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionItemQuery {
    owner: Option<String>,
    /// Only open items past their due date (UTC day).
    overdue: Option<bool>,
    /// `open` (default), `done` or `all`.
    status: Option<String>,
}

/// `GET /api/v1/action-items[?owner=&overdue=true&status=open|done|all]`:
/// action items of every postmortem's current revision, by owner.
pub async fn action_items(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ActionItemQuery>,
) -> Result<axum::Json<Vec<Value>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let status = q.status.as_deref().unwrap_or("open");
    if !matches!(status, "open" | "done" | "all") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("status `{status}` is not open, done or all"),
        ));
    }
    let overdue_only = q.overdue.unwrap_or(false);
    let today = app.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let rows = crate::review::reminders::action_items(
        &app,
        q.owner.as_deref(),
        status == "open" || overdue_only,
    )
    .map_err(ApiError::unavailable)?;
    Ok(axum::Json(
        rows.iter()
            .filter(|r| status != "done" || r.done)
            .filter_map(|r| {
                let overdue = crate::review::reminders::item_due(r).is_overdue(today);
                (!overdue_only || overdue).then(|| {
                    json!({
                        "incident": crate::state::incidents::incident_name(r.incident_id),
                        "position": r.position,
                        "kind": r.kind,
                        "description": r.description,
                        "owner": r.owner,
                        "due": r.due,
                        "tracking": r.tracking,
                        "done": r.done,
                        "overdue": overdue,
                    })
                })
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    service: Option<String>,
}

/// `GET /api/v1/reports?from=&to=[&service=]` (default the last 7 days,
/// at most 400): the figures of `nines report`, per service.
pub async fn report(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Result<axum::Json<crate::review::report::ReportDoc>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let to = instant(q.to.as_deref(), "to", app.clock.now())?;
    let from = instant(
        q.from.as_deref(),
        "from",
        to.checked_sub(SignedDuration::from_hours(7 * 24))
            .unwrap_or(to),
    )?;
    if to <= from || to.duration_since(from) > SignedDuration::from_hours(400 * 24) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "`to` must be after `from`, at most 400 days later",
        ));
    }
    if let Some(s) = &q.service {
        known_service(&app, s)?;
    }
    let doc = tokio::task::spawn_blocking(move || {
        crate::review::report::build(&app, from, to, q.service.as_deref())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::unavailable)?;
    Ok(axum::Json(doc))
}
