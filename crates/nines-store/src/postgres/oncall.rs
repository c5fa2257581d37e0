//! [`OncallStore`] on PostgreSQL: overrides (soft-deleted, so the record
//! of who covered when stays), pages and acknowledgements.

use super::PostgresStore;
use super::sql::{exec, one, rows};
use crate::error::StoreError;
use crate::oncall::{OncallStore, OverrideRow, PageRow};

impl OncallStore for PostgresStore {
    fn add_override(&mut self, o: &OverrideRow) -> Result<i64, StoreError> {
        self.write(async |tx| {
            Ok(one(
                tx,
                "INSERT INTO schedule_overrides (schedule, user_name, start_at, end_at, created_by, created_at, reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&o.schedule, &o.user, &o.start_at, &o.end_at, &o.created_by, &o.created_at, &o.reason],
            )
            .await?
            .get(0))
        })
    }

    fn overrides(&self, after: i64) -> Result<Vec<OverrideRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT id, schedule, user_name, start_at, end_at, created_by, created_at, reason
                 FROM schedule_overrides WHERE deleted_at IS NULL AND end_at > $1 ORDER BY id",
                &[&after],
            )
            .await?
            .iter()
            .map(|r| OverrideRow {
                id: r.get(0),
                schedule: r.get(1),
                user: r.get(2),
                start_at: r.get(3),
                end_at: r.get(4),
                created_by: r.get(5),
                created_at: r.get(6),
                reason: r.get(7),
            })
            .collect())
        })
    }

    fn delete_override(&mut self, schedule: &str, id: i64, at: i64) -> Result<bool, StoreError> {
        self.write(async |tx| {
            let n = exec(
                tx,
                "UPDATE schedule_overrides SET deleted_at = $1
                 WHERE id = $2 AND schedule = $3 AND deleted_at IS NULL",
                &[&at, &id, &schedule],
            )
            .await?;
            Ok(n == 1)
        })
    }

    fn pages(&self, from_ms: i64, to_ms: i64) -> Result<Vec<PageRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT channel, key, created_at_ms, state FROM outbox
                 WHERE channel LIKE 'user:%' AND created_at_ms >= $1 AND created_at_ms < $2 ORDER BY id",
                &[&from_ms, &to_ms],
            )
            .await?
            .iter()
            .map(|r| PageRow {
                channel: r.get(0),
                key: r.get(1),
                at_ms: r.get(2),
                state: r.get(3),
            })
            .collect())
        })
    }

    fn acknowledgements(&self, from: i64, to: i64) -> Result<Vec<(String, i64, i64)>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT t.actor, i.started_at, t.at FROM timeline AS t JOIN incidents AS i ON i.id = t.incident_id
                 WHERE t.kind = 'acknowledged' AND t.actor IS NOT NULL AND t.at >= $1 AND t.at < $2",
                &[&from, &to],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
        })
    }
}
