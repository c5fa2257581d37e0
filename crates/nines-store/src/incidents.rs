//! Incidents and alerts: incidents with their linked alerts, timelines and
//! escalations, silences, and the persisted state of SLO alert tiers.
//!
//! Incidents are written as batches of [`IncidentOp`] in one transaction:
//! an incident is never stored without its first timeline entry and the
//! notifications it owes. The database keeps at most one open (not
//! resolved) incident per group key; a write that would break that fails
//! with [`StoreError::OpenIncidentExists`].

use crate::error::StoreError;
use nines_incident::{AlertStatus, IncidentSeverity, Status};

/// How long alert history is kept, seconds (400 days).
pub const ALERT_HISTORY_SECONDS: i64 = 400 * 86_400;

/// Counts by a name (severity, state).
pub type NamedCounts = Vec<(String, i64)>;

/// An incident as stored. Times are unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub service: String,
    pub severity: IncidentSeverity,
    /// Open means not resolved.
    pub status: Status,
    pub group_key: String,
    pub commander: Option<String>,
    pub assignee: Option<String>,
    pub started_at: i64,
    pub acknowledged_at: Option<i64>,
    pub mitigated_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// An alert linked to an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertLink {
    pub source: String,
    pub key: String,
    pub status: AlertStatus,
    pub summary: String,
    /// Labels as a JSON object.
    pub labels: String,
    pub first_at: i64,
    pub last_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub text: String,
}

/// Which incident an operation is about: a stored one, or the one an
/// earlier `Open` of the same batch created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentRef {
    Id(i64),
    Opened,
}

/// An incident's escalation: the policy, when it started, the last step
/// fired (the pure engine in nines-oncall needs nothing else), and whether
/// acknowledgement stopped it. Personal pages queued for later are outbox
/// rows on `user:` channels, cancelled when it stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRow {
    pub incident_id: i64,
    pub policy: String,
    pub started_at: i64,
    /// The last step fired: (pass, step).
    pub fired: Option<(u32, u32)>,
    pub stopped_at: Option<i64>,
}

/// A new incident.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub title: String,
    pub service: String,
    pub severity: IncidentSeverity,
    pub group_key: String,
    pub started_at: i64,
}

/// One write of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentOp {
    /// Opens an incident (`triggered`). Fails the whole batch with
    /// [`StoreError::OpenIncidentExists`] when its group has an open one.
    Open(NewIncident),
    /// Inserts the link, or updates its status, summary and `last_at`.
    LinkAlert {
        incident: IncidentRef,
        alert: AlertLink,
    },
    /// Sets what is `Some`; a status change stamps its time (`acknowledged`
    /// → `acknowledged_at`, `resolved` → `resolved_at`; `triggered` clears
    /// `resolved_at`, a reopen, which fails like `Open` when the group has
    /// another open incident).
    Update {
        incident: IncidentRef,
        status: Option<Status>,
        severity: Option<IncidentSeverity>,
        assignee: Option<String>,
        commander: Option<String>,
        at: i64,
    },
    Timeline {
        incident: IncidentRef,
        at: i64,
        kind: String,
        actor: Option<String>,
        text: String,
    },
    /// Queues a notification; a `key` already queued is skipped, so a
    /// retried request never owes a message twice.
    Enqueue {
        /// `None` for a message about no incident (an on-call handoff,
        /// a reminder).
        incident: Option<IncidentRef>,
        channel: String,
        key: String,
        body: String,
        at_ms: i64,
    },
    /// Starts (or, for a reopened incident or "escalate now", restarts)
    /// the incident's escalation: nothing fired yet.
    EscalationStart {
        incident: IncidentRef,
        policy: String,
        started_at: i64,
        /// Steps already paged, kept by "escalate now"; `None` from the
        /// start.
        fired: Option<(u32, u32)>,
    },
    /// Records the last step fired; written with the pages it queued.
    EscalationFired {
        incident: IncidentRef,
        pass: u32,
        step: u32,
    },
    /// Stamps when the impact ended (mitigated), once.
    Mitigated { incident: IncidentRef, at: i64 },
    /// Stops the escalation (acknowledged or resolved) and cancels the
    /// personal pages still waiting (`user:` channels).
    EscalationStop { incident: IncidentRef, at: i64 },
}

/// Incident figures of one service and severity over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentStats {
    pub service: String,
    pub severity: String,
    pub incidents: i64,
    pub acknowledged: i64,
    pub resolved: i64,
    /// Mean seconds from start to acknowledgement, of those acknowledged.
    pub mtta_seconds: Option<f64>,
    /// Mean seconds from start to resolution, of those resolved.
    pub mttr_seconds: Option<f64>,
}

/// A silence as stored. Times are unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceRow {
    pub id: i64,
    /// JSON array of matcher strings.
    pub matchers: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: String,
    pub comment: String,
}

/// Persisted state of one SLO alert tier.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub slo_id: i64,
    pub tier: String,
    pub firing: bool,
    /// Unix seconds of the last state change.
    pub since: Option<i64>,
}

/// An SLO alert tier that changed state, for the state table and the
/// history.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTransition {
    pub slo_id: i64,
    pub tier: String,
    pub severity: String,
    pub firing: bool,
    pub at: i64,
    pub threshold: f64,
    pub long_burn: Option<f64>,
    pub short_burn: Option<f64>,
}

/// Incidents, their alerts, timelines and escalations, silences, and SLO
/// alert tier state.
pub trait IncidentStore {
    /// Applies incident operations in order, in one transaction; returns
    /// the id of the incident an `Open` created. Nothing is written when
    /// any operation fails.
    fn apply_incident_ops(&mut self, ops: &[IncidentOp]) -> Result<Option<i64>, StoreError>;

    fn incident(&self, id: i64) -> Result<Option<IncidentRow>, StoreError>;

    /// The open incident of a group, if any.
    fn open_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError>;

    /// The incident an alert of the group is judged against: the group's
    /// open incident, else its newest (resolved) one.
    fn latest_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError>;

    /// The newest incident an alert is linked to, and the link's status.
    fn incident_of_alert(
        &self,
        source: &str,
        key: &str,
    ) -> Result<Option<(IncidentRow, AlertStatus)>, StoreError>;

    /// Incidents newest first, optionally of one status and service.
    fn incidents(
        &self,
        status: Option<Status>,
        service: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IncidentRow>, StoreError>;

    /// An incident's alerts, by first seen and key.
    fn incident_alerts(&self, id: i64) -> Result<Vec<AlertLink>, StoreError>;

    /// One alert of an incident, if linked: what intake reads instead of
    /// all of them (its cost must not grow with the incident's alerts).
    fn incident_alert(
        &self,
        id: i64,
        source: &str,
        key: &str,
    ) -> Result<Option<AlertLink>, StoreError>;

    /// Whether an alert of the incident other than `source`/`key` fires,
    /// found through an index, without reading the others.
    fn incident_fires_besides(&self, id: i64, source: &str, key: &str) -> Result<bool, StoreError>;

    /// Where an incident's escalation is, if it has started.
    fn escalation(&self, incident: i64) -> Result<Option<EscalationRow>, StoreError>;

    /// Labels (JSON) of the firing alerts of open incidents: what
    /// inhibition compares against.
    fn firing_alert_labels(&self) -> Result<Vec<String>, StoreError>;

    /// An incident's timeline, oldest first.
    fn incident_timeline(&self, id: i64) -> Result<Vec<TimelineEntry>, StoreError>;

    /// MTTA, MTTR and counts per service and severity of incidents started
    /// in `[from, to)`.
    fn incident_stats(&self, from: i64, to: i64) -> Result<Vec<IncidentStats>, StoreError>;

    /// Open incidents by severity and outbox rows by state, for metrics.
    fn incident_counts(&self) -> Result<(NamedCounts, NamedCounts), StoreError>;

    /// Records a silence (its `id` is ignored); returns its id.
    fn add_silence(&mut self, s: &SilenceRow) -> Result<i64, StoreError>;

    /// Ends a silence at `at` (if it ends later); false when there is none.
    fn expire_silence(&mut self, id: i64, at: i64) -> Result<bool, StoreError>;

    /// Silences not ended by `after`, and the last 100 of all, newest
    /// first.
    fn silences(&self, after: i64) -> Result<Vec<SilenceRow>, StoreError>;

    /// Records SLO alert state changes: the current state per tier and a
    /// line of history each, in one transaction.
    fn record_alerts(&mut self, transitions: &[AlertTransition]) -> Result<(), StoreError>;

    /// The last `limit` alert transitions of an SLO, newest first.
    fn alert_history(&self, slo_id: i64, limit: u32) -> Result<Vec<AlertTransition>, StoreError>;
}
