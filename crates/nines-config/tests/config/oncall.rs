//! `users:` and `schedules:`: on-call schedules from config, and their
//! errors with file:line.

use jiff::Timestamp;
use nines_config::Config;

use crate::parse;

const ONCALL: &str = r#"users:
  ana: { email: ana@example.com, slack: "@ana", timezone: Europe/Berlin }
  bo: { email: bo@example.com }
  chen: {}
schedules:
  payments-primary:
    timezone: Europe/Berlin
    layers:
      - rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-01
        users: [ana, bo, chen]
      - name: business-hours
        rotation: daily
        handoff: "09:00"
        users: [chen]
        restrictions:
          - { days: [sat, sun], from: "10:00", to: "14:00" }
    overrides:
      - { user: bo, from: "2026-12-24T18:00:00Z", to: "2026-12-26T08:00:00Z" }
"#;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn a_schedule_from_config_answers_who_is_on_call() {
    let config = parse(ONCALL);
    assert_eq!(config.users["ana"].slack.as_deref(), Some("@ana"));
    let s = &config.schedules["payments-primary"];
    // The weekly rotation starts on the first Monday on or after 2026-01-01,
    // 2026-01-05, at 09:00 Berlin (08:00Z).
    assert_eq!(s.on_call(ts("2026-01-05T07:59:59Z")).users, ["chen"]);
    assert_eq!(s.on_call(ts("2026-01-05T08:00:00Z")).users, ["ana"]);
    assert_eq!(s.on_call(ts("2026-01-12T08:00:00Z")).users, ["bo"]);
    // Weekends 10:00-14:00 the higher layer has chen.
    assert_eq!(s.on_call(ts("2026-01-10T10:00:00Z")).users, ["chen"]);
    assert_eq!(
        s.on_call(ts("2026-12-25T12:00:00Z")).users,
        ["bo"],
        "override"
    );
}

#[test]
fn schedule_errors_name_file_line_and_field() {
    let bad = ONCALL
        .replace("users: [ana, bo, chen]", "users: [ana, boo, chen]")
        .replace("\"monday 09:00\"", "\"mon 9\"")
        .replace("rotation: daily", "rotation: hourly")
        .replace(
            "to: \"2026-12-26T08:00:00Z\"",
            "to: \"2026-12-20T08:00:00Z\"",
        );
    let err = Config::parse("nines.yaml", &bad).unwrap_err().to_string();
    for want in [
        "nines.yaml:10: schedules.payments-primary.layers[0].handoff: `mon 9` is not a handoff such as `09:00` or `monday 09:00`",
        "nines.yaml:14: schedules.payments-primary.layers[1].rotation: `hourly` is not `daily`, `weekly` or a turn length of at least 1h",
        "nines.yaml:20: schedules.payments-primary.overrides[0]: `to` must be after `from`",
    ] {
        assert!(err.contains(want), "{err}\nwant: {want}");
    }
    let unknown = ONCALL.replace("users: [ana, bo, chen]", "users: [ana, boo, chen]");
    let err = Config::parse("nines.yaml", &unknown)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nines.yaml:12: schedules.payments-primary.layers[0].users[1]: unknown user `boo`; did you mean `bo`?"), "{err}");
}
