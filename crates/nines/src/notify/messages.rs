//! What a notification says: one incident event rendered for each kind of
//! channel (generic webhook, Slack, email, PagerDuty Events v2,
//! Alertmanager's webhook format), with the channel's templates and the
//! one-click links. Rendering happens when the event is queued, so the
//! outbox holds exactly what will be sent; only secrets (PagerDuty's
//! routing key, SMTP credentials) are added at send time.

use jiff::{SignedDuration, Timestamp};
use nines_config::{Channel, Destination, IncidentSettings};
use nines_incident::signature::{Action, sign_action};
use nines_store::IncidentRow;
use serde_json::{Value, json};

use crate::clock::rfc3339 as time;
use crate::state::incidents::{incident_json, incident_name};

/// An incident event to tell a channel about.
pub struct Event<'a> {
    /// `incident.triggered`, `incident.acknowledged`, …
    pub name: &'a str,
    pub incident: &'a IncidentRow,
    /// nines' one-line account of it: "triggered: checkout is down".
    pub text: &'a str,
    /// The idempotency key of this event on this channel.
    pub key: &'a str,
}

impl Event<'_> {
    /// `triggered`, `acknowledged`, … : the name without its prefix.
    fn verb(&self) -> &str {
        self.name.strip_prefix("incident.").unwrap_or(self.name)
    }
}

/// Where people act on an incident: its web page and the signed links that
/// acknowledge or resolve it without logging in. Empty without
/// `incidents.external_url` (and `secret` for the action links).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    pub url: Option<String>,
    pub ack: Option<String>,
    pub resolve: Option<String>,
    /// The service's runbook and dashboard links: (label, URL).
    pub runbooks: Vec<(String, String)>,
}

impl Links {
    pub fn new(policy: &IncidentSettings, id: i64, now: Timestamp) -> Links {
        let Some(base) = &policy.external_url else {
            return Links::default();
        };
        let name = incident_name(id);
        let lifetime = SignedDuration::try_from(policy.link_lifetime)
            .unwrap_or(SignedDuration::from_hours(24));
        let action = |a: Action| {
            policy.link_secret.as_ref().map(|secret| {
                let token = sign_action(secret.as_bytes(), &name, a, now + lifetime);
                format!("{base}/a/{name}/{}?token={token}", a.as_str())
            })
        };
        Links {
            // The web UI's page: people click it (the API answers 401 JSON
            // in a browser).
            url: Some(format!("{base}/incidents/{name}")),
            ack: action(Action::Acknowledge),
            resolve: action(Action::Resolve),
            runbooks: Vec::new(),
        }
    }

    /// With the runbook and dashboard links of `service`, so they travel
    /// with every message about its incidents.
    pub fn with_runbooks(mut self, config: &nines_config::Config, service: &str) -> Links {
        self.runbooks = crate::state::incidents::runbook_links_of(config, service);
        self
    }
}

/// Fills a template checked at config load: `{name}` is a field, `{{` and
/// `}}` literal braces; a placeholder without a value is empty.
pub fn fill(template: &str, e: &Event<'_>, links: &Links) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        match tail[1..].find('}').filter(|_| tail.starts_with('{')) {
            Some(end) => {
                out.push_str(&field(&tail[1..=end], e, links));
                rest = &tail[end + 2..];
            }
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn field(name: &str, e: &Event<'_>, links: &Links) -> String {
    let i = e.incident;
    let link = |l: &Option<String>| l.clone().unwrap_or_default();
    match name {
        "id" => incident_name(i.id),
        "title" => i.title.clone(),
        "service" => i.service.clone(),
        "severity" => i.severity.to_string(),
        "status" => i.status.to_string(),
        "event" => e.verb().to_string(),
        "text" => e.text.to_string(),
        "started_at" => time(i.started_at),
        "url" => link(&links.url),
        "ack_url" => link(&links.ack),
        "resolve_url" => link(&links.resolve),
        _ => String::new(),
    }
}

/// The one-line headline: the channel's `title` template, or nines' text.
fn headline(channel: &Channel, e: &Event<'_>, links: &Links) -> String {
    match &channel.template.title {
        Some(t) => fill(t, e, links),
        None => e.text.to_string(),
    }
}

/// The longer body: the channel's `body` template, if any.
fn body(channel: &Channel, e: &Event<'_>, links: &Links) -> Option<String> {
    channel.template.body.as_ref().map(|t| fill(t, e, links))
}

/// The message for `channel`, as stored in the outbox.
pub fn render(channel_name: &str, channel: &Channel, e: &Event<'_>, links: &Links) -> Value {
    let title = headline(channel, e, links);
    let body = body(channel, e, links);
    match &channel.to {
        Destination::Webhook { .. } => webhook(e, &title, body.as_deref(), links),
        Destination::Slack { .. } => slack(e, &title, body.as_deref(), links),
        Destination::Email(_) => email(e, &title, body.as_deref(), links),
        Destination::Pagerduty { .. } => pagerduty(e, &title, body.as_deref(), links),
        Destination::Alertmanager { .. } => {
            alertmanager(channel_name, e, &title, body.as_deref(), links)
        }
    }
}

fn links_json(links: &Links) -> Value {
    let runbooks: Vec<Value> = links
        .runbooks
        .iter()
        .map(|(text, url)| json!({"text": text, "url": url}))
        .collect();
    json!({
        "incident": links.url,
        "ack": links.ack,
        "resolve": links.resolve,
        "runbooks": runbooks,
    })
}

/// The generic webhook's JSON (documented in docs/api.md).
fn webhook(e: &Event<'_>, title: &str, body: Option<&str>, links: &Links) -> Value {
    json!({
        "version": "1",
        "event": e.name,
        "idempotency_key": e.key,
        "text": e.text,
        "title": title,
        "body": body,
        "links": links_json(links),
        "incident": incident_json(e.incident),
    })
}

/// Slack's incoming-webhook format: `text` for notifications and clients
/// without blocks, `blocks` for the message itself, link buttons to act.
fn slack(e: &Event<'_>, title: &str, body: Option<&str>, links: &Links) -> Value {
    let i = e.incident;
    let mut blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}* {}", incident_name(i.id), title)}}),
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("service *{}* · {} · {}", i.service, i.severity, i.status)}]}),
    ];
    if let Some(b) = body {
        blocks.insert(
            1,
            json!({"type": "section", "text": {"type": "mrkdwn", "text": b}}),
        );
    }
    let buttons: Vec<Value> = [
        ("Acknowledge", &links.ack),
        ("Resolve", &links.resolve),
        ("Open", &links.url),
    ]
    .into_iter()
    .filter(|_| i.status != nines_incident::Status::Resolved)
    .filter_map(|(label, url)| {
        url.as_ref().map(
            |u| json!({"type": "button", "text": {"type": "plain_text", "text": label}, "url": u}),
        )
    })
    .collect();
    if !links.runbooks.is_empty() {
        let text: Vec<String> = links
            .runbooks
            .iter()
            .map(|(label, url)| format!("<{url}|{label}>"))
            .collect();
        blocks.push(
            json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text.join(" · ")}]}),
        );
    }
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    json!({"text": title, "blocks": blocks})
}

/// An email as the outbox keeps it: subject and the text and HTML parts.
fn email(e: &Event<'_>, title: &str, body: Option<&str>, links: &Links) -> Value {
    let i = e.incident;
    let subject = format!("[{}] {} {}", i.severity, incident_name(i.id), title);
    let mut text = String::new();
    if let Some(b) = body {
        text.push_str(b);
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{} {}\nservice: {}\nseverity: {}\nstatus: {}\nstarted: {}\n",
        incident_name(i.id),
        i.title,
        i.service,
        i.severity,
        i.status,
        time(i.started_at)
    ));
    let actions: Vec<(&str, &String)> = [
        ("Acknowledge", &links.ack),
        ("Resolve", &links.resolve),
        ("Open the incident", &links.url),
    ]
    .into_iter()
    .filter_map(|(label, url)| url.as_ref().map(|u| (label, u)))
    .chain(
        links
            .runbooks
            .iter()
            .map(|(label, url)| (label.as_str(), url)),
    )
    .collect();
    if !actions.is_empty() {
        text.push('\n');
    }
    for (label, url) in &actions {
        text.push_str(&format!("{label}: {url}\n"));
    }
    let mut html = format!(
        "<h2>{}</h2>",
        escape(&format!("{} {title}", incident_name(i.id)))
    );
    if let Some(b) = body {
        html.push_str(&format!("<p>{}</p>", escape(b).replace('\n', "<br>")));
    }
    html.push_str(&format!(
        "<table><tr><th align=\"left\">service</th><td>{}</td></tr><tr><th align=\"left\">severity</th><td>{}</td></tr><tr><th align=\"left\">status</th><td>{}</td></tr><tr><th align=\"left\">started</th><td>{}</td></tr></table>",
        escape(&i.service),
        escape(i.severity.as_str()),
        escape(i.status.as_str()),
        time(i.started_at)
    ));
    if !actions.is_empty() {
        let items: Vec<String> = actions
            .iter()
            .map(|(label, url)| format!("<a href=\"{}\">{label}</a>", escape(url)))
            .collect();
        html.push_str(&format!("<p>{}</p>", items.join(" · ")));
    }
    json!({"subject": subject, "text": text, "html": html})
}

/// A message about no incident (an on-call handoff) for `channel`:
/// `event` names it, `title` is the headline, `text` the body, and
/// `details` go into the webhook's JSON as they are.
pub fn render_notice(
    channel: &Channel,
    event: &str,
    key: &str,
    title: &str,
    text: &str,
    details: Value,
) -> Value {
    match &channel.to {
        Destination::Slack { .. } => json!({
            "text": title,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": format!("*{title}*\n{text}")}}],
        }),
        Destination::Email(_) => json!({
            "subject": format!("[nines] {title}"),
            "text": format!("{text}\n"),
            "html": format!("<h2>{}</h2><p>{}</p>", escape(title), escape(text).replace('\n', "<br>")),
        }),
        // PagerDuty and Alertmanager receivers take incidents only;
        // handoffs go to people's own methods, never there.
        _ => json!({
            "version": "1",
            "event": event,
            "idempotency_key": key,
            "title": title,
            "text": text,
            "details": details,
        }),
    }
}

/// `&`, `<`, `>`, `"` and `'` as entities, for HTML text and attributes
/// (the UI's escaper, as a `String`).
pub use crate::text::html::escape;

fn alert_severity(incident: &IncidentRow) -> &'static str {
    incident.severity.alert_severity().as_str()
}

/// PagerDuty's `summary` limit.
const PAGERDUTY_SUMMARY_CHARS: usize = 1024;

/// A PagerDuty Events API v2 event, without its `routing_key` (added at
/// send time, so the secret is not in the store). One PagerDuty alert per
/// incident: the dedup key is the incident's id.
fn pagerduty(e: &Event<'_>, title: &str, body: Option<&str>, links: &Links) -> Value {
    let i = e.incident;
    let action = match e.verb() {
        "acknowledged" => "acknowledge",
        "resolved" => "resolve",
        _ => "trigger",
    };
    let summary: String = format!("{} {title}", incident_name(i.id))
        .chars()
        .take(PAGERDUTY_SUMMARY_CHARS)
        .collect();
    let mut pd_links = Vec::new();
    if let Some(u) = &links.url {
        pd_links.push(json!({"href": u, "text": format!("{} in nines", incident_name(i.id))}));
    }
    for (text, url) in &links.runbooks {
        pd_links.push(json!({"href": url, "text": text}));
    }
    json!({
        "event_action": action,
        "dedup_key": format!("nines-{}", incident_name(i.id)),
        "payload": {
            "summary": summary,
            "source": "nines",
            "severity": alert_severity(i),
            "timestamp": time(i.started_at),
            "component": i.service,
            "group": i.service,
            "class": e.name,
            "custom_details": {
                "incident": incident_name(i.id),
                "status": i.status,
                "severity": i.severity,
                "text": e.text,
                "body": body,
            },
        },
        "links": pd_links,
        "client": "nines",
        "client_url": links.url,
    })
}

/// Alertmanager's webhook payload (version 4): the incident as one alert,
/// so receivers written for Alertmanager take it unchanged.
fn alertmanager(
    receiver: &str,
    e: &Event<'_>,
    title: &str,
    body: Option<&str>,
    links: &Links,
) -> Value {
    let i = e.incident;
    let resolved = i.status == nines_incident::Status::Resolved;
    let status = if resolved { "resolved" } else { "firing" };
    let labels = json!({
        "alertname": "NinesIncident",
        "incident": incident_name(i.id),
        "service": i.service,
        "severity": alert_severity(i),
    });
    let mut annotations =
        json!({"summary": title, "nines_event": e.name, "nines_status": i.status});
    if let Some(b) = body {
        annotations["description"] = json!(b);
    }
    let ends_at = match i.resolved_at.filter(|_| resolved) {
        Some(t) => time(t),
        None => "0001-01-01T00:00:00Z".to_string(),
    };
    let fingerprint = format!("{:016x}", i.id);
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{incident=\"{}\"}}", incident_name(i.id)),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": {"incident": incident_name(i.id)},
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": links.url.clone().unwrap_or_default(),
        "alerts": [{
            "status": status,
            "labels": labels,
            "annotations": annotations,
            "startsAt": time(i.started_at),
            "endsAt": ends_at,
            "generatorURL": links.url.clone().unwrap_or_default(),
            "fingerprint": fingerprint,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident() -> IncidentRow {
        IncidentRow {
            id: 7,
            title: "checkout is down".into(),
            service: "checkout".into(),
            severity: nines_incident::IncidentSeverity::Sev2,
            status: nines_incident::Status::Triggered,
            group_key: "checkout".into(),
            commander: None,
            assignee: None,
            started_at: 1_764_000_000,
            acknowledged_at: None,
            mitigated_at: None,
            resolved_at: None,
        }
    }

    fn event(i: &IncidentRow) -> Event<'_> {
        Event {
            name: "incident.triggered",
            incident: i,
            text: "triggered: checkout is down",
            key: "INC-7:incident.triggered:1:ops",
        }
    }

    #[test]
    fn templates_fill_fields_and_keep_literal_braces() {
        let i = incident();
        let links = Links {
            url: Some("https://n/api/v1/incidents/INC-7".into()),
            ack: None,
            resolve: None,
            runbooks: vec![],
        };
        let out = fill(
            "[{severity}] {id} {event} on {service}: {title} {{x}} <{url}> ack:{ack_url}",
            &event(&i),
            &links,
        );
        assert_eq!(
            out,
            "[SEV2] INC-7 triggered on checkout: checkout is down {x} <https://n/api/v1/incidents/INC-7> ack:"
        );
    }

    #[test]
    fn links_are_signed_for_their_incident_and_action() {
        let policy = IncidentSettings {
            link_secret: Some("0123456789abcdef0123".into()),
            external_url: Some("https://nines.example.com".into()),
            ..IncidentSettings::default()
        };
        let now: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
        let links = Links::new(&policy, 7, now);
        let ack = links.ack.unwrap();
        let token = ack.split_once("token=").unwrap().1;
        assert!(ack.starts_with("https://nines.example.com/a/INC-7/ack?token="));
        let secret = b"0123456789abcdef0123";
        let verify = nines_incident::signature::verify_action;
        assert_eq!(
            verify(secret, "INC-7", Action::Acknowledge, token, now),
            Ok(())
        );
        assert!(verify(secret, "INC-8", Action::Acknowledge, token, now).is_err());
        assert!(verify(secret, "INC-7", Action::Resolve, token, now).is_err());
        assert!(
            verify(
                secret,
                "INC-7",
                Action::Acknowledge,
                token,
                now + SignedDuration::from_hours(24)
            )
            .is_err()
        );
        // No secret: the page link only; no base: nothing.
        let open = IncidentSettings {
            link_secret: None,
            ..policy
        };
        assert_eq!(Links::new(&open, 7, now).ack, None);
        assert_eq!(
            Links::new(&IncidentSettings::default(), 7, now),
            Links::default()
        );
    }

    #[test]
    fn pagerduty_and_alertmanager_bodies_follow_their_formats() {
        let mut i = incident();
        let channel = Channel {
            to: Destination::Pagerduty {
                routing_key: "k".into(),
                url: "http://x".into(),
            },
            rate_limit: None,
            template: Default::default(),
        };
        let pd = render("pd", &channel, &event(&i), &Links::default());
        assert_eq!(pd["event_action"], "trigger");
        assert_eq!(pd["dedup_key"], "nines-INC-7");
        assert_eq!(pd["payload"]["severity"], "error");
        assert_eq!(
            pd["payload"]["summary"],
            "INC-7 triggered: checkout is down"
        );
        assert!(pd.get("routing_key").is_none(), "added at send time");
        i.status = nines_incident::Status::Resolved;
        i.resolved_at = Some(1_764_000_600);
        let am_channel = Channel {
            to: Destination::Alertmanager {
                url: "http://x".into(),
                headers: vec![],
            },
            ..channel
        };
        let resolved = Event {
            name: "incident.resolved",
            ..event(&i)
        };
        let am = render("am-out", &am_channel, &resolved, &Links::default());
        assert_eq!(am["version"], "4");
        assert_eq!(am["status"], "resolved");
        assert_eq!(am["receiver"], "am-out");
        assert_eq!(am["alerts"][0]["labels"]["incident"], "INC-7");
        assert_eq!(am["alerts"][0]["endsAt"], "2025-11-24T16:10:00Z");
        // The body parses as nines' own Alertmanager intake reads it.
        let parsed = nines_incident::alertmanager::parse_webhook(am.to_string().as_bytes());
        assert!(parsed.is_ok(), "{parsed:?}");
    }

    /// The service's runbook and dashboard links travel with the page, in
    /// every format (issue 14).
    #[test]
    fn runbooks_travel_with_every_message() {
        let i = incident();
        let links = Links {
            url: Some("https://n/incidents/INC-7".into()),
            runbooks: vec![(
                "availability runbook".into(),
                "https://runbooks.example.com/checkout".into(),
            )],
            ..Links::default()
        };
        let to = |to| Channel {
            to,
            rate_limit: None,
            template: Default::default(),
        };
        let hook = render(
            "hook",
            &to(Destination::Webhook {
                url: "http://x".into(),
                secret: None,
                headers: vec![],
            }),
            &event(&i),
            &links,
        );
        assert_eq!(
            hook["links"]["runbooks"][0]["url"],
            "https://runbooks.example.com/checkout"
        );
        assert_eq!(hook["links"]["incident"], "https://n/incidents/INC-7");
        let slack = render(
            "chat",
            &to(Destination::Slack {
                url: "http://x".into(),
            }),
            &event(&i),
            &links,
        );
        assert!(
            slack
                .to_string()
                .contains("<https://runbooks.example.com/checkout|availability runbook>"),
            "{slack}"
        );
        let pd = render(
            "pd",
            &to(Destination::Pagerduty {
                routing_key: "k".into(),
                url: "http://x".into(),
            }),
            &event(&i),
            &links,
        );
        assert_eq!(
            pd["links"][1]["href"],
            "https://runbooks.example.com/checkout"
        );
        assert_eq!(pd["links"][1]["text"], "availability runbook");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
