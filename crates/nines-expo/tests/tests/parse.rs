//! The exposition parser, one syntax feature at a time, and the errors a
//! person sees for bad input.

use std::borrow::Cow;

use crate::util::{Owned, error, s, samples};
use nines_expo::{Entry, Format, MetricType, ParseError, Parser, parse};

const TEXT: Format = Format::Text;
const OM: Format = Format::OpenMetrics;

fn entries(text: &str, format: Format) -> Vec<Entry<'_>> {
    Parser::new(text, format)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn format_from_content_type() {
    for (header, format) in [
        (
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            OM,
        ),
        ("application/openmetrics-text", OM),
        ("Application/OpenMetrics-Text;version=0.0.1", OM),
        ("text/plain; version=0.0.4; charset=utf-8", TEXT),
        ("text/plain", TEXT),
        ("application/json", TEXT),
        ("", TEXT),
    ] {
        assert_eq!(Format::from_content_type(header), format, "{header}");
    }
}

#[test]
fn simplest_samples_with_and_without_final_newline() {
    assert_eq!(samples("up 1", TEXT), vec![s("up", &[], 1.0)]);
    assert_eq!(samples("up 1\n", TEXT), vec![s("up", &[], 1.0)]);
    assert_eq!(samples("", TEXT), vec![]);
}

#[test]
fn blank_lines_comments_and_whitespace_the_text_format_allows() {
    let text = "\n\n  # a comment\n#another\n#\n \t\nfoo\t \t2   \n   bar{a=\"b\"}\t3 \r\nbaz { a = \"x\" , b=\"y\" , } 4\n\n";
    assert_eq!(
        samples(text, TEXT),
        vec![
            s("foo", &[], 2.0),
            s("bar", &[("a", "b")], 3.0),
            s("baz", &[("a", "x"), ("b", "y")], 4.0),
        ]
    );
}

#[test]
fn crlf_line_ends() {
    let text = "# HELP up Up.\r\n# TYPE up gauge\r\nup{job=\"a\"} 1 1700000000000\r\n";
    assert_eq!(
        entries(text, TEXT),
        vec![
            Entry::Help {
                name: "up".into(),
                text: "Up.".into()
            },
            Entry::Type {
                name: "up".into(),
                metric_type: MetricType::Gauge
            },
            Entry::Sample(parse_one("up{job=\"a\"} 1 1700000000000")),
        ]
    );
}

fn parse_one(line: &str) -> nines_expo::Sample<'_> {
    let mut out = None;
    parse(line, TEXT, |s| out = Some(s)).unwrap();
    out.unwrap()
}

#[test]
fn label_sets_trailing_comma_empty_braces_and_no_space_before_value() {
    assert_eq!(
        samples("a{x=\"1\",} 1\nb{} 2\nc{x=\"1\"}3\nd{ } 4\n", TEXT),
        vec![
            s("a", &[("x", "1")], 1.0),
            s("b", &[], 2.0),
            s("c", &[("x", "1")], 3.0),
            s("d", &[], 4.0),
        ]
    );
}

#[test]
fn label_value_escapes_are_unescaped_and_unknown_ones_kept() {
    let text = r#"m{a="back\\slash",b="say \"hi\"",c="two\nlines",d="tab\t",e="é ✓"} 1"#;
    assert_eq!(
        samples(text, TEXT),
        vec![s(
            "m",
            &[
                ("a", "back\\slash"),
                ("b", "say \"hi\""),
                ("c", "two\nlines"),
                // Prometheus keeps unknown sequences as written.
                ("d", "tab\\t"),
                ("e", "é ✓"),
            ],
            1.0
        )]
    );
}

#[test]
fn values_borrow_from_the_input_unless_escaped() {
    let sample = parse_one(r#"m{plain="abc",esc="a\"b"} 1"#);
    let labels: Vec<_> = sample.labels.iter().collect();
    assert!(matches!(labels[0].1, Cow::Borrowed("abc")));
    assert!(matches!(&labels[1].1, Cow::Owned(v) if v == "a\"b"));
    assert!(matches!(sample.name, Cow::Borrowed("m")));
}

#[test]
fn labels_len_get_and_order() {
    let sample = parse_one(r#"m{b="2", a="1", c=""} 1"#);
    assert_eq!(sample.labels.len(), 3);
    assert_eq!(sample.label("a").as_deref(), Some("1"));
    assert_eq!(sample.label("c").as_deref(), Some(""));
    assert_eq!(sample.label("z"), None);
    let names: Vec<_> = sample.labels.iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["b", "a", "c"]);
    assert!(parse_one("m 1").labels.is_empty());
}

#[test]
fn special_values_and_exponents() {
    let text = "a NaN\nb +Inf\nc -Inf\nd Inf\ne 1e3\nf 1.5E-3\ng -2.5e+2\nh .5\ni -0\nj 1.7955125271167364e+09\nk 123456789012345678901\nl 0.1\nm 3.\n";
    let got: Vec<f64> = samples(text, TEXT).iter().map(|s| s.value).collect();
    assert!(got[0].is_nan());
    assert_eq!(
        got[1..],
        [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            1000.0,
            0.0015,
            -250.0,
            0.5,
            -0.0,
            1_795_512_527.116_736_4,
            1.234_567_890_123_456_8e20,
            0.1,
            3.0,
        ]
    );
    assert!(got[8].is_sign_negative(), "-0 keeps its sign");
}

#[test]
fn text_timestamps_are_integer_milliseconds() {
    let got = samples("a 1 1700000000123\nb 2 -5\n", TEXT);
    assert_eq!(got[0].timestamp_ms, Some(1_700_000_000_123));
    assert_eq!(got[1].timestamp_ms, Some(-5));
}

#[test]
fn openmetrics_timestamps_are_float_seconds_normalised_to_milliseconds() {
    let text = "a 1 1700000000.123\nb 2 1.6e9\nc 3 1700000000\n# EOF\n";
    let got: Vec<_> = samples(text, OM).iter().map(|s| s.timestamp_ms).collect();
    assert_eq!(
        got,
        [
            Some(1_700_000_000_123),
            Some(1_600_000_000_000),
            Some(1_700_000_000_000)
        ]
    );
}

#[test]
fn openmetrics_exemplars() {
    let text = "# TYPE foo histogram\n\
        foo_bucket{le=\"0.5\"} 3 # {trace_id=\"abc\"} 0.4 1.6e9\n\
        foo_bucket{le=\"+Inf\"} 4 1700000000 # {trace_id=\"d\\\"ef\",span_id=\"1\"} 2\n\
        foo_count 4\n\
        # EOF\n";
    let mut got = Vec::new();
    parse(text, OM, |s| got.push(s)).unwrap();
    let e = got[0].exemplar.as_ref().unwrap();
    assert_eq!(e.labels.get("trace_id").as_deref(), Some("abc"));
    assert_eq!(e.value, 0.4);
    assert_eq!(e.timestamp_ms, Some(1_600_000_000_000));
    assert_eq!(got[0].value, 3.0);
    assert_eq!(got[0].timestamp_ms, None);

    let e = got[1].exemplar.as_ref().unwrap();
    assert_eq!(got[1].timestamp_ms, Some(1_700_000_000_000));
    assert_eq!(e.labels.get("trace_id").as_deref(), Some("d\"ef"));
    assert_eq!(e.labels.get("span_id").as_deref(), Some("1"));
    assert_eq!(e.timestamp_ms, None);
    assert_eq!(got[2].exemplar, None);
}

#[test]
fn openmetrics_requires_eof_last() {
    assert_eq!(samples("a 1\n# EOF\n", OM), vec![s("a", &[], 1.0)]);
    assert_eq!(samples("a 1\n# EOF", OM), vec![s("a", &[], 1.0)]);
    assert_eq!(samples("# EOF\n", OM), vec![]);
    assert_eq!(
        error("a 1\n", OM),
        "line 2, column 1: expected \"# EOF\" as the last line, which OpenMetrics requires, found end of input"
    );
    assert_eq!(
        error("", OM),
        "line 1, column 1: expected \"# EOF\" as the last line, which OpenMetrics requires, found end of input"
    );
    assert_eq!(
        error("a 1\n# EOF\nb 2\n", OM),
        "line 3, column 1: unexpected content after \"# EOF\""
    );
    assert_eq!(
        error("a 1\n# EOF\n\n", OM),
        "line 3, column 1: unexpected content after \"# EOF\""
    );
}

#[test]
fn text_format_eof_is_optional_and_just_a_comment() {
    assert_eq!(samples("a 1\n", TEXT), vec![s("a", &[], 1.0)]);
    assert_eq!(
        samples("a 1\n# EOF\nb 2\n", TEXT),
        vec![s("a", &[], 1.0), s("b", &[], 2.0)]
    );
}

#[test]
fn metadata_lines_and_help_escapes() {
    let text = "# HELP http_requests_total Requests \\\\ served,\\nby code \"x\".\n\
                # TYPE http_requests_total counter\n\
                # UNIT http_request_seconds seconds\n\
                # HELP empty\n\
                #HELP nospace Still help.\n\
                # TYPE u untyped\n\
                # some other comment\n";
    assert_eq!(
        entries(text, TEXT),
        vec![
            Entry::Help {
                name: "http_requests_total".into(),
                text: "Requests \\ served,\nby code \"x\".".into()
            },
            Entry::Type {
                name: "http_requests_total".into(),
                metric_type: MetricType::Counter
            },
            Entry::Unit {
                name: "http_request_seconds".into(),
                unit: "seconds"
            },
            Entry::Help {
                name: "empty".into(),
                text: "".into()
            },
            Entry::Help {
                name: "nospace".into(),
                text: "Still help.".into()
            },
            Entry::Type {
                name: "u".into(),
                metric_type: MetricType::Unknown
            },
        ]
    );
    // OpenMetrics also escapes quotes in HELP; the text format does not.
    let om = "# HELP a A \\\"quoted\\\" word.\n# TYPE a info\n# TYPE b stateset\n# TYPE c gaugehistogram\n# TYPE d unknown\n# EOF\n";
    assert_eq!(
        entries(om, OM),
        vec![
            Entry::Help {
                name: "a".into(),
                text: "A \"quoted\" word.".into()
            },
            Entry::Type {
                name: "a".into(),
                metric_type: MetricType::Info
            },
            Entry::Type {
                name: "b".into(),
                metric_type: MetricType::StateSet
            },
            Entry::Type {
                name: "c".into(),
                metric_type: MetricType::GaugeHistogram
            },
            Entry::Type {
                name: "d".into(),
                metric_type: MetricType::Unknown
            },
        ]
    );
    assert_eq!(
        entries("# HELP a A \\\"q\\\".\n", TEXT),
        vec![Entry::Help {
            name: "a".into(),
            text: "A \\\"q\\\".".into()
        }]
    );
}

#[test]
fn histogram_summary_and_counter_series_keep_their_suffixes() {
    let text = "# TYPE rpc_seconds histogram\n\
        rpc_seconds_bucket{le=\"0.1\"} 1\n\
        rpc_seconds_bucket{le=\"+Inf\"} 2\n\
        rpc_seconds_sum 0.3\n\
        rpc_seconds_count 2\n\
        rpc_seconds_created 1.7e9\n\
        # TYPE jobs counter\n\
        jobs_total 5\n\
        jobs_created 1.7e9\n\
        # EOF\n";
    let names: Vec<_> = samples(text, OM).into_iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "rpc_seconds_bucket",
            "rpc_seconds_bucket",
            "rpc_seconds_sum",
            "rpc_seconds_count",
            "rpc_seconds_created",
            "jobs_total",
            "jobs_created"
        ]
    );
}

#[test]
fn prometheus3_quoted_utf8_names() {
    let text = "# HELP \"my.metric\" Dots.\n\
        # TYPE \"my.metric\" gauge\n\
        {\"my.metric\", \"label.x\"=\"v\", plain=\"p\"} 1\n\
        {\"label.x\"=\"v\", \"my.metric\"} 2\n\
        {\"quo\\\"ted\"} 3\n\
        ascii_name{\"ü.label\"=\"ü\"} 4\n";
    let got = samples(text, TEXT);
    assert_eq!(
        got,
        vec![
            s("my.metric", &[("label.x", "v"), ("plain", "p")], 1.0),
            s("my.metric", &[("label.x", "v")], 2.0),
            s("quo\"ted", &[], 3.0),
            s("ascii_name", &[("ü.label", "ü")], 4.0),
        ]
    );
    match &entries(text, TEXT)[..2] {
        [Entry::Help { name, .. }, Entry::Type { name: t, .. }] => {
            assert_eq!(name, "my.metric");
            assert_eq!(t, "my.metric");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicate_label_names_are_kept_and_get_returns_the_first() {
    let sample = parse_one(r#"m{a="1",a="2"} 1"#);
    assert_eq!(sample.labels.len(), 2);
    assert_eq!(sample.label("a").as_deref(), Some("1"));
}

#[test]
fn parse_delivers_samples_up_to_the_error() {
    let mut got = Vec::new();
    let err = parse("a 1\nb 2\nc x\nd 4\n", TEXT, |s| got.push(Owned::from(&s))).unwrap_err();
    assert_eq!(got, vec![s("a", &[], 1.0), s("b", &[], 2.0)]);
    assert_eq!((err.line, err.column), (3, 3));
    assert_eq!(err.message(), "invalid value \"x\"");
}

#[test]
fn the_iterator_ends_after_an_error() {
    let mut parser = Parser::new("a x\nb 1\n", TEXT);
    assert!(matches!(
        parser.next(),
        Some(Err(ParseError { line: 1, .. }))
    ));
    assert!(parser.next().is_none());
}

/// Each bad input and the exact message a person gets.
#[test]
fn errors_name_line_column_and_what_was_expected() {
    let cases: &[(&str, Format, &str)] = &[
        (
            "ok 1\nhttp_requests_total{method=\"GET\", code 200} 1\n",
            TEXT,
            "line 2, column 40: expected '=' after label name \"code\", found '2'",
        ),
        (
            "m{a=b} 1",
            TEXT,
            "line 1, column 5: expected '\"' to start the value of label \"a\", found 'b'",
        ),
        (
            "m{a=\"b} 1\nn 2\n",
            TEXT,
            "line 1, column 10: expected '\"' to end the value of label \"a\", found end of line",
        ),
        (
            "m{a=\"b\" c=\"d\"} 1",
            TEXT,
            "line 1, column 9: expected ',' or '}' after the label value, found 'c'",
        ),
        (
            "m{a=\"b\"",
            TEXT,
            "line 1, column 8: expected ',' or '}' after the label value, found end of input",
        ),
        (
            "m{,} 1",
            TEXT,
            "line 1, column 3: expected label name or '}', found ','",
        ),
        (
            "m{1a=\"x\"} 1",
            TEXT,
            "line 1, column 3: expected label name or '}', found '1'",
        ),
        (
            "m\n",
            TEXT,
            "line 1, column 2: expected value, found end of line",
        ),
        (
            "m{a=\"b\"}",
            TEXT,
            "line 1, column 9: expected value, found end of input",
        ),
        ("m abc", TEXT, "line 1, column 3: invalid value \"abc\""),
        ("m 1_000", TEXT, "line 1, column 3: invalid value \"1_000\""),
        ("m 0x1p3", TEXT, "line 1, column 3: invalid value \"0x1p3\""),
        (
            "http-requests 1",
            TEXT,
            "line 1, column 5: expected ' ' or '{' after metric name \"http\", found '-'",
        ),
        (
            "9lives 1",
            TEXT,
            "line 1, column 1: expected metric name, '{', '#' or end of line, found '9'",
        ),
        (
            "{a=\"b\"} 1",
            TEXT,
            "line 1, column 1: expected a metric name before '{' or quoted inside the braces",
        ),
        ("{\"\"} 1", TEXT, "line 1, column 2: empty metric name"),
        (
            "m{\"\"=\"v\"} 1",
            TEXT,
            "line 1, column 3: empty label name",
        ),
        (
            "m{\"x.y\"} 1",
            TEXT,
            "line 1, column 8: expected '=' after label name \"x.y\", found '}'",
        ),
        (
            "m 1 2 3",
            TEXT,
            "line 1, column 7: expected end of line after the timestamp, found '3'",
        ),
        (
            "m 1 1.5",
            TEXT,
            "line 1, column 5: invalid timestamp \"1.5\": expected integer milliseconds",
        ),
        (
            "m 1 99999999999999999999",
            TEXT,
            "line 1, column 5: invalid timestamp \"99999999999999999999\": expected integer milliseconds",
        ),
        (
            "m_bucket{le=\"1\"} 1 # {trace_id=\"a\"} 1",
            TEXT,
            "line 1, column 20: expected timestamp or end of line (exemplars need OpenMetrics), found '#'",
        ),
        (
            "m 1 NaN\n# EOF\n",
            OM,
            "line 1, column 5: invalid timestamp \"NaN\": expected seconds since the epoch",
        ),
        (
            "m 1 #{a=\"b\"} 1\n# EOF\n",
            OM,
            "line 1, column 6: expected ' {' to start the exemplar's labels after '#', found '{'",
        ),
        (
            "m 1 # {a=\"b\"}\n# EOF\n",
            OM,
            "line 1, column 14: expected value, found end of line",
        ),
        (
            "m 1 # {a=\"b\"} 1 2 3\n# EOF\n",
            OM,
            "line 1, column 19: expected end of line, found '3'",
        ),
        (
            "m 1 # {\"name\"} 1\n# EOF\n",
            OM,
            "line 1, column 14: expected '=' after label name \"name\", found '}'",
        ),
        (
            "# TYPE m countr\n",
            TEXT,
            "line 1, column 10: unknown metric type \"countr\"",
        ),
        (
            "# TYPE m\n",
            TEXT,
            "line 1, column 9: expected metric type after the metric name, found end of line",
        ),
        (
            "# TYPE m counter extra\n",
            TEXT,
            "line 1, column 18: expected end of line, found 'e'",
        ),
        (
            "# HELP\n",
            TEXT,
            "line 1, column 7: expected a space after \"# HELP\", found end of line",
        ),
        (
            "# HELP 9x\n",
            TEXT,
            "line 1, column 8: expected metric name after \"# HELP\", found '9'",
        ),
        (
            "# HELP a-b text\n",
            TEXT,
            "line 1, column 9: expected a space after the metric name, found '-'",
        ),
        (
            "m 1\r2\n",
            TEXT,
            "line 1, column 4: expected timestamp or end of line, found '\\r'",
        ),
        (
            // Columns count characters, not bytes.
            "m{a=\"ééé\"} x\n",
            TEXT,
            "line 1, column 12: invalid value \"x\"",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(input, format, want)| {
            let got = error(input, *format);
            (got != *want).then(|| format!("{input:?}\n   got: {got}\n  want: {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
