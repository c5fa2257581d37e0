use std::collections::BTreeMap;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::*;
use crate::rotation::{Layer, Restriction, Turn};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

fn pos(pass: u32, step: usize) -> Position {
    Position { pass, step }
}

fn step(targets: Vec<Target>, after: i64) -> Step {
    Step {
        targets,
        after: mins(after),
        round_robin: false,
    }
}

/// DESIGN.md's policy: the schedule at once, the lead 15 minutes later;
/// three passes, 30 minutes apart.
fn payments() -> EscalationPolicy {
    EscalationPolicy {
        name: "payments-oncall".into(),
        steps: vec![
            step(vec![Target::Schedule("primary".into())], 0),
            step(vec![Target::User("lead".into())], 15),
        ],
        repeat: 2,
        repeat_after: mins(30),
        page_tickets: false,
    }
}

const START: &str = "2026-03-01T10:00:00Z";

fn times(
    policy: &EscalationPolicy,
    fired: Option<Position>,
    now: &str,
) -> Vec<(u32, usize, String)> {
    policy
        .due(ts(START), fired, ts(now))
        .iter()
        .map(|d| (d.position.pass, d.position.step, d.at.to_string()))
        .collect()
}

fn row(pass: u32, step: usize, at: &str) -> (u32, usize, String) {
    (pass, step, at.to_string())
}

#[test]
fn after_is_the_delay_after_the_previous_step() {
    let p = payments();
    let all: Vec<(u32, usize, String)> = p
        .timeline(ts(START), None)
        .map(|d| (d.position.pass, d.position.step, d.at.to_string()))
        .collect();
    // Pass period: 15m to the last step + 30m repeat_after.
    assert_eq!(
        all,
        [
            row(0, 0, "2026-03-01T10:00:00Z"),
            row(0, 1, "2026-03-01T10:15:00Z"),
            row(1, 0, "2026-03-01T10:45:00Z"),
            row(1, 1, "2026-03-01T11:00:00Z"),
            row(2, 0, "2026-03-01T11:30:00Z"),
            row(2, 1, "2026-03-01T11:45:00Z"),
        ]
    );
    assert_eq!(p.offset(pos(2, 1)), Some(mins(105)));
    assert_eq!(p.offset(pos(3, 0)), None, "past the last pass");
    assert_eq!(p.offset(pos(0, 2)), None, "past the last step");
}

#[test]
fn due_fires_each_step_once_and_resumes_after_the_stored_position() {
    let p = payments();
    assert_eq!(times(&p, None, START), [row(0, 0, START)]);
    // Just before step 2 nothing new is due.
    assert!(times(&p, Some(pos(0, 0)), "2026-03-01T10:14:59Z").is_empty());
    assert_eq!(
        p.next_due(ts(START), Some(pos(0, 0))),
        Some(ts("2026-03-01T10:15:00Z"))
    );
    assert_eq!(
        times(&p, Some(pos(0, 0)), "2026-03-01T10:15:00Z"),
        [row(0, 1, "2026-03-01T10:15:00Z")]
    );
}

#[test]
fn a_daemon_down_across_several_steps_fires_each_missed_step_once_in_order() {
    let p = payments();
    // Down from just after the first page until 11:10.
    assert_eq!(
        times(&p, Some(pos(0, 0)), "2026-03-01T11:10:00Z"),
        [
            row(0, 1, "2026-03-01T10:15:00Z"),
            row(1, 0, "2026-03-01T10:45:00Z"),
            row(1, 1, "2026-03-01T11:00:00Z"),
        ]
    );
    // Later steps keep their own times: lateness does not push them back.
    assert_eq!(
        p.next_due(ts(START), Some(pos(1, 1))),
        Some(ts("2026-03-01T11:30:00Z"))
    );
}

#[test]
fn nothing_fires_after_the_last_pass() {
    let p = payments();
    assert!(times(&p, Some(pos(2, 1)), "2030-01-01T00:00:00Z").is_empty());
    assert_eq!(p.next_due(ts(START), Some(pos(2, 1))), None);
    assert_eq!(p.next_position(Some(pos(2, 1))), None);
    let empty = EscalationPolicy {
        steps: vec![],
        ..payments()
    };
    assert_eq!(empty.next_due(ts(START), None), None);
    assert!(
        empty
            .due(ts(START), None, ts("2030-01-01T00:00:00Z"))
            .is_empty()
    );
}

#[test]
fn a_position_past_a_shortened_policy_ends_its_pass() {
    let p = payments();
    assert_eq!(p.next_position(Some(pos(0, 7))), Some(pos(1, 0)));
}

#[test]
fn negative_delays_count_as_zero() {
    let mut p = payments();
    p.steps[1].after = mins(-10);
    p.repeat_after = mins(-1);
    let at: Vec<Timestamp> = p.timeline(ts(START), None).map(|d| d.at).collect();
    assert!(at.iter().all(|t| *t == ts(START)), "{at:?}");
}

#[test]
fn escalate_now_restarts_the_clock_at_the_next_step() {
    let p = payments();
    let now = ts("2026-03-01T10:03:00Z");
    let start = p.restart_for(pos(0, 1), now).unwrap();
    assert_eq!(start, ts("2026-03-01T09:48:00Z"));
    let due = p.due(start, Some(pos(0, 0)), now);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].position, pos(0, 1));
    assert_eq!(
        p.next_due(start, Some(pos(0, 1))),
        Some(ts("2026-03-01T10:33:00Z"))
    );
}

/// ana, bo, chen take daily turns from 2026-01-01 09:00 UTC.
fn primary() -> Schedule {
    Schedule {
        name: "primary".into(),
        tz: TimeZone::UTC,
        layers: vec![Layer {
            name: "layer-1".into(),
            users: vec!["ana".into(), "bo".into(), "chen".into()],
            turn: Turn::Days(1),
            anchor: DateTime::constant(2026, 1, 1, 9, 0, 0, 0),
            at_once: 1,
            restrictions: vec![],
        }],
        overrides: vec![],
    }
}

/// dee, on call on Mondays 09:00-17:00 only: a gap otherwise.
fn office() -> Schedule {
    let mut s = primary();
    s.name = "office".into();
    s.layers[0].users = vec!["dee".into()];
    s.layers[0].restrictions = vec![Restriction {
        days: vec![jiff::civil::Weekday::Monday],
        start: jiff::civil::Time::constant(9, 0, 0, 0),
        end: jiff::civil::Time::constant(17, 0, 0, 0),
    }];
    s
}

fn schedules() -> BTreeMap<String, Schedule> {
    [primary(), office()]
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect()
}

#[test]
fn recipients_resolve_schedules_next_people_users_and_channels_once_each() {
    let map = schedules();
    let s = Step {
        targets: vec![
            Target::Schedule("primary".into()),
            Target::NextOnCall("primary".into()),
            Target::User("lead".into()),
            Target::User("ana".into()),
            Target::Channel("slack-payments".into()),
            Target::Channel("slack-payments".into()),
            Target::Schedule("office".into()),
            Target::NextOnCall("missing".into()),
        ],
        after: mins(0),
        round_robin: false,
    };
    // 2026-01-01 09:00 ana's turn; then bo. A Thursday: office has nobody.
    let r = s.recipients(ts("2026-01-01T12:00:00Z"), |n| map.get(n), 0);
    assert_eq!(r.users, ["ana", "bo", "lead"]);
    assert_eq!(r.channels, ["slack-payments"]);
    assert_eq!(r.unstaffed, ["office", "missing"]);
    // On Monday 2026-01-05 10:00 (bo's turn, then chen's) office has dee.
    let r = s.recipients(ts("2026-01-05T10:00:00Z"), |n| map.get(n), 0);
    assert_eq!(r.users, ["bo", "chen", "lead", "ana", "dee"]);
    assert_eq!(r.unstaffed, ["missing"]);
}

#[test]
fn round_robin_takes_turns_by_incident_and_pass() {
    let map = schedules();
    let mut p = payments();
    p.steps[1] = Step {
        targets: vec![
            Target::User("lead".into()),
            Target::User("cto".into()),
            Target::Schedule("primary".into()),
            Target::Channel("slack-payments".into()),
        ],
        after: mins(15),
        round_robin: true,
    };
    let at = ts("2026-01-01T12:00:00Z");
    let pick = |pass, seq| {
        let r = p.recipients(pos(pass, 1), at, |n| map.get(n), seq);
        assert_eq!(r.channels, ["slack-payments"], "channels always");
        r.users
    };
    assert_eq!(pick(0, 0), ["lead"]);
    assert_eq!(pick(0, 1), ["cto"]);
    assert_eq!(pick(0, 2), ["ana"]);
    assert_eq!(pick(0, 3), ["lead"]);
    assert_eq!(pick(1, 0), ["cto"], "the next pass, the next person");
    assert_eq!(pick(0, u64::MAX), ["lead"]);
    // Outside the policy: nobody.
    assert_eq!(
        p.recipients(pos(0, 9), at, |n| map.get(n), 0),
        Recipients::default()
    );
}
