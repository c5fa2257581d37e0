//! [`ProbeStore`] on SQLite: raw results trimmed per probe, rollups folded
//! in as results arrive, heartbeats; rollups past retention are pruned at
//! checkpoints.

use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use crate::codec::EventRecord;
use crate::error::StoreError;
use crate::probes::{
    ProbeRow, ProbeStore, RAW_RESULTS_KEPT, Resolution, Rollup, bucket_of, join_buckets,
    parse_buckets,
};

/// Inserts `rows`, folds them into the rollups and trims raw results.
fn insert(tx: &Transaction<'_>, rows: &[ProbeRow]) -> rusqlite::Result<()> {
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
pub(super) fn prune(tx: &Transaction<'_>, now: i64) -> rusqlite::Result<()> {
    for res in Resolution::ALL {
        tx.execute(
            "DELETE FROM probe_rollups WHERE resolution = ?1 AND start < ?2",
            params![res.seconds(), now - res.retention_seconds()],
        )?;
    }
    Ok(())
}

fn results(
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

fn rollups(
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

impl ProbeStore for SqliteStore {
    fn record_probe_results(
        &mut self,
        events: &[EventRecord],
        rows: &[ProbeRow],
        beats: &[(String, String, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.write(|tx| {
            let batch = (!events.is_empty())
                .then(|| super::events::insert_batch(tx, events, received_at))
                .transpose()?;
            insert(tx, rows)?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO heartbeats (service, name, at_ms) VALUES (?1, ?2, ?3)",
            )?;
            for (service, name, at_ms) in beats {
                put.execute(params![service, name, at_ms])?;
            }
            Ok(batch)
        })
    }

    fn heartbeats(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT service, name, at_ms FROM heartbeats")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
    }

    fn probe_results(
        &self,
        service: &str,
        probe: &str,
        limit: u32,
    ) -> Result<Vec<ProbeRow>, StoreError> {
        self.read(|c| results(c, service, probe, limit))
    }

    fn probe_rollups(
        &self,
        service: &str,
        probe: &str,
        resolution: Resolution,
        from: i64,
        to: i64,
    ) -> Result<Vec<Rollup>, StoreError> {
        self.read(|c| rollups(c, service, probe, resolution, from, to))
    }
}
