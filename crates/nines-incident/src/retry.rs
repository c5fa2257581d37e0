//! When to try a notification again: what an attempt's outcome means for
//! each kind of channel ([`classify`]), and exponential backoff with full
//! jitter up to a give-up horizon ([`Backoff`]). The outbox in the daemon
//! stores the attempt count and first-attempt time and asks here for the
//! next attempt; the randomness is an argument so tests are exact.

use jiff::{SignedDuration, Timestamp};

/// Where a notification goes; each answers differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A generic HTTP webhook.
    Webhook,
    /// A Slack incoming webhook.
    Slack,
    /// PagerDuty's Events API v2 (nines forwarding to PagerDuty).
    PagerDuty,
}

/// What one delivery attempt got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    Response {
        status: u16,
        /// The response body (or its start); quoted in reasons.
        body: &'a str,
        /// The `Retry-After` header, if any.
        retry_after: Option<&'a str>,
    },
    /// No answer in time.
    Timeout,
    /// DNS, TCP or TLS failure.
    Connection,
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try again; `after` is the receiver's `Retry-After`, a floor for
    /// the next delay.
    Retry {
        after: Option<SignedDuration>,
        reason: String,
    },
    /// Trying again cannot help (bad URL, revoked webhook, invalid event):
    /// give up now and say why.
    Permanent {
        reason: String,
    },
}

/// What an attempt's outcome means:
///
/// | channel | delivered | retry | permanent |
/// |---|---|---|---|
/// | webhook | 2xx | 408, 429, 5xx, timeout, connection | other 4xx, 1xx, 3xx |
/// | Slack | 200 with body `ok` (other 2xx too) | 429, 5xx, timeout, connection | 400, 403, 404, 410, other 4xx, 200 with another body |
/// | PagerDuty | 202 (any 2xx) | 429, 5xx, timeout, connection | 400, other 4xx |
///
/// 408 (Request Timeout) counts with timeouts. `Retry-After` is honoured
/// on every retried response, as seconds or an HTTP date (read against
/// `now`). Redirects are permanent: the sender does not follow them, and
/// a moved webhook is a config error to fix.
pub fn classify(kind: ChannelKind, outcome: &Outcome<'_>, now: Timestamp) -> Verdict {
    let (status, body, retry_after) = match *outcome {
        Outcome::Timeout => {
            return Verdict::Retry {
                after: None,
                reason: "timed out".into(),
            };
        }
        Outcome::Connection => {
            return Verdict::Retry {
                after: None,
                reason: "connection failed".into(),
            };
        }
        Outcome::Response {
            status,
            body,
            retry_after,
        } => (status, body, retry_after),
    };
    let reason = describe(status, body);
    let retry = || Verdict::Retry {
        after: retry_after.and_then(|v| parse_retry_after(v, now)),
        reason: reason.clone(),
    };
    let permanent = || Verdict::Permanent {
        reason: reason.clone(),
    };
    match kind {
        ChannelKind::Slack if status == 200 && body.trim() != "ok" => permanent(),
        _ if (200..300).contains(&status) => Verdict::Delivered,
        _ if status == 429 || (500..600).contains(&status) => retry(),
        ChannelKind::Webhook if status == 408 => retry(),
        _ => permanent(),
    }
}

/// `HTTP 404: no_service`, the body cut to 200 characters.
fn describe(status: u16, body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return format!("HTTP {status}");
    }
    let mut short: String = body.chars().take(200).collect();
    if short.len() < body.len() {
        short.push('…');
    }
    format!("HTTP {status}: {short}")
}

/// `Retry-After` as delta-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), as a delay from `now`; a date in the
/// past is no delay. `None` when unreadable.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<SignedDuration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(SignedDuration::from_secs(i64::from(seconds)));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    Some(at.duration_since(now).max(SignedDuration::ZERO))
}

/// Exponential backoff with full jitter: the delay before retry `n`
/// (0-based) is uniform in `[0, min(cap, base × 2ⁿ)]`, and no retry is
/// scheduled past `horizon` after the first attempt. Full jitter spreads
/// retries of many notifications failing together (a receiver's outage),
/// so they do not come back in waves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's delay. Default 10 s.
    pub base: SignedDuration,
    /// The largest ceiling. Default 10 min.
    pub cap: SignedDuration,
    /// Give up when the next attempt would be later than this after the
    /// first. Default 24 h: a page that late is history, not news.
    pub horizon: SignedDuration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: SignedDuration::from_secs(10),
            cap: SignedDuration::from_mins(10),
            horizon: SignedDuration::from_hours(24),
        }
    }
}

impl Backoff {
    /// `min(cap, base × 2^retry)`, before jitter: never decreasing in
    /// `retry`, never above `cap`.
    pub fn ceiling(&self, retry: u32) -> SignedDuration {
        let factor = 1i32.checked_shl(retry).filter(|f| *f > 0);
        factor
            .and_then(|f| self.base.checked_mul(f))
            .map_or(self.cap, |d| d.min(self.cap))
            .max(SignedDuration::ZERO)
    }

    /// The jittered delay before retry `retry`: `jitter` (uniform in
    /// `[0, 1]`, clamped) times the ceiling.
    pub fn delay(&self, retry: u32, jitter: f64) -> SignedDuration {
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        let ceiling = self.ceiling(retry);
        SignedDuration::try_from_secs_f64(ceiling.as_secs_f64() * jitter)
            .map_or(ceiling, |d| d.min(ceiling))
    }

    /// When to make retry `retry` (0 after the first failed attempt),
    /// failing `now`, for a notification first attempted at
    /// `first_attempt`: `now` plus the jittered delay, or the receiver's
    /// `Retry-After` if that is longer. `None`: give up, the horizon is
    /// passed.
    pub fn next_attempt(
        &self,
        retry: u32,
        first_attempt: Timestamp,
        now: Timestamp,
        retry_after: Option<SignedDuration>,
        jitter: f64,
    ) -> Option<Timestamp> {
        let delay = self
            .delay(retry, jitter)
            .max(retry_after.unwrap_or(SignedDuration::ZERO));
        let next = now.checked_add(delay).ok()?;
        let deadline = first_attempt.checked_add(self.horizon).ok()?;
        (next <= deadline).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_to_the_cap() {
        let b = Backoff::default();
        let secs: Vec<i64> = (0..8).map(|n| b.ceiling(n).as_secs()).collect();
        assert_eq!(secs, [10, 20, 40, 80, 160, 320, 600, 600]);
        assert_eq!(b.ceiling(31), b.cap);
        assert_eq!(b.ceiling(u32::MAX), b.cap);
    }
}
