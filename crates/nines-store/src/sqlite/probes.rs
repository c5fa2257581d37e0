//! Probe results: the last raw results per probe for detail views, and
//! per-minute, per-hour and per-day rollups (up/down counts and a latency
//! histogram) so uptime bars and SLA reports never re-read raw results.

use rusqlite::{OptionalExtension, Transaction, params};

/// Raw results kept per probe.
pub const RAW_RESULTS_KEPT: i64 = 1000;

/// Upper bounds (ms) of the latency histogram buckets; the last bucket is
/// everything slower. Prometheus' default buckets, in milliseconds.
pub const LATENCY_BOUNDS_MS: [f64; 11] = [
    5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

/// A rollup resolution and how long rows of it are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Minute,
    Hour,
    Day,
}

impl Resolution {
    pub const ALL: [Resolution; 3] = [Resolution::Minute, Resolution::Hour, Resolution::Day];

    pub fn seconds(self) -> i64 {
        match self {
            Resolution::Minute => 60,
            Resolution::Hour => 3600,
            Resolution::Day => 86_400,
        }
    }

    /// Minutes for 8 days (a week's detail with a day to spare); hours and
    /// days for 400 days, for 90-day bars and yearly SLA reports.
    pub fn retention_seconds(self) -> i64 {
        match self {
            Resolution::Minute => 8 * 86_400,
            Resolution::Hour | Resolution::Day => 400 * 86_400,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Resolution::Minute => "minute",
            Resolution::Hour => "hour",
            Resolution::Day => "day",
        }
    }

    pub fn from_name(name: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// One probe run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRow {
    pub service: String,
    pub probe: String,
    /// Unix milliseconds of the run's start.
    pub at_ms: i64,
    pub success: bool,
    pub duration_ms: f64,
    /// Why it failed, in one line.
    pub reason: Option<String>,
    /// The full outcome as JSON, for detail views.
    pub detail: String,
}

/// Up/down counts and latencies of a probe over one period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rollup {
    /// Unix seconds the period starts at.
    pub start: i64,
    pub up: i64,
    pub down: i64,
    pub latency_sum_ms: f64,
    /// Counts per [`LATENCY_BOUNDS_MS`] bucket, plus one for slower runs.
    pub buckets: Vec<i64>,
}

pub(crate) const PROBE_MIGRATION: &str = r#"
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
"#;

fn bucket_of(duration_ms: f64) -> usize {
    LATENCY_BOUNDS_MS
        .iter()
        .position(|&b| duration_ms <= b)
        .unwrap_or(LATENCY_BOUNDS_MS.len())
}

fn parse_buckets(text: &str) -> Vec<i64> {
    let mut b: Vec<i64> = text.split(',').filter_map(|n| n.parse().ok()).collect();
    b.resize(LATENCY_BOUNDS_MS.len() + 1, 0);
    b
}

fn join_buckets(buckets: &[i64]) -> String {
    buckets
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Inserts `rows`, folds them into the rollups and trims raw results.
pub(crate) fn insert(tx: &Transaction<'_>, rows: &[ProbeRow]) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO probe_results (service, probe, at_ms, success, duration_ms, reason, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut get = tx.prepare_cached(
        "SELECT up, down, latency_sum_ms, buckets FROM probe_rollups
         WHERE service = ?1 AND probe = ?2 AND resolution = ?3 AND start = ?4",
    )?;
    let mut put = tx.prepare_cached(
        "INSERT OR REPLACE INTO probe_rollups
         (service, probe, resolution, start, up, down, latency_sum_ms, buckets)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut touched = Vec::new();
    for r in rows {
        insert.execute(params![
            r.service,
            r.probe,
            r.at_ms,
            r.success,
            r.duration_ms,
            r.reason,
            r.detail
        ])?;
        for res in Resolution::ALL {
            let start = r.at_ms.div_euclid(1000).div_euclid(res.seconds()) * res.seconds();
            let found = get
                .query_row(params![r.service, r.probe, res.seconds(), start], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, f64>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                })
                .optional()?;
            let (mut up, mut down, mut sum, buckets) = found.unwrap_or_default();
            let mut buckets = parse_buckets(&buckets);
            if r.success {
                up += 1;
            } else {
                down += 1;
            }
            sum += r.duration_ms;
            buckets[bucket_of(r.duration_ms)] += 1;
            put.execute(params![
                r.service,
                r.probe,
                res.seconds(),
                start,
                up,
                down,
                sum,
                join_buckets(&buckets)
            ])?;
        }
        if !touched.contains(&(&r.service, &r.probe)) {
            touched.push((&r.service, &r.probe));
        }
    }
    let mut trim = tx.prepare_cached(
        "DELETE FROM probe_results WHERE service = ?1 AND probe = ?2 AND id <=
         (SELECT id FROM probe_results WHERE service = ?1 AND probe = ?2
          ORDER BY id DESC LIMIT 1 OFFSET ?3)",
    )?;
    for (service, probe) in touched {
        trim.execute(params![service, probe, RAW_RESULTS_KEPT])?;
    }
    Ok(())
}

/// Drops rollups past their retention.
pub(crate) fn prune(tx: &Transaction<'_>, now: i64) -> rusqlite::Result<()> {
    for res in Resolution::ALL {
        tx.execute(
            "DELETE FROM probe_rollups WHERE resolution = ?1 AND start < ?2",
            params![res.seconds(), now - res.retention_seconds()],
        )?;
    }
    Ok(())
}

pub(crate) fn results(
    conn: &rusqlite::Connection,
    service: &str,
    probe: &str,
    limit: u32,
) -> rusqlite::Result<Vec<ProbeRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at_ms, success, duration_ms, reason, detail FROM probe_results
         WHERE service = ?1 AND probe = ?2 ORDER BY id DESC LIMIT ?3",
    )?;
    stmt.query_map(params![service, probe, limit], |r| {
        Ok(ProbeRow {
            service: service.to_string(),
            probe: probe.to_string(),
            at_ms: r.get(0)?,
            success: r.get(1)?,
            duration_ms: r.get(2)?,
            reason: r.get(3)?,
            detail: r.get(4)?,
        })
    })?
    .collect()
}

pub(crate) fn rollups(
    conn: &rusqlite::Connection,
    service: &str,
    probe: &str,
    resolution: Resolution,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<Rollup>> {
    let mut stmt = conn.prepare_cached(
        "SELECT start, up, down, latency_sum_ms, buckets FROM probe_rollups
         WHERE service = ?1 AND probe = ?2 AND resolution = ?3 AND start >= ?4 AND start < ?5
         ORDER BY start",
    )?;
    stmt.query_map(
        params![service, probe, resolution.seconds(), from, to],
        |r| {
            Ok(Rollup {
                start: r.get(0)?,
                up: r.get(1)?,
                down: r.get(2)?,
                latency_sum_ms: r.get(3)?,
                buckets: parse_buckets(&r.get::<_, String>(4)?),
            })
        },
    )?
    .collect()
}
