//! The deploy gate (issue 8): a table of budget states, alerts, incidents,
//! change kinds and overrides, with the decision and reasons for each, as
//! the HTTP API answers them; `nines gate` exits and prints in agreement
//! with that answer for every row; every decision is counted on /metrics.

use crate::util::*;
use jiff::Timestamp;
use nines::clock::Clock;
use serde_json::{Value, json};

const NOW: &str = "2026-03-10T12:00:00Z";
const PD_KEY: &str = "0123456789abcdef0123456789abcdef";

fn now() -> i64 {
    NOW.parse::<Timestamp>().unwrap().as_second()
}

/// What a row sets up before asking the gate.
#[derive(Clone, Copy)]
enum Budget {
    /// Four hours of good events.
    Healthy,
    /// No events at all.
    NoData,
    /// 10% errors ten days ago, good since: overspent, no alert firing.
    OverspentLongAgo,
    /// An hour of 10% errors just now: overspent and page tiers firing.
    Burning,
}

struct Row {
    name: &'static str,
    budget: Budget,
    /// Severity of an incident opened by hand, if any.
    incident: Option<&'static str>,
    /// Severity of a PagerDuty-format alert sent to the intake, if any.
    pd_alert: Option<&'static str>,
    kind: &'static str,
    /// Override: seconds until it expires (negative: expired already).
    override_in: Option<i64>,
    /// Extra config under `services.shop` (a per-service policy).
    policy: &'static str,
    allowed: bool,
    decision: &'static str,
    /// Each must be a substring of one reason, in order.
    reasons: &'static [&'static str],
}

fn rows() -> Vec<Row> {
    let base = Row {
        name: "",
        budget: Budget::Healthy,
        incident: None,
        pd_alert: None,
        kind: "deploy",
        override_in: None,
        policy: "",
        allowed: true,
        decision: "go",
        reasons: &[],
    };
    vec![
        Row {
            name: "healthy budget: go, no reasons",
            ..base
        },
        Row {
            name: "no data: go, said so per SLO",
            budget: Budget::NoData,
            reasons: &[
                "shop/availability: no data for the error budget, so it does not freeze deploys",
                "shop/latency: no data",
            ],
            ..base
        },
        Row {
            name: "overspent budget freezes a deploy",
            budget: Budget::OverspentLongAgo,
            allowed: false,
            decision: "frozen",
            reasons: &["shop/availability: error budget left -1900.0% is below the floor 0.0%"],
            ..base
        },
        Row {
            name: "a rollback is exempt",
            budget: Budget::OverspentLongAgo,
            kind: "rollback",
            decision: "exempt",
            reasons: &[
                "shop/availability: error budget left",
                "change kind rollback is exempt from the freeze",
            ],
            ..base
        },
        Row {
            name: "an active override lets a deploy through",
            budget: Budget::OverspentLongAgo,
            override_in: Some(3600),
            decision: "override",
            reasons: &[
                "shop/availability: error budget left",
                "frozen, but overridden by a until",
            ],
            ..base
        },
        Row {
            name: "an expired override does not",
            budget: Budget::OverspentLongAgo,
            override_in: Some(-60),
            allowed: false,
            decision: "frozen",
            reasons: &["shop/availability: error budget left"],
            ..base
        },
        Row {
            name: "a burning SLO: budget, page alerts and the incident they opened",
            budget: Budget::Burning,
            allowed: false,
            decision: "frozen",
            reasons: &[
                "shop/availability: error budget left",
                "shop: page alert availability/page-1h is firing",
                "shop: page alert availability/page-6h is firing",
                "shop: incident INC-1 (SEV1) is open",
            ],
            ..base
        },
        Row {
            name: "an open SEV2 freezes",
            incident: Some("SEV2"),
            allowed: false,
            decision: "frozen",
            reasons: &["shop: incident INC-1 (SEV2) is open"],
            ..base
        },
        Row {
            name: "a critical alert from an integration freezes, as does its SEV1 incident",
            pd_alert: Some("critical"),
            allowed: false,
            decision: "frozen",
            reasons: &[
                "shop: page alert disk-full (INC-1) is firing",
                "shop: incident INC-1 (SEV1) is open",
            ],
            ..base
        },
        Row {
            name: "a warning from an integration does not (its incident is SEV3)",
            pd_alert: Some("warning"),
            ..base
        },
        Row {
            name: "an open SEV3 does not",
            incident: Some("SEV3"),
            ..base
        },
        Row {
            name: "the service's policy: only SEV1 freezes",
            incident: Some("SEV2"),
            policy: "    error_budget_policy: { freeze_on_severities: [SEV1] }\n",
            ..base
        },
        Row {
            name: "the service's policy: neither page alerts nor incidents freeze",
            budget: Budget::Burning,
            policy: "    error_budget_policy: { freeze_on_page_alerts: false, freeze_on_severities: [] }\n",
            allowed: false,
            decision: "frozen",
            reasons: &["shop/availability: error budget left"],
            ..base
        },
    ]
}

async fn push(d: &Daemon, events: Vec<Value>) {
    for chunk in events.chunks(5000) {
        let r = call(
            "POST",
            &format!("{}/api/v1/events", d.url),
            Some(WRITER),
            Some(batch(chunk)),
        )
        .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
}

async fn set_up(row: &Row) -> (Workspace, Daemon) {
    let config = shop_yaml()
        .replace("    slos:\n", &format!("{}    slos:\n", row.policy))
        .replace(
            "auth:",
            &format!(
                "integrations:\n  pd: {{ kind: pagerduty, key_hash: \"{}\", service: shop }}\nauth:",
                nines_config::hash_token(PD_KEY)
            ),
        );
    let ws = Workspace::new(&config);
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    let t = now();
    let minutes = |from: i64, to: i64, good: u64, total: u64| -> Vec<Value> {
        (from..to)
            .flat_map(|m| {
                [
                    event("shop", "availability", t - m * 60, good, total),
                    event("shop", "latency", t - m * 60, total, total),
                ]
            })
            .collect()
    };
    match row.budget {
        Budget::NoData => {}
        Budget::Healthy => push(&d, minutes(0, 240, 1000, 1000)).await,
        Budget::OverspentLongAgo => {
            push(&d, minutes(10 * 1440, 10 * 1440 + 60, 900, 1000)).await;
            push(&d, minutes(0, 240, 1000, 1000)).await;
        }
        Budget::Burning => push(&d, minutes(0, 60, 900, 1000)).await,
    }
    if let Some(severity) = row.incident {
        let r = call(
            "POST",
            &format!("{}/api/v1/incidents", d.url),
            Some(ADMIN),
            Some(json!({"service": "shop", "title": "by hand", "severity": severity}).to_string()),
        )
        .await;
        assert!(r.status == 201 || r.status == 200, "{:?}", r.body);
    }
    if let Some(severity) = row.pd_alert {
        let event = json!({
            "routing_key": PD_KEY, "event_action": "trigger", "dedup_key": "disk-full",
            "payload": {"summary": "disk full", "source": "db-1", "severity": severity},
        });
        let r = call(
            "POST",
            &format!("{}/integrations/pagerduty/v2/enqueue", d.url),
            None,
            Some(event.to_string()),
        )
        .await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    if let Some(secs) = row.override_in {
        // Set an hour ago, so an expired one can be set at all.
        d.app.clock.set(Timestamp::from_second(t - 3600).unwrap());
        let r = call(
            "POST",
            &format!("{}/api/v1/services/shop/gate/overrides", d.url),
            Some(ADMIN),
            Some(
                json!({"reason": "hotfix for the outage", "duration": format!("{}s", 3600 + secs)})
                    .to_string(),
            ),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        d.app.clock.set(NOW.parse().unwrap());
    }
    (ws, d)
}

fn cli_gate(url: &str, kind: &str, service: &str) -> std::process::Output {
    nines()
        .args(["gate", service, "--kind", kind, "--server", url])
        .env("NINES_TOKEN", READER)
        .output()
        .unwrap()
}

#[tokio::test]
async fn decisions_and_reasons_by_state_and_the_cli_agrees() {
    for row in rows() {
        let (_ws, d) = set_up(&row).await;
        let r = call(
            "GET",
            &format!("{}/api/v1/services/shop/gate?kind={}", d.url, row.kind),
            Some(READER),
            None,
        )
        .await;
        let name = row.name;
        assert_eq!(r.status, 200, "{name}: {:?}", r.body);
        let reasons: Vec<String> = r.body["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(r.body["allowed"], row.allowed, "{name}: {reasons:#?}");
        assert_eq!(r.body["decision"], row.decision, "{name}: {reasons:#?}");
        // One reason per expected fragment, in order.
        assert_eq!(reasons.len(), row.reasons.len(), "{name}: {reasons:#?}");
        for (got, want) in reasons.iter().zip(row.reasons) {
            assert!(got.contains(want), "{name}: {got:?} lacks {want:?}");
        }
        assert!(r.body["budget"].is_object(), "{name}");
        if row.decision == "override" {
            assert_eq!(
                r.body["override"]["reason"], "hotfix for the outage",
                "{name}"
            );
        } else {
            assert!(r.body["override"].is_null(), "{name}");
        }

        // The CLI: exit 0 go / 1 frozen, one line per reason, then the verdict.
        let url = d.url.clone();
        let kind = row.kind;
        let out = tokio::task::spawn_blocking(move || cli_gate(&url, kind, "shop"))
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            out.status.code(),
            Some(if row.allowed { 0 } else { 1 }),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(lines[..lines.len() - 1], reasons[..], "{name}");
        let verdict = if row.allowed { "go" } else { "frozen" };
        assert_eq!(
            lines.last().copied(),
            Some(format!("{verdict}: {kind} of shop").as_str())
        );
        d.stop().await;
    }
}

#[tokio::test]
async fn unknown_services_and_bad_requests() {
    let ws = Workspace::new(&shop_yaml());
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    let r = call(
        "GET",
        &format!("{}/api/v1/services/cart/gate", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    assert_eq!(r.body["error"], "unknown service `cart`");
    let r = call(
        "GET",
        &format!("{}/api/v1/services/shop/gate?kind=Bad%20Kind", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let url = d.url.clone();
    let out = tokio::task::spawn_blocking(move || cli_gate(&url, "deploy", "cart"))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown service `cart`"));
    // Unreachable daemon: 2 as well, never 0.
    let out = tokio::task::spawn_blocking(|| cli_gate("http://127.0.0.1:9", "deploy", "shop"))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // Overrides: admin only, reason and one expiry required, listed.
    let overrides = format!("{}/api/v1/services/shop/gate/overrides", d.url);
    let body = json!({"reason": "launch", "duration": "2h"}).to_string();
    let r = call("POST", &overrides, Some(WRITER), Some(body.clone())).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    for bad in [
        json!({"reason": "", "duration": "2h"}),
        json!({"reason": "x"}),
        json!({"reason": "x", "duration": "2h", "expires_at": "2026-03-10T13:00:00Z"}),
        json!({"reason": "x", "expires_at": "2026-03-10T11:00:00Z"}),
        json!({"reason": "x", "duration": "60d"}),
    ] {
        let r = call("POST", &overrides, Some(ADMIN), Some(bad.to_string())).await;
        assert_eq!(r.status, 422, "{bad}: {:?}", r.body);
    }
    let r = call("POST", &overrides, Some(ADMIN), Some(body)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["by"], "a");
    assert_eq!(r.body["expires_at"], "2026-03-10T14:00:00Z");
    let r = call("GET", &overrides, Some(READER), None).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["active"], true);
    d.app.clock.set("2026-03-10T15:00:00Z".parse().unwrap());
    let r = call("GET", &overrides, Some(READER), None).await;
    assert_eq!(r.body[0]["active"], false);
    d.stop().await;
}

#[tokio::test]
async fn every_decision_is_counted_on_metrics() {
    let ws = Workspace::new(&shop_yaml());
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    for kind in ["deploy", "deploy", "rollback"] {
        let r = call(
            "GET",
            &format!("{}/api/v1/services/shop/gate?kind={kind}", d.url),
            Some(READER),
            None,
        )
        .await;
        assert_eq!(r.status, 200);
    }
    let m = call("GET", &format!("{}/metrics", d.url), Some(READER), None).await;
    let text = m.text;
    assert!(
        text.contains("# TYPE nines_gate_decisions_total counter"),
        "{text}"
    );
    assert!(
        text.contains(
            "nines_gate_decisions_total{service=\"shop\",kind=\"deploy\",decision=\"go\"} 2"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "nines_gate_decisions_total{service=\"shop\",kind=\"rollback\",decision=\"go\"} 1"
        ),
        "{text}"
    );
    if promtool_available() {
        promtool_check_metrics(&text);
    }
    d.stop().await;
}
