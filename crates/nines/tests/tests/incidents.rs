//! Alerts to incidents to notifications, end to end: a real Alertmanager
//! (webhook and pagerduty_configs) delivering to nines, PagerDuty Events
//! v2 on the wire, the incident API, and a webhook receiver that fails
//! before it recovers.

use std::time::Duration;

use crate::util::*;
use axum::http::HeaderMap;
use nines::clock::Clock;
use serde_json::{Value, json};

const AM_KEY: &str = "nines_test_alertmanager_key";
const PD_KEY: &str = "0123456789abcdef0123456789abcdef";

/// A webhook receiver at `/hook` (from the kit) answering 503 to the
/// first `fail_first` deliveries.
async fn receiver(fail_first: usize) -> (String, Receiver) {
    let rx = Receiver::builder().fail_first(fail_first).start().await;
    (rx.url("/hook"), rx)
}

/// Every delivery so far: headers and JSON body.
fn deliveries(rx: &Receiver) -> Vec<(HeaderMap, Value)> {
    rx.requests()
        .iter()
        .map(|r| (r.headers.clone(), r.json()))
        .collect()
}

fn config(hook: &str) -> String {
    format!(
        r#"services:
  shop:
    slos:
      - {{ name: availability, objective: 99.9, window: 30d, sli: events }}
channels:
  hook: {{ webhook: {{ url: "{hook}", secret: "a-shared-secret-of-some-length" }} }}
integrations:
  am: {{ kind: alertmanager, key_hash: "{am}", service: shop }}
  pd: {{ kind: pagerduty, key_hash: "{pd}", service: shop }}
routes:
  channels: [hook]
auth:
  tokens:
    - {{ name: r, role: reader, hash: "{r}" }}
    - {{ name: w, role: writer, hash: "{w}" }}
    - {{ name: ana, role: responder, hash: "{resp}" }}
"#,
        am = nines_config::hash_token(AM_KEY),
        pd = nines_config::hash_token(PD_KEY),
        r = nines_config::hash_token(READER),
        w = nines_config::hash_token(WRITER),
        resp = nines_config::hash_token(RESPONDER),
    )
}

async fn incidents(d: &Daemon) -> Vec<Value> {
    let r = call(
        "GET",
        &format!("{}/api/v1/incidents", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.as_array().cloned().unwrap_or_default()
}

async fn pd_event(d: &Daemon, body: Value) -> Resp {
    call(
        "POST",
        &format!("{}/integrations/pagerduty/v2/enqueue", d.url),
        None,
        Some(body.to_string()),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_events_open_ack_and_resolve_incidents() {
    let (hook, rx) = receiver(0).await;
    let ws = Workspace::new(&config(&hook));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;

    // PagerDuty's own answers for bad events.
    let r = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "trigger"}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["status"], "invalid event");
    assert!(
        !r.body["errors"].as_array().unwrap().is_empty(),
        "{}",
        r.text
    );
    let r = pd_event(
        &d,
        json!({"routing_key": "f".repeat(32), "event_action": "trigger",
        "payload": {"summary": "x", "source": "y", "severity": "critical"}}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        incidents(&d).await.is_empty(),
        "a refused event changes nothing"
    );

    // Trigger: 202 with a generated dedup key, an incident, a notification.
    let r = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "trigger",
        "payload": {"summary": "disk full on db-1", "source": "db-1", "severity": "critical"}}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["status"], "success");
    assert_eq!(r.body["message"], "Event processed");
    let key = r.body["dedup_key"].as_str().unwrap().to_string();
    let list = incidents(&d).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], "INC-1");
    assert_eq!(list[0]["severity"], "SEV1");
    assert_eq!(list[0]["service"], "shop");
    assert_eq!(list[0]["title"], "disk full on db-1");

    // The same dedup key again joins the incident; acknowledge, resolve.
    let again = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "trigger", "dedup_key": key,
        "payload": {"summary": "disk full on db-1", "source": "db-1", "severity": "critical"}}),
    )
    .await;
    assert_eq!(again.status, 202);
    assert_eq!(incidents(&d).await.len(), 1);
    let ack = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "acknowledge", "dedup_key": key}),
    )
    .await;
    assert_eq!(ack.status, 202, "{}", ack.text);
    assert_eq!(incidents(&d).await[0]["status"], "acknowledged");
    let res = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": key}),
    )
    .await;
    assert_eq!(res.status, 202, "{}", res.text);
    assert_eq!(incidents(&d).await[0]["status"], "resolved");

    // Notifications: triggered, acknowledged, resolved, each signed and
    // with an idempotency key.
    let got = eventually(Duration::from_secs(10), "three notifications", || async {
        let got = deliveries(&rx);
        (got.len() >= 3).then_some(got)
    })
    .await;
    let events: Vec<&str> = got
        .iter()
        .map(|(_, v)| v["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "incident.triggered",
            "incident.acknowledged",
            "incident.resolved"
        ]
    );
    for (h, v) in &got {
        assert_eq!(
            h["idempotency-key"].to_str().unwrap(),
            v["idempotency_key"].as_str().unwrap()
        );
        assert!(h["x-nines-signature"].to_str().unwrap().starts_with("t="));
    }
    let show = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1", d.url),
        Some(READER),
        None,
    )
    .await;
    let kinds: Vec<&str> = show.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "triggered");
    assert!(
        kinds.contains(&"acknowledged")
            && kinds.contains(&"alert_resolved")
            && kinds.contains(&"notification_sent"),
        "{kinds:?}"
    );
    // The same alert firing again within the hour reopens INC-1.
    let again = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "trigger", "dedup_key": key,
        "payload": {"summary": "disk full on db-1", "source": "db-1", "severity": "critical"}}),
    )
    .await;
    assert_eq!(again.status, 202);
    let list = incidents(&d).await;
    assert_eq!(list.len(), 1, "reopened, not a new incident");
    assert_eq!(list[0]["status"], "triggered");
    assert!(list[0]["resolved_at"].is_null());
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responders_act_on_incidents_and_readers_cannot() {
    let (hook, _rx) = receiver(0).await;
    let ws = Workspace::new(&config(&hook));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let url = format!("{}/api/v1/incidents", d.url);
    let body = json!({"service": "shop", "title": "checkout slow", "severity": "SEV2"}).to_string();
    assert_eq!(
        call("POST", &url, Some(WRITER), Some(body.clone()))
            .await
            .status,
        403
    );
    let r = call("POST", &url, Some(RESPONDER), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let act = |action: &str| format!("{url}/{id}/{action}");
    assert_eq!(
        call("POST", &act("ack"), Some(READER), None).await.status,
        403
    );
    let r = call("POST", &act("ack"), Some(RESPONDER), None).await;
    assert_eq!(r.body["status"], "acknowledged", "{}", r.text);
    let r = call("POST", &act("ack"), Some(RESPONDER), None).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["error"], format!("{id} is already acknowledged"));
    let r = call(
        "POST",
        &act("notes"),
        Some(RESPONDER),
        Some(json!({"text": "rolled back 1.4.2"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call(
        "POST",
        &act("severity"),
        Some(RESPONDER),
        Some(json!({"severity": "SEV9"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);
    let r = call(
        "POST",
        &act("assign"),
        Some(RESPONDER),
        Some(json!({"commander": "bo", "assignee": "chen"}).to_string()),
    )
    .await;
    assert_eq!(
        (r.body["commander"].clone(), r.body["assignee"].clone()),
        (json!("bo"), json!("chen")),
        "{}",
        r.text
    );
    let r = call("POST", &act("mitigate"), Some(RESPONDER), None).await;
    assert!(r.body["mitigated_at"].is_string(), "{}", r.text);
    let r = call("POST", &act("mitigate"), Some(RESPONDER), None).await;
    assert_eq!(r.status, 409, "mitigated once: {}", r.text);
    let r = call("POST", &act("resolve"), Some(RESPONDER), None).await;
    assert_eq!(r.body["status"], "resolved");
    let show = call("GET", &format!("{url}/{id}"), Some(READER), None).await;
    assert_eq!(
        show.body["detected_at"], show.body["started_at"],
        "opened by hand: at once"
    );
    let texts: Vec<&str> = show.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"opened by ana")
            && texts.contains(&"acknowledged by ana")
            && texts.contains(&"rolled back 1.4.2")
            && texts.contains(&"bo is incident commander (set by ana)")
            && texts.contains(&"mitigated: the impact ended (by ana)"),
        "{texts:?}"
    );
    assert_eq!(
        call("GET", &format!("{url}/INC-99"), Some(READER), None)
            .await
            .status,
        404
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_every_notification_once_it_recovers() {
    // 503 for the first four attempts: retried with backoff, same key.
    let (hook, rx) = receiver(4).await;
    let ws = Workspace::new(&config(&hook));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let url = format!("{}/api/v1/incidents", d.url);
    for i in 0..2 {
        let body = json!({"service": "shop", "title": format!("incident {i}")}).to_string();
        assert_eq!(
            call("POST", &url, Some(RESPONDER), Some(body)).await.status,
            201
        );
    }
    let got = eventually(
        Duration::from_secs(30),
        "delivery after failures",
        || async {
            let got = deliveries(&rx);
            let delivered = got.len() >= 4 + 2;
            delivered.then_some(got)
        },
    )
    .await;
    let mut keys: Vec<String> = got
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        2,
        "two messages, retried under their own keys: {keys:?}"
    );
    let show = call("GET", &format!("{url}/INC-1"), Some(READER), None).await;
    let n = &show.body["notifications"][0];
    assert_eq!(n["state"], "sent", "{}", show.text);
    assert!(n["attempts"].as_i64().unwrap() >= 2, "{}", show.text);
    d.stop().await;
}

/// A real Alertmanager on loopback sending to nines. It must bind its own
/// port: started by the kit, which retries on a bind conflict.
struct Alertmanager {
    _child: Spawned,
    url: String,
    _dir: tempfile::TempDir,
}

fn alertmanager(receiver_yaml: &str) -> Alertmanager {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "route:\n  receiver: nines\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: nines\n{receiver_yaml}"
    );
    std::fs::write(dir.path().join("am.yml"), config).unwrap();
    let (child, port) = start_on_a_free_port(
        Duration::from_secs(30),
        |port| {
            let mut cmd = std::process::Command::new("prometheus-alertmanager");
            cmd.arg(format!(
                "--config.file={}",
                dir.path().join("am.yml").display()
            ))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=");
            cmd
        },
        |port| http_ok(port, "/-/ready"),
    );
    Alertmanager {
        _child: child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

fn amtool(am: &Alertmanager, args: &[&str]) {
    let started = std::time::Instant::now();
    loop {
        let out = std::process::Command::new("amtool")
            .arg(format!("--alertmanager.url={}", am.url))
            .args(["alert", "add"])
            .args(args)
            .output()
            .unwrap();
        if out.status.success() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "amtool: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

async fn alertmanager_round_trip(receiver_yaml: impl Fn(&str) -> String, source: &str) {
    let (hook, rx) = receiver(0).await;
    let ws = Workspace::new(&config(&hook));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let am = alertmanager(&receiver_yaml(&d.url));
    amtool(
        &am,
        &[
            "alertname=CheckoutErrors",
            "severity=critical",
            "service=shop",
            "--annotation=summary=checkout failing",
        ],
    );
    let list = eventually(
        Duration::from_secs(20),
        "incident from Alertmanager",
        || async {
            let l = incidents(&d).await;
            (!l.is_empty()).then_some(l)
        },
    )
    .await;
    assert_eq!(list[0]["status"], "triggered");
    assert_eq!(list[0]["severity"], "SEV1");
    let show = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(show.body["alerts"][0]["source"], source, "{}", show.text);
    eventually(Duration::from_secs(10), "notification", || async {
        let got = deliveries(&rx);
        got.iter()
            .any(|(_, v)| v["event"] == "incident.triggered")
            .then_some(())
    })
    .await;
    // Alertmanager resolves the alert (an end time in the past): the
    // incident resolves with it.
    let now = jiff::Timestamp::now().to_string();
    amtool(
        &am,
        &[
            "alertname=CheckoutErrors",
            "severity=critical",
            "service=shop",
            "--annotation=summary=checkout failing",
            &format!("--end={now}"),
        ],
    );
    eventually(Duration::from_secs(30), "auto-resolve", || async {
        let l = incidents(&d).await;
        (l[0]["status"] == "resolved").then_some(())
    })
    .await;
    eventually(Duration::from_secs(10), "resolved notification", || async {
        let got = deliveries(&rx);
        got.iter()
            .any(|(_, v)| v["event"] == "incident.resolved")
            .then_some(())
    })
    .await;
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_alertmanager_webhook_opens_and_resolves_an_incident() {
    if !require("prometheus-alertmanager", "prometheus-alertmanager") {
        return;
    }
    alertmanager_round_trip(
        |nines| format!("    webhook_configs:\n      - url: {nines}/integrations/alertmanager\n        send_resolved: true\n        http_config:\n          authorization:\n            credentials: {AM_KEY}\n"),
        "alertmanager",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_alertmanager_pagerduty_config_works_unchanged_but_the_url() {
    if !require("prometheus-alertmanager", "prometheus-alertmanager") {
        return;
    }
    alertmanager_round_trip(
        |nines| format!("    pagerduty_configs:\n      - routing_key: {PD_KEY}\n        url: {nines}/integrations/pagerduty/v2/enqueue\n        send_resolved: true\n        severity: critical\n"),
        "pagerduty",
    )
    .await;
}

#[test]
fn nothing_owed_is_lost_to_a_dead_receiver_or_a_sigkill() {
    // The receiver's port is held but nobody listens: connection refused.
    let reserved = ReservedPort::new();
    let port = reserved.port();
    let ws = Workspace::new(&config(&format!("http://127.0.0.1:{port}/hook")));
    let mut nines = Process::start(&ws.config(), &ws.data(), &["--notify-retry-base", "200ms"]);
    let open = |url: &str, i: usize| {
        let body = json!({"service": "shop", "title": format!("incident {i}")}).to_string();
        let r = blocking(
            "POST",
            &format!("{url}/api/v1/incidents"),
            Some(RESPONDER),
            Some(body),
        )
        .unwrap();
        assert_eq!(r.status, 201, "{}", r.text);
    };
    for i in 0..250 {
        open(&nines.url, i);
    }
    // Killed while it retries deliveries that cannot connect: once the
    // first has been tried and refused.
    eventually_blocking(Duration::from_secs(10), "a refused delivery", || {
        let s = blocking(
            "GET",
            &format!("{}/api/v1/incidents/INC-1", nines.url),
            Some(READER),
            None,
        )?;
        let n = &s.body["notifications"][0];
        (n["state"] == "pending" && n["attempts"].as_i64() >= Some(1)).then_some(())
    });
    signal(&nines, "KILL");
    let _ = nines.child.wait();
    nines = Process::start(&ws.config(), &ws.data(), &["--notify-retry-base", "200ms"]);
    for i in 250..500 {
        open(&nines.url, i);
    }
    // The receiver comes up, answering 503 to its first 100 requests.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rx = rt.block_on(async { Receiver::builder().fail_first(100).serve(reserved.listen()) });
    // Done when nines has every message as sent: each of the 100 refused
    // with 503 was delivered again under its key.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let metrics = loop {
        let m = blocking("GET", &format!("{}/metrics", nines.url), Some(READER), None).unwrap();
        if m.text.contains("nines_notifications{state=\"sent\"} 500") {
            break m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all sent:\n{}",
            m.text
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        metrics
            .text
            .contains("nines_incidents_open{severity=\"SEV3\"} 500"),
        "{}",
        metrics.text
    );
    let got = deliveries(&rx);
    let mut keys: Vec<String> = got
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap().to_string())
        .collect();
    let all = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 500, "every incident's notification arrived");
    assert!(
        all >= 600,
        "the first 100 answers were 503s, so at least 600 requests: {all}"
    );
    drop(got);
    drop(rt);
}

/// A Slack incoming webhook: `ok` with 200, or (revoked) 404 `no_service`.
async fn slack(revoked: bool) -> (String, Receiver) {
    let rx = Receiver::builder()
        .respond(move |_, _| {
            if revoked {
                Reply::new(404, "no_service")
            } else {
                Reply::ok()
            }
        })
        .start()
        .await;
    (rx.url("/services/T000/B000/XXXX"), rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_messages_and_a_revoked_webhook() {
    for revoked in [false, true] {
        let (url, got) = slack(revoked).await;
        let yaml = config("http://127.0.0.1:9/unused")
            .replace(
                "channels:\n",
                &format!("channels:\n  chat: {{ slack: \"{url}\" }}\n"),
            )
            .replace("routes:\n  channels: [hook]", "routes:\n  channels: [chat]");
        let ws = Workspace::new(&yaml);
        let d = Daemon::start_with(&ws, Clock::System, fast()).await;
        open_incident(&d, json!({"service": "shop", "title": "checkout slow"})).await;
        let show = eventually(Duration::from_secs(10), "delivery settled", || async {
            let s = call(
                "GET",
                &format!("{}/api/v1/incidents/INC-1", d.url),
                Some(READER),
                None,
            )
            .await;
            (s.body["notifications"][0]["state"] != "pending").then_some(s)
        })
        .await;
        let msg = got.bodies()[0].clone();
        assert_eq!(msg["text"], "triggered: checkout slow");
        assert_eq!(msg["blocks"][0]["type"], "section");
        let n = &show.body["notifications"][0];
        let kinds: Vec<&str> = show.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        if revoked {
            // 404 from Slack: the webhook is gone; retrying cannot help.
            assert_eq!(n["state"], "failed", "{}", show.text);
            assert_eq!(n["attempts"], 1);
            assert!(kinds.contains(&"notification_failed"), "{kinds:?}");
            assert_eq!(got.len(), 1, "no retries after a permanent failure");
        } else {
            assert_eq!(n["state"], "sent", "{}", show.text);
            assert!(kinds.contains(&"notification_sent"), "{kinds:?}");
        }
        d.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtta_and_mttr_per_service_and_severity() {
    let (hook, _rx) = receiver(0).await;
    let ws = Workspace::new(&config(&hook));
    let t0: jiff::Timestamp = "2026-11-24T09:00:00Z".parse().unwrap();
    let clock = Clock::manual(t0);
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    let url = format!("{}/api/v1/incidents", d.url);
    // Two SEV2 incidents: acknowledged after 60 s and 180 s, resolved
    // after 300 s and 900 s; one SEV3 left open.
    for (ack, resolve) in [(60, 300), (180, 900)] {
        clock.set(t0);
        let body = json!({"service": "shop", "title": "t", "severity": "SEV2"}).to_string();
        let id = call("POST", &url, Some(RESPONDER), Some(body)).await.body["id"]
            .as_str()
            .unwrap()
            .to_string();
        clock.set(t0 + jiff::SignedDuration::from_secs(ack));
        assert_eq!(
            call("POST", &format!("{url}/{id}/ack"), Some(RESPONDER), None)
                .await
                .status,
            200
        );
        clock.set(t0 + jiff::SignedDuration::from_secs(resolve));
        assert_eq!(
            call(
                "POST",
                &format!("{url}/{id}/resolve"),
                Some(RESPONDER),
                None
            )
            .await
            .status,
            200
        );
    }
    let body = json!({"service": "shop", "title": "open", "severity": "SEV3"}).to_string();
    assert_eq!(
        call("POST", &url, Some(RESPONDER), Some(body)).await.status,
        201
    );
    clock.set(t0 + jiff::SignedDuration::from_secs(3600));
    let r = call(
        "GET",
        &format!("{}/api/v1/analytics/incidents", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body["by_service"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{}", r.text);
    assert_eq!(rows[0]["severity"], "SEV2");
    assert_eq!(rows[0]["incidents"], 2);
    assert_eq!(rows[0]["mtta_seconds"], 120.0);
    assert_eq!(rows[0]["mttr_seconds"], 600.0);
    assert_eq!(rows[1]["severity"], "SEV3");
    assert_eq!(rows[1]["resolved"], 0);
    assert!(rows[1]["mttr_seconds"].is_null());
    let m = call("GET", &format!("{}/metrics", d.url), Some(READER), None).await;
    assert!(
        m.text
            .contains("nines_incident_mttr_seconds{service=\"shop\",severity=\"SEV2\"} 600"),
        "{}",
        m.text
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_hold_notifications_but_incidents_are_recorded() {
    let (hook, rx) = receiver(0).await;
    let ws = Workspace::new(&config(&hook));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let url = format!("{}/api/v1/silences", d.url);
    let silence =
        json!({"matchers": ["source=db-1"], "duration": "2h", "comment": "db-1 is being rebuilt"});
    assert_eq!(
        call("POST", &url, Some(READER), Some(silence.to_string()))
            .await
            .status,
        403
    );
    for (bad, why) in [
        (
            json!({"matchers": [], "duration": "1h", "comment": "x"}),
            "at least one matcher",
        ),
        (
            json!({"matchers": ["source"], "duration": "1h", "comment": "x"}),
            "matchers[0]: column 7",
        ),
        (
            json!({"matchers": ["a=b"], "duration": "1h", "comment": " "}),
            "comment",
        ),
        (
            json!({"matchers": ["a=b"], "comment": "x"}),
            "`ends_at` or `duration`",
        ),
    ] {
        let r = call("POST", &url, Some(RESPONDER), Some(bad.to_string())).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            r.body["error"].as_str().unwrap().contains(why),
            "{}",
            r.text
        );
    }
    let r = call("POST", &url, Some(RESPONDER), Some(silence.to_string())).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["state"], "active");
    assert_eq!(r.body["matchers"][0], "source=\"db-1\"");
    assert_eq!(r.body["created_by"], "ana");
    let id = r.body["id"].as_i64().unwrap();

    let r = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "trigger",
        "payload": {"summary": "db-1 down", "source": "db-1", "severity": "critical"}}),
    )
    .await;
    assert_eq!(r.status, 202);
    let show = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1", d.url),
        Some(READER),
        None,
    )
    .await;
    // No fixed wait for "nobody": the intake answered after recording the
    // incident, and it queued no notification, so the outbox has none to
    // send.
    assert!(
        show.body["notifications"].as_array().unwrap().is_empty(),
        "a silenced alert notifies nobody: {}",
        show.text
    );
    assert!(rx.is_empty(), "a silenced alert notifies nobody");
    let texts: Vec<&str> = show.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.iter().any(|t| t.starts_with(&format!(
            "notifications held by silence {id} (ana): db-1 is being rebuilt"
        ))),
        "{texts:?}"
    );

    // Expired, the next alert notifies again.
    let r = call("POST", &format!("{url}/{id}/expire"), Some(RESPONDER), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        call("GET", &url, Some(READER), None).await.body[0]["state"],
        "expired"
    );
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/INC-1/resolve", d.url),
        Some(RESPONDER),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    eventually(
        Duration::from_secs(5),
        "notification after expiry",
        || async { (!rx.is_empty()).then_some(()) },
    )
    .await;
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_recorded_and_shown_on_the_incidents_they_precede() {
    let (hook, _rx) = receiver(0).await;
    let ws = Workspace::new(&config(&hook));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let url = format!("{}/api/v1/changes", d.url);
    let now = jiff::Timestamp::now();
    let ago = |m: i64| (now - jiff::SignedDuration::from_mins(m)).to_string();
    let deploy =
        json!({"service": "shop", "version": "1.4.2", "link": "https://ci/job/7", "time": ago(25)});
    assert_eq!(
        call("POST", &url, Some(READER), Some(deploy.to_string()))
            .await
            .status,
        403
    );
    let r = call("POST", &url, Some(WRITER), Some(deploy.to_string())).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["kind"], "deploy");
    assert_eq!(r.body["by"], "w", "the token's name when `by` is not given");
    let old = json!({"service": "shop", "version": "1.4.0", "time": ago(300)});
    assert_eq!(
        call("POST", &url, Some(WRITER), Some(old.to_string()))
            .await
            .status,
        201
    );
    let r = call(
        "POST",
        &url,
        Some(WRITER),
        Some(json!({"service": "nope"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = call(
        "POST",
        &url,
        Some(WRITER),
        Some(json!({"service": "shop", "kind": "yolo"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains("deploy, config, flag, rollback, chaos, other")
    );

    // PagerDuty change events land there too.
    let r = call("POST", &format!("{}/integrations/pagerduty/v2/change/enqueue", d.url), None,
        Some(json!({"routing_key": PD_KEY, "payload": {"summary": "flag checkout-v2 on", "source": "launchdarkly"}}).to_string())).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let list = call("GET", &format!("{url}?service=shop"), Some(READER), None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 3, "{}", list.text);
    assert_eq!(list.body[0]["source"], "pagerduty");

    // An incident now shows the changes of the 2 hours before it, not older.
    let r = pd_event(
        &d,
        json!({"routing_key": PD_KEY, "event_action": "trigger",
        "payload": {"summary": "checkout errors", "source": "shop", "severity": "error"}}),
    )
    .await;
    assert_eq!(r.status, 202);
    let show = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1", d.url),
        Some(READER),
        None,
    )
    .await;
    let changes: Vec<&str> = show.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "change")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes[0].starts_with("change: deploy 1.4.2 by w (25 min before the start;"),
        "{changes:?}"
    );
    assert!(changes[1].contains("flag checkout-v2 on"), "{changes:?}");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_retried_no_sooner() {
    // Slack rate-limits the first message: 429 with `Retry-After: 2`.
    let rx = Receiver::builder()
        .respond(|_, before| {
            if before == 0 {
                Reply::new(429, "rate_limited").header("retry-after", "2")
            } else {
                Reply::ok().header("retry-after", "0")
            }
        })
        .start()
        .await;
    let hook = rx.url("/hook");
    let yaml = config("http://127.0.0.1:9/unused")
        .replace(
            "channels:\n",
            &format!("channels:\n  chat: {{ slack: \"{hook}\" }}\n"),
        )
        .replace("routes:\n  channels: [hook]", "routes:\n  channels: [chat]");
    let ws = Workspace::new(&yaml);
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let body = json!({"service": "shop", "title": "slow"}).to_string();
    assert_eq!(
        call(
            "POST",
            &format!("{}/api/v1/incidents", d.url),
            Some(RESPONDER),
            Some(body)
        )
        .await
        .status,
        201
    );
    let t = rx.wait_for(2, Duration::from_secs(10)).await;
    let waited = t[1].at - t[0].at;
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}, before Retry-After's 2 s"
    );
    d.stop().await;
}

/// An Alertmanager webhook of `alerts` (label sets, all firing), sent with
/// the key in the path.
async fn am_post(d: &Daemon, key: &str, alerts: &[Value]) -> Resp {
    let alerts: Vec<Value> = alerts
        .iter()
        .enumerate()
        .map(|(i, labels)| {
            json!({"status": "firing", "labels": labels, "annotations": {},
                   "startsAt": "2026-12-04T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                   "generatorURL": "", "fingerprint": format!("{i:016x}")})
        })
        .collect();
    let body = json!({"version": "4", "groupKey": "g", "status": "firing", "receiver": "nines",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "",
        "alerts": alerts});
    call(
        "POST",
        &format!("{}/integrations/alertmanager/{key}", d.url),
        None,
        Some(body.to_string()),
    )
    .await
}

/// Issue 15: PagerDuty clients send `resolve` (and `acknowledge`) with
/// the dedup key alone; the alert keeps the trigger's summary and labels,
/// and the timeline says what resolved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pagerduty_resolve_without_payload_keeps_summary_and_labels() {
    let ws = Workspace::new(&config("http://127.0.0.1:9/hook"));
    let d = Daemon::start(&ws, Clock::System).await;
    let trigger = json!({"routing_key": PD_KEY, "event_action": "trigger", "dedup_key": "db-1-disk",
        "payload": {"summary": "disk full on db-1", "source": "db-1", "severity": "critical",
                    "component": "postgres"}});
    assert_eq!(pd_event(&d, trigger).await.status, 202);
    for action in ["acknowledge", "resolve"] {
        let r = pd_event(
            &d,
            json!({"routing_key": PD_KEY, "event_action": action, "dedup_key": "db-1-disk"}),
        )
        .await;
        assert_eq!(r.status, 202, "{action}: {}", r.text);
    }
    let show = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(show.body["status"], "resolved", "{}", show.text);
    let alert = &show.body["alerts"][0];
    assert_eq!(alert["status"], "resolved");
    assert_eq!(alert["summary"], "disk full on db-1");
    assert_eq!(
        alert["labels"],
        json!({"severity": "critical", "source": "db-1", "component": "postgres", "service": "shop"})
    );
    let texts: Vec<&str> = show.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"alert resolved: disk full on db-1"),
        "{texts:?}"
    );
    d.stop().await;
}

/// Issue 15: the answer names each incident once however many alerts
/// joined it, and an alert's service comes from the routes, else a
/// configured `service` label, else `incidents.default_service`; with
/// none, the request is refused (422, naming the label) and nothing is
/// recorded. No service nobody configured is made up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_intake_answers_each_incident_once_and_places_unknown_services_by_rule() {
    let config = |default: &str| {
        format!(
            r#"services:
  shop: {{}}
  db: {{}}
{default}integrations:
  am: {{ kind: alertmanager, key_hash: "{am}" }}
routes:
  group_by: [alertname]
  routes:
    - {{ matchers: ['team="dba"'], service: db }}
auth:
  tokens:
    - {{ name: r, role: reader, hash: "{r}" }}
"#,
            am = nines_config::hash_token(AM_KEY),
            r = nines_config::hash_token(READER),
        )
    };
    let ws = Workspace::new(&config("incidents:\n  default_service: shop\n"));
    let d = Daemon::start(&ws, Clock::System).await;
    let r = am_post(
        &d,
        AM_KEY,
        &[
            json!({"alertname": "Slow", "service": "shop", "pod": "a"}),
            json!({"alertname": "Slow", "service": "shop", "pod": "b"}),
            json!({"alertname": "Locks", "service": "nope", "team": "dba"}),
            json!({"alertname": "Disk", "service": "db"}),
            json!({"alertname": "Gone", "service": "nope"}),
            json!({"alertname": "Bare"}),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["received"], 6);
    assert_eq!(
        r.body["incidents"],
        json!(["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]),
        "each incident once, in order"
    );
    let mut placed: Vec<(String, String)> = incidents(&d)
        .await
        .iter()
        .map(|i| {
            (
                i["title"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_string(),
                i["service"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    placed.sort();
    let want = [
        ("Bare", "shop"), // no label: the default
        ("Disk", "db"),   // a label naming a configured service
        ("Gone", "shop"), // a label naming none: the default
        ("Locks", "db"),  // the route, whatever the label says
        ("Slow", "shop"),
    ];
    assert_eq!(placed, want.map(|(a, s)| (a.to_string(), s.to_string())),);
    d.stop().await;

    // No default: refused, naming the label, and nothing recorded.
    let ws = Workspace::new(&config(""));
    let d = Daemon::start(&ws, Clock::System).await;
    let r = am_post(
        &d,
        AM_KEY,
        &[
            json!({"alertname": "Slow", "service": "shop"}),
            json!({"alertname": "Gone", "service": "nope"}),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let error = r.body["error"].as_str().unwrap();
    assert!(
        error.contains("alerts[1]") && error.contains(r#"service="nope""#),
        "{error}"
    );
    assert!(error.contains("incidents.default_service"), "{error}");
    assert!(incidents(&d).await.is_empty(), "nothing recorded");
    let r = am_post(&d, AM_KEY, &[json!({"alertname": "Locks", "team": "dba"})]).await;
    assert_eq!(r.status, 200, "a route places it: {}", r.text);
    assert_eq!(incidents(&d).await[0]["service"], "db");
    d.stop().await;
}
