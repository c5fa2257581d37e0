//! Probe results: raw results trimmed to the last 1,000 per probe, rollups
//! that add up to the raw results at every resolution, retention.

use nines_store::{EventLog, LATENCY_BOUNDS_MS, ProbeRow, ProbeStore, Resolution};

use crate::util::{TestDb, backends, ev, slo};

backends!(
    rollups_add_up_and_raw_results_are_trimmed,
    heartbeats_survive_reopening,
    probe_events_are_one_batch_of_the_log,
);

fn row(probe: &str, at_ms: i64, success: bool, duration_ms: f64) -> ProbeRow {
    ProbeRow {
        service: "shop".into(),
        probe: probe.into(),
        at_ms,
        success,
        duration_ms,
        reason: (!success).then(|| "status 503 is not in 2xx".to_string()),
        detail: "{}".into(),
    }
}

fn rollups_add_up_and_raw_results_are_trimmed<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let day0 = 1_767_225_600_000; // 2026-01-01T00:00Z
    // 1,500 runs, one every 10 s (4h10m), every 7th down; latencies cycle.
    let rows: Vec<ProbeRow> = (0..1500)
        .map(|i| {
            row(
                "health",
                day0 + i * 10_000,
                i % 7 != 0,
                (i % 300) as f64 * 10.0,
            )
        })
        .collect();
    for chunk in rows.chunks(97) {
        store.record_probe_results(&[], chunk, &[], 0).unwrap();
    }
    store
        .record_probe_results(&[], &[row("other", day0, true, 1.0)], &[], 0)
        .unwrap();

    let raw = store.probe_results("shop", "health", 5000).unwrap();
    assert_eq!(raw.len(), 1000);
    assert_eq!(raw[0].at_ms, day0 + 1499 * 10_000, "newest first");
    assert_eq!(raw[999].at_ms, day0 + 500 * 10_000);
    assert_eq!(store.probe_results("shop", "other", 10).unwrap().len(), 1);

    let down = rows.iter().filter(|r| !r.success).count() as i64;
    for res in Resolution::ALL {
        let rollups = store
            .probe_rollups("shop", "health", res, 0, i64::MAX)
            .unwrap();
        let (up, dn): (i64, i64) = rollups
            .iter()
            .map(|r| (r.up, r.down))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        assert_eq!((up, dn), (1500 - down, down), "{res:?}");
        let buckets: i64 = rollups.iter().flat_map(|r| r.buckets.iter()).sum();
        assert_eq!(buckets, 1500);
        assert!(
            rollups
                .iter()
                .all(|r| r.buckets.len() == LATENCY_BOUNDS_MS.len() + 1)
        );
        let sum: f64 = rollups.iter().map(|r| r.latency_sum_ms).sum();
        let expected: f64 = rows.iter().map(|r| r.duration_ms).sum();
        assert!((sum - expected).abs() < 1e-6);
        let expected_periods = match res {
            Resolution::Minute => 250,
            Resolution::Hour => 5,
            Resolution::Day => 1,
        };
        assert_eq!(rollups.len(), expected_periods, "{res:?}");
    }
    // A minute holds six runs, bucketed by latency.
    let first = &store
        .probe_rollups("shop", "health", Resolution::Minute, 0, i64::MAX)
        .unwrap()[0];
    assert_eq!((first.up, first.down), (5, 1));
    assert_eq!(first.buckets[0], 1, "0 ms");
    assert_eq!(first.buckets[1], 1, "10 ms");
    assert_eq!(first.buckets[2], 1, "20 ms");
    assert_eq!(first.buckets[3], 3, "30, 40, 50 ms: bounds are inclusive");
    assert_eq!(first.buckets[4], 0);

    // A checkpoint 10 days later drops minute rollups, keeps hours and days.
    let later = day0 / 1000 + 10 * 86_400;
    store.checkpoint(0, &[], later).unwrap();
    assert!(
        store
            .probe_rollups("shop", "health", Resolution::Minute, 0, i64::MAX)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .probe_rollups("shop", "health", Resolution::Hour, 0, i64::MAX)
            .unwrap()
            .len(),
        5
    );
}

fn heartbeats_survive_reopening<D: TestDb>() {
    let db = D::new();
    {
        let mut store = db.open();
        let beats = [("shop".to_string(), "nightly".to_string(), 5_000)];
        store.record_probe_results(&[], &[], &beats, 0).unwrap();
        let beats = [("shop".to_string(), "nightly".to_string(), 9_000)];
        store.record_probe_results(&[], &[], &beats, 0).unwrap();
    }
    let store = db.open();
    assert_eq!(
        store.heartbeats().unwrap(),
        [("shop".into(), "nightly".into(), 9_000)]
    );
}

fn probe_events_are_one_batch_of_the_log<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = slo(&mut store);
    let batch = store
        .record_probe_results(
            &[ev(id, 5, 0, 1)],
            &[row("health", 300_000, false, 9.0)],
            &[],
            300,
        )
        .unwrap();
    assert!(batch.is_some());
    assert_eq!(
        store.record_probe_results(&[], &[], &[], 301).unwrap(),
        None
    );
    assert_eq!(store.restore().unwrap().batches.len(), 1);
    let raw = store.probe_results("shop", "health", 10).unwrap();
    assert_eq!(raw, [row("health", 300_000, false, 9.0)]);
}
