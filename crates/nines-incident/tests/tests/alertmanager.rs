//! Alertmanager's webhook: realistic payloads (including Go's zero time in
//! `endsAt` and fields nines does not know), their conversion to alerts,
//! and errors for bodies of the wrong shape.

use nines_incident::alertmanager::{WebhookError, parse_webhook};
use nines_incident::{AlertSeverity, AlertSource, AlertStatus, Link};

use crate::util::ts;

#[test]
fn a_firing_group_with_unknown_fields() {
    let webhook = parse_webhook(include_bytes!("../fixtures/alertmanager-firing.json")).unwrap();
    assert_eq!(webhook.version, "4");
    assert_eq!(webhook.status, AlertStatus::Firing);
    assert_eq!(webhook.receiver, "nines");
    assert_eq!(webhook.truncated_alerts, 0);
    assert_eq!(webhook.group_labels["namespace"], "checkout");
    assert_eq!(webhook.external_url, "http://alertmanager.example.com:9093");
    assert!(webhook.group_key.starts_with("{}/{namespace=~"));
    assert_eq!(webhook.alerts.len(), 2);

    let first = &webhook.alerts[0];
    assert_eq!(first.ends_at, None, "0001-01-01T00:00:00Z is unset");
    assert_eq!(first.starts_at, ts("2026-03-01T12:03:41.274Z"));
    assert_eq!(first.fingerprint, "3b7e5a1f0c9d2e84");
    assert_eq!(
        webhook.alerts[1].starts_at,
        ts("2026-03-01T11:05:11.001234567Z")
    );

    let alerts = webhook.to_alerts();
    assert_eq!(alerts[0].source, AlertSource::Alertmanager);
    assert_eq!(alerts[0].key, "3b7e5a1f0c9d2e84");
    assert_eq!(alerts[0].severity, AlertSeverity::Critical);
    assert_eq!(alerts[0].summary, "Pod is crash looping.");
    assert_eq!(alerts[0].status, AlertStatus::Firing);
    assert_eq!(alerts[0].links[0].text.as_deref(), Some("Source"));
    // No summary annotation: the alert name and the other labels.
    assert_eq!(
        alerts[1].summary,
        r#"KubePodCrashLooping {cluster="eu-1", container="worker", namespace="checkout", pod="worker-5c6d7e8f9-abcde", severity="warning"}"#
    );
    assert_eq!(alerts[1].severity, AlertSeverity::Warning);
    assert!(alerts[1].links.is_empty());
}

#[test]
fn a_resolved_group() {
    let webhook = parse_webhook(include_bytes!("../fixtures/alertmanager-resolved.json")).unwrap();
    assert_eq!(webhook.status, AlertStatus::Resolved);
    assert_eq!(webhook.truncated_alerts, 2);
    let alerts = webhook.to_alerts();
    assert_eq!(alerts[0].status, AlertStatus::Resolved);
    assert_eq!(alerts[0].ends_at, Some(ts("2026-03-01T12:10:00Z")));
    // No severity label: warning.
    assert_eq!(alerts[0].severity, AlertSeverity::Warning);
    assert_eq!(
        alerts[0].links,
        vec![Link {
            href: "http://prometheus:9090/graph?g0.expr=job%3Acheckout%3Aerror_ratio+%3E+0.05"
                .into(),
            text: Some("Source".into())
        }]
    );
}

#[test]
fn grafanas_webhook_has_the_same_shape() {
    let webhook = parse_webhook(include_bytes!("../fixtures/grafana.json")).unwrap();
    assert_eq!(webhook.version, "1");
    let alerts = webhook.to_alerts();
    assert_eq!(alerts[0].key, "c6eadffa33fcdf37");
    assert_eq!(alerts[0].starts_at, ts("2021-10-12T07:51:03.157076Z"));
}

#[test]
fn a_missing_fingerprint_is_computed_from_the_labels() {
    let body = br#"{"status":"firing","alerts":[
        {"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-03-01T12:00:00Z"},
        {"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-03-01T12:05:00Z"},
        {"status":"firing","labels":{"alertname":"B"},"startsAt":"2026-03-01T12:00:00Z"}]}"#;
    let alerts = parse_webhook(body).unwrap().to_alerts();
    assert_eq!(alerts[0].key.len(), 16);
    assert_eq!(alerts[0].key, alerts[1].key);
    assert_ne!(alerts[0].key, alerts[2].key);
    assert_eq!(alerts[0].summary, "A");
}

#[test]
fn wrong_shapes_name_the_field() {
    let cases: &[(&str, &str)] = &[
        (
            "{",
            "the body is not JSON: EOF while parsing an object at line 1 column 1",
        ),
        ("[]", "(body): expected an object, got an array"),
        (
            r#"{"status":"firing"}"#,
            "alerts: required field is missing",
        ),
        (
            r#"{"status":"firing","alerts":{}}"#,
            "alerts: expected an array, got an object",
        ),
        (r#"{"alerts":[]}"#, "status: required field is missing"),
        (
            r#"{"status":"FIRING","alerts":[]}"#,
            r#"status: expected "firing" or "resolved", got a string "FIRING""#,
        ),
        (
            r#"{"status":"firing","alerts":[{"status":"firing","labels":{}}]}"#,
            "alerts[0].startsAt: required field is missing",
        ),
        (
            r#"{"status":"firing","alerts":[{"status":"firing","startsAt":"2026-03-01T12:00:00Z"}]}"#,
            "alerts[0].labels: required field is missing",
        ),
        (
            r#"{"status":"firing","alerts":[{"status":"firing","labels":{},"startsAt":"2026-03-01T12:00:00Z"},
                {"status":"firing","labels":{"severity":2},"startsAt":"2026-03-01T12:00:00Z"}]}"#,
            "alerts[1].labels.severity: expected a string, got a number 2",
        ),
        (
            r#"{"status":"firing","alerts":[{"status":"firing","labels":{},"startsAt":"yesterday"}]}"#,
            r#"alerts[0].startsAt: expected an RFC 3339 timestamp, got a string "yesterday""#,
        ),
        (
            r#"{"status":"firing","alerts":[{"status":"firing","labels":{},"startsAt":"2026-03-01T12:00:00Z","endsAt":5}]}"#,
            "alerts[0].endsAt: expected an RFC 3339 timestamp, got a number 5",
        ),
        (
            r#"{"status":"firing","alerts":[],"truncatedAlerts":-1}"#,
            "truncatedAlerts: expected a non-negative integer, got a number -1",
        ),
        (
            r#"{"status":"firing","alerts":[],"externalURL":["x"]}"#,
            "externalURL: expected a string, got an array",
        ),
        (
            r#"{"status":"firing","alerts":["x"]}"#,
            r#"alerts[0]: expected an object, got a string "x""#,
        ),
    ];
    for (body, message) in cases {
        let error = parse_webhook(body.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), *message, "{body}");
    }
    assert!(matches!(
        parse_webhook(b"{").unwrap_err(),
        WebhookError::NotJson(_)
    ));
}
