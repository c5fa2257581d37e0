//! The review side of reliability: changes to services (deploys, config
//! pushes, flags), deploy gate overrides, postmortems with every revision
//! kept, their action items (the latest revision's, indexed for per-owner
//! queries), and the reads reports need (incidents and alert firings of a
//! period).
//!
//! The store keeps postmortems as JSON text it does not interpret: the
//! model lives in `nines-review`, the binary encodes it.

use crate::error::StoreError;
use crate::incidents::{AlertLink, IncidentRow};

/// A change as stored. `at` is unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    pub id: i64,
    pub service: String,
    pub at: i64,
    /// `deploy`, `config`, `flag`, `rollback`, `chaos`, `other`.
    pub kind: String,
    pub version: Option<String>,
    pub author: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
    /// `api`, `cli`, `pagerduty`.
    pub source: String,
}

/// A gate override as stored. Times are unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOverrideRow {
    pub id: i64,
    pub service: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// One revision of a postmortem.
#[derive(Debug, Clone, PartialEq)]
pub struct PostmortemRow {
    pub incident_id: i64,
    /// 1 for the first save, one more for each save after.
    pub revision: i64,
    /// `draft`, `in_review` or `published`.
    pub status: String,
    /// The postmortem as JSON.
    pub body: String,
    pub author: String,
    pub created_at: i64,
}

/// An action item of a postmortem's current revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionItemRow {
    pub incident_id: i64,
    /// Its place in the postmortem's list, from 0.
    pub position: i64,
    /// `prevent`, `mitigate`, `detect` or `process`.
    pub kind: String,
    pub description: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    pub tracking: Option<String>,
    pub done: bool,
}

/// An SLO alert tier that started firing.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFiring {
    pub service: String,
    pub slo: String,
    pub tier: String,
    pub severity: String,
    pub at: i64,
}

/// Changes, gate overrides, postmortems, action items and report reads.
pub trait ReviewStore {
    /// Records a change (its `id` is ignored); returns its id.
    fn add_change(&mut self, c: &ChangeRow) -> Result<i64, StoreError>;

    /// Changes in `[from, to)` (unix seconds), of one service or all,
    /// newest first.
    fn changes(
        &self,
        service: Option<&str>,
        from: i64,
        to: i64,
        limit: u32,
    ) -> Result<Vec<ChangeRow>, StoreError>;

    /// Records a gate override (its `id` is ignored); returns its id.
    fn add_gate_override(&mut self, o: &GateOverrideRow) -> Result<i64, StoreError>;

    /// A service's overrides, expired ones included, newest first.
    fn gate_overrides(&self, service: &str, limit: u32)
    -> Result<Vec<GateOverrideRow>, StoreError>;

    /// Open (not resolved) incidents of a service, each with its alerts,
    /// oldest first.
    fn open_incidents_of(
        &self,
        service: &str,
    ) -> Result<Vec<(IncidentRow, Vec<AlertLink>)>, StoreError>;

    /// Incidents that started in `[from, to)`, of one service or all,
    /// oldest first.
    fn incidents_started(
        &self,
        service: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<IncidentRow>, StoreError>;

    /// SLO alert tiers that started firing in `[from, to)`, oldest first.
    fn alert_firings(&self, from: i64, to: i64) -> Result<Vec<AlertFiring>, StoreError>;

    /// Keys (`source|key`) of every alert linked to an incident that was
    /// seen at or after `since`.
    fn linked_alert_keys(&self, since: i64) -> Result<Vec<String>, StoreError>;

    /// Saves a new revision of an incident's postmortem and replaces its
    /// tracked action items (their `incident_id` and `position` are
    /// ignored), in one transaction; returns the revision.
    fn save_postmortem(
        &mut self,
        incident_id: i64,
        status: &str,
        body: &str,
        author: &str,
        at: i64,
        items: &[ActionItemRow],
    ) -> Result<i64, StoreError>;

    /// The current (latest) revision of an incident's postmortem.
    fn postmortem(&self, incident_id: i64) -> Result<Option<PostmortemRow>, StoreError>;

    /// Every revision of an incident's postmortem, oldest first.
    fn postmortem_revisions(&self, incident_id: i64) -> Result<Vec<PostmortemRow>, StoreError>;

    /// Tracked action items, of one owner or all, optionally only open
    /// ones; by owner, incident and position.
    fn action_items(
        &self,
        owner: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<ActionItemRow>, StoreError>;
}
