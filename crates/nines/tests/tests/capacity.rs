//! `nines capacity forecast` over CSV files (issue 20): a growing series
//! with a daily cycle gets its crossing date, a short one is refused with
//! the reason, a falling resource (free bytes) reaches its floor; a
//! resource of a config's `capacity` section is read from Prometheus with
//! its limit and alerts as configured.

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

/// A Prometheus that answers every even-numbered range query with three
/// weeks of the growing series of [`csv`] ending now, and every odd one
/// (the limit) with 300: `nines capacity forecast --config` asks for the
/// resource, then for its limit.
fn fake_prometheus(rt: &tokio::runtime::Runtime) -> nines_testkit::Receiver {
    use nines_testkit::{Receiver, Reply};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let hours = 24 * 21;
    let series: Vec<Value> = (0..hours)
        .map(|t| {
            let tf = t as f64;
            let v = 100.0 + 5.0 * tf / 24.0 + 10.0 * (tf * std::f64::consts::TAU / 24.0).sin();
            serde_json::json!([now - (hours - 1 - t) as i64 * 3600, v.to_string()])
        })
        .collect();
    let matrix = |values: Value| {
        serde_json::json!({"status": "success", "data": {"resultType": "matrix",
            "result": [{"metric": {}, "values": values}]}})
        .to_string()
    };
    let (resource, limit) = (
        matrix(Value::Array(series)),
        matrix(serde_json::json!([[now, "300"]])),
    );
    rt.block_on(
        Receiver::builder()
            .respond(move |_, i| Reply::new(200, if i % 2 == 0 { &resource } else { &limit }))
            .start(),
    )
}

/// `--config FILE SERVICE/RESOURCE` reads the series, its limit and the
/// alerting settings from the resource's `capacity` section: the same
/// crossing as the CSV, a ticket within `ticket_within`, and a floor that
/// quiets the same forecast while usage is far from the limit.
#[test]
fn a_configured_resource_is_forecast_and_alerts_as_configured() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prom = fake_prometheus(&rt);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nines.yaml");
    let resource = |floor: &str| {
        format!(
            "{{ promql: 'sum(disk_used_bytes)', url: {}, bearer_token: t0k, limit: 'sum(disk_size_bytes)', ticket_within: 30d{floor} }}",
            prom.base()
        )
    };
    std::fs::write(
        &config,
        format!(
            "services:\n  shop:\n    capacity:\n      disk: {}\n      quiet: {}\n",
            resource(""),
            resource(", floor: 90%")
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let doc = json(&["--config", config, "shop/disk"]);
    assert_eq!(doc["resource"], "shop/disk", "{doc}");
    assert_eq!(doc["limit"], 300.0, "{doc}");
    assert_eq!(doc["exhaustion"]["status"], "predicted", "{doc}");
    let days = doc["exhaustion"]["expected_s"].as_f64().unwrap() / 86_400.0;
    assert!((16.0..19.5).contains(&days), "expected in {days} days");
    // The default horizon, 30 days of the default 1h step.
    assert_eq!(doc["forecast"].as_array().unwrap().len(), 30 * 24);
    assert_eq!(doc["alert"]["level"], "ticket", "{doc}");
    let sent = prom.requests();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|r| r.path == "/api/v1/query_range"));
    assert!(
        sent.iter()
            .all(|r| r.header("authorization") == Some("Bearer t0k"))
    );

    // Usage near 205 of 300 is under the 90% floor (270).
    let doc = json(&["--config", config, "shop/quiet"]);
    assert_eq!(doc["exhaustion"]["status"], "predicted", "{doc}");
    assert_eq!(doc["alert"]["level"], "none", "{doc}");
    assert!(
        doc["alert"]["reason"]
            .as_str()
            .unwrap()
            .contains("floor 270"),
        "{doc}"
    );

    // Flags override the config's horizon.
    let doc = json(&["--config", config, "shop/disk", "--horizon", "2d"]);
    assert_eq!(doc["forecast"].as_array().unwrap().len(), 48);

    let out = nines()
        .args(["capacity", "forecast", "--config", config, "shop/cpu"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no capacity resource `shop/cpu`") && err.contains("shop/disk, shop/quiet"),
        "{err}"
    );
}

/// An `sli` resource is the SLO's traffic, read from its Prometheus with
/// the SLI's headers; an SLI whose history only the daemon keeps says so.
#[test]
fn an_sli_resource_is_the_slos_traffic() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prom = fake_prometheus(&rt);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nines.yaml");
    std::fs::write(
        &config,
        format!(
            "services:\n  shop:\n    slos:\n\
             \x20     - {{ name: api, objective: 99.9, sli: {{ promql: {{ errors: 'http_requests_total{{code=~\"5..\"}}', total: http_requests_total, url: {}, headers: {{ X-Scope-OrgID: shop }} }} }} }}\n\
             \x20     - {{ name: pushed, objective: 99.9, sli: events }}\n\
             \x20   capacity:\n\
             \x20     traffic: {{ sli: api, limit: 300 }}\n\
             \x20     pushed: {{ sli: pushed, limit: 300 }}\n",
            prom.base()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let doc = json(&["--config", config, "shop/traffic"]);
    assert_eq!(doc["exhaustion"]["status"], "predicted", "{doc}");
    let sent = prom.requests();
    assert_eq!(sent.len(), 1, "a numeric limit is not queried");
    assert_eq!(sent[0].header("x-scope-orgid"), Some("shop"));

    let out = nines()
        .args(["capacity", "forecast", "--config", config, "shop/pushed"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SLI is `events`") && err.contains("only the daemon keeps"),
        "{err}"
    );
}
