//! The one alert model the rest of the crate works on, whichever door the
//! alert came in by: nines' SLO evaluator, its probes, Alertmanager's
//! webhook or the PagerDuty Events API.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::Serialize;

use crate::alertmanager::WebhookAlert;
use crate::pagerduty::{EventAction, PagerDutyEvent};

/// Label (or annotation) names to values, sorted so that printing, group
/// keys and fingerprints are stable.
pub type Labels = BTreeMap<String, String>;

/// Where an alert came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AlertSource {
    /// A burn-rate alert of nines' own SLO evaluator.
    #[serde(rename = "nines-slo")]
    Slo,
    /// A failing synthetic probe of nines.
    #[serde(rename = "nines-probe")]
    Probe,
    /// Prometheus Alertmanager's webhook (`POST /integrations/alertmanager`).
    #[serde(rename = "alertmanager")]
    Alertmanager,
    /// A PagerDuty Events API v2 event
    /// (`POST /integrations/pagerduty/v2/enqueue`).
    #[serde(rename = "pagerduty")]
    PagerDuty,
}

impl AlertSource {
    /// The name used in APIs and labels: `nines-slo`, `nines-probe`,
    /// `alertmanager`, `pagerduty`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSource::Slo => "nines-slo",
            AlertSource::Probe => "nines-probe",
            AlertSource::Alertmanager => "alertmanager",
            AlertSource::PagerDuty => "pagerduty",
        }
    }
}

impl std::str::FromStr for AlertSource {
    type Err = String;

    /// The names [`AlertSource::as_str`] gives, as stored.
    fn from_str(s: &str) -> Result<Self, String> {
        [
            AlertSource::Slo,
            AlertSource::Probe,
            AlertSource::Alertmanager,
            AlertSource::PagerDuty,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
        .ok_or_else(|| {
            format!(
                "`{s}` is not an alert source: nines-slo, nines-probe, alertmanager or pagerduty"
            )
        })
    }
}

impl fmt::Display for AlertSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad the source says it is: PagerDuty's four levels, which
/// Alertmanager setups conventionally put in a `severity` label. Ordered
/// from least to most severe, so `max()` picks the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    Info,
    Warning,
    Error,
    Critical,
}

impl AlertSeverity {
    pub const ALL: [AlertSeverity; 4] = [
        AlertSeverity::Critical,
        AlertSeverity::Error,
        AlertSeverity::Warning,
        AlertSeverity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Error => "error",
            AlertSeverity::Critical => "critical",
        }
    }

    /// Reads a `severity` label as Alertmanager setups write it: the four
    /// names in any case; anything else (or no label) is `warning`, so an
    /// unusual label still pages at a middle level rather than being
    /// dropped.
    pub fn from_label(value: Option<&str>) -> AlertSeverity {
        value
            .and_then(|v| v.trim().to_ascii_lowercase().parse().ok())
            .unwrap_or(AlertSeverity::Warning)
    }
}

impl FromStr for AlertSeverity {
    type Err = ();

    /// Exactly `critical`, `error`, `warning` or `info`, as PagerDuty
    /// accepts them.
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "critical" => Ok(AlertSeverity::Critical),
            "error" => Ok(AlertSeverity::Error),
            "warning" => Ok(AlertSeverity::Warning),
            "info" => Ok(AlertSeverity::Info),
            _ => Err(()),
        }
    }
}

impl fmt::Display for AlertSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

impl AlertStatus {
    /// `firing` or `resolved`, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Resolved => "resolved",
        }
    }
}

impl std::str::FromStr for AlertStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "firing" => Ok(AlertStatus::Firing),
            "resolved" => Ok(AlertStatus::Resolved),
            other => Err(format!(
                "`{other}` is not an alert status: firing or resolved"
            )),
        }
    }
}

/// A link to more context (a graph, a runbook, the alert's source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub href: String,
    pub text: Option<String>,
}

/// An alert from any source. Alerts with the same `source` and `key` are
/// the same alert over time: a later one updates or resolves the earlier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub source: AlertSource,
    /// Identity within the source: Alertmanager's fingerprint, PagerDuty's
    /// `dedup_key`, or [`Alert::slo_key`] for nines' own SLO alerts.
    pub key: String,
    /// What routing, silences and inhibition match on.
    pub labels: Labels,
    /// Free text for people (summary, description, runbook_url, …).
    pub annotations: Labels,
    /// One line for titles and notifications. Empty only for an event
    /// that carries no payload (PagerDuty's resolve): it keeps the
    /// summary and labels the alert has ([`Alert::keep_details`]).
    pub summary: String,
    pub severity: AlertSeverity,
    pub status: AlertStatus,
    pub starts_at: Timestamp,
    /// When it stopped firing; `None` while it fires.
    pub ends_at: Option<Timestamp>,
    pub links: Vec<Link>,
}

impl Alert {
    /// The key of an SLO alert: `service/slo/tier`, e.g.
    /// `checkout/availability/page`. Stable across evaluations, so the
    /// evaluator's repeated firing updates one alert.
    pub fn slo_key(service: &str, slo: &str, tier: &str) -> String {
        format!("{service}/{slo}/{tier}")
    }

    /// An alert from one alert of Alertmanager's webhook.
    ///
    /// Severity comes from the `severity` label ([`AlertSeverity::from_label`]);
    /// the summary from the `summary` annotation, else the alert name and
    /// the other labels (`HighLatency {instance="a", job="api"}`). The key
    /// is Alertmanager's fingerprint; senders that leave it out (older
    /// Grafana) get one computed from the labels the same way every time.
    pub fn from_alertmanager(alert: &WebhookAlert) -> Alert {
        let summary = match alert.annotations.get("summary") {
            Some(s) if !s.trim().is_empty() => s.clone(),
            _ => describe_labels(&alert.labels),
        };
        let key = if alert.fingerprint.is_empty() {
            labels_fingerprint(&alert.labels)
        } else {
            alert.fingerprint.clone()
        };
        let links = if alert.generator_url.is_empty() {
            vec![]
        } else {
            vec![Link {
                href: alert.generator_url.clone(),
                text: Some("Source".to_string()),
            }]
        };
        Alert {
            source: AlertSource::Alertmanager,
            key,
            labels: alert.labels.clone(),
            annotations: alert.annotations.clone(),
            summary,
            severity: AlertSeverity::from_label(alert.labels.get("severity").map(String::as_str)),
            status: alert.status,
            starts_at: alert.starts_at,
            ends_at: alert.ends_at,
            links,
        }
    }

    /// An alert from a PagerDuty event received at `received_at`, or `None`
    /// for `acknowledge`: that acknowledges the incident linked to the
    /// event's `dedup_key` rather than changing an alert.
    ///
    /// A trigger's labels are the PD-CEF fields `severity`, `source` and,
    /// when given, `component`, `group`, `class`, so routes and silences
    /// can match them; `client`, `client_url` and `custom_details` (as JSON
    /// text) become annotations. The alert starts at `payload.timestamp`,
    /// else at `received_at`. A resolve carries only the key: it resolves
    /// the alert the trigger with that key opened.
    pub fn from_pagerduty(event: &PagerDutyEvent, received_at: Timestamp) -> Option<Alert> {
        let mut alert = Alert {
            source: AlertSource::PagerDuty,
            key: event.dedup_key.clone(),
            labels: Labels::new(),
            annotations: Labels::new(),
            summary: String::new(),
            severity: AlertSeverity::Warning,
            status: AlertStatus::Firing,
            starts_at: received_at,
            ends_at: None,
            links: event.links.clone(),
        };
        match event.event_action {
            EventAction::Acknowledge => return None,
            EventAction::Resolve => {
                alert.status = AlertStatus::Resolved;
                alert.ends_at = Some(received_at);
            }
            EventAction::Trigger => {}
        }
        if let Some(payload) = &event.payload {
            alert.summary = payload.summary.clone();
            alert.severity = payload.severity;
            alert.starts_at = payload.timestamp.unwrap_or(received_at);
            let labels = &mut alert.labels;
            labels.insert("severity".into(), payload.severity.to_string());
            labels.insert("source".into(), payload.source.clone());
            for (name, value) in [
                ("component", &payload.component),
                ("group", &payload.group),
                ("class", &payload.class),
            ] {
                if let Some(value) = value {
                    labels.insert(name.into(), value.clone());
                }
            }
            alert
                .annotations
                .insert("summary".into(), payload.summary.clone());
            if let Some(details) = &payload.custom_details {
                alert
                    .annotations
                    .insert("custom_details".into(), details.to_string());
            }
        }
        for (name, value) in [("client", &event.client), ("client_url", &event.client_url)] {
            if let Some(value) = value {
                alert.annotations.insert(name.into(), value.clone());
            }
        }
        Some(alert)
    }
}

impl Alert {
    /// Whether the event carries only its key, status and times, not the
    /// alert's details (PagerDuty's `resolve`, whose payload PagerDuty
    /// ignores).
    pub fn carries_no_details(&self) -> bool {
        self.summary.is_empty()
    }

    /// Fills in what this event does not carry from the alert as it was
    /// last stored (`summary`, `labels`): a resolve without payload keeps
    /// the trigger's summary and labels, so it routes to the same
    /// incident and its timeline says what resolved. Labels the event
    /// does carry win.
    pub fn keep_details(&mut self, summary: &str, labels: &Labels) {
        if self.summary.is_empty() {
            self.summary = summary.to_string();
        }
        for (name, value) in labels {
            self.labels
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
    }
}

/// `alertname {name="value", …}` without the alertname among the labels;
/// just the braces when there is no alertname.
fn describe_labels(labels: &Labels) -> String {
    let rest: Vec<String> = labels
        .iter()
        .filter(|(name, _)| name.as_str() != "alertname")
        .map(|(name, value)| format!("{name}={value:?}"))
        .collect();
    let braces = format!("{{{}}}", rest.join(", "));
    match labels.get("alertname") {
        Some(name) if rest.is_empty() => name.clone(),
        Some(name) => format!("{name} {braces}"),
        None => braces,
    }
}

/// 16 hex digits of SHA-256 over the sorted labels, each name and value
/// followed by a 0xff byte (which UTF-8 text never contains), so that
/// different label sets cannot run together into the same bytes.
pub(crate) fn labels_fingerprint(labels: &Labels) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (name, value) in labels {
        hasher.update(name.as_bytes());
        hasher.update([0xff]);
        hasher.update(value.as_bytes());
        hasher.update([0xff]);
    }
    crate::hmac::hex(&hasher.finalize()[..8])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Labels from pairs; the crate's unit tests share it.
    pub(crate) fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn summaries_from_labels() {
        assert_eq!(
            describe_labels(&labels(&[
                ("alertname", "HighLatency"),
                ("job", "api"),
                ("instance", "a:9090")
            ])),
            r#"HighLatency {instance="a:9090", job="api"}"#
        );
        assert_eq!(
            describe_labels(&labels(&[("alertname", "Up")])),
            "Up".to_string()
        );
        assert_eq!(describe_labels(&labels(&[("job", "x")])), r#"{job="x"}"#);
    }

    #[test]
    fn severity_labels() {
        assert_eq!(
            AlertSeverity::from_label(Some("CRITICAL")),
            AlertSeverity::Critical
        );
        assert_eq!(
            AlertSeverity::from_label(Some("page")),
            AlertSeverity::Warning
        );
        assert_eq!(AlertSeverity::from_label(None), AlertSeverity::Warning);
        assert!(AlertSeverity::Critical > AlertSeverity::Error);
    }

    #[test]
    fn fingerprints_separate_names_from_values() {
        let a = labels_fingerprint(&labels(&[("ab", "c")]));
        let b = labels_fingerprint(&labels(&[("a", "bc")]));
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
    }
}
