//! Acknowledged means durable: kill -9 right after acknowledged batches,
//! restart, and every acknowledged event is counted and nothing else.

use crate::util::*;
use jiff::Timestamp;
use serde_json::json;

fn total_30d(url: &str) -> u64 {
    let r = blocking(
        "GET",
        &format!("{url}/api/v1/slos/shop/availability"),
        Some(READER),
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["windows"]["30d"]["total"].as_u64().unwrap()
}

#[test]
fn sigkill_after_acknowledged_batches_loses_nothing_and_adds_nothing() {
    three_lives_with_sigkill(&[]);
}

/// The same on PostgreSQL: a batch is acknowledged once committed there.
#[test]
fn sigkill_on_postgres_loses_nothing_and_adds_nothing() {
    if !nines_testkit::postgres::available() {
        return;
    }
    let pg = nines_testkit::postgres::Postgres::start();
    three_lives_with_sigkill(&["--store", &pg.url()]);
}

/// Three lives of `nines serve` (with `store` flags): each gets batches,
/// some checkpoints, and a kill -9 right after its last acknowledged
/// batch; every life starts with exactly what was acknowledged before.
fn three_lives_with_sigkill(store: &[&str]) {
    let ws = Workspace::new(&shop_yaml());
    let now = Timestamp::now().as_second();
    let mut acknowledged = 0u64;
    // Three lives: each gets batches, some checkpoints (every 200ms), and a
    // kill -9 right after its last acknowledged batch.
    for life in 0..3u64 {
        let p = Process::start(
            &ws.config(),
            &ws.data(),
            &[&["--checkpoint-interval", "200ms"], store].concat(),
        );
        assert_eq!(
            total_30d(&p.url),
            acknowledged,
            "life {life}: after restart"
        );
        for i in 0..40u64 {
            // Read before the batch whose checkpoint is awaited below: a
            // checkpoint between the answer and a later read would leave
            // nothing dirty, and the wait would never end.
            let before = (i % 10 == 0).then(|| metric(&p.url, "nines_checkpoints_total").unwrap());
            let total = 1 + life * 1000 + i;
            let events: Vec<_> = (0..50)
                .map(|k| {
                    event(
                        "shop",
                        "availability",
                        now - (k * 600) as i64,
                        total / 2,
                        total,
                    )
                })
                .collect();
            let r = blocking(
                "POST",
                &format!("{}/api/v1/events", p.url),
                Some(WRITER),
                Some(batch(&events)),
            )
            .unwrap();
            assert_eq!(r.status, 200, "{:?}", r.body);
            acknowledged += 50 * total;
            // A refused batch in between must leave no trace.
            let bad = batch(&[
                event("shop", "availability", now, 1, 1),
                json!({"service": "shop", "slo": "availability", "good": 2, "total": 1}),
            ]);
            assert_eq!(
                blocking(
                    "POST",
                    &format!("{}/api/v1/events", p.url),
                    Some(WRITER),
                    Some(bad)
                )
                .unwrap()
                .status,
                422
            );
            if let Some(before) = before {
                // A checkpoint (every 200 ms) of what came so far: wait for
                // the counter, not a fixed time.
                metric_above(&p.url, "nines_checkpoints_total", before);
            }
        }
        let mut p = p;
        p.child.kill().unwrap(); // SIGKILL
        p.child.wait().unwrap();
    }
    let p = Process::start(&ws.config(), &ws.data(), store);
    assert_eq!(total_30d(&p.url), acknowledged);
}

#[test]
fn sigterm_stops_cleanly_and_alert_state_survives_restart() {
    let ws = Workspace::new(&shop_yaml());
    let p = Process::start(&ws.config(), &ws.data(), &[]);
    push_burning_hour(&p.url);
    let alerts = blocking(
        "GET",
        &format!("{}/api/v1/alerts", p.url),
        Some(READER),
        None,
    )
    .unwrap();
    let since = alerts.body[0]["since"].clone();
    assert!(since.is_string(), "{:?}", alerts.body);
    let mut p = p;
    signal(&p, "TERM");
    let status = p.child.wait().unwrap();
    assert!(status.success(), "SIGTERM exits 0, got {status}");
    let p = Process::start(&ws.config(), &ws.data(), &[]);
    let alerts = blocking(
        "GET",
        &format!("{}/api/v1/alerts", p.url),
        Some(READER),
        None,
    )
    .unwrap();
    assert_eq!(
        alerts.body[0]["since"], since,
        "the page keeps the time it started firing"
    );
}

#[test]
fn sighup_reloads_the_config_and_refuses_a_bad_one() {
    let ws = Workspace::new(&shop_yaml());
    let p = Process::start(&ws.config(), &ws.data(), &[]);
    // Each SIGHUP is done when a reload counter (success or failure) moves.
    let reloads = |p: &Process| {
        metric(&p.url, "nines_config_reloads_total{result=\"success\"}").unwrap()
            + metric(&p.url, "nines_config_reloads_total{result=\"failure\"}").unwrap()
    };
    let hup = |p: &Process| {
        let before = reloads(p);
        signal(p, "HUP");
        eventually_blocking(std::time::Duration::from_secs(20), "the reload", || {
            (reloads(p) > before).then_some(())
        });
    };
    let count = |p: &Process| {
        blocking("GET", &format!("{}/api/v1/slos", p.url), Some(READER), None)
            .unwrap()
            .body
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&p), 2);
    ws.write_config(&shop_yaml().replace("objective: 99.9", "objective: 99.9x"));
    hup(&p);
    assert_eq!(
        count(&p),
        2,
        "a bad config is refused and the old one stays"
    );
    ws.write_config(&shop_yaml().replace(
        "auth:",
        "  search:\n    slos:\n      - { name: availability, objective: 99.5, sli: events }\nauth:",
    ));
    hup(&p);
    assert_eq!(count(&p), 3);
    let metrics = blocking("GET", &format!("{}/metrics", p.url), Some(READER), None)
        .unwrap()
        .text;
    assert!(
        metrics.contains("nines_config_reloads_total{result=\"failure\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("nines_config_reloads_total{result=\"success\"} 1"));
}
