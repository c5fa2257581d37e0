//! Persistence for nines. One SQLite database (WAL) under the data directory
//! holds the ingest log, series snapshots and alert state; the daemon keeps
//! the working set in memory and uses the store to survive restarts.
//!
//! Durability model: every accepted event batch is appended to the ingest log
//! in its own committed transaction before the API answers. A checkpoint
//! writes snapshots of the series that changed and drops the log up to the
//! last batch those snapshots include. Restoring loads the snapshots and
//! replays the rest of the log.
#![forbid(unsafe_code)]

mod codec;
mod incidents;
mod oncall;
mod probes;
mod review;
mod sqlite;

pub use codec::{
    CodecError, EventRecord, decode_events, decode_slo_snapshot, decode_snapshot, encode_events,
    encode_slo_snapshot, encode_snapshot,
};
pub use incidents::{
    AlertLink, ChangeRow, Delivery, EscalationRow, IncidentOp, IncidentRef, IncidentRow,
    IncidentStats, NewIncident, OutboxRow, SilenceRow, TimelineEntry,
};
pub use oncall::{OverrideRow, PageRow};
pub use probes::{LATENCY_BOUNDS_MS, ProbeRow, RAW_RESULTS_KEPT, Resolution, Rollup};
pub use review::{ActionItemRow, AlertFiring, GateOverrideRow, PostmortemRow};
pub use sqlite::{
    ALERT_HISTORY_SECONDS, AlertRow, AlertTransition, BATCH_KEY_SECONDS, Durability, Restored,
    Store, StoreError,
};
