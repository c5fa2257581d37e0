//! The outbox: notifications owed, written with the change that owes them
//! (see [`crate::IncidentOp::Enqueue`]), so a crash can delay a message but
//! never lose it; each carries a key receivers use to drop duplicates.

use crate::error::StoreError;

/// A notification owed to a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub channel: String,
    pub key: String,
    pub body: String,
    /// `pending`, `sent`, `failed` (gave up) or `cancelled` (an escalation
    /// stopped before a personal page was due).
    pub state: String,
    pub attempts: i64,
    pub next_at_ms: i64,
    pub created_at_ms: i64,
    pub last_error: Option<String>,
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Delivered; the timeline says so, with the channel and attempt.
    Sent {
        at: i64,
    },
    Retry {
        next_at_ms: i64,
        error: String,
    },
    /// Not attempted: the channel's rate limit is reached. Waits until
    /// `next_at_ms` without counting an attempt.
    Deferred {
        next_at_ms: i64,
    },
    /// Gave up: permanent failure or past the horizon. The reason goes to
    /// the incident's timeline too.
    Failed {
        error: String,
        at: i64,
    },
}

/// Reading what is due and recording what became of it. Only the leader
/// delivers (see [`crate::Lease`]), so reading due rows needs no claim
/// today; a backend shared by replicas claims them (`FOR UPDATE SKIP
/// LOCKED`) inside `due_notifications`.
pub trait OutboxStore {
    /// Notifications due at `now_ms`, oldest first; at most one per
    /// incident and channel (the oldest), so a receiver sees an incident's
    /// events in order even while an earlier one is being retried.
    fn due_notifications(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxRow>, StoreError>;

    /// When the next notification comes due (Unix ms): the earliest
    /// `next_at_ms` of the rows [`OutboxStore::due_notifications`] would
    /// hand out, so the worker sleeps until then; `None` when none is
    /// pending.
    fn next_notification_at(&self) -> Result<Option<i64>, StoreError>;

    /// Records delivery attempts, in one transaction.
    fn record_deliveries(&mut self, done: &[(OutboxRow, Delivery)]) -> Result<(), StoreError>;

    /// The outbox rows of an incident, oldest first.
    fn incident_outbox(&self, id: i64) -> Result<Vec<OutboxRow>, StoreError>;
}
