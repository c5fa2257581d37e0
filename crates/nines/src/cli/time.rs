//! The one parser for times given on the command line (`--from`, `--to`,
//! `--at`, `--end`, `--until`), and how listings print times.
//!
//! Accepted: `now`; RFC 3339 (`2026-12-01T10:00:00Z`); a plain date
//! (`2026-12-01`, midnight UTC) or a date and time without offset
//! (`2026-12-01T10:00`, UTC); a duration ago (`-7d`, `2h`, `2h ago`) or
//! ahead (`+2h`, `in 2h`). Durations are nines' (`90s`, `1h30m`, `7d`).

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp};

/// What `--help` says a time may be.
pub const HELP: &str = "RFC 3339, a date (2026-12-01, UTC), now, -7d / 2h (ago) or +2h (ahead)";

/// `text` as an instant, relative ones counted from `now`.
pub fn parse(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(dt) = t.parse::<DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| format!("{t:?}: {e}"));
    }
    if let Ok(date) = t.parse::<Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| format!("{t:?}: {e}"));
    }
    let (ahead, span) = if let Some(rest) = t.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = t.strip_prefix("in ") {
        (true, rest)
    } else if let Some(rest) = t.strip_prefix('-') {
        (false, rest)
    } else if let Some(rest) = t.strip_suffix(" ago") {
        (false, rest)
    } else {
        (false, t)
    };
    let d = nines_slo::parse_duration(span.trim())
        .ok()
        .and_then(|d| SignedDuration::try_from(d).ok())
        .ok_or_else(|| format!("{t:?} is not a time; use {HELP}"))?;
    let moved = if ahead {
        now.checked_add(d)
    } else {
        now.checked_sub(d)
    };
    moved.map_err(|_| format!("{t:?} is out of range"))
}

/// A clap value parser: the time as RFC 3339 to the second, relative
/// times counted from the system clock's now.
pub fn arg(text: &str) -> Result<String, String> {
    parse(text, crate::clock::Clock::System.now()).map(|t| crate::clock::rfc3339(t.as_second()))
}

/// A time from an API answer as listings print it: RFC 3339 to the
/// second (`2026-11-24T12:00:00Z`); text that is no time stays as it is.
pub fn listing(text: &str) -> String {
    match text.parse::<Timestamp>() {
        Ok(t) => crate::clock::rfc3339(t.as_second()),
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> Timestamp {
        "2026-12-04T20:00:00Z".parse().unwrap()
    }

    fn p(s: &str) -> String {
        parse(s, now()).map(|t| t.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn forms() {
        assert_eq!(p("now"), "2026-12-04T20:00:00Z");
        assert_eq!(p("2026-12-01"), "2026-12-01T00:00:00Z");
        assert_eq!(p("2026-12-01T10:30"), "2026-12-01T10:30:00Z");
        assert_eq!(p("2026-12-01T10:30:00+01:00"), "2026-12-01T09:30:00Z");
        assert_eq!(p("-7d"), "2026-11-27T20:00:00Z");
        assert_eq!(p("2h"), "2026-12-04T18:00:00Z");
        assert_eq!(p("2h ago"), "2026-12-04T18:00:00Z");
        assert_eq!(p("+1h30m"), "2026-12-04T21:30:00Z");
        assert_eq!(p("in 2h"), "2026-12-04T22:00:00Z");
        assert!(
            p("yesterday").contains("is not a time"),
            "{}",
            p("yesterday")
        );
        assert!(p("").contains("is not a time"));
    }

    #[test]
    fn listings_drop_fractions() {
        assert_eq!(
            listing("2026-12-04T20:00:00.123456789Z"),
            "2026-12-04T20:00:00Z"
        );
        assert_eq!(listing("-"), "-");
    }

    proptest! {
        #[test]
        fn relative_and_absolute_agree(secs in 0i64..4_000_000_000, ago in 1i64..10_000_000) {
            let now = Timestamp::from_second(secs + 20_000_000).unwrap();
            let t = Timestamp::from_second(secs).unwrap();
            // An RFC 3339 time reads back as itself, whatever now is.
            prop_assert_eq!(parse(&t.to_string(), now).unwrap(), t);
            // `-Ns`, `Ns`, `Ns ago` are N seconds before now; `+Ns` after.
            let before = now.checked_sub(SignedDuration::from_secs(ago)).unwrap();
            prop_assert_eq!(parse(&format!("-{ago}s"), now).unwrap(), before);
            prop_assert_eq!(parse(&format!("{ago}s ago"), now).unwrap(), before);
            prop_assert_eq!(parse(&format!("{ago}s"), now).unwrap(), before);
            let after = now.checked_add(SignedDuration::from_secs(ago)).unwrap();
            prop_assert_eq!(parse(&format!("+{ago}s"), now).unwrap(), after);
            // A date is its midnight UTC.
            let date = t.to_zoned(jiff::tz::TimeZone::UTC).date();
            let midnight = parse(&date.to_string(), now).unwrap();
            prop_assert!(midnight <= t && t.as_second() - midnight.as_second() < 86_400);
        }
    }
}
