//! Escalation over many random policies and daemon wake-ups: however the
//! wakes are spaced (a restart is just a late wake), the steps fired are
//! exactly those due by the last wake, each once, in order, and nothing
//! fires after the last pass.

use jiff::{SignedDuration, Timestamp};
use nines_oncall::{Due, EscalationPolicy, Position, Step, Target};
use proptest::prelude::*;

fn policy_strategy() -> impl Strategy<Value = EscalationPolicy> {
    (
        // Step delays in minutes, zeros and negatives included.
        prop::collection::vec(-5i64..90, 1..5),
        0u32..4,
        -5i64..120,
    )
        .prop_map(|(afters, repeat, repeat_after)| EscalationPolicy {
            name: "p".into(),
            steps: afters
                .into_iter()
                .enumerate()
                .map(|(i, after)| Step {
                    targets: vec![Target::User(format!("u{i}"))],
                    after: SignedDuration::from_mins(after),
                    round_robin: false,
                })
                .collect(),
            repeat,
            repeat_after: SignedDuration::from_mins(repeat_after),
            page_tickets: false,
        })
}

fn start() -> Timestamp {
    "2026-03-29T00:30:00Z".parse().unwrap()
}

/// Wake-ups as increasing second offsets from the start, some before it.
fn wakes_strategy() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(-600i64..6 * 3600, 1..30).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

/// Every position of the policy, in firing order, with its due time.
fn all_due(p: &EscalationPolicy) -> Vec<Due> {
    p.timeline(start(), None).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn wakes_fire_exactly_the_due_steps_once_in_order(p in policy_strategy(), wakes in wakes_strategy()) {
        // The daemon: wake, fire what is due, store the last position.
        let mut stored: Option<Position> = None;
        let mut fired: Vec<Due> = Vec::new();
        let mut last = start();
        for w in &wakes {
            let now = start() + SignedDuration::from_secs(*w);
            let due = p.due(start(), stored, now);
            prop_assert!(due.iter().all(|d| d.at <= now));
            if let Some(d) = due.last() {
                stored = Some(d.position);
            }
            fired.extend(due);
            // Nothing due is left behind, and the sleep is until the next.
            match p.next_due(start(), stored) {
                Some(next) => prop_assert!(next > now),
                None => prop_assert_eq!(stored, all_due(&p).last().map(|d| d.position)),
            }
            last = now;
        }
        let want: Vec<Due> = all_due(&p).into_iter().filter(|d| d.at <= last).collect();
        prop_assert_eq!(&fired, &want);
        // The same as one wake at the end: spacing does not matter.
        prop_assert_eq!(&p.due(start(), None, last), &want);
        // In order, each once.
        prop_assert!(fired.windows(2).all(|w| w[0].position < w[1].position && w[0].at <= w[1].at));
    }

    #[test]
    fn repeat_gives_exactly_its_passes_and_then_nothing(p in policy_strategy(), late in 0i64..1_000_000) {
        let all = all_due(&p);
        prop_assert_eq!(all.len(), p.steps.len() * (p.repeat as usize + 1));
        for (i, d) in all.iter().enumerate() {
            prop_assert_eq!(d.position.pass as usize, i / p.steps.len());
            prop_assert_eq!(d.position.step, i % p.steps.len());
        }
        let end = all.last().unwrap();
        let far = end.at + SignedDuration::from_mins(late);
        prop_assert!(p.due(start(), Some(end.position), far).is_empty());
        prop_assert_eq!(p.next_due(start(), Some(end.position)), None);
        prop_assert_eq!(p.due(start(), None, far).len(), all.len());
    }
}
