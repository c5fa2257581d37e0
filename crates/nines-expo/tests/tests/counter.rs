//! Counter increases scrape over scrape: resets, first sightings, series
//! that come and go, NaN, and the summed increase of a selector.

use nines_expo::{
    Counters, Format, Sample, Selector, SelectorIncrease, SeriesKey, increase, parse,
};

fn key(line: &str) -> SeriesKey {
    let mut key = None;
    parse(line, Format::Text, |s: Sample<'_>| {
        key = Some(SeriesKey::of(&s))
    })
    .unwrap();
    key.unwrap()
}

fn scrape(counters: &mut Counters, values: &[(&str, f64)]) -> Vec<(String, f64)> {
    counters
        .scrape(
            values
                .iter()
                .map(|(series, v)| (key(&format!("{series} 0")), *v)),
        )
        .into_iter()
        .map(|(k, d)| (k.to_string(), d))
        .collect()
}

#[test]
fn increase_handles_resets_like_promql() {
    assert_eq!(increase(10.0, 15.0), Some(5.0));
    assert_eq!(increase(10.0, 10.0), Some(0.0));
    assert_eq!(
        increase(10.0, 3.0),
        Some(3.0),
        "reset: counted from zero again"
    );
    assert_eq!(increase(10.0, 0.0), Some(0.0));
    assert_eq!(increase(f64::NAN, 3.0), None);
    assert_eq!(increase(3.0, f64::NAN), None);
    assert_eq!(increase(3.0, f64::INFINITY), None);
}

#[test]
fn series_keys_ignore_label_order_spelling_and_empty_labels() {
    let k = key(r#"m{b="2",a="1"} 0"#);
    assert_eq!(k.as_str(), r#"m{a="1",b="2"}"#);
    assert_eq!(key(r#"m{ a = "1", b="2", } 7"#), k);
    assert_eq!(key(r#"m{a="1",b="2",c=""} 7"#), k);
    assert_ne!(key(r#"m{a="1",b="3"} 0"#), k);
    assert_eq!(key(r#"m{a="x\"y"} 0"#).to_string(), r#"m{a="x\"y"}"#);
    assert_eq!(
        key(r#"{"my.metric","x.y"="1"} 0"#).as_str(),
        r#"{"my.metric","x.y"="1"}"#
    );
    assert_eq!(key(r#"{"my.metric"} 0"#).as_str(), r#"{"my.metric"}"#);
    assert_eq!(key("m 0").as_str(), "m");
}

#[test]
fn first_sighting_gives_no_increase_then_deltas() {
    let mut c = Counters::new();
    assert_eq!(scrape(&mut c, &[("a", 100.0)]), []);
    assert_eq!(
        scrape(&mut c, &[("a", 130.0), ("b", 5.0)]),
        [("a".into(), 30.0)]
    );
    assert_eq!(
        scrape(&mut c, &[("a", 130.0), ("b", 7.0)]),
        [("a".into(), 0.0), ("b".into(), 2.0)]
    );
    assert_eq!(c.len(), 2);
}

#[test]
fn a_reset_counts_the_new_value() {
    let mut c = Counters::new();
    scrape(&mut c, &[("a", 100.0)]);
    assert_eq!(scrape(&mut c, &[("a", 4.0)]), [("a".into(), 4.0)]);
    assert_eq!(scrape(&mut c, &[("a", 10.0)]), [("a".into(), 6.0)]);
}

#[test]
fn a_series_that_disappears_is_forgotten() {
    let mut c = Counters::new();
    scrape(&mut c, &[("a", 1.0), ("b", 1.0)]);
    scrape(&mut c, &[("a", 2.0)]);
    assert_eq!(c.len(), 1);
    // b comes back: a first sighting again, not an increase from 1.
    assert_eq!(
        scrape(&mut c, &[("a", 3.0), ("b", 50.0)]),
        [("a".into(), 1.0)]
    );
    // An empty scrape forgets everything.
    scrape(&mut c, &[]);
    assert!(c.is_empty());
}

#[test]
fn nan_never_increases_and_keeps_the_last_real_value() {
    let mut c = Counters::new();
    scrape(&mut c, &[("a", 10.0)]);
    assert_eq!(scrape(&mut c, &[("a", f64::NAN)]), []);
    assert_eq!(c.len(), 1, "a NaN series is still there");
    assert_eq!(scrape(&mut c, &[("a", 15.0)]), [("a".into(), 5.0)]);
    // A series first seen as NaN starts counting at its first real value.
    scrape(&mut c, &[("n", f64::NAN)]);
    assert_eq!(scrape(&mut c, &[("n", 3.0)]), []);
    assert_eq!(scrape(&mut c, &[("n", 4.0)]), [("n".into(), 1.0)]);
}

#[test]
fn a_series_listed_twice_counts_once() {
    let mut c = Counters::new();
    scrape(&mut c, &[("a", 10.0)]);
    assert_eq!(
        scrape(&mut c, &[("a", 12.0), ("a", 1.0)]),
        [("a".into(), 2.0)]
    );
    assert_eq!(scrape(&mut c, &[("a", 13.0)]), [("a".into(), 1.0)]);
}

fn body(ok: f64, err: f64, slow: f64) -> String {
    format!(
        "# TYPE http_requests_total counter\n\
         http_requests_total{{code=\"200\",path=\"/\"}} {ok}\n\
         http_requests_total{{code=\"500\",path=\"/\"}} {err}\n\
         # TYPE latency_seconds histogram\n\
         latency_seconds_bucket{{le=\"0.30\"}} {slow}\n\
         # EOF\n"
    )
}

#[test]
fn selector_increase_sums_matching_series_scrape_over_scrape() {
    let mut good =
        SelectorIncrease::new(Selector::parse(r#"http_requests_total{code!~"5.."}"#).unwrap());
    let mut total = SelectorIncrease::new(Selector::parse("http_requests_total").unwrap());
    let mut fast =
        SelectorIncrease::new(Selector::parse(r#"latency_seconds_bucket{le="0.3"}"#).unwrap());
    let om = Format::OpenMetrics;
    for i in [&mut good, &mut total, &mut fast] {
        assert_eq!(
            i.scrape(&body(100.0, 5.0, 80.0), om).unwrap(),
            None,
            "first scrape: no data"
        );
    }
    assert_eq!(
        good.scrape(&body(160.0, 9.0, 130.0), om).unwrap(),
        Some(60.0)
    );
    assert_eq!(
        total.scrape(&body(160.0, 9.0, 130.0), om).unwrap(),
        Some(64.0)
    );
    assert_eq!(
        fast.scrape(&body(160.0, 9.0, 130.0), om).unwrap(),
        Some(50.0)
    );
    // The target restarted: counters start over.
    assert_eq!(good.scrape(&body(20.0, 1.0, 0.0), om).unwrap(), Some(20.0));
    assert_eq!(total.scrape(&body(20.0, 1.0, 0.0), om).unwrap(), Some(21.0));
    // Nothing happened: zero, which is data.
    assert_eq!(good.scrape(&body(20.0, 1.0, 0.0), om).unwrap(), Some(0.0));
    assert_eq!(
        good.selector().to_string(),
        r#"http_requests_total{code!~"5.."}"#
    );
}

#[test]
fn a_broken_scrape_changes_nothing() {
    let mut total = SelectorIncrease::new(Selector::parse("http_requests_total").unwrap());
    let om = Format::OpenMetrics;
    total.scrape(&body(100.0, 5.0, 0.0), om).unwrap();
    let truncated = body(150.0, 6.0, 0.0).replace("# EOF\n", "");
    assert!(total.scrape(&truncated, om).is_err());
    assert_eq!(
        total.scrape(&body(150.0, 6.0, 0.0), om).unwrap(),
        Some(51.0)
    );
}

#[test]
fn no_matching_series_is_no_data() {
    let mut none = SelectorIncrease::new(Selector::parse("absent_total").unwrap());
    let om = Format::OpenMetrics;
    assert_eq!(none.scrape(&body(1.0, 1.0, 1.0), om).unwrap(), None);
    assert_eq!(none.scrape(&body(2.0, 2.0, 2.0), om).unwrap(), None);
}

#[test]
fn one_parse_can_serve_good_and_total() {
    let om = Format::OpenMetrics;
    let mut good =
        SelectorIncrease::new(Selector::parse(r#"http_requests_total{code!~"5.."}"#).unwrap());
    let mut total = SelectorIncrease::new(Selector::parse("http_requests_total").unwrap());
    let mut by_text = SelectorIncrease::new(Selector::parse("http_requests_total").unwrap());
    let scrapes = [
        ((100.0, 5.0), None, None),
        ((160.0, 9.0), Some(60.0), Some(64.0)),
        ((20.0, 1.0), Some(20.0), Some(21.0)),
    ];
    for ((ok, err), want_good, want_total) in scrapes {
        let text = body(ok, err, 0.0);
        let mut samples = Vec::new();
        parse(&text, om, |s| samples.push(s)).unwrap();
        assert_eq!(good.observe(&samples), want_good);
        assert_eq!(total.observe(&samples), want_total);
        assert_eq!(by_text.scrape(&text, om).unwrap(), want_total);
    }
    assert_eq!(
        total.observe(&[]),
        None,
        "no samples: no data, and everything forgotten"
    );
}
