//! Silences made through the API and the UI: checked, stored, listed and
//! expired. What they hold is decided in `incidents::quiet`.

use nines_store::{SilenceRow, StoreError};
use serde::Deserialize;

use crate::app::App;
use crate::clock::parse_time;

/// Why a silence was refused.
#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    /// A time that is not RFC 3339.
    #[error("{0}")]
    BadTime(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the silence could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// `active`, `pending` or `expired`, for the API and the UI.
pub fn silence_state(s: &nines_incident::Silence, now: jiff::Timestamp) -> &'static str {
    if s.is_active(now) {
        "active"
    } else if s.starts_at > now && s.ends_at > s.starts_at {
        // A pending silence expired before it started ends before it
        // starts: expired, not pending.
        "pending"
    } else {
        "expired"
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSilence {
    pub matchers: Vec<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// Instead of `ends_at`: how long from the start (`2h`).
    pub duration: Option<String>,
    pub comment: String,
}

/// Checks a new silence and makes its row (matchers in canonical form),
/// for the API and the UI; or why it is refused.
pub fn silence_row(
    n: NewSilence,
    now: jiff::Timestamp,
    actor: String,
) -> Result<SilenceRow, SilenceError> {
    let bad = SilenceError::Invalid;
    if n.matchers.is_empty() {
        return Err(bad(
            "give at least one matcher: a silence of everything is never meant".into(),
        ));
    }
    let mut canonical = Vec::new();
    for (i, m) in n.matchers.iter().enumerate() {
        let parsed =
            nines_incident::Matcher::parse(m).map_err(|e| bad(format!("matchers[{i}]: {e}")))?;
        canonical.push(parsed.to_string());
    }
    if n.comment.trim().is_empty() {
        return Err(bad(
            "say why in `comment`: the next person on call will read it".into(),
        ));
    }
    let starts =
        parse_time(n.starts_at.as_deref(), "starts_at", now).map_err(SilenceError::BadTime)?;
    let ends = match (&n.ends_at, &n.duration) {
        (Some(_), Some(_)) => return Err(bad("give `ends_at` or `duration`, not both".into())),
        (Some(e), None) => parse_time(Some(e), "ends_at", now).map_err(SilenceError::BadTime)?,
        (None, Some(d)) => {
            let d = nines_slo::parse_duration(d).map_err(|e| bad(format!("duration: {e}")))?;
            starts
                .checked_add(jiff::SignedDuration::try_from(d).unwrap_or_default())
                .map_err(|e| bad(e.to_string()))?
        }
        (None, None) => return Err(bad("give `ends_at` or `duration`".into())),
    };
    if ends <= starts {
        return Err(bad("the silence must end after it starts".into()));
    }
    Ok(SilenceRow {
        id: 0,
        matchers: serde_json::to_string(&canonical).unwrap_or_default(),
        starts_at: starts.as_second(),
        ends_at: ends.as_second(),
        created_by: actor,
        comment: n.comment,
    })
}

/// Active and pending silences, and the last 100 (blocking).
pub fn list(app: &App, now: jiff::Timestamp) -> Result<Vec<SilenceRow>, StoreError> {
    app.with_store(|s| s.silences(now.as_second()))
}

/// Checks and stores a new silence as `actor` (blocking); the stored row.
pub fn add(app: &App, n: NewSilence, actor: String) -> Result<SilenceRow, SilenceError> {
    let row = silence_row(n, app.clock.now(), actor)?;
    let id = app.with_store(|s| s.add_silence(&row))?;
    app.escalation_wake.notify_one();
    Ok(SilenceRow { id, ..row })
}

/// Ends silence `id` now (blocking); false when there is none.
pub fn expire(app: &App, id: i64) -> Result<bool, StoreError> {
    let now = app.clock.now().as_second();
    let found = app.with_store(|s| s.expire_silence(id, now))?;
    // Held incidents may escalate now.
    app.escalation_wake.notify_one();
    Ok(found)
}
