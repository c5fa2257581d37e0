//! Notification channels beyond the generic webhook, end to end: email to
//! a real SMTP server (aiosmtpd) over STARTTLS with AUTH and over implicit
//! TLS, PagerDuty Events v2 out and Alertmanager's webhook format out
//! (delivered into a second nines, whose intake speaks both), one-click
//! ack/resolve links, templates, rate limits, maintenance windows and
//! inhibition.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::*;
use nines::clock::Clock;
use serde_json::{Value, json};

const PD_KEY: &str = "0123456789abcdef0123456789abcdef";
const AM_KEY: &str = "nines_test_alertmanager_key";

/// Services, tokens and integrations; `channels` and `rest` (routes,
/// incidents) are the test's own.
fn config(channels: &str, rest: &str) -> String {
    format!(
        r#"services:
  shop: {{}}
  cart: {{}}
channels:
{channels}
integrations:
  pd: {{ kind: pagerduty, key_hash: "{pd}", service: shop }}
  am: {{ kind: alertmanager, key_hash: "{am}", service: shop }}
{rest}
auth:
  tokens:
    - {{ name: r, role: reader, hash: "{r}" }}
    - {{ name: ana, role: responder, hash: "{resp}" }}
"#,
        pd = nines_config::hash_token(PD_KEY),
        am = nines_config::hash_token(AM_KEY),
        r = nines_config::hash_token(READER),
        resp = nines_config::hash_token(RESPONDER),
    )
}

async fn act(d: &Daemon, id: &str, action: &str) {
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/{id}/{action}", d.url),
        Some(RESPONDER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn show(d: &Daemon, id: &str) -> Value {
    let r = call(
        "GET",
        &format!("{}/api/v1/incidents/{id}", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn kinds(incident: &Value) -> Vec<String> {
    incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn texts(incident: &Value) -> Vec<String> {
    incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until every notification of the incident has left the outbox.
async fn settled(d: &Daemon, id: &str) -> Value {
    eventually(Duration::from_secs(20), "notifications settled", || async {
        let s = show(d, id).await;
        let pending = s["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["state"] == "pending");
        (!pending).then_some(s)
    })
    .await
}

// === email ===

/// aiosmtpd, started by `smtp_sink.py` on port 0: its first line says
/// the port it got, each later JSON line is a mail.
struct SmtpSink {
    child: Spawned,
    port: u16,
}

impl SmtpSink {
    fn start(args: &[&str]) -> Option<SmtpSink> {
        let has_aiosmtpd = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !has_aiosmtpd {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3 with aiosmtpd is required in CI (python3 -m pip install aiosmtpd)"
            );
            eprintln!("SKIPPED: python3 -m pip install aiosmtpd");
            return None;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let child = Spawned::spawn(
            Command::new("python3")
                .arg(script)
                .args(["--port", "0"])
                .args(args),
        );
        let port = child.wait_for_line(Duration::from_secs(20), "READY <port>", |l| {
            l.strip_prefix("READY ")?.trim().parse().ok()
        });
        Some(SmtpSink { child, port })
    }

    fn next(&self) -> Value {
        self.child
            .wait_for_line(Duration::from_secs(20), "an email", |l| {
                serde_json::from_str::<Value>(l)
                    .ok()
                    .filter(Value::is_object)
            })
    }
}

/// A certificate for 127.0.0.1 and its key, as PEM files in `dir`.
fn certificate(dir: &std::path::Path) -> (String, String) {
    let ip: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.subject_alt_names = vec![rcgen::SanType::IpAddress(ip)];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (c, k) = (dir.join("smtp.crt"), dir.join("smtp.key"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    (c.display().to_string(), k.display().to_string())
}

/// The `label: URL` line of a text email.
fn link(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} link in {text}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_over_starttls_with_auth_and_one_click_links() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(tmp.path());
    let Some(smtp) = SmtpSink::start(&[
        "--tls",
        "starttls",
        "--cert",
        &cert,
        "--key",
        &key,
        "--user",
        "nines",
        "--password",
        "s3cret-pass",
        "--fail-first",
        "1",
    ]) else {
        return;
    };
    let port = smtp.port;
    let channels = format!(
        r#"  mail:
    email:
      host: 127.0.0.1
      port: {port}
      username: nines
      password: s3cret-pass
      ca_file: {cert}
      from: "Nines <nines@example.com>"
      to: [oncall@example.com, lead@example.com]
    body: "Runbook: https://runbooks.example.com/{{service}}""#
    );
    let ws = Workspace::new(&config(
        &channels,
        "routes:\n  channels: [mail]\nincidents:\n  secret: a-link-secret-of-some-length\n  external_url: http://127.0.0.1:1\n",
    ));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    open_incident(
        &d,
        json!({"service": "shop", "title": "checkout is down", "severity": "SEV2"}),
    )
    .await;

    // The first attempt gets 451 (transient) and is retried.
    let mail = smtp.next();
    assert_eq!(mail["subject"], "[SEV2] INC-1 triggered: checkout is down");
    assert_eq!(mail["from"], "Nines <nines@example.com>");
    assert_eq!(mail["mail_from"], "nines@example.com");
    assert_eq!(
        mail["rcpt_tos"],
        json!(["oncall@example.com", "lead@example.com"])
    );
    assert_eq!(mail["auth"], true);
    assert_eq!(mail["tls"], true, "STARTTLS before AUTH and DATA");
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.starts_with("Runbook: https://runbooks.example.com/shop\n"),
        "{text}"
    );
    assert!(
        mail["html"]
            .as_str()
            .unwrap()
            .contains("<a href=\"http://127.0.0.1:1/a/INC-1/ack?token="),
        "{mail}"
    );
    assert!(
        mail["message_id"]
            .as_str()
            .unwrap()
            .starts_with("<INC-1.incident.triggered."),
        "{mail}"
    );
    let s = settled(&d, "INC-1").await;
    assert_eq!(s["notifications"][0]["state"], "sent");
    assert_eq!(s["notifications"][0]["attempts"], 2, "{s}");
    assert!(
        texts(&s).contains(&"notified mail (attempt 2)".to_string()),
        "{s}"
    );

    // One-click links point at external_url; here they are used on the
    // daemon itself.
    let local = |url: &str| url.replace("http://127.0.0.1:1", &d.url);
    let ack = local(&link(text, "Acknowledge"));
    let resolve = local(&link(text, "Resolve"));
    let client = reqwest::Client::new();
    // Opening the link changes nothing: it asks.
    let page = client.get(&ack).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\">"), "{html}");
    assert!(html.contains("Acknowledge INC-1"), "{html}");
    assert_eq!(show(&d, "INC-1").await["status"], "triggered");
    // A token moved to another action or altered is refused.
    let token = ack.split_once("token=").unwrap().1.to_string();
    let moved = format!("{}/a/INC-1/resolve?token={token}", d.url);
    let r = client.post(&moved).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Its last hex digit changed (to one it is not).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let forged = format!(
        "{}/a/INC-1/ack?token={}{last}",
        d.url,
        &token[..token.len() - 1]
    );
    assert_eq!(client.post(&forged).send().await.unwrap().status(), 403);
    assert_eq!(
        show(&d, "INC-1").await["status"],
        "triggered",
        "refusals change nothing"
    );
    // The button posts the token as a form field.
    let r = client
        .post(ack.split_once('?').unwrap().0)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let s = show(&d, "INC-1").await;
    assert_eq!(s["status"], "acknowledged");
    let last = s["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "one-click link", "{last}");
    // Acknowledging again is a clear no-op; resolving works.
    assert_eq!(client.post(&ack).send().await.unwrap().status(), 409);
    assert_eq!(client.post(&resolve).send().await.unwrap().status(), 200);
    assert_eq!(show(&d, "INC-1").await["status"], "resolved");
    let acked = smtp.next();
    assert_eq!(
        acked["subject"],
        "[SEV2] INC-1 acknowledged by one-click link"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_over_implicit_tls_without_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(tmp.path());
    let Some(smtp) = SmtpSink::start(&["--tls", "implicit", "--cert", &cert, "--key", &key]) else {
        return;
    };
    let port = smtp.port;
    let channels = format!(
        "  mail: {{ email: {{ host: 127.0.0.1, port: {port}, tls: tls, ca_file: {cert}, from: nines@example.com, to: oncall@example.com }} }}"
    );
    let ws = Workspace::new(&config(&channels, "routes:\n  channels: [mail]\n"));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    open_incident(
        &d,
        json!({"service": "shop", "title": "disk full", "severity": "SEV2"}),
    )
    .await;
    let mail = smtp.next();
    assert_eq!(mail["subject"], "[SEV2] INC-1 triggered: disk full");
    assert_eq!(
        (mail["tls"].clone(), mail["auth"].clone()),
        (json!(true), json!(false))
    );
    assert!(
        !mail["text"].as_str().unwrap().contains("Acknowledge:"),
        "no links without a secret"
    );
    let s = settled(&d, "INC-1").await;
    assert_eq!(s["notifications"][0]["attempts"], 1);
    d.stop().await;
}

// === into a second nines: PagerDuty Events v2 and Alertmanager's format ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_and_alertmanager_format_out_reach_a_second_nines() {
    // B stands in for PagerDuty and for an Alertmanager-webhook receiver:
    // its intake speaks both wire formats.
    let b_ws = Workspace::new(&config("  unused: { slack: http://127.0.0.1:9/x }", ""));
    let b = Daemon::start_with(&b_ws, Clock::System, fast()).await;
    let channels = format!(
        r#"  pd:
    pagerduty: {{ routing_key: "{PD_KEY}", url: "{b}/integrations/pagerduty/v2/enqueue" }}
    title: "{{title}} on {{service}}"
  am-out:
    alertmanager: {{ url: "{b}/integrations/alertmanager/{AM_KEY}" }}
    body: "see {{url}}""#,
        b = b.url
    );
    let routes =
        "routes:\n  routes:\n    - { matchers: ['service=\"cart\"'], channels: [pd, am-out] }\n";
    let a_ws = Workspace::new(&config(&channels, routes));
    let a = Daemon::start_with(&a_ws, Clock::System, fast()).await;
    open_incident(
        &a,
        json!({"service": "cart", "title": "payments failing", "severity": "SEV2"}),
    )
    .await;
    // B opens one incident per format: PagerDuty's event has no service
    // label (B's integration says shop); Alertmanager's alert carries
    // `service="cart"`.
    let by_title = |list: &[Value], prefix: &str| {
        list.iter()
            .find(|i| i["title"].as_str().unwrap_or("").starts_with(prefix))
            .map(|i| i["id"].as_str().unwrap().to_string())
    };
    let (pd_id, am_id) = eventually(Duration::from_secs(20), "two incidents in B", || async {
        let r = call(
            "GET",
            &format!("{}/api/v1/incidents", b.url),
            Some(READER),
            None,
        )
        .await;
        let list = r.body.as_array().cloned().unwrap_or_default();
        // The PagerDuty summary is the channel's title template.
        let pd = by_title(&list, "INC-1 payments failing on cart");
        let am = by_title(&list, "triggered: payments failing");
        pd.zip(am)
    })
    .await;
    let pd = show(&b, &pd_id).await;
    assert_eq!(pd["service"], "shop", "B's integration's default service");
    assert_eq!(pd["alerts"][0]["source"], "pagerduty");
    assert_eq!(pd["alerts"][0]["key"], "nines-INC-1");
    let am = show(&b, &am_id).await;
    assert_eq!(am["service"], "cart");
    let labels = &am["alerts"][0]["labels"];
    assert_eq!(labels["incident"], "INC-1", "{am}");
    assert_eq!(labels["alertname"], "NinesIncident");
    assert_eq!(labels["severity"], "error", "SEV2 goes out as error");
    // A acknowledges: PagerDuty's acknowledge reaches B.
    act(&a, "INC-1", "ack").await;
    eventually(Duration::from_secs(20), "B acknowledged", || async {
        (show(&b, &pd_id).await["status"] == "acknowledged").then_some(())
    })
    .await;
    // A resolves: PagerDuty's resolve and Alertmanager's resolved alert
    // resolve both in B.
    act(&a, "INC-1", "resolve").await;
    eventually(Duration::from_secs(20), "B resolved", || async {
        let both = show(&b, &pd_id).await["status"] == "resolved"
            && show(&b, &am_id).await["status"] == "resolved";
        both.then_some(())
    })
    .await;
    let s = settled(&a, "INC-1").await;
    let states: Vec<&str> = s["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["state"].as_str().unwrap())
        .collect();
    // Six messages: triggered, acknowledged and resolved on each channel.
    assert_eq!(states, ["sent"; 6], "{s}");
    a.stop().await;
    b.stop().await;
}

// === rate limits ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_spaces_messages_and_loses_none() {
    let rx = Receiver::start().await;
    let hook = rx.url("/hook");
    let channels = format!("  hook: {{ webhook: {{ url: \"{hook}\" }}, rate_limit: 2/2s }}");
    let ws = Workspace::new(&config(&channels, "routes:\n  channels: [hook]\n"));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let start = Instant::now();
    for i in 0..5 {
        open_incident(
            &d,
            json!({"service": "shop", "title": format!("problem {i}"), "severity": "SEV2"}),
        )
        .await;
    }
    eventually(Duration::from_secs(20), "five messages", || async {
        (rx.len() == 5).then_some(())
    })
    .await;
    let got: Vec<(Instant, Value)> = rx.requests().iter().map(|r| (r.at, r.json())).collect();
    let mut titles: Vec<String> = got
        .iter()
        .map(|(_, v)| v["incident"]["title"].as_str().unwrap().to_string())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "problem 0",
            "problem 1",
            "problem 2",
            "problem 3",
            "problem 4"
        ]
    );
    // Two per two seconds: the fifth waits for two full periods.
    let fifth = got[4].0.duration_since(start);
    assert!(
        fifth >= Duration::from_millis(3900),
        "the fifth came after {fifth:?}"
    );
    for i in 1..=5 {
        let s = show(&d, &format!("INC-{i}")).await;
        assert_eq!(
            s["notifications"][0]["attempts"], 1,
            "a deferral is not an attempt: {s}"
        );
    }
    d.stop().await;
}

// === maintenance windows and inhibition ===

/// A webhook receiver at `/hook`, from the kit.
struct Hook {
    url: String,
    got: Receiver,
}

async fn hook() -> Hook {
    let got = Receiver::start().await;
    Hook {
        url: got.url("/hook"),
        got,
    }
}

async fn trigger(d: &Daemon, key: &str, severity: &str, component: &str, class: &str) {
    let body = json!({
        "routing_key": PD_KEY,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {"summary": key, "source": "test", "severity": severity, "component": component, "class": class},
    });
    let r = call(
        "POST",
        &format!("{}/integrations/pagerduty/v2/enqueue", d.url),
        None,
        Some(body.to_string()),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_windows_and_inhibit_rules_hold_notifications_but_record_incidents() {
    let h = hook().await;
    let channels = format!("  hook: {{ webhook: {{ url: \"{}\" }} }}", h.url);
    let rest = r#"routes:
  channels: [hook]
  group_by: [class]
  routes:
    - { matchers: [component=cart], service: cart }
incidents:
  maintenance:
    - { name: sunday-db, services: [shop], timezone: Europe/Berlin, days: [sun], start: "02:00", duration: 2h }
  inhibit:
    - source_matchers: [severity=critical]
      target_matchers: ['severity=~"warning|info"']
      equal: [service]
"#;
    let ws = Workspace::new(&config(&channels, rest));
    // Sunday 2026-11-29 02:30 in Berlin.
    let clock = Clock::manual("2026-11-29T01:30:00Z".parse().unwrap());
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;

    // In the window: shop's alert opens an incident that notifies nobody.
    trigger(&d, "db-1", "critical", "db", "db").await;
    let s = show(&d, "INC-1").await;
    assert!(
        texts(&s).contains(&"notifications held by maintenance window `sunday-db`".to_string()),
        "{s}"
    );
    assert!(s["notifications"].as_array().unwrap().is_empty(), "{s}");
    // Not in scope: cart's alert notifies.
    trigger(&d, "cart-1", "critical", "cart", "api").await;
    // The window ends at 04:00 local (03:00Z).
    clock.set("2026-11-29T03:00:00Z".parse().unwrap());
    trigger(&d, "shop-2", "critical", "web", "web").await;
    // A warning for shop while shop's critical alerts fire: inhibited.
    trigger(&d, "shop-3", "warning", "web", "latency").await;
    // A warning for cart: cart has a critical alert firing too.
    trigger(&d, "cart-2", "warning", "cart", "latency").await;
    let s4 = show(&d, "INC-4").await;
    assert!(
        texts(&s4)
            .contains(&"notifications held by inhibit rule 1 (incidents.inhibit[0])".to_string()),
        "{s4}"
    );
    assert!(kinds(&s4).contains(&"silenced".to_string()));
    let s5 = show(&d, "INC-5").await;
    assert_eq!(s5["service"], "cart");
    assert!(s5["notifications"].as_array().unwrap().is_empty(), "{s5}");
    // No fixed wait for "nothing more": the outbox sends only what the
    // store holds. INC-2 and INC-3 hold one notification each, now sent;
    // INC-1, INC-4 and INC-5 hold none, so none can follow.
    for id in ["INC-2", "INC-3"] {
        let s = settled(&d, id).await;
        let n = s["notifications"].as_array().unwrap();
        assert!(n.len() == 1 && n[0]["state"] == "sent", "{s}");
    }
    for id in ["INC-1", "INC-4", "INC-5"] {
        let s = show(&d, id).await;
        assert!(s["notifications"].as_array().unwrap().is_empty(), "{s}");
    }
    let mut sent: Vec<String> = h
        .got
        .bodies()
        .iter()
        .map(|v| v["incident"]["id"].as_str().unwrap().to_string())
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        ["INC-2", "INC-3"],
        "INC-1 in maintenance, INC-4 and INC-5 inhibited"
    );
    d.stop().await;
}

// === test messages ===

/// `nines notify test` queues a real message through the outbox to a
/// channel or a person; an unknown target is a 404 naming it; readers may
/// not send (issue 14).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_message_reaches_a_channel_and_a_person() {
    let rx = Receiver::start().await;
    let channels = format!("  hook: {{ webhook: {{ url: \"{}\" }} }}", rx.url("/hook"));
    let users = format!("users:\n  ana: {{ webhook: \"{}\" }}\n", rx.url("/ana"));
    let ws = Workspace::new(&config(&channels, &users));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let url = d.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        run_ok(
            nines()
                .args(["notify", "test", "hook", "-o", "json", "--server"])
                .arg(&url)
                .env("NINES_TOKEN", RESPONDER),
        )
    })
    .await
    .unwrap();
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["to"], "hook");
    let r = call(
        "POST",
        &format!("{}/api/v1/notifications/test", d.url),
        Some(RESPONDER),
        Some(json!({"to": "user:ana"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    let mut paths: Vec<&str> = got.iter().map(|m| m.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/ana", "/hook"]);
    let body = rx.requests_to("/hook")[0].json();
    assert_eq!(body["event"], "test");
    assert_eq!(body["title"], "nines test message");
    for (token, to, status) in [(RESPONDER, "nobody", 404), (READER, "hook", 403)] {
        let r = call(
            "POST",
            &format!("{}/api/v1/notifications/test", d.url),
            Some(token),
            Some(json!({ "to": to }).to_string()),
        )
        .await;
        assert_eq!(r.status, status, "{to}: {}", r.text);
    }
    d.stop().await;
}
