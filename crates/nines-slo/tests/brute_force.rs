//! Every figure the series and the evaluator report, checked against a
//! brute-force computation over the raw samples that were added; so are an
//! incident's impact start and the budget it burned.

use std::collections::BTreeMap;

use jiff::{Timestamp, tz::TimeZone};
use nines_slo::{
    AlertState, CalendarUnit, Counts, IMPACT_LOOKBACK_MINUTES, Minute, Series, SloSeries, SloSpec,
    WindowSpec, budget_burned, default_tiers, evaluate, first_bad_minute, impact_start, minute_of,
    timestamp_of,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// A sample `back` minutes before the head.
    Add {
        back: i64,
        good: u64,
        bad: u64,
    },
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0i64..90, 0u64..1000, 0u64..50).prop_map(|(back, good, bad)| Op::Add { back, good, bad }),
        3 => (0i64..40 * 1440, 0u64..1000, 0u64..50).prop_map(|(back, good, bad)| Op::Add { back, good, bad }),
        3 => (0i64..10).prop_map(Op::Advance),
        2 => (0i64..600).prop_map(Op::Advance),
        1 => (1000i64..5000).prop_map(Op::Advance),
        1 => (5000i64..60_000).prop_map(Op::Advance),
    ]
}

/// The window rule written out independently of the crate: the last `w`
/// minutes, and for windows over a day, from the hour holding the far edge.
fn brute_from(spec: &WindowSpec, head: Minute) -> Minute {
    match spec {
        WindowSpec::Rolling { minutes } => {
            let start = head - i64::from(*minutes) + 1;
            if *minutes <= 1440 {
                start
            } else {
                start.div_euclid(60) * 60
            }
        }
        WindowSpec::Calendar { .. } => spec.calendar_period(head).0.div_euclid(60) * 60,
    }
}

fn brute_sum(raw: &[(Minute, Counts)], from: Minute, head: Minute) -> Counts {
    raw.iter().filter(|(m, _)| *m >= from && *m <= head).fold(
        Counts::default(),
        |mut acc, (_, c)| {
            acc.good += c.good;
            acc.total += c.total;
            acc
        },
    )
}

fn run(spec: &SloSpec, start: Minute, ops: &[Op]) -> (Series, Vec<(Minute, Counts)>) {
    let mut series = spec.new_series(start);
    let mut raw = Vec::new();
    for op in ops {
        match *op {
            Op::Add { back, good, bad } => {
                let m = series.head() - back;
                let c = Counts::new(good, good + bad);
                let accepted = series.add(m, c).is_ok();
                assert_eq!(accepted, m >= series.oldest_accepted(), "minute {m}");
                if accepted {
                    raw.push((m, c));
                }
            }
            Op::Advance(n) => series.advance(series.head() + n),
        }
    }
    (series, raw)
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

fn check_against_brute_force(spec: &SloSpec, series: &Series, raw: &[(Minute, Counts)]) {
    let head = series.head();
    for (i, w) in spec.windows().iter().enumerate() {
        let from = brute_from(w, head);
        assert_eq!(series.window_from(i), from, "window {}", w.label());
        assert_eq!(
            series.window_sum(i),
            brute_sum(raw, from, head),
            "window {}",
            w.label()
        );
    }
    let now = timestamp_of(head);
    let report = evaluate(spec, series, now, &[]);
    let budget = 1.0 - spec.objective;
    for (i, stats) in report.windows.iter().enumerate() {
        let c = brute_sum(raw, brute_from(&spec.windows()[i], head), head);
        let sli = (c.total > 0).then(|| c.good as f64 / c.total as f64);
        assert!(close(stats.sli, sli));
        assert!(close(stats.burn_rate, sli.map(|s| (1.0 - s) / budget)));
    }
    let slo = brute_sum(raw, brute_from(&spec.window, head), head);
    let consumed = (slo.total > 0).then(|| (1.0 - slo.good as f64 / slo.total as f64) / budget);
    assert!(close(report.budget.consumed, consumed));
    assert!(close(report.budget.remaining, consumed.map(|c| 1.0 - c)));
    for (tier, status) in spec.tiers.iter().zip(&report.alerts) {
        let long = brute_sum(raw, head - i64::from(tier.long) + 1, head);
        let long = if tier.long > 1440 {
            brute_sum(
                raw,
                (head - i64::from(tier.long) + 1).div_euclid(60) * 60,
                head,
            )
        } else {
            long
        };
        let short = brute_sum(raw, head - i64::from(tier.short) + 1, head);
        let burn =
            |c: Counts| (c.total > 0).then(|| (1.0 - c.good as f64 / c.total as f64) / budget);
        let threshold = tier.burn_threshold(spec.window.period_minutes(head));
        let fires = long.total >= spec.min_events
            && burn(long).is_some_and(|b| b > threshold)
            && burn(short).is_some_and(|b| b > threshold);
        assert_eq!(status.state.firing, fires, "tier {}", tier.name());
    }
}

fn start_minute() -> impl Strategy<Value = Minute> {
    // 2020..2030, any minute.
    (26_297_280i64..31_556_160).prop_map(|m| m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn rolling_30d_matches_brute_force(start in start_minute(), ops in prop::collection::vec(op(), 1..80)) {
        let spec = SloSpec::new(0.999, WindowSpec::rolling(30 * 1440), default_tiers(), 10);
        let (series, raw) = run(&spec, start, &ops);
        check_against_brute_force(&spec, &series, &raw);
    }

    #[test]
    fn calendar_month_matches_brute_force(start in start_minute(), ops in prop::collection::vec(op(), 1..60)) {
        let tz = TimeZone::get("America/St_Johns").unwrap();
        let spec = SloSpec::new(0.99, WindowSpec::Calendar { unit: CalendarUnit::Month, tz }, default_tiers(), 1);
        let (series, raw) = run(&spec, start, &ops);
        check_against_brute_force(&spec, &series, &raw);
    }

    #[test]
    fn restoring_a_snapshot_changes_nothing(start in start_minute(), ops in prop::collection::vec(op(), 1..60), more in prop::collection::vec(op(), 0..20)) {
        let spec = SloSpec::new(0.995, WindowSpec::rolling(7 * 1440), default_tiers(), 10);
        let (mut series, _) = run(&spec, start, &ops);
        let mut restored = Series::restore(spec.windows().to_vec(), &series.snapshot());
        for i in 0..spec.windows().len() {
            prop_assert_eq!(series.window_sum(i), restored.window_sum(i));
        }
        for op in &more {
            match *op {
                Op::Add { back, good, bad } => {
                    let m = series.head() - back;
                    let c = Counts::new(good, good + bad);
                    prop_assert_eq!(series.add(m, c), restored.add(m, c));
                }
                Op::Advance(n) => {
                    let to = series.head() + n;
                    series.advance(to);
                    restored.advance(to);
                }
            }
        }
        prop_assert_eq!(series.snapshot(), restored.snapshot());
    }

    #[test]
    fn long_windows_differ_from_exact_only_within_the_far_edge_hour(start in start_minute(), ops in prop::collection::vec(op(), 1..60)) {
        let spec = SloSpec::new(0.999, WindowSpec::rolling(30 * 1440), default_tiers(), 10);
        let (series, raw) = run(&spec, start, &ops);
        let head = series.head();
        for (i, w) in spec.windows().iter().enumerate() {
            let exact_start = head - w.max_minutes() + 1;
            let exact = brute_sum(&raw, exact_start, head);
            let ours = series.window_sum(i);
            let edge = brute_sum(&raw, exact_start.div_euclid(60) * 60, head);
            prop_assert!(ours == exact || ours == edge);
            prop_assert!(exact_start - series.window_from(i) < 60);
        }
    }
}

/// Runs of minutes going back from the head: without data, clean, or a
/// little bad; long enough that an hour of clean minutes happens.
fn runs() -> impl Strategy<Value = Vec<(i64, u8)>> {
    prop::collection::vec((1i64..90, 0u8..3), 1..16)
}

/// A series holding `runs` laid back from `start`, then advanced by
/// `advance` minutes; with the samples added.
fn laid(
    spec: &SloSpec,
    start: Minute,
    runs: &[(i64, u8)],
    advance: i64,
) -> (Series, Vec<(Minute, Counts)>) {
    let mut series = spec.new_series(start);
    let mut raw = Vec::new();
    let mut m = start;
    for &(len, kind) in runs {
        for _ in 0..len {
            let c = match kind {
                0 => None,
                1 => Some(Counts::new(10, 10)),
                _ => Some(Counts::new(9, 10)),
            };
            if let Some(c) = c {
                series.add(m, c).unwrap();
                raw.push((m, c));
            }
            m -= 1;
        }
    }
    series.advance(start + advance);
    (series, raw)
}

/// The minute a sample counts at now: itself within the last day, its
/// hour's first minute before (the series' rule, written out).
fn attributed(m: Minute, head: Minute) -> Minute {
    if m > head - 1440 {
        m
    } else {
        m.div_euclid(60) * 60
    }
}

/// Bad and all events counted at minutes `[a, b)`.
fn brute_range(raw: &[(Minute, Counts)], head: Minute, a: Minute, b: Minute) -> Counts {
    raw.iter()
        .filter(|(m, _)| (a..b).contains(&attributed(*m, head)))
        .fold(Counts::default(), |mut acc, (_, c)| {
            acc.good += c.good;
            acc.total += c.total;
            acc
        })
}

/// Impact start by its definition, over the raw samples: going back from
/// `detected` through minutes with data (in the last day, at most the
/// lookback), skip at most an hour of clean ones, then the run of bad
/// ones; its oldest minute.
fn brute_first_bad(raw: &[(Minute, Counts)], head: Minute, detected: Minute) -> Option<Minute> {
    let horizon = head - 1439;
    if detected < horizon {
        return None;
    }
    let lo = (detected - IMPACT_LOOKBACK_MINUTES).max(horizon);
    let mut per_minute: BTreeMap<Minute, Counts> = BTreeMap::new();
    for (m, c) in raw.iter().filter(|(m, _)| (lo..=detected).contains(m)) {
        let e = per_minute.entry(*m).or_default();
        e.good += c.good;
        e.total += c.total;
    }
    let newest_first: Vec<(Minute, bool)> = per_minute
        .iter()
        .rev()
        .filter(|(_, c)| c.total > 0)
        .map(|(m, c)| (*m, c.total > c.good))
        .collect();
    let clean = newest_first.iter().take_while(|(_, bad)| !bad).count();
    if clean > 60 {
        return None;
    }
    newest_first[clean..]
        .iter()
        .take_while(|(_, bad)| *bad)
        .last()
        .map(|(m, _)| *m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn impact_starts_at_the_first_bad_minute_of_the_run_ending_at_detection(
        start in start_minute(),
        runs in runs(),
        advance in prop_oneof![Just(0i64), 0i64..1500],
        detected_back in 0i64..1600,
        alert_back in 0i64..600,
        other_back in 0i64..1400,
    ) {
        let spec = SloSpec::new(0.999, WindowSpec::rolling(30 * 1440), default_tiers(), 10);
        let (series, raw) = laid(&spec, start, &runs, advance);
        let head = series.head();
        let detected = head - detected_back;
        let want = brute_first_bad(&raw, head, detected);
        prop_assert_eq!(first_bad_minute(&series, detected), want);

        // Seconds into the minute do not move it; the alert's start wins
        // when earlier; a second SLO's earlier run wins too.
        let detected_at = timestamp_of(detected) + jiff::SignedDuration::from_secs(59);
        let alert_start = timestamp_of(detected - alert_back);
        let expected = want.map(timestamp_of).map_or(alert_start, |t| t.min(alert_start));
        let slos = [SloSeries::Events(series.clone())];
        prop_assert_eq!(impact_start(&slos, detected_at, alert_start), expected);
        let none: [SloSeries; 0] = [];
        prop_assert_eq!(impact_start(&none, detected_at, alert_start), alert_start);
        let mut other = spec.new_series(head);
        let bad_at = head - other_back;
        other.add(bad_at, Counts::new(0, 1)).unwrap();
        let earliest = [want, brute_first_bad(&[(bad_at, Counts::new(0, 1))], head, detected)]
            .into_iter()
            .flatten()
            .min();
        let expected = earliest.map(timestamp_of).map_or(alert_start, |t| t.min(alert_start));
        let both = [SloSeries::Events(series), SloSeries::Events(other)];
        prop_assert_eq!(impact_start(&both, detected_at, alert_start), expected);
    }

    #[test]
    fn budget_burned_is_bad_events_over_the_windows_budget(
        start in start_minute(),
        ops in prop::collection::vec(op(), 1..80),
        from_back in 0i64..30 * 1440,
        len in 0i64..3 * 1440,
        seconds in 0i64..60,
    ) {
        let spec = SloSpec::new(0.999, WindowSpec::rolling(30 * 1440), default_tiers(), 10);
        let (series, raw) = run(&spec, start, &ops);
        let head = series.head();
        let from = head - from_back;
        let to = (from + len).min(head);
        let report = evaluate(&spec, &series, timestamp_of(head), &[]);
        let slo = SloSeries::Events(series);
        let at = |m: Minute| timestamp_of(m) + jiff::SignedDuration::from_secs(seconds);
        let got = budget_burned(&spec, &slo, &report, at(from), at(to));
        let window = brute_sum(&raw, brute_from(&spec.window, head), head);
        let c = brute_range(&raw, head, from, to + 1);
        match got {
            None => prop_assert_eq!(window.total, 0),
            Some(b) => {
                prop_assert!(b.events);
                prop_assert_eq!((b.bad, b.total), (c.total - c.good, c.total));
                let budget = (1.0 - spec.objective) * window.total as f64;
                prop_assert!(close(Some(b.ratio), Some(b.bad as f64 / budget)), "{} vs {}", b.ratio, b.bad as f64 / budget);
            }
        }
    }
}

#[test]
fn no_budget_means_no_burn() {
    let spec = SloSpec::new(1.0, WindowSpec::rolling(1440), default_tiers(), 1);
    let now: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
    let mut series = spec.new_series(minute_of(now));
    series.add(minute_of(now), Counts::new(1, 2)).unwrap();
    let report = evaluate(&spec, &series, now, &[]);
    let slo = SloSeries::Events(series);
    assert_eq!(budget_burned(&spec, &slo, &report, now, now), None);
    let spec = SloSpec::new(0.99, WindowSpec::rolling(1440), default_tiers(), 1);
    let series = spec.new_series(minute_of(now));
    let report = evaluate(&spec, &series, now, &[]);
    let slo = SloSeries::Events(series);
    assert_eq!(budget_burned(&spec, &slo, &report, now, now), None);
}

#[test]
fn empty_windows_have_no_sli_and_no_burn_rate() {
    let spec = SloSpec::new(0.999, WindowSpec::rolling(30 * 1440), default_tiers(), 10);
    let now: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
    let mut series = spec.new_series(minute_of(now));
    series
        .add(minute_of(now) - 120, Counts::new(10, 10))
        .unwrap();
    let report = evaluate(&spec, &series, now, &[]);
    let five = report.window(&spec, "5m").unwrap();
    assert_eq!((five.total, five.sli, five.burn_rate), (0, None, None));
    assert_eq!(report.window(&spec, "30d").unwrap().sli, Some(1.0));
    assert_eq!(report.budget.remaining, Some(1.0));
    let empty = evaluate(
        &spec,
        &spec.new_series(minute_of(now)),
        now,
        &[AlertState::default()],
    );
    assert_eq!(empty.budget.remaining, None);
    assert_eq!(empty.budget.exhausted_at_1h, None);
}

#[test]
fn exhaustion_is_projected_from_the_current_burn() {
    // 30 days, 99.9%: a quarter of the remaining budget spent long ago, the
    // last day burning at 2x: the rest lasts remaining × 30d ÷ 2.
    let spec = SloSpec::new(0.999, WindowSpec::rolling(30 * 1440), default_tiers(), 10);
    let now: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
    let head = minute_of(now);
    let mut series = spec.new_series(head);
    // 250 bad of 10M events 10 days ago...
    series
        .add(head - 10 * 1440, Counts::new(9_999_750, 10_000_000))
        .unwrap();
    // ...and the last day burns at 2x (0.2% errors), the last hour too.
    for m in 0..1440 {
        series.add(head - m, Counts::new(998, 1000)).unwrap();
    }
    let r = evaluate(&spec, &series, now, &[]);
    let remaining = r.budget.remaining.unwrap();
    let expected = 1.0 - (250.0 + 2.0 * 1440.0) / (10_000_000.0 + 1_440_000.0) / 0.001;
    assert!(
        (remaining - expected).abs() < 1e-9,
        "{remaining} vs {expected}"
    );
    // At 2x burn the rest of the budget lasts remaining × 30d ÷ 2.
    let secs = remaining * 30.0 * 86400.0 / 2.0;
    let at = r.budget.exhausted_at_1d.unwrap();
    let got = at.as_second() - now.as_second();
    assert!((got - secs as i64).abs() <= 1, "{got} vs {secs}");
    assert_eq!(r.budget.exhausted_at_1h, r.budget.exhausted_at_1d);
}
