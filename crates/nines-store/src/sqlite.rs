//! The embedded store: one SQLite database in WAL mode.
//!
//! `synchronous = NORMAL` in WAL mode makes a commit durable against a crash
//! of the process (`kill -9`): the WAL is written before `COMMIT` returns and
//! the OS keeps it. A power loss can drop the last commits; `Durability::Full`
//! fsyncs every commit for those who need that too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::codec::{CodecError, EventRecord, decode_events, encode_events};
use crate::incidents::{
    AlertLink, ChangeRow, Delivery, EscalationRow, IncidentOp, IncidentRow, IncidentStats,
    OutboxRow, SilenceRow, TimelineEntry,
};
use crate::probes::{ProbeRow, Resolution, Rollup};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} was written by a newer nines (schema {found}, this one knows {known}); upgrade nines"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database {path}: {source}")]
    Corrupt { path: PathBuf, source: CodecError },
    #[error(
        "data directory {path} is in use by another nines process (lock file {path}/nines.lock); stop it or use another --data"
    )]
    Locked { path: PathBuf },
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Schema migrations, applied in order; `PRAGMA user_version` counts them.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE slos (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    slo TEXT NOT NULL,
    UNIQUE (service, slo)
);
-- Accepted event batches not yet folded into a snapshot. AUTOINCREMENT:
-- ids must never be reused after a checkpoint empties the table, or new
-- batches would look already checkpointed.
CREATE TABLE ingest_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    events INTEGER NOT NULL,
    body BLOB NOT NULL
);
-- One snapshot per SLO, as of checkpoint.through_batch.
CREATE TABLE series (
    slo_id INTEGER PRIMARY KEY REFERENCES slos (id),
    body BLOB NOT NULL
);
CREATE TABLE checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    through_batch INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE alert_state (
    slo_id INTEGER NOT NULL REFERENCES slos (id),
    tier TEXT NOT NULL,
    firing INTEGER NOT NULL,
    since INTEGER,
    PRIMARY KEY (slo_id, tier)
);
CREATE TABLE alert_history (
    id INTEGER PRIMARY KEY,
    slo_id INTEGER NOT NULL REFERENCES slos (id),
    tier TEXT NOT NULL,
    severity TEXT NOT NULL,
    firing INTEGER NOT NULL,
    at INTEGER NOT NULL,
    threshold REAL NOT NULL,
    long_burn REAL,
    short_burn REAL
);
CREATE INDEX alert_history_by_slo ON alert_history (slo_id, at);
"#,
    // Idempotency keys of accepted batches, so a client retrying after a lost
    // answer does not count a batch twice. Kept a day.
    r#"
CREATE TABLE batch_keys (
    key TEXT PRIMARY KEY,
    batch INTEGER NOT NULL,
    events INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX batch_keys_by_age ON batch_keys (at);
"#,
    crate::probes::PROBE_MIGRATION,
    crate::incidents::INCIDENT_MIGRATION,
    crate::incidents::SILENCE_MIGRATION,
    crate::incidents::CHANGE_MIGRATION,
    crate::incidents::ESCALATION_MIGRATION,
    crate::review::REVIEW_MIGRATION,
    crate::oncall::OVERRIDE_MIGRATION,
];

/// How long idempotency keys are remembered, seconds.
pub const BATCH_KEY_SECONDS: i64 = 86_400;

/// How long alert history is kept, seconds (400 days).
pub const ALERT_HISTORY_SECONDS: i64 = 400 * 86_400;

/// How hard a commit tries to reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Survives a crash of nines (`kill -9`); the default.
    #[default]
    Process,
    /// Also survives a power loss: fsync on every commit.
    Full,
}

/// Everything needed to rebuild the in-memory state after a restart.
#[derive(Debug, Default)]
pub struct Restored {
    /// Series snapshots by SLO id, encoded (see [`crate::decode_snapshot`]).
    pub snapshots: Vec<(i64, Vec<u8>)>,
    /// Batches after the last checkpoint, oldest first.
    pub batches: Vec<(i64, Vec<EventRecord>)>,
    pub alerts: Vec<AlertRow>,
}

/// Persisted state of one alert tier.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub slo_id: i64,
    pub tier: String,
    pub firing: bool,
    /// Unix seconds of the last state change.
    pub since: Option<i64>,
}

/// A tier that changed state, for the state table and the history.
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

/// The SQLite store. Not `Sync`: the daemon wraps it in a mutex, which is
/// also what serialises writers.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Held for the life of the store: one process per data directory, or
    /// two daemons would delete each other's batches at checkpoints.
    _lock: std::fs::File,
}

impl Store {
    /// Opens (creating if needed) `nines.db` under `dir` and migrates it.
    pub fn open(dir: &Path, durability: Durability) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let lock_path = dir.join("nines.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| StoreError::Lock {
                path: lock_path.clone(),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: dir.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::Lock {
                    path: lock_path,
                    source,
                });
            }
        }
        let path = dir.join("nines.db");
        let conn = Connection::open(&path).map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut store = Store {
            conn,
            path,
            _lock: lock,
        };
        store.configure(durability)?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Runs `f` on the connection, outside any transaction (reads).
    pub(crate) fn read_conn<R>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        f(&self.conn).map_err(self.err())
    }

    /// Runs `f` in one transaction, committed when it returns `Ok`.
    pub(crate) fn transact<R>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite { path, source };
        let run = || -> rusqlite::Result<R> {
            let tx = self.conn.transaction()?;
            let r = f(&tx)?;
            tx.commit()?;
            Ok(r)
        };
        run().map_err(err)
    }

    fn configure(&mut self, durability: Durability) -> Result<(), StoreError> {
        let sync = match durability {
            Durability::Process => "NORMAL",
            Durability::Full => "FULL",
        };
        self.conn
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
            ))
            .map_err(self.err())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let known = MIGRATIONS.len() as i64;
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())?;
        if found > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self
                .conn
                .transaction()
                .map_err(|source| StoreError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
            tx.execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", i as i64 + 1))
                .and_then(|()| tx.commit())
                .map_err(|source| StoreError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Stable ids for `(service, slo)` pairs, creating the missing ones.
    pub fn slo_ids(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), i64>, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut ids = HashMap::with_capacity(keys.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO slos (service, slo) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                )
                .map_err(err)?;
            let mut select = tx
                .prepare_cached("SELECT id FROM slos WHERE service = ?1 AND slo = ?2")
                .map_err(err)?;
            for (service, slo) in keys {
                insert.execute(params![service, slo]).map_err(err)?;
                let id: i64 = select
                    .query_row(params![service, slo], |r| r.get(0))
                    .map_err(err)?;
                ids.insert((service.clone(), slo.clone()), id);
            }
        }
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// Appends a batch to the ingest log and commits. When this returns, the
    /// batch survives a crash. Returns the batch id. With an idempotency
    /// `key`, the key is recorded in the same transaction.
    pub fn append_batch(
        &mut self,
        events: &[EventRecord],
        received_at: i64,
        key: Option<&str>,
    ) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let batch = insert_batch(&tx, events, received_at).map_err(err)?;
        if let Some(key) = key {
            tx.prepare_cached(
                "INSERT INTO batch_keys (key, batch, events, at) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![key, batch, events.len() as i64, received_at])
            })
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(batch)
    }

    /// The batch an idempotency key was accepted with, and its event count,
    /// if it was seen within [`BATCH_KEY_SECONDS`].
    pub fn batch_for_key(&self, key: &str) -> Result<Option<(i64, usize)>, StoreError> {
        self.conn
            .prepare_cached("SELECT batch, events FROM batch_keys WHERE key = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([key], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
                })
                .optional()
            })
            .map_err(self.err())
    }

    /// The stored snapshot of one SLO's series, if any.
    pub fn snapshot(&self, slo_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .prepare_cached("SELECT body FROM series WHERE slo_id = ?1")
            .and_then(|mut stmt| stmt.query_row([slo_id], |r| r.get(0)).optional())
            .map_err(self.err())
    }

    /// Writes series snapshots that include every batch up to `through`, and
    /// drops those batches from the log, in one transaction.
    pub fn checkpoint(
        &mut self,
        through: i64,
        snapshots: &[(i64, Vec<u8>)],
        at: i64,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO series (slo_id, body) VALUES (?1, ?2) ON CONFLICT (slo_id) DO UPDATE SET body = excluded.body",
                )
                .map_err(err)?;
            for (id, body) in snapshots {
                put.execute(params![id, body]).map_err(err)?;
            }
        }
        tx.execute(
            "INSERT INTO checkpoint (id, through_batch, at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET through_batch = excluded.through_batch, at = excluded.at",
            params![through, at],
        )
        .map_err(err)?;
        tx.execute("DELETE FROM ingest_log WHERE id <= ?1", params![through])
            .map_err(err)?;
        tx.execute(
            "DELETE FROM batch_keys WHERE at < ?1",
            params![at - BATCH_KEY_SECONDS],
        )
        .map_err(err)?;
        tx.execute(
            "DELETE FROM alert_history WHERE at < ?1",
            params![at - ALERT_HISTORY_SECONDS],
        )
        .map_err(err)?;
        crate::probes::prune(&tx, at).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Stores probe results with the SLI events they produced (as one
    /// ingest-log batch, when there are any) and heartbeat times, in one
    /// transaction. Returns the batch id, if a batch was written.
    pub fn record_probe_results(
        &mut self,
        events: &[EventRecord],
        rows: &[ProbeRow],
        beats: &[(String, String, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.transact(|tx| {
            let batch = (!events.is_empty())
                .then(|| insert_batch(tx, events, received_at))
                .transpose()?;
            crate::probes::insert(tx, rows)?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO heartbeats (service, name, at_ms) VALUES (?1, ?2, ?3)",
            )?;
            for (service, name, at_ms) in beats {
                put.execute(params![service, name, at_ms])?;
            }
            Ok(batch)
        })
    }

    /// Stores events read from a pulled source (PromQL) with how far each
    /// SLO's source has been read, in one transaction, so a crash can
    /// neither count a step twice nor skip it.
    pub fn append_pulled(
        &mut self,
        events: &[EventRecord],
        cursors: &[(i64, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.transact(|tx| {
            let batch = (!events.is_empty())
                .then(|| insert_batch(tx, events, received_at))
                .transpose()?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO source_cursors (slo_id, through) VALUES (?1, ?2)",
            )?;
            for (slo_id, through) in cursors {
                put.execute(params![slo_id, through])?;
            }
            Ok(batch)
        })
    }

    /// Applies incident operations in one transaction; returns the id of
    /// the incident an `Open` created.
    pub fn apply_incident_ops(&mut self, ops: &[IncidentOp]) -> Result<Option<i64>, StoreError> {
        self.transact(|tx| crate::incidents::apply(tx, ops))
    }

    pub fn incident(&self, id: i64) -> Result<Option<IncidentRow>, StoreError> {
        crate::incidents::get(&self.conn, id).map_err(self.err())
    }

    /// The open incident of a group, if any.
    pub fn open_incident_in_group(
        &self,
        group_key: &str,
    ) -> Result<Option<IncidentRow>, StoreError> {
        crate::incidents::open_in_group(&self.conn, group_key).map_err(self.err())
    }

    /// The newest incident an alert is linked to, and the link's status.
    pub fn incident_of_alert(
        &self,
        source: &str,
        key: &str,
    ) -> Result<Option<(IncidentRow, String)>, StoreError> {
        crate::incidents::of_alert(&self.conn, source, key).map_err(self.err())
    }

    pub fn incidents(
        &self,
        status: Option<&str>,
        service: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        crate::incidents::list(&self.conn, status, service, limit).map_err(self.err())
    }

    pub fn incident_alerts(&self, id: i64) -> Result<Vec<AlertLink>, StoreError> {
        crate::incidents::alerts(&self.conn, id).map_err(self.err())
    }

    /// Where an incident's escalation is, if it has started.
    pub fn escalation(&self, incident: i64) -> Result<Option<EscalationRow>, StoreError> {
        crate::incidents::escalation(&self.conn, incident).map_err(self.err())
    }

    /// Labels (JSON) of the firing alerts of open incidents.
    pub fn firing_alert_labels(&self) -> Result<Vec<String>, StoreError> {
        crate::incidents::firing_alert_labels(&self.conn).map_err(self.err())
    }

    pub fn incident_timeline(&self, id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
        crate::incidents::timeline(&self.conn, id).map_err(self.err())
    }

    pub fn incident_outbox(&self, id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        crate::incidents::outbox_of(&self.conn, id).map_err(self.err())
    }

    /// Notifications due at `now_ms`, oldest first.
    pub fn due_notifications(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        crate::incidents::due(&self.conn, now_ms, limit).map_err(self.err())
    }

    /// Records delivery attempts, in one transaction.
    pub fn record_deliveries(&mut self, done: &[(OutboxRow, Delivery)]) -> Result<(), StoreError> {
        self.transact(|tx| {
            for (row, d) in done {
                crate::incidents::record_delivery(tx, row, d)?;
            }
            Ok(())
        })
    }

    /// MTTA, MTTR and counts per service and severity of incidents started
    /// in `[from, to)`.
    pub fn incident_stats(&self, from: i64, to: i64) -> Result<Vec<IncidentStats>, StoreError> {
        crate::incidents::stats(&self.conn, from, to).map_err(self.err())
    }

    pub fn add_change(&mut self, c: &ChangeRow) -> Result<i64, StoreError> {
        crate::incidents::add_change(&self.conn, c).map_err(self.err())
    }

    /// Changes in `[from, to)` (unix seconds), newest first.
    pub fn changes(
        &self,
        service: Option<&str>,
        from: i64,
        to: i64,
        limit: u32,
    ) -> Result<Vec<ChangeRow>, StoreError> {
        crate::incidents::changes(&self.conn, service, from, to, limit).map_err(self.err())
    }

    pub fn add_silence(&mut self, s: &SilenceRow) -> Result<i64, StoreError> {
        crate::incidents::add_silence(&self.conn, s).map_err(self.err())
    }

    pub fn expire_silence(&mut self, id: i64, at: i64) -> Result<bool, StoreError> {
        crate::incidents::expire_silence(&self.conn, id, at).map_err(self.err())
    }

    /// Pages to people (outbox rows on `user:` channels) queued in
    /// `[from_ms, to_ms)`.
    pub fn pages(&self, from_ms: i64, to_ms: i64) -> Result<Vec<crate::PageRow>, StoreError> {
        crate::oncall::pages(&self.conn, from_ms, to_ms).map_err(self.err())
    }

    /// Acknowledgements in `[from, to)`: actor, incident start, ack time.
    pub fn acknowledgements(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        crate::oncall::acknowledgements(&self.conn, from, to).map_err(self.err())
    }

    /// Records an on-call override; its id.
    pub fn add_override(&mut self, o: &crate::OverrideRow) -> Result<i64, StoreError> {
        crate::oncall::add(&self.conn, o).map_err(self.err())
    }

    /// On-call overrides ending after `after`, oldest first.
    pub fn overrides(&self, after: i64) -> Result<Vec<crate::OverrideRow>, StoreError> {
        crate::oncall::list(&self.conn, after).map_err(self.err())
    }

    /// Deletes an override of `schedule`; false when there is none.
    pub fn delete_override(
        &mut self,
        schedule: &str,
        id: i64,
        at: i64,
    ) -> Result<bool, StoreError> {
        crate::oncall::delete(&self.conn, schedule, id, at).map_err(self.err())
    }

    /// Silences not ended by `after`, and the last 100 of all.
    pub fn silences(&self, after: i64) -> Result<Vec<SilenceRow>, StoreError> {
        crate::incidents::silences(&self.conn, after).map_err(self.err())
    }

    /// Open incidents by severity and outbox rows by state, for metrics.
    pub fn incident_counts(&self) -> Result<(Counts, Counts), StoreError> {
        Ok((
            crate::incidents::open_by_severity(&self.conn).map_err(self.err())?,
            crate::incidents::outbox_by_state(&self.conn).map_err(self.err())?,
        ))
    }

    /// How far each SLO's pulled source has been read (unix seconds).
    pub fn source_cursors(&self) -> Result<HashMap<i64, i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT slo_id, through FROM source_cursors")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The last beat of every heartbeat: (service, name, unix ms).
    pub fn heartbeats(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT service, name, at_ms FROM heartbeats")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The newest raw results of a probe, newest first.
    pub fn probe_results(
        &self,
        service: &str,
        probe: &str,
        limit: u32,
    ) -> Result<Vec<ProbeRow>, StoreError> {
        crate::probes::results(&self.conn, service, probe, limit).map_err(self.err())
    }

    /// A probe's rollups at `resolution` with starts in `[from, to)`.
    pub fn probe_rollups(
        &self,
        service: &str,
        probe: &str,
        resolution: Resolution,
        from: i64,
        to: i64,
    ) -> Result<Vec<Rollup>, StoreError> {
        crate::probes::rollups(&self.conn, service, probe, resolution, from, to).map_err(self.err())
    }

    /// Batches in the log not yet covered by a checkpoint.
    pub fn pending_batches(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM ingest_log", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Reads what a restart needs.
    pub fn restore(&self) -> Result<Restored, StoreError> {
        let err = self.err();
        let through: i64 = self
            .conn
            .query_row(
                "SELECT through_batch FROM checkpoint WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(&err)?
            .unwrap_or(0);
        let mut out = Restored::default();
        let mut stmt = self
            .conn
            .prepare("SELECT slo_id, body FROM series")
            .map_err(&err)?;
        out.snapshots = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(&err)?;
        let mut stmt = self
            .conn
            .prepare("SELECT id, body FROM ingest_log WHERE id > ?1 ORDER BY id")
            .map_err(&err)?;
        let raw: Vec<(i64, Vec<u8>)> = stmt
            .query_map([through], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(&err)?;
        for (id, body) in raw {
            let events = decode_events(&body).map_err(|source| StoreError::Corrupt {
                path: self.path.clone(),
                source,
            })?;
            out.batches.push((id, events));
        }
        let mut stmt = self
            .conn
            .prepare("SELECT slo_id, tier, firing, since FROM alert_state")
            .map_err(&err)?;
        out.alerts = stmt
            .query_map([], |r| {
                Ok(AlertRow {
                    slo_id: r.get(0)?,
                    tier: r.get(1)?,
                    firing: r.get(2)?,
                    since: r.get(3)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(&err)?;
        Ok(out)
    }

    /// Records alert state changes: the current state per tier and a line of
    /// history each, in one transaction.
    pub fn record_alerts(&mut self, transitions: &[AlertTransition]) -> Result<(), StoreError> {
        if transitions.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut state = tx
                .prepare_cached(
                    "INSERT INTO alert_state (slo_id, tier, firing, since) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (slo_id, tier) DO UPDATE SET firing = excluded.firing, since = excluded.since",
                )
                .map_err(err)?;
            let mut history = tx
                .prepare_cached(
                    "INSERT INTO alert_history (slo_id, tier, severity, firing, at, threshold, long_burn, short_burn)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            for t in transitions {
                state
                    .execute(params![t.slo_id, t.tier, t.firing, t.at])
                    .map_err(err)?;
                history
                    .execute(params![
                        t.slo_id,
                        t.tier,
                        t.severity,
                        t.firing,
                        t.at,
                        t.threshold,
                        t.long_burn,
                        t.short_burn
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The last `limit` alert transitions of an SLO, newest first.
    pub fn alert_history(
        &self,
        slo_id: i64,
        limit: u32,
    ) -> Result<Vec<AlertTransition>, StoreError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT slo_id, tier, severity, firing, at, threshold, long_burn, short_burn FROM alert_history
                 WHERE slo_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
            )
            .map_err(&err)?;
        stmt.query_map(params![slo_id, limit], |r| {
            Ok(AlertTransition {
                slo_id: r.get(0)?,
                tier: r.get(1)?,
                severity: r.get(2)?,
                firing: r.get(3)?,
                at: r.get(4)?,
                threshold: r.get(5)?,
                long_burn: r.get(6)?,
                short_burn: r.get(7)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(&err)
    }
}

/// Counts by a name (severity, state).
pub type Counts = Vec<(String, i64)>;

/// Appends one batch to the ingest log inside `tx`; returns its id.
fn insert_batch(
    tx: &rusqlite::Transaction<'_>,
    events: &[EventRecord],
    received_at: i64,
) -> rusqlite::Result<i64> {
    let body = encode_events(events);
    tx.prepare_cached("INSERT INTO ingest_log (received_at, events, body) VALUES (?1, ?2, ?3)")?
        .execute(params![received_at, events.len() as i64, body])?;
    Ok(tx.last_insert_rowid())
}
