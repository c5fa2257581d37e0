//! [`EventLog`] on SQLite: the ingest log, idempotency keys, series
//! snapshots, checkpoints and pulled-source cursors.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Failure, SqliteStore};
use crate::codec::{EventRecord, decode_events, encode_events};
use crate::error::StoreError;
use crate::events::{Appended, BATCH_KEY_SECONDS, EventLog, Restored};
use crate::incidents::{ALERT_HISTORY_SECONDS, AlertRow};

/// Appends one batch to the ingest log inside `tx`; returns its id.
pub(super) fn insert_batch(
    tx: &Transaction<'_>,
    events: &[EventRecord],
    received_at: i64,
) -> rusqlite::Result<i64> {
    let body = encode_events(events);
    tx.prepare_cached("INSERT INTO ingest_log (received_at, events, body) VALUES (?1, ?2, ?3)")?
        .execute(params![received_at, events.len() as i64, body])?;
    Ok(tx.last_insert_rowid())
}

fn batch_of_key(conn: &rusqlite::Connection, key: &str) -> rusqlite::Result<Option<(i64, usize)>> {
    conn.prepare_cached("SELECT batch, events FROM batch_keys WHERE key = ?1")?
        .query_row([key], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
        })
        .optional()
}

/// Appends a batch and records its key, in `tx`. The caller has checked
/// the key inside the same (`IMMEDIATE`) transaction; the primary key on
/// `batch_keys.key` refuses a second insert regardless.
fn insert_keyed(
    tx: &Transaction<'_>,
    events: &[EventRecord],
    received_at: i64,
    key: Option<&str>,
) -> rusqlite::Result<i64> {
    let batch = insert_batch(tx, events, received_at)?;
    if let Some(key) = key {
        tx.prepare_cached(
            "INSERT INTO batch_keys (key, batch, events, at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![key, batch, events.len() as i64, received_at])?;
    }
    Ok(batch)
}

impl EventLog for SqliteStore {
    fn slo_ids(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), i64>, StoreError> {
        self.write(|tx| {
            let mut ids = HashMap::with_capacity(keys.len());
            let mut insert = tx.prepare_cached(
                "INSERT INTO slos (service, slo) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )?;
            let mut select =
                tx.prepare_cached("SELECT id FROM slos WHERE service = ?1 AND slo = ?2")?;
            for (service, slo) in keys {
                insert.execute(params![service, slo])?;
                let id: i64 = select.query_row(params![service, slo], |r| r.get(0))?;
                ids.insert((service.clone(), slo.clone()), id);
            }
            Ok(ids)
        })
    }

    fn append_batch(
        &mut self,
        events: &[EventRecord],
        received_at: i64,
        key: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            if let Some(key) = key
                && let Some((batch, _)) = batch_of_key(tx, key)?
            {
                return Err(Failure::Refused(StoreError::KeyUsed {
                    key: key.to_string(),
                    batch,
                }));
            }
            Ok(insert_keyed(tx, events, received_at, key)?)
        })
    }

    fn append_batch_once(
        &mut self,
        events: &[EventRecord],
        received_at: i64,
        key: Option<&str>,
    ) -> Result<Appended, StoreError> {
        self.write(|tx| {
            if let Some(key) = key
                && let Some((batch, events)) = batch_of_key(tx, key)?
            {
                return Ok(Appended {
                    batch,
                    events,
                    duplicate: true,
                });
            }
            Ok(Appended {
                batch: insert_keyed(tx, events, received_at, key)?,
                events: events.len(),
                duplicate: false,
            })
        })
    }

    fn batch_for_key(&self, key: &str) -> Result<Option<(i64, usize)>, StoreError> {
        self.read(|c| batch_of_key(c, key))
    }

    fn snapshot(&self, slo_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT body FROM series WHERE slo_id = ?1")?
                .query_row([slo_id], |r| r.get(0))
                .optional()
        })
    }

    fn checkpoint(
        &mut self,
        through: i64,
        snapshots: &[(i64, Vec<u8>)],
        at: i64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut put = tx.prepare_cached(
                "INSERT INTO series (slo_id, body) VALUES (?1, ?2) ON CONFLICT (slo_id) DO UPDATE SET body = excluded.body",
            )?;
            for (id, body) in snapshots {
                put.execute(params![id, body])?;
            }
            tx.execute(
                "INSERT INTO checkpoint (id, through_batch, at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET through_batch = excluded.through_batch, at = excluded.at",
                params![through, at],
            )?;
            tx.execute("DELETE FROM ingest_log WHERE id <= ?1", params![through])?;
            tx.execute(
                "DELETE FROM batch_keys WHERE at < ?1",
                params![at - BATCH_KEY_SECONDS],
            )?;
            tx.execute(
                "DELETE FROM alert_history WHERE at < ?1",
                params![at - ALERT_HISTORY_SECONDS],
            )?;
            super::probes::prune(tx, at)?;
            Ok(())
        })
    }

    fn append_pulled(
        &mut self,
        events: &[EventRecord],
        cursors: &[(i64, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.write(|tx| {
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

    fn source_cursors(&self) -> Result<HashMap<i64, i64>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT slo_id, through FROM source_cursors")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    fn pending_batches(&self) -> Result<i64, StoreError> {
        self.read(|c| c.query_row("SELECT count(*) FROM ingest_log", [], |r| r.get(0)))
    }

    fn restore(&self) -> Result<Restored, StoreError> {
        // One read transaction, so the snapshots, the log after them and
        // the alert state are of one instant even with another writer.
        let (snapshots, raw, alerts) = self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let through: i64 = tx
                .query_row(
                    "SELECT through_batch FROM checkpoint WHERE id = 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            let snapshots: Vec<(i64, Vec<u8>)> = tx
                .prepare("SELECT slo_id, body FROM series")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let raw: Vec<(i64, Vec<u8>)> = tx
                .prepare("SELECT id, body FROM ingest_log WHERE id > ?1 ORDER BY id")?
                .query_map([through], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let alerts: Vec<AlertRow> = tx
                .prepare("SELECT slo_id, tier, firing, since FROM alert_state")?
                .query_map([], |r| {
                    Ok(AlertRow {
                        slo_id: r.get(0)?,
                        tier: r.get(1)?,
                        firing: r.get(2)?,
                        since: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok((snapshots, raw, alerts))
        })?;
        let mut batches = Vec::with_capacity(raw.len());
        for (id, body) in raw {
            let events = decode_events(&body).map_err(|source| StoreError::Corrupt {
                path: self.path.clone(),
                source,
            })?;
            batches.push((id, events));
        }
        Ok(Restored {
            snapshots,
            batches,
            alerts,
        })
    }
}
