//! How text reads as a number, a duration or a DNS response code, and how a
//! duration is printed back: shared by the parser (to reject values a
//! placeholder can never equal) and the evaluator (to compare them).

use std::borrow::Cow;
use std::cmp::Ordering;

/// A number from a fact or a literal. Integers stay exact (status codes,
/// milliseconds, JSON integers up to `u64::MAX`); anything else is `f64`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            // Precision loss only past 2^53, far beyond any value a probe
            // compares; exact integers are compared exactly below.
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// Integers compare exactly. Floats within a few units in the last
    /// place are equal: serde_json's fast float parser can land one unit
    /// away from the correctly rounded value, so `[BODY].x == 0.1` must not
    /// depend on it. Numbers here are finite (literals are checked, JSON
    /// has no NaN), so `partial_cmp` always answers; `-0.0` equals `0`.
    pub(crate) fn compare(self, other: Num) -> Ordering {
        const ULPS: f64 = 4.0;
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a.cmp(&b),
            (a, b) => {
                let (a, b) = (a.as_f64(), b.as_f64());
                let tolerance = a.abs().max(b.abs()) * f64::EPSILON * ULPS;
                if (a - b).abs() <= tolerance.max(f64::from_bits(1) * ULPS) {
                    Ordering::Equal
                } else {
                    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
                }
            }
        }
    }
}

/// A float as Gatus prints one: `1` for 1.0, exponents for the very large
/// and very small (`1e20`, `1.5e-7`), never a long run of zeros.
pub(crate) fn format_float(x: f64) -> String {
    let debug = format!("{x:?}");
    match debug.strip_suffix(".0") {
        Some(integral) => integral.to_owned(),
        None => debug,
    }
}

/// A plain decimal number: `200`, `-3`, `1.5`, `.5`, `2e3`. Not `inf` or
/// `NaN` (which Rust's float parser would take), nor hex.
pub(crate) fn parse_number(text: &str) -> Option<Num> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut exponent_at = None;
    for (i, c) in digits.char_indices() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot && exponent_at.is_none() => seen_dot = true,
            'e' | 'E' if seen_digit && exponent_at.is_none() => exponent_at = Some(i),
            '+' | '-' if exponent_at.is_some_and(|e| e + 1 == i) => {}
            _ => return None,
        }
    }
    if !seen_digit
        || exponent_at.is_some_and(|e| !digits[e + 1..].contains(|c: char| c.is_ascii_digit()))
    {
        return None;
    }
    if !seen_dot
        && exponent_at.is_none()
        && let Ok(i) = text.parse::<i128>()
    {
        return Some(Num::Int(i));
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Num::Float)
}

/// A duration in milliseconds: one or more `<number><unit>` parts, units
/// `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h` as in Go (which Gatus uses), and
/// `d` for 24 hours: `48h`, `1h30m`, `1.5s`, `7d`.
pub(crate) fn parse_duration_ms(text: &str) -> Option<f64> {
    const UNITS: [(&str, f64); 9] = [
        // Longest first, so `ms` is not read as `m` followed by `s`.
        ("ns", 1e-6),
        ("us", 1e-3),
        ("µs", 1e-3),
        ("μs", 1e-3),
        ("ms", 1.0),
        ("s", 1e3),
        ("m", 60e3),
        ("h", 3_600e3),
        ("d", 86_400e3),
    ];
    let mut rest = text;
    let mut total = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (amount, after) = rest.split_at(end);
        if amount.is_empty() || amount == "." || amount.matches('.').count() > 1 {
            return None;
        }
        let amount: f64 = amount.parse().ok()?;
        let (unit, factor) = UNITS.iter().find(|(u, _)| after.starts_with(u))?;
        total += amount * factor;
        rest = &after[unit.len()..];
    }
    total.is_finite().then_some(total)
}

/// A number, or a duration read as milliseconds: what `<`, `<=`, `>`, `>=`
/// compare, as in Gatus.
pub(crate) fn parse_number_or_duration(text: &str) -> Option<Num> {
    parse_number(text).or_else(|| parse_duration_ms(text).map(Num::Float))
}

/// Milliseconds as Gatus prints durations: hours, minutes and seconds,
/// dropping trailing zero parts (`48h`, `1h30m`, `1h0m15s`, `-2h`),
/// truncated to the second.
pub(crate) fn format_duration_ms(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let secs = (ms / 1000).unsigned_abs();
    if secs == 0 {
        return "0s".to_owned();
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{sign}{s}s"),
        (0, m, 0) => format!("{sign}{m}m"),
        (0, m, s) => format!("{sign}{m}m{s}s"),
        (h, 0, 0) => format!("{sign}{h}h"),
        (h, m, 0) => format!("{sign}{h}h{m}m"),
        (h, m, s) => format!("{sign}{h}h{m}m{s}s"),
    }
}

/// DNS response codes by their registered mnemonics (RFC 6895), as Gatus
/// names them (16 is `BADSIG`, which shares its value with `BADVERS`).
const RCODES: [(u16, &str); 19] = [
    (0, "NOERROR"),
    (1, "FORMERR"),
    (2, "SERVFAIL"),
    (3, "NXDOMAIN"),
    (4, "NOTIMP"),
    (5, "REFUSED"),
    (6, "YXDOMAIN"),
    (7, "YXRRSET"),
    (8, "NXRRSET"),
    (9, "NOTAUTH"),
    (10, "NOTZONE"),
    (16, "BADSIG"),
    (17, "BADKEY"),
    (18, "BADTIME"),
    (19, "BADMODE"),
    (20, "BADNAME"),
    (21, "BADALG"),
    (22, "BADTRUNC"),
    (23, "BADCOOKIE"),
];

/// The name `[DNS_RCODE]` resolves to for a response code: `NOERROR`,
/// `NXDOMAIN`, …; codes without a mnemonic read `RCODE<n>`.
pub fn dns_rcode_name(code: u16) -> Cow<'static, str> {
    match RCODES.iter().find(|(c, _)| *c == code) {
        Some((_, name)) => Cow::Borrowed(name),
        None => Cow::Owned(format!("RCODE{code}")),
    }
}

/// Whether `text` is a name [`dns_rcode_name`] can return.
pub(crate) fn is_dns_rcode_name(text: &str) -> bool {
    RCODES.iter().any(|(_, name)| *name == text)
        || text
            .strip_prefix("RCODE")
            .and_then(|n| n.parse::<u16>().ok())
            .is_some_and(|n| dns_rcode_name(n) == text)
}

pub(crate) fn dns_rcode_names() -> impl Iterator<Item = &'static str> {
    RCODES.iter().map(|(_, name)| *name)
}

/// The candidate closest to `typed` if it is close enough to be a likely
/// typo: same letters in another case, or a few edits away.
pub(crate) fn nearest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let typed_upper = typed.to_uppercase();
    let (distance, best) = candidates
        .into_iter()
        .map(|c| (edit_distance(&typed_upper, &c.to_uppercase()), c))
        .min_by_key(|(d, _)| *d)?;
    let limit = (typed.chars().count() / 3).max(2);
    (distance <= limit).then_some(best)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_decimal_and_finite() {
        for ok in ["0", "200", "-3", "+4", "1.5", ".5", "5.", "2e3", "1E-2"] {
            assert!(parse_number(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "-", ".", "e3", "1e", "inf", "NaN", "0x10", "1_000", "1.2.3", "1e400",
        ] {
            assert!(parse_number(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn floats_compare_within_a_few_ulps() {
        let a = Num::Float(0.1);
        let b = Num::Float(f64::from_bits(0.1f64.to_bits() + 1));
        assert_eq!(a.compare(b), Ordering::Equal);
        assert_eq!(
            Num::Float(0.1).compare(Num::Float(0.1000001)),
            Ordering::Less
        );
        assert_eq!(Num::Int(0).compare(Num::Float(-0.0)), Ordering::Equal);
        assert_eq!(Num::Float(5e-324).compare(Num::Float(0.0)), Ordering::Equal);
    }

    #[test]
    fn floats_print_short() {
        assert_eq!(format_float(1.0), "1");
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_float(1e20), "1e20");
        assert_eq!(
            format_float(-1.760749561890411e-308),
            "-1.760749561890411e-308"
        );
    }

    #[test]
    fn durations_read_go_units_and_days() {
        assert_eq!(parse_duration_ms("48h"), Some(172_800_000.0));
        assert_eq!(parse_duration_ms("1h30m"), Some(5_400_000.0));
        assert_eq!(parse_duration_ms("7d"), Some(604_800_000.0));
        assert_eq!(parse_duration_ms("300ms"), Some(300.0));
        assert_eq!(parse_duration_ms("1.5s"), Some(1_500.0));
        for bad in ["", "h", "48", "48x", "1..5s", "-1h", "1h 30m"] {
            assert_eq!(parse_duration_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_print_like_gatus() {
        assert_eq!(format_duration_ms(0), "0s");
        assert_eq!(format_duration_ms(999), "0s");
        assert_eq!(format_duration_ms(10_000), "10s");
        assert_eq!(format_duration_ms(172_800_000), "48h");
        assert_eq!(format_duration_ms(5_400_000), "1h30m");
        assert_eq!(format_duration_ms(3_615_000), "1h0m15s");
        assert_eq!(format_duration_ms(-7_200_000), "-2h");
        assert_eq!(format_duration_ms(i64::MIN), "-2562047788015h12m55s");
    }

    #[test]
    fn rcode_names_round_trip() {
        for code in 0..=u16::MAX {
            assert!(is_dns_rcode_name(&dns_rcode_name(code)), "{code}");
        }
        assert!(!is_dns_rcode_name("RCODE0"));
        assert!(!is_dns_rcode_name("noerror"));
    }
}
