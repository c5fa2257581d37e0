//! The PagerDuty Events API v2 intake: every validation rule with the
//! exact 400 body, valid events in full, change events.

use nines_incident::pagerduty::{
    EventAction, change_success_body, parse_change_event, parse_event, success_body,
};
use nines_incident::{Alert, AlertSeverity, AlertStatus, Link};
use serde_json::{Value, json};

use crate::util::ts;

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn generated() -> String {
    "generated0000000000000000000000k".to_string()
}

/// The 400 body for `event`, or `"ok"`.
fn answer(event: Value) -> String {
    match parse_event(event.to_string().as_bytes(), generated) {
        Ok(_) => "ok".to_string(),
        Err(rejection) => {
            assert_eq!(rejection.http_status(), 400);
            rejection.body()
        }
    }
}

fn invalid(errors: &[&str]) -> String {
    format!(
        r#"{{"status":"invalid event","message":"Event object is invalid","errors":{}}}"#,
        serde_json::to_string(errors).unwrap()
    )
}

fn trigger() -> Value {
    json!({
        "routing_key": KEY,
        "event_action": "trigger",
        "payload": {"summary": "Disk full on db-1", "source": "db-1", "severity": "critical"}
    })
}

fn with(mut event: Value, path: &[&str], value: Value) -> Value {
    let (last, parents) = path.split_last().unwrap();
    let mut at = &mut event;
    for p in parents {
        at = &mut at[*p];
    }
    at[*last] = value;
    event
}

fn without(mut event: Value, path: &[&str]) -> Value {
    let (last, parents) = path.split_last().unwrap();
    let mut at = &mut event;
    for p in parents {
        at = &mut at[*p];
    }
    at.as_object_mut().unwrap().remove(*last);
    event
}

#[test]
fn every_field_rule_with_pagerdutys_wording() {
    let long = |n: usize| Value::String("x".repeat(n));
    let cases: Vec<(&str, Value, String)> = vec![
        ("minimal trigger", trigger(), "ok".into()),
        (
            "routing_key missing",
            without(trigger(), &["routing_key"]),
            invalid(&["'routing_key' cannot be blank"]),
        ),
        (
            "routing_key blank",
            with(trigger(), &["routing_key"], json!("   ")),
            invalid(&["'routing_key' cannot be blank"]),
        ),
        (
            "routing_key 31 characters",
            with(trigger(), &["routing_key"], long(31)),
            invalid(&["Length of 'routing_key' is incorrect (should be 32 characters)"]),
        ),
        (
            "routing_key 33 characters",
            with(trigger(), &["routing_key"], long(33)),
            invalid(&["Length of 'routing_key' is incorrect (should be 32 characters)"]),
        ),
        (
            "routing_key an object",
            with(trigger(), &["routing_key"], json!({})),
            invalid(&["'routing_key' is invalid (must be a string)"]),
        ),
        (
            "event_action missing",
            without(trigger(), &["event_action"]),
            invalid(&["'event_action' is missing or blank"]),
        ),
        (
            "event_action unknown",
            with(trigger(), &["event_action"], json!("escalate")),
            invalid(&[
                "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
            ]),
        ),
        (
            "event_action in capitals",
            with(trigger(), &["event_action"], json!("TRIGGER")),
            invalid(&[
                "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
            ]),
        ),
        (
            "dedup_key 255 characters",
            with(trigger(), &["dedup_key"], long(255)),
            "ok".into(),
        ),
        (
            "dedup_key 256 characters",
            with(trigger(), &["dedup_key"], long(256)),
            invalid(&["'dedup_key' is too long (maiximum is 255 characters)"]),
        ),
        (
            "summary missing",
            without(trigger(), &["payload", "summary"]),
            invalid(&["'payload.summary' is missing or blank"]),
        ),
        (
            "summary blank",
            with(trigger(), &["payload", "summary"], json!("")),
            invalid(&["'payload.summary' is missing or blank"]),
        ),
        (
            "summary 1024 characters",
            with(trigger(), &["payload", "summary"], long(1024)),
            "ok".into(),
        ),
        (
            "summary 1024 multi-byte characters",
            with(trigger(), &["payload", "summary"], json!("é".repeat(1024))),
            "ok".into(),
        ),
        (
            "summary 1025 characters",
            with(trigger(), &["payload", "summary"], long(1025)),
            invalid(&["'summary' is too long (maiximum is 1024 characters)"]),
        ),
        (
            "source missing",
            without(trigger(), &["payload", "source"]),
            invalid(&["'payload.source' is missing or blank"]),
        ),
        (
            "source a number, taken as text",
            with(trigger(), &["payload", "source"], json!(1)),
            "ok".into(),
        ),
        (
            "severity missing",
            without(trigger(), &["payload", "severity"]),
            invalid(&["'payload.severity' is missing or blank"]),
        ),
        (
            "severity unknown",
            with(trigger(), &["payload", "severity"], json!("high")),
            invalid(&[
                "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
            ]),
        ),
        (
            "timestamp not ISO 8601",
            with(trigger(), &["payload", "timestamp"], json!("yesterday")),
            invalid(&["'payload.timestamp' is invalid (must be an ISO 8601 timestamp)"]),
        ),
        (
            "timestamp in PagerDuty's example format",
            with(
                trigger(),
                &["payload", "timestamp"],
                json!("2015-07-17T08:42:58.315+0000"),
            ),
            "ok".into(),
        ),
        (
            "component an array",
            with(trigger(), &["payload", "component"], json!([])),
            invalid(&["'payload.component' is invalid (must be a string)"]),
        ),
        (
            "payload missing on trigger",
            without(trigger(), &["payload"]),
            invalid(&[
                "'payload.summary' is missing or blank",
                "'payload.source' is missing or blank",
                "'payload.severity' is missing or blank",
            ]),
        ),
        (
            "payload not an object",
            with(trigger(), &["payload"], json!("disk full")),
            invalid(&[
                "'payload.summary' is missing or blank",
                "'payload.source' is missing or blank",
                "'payload.severity' is missing or blank",
            ]),
        ),
        (
            "acknowledge without dedup_key",
            json!({"routing_key": KEY, "event_action": "acknowledge"}),
            invalid(&["'dedup_key' is missing or blank"]),
        ),
        (
            "resolve without dedup_key",
            json!({"routing_key": KEY, "event_action": "resolve", "dedup_key": ""}),
            invalid(&["'dedup_key' is missing or blank"]),
        ),
        (
            "resolve ignores its payload",
            json!({"routing_key": KEY, "event_action": "resolve", "dedup_key": "k", "payload": 5}),
            "ok".into(),
        ),
        (
            "an empty object, as PagerDuty answers it",
            json!({}),
            invalid(&[
                "'routing_key' cannot be blank",
                "'event_action' is missing or blank",
            ]),
        ),
        (
            "every error at once, in order",
            json!({
                "routing_key": "short",
                "event_action": "trigger",
                "dedup_key": "k".repeat(300),
                "payload": {"summary": "s".repeat(2000), "severity": "fatal"}
            }),
            invalid(&[
                "Length of 'routing_key' is incorrect (should be 32 characters)",
                "'dedup_key' is too long (maiximum is 255 characters)",
                "'summary' is too long (maiximum is 1024 characters)",
                "'payload.source' is missing or blank",
                "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
            ]),
        ),
        (
            "unknown fields are ignored",
            with(trigger(), &["flavour"], json!("vanilla")),
            "ok".into(),
        ),
    ];
    let mut failures = Vec::new();
    for (name, event, expected) in cases {
        let got = answer(event);
        if got != expected {
            failures.push(format!("{name}:\n  got  {got}\n  want {expected}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bodies_that_are_not_json_objects_are_unrecognized() {
    let unrecognized = r#"{"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]}"#;
    for body in ["", "{", "not json", "[]", "42", "null", r#""text""#] {
        let rejection = parse_event(body.as_bytes(), generated).unwrap_err();
        assert_eq!(rejection.body(), unrecognized, "{body:?}");
        let rejection = parse_change_event(body.as_bytes()).unwrap_err();
        assert_eq!(rejection.body(), unrecognized, "{body:?}");
    }
}

/// PagerDuty's own documented trigger example, in full.
#[test]
fn pagerdutys_example_trigger() {
    let body = json!({
      "payload": {
        "summary": "Example alert on host1.example.com",
        "timestamp": "2015-07-17T08:42:58.315+0000",
        "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
        "severity": "info",
        "component": "postgres",
        "group": "prod-datapipe",
        "class": "deploy",
        "custom_details": {"ping time": "1500ms", "load avg": 0.75}
      },
      "routing_key": KEY,
      "dedup_key": "samplekeyhere",
      "images": [{"src": "https://www.example.com/logo.png", "href": "https://example.com/", "alt": "Example text"}],
      "links": [{"href": "https://example.com/", "text": "Link text"}],
      "event_action": "trigger",
      "client": "Sample Monitoring Service",
      "client_url": "https://monitoring.example.com"
    });
    let event = parse_event(body.to_string().as_bytes(), || unreachable!()).unwrap();
    assert_eq!(event.event_action, EventAction::Trigger);
    assert_eq!(event.routing_key.expose(), KEY);
    let as_str: &str = &event.routing_key;
    assert_eq!(as_str, KEY);
    assert_eq!(event.dedup_key, "samplekeyhere");
    // The key is a secret: neither printed nor serialized.
    assert!(!format!("{event:?}").contains(KEY));
    assert!(!serde_json::to_string(&event).unwrap().contains(KEY));
    assert!(!event.dedup_key_generated);
    let payload = event.payload.as_ref().unwrap();
    assert_eq!(payload.severity, AlertSeverity::Info);
    assert_eq!(payload.timestamp, Some(ts("2015-07-17T08:42:58.315Z")));
    assert_eq!(payload.component.as_deref(), Some("postgres"));
    assert_eq!(payload.custom_details.as_ref().unwrap()["load avg"], 0.75);
    assert_eq!(event.images[0].alt.as_deref(), Some("Example text"));
    assert_eq!(event.client.as_deref(), Some("Sample Monitoring Service"));

    let alert = Alert::from_pagerduty(&event, ts("2026-01-01T00:00:00Z")).unwrap();
    assert_eq!(alert.key, "samplekeyhere");
    assert_eq!(alert.status, AlertStatus::Firing);
    assert_eq!(alert.starts_at, ts("2015-07-17T08:42:58.315Z"));
    assert_eq!(alert.labels["component"], "postgres");
    assert_eq!(alert.labels["severity"], "info");
    assert_eq!(alert.annotations["client"], "Sample Monitoring Service");
    assert_eq!(
        alert.links,
        vec![Link {
            href: "https://example.com/".into(),
            text: Some("Link text".into())
        }]
    );
    assert_eq!(
        success_body(&event.dedup_key),
        r#"{"status":"success","message":"Event processed","dedup_key":"samplekeyhere"}"#
    );
}

#[test]
fn a_trigger_without_dedup_key_gets_a_generated_one() {
    let event = parse_event(trigger().to_string().as_bytes(), generated).unwrap();
    assert_eq!(event.dedup_key, generated());
    assert!(event.dedup_key_generated);
    let blank = with(trigger(), &["dedup_key"], json!(""));
    let event = parse_event(blank.to_string().as_bytes(), generated).unwrap();
    assert!(event.dedup_key_generated);
}

#[test]
fn acknowledge_and_resolve() {
    let ack = json!({"routing_key": KEY, "event_action": "acknowledge", "dedup_key": "db-1/disk"});
    let event = parse_event(ack.to_string().as_bytes(), || unreachable!()).unwrap();
    assert_eq!(event.event_action, EventAction::Acknowledge);
    assert!(event.payload.is_none());
    assert_eq!(
        Alert::from_pagerduty(&event, ts("2026-01-01T00:00:00Z")),
        None
    );

    let resolve = json!({"routing_key": KEY, "event_action": "resolve", "dedup_key": "db-1/disk"});
    let event = parse_event(resolve.to_string().as_bytes(), || unreachable!()).unwrap();
    let alert = Alert::from_pagerduty(&event, ts("2026-01-01T00:00:00Z")).unwrap();
    assert_eq!(alert.status, AlertStatus::Resolved);
    assert_eq!(alert.key, "db-1/disk");
    assert_eq!(alert.ends_at, Some(ts("2026-01-01T00:00:00Z")));
}

#[test]
fn malformed_links_and_images_are_dropped_not_fatal() {
    let event = with(
        with(
            trigger(),
            &["links"],
            json!([{"href": "https://a"}, {"text": "no href"}, "text", {"href": ""}]),
        ),
        &["images"],
        json!([{"alt": "no src"}, {"src": "https://i"}]),
    );
    let event = parse_event(event.to_string().as_bytes(), generated).unwrap();
    assert_eq!(
        event.links,
        vec![Link {
            href: "https://a".into(),
            text: None
        }]
    );
    assert_eq!(event.images.len(), 1);
    assert_eq!(event.images[0].src, "https://i");
}

#[test]
fn change_events() {
    let body = json!({
      "routing_key": KEY,
      "payload": {
        "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
        "timestamp": "2020-07-17T08:42:58.315+0000",
        "source": "acme-build-pipeline-tool-default-i-9999",
        "custom_details": {"build_state": "passed", "build_number": "2", "run_time": "1236s"}
      },
      "links": [{"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}]
    });
    let change = parse_change_event(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        change.source.as_deref(),
        Some("acme-build-pipeline-tool-default-i-9999")
    );
    assert_eq!(change.timestamp, Some(ts("2020-07-17T08:42:58.315Z")));
    assert_eq!(change.custom_details.unwrap()["build_number"], "2");
    assert_eq!(change.links.len(), 1);
    assert_eq!(
        change_success_body(),
        r#"{"status":"success","message":"Change event processed"}"#
    );

    let minimal = json!({"routing_key": KEY, "payload": {"summary": "deploy v2"}});
    let change = parse_change_event(minimal.to_string().as_bytes()).unwrap();
    assert_eq!(change.summary, "deploy v2");
    assert_eq!(change.source, None);

    let rejection = parse_change_event(br#"{"payload": {"summary": ""}}"#).unwrap_err();
    assert_eq!(
        rejection.body(),
        invalid(&[
            "'routing_key' cannot be blank",
            "'payload.summary' is missing or blank"
        ])
    );
    assert_eq!(
        rejection.to_string(),
        "Event object is invalid: 'routing_key' cannot be blank; 'payload.summary' is missing or blank"
    );
}
