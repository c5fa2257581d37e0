//! Alertmanager's webhook (`webhook_config`, payload version 4) read into
//! typed values, with errors that name the field (`alerts[2].startsAt: …`)
//! so whoever wires Alertmanager to nines can fix the sender.
//!
//! Read leniently where senders differ: fields added by newer Alertmanager
//! or by Grafana (`orgId`, `silenceURL`, `values`, …) are ignored; the
//! `version` is kept, not checked (Grafana sends `"1"` with the same
//! shape); only `status`, `alerts` and each alert's `status`, `labels` and
//! `startsAt` are required. `endsAt` of `0001-01-01T00:00:00Z` (Go's zero
//! time, which Alertmanager sends while an alert fires) means unset.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::alert::{Alert, AlertStatus, Labels};

/// One webhook notification: a group of alerts as Alertmanager grouped
/// them for one receiver.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// `"4"` from Alertmanager.
    pub version: String,
    /// Identifies the group within Alertmanager, e.g.
    /// `{}/{severity="critical"}:{alertname="ProbeFailure"}`.
    pub group_key: String,
    /// Alerts left out because of the receiver's `max_alerts`.
    pub truncated_alerts: u64,
    /// `resolved` only when every alert of the group is resolved.
    pub status: AlertStatus,
    pub receiver: String,
    pub group_labels: Labels,
    pub common_labels: Labels,
    pub common_annotations: Labels,
    #[serde(rename = "externalURL")]
    pub external_url: String,
    pub alerts: Vec<WebhookAlert>,
}

/// One alert of a [`Webhook`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert {
    pub status: AlertStatus,
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: Timestamp,
    /// `None` for Go's zero time or an absent field.
    pub ends_at: Option<Timestamp>,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// Alertmanager's hash of the labels: the alert's identity.
    pub fingerprint: String,
}

impl Webhook {
    /// The alerts in nines' model ([`Alert::from_alertmanager`]).
    pub fn to_alerts(&self) -> Vec<Alert> {
        self.alerts.iter().map(Alert::from_alertmanager).collect()
    }
}

/// Why a body is not an Alertmanager webhook, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebhookError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("{path}: required field is missing")]
    Missing { path: String },
    #[error("{path}: expected {expected}, got {got}")]
    Invalid {
        path: String,
        expected: &'static str,
        got: String,
    },
}

/// Go's zero `time.Time`, Alertmanager's "not set".
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Reads a webhook body.
pub fn parse_webhook(body: &[u8]) -> Result<Webhook, WebhookError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::NotJson(e.to_string()))?;
    let root = as_object(&value, "(body)")?;
    let alerts = match root.get("alerts") {
        None | Some(Value::Null) => return Err(missing("alerts")),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| webhook_alert(item, &format!("alerts[{i}]")))
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(invalid("alerts", "an array", other)),
    };
    Ok(Webhook {
        version: optional_string(root, "version", "")?,
        group_key: optional_string(root, "groupKey", "")?,
        truncated_alerts: match root.get("truncatedAlerts") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| invalid("truncatedAlerts", "a non-negative integer", v))?,
        },
        status: status(root, "")?,
        receiver: optional_string(root, "receiver", "")?,
        group_labels: labels(root, "groupLabels", "", false)?,
        common_labels: labels(root, "commonLabels", "", false)?,
        common_annotations: labels(root, "commonAnnotations", "", false)?,
        external_url: optional_string(root, "externalURL", "")?,
        alerts,
    })
}

fn webhook_alert(value: &Value, path: &str) -> Result<WebhookAlert, WebhookError> {
    let alert = as_object(value, path)?;
    let starts_at = match time(alert, "startsAt", path)? {
        Some(t) => t,
        None => return Err(missing(&join(path, "startsAt"))),
    };
    Ok(WebhookAlert {
        status: status(alert, path)?,
        labels: labels(alert, "labels", path, true)?,
        annotations: labels(alert, "annotations", path, false)?,
        starts_at,
        ends_at: time(alert, "endsAt", path)?,
        generator_url: optional_string(alert, "generatorURL", path)?,
        fingerprint: optional_string(alert, "fingerprint", path)?,
    })
}

// === fields ===

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn missing(path: &str) -> WebhookError {
    WebhookError::Missing {
        path: path.to_string(),
    }
}

fn invalid(path: &str, expected: &'static str, got: &Value) -> WebhookError {
    WebhookError::Invalid {
        path: path.to_string(),
        expected,
        got: describe(got),
    }
}

/// A short description of a wrong value: its text when short, else its kind.
fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let text = value.to_string();
    if matches!(value, Value::String(_) | Value::Number(_)) && text.chars().count() <= 40 {
        format!("{kind} {text}")
    } else {
        kind.to_string()
    }
}

fn as_object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, WebhookError> {
    value
        .as_object()
        .ok_or_else(|| invalid(path, "an object", value))
}

fn optional_string(
    object: &Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<String, WebhookError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(invalid(&join(path, name), "a string", other)),
    }
}

fn status(object: &Map<String, Value>, path: &str) -> Result<AlertStatus, WebhookError> {
    let at = join(path, "status");
    match object.get("status") {
        None | Some(Value::Null) => Err(missing(&at)),
        Some(Value::String(s)) if s == "firing" => Ok(AlertStatus::Firing),
        Some(Value::String(s)) if s == "resolved" => Ok(AlertStatus::Resolved),
        Some(other) => Err(invalid(&at, "\"firing\" or \"resolved\"", other)),
    }
}

fn labels(
    object: &Map<String, Value>,
    name: &str,
    path: &str,
    required: bool,
) -> Result<Labels, WebhookError> {
    let at = join(path, name);
    let map = match object.get(name) {
        None | Some(Value::Null) if required => return Err(missing(&at)),
        None | Some(Value::Null) => return Ok(Labels::new()),
        Some(Value::Object(map)) => map,
        Some(other) => return Err(invalid(&at, "an object of strings", other)),
    };
    map.iter()
        .map(|(key, value)| match value {
            Value::String(s) => Ok((key.clone(), s.clone())),
            other => Err(invalid(&format!("{at}.{key}"), "a string", other)),
        })
        .collect()
}

fn time(
    object: &Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<Option<Timestamp>, WebhookError> {
    let at = join(path, name);
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() || s == GO_ZERO_TIME => Ok(None),
        Some(value @ Value::String(s)) => s
            .parse::<Timestamp>()
            .map(Some)
            .map_err(|_| invalid(&at, "an RFC 3339 timestamp", value)),
        Some(other) => Err(invalid(&at, "an RFC 3339 timestamp", other)),
    }
}
