//! On-call: overrides made through the API (`POST
//! /api/v1/schedules/{s}/overrides`), kept so they survive restarts and
//! config reloads (the daemon lays them over the config's schedules), and
//! the reads on-call health needs (pages sent, acknowledgements).

use crate::error::StoreError;

/// An override made through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRow {
    pub id: i64,
    pub schedule: String,
    pub user: String,
    pub start_at: i64,
    pub end_at: i64,
    pub created_by: String,
    pub created_at: i64,
    pub reason: String,
}

/// A page to a person: an outbox row on a `user:` channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRow {
    pub channel: String,
    pub key: String,
    pub at_ms: i64,
    pub state: String,
}

/// Overrides, and what on-call load is measured from.
pub trait OncallStore {
    /// Records an on-call override (its `id` is ignored); returns its id.
    fn add_override(&mut self, o: &OverrideRow) -> Result<i64, StoreError>;

    /// Overrides not deleted that end after `after`, oldest first (the
    /// order in which later ones win).
    fn overrides(&self, after: i64) -> Result<Vec<OverrideRow>, StoreError>;

    /// Deletes an override of `schedule` as of `at`; false when there is
    /// none.
    fn delete_override(&mut self, schedule: &str, id: i64, at: i64) -> Result<bool, StoreError>;

    /// Pages to people (outbox rows on `user:` channels) queued in
    /// `[from_ms, to_ms)`, oldest first.
    fn pages(&self, from_ms: i64, to_ms: i64) -> Result<Vec<PageRow>, StoreError>;

    /// Acknowledgements in `[from, to)`: the actor, when the incident
    /// started, and when it was acknowledged (seconds).
    fn acknowledgements(&self, from: i64, to: i64) -> Result<Vec<(String, i64, i64)>, StoreError>;
}
