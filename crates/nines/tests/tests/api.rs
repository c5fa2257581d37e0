//! The HTTP API against an in-process daemon: what it accepts, what it
//! refuses (and that a refusal stores nothing), and what it reports.

use crate::util::*;
use jiff::Timestamp;
use nines::clock::Clock;
use serde_json::json;

const NOW: &str = "2026-11-24T12:00:00Z";

fn now() -> i64 {
    NOW.parse::<Timestamp>().unwrap().as_second()
}

async fn start() -> (Workspace, Daemon) {
    let ws = Workspace::new(&shop_yaml().replace(
        "auth:",
        "      - { name: errors, objective: 99, sli: { prometheus: { errors: 'e_total', total: t_total } } }\nauth:",
    ));
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    (ws, d)
}

async fn slo_total(d: &Daemon, slo: &str, window: &str) -> u64 {
    let r = call(
        "GET",
        &format!("{}/api/v1/slos/shop/{slo}", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["windows"][window]["total"].as_u64().unwrap()
}

#[tokio::test]
async fn accepted_events_are_counted_in_every_window_they_fall_in() {
    let (_ws, d) = start().await;
    let url = format!("{}/api/v1/events", d.url);
    let body = batch(&[
        event("shop", "availability", now() - 30, 990, 1000),
        event("shop", "availability", now() - 2 * 3600, 500, 500),
        json!({"service": "shop", "slo": "availability", "time": "2026-11-20T00:00:00Z", "good": 7, "total": 7}),
        json!({"service": "shop", "slo": "availability", "good": 1, "total": 1}),
    ]);
    let r = call("POST", &url, Some(WRITER), Some(body)).await;
    assert_eq!(
        (r.status, r.body["accepted"].as_u64()),
        (200, Some(4)),
        "{:?}",
        r.body
    );
    nines::slo::service::evaluate(&d.app, false);
    assert_eq!(slo_total(&d, "availability", "5m").await, 1001);
    assert_eq!(slo_total(&d, "availability", "6h").await, 1501);
    assert_eq!(slo_total(&d, "availability", "30d").await, 1508);
    let r = call(
        "GET",
        &format!("{}/api/v1/slos/shop/availability", d.url),
        Some(READER),
        None,
    )
    .await;
    let w = &r.body["windows"]["5m"];
    assert_eq!(w["sli"].as_f64(), Some(991.0 / 1001.0));
    assert!((w["burn_rate"].as_f64().unwrap() - (10.0 / 1001.0) / 0.001).abs() < 1e-9);
    assert_eq!(r.body["objective"], json!(99.9));
    assert_eq!(r.body["window"], json!("30d"));
    assert_eq!(
        r.body["budget"]["total"]
            .as_f64()
            .map(|t| (t * 1e6).round()),
        Some(1000.0)
    );
    // Windows come shortest first, the SLO window last.
    let view: nines::state::slo::view::SloView = serde_json::from_str(&r.text).unwrap();
    let labels: Vec<&str> = view.windows.0.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]);
    // Latency saw nothing: no data is not good data.
    let r = call(
        "GET",
        &format!("{}/api/v1/slos/shop/latency", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.body["windows"]["7d"]["sli"], json!(null));
    assert_eq!(r.body["budget"]["remaining"], json!(null));
    d.stop().await;
}

#[tokio::test]
async fn writes_need_a_writer_token() {
    let (_ws, d) = start().await;
    let url = format!("{}/api/v1/events", d.url);
    let body = batch(&[event("shop", "availability", now(), 1, 1)]);
    let r = call("POST", &url, None, Some(body.clone())).await;
    assert_eq!(r.status, 401);
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer")
    );
    assert_eq!(
        call("POST", &url, Some("nines_wrong"), Some(body.clone()))
            .await
            .status,
        401
    );
    let r = call("POST", &url, Some(READER), Some(body.clone())).await;
    assert_eq!(r.status, 403);
    assert!(
        r.body["error"].as_str().unwrap().contains("role reader"),
        "{:?}",
        r.body
    );
    assert_eq!(
        call("POST", &url, Some(ADMIN), Some(body)).await.status,
        200
    );
    // Reads need a token too unless auth.public_read is set.
    assert_eq!(
        call("GET", &format!("{}/api/v1/slos", d.url), None, None)
            .await
            .status,
        401
    );
    assert_eq!(
        call("GET", &format!("{}/metrics", d.url), None, None)
            .await
            .status,
        401
    );
    assert_eq!(
        call("GET", &format!("{}/healthz", d.url), None, None)
            .await
            .status,
        200
    );
    d.stop().await;
}

#[tokio::test]
async fn a_batch_with_any_bad_event_is_refused_whole_and_names_the_index() {
    let (_ws, d) = start().await;
    let url = format!("{}/api/v1/events", d.url);
    let ok = event("shop", "availability", now(), 5, 5);
    let cases: Vec<(String, u16, &str)> = vec![
        (
            batch(&[ok.clone(), event("nope", "availability", now(), 1, 1)]),
            422,
            "unknown service `nope`",
        ),
        (
            batch(&[ok.clone(), event("shop", "avail", now(), 1, 1)]),
            422,
            "unknown SLO `avail` of service `shop` (it has: availability, errors, latency)",
        ),
        (
            batch(&[ok.clone(), event("shop", "availability", now(), 2, 1)]),
            422,
            "good (2) is greater than total (1)",
        ),
        (
            batch(&[ok.clone(), event("shop", "availability", now() + 301, 1, 1)]),
            422,
            "is more than 300 s in the future",
        ),
        (
            batch(&[
                ok.clone(),
                event("shop", "availability", now() - 40 * 86400, 1, 1),
            ]),
            422,
            "older than the retention of `shop/availability`",
        ),
        (
            batch(&[ok.clone(), event("shop", "availability", now(), 1, 1 << 41)]),
            422,
            "over the limit",
        ),
        (
            format!(
                r#"{{"events":[{ok},{{"service":"shop","slo":"availability","good":"1","total":1}}]}}"#
            ),
            400,
            "events[1]: good: invalid type",
        ),
        (
            format!(r#"{{"events":[{ok},{{"service":"shop","good":1,"total":1}}]}}"#),
            400,
            "events[1]: missing field `slo`",
        ),
        (format!(r#"{{"events":[{ok}]"#), 400, "EOF while parsing"),
        ("not json".to_string(), 400, "expected ident"),
    ];
    for (body, status, want) in cases {
        let r = call("POST", &url, Some(WRITER), Some(body.clone())).await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
        let text = r.body.to_string();
        assert!(text.contains(want), "{body}\n got: {text}\n want: {want}");
        assert!(
            text.contains("nothing"),
            "the answer says nothing was stored: {text}"
        );
        if status == 422 {
            assert_eq!(r.body["detail"][0]["index"], json!(1), "{text}");
        }
    }
    nines::slo::service::evaluate(&d.app, false);
    assert_eq!(
        slo_total(&d, "availability", "30d").await,
        0,
        "refused batches stored nothing"
    );
    // Just inside the limits is fine: 300 s ahead counts now, the oldest retained hour counts.
    let edge = batch(&[
        event("shop", "availability", now() + 300, 1, 1),
        event("shop", "availability", now() - 37 * 86400, 1, 1),
    ]);
    assert_eq!(
        call("POST", &url, Some(WRITER), Some(edge)).await.status,
        200
    );
    d.stop().await;
}

#[tokio::test]
async fn a_batch_of_20000_events_is_accepted() {
    let (_ws, d) = start().await;
    let events: Vec<_> = (0..20_000)
        .map(|i| event("shop", "availability", now() - i * 60, 999, 1000))
        .collect();
    let body = batch(&events);
    assert!(body.len() > 1_500_000);
    let r = call(
        "POST",
        &format!("{}/api/v1/events", d.url),
        Some(WRITER),
        Some(body),
    )
    .await;
    assert_eq!(
        (r.status, r.body["accepted"].as_u64()),
        (200, Some(20_000)),
        "{:?}",
        r.body
    );
    nines::slo::service::evaluate(&d.app, false);
    // 20,000 minutes is 13.9 days: all inside the 30-day window.
    assert_eq!(slo_total(&d, "availability", "30d").await, 20_000_000);
    d.stop().await;
}

#[tokio::test]
async fn reload_refuses_a_bad_config_and_keeps_the_old_one() {
    let (ws, d) = start().await;
    let url = format!("{}/api/v1/reload", d.url);
    assert_eq!(call("POST", &url, Some(WRITER), None).await.status, 403);
    ws.write_config(&shop_yaml().replace("objective: 99.9", "objective: 100.5"));
    let r = call("POST", &url, Some(ADMIN), None).await;
    assert_eq!(r.status, 422);
    let detail = r.body["detail"].to_string();
    assert!(detail.contains("nines.yaml:6: services.shop.slos[0].objective: 100.5 is not a percentage between 0 and 100"), "{detail}");
    let r = call(
        "GET",
        &format!("{}/api/v1/slos/shop/availability", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.body["objective"], json!(99.9));
    // A good config adds an SLO and keeps the data of the others.
    let post = batch(&[event("shop", "availability", now(), 3, 4)]);
    assert_eq!(
        call(
            "POST",
            &format!("{}/api/v1/events", d.url),
            Some(WRITER),
            Some(post)
        )
        .await
        .status,
        200
    );
    let more = shop_yaml().replace(
        "auth:",
        "  search:\n    slos:\n      - { name: availability, objective: 99.5, window: 28d, sli: events }\nauth:",
    );
    ws.write_config(&more);
    let r = call("POST", &url, Some(ADMIN), None).await;
    assert_eq!(
        (r.status, r.body["slos"].as_u64()),
        (200, Some(3)),
        "{:?}",
        r.body
    );
    assert_eq!(slo_total(&d, "availability", "30d").await, 4);
    let r = call(
        "GET",
        &format!("{}/api/v1/slos?service=search", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(
        r.body[0]["alerts"][0]["threshold"]
            .as_f64()
            .map(|t| (t * 100.0).round()),
        Some(1344.0)
    );
    d.stop().await;
}

#[tokio::test]
async fn unknown_things_are_404_with_the_error_shape() {
    let (_ws, d) = start().await;
    let r = call(
        "GET",
        &format!("{}/api/v1/slos/shop/nope", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (404, Some("unknown SLO `shop/nope`"))
    );
    let r = call(
        "GET",
        &format!("{}/api/v1/slos?service=nope", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    let r = call("GET", &format!("{}/api/v1/nothing", d.url), None, None).await;
    assert_eq!(r.status, 404);
    assert!(r.body["error"].is_string());
    // Outside the API a browser gets a page, not JSON (issue 14).
    let r = call("GET", &format!("{}/no/such/page", d.url), None, None).await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains("<h1>Page not found</h1>"), "{}", r.text);
    let r = call(
        "GET",
        &format!("{}/integrations/nothing", d.url),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.body["error"].is_string());
    let r = call("GET", &format!("{}/api/v1/openapi.json", d.url), None, None).await;
    assert_eq!(r.body["openapi"], json!("3.1.0"));
    d.stop().await;
}

#[tokio::test]
async fn oversized_bodies_and_wrong_methods_get_the_error_shape() {
    let (_ws, d) = start().await;
    let url = format!("{}/api/v1/events", d.url);
    let huge = "x".repeat(17 << 20);
    // The token is checked before the body is read.
    assert_eq!(
        call("POST", &url, None, Some(huge.clone())).await.status,
        401
    );
    let r = call("POST", &url, Some(WRITER), Some(huge)).await;
    assert_eq!(r.status, 413);
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains("larger than 16 MiB"),
        "{:?}",
        r.body
    );
    let r = call("DELETE", &url, Some(ADMIN), None).await;
    assert_eq!(r.status, 405);
    assert!(r.body["error"].is_string());
    d.stop().await;
}

#[tokio::test]
async fn a_retried_batch_with_its_idempotency_key_counts_once() {
    let (_ws, d) = start().await;
    let url = format!("{}/api/v1/events", d.url);
    let body = batch(&[
        event("shop", "availability", now(), 9, 10),
        event("shop", "latency", now(), 1, 1),
    ]);
    let send = |key: &'static str| {
        let (url, body) = (url.clone(), body.clone());
        async move {
            let resp = reqwest::Client::new()
                .post(&url)
                .bearer_auth(WRITER)
                .header("idempotency-key", key)
                .body(body)
                .send()
                .await
                .unwrap();
            (
                resp.status().as_u16(),
                resp.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (s1, first) = send("deploy-42-batch-1").await;
    let (s2, again) = send("deploy-42-batch-1").await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first["duplicate"], json!(false));
    assert_eq!(again["duplicate"], json!(true));
    assert_eq!(
        (again["batch"].clone(), again["accepted"].clone()),
        (first["batch"].clone(), json!(2))
    );
    assert_eq!(slo_total(&d, "availability", "5m").await, 10);
    let (s3, _) = send("another key").await;
    assert_eq!(s3, 400, "keys are visible ASCII without spaces");
    d.stop().await;
}

#[tokio::test]
async fn more_than_100_refusals_are_counted_and_the_first_100_listed() {
    let (_ws, d) = start().await;
    let events: Vec<_> = (0..150)
        .map(|_| event("shop", "availability", now(), 2, 1))
        .collect();
    let r = call(
        "POST",
        &format!("{}/api/v1/events", d.url),
        Some(WRITER),
        Some(batch(&events)),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body["error"],
        json!("150 event(s) refused (the first 100 listed); nothing of this batch was stored")
    );
    assert_eq!(r.body["detail"].as_array().unwrap().len(), 100);
    d.stop().await;
}

#[tokio::test]
async fn an_slo_removed_and_added_back_by_reload_keeps_its_history() {
    let (ws, d) = start().await;
    let post = batch(&[event("shop", "latency", now() - 600, 7, 8)]);
    assert_eq!(
        call(
            "POST",
            &format!("{}/api/v1/events", d.url),
            Some(WRITER),
            Some(post)
        )
        .await
        .status,
        200
    );
    let reload_url = format!("{}/api/v1/reload", d.url);
    let reload = || call("POST", &reload_url, Some(ADMIN), None);
    let without_latency = shop_yaml().replace(
        "      - name: latency\n        objective: 99\n        window: 7d\n        sli: events\n",
        "",
    );
    assert_ne!(without_latency, shop_yaml());
    ws.write_config(&without_latency);
    assert_eq!(reload().await.body["slos"], json!(1));
    ws.write_config(&shop_yaml());
    assert_eq!(reload().await.body["slos"], json!(2));
    assert_eq!(slo_total(&d, "latency", "7d").await, 8);
    d.stop().await;
}

#[tokio::test]
async fn a_tier_keeps_its_state_when_a_reload_changes_its_threshold() {
    let (ws, d) = start().await;
    let events: Vec<_> = (0..60)
        .map(|m| event("shop", "availability", now() - m * 60, 900, 1000))
        .collect();
    assert_eq!(
        call(
            "POST",
            &format!("{}/api/v1/events", d.url),
            Some(WRITER),
            Some(batch(&events))
        )
        .await
        .status,
        200
    );
    let alerts = call(
        "GET",
        &format!("{}/api/v1/alerts", d.url),
        Some(READER),
        None,
    )
    .await
    .body;
    let page = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["tier"] == "page-1h")
        .unwrap()
        .clone();
    ws.write_config(&shop_yaml().replace(
        "        window: 30d\n        sli: events\n",
        "        window: 30d\n        sli: events\n        alerting:\n          tiers:\n            - { severity: page, long_window: 1h, short_window: 5m, burn_rate: 10 }\n",
    ));
    let r = call(
        "POST",
        &format!("{}/api/v1/reload", d.url),
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let alerts = call(
        "GET",
        &format!("{}/api/v1/alerts", d.url),
        Some(READER),
        None,
    )
    .await
    .body;
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    assert_eq!(alerts[0]["tier"], json!("page-1h"));
    assert_eq!(alerts[0]["threshold"], json!(10.0));
    assert_eq!(
        alerts[0]["since"], page["since"],
        "still the same firing, not a new one"
    );
    d.stop().await;
}

#[tokio::test]
async fn a_timeslices_slo_counts_slices_not_events() {
    let ws = Workspace::new(&shop_yaml().replace(
        "auth:",
        "  batch:\n    slos:\n      - { name: nightly, objective: 99, window: 7d, sli: events, timeslices: { target: 95, slice: 1m } }\nauth:",
    ));
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    let m = now() / 60 * 60;
    let events = batch(&[
        event("batch", "nightly", m - 180, 99, 100), // a good slice
        event("batch", "nightly", m - 120, 90, 100), // a bad one; m - 60 has no events
        event("batch", "nightly", m, 100, 100),      // the current minute is not a slice yet
    ]);
    assert_eq!(
        call(
            "POST",
            &format!("{}/api/v1/events", d.url),
            Some(WRITER),
            Some(events)
        )
        .await
        .status,
        200
    );
    nines::slo::service::evaluate(&d.app, false);
    let r = call(
        "GET",
        &format!("{}/api/v1/slos/batch/nightly", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(
        r.body["budgeting"],
        json!({"method": "timeslices", "slice": "1m", "slice_target": 95.0})
    );
    assert_eq!(
        (
            r.body["windows"]["5m"]["good"].as_u64(),
            r.body["windows"]["5m"]["total"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(r.body["windows"]["5m"]["sli"], json!(0.5));
    // Slices are cut from minute buckets, kept a day: older events are refused.
    let old = batch(&[event("batch", "nightly", m - 2 * 86_400, 1, 1)]);
    let r = call(
        "POST",
        &format!("{}/api/v1/events", d.url),
        Some(WRITER),
        Some(old),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .to_string()
            .contains("older than the retention of `batch/nightly`"),
        "{}",
        r.body
    );
    d.stop().await;
    // The slices survive a restart (snapshot written at shutdown).
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    let r = call(
        "GET",
        &format!("{}/api/v1/slos/batch/nightly", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(
        (
            r.body["windows"]["5m"]["good"].as_u64(),
            r.body["windows"]["5m"]["total"].as_u64()
        ),
        (Some(1), Some(2))
    );
    d.stop().await;
}

#[tokio::test]
async fn who_is_on_call_through_the_api_and_the_cli() {
    let ws = Workspace::new(&oncall_yaml());
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    // 2026-11-24 is a Tuesday; ana's week started Monday 2026-11-23 09:00 Berlin.
    let r = call(
        "GET",
        &format!("{}/api/v1/oncall/now", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(
        r.body,
        json!([{"schedule": "primary", "users": ["bo"], "origin": "override", "until": "2026-11-24T13:00:00Z"}])
    );
    let r = call(
        "GET",
        &format!("{}/api/v1/oncall/now?at=2026-11-24T14:00:00Z", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.body[0]["users"], json!(["ana"]));
    assert_eq!(r.body[0]["until"], json!("2026-11-30T08:00:00Z"));
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/v1/oncall/now?schedule=nope", d.url),
            Some(READER),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/v1/oncall/now?at=tuesday", d.url),
            Some(READER),
            None
        )
        .await
        .status,
        400
    );
    let r = call(
        "GET",
        &format!(
            "{}/api/v1/schedules/primary/shifts?from=2026-11-24T00:00:00Z&to=2026-12-08T00:00:00Z",
            d.url
        ),
        Some(READER),
        None,
    )
    .await;
    let starts: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-11-24T00:00:00Z",
            "2026-11-24T12:00:00Z",
            "2026-11-24T13:00:00Z",
            "2026-11-30T08:00:00Z",
            "2026-12-07T08:00:00Z"
        ]
    );
    // The CLI reads the same.
    let url = d.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        run_ok(
            nines()
                .args([
                    "oncall",
                    "now",
                    "--at",
                    "2026-11-24T14:00:00Z",
                    "--server",
                    &url,
                ])
                .env("NINES_TOKEN", READER),
        )
    })
    .await
    .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("primary") && text.contains("ana") && text.contains("layer:layer-1"),
        "{text}"
    );
    d.stop().await;
}

/// Runs the third-party `icalendar` parser (PyPI) over a feed.
fn parse_ics(feed: &str) -> Option<serde_json::Value> {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import icalendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with icalendar is required in CI (pip install icalendar)"
        );
        eprintln!("SKIPPED: python3 -m pip install icalendar");
        return None;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ics_check.py");
    let out = with_stdin(std::process::Command::new("python3").arg(script), feed);
    assert!(
        out.status.success(),
        "icalendar could not parse the feed:\n{feed}"
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test]
async fn calendar_feeds_parse_and_list_the_same_shifts_as_the_api() {
    let ws = Workspace::new(&oncall_yaml());
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    let r = call(
        "GET",
        &format!("{}/api/v1/oncall/primary.ics", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.text.starts_with("BEGIN:VCALENDAR\r\n") && r.text.ends_with("END:VCALENDAR\r\n"));
    let shifts = call(
        "GET",
        &format!(
            "{}/api/v1/schedules/primary/shifts?from=2026-11-09T12:00:00Z&to=2027-05-23T12:00:00Z",
            d.url
        ),
        Some(READER),
        None,
    )
    .await;
    let user_feed = call(
        "GET",
        &format!("{}/api/v1/users/bo/oncall.ics", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/v1/oncall/nope.ics", d.url),
            Some(READER),
            None
        )
        .await
        .status,
        404
    );
    d.stop().await;
    let Some(cal) = parse_ics(&r.text) else {
        return;
    };
    assert_eq!(cal["name"], "On call: primary");
    let events = cal["events"].as_array().unwrap();
    // 15 days back to 180 days ahead, the same shifts as the API.
    let expected: Vec<(String, String, String)> = shifts
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["origin"] != "nobody")
        .map(|s| {
            let user = s["users"][0].as_str().unwrap();
            (
                s["start"].as_str().unwrap().into(),
                s["end"].as_str().unwrap().into(),
                format!("On call: {user} (primary)"),
            )
        })
        .collect();
    let got: Vec<(String, String, String)> = events
        .iter()
        .filter(|e| e["status"] == "CONFIRMED")
        .map(|e| {
            (
                e["start"].as_str().unwrap().into(),
                e["end"].as_str().unwrap().into(),
                e["summary"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // The layer's shift the override cut into is listed as cancelled, with
    // its own UID, so calendars that had it drop it.
    let cancelled: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["status"] == "CANCELLED")
        .map(|e| (e["start"].as_str().unwrap(), e["summary"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cancelled,
        [("2026-11-23T08:00:00Z", "On call: ana (primary)")],
        "{events:?}"
    );
    let uids: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e["uid"].as_str().unwrap()).collect();
    assert_eq!(uids.len(), events.len(), "UIDs are unique");
    assert!(events.iter().all(|e| e["stamp"] == "2026-11-24T12:00:00Z"));
    let bo = parse_ics(&user_feed.text).unwrap();
    assert!(
        bo["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["summary"].as_str().unwrap().starts_with("On call: bo"))
    );
    assert!(
        bo["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["start"] == "2026-11-24T12:00:00Z"),
        "the override is in bo's feed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_made_through_the_api_change_who_is_on_call_and_are_kept() {
    let ws = Workspace::new(&oncall_yaml());
    let clock = Clock::manual(NOW.parse().unwrap());
    let d = Daemon::start(&ws, clock.clone()).await;
    let url = format!("{}/api/v1/schedules/primary/overrides", d.url);
    let now_on_call = |d: &Daemon, at: &str| {
        let u = format!("{}/api/v1/oncall/now?schedule=primary&at={at}", d.url);
        async move { call("GET", &u, Some(READER), None).await.body[0]["users"].clone() }
    };
    // ana's week; bo takes Christmas eve.
    assert_eq!(
        now_on_call(&d, "2026-11-25T12:00:00Z").await,
        json!(["ana"])
    );
    let body = json!({"user": "bo", "from": "2026-11-25T08:00:00Z", "to": "2026-11-26T08:00:00Z", "reason": "swap"});
    let r = call("POST", &url, Some(READER), Some(body.to_string())).await;
    assert_eq!(r.status, 403, "readers cannot: {}", r.text);
    for (bad, why) in [
        (
            json!({"user": "chen", "from": "2026-11-25T08:00:00Z", "to": "2026-11-26T08:00:00Z"}),
            "unknown user `chen`",
        ),
        (
            json!({"user": "bo", "from": "2026-11-26T08:00:00Z", "to": "2026-11-25T08:00:00Z"}),
            "`to` must be after `from`",
        ),
        (
            json!({"user": "bo", "from": "2026-11-01T08:00:00Z", "to": "2026-11-02T08:00:00Z"}),
            "the override ended already",
        ),
        (
            json!({"user": "bo", "from": "yesterday", "to": "2026-11-26T08:00:00Z"}),
            "from: \"yesterday\" is not an RFC 3339 time",
        ),
    ] {
        let r = call("POST", &url, Some(ADMIN), Some(bad.to_string())).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            r.body["error"].as_str().unwrap().contains(why),
            "{}",
            r.text
        );
    }
    let r = call(
        "POST",
        &format!("{}/api/v1/schedules/nope/overrides", d.url),
        Some(ADMIN),
        Some(body.to_string()),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = call("POST", &url, Some(ADMIN), Some(body.to_string())).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (r.body["user"].clone(), r.body["created_by"].clone()),
        (json!("bo"), json!("a")),
        "the token's name"
    );
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(now_on_call(&d, "2026-11-25T12:00:00Z").await, json!(["bo"]));
    let shifts = call(
        "GET",
        &format!(
            "{}/api/v1/schedules/primary/shifts?from=2026-11-25T00:00:00Z&to=2026-11-27T00:00:00Z",
            d.url
        ),
        Some(READER),
        None,
    )
    .await;
    let origins: Vec<(String, String)> = shifts
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["users"][0].as_str().unwrap().to_string(),
                s["origin"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        origins[1],
        ("bo".to_string(), "override".to_string()),
        "{origins:?}"
    );

    // Kept across a restart.
    d.stop().await;
    let d = Daemon::start(&ws, clock.clone()).await;
    assert_eq!(now_on_call(&d, "2026-11-25T12:00:00Z").await, json!(["bo"]));
    let list = call(
        "GET",
        &url.replace(&url[..url.find("/api").unwrap()], &d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.text);
    // Taken back.
    let del = format!("{}/api/v1/schedules/primary/overrides/{id}", d.url);
    assert_eq!(call("DELETE", &del, Some(ADMIN), None).await.status, 200);
    assert_eq!(call("DELETE", &del, Some(ADMIN), None).await.status, 404);
    assert_eq!(
        now_on_call(&d, "2026-11-25T12:00:00Z").await,
        json!(["ana"])
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_gzipped_for_clients_that_ask() {
    let ws = Workspace::new(&shop_yaml());
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    let url = format!("{}/api/v1/openapi.json", d.url);
    let client = reqwest::Client::new();
    let plain = client.get(&url).send().await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain = plain.bytes().await.unwrap();
    let gz = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz = gz.bytes().await.unwrap();
    assert_eq!(&gz[..2], [0x1f, 0x8b], "a gzip stream");
    assert!(
        gz.len() * 5 < plain.len(),
        "{} vs {} bytes",
        gz.len(),
        plain.len()
    );
    d.stop().await;
}

/// `nines check` warns about stretches with nobody on call in the next 30
/// days, and still passes the config.
#[test]
fn check_warns_about_on_call_gaps() {
    let yaml = shop_yaml().replace(
        "auth:",
        "users:\n  ana: {}\nschedules:\n  office:\n    timezone: UTC\n    layers:\n      - rotation: daily\n        handoff: \"09:00\"\n        users: [ana]\n        restrictions:\n          - { from: \"09:00\", to: \"17:00\" }\nauth:",
    );
    let ws = Workspace::new(&yaml);
    let out = run_ok(nines().args(["check", "--config"]).arg(ws.config()));
    let err = String::from_utf8_lossy(&out.stderr);
    let gaps = err
        .lines()
        .filter(|l| l.starts_with("warning: schedule `office`: nobody is on call from "))
        .count();
    // Every night of the next 30 days (29 to 31 of them, by the hour now).
    assert!((29..=31).contains(&gaps), "{err}");
}
