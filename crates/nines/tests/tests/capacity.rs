//! `nines capacity forecast` over CSV files (issue 20): a growing series
//! with a daily cycle gets its crossing date, a short one is refused with
//! the reason, a falling resource (free bytes) reaches its floor.

use serde_json::Value;

use crate::util::{nines, run_ok};

/// Three weeks of hourly `time,value` rows: `base + growth/day` plus a
/// daily cycle of amplitude 10 and a little deterministic jitter.
fn csv(dir: &std::path::Path, base: f64, growth: f64, hours: usize) -> std::path::PathBuf {
    let mut text = String::from("time,value\n");
    for t in 0..hours {
        let tf = t as f64;
        let jitter = ((t * 7919) % 11) as f64 / 10.0 - 0.5;
        let v =
            base + growth * tf / 24.0 + 10.0 * (tf * std::f64::consts::TAU / 24.0).sin() + jitter;
        text.push_str(&format!("{},{v}\n", 1_767_225_600 + t as i64 * 3600));
    }
    let path = dir.join(format!("series-{base}-{growth}-{hours}.csv"));
    std::fs::write(&path, text).unwrap();
    path
}

fn json(args: &[&str]) -> Value {
    let out = run_ok(
        nines()
            .args(["capacity", "forecast", "-o", "json"])
            .args(args),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_growing_series_gets_its_crossing_date_with_a_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = csv(dir.path(), 100.0, 5.0, 24 * 21);
    // Now at about 205 (+-10 daily); limit 300 is ~19 days of trend away,
    // reached at a daily peak about 17 days out.
    let doc = json(&[
        "--csv",
        path.to_str().unwrap(),
        "--horizon",
        "30d",
        "--limit",
        "300",
    ]);
    assert_eq!(doc["seasons"], serde_json::json!([24]), "{doc}");
    assert_eq!(doc["forecast"].as_array().unwrap().len(), 30 * 24);
    let growth = doc["growth_per_day"].as_f64().unwrap();
    assert!((growth - 5.0).abs() < 0.5, "growth {growth}");
    let e = &doc["exhaustion"];
    assert_eq!(e["status"], "predicted", "{doc}");
    let (expected, earliest) = (
        e["expected_s"].as_f64().unwrap(),
        e["earliest_s"].as_f64().unwrap(),
    );
    let days = expected / 86_400.0;
    assert!((16.0..19.5).contains(&days), "expected in {days} days");
    assert!(earliest <= expected);
    assert!(e["latest_s"].is_null() || e["latest_s"].as_f64().unwrap() >= expected);
}

#[test]
fn flat_and_short_series_give_no_date_or_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let flat = csv(dir.path(), 100.0, 0.0, 24 * 10);
    let doc = json(&[
        "--csv",
        flat.to_str().unwrap(),
        "--horizon",
        "14d",
        "--limit",
        "200",
    ]);
    assert_eq!(doc["exhaustion"]["status"], "none", "{doc}");

    let short = csv(dir.path(), 100.0, 5.0, 24 * 3);
    let out = nines()
        .args([
            "capacity",
            "forecast",
            "--csv",
            short.to_str().unwrap(),
            "--horizon",
            "24",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("covers 2d 23h") && err.contains("at least 7d"),
        "{err}"
    );
}

#[test]
fn a_falling_resource_reaches_its_floor() {
    let dir = tempfile::tempdir().unwrap();
    // Free space: 500 falling 10 a day; 360 now (a trough of 350), so the floor 300 is about 5 days away.
    let path = csv(dir.path(), 500.0, -10.0, 24 * 14);
    let doc = json(&[
        "--csv",
        path.to_str().unwrap(),
        "--horizon",
        "30d",
        "--limit",
        "300",
        "--falling",
    ]);
    assert_eq!(doc["exhaustion"]["status"], "predicted", "{doc}");
    let days = doc["exhaustion"]["expected_s"].as_f64().unwrap() / 86_400.0;
    assert!((4.0..6.5).contains(&days), "expected in {days} days");
    assert!(doc["growth_per_day"].as_f64().unwrap() < 0.0);
    let first = &doc["forecast"][0];
    assert!(first["lower"].as_f64().unwrap() <= first["point"].as_f64().unwrap());
}
