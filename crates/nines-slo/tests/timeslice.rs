//! Timeslices budgeting against brute force: every window's good and total
//! slices equal a recount over the raw events accepted.

use nines_slo::{
    Counts, Minute, SloSeries, SloSpec, TimesliceSeries, Timeslices, WindowSpec, budget_burned,
    default_tiers, evaluate, timestamp_of,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Add { back: i64, good: u64, bad: u64 },
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0i64..1600, 0u64..100, 0u64..20).prop_map(|(back, good, bad)| Op::Add { back, good, bad }),
        3 => (0i64..30).prop_map(Op::Advance),
        1 => (30i64..3000).prop_map(Op::Advance),
    ]
}

fn recount(raw: &[(Minute, Counts)], rule: Timeslices, head: Minute, from: Minute) -> Counts {
    let k = i64::from(rule.slice_minutes);
    let sealed_to = head.div_euclid(k) * k;
    let mut out = Counts::default();
    let mut s = from.div_euclid(k) * k;
    while s < sealed_to {
        if s >= from {
            let c = raw
                .iter()
                .filter(|(m, _)| *m >= s && *m < s + k)
                .fold((0u64, 0u64), |a, (_, c)| (a.0 + c.good, a.1 + c.total));
            if c.1 > 0 {
                out.total += 1;
                out.good += u64::from(c.0 as f64 >= rule.target * c.1 as f64);
            }
        }
        s += k;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn slices_match_a_recount(
        start in 27_000_000i64..28_000_000,
        k in prop_oneof![Just(1u32), Just(5u32), Just(7u32), Just(60u32)],
        target in prop_oneof![Just(0.9f64), Just(0.95f64), Just(1.0f64)],
        ops in prop::collection::vec(op(), 1..80),
    ) {
        let rule = Timeslices { slice_minutes: k, target };
        let spec = SloSpec::new(0.99, WindowSpec::rolling(7 * 1440), default_tiers(), 1);
        let mut series = TimesliceSeries::new(spec.windows().to_vec(), start, rule);
        let mut raw: Vec<(Minute, Counts)> = Vec::new();
        for op in &ops {
            match *op {
                Op::Add { back, good, bad } => {
                    let m = series.head() - back;
                    let c = Counts::new(good, good + bad);
                    let accepted = series.add(m, c).is_ok();
                    prop_assert_eq!(accepted, m >= series.oldest_accepted() && m <= series.head());
                    if accepted {
                        raw.push((m, c));
                    }
                }
                Op::Advance(n) => series.advance(series.head() + n),
            }
        }
        for i in 0..spec.windows().len() {
            let from = series.window_from(i);
            prop_assert_eq!(series.window_sum(i), recount(&raw, rule, series.head(), from), "window {}", spec.labels()[i].clone());
        }
        // Any range within the last day: the slices that start in it.
        let from = series.head() - 600;
        prop_assert_eq!(
            series.slice_range_sum(from, series.head() + 1),
            recount(&raw, rule, series.head(), from),
            "range from {}", from
        );
        // A snapshot restores the same figures.
        let restored = TimesliceSeries::restore(spec.windows().to_vec(), &series.snapshot(), rule);
        for i in 0..spec.windows().len() {
            prop_assert_eq!(restored.window_sum(i), series.window_sum(i));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn budget_burned_counts_bad_slices_over_the_windows_slices(
        start in 27_000_000i64..28_000_000,
        k in prop_oneof![Just(1u32), Just(5u32), Just(60u32)],
        ops in prop::collection::vec(op(), 1..80),
        from_back in 0i64..1400,
        len in 0i64..1400,
    ) {
        let rule = Timeslices { slice_minutes: k, target: 0.95 };
        let spec = SloSpec::new(0.99, WindowSpec::rolling(7 * 1440), default_tiers(), 1)
            .with_timeslices(rule);
        let mut series = TimesliceSeries::new(spec.windows().to_vec(), start, rule);
        let mut raw: Vec<(Minute, Counts)> = Vec::new();
        for op in &ops {
            match *op {
                Op::Add { back, good, bad } => {
                    let m = series.head() - back;
                    let c = Counts::new(good, good + bad);
                    if series.add(m, c).is_ok() {
                        raw.push((m, c));
                    }
                }
                Op::Advance(n) => series.advance(series.head() + n),
            }
        }
        let head = series.head();
        let (from, to) = (head - from_back, (head - from_back + len).min(head));
        let slo = SloSeries::Timeslices(series);
        let report = evaluate(&spec, &slo, timestamp_of(head), &[]);
        let got = budget_burned(&spec, &slo, &report, timestamp_of(from), timestamp_of(to));
        // Slices that start in the span; the window's from the hour
        // holding its far edge.
        let span = {
            let after_to = recount(&raw, rule, head, to + 1);
            let all = recount(&raw, rule, head, from);
            Counts::new(all.good - after_to.good, all.total - after_to.total)
        };
        let window = recount(&raw, rule, head, (head - 7 * 1440 + 1).div_euclid(60) * 60);
        match got {
            None => prop_assert_eq!(window.total, 0),
            Some(b) => {
                prop_assert!(!b.events);
                prop_assert_eq!((b.bad, b.total), (span.total - span.good, span.total));
                let want = b.bad as f64 / (0.01 * window.total as f64);
                prop_assert!((b.ratio - want).abs() <= 1e-9 * want.max(1.0), "{} vs {}", b.ratio, want);
            }
        }
    }
}

#[test]
fn a_slice_is_good_when_its_sli_meets_the_target() {
    let rule = Timeslices {
        slice_minutes: 1,
        target: 0.95,
    };
    let spec = SloSpec::new(0.99, WindowSpec::rolling(1440), default_tiers(), 1);
    let mut s = TimesliceSeries::new(spec.windows().to_vec(), 1000, rule);
    s.add(1000, Counts::new(95, 100)).unwrap(); // good slice
    s.advance(1001);
    s.add(1001, Counts::new(94, 100)).unwrap(); // bad slice
    s.advance(1003); // minute 1002 had no events: not a slice
    s.add(1001, Counts::new(30, 30)).unwrap(); // late: 124/130 makes it good
    let day = spec.labels().iter().position(|l| l == "1d").unwrap();
    assert_eq!(s.window_sum(day), Counts::new(2, 2));
}
