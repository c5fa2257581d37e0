//! Incident state: severity, the triggered → acknowledged → resolved
//! lifecycle with reopening, which alerts are linked, and when an incoming
//! alert opens, joins or reopens an incident. Data and functions only: the
//! daemon loads an [`Incident`], calls these, and stores the result with
//! the returned [`Transition`]s on the timeline.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::alert::{Alert, AlertSeverity, AlertSource, AlertStatus};
use crate::route::Routed;

/// How bad an incident is, SEV1 the worst. Ordered so that `SEV1 < SEV2`:
/// `min()` picks the more severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum IncidentSeverity {
    #[serde(rename = "SEV1")]
    Sev1,
    #[serde(rename = "SEV2")]
    Sev2,
    #[serde(rename = "SEV3")]
    Sev3,
    #[serde(rename = "SEV4")]
    Sev4,
}

impl IncidentSeverity {
    /// Worst first.
    pub const ALL: [IncidentSeverity; 4] = [
        IncidentSeverity::Sev1,
        IncidentSeverity::Sev2,
        IncidentSeverity::Sev3,
        IncidentSeverity::Sev4,
    ];

    /// The mapping used where a route sets none: one level per level,
    /// critical → SEV1, error → SEV2, warning → SEV3, info → SEV4. So a
    /// critical page is a SEV1 unless the routing tree says otherwise
    /// (e.g. `critical: SEV2` for a non-customer-facing service).
    pub fn default_for(severity: AlertSeverity) -> IncidentSeverity {
        match severity {
            AlertSeverity::Critical => IncidentSeverity::Sev1,
            AlertSeverity::Error => IncidentSeverity::Sev2,
            AlertSeverity::Warning => IncidentSeverity::Sev3,
            AlertSeverity::Info => IncidentSeverity::Sev4,
        }
    }

    /// The inverse of [`IncidentSeverity::default_for`]: the alert
    /// severity an incident is sent on as (PagerDuty out, Alertmanager
    /// format out).
    pub fn alert_severity(self) -> AlertSeverity {
        match self {
            IncidentSeverity::Sev1 => AlertSeverity::Critical,
            IncidentSeverity::Sev2 => AlertSeverity::Error,
            IncidentSeverity::Sev3 => AlertSeverity::Warning,
            IncidentSeverity::Sev4 => AlertSeverity::Info,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentSeverity::Sev1 => "SEV1",
            IncidentSeverity::Sev2 => "SEV2",
            IncidentSeverity::Sev3 => "SEV3",
            IncidentSeverity::Sev4 => "SEV4",
        }
    }
}

impl fmt::Display for IncidentSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IncidentSeverity {
    type Err = String;

    /// `SEV1`…`SEV4`, in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "SEV1" => Ok(IncidentSeverity::Sev1),
            "SEV2" => Ok(IncidentSeverity::Sev2),
            "SEV3" => Ok(IncidentSeverity::Sev3),
            "SEV4" => Ok(IncidentSeverity::Sev4),
            _ => Err(format!(
                "unknown incident severity {s:?} (expected SEV1, SEV2, SEV3 or SEV4)"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Open, nobody has taken it: escalation runs.
    Triggered,
    /// Open, someone is on it: escalation stops.
    Acknowledged,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triggered => "triggered",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
        }
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "triggered" => Ok(Status::Triggered),
            "acknowledged" => Ok(Status::Acknowledged),
            "resolved" => Ok(Status::Resolved),
            other => Err(format!(
                "`{other}` is not a status: triggered, acknowledged or resolved"
            )),
        }
    }
}

/// Whether incident `id` may go from `from` to `to`: acknowledge a
/// triggered one, resolve an open one, reopen (to triggered) a resolved
/// one. The one rule the model below and the daemon's store both follow.
pub fn check_transition(id: &str, from: Status, to: Status) -> Result<(), TransitionError> {
    let id = id.to_string();
    match (from, to) {
        (Status::Triggered, Status::Acknowledged)
        | (Status::Triggered | Status::Acknowledged, Status::Resolved)
        | (Status::Resolved, Status::Triggered) => Ok(()),
        (Status::Resolved, Status::Acknowledged) => {
            Err(TransitionError::AcknowledgeResolved { id })
        }
        (Status::Acknowledged, Status::Acknowledged) => {
            Err(TransitionError::AlreadyAcknowledged { id })
        }
        (Status::Resolved, Status::Resolved) => Err(TransitionError::AlreadyResolved { id }),
        (status, _) => Err(TransitionError::ReopenOpen { id, status }),
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Per-service (or global) incident behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentPolicy {
    /// A linked alert firing again less than this long after the incident
    /// was resolved reopens it; later (or with zero), it opens a new
    /// incident. Default
    /// 1 hour: long enough to catch a fix that did not hold, short enough
    /// that tomorrow's outage gets its own incident and postmortem.
    pub reopen_window: SignedDuration,
    /// Resolve the incident when every linked alert has resolved. Default
    /// on; off for teams that want a person to close every incident.
    pub auto_resolve: bool,
}

impl Default for IncidentPolicy {
    fn default() -> Self {
        IncidentPolicy {
            reopen_window: SignedDuration::from_hours(1),
            auto_resolve: true,
        }
    }
}

/// An alert an incident was opened for or joined, as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedAlert {
    pub source: AlertSource,
    pub key: String,
    pub status: AlertStatus,
    /// When it entered `status`.
    pub since: Timestamp,
}

/// A status change, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    pub at: Timestamp,
    /// Who did it; `None` when nines did (auto-resolve, reopen by alert).
    pub by: Option<String>,
}

/// A status change that is not allowed, worded for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("{id} is resolved; reopen it before acknowledging")]
    AcknowledgeResolved { id: String },
    #[error("{id} is already acknowledged")]
    AlreadyAcknowledged { id: String },
    #[error("{id} is already resolved")]
    AlreadyResolved { id: String },
    #[error("{id} is {status}; only a resolved incident can be reopened")]
    ReopenOpen { id: String, status: Status },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// Assigned by the daemon, e.g. `INC-12`.
    pub id: String,
    pub title: String,
    pub service: Option<String>,
    pub severity: IncidentSeverity,
    /// The [`Routed::group_key`] alerts join this incident by.
    pub group_key: String,
    pub status: Status,
    pub created_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<String>,
    /// How many times it was reopened.
    pub reopened: u32,
    pub alerts: Vec<LinkedAlert>,
    /// Whether a linked alert left out of `alerts` fires. Deciding about
    /// one incoming alert needs only its own link and this: the daemon
    /// loads no other (an alert storm links 100,000 alerts to one
    /// incident, and loading them all for each would make intake slow
    /// down as they accumulate). `false` when `alerts` holds every link.
    pub unlisted_firing: bool,
}

/// What to do with an incoming alert, given the latest incident of its
/// group key (see [`intake`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// Open a new incident ([`Incident::open`]).
    New,
    /// It belongs to the open incident: [`Incident::observe`] it there.
    Attach,
    /// [`Incident::reopen`] the resolved incident, then observe it there.
    Reopen,
    /// Nothing to do: a resolved alert with no open incident.
    Ignore,
}

/// Decides what an alert does, given the most recent incident with its
/// group key (or `None`):
///
/// - a firing alert joins an open incident; reopens a resolved one it is
///   linked to when it fires again within the reopen window; otherwise
///   opens a new incident;
/// - a resolved alert updates the open incident it is linked to, and is
///   ignored otherwise.
pub fn intake(
    latest: Option<&Incident>,
    alert: &Alert,
    at: Timestamp,
    policy: &IncidentPolicy,
) -> Intake {
    let Some(incident) = latest else {
        return match alert.status {
            AlertStatus::Firing => Intake::New,
            AlertStatus::Resolved => Intake::Ignore,
        };
    };
    let linked = incident.linked(alert).is_some();
    match (alert.status, incident.is_open()) {
        (AlertStatus::Firing, true) => Intake::Attach,
        (AlertStatus::Firing, false) => {
            let recent = incident
                .resolved_at
                .is_some_and(|resolved| at.duration_since(resolved) < policy.reopen_window);
            if linked && recent {
                Intake::Reopen
            } else {
                Intake::New
            }
        }
        (AlertStatus::Resolved, true) if linked => Intake::Attach,
        (AlertStatus::Resolved, _) => Intake::Ignore,
    }
}

impl Incident {
    /// A new triggered incident for `alert`, routed by `routed`, titled by
    /// the alert's summary.
    pub fn open(id: impl Into<String>, routed: &Routed, alert: &Alert, at: Timestamp) -> Incident {
        Incident {
            id: id.into(),
            title: alert.summary.clone(),
            service: routed.service.clone(),
            severity: routed.severity,
            group_key: routed.group_key.clone(),
            status: Status::Triggered,
            created_at: at,
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            resolved_by: None,
            reopened: 0,
            alerts: vec![LinkedAlert {
                source: alert.source,
                key: alert.key.clone(),
                status: alert.status,
                since: at,
            }],
            unlisted_firing: false,
        }
    }

    pub fn is_open(&self) -> bool {
        self.status != Status::Resolved
    }

    /// The linked alert with the same source and key, if any.
    pub fn linked(&self, alert: &Alert) -> Option<&LinkedAlert> {
        self.alerts
            .iter()
            .find(|l| l.source == alert.source && l.key == alert.key)
    }

    /// Someone takes the incident: escalation stops.
    pub fn acknowledge(
        &mut self,
        at: Timestamp,
        by: Option<&str>,
    ) -> Result<Transition, TransitionError> {
        check_transition(&self.id, self.status, Status::Acknowledged)?;
        self.acknowledged_at = Some(at);
        self.acknowledged_by = by.map(str::to_string);
        Ok(self.change(Status::Acknowledged, at, by))
    }

    /// Closes the incident, from triggered or acknowledged.
    pub fn resolve(
        &mut self,
        at: Timestamp,
        by: Option<&str>,
    ) -> Result<Transition, TransitionError> {
        check_transition(&self.id, self.status, Status::Resolved)?;
        self.resolved_at = Some(at);
        self.resolved_by = by.map(str::to_string);
        Ok(self.change(Status::Resolved, at, by))
    }

    /// Back to triggered (escalation starts over): by a person, or by
    /// nines when a linked alert fires again within the reopen window.
    pub fn reopen(
        &mut self,
        at: Timestamp,
        by: Option<&str>,
    ) -> Result<Transition, TransitionError> {
        check_transition(&self.id, self.status, Status::Triggered)?;
        self.acknowledged_at = None;
        self.acknowledged_by = None;
        self.resolved_at = None;
        self.resolved_by = None;
        self.reopened += 1;
        Ok(self.change(Status::Triggered, at, by))
    }

    /// Raises the severity when `severity` is worse (a critical alert
    /// joining a SEV3); never lowers it. Returns whether it changed.
    pub fn raise_severity(&mut self, severity: IncidentSeverity) -> bool {
        if severity < self.severity {
            self.severity = severity;
            true
        } else {
            false
        }
    }

    /// Records an alert's current status on this incident, linking it if
    /// new. With auto-resolve on, an open incident whose linked alerts have
    /// all resolved (those listed, and none unlisted fires) resolves; that
    /// transition is returned.
    pub fn observe(
        &mut self,
        alert: &Alert,
        at: Timestamp,
        policy: &IncidentPolicy,
    ) -> Option<Transition> {
        match self
            .alerts
            .iter_mut()
            .find(|l| l.source == alert.source && l.key == alert.key)
        {
            Some(linked) if linked.status != alert.status => {
                linked.status = alert.status;
                linked.since = at;
            }
            Some(_) => {}
            None => self.alerts.push(LinkedAlert {
                source: alert.source,
                key: alert.key.clone(),
                status: alert.status,
                since: at,
            }),
        }
        let all_resolved = !self.unlisted_firing
            && self
                .alerts
                .iter()
                .all(|l| l.status == AlertStatus::Resolved);
        if policy.auto_resolve && all_resolved && self.is_open() {
            self.resolve(at, None).ok()
        } else {
            None
        }
    }

    fn change(&mut self, to: Status, at: Timestamp, by: Option<&str>) -> Transition {
        let from = std::mem::replace(&mut self.status, to);
        Transition {
            from,
            to,
            at,
            by: by.map(str::to_string),
        }
    }
}
