//! On-call overrides made through the API: `POST
//! /api/v1/schedules/{s}/overrides` (role responder), `GET` to list,
//! `DELETE …/{id}` to take one back. They are stored, and laid over the
//! config's schedules (after the config's own overrides, so the newer wins
//! where they overlap) whenever the config is loaded or an override
//! changes; everything that reads schedules (who is on call, shifts,
//! calendar feeds, escalation) sees them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use jiff::{SignedDuration, Timestamp};
use nines_config::{Config, Role};
use nines_store::{OverrideRow, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, authorize};
use crate::app::App;

/// How far back stored overrides are laid over schedules: as far as any
/// query looks back (shift history, calendar feeds).
const KEPT: SignedDuration = SignedDuration::from_hours(400 * 24);

/// The longest override: longer is a change of the rotation, for the
/// config.
const MAX_LENGTH: SignedDuration = SignedDuration::from_hours(90 * 24);

/// `config` with the stored overrides laid over its schedules; overrides of
/// schedules no longer in the config are left out.
pub fn apply(mut config: Config, rows: &[OverrideRow]) -> Config {
    for row in rows {
        let (Some(s), Ok(start), Ok(end)) = (
            config.schedules.get_mut(&row.schedule),
            Timestamp::from_second(row.start_at),
            Timestamp::from_second(row.end_at),
        ) else {
            continue;
        };
        s.overrides.push(nines_oncall::Override {
            user: row.user.clone(),
            start,
            end,
        });
    }
    config
}

/// The stored overrides a schedule needs at `now`.
pub fn stored(store: &nines_store::Store, now: Timestamp) -> Result<Vec<OverrideRow>, StoreError> {
    store.overrides((now - KEPT).as_second())
}

#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    #[error("unknown schedule `{0}`")]
    UnknownSchedule(String),
    #[error("{0}")]
    Invalid(String),
    #[error("no override {1} in schedule `{0}`")]
    NotFound(String, i64),
    #[error("the override could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// What a person asks for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    pub user: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

impl App {
    /// Lays the stored overrides over the config now in use.
    fn refresh_overrides(&self, store: &nines_store::Store) -> Result<(), StoreError> {
        self.set_overrides(&stored(store, self.clock.now())?);
        Ok(())
    }

    /// Adds an override to `schedule` as `actor`.
    pub fn add_override(
        &self,
        schedule: &str,
        o: &NewOverride,
        actor: &str,
    ) -> Result<OverrideRow, OverrideError> {
        let config = self.config();
        let s = config
            .schedules
            .get(schedule)
            .ok_or_else(|| OverrideError::UnknownSchedule(schedule.to_string()))?;
        let invalid = |m: String| OverrideError::Invalid(m);
        if !config.users.contains_key(&o.user) {
            let known: Vec<&str> = config.users.keys().map(String::as_str).collect();
            return Err(invalid(format!(
                "unknown user `{}`; users are {}",
                o.user,
                known.join(", ")
            )));
        }
        let parse = |what: &str, t: &str| {
            t.parse::<Timestamp>()
                .map_err(|e| invalid(format!("{what}: {t:?} is not an RFC 3339 time: {e}")))
        };
        let (start, end) = (parse("from", &o.from)?, parse("to", &o.to)?);
        let now = self.clock.now();
        if end <= start {
            return Err(invalid("`to` must be after `from`".into()));
        }
        if end <= now {
            return Err(invalid(format!("the override ended already ({end})")));
        }
        if end.duration_since(start) > MAX_LENGTH {
            return Err(invalid(
                "an override is at most 90 days; change the rotation in the config instead".into(),
            ));
        }
        let mut row = OverrideRow {
            id: 0,
            schedule: s.name.clone(),
            user: o.user.clone(),
            start_at: start.as_second(),
            end_at: end.as_second(),
            created_by: actor.to_string(),
            created_at: now.as_second(),
            reason: o.reason.trim().to_string(),
        };
        self.with_store(|store| {
            row.id = store.add_override(&row)?;
            self.refresh_overrides(store)
        })?;
        tracing::info!(schedule, user = %row.user, from = %start, to = %end, by = actor, "on-call override added");
        Ok(row)
    }

    /// Takes back a stored override.
    pub fn delete_override(
        &self,
        schedule: &str,
        id: i64,
        actor: &str,
    ) -> Result<(), OverrideError> {
        let at = self.clock.now().as_second();
        self.with_store(|store| {
            if !store.delete_override(schedule, id, at)? {
                return Err(OverrideError::NotFound(schedule.to_string(), id));
            }
            self.refresh_overrides(store)?;
            Ok(())
        })?;
        tracing::info!(schedule, id, by = actor, "on-call override deleted");
        Ok(())
    }
}

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
    let row = tokio::task::spawn_blocking(move || app.add_override(&schedule, &o, &actor))
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
    let rows = tokio::task::spawn_blocking(move || a.with_store(|s| s.overrides(now.as_second())))
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
    tokio::task::spawn_blocking(move || app.delete_override(&schedule, id, &actor))
        .await
        .map_err(ApiError::internal)?
        .map_err(refusal)?;
    Ok(axum::Json(json!({"deleted": id})))
}
