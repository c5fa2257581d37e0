//! The core against the two copies it replaced (the selector's and
//! nines-incident's, kept here verbatim as references): same verdicts on
//! every value, and the one deliberate difference, `a)|(b`, pinned.

use proptest::prelude::*;
use regex::Regex;

use super::*;

/// nines-expo's selector matcher before the core: `(?s)`, and the value
/// compiled alone first.
fn old_prometheus(op: MatchOp, value: &str) -> Option<impl Fn(&str) -> bool> {
    let regex = if op.is_regex() {
        let anchored = Regex::new(value).and_then(|_| Regex::new(&format!("^(?s:{value})$")));
        Some(anchored.ok()?)
    } else {
        None
    };
    let value = value.to_string();
    Some(move |v: &str| match op {
        MatchOp::Equal => v == value,
        MatchOp::NotEqual => v != value,
        MatchOp::Regex => regex.as_ref().is_some_and(|r| r.is_match(v)),
        MatchOp::NotRegex => !regex.as_ref().is_some_and(|r| r.is_match(v)),
    })
}

/// nines-incident's matcher before the core: `^(?:…)$`, not compiled alone.
fn old_alertmanager(op: MatchOp, value: &str) -> Option<impl Fn(&str) -> bool> {
    let regex = if op.is_regex() {
        Some(Regex::new(&format!("^(?:{value})$")).ok()?)
    } else {
        None
    };
    let value = value.to_string();
    Some(move |v: &str| match (op, &regex) {
        (MatchOp::Equal, _) => v == value,
        (MatchOp::NotEqual, _) => v != value,
        (MatchOp::Regex, Some(re)) => re.is_match(v),
        (MatchOp::NotRegex, Some(re)) => !re.is_match(v),
        _ => unreachable!(),
    })
}

fn op() -> impl Strategy<Value = MatchOp> {
    prop::sample::select(MatchOp::ALL.to_vec())
}

/// Regex syntax, balanced or not, and line feeds (what `(?s)` concerns).
fn value() -> impl Strategy<Value = String> {
    "[ab.*+?|()\\[\\]^$\n\\\\]{0,8}"
}

/// Label values to match, the empty one (a missing label) always among them.
fn label_values() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[ab.\n]{0,5}", 0..6).prop_map(|mut v| {
        v.push(String::new());
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn prometheus_dialect_agrees_with_the_old_selector_matcher(
        op in op(),
        value in value(),
        labels in label_values(),
    ) {
        let old = old_prometheus(op, &value);
        let new = LabelMatcher::new("l", op, value.as_str(), Dialect::Prometheus);
        prop_assert_eq!(old.is_some(), new.is_ok(), "{:?}", value);
        if let (Some(old), Ok(new)) = (old, new) {
            for v in &labels {
                prop_assert_eq!(new.matches_value(v), old(v), "{} {:?} on {:?}", op, value, v);
            }
        }
    }

    #[test]
    fn alertmanager_dialect_agrees_with_the_old_incident_matcher(
        op in op(),
        value in value(),
        labels in label_values(),
    ) {
        let old = old_alertmanager(op, &value);
        let new = LabelMatcher::new("l", op, value.as_str(), Dialect::Alertmanager);
        match (old, new) {
            (Some(old), Ok(new)) => {
                for v in &labels {
                    prop_assert_eq!(new.matches_value(v), old(v), "{} {:?} on {:?}", op, value, v);
                }
            }
            (None, Err(_)) => {}
            // The one difference: a value that is no regex alone but
            // becomes one wrapped (`a)|(b`) used to match unanchored.
            (Some(_), Err(_)) => prop_assert!(Regex::new(&value).is_err(), "{:?}", value),
            (None, Ok(_)) => prop_assert!(false, "{:?} compiles only now", value),
        }
    }
}

#[test]
fn missing_labels_read_as_empty() {
    let m = |op, v| LabelMatcher::new("team", op, v, Dialect::Alertmanager).unwrap();
    assert!(m(MatchOp::Equal, "").matches_value(""));
    assert!(!m(MatchOp::NotEqual, "").matches_value(""));
    assert!(m(MatchOp::Regex, ".*").matches_value(""));
    assert!(!m(MatchOp::NotRegex, "").matches_value(""));
}

#[test]
fn regexes_are_anchored_at_both_ends() {
    let m = LabelMatcher::new("service", MatchOp::Regex, "db.*", Dialect::Alertmanager).unwrap();
    assert!(m.matches_value("db1"));
    assert!(!m.matches_value("mydb1"));
    let m = LabelMatcher::new("code", MatchOp::NotRegex, "5..", Dialect::Prometheus).unwrap();
    assert!(m.matches_value("5000"));
    assert!(!m.matches_value("503"));
}

#[test]
fn a_value_that_escapes_the_anchoring_group_is_rejected() {
    // Wrapped, `a)|(b` reads `^(?:a)|(b)$`: `a…` or `…b`, unanchored.
    for dialect in [Dialect::Prometheus, Dialect::Alertmanager] {
        assert!(LabelMatcher::new("x", MatchOp::Regex, "a)|(b", dialect).is_err());
    }
}

#[test]
fn dot_and_line_feeds_follow_the_dialect() {
    let prometheus = LabelMatcher::new("m", MatchOp::Regex, "a.b", Dialect::Prometheus).unwrap();
    let alertmanager =
        LabelMatcher::new("m", MatchOp::Regex, "a.b", Dialect::Alertmanager).unwrap();
    assert!(prometheus.matches_value("a\nb"));
    assert!(!alertmanager.matches_value("a\nb"));
    assert_ne!(prometheus, alertmanager);
}

#[test]
fn regex_reasons_are_one_line() {
    // Through a variable: clippy rejects a literal invalid regex.
    let pattern = "(unclosed";
    let e = Regex::new(pattern).unwrap_err();
    assert_eq!(regex_reason(&e), "unclosed group");
    assert_eq!(MatchOp::NotRegex.to_string(), "!~");
}
