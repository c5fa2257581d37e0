//! Where an outbox row goes: configured channels and people's contact
//! methods, and notices to a person about no incident (handoffs,
//! reminders).

use jiff::Timestamp;
use nines_config::{Channel, Config, Destination, Template};
use nines_store::IncidentOp;

/// A message to a person about no incident.
pub struct Notice<'a> {
    pub event: &'a str,
    /// The outbox key: one message per key, ever.
    pub key: String,
    pub title: &'a str,
    pub text: &'a str,
    /// Added to the webhook's JSON as they are.
    pub details: serde_json::Value,
}

/// `n` queued for `user` by their first notification method; `None` when
/// they are not a user or have no method nines can send through.
pub fn notice(config: &Config, user: &str, n: Notice<'_>, now: Timestamp) -> Option<IncidentOp> {
    let kind = config.users.get(user)?.notify.first()?.method.kind.as_str();
    let outbox_channel = format!("user:{user}:{kind}");
    let channel = user_channel(config, &outbox_channel)?;
    let body = crate::notify::messages::render_notice(
        &channel, n.event, &n.key, n.title, n.text, n.details,
    );
    Some(IncidentOp::Enqueue {
        incident: None,
        channel: outbox_channel,
        key: n.key,
        body: body.to_string(),
        at_ms: now.as_millisecond(),
    })
}

/// The channel an outbox row names: a configured channel, or a person's
/// contact method (`user:ana:email`) built from the user's address and the
/// first channel of that kind.
pub fn user_channel(config: &Config, name: &str) -> Option<Channel> {
    if let Some(c) = config.channels.get(name) {
        return Some(c.clone());
    }
    let rest = name.strip_prefix("user:")?;
    let (user, kind) = rest.rsplit_once(':')?;
    let u = config.users.get(user)?;
    let plain = |to| Channel {
        to,
        rate_limit: None,
        template: Template::default(),
    };
    match kind {
        "webhook" => u.webhook.as_ref().map(|url| {
            plain(Destination::Webhook {
                url: url.clone(),
                secret: None,
                headers: Vec::new(),
            })
        }),
        "email" => {
            let address = u.email.as_ref()?;
            config.channels.values().find_map(|c| match &c.to {
                Destination::Email(relay) => {
                    let mut e = relay.clone();
                    e.to = vec![address.clone()];
                    Some(plain(Destination::Email(e)))
                }
                _ => None,
            })
        }
        "slack" => config.channels.values().find_map(|c| match &c.to {
            Destination::Slack { url } => Some(plain(Destination::Slack { url: url.clone() })),
            _ => None,
        }),
        _ => None,
    }
}

/// Why a test message cannot be queued.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error(
        "`{0}` is neither a channel nor a user with a notification method nines can send through"
    )]
    Unknown(String),
    #[error("the test message could not be queued: {0}")]
    Store(#[from] nines_store::StoreError),
}

/// Queues a test message to `target` (a channel name, or `user:NAME` for a
/// person's first notification method) through the outbox, as any page
/// would go (blocking). Its outbox key.
pub fn send_test(app: &crate::app::App, target: &str) -> Result<String, TestError> {
    let config = app.config();
    let now = app.clock.now();
    let key = format!("test:{target}:{}", now.as_millisecond());
    let title = "nines test message";
    let text = "A test from nines: this channel reaches you.";
    let details = serde_json::json!({"test": true});
    let op = match target.strip_prefix("user:") {
        Some(user) => notice(
            &config,
            user,
            Notice {
                event: "test",
                key: key.clone(),
                title,
                text,
                details,
            },
            now,
        ),
        None => config
            .channels
            .get(target)
            .map(|channel| IncidentOp::Enqueue {
                incident: None,
                channel: target.to_string(),
                body: crate::notify::messages::render_notice(
                    channel, "test", &key, title, text, details,
                )
                .to_string(),
                key: key.clone(),
                at_ms: now.as_millisecond(),
            }),
    }
    .ok_or_else(|| TestError::Unknown(target.to_string()))?;
    app.with_store(|s| s.apply_incident_ops(&[op]))?;
    app.outbox_wake.notify_one();
    Ok(key)
}
