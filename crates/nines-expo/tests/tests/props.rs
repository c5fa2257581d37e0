//! Properties over random input: the parsers never panic, what is rendered
//! parses back to the same samples, selectors print to a form that parses
//! back to themselves, and summed increases count every event across
//! counter resets.

use crate::util::{Owned, samples};
use nines_expo::{Format, Parser, Selector, SelectorIncrease, render, write_sample};
use proptest::prelude::*;

/// Pieces of expositions and selectors, so random strings reach deep into
/// the grammars instead of failing on the first byte.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "\"",
    "\\",
    "=",
    "!=",
    "=~",
    "!~",
    ",",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "#",
    "# ",
    "# HELP ",
    "# TYPE ",
    "# UNIT ",
    "# EOF",
    "# EOF\n",
    "counter",
    "foo",
    "foo_bucket",
    "le",
    "\"0.5\"",
    "a=\"b\"",
    "\"a.b\"",
    "1",
    "-1",
    "1.5e3",
    "NaN",
    "+Inf",
    "-Inf",
    "1e999",
    ".",
    "é",
    "✓",
    "`",
    "'",
    "\\n",
    "\\\"",
    "\\\\",
    "\\x4",
    "\\u12",
    " # {",
    "1700000000.5",
    "_",
    ":",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), fragments()]
}

/// Everything a caller can do with a parse result, so nothing lazily read
/// (labels, exemplars, printing) escapes the no-panic property.
fn exercise(text: &str, format: Format) {
    let lines = text.split('\n').count();
    for entry in Parser::new(text, format) {
        match entry {
            Ok(nines_expo::Entry::Sample(s)) => {
                let _ = s.labels.iter().count();
                let _ = s.label("le");
                let _ = s.to_string();
                if let Some(e) = &s.exemplar {
                    let _ = e.labels.iter().count();
                }
            }
            Ok(_) => {}
            Err(e) => {
                assert!(e.line >= 1 && e.line <= lines + 1, "{e}");
                assert!(e.column >= 1, "{e}");
            }
        }
    }
}

fn legacy_name() -> impl Strategy<Value = String> {
    "[a-zA-Z_:][a-zA-Z0-9_:]{0,12}"
}

fn legacy_label() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,8}"
}

/// Strings heavy in what needs escaping.
fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z\"\\\\\n\r\t é✓{},=#'`.]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        (0u32..10_000).prop_map(f64::from),
        (0u32..10_000).prop_map(|n| f64::from(n) / 1000.0),
    ]
}

fn sample() -> impl Strategy<Value = Owned> {
    (
        prop_oneof![
            legacy_name(),
            tricky().prop_filter("non-empty", |s| !s.is_empty())
        ],
        prop::collection::vec(
            (
                prop_oneof![
                    legacy_label(),
                    tricky().prop_filter("non-empty", |s| !s.is_empty())
                ],
                tricky(),
            ),
            0..5,
        ),
        value(),
        prop::option::of(any::<i64>()),
    )
        .prop_map(|(name, labels, value, timestamp_ms)| Owned {
            name,
            labels,
            value,
            timestamp_ms,
        })
}

/// A selector string's quoted form in one of PromQL's three quote styles.
fn quote(s: &str, style: u8) -> String {
    match style % 3 {
        0 if !s.contains('`') => format!("`{s}`"),
        1 => format!(
            "'{}'",
            s.replace('\\', "\\\\")
                .replace('\'', "\\'")
                .replace('\n', "\\n")
        ),
        _ => format!(
            "\"{}\"",
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        ),
    }
}

const OPS: [&str; 4] = ["=", "!=", "=~", "!~"];

fn regex_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "5..", "2..|3..", ".+", "(?i)get", "[0-9]+", r"\d{3}", "é+", "a.b"
            ][..]
        )
        .prop_map(str::to_string),
        tricky().prop_map(|s| regex::escape(&s)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_parser_never_panics(text in any_text()) {
        exercise(&text, Format::Text);
        exercise(&text, Format::OpenMetrics);
    }

    #[test]
    fn the_selector_parser_never_panics(text in any_text()) {
        if let Ok(s) = Selector::parse(&text) {
            let printed = s.to_string();
            let again = Selector::parse(&printed);
            prop_assert_eq!(again.as_ref(), Ok(&s), "{}", printed);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn rendered_samples_parse_back_the_same(batch in prop::collection::vec(sample(), 1..8)) {
        let mut text = String::new();
        for s in &batch {
            write_sample(&mut text, &s.name, s.labels.iter().map(|(k, v)| (k, v)), s.value, s.timestamp_ms).unwrap();
            text.push('\n');
        }
        let parsed = samples(&text, Format::Text);
        prop_assert_eq!(&parsed, &batch, "{}", text);

        // And rendering what was parsed gives the same text again.
        let mut again = Vec::new();
        nines_expo::parse(&text, Format::Text, |s| again.push(s)).unwrap();
        prop_assert_eq!(render(&again), text);
    }

    #[test]
    fn selector_display_round_trips(
        name in prop::option::of(prop_oneof![legacy_name(), tricky().prop_filter("non-empty", |s| !s.is_empty())]),
        matchers in prop::collection::vec(
            (prop_oneof![legacy_label(), tricky()]
                .prop_filter("a label name", |s| !s.is_empty() && s != "__name__"),
             0usize..4, tricky(), regex_value(), any::<u8>(), any::<u8>()),
            0..4),
        name_style in any::<u8>(),
    ) {
        let mut items = Vec::new();
        let mut input = String::new();
        match &name {
            Some(n) if name_style % 2 == 0 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') && !n.starts_with(|c: char| c.is_ascii_digit()) => input.push_str(n),
            Some(n) => items.push(quote(n, name_style)),
            // A selector needs a matcher that rejects the empty string.
            None => items.push("nines_filler_label=~\".+\"".to_string()),
        }
        let mut want = Vec::new();
        for (label, op, plain, re, label_style, value_style) in &matchers {
            let value = if *op >= 2 { re } else { plain };
            let label_text = if label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !label.starts_with(|c: char| c.is_ascii_digit()) && label_style % 2 == 0 {
                label.clone()
            } else {
                quote(label, *label_style)
            };
            items.push(format!("{label_text} {} {}", OPS[*op], quote(value, *value_style)));
            want.push((label.clone(), OPS[*op].to_string(), value.clone()));
        }
        if !items.is_empty() {
            input.push('{');
            input.push_str(&items.join(", "));
            input.push('}');
        }
        let parsed = Selector::parse(&input).map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        prop_assert_eq!(parsed.metric_name(), name.as_deref());
        let got: Vec<_> = parsed.matchers().iter()
            .filter(|m| m.name() != "nines_filler_label")
            .map(|m| (m.name().to_string(), m.op().to_string(), m.value().to_string()))
            .collect();
        prop_assert_eq!(got, want);
        let printed = parsed.to_string();
        let reparsed = Selector::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&reparsed, &parsed);
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    /// Two matching counters and one that is not selected, scraped many
    /// times; between scrapes each either counts up or restarts and counts
    /// a little. Summed increases must equal the events that happened after
    /// the first scrape, whatever the label order of each scrape.
    #[test]
    fn increases_count_every_event_across_resets(
        steps in prop::collection::vec(prop::collection::vec((any::<bool>(), 0u32..1000), 3), 1..30),
    ) {
        let mut increase = SelectorIncrease::new(Selector::parse(r#"requests_total{code=~"2.."}"#).unwrap());
        let series = [("200", "a"), ("204", "b"), ("500", "a")];
        let mut values = [0.0f64; 3];
        let mut events_after_first = 0.0;
        for (scrape, step) in steps.iter().enumerate() {
            for (i, &(reset, n)) in step.iter().enumerate() {
                let n = f64::from(n);
                let events = if reset && values[i] > 0.0 {
                    // A restart is only visible if the new value is lower.
                    let after = n % values[i];
                    values[i] = after;
                    after
                } else {
                    values[i] += n;
                    n
                };
                if scrape > 0 && i < 2 {
                    events_after_first += events;
                }
            }
            let mut body = String::new();
            for (i, (code, path)) in series.iter().enumerate() {
                let labels = if scrape % 2 == 0 { [("code", *code), ("path", *path)] } else { [("path", *path), ("code", *code)] };
                write_sample(&mut body, "requests_total", labels, values[i], None).unwrap();
                body.push('\n');
            }
            let got = increase.scrape(&body, Format::Text).unwrap();
            if scrape == 0 {
                prop_assert_eq!(got, None);
            } else {
                events_after_first -= got.unwrap();
            }
        }
        prop_assert_eq!(events_after_first, 0.0);
    }
}
