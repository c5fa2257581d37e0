//! Silences: a person's "quiet about this until then", as in Alertmanager.
//! A silenced alert still opens or updates its incident (so the record is
//! complete); it just notifies nobody.

use jiff::Timestamp;
use serde::Serialize;

use crate::alert::Labels;
use crate::matcher::{Matcher, matches_all};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Silence {
    pub id: String,
    /// All must match. A silence without matchers silences nothing:
    /// silencing everything is never what a typo meant (Alertmanager
    /// rejects such silences).
    #[serde(serialize_with = "display_all")]
    pub matchers: Vec<Matcher>,
    /// Active from this instant…
    pub starts_at: Timestamp,
    /// …until just before this one.
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
}

impl Silence {
    /// Whether the silence is in force at `at`: `starts_at <= at < ends_at`,
    /// as Alertmanager's active state.
    pub fn is_active(&self, at: Timestamp) -> bool {
        self.starts_at <= at && at < self.ends_at
    }

    /// Whether it silences an alert with these labels at `at`.
    pub fn is_silenced(&self, labels: &Labels, at: Timestamp) -> bool {
        !self.matchers.is_empty() && self.is_active(at) && matches_all(&self.matchers, labels)
    }
}

/// Matchers serialize as the text that parses back to them.
fn display_all<S: serde::Serializer>(matchers: &[Matcher], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(matchers.iter().map(ToString::to_string))
}
