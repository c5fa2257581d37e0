//! The review side of reliability: deploy gate overrides, postmortems with
//! every revision kept, their action items (the latest revision's, indexed
//! for per-owner queries), and the reads reports need (incidents and alert
//! firings of a period).
//!
//! The store keeps postmortems as JSON text it does not interpret: the
//! model lives in `nines-review`, the binary encodes it.

use rusqlite::{Connection, OptionalExtension, params};

use crate::incidents::{AlertLink, IncidentRow};
use crate::sqlite::{Store, StoreError};

pub(crate) const REVIEW_MIGRATION: &str = r#"
-- Explicit exceptions to a service's error budget policy, set by an admin.
-- Never deleted: expired ones are the record of who shipped through a freeze.
CREATE TABLE gate_overrides (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX gate_overrides_by_service ON gate_overrides (service, expires_at);
-- Every saved revision of an incident's postmortem; the highest is current.
CREATE TABLE postmortems (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    revision INTEGER NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, revision)
);
-- The action items of each postmortem's current revision, replaced on every
-- save, so "what is overdue for whom" is one indexed query.
CREATE TABLE action_items (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    due TEXT,
    tracking TEXT,
    done INTEGER NOT NULL,
    PRIMARY KEY (incident_id, position)
);
CREATE INDEX action_items_by_owner ON action_items (owner, done);
"#;

/// A gate override as stored. Times are unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOverrideRow {
    pub id: i64,
    pub service: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// One revision of a postmortem.
#[derive(Debug, Clone, PartialEq)]
pub struct PostmortemRow {
    pub incident_id: i64,
    /// 1 for the first save, one more for each save after.
    pub revision: i64,
    /// `draft`, `in_review` or `published`.
    pub status: String,
    /// The postmortem as JSON.
    pub body: String,
    pub author: String,
    pub created_at: i64,
}

/// An action item of a postmortem's current revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionItemRow {
    pub incident_id: i64,
    /// Its place in the postmortem's list, from 0.
    pub position: i64,
    /// `prevent`, `mitigate`, `detect` or `process`.
    pub kind: String,
    pub description: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    pub tracking: Option<String>,
    pub done: bool,
}

/// An SLO alert tier that started firing.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFiring {
    pub service: String,
    pub slo: String,
    pub tier: String,
    pub severity: String,
    pub at: i64,
}

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
        crate::incidents::INCIDENT_COLUMNS
    ))?
    .query_map(p, crate::incidents::incident_row)?
    .collect()
}

// === impl Store ===

impl Store {
    /// Records a gate override; returns its id.
    pub fn add_gate_override(&mut self, o: &GateOverrideRow) -> Result<i64, StoreError> {
        self.transact(|tx| {
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

    /// A service's overrides, expired ones included, newest first.
    pub fn gate_overrides(
        &self,
        service: &str,
        limit: u32,
    ) -> Result<Vec<GateOverrideRow>, StoreError> {
        self.read_conn(|c| {
            c.prepare_cached(&format!(
                "SELECT {OVERRIDE_COLUMNS} FROM gate_overrides WHERE service = ?1
                 ORDER BY created_at DESC, id DESC LIMIT ?2"
            ))?
            .query_map(params![service, limit], override_row)?
            .collect()
        })
    }

    /// Open (not resolved) incidents of a service, each with its alerts.
    pub fn open_incidents_of(
        &self,
        service: &str,
    ) -> Result<Vec<(IncidentRow, Vec<AlertLink>)>, StoreError> {
        self.read_conn(|c| {
            let rows = incidents_where(
                c,
                "service = ?1 AND status != 'resolved' ORDER BY id",
                [service],
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for i in rows {
                let alerts = crate::incidents::alerts(c, i.id)?;
                out.push((i, alerts));
            }
            Ok(out)
        })
    }

    /// Incidents that started in `[from, to)`, of one service or all,
    /// oldest first.
    pub fn incidents_started(
        &self,
        service: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        self.read_conn(|c| {
            incidents_where(
                c,
                "(?1 IS NULL OR service = ?1) AND started_at >= ?2 AND started_at < ?3
                 ORDER BY started_at, id",
                params![service, from, to],
            )
        })
    }

    /// SLO alert tiers that started firing in `[from, to)`, oldest first.
    pub fn alert_firings(&self, from: i64, to: i64) -> Result<Vec<AlertFiring>, StoreError> {
        self.read_conn(|c| {
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

    /// Keys (`source|key`) of every alert linked to an incident that was
    /// seen at or after `since`.
    pub fn linked_alert_keys(&self, since: i64) -> Result<Vec<String>, StoreError> {
        self.read_conn(|c| {
            c.prepare_cached(
                "SELECT DISTINCT source || '|' || key FROM incident_alerts WHERE last_at >= ?1",
            )?
            .query_map([since], |r| r.get(0))?
            .collect()
        })
    }

    /// Saves a new revision of an incident's postmortem and replaces its
    /// tracked action items, in one transaction; returns the revision.
    pub fn save_postmortem(
        &mut self,
        incident_id: i64,
        status: &str,
        body: &str,
        author: &str,
        at: i64,
        items: &[ActionItemRow],
    ) -> Result<i64, StoreError> {
        self.transact(|tx| {
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

    /// The current (latest) revision of an incident's postmortem.
    pub fn postmortem(&self, incident_id: i64) -> Result<Option<PostmortemRow>, StoreError> {
        self.read_conn(|c| {
            c.prepare_cached(&format!(
                "SELECT {POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = ?1
                 ORDER BY revision DESC LIMIT 1"
            ))?
            .query_row([incident_id], postmortem_row)
            .optional()
        })
    }

    /// Every revision of an incident's postmortem, oldest first.
    pub fn postmortem_revisions(&self, incident_id: i64) -> Result<Vec<PostmortemRow>, StoreError> {
        self.read_conn(|c| {
            c.prepare_cached(&format!(
                "SELECT {POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = ?1 ORDER BY revision"
            ))?
            .query_map([incident_id], postmortem_row)?
            .collect()
        })
    }

    /// Tracked action items, of one owner or all, optionally only open
    /// ones; by owner, incident and position.
    pub fn action_items(
        &self,
        owner: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<ActionItemRow>, StoreError> {
        self.read_conn(|c| {
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
