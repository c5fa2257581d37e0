//! Persistence for nines, behind one trait per area: [`EventLog`] (ingest
//! log, snapshots), [`IncidentStore`] (incidents, silences, SLO alert
//! state), [`OutboxStore`], [`OncallStore`], [`ReviewStore`],
//! [`ProbeStore`] and [`Lease`]; [`Backend`] is all of them. The rows are
//! plain types of this crate and every call fails with [`StoreError`], so
//! no backend's types leak to callers.
//!
//! [`SqliteStore`] (also named [`Store`]) is the embedded backend: one
//! SQLite database (WAL) under the data directory. The daemon keeps the
//! working set in memory and uses the store to survive restarts.
//!
//! The traits are synchronous: the daemon calls the store from
//! `spawn_blocking`, which keeps SQLite simple; see
//! `docs/architecture-store.md` for why and for a second backend.
#![forbid(unsafe_code)]

mod codec;
mod compat;
mod error;
mod events;
mod incidents;
mod lease;
mod oncall;
mod outbox;
mod postgres;
mod probes;
mod review;
mod sqlite;

pub use codec::{
    CodecError, EventRecord, decode_events, decode_slo_snapshot, decode_snapshot, encode_events,
    encode_slo_snapshot, encode_snapshot,
};
pub use error::{BackendError, BackendErrorKind, StoreError};
pub use events::{Appended, BATCH_KEY_SECONDS, EventLog, Restored};
pub use incidents::{
    ALERT_HISTORY_SECONDS, AlertLink, AlertRow, AlertTransition, EscalationRow, IncidentOp,
    IncidentRef, IncidentRow, IncidentStats, IncidentStore, NamedCounts, NewIncident, SilenceRow,
    TimelineEntry,
};
pub use lease::{Leadership, Lease};
pub use oncall::{OncallStore, OverrideRow, PageRow};
pub use outbox::{Delivery, OutboxRow, OutboxStore};
pub use postgres::PostgresStore;
pub use probes::{LATENCY_BOUNDS_MS, ProbeRow, ProbeStore, RAW_RESULTS_KEPT, Resolution, Rollup};
pub use review::{
    ActionItemRow, AlertFiring, ChangeRow, GateOverrideRow, PostmortemRow, ReviewStore,
};
pub use sqlite::{Durability, SqliteStore, Store};

/// Which database a handle is on, as messages name it: the SQLite file, or
/// PostgreSQL's `host:port/dbname` (never a password).
pub trait Database {
    fn database(&self) -> String;
}

/// Every area at once: what a daemon holds (`Box<dyn Backend>`, or a
/// generic bound) when it should not care which database is behind it.
/// `Send`, so a handle can move into `spawn_blocking`.
pub trait Backend:
    EventLog
    + IncidentStore
    + OutboxStore
    + OncallStore
    + ReviewStore
    + ProbeStore
    + Lease
    + Database
    + Send
{
}

impl<T> Backend for T where
    T: EventLog
        + Database
        + IncidentStore
        + OutboxStore
        + OncallStore
        + ReviewStore
        + ProbeStore
        + Lease
        + Send
{
}

impl Database for SqliteStore {
    fn database(&self) -> String {
        self.path().display().to_string()
    }
}

impl Database for PostgresStore {
    fn database(&self) -> String {
        PostgresStore::database(self).to_string()
    }
}
