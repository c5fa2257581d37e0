//! Local wall-clock times to instants, with the rule for DST gaps and folds.
//!
//! A local time that does not exist (it falls in the hour skipped when the
//! clocks go forward) maps to the first instant after the gap: the moment
//! of the change. A local time that exists twice (the hour repeated when
//! the clocks go back) maps to its first occurrence.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// The instant of local time `dt` in `tz`, by the rule above.
pub fn to_instant(dt: DateTime, tz: &TimeZone) -> Timestamp {
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => {
            offset.to_timestamp(dt).unwrap_or(Timestamp::MAX)
        }
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).unwrap_or(Timestamp::MAX),
        AmbiguousOffset::Gap { before, .. } => {
            // With the old offset the time lies just after the change; the
            // change is the last transition before that.
            let past = before.to_timestamp(dt).unwrap_or(Timestamp::MAX);
            let probe = past
                .checked_add(SignedDuration::from_secs(1))
                .unwrap_or(past);
            tz.preceding(probe).next().map_or(past, |t| t.timestamp())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(tz: &str, local: &str) -> String {
        to_instant(local.parse().unwrap(), &TimeZone::get(tz).unwrap()).to_string()
    }

    #[test]
    fn gaps_fall_to_the_change_and_folds_to_the_first() {
        // Berlin springs forward at 02:00 CET on 2026-03-29.
        assert_eq!(
            instant("Europe/Berlin", "2026-03-29T02:30"),
            "2026-03-29T01:00:00Z"
        );
        assert_eq!(
            instant("Europe/Berlin", "2026-03-29T03:00"),
            "2026-03-29T01:00:00Z"
        );
        // And falls back at 03:00 CEST on 2026-10-25: 02:30 happens twice.
        assert_eq!(
            instant("Europe/Berlin", "2026-10-25T02:30"),
            "2026-10-25T00:30:00Z"
        );
        // Lord Howe moves by 30 minutes.
        assert_eq!(
            instant("Australia/Lord_Howe", "2026-10-04T02:15"),
            "2026-10-03T15:30:00Z"
        );
        assert_eq!(
            instant("Asia/Kolkata", "2026-03-29T02:30"),
            "2026-03-28T21:00:00Z"
        );
    }
}
