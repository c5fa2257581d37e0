//! PagerDuty Events API v2 intake: `POST /v2/enqueue` (alert events) and
//! `POST /v2/change/enqueue` (change events), validated as PagerDuty
//! validates them and answered with PagerDuty's bodies, so a tool
//! configured for PagerDuty (Alertmanager, Grafana, Datadog, Sentry, …)
//! works against nines by changing only the URL.
//!
//! What PagerDuty enforces, and where its wording comes from:
//!
//! | rule | error | source |
//! |---|---|---|
//! | body is a JSON object | `{"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]}` | bodies recorded in client tests |
//! | `routing_key` present | `'routing_key' cannot be blank` | a recorded answer to an empty POST |
//! | `routing_key` is 32 characters | `Length of 'routing_key' is incorrect (should be 32 characters)` | Alertmanager's notifier tests, several clients |
//! | `event_action` present | `'event_action' is missing or blank` | same recorded answer; go-pagerduty tests |
//! | `event_action` known | `'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')` | inferred from the severity message |
//! | `payload.summary` on trigger | `'payload.summary' is missing or blank` | inferred from the source/severity messages |
//! | summary ≤ 1024 characters | `'summary' is too long (maiximum is 1024 characters)` | PagerDuty's answer quoted in dagster#19567 and livepeer/stream-tester#354 (the typo is PagerDuty's) |
//! | `payload.source` on trigger | `'payload.source' is missing or blank` | answers quoted in Checkmk and Grafana reports |
//! | `payload.severity` on trigger | `'payload.severity' is missing or blank` | SigNoz#9536 |
//! | severity known | `'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')` | PagerDuty agent tests |
//! | `dedup_key` ≤ 255 characters | `'dedup_key' is too long (maiximum is 255 characters)` | inferred from the summary message |
//! | `dedup_key` on acknowledge/resolve | `'dedup_key' is missing or blank` | inferred |
//! | `payload.timestamp` is ISO 8601 | `'payload.timestamp' is invalid (must be an ISO 8601 timestamp)` | inferred |
//!
//! All failing rules are reported at once, in the order above, as PagerDuty
//! does (`"errors": [routing_key…, event_action…]`). Success is 202 with
//! `{"status":"success","message":"Event processed","dedup_key":"…"}`.
//!
//! Where PagerDuty is lenient, so is nines: unknown fields are ignored;
//! numbers and booleans where text is expected are taken as their text
//! (Sentry once sent `"source": 1`, which PagerDuty accepted); `links` and
//! `images` entries without `href`/`src` are dropped rather than failing
//! the event; the payload of acknowledge and resolve events is ignored.
//! The 512 KB body limit is the daemon's to enforce ([`MAX_BODY_BYTES`]).

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::alert::{AlertSeverity, Link};

/// Characters in a PagerDuty integration key.
pub const ROUTING_KEY_LEN: usize = 32;
/// Longest `payload.summary`, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1024;
/// Longest `dedup_key`, in characters.
pub const MAX_DEDUP_KEY_CHARS: usize = 255;
/// Largest body PagerDuty accepts (512 KB); the daemon answers 413 above it.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventAction {
    Trigger,
    Acknowledge,
    Resolve,
}

/// The PD-CEF payload of a trigger event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payload {
    /// At most [`MAX_SUMMARY_CHARS`] characters, never blank.
    pub summary: String,
    /// The affected system, preferably a hostname; never blank.
    pub source: String,
    pub severity: AlertSeverity,
    /// When the sender detected the event; PagerDuty uses the time of
    /// receipt when absent.
    pub timestamp: Option<Timestamp>,
    pub component: Option<String>,
    pub group: Option<String>,
    pub class: Option<String>,
    /// Free-form JSON, kept as sent.
    pub custom_details: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The image URL (PagerDuty shows only HTTPS images).
    pub src: String,
    /// Makes the image a link.
    pub href: Option<String>,
    pub alt: Option<String>,
}

/// An integration key: which nines integration (and so which service) an
/// event is for. It is a secret (whoever has it can page), so `Debug`
/// hides it and serializing an event leaves it out.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RoutingKey(String);

impl RoutingKey {
    /// The key, to look up the integration.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// So `&event.routing_key` passes where a `&str` is wanted.
impl std::ops::Deref for RoutingKey {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RoutingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RoutingKey(…)")
    }
}

/// A valid alert event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PagerDutyEvent {
    #[serde(skip)]
    pub routing_key: RoutingKey,
    pub event_action: EventAction,
    /// Identifies the alert across trigger, acknowledge and resolve. Always
    /// set: a trigger without one gets a generated key.
    pub dedup_key: String,
    /// Whether `dedup_key` was generated here rather than sent.
    pub dedup_key_generated: bool,
    /// Present on triggers only.
    pub payload: Option<Payload>,
    pub links: Vec<Link>,
    pub images: Vec<Image>,
    /// The monitoring tool's name.
    pub client: Option<String>,
    /// The monitoring tool's URL.
    pub client_url: Option<String>,
}

/// A valid change event (a deploy, a config push): context for incidents
/// and postmortems, never a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEvent {
    #[serde(skip)]
    pub routing_key: RoutingKey,
    pub summary: String,
    pub source: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub custom_details: Option<Value>,
    pub links: Vec<Link>,
}

/// Why PagerDuty would refuse the body: answer HTTP 400 with
/// [`PagerDutyRejection::body`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Error)]
#[error("{message}: {}", errors.join("; "))]
pub struct PagerDutyRejection {
    /// `invalid event`, or `Unrecognized object` when the body is not a
    /// JSON object.
    pub status: String,
    pub message: String,
    pub errors: Vec<String>,
}

impl PagerDutyRejection {
    fn invalid(errors: Vec<String>) -> Self {
        PagerDutyRejection {
            status: "invalid event".into(),
            message: "Event object is invalid".into(),
            errors,
        }
    }

    fn unrecognized() -> Self {
        PagerDutyRejection {
            status: "Unrecognized object".into(),
            message: "Event object format is unrecognized".into(),
            errors: vec!["JSON parse error".into()],
        }
    }

    /// The HTTP status PagerDuty answers with: 400.
    pub fn http_status(&self) -> u16 {
        400
    }

    /// The JSON body, e.g.
    /// `{"status":"invalid event","message":"Event object is invalid","errors":["'payload.source' is missing or blank"]}`.
    pub fn body(&self) -> String {
        serde_json::to_string(self).expect("strings always serialize")
    }
}

/// The 202 body for an accepted alert event, fields in PagerDuty's order.
pub fn success_body(dedup_key: &str) -> String {
    format!(
        r#"{{"status":"success","message":"Event processed","dedup_key":{}}}"#,
        Value::from(dedup_key)
    )
}

/// The 202 body for an accepted change event. PagerDuty's exact change
/// event wording was not found in public sources; this mirrors the alert
/// body without a `dedup_key`.
pub fn change_success_body() -> String {
    r#"{"status":"success","message":"Change event processed"}"#.to_string()
}

/// Validates an alert event body. `generate_dedup_key` is called only for
/// a trigger without a `dedup_key` (PagerDuty makes a UUID's 32 hex
/// digits; the daemon passes its own generator, tests a constant).
pub fn parse_event(
    body: &[u8],
    generate_dedup_key: impl FnOnce() -> String,
) -> Result<PagerDutyEvent, PagerDutyRejection> {
    let object = object(body)?;
    let mut errors = Vec::new();
    let routing_key = routing_key(&object, &mut errors);

    let event_action = match text(&object, "event_action") {
        Text::Absent | Text::Blank => {
            errors.push("'event_action' is missing or blank".into());
            None
        }
        Text::Value(action) => match action.as_str() {
            "trigger" => Some(EventAction::Trigger),
            "acknowledge" => Some(EventAction::Acknowledge),
            "resolve" => Some(EventAction::Resolve),
            _ => {
                errors.push(
                    "'event_action' is invalid (must be one of the following: \
                     'trigger', 'acknowledge' or 'resolve')"
                        .into(),
                );
                None
            }
        },
        Text::Structured => {
            errors.push(not_text("event_action"));
            None
        }
    };

    let dedup_key = match text(&object, "dedup_key") {
        Text::Value(key) => {
            if key.chars().count() > MAX_DEDUP_KEY_CHARS {
                errors.push(format!(
                    "'dedup_key' is too long (maiximum is {MAX_DEDUP_KEY_CHARS} characters)"
                ));
            }
            Some(key)
        }
        Text::Absent | Text::Blank => {
            if matches!(
                event_action,
                Some(EventAction::Acknowledge | EventAction::Resolve)
            ) {
                errors.push("'dedup_key' is missing or blank".into());
            }
            None
        }
        Text::Structured => {
            errors.push(not_text("dedup_key"));
            None
        }
    };

    let payload = if event_action == Some(EventAction::Trigger) {
        trigger_payload(object.get("payload"), &mut errors)
    } else {
        None
    };

    let links = links(object.get("links"));
    let images = images(object.get("images"));
    let client = optional_text(&object, "client", "client", &mut errors);
    let client_url = optional_text(&object, "client_url", "client_url", &mut errors);

    if !errors.is_empty() {
        return Err(PagerDutyRejection::invalid(errors));
    }
    let (Some(routing_key), Some(event_action)) = (routing_key, event_action) else {
        unreachable!("a missing routing_key or event_action is an error")
    };
    let (dedup_key, dedup_key_generated) = match dedup_key {
        Some(key) => (key, false),
        None => (generate_dedup_key(), true),
    };
    Ok(PagerDutyEvent {
        routing_key,
        event_action,
        dedup_key,
        dedup_key_generated,
        payload,
        links,
        images,
        client,
        client_url,
    })
}

/// Validates a change event body: `routing_key` and `payload.summary` are
/// required, the rest optional, with the same limits and wording as alert
/// events.
pub fn parse_change_event(body: &[u8]) -> Result<ChangeEvent, PagerDutyRejection> {
    let object = object(body)?;
    let mut errors = Vec::new();
    let routing_key = routing_key(&object, &mut errors);
    let empty = Map::new();
    let payload = object
        .get("payload")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let summary = summary(payload, &mut errors);
    let source = optional_text(payload, "source", "payload.source", &mut errors);
    let timestamp = timestamp(payload, &mut errors);
    let custom_details = details(payload);
    let links = links(object.get("links"));
    if !errors.is_empty() {
        return Err(PagerDutyRejection::invalid(errors));
    }
    let (Some(routing_key), Some(summary)) = (routing_key, summary) else {
        unreachable!("a missing routing_key or summary is an error")
    };
    Ok(ChangeEvent {
        routing_key,
        summary,
        source,
        timestamp,
        custom_details,
        links,
    })
}

// === fields ===

fn object(body: &[u8]) -> Result<Map<String, Value>, PagerDutyRejection> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(PagerDutyRejection::unrecognized()),
    }
}

/// A field expected to hold text.
enum Text {
    Absent,
    /// Empty or only whitespace.
    Blank,
    Value(String),
    /// An object or array.
    Structured,
}

fn text(object: &Map<String, Value>, name: &str) -> Text {
    let value = match object.get(name) {
        None | Some(Value::Null) => return Text::Absent,
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(_) | Value::Object(_)) => return Text::Structured,
    };
    if value.trim().is_empty() {
        Text::Blank
    } else {
        Text::Value(value)
    }
}

fn not_text(path: &str) -> String {
    format!("'{path}' is invalid (must be a string)")
}

fn optional_text(
    object: &Map<String, Value>,
    name: &str,
    path: &str,
    errors: &mut Vec<String>,
) -> Option<String> {
    match text(object, name) {
        Text::Value(value) => Some(value),
        Text::Absent | Text::Blank => None,
        Text::Structured => {
            errors.push(not_text(path));
            None
        }
    }
}

fn routing_key(object: &Map<String, Value>, errors: &mut Vec<String>) -> Option<RoutingKey> {
    match text(object, "routing_key") {
        Text::Absent | Text::Blank => {
            errors.push("'routing_key' cannot be blank".into());
            None
        }
        Text::Value(key) if key.chars().count() != ROUTING_KEY_LEN => {
            errors.push(format!(
                "Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LEN} characters)"
            ));
            None
        }
        Text::Value(key) => Some(RoutingKey(key)),
        Text::Structured => {
            errors.push(not_text("routing_key"));
            None
        }
    }
}

fn summary(payload: &Map<String, Value>, errors: &mut Vec<String>) -> Option<String> {
    match text(payload, "summary") {
        Text::Absent | Text::Blank => {
            errors.push("'payload.summary' is missing or blank".into());
            None
        }
        Text::Value(summary) if summary.chars().count() > MAX_SUMMARY_CHARS => {
            errors.push(format!(
                "'summary' is too long (maiximum is {MAX_SUMMARY_CHARS} characters)"
            ));
            None
        }
        Text::Value(summary) => Some(summary),
        Text::Structured => {
            errors.push(not_text("payload.summary"));
            None
        }
    }
}

fn trigger_payload(payload: Option<&Value>, errors: &mut Vec<String>) -> Option<Payload> {
    let empty = Map::new();
    let payload = payload.and_then(Value::as_object).unwrap_or(&empty);
    let summary = summary(payload, errors);
    let source = match text(payload, "source") {
        Text::Absent | Text::Blank => {
            errors.push("'payload.source' is missing or blank".into());
            None
        }
        Text::Value(source) => Some(source),
        Text::Structured => {
            errors.push(not_text("payload.source"));
            None
        }
    };
    let severity = match text(payload, "severity") {
        Text::Absent | Text::Blank => {
            errors.push("'payload.severity' is missing or blank".into());
            None
        }
        Text::Value(severity) => match severity.parse::<AlertSeverity>() {
            Ok(severity) => Some(severity),
            Err(()) => {
                errors.push(
                    "'payload.severity' is invalid (must be one of the following: \
                     'critical', 'warning', 'error' or 'info')"
                        .into(),
                );
                None
            }
        },
        Text::Structured => {
            errors.push(not_text("payload.severity"));
            None
        }
    };
    let timestamp = timestamp(payload, errors);
    let component = optional_text(payload, "component", "payload.component", errors);
    let group = optional_text(payload, "group", "payload.group", errors);
    let class = optional_text(payload, "class", "payload.class", errors);
    Some(Payload {
        summary: summary?,
        source: source?,
        severity: severity?,
        timestamp,
        component,
        group,
        class,
        custom_details: details(payload),
    })
}

fn timestamp(payload: &Map<String, Value>, errors: &mut Vec<String>) -> Option<Timestamp> {
    match payload.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => match parse_iso8601(s) {
            Some(t) => Some(t),
            None => {
                errors
                    .push("'payload.timestamp' is invalid (must be an ISO 8601 timestamp)".into());
                None
            }
        },
        Some(_) => {
            errors.push("'payload.timestamp' is invalid (must be an ISO 8601 timestamp)".into());
            None
        }
    }
}

/// An ISO 8601 instant with an offset. Besides RFC 3339 this takes the
/// basic-format offset of PagerDuty's own examples
/// (`2015-07-17T08:42:58.315+0000`).
pub fn parse_iso8601(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    // `+hhmm` → `+hh:mm`, then try again.
    let bytes = s.as_bytes();
    let n = bytes.len();
    if n >= 5
        && matches!(bytes[n - 5], b'+' | b'-')
        && bytes[n - 4..].iter().all(u8::is_ascii_digit)
    {
        let fixed = format!("{}:{}", &s[..n - 2], &s[n - 2..]);
        return fixed.parse().ok();
    }
    None
}

fn details(payload: &Map<String, Value>) -> Option<Value> {
    payload
        .get("custom_details")
        .filter(|v| !v.is_null())
        .cloned()
}

fn string_of(object: &Map<String, Value>, name: &str) -> Option<String> {
    match text(object, name) {
        Text::Value(v) => Some(v),
        _ => None,
    }
}

fn links(value: Option<&Value>) -> Vec<Link> {
    let Some(Value::Array(items)) = value else {
        return vec![];
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|item| {
            Some(Link {
                href: string_of(item, "href")?,
                text: string_of(item, "text"),
            })
        })
        .collect()
}

fn images(value: Option<&Value>) -> Vec<Image> {
    let Some(Value::Array(items)) = value else {
        return vec![];
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|item| {
            Some(Image {
                src: string_of(item, "src")?,
                href: string_of(item, "href"),
                alt: string_of(item, "alt"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagerduty_example_timestamps_parse() {
        assert_eq!(
            parse_iso8601("2015-07-17T08:42:58.315+0000")
                .unwrap()
                .to_string(),
            "2015-07-17T08:42:58.315Z"
        );
        assert_eq!(
            parse_iso8601("2015-07-17T10:42:58+02:00")
                .unwrap()
                .to_string(),
            "2015-07-17T08:42:58Z"
        );
        assert!(parse_iso8601("yesterday").is_none());
        assert!(parse_iso8601("2015-07-17T08:42:58").is_none());
    }
}
