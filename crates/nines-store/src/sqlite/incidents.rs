//! [`IncidentStore`] on SQLite: incident operations applied in one
//! transaction, the reads of incidents, alerts, timelines and escalations,
//! silences, and SLO alert tier state.
//!
//! One open incident per group is the unique partial index
//! `incidents_one_open_per_group` (migration 10); the writes here turn its
//! refusal into [`StoreError::OpenIncidentExists`].

use nines_incident::{AlertStatus, Status};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Failure, SqliteStore, violates_unique};
use crate::error::StoreError;
use crate::incidents::{
    AlertLink, AlertTransition, EscalationRow, IncidentOp, IncidentRef, IncidentRow, IncidentStats,
    IncidentStore, NamedCounts, SilenceRow, TimelineEntry,
};

fn escalation(
    conn: &rusqlite::Connection,
    incident: i64,
) -> rusqlite::Result<Option<EscalationRow>> {
    conn.prepare_cached(
        "SELECT incident_id, policy, started_at, fired_pass, fired_step, stopped_at FROM escalations WHERE incident_id = ?1",
    )?
    .query_row([incident], |r| {
        let pass: Option<u32> = r.get(3)?;
        let step: Option<u32> = r.get(4)?;
        Ok(EscalationRow {
            incident_id: r.get(0)?,
            policy: r.get(1)?,
            started_at: r.get(2)?,
            fired: pass.zip(step),
            stopped_at: r.get(5)?,
        })
    })
    .optional()
}

/// Applies `ops` in order inside `tx`; returns the id of the incident an
/// `Open` created, if any.
fn apply(tx: &Transaction<'_>, ops: &[IncidentOp]) -> Result<Option<i64>, Failure> {
    let mut opened = None;
    let resolve = |r: IncidentRef, opened: Option<i64>| match r {
        IncidentRef::Id(id) => Ok(id),
        IncidentRef::Opened => opened.ok_or(rusqlite::Error::QueryReturnedNoRows),
    };
    for op in ops {
        match op {
            IncidentOp::Open(n) => {
                tx.prepare_cached(
                    "INSERT INTO incidents (title, service, severity, status, group_key, started_at)
                     VALUES (?1, ?2, ?3, 'triggered', ?4, ?5)",
                )?
                .execute(params![n.title, n.service, n.severity.as_str(), n.group_key, n.started_at])
                .map_err(|e| refuse_second_open(tx, e, &n.group_key))?;
                opened = Some(tx.last_insert_rowid());
            }
            IncidentOp::LinkAlert { incident, alert: a } => {
                let id = resolve(*incident, opened)?;
                tx.prepare_cached(
                    "INSERT INTO incident_alerts (incident_id, source, key, status, summary, labels, first_at, last_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (source, key, incident_id) DO UPDATE SET
                       status = excluded.status, summary = excluded.summary,
                       labels = excluded.labels, last_at = excluded.last_at",
                )?
                .execute(params![id, a.source, a.key, a.status.as_str(), a.summary, a.labels, a.first_at, a.last_at])?;
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
                    let sql = match s {
                        Status::Acknowledged => {
                            "UPDATE incidents SET status = ?1, acknowledged_at = coalesce(acknowledged_at, ?2) WHERE id = ?3"
                        }
                        Status::Resolved => {
                            "UPDATE incidents SET status = ?1, resolved_at = ?2 WHERE id = ?3"
                        }
                        Status::Triggered => {
                            "UPDATE incidents SET status = ?1, resolved_at = NULL WHERE id = ?3 AND ?2 = ?2"
                        }
                    };
                    if let Err(e) = tx.prepare_cached(sql)?.execute(params![s.as_str(), at, id]) {
                        let group: String = tx
                            .prepare_cached("SELECT group_key FROM incidents WHERE id = ?1")?
                            .query_row([id], |r| r.get(0))?;
                        return Err(refuse_second_open(tx, e, &group));
                    }
                }
                if let Some(s) = severity {
                    tx.prepare_cached("UPDATE incidents SET severity = ?1 WHERE id = ?2")?
                        .execute(params![s.as_str(), id])?;
                }
                if let Some(a) = assignee {
                    tx.prepare_cached("UPDATE incidents SET assignee = ?1 WHERE id = ?2")?
                        .execute(params![a, id])?;
                }
                if let Some(c) = commander {
                    tx.prepare_cached("UPDATE incidents SET commander = ?1 WHERE id = ?2")?
                        .execute(params![c, id])?;
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
                tx.prepare_cached(
                    "INSERT INTO timeline (incident_id, at, kind, actor, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![id, at, kind, actor, text])?;
            }
            IncidentOp::Enqueue {
                incident,
                channel,
                key,
                body,
                at_ms,
            } => {
                let id = incident.map(|r| resolve(r, opened)).transpose()?;
                tx.prepare_cached(
                    "INSERT INTO outbox (incident_id, channel, key, body, state, attempts, next_at_ms, created_at_ms)
                     VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5) ON CONFLICT (key) DO NOTHING",
                )?
                .execute(params![id, channel, key, body, at_ms])?;
            }
            IncidentOp::EscalationStart {
                incident,
                policy,
                started_at,
                fired,
            } => {
                let id = resolve(*incident, opened)?;
                let (pass, step) = (fired.map(|f| f.0), fired.map(|f| f.1));
                tx.prepare_cached(
                    "INSERT INTO escalations (incident_id, policy, started_at, fired_pass, fired_step)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (incident_id) DO UPDATE SET policy = excluded.policy,
                       started_at = excluded.started_at, fired_pass = excluded.fired_pass,
                       fired_step = excluded.fired_step, stopped_at = NULL",
                )?
                .execute(params![id, policy, started_at, pass, step])?;
            }
            IncidentOp::EscalationFired {
                incident,
                pass,
                step,
            } => {
                let id = resolve(*incident, opened)?;
                tx.prepare_cached(
                    "UPDATE escalations SET fired_pass = ?1, fired_step = ?2 WHERE incident_id = ?3",
                )?
                .execute(params![pass, step, id])?;
            }
            IncidentOp::Mitigated { incident, at } => {
                let id = resolve(*incident, opened)?;
                tx.prepare_cached(
                    "UPDATE incidents SET mitigated_at = coalesce(mitigated_at, ?1) WHERE id = ?2",
                )?
                .execute(params![at, id])?;
            }
            IncidentOp::EscalationStop { incident, at } => {
                let id = resolve(*incident, opened)?;
                tx.prepare_cached(
                    "UPDATE escalations SET stopped_at = coalesce(stopped_at, ?1) WHERE incident_id = ?2",
                )?
                .execute(params![at, id])?;
                tx.prepare_cached(
                    "UPDATE outbox SET state = 'cancelled', last_error = 'escalation stopped'
                     WHERE incident_id = ?1 AND state = 'pending' AND channel LIKE 'user:%'",
                )?
                .execute(params![id])?;
            }
        }
    }
    Ok(opened)
}

/// Turns the unique index refusing a second open incident in `group_key`
/// into [`StoreError::OpenIncidentExists`], naming the open one; other
/// errors pass through.
fn refuse_second_open(tx: &Transaction<'_>, e: rusqlite::Error, group_key: &str) -> Failure {
    if !violates_unique(&e, "incidents.group_key") {
        return Failure::Sql(e);
    }
    match open_in_group(tx, group_key) {
        Ok(open) => Failure::Refused(StoreError::OpenIncidentExists {
            group_key: group_key.to_string(),
            open: open.map_or(0, |i| i.id),
        }),
        Err(e) => Failure::Sql(e),
    }
}

pub(super) const INCIDENT_COLUMNS: &str = "id, title, service, severity, status, group_key, commander, assignee, started_at, acknowledged_at, mitigated_at, resolved_at";

pub(super) fn incident_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IncidentRow> {
    Ok(IncidentRow {
        id: r.get(0)?,
        title: r.get(1)?,
        service: r.get(2)?,
        severity: parsed(r, 3)?,
        status: parsed(r, 4)?,
        group_key: r.get(5)?,
        commander: r.get(6)?,
        assignee: r.get(7)?,
        started_at: r.get(8)?,
        acknowledged_at: r.get(9)?,
        mitigated_at: r.get(10)?,
        resolved_at: r.get(11)?,
    })
}

/// Column `i` read as text and parsed (a status, a severity): a value the
/// types do not know is a corrupt row, not a panic.
pub(super) fn parsed<T: std::str::FromStr<Err = String>>(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
}

fn get(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Option<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?1"
    ))?
    .query_row([id], incident_row)
    .optional()
}

/// The newest open (not resolved) incident of a group.
fn open_in_group(
    conn: &rusqlite::Connection,
    group_key: &str,
) -> rusqlite::Result<Option<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE group_key = ?1 AND status != 'resolved' ORDER BY id DESC LIMIT 1"
    ))?
    .query_row([group_key], incident_row)
    .optional()
}

fn latest_in_group(
    conn: &rusqlite::Connection,
    group_key: &str,
) -> rusqlite::Result<Option<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE group_key = ?1 ORDER BY status != 'resolved' DESC, id DESC LIMIT 1"
    ))?
    .query_row([group_key], incident_row)
    .optional()
}

/// The newest incident an alert is linked to, with the link's status.
fn of_alert(
    conn: &rusqlite::Connection,
    source: &str,
    key: &str,
) -> rusqlite::Result<Option<(IncidentRow, AlertStatus)>> {
    let found: Option<(i64, AlertStatus)> = conn
        .prepare_cached(
            "SELECT incident_id, status FROM incident_alerts WHERE source = ?1 AND key = ?2 ORDER BY incident_id DESC LIMIT 1",
        )?
        .query_row([source, key], |r| Ok((r.get(0)?, parsed(r, 1)?)))
        .optional()?;
    match found {
        Some((id, status)) => Ok(get(conn, id)?.map(|i| (i, status))),
        None => Ok(None),
    }
}

/// Incidents newest first, optionally of one status and service.
fn list(
    conn: &rusqlite::Connection,
    status: Option<Status>,
    service: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents
         WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR service = ?2)
         ORDER BY id DESC LIMIT ?3"
    ))?
    .query_map(
        params![status.map(Status::as_str), service, limit],
        incident_row,
    )?
    .collect()
}

fn alert_link(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertLink> {
    Ok(AlertLink {
        source: r.get(0)?,
        key: r.get(1)?,
        status: parsed(r, 2)?,
        summary: r.get(3)?,
        labels: r.get(4)?,
        first_at: r.get(5)?,
        last_at: r.get(6)?,
    })
}

pub(super) fn alerts(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Vec<AlertLink>> {
    conn.prepare_cached(
        "SELECT source, key, status, summary, labels, first_at, last_at FROM incident_alerts WHERE incident_id = ?1 ORDER BY first_at, key",
    )?
    .query_map([id], alert_link)?
    .collect()
}

/// One link, by its primary key.
fn alert(
    conn: &rusqlite::Connection,
    id: i64,
    source: &str,
    key: &str,
) -> rusqlite::Result<Option<AlertLink>> {
    conn.prepare_cached(
        "SELECT source, key, status, summary, labels, first_at, last_at FROM incident_alerts
         WHERE source = ?1 AND key = ?2 AND incident_id = ?3",
    )?
    .query_row(params![source, key, id], alert_link)
    .optional()
}

/// Through `incident_alerts_by_incident_status`: the first firing link
/// found is, at worst, the one excluded, so this reads at most two.
fn fires_besides(
    conn: &rusqlite::Connection,
    id: i64,
    source: &str,
    key: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM incident_alerts
         WHERE incident_id = ?1 AND status = 'firing' AND NOT (source = ?2 AND key = ?3))",
    )?
    .query_row(params![id, source, key], |r| r.get(0))
}

/// The labels (JSON) of every firing alert of an open incident: what
/// inhibition compares against.
fn firing_alert_labels(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT a.labels FROM incidents AS i JOIN incident_alerts AS a ON a.incident_id = i.id
         WHERE i.status != 'resolved' AND a.status = 'firing'",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

fn timeline(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Vec<TimelineEntry>> {
    conn.prepare_cached(
        "SELECT id, at, kind, actor, text FROM timeline WHERE incident_id = ?1 ORDER BY id",
    )?
    .query_map([id], |r| {
        Ok(TimelineEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            kind: r.get(2)?,
            actor: r.get(3)?,
            text: r.get(4)?,
        })
    })?
    .collect()
}

/// Open incidents by severity, for metrics.
fn open_by_severity(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached(
        "SELECT severity, count(*) FROM incidents WHERE status != 'resolved' GROUP BY severity ORDER BY severity",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Figures of incidents started in `[from, to)` (unix seconds).
fn stats(conn: &rusqlite::Connection, from: i64, to: i64) -> rusqlite::Result<Vec<IncidentStats>> {
    conn.prepare_cached(
        "SELECT service, severity, count(*), count(acknowledged_at), count(resolved_at),
                avg(acknowledged_at - started_at), avg(resolved_at - started_at)
         FROM incidents WHERE started_at >= ?1 AND started_at < ?2
         GROUP BY service, severity ORDER BY service, severity",
    )?
    .query_map(params![from, to], |r| {
        Ok(IncidentStats {
            service: r.get(0)?,
            severity: r.get(1)?,
            incidents: r.get(2)?,
            acknowledged: r.get(3)?,
            resolved: r.get(4)?,
            mtta_seconds: r.get(5)?,
            mttr_seconds: r.get(6)?,
        })
    })?
    .collect()
}

fn add_silence(conn: &rusqlite::Connection, s: &SilenceRow) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![s.matchers, s.starts_at, s.ends_at, s.created_by, s.comment])?;
    Ok(conn.last_insert_rowid())
}

/// Ends a silence at `at` (if it ends later); false when there is none.
fn expire_silence(conn: &rusqlite::Connection, id: i64, at: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("UPDATE silences SET ends_at = min(ends_at, ?1) WHERE id = ?2")?
        .execute(params![at, id])?;
    Ok(n > 0)
}

/// Silences that end after `after` (active or pending), and the newest
/// ended ones, newest first.
fn silences(conn: &rusqlite::Connection, after: i64) -> rusqlite::Result<Vec<SilenceRow>> {
    conn.prepare_cached(
        "SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences
         WHERE ends_at > ?1 OR id IN (SELECT id FROM silences ORDER BY id DESC LIMIT 100)
         ORDER BY id DESC",
    )?
    .query_map([after], |r| {
        Ok(SilenceRow {
            id: r.get(0)?,
            matchers: r.get(1)?,
            starts_at: r.get(2)?,
            ends_at: r.get(3)?,
            created_by: r.get(4)?,
            comment: r.get(5)?,
        })
    })?
    .collect()
}

/// Writes SLO alert tier states and their history lines inside `tx`.
fn record_alerts(tx: &Transaction<'_>, transitions: &[AlertTransition]) -> rusqlite::Result<()> {
    let mut state = tx.prepare_cached(
        "INSERT INTO alert_state (slo_id, tier, firing, since) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (slo_id, tier) DO UPDATE SET firing = excluded.firing, since = excluded.since",
    )?;
    let mut history = tx.prepare_cached(
        "INSERT INTO alert_history (slo_id, tier, severity, firing, at, threshold, long_burn, short_burn)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for t in transitions {
        state.execute(params![t.slo_id, t.tier, t.firing, t.at])?;
        history.execute(params![
            t.slo_id,
            t.tier,
            t.severity,
            t.firing,
            t.at,
            t.threshold,
            t.long_burn,
            t.short_burn
        ])?;
    }
    Ok(())
}

fn alert_history(
    conn: &rusqlite::Connection,
    slo_id: i64,
    limit: u32,
) -> rusqlite::Result<Vec<AlertTransition>> {
    conn.prepare_cached(
        "SELECT slo_id, tier, severity, firing, at, threshold, long_burn, short_burn FROM alert_history
         WHERE slo_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
    )?
    .query_map(params![slo_id, limit], |r| {
        Ok(AlertTransition {
            slo_id: r.get(0)?,
            tier: r.get(1)?,
            severity: r.get(2)?,
            firing: r.get(3)?,
            at: r.get(4)?,
            threshold: r.get(5)?,
            long_burn: r.get(6)?,
            short_burn: r.get(7)?,
        })
    })?
    .collect()
}

impl IncidentStore for SqliteStore {
    fn apply_incident_ops(&mut self, ops: &[IncidentOp]) -> Result<Option<i64>, StoreError> {
        self.write(|tx| apply(tx, ops))
    }

    fn incident(&self, id: i64) -> Result<Option<IncidentRow>, StoreError> {
        self.read(|c| get(c, id))
    }

    fn open_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError> {
        self.read(|c| open_in_group(c, group_key))
    }

    fn latest_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError> {
        self.read(|c| latest_in_group(c, group_key))
    }

    fn incident_of_alert(
        &self,
        source: &str,
        key: &str,
    ) -> Result<Option<(IncidentRow, AlertStatus)>, StoreError> {
        self.read(|c| of_alert(c, source, key))
    }

    fn incidents(
        &self,
        status: Option<Status>,
        service: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        self.read(|c| list(c, status, service, limit))
    }

    fn incident_alerts(&self, id: i64) -> Result<Vec<AlertLink>, StoreError> {
        self.read(|c| alerts(c, id))
    }

    fn incident_alert(
        &self,
        id: i64,
        source: &str,
        key: &str,
    ) -> Result<Option<AlertLink>, StoreError> {
        self.read(|c| alert(c, id, source, key))
    }

    fn incident_fires_besides(&self, id: i64, source: &str, key: &str) -> Result<bool, StoreError> {
        self.read(|c| fires_besides(c, id, source, key))
    }

    fn escalation(&self, incident: i64) -> Result<Option<EscalationRow>, StoreError> {
        self.read(|c| escalation(c, incident))
    }

    fn firing_alert_labels(&self) -> Result<Vec<String>, StoreError> {
        self.read(firing_alert_labels)
    }

    fn incident_timeline(&self, id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
        self.read(|c| timeline(c, id))
    }

    fn incident_stats(&self, from: i64, to: i64) -> Result<Vec<IncidentStats>, StoreError> {
        self.read(|c| stats(c, from, to))
    }

    fn incident_counts(&self) -> Result<(NamedCounts, NamedCounts), StoreError> {
        self.read(|c| Ok((open_by_severity(c)?, super::outbox::outbox_by_state(c)?)))
    }

    fn add_silence(&mut self, s: &SilenceRow) -> Result<i64, StoreError> {
        self.write(|tx| Ok(add_silence(tx, s)?))
    }

    fn expire_silence(&mut self, id: i64, at: i64) -> Result<bool, StoreError> {
        self.write(|tx| Ok(expire_silence(tx, id, at)?))
    }

    fn silences(&self, after: i64) -> Result<Vec<SilenceRow>, StoreError> {
        self.read(|c| silences(c, after))
    }

    fn record_alerts(&mut self, transitions: &[AlertTransition]) -> Result<(), StoreError> {
        if transitions.is_empty() {
            return Ok(());
        }
        self.write(|tx| Ok(record_alerts(tx, transitions)?))
    }

    fn alert_history(&self, slo_id: i64, limit: u32) -> Result<Vec<AlertTransition>, StoreError> {
        self.read(|c| alert_history(c, slo_id, limit))
    }
}
