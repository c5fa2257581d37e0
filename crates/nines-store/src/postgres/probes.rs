//! [`ProbeStore`] on PostgreSQL: raw results trimmed per probe, rollups
//! folded in as results arrive, heartbeats; rollups past retention are
//! pruned at checkpoints. The bucket encoding is SQLite's (`sqlite/probes.rs`).

use deadpool_postgres::Transaction;

use super::PostgresStore;
use super::sql::{exec, opt, rows};
use crate::codec::EventRecord;
use crate::error::StoreError;
use crate::probes::{
    ProbeRow, ProbeStore, RAW_RESULTS_KEPT, Resolution, Rollup, bucket_of, join_buckets,
    parse_buckets,
};

/// Inserts `rows`, folds them into the rollups and trims raw results. The
/// rollup row is locked while it is read and rewritten.
async fn insert(tx: &Transaction<'_>, rows: &[ProbeRow]) -> Result<(), tokio_postgres::Error> {
    let mut touched = Vec::new();
    for r in rows {
        exec(
            tx,
            "INSERT INTO probe_results (service, probe, at_ms, success, duration_ms, reason, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&r.service, &r.probe, &r.at_ms, &r.success, &r.duration_ms, &r.reason, &r.detail],
        )
        .await?;
        for res in Resolution::ALL {
            let seconds = res.seconds();
            let start = r.at_ms.div_euclid(1000).div_euclid(seconds) * seconds;
            let found = opt(
                tx,
                "SELECT up, down, latency_sum_ms, buckets FROM probe_rollups
                 WHERE service = $1 AND probe = $2 AND resolution = $3 AND start = $4 FOR UPDATE",
                &[&r.service, &r.probe, &seconds, &start],
            )
            .await?;
            let (mut up, mut down, mut sum, buckets): (i64, i64, f64, String) = found
                .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
                .unwrap_or_default();
            let mut buckets = parse_buckets(&buckets);
            if r.success {
                up += 1;
            } else {
                down += 1;
            }
            sum += r.duration_ms;
            buckets[bucket_of(r.duration_ms)] += 1;
            exec(
                tx,
                "INSERT INTO probe_rollups (service, probe, resolution, start, up, down, latency_sum_ms, buckets)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (service, probe, resolution, start) DO UPDATE SET up = excluded.up,
                   down = excluded.down, latency_sum_ms = excluded.latency_sum_ms, buckets = excluded.buckets",
                &[&r.service, &r.probe, &seconds, &start, &up, &down, &sum, &join_buckets(&buckets)],
            )
            .await?;
        }
        if !touched.contains(&(&r.service, &r.probe)) {
            touched.push((&r.service, &r.probe));
        }
    }
    for (service, probe) in touched {
        exec(
            tx,
            "DELETE FROM probe_results WHERE service = $1 AND probe = $2 AND id <=
             (SELECT id FROM probe_results WHERE service = $1 AND probe = $2
              ORDER BY id DESC LIMIT 1 OFFSET $3)",
            &[service, probe, &RAW_RESULTS_KEPT],
        )
        .await?;
    }
    Ok(())
}

/// Drops rollups past their retention.
pub(super) async fn prune(tx: &Transaction<'_>, now: i64) -> Result<(), tokio_postgres::Error> {
    for res in Resolution::ALL {
        exec(
            tx,
            "DELETE FROM probe_rollups WHERE resolution = $1 AND start < $2",
            &[&res.seconds(), &(now - res.retention_seconds())],
        )
        .await?;
    }
    Ok(())
}

impl ProbeStore for PostgresStore {
    fn record_probe_results(
        &mut self,
        events: &[EventRecord],
        rows: &[ProbeRow],
        beats: &[(String, String, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.write(async |tx| {
            let batch = if events.is_empty() {
                None
            } else {
                Some(super::events::insert_batch(tx, events, received_at).await?)
            };
            insert(tx, rows).await?;
            for (service, name, at_ms) in beats {
                exec(
                    tx,
                    "INSERT INTO heartbeats (service, name, at_ms) VALUES ($1, $2, $3)
                     ON CONFLICT (service, name) DO UPDATE SET at_ms = excluded.at_ms",
                    &[service, name, at_ms],
                )
                .await?;
            }
            Ok(batch)
        })
    }

    fn heartbeats(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.read(async |c| {
            Ok(rows(c, "SELECT service, name, at_ms FROM heartbeats", &[])
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect())
        })
    }

    fn probe_results(
        &self,
        service: &str,
        probe: &str,
        limit: u32,
    ) -> Result<Vec<ProbeRow>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT at_ms, success, duration_ms, reason, detail FROM probe_results
                 WHERE service = $1 AND probe = $2 ORDER BY id DESC LIMIT $3",
                &[&service, &probe, &(limit as i64)],
            )
            .await?
            .iter()
            .map(|r| ProbeRow {
                service: service.to_string(),
                probe: probe.to_string(),
                at_ms: r.get(0),
                success: r.get(1),
                duration_ms: r.get(2),
                reason: r.get(3),
                detail: r.get(4),
            })
            .collect())
        })
    }

    fn probe_rollups(
        &self,
        service: &str,
        probe: &str,
        resolution: Resolution,
        from: i64,
        to: i64,
    ) -> Result<Vec<Rollup>, StoreError> {
        self.read(async |c| {
            Ok(rows(
                c,
                "SELECT start, up, down, latency_sum_ms, buckets FROM probe_rollups
                 WHERE service = $1 AND probe = $2 AND resolution = $3 AND start >= $4 AND start < $5
                 ORDER BY start",
                &[&service, &probe, &resolution.seconds(), &from, &to],
            )
            .await?
            .iter()
            .map(|r| Rollup {
                start: r.get(0),
                up: r.get(1),
                down: r.get(2),
                latency_sum_ms: r.get(3),
                buckets: parse_buckets(&r.get::<_, String>(4)),
            })
            .collect())
        })
    }
}
