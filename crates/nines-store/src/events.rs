//! The event log and series snapshots: accepted SLI event batches, the
//! snapshots a checkpoint folds them into, and what a restart reads back.
//!
//! Durability model: every accepted batch is appended in its own committed
//! transaction before the API answers. A checkpoint writes snapshots of the
//! series that changed and drops the log up to the last batch those
//! snapshots include. Restoring loads the snapshots and replays the rest.

use std::collections::HashMap;

use crate::codec::EventRecord;
use crate::error::StoreError;
use crate::incidents::AlertRow;

/// How long idempotency keys are remembered, seconds.
pub const BATCH_KEY_SECONDS: i64 = 86_400;

/// Everything needed to rebuild the in-memory state after a restart.
#[derive(Debug, Default)]
pub struct Restored {
    /// Series snapshots by SLO id, encoded (see [`crate::decode_snapshot`]).
    pub snapshots: Vec<(i64, Vec<u8>)>,
    /// Batches after the last checkpoint, oldest first.
    pub batches: Vec<(i64, Vec<EventRecord>)>,
    pub alerts: Vec<AlertRow>,
}

/// What [`EventLog::append_batch_once`] did with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The batch id: the new one, or the one the key was first accepted
    /// with.
    pub batch: i64,
    /// Events in that batch (for a duplicate, the first batch's count).
    pub events: usize,
    /// The key was already recorded: nothing was written, and the caller
    /// must not count the events again.
    pub duplicate: bool,
}

/// The ingest log, series snapshots and pulled-source cursors.
pub trait EventLog {
    /// Stable ids for `(service, slo)` pairs, creating the missing ones.
    fn slo_ids(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), i64>, StoreError>;

    /// Appends a batch to the ingest log and commits; when this returns,
    /// the batch survives a crash. Returns the batch id. With an
    /// idempotency `key`, the key is recorded in the same transaction, and
    /// a key already recorded is refused ([`StoreError::KeyUsed`]).
    fn append_batch(
        &mut self,
        events: &[EventRecord],
        received_at: i64,
        key: Option<&str>,
    ) -> Result<i64, StoreError>;

    /// Like [`EventLog::append_batch`], but a key already recorded returns
    /// the earlier batch (`duplicate: true`) and writes nothing. The check
    /// and the write are one transaction and the key is unique in the
    /// database, so two writers racing with one key store one batch.
    fn append_batch_once(
        &mut self,
        events: &[EventRecord],
        received_at: i64,
        key: Option<&str>,
    ) -> Result<Appended, StoreError>;

    /// The batch an idempotency key was accepted with, and its event count,
    /// if it was seen within [`BATCH_KEY_SECONDS`].
    fn batch_for_key(&self, key: &str) -> Result<Option<(i64, usize)>, StoreError>;

    /// The stored snapshot of one SLO's series, if any.
    fn snapshot(&self, slo_id: i64) -> Result<Option<Vec<u8>>, StoreError>;

    /// Writes series snapshots that include every batch up to `through`,
    /// and drops those batches from the log, in one transaction. Also the
    /// housekeeping round: expires idempotency keys, old alert history and
    /// probe rollups past their retention, as of `at`.
    fn checkpoint(
        &mut self,
        through: i64,
        snapshots: &[(i64, Vec<u8>)],
        at: i64,
    ) -> Result<(), StoreError>;

    /// Stores events read from a pulled source (PromQL) with how far each
    /// SLO's source has been read (`(slo_id, through)`), in one
    /// transaction, so a crash can neither count a step twice nor skip it.
    /// Returns the batch id, if a batch was written.
    fn append_pulled(
        &mut self,
        events: &[EventRecord],
        cursors: &[(i64, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// How far each SLO's pulled source has been read (unix seconds).
    fn source_cursors(&self) -> Result<HashMap<i64, i64>, StoreError>;

    /// Batches in the log not yet covered by a checkpoint.
    fn pending_batches(&self) -> Result<i64, StoreError>;

    /// Reads what a restart needs.
    fn restore(&self) -> Result<Restored, StoreError>;
}
