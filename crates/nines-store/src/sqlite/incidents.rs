//! Incidents, the alerts linked to them, their timelines, and the outbox of
//! notifications, written as batches of operations in one transaction: an
//! incident is never stored without its first timeline entry and the
//! notifications it owes.

use rusqlite::{OptionalExtension, Transaction, params};

pub(crate) const INCIDENT_MIGRATION: &str = r#"
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    service TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    group_key TEXT NOT NULL,
    commander TEXT,
    assignee TEXT,
    started_at INTEGER NOT NULL,
    acknowledged_at INTEGER,
    mitigated_at INTEGER,
    resolved_at INTEGER
);
CREATE INDEX incidents_by_group ON incidents (group_key, status);
CREATE INDEX incidents_by_status ON incidents (status, id);
CREATE TABLE incident_alerts (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    labels TEXT NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (source, key, incident_id)
);
CREATE INDEX incident_alerts_by_incident ON incident_alerts (incident_id);
CREATE TABLE timeline (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    text TEXT NOT NULL
);
CREATE INDEX timeline_by_incident ON timeline (incident_id, id);
-- Notifications owed. A row is written with the change that owes it, so a
-- crash can delay a message but never lose it; `key` is sent with every
-- attempt so receivers can drop duplicates.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER REFERENCES incidents (id),
    channel TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_at_ms);
"#;

pub(crate) const CHANGE_MIGRATION: &str = r#"
-- Changes to services (deploys, config pushes, flags, rollbacks): context
-- for incidents and, later, the deploy gate and postmortems.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    version TEXT,
    author TEXT,
    link TEXT,
    description TEXT,
    source TEXT NOT NULL
);
CREATE INDEX changes_by_service ON changes (service, at);
"#;

/// A change as stored. `at` is unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    pub id: i64,
    pub service: String,
    pub at: i64,
    /// `deploy`, `config`, `flag`, `rollback`, `chaos`, `other`.
    pub kind: String,
    pub version: Option<String>,
    pub author: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
    /// `api`, `cli`, `pagerduty`.
    pub source: String,
}

pub(crate) fn add_change(conn: &rusqlite::Connection, c: &ChangeRow) -> rusqlite::Result<i64> {
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
pub(crate) fn changes(
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

pub(crate) const SILENCE_MIGRATION: &str = r#"
-- Silences: matching alerts still open and join incidents (recorded),
-- but notify nobody while active. `matchers` is a JSON array of strings.
CREATE TABLE silences (
    id INTEGER PRIMARY KEY,
    matchers TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    comment TEXT NOT NULL
);
"#;

/// An incident as stored. Times are unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub service: String,
    pub severity: String,
    pub status: String,
    pub group_key: String,
    pub commander: Option<String>,
    pub assignee: Option<String>,
    pub started_at: i64,
    pub acknowledged_at: Option<i64>,
    pub mitigated_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// An alert linked to an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertLink {
    pub source: String,
    pub key: String,
    /// `firing` or `resolved`.
    pub status: String,
    pub summary: String,
    /// Labels as a JSON object.
    pub labels: String,
    pub first_at: i64,
    pub last_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub text: String,
}

/// A notification owed to a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub channel: String,
    pub key: String,
    pub body: String,
    /// `pending`, `sent` or `failed` (gave up).
    pub state: String,
    pub attempts: i64,
    pub next_at_ms: i64,
    pub created_at_ms: i64,
    pub last_error: Option<String>,
}

/// Which incident an operation is about: a stored one, or the one an
/// earlier `Open` of the same batch created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentRef {
    Id(i64),
    Opened,
}

/// Escalation state per incident: the policy, when it started, the last
/// step fired (the pure engine in nines-oncall needs nothing else), and
/// whether acknowledgement stopped it. Personal pages queued for later are
/// outbox rows on `user:` channels, cancelled when it stops.
pub(crate) const ESCALATION_MIGRATION: &str = r#"
CREATE TABLE escalations (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    policy TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    fired_pass INTEGER,
    fired_step INTEGER,
    stopped_at INTEGER
);
"#;

/// An incident's escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRow {
    pub incident_id: i64,
    pub policy: String,
    pub started_at: i64,
    /// The last step fired: (pass, step).
    pub fired: Option<(u32, u32)>,
    pub stopped_at: Option<i64>,
}

pub(crate) fn escalation(
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

/// A new incident.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub title: String,
    pub service: String,
    pub severity: String,
    pub group_key: String,
    pub started_at: i64,
}

/// One write of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentOp {
    Open(NewIncident),
    /// Inserts the link, or updates its status, summary and `last_at`.
    LinkAlert {
        incident: IncidentRef,
        alert: AlertLink,
    },
    /// Sets what is `Some`; a status change stamps its time (`acknowledged`
    /// → `acknowledged_at`, `resolved` → `resolved_at`; `triggered` clears
    /// `resolved_at`, a reopen).
    Update {
        incident: IncidentRef,
        status: Option<String>,
        severity: Option<String>,
        assignee: Option<String>,
        commander: Option<String>,
        at: i64,
    },
    Timeline {
        incident: IncidentRef,
        at: i64,
        kind: String,
        actor: Option<String>,
        text: String,
    },
    /// Queues a notification; a `key` already queued is skipped, so a
    /// retried request never owes a message twice.
    Enqueue {
        /// `None` for a message about no incident (an on-call handoff,
        /// a reminder).
        incident: Option<IncidentRef>,
        channel: String,
        key: String,
        body: String,
        at_ms: i64,
    },
    /// Starts (or, for a reopened incident or "escalate now", restarts)
    /// the incident's escalation: nothing fired yet.
    EscalationStart {
        incident: IncidentRef,
        policy: String,
        started_at: i64,
        /// Steps already paged, kept by "escalate now"; `None` from the
        /// start.
        fired: Option<(u32, u32)>,
    },
    /// Records the last step fired; written with the pages it queued.
    EscalationFired {
        incident: IncidentRef,
        pass: u32,
        step: u32,
    },
    /// Stamps when the impact ended (mitigated), once.
    Mitigated {
        incident: IncidentRef,
        at: i64,
    },
    /// Stops the escalation (acknowledged or resolved) and cancels the
    /// personal pages still waiting (`user:` channels).
    EscalationStop {
        incident: IncidentRef,
        at: i64,
    },
}

/// Applies `ops` in order inside `tx`; returns the id of the incident an
/// `Open` created, if any.
pub(crate) fn apply(tx: &Transaction<'_>, ops: &[IncidentOp]) -> rusqlite::Result<Option<i64>> {
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
                .execute(params![n.title, n.service, n.severity, n.group_key, n.started_at])?;
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
                .execute(params![id, a.source, a.key, a.status, a.summary, a.labels, a.first_at, a.last_at])?;
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
                    let sql = match s.as_str() {
                        "acknowledged" => {
                            "UPDATE incidents SET status = ?1, acknowledged_at = coalesce(acknowledged_at, ?2) WHERE id = ?3"
                        }
                        "resolved" => {
                            "UPDATE incidents SET status = ?1, resolved_at = ?2 WHERE id = ?3"
                        }
                        _ => {
                            "UPDATE incidents SET status = ?1, resolved_at = NULL WHERE id = ?3 AND ?2 = ?2"
                        }
                    };
                    tx.prepare_cached(sql)?.execute(params![s, at, id])?;
                }
                if let Some(s) = severity {
                    tx.prepare_cached("UPDATE incidents SET severity = ?1 WHERE id = ?2")?
                        .execute(params![s, id])?;
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

pub(crate) const INCIDENT_COLUMNS: &str = "id, title, service, severity, status, group_key, commander, assignee, started_at, acknowledged_at, mitigated_at, resolved_at";

pub(crate) fn incident_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IncidentRow> {
    Ok(IncidentRow {
        id: r.get(0)?,
        title: r.get(1)?,
        service: r.get(2)?,
        severity: r.get(3)?,
        status: r.get(4)?,
        group_key: r.get(5)?,
        commander: r.get(6)?,
        assignee: r.get(7)?,
        started_at: r.get(8)?,
        acknowledged_at: r.get(9)?,
        mitigated_at: r.get(10)?,
        resolved_at: r.get(11)?,
    })
}

pub(crate) fn get(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Option<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?1"
    ))?
    .query_row([id], incident_row)
    .optional()
}

/// The newest open (not resolved) incident of a group.
pub(crate) fn open_in_group(
    conn: &rusqlite::Connection,
    group_key: &str,
) -> rusqlite::Result<Option<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE group_key = ?1 AND status != 'resolved' ORDER BY id DESC LIMIT 1"
    ))?
    .query_row([group_key], incident_row)
    .optional()
}

/// The newest incident an alert is linked to, with the link's status.
pub(crate) fn of_alert(
    conn: &rusqlite::Connection,
    source: &str,
    key: &str,
) -> rusqlite::Result<Option<(IncidentRow, String)>> {
    let found: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT incident_id, status FROM incident_alerts WHERE source = ?1 AND key = ?2 ORDER BY incident_id DESC LIMIT 1",
        )?
        .query_row([source, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match found {
        Some((id, status)) => Ok(get(conn, id)?.map(|i| (i, status))),
        None => Ok(None),
    }
}

/// Incidents newest first, optionally of one status and service.
pub(crate) fn list(
    conn: &rusqlite::Connection,
    status: Option<&str>,
    service: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<IncidentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents
         WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR service = ?2)
         ORDER BY id DESC LIMIT ?3"
    ))?
    .query_map(params![status, service, limit], incident_row)?
    .collect()
}

pub(crate) fn alerts(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Vec<AlertLink>> {
    conn.prepare_cached(
        "SELECT source, key, status, summary, labels, first_at, last_at FROM incident_alerts WHERE incident_id = ?1 ORDER BY first_at, key",
    )?
    .query_map([id], |r| {
        Ok(AlertLink {
            source: r.get(0)?,
            key: r.get(1)?,
            status: r.get(2)?,
            summary: r.get(3)?,
            labels: r.get(4)?,
            first_at: r.get(5)?,
            last_at: r.get(6)?,
        })
    })?
    .collect()
}

/// The labels (JSON) of every firing alert of an open incident: what
/// inhibition compares against.
pub(crate) fn firing_alert_labels(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT a.labels FROM incidents AS i JOIN incident_alerts AS a ON a.incident_id = i.id
         WHERE i.status != 'resolved' AND a.status = 'firing'",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

pub(crate) fn timeline(
    conn: &rusqlite::Connection,
    id: i64,
) -> rusqlite::Result<Vec<TimelineEntry>> {
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
pub(crate) fn due(
    conn: &rusqlite::Connection,
    now_ms: i64,
    limit: u32,
) -> rusqlite::Result<Vec<OutboxRow>> {
    conn.prepare_cached(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox AS o WHERE state = 'pending' AND next_at_ms <= ?1
           AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.state = 'pending' AND e.channel = o.channel
                           AND e.incident_id IS o.incident_id AND e.id < o.id)
         ORDER BY next_at_ms, id LIMIT ?2"
    ))?
    .query_map(params![now_ms, limit], outbox_row)?
    .collect()
}

pub(crate) fn outbox_of(
    conn: &rusqlite::Connection,
    incident_id: i64,
) -> rusqlite::Result<Vec<OutboxRow>> {
    conn.prepare_cached(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE incident_id = ?1 ORDER BY id"
    ))?
    .query_map([incident_id], outbox_row)?
    .collect()
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Delivered; the timeline says so, with the channel and attempt.
    Sent {
        at: i64,
    },
    Retry {
        next_at_ms: i64,
        error: String,
    },
    /// Not attempted: the channel's rate limit is reached. Waits until
    /// `next_at_ms` without counting an attempt.
    Deferred {
        next_at_ms: i64,
    },
    /// Gave up: permanent failure or past the horizon. The reason goes to
    /// the incident's timeline too.
    Failed {
        error: String,
        at: i64,
    },
}

pub(crate) fn record_delivery(
    tx: &Transaction<'_>,
    row: &OutboxRow,
    d: &Delivery,
) -> rusqlite::Result<()> {
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

/// Open incidents by severity, for metrics.
pub(crate) fn open_by_severity(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached(
        "SELECT severity, count(*) FROM incidents WHERE status != 'resolved' GROUP BY severity ORDER BY severity",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Outbox rows by state, for metrics.
pub(crate) fn outbox_by_state(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Incident figures of one service and severity over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentStats {
    pub service: String,
    pub severity: String,
    pub incidents: i64,
    pub acknowledged: i64,
    pub resolved: i64,
    /// Mean seconds from start to acknowledgement, of those acknowledged.
    pub mtta_seconds: Option<f64>,
    /// Mean seconds from start to resolution, of those resolved.
    pub mttr_seconds: Option<f64>,
}

/// Figures of incidents started in `[from, to)` (unix seconds).
pub(crate) fn stats(
    conn: &rusqlite::Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<IncidentStats>> {
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

/// A silence as stored. Times are unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceRow {
    pub id: i64,
    /// JSON array of matcher strings.
    pub matchers: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: String,
    pub comment: String,
}

pub(crate) fn add_silence(conn: &rusqlite::Connection, s: &SilenceRow) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![s.matchers, s.starts_at, s.ends_at, s.created_by, s.comment])?;
    Ok(conn.last_insert_rowid())
}

/// Ends a silence at `at` (if it ends later); false when there is none.
pub(crate) fn expire_silence(
    conn: &rusqlite::Connection,
    id: i64,
    at: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("UPDATE silences SET ends_at = min(ends_at, ?1) WHERE id = ?2")?
        .execute(params![at, id])?;
    Ok(n > 0)
}

/// Silences that end after `after` (active or pending), and the newest
/// ended ones, newest first.
pub(crate) fn silences(
    conn: &rusqlite::Connection,
    after: i64,
) -> rusqlite::Result<Vec<SilenceRow>> {
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
