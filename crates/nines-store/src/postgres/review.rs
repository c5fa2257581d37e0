//! [`ReviewStore`] on PostgreSQL: changes, gate overrides, postmortem
//! revisions with their action items, and the reads reports need.

use tokio_postgres::Row;

use super::PostgresStore;
use super::incidents::{INCIDENT_COLUMNS, alerts, incident_rows};
use super::sql::{exec, one, opt, rows};
use crate::error::StoreError;
use crate::incidents::{AlertLink, IncidentRow};
use crate::review::{
    ActionItemRow, AlertFiring, ChangeRow, GateOverrideRow, PostmortemRow, ReviewStore,
};

const POSTMORTEM_COLUMNS: &str = "incident_id, revision, status, body, author, created_at";

fn postmortem_row(r: &Row) -> PostmortemRow {
    PostmortemRow {
        incident_id: r.get(0),
        revision: r.get(1),
        status: r.get(2),
        body: r.get(3),
        author: r.get(4),
        created_at: r.get(5),
    }
}

impl ReviewStore for PostgresStore {
    fn add_change(&mut self, c: &ChangeRow) -> Result<i64, StoreError> {
        self.write(async |tx| {
            Ok(one(
                tx,
                "INSERT INTO changes (service, at, kind, version, author, link, description, source)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[&c.service, &c.at, &c.kind, &c.version, &c.author, &c.link, &c.description, &c.source],
            )
            .await?
            .get(0))
        })
    }

    fn changes(
        &self,
        service: Option<&str>,
        from: i64,
        to: i64,
        limit: u32,
    ) -> Result<Vec<ChangeRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT id, service, at, kind, version, author, link, description, source FROM changes
                 WHERE ($1::text IS NULL OR service = $1) AND at >= $2 AND at < $3 ORDER BY at DESC, id DESC LIMIT $4",
                &[&service, &from, &to, &(limit as i64)],
            )
            .await?
            .iter()
            .map(|r| ChangeRow {
                id: r.get(0),
                service: r.get(1),
                at: r.get(2),
                kind: r.get(3),
                version: r.get(4),
                author: r.get(5),
                link: r.get(6),
                description: r.get(7),
                source: r.get(8),
            })
            .collect())
        })
    }

    fn add_gate_override(&mut self, o: &GateOverrideRow) -> Result<i64, StoreError> {
        self.write(async |tx| {
            Ok(one(
                tx,
                "INSERT INTO gate_overrides (service, reason, created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &o.service,
                    &o.reason,
                    &o.created_by,
                    &o.created_at,
                    &o.expires_at,
                ],
            )
            .await?
            .get(0))
        })
    }

    fn gate_overrides(
        &self,
        service: &str,
        limit: u32,
    ) -> Result<Vec<GateOverrideRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT id, service, reason, created_by, created_at, expires_at FROM gate_overrides
                 WHERE service = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                &[&service, &(limit as i64)],
            )
            .await?
            .iter()
            .map(|r| GateOverrideRow {
                id: r.get(0),
                service: r.get(1),
                reason: r.get(2),
                created_by: r.get(3),
                created_at: r.get(4),
                expires_at: r.get(5),
            })
            .collect())
        })
    }

    fn open_incidents_of(
        &self,
        service: &str,
    ) -> Result<Vec<(IncidentRow, Vec<AlertLink>)>, StoreError> {
        self.read(async |c| {
            let found = incident_rows(
                rows(
                    c,
                    &format!(
                        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE service = $1 AND status <> 'resolved' ORDER BY id"
                    ),
                    &[&service],
                )
                .await?,
            )?;
            let mut out = Vec::with_capacity(found.len());
            for i in found {
                let a = alerts(c, i.id).await?;
                out.push((i, a));
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
        self.read(async |c| {
            incident_rows(
                rows(
                    c,
                    &format!(
                        "SELECT {INCIDENT_COLUMNS} FROM incidents
                         WHERE ($1::text IS NULL OR service = $1) AND started_at >= $2 AND started_at < $3
                         ORDER BY started_at, id"
                    ),
                    &[&service, &from, &to],
                )
                .await?,
            )
        })
    }

    fn alert_firings(&self, from: i64, to: i64) -> Result<Vec<AlertFiring>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT s.service, s.slo, h.tier, h.severity, h.at FROM alert_history AS h
                 JOIN slos AS s ON s.id = h.slo_id
                 WHERE h.firing AND h.at >= $1 AND h.at < $2 ORDER BY h.at, h.id",
                &[&from, &to],
            )
            .await?
            .iter()
            .map(|r| AlertFiring {
                service: r.get(0),
                slo: r.get(1),
                tier: r.get(2),
                severity: r.get(3),
                at: r.get(4),
            })
            .collect())
        })
    }

    fn linked_alert_keys(&self, since: i64) -> Result<Vec<String>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT DISTINCT source || '|' || key FROM incident_alerts WHERE last_at >= $1",
                &[&since],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
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
        self.write(async |tx| {
            // The incident's row lock makes two saves (two replicas) take
            // turns, so each gets the next revision.
            exec(
                tx,
                "SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE",
                &[&incident_id],
            )
            .await?;
            let revision: i64 = one(
                tx,
                "SELECT coalesce(max(revision), 0) + 1 FROM postmortems WHERE incident_id = $1",
                &[&incident_id],
            )
            .await?
            .get(0);
            exec(
                tx,
                "INSERT INTO postmortems (incident_id, revision, status, body, author, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&incident_id, &revision, &status, &body, &author, &at],
            )
            .await?;
            exec(
                tx,
                "DELETE FROM action_items WHERE incident_id = $1",
                &[&incident_id],
            )
            .await?;
            for (i, a) in items.iter().enumerate() {
                exec(
                    tx,
                    "INSERT INTO action_items (incident_id, position, kind, description, owner, due, tracking, done)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[&incident_id, &(i as i64), &a.kind, &a.description, &a.owner, &a.due, &a.tracking, &a.done],
                )
                .await?;
            }
            Ok(revision)
        })
    }

    fn postmortem(&self, incident_id: i64) -> Result<Option<PostmortemRow>, StoreError> {
        self.read(async |c| {
            Ok(opt(
                c,
                &format!(
                    "SELECT {POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = $1
                     ORDER BY revision DESC LIMIT 1"
                ),
                &[&incident_id],
            )
            .await?
            .as_ref()
            .map(postmortem_row))
        })
    }

    fn postmortem_revisions(&self, incident_id: i64) -> Result<Vec<PostmortemRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                &format!(
                    "SELECT {POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = $1 ORDER BY revision"
                ),
                &[&incident_id],
            )
            .await?
            .iter()
            .map(postmortem_row)
            .collect())
        })
    }

    fn action_items(
        &self,
        owner: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<ActionItemRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT incident_id, position, kind, description, owner, due, tracking, done
                 FROM action_items WHERE ($1::text IS NULL OR owner = $1) AND (NOT $2 OR NOT done)
                 ORDER BY owner, incident_id, position",
                &[&owner, &open_only],
            )
            .await?
            .iter()
            .map(|r| ActionItemRow {
                incident_id: r.get(0),
                position: r.get(1),
                kind: r.get(2),
                description: r.get(3),
                owner: r.get(4),
                due: r.get(5),
                tracking: r.get(6),
                done: r.get(7),
            })
            .collect())
        })
    }
}
