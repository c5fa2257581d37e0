//! The scenarios a user would run by hand: backfill three days of
//! per-minute events with an error spike, and read `nines status`.
//! These run the real binary against a real daemon process.

use crate::util::*;
use jiff::Timestamp;
use serde_json::Value;

/// Three days of per-minute events, 1,000 a minute, with `bad_per_minute`
/// errors in the last `bad_minutes` minutes, sent oldest first in batches
/// of 1,000, as a backfill would. (Newest first would show the error spike
/// against a partial 3d window, and a fired tier resolves only when its short
/// window calms down: the order of history is part of the alert's history.)
fn backfill(url: &str, bad_minutes: i64, bad_per_minute: u64) {
    let now = Timestamp::now().as_second() / 60 * 60;
    let events: Vec<Value> = (0..3 * 1440)
        .rev()
        .map(|i| {
            let bad = if i < bad_minutes { bad_per_minute } else { 0 };
            event("shop", "availability", now - i * 60, 1000 - bad, 1000)
        })
        .collect();
    for chunk in events.chunks(1000) {
        let r = blocking(
            "POST",
            &format!("{url}/api/v1/events"),
            Some(WRITER),
            Some(batch(chunk)),
        )
        .unwrap();
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
}

fn status_json(url: &str) -> Value {
    let out = run_ok(
        nines()
            .args(["status", "--output", "json", "--server", url])
            .env("NINES_TOKEN", READER),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn firing(slo: &Value) -> Vec<String> {
    slo["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] == "firing")
        .map(|a| a["tier"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn two_percent_errors_for_90_minutes_pages() {
    let ws = Workspace::new(&shop_yaml());
    let p = Process::start(&ws.config(), &ws.data(), &[]);
    backfill(&p.url, 90, 20);
    let status = status_json(&p.url);
    let slo = &status[0];
    assert_eq!(slo["slo"], "availability");
    // 1,800 bad of 4,320,000 events against a 0.1% budget: 41.67% spent.
    let remaining = slo["budget"]["remaining"].as_f64().unwrap();
    assert!(
        (remaining - (1.0 - 1800.0 / 4_320_000.0 / 0.001)).abs() < 1e-9,
        "{remaining}"
    );
    // 1h burns at 20 (> 14.4); 6h at 5 (< 6); 1d at 1.25 (< 3): only page-1h.
    assert_eq!(firing(slo), ["page-1h"]);
    let table = nines()
        .args(["status", "--server", &p.url])
        .env("NINES_TOKEN", READER)
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("page-1h"), "{table}");
    assert!(table.contains("██████░░░░   58.3%"), "{table}");
    assert!(table.contains("20.00"), "{table}");
}

#[test]
fn four_tenths_percent_for_26_hours_files_only_tickets() {
    let ws = Workspace::new(&shop_yaml());
    let p = Process::start(&ws.config(), &ws.data(), &[]);
    backfill(&p.url, 26 * 60, 4);
    let status = status_json(&p.url);
    // Burn 4 everywhere inside the 26 hours: under both page thresholds
    // (14.4, 6), over both ticket thresholds (3 over 1d; 3d burns 1.44 > 1).
    assert_eq!(firing(&status[0]), ["ticket-1d", "ticket-3d"]);
    let alerts = nines()
        .args(["alerts", "--output", "json", "--server", &p.url])
        .env("NINES_TOKEN", READER)
        .output()
        .unwrap();
    let alerts: Value = serde_json::from_slice(&alerts.stdout).unwrap();
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["severity"] == "ticket")
    );
    assert_eq!(alerts.as_array().unwrap().len(), 2);
}
