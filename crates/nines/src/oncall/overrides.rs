//! On-call overrides made through the API: `POST
//! /api/v1/schedules/{s}/overrides` (role responder), `GET` to list,
//! `DELETE …/{id}` to take one back. They are stored, and laid over the
//! config's schedules (after the config's own overrides, so the newer wins
//! where they overlap) whenever the config is loaded or an override
//! changes; everything that reads schedules (who is on call, shifts,
//! calendar feeds, escalation) sees them.

use jiff::{SignedDuration, Timestamp};
use nines_store::{OverrideRow, StoreError};
use serde::Deserialize;

use crate::app::App;
use crate::state::oncall::{apply, stored};

/// The longest override: longer is a change of the rotation, for the
/// config.
const MAX_LENGTH: SignedDuration = SignedDuration::from_hours(90 * 24);

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

/// Lays the stored overrides over the config now in use.
fn refresh_overrides(app: &App, store: &dyn nines_store::Backend) -> Result<(), StoreError> {
    app.set_config(apply(
        (*app.base_config()).clone(),
        &stored(store, app.clock.now())?,
    ));
    Ok(())
}

/// Adds an override to `schedule` as `actor`.
pub fn add_override(
    app: &App,
    schedule: &str,
    o: &NewOverride,
    actor: &str,
) -> Result<OverrideRow, OverrideError> {
    let config = app.config();
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
    let now = app.clock.now();
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
    app.with_store(|store| {
        row.id = store.add_override(&row)?;
        crate::oncall::overrides::refresh_overrides(app, store)
    })?;
    tracing::info!(schedule, user = %row.user, from = %start, to = %end, by = actor, "on-call override added");
    Ok(row)
}

/// Takes back a stored override.
pub fn delete_override(
    app: &App,
    schedule: &str,
    id: i64,
    actor: &str,
) -> Result<(), OverrideError> {
    let at = app.clock.now().as_second();
    app.with_store(|store| {
        if !store.delete_override(schedule, id, at)? {
            return Err(OverrideError::NotFound(schedule.to_string(), id));
        }
        crate::oncall::overrides::refresh_overrides(app, store)?;
        Ok(())
    })?;
    tracing::info!(schedule, id, by = actor, "on-call override deleted");
    Ok(())
}

/// Stored overrides that have not ended at `now` (blocking).
pub fn current(app: &App, now: Timestamp) -> Result<Vec<OverrideRow>, StoreError> {
    app.with_store(|s| s.overrides(now.as_second()))
}
