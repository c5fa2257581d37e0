//! Builders shared by the test files: labels, instants, alerts.
#![allow(dead_code)] // each test file uses a different subset

use jiff::Timestamp;
use nines_incident::{Alert, AlertSeverity, AlertSource, AlertStatus, Labels};

/// Labels from `name=value` pairs.
pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An instant from RFC 3339 text.
pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("a test timestamp")
}

/// A firing Alertmanager alert with these labels, keyed `key`.
pub fn alert(key: &str, pairs: &[(&str, &str)]) -> Alert {
    let labels = labels(pairs);
    Alert {
        source: AlertSource::Alertmanager,
        key: key.to_string(),
        severity: AlertSeverity::from_label(labels.get("severity").map(String::as_str)),
        labels,
        annotations: Labels::new(),
        summary: format!("alert {key}"),
        status: AlertStatus::Firing,
        starts_at: ts("2026-03-01T12:00:00Z"),
        ends_at: None,
        links: vec![],
    }
}

/// The same alert, resolved.
pub fn resolved(mut alert: Alert, at: Timestamp) -> Alert {
    alert.status = AlertStatus::Resolved;
    alert.ends_at = Some(at);
    alert
}
