//! Properties over generated inputs: the matcher parser and the PagerDuty
//! validator never panic; the retry schedule is monotone, capped and
//! stops at the horizon; maintenance windows agree with a brute-force
//! minute scan of the wall clock.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use nines_incident::pagerduty::{parse_change_event, parse_event};
use nines_incident::{Backoff, MaintenanceWindow, MatchOp, Matcher, Scope, parse_matchers};
use proptest::prelude::*;
use serde_json::{Map, Value};

// === matchers ===

proptest! {
    #[test]
    fn matcher_parser_never_panics(input in "\\PC{0,40}") {
        for result in [Matcher::parse(&input).map(|_| ()), parse_matchers(&input).map(|_| ())] {
            if let Err(e) = result {
                prop_assert!(e.column >= 1 && e.column <= input.chars().count() + 1, "{e}");
                let _ = e.render();
            }
        }
    }

    #[test]
    fn matcher_parser_never_panics_on_near_misses(
        input in "[a-z_\"=!~{},. \\\\|()*+?\\[\\]é]{0,30}"
    ) {
        let _ = Matcher::parse(&input);
        let _ = parse_matchers(&input);
    }

    #[test]
    fn printed_matchers_parse_back(
        name in "[a-zA-Z_][a-zA-Z0-9_]{0,8}|[^\"\\\\]{1,8}",
        op in prop::sample::select(vec![MatchOp::Equal, MatchOp::NotEqual, MatchOp::Regex, MatchOp::NotRegex]),
        value in "[a-z0-9 \"\\\\\n\t.é-]{0,12}",
    ) {
        // Regex ops need a valid regex; escape the value to get one.
        let value = match op {
            MatchOp::Regex | MatchOp::NotRegex => regex::escape(&value),
            _ => value,
        };
        let matcher = Matcher::new(&name, op, &value).unwrap();
        let printed = matcher.to_string();
        prop_assert_eq!(Matcher::parse(&printed).unwrap(), matcher.clone(), "{}", printed);
        let list = format!("{{{printed}, {printed}}}");
        prop_assert_eq!(parse_matchers(&list).unwrap(), vec![matcher.clone(), matcher]);
    }
}

// === PagerDuty ===

/// JSON values, nested a little.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::from),
        prop::sample::select(vec![
            "trigger",
            "acknowledge",
            "resolve",
            "critical",
            "info",
            "",
            " "
        ])
        .prop_map(Value::from),
        "[a-f0-9]{32}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Mostly the field names PagerDuty knows, so validation goes deep.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "routing_key",
            "event_action",
            "dedup_key",
            "payload",
            "summary",
            "source",
            "severity",
            "timestamp",
            "component",
            "group",
            "class",
            "custom_details",
            "links",
            "images",
            "href",
            "text",
            "src",
            "alt",
            "client",
            "client_url",
        ])
        .prop_map(String::from),
        "\\PC{0,6}",
    ]
}

proptest! {
    #[test]
    fn pagerduty_validation_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_event(&body, || "k".into());
        let _ = parse_change_event(&body);
    }

    #[test]
    fn pagerduty_validation_never_panics_on_json(value in json()) {
        let body = value.to_string();
        match parse_event(body.as_bytes(), || "generated".into()) {
            Ok(event) => {
                prop_assert_eq!(event.routing_key.expose().chars().count(), 32);
                prop_assert!(!event.dedup_key.is_empty());
            }
            Err(rejection) => {
                prop_assert!(!rejection.errors.is_empty());
                let parsed: Value = serde_json::from_str(&rejection.body()).unwrap();
                prop_assert_eq!(&parsed["errors"].as_array().unwrap().len(), &rejection.errors.len());
            }
        }
        let _ = parse_change_event(body.as_bytes());
    }
}

// === retries ===

fn backoff() -> impl Strategy<Value = Backoff> {
    (1i64..120, 1i64..3600, 1i64..172_800).prop_map(|(base, cap, horizon)| Backoff {
        base: SignedDuration::from_secs(base),
        cap: SignedDuration::from_secs(cap),
        horizon: SignedDuration::from_secs(horizon),
    })
}

proptest! {
    #[test]
    fn ceilings_are_monotone_and_capped(b in backoff(), retry in 0u32..80) {
        prop_assert!(b.ceiling(retry) <= b.ceiling(retry + 1));
        prop_assert!(b.ceiling(retry) <= b.cap);
        prop_assert!(b.ceiling(retry) > SignedDuration::ZERO);
    }

    #[test]
    fn jittered_delays_stay_under_the_ceiling(b in backoff(), retry in 0u32..80, jitter in any::<f64>()) {
        let delay = b.delay(retry, jitter);
        prop_assert!(delay >= SignedDuration::ZERO && delay <= b.ceiling(retry));
    }

    #[test]
    fn schedules_stop_at_the_horizon(
        b in backoff(),
        jitters in prop::collection::vec(0.0f64..=1.0, 1..64),
        retry_after in prop::option::of(0i64..600),
    ) {
        let first = Timestamp::from_second(1_767_225_600).unwrap();
        let deadline = first + b.horizon;
        let retry_after = retry_after.map(SignedDuration::from_secs);
        let mut now = first;
        for (retry, jitter) in jitters.iter().enumerate() {
            let retry = u32::try_from(retry).unwrap();
            let expected = now + b.delay(retry, *jitter).max(retry_after.unwrap_or_default());
            match b.next_attempt(retry, first, now, retry_after, *jitter) {
                Some(next) => {
                    prop_assert_eq!(next, expected);
                    prop_assert!(next <= deadline);
                    now = next;
                }
                None => {
                    prop_assert!(expected > deadline);
                    break;
                }
            }
        }
    }
}

// === maintenance windows ===

fn weekdays() -> impl Strategy<Value = Vec<Weekday>> {
    prop::collection::vec(
        prop::sample::select(vec![
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ]),
        0..4,
    )
}

/// A window and an instant to scan from, two days before one of its
/// zone's 2026 DST changes, give or take a day.
fn window_and_scan() -> impl Strategy<Value = (MaintenanceWindow, Timestamp)> {
    (
        // Zones with gaps and folds at different times and of different
        // sizes; none whose gap crosses midnight (the scan below assumes a
        // start stays on its local date).
        prop::sample::select(vec![
            ("America/New_York", "2026-03-08T07:00:00Z"),
            ("America/New_York", "2026-11-01T06:00:00Z"),
            ("Europe/Berlin", "2026-03-29T01:00:00Z"),
            ("Europe/Berlin", "2026-10-25T01:00:00Z"),
            ("Australia/Lord_Howe", "2026-04-04T15:00:00Z"),
            ("Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
            ("Asia/Kolkata", "2026-03-29T01:00:00Z"),
            ("UTC", "2026-03-29T01:00:00Z"),
        ]),
        -24i64..24,
        prop_oneof![Just(vec![]), weekdays()],
        // Often in the small hours, where the changes are.
        prop_oneof![Just(2i8), Just(1), Just(3), 0i8..24],
        prop::sample::select(vec![0i8, 15, 30, 45, 59]),
        1i64..3000,
    )
        .prop_map(|((zone, change), hours, days, hour, minute, minutes)| {
            let window = MaintenanceWindow {
                name: "w".into(),
                scope: Scope::Services(vec![]),
                timezone: TimeZone::get(zone).unwrap(),
                days,
                start: Time::new(hour, minute, 0, 0).unwrap(),
                duration: SignedDuration::from_mins(minutes),
            };
            let change: Timestamp = change.parse().unwrap();
            let from = change - SignedDuration::from_hours(48) + SignedDuration::from_hours(hours);
            (window, from)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Brute force from the definition: on each allowed local date the
    /// window starts at the first minute whose wall-clock time is at or
    /// past the start time (the change itself in a gap, the first pass in
    /// a fold), and lasts `duration`.
    #[test]
    fn active_at_agrees_with_a_minute_scan((w, from) in window_and_scan()) {
        let minute = SignedDuration::from_mins(1);
        let lead = SignedDuration::from_hours(24 * 9);
        let scan = 4 * 24 * 60;
        let mut starts = Vec::new();
        let mut started_on = None;
        let mut m = from - lead;
        while m < from + SignedDuration::from_mins(scan) {
            let local = m.to_zoned(w.timezone.clone());
            let date = local.date();
            let allowed = w.days.is_empty() || w.days.contains(&date.weekday());
            if allowed && local.time() >= w.start && started_on != Some(date) {
                starts.push(m);
                started_on = Some(date);
            }
            m += minute;
        }
        for i in 0..scan {
            let m = from + SignedDuration::from_mins(i);
            let brute = starts.iter().any(|s| *s <= m && m < *s + w.duration);
            prop_assert_eq!(w.active_at(m), brute, "at {} ({})", m, m.to_zoned(w.timezone.clone()));
        }
        for s in starts.iter().filter(|s| **s > from) {
            let before = *s - minute;
            let expected = starts.iter().find(|x| **x > before).copied();
            prop_assert_eq!(w.next_start(before), expected);
        }
    }
}
