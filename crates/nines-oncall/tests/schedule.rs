//! Schedules over many random rotations, instants and time zones: every
//! instant has exactly the rotation's person, handoffs happen at the local
//! wall-clock time, overrides win, and shifts tile a range; shift changes
//! are exactly where the people on call change, DST or not.

use jiff::civil::{DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use nines_oncall::{Layer, Origin, Override, Restriction, Schedule, Turn, shift_changes};
use proptest::prelude::*;

const ZONES: [&str; 5] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
];

fn users(n: usize) -> Vec<String> {
    ["ana", "bo", "chen", "dee", "eli"][..n]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn layer_strategy() -> impl Strategy<Value = Layer> {
    (
        1usize..=5,
        prop_oneof![
            Just(Turn::Days(1)),
            Just(Turn::Days(7)),
            (2u32..15).prop_map(Turn::Days),
            (1i64..72).prop_map(|h| Turn::Fixed(SignedDuration::from_hours(h)))
        ],
        0i64..1000,
        0i8..24,
        prop_oneof![Just(0i8), Just(30i8)],
        1usize..=2,
    )
        .prop_map(|(n, turn, day, hour, minute, at_once)| Layer {
            name: "primary".into(),
            users: users(n),
            turn,
            anchor: DateTime::constant(2025, 1, 1, 0, 0, 0, 0)
                .checked_add(jiff::Span::new().days(day))
                .unwrap()
                .with()
                .hour(hour)
                .minute(minute)
                .build()
                .unwrap(),
            at_once,
            restrictions: vec![],
        })
}

fn tz_strategy() -> impl Strategy<Value = TimeZone> {
    (0usize..ZONES.len()).prop_map(|i| TimeZone::get(ZONES[i]).unwrap())
}

fn instant_strategy() -> impl Strategy<Value = Timestamp> {
    // 2025-01-01 .. 2028-01-01, any second.
    (1_735_689_600i64..1_830_297_600).prop_map(|s| Timestamp::from_second(s).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_instant_has_the_rotations_person(layer in layer_strategy(), tz in tz_strategy(), t in instant_strategy()) {
        let k = layer.turn_at(t, &tz);
        prop_assert!(layer.turn_start(k, &tz) <= t && t < layer.turn_start(k + 1, &tz));
        let n = layer.users.len() as i64;
        let expected: Vec<&str> = (0..layer.at_once.min(layer.users.len()) as i64)
            .map(|j| layer.users[(k + j).rem_euclid(n) as usize].as_str())
            .collect();
        prop_assert_eq!(layer.on_call_at(t, &tz), expected);
    }

    #[test]
    fn daily_and_weekly_handoffs_keep_their_wall_clock_time(layer in layer_strategy(), tz in tz_strategy(), k in -200i64..400) {
        let Turn::Days(n) = layer.turn else { return Ok(()) };
        let want = layer.anchor.checked_add(jiff::Span::new().days(k * i64::from(n))).unwrap();
        let got = layer.turn_start(k, &tz).to_zoned(tz.clone()).datetime();
        if got != want {
            // Only a time the clocks skip may move, to the change itself: the
            // first valid instant, at most the size of the gap later.
            let moved = got.duration_since(want);
            prop_assert!(moved > SignedDuration::ZERO && moved <= SignedDuration::from_hours(1), "{want} became {got}");
            let before = layer.turn_start(k, &tz).checked_sub(SignedDuration::from_secs(1)).unwrap();
            let offset_before = tz.to_offset(before);
            let offset_at = tz.to_offset(layer.turn_start(k, &tz));
            prop_assert!(offset_before != offset_at, "a moved handoff sits on a clock change");
        }
    }

    #[test]
    fn overrides_win_and_shifts_tile_the_range(
        low in layer_strategy(),
        high in layer_strategy(),
        tz in tz_strategy(),
        from in instant_strategy(),
        len_h in 1i64..2000,
        o_start in 0i64..2000,
        o_len in 1i64..100,
        probes in prop::collection::vec(0f64..1.0, 20),
    ) {
        let mut high = high;
        high.name = "business-hours".into();
        high.restrictions = vec![Restriction {
            days: vec![Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday],
            start: Time::constant(9, 0, 0, 0),
            end: Time::constant(17, 0, 0, 0),
        }];
        let ov_start = from.checked_add(SignedDuration::from_hours(o_start)).unwrap();
        let ov = Override { user: "zoe".into(), start: ov_start, end: ov_start.checked_add(SignedDuration::from_hours(o_len)).unwrap() };
        let s = Schedule { name: "s".into(), tz: tz.clone(), layers: vec![low.clone(), high.clone()], overrides: vec![ov.clone()] };
        let to = from.checked_add(SignedDuration::from_hours(len_h)).unwrap();
        let shifts = s.shifts(from, to);
        prop_assert_eq!(shifts.first().unwrap().start, from);
        prop_assert_eq!(shifts.last().unwrap().end, to);
        for w in shifts.windows(2) {
            prop_assert_eq!(w[0].end, w[1].start);
            prop_assert!(w[0].start < w[0].end);
            prop_assert!(w[0].users != w[1].users || w[0].origin != w[1].origin, "adjacent equal shifts are merged");
        }
        let span = to.duration_since(from).as_secs_f64();
        for p in probes {
            let t = from.checked_add(SignedDuration::from_secs_f64(span * p)).unwrap();
            let now = s.on_call(t);
            let shift = shifts.iter().find(|x| x.start <= t && t < x.end).unwrap();
            prop_assert_eq!(&now.users, &shift.users);
            if ov.start <= t && t < ov.end {
                prop_assert_eq!(now.users, vec!["zoe".to_string()]);
                prop_assert_eq!(now.origin, Origin::Override);
            } else if high.active_at(t, &tz) {
                prop_assert_eq!(now.origin, Origin::Layer("business-hours".into()));
            } else {
                prop_assert_eq!(now.origin, Origin::Layer("primary".into()));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn shift_changes_are_where_the_people_change(
        low in layer_strategy(),
        high in layer_strategy(),
        tz in tz_strategy(),
        from in instant_strategy(),
        len_m in 1i64..(20 * 24 * 60),
        o_start in 0i64..(20 * 24 * 60),
        o_len in 1i64..600,
        o_user in 0usize..6,
        probes in prop::collection::vec(0f64..=1.0, 20),
    ) {
        let mut high = high;
        high.name = "business-hours".into();
        high.restrictions = vec![Restriction {
            days: vec![Weekday::Monday, Weekday::Wednesday, Weekday::Friday],
            start: Time::constant(9, 0, 0, 0),
            end: Time::constant(17, 30, 0, 0),
        }];
        let mut s = Schedule { name: "s".into(), tz, layers: vec![low, high], overrides: vec![] };
        let ov_start = from.checked_add(SignedDuration::from_mins(o_start)).unwrap();
        let user = ["ana", "bo", "chen", "dee", "eli", "zoe"][o_user];
        s.apply_overrides([(user, ov_start, ov_start.checked_add(SignedDuration::from_mins(o_len)).unwrap())]);
        let to = from.checked_add(SignedDuration::from_mins(len_m)).unwrap();
        let changes = shift_changes(&s, from, to);
        let ns = SignedDuration::from_nanos(1);
        for (i, c) in changes.iter().enumerate() {
            prop_assert!(from < c.at && c.at <= to);
            prop_assert!(i == 0 || changes[i - 1].at < c.at);
            prop_assert_eq!(&s.on_call(c.at - ns).users, &c.before);
            prop_assert_eq!(&s.on_call(c.at).users, &c.after);
            prop_assert!(c.before != c.after);
            let incoming: Vec<String> = c.after.iter().filter(|u| !c.before.contains(u)).cloned().collect();
            let outgoing: Vec<String> = c.before.iter().filter(|u| !c.after.contains(u)).cloned().collect();
            prop_assert_eq!(&c.incoming, &incoming);
            prop_assert_eq!(&c.outgoing, &outgoing);
            if i > 0 {
                prop_assert_eq!(&changes[i - 1].after, &c.before);
            }
        }
        // Nothing changes in between: at any instant of (from, to], the
        // people are those of the last change at or before it.
        let span = to.duration_since(from).as_secs_f64();
        for p in probes {
            let t = from.checked_add(SignedDuration::from_secs_f64(span * p)).unwrap().max(from + ns);
            let want = changes
                .iter()
                .rev()
                .find(|c| c.at <= t)
                .map_or_else(|| s.on_call(from).users, |c| c.after.clone());
            prop_assert_eq!(s.on_call(t).users, want, "at {}", t);
        }
        // The edges: `to` itself is in, `from` itself is not.
        if let Some(last) = changes.last() {
            let up_to_last = shift_changes(&s, from, last.at);
            prop_assert_eq!(up_to_last.last(), Some(last));
            prop_assert!(shift_changes(&s, last.at, to).is_empty());
        }
    }

    #[test]
    fn overrides_applied_in_order_win_like_pushed_ones(
        layer in layer_strategy(),
        tz in tz_strategy(),
        from in instant_strategy(),
        ovs in prop::collection::vec((0usize..3, 0i64..100, 1i64..50), 0..6),
        probes in prop::collection::vec(0i64..150 * 3600, 20),
    ) {
        let users = ["zoe", "yan", "xi"];
        let at = |h: i64| from.checked_add(SignedDuration::from_hours(h)).unwrap();
        let triples: Vec<(String, Timestamp, Timestamp)> = ovs
            .iter()
            .map(|&(u, start, len)| (users[u].to_string(), at(start), at(start + len)))
            .collect();
        let mut s = Schedule { name: "s".into(), tz, layers: vec![layer], overrides: vec![] };
        s.apply_overrides(triples.clone());
        for p in probes {
            let t = from.checked_add(SignedDuration::from_secs(p)).unwrap();
            let last = triples.iter().rev().find(|(_, start, end)| *start <= t && t < *end);
            let now = s.on_call(t);
            match last {
                Some((user, _, _)) => {
                    prop_assert_eq!(now.users, vec![user.clone()]);
                    prop_assert_eq!(now.origin, Origin::Override);
                }
                None => prop_assert!(now.origin != Origin::Override),
            }
        }
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn weekly(tz: &str) -> Schedule {
    Schedule {
        name: "payments".into(),
        tz: TimeZone::get(tz).unwrap(),
        layers: vec![Layer {
            name: "primary".into(),
            users: users(3),
            turn: Turn::Days(7),
            anchor: "2026-01-05T09:00".parse().unwrap(), // a Monday
            at_once: 1,
            restrictions: vec![],
        }],
        overrides: vec![],
    }
}

#[test]
fn weekly_handoffs_stay_at_monday_nine_across_dst_in_berlin_and_new_york() {
    for zone in ["Europe/Berlin", "America/New_York"] {
        let s = weekly(zone);
        let tz = TimeZone::get(zone).unwrap();
        let shifts = s.shifts(ts("2026-03-01T00:00:00Z"), ts("2026-11-15T00:00:00Z"));
        for sh in &shifts[1..] {
            let local = sh.start.to_zoned(tz.clone());
            assert_eq!(
                (local.weekday(), local.hour(), local.minute()),
                (Weekday::Monday, 9, 0),
                "{zone}: {local}"
            );
        }
        assert!(shifts.len() > 30);
    }
}

#[test]
fn a_handoff_in_the_skipped_hour_happens_at_the_change() {
    let mut s = weekly("Europe/Berlin");
    s.layers[0].turn = Turn::Days(1);
    s.layers[0].anchor = "2026-03-01T02:30".parse().unwrap();
    let shifts = s.shifts(ts("2026-03-28T12:00:00Z"), ts("2026-03-30T12:00:00Z"));
    let starts: Vec<String> = shifts[1..].iter().map(|x| x.start.to_string()).collect();
    // 02:30 does not exist on 2026-03-29: the handoff is at 03:00 CEST (01:00Z).
    assert_eq!(starts, ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]);
}

#[test]
fn lord_howe_and_kolkata() {
    let mut s = weekly("Australia/Lord_Howe");
    s.layers[0].turn = Turn::Days(1);
    s.layers[0].anchor = "2026-09-01T09:00".parse().unwrap();
    let tz = TimeZone::get("Australia/Lord_Howe").unwrap();
    for sh in &s.shifts(ts("2026-09-30T00:00:00Z"), ts("2026-10-10T00:00:00Z"))[1..] {
        assert_eq!(
            sh.start.to_zoned(tz.clone()).time(),
            Time::constant(9, 0, 0, 0)
        );
    }
    let s = weekly("Asia/Kolkata");
    assert_eq!(s.on_call(ts("2026-01-05T03:29:59Z")).users, ["chen"]);
    assert_eq!(s.on_call(ts("2026-01-05T03:30:00Z")).users, ["ana"]);
}

#[test]
fn restrictions_gaps_overrides_and_lookups() {
    let mut s = weekly("UTC");
    s.layers[0].restrictions = vec![Restriction {
        days: vec![Weekday::Saturday],
        start: Time::constant(22, 0, 0, 0),
        end: Time::constant(6, 0, 0, 0),
    }];
    // Only Saturday 22:00 to Sunday 06:00 is covered.
    assert_eq!(s.on_call(ts("2026-01-10T23:00:00Z")).users, ["ana"]);
    assert_eq!(s.on_call(ts("2026-01-11T05:59:59Z")).users, ["ana"]);
    assert_eq!(s.on_call(ts("2026-01-11T06:00:00Z")).origin, Origin::Nobody);
    let gaps = s.gaps(ts("2026-01-10T00:00:00Z"), ts("2026-01-12T00:00:00Z"));
    assert_eq!(gaps.len(), 2);
    assert_eq!(
        (gaps[0].end, gaps[1].start),
        (ts("2026-01-10T22:00:00Z"), ts("2026-01-11T06:00:00Z"))
    );
    s.overrides.push(Override {
        user: "zoe".into(),
        start: ts("2026-01-11T00:00:00Z"),
        end: ts("2026-01-11T02:00:00Z"),
    });
    assert_eq!(s.on_call(ts("2026-01-11T01:00:00Z")).users, ["zoe"]);
    let next = s.next_shift_of("bo", ts("2026-01-11T07:00:00Z")).unwrap();
    assert_eq!(next.start, ts("2026-01-17T22:00:00Z"));
    let after = s.next_after(ts("2026-01-10T23:00:00Z")).unwrap();
    assert_eq!(
        (after.users.clone(), after.start),
        (vec!["zoe".to_string()], ts("2026-01-11T00:00:00Z"))
    );
}

#[test]
fn daily_shift_changes_stay_at_nine_across_both_dst_changes_in_new_york() {
    let mut s = weekly("America/New_York");
    s.layers[0].turn = Turn::Days(1);
    let tz = TimeZone::get("America/New_York").unwrap();
    // Clocks go forward on 2026-03-08 and back on 2026-11-01.
    for (from, to, utc) in [
        (
            "2026-03-06T00:00:00Z",
            "2026-03-10T00:00:00Z",
            [
                "2026-03-06T14:00:00Z",
                "2026-03-07T14:00:00Z",
                "2026-03-08T13:00:00Z",
                "2026-03-09T13:00:00Z",
            ],
        ),
        (
            "2026-10-30T00:00:00Z",
            "2026-11-03T00:00:00Z",
            [
                "2026-10-30T13:00:00Z",
                "2026-10-31T13:00:00Z",
                "2026-11-01T14:00:00Z",
                "2026-11-02T14:00:00Z",
            ],
        ),
    ] {
        let changes = shift_changes(&s, ts(from), ts(to));
        let at: Vec<String> = changes.iter().map(|c| c.at.to_string()).collect();
        assert_eq!(at, utc, "{from}");
        for c in &changes {
            let local = c.at.to_zoned(tz.clone());
            assert_eq!((local.hour(), local.minute()), (9, 0), "{local}");
            assert_eq!((c.incoming.len(), c.outgoing.len()), (1, 1));
            assert_eq!((&c.before, &c.after), (&c.outgoing, &c.incoming));
        }
        for pair in changes.windows(2) {
            assert_eq!(pair[0].incoming, pair[1].outgoing);
        }
    }
    // A handoff window around the spring change, as the daemon asks it:
    // the change at 09:00 EDT (13:00Z) is in, one second early it is not.
    let now = ts("2026-03-08T13:05:00Z");
    let window = SignedDuration::from_mins(15);
    let c = shift_changes(&s, now - window, now);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].at, ts("2026-03-08T13:00:00Z"));
    assert!(shift_changes(&s, now - window, ts("2026-03-08T12:59:59Z")).is_empty());
}

#[test]
fn a_shift_change_in_the_skipped_hour_is_at_the_change_and_an_override_of_the_same_person_is_none()
{
    let mut s = weekly("Europe/Berlin");
    s.layers[0].turn = Turn::Days(1);
    s.layers[0].anchor = "2026-03-01T02:30".parse().unwrap();
    let changes = shift_changes(&s, ts("2026-03-28T12:00:00Z"), ts("2026-03-30T12:00:00Z"));
    let at: Vec<String> = changes.iter().map(|c| c.at.to_string()).collect();
    // 02:30 does not exist on 2026-03-29: the change is at 03:00 CEST (01:00Z).
    assert_eq!(at, ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]);
    // The person on call from 01:00Z takes an override over their own
    // shift and past its end: the reason changes at 01:00Z and at
    // 00:30Z the next day nobody new comes; they go at the override's end.
    let on = changes[0].after[0].clone();
    s.apply_overrides([(
        on.clone(),
        ts("2026-03-29T01:00:00Z"),
        ts("2026-03-30T02:00:00Z"),
    )]);
    let changes = shift_changes(&s, ts("2026-03-28T12:00:00Z"), ts("2026-03-30T12:00:00Z"));
    let at: Vec<String> = changes.iter().map(|c| c.at.to_string()).collect();
    assert_eq!(at, ["2026-03-29T01:00:00Z", "2026-03-30T02:00:00Z"]);
    assert_eq!(changes[1].outgoing, [on]);
}
