//! Durations as people write them in config: `30s`, `5m`, `1h`, `28d`, `2w`.

use std::time::Duration;

/// A duration string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a duration: {reason} (write a whole number and a unit: 30s, 5m, 1h, 28d, 2w)"
)]
pub struct DurationError {
    pub input: String,
    pub reason: &'static str,
}

/// Parses `<number><unit>` with units `ms`, `s`, `m`, `h`, `d`, `w`, and
/// concatenations such as `1h30m`.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError {
        input: input.to_string(),
        reason,
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(err("a number must come before each unit"));
        }
        let n: u128 = rest[..digits]
            .parse()
            .map_err(|_| err("the number is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let millis: u128 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "" => return Err(err("the unit is missing")),
            _ => return Err(err("the unit is not one of ms, s, m, h, d, w")),
        };
        rest = &rest[unit_len..];
        total = n
            .checked_mul(millis)
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= u128::from(u64::MAX))
            .ok_or_else(|| err("it is too long"))?;
    }
    Ok(Duration::from_millis(total as u64))
}

/// Formats a whole number of minutes the way window labels are written:
/// `5m`, `1h`, `90m`, `1d`, `36h`, `30d`.
pub fn format_minutes(minutes: u32) -> String {
    if minutes > 0 && minutes.is_multiple_of(1440) {
        format!("{}d", minutes / 1440)
    } else if minutes > 0 && minutes.is_multiple_of(60) {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_units_and_sums() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("28d").unwrap(),
            Duration::from_secs(28 * 86400)
        );
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in [
            "",
            "5",
            "m",
            "5x",
            "-5m",
            "5.5m",
            "99999999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should be refused");
        }
    }

    proptest! {
        #[test]
        fn labels_read_back_as_the_same_minutes(m in 1u32..1_000_000) {
            let label = format_minutes(m);
            prop_assert_eq!(parse_duration(&label).unwrap(), Duration::from_secs(u64::from(m) * 60));
        }

        #[test]
        fn never_panics(s in ".{0,12}") {
            let _ = parse_duration(&s);
        }
    }
}
