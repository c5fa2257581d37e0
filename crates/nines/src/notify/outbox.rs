//! The outbox worker: delivers queued notifications, retrying with
//! backoff, recording each attempt. A message is removed from the queue
//! only once delivered or given up, so a crash delays it but loses nothing.

use std::sync::Arc;
use std::time::Duration;

use std::collections::{HashMap, VecDeque};

use nines_config::{Channel, Destination};
use nines_incident::retry::Outcome as RetryOutcome;
use nines_incident::{Backoff, ChannelKind, Verdict, classify};
use nines_probe::{HttpCheck, Runner, StatusRange};
use nines_store::{Delivery, OutboxRow};
use tokio::sync::watch;

use crate::app::App;
use crate::clock::Clock;

/// Messages sent at once per round.
const BATCH: u32 = 64;

/// What one attempt got back: a status and body, or no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// Status, body, and `Retry-After` if the receiver sent one.
    Answered(u16, String, Option<String>),
    TimedOut,
    Unreachable(String),
}

/// How the channel's HTTP answers are judged; `None` for email, which
/// judges SMTP replies itself.
fn kind(channel: &Channel) -> Option<ChannelKind> {
    match &channel.to {
        Destination::Webhook { .. } | Destination::Alertmanager { .. } => {
            Some(ChannelKind::Webhook)
        }
        Destination::Slack { .. } => Some(ChannelKind::Slack),
        Destination::Pagerduty { .. } => Some(ChannelKind::PagerDuty),
        Destination::Email(_) => None,
    }
}

/// Judges an attempt by the channel's rules (nines-incident's `classify`).
pub fn judge(channel: &Channel, attempt: &Attempt, now: jiff::Timestamp) -> Verdict {
    let outcome = match attempt {
        Attempt::Answered(status, body, retry_after) => RetryOutcome::Response {
            status: *status,
            body,
            retry_after: retry_after.as_deref(),
        },
        Attempt::TimedOut => RetryOutcome::Timeout,
        Attempt::Unreachable(_) => RetryOutcome::Connection,
    };
    let kind = kind(channel).unwrap_or(ChannelKind::Webhook);
    match (classify(kind, &outcome, now), attempt) {
        (Verdict::Retry { after, .. }, Attempt::Unreachable(e)) => Verdict::Retry {
            after,
            reason: e.clone(),
        },
        (v, _) => v,
    }
}

/// One delivery attempt of `row` on `channel`, judged.
/// `clock` stamps signatures and reads `Retry-After` dates.
async fn deliver(channel: &Channel, row: &OutboxRow, clock: &Clock) -> Verdict {
    match &channel.to {
        Destination::Email(email) => crate::notify::smtp::send(email, row).await,
        _ => judge(channel, &post(channel, row, clock.now()).await, clock.now()),
    }
}

async fn post(channel: &Channel, row: &OutboxRow, now: jiff::Timestamp) -> Attempt {
    let mut body = row.body.clone();
    let (url, mut headers) = match &channel.to {
        Destination::Webhook { url, headers, .. } | Destination::Alertmanager { url, headers } => {
            (url.clone(), headers.clone())
        }
        Destination::Slack { url } => (url.clone(), Vec::new()),
        Destination::Pagerduty { url, routing_key } => {
            // The key is a secret: added here, never stored in the outbox.
            if let Ok(serde_json::Value::Object(mut event)) = serde_json::from_str(&row.body) {
                event.insert("routing_key".into(), routing_key.clone().into());
                body = serde_json::Value::Object(event).to_string();
            }
            (url.clone(), Vec::new())
        }
        Destination::Email(_) => return Attempt::Unreachable("email is not sent over HTTP".into()),
    };
    headers.push(("Content-Type".into(), "application/json".into()));
    headers.push(("Idempotency-Key".into(), row.key.clone()));
    if let Destination::Webhook {
        secret: Some(secret),
        ..
    } = &channel.to
    {
        let signature = nines_incident::signature::sign(secret.as_bytes(), now, body.as_bytes());
        headers.push(("X-Nines-Signature".into(), signature));
    }
    let runner = Runner::http(
        HttpCheck {
            method: "POST".into(),
            headers,
            body: Some(body),
            // Every status is an answer here; `judge` decides.
            valid_status: vec![StatusRange { from: 100, to: 599 }],
            follow_redirects: false,
            ..HttpCheck::get(url)
        },
        Duration::from_secs(10),
    );
    let runner = match runner {
        Ok(r) => r,
        Err(e) => return Attempt::Unreachable(e.to_string()),
    };
    let (outcome, body) = runner.run_with_body().await;
    match (outcome.status, outcome.error) {
        (Some(status), _) => Attempt::Answered(
            status,
            String::from_utf8_lossy(&body.unwrap_or_default()).into_owned(),
            outcome.retry_after.clone(),
        ),
        (None, Some(e)) if e.starts_with("timed out") => Attempt::TimedOut,
        (None, Some(e)) => Attempt::Unreachable(e),
        (None, None) => Attempt::Unreachable("no answer".into()),
    }
}

/// Attempts per channel within its rate limit's period, in this process.
#[derive(Default)]
struct Limits {
    sent: HashMap<String, VecDeque<i64>>,
}

impl Limits {
    /// `None` when `channel` may send now (and the send is counted), or
    /// the time in milliseconds when it may next.
    fn take(&mut self, name: &str, channel: &Channel, now_ms: i64) -> Option<i64> {
        let limit = channel.rate_limit?;
        let per = i64::try_from(limit.per.as_millis()).unwrap_or(i64::MAX);
        let sent = self.sent.entry(name.to_string()).or_default();
        while sent.front().is_some_and(|&t| t <= now_ms - per) {
            sent.pop_front();
        }
        if sent.len() >= limit.messages as usize {
            return sent.front().map(|&t| t + per);
        }
        sent.push_back(now_ms);
        None
    }
}

/// Delivers due notifications until `stop`, retrying on `backoff`'s
/// schedule (its horizon comes from `incidents.give_up_after`).
pub async fn run(app: Arc<App>, backoff: Backoff, mut stop: watch::Receiver<bool>) {
    // The worker sleeps until the next row comes due (a retry, a
    // rate-limited message, a page queued for later) or new rows wake it;
    // it never polls. A minute at most, in case a row was queued without a
    // wake-up.
    let mut limits = Limits::default();
    let mut next: Option<i64> = None;
    loop {
        let due_at = next.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
        let until_due = async {
            match due_at {
                Some(at) => app.clock.sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = until_due => {}
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = app.outbox_wake.notified() => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
        next = deliver_due(&app, &backoff, &mut limits).await;
    }
}

/// Delivers what is due now; when the next row comes due after that.
async fn deliver_due(app: &Arc<App>, backoff: &Backoff, limits: &mut Limits) -> Option<i64> {
    let next_due = |app: &Arc<App>| {
        let a = app.clone();
        async move {
            tokio::task::spawn_blocking(move || a.with_store(|s| s.next_notification_at()))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
        }
    };
    {
        let a = app.clone();
        let due = tokio::task::spawn_blocking(move || {
            let now = a.clock.now().as_millisecond();
            a.with_store(|s| s.due_notifications(now, BATCH))
        })
        .await;
        let Ok(Ok(due)) = due else {
            return next_due(app).await;
        };
        if due.is_empty() {
            return next_due(app).await;
        }
        let config = app.config();
        let backoff = Backoff {
            horizon: jiff::SignedDuration::try_from(config.incident_policy.give_up_after)
                .unwrap_or(backoff.horizon),
            ..*backoff
        };
        let now_ms = app.clock.now().as_millisecond();
        let mut done = Vec::new();
        let mut attempts = Vec::new();
        for row in due {
            let channel = crate::notify::channels::user_channel(&config, &row.channel);
            if let Some(c) = &channel
                && let Some(next_at_ms) = limits.take(&row.channel, c, now_ms)
            {
                done.push((row, Delivery::Deferred { next_at_ms }));
                continue;
            }
            let clock = app.clock.clone();
            attempts.push(tokio::spawn(async move {
                let verdict = match &channel {
                    Some(c) => deliver(c, &row, &clock).await,
                    None => Verdict::Permanent {
                        reason: format!("channel `{}` is no longer in the config", row.channel),
                    },
                };
                (row, verdict)
            }));
        }
        let now = app.clock.now();
        for a in attempts {
            let Ok((row, verdict)) = a.await else {
                continue;
            };
            let first = jiff::Timestamp::from_millisecond(row.created_at_ms).unwrap_or(now);
            let delivery = match verdict {
                Verdict::Delivered => Delivery::Sent {
                    at: now.as_second(),
                },
                Verdict::Permanent { reason } => Delivery::Failed {
                    error: reason,
                    at: now.as_second(),
                },
                Verdict::Retry { after, reason } => {
                    let jitter = getrandom::u32().unwrap_or(u32::MAX / 2) as f64 / u32::MAX as f64;
                    let retry = u32::try_from(row.attempts).unwrap_or(u32::MAX);
                    match backoff.next_attempt(retry, first, now, after, jitter) {
                        Some(next) => Delivery::Retry {
                            next_at_ms: next.as_millisecond(),
                            error: reason,
                        },
                        None => Delivery::Failed {
                            error: format!(
                                "{reason}; giving up after {}",
                                nines_probe::human(config.incident_policy.give_up_after)
                            ),
                            at: now.as_second(),
                        },
                    }
                }
            };
            if let Delivery::Failed { error, .. } = &delivery {
                tracing::warn!(channel = %row.channel, key = %row.key, error = %error, "notification given up");
            }
            done.push((row, delivery));
        }
        let a = app.clone();
        let stored =
            tokio::task::spawn_blocking(move || a.with_store(|s| s.record_deliveries(&done))).await;
        if let Ok(Err(e)) = stored {
            tracing::error!(error = %e, "delivery results could not be stored; they will be sent again");
            // The rows are still due: a second's pause, not a busy loop.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    next_due(app).await
}
