//! Report figures against hand-computed values, and their invariants over
//! random input: rates stay in [0, 1], means and medians stay within the
//! spans, and SLA periods tile a range exactly, across DST in Berlin.

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// === SLO attainment ===

#[test]
fn attainment_figures() {
    // 99.95% against 99.9%: half the budget used.
    let a = slo_attainment(999_500, 1_000_000, 0.999);
    assert_eq!(a.sli, Some(0.9995));
    assert_eq!(a.met, Some(true));
    assert!(close(a.budget_consumed_ratio.unwrap(), 0.5));

    // 99.7% against 99.9%: three budgets' worth, missed.
    let a = slo_attainment(9_970, 10_000, 0.999);
    assert_eq!(a.met, Some(false));
    assert!(close(a.budget_consumed_ratio.unwrap(), 3.0));

    // Exactly on the objective is met.
    let a = slo_attainment(999, 1_000, 0.999);
    assert_eq!(a.met, Some(true));
    assert!(close(a.budget_consumed_ratio.unwrap(), 1.0));

    let none = slo_attainment(0, 0, 0.99);
    assert_eq!(
        (none.sli, none.met, none.budget_consumed_ratio),
        (None, None, None)
    );

    // No budget at all: nothing or everything is consumed.
    assert_eq!(slo_attainment(10, 10, 1.0).budget_consumed_ratio, Some(0.0));
    assert_eq!(
        slo_attainment(9, 10, 1.0).budget_consumed_ratio,
        Some(f64::INFINITY)
    );
    // More good than total is read as all good.
    assert_eq!(slo_attainment(12, 10, 0.9).sli, Some(1.0));
}

// === change failure rate ===

#[test]
fn change_failure_rate_counts_changes_followed_by_an_incident_within_an_hour() {
    let changes = [
        at("2025-03-01T10:00:00Z"), // incident 30m later: failed
        at("2025-03-01T11:00:00Z"), // incident exactly 1h later: failed
        at("2025-03-01T13:00:00Z"), // next incident 61m later: fine
        at("2025-03-01T15:00:00Z"), // next incident 2h10m later: fine
        at("2025-03-01T17:10:00Z"), // incident at the same instant: failed
        at("2025-03-01T19:05:00Z"), // incident 5m before it: fine
    ];
    let incidents = [
        at("2025-03-01T19:00:00Z"),
        at("2025-03-01T10:30:00Z"),
        at("2025-03-01T12:00:00Z"),
        at("2025-03-01T14:01:00Z"),
        at("2025-03-01T17:10:00Z"),
    ];
    let r = change_failure_rate(&changes, &incidents, CHANGE_FAILURE_WINDOW);
    assert_eq!((r.changes, r.failed), (6, 3));
    assert_eq!(r.rate, Some(0.5));

    // One incident after two deploys fails both.
    let r = change_failure_rate(
        &[at("2025-03-01T10:00:00Z"), at("2025-03-01T10:10:00Z")],
        &[at("2025-03-01T10:20:00Z")],
        CHANGE_FAILURE_WINDOW,
    );
    assert_eq!(r.rate, Some(1.0));

    let r = change_failure_rate(&[], &incidents, CHANGE_FAILURE_WINDOW);
    assert_eq!((r.changes, r.failed, r.rate), (0, 0, None));
}

// === response times ===

fn incident(start: &str, detect: i64, ack: Option<i64>, resolve: Option<i64>) -> IncidentTimes {
    let started = at(start);
    IncidentTimes {
        started,
        detected: Some(started + mins(detect)),
        acknowledged: ack.map(|m| started + mins(m)),
        mitigated: None,
        resolved: resolve.map(|m| started + mins(m)),
    }
}

#[test]
fn mttd_mtta_mttr() {
    let incidents = [
        // detect 5m, ack 2m after detection, resolve 60m
        incident("2025-03-01T10:00:00Z", 5, Some(7), Some(60)),
        // detect 10m, ack 5m, resolve 30m
        incident("2025-03-02T10:00:00Z", 10, Some(15), Some(30)),
        // detect 30m, never acked, resolve 240m
        incident("2025-03-03T10:00:00Z", 30, None, Some(240)),
        // detect 1m, ack 1m, still open
        incident("2025-03-04T10:00:00Z", 1, Some(2), None),
    ];
    let r = response_times(&incidents);
    // TTD 1, 5, 10, 30: mean 11.5m, median (5 + 10) / 2 = 7.5m.
    assert_eq!(
        r.mttd,
        Some(DurationStats {
            count: 4,
            mean: SignedDuration::from_secs(690),
            median: SignedDuration::from_secs(450),
        })
    );
    // TTA 2, 5, 1: mean 2m40s, median 2m.
    assert_eq!(
        r.mtta,
        Some(DurationStats {
            count: 3,
            mean: SignedDuration::from_secs(160),
            median: mins(2),
        })
    );
    // TTR 60, 30, 240: mean 110m, median 60m.
    assert_eq!(
        r.mttr,
        Some(DurationStats {
            count: 3,
            mean: mins(110),
            median: mins(60),
        })
    );
    assert_eq!(
        response_times(&[]),
        ResponseTimes {
            mttd: None,
            mtta: None,
            mttr: None
        }
    );
}

// === noise ===

#[test]
fn alerts_that_never_led_to_an_incident() {
    let fired = ["disk", "latency", "disk", "cert", "disk", "latency", "5xx"];
    let linked = ["latency", "unrelated"];
    let n = noise(&fired, &linked);
    assert_eq!(n.firings, 7);
    assert_eq!(n.noisy_firings, 5);
    let alerts: Vec<(&str, usize)> = n.alerts.iter().map(|a| (a.key.as_str(), a.fired)).collect();
    assert_eq!(alerts, vec![("disk", 3), ("5xx", 1), ("cert", 1)]);
    let quiet = noise::<&str, &str>(&[], &[]);
    assert_eq!((quiet.firings, quiet.alerts.len()), (0, 0));
}

// === SLA periods ===

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap()
}

fn daily(from: Date, to: Date, good: u64, total: u64) -> Vec<DailyCounts> {
    let mut out = Vec::new();
    let mut day = from;
    while day < to {
        out.push(DailyCounts { day, good, total });
        day = day.tomorrow().unwrap();
    }
    out
}

#[test]
fn monthly_sla_across_dst_in_berlin() {
    let sla = Sla {
        target: 0.995,
        period: SlaPeriod::Month,
        tz: berlin(),
    };
    // 99.9% a day, except a bad 10th of March: 900 of 1000.
    let mut days = daily(date(2025, 2, 15), date(2025, 5, 10), 999, 1000);
    for d in &mut days {
        if d.day == date(2025, 3, 10) {
            d.good = 900;
        }
    }
    // A count outside the range is ignored.
    days.push(DailyCounts {
        day: date(2025, 4, 10),
        good: 0,
        total: 1_000_000,
    });
    let periods = sla_periods(&sla, date(2025, 2, 15), date(2025, 4, 10), &days).unwrap();
    // label, start, end, partial, good, total, met
    type Row<'a> = (&'a str, Date, Date, bool, u64, u64, Option<bool>);
    let summary: Vec<Row> = periods
        .iter()
        .map(|p| {
            (
                p.label.as_str(),
                p.start,
                p.end,
                p.partial,
                p.good,
                p.total,
                p.met,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            // 14 days of Feb: 13986 / 14000.
            (
                "2025-02",
                date(2025, 2, 15),
                date(2025, 3, 1),
                true,
                13_986,
                14_000,
                Some(true)
            ),
            // 31 days of March, one bad: 30 × 999 + 900 = 30870 / 31000 = 99.58%.
            (
                "2025-03",
                date(2025, 3, 1),
                date(2025, 4, 1),
                false,
                30_870,
                31_000,
                Some(true)
            ),
            (
                "2025-04",
                date(2025, 4, 1),
                date(2025, 4, 10),
                true,
                8_991,
                9_000,
                Some(true)
            ),
        ]
    );
    // March in Berlin is one hour short (CET → CEST on the 30th).
    let march = &periods[1];
    assert_eq!(march.starts_at, at("2025-02-28T23:00:00Z"));
    assert_eq!(march.ends_at, at("2025-03-31T22:00:00Z"));
    assert_eq!(
        march.ends_at.duration_since(march.starts_at),
        SignedDuration::from_hours(31 * 24 - 1)
    );

    // A stricter target misses March only.
    let strict = Sla {
        target: 0.999,
        ..sla
    };
    let met: Vec<Option<bool>> = sla_periods(&strict, date(2025, 2, 15), date(2025, 4, 10), &days)
        .unwrap()
        .iter()
        .map(|p| p.met)
        .collect();
    assert_eq!(met, vec![Some(true), Some(false), Some(true)]);
}

#[test]
fn quarterly_and_day_block_slas() {
    let tz = berlin();
    let quarter = Sla {
        target: 0.99,
        period: SlaPeriod::Quarter,
        tz: tz.clone(),
    };
    let periods = sla_periods(&quarter, date(2025, 1, 1), date(2026, 1, 1), &[]).unwrap();
    let labels: Vec<&str> = periods.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, vec!["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]);
    assert!(
        periods
            .iter()
            .all(|p| !p.partial && p.met.is_none() && p.total == 0)
    );
    // Q4 holds the hour back from October's DST change.
    let q4 = &periods[3];
    assert_eq!(
        q4.ends_at.duration_since(q4.starts_at),
        SignedDuration::from_hours(92 * 24 + 1)
    );

    let blocks = Sla {
        target: 0.99,
        period: SlaPeriod::Days(7),
        tz,
    };
    let days = daily(date(2025, 3, 1), date(2025, 3, 20), 98, 100);
    let periods = sla_periods(&blocks, date(2025, 3, 3), date(2025, 3, 20), &days).unwrap();
    let summary: Vec<(&str, bool, u64, Option<bool>)> = periods
        .iter()
        .map(|p| (p.label.as_str(), p.partial, p.total, p.met))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("2025-03-03..2025-03-10", false, 700, Some(false)),
            ("2025-03-10..2025-03-17", false, 700, Some(false)),
            ("2025-03-17..2025-03-24", true, 300, Some(false)),
        ]
    );

    assert_eq!(
        sla_periods(
            &Sla {
                period: SlaPeriod::Days(0),
                ..blocks.clone()
            },
            date(2025, 3, 3),
            date(2025, 3, 20),
            &[]
        ),
        Err(SlaError::ZeroDays)
    );
    // An empty range has no periods, even inside a calendar month.
    for period in [SlaPeriod::Days(7), SlaPeriod::Month, SlaPeriod::Quarter] {
        let sla = Sla {
            period,
            ..blocks.clone()
        };
        assert_eq!(
            sla_periods(&sla, date(2025, 3, 3), date(2025, 3, 3), &[]),
            Ok(vec![])
        );
        assert_eq!(
            sla_periods(&sla, date(2025, 3, 3), date(2025, 2, 1), &[]),
            Ok(vec![])
        );
    }
}

// === invariants ===

const ZONES: [&str; 4] = [
    "Europe/Berlin",
    "America/Santiago",
    "Australia/Lord_Howe",
    "UTC",
];

fn a_day() -> impl Strategy<Value = Date> {
    (0i64..4000).prop_map(|n| {
        date(2020, 1, 1)
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
    })
}

fn a_time() -> impl Strategy<Value = Timestamp> {
    (0i64..86_400 * 3).prop_map(|s| at("2025-03-01T00:00:00Z") + SignedDuration::from_secs(s))
}

proptest! {
    #[test]
    fn change_failure_rate_is_a_rate(
        changes in prop::collection::vec(a_time(), 0..30),
        incidents in prop::collection::vec(a_time(), 0..10),
        extra in a_time(),
    ) {
        let r = change_failure_rate(&changes, &incidents, CHANGE_FAILURE_WINDOW);
        prop_assert!(r.failed <= r.changes);
        prop_assert_eq!(r.rate.is_none(), changes.is_empty());
        if let Some(rate) = r.rate {
            prop_assert!((0.0..=1.0).contains(&rate));
        }
        // Another incident never makes a change less failed.
        let mut more = incidents.clone();
        more.push(extra);
        prop_assert!(change_failure_rate(&changes, &more, CHANGE_FAILURE_WINDOW).failed >= r.failed);
        // And the count matches the definition, checked the slow way.
        let slow = changes
            .iter()
            .filter(|&&c| incidents.iter().any(|&s| s >= c && s.duration_since(c) <= CHANGE_FAILURE_WINDOW))
            .count();
        prop_assert_eq!(r.failed, slow);
    }

    #[test]
    fn mean_and_median_lie_within_the_spans(secs in prop::collection::vec(0i64..10_000_000, 1..40)) {
        let spans: Vec<SignedDuration> = secs.iter().map(|&s| SignedDuration::from_secs(s)).collect();
        let s = duration_stats(spans.iter().copied()).unwrap();
        let min = *spans.iter().min().unwrap();
        let max = *spans.iter().max().unwrap();
        prop_assert_eq!(s.count, spans.len());
        prop_assert!(min <= s.mean && s.mean <= max);
        prop_assert!(min <= s.median && s.median <= max);
    }

    #[test]
    fn attainment_stays_in_range(good in 0u64..2_000, total in 0u64..2_000, objective in 0.5f64..0.99999) {
        let a = slo_attainment(good, total, objective);
        prop_assert_eq!(a.sli.is_some(), total > 0);
        if let (Some(sli), Some(consumed)) = (a.sli, a.budget_consumed_ratio) {
            prop_assert!((0.0..=1.0).contains(&sli));
            prop_assert!(consumed >= 0.0);
            prop_assert_eq!(a.met, Some(sli >= objective));
        }
    }

    #[test]
    fn sla_periods_tile_the_range(
        from in a_day(),
        len in 0i64..800,
        period in prop_oneof![
            Just(SlaPeriod::Month),
            Just(SlaPeriod::Quarter),
            (1u32..100).prop_map(SlaPeriod::Days),
        ],
        zone in prop::sample::select(ZONES.to_vec()),
        counts in prop::collection::vec((0i64..900, 0u64..100, 0u64..100), 0..60),
    ) {
        let to = from.checked_add(jiff::Span::new().days(len)).unwrap();
        let tz = TimeZone::get(zone).unwrap();
        let days: Vec<DailyCounts> = counts
            .iter()
            .map(|&(offset, good, total)| DailyCounts {
                day: from.checked_add(jiff::Span::new().days(offset)).unwrap(),
                good: good.min(total),
                total,
            })
            .collect();
        let sla = Sla { target: 0.99, period, tz: tz.clone() };
        let periods = sla_periods(&sla, from, to, &days).unwrap();

        prop_assert_eq!(periods.is_empty(), len == 0);
        if let (Some(first), Some(last)) = (periods.first(), periods.last()) {
            prop_assert_eq!(first.start, from);
            prop_assert_eq!(last.end, to);
            prop_assert_eq!(first.starts_at, from.to_zoned(tz.clone()).unwrap().timestamp());
            prop_assert_eq!(last.ends_at, to.to_zoned(tz.clone()).unwrap().timestamp());
        }
        for pair in periods.windows(2) {
            prop_assert_eq!(pair[0].end, pair[1].start);
            prop_assert_eq!(pair[0].ends_at, pair[1].starts_at);
        }
        for (i, p) in periods.iter().enumerate() {
            prop_assert!(p.start < p.end);
            prop_assert!(p.starts_at < p.ends_at);
            // Only the first and last may be cut.
            if p.partial {
                prop_assert!(i == 0 || i == periods.len() - 1);
            }
            if !p.partial {
                match period {
                    SlaPeriod::Month => prop_assert_eq!(p.start.day(), 1),
                    SlaPeriod::Quarter => {
                        prop_assert_eq!(p.start.day(), 1);
                        prop_assert_eq!((p.start.month() - 1) % 3, 0);
                    }
                    SlaPeriod::Days(n) => prop_assert_eq!(
                        p.start.until(p.end).unwrap().get_days(),
                        n as i32
                    ),
                }
            }
        }
        // Every counted event lands in exactly one period.
        let in_range: u64 = days.iter().filter(|d| d.day >= from && d.day < to).map(|d| d.total).sum();
        prop_assert_eq!(periods.iter().map(|p| p.total).sum::<u64>(), in_range);
    }
}
