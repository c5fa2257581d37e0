//! The test harness of nines-expo: owned samples that compare NaN equal to
//! NaN, shorthand to parse into them, and the fixtures.
#![allow(dead_code)]

use nines_expo::{Format, Sample, parse};

/// A sample detached from its input, for comparisons.
#[derive(Debug, Clone)]
pub struct Owned {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

impl PartialEq for Owned {
    /// Values compare by bits (so `-0` is not `0`), any NaN equals any NaN.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.labels == other.labels
            && self.timestamp_ms == other.timestamp_ms
            && same_float(self.value, other.value)
    }
}

pub fn same_float(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

impl From<&Sample<'_>> for Owned {
    fn from(s: &Sample<'_>) -> Self {
        Owned {
            name: s.name.to_string(),
            labels: s
                .labels
                .iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            value: s.value,
            timestamp_ms: s.timestamp_ms,
        }
    }
}

/// Shorthand for an expected sample without timestamp.
pub fn s(name: &str, labels: &[(&str, &str)], value: f64) -> Owned {
    Owned {
        name: name.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        value,
        timestamp_ms: None,
    }
}

/// All samples of a body that must parse.
pub fn samples(text: &str, format: Format) -> Vec<Owned> {
    let mut out = Vec::new();
    if let Err(e) = parse(text, format, |s| out.push(Owned::from(&s))) {
        panic!("{e}\nin:\n{text}");
    }
    out
}

/// The error of a body that must not parse, as users see it.
pub fn error(text: &str, format: Format) -> String {
    match parse(text, format, |_| {}) {
        Ok(()) => panic!("parsed, expected an error:\n{text}"),
        Err(e) => e.to_string(),
    }
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
