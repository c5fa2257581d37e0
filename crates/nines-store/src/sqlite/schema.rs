//! The SQLite schema: every migration, in order. `PRAGMA user_version`
//! counts those applied; a migration is never edited once released, a
//! change is a new one at the end.

/// Schema migrations, applied in order, each in its own transaction.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: SLO ids, the ingest log, series snapshots, SLO alert state.
    r#"
CREATE TABLE slos (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    slo TEXT NOT NULL,
    UNIQUE (service, slo)
);
-- Accepted event batches not yet folded into a snapshot. AUTOINCREMENT:
-- ids must never be reused after a checkpoint empties the table, or new
-- batches would look already checkpointed.
CREATE TABLE ingest_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    events INTEGER NOT NULL,
    body BLOB NOT NULL
);
-- One snapshot per SLO, as of checkpoint.through_batch.
CREATE TABLE series (
    slo_id INTEGER PRIMARY KEY REFERENCES slos (id),
    body BLOB NOT NULL
);
CREATE TABLE checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    through_batch INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE alert_state (
    slo_id INTEGER NOT NULL REFERENCES slos (id),
    tier TEXT NOT NULL,
    firing INTEGER NOT NULL,
    since INTEGER,
    PRIMARY KEY (slo_id, tier)
);
CREATE TABLE alert_history (
    id INTEGER PRIMARY KEY,
    slo_id INTEGER NOT NULL REFERENCES slos (id),
    tier TEXT NOT NULL,
    severity TEXT NOT NULL,
    firing INTEGER NOT NULL,
    at INTEGER NOT NULL,
    threshold REAL NOT NULL,
    long_burn REAL,
    short_burn REAL
);
CREATE INDEX alert_history_by_slo ON alert_history (slo_id, at);
"#,
    // 2: idempotency keys of accepted batches, so a client retrying after
    // a lost answer does not count a batch twice. Kept a day. The primary
    // key is what makes a key count once with several writers.
    r#"
CREATE TABLE batch_keys (
    key TEXT PRIMARY KEY,
    batch INTEGER NOT NULL,
    events INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX batch_keys_by_age ON batch_keys (at);
"#,
    // 3: probe results, rollups, heartbeats, pulled-source cursors.
    r#"
CREATE TABLE probe_results (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    probe TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    success INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    reason TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX probe_results_by_probe ON probe_results (service, probe, id);
CREATE TABLE probe_rollups (
    service TEXT NOT NULL,
    probe TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    start INTEGER NOT NULL,
    up INTEGER NOT NULL,
    down INTEGER NOT NULL,
    latency_sum_ms REAL NOT NULL,
    buckets TEXT NOT NULL,
    PRIMARY KEY (service, probe, resolution, start)
) WITHOUT ROWID;
CREATE TABLE heartbeats (
    service TEXT NOT NULL,
    name TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (service, name)
) WITHOUT ROWID;
-- How far a pulled SLI source (PromQL) has been read, per SLO, so a
-- restart neither re-reads nor skips a step.
CREATE TABLE source_cursors (
    slo_id INTEGER PRIMARY KEY REFERENCES slos (id),
    through INTEGER NOT NULL
);
"#,
    // 4: incidents, their alerts and timelines, the outbox.
    r#"
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
"#,
    // 5: silences.
    r#"
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
"#,
    // 6: changes.
    r#"
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
"#,
    // 7: escalations: the last step fired per incident, and whether
    // acknowledgement stopped it.
    r#"
CREATE TABLE escalations (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    policy TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    fired_pass INTEGER,
    fired_step INTEGER,
    stopped_at INTEGER
);
"#,
    // 8: gate overrides, postmortems, action items.
    r#"
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
"#,
    // 9: on-call overrides.
    r#"
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
"#,
    // 10: at most one open incident per group, in the database rather
    // than behind the daemon's mutex (issue 13).
    ONE_OPEN_INCIDENT_PER_GROUP,
    // 11: an incident's firing alerts found through the index (issue 15):
    // intake asks "does another linked alert fire?" for every alert, and
    // must not scan an alert storm's 100,000 links to answer. The index
    // on (incident_id) alone is a prefix of this one.
    r#"
CREATE INDEX IF NOT EXISTS incident_alerts_by_incident_status ON incident_alerts (incident_id, status);
DROP INDEX IF EXISTS incident_alerts_by_incident;
"#,
];

/// Migration 10. Before the index can exist, a database written while only
/// the daemon's mutex kept the rule may hold several open incidents in one
/// group. The daemon already sent every alert of such a group to the
/// newest (`open_incident_in_group` reads newest first), so the older ones
/// are orphans: they are resolved, stop escalating, and their timeline says
/// why. Then the unique partial index makes the database refuse a second
/// open incident in a group, whichever connection or process writes it.
const ONE_OPEN_INCIDENT_PER_GROUP: &str = r#"
CREATE TEMP TABLE superseded AS
SELECT i.id AS id,
       (SELECT max(n.id) FROM incidents AS n
        WHERE n.group_key = i.group_key AND n.status != 'resolved') AS newest
FROM incidents AS i
WHERE i.status != 'resolved'
  AND EXISTS (SELECT 1 FROM incidents AS n
              WHERE n.group_key = i.group_key AND n.status != 'resolved' AND n.id > i.id);
INSERT INTO timeline (incident_id, at, kind, actor, text)
SELECT id, CAST(strftime('%s', 'now') AS INTEGER), 'resolved', NULL,
       'resolved by the schema upgrade: incident #' || newest || ' of the same group is open'
FROM superseded;
UPDATE escalations SET stopped_at = coalesce(stopped_at, CAST(strftime('%s', 'now') AS INTEGER))
WHERE incident_id IN (SELECT id FROM superseded);
UPDATE outbox SET state = 'cancelled', last_error = 'escalation stopped'
WHERE incident_id IN (SELECT id FROM superseded) AND state = 'pending' AND channel LIKE 'user:%';
UPDATE incidents SET status = 'resolved', resolved_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE id IN (SELECT id FROM superseded);
DROP TABLE superseded;
CREATE UNIQUE INDEX incidents_one_open_per_group ON incidents (group_key)
WHERE status != 'resolved';
"#;
