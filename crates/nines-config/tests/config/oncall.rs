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

const ESCALATION: &str = r#"users:
  ana:
    email: ana@example.com
    slack: "@ana"
    timezone: Europe/Berlin
    notify: [slack, { email: 5m }]
    working_hours: { days: [mon..fri], from: "09:00", to: "18:00" }
    quiet_hours: { from: "22:00", to: "07:00" }
  bo: { email: bo@example.com, webhook: "http://127.0.0.1:9/bo" }
  lead: { slack: "@lead", notify: [{ slack: now }, { slack: 10m }] }
schedules:
  payments-primary:
    layers:
      - { rotation: weekly, users: [ana, bo] }
channels:
  slack-payments:
    slack: ${SLACK_PAYMENTS_URL}
escalations:
  payments-oncall:
    steps:
      - { notify: [schedule:payments-primary], after: 0m }
      - notify: [user:lead, next:payments-primary, channel:slack-payments]
        after: 15m
        round_robin: true
    repeat: 2
teams:
  payments:
    members: [ana, bo]
    schedules: [payments-primary]
    escalation: payments-oncall
services:
  checkout:
    owner: payments
  cart:
    escalation: payments-oncall
  search:
    owner: search
"#;

#[test]
fn escalations_teams_and_contact_rules_build_the_model() {
    use jiff::SignedDuration;
    use jiff::civil::{Time, Weekday};
    use nines_oncall::{ContactKind, Target};

    let config = parse(ESCALATION);
    let p = &config.escalations["payments-oncall"];
    assert_eq!(p.steps.len(), 2);
    assert_eq!(
        p.steps[0].targets,
        [Target::Schedule("payments-primary".into())]
    );
    assert_eq!(p.steps[0].after, SignedDuration::ZERO);
    assert!(!p.steps[0].round_robin);
    assert_eq!(
        p.steps[1].targets,
        [
            Target::User("lead".into()),
            Target::NextOnCall("payments-primary".into()),
            Target::Channel("slack-payments".into()),
        ]
    );
    assert_eq!(p.steps[1].after, SignedDuration::from_mins(15));
    assert!(p.steps[1].round_robin);
    assert_eq!(p.repeat, 2);
    // Default repeat_after: the longest gap between steps.
    assert_eq!(p.repeat_after, SignedDuration::from_mins(15));

    let team = &config.teams["payments"];
    assert_eq!(team.members, ["ana", "bo"]);
    assert_eq!(team.schedules, ["payments-primary"]);
    assert_eq!(team.escalation.as_deref(), Some("payments-oncall"));
    assert_eq!(
        config.services["cart"].escalation.as_deref(),
        Some("payments-oncall")
    );
    // checkout names none: its owner team's applies; search's owner is no team.
    assert_eq!(config.services["checkout"].escalation, None);
    assert_eq!(
        config.escalation_for("checkout").map(|p| p.name.as_str()),
        Some("payments-oncall")
    );
    assert_eq!(
        config.escalation_for("cart").map(|p| p.name.as_str()),
        Some("payments-oncall")
    );
    assert!(config.escalation_for("search").is_none());

    let rules = |user: &str| -> Vec<(ContactKind, String, i64)> {
        config.users[user]
            .notify
            .iter()
            .map(|r| (r.method.kind, r.method.address.clone(), r.after.as_mins()))
            .collect()
    };
    assert_eq!(
        rules("ana"),
        [
            (ContactKind::Slack, "@ana".to_string(), 0),
            (ContactKind::Email, "ana@example.com".to_string(), 5),
        ]
    );
    // Without `notify`: every method, at once.
    assert_eq!(
        rules("bo"),
        [
            (ContactKind::Email, "bo@example.com".to_string(), 0),
            (ContactKind::Webhook, "http://127.0.0.1:9/bo".to_string(), 0),
        ]
    );
    assert_eq!(
        rules("lead"),
        [
            (ContactKind::Slack, "@lead".to_string(), 0),
            (ContactKind::Slack, "@lead".to_string(), 10),
        ]
    );
    let ana = &config.users["ana"];
    let work = ana.working_hours.as_ref().unwrap();
    assert_eq!(
        work.days,
        [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday
        ]
    );
    assert_eq!(
        (work.start, work.end),
        (Time::constant(9, 0, 0, 0), Time::constant(18, 0, 0, 0))
    );
    let quiet = ana.quiet_hours.as_ref().unwrap();
    assert!(quiet.days.is_empty());
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    // 2026-03-02 is a Monday; 23:30 Berlin is 22:30Z.
    assert!(quiet.contains(ts("2026-03-02T22:30:00Z"), &berlin));
    assert!(!work.contains(ts("2026-03-02T22:30:00Z"), &berlin));
    assert!(work.contains(ts("2026-03-02T08:00:00Z"), &berlin));
    assert!(config.users["bo"].working_hours.is_none());
}

#[test]
fn weekday_ranges_wrap_and_full_names_are_accepted() {
    let config = parse(
        "users:\n  ana:\n    working_hours: { days: [sat..mon, Wednesday, wed], from: \"10:00\", to: \"12:00\" }\n",
    );
    use jiff::civil::Weekday::*;
    assert_eq!(
        config.users["ana"].working_hours.as_ref().unwrap().days,
        [Saturday, Sunday, Monday, Wednesday]
    );
}

fn assert_errors(text: &str, want: &[&str]) {
    let err = crate::errors(text);
    for w in want {
        assert!(err.contains(w), "{err}\nwant: {w}");
    }
    assert_eq!(err.lines().count(), want.len(), "{err}");
}

#[test]
fn unknown_names_are_reported_with_file_line_and_a_suggestion() {
    let bad = ESCALATION
        .replace(
            "[schedule:payments-primary], after",
            "[schedule:payments-primery], after",
        )
        .replace("user:lead,", "user:leed,")
        .replace("channel:slack-payments]", "channel:slack-payment]")
        .replace("members: [ana, bo]", "members: [ana, bob]")
        .replace("schedules: [payments-primary]", "schedules: [billing]")
        .replace(
            "    escalation: payments-oncall\nservices",
            "    escalation: payments\nservices",
        )
        .replace(
            "  cart:\n    escalation: payments-oncall",
            "  cart:\n    escalation: payments-on-call",
        );
    assert_errors(
        &bad,
        &[
            "nines.yaml:21: escalations.payments-oncall.steps[0].notify[0]: unknown schedule `payments-primery`; did you mean `payments-primary`?",
            "nines.yaml:22: escalations.payments-oncall.steps[1].notify[0]: unknown user `leed`; did you mean `lead`?",
            "nines.yaml:22: escalations.payments-oncall.steps[1].notify[2]: unknown channel `slack-payment`; did you mean `slack-payments`?",
            "nines.yaml:28: teams.payments.members[1]: unknown user `bob`; did you mean `bo`?",
            "nines.yaml:29: teams.payments.schedules[0]: unknown schedule `billing`; define it under `schedules:`",
            "nines.yaml:30: teams.payments.escalation: unknown escalation `payments`; did you mean `payments-oncall`?",
            "nines.yaml:35: services.cart.escalation: unknown escalation `payments-on-call`; did you mean `payments-oncall`?",
        ],
    );
}

#[test]
fn escalation_mistakes_name_the_field_and_the_fix() {
    assert_errors(
        r#"escalations:
  a:
    steps:
      - { notify: [sched:x, "user:", ops], after: 0m }
      - { notify: [] }
      - { notify: [user:x], after: soon, round_robin: yes }
    repeat: 21
  b:
    steps: []
  c:
    steps:
      - { notify: [user:x] }
    repeat: 1
  d:
    steps:
      - { notify: [user:x] }
    repeat: 1
    repeat_after: 5m
    repeet: 2
users:
  x: {}
"#,
        &[
            "nines.yaml:4: escalations.a.steps[0].notify[0]: `sched` is not a kind of target; did you mean `schedule`?",
            "nines.yaml:4: escalations.a.steps[0].notify[1]: `user:` names no user; write `user:NAME`, `schedule:NAME`, `next:NAME` (who comes on call after the current people) or `channel:NAME`",
            "nines.yaml:4: escalations.a.steps[0].notify[2]: `ops` is not a target; write `user:NAME`",
            "nines.yaml:5: escalations.a.steps[1].notify: a step needs at least one target",
            "nines.yaml:5: escalations.a.steps[1]: missing required key `after`: how long after the previous step this one pages, such as `15m`",
            "nines.yaml:6: escalations.a.steps[2].after:",
            "nines.yaml:6: escalations.a.steps[2].round_robin: `yes` is not `true` or `false`",
            "nines.yaml:7: escalations.a.repeat: `21` is more than 20 repeats",
            "nines.yaml:9: escalations.b.steps: a policy needs at least one step",
            "nines.yaml:13: escalations.c.repeat: every pass would page at the same moment; give `repeat_after`, such as `30m`",
            "nines.yaml:19: escalations.d: unknown key `repeet`; did you mean `repeat`?",
        ],
    );
}

#[test]
fn contact_mistakes_name_the_field_and_the_fix() {
    assert_errors(
        r#"users:
  ana:
    slack: "@ana"
    webhook: example.com/hook
  bo:
    slack: "@bo"
    notify: [{ email: 5m }, { slak: now }, { slack: later }, slack, slack, [slack]]
  chen:
    notify: []
    working_hours: { days: [mon..fry], from: "9am", to: "18:00" }
    quiet_hours: { from: "22:00" }
"#,
        &[
            "nines.yaml:4: users.ana.webhook: `example.com/hook` is not a URL: add the scheme, `http://example.com/hook` or `https://example.com/hook`",
            "nines.yaml:7: users.bo.notify[0]: the user has no `email`; add `email:` to `users.bo`",
            "nines.yaml:7: users.bo.notify[1]: `slak` is not one of `slack`, `email` or `webhook`; did you mean `slack`?",
            "nines.yaml:7: users.bo.notify[2]:",
            "nines.yaml:7: users.bo.notify[4]: `slack` is already given at that delay",
            "nines.yaml:7: users.bo.notify[5]: expected a method (`slack`, `email` or `webhook`) or `{ method: delay }` such as `{ email: 5m }`, found a sequence",
            "nines.yaml:9: users.chen.notify: give at least one rule, or leave `notify` out to be notified by every method at once",
            "nines.yaml:10: users.chen.working_hours.days[0]: `mon..fry` is not a weekday (`mon` … `sun`) or a range (`mon..fri`)",
            "nines.yaml:10: users.chen.working_hours.from: `9am` is not a time of day such as 09:00",
            "nines.yaml:11: users.chen.quiet_hours: missing required key `to`",
        ],
    );
}

#[test]
fn escalations_and_teams_are_defined_once_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "a.yaml",
        "escalations:\n  p:\n    steps: [{ notify: [\"schedule:s\"] }]\nteams:\n  t: { escalation: p }\n",
    );
    write(
        "b.yaml",
        "users:\n  ana: {}\nschedules:\n  s: { layers: [{ rotation: daily, users: [ana] }] }\nescalations:\n  p:\n    steps: [{ notify: [user:ana] }]\nteams:\n  t: {}\n",
    );
    let err = Config::load(dir.path()).unwrap_err().to_string();
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    assert_eq!(
        err,
        format!(
            "{b}:6: escalations.p: escalation `p` is already defined at {a}:2\n\
             {b}:9: teams.t: team `t` is already defined at {a}:5",
            a = a.display(),
            b = b.display()
        )
    );
    // Without the duplicates, names resolve across files.
    write(
        "b.yaml",
        "users:\n  ana: {}\nschedules:\n  s: { layers: [{ rotation: daily, users: [ana] }] }\n",
    );
    let config = Config::load(dir.path()).unwrap();
    assert_eq!(config.teams["t"].escalation.as_deref(), Some("p"));
}
