//! One evaluation cycle over 10,000 and 100,000 SLOs holding 30 days of
//! per-minute data, and the resident memory each SLO costs.
//!
//! Run pinned to one core: `taskset -c 0 cargo bench -p nines --bench evaluate`.
//! Targets (issue 2): at most 10 ms per 10,000 SLOs per cycle; at most
//! 64 KiB per SLO.
// A benchmark measures wall time; the clock rule is for the daemon.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::time::Instant;

use jiff::Timestamp;
use nines::state::slo::engine::Engine;
use nines_config::Config;
use nines_slo::{Counts, Snapshot, minute_of};
use nines_store::{Restored, encode_snapshot};

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

fn config(n: usize) -> Config {
    let mut yaml = String::from("services:\n");
    for s in 0..n / 100 {
        yaml.push_str(&format!("  svc{s}:\n    slos:\n"));
        for o in 0..100 {
            yaml.push_str(&format!(
                "      - {{ name: slo{o}, objective: 99.9, window: 30d, sli: events }}\n"
            ));
        }
    }
    Config::parse("bench.yaml", &yaml).expect("generated config is valid")
}

/// 30 days of data as the series holds it: every minute of the last day,
/// every hour of the 29 days before, with a few errors.
fn full_snapshot(head: i64) -> Vec<u8> {
    let minutes = (head - 1439..=head)
        .map(|m| (m, Counts::new(995 + (m % 5) as u64, 1000)))
        .collect();
    let first_hour = (head - 1439).div_euclid(60) - 29 * 24;
    let hours = (first_hour..(head - 1439).div_euclid(60))
        .map(|h| (h * 60, Counts::new(59_950, 60_000)))
        .collect();
    encode_snapshot(&Snapshot {
        head,
        minutes,
        hours,
    })
}

fn main() {
    let now: Timestamp = "2026-11-24T12:00:30Z".parse().unwrap();
    let head = minute_of(now);
    let blob = full_snapshot(head);
    for n in [10_000usize, 100_000] {
        let rss_start = rss_bytes();
        let config = config(n);
        let keys = Engine::keys(&config);
        let ids: HashMap<(String, String), i64> = keys.into_iter().zip(1..).collect();
        let mut engine = Engine::new(&config, &ids, now);
        drop(config);
        let mut id = 1;
        while id <= n as i64 {
            let chunk: Vec<(i64, Vec<u8>)> = (id..(id + 5000).min(n as i64 + 1))
                .map(|i| (i, blob.clone()))
                .collect();
            id += 5000;
            engine
                .restore(
                    Restored {
                        snapshots: chunk,
                        ..Restored::default()
                    },
                    now,
                )
                .unwrap();
        }
        let rss_loaded = rss_bytes();
        engine.evaluate(now, false);
        let total_30d = engine.slos()[0].report.as_ref().unwrap().windows[7].total;
        assert!(
            total_30d > 40_000_000,
            "30 days of data loaded ({total_30d} events)"
        );

        let rounds = if n <= 10_000 { 50 } else { 10 };
        // Cycles within one minute: the common case at a 10 s interval.
        let t = Instant::now();
        for _ in 0..rounds {
            engine.evaluate(now, false);
        }
        let same = t.elapsed().as_secs_f64() / rounds as f64;
        // Cycles that each cross a minute: every window drops its oldest minute.
        let t = Instant::now();
        for r in 1..=rounds {
            engine.evaluate(now + jiff::SignedDuration::from_secs(60 * r as i64), false);
        }
        let next = t.elapsed().as_secs_f64() / rounds as f64;
        let per_slo_rss = (rss_loaded.saturating_sub(rss_start)) as f64 / n as f64;
        let per_slo_series = engine.series_memory_bytes() as f64 / n as f64;
        println!(
            "evaluate n={n:>6}: cycle {:>8.2} ms ({:.2} ms per 10k SLOs); crossing a minute {:>8.2} ms ({:.2} ms per 10k); \
             memory per SLO: {:.1} KiB resident, {:.1} KiB in series",
            same * 1e3,
            same * 1e3 * 10_000.0 / n as f64,
            next * 1e3,
            next * 1e3 * 10_000.0 / n as f64,
            per_slo_rss / 1024.0,
            per_slo_series / 1024.0,
        );
    }
}
