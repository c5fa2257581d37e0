//! [`OncallStore`] on SQLite: overrides (soft-deleted, so the record of who
//! covered when stays), pages and acknowledgements.

use rusqlite::params;

use super::SqliteStore;
use crate::error::StoreError;
use crate::oncall::{OncallStore, OverrideRow, PageRow};

fn add(conn: &rusqlite::Connection, o: &OverrideRow) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO schedule_overrides (schedule, user, start_at, end_at, created_by, created_at, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        o.schedule,
        o.user,
        o.start_at,
        o.end_at,
        o.created_by,
        o.created_at,
        o.reason
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Overrides not deleted that end after `after`, oldest first (the order
/// in which later ones win).
fn list(conn: &rusqlite::Connection, after: i64) -> rusqlite::Result<Vec<OverrideRow>> {
    conn.prepare_cached(
        "SELECT id, schedule, user, start_at, end_at, created_by, created_at, reason
         FROM schedule_overrides WHERE deleted_at IS NULL AND end_at > ?1 ORDER BY id",
    )?
    .query_map([after], |r| {
        Ok(OverrideRow {
            id: r.get(0)?,
            schedule: r.get(1)?,
            user: r.get(2)?,
            start_at: r.get(3)?,
            end_at: r.get(4)?,
            created_by: r.get(5)?,
            created_at: r.get(6)?,
            reason: r.get(7)?,
        })
    })?
    .collect()
}

/// Deletes an override of `schedule`; false when there is none.
fn delete(conn: &rusqlite::Connection, schedule: &str, id: i64, at: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE schedule_overrides SET deleted_at = ?1
             WHERE id = ?2 AND schedule = ?3 AND deleted_at IS NULL",
        )?
        .execute(params![at, id, schedule])?;
    Ok(n == 1)
}

fn pages(conn: &rusqlite::Connection, from_ms: i64, to_ms: i64) -> rusqlite::Result<Vec<PageRow>> {
    conn.prepare_cached(
        "SELECT channel, key, created_at_ms, state FROM outbox
         WHERE channel LIKE 'user:%' AND created_at_ms >= ?1 AND created_at_ms < ?2 ORDER BY id",
    )?
    .query_map(params![from_ms, to_ms], |r| {
        Ok(PageRow {
            channel: r.get(0)?,
            key: r.get(1)?,
            at_ms: r.get(2)?,
            state: r.get(3)?,
        })
    })?
    .collect()
}

/// Acknowledgements in `[from, to)`: the actor, when the incident started,
/// and when it was acknowledged (seconds).
fn acknowledgements(
    conn: &rusqlite::Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<(String, i64, i64)>> {
    conn.prepare_cached(
        "SELECT t.actor, i.started_at, t.at FROM timeline AS t JOIN incidents AS i ON i.id = t.incident_id
         WHERE t.kind = 'acknowledged' AND t.actor IS NOT NULL AND t.at >= ?1 AND t.at < ?2",
    )?
    .query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

impl OncallStore for SqliteStore {
    fn add_override(&mut self, o: &OverrideRow) -> Result<i64, StoreError> {
        self.write(|tx| Ok(add(tx, o)?))
    }

    fn overrides(&self, after: i64) -> Result<Vec<OverrideRow>, StoreError> {
        self.read(|c| list(c, after))
    }

    fn delete_override(&mut self, schedule: &str, id: i64, at: i64) -> Result<bool, StoreError> {
        self.write(|tx| Ok(delete(tx, schedule, id, at)?))
    }

    fn pages(&self, from_ms: i64, to_ms: i64) -> Result<Vec<PageRow>, StoreError> {
        self.read(|c| pages(c, from_ms, to_ms))
    }

    fn acknowledgements(&self, from: i64, to: i64) -> Result<Vec<(String, i64, i64)>, StoreError> {
        self.read(|c| acknowledgements(c, from, to))
    }
}
