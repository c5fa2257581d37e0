//! Actions on an incident by a person (ack, resolve, reopen, mitigate,
//! notes, severity, assign, escalate): the one implementation behind the
//! API, the UI's buttons and the CLI; and an incident with what is linked
//! to it, for showing.

use serde::Deserialize;

use crate::app::App;
use crate::incidents::lifecycle::IncidentEdit;
use crate::state::incidents::IncidentError;

/// An incident with its linked alerts, timeline and notifications.
pub struct IncidentDetail {
    pub incident: nines_store::IncidentRow,
    pub alerts: Vec<nines_store::AlertLink>,
    pub timeline: Vec<nines_store::TimelineEntry>,
    pub outbox: Vec<nines_store::OutboxRow>,
}

/// Loads an incident and what is linked to it (blocking), for the API and
/// the UI; `None` when there is no such incident.
pub fn load_detail(app: &App, id: i64) -> Result<Option<IncidentDetail>, nines_store::StoreError> {
    app.with_store(|s| {
        let Some(incident) = s.incident(id)? else {
            return Ok(None);
        };
        Ok(Some(IncidentDetail {
            incident,
            alerts: s.incident_alerts(id)?,
            timeline: s.incident_timeline(id)?,
            outbox: s.incident_outbox(id)?,
        }))
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    pub text: Option<String>,
    pub severity: Option<String>,
    pub assignee: Option<String>,
    pub commander: Option<String>,
}

/// Why an incident action was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The action needs this field.
    #[error("`{0}` needs {{\"{1}\": ...}} in the body")]
    Missing(String, &'static str),
    #[error(
        "no action `{0}`; use ack, resolve, reopen, mitigate, notes, severity, assign, escalate or publish"
    )]
    Unknown(String),
    #[error(transparent)]
    Incident(#[from] IncidentError),
}

/// Takes an incident action (`ack`, `resolve`, `reopen`, `mitigate`,
/// `notes`, `severity`, `assign`, `escalate`, `publish`) as `actor` (blocking): the one implementation
/// behind the API and the UI's buttons. The incident after the change, or
/// `None` for a note.
pub fn perform(
    app: &App,
    id: i64,
    action: &str,
    b: ActBody,
    actor: &str,
) -> Result<Option<nines_store::IncidentRow>, ActionError> {
    let missing = |what| ActionError::Missing(action.to_string(), what);
    Ok(match action {
        "ack" | "acknowledge" => Some(crate::incidents::lifecycle::incident_status(
            app,
            id,
            nines_incident::Status::Acknowledged,
            actor,
        )?),
        "resolve" => Some(crate::incidents::lifecycle::incident_status(
            app,
            id,
            nines_incident::Status::Resolved,
            actor,
        )?),
        "reopen" => Some(crate::incidents::lifecycle::incident_status(
            app,
            id,
            nines_incident::Status::Triggered,
            actor,
        )?),
        "notes" | "note" => {
            let text = b
                .text
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| missing("text"))?;
            crate::incidents::lifecycle::incident_note(app, id, &text, actor)?;
            None
        }
        "severity" => {
            let s = b.severity.ok_or_else(|| missing("severity"))?;
            let edit = IncidentEdit {
                severity: Some(&s),
                ..IncidentEdit::default()
            };
            Some(crate::incidents::lifecycle::incident_edit(
                app, id, &edit, actor,
            )?)
        }
        "assign" => {
            if b.assignee.is_none() && b.commander.is_none() {
                return Err(missing("assignee"));
            }
            let edit = IncidentEdit {
                assignee: b.assignee.as_deref(),
                commander: b.commander.as_deref(),
                ..IncidentEdit::default()
            };
            Some(crate::incidents::lifecycle::incident_edit(
                app, id, &edit, actor,
            )?)
        }
        "mitigate" => {
            let edit = IncidentEdit {
                mitigated: true,
                ..IncidentEdit::default()
            };
            Some(crate::incidents::lifecycle::incident_edit(
                app, id, &edit, actor,
            )?)
        }
        "escalate" => {
            crate::incidents::escalation::escalate_now(app, id, actor)?;
            app.with_store(|s| s.incident(id))
                .map_err(IncidentError::from)?
        }
        "publish" => {
            crate::incidents::lifecycle::incident_publish(app, id, actor)?;
            app.with_store(|s| s.incident(id))
                .map_err(IncidentError::from)?
        }
        other => return Err(ActionError::Unknown(other.to_string())),
    })
}
