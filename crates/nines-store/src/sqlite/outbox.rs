//! [`OutboxStore`] on SQLite: due rows, delivery outcomes (with their
//! timeline lines), counts by state.

use rusqlite::{Transaction, params};

use super::{Failure, SqliteStore};
use crate::error::StoreError;
use crate::outbox::{Delivery, OutboxRow, OutboxStore};

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        incident_id: r.get(1)?,
        channel: r.get(2)?,
        key: r.get(3)?,
        body: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        next_at_ms: r.get(7)?,
        created_at_ms: r.get(8)?,
        last_error: r.get(9)?,
    })
}

const OUTBOX_COLUMNS: &str =
    "id, incident_id, channel, key, body, state, attempts, next_at_ms, created_at_ms, last_error";

/// Due messages, at most one per incident and channel: the oldest, so a
/// receiver sees an incident's events in order (triggered before resolved)
/// even while an earlier one is being retried.
fn due(conn: &rusqlite::Connection, now_ms: i64, limit: u32) -> rusqlite::Result<Vec<OutboxRow>> {
    conn.prepare_cached(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox AS o WHERE state = 'pending' AND next_at_ms <= ?1
           AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.state = 'pending' AND e.channel = o.channel
                           AND e.incident_id IS o.incident_id AND e.id < o.id)
         ORDER BY next_at_ms, id LIMIT ?2"
    ))?
    .query_map(params![now_ms, limit], outbox_row)?
    .collect()
}

fn next_due(conn: &rusqlite::Connection) -> rusqlite::Result<Option<i64>> {
    // Only the head of each (channel, incident) queue: a later row waits
    // for it whatever its own time says.
    conn.prepare_cached(
        "SELECT MIN(next_at_ms) FROM outbox AS o WHERE state = 'pending'
           AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.state = 'pending' AND e.channel = o.channel
                           AND e.incident_id IS o.incident_id AND e.id < o.id)",
    )?
    .query_row([], |r| r.get(0))
}

fn outbox_of(conn: &rusqlite::Connection, incident_id: i64) -> rusqlite::Result<Vec<OutboxRow>> {
    conn.prepare_cached(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE incident_id = ?1 ORDER BY id"
    ))?
    .query_map([incident_id], outbox_row)?
    .collect()
}

fn record_delivery(tx: &Transaction<'_>, row: &OutboxRow, d: &Delivery) -> rusqlite::Result<()> {
    let attempts = row.attempts + 1;
    match d {
        Delivery::Sent { at } => {
            tx.prepare_cached(
                "UPDATE outbox SET state = 'sent', attempts = ?1, last_error = NULL WHERE id = ?2",
            )?
            .execute(params![attempts, row.id])?;
            if let Some(incident) = row.incident_id {
                tx.prepare_cached(
                    "INSERT INTO timeline (incident_id, at, kind, actor, text) VALUES (?1, ?2, 'notification_sent', NULL, ?3)",
                )?
                .execute(params![incident, at, format!("notified {} (attempt {attempts})", row.channel)])?;
            }
        }
        Delivery::Retry { next_at_ms, error } => {
            tx.prepare_cached(
                "UPDATE outbox SET attempts = ?1, next_at_ms = ?2, last_error = ?3 WHERE id = ?4",
            )?
            .execute(params![attempts, next_at_ms, error, row.id])?;
        }
        Delivery::Deferred { next_at_ms } => {
            tx.prepare_cached("UPDATE outbox SET next_at_ms = ?1 WHERE id = ?2")?
                .execute(params![next_at_ms, row.id])?;
        }
        Delivery::Failed { error, at } => {
            tx.prepare_cached(
                "UPDATE outbox SET state = 'failed', attempts = ?1, last_error = ?2 WHERE id = ?3",
            )?
            .execute(params![attempts, error, row.id])?;
            if let Some(incident) = row.incident_id {
                tx.prepare_cached(
                    "INSERT INTO timeline (incident_id, at, kind, actor, text) VALUES (?1, ?2, 'notification_failed', NULL, ?3)",
                )?
                .execute(params![incident, at, format!("gave up on {} after {attempts} attempt(s): {error}", row.channel)])?;
            }
        }
    }
    Ok(())
}

/// Outbox rows by state, for metrics.
pub(super) fn outbox_by_state(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

impl OutboxStore for SqliteStore {
    fn due_notifications(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        self.read(|c| due(c, now_ms, limit))
    }

    fn next_notification_at(&self) -> Result<Option<i64>, StoreError> {
        self.read(next_due)
    }

    fn record_deliveries(&mut self, done: &[(OutboxRow, Delivery)]) -> Result<(), StoreError> {
        self.write(|tx| {
            for (row, d) in done {
                record_delivery(tx, row, d)?;
            }
            Ok::<_, Failure>(())
        })
    }

    fn incident_outbox(&self, id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        self.read(|c| outbox_of(c, id))
    }
}
