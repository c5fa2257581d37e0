//! [`EventLog`] on PostgreSQL: the ingest log, idempotency keys, series
//! snapshots, checkpoints and pulled-source cursors.
//!
//! One batch per key between replicas: the writer takes a transaction
//! advisory lock on the key before it looks, so a second writer with the
//! same key waits, then sees the first one's commit (each statement of a
//! `READ COMMITTED` transaction sees what committed before it), and the
//! primary key on `batch_keys.key` refuses a second insert regardless.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Transaction};

use super::sql::{exec, one, opt, rows};
use super::{Failure, PostgresStore};
use crate::codec::{EventRecord, decode_events, encode_events};
use crate::error::StoreError;
use crate::events::{Appended, BATCH_KEY_SECONDS, EventLog, Restored};
use crate::incidents::{ALERT_HISTORY_SECONDS, AlertRow};

/// The first key of the advisory locks on idempotency keys (the second is
/// the key's hash): "batch" in ASCII, apart from the migration lock.
const KEY_LOCK: i32 = 0x62_61_74_63;

/// Appends one batch to the ingest log inside `tx`; returns its id.
pub(super) async fn insert_batch(
    tx: &Transaction<'_>,
    events: &[EventRecord],
    received_at: i64,
) -> Result<i64, tokio_postgres::Error> {
    let body = encode_events(events);
    let n = events.len() as i64;
    Ok(one(
        tx,
        "INSERT INTO ingest_log (received_at, events, body) VALUES ($1, $2, $3) RETURNING id",
        &[&received_at, &n, &body],
    )
    .await?
    .get(0))
}

async fn batch_of_key(
    c: &impl GenericClient,
    key: &str,
) -> Result<Option<(i64, usize)>, tokio_postgres::Error> {
    Ok(opt(
        c,
        "SELECT batch, events FROM batch_keys WHERE key = $1",
        &[&key],
    )
    .await?
    .map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1) as usize)))
}

/// Locks `key` for the rest of `tx`, then reads the batch it was accepted
/// with, if any.
async fn locked_batch_of_key(
    tx: &Transaction<'_>,
    key: &str,
) -> Result<Option<(i64, usize)>, tokio_postgres::Error> {
    exec(
        tx,
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&KEY_LOCK, &key],
    )
    .await?;
    batch_of_key(tx, key).await
}

async fn insert_keyed(
    tx: &Transaction<'_>,
    events: &[EventRecord],
    received_at: i64,
    key: Option<&str>,
) -> Result<i64, tokio_postgres::Error> {
    let batch = insert_batch(tx, events, received_at).await?;
    if let Some(key) = key {
        let n = events.len() as i64;
        exec(
            tx,
            "INSERT INTO batch_keys (key, batch, events, at) VALUES ($1, $2, $3, $4)",
            &[&key, &batch, &n, &received_at],
        )
        .await?;
    }
    Ok(batch)
}

impl EventLog for PostgresStore {
    fn slo_ids(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), i64>, StoreError> {
        self.write(async |tx| {
            let mut ids = HashMap::with_capacity(keys.len());
            for (service, slo) in keys {
                exec(
                    tx,
                    "INSERT INTO slos (service, slo) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[service, slo],
                )
                .await?;
                let id: i64 = one(
                    tx,
                    "SELECT id FROM slos WHERE service = $1 AND slo = $2",
                    &[service, slo],
                )
                .await?
                .get(0);
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
        self.write(async |tx| {
            if let Some(key) = key
                && let Some((batch, _)) = locked_batch_of_key(tx, key).await?
            {
                return Err(Failure::Refused(StoreError::KeyUsed {
                    key: key.to_string(),
                    batch,
                }));
            }
            Ok(insert_keyed(tx, events, received_at, key).await?)
        })
    }

    fn append_batch_once(
        &mut self,
        events: &[EventRecord],
        received_at: i64,
        key: Option<&str>,
    ) -> Result<Appended, StoreError> {
        self.write(async |tx| {
            if let Some(key) = key
                && let Some((batch, events)) = locked_batch_of_key(tx, key).await?
            {
                return Ok(Appended {
                    batch,
                    events,
                    duplicate: true,
                });
            }
            Ok(Appended {
                batch: insert_keyed(tx, events, received_at, key).await?,
                events: events.len(),
                duplicate: false,
            })
        })
    }

    fn batch_for_key(&self, key: &str) -> Result<Option<(i64, usize)>, StoreError> {
        self.read(async |c| Ok(batch_of_key(c, key).await?))
    }

    fn snapshot(&self, slo_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(async |c| {
            Ok(
                opt(c, "SELECT body FROM series WHERE slo_id = $1", &[&slo_id])
                    .await?
                    .map(|r| r.get(0)),
            )
        })
    }

    fn checkpoint(
        &mut self,
        through: i64,
        snapshots: &[(i64, Vec<u8>)],
        at: i64,
    ) -> Result<(), StoreError> {
        self.write(async |tx| {
            for (id, body) in snapshots {
                exec(
                    tx,
                    "INSERT INTO series (slo_id, body) VALUES ($1, $2)
                     ON CONFLICT (slo_id) DO UPDATE SET body = excluded.body",
                    &[id, body],
                )
                .await?;
            }
            exec(
                tx,
                "INSERT INTO checkpoint (id, through_batch, at) VALUES (1, $1, $2)
                 ON CONFLICT (id) DO UPDATE SET through_batch = excluded.through_batch, at = excluded.at",
                &[&through, &at],
            )
            .await?;
            exec(tx, "DELETE FROM ingest_log WHERE id <= $1", &[&through]).await?;
            exec(
                tx,
                "DELETE FROM batch_keys WHERE at < $1",
                &[&(at - BATCH_KEY_SECONDS)],
            )
            .await?;
            exec(
                tx,
                "DELETE FROM alert_history WHERE at < $1",
                &[&(at - ALERT_HISTORY_SECONDS)],
            )
            .await?;
            super::probes::prune(tx, at).await?;
            Ok(())
        })
    }

    fn append_pulled(
        &mut self,
        events: &[EventRecord],
        cursors: &[(i64, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.write(async |tx| {
            let batch = if events.is_empty() {
                None
            } else {
                Some(insert_batch(tx, events, received_at).await?)
            };
            for (slo_id, through) in cursors {
                exec(
                    tx,
                    "INSERT INTO source_cursors (slo_id, through) VALUES ($1, $2)
                     ON CONFLICT (slo_id) DO UPDATE SET through = excluded.through",
                    &[slo_id, through],
                )
                .await?;
            }
            Ok(batch)
        })
    }

    fn source_cursors(&self) -> Result<HashMap<i64, i64>, StoreError> {
        self.read(async |c| {
            Ok(rows(c, "SELECT slo_id, through FROM source_cursors", &[])
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn pending_batches(&self) -> Result<i64, StoreError> {
        self.read(async |c| Ok(one(c, "SELECT count(*) FROM ingest_log", &[]).await?.get(0)))
    }

    fn restore(&self) -> Result<Restored, StoreError> {
        // One snapshot of the database (REPEATABLE READ), so the
        // snapshots, the log after them and the alert state are of one
        // instant while other replicas write.
        let (snapshots, raw, alerts) = self.write(async |tx| {
            tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?;
            let through: i64 = opt(tx, "SELECT through_batch FROM checkpoint WHERE id = 1", &[])
                .await?
                .map_or(0, |r| r.get(0));
            let snapshots: Vec<(i64, Vec<u8>)> = rows(tx, "SELECT slo_id, body FROM series", &[])
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let raw: Vec<(i64, Vec<u8>)> = rows(
                tx,
                "SELECT id, body FROM ingest_log WHERE id > $1 ORDER BY id",
                &[&through],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
            let alerts: Vec<AlertRow> = rows(
                tx,
                "SELECT slo_id, tier, firing, since FROM alert_state",
                &[],
            )
            .await?
            .iter()
            .map(|r| AlertRow {
                slo_id: r.get(0),
                tier: r.get(1),
                firing: r.get(2),
                since: r.get(3),
            })
            .collect();
            Ok((snapshots, raw, alerts))
        })?;
        let mut batches = Vec::with_capacity(raw.len());
        for (id, body) in raw {
            let events = decode_events(&body).map_err(|source| StoreError::Corrupt {
                path: self.database.to_string().into(),
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
