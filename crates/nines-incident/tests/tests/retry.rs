//! Notification retries: what each channel's answers mean, and the
//! backoff schedule with deterministic jitter.

use jiff::SignedDuration;
use nines_incident::retry::parse_retry_after;
use nines_incident::{Backoff, ChannelKind, Outcome, Verdict, classify};

use crate::util::ts;

#[derive(Debug, PartialEq)]
enum V {
    Ok,
    Retry,
    Perm,
}

fn verdict(kind: ChannelKind, status: u16, body: &str) -> V {
    let outcome = Outcome::Response {
        status,
        body,
        retry_after: None,
    };
    match classify(kind, &outcome, ts("2026-01-01T00:00:00Z")) {
        Verdict::Delivered => V::Ok,
        Verdict::Retry { .. } => V::Retry,
        Verdict::Permanent { .. } => V::Perm,
    }
}

#[test]
fn classification_per_channel() {
    use ChannelKind::{PagerDuty, Slack, Webhook};
    let cases: &[(ChannelKind, u16, &str, V)] = &[
        (Webhook, 200, "", V::Ok),
        (Webhook, 204, "", V::Ok),
        (Webhook, 301, "", V::Perm),
        (Webhook, 400, "", V::Perm),
        (Webhook, 401, "", V::Perm),
        (Webhook, 404, "", V::Perm),
        (Webhook, 408, "", V::Retry),
        (Webhook, 429, "", V::Retry),
        (Webhook, 500, "", V::Retry),
        (Webhook, 503, "", V::Retry),
        (Slack, 200, "ok", V::Ok),
        (Slack, 200, "ok\n", V::Ok),
        (Slack, 200, "invalid_token", V::Perm),
        (Slack, 400, "invalid_payload", V::Perm),
        (Slack, 403, "action_prohibited", V::Perm),
        (Slack, 404, "no_service", V::Perm),
        (Slack, 410, "channel_is_archived", V::Perm),
        (Slack, 408, "", V::Perm),
        (Slack, 429, "rate_limited", V::Retry),
        (Slack, 500, "rollup_error", V::Retry),
        (PagerDuty, 202, r#"{"status":"success"}"#, V::Ok),
        (PagerDuty, 400, r#"{"status":"invalid event"}"#, V::Perm),
        (PagerDuty, 403, "", V::Perm),
        (PagerDuty, 429, "", V::Retry),
        (PagerDuty, 502, "", V::Retry),
    ];
    for (kind, status, body, expected) in cases {
        assert_eq!(
            verdict(*kind, *status, body),
            *expected,
            "{kind:?} {status} {body:?}"
        );
    }
    let now = ts("2026-01-01T00:00:00Z");
    for kind in [Webhook, Slack, PagerDuty] {
        for outcome in [Outcome::Timeout, Outcome::Connection] {
            assert!(matches!(
                classify(kind, &outcome, now),
                Verdict::Retry { after: None, .. }
            ));
        }
    }
}

#[test]
fn reasons_quote_the_answer() {
    let outcome = Outcome::Response {
        status: 404,
        body: "no_service",
        retry_after: None,
    };
    assert_eq!(
        classify(ChannelKind::Slack, &outcome, ts("2026-01-01T00:00:00Z")),
        Verdict::Permanent {
            reason: "HTTP 404: no_service".into()
        }
    );
    let long = "x".repeat(500);
    let outcome = Outcome::Response {
        status: 500,
        body: &long,
        retry_after: None,
    };
    let Verdict::Retry { reason, .. } =
        classify(ChannelKind::Webhook, &outcome, ts("2026-01-01T00:00:00Z"))
    else {
        panic!()
    };
    assert_eq!(reason.chars().count(), "HTTP 500: ".len() + 201);
}

#[test]
fn retry_after_is_honoured() {
    let now = ts("2026-01-01T00:00:00Z");
    let outcome = Outcome::Response {
        status: 429,
        body: "",
        retry_after: Some("30"),
    };
    assert_eq!(
        classify(ChannelKind::Slack, &outcome, now),
        Verdict::Retry {
            after: Some(SignedDuration::from_secs(30)),
            reason: "HTTP 429".into()
        }
    );
    assert_eq!(
        parse_retry_after("Thu, 01 Jan 2026 00:02:00 GMT", now),
        Some(SignedDuration::from_mins(2))
    );
    assert_eq!(
        parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now),
        Some(SignedDuration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("-5", now), None);

    // The next attempt waits at least that long, whatever the jitter.
    let backoff = Backoff::default();
    let next = backoff
        .next_attempt(0, now, now, Some(SignedDuration::from_secs(30)), 0.0)
        .unwrap();
    assert_eq!(next, ts("2026-01-01T00:00:30Z"));
}

#[test]
fn schedule_with_full_jitter() {
    let backoff = Backoff {
        base: SignedDuration::from_secs(10),
        cap: SignedDuration::from_mins(5),
        horizon: SignedDuration::from_hours(1),
    };
    let first = ts("2026-01-01T00:00:00Z");
    // Jitter 1: the ceilings, doubling to the cap.
    let mut now = first;
    let mut delays = Vec::new();
    let mut retry = 0;
    while let Some(next) = backoff.next_attempt(retry, first, now, None, 1.0) {
        delays.push(next.duration_since(now).as_secs());
        now = next;
        retry += 1;
    }
    assert_eq!(
        delays,
        [
            10, 20, 40, 80, 160, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300
        ]
    );
    // Stopped because the next would pass the horizon.
    assert_eq!(now, ts("2026-01-01T00:55:10Z"));
    assert!(now.duration_since(first) + backoff.cap > backoff.horizon);

    // Jitter scales within the ceiling; 0 retries at once.
    assert_eq!(backoff.delay(2, 0.5), SignedDuration::from_secs(20));
    assert_eq!(backoff.delay(2, 0.0), SignedDuration::ZERO);
    assert_eq!(backoff.delay(2, 7.0), SignedDuration::from_secs(40));
    assert_eq!(backoff.delay(2, f64::NAN), SignedDuration::ZERO);
    // Past the horizon: give up.
    let late = ts("2026-01-01T01:00:00Z");
    assert_eq!(backoff.next_attempt(9, first, late, None, 0.0), Some(late));
    assert_eq!(backoff.next_attempt(9, first, late, None, 0.01), None);
}
