//! The invariants the daemon's mutex used to keep hold in the database:
//! two handles (two connections, no lock shared between them in this
//! code), written from two threads at once, keep one batch per idempotency
//! key and one open incident per group (issue 13).
//!
//! Each round makes the race certain rather than likely: both writers first
//! see that nothing exists yet (no batch for the key, no open incident in
//! the group), meet at a barrier, and only then write; what one of them
//! decided is stale by the time it writes, and the database must refuse it.

use std::collections::HashMap;
use std::sync::Barrier;

use nines_store::{EventLog, IncidentRef, IncidentStore, StoreError};

use crate::incidents::{link, open};
use crate::util::{TestDb, backends, ev, slo};

backends!(
    two_writers_store_one_batch_per_key,
    two_writers_open_one_incident_per_group,
);

const ROUNDS: i64 = 40;

/// What one writer saw in one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Stored(i64),
    Duplicate(i64),
}

fn two_writers_store_one_batch_per_key<D: TestDb>() {
    let db = D::new();
    let mut first = db.open();
    let id = slo(&mut first);
    let second = db.another(&first);
    let barrier = Barrier::new(2);
    let writer = |mut store: D::Store, writer: u64| {
        let barrier = &barrier;
        move || {
            (0..ROUNDS)
                .map(|round| {
                    let key = format!("key-{round}");
                    assert_eq!(store.batch_for_key(&key).unwrap(), None);
                    barrier.wait();
                    let events = [ev(id, round, 1, 1), ev(id, round, writer, writer)];
                    // Half the rounds through each call: `append_batch`
                    // refuses the second, `append_batch_once` returns
                    // the first.
                    if round % 2 == 0 {
                        let a = store.append_batch_once(&events, round, Some(&key)).unwrap();
                        assert_eq!(a.events, 2);
                        if a.duplicate {
                            Outcome::Duplicate(a.batch)
                        } else {
                            Outcome::Stored(a.batch)
                        }
                    } else {
                        match store.append_batch(&events, round, Some(&key)) {
                            Ok(batch) => Outcome::Stored(batch),
                            Err(StoreError::KeyUsed { batch, .. }) => Outcome::Duplicate(batch),
                            Err(e) => panic!("{e}"),
                        }
                    }
                })
                .collect::<Vec<_>>()
        }
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(writer(first, 1));
        let b = s.spawn(writer(second, 2));
        (a.join().unwrap(), b.join().unwrap())
    });
    let store = db.open();
    let batches = store.restore().unwrap().batches;
    assert_eq!(batches.len() as i64, ROUNDS, "one batch per key");
    for round in 0..ROUNDS {
        let (x, y) = (a[round as usize], b[round as usize]);
        let stored = match (x, y) {
            (Outcome::Stored(s), Outcome::Duplicate(d))
            | (Outcome::Duplicate(d), Outcome::Stored(s)) => {
                assert_eq!(s, d, "round {round}: the duplicate names the stored batch");
                s
            }
            other => panic!("round {round}: {other:?}"),
        };
        let key = format!("key-{round}");
        assert_eq!(store.batch_for_key(&key).unwrap(), Some((stored, 2)));
        assert!(batches.iter().any(|(id, _)| *id == stored));
    }
}

fn two_writers_open_one_incident_per_group<D: TestDb>() {
    let db = D::new();
    let first = db.open();
    let second = db.another(&first);
    let barrier = Barrier::new(2);
    let writer = |mut store: D::Store, writer: i64| {
        let barrier = &barrier;
        move || {
            let mut refused = 0;
            for round in 0..ROUNDS {
                let group = format!("group-{round}");
                let alert = format!("alert-{writer}");
                assert!(store.open_incident_in_group(&group).unwrap().is_none());
                barrier.wait();
                // Decided on a read the other writer may already have made
                // stale: open the group's incident.
                let ops = [
                    open(&group, round),
                    link(IncidentRef::Opened, &alert, round),
                ];
                match store.apply_incident_ops(&ops) {
                    Ok(id) => assert!(id.is_some()),
                    Err(StoreError::OpenIncidentExists { group_key, open }) => {
                        assert_eq!(group_key, group);
                        refused += 1;
                        // What the daemon does on the refusal: join it.
                        store
                            .apply_incident_ops(&[link(IncidentRef::Id(open), &alert, round)])
                            .unwrap();
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            refused
        }
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(writer(first, 1));
        let b = s.spawn(writer(second, 2));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a + b, ROUNDS, "every round, one writer was refused");
    let store = db.open();
    let incidents = store.incidents(None, None, 10_000).unwrap();
    let mut per_group: HashMap<&str, Vec<i64>> = HashMap::new();
    for i in &incidents {
        assert_ne!(i.status, nines_incident::Status::Resolved);
        per_group.entry(&i.group_key).or_default().push(i.id);
    }
    assert_eq!(per_group.len() as i64, ROUNDS);
    for (group, ids) in per_group {
        assert_eq!(ids.len(), 1, "{group}: {ids:?}");
        let alerts = store.incident_alerts(ids[0]).unwrap();
        assert_eq!(alerts.len(), 2, "{group}: both writers' alerts joined it");
    }
}
