//! [`ReviewStore`] on SQLite: changes, gate overrides, postmortem
//! revisions with their action items, and the reads reports need.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::error::StoreError;
use crate::incidents::{AlertLink, IncidentRow};
use crate::review::{
    ActionItemRow, AlertFiring, ChangeRow, GateOverrideRow, PostmortemRow, ReviewStore,
};

const OVERRIDE_COLUMNS: &str = "id, service, reason, created_by, created_at, expires_at";

fn override_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GateOverrideRow> {
    Ok(GateOverrideRow {
        id: r.get(0)?,
        service: r.get(1)?,
        reason: r.get(2)?,
        created_by: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
    })
}

const POSTMORTEM_COLUMNS: &str = "incident_id, revision, status, body, author, created_at";

fn postmortem_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PostmortemRow> {
    Ok(PostmortemRow {
        incident_id: r.get(0)?,
        revision: r.get(1)?,
        status: r.get(2)?,
        body: r.get(3)?,
        author: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// Incidents matching `filter` (SQL after `WHERE`), rows read with the
/// incidents module's mapper.
fn incidents_where(
    conn: &Connection,
    filter: &str,
    p: impl rusqlite::Params,
) -> rusqlite::Result<Vec<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM incidents WHERE {filter}",
        super::incidents::INCIDENT_COLUMNS
    ))?
    .query_map(p, super::incidents::incident_row)?
    .collect()
}

fn add_change(conn: &rusqlite::Connection, c: &ChangeRow) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO changes (service, at, kind, version, author, link, description, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        c.service,
        c.at,
        c.kind,
        c.version,
        c.author,
        c.link,
        c.description,
        c.source
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Changes in `[from, to)`, of one service or all, newest first.
fn changes(
    conn: &rusqlite::Connection,
    service: Option<&str>,
    from: i64,
    to: i64,
    limit: u32,
) -> rusqlite::Result<Vec<ChangeRow>> {
    conn.prepare_cached(
        "SELECT id, service, at, kind, version, author, link, description, source FROM changes
         WHERE (?1 IS NULL OR service = ?1) AND at >= ?2 AND at < ?3 ORDER BY at DESC, id DESC LIMIT ?4",
    )?
    .query_map(params![service, from, to, limit], |r| {
        Ok(ChangeRow {
            id: r.get(0)?,
            service: r.get(1)?,
            at: r.get(2)?,
            kind: r.get(3)?,
            version: r.get(4)?,
            author: r.get(5)?,
            link: r.get(6)?,
            description: r.get(7)?,
            source: r.get(8)?,
        })
    })?
    .collect()
}

impl ReviewStore for SqliteStore {
    fn add_change(&mut self, c: &ChangeRow) -> Result<i64, StoreError> {
        self.write(|tx| Ok(add_change(tx, c)?))
    }

    fn changes(
        &self,
        service: Option<&str>,
        from: i64,
        to: i64,
        limit: u32,
    ) -> Result<Vec<ChangeRow>, StoreError> {
        self.read(|c| changes(c, service, from, to, limit))
    }

    fn add_gate_override(&mut self, o: &GateOverrideRow) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO gate_overrides (service, reason, created_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                o.service,
                o.reason,
                o.created_by,
                o.created_at,
                o.expires_at
            ])?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn gate_overrides(
        &self,
        service: &str,
        limit: u32,
    ) -> Result<Vec<GateOverrideRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {OVERRIDE_COLUMNS} FROM gate_overrides WHERE service = ?1
                 ORDER BY created_at DESC, id DESC LIMIT ?2"
            ))?
            .query_map(params![service, limit], override_row)?
            .collect()
        })
    }

    fn open_incidents_of(
        &self,
        service: &str,
    ) -> Result<Vec<(IncidentRow, Vec<AlertLink>)>, StoreError> {
        self.read(|c| {
            let rows = incidents_where(
                c,
                "service = ?1 AND status != 'resolved' ORDER BY id",
                [service],
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for i in rows {
                let alerts = super::incidents::alerts(c, i.id)?;
                out.push((i, alerts));
            }
            Ok(out)
        })
    }

    fn incidents_started(
        &self,
        service: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        self.read(|c| {
            incidents_where(
                c,
                "(?1 IS NULL OR service = ?1) AND started_at >= ?2 AND started_at < ?3
                 ORDER BY started_at, id",
                params![service, from, to],
            )
        })
    }

    fn alert_firings(&self, from: i64, to: i64) -> Result<Vec<AlertFiring>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT s.service, s.slo, h.tier, h.severity, h.at FROM alert_history AS h
                 JOIN slos AS s ON s.id = h.slo_id
                 WHERE h.firing = 1 AND h.at >= ?1 AND h.at < ?2 ORDER BY h.at, h.id",
            )?
            .query_map(params![from, to], |r| {
                Ok(AlertFiring {
                    service: r.get(0)?,
                    slo: r.get(1)?,
                    tier: r.get(2)?,
                    severity: r.get(3)?,
                    at: r.get(4)?,
                })
            })?
            .collect()
        })
    }

    fn linked_alert_keys(&self, since: i64) -> Result<Vec<String>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT DISTINCT source || '|' || key FROM incident_alerts WHERE last_at >= ?1",
            )?
            .query_map([since], |r| r.get(0))?
            .collect()
        })
    }

    fn save_postmortem(
        &mut self,
        incident_id: i64,
        status: &str,
        body: &str,
        author: &str,
        at: i64,
        items: &[ActionItemRow],
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            let revision: i64 = tx
                .prepare_cached(
                    "SELECT coalesce(max(revision), 0) + 1 FROM postmortems WHERE incident_id = ?1",
                )?
                .query_row([incident_id], |r| r.get(0))?;
            tx.prepare_cached(
                "INSERT INTO postmortems (incident_id, revision, status, body, author, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![incident_id, revision, status, body, author, at])?;
            tx.prepare_cached("DELETE FROM action_items WHERE incident_id = ?1")?
                .execute([incident_id])?;
            for (i, a) in items.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT INTO action_items (incident_id, position, kind, description, owner, due, tracking, done)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    incident_id,
                    i as i64,
                    a.kind,
                    a.description,
                    a.owner,
                    a.due,
                    a.tracking,
                    a.done
                ])?;
            }
            Ok(revision)
        })
    }

    fn postmortem(&self, incident_id: i64) -> Result<Option<PostmortemRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = ?1
                 ORDER BY revision DESC LIMIT 1"
            ))?
            .query_row([incident_id], postmortem_row)
            .optional()
        })
    }

    fn postmortem_revisions(&self, incident_id: i64) -> Result<Vec<PostmortemRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = ?1 ORDER BY revision"
            ))?
            .query_map([incident_id], postmortem_row)?
            .collect()
        })
    }

    fn action_items(
        &self,
        owner: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<ActionItemRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT incident_id, position, kind, description, owner, due, tracking, done
                 FROM action_items WHERE (?1 IS NULL OR owner = ?1) AND (?2 = 0 OR done = 0)
                 ORDER BY owner, incident_id, position",
            )?
            .query_map(params![owner, open_only], |r| {
                Ok(ActionItemRow {
                    incident_id: r.get(0)?,
                    position: r.get(1)?,
                    kind: r.get(2)?,
                    description: r.get(3)?,
                    owner: r.get(4)?,
                    due: r.get(5)?,
                    tracking: r.get(6)?,
                    done: r.get(7)?,
                })
            })?
            .collect()
        })
    }
}
