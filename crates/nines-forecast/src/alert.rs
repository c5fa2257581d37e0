//! Whether a time-to-exhaustion answer is worth a ticket, a page or
//! nothing: the earliest plausible crossing (the band's edge, so the alert
//! comes before the expected date, not after) against two horizons, paired
//! with a static floor as the node-exporter mixin pairs `predict_linear`
//! with "and less than 15% left", so a slow trend far from its limit stays
//! quiet however the band swings.

use crate::Exhaustion;

/// When a crossing alerts. Values are in the forecast's own direction: a
/// falling resource's are negated by the caller, as its series is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A crossing at most this far away (seconds) opens a ticket.
    pub ticket_s: f64,
    /// At most this far away, a page; not more than `ticket_s`.
    pub page_s: f64,
    /// Alert only while the current value is at least this.
    pub floor: Option<f64>,
}

/// Why nothing is raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calm {
    /// No crossing is predicted within the horizon.
    NoCrossing,
    /// The earliest crossing is beyond the ticket horizon.
    NotSoon,
    /// The current value is short of the floor.
    UnderFloor,
}

/// What a forecast raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    None(Calm),
    Ticket,
    Page,
}

impl Alert {
    /// `none`, `ticket`, `page`: how the CLI and the API name it.
    pub fn name(&self) -> &'static str {
        match self {
            Alert::None(_) => "none",
            Alert::Ticket => "ticket",
            Alert::Page => "page",
        }
    }

    /// 0 for none, 1 for a ticket, 2 for a page: for comparing.
    pub fn rank(&self) -> u8 {
        match self {
            Alert::None(_) => 0,
            Alert::Ticket => 1,
            Alert::Page => 2,
        }
    }
}

/// The alert `exhaustion` raises, `current` being the last observed value.
/// A resource already past its limit pages whatever the floor (the floor
/// quiets slow trends, not outages).
pub fn decide(exhaustion: &Exhaustion, current: f64, t: &Thresholds) -> Alert {
    let earliest = match exhaustion {
        Exhaustion::Now => return Alert::Page,
        Exhaustion::None(_) => return Alert::None(Calm::NoCrossing),
        Exhaustion::Predicted { earliest_s, .. } => *earliest_s,
    };
    if t.floor.is_some_and(|f| current < f) {
        return Alert::None(Calm::UnderFloor);
    }
    if earliest <= t.page_s.min(t.ticket_s) {
        Alert::Page
    } else if earliest <= t.ticket_s {
        Alert::Ticket
    } else {
        Alert::None(Calm::NotSoon)
    }
}
