//! Series selectors: the forms PromQL allows, their canonical printing,
//! what they match, and the errors a config author sees.

use nines_expo::{Format, MatchOp, Sample, Selector, parse};

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The selector's matches among the lines of a text-format body, by line.
fn matching(selector: &str, body: &str) -> Vec<String> {
    let selector = sel(selector);
    let mut out = Vec::new();
    parse(body, Format::Text, |s: Sample<'_>| {
        if selector.matches(&s) {
            out.push(s.to_string());
        }
    })
    .unwrap();
    out
}

#[test]
fn parses_names_matchers_and_all_four_ops() {
    let s = sel(r#"http_requests_total{a="x", b!="y", c=~"5..", d!~"2.."}"#);
    assert_eq!(s.metric_name(), Some("http_requests_total"));
    let m: Vec<_> = s
        .matchers()
        .iter()
        .map(|m| (m.name(), m.op(), m.value()))
        .collect();
    assert_eq!(
        m,
        [
            ("a", MatchOp::Equal, "x"),
            ("b", MatchOp::NotEqual, "y"),
            ("c", MatchOp::Regex, "5.."),
            ("d", MatchOp::NotRegex, "2..")
        ]
    );
}

#[test]
fn canonical_display() {
    for (input, canonical) in [
        ("up", "up"),
        ("  up  ", "up"),
        ("up{}", "up"),
        (
            r#"http_requests_total{ a = "x" , b!="y",c=~"5..",d!~'2..', }"#,
            r#"http_requests_total{a="x",b!="y",c=~"5..",d!~"2.."}"#,
        ),
        (r#"{__name__="x"}"#, r#"{__name__="x"}"#),
        (r#"{a="x"}"#, r#"{a="x"}"#),
        (
            r#"{"my.metric", "label.x"="v"}"#,
            r#"{"my.metric","label.x"="v"}"#,
        ),
        (r#"{"plain_name"}"#, "plain_name"),
        (
            r#"{"label.x"="v", "my.metric"}"#,
            r#"{"my.metric","label.x"="v"}"#,
        ),
        ("job:rate5m{a='x'}", r#"job:rate5m{a="x"}"#),
        (r#"m{a=`C:\dir`}"#, r#"m{a="C:\\dir"}"#),
        (r#"m{a='say "hi"'}"#, r#"m{a="say \"hi\""}"#),
        (
            r#"m{a="tab\there\nnl\x41\101\u00e9\U0001F600"}"#,
            r#"m{a="tab\there\nnlAAé😀"}"#,
        ),
        ("m{a=\"\\a\"}", "m{a=\"\\u0007\"}"),
    ] {
        let s = sel(input);
        assert_eq!(s.to_string(), canonical, "{input}");
        assert_eq!(sel(canonical), s, "canonical form of {input} parses back");
    }
}

#[test]
fn quotes_unescape_like_promql() {
    let value = |s: &str| sel(s).matchers()[0].value().to_string();
    assert_eq!(value(r#"m{a="a\"b"}"#), "a\"b");
    assert_eq!(value(r"m{a='a\'b'}"), "a'b");
    assert_eq!(value(r"m{a=`a\n`}"), "a\\n", "backticks are raw");
    assert_eq!(value("m{a=`two\nlines`}"), "two\nlines");
    assert_eq!(value(r#"m{a="\\d+"}"#), "\\d+");
}

#[test]
fn regexes_are_fully_anchored() {
    let body = "r{code=\"200\"} 1\nr{code=\"500\"} 1\nr{code=\"5000\"} 1\nr{code=\"1500\"} 1\n";
    assert_eq!(matching(r#"r{code=~"5.."}"#, body), [r#"r{code="500"} 1"#]);
    assert_eq!(
        matching(r#"r{code!~"5.."}"#, body),
        [
            r#"r{code="200"} 1"#,
            r#"r{code="5000"} 1"#,
            r#"r{code="1500"} 1"#
        ]
    );
    // An alternation cannot escape the anchors.
    assert_eq!(
        matching(r#"r{code=~"2..|5.."}"#, body),
        [r#"r{code="200"} 1"#, r#"r{code="500"} 1"#]
    );
    // `.` matches a line feed, as in Prometheus.
    assert_eq!(
        matching(r#"r{v=~"a.b"}"#, "r{v=\"a\\nb\"} 1\n"),
        ["r{v=\"a\\nb\"} 1"]
    );
}

#[test]
fn re2_features_people_use() {
    let body = "r{path=\"/API/users\"} 1\nr{path=\"/health\"} 1\nr{path=\"/ärger\"} 1\n";
    assert_eq!(
        matching(r#"r{path=~"(?i)/api/.*"}"#, body),
        [r#"r{path="/API/users"} 1"#]
    );
    assert_eq!(
        matching(r#"r{path=~"/\\pL+"}"#, body),
        [r#"r{path="/health"} 1"#, r#"r{path="/ärger"} 1"#]
    );
}

#[test]
fn missing_labels_are_empty() {
    let body = "m{a=\"x\"} 1\nm 2\nm{a=\"\"} 3\n";
    assert_eq!(matching(r#"m{a=""}"#, body), ["m 2", r#"m{a=""} 3"#]);
    assert_eq!(matching(r#"m{a!=""}"#, body), [r#"m{a="x"} 1"#]);
    assert_eq!(matching(r#"m{b!="y"}"#, body).len(), 3);
    assert_eq!(matching(r#"m{a=~"x|"}"#, body).len(), 3);
}

#[test]
fn name_matching_by_name_quoted_name_and_name_label() {
    let body = "a 1\nb 2\n{\"c.d\"} 3\n";
    assert_eq!(matching("a", body), ["a 1"]);
    assert_eq!(matching(r#"{__name__="b"}"#, body), ["b 2"]);
    assert_eq!(matching(r#"{__name__=~"a|b"}"#, body), ["a 1", "b 2"]);
    assert_eq!(
        matching(r#"{__name__!="a", __name__=~".+"}"#, body),
        ["b 2", r#"{"c.d"} 3"#]
    );
    // Like PromQL, a selector that would match everything is refused.
    assert!(Selector::parse(r#"{__name__!="a"}"#).is_err());
    assert_eq!(matching(r#"{"c.d"}"#, body), [r#"{"c.d"} 3"#]);
}

#[test]
fn le_and_quantile_compare_numerically_for_equality() {
    let body = "h_bucket{le=\"0.30\"} 1\nh_bucket{le=\"Inf\"} 2\nh_bucket{le=\"1.0\"} 3\ns{quantile=\"0.50\"} 4\nx{other=\"0.30\"} 5\n";
    assert_eq!(
        matching(r#"h_bucket{le="0.3"}"#, body),
        [r#"h_bucket{le="0.30"} 1"#]
    );
    assert_eq!(
        matching(r#"h_bucket{le="+Inf"}"#, body),
        [r#"h_bucket{le="Inf"} 2"#]
    );
    assert_eq!(
        matching(r#"h_bucket{le="1"}"#, body),
        [r#"h_bucket{le="1.0"} 3"#]
    );
    assert_eq!(
        matching(r#"h_bucket{le!="1"}"#, body),
        [r#"h_bucket{le="0.30"} 1"#, r#"h_bucket{le="Inf"} 2"#]
    );
    assert_eq!(
        matching(r#"s{quantile="0.5"}"#, body),
        [r#"s{quantile="0.50"} 4"#]
    );
    // Other labels compare as strings; regexes always do.
    assert!(matching(r#"x{other="0.3"}"#, body).is_empty());
    assert!(matching(r#"h_bucket{le=~"0.3"}"#, body).is_empty());
}

#[test]
fn sum_adds_the_matching_samples_of_one_payload() {
    let body = "# TYPE http_requests_total counter\n\
        http_requests_total{code=\"200\"} 90\n\
        http_requests_total{code=\"503\"} 7\n\
        http_requests_total{code=\"500\"} 3\n\
        other_total 1000\n";
    let sum = |s: &str| sel(s).sum(body, Format::Text).unwrap();
    assert_eq!(sum(r#"http_requests_total{code!~"5.."}"#), Some(90.0));
    assert_eq!(sum("http_requests_total"), Some(100.0));
    assert_eq!(
        sum(r#"http_requests_total{code="404"}"#),
        None,
        "no data is not zero"
    );
    let mut parsed = Vec::new();
    parse(body, Format::Text, |s| parsed.push(s)).unwrap();
    assert_eq!(
        sel(r#"http_requests_total{code=~"5.."}"#).sum_samples(&parsed),
        Some(10.0)
    );
    assert_eq!(sel("absent").sum_samples(&parsed), None);
    assert_eq!(
        sel("x")
            .sum("bad line", Format::Text)
            .unwrap_err()
            .to_string(),
        "line 1, column 5: invalid value \"line\""
    );
}

#[test]
fn errors_point_at_the_column() {
    let cases = [
        (
            r#"m{code 200}"#,
            "column 8: expected '=', '!=', '=~' or '!~' after label name \"code\", found '2'",
        ),
        (
            r#"m{a="x""#,
            "column 8: expected ',' or '}', found end of input",
        ),
        (r#"m{a="x}"#, "column 5: unterminated quoted string"),
        (
            r#"m{a=x}"#,
            "column 5: expected quoted value for label \"a\", found 'x'",
        ),
        (
            r#"m{a=~"("}"#,
            "column 6: invalid regular expression \"(\": unclosed group",
        ),
        (
            r#"m{a=~"a)|(b"}"#,
            "column 6: invalid regular expression \"a)|(b\": unopened group",
        ),
        (r#"m{a="\q"}"#, "column 6: unknown escape sequence \"\\q\""),
        (r#"m{a="\x4"}"#, "column 6: expected 2 digits after \"\\x\""),
        (
            r#"m{a="\xff"}"#,
            "column 6: escape \"\\xff\" is not a valid character",
        ),
        (
            r#"m{a="\uD800"}"#,
            "column 6: escape \"\\uD800\" is not a valid character",
        ),
        (r#"m{a='x"}"#, "column 5: unterminated quoted string"),
        ("m{a=\"x\ny\"}", "column 5: unterminated quoted string"),
        (
            r#"{}"#,
            "column 1: a selector needs a metric name or a matcher that does not match the empty string",
        ),
        (
            r#"{a=""}"#,
            "column 1: a selector needs a metric name or a matcher that does not match the empty string",
        ),
        (
            r#"{a=~".*"}"#,
            "column 1: a selector needs a metric name or a matcher that does not match the empty string",
        ),
        (
            "",
            "column 1: expected metric name or '{', found end of input",
        ),
        ("5xx", "column 1: expected metric name or '{', found '5'"),
        (
            r#"rate(m[5m])"#,
            "column 5: expected end of selector, found '('",
        ),
        (r#"m[5m]"#, "column 2: expected end of selector, found '['"),
        (
            r#"m offset 5m"#,
            "column 3: expected end of selector, found 'o'",
        ),
        (r#"m{__name__="n"}"#, "column 3: metric name set twice"),
        (r#"m{"n"}"#, "column 3: metric name set twice"),
        (r#"{"a", "b"}"#, "column 7: metric name set twice"),
        (r#"{__name__="a", "b"}"#, "column 16: metric name set twice"),
        (r#"{"a", __name__="b"}"#, "column 7: metric name set twice"),
        (r#"{""}"#, "column 2: empty metric name"),
        (r#"{""="x"}"#, "column 2: empty label name"),
        (
            r#"m{a.b="x"}"#,
            "column 4: expected '=', '!=', '=~' or '!~' after label name \"a\", found '.'",
        ),
        (r#"m{,}"#, "column 3: expected label name or '}', found ','"),
        (
            r#"m{ä="x"}"#,
            "column 3: expected label name or '}', found 'ä'",
        ),
        (
            r#"ä{a="x"} "#,
            "column 1: expected metric name or '{', found 'ä'",
        ),
        (
            r#"m{a="ü", b=~"["}"#,
            "column 13: invalid regular expression \"[\": unclosed character class",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(input, want)| {
            let got = match Selector::parse(input) {
                Ok(s) => format!("parsed as {s}"),
                Err(e) => e.to_string(),
            };
            (got != *want).then(|| format!("{input:?}\n   got: {got}\n  want: {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn from_str_is_parse() {
    let s: Selector = "up{job=\"a\"}".parse().unwrap();
    assert_eq!(s, sel("up{job='a'}"));
    assert_ne!(s, sel("up{job!='a'}"));
}

#[test]
fn errors_draw_a_caret_under_the_column() {
    let e = Selector::parse(r#"m{code 200}"#).unwrap_err();
    assert_eq!(
        format!("{e:#}"),
        "m{code 200}\n       ^ expected '=', '!=', '=~' or '!~' after label name \"code\", found '2'"
    );
    let e = Selector::parse("m{code=~\"[\"}").unwrap_err();
    assert_eq!(
        e.render(),
        "m{code=~\"[\"}\n        ^ invalid regular expression \"[\": unclosed character class"
    );
}
