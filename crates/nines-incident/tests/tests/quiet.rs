//! Staying quiet: silences, recurring maintenance windows across DST in
//! Europe/Berlin and America/New_York, and inhibition.

use jiff::SignedDuration;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use nines_incident::{Inhibit, MaintenanceWindow, Scope, Silence, parse_matchers};

use crate::util::{labels, ts};

// === silences ===

fn silence(matchers: &str) -> Silence {
    Silence {
        id: "s-1".into(),
        matchers: parse_matchers(matchers).unwrap(),
        starts_at: ts("2026-03-01T12:00:00Z"),
        ends_at: ts("2026-03-01T14:00:00Z"),
        created_by: "ana".into(),
        comment: "db migration".into(),
    }
}

#[test]
fn silences_match_within_their_time() {
    let s = silence(r#"service="db", severity=~"warning|info""#);
    let warning = labels(&[("service", "db"), ("severity", "warning")]);
    let critical = labels(&[("service", "db"), ("severity", "critical")]);
    assert!(!s.is_silenced(&warning, ts("2026-03-01T11:59:59Z")));
    assert!(s.is_silenced(&warning, ts("2026-03-01T12:00:00Z")));
    assert!(s.is_silenced(&warning, ts("2026-03-01T13:59:59Z")));
    assert!(
        !s.is_silenced(&warning, ts("2026-03-01T14:00:00Z")),
        "ends_at is excluded"
    );
    assert!(!s.is_silenced(&critical, ts("2026-03-01T13:00:00Z")));
    // No matchers silences nothing.
    assert!(!silence("").is_silenced(&warning, ts("2026-03-01T13:00:00Z")));
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json["matchers"],
        serde_json::json!([r#"service="db""#, r#"severity=~"warning|info""#])
    );
}

// === maintenance windows ===

fn window(zone: &str, days: &[Weekday], start: &str, minutes: i64) -> MaintenanceWindow {
    MaintenanceWindow::new(
        "nightly",
        Scope::Services(vec!["checkout".into()]),
        TimeZone::get(zone).unwrap(),
        days.to_vec(),
        start.parse::<Time>().unwrap(),
        SignedDuration::from_mins(minutes),
    )
    .unwrap()
}

/// Asserts the window is active exactly on `[from, to)`, checked at the
/// edges.
fn active_exactly(w: &MaintenanceWindow, from: &str, to: &str) {
    let (from, to) = (ts(from), ts(to));
    let second = SignedDuration::from_secs(1);
    assert!(!w.active_at(from - second), "active before {from}");
    assert!(w.active_at(from), "inactive at {from}");
    assert!(w.active_at(to - second), "inactive before {to}");
    assert!(!w.active_at(to), "active at {to}");
}

#[test]
fn berlin_sunday_window_on_an_ordinary_day() {
    let w = window("Europe/Berlin", &[Weekday::Sunday], "02:30", 120);
    // 2026-03-22 is a Sunday in CET (UTC+1).
    active_exactly(&w, "2026-03-22T01:30:00Z", "2026-03-22T03:30:00Z");
    assert!(!w.active_at(ts("2026-03-23T01:30:00Z")), "Monday");
    assert_eq!(
        w.next_start(ts("2026-03-16T00:00:00Z")),
        Some(ts("2026-03-22T01:30:00Z"))
    );
}

#[test]
fn berlin_spring_forward_start_in_the_gap() {
    // 2026-03-29: 02:00 CET becomes 03:00 CEST, so 02:30 does not exist.
    // The window starts at the change (03:00 CEST = 01:00Z) and lasts two
    // elapsed hours.
    let w = window("Europe/Berlin", &[Weekday::Sunday], "02:30", 120);
    active_exactly(&w, "2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z");
    assert_eq!(
        w.next_start(ts("2026-03-28T12:00:00Z")),
        Some(ts("2026-03-29T01:00:00Z"))
    );
    assert_eq!(
        w.next_start(ts("2026-03-29T01:00:00Z")),
        Some(ts("2026-04-05T00:30:00Z")),
        "strictly after; next Sunday is in CEST"
    );
}

#[test]
fn berlin_window_across_the_change_is_elapsed_time() {
    // From 01:30 CET for two hours: to 04:30 CEST, one wall-clock hour
    // having been skipped.
    let w = window("Europe/Berlin", &[Weekday::Sunday], "01:30", 120);
    active_exactly(&w, "2026-03-29T00:30:00Z", "2026-03-29T02:30:00Z");
}

#[test]
fn berlin_fall_back_start_in_the_fold() {
    // 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice;
    // the window starts at the first (CEST, 00:30Z).
    let w = window("Europe/Berlin", &[Weekday::Sunday], "02:30", 60);
    active_exactly(&w, "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z");
    assert!(!w.active_at(ts("2026-10-25T01:45:00Z")), "the second 02:45");
}

#[test]
fn new_york_daily_windows_across_both_changes() {
    // 2026-03-08: 02:00 EST becomes 03:00 EDT; 02:15 is in the gap.
    let w = window("America/New_York", &[], "02:15", 30);
    active_exactly(&w, "2026-03-07T07:15:00Z", "2026-03-07T07:45:00Z"); // EST
    active_exactly(&w, "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"); // the change
    active_exactly(&w, "2026-03-09T06:15:00Z", "2026-03-09T06:45:00Z"); // EDT

    // 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    let w = window("America/New_York", &[], "01:30", 60);
    active_exactly(&w, "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z");
    assert!(!w.active_at(ts("2026-11-01T06:45:00Z")), "the second 01:45");
    active_exactly(&w, "2026-11-02T06:30:00Z", "2026-11-02T07:30:00Z"); // EST
}

#[test]
fn windows_past_midnight_and_their_days() {
    // Fridays 22:00 for six hours: still on early Saturday.
    let w = window("America/New_York", &[Weekday::Friday], "22:00", 360);
    // 2026-03-06 is a Friday (EST, UTC-5): 03:00Z Saturday to 09:00Z.
    active_exactly(&w, "2026-03-07T03:00:00Z", "2026-03-07T09:00:00Z");
    assert!(!w.active_at(ts("2026-03-08T04:00:00Z")), "Saturday night");
}

#[test]
fn scope_and_validation() {
    let w = window("Europe/Berlin", &[], "00:00", 60);
    let l = labels(&[("alertname", "Down")]);
    assert!(w.applies_to(&l, Some("checkout")));
    assert!(!w.applies_to(&l, Some("payments")));
    assert!(!w.applies_to(&l, None));
    assert!(w.covers(&l, Some("checkout"), ts("2026-03-01T23:30:00Z")));
    assert!(!w.covers(&l, Some("checkout"), ts("2026-03-01T12:00:00Z")));

    let by_labels = MaintenanceWindow {
        scope: Scope::Matchers(parse_matchers(r#"cluster="eu-1""#).unwrap()),
        ..w.clone()
    };
    assert!(by_labels.applies_to(&labels(&[("cluster", "eu-1")]), None));
    assert!(!by_labels.applies_to(&l, Some("checkout")));

    for minutes in [0, -5, 7 * 24 * 60 + 1] {
        let err = MaintenanceWindow::new(
            "bad",
            Scope::Services(vec![]),
            TimeZone::UTC,
            vec![],
            Time::midnight(),
            SignedDuration::from_mins(minutes),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"maintenance window "bad": duration must be more than 0 and at most 7 days"#
        );
    }
}

// === inhibition ===

fn inhibit(source: &str, target: &str, equal: &[&str]) -> Inhibit {
    Inhibit {
        source_matchers: parse_matchers(source).unwrap(),
        target_matchers: parse_matchers(target).unwrap(),
        equal: equal.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn critical_inhibits_warning_of_the_same_alertname() {
    // Alertmanager's documented example rule.
    let rule = inhibit(
        r#"severity="critical""#,
        r#"severity="warning""#,
        &["alertname"],
    );
    let warning = labels(&[("alertname", "HighLatency"), ("severity", "warning")]);
    let critical = labels(&[("alertname", "HighLatency"), ("severity", "critical")]);
    let other = labels(&[("alertname", "DiskFull"), ("severity", "critical")]);
    assert!(rule.inhibited(&warning, [&critical]));
    assert!(!rule.inhibited(&warning, [&other]));
    assert!(!rule.inhibited(&warning, []));
    assert!(!rule.inhibited(&critical, [&critical]), "not a target");
    assert!(rule.inhibited(&warning, vec![&other, &critical]));
}

#[test]
fn equal_labels_missing_on_both_sides_are_equal() {
    let rule = inhibit(
        r#"alertname="DatacenterDown""#,
        r#"severity="warning""#,
        &["dc"],
    );
    let source = labels(&[("alertname", "DatacenterDown")]);
    let target = labels(&[("severity", "warning")]);
    assert!(rule.inhibited(&target, [&source]));
    let source_eu = labels(&[("alertname", "DatacenterDown"), ("dc", "eu")]);
    assert!(!rule.inhibited(&target, [&source_eu]));
    let target_eu = labels(&[("severity", "warning"), ("dc", "eu")]);
    assert!(rule.inhibited(&target_eu, [&source_eu]));
    // Empty and missing read the same, as in Alertmanager.
    let target_empty = labels(&[("severity", "warning"), ("dc", "")]);
    assert!(rule.inhibited(&target_empty, [&source]));
}

#[test]
fn alerts_matching_both_sides_do_not_inhibit_each_other() {
    let rule = inhibit(r#"team="db""#, r#"team="db""#, &[]);
    let a = labels(&[("team", "db"), ("alertname", "A")]);
    let b = labels(&[("team", "db"), ("alertname", "B")]);
    assert!(!rule.inhibited(&a, [&a]), "not itself");
    assert!(!rule.inhibited(&a, [&b]));

    // A target matching the source side is still inhibited by a source that
    // does not match the target side.
    let rule = inhibit("a=1", "b=1", &[]);
    let target = labels(&[("a", "1"), ("b", "1")]);
    assert!(rule.inhibited(&target, [&labels(&[("a", "1")])]));
    assert!(!rule.inhibited(&target, [&target]));
}
