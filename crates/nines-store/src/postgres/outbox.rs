//! [`OutboxStore`] on PostgreSQL: due rows, delivery outcomes (with their
//! timeline lines).
//!
//! Only the leader delivers, so reading due rows takes no claim yet; rows
//! claimed by several replicas (`FOR UPDATE SKIP LOCKED` with a claim
//! expiry) are issue 16's item 4.

use deadpool_postgres::Transaction;
use tokio_postgres::Row;

use super::sql::{exec, one, rows};
use super::{Failure, PostgresStore};
use crate::error::StoreError;
use crate::outbox::{Delivery, OutboxRow, OutboxStore};

fn outbox_row(r: &Row) -> OutboxRow {
    OutboxRow {
        id: r.get(0),
        incident_id: r.get(1),
        channel: r.get(2),
        key: r.get(3),
        body: r.get(4),
        state: r.get(5),
        attempts: r.get(6),
        next_at_ms: r.get(7),
        created_at_ms: r.get(8),
        last_error: r.get(9),
    }
}

const OUTBOX_COLUMNS: &str =
    "id, incident_id, channel, key, body, state, attempts, next_at_ms, created_at_ms, last_error";

/// Only the head of each (channel, incident) queue is due: a receiver sees
/// an incident's events in order even while an earlier one is retried.
const HEAD_OF_QUEUE: &str =
    "NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.state = 'pending' AND e.channel = o.channel
     AND e.incident_id IS NOT DISTINCT FROM o.incident_id AND e.id < o.id)";

async fn record_delivery(
    tx: &Transaction<'_>,
    row: &OutboxRow,
    d: &Delivery,
) -> Result<(), Failure> {
    let attempts = row.attempts + 1;
    match d {
        Delivery::Sent { at } => {
            exec(
                tx,
                "UPDATE outbox SET state = 'sent', attempts = $1, last_error = NULL WHERE id = $2",
                &[&attempts, &row.id],
            )
            .await?;
            if let Some(incident) = row.incident_id {
                let text = format!("notified {} (attempt {attempts})", row.channel);
                exec(
                    tx,
                    "INSERT INTO timeline (incident_id, at, kind, actor, text) VALUES ($1, $2, 'notification_sent', NULL, $3)",
                    &[&incident, at, &text],
                )
                .await?;
            }
        }
        Delivery::Retry { next_at_ms, error } => {
            exec(
                tx,
                "UPDATE outbox SET attempts = $1, next_at_ms = $2, last_error = $3 WHERE id = $4",
                &[&attempts, next_at_ms, error, &row.id],
            )
            .await?;
        }
        Delivery::Deferred { next_at_ms } => {
            exec(
                tx,
                "UPDATE outbox SET next_at_ms = $1 WHERE id = $2",
                &[next_at_ms, &row.id],
            )
            .await?;
        }
        Delivery::Failed { error, at } => {
            exec(
                tx,
                "UPDATE outbox SET state = 'failed', attempts = $1, last_error = $2 WHERE id = $3",
                &[&attempts, error, &row.id],
            )
            .await?;
            if let Some(incident) = row.incident_id {
                let text = format!(
                    "gave up on {} after {attempts} attempt(s): {error}",
                    row.channel
                );
                exec(
                    tx,
                    "INSERT INTO timeline (incident_id, at, kind, actor, text) VALUES ($1, $2, 'notification_failed', NULL, $3)",
                    &[&incident, at, &text],
                )
                .await?;
            }
        }
    }
    Ok(())
}

impl OutboxStore for PostgresStore {
    fn due_notifications(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                &format!(
                    "SELECT {OUTBOX_COLUMNS} FROM outbox AS o WHERE state = 'pending' AND next_at_ms <= $1
                       AND {HEAD_OF_QUEUE} ORDER BY next_at_ms, id LIMIT $2"
                ),
                &[&now_ms, &(limit as i64)],
            )
            .await?
            .iter()
            .map(outbox_row)
            .collect())
        })
    }

    fn next_notification_at(&self) -> Result<Option<i64>, StoreError> {
        self.read(async |c| {
            Ok(one(
                c,
                &format!(
                    "SELECT MIN(next_at_ms) FROM outbox AS o WHERE state = 'pending' AND {HEAD_OF_QUEUE}"
                ),
                &[],
            )
            .await?
            .get(0))
        })
    }

    fn record_deliveries(&mut self, done: &[(OutboxRow, Delivery)]) -> Result<(), StoreError> {
        self.write(async |tx| {
            for (row, d) in done {
                record_delivery(tx, row, d).await?;
            }
            Ok(())
        })
    }

    fn incident_outbox(&self, id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE incident_id = $1 ORDER BY id"),
                &[&id],
            )
            .await?
            .iter()
            .map(outbox_row)
            .collect())
        })
    }
}
