//! When an incident's phases happened, and the spans reports and
//! postmortems call time to detect, acknowledge, mitigate and resolve. One
//! definition shared by both, so a postmortem's figures add up to the
//! report's means.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The instants of an incident's phases, as its timeline recorded them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentTimes {
    /// When impact began (the first bad minute or the alert's start).
    pub started: Timestamp,
    /// When nines (or a person) noticed: the incident opened. `None` when
    /// the incident was opened as impact began.
    pub detected: Option<Timestamp>,
    pub acknowledged: Option<Timestamp>,
    /// When impact stopped, before the fix was complete.
    pub mitigated: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

impl IncidentTimes {
    /// `detected − started`.
    pub fn time_to_detect(&self) -> Option<SignedDuration> {
        self.detected.map(|t| span(self.started, t))
    }

    /// `acknowledged − detected` (or `− started` without a detection time):
    /// how long the page waited for a person, not how long impact lasted.
    pub fn time_to_acknowledge(&self) -> Option<SignedDuration> {
        let from = self.detected.unwrap_or(self.started);
        self.acknowledged.map(|t| span(from, t))
    }

    /// `mitigated − started`.
    pub fn time_to_mitigate(&self) -> Option<SignedDuration> {
        self.mitigated.map(|t| span(self.started, t))
    }

    /// `resolved − started`: the impact as users felt it, end to end.
    pub fn time_to_resolve(&self) -> Option<SignedDuration> {
        self.resolved.map(|t| span(self.started, t))
    }
}

/// `to − from`, never negative: a phase stamped before the one it follows
/// means two clocks disagreed, and counting it as zero keeps means honest.
fn span(from: Timestamp, to: Timestamp) -> SignedDuration {
    to.duration_since(from).max(SignedDuration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn spans_follow_the_documented_definitions() {
        let t = IncidentTimes {
            started: at("2025-03-01T11:00:00Z"),
            detected: Some(at("2025-03-01T11:05:00Z")),
            acknowledged: Some(at("2025-03-01T11:07:30Z")),
            mitigated: Some(at("2025-03-01T11:40:00Z")),
            resolved: Some(at("2025-03-01T12:05:00Z")),
        };
        assert_eq!(t.time_to_detect(), Some(SignedDuration::from_mins(5)));
        assert_eq!(
            t.time_to_acknowledge(),
            Some(SignedDuration::from_secs(150))
        );
        assert_eq!(t.time_to_mitigate(), Some(SignedDuration::from_mins(40)));
        assert_eq!(t.time_to_resolve(), Some(SignedDuration::from_mins(65)));
    }

    #[test]
    fn missing_phases_and_skewed_clocks() {
        let t = IncidentTimes {
            started: at("2025-03-01T11:00:00Z"),
            detected: None,
            acknowledged: Some(at("2025-03-01T10:59:00Z")),
            mitigated: None,
            resolved: None,
        };
        assert_eq!(t.time_to_detect(), None);
        assert_eq!(t.time_to_acknowledge(), Some(SignedDuration::ZERO));
        assert_eq!(t.time_to_mitigate(), None);
        assert_eq!(t.time_to_resolve(), None);
    }
}
