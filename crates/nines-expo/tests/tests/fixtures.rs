//! Real expositions, captured from a real Prometheus server
//! (`fixtures/capture_prometheus.sh`) and from Python prometheus_client
//! (`fixtures/gen_client_python.py`): they parse completely, known series
//! have their known values, and they survive a render round trip.

use std::collections::HashMap;

use crate::util::{Owned, fixture, samples};
use nines_expo::{Entry, Format, MetricType, Parser, Sample, Selector, SeriesKey, parse, render};

/// Lines that are samples: not blank, not comments.
fn sample_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count()
}

fn sum(selector: &str, text: &str, format: Format) -> Option<f64> {
    Selector::parse(selector)
        .unwrap()
        .sum(text, format)
        .unwrap()
}

fn round_trips(text: &str, format: Format) {
    let mut parsed = Vec::new();
    parse(text, format, |s| parsed.push(s)).unwrap();
    let rendered = render(&parsed);
    let back = samples(&rendered, Format::Text);
    let want: Vec<Owned> = parsed.iter().map(Owned::from).collect();
    assert_eq!(back, want);
}

// === a real Prometheus ===

#[test]
fn prometheus_serves_text_format_to_both_accept_headers() {
    // Prometheus 2.42's own /metrics does not enable OpenMetrics, so it
    // answered text format when asked for OpenMetrics: the header decides.
    for name in ["prometheus-text", "prometheus-openmetrics"] {
        let content_type = fixture(&format!("{name}.content-type"));
        assert_eq!(Format::from_content_type(content_type.trim()), Format::Text);
        let text = fixture(&format!("{name}.txt"));
        assert_eq!(
            samples(&text, Format::Text).len(),
            sample_lines(&text),
            "{name}"
        );
        round_trips(&text, Format::Text);
    }
}

#[test]
fn prometheus_metadata_parses() {
    let text = fixture("prometheus-text.txt");
    let mut types = HashMap::new();
    let mut helps = 0;
    for entry in Parser::new(&text, Format::Text) {
        match entry.unwrap() {
            Entry::Type { name, metric_type } => {
                types.insert(name.into_owned(), metric_type);
            }
            Entry::Help { .. } => helps += 1,
            _ => {}
        }
    }
    assert_eq!(
        types.len(),
        text.matches("\n# TYPE ").count() + usize::from(text.starts_with("# TYPE "))
    );
    assert_eq!(helps, types.len());
    assert_eq!(types["go_gc_duration_seconds"], MetricType::Summary);
    assert_eq!(
        types["prometheus_http_request_duration_seconds"],
        MetricType::Histogram
    );
    assert_eq!(types["prometheus_http_requests_total"], MetricType::Counter);
}

#[test]
fn prometheus_known_series() {
    let text = fixture("prometheus-text.txt");
    let version = fixture("prometheus.version");
    let mut build_version = None;
    parse(&text, Format::Text, |s| {
        if s.name == "prometheus_build_info" {
            build_version = s.label("version").map(|v| v.into_owned());
        }
    })
    .unwrap();
    let build_version = build_version.unwrap();
    assert!(
        version.contains(&format!("version {build_version} ")),
        "{build_version} vs {version}"
    );
    // The capture script polled /-/ready until it answered 200.
    assert!(
        sum(
            r#"prometheus_http_requests_total{code="200",handler="/-/ready"}"#,
            &text,
            Format::Text
        ) >= Some(1.0)
    );
    assert_eq!(
        sum(
            r#"go_gc_duration_seconds{quantile="0"}"#,
            &text,
            Format::Text
        )
        .map(|v| v >= 0.0),
        Some(true)
    );
}

#[test]
fn prometheus_histograms_inf_bucket_equals_count() {
    let text = fixture("prometheus-text.txt");
    // Series key of the `_count` a `+Inf` bucket belongs to -> both values.
    let mut pairs: HashMap<String, (Option<f64>, Option<f64>)> = HashMap::new();
    let inf = Selector::parse(r#"{__name__=~".+_bucket", le="Inf"}"#).unwrap();
    parse(&text, Format::Text, |s: Sample<'_>| {
        if inf.matches(&s) {
            let count = format!("{}_count", s.name.trim_end_matches("_bucket"));
            let labels: Vec<_> = s.labels.iter().filter(|(k, _)| k != "le").collect();
            let mut line = String::new();
            nines_expo::write_sample(&mut line, &count, labels, 0.0, None).unwrap();
            pairs.entry(series(&line)).or_default().0 = Some(s.value);
        } else if s.name.ends_with("_count") {
            pairs.entry(SeriesKey::of(&s).to_string()).or_default().1 = Some(s.value);
        }
    })
    .unwrap();
    let histograms: Vec<_> = pairs.values().filter(|(b, _)| b.is_some()).collect();
    assert!(histograms.len() >= 5, "{histograms:?}");
    for (bucket, count) in histograms {
        assert_eq!(bucket, count);
    }
}

fn series(line: &str) -> String {
    let mut key = None;
    parse(line, Format::Text, |s| {
        key = Some(SeriesKey::of(&s).to_string())
    })
    .unwrap();
    key.unwrap()
}

// === Python prometheus_client ===

#[test]
fn client_python_parses_fully_in_both_formats_to_the_same_samples() {
    let text = fixture("client_python.txt");
    let om = fixture("client_python.om.txt");
    let mut a = samples(&text, Format::Text);
    let mut b = samples(&om, Format::OpenMetrics);
    assert_eq!(a.len(), sample_lines(&text));
    assert_eq!(b.len(), sample_lines(&om));
    // Same series and values, grouped differently (`_created` series sit
    // with their family in OpenMetrics, apart in the text format).
    let order = |s: &Owned| format!("{}{:?}", s.name, s.labels);
    a.sort_by_key(order);
    b.sort_by_key(order);
    assert_eq!(a, b);
    round_trips(&text, Format::Text);
    round_trips(&om, Format::OpenMetrics);
}

#[test]
fn client_python_label_escapes_and_special_values() {
    for (file, format) in [
        ("client_python.txt", Format::Text),
        ("client_python.om.txt", Format::OpenMetrics),
    ] {
        let text = fixture(file);
        let got = |sel: &str| sum(sel, &text, format);
        assert_eq!(
            got(r#"http_requests_total{path="/say \"hi\""}"#),
            Some(2.0),
            "{file}"
        );
        assert_eq!(
            got(r#"http_requests_total{path="C:\\dir\\file"}"#),
            Some(1.0)
        );
        assert_eq!(got(r#"http_requests_total{path="two\nlines"}"#), Some(0.5));
        assert_eq!(
            got(r#"http_requests_total{code=~"2.."}"#),
            Some(1027.0 + 2.0 + 0.5)
        );
        assert_eq!(
            got(r#"room_temperature_celsius{room="sun"}"#),
            Some(f64::INFINITY)
        );
        assert!(
            got(r#"room_temperature_celsius{room="unknown"}"#)
                .unwrap()
                .is_nan()
        );
        assert_eq!(
            got(r#"room_temperature_celsius{room="freezer"}"#),
            Some(-18.25)
        );
        assert_eq!(got(r#"build_info{version="1.2.3"}"#), Some(1.0));
        assert_eq!(got(r#"task_state{task_state="running"}"#), Some(1.0));
    }
}

#[test]
fn client_python_histogram_buckets_by_numeric_le() {
    for (file, format) in [
        ("client_python.txt", Format::Text),
        ("client_python.om.txt", Format::OpenMetrics),
    ] {
        let text = fixture(file);
        let got = |sel: &str| sum(sel, &text, format);
        let bucket = "http_request_duration_seconds_bucket";
        assert_eq!(
            got(&format!(r#"{bucket}{{handler="/api",le="0.3"}}"#)),
            Some(6.0)
        );
        // The client writes "1.0"; configs write "1".
        assert_eq!(
            got(&format!(r#"{bucket}{{handler="/api",le="1"}}"#)),
            Some(8.0)
        );
        assert_eq!(got(&format!(r#"{bucket}{{le="0.30"}}"#)), Some(7.0));
        assert_eq!(
            got(&format!(r#"{bucket}{{handler="/api",le="+Inf"}}"#)),
            got(r#"http_request_duration_seconds_count{handler="/api"}"#)
        );
        assert_eq!(
            got(r#"http_request_duration_seconds_sum{handler="/api"}"#),
            Some(6.065)
        );
        assert_eq!(got(r#"response_size_bytes_sum"#), Some(2560.0));
    }
}

#[test]
fn client_python_openmetrics_exemplar_and_metadata() {
    let om = fixture("client_python.om.txt");
    let mut exemplars = Vec::new();
    let mut meta = Vec::new();
    for entry in Parser::new(&om, Format::OpenMetrics) {
        match entry.unwrap() {
            Entry::Sample(s) => {
                if let Some(e) = &s.exemplar {
                    exemplars.push((
                        s.label("le").unwrap().into_owned(),
                        e.labels.get("trace_id").unwrap().into_owned(),
                        e.value,
                        e.timestamp_ms,
                    ));
                }
            }
            other => meta.push(format!("{other:?}")),
        }
    }
    // `1795512709.787727` seconds in the fixture (regenerating it changes
    // this), to the nearest millisecond.
    assert_eq!(
        exemplars,
        [(
            "0.3".to_string(),
            "abc4".to_string(),
            0.29,
            Some(1_795_512_709_788)
        )]
    );
    assert!(meta.contains(&r#"Type { name: "build", metric_type: Info }"#.to_string()));
    assert!(meta.contains(&r#"Type { name: "task_state", metric_type: StateSet }"#.to_string()));
    assert!(
        meta.contains(&r#"Unit { name: "room_temperature_celsius", unit: "celsius" }"#.to_string())
    );
    assert!(meta.contains(&"Help { name: \"http_requests\", text: \"HTTP requests served. A \\\"quoted\\\" help with a backslash \\\\ and a\\nnewline.\" }".to_string()), "{meta:#?}");
}
