//! [`IncidentStore`] on PostgreSQL: incident operations applied in one
//! transaction, the reads of incidents, alerts, timelines and escalations,
//! silences, and SLO alert tier state.
//!
//! One open incident per group is the unique partial index
//! `incidents_one_open_per_group`, as on SQLite. Opening inserts with `ON
//! CONFLICT DO NOTHING` (the index waits for a concurrent opener to commit
//! or roll back), and a reopen runs under a savepoint, so a refusal leaves
//! the transaction usable to name the open incident.

use deadpool_postgres::{GenericClient, Transaction};
use nines_incident::{AlertStatus, Status};
use tokio_postgres::Row;

use super::sql::{exec, one, opt, rows};
use super::{Failure, PostgresStore, corrupt, violates};
use crate::error::{BackendError, BackendErrorKind, StoreError};
use crate::incidents::{
    AlertLink, AlertTransition, EscalationRow, IncidentOp, IncidentRef, IncidentRow, IncidentStats,
    IncidentStore, NamedCounts, SilenceRow, TimelineEntry,
};

type Result<T, E = Failure> = std::result::Result<T, E>;

pub(super) const INCIDENT_COLUMNS: &str = "id, title, service, severity, status, group_key, commander, assignee, started_at, acknowledged_at, mitigated_at, resolved_at";

/// Column `i` read as text and parsed (a status, a severity).
pub(super) fn parsed<T: std::str::FromStr<Err = String>>(r: &Row, i: usize) -> Result<T> {
    let text: String = r.get(i);
    text.parse().map_err(|e| corrupt(r.columns()[i].name(), e))
}

pub(super) fn incident_row(r: &Row) -> Result<IncidentRow> {
    Ok(IncidentRow {
        id: r.get(0),
        title: r.get(1),
        service: r.get(2),
        severity: parsed(r, 3)?,
        status: parsed(r, 4)?,
        group_key: r.get(5),
        commander: r.get(6),
        assignee: r.get(7),
        started_at: r.get(8),
        acknowledged_at: r.get(9),
        mitigated_at: r.get(10),
        resolved_at: r.get(11),
    })
}

pub(super) fn incident_rows(rows: Vec<Row>) -> Result<Vec<IncidentRow>> {
    rows.iter().map(incident_row).collect()
}

async fn escalation(c: &impl GenericClient, incident: i64) -> Result<Option<EscalationRow>> {
    let row = opt(
        c,
        "SELECT incident_id, policy, started_at, fired_pass, fired_step, stopped_at FROM escalations WHERE incident_id = $1",
        &[&incident],
    )
    .await?;
    Ok(row.map(|r| {
        let pass: Option<i64> = r.get(3);
        let step: Option<i64> = r.get(4);
        EscalationRow {
            incident_id: r.get(0),
            policy: r.get(1),
            started_at: r.get(2),
            fired: pass.zip(step).map(|(p, s)| (p as u32, s as u32)),
            stopped_at: r.get(5),
        }
    }))
}

/// A batch refers to the incident it opened, but opened none.
fn nothing_opened() -> Failure {
    Failure::Refused(StoreError::Backend {
        database: "postgres".into(),
        source: BackendError::new(
            BackendErrorKind::Other,
            "an incident operation refers to the incident its batch opens, but the batch opens none",
        ),
    })
}

async fn refused_open(tx: &Transaction<'_>, group_key: &str) -> Failure {
    match open_in_group(tx, group_key).await {
        Ok(open) => Failure::Refused(StoreError::OpenIncidentExists {
            group_key: group_key.to_string(),
            open: open.map_or(0, |i| i.id),
        }),
        Err(e) => e,
    }
}

/// Applies `ops` in order inside `tx`; returns the id of the incident an
/// `Open` created, if any.
async fn apply(tx: &Transaction<'_>, ops: &[IncidentOp]) -> Result<Option<i64>> {
    let mut opened = None;
    let resolve = |r: IncidentRef, opened: Option<i64>| match r {
        IncidentRef::Id(id) => Ok(id),
        IncidentRef::Opened => opened.ok_or_else(nothing_opened),
    };
    for op in ops {
        match op {
            IncidentOp::Open(n) => {
                let row = opt(
                    tx,
                    "INSERT INTO incidents (title, service, severity, status, group_key, started_at)
                     VALUES ($1, $2, $3, 'triggered', $4, $5)
                     ON CONFLICT (group_key) WHERE status <> 'resolved' DO NOTHING RETURNING id",
                    &[&n.title, &n.service, &n.severity.as_str(), &n.group_key, &n.started_at],
                )
                .await?;
                match row {
                    Some(r) => opened = Some(r.get(0)),
                    None => return Err(refused_open(tx, &n.group_key).await),
                }
            }
            IncidentOp::LinkAlert { incident, alert: a } => {
                let id = resolve(*incident, opened)?;
                exec(
                    tx,
                    "INSERT INTO incident_alerts (incident_id, source, key, status, summary, labels, first_at, last_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (source, key, incident_id) DO UPDATE SET
                       status = excluded.status, summary = excluded.summary,
                       labels = excluded.labels, last_at = excluded.last_at",
                    &[&id, &a.source, &a.key, &a.status.as_str(), &a.summary, &a.labels, &a.first_at, &a.last_at],
                )
                .await?;
            }
            IncidentOp::Update {
                incident,
                status,
                severity,
                assignee,
                commander,
                at,
            } => {
                let id = resolve(*incident, opened)?;
                if let Some(s) = status {
                    set_status(tx, id, *s, *at).await?;
                }
                if let Some(s) = severity {
                    exec(
                        tx,
                        "UPDATE incidents SET severity = $1 WHERE id = $2",
                        &[&s.as_str(), &id],
                    )
                    .await?;
                }
                if let Some(a) = assignee {
                    exec(
                        tx,
                        "UPDATE incidents SET assignee = $1 WHERE id = $2",
                        &[a, &id],
                    )
                    .await?;
                }
                if let Some(c) = commander {
                    exec(
                        tx,
                        "UPDATE incidents SET commander = $1 WHERE id = $2",
                        &[c, &id],
                    )
                    .await?;
                }
            }
            IncidentOp::Timeline {
                incident,
                at,
                kind,
                actor,
                text,
            } => {
                let id = resolve(*incident, opened)?;
                exec(
                    tx,
                    "INSERT INTO timeline (incident_id, at, kind, actor, text) VALUES ($1, $2, $3, $4, $5)",
                    &[&id, at, kind, actor, text],
                )
                .await?;
            }
            IncidentOp::Enqueue {
                incident,
                channel,
                key,
                body,
                at_ms,
            } => {
                let id = incident.map(|r| resolve(r, opened)).transpose()?;
                exec(
                    tx,
                    "INSERT INTO outbox (incident_id, channel, key, body, state, attempts, next_at_ms, created_at_ms)
                     VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) ON CONFLICT (key) DO NOTHING",
                    &[&id, channel, key, body, at_ms],
                )
                .await?;
            }
            IncidentOp::EscalationStart {
                incident,
                policy,
                started_at,
                fired,
            } => {
                let id = resolve(*incident, opened)?;
                let (pass, step) = (fired.map(|f| f.0 as i64), fired.map(|f| f.1 as i64));
                exec(
                    tx,
                    "INSERT INTO escalations (incident_id, policy, started_at, fired_pass, fired_step)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (incident_id) DO UPDATE SET policy = excluded.policy,
                       started_at = excluded.started_at, fired_pass = excluded.fired_pass,
                       fired_step = excluded.fired_step, stopped_at = NULL",
                    &[&id, policy, started_at, &pass, &step],
                )
                .await?;
            }
            IncidentOp::EscalationFired {
                incident,
                pass,
                step,
            } => {
                let id = resolve(*incident, opened)?;
                exec(
                    tx,
                    "UPDATE escalations SET fired_pass = $1, fired_step = $2 WHERE incident_id = $3",
                    &[&(*pass as i64), &(*step as i64), &id],
                )
                .await?;
            }
            IncidentOp::Mitigated { incident, at } => {
                let id = resolve(*incident, opened)?;
                exec(
                    tx,
                    "UPDATE incidents SET mitigated_at = coalesce(mitigated_at, $1) WHERE id = $2",
                    &[at, &id],
                )
                .await?;
            }
            IncidentOp::EscalationStop { incident, at } => {
                let id = resolve(*incident, opened)?;
                exec(
                    tx,
                    "UPDATE escalations SET stopped_at = coalesce(stopped_at, $1) WHERE incident_id = $2",
                    &[at, &id],
                )
                .await?;
                exec(
                    tx,
                    "UPDATE outbox SET state = 'cancelled', last_error = 'escalation stopped'
                     WHERE incident_id = $1 AND state = 'pending' AND channel LIKE 'user:%'",
                    &[&id],
                )
                .await?;
            }
        }
    }
    Ok(opened)
}

/// Sets an incident's status, stamping its time. Any status but
/// `resolved` makes the incident open, which the index refuses when its
/// group has another open one: that runs under a savepoint, which undoes
/// just the refused update, so the refusal can name the open one.
async fn set_status(tx: &Transaction<'_>, id: i64, s: Status, at: i64) -> Result<()> {
    let status = s.as_str();
    let (sql, params): (&str, super::sql::Params<'_>) = match s {
        Status::Acknowledged => (
            "UPDATE incidents SET status = $1, acknowledged_at = coalesce(acknowledged_at, $2) WHERE id = $3",
            &[&status, &at, &id],
        ),
        Status::Resolved => (
            "UPDATE incidents SET status = $1, resolved_at = $2 WHERE id = $3",
            &[&status, &at, &id],
        ),
        Status::Triggered => (
            "UPDATE incidents SET status = $1, resolved_at = NULL WHERE id = $2",
            &[&status, &id],
        ),
    };
    if s == Status::Resolved {
        exec(tx, sql, params).await?;
        return Ok(());
    }
    tx.batch_execute("SAVEPOINT set_status").await?;
    match exec(tx, sql, params).await {
        Ok(_) => {
            tx.batch_execute("RELEASE SAVEPOINT set_status").await?;
            Ok(())
        }
        Err(e) if violates(&e, "incidents_one_open_per_group") => {
            tx.batch_execute("ROLLBACK TO SAVEPOINT set_status").await?;
            let group: String = one(tx, "SELECT group_key FROM incidents WHERE id = $1", &[&id])
                .await?
                .get(0);
            Err(refused_open(tx, &group).await)
        }
        Err(e) => Err(e.into()),
    }
}

async fn get(c: &impl GenericClient, id: i64) -> Result<Option<IncidentRow>> {
    opt(
        c,
        &format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1"),
        &[&id],
    )
    .await?
    .as_ref()
    .map(incident_row)
    .transpose()
}

async fn open_in_group(c: &impl GenericClient, group_key: &str) -> Result<Option<IncidentRow>> {
    opt(
        c,
        &format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE group_key = $1 AND status <> 'resolved' ORDER BY id DESC LIMIT 1"
        ),
        &[&group_key],
    )
    .await?
    .as_ref()
    .map(incident_row)
    .transpose()
}

fn alert_link(r: &Row) -> Result<AlertLink> {
    Ok(AlertLink {
        source: r.get(0),
        key: r.get(1),
        status: parsed(r, 2)?,
        summary: r.get(3),
        labels: r.get(4),
        first_at: r.get(5),
        last_at: r.get(6),
    })
}

pub(super) async fn alerts(c: &impl GenericClient, id: i64) -> Result<Vec<AlertLink>> {
    rows(
        c,
        "SELECT source, key, status, summary, labels, first_at, last_at FROM incident_alerts WHERE incident_id = $1 ORDER BY first_at, key",
        &[&id],
    )
    .await?
    .iter()
    .map(alert_link)
    .collect()
}

fn silence_row(r: &Row) -> SilenceRow {
    SilenceRow {
        id: r.get(0),
        matchers: r.get(1),
        starts_at: r.get(2),
        ends_at: r.get(3),
        created_by: r.get(4),
        comment: r.get(5),
    }
}

fn transition_row(r: &Row) -> AlertTransition {
    AlertTransition {
        slo_id: r.get(0),
        tier: r.get(1),
        severity: r.get(2),
        firing: r.get(3),
        at: r.get(4),
        threshold: r.get(5),
        long_burn: r.get(6),
        short_burn: r.get(7),
    }
}

fn named_counts(rows: Vec<Row>) -> NamedCounts {
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

impl IncidentStore for PostgresStore {
    fn apply_incident_ops(&mut self, ops: &[IncidentOp]) -> Result<Option<i64>, StoreError> {
        self.write(async |tx| apply(tx, ops).await)
    }

    fn incident(&self, id: i64) -> Result<Option<IncidentRow>, StoreError> {
        self.read(async |c| get(c, id).await)
    }

    fn open_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError> {
        self.read(async |c| open_in_group(c, group_key).await)
    }

    fn latest_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError> {
        self.read(async |c| {
            opt(
                c,
                &format!(
                    "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE group_key = $1 ORDER BY status <> 'resolved' DESC, id DESC LIMIT 1"
                ),
                &[&group_key],
            )
            .await?
            .as_ref()
            .map(incident_row)
            .transpose()
        })
    }

    fn incident_of_alert(
        &self,
        source: &str,
        key: &str,
    ) -> Result<Option<(IncidentRow, AlertStatus)>, StoreError> {
        self.read(async |c| {
            let found = opt(
                c,
                "SELECT incident_id, status FROM incident_alerts WHERE source = $1 AND key = $2 ORDER BY incident_id DESC LIMIT 1",
                &[&source, &key],
            )
            .await?;
            let Some(r) = found else { return Ok(None) };
            let (id, status): (i64, AlertStatus) = (r.get(0), parsed(&r, 1)?);
            Ok(get(c, id).await?.map(|i| (i, status)))
        })
    }

    fn incidents(
        &self,
        status: Option<Status>,
        service: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        self.read(async |c| {
            incident_rows(
                rows(
                    c,
                    &format!(
                        "SELECT {INCIDENT_COLUMNS} FROM incidents
                         WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR service = $2)
                         ORDER BY id DESC LIMIT $3"
                    ),
                    &[&status.map(Status::as_str), &service, &(limit as i64)],
                )
                .await?,
            )
        })
    }

    fn incident_alerts(&self, id: i64) -> Result<Vec<AlertLink>, StoreError> {
        self.read(async |c| alerts(c, id).await)
    }

    fn incident_alert(
        &self,
        id: i64,
        source: &str,
        key: &str,
    ) -> Result<Option<AlertLink>, StoreError> {
        self.read(async |c| {
            opt(
                c,
                "SELECT source, key, status, summary, labels, first_at, last_at FROM incident_alerts
                 WHERE source = $1 AND key = $2 AND incident_id = $3",
                &[&source, &key, &id],
            )
            .await?
            .as_ref()
            .map(alert_link)
            .transpose()
        })
    }

    fn incident_fires_besides(&self, id: i64, source: &str, key: &str) -> Result<bool, StoreError> {
        self.read(async |c| {
            Ok(one(
                c,
                "SELECT EXISTS (SELECT 1 FROM incident_alerts
                 WHERE incident_id = $1 AND status = 'firing' AND NOT (source = $2 AND key = $3))",
                &[&id, &source, &key],
            )
            .await?
            .get(0))
        })
    }

    fn escalation(&self, incident: i64) -> Result<Option<EscalationRow>, StoreError> {
        self.read(async |c| escalation(c, incident).await)
    }

    fn firing_alert_labels(&self) -> Result<Vec<String>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT a.labels FROM incidents AS i JOIN incident_alerts AS a ON a.incident_id = i.id
                 WHERE i.status <> 'resolved' AND a.status = 'firing'",
                &[],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    fn incident_timeline(&self, id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT id, at, kind, actor, text FROM timeline WHERE incident_id = $1 ORDER BY id",
                &[&id],
            )
            .await?
            .iter()
            .map(|r| TimelineEntry {
                id: r.get(0),
                at: r.get(1),
                kind: r.get(2),
                actor: r.get(3),
                text: r.get(4),
            })
            .collect())
        })
    }

    fn incident_stats(&self, from: i64, to: i64) -> Result<Vec<IncidentStats>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT service, severity, count(*), count(acknowledged_at), count(resolved_at),
                        avg(acknowledged_at - started_at)::float8, avg(resolved_at - started_at)::float8
                 FROM incidents WHERE started_at >= $1 AND started_at < $2
                 GROUP BY service, severity ORDER BY service, severity",
                &[&from, &to],
            )
            .await?
            .iter()
            .map(|r| IncidentStats {
                service: r.get(0),
                severity: r.get(1),
                incidents: r.get(2),
                acknowledged: r.get(3),
                resolved: r.get(4),
                mtta_seconds: r.get(5),
                mttr_seconds: r.get(6),
            })
            .collect())
        })
    }

    fn incident_counts(&self) -> Result<(NamedCounts, NamedCounts), StoreError> {
        self.read(async |c| {
            let open = rows(
                c,
                "SELECT severity, count(*) FROM incidents WHERE status <> 'resolved' GROUP BY severity ORDER BY severity",
                &[],
            )
            .await?;
            let outbox = rows(
                c,
                "SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state",
                &[],
            )
            .await?;
            Ok((named_counts(open), named_counts(outbox)))
        })
    }

    fn add_silence(&mut self, s: &SilenceRow) -> Result<i64, StoreError> {
        self.write(async |tx| {
            Ok(one(
                tx,
                "INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &s.matchers,
                    &s.starts_at,
                    &s.ends_at,
                    &s.created_by,
                    &s.comment,
                ],
            )
            .await?
            .get(0))
        })
    }

    fn expire_silence(&mut self, id: i64, at: i64) -> Result<bool, StoreError> {
        self.write(async |tx| {
            let n = exec(
                tx,
                "UPDATE silences SET ends_at = LEAST(ends_at, $1) WHERE id = $2",
                &[&at, &id],
            )
            .await?;
            Ok(n > 0)
        })
    }

    fn silences(&self, after: i64) -> Result<Vec<SilenceRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences
                 WHERE ends_at > $1 OR id IN (SELECT id FROM silences ORDER BY id DESC LIMIT 100)
                 ORDER BY id DESC",
                &[&after],
            )
            .await?
            .iter()
            .map(silence_row)
            .collect())
        })
    }

    fn record_alerts(&mut self, transitions: &[AlertTransition]) -> Result<(), StoreError> {
        if transitions.is_empty() {
            return Ok(());
        }
        self.write(async |tx| {
            for t in transitions {
                exec(
                    tx,
                    "INSERT INTO alert_state (slo_id, tier, firing, since) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (slo_id, tier) DO UPDATE SET firing = excluded.firing, since = excluded.since",
                    &[&t.slo_id, &t.tier, &t.firing, &t.at],
                )
                .await?;
                exec(
                    tx,
                    "INSERT INTO alert_history (slo_id, tier, severity, firing, at, threshold, long_burn, short_burn)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[&t.slo_id, &t.tier, &t.severity, &t.firing, &t.at, &t.threshold, &t.long_burn, &t.short_burn],
                )
                .await?;
            }
            Ok(())
        })
    }

    fn alert_history(&self, slo_id: i64, limit: u32) -> Result<Vec<AlertTransition>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT slo_id, tier, severity, firing, at, threshold, long_burn, short_burn FROM alert_history
                 WHERE slo_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
                &[&slo_id, &(limit as i64)],
            )
            .await?
            .iter()
            .map(transition_row)
            .collect())
        })
    }
}
