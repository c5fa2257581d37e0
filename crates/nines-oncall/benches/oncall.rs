//! Who-is-on-call queries over 1,000 schedules of 3 layers, and the shifts
//! of a year of one schedule. Run pinned to one core:
//! `taskset -c 0 cargo bench -p nines-oncall --bench oncall`.
//! Targets (issue 6): at least 1,000,000 queries per second per core; a
//! year of shifts under 1 ms.

use std::hint::black_box;
use std::time::Instant;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use nines_oncall::{Layer, Override, Restriction, Schedule, Turn};

fn schedule(i: usize) -> Schedule {
    let zones = [
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
    ];
    let users: Vec<String> = (0..6).map(|u| format!("user{i}-{u}")).collect();
    let layer = |name: &str, turn, restrictions| Layer {
        name: name.into(),
        users: users.clone(),
        turn,
        anchor: "2026-01-05T09:00".parse().unwrap(),
        at_once: 1,
        restrictions,
    };
    Schedule {
        name: format!("s{i}"),
        tz: TimeZone::get(zones[i % zones.len()]).unwrap(),
        layers: vec![
            layer("weekly", Turn::Days(7), vec![]),
            layer(
                "daily",
                Turn::Days(1),
                vec![Restriction {
                    days: vec![],
                    start: Time::constant(22, 0, 0, 0),
                    end: Time::constant(6, 0, 0, 0),
                }],
            ),
            layer(
                "business",
                Turn::Fixed(SignedDuration::from_hours(12)),
                vec![Restriction {
                    days: vec![
                        Weekday::Monday,
                        Weekday::Tuesday,
                        Weekday::Wednesday,
                        Weekday::Thursday,
                        Weekday::Friday,
                    ],
                    start: Time::constant(9, 0, 0, 0),
                    end: Time::constant(17, 0, 0, 0),
                }],
            ),
        ],
        overrides: vec![Override {
            user: "zoe".into(),
            start: "2026-06-01T00:00:00Z".parse().unwrap(),
            end: "2026-06-02T00:00:00Z".parse().unwrap(),
        }],
    }
}

fn main() {
    let schedules: Vec<Schedule> = (0..1000).map(schedule).collect();
    let base: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let n = 300_000u64;
    let t0 = Instant::now();
    let mut found = 0usize;
    for i in 0..n {
        // Instants spread over a year, a different schedule each time.
        let t = base
            .checked_add(SignedDuration::from_secs((i * 104_729 % 31_536_000) as i64))
            .unwrap();
        found += black_box(schedules[(i % 1000) as usize].on_call(t))
            .users
            .len();
    }
    let per_sec = n as f64 / t0.elapsed().as_secs_f64();
    assert!(found > 0);
    let s = &schedules[0];
    let end = base
        .checked_add(SignedDuration::from_hours(365 * 24))
        .unwrap();
    let rounds = 20;
    let t1 = Instant::now();
    let mut count = 0;
    for _ in 0..rounds {
        count = black_box(s.shifts(base, end)).len();
    }
    let year_ms = t1.elapsed().as_secs_f64() * 1e3 / f64::from(rounds);
    println!(
        "oncall: {per_sec:.0} who-is-on-call queries/s over 1,000 schedules x 3 layers ({:.2}x the 1,000,000 target); \
         a year of shifts of one schedule: {count} shifts in {year_ms:.2} ms (target < 1 ms)",
        per_sec / 1e6
    );
}
