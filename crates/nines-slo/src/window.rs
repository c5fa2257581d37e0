//! Windows over time: rolling (`28d`) and calendar (`month` in a time zone),
//! and the rule that says which minutes a window covers.
//!
//! Time inside the SLO math is a count of whole minutes since the Unix epoch
//! (UTC). A window evaluated at `head` covers the minutes from its
//! [`WindowSpec::cover_from`] up to and including `head`. Minutes older than a
//! day are kept per hour, so windows longer than a day start at the hour that
//! holds their far edge: they may count up to 59 minutes more at that edge and
//! never differ anywhere else.

use jiff::{Timestamp, ToSpan, Zoned, tz::TimeZone};

use crate::duration::format_minutes;

/// Whole minutes since 1970-01-01T00:00:00Z.
pub type Minute = i64;

/// Minutes kept one by one; older minutes are kept per hour.
pub(crate) const MINUTE_TIER: i64 = 1440;

/// The minute that holds `ts`.
pub fn minute_of(ts: Timestamp) -> Minute {
    ts.as_second().div_euclid(60)
}

/// The instant a minute starts.
pub fn timestamp_of(minute: Minute) -> Timestamp {
    Timestamp::from_second(minute.saturating_mul(60)).unwrap_or(Timestamp::MAX)
}

pub(crate) fn floor_hour(minute: Minute) -> Minute {
    minute.div_euclid(60) * 60
}

/// A calendar period an SLO may be measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarUnit {
    /// ISO weeks, Monday 00:00 to Monday 00:00.
    Week,
    /// Calendar months, the 1st 00:00 to the next 1st 00:00.
    Month,
}

/// The span an SLO (or one of its burn-rate windows) is measured over.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowSpec {
    /// The last `minutes` minutes, ending now.
    Rolling { minutes: u32 },
    /// From the start of the current calendar period in `tz`, up to now.
    Calendar { unit: CalendarUnit, tz: TimeZone },
}

impl WindowSpec {
    pub fn rolling(minutes: u32) -> Self {
        WindowSpec::Rolling { minutes }
    }

    /// How the window is written in labels and API keys: `5m`, `30d`, `month`.
    pub fn label(&self) -> String {
        match self {
            WindowSpec::Rolling { minutes } => format_minutes(*minutes),
            WindowSpec::Calendar {
                unit: CalendarUnit::Week,
                ..
            } => "week".to_string(),
            WindowSpec::Calendar {
                unit: CalendarUnit::Month,
                ..
            } => "month".to_string(),
        }
    }

    /// The longest this window can be, in minutes: what must be retained.
    pub fn max_minutes(&self) -> i64 {
        match self {
            WindowSpec::Rolling { minutes } => i64::from(*minutes),
            WindowSpec::Calendar {
                unit: CalendarUnit::Week,
                ..
            } => 7 * 1440,
            // 31 days, plus an hour for a DST change inside the month.
            WindowSpec::Calendar {
                unit: CalendarUnit::Month,
                ..
            } => 31 * 1440 + 60,
        }
    }

    /// The nominal period in minutes, for rules and exports that need one
    /// fixed figure: rolling windows their length, weeks 7 days, months 30.
    pub fn nominal_minutes(&self) -> u32 {
        match self {
            WindowSpec::Rolling { minutes } => *minutes,
            WindowSpec::Calendar {
                unit: CalendarUnit::Week,
                ..
            } => 7 * 1440,
            WindowSpec::Calendar {
                unit: CalendarUnit::Month,
                ..
            } => 30 * 1440,
        }
    }

    /// The full length of the period containing `head`, in minutes: what
    /// burn-rate thresholds and budget projections are measured against.
    pub fn period_minutes(&self, head: Minute) -> i64 {
        match self {
            WindowSpec::Rolling { minutes } => i64::from(*minutes),
            WindowSpec::Calendar { .. } => {
                let (start, end) = self.calendar_period(head);
                end - start
            }
        }
    }

    /// The first minute the window covers when evaluated at `head`.
    pub fn cover_from(&self, head: Minute) -> Minute {
        match self {
            WindowSpec::Rolling { minutes } => {
                let start = head - i64::from(*minutes) + 1;
                if i64::from(*minutes) <= MINUTE_TIER {
                    start
                } else {
                    floor_hour(start)
                }
            }
            // Calendar periods start at the hour holding their first minute, so
            // a period that starts at :30 (India, Newfoundland) rounds the same
            // way before and after its start leaves the per-minute tier.
            WindowSpec::Calendar { .. } => floor_hour(self.calendar_period(head).0),
        }
    }

    /// `[start, end)` of the calendar period that holds `head`. For rolling
    /// windows, the window itself.
    pub fn calendar_period(&self, head: Minute) -> (Minute, Minute) {
        match self {
            WindowSpec::Rolling { minutes } => (head - i64::from(*minutes) + 1, head + 1),
            WindowSpec::Calendar { unit, tz } => {
                let zoned = timestamp_of(head).to_zoned(tz.clone());
                let date = zoned.date();
                let (first, next) = match unit {
                    CalendarUnit::Month => {
                        let first = date.first_of_month();
                        (first, first.saturating_add(1.month()))
                    }
                    CalendarUnit::Week => {
                        let back = i64::from(date.weekday().to_monday_zero_offset());
                        let first = date.saturating_sub(back.days());
                        (first, first.saturating_add(7.days()))
                    }
                };
                let start_of = |d: jiff::civil::Date| {
                    d.to_zoned(tz.clone())
                        .map(|z: Zoned| minute_of(z.timestamp()))
                };
                match (start_of(first), start_of(next)) {
                    (Ok(s), Ok(e)) => (s, e),
                    // Only at the ends of representable time; fall back to a
                    // rolling period of the same nominal length.
                    _ => (head - self.max_minutes() + 1, head + 1),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(s: &str) -> Minute {
        minute_of(s.parse::<Timestamp>().unwrap())
    }

    #[test]
    fn rolling_windows_up_to_a_day_are_exact() {
        let w = WindowSpec::rolling(60);
        assert_eq!(w.cover_from(1000), 941);
        assert_eq!(WindowSpec::rolling(1440).cover_from(10_000), 10_000 - 1439);
    }

    #[test]
    fn longer_windows_start_at_the_hour_of_their_far_edge() {
        let head = minute("2026-03-10T12:34:00Z");
        let from = WindowSpec::rolling(3 * 1440).cover_from(head);
        assert_eq!(from, minute("2026-03-07T12:00:00Z"));
    }

    #[test]
    fn calendar_month_in_a_zone_across_dst() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let w = WindowSpec::Calendar {
            unit: CalendarUnit::Month,
            tz,
        };
        let head = minute("2026-03-31T12:00:00Z");
        let (start, end) = w.calendar_period(head);
        assert_eq!(start, minute("2026-02-28T23:00:00Z"));
        assert_eq!(end, minute("2026-03-31T22:00:00Z"));
        // March in Berlin is one hour short: the clocks go forward.
        assert_eq!(w.period_minutes(head), 31 * 1440 - 60);
        assert_eq!(w.label(), "month");
    }

    #[test]
    fn calendar_week_starts_monday() {
        let w = WindowSpec::Calendar {
            unit: CalendarUnit::Week,
            tz: TimeZone::UTC,
        };
        // 2026-11-26 is a Thursday.
        let (start, end) = w.calendar_period(minute("2026-11-26T08:00:00Z"));
        assert_eq!(start, minute("2026-11-23T00:00:00Z"));
        assert_eq!(end - start, 7 * 1440);
    }

    #[test]
    fn half_hour_zones_round_to_the_hour() {
        let tz = TimeZone::get("Asia/Kolkata").unwrap();
        let w = WindowSpec::Calendar {
            unit: CalendarUnit::Month,
            tz,
        };
        let head = minute("2026-11-20T00:00:00Z");
        assert_eq!(w.calendar_period(head).0, minute("2026-10-31T18:30:00Z"));
        assert_eq!(w.cover_from(head), minute("2026-10-31T18:00:00Z"));
    }
}
