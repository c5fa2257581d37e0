//! How a paged person is reached: their contact methods and personal
//! notification rules ("Slack now, email after 5 minutes").
//!
//! When a step pages a user at `t`, each of the user's rules sends to its
//! method at `t + after`. The daemon sends them as they come due and drops
//! the rest once the incident is acknowledged, like the escalation itself.

use jiff::{SignedDuration, Timestamp};

/// The kinds of contact method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContactKind {
    /// An email address.
    Email,
    /// A Slack handle (`@ana`) or member id.
    Slack,
    /// A URL that receives a JSON POST.
    Webhook,
}

impl ContactKind {
    /// The config key and log name: `email`, `slack`, `webhook`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Slack => "slack",
            ContactKind::Webhook => "webhook",
        }
    }
}

/// One way to reach a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactMethod {
    pub kind: ContactKind,
    pub address: String,
}

/// Send to `method` this long after the person is paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRule {
    pub method: ContactMethod,
    /// From the page; zero is at once. Negative counts as zero.
    pub after: SignedDuration,
}

/// A notification to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notification<'r> {
    /// Index of the rule in the list given: with the incident and the
    /// escalation position, a stable idempotency key for the outbox.
    pub rule: usize,
    pub method: &'r ContactMethod,
    pub at: Timestamp,
}

/// What `rules` send for a person paged at `paged_at`, soonest first (rule
/// order among equals). A time past the representable range is left out.
pub fn notifications(rules: &[NotificationRule], paged_at: Timestamp) -> Vec<Notification<'_>> {
    let mut out: Vec<Notification<'_>> = rules
        .iter()
        .enumerate()
        .filter_map(|(rule, r)| {
            let at = paged_at
                .checked_add(r.after.max(SignedDuration::ZERO))
                .ok()?;
            Some(Notification {
                rule,
                method: &r.method,
                at,
            })
        })
        .collect();
    out.sort_by_key(|n| n.at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(kind: ContactKind, address: &str) -> ContactMethod {
        ContactMethod {
            kind,
            address: address.into(),
        }
    }

    #[test]
    fn slack_now_email_after_five_minutes() {
        let rules = [
            NotificationRule {
                method: method(ContactKind::Email, "ana@example.com"),
                after: SignedDuration::from_mins(5),
            },
            NotificationRule {
                method: method(ContactKind::Slack, "@ana"),
                after: SignedDuration::ZERO,
            },
            NotificationRule {
                method: method(ContactKind::Webhook, "http://x/"),
                after: SignedDuration::from_mins(-1),
            },
        ];
        let t: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        let got: Vec<(usize, &str, String)> = notifications(&rules, t)
            .iter()
            .map(|n| (n.rule, n.method.kind.as_str(), n.at.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "slack", "2026-03-01T10:00:00Z".to_string()),
                (2, "webhook", "2026-03-01T10:00:00Z".to_string()),
                (0, "email", "2026-03-01T10:05:00Z".to_string()),
            ]
        );
        assert!(notifications(&[], t).is_empty());
    }
}
