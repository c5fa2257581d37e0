//! On-call overrides made through the API (`POST
//! /api/v1/schedules/{s}/overrides`): kept here so they survive restarts
//! and config reloads; the daemon lays them over the config's schedules.

use rusqlite::params;

pub(crate) const OVERRIDE_MIGRATION: &str = r#"
CREATE TABLE schedule_overrides (
    id INTEGER PRIMARY KEY,
    schedule TEXT NOT NULL,
    user TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    deleted_at INTEGER
);
CREATE INDEX schedule_overrides_by_end ON schedule_overrides (end_at);
"#;

/// An override made through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRow {
    pub id: i64,
    pub schedule: String,
    pub user: String,
    pub start_at: i64,
    pub end_at: i64,
    pub created_by: String,
    pub created_at: i64,
    pub reason: String,
}

pub(crate) fn add(conn: &rusqlite::Connection, o: &OverrideRow) -> rusqlite::Result<i64> {
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
pub(crate) fn list(conn: &rusqlite::Connection, after: i64) -> rusqlite::Result<Vec<OverrideRow>> {
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
pub(crate) fn delete(
    conn: &rusqlite::Connection,
    schedule: &str,
    id: i64,
    at: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE schedule_overrides SET deleted_at = ?1
             WHERE id = ?2 AND schedule = ?3 AND deleted_at IS NULL",
        )?
        .execute(params![at, id, schedule])?;
    Ok(n == 1)
}

/// A page to a person: an outbox row on a `user:` channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRow {
    pub channel: String,
    pub key: String,
    pub at_ms: i64,
    pub state: String,
}

pub(crate) fn pages(
    conn: &rusqlite::Connection,
    from_ms: i64,
    to_ms: i64,
) -> rusqlite::Result<Vec<PageRow>> {
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
pub(crate) fn acknowledgements(
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
