//! The event log keeps what it acknowledged across reopening, checkpoints
//! fold the log without losing or doubling anything, and idempotency keys
//! count a batch once.

use nines_slo::{Counts, Snapshot};
use nines_store::{
    AlertTransition, Appended, EventLog, IncidentStore, StoreError, decode_snapshot,
    encode_snapshot,
};

use crate::util::{TestDb, backends, ev, slo};

backends!(
    ids_are_stable_and_batches_survive_reopen,
    checkpoint_replaces_the_log_up_to_its_batch,
    batch_ids_are_not_reused_after_a_checkpoint_empties_the_log,
    alert_state_and_history_persist,
    idempotency_keys_find_their_batch_and_expire_after_a_day,
    a_batch_with_a_known_key_is_stored_once,
    pulled_events_and_their_cursors_are_stored_together,
);

fn ids_are_stable_and_batches_survive_reopen<D: TestDb>() {
    let db = D::new();
    let keys = vec![
        ("shop".to_string(), "availability".to_string()),
        ("shop".to_string(), "latency".to_string()),
    ];
    let (a, b) = {
        let mut store = db.open();
        let ids = store.slo_ids(&keys).unwrap();
        let (a, b) = (ids[&keys[0]], ids[&keys[1]]);
        assert_ne!(a, b);
        store.append_batch(&[ev(a, 100, 9, 10)], 1, None).unwrap();
        store
            .append_batch(&[ev(b, 101, 1, 1), ev(a, 102, 0, 5)], 2, None)
            .unwrap();
        (a, b)
    };
    let mut store = db.open();
    let ids = store.slo_ids(&keys).unwrap();
    assert_eq!((ids[&keys[0]], ids[&keys[1]]), (a, b));
    let restored = store.restore().unwrap();
    let batches: Vec<_> = restored.batches.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(
        batches,
        vec![
            vec![ev(a, 100, 9, 10)],
            vec![ev(b, 101, 1, 1), ev(a, 102, 0, 5)]
        ]
    );
}

fn checkpoint_replaces_the_log_up_to_its_batch<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = slo(&mut store);
    let first = store.append_batch(&[ev(id, 10, 1, 1)], 1, None).unwrap();
    let snap = Snapshot {
        head: 10,
        minutes: vec![(10, Counts::new(1, 1))],
        hours: vec![],
    };
    let second = store.append_batch(&[ev(id, 11, 2, 2)], 2, None).unwrap();
    store
        .checkpoint(first, &[(id, encode_snapshot(&snap))], 3)
        .unwrap();
    assert_eq!(store.pending_batches().unwrap(), 1);
    assert_eq!(store.snapshot(id).unwrap(), Some(encode_snapshot(&snap)));
    drop(store);
    let store = db.open();
    let restored = store.restore().unwrap();
    assert_eq!(restored.snapshots.len(), 1);
    assert_eq!(decode_snapshot(&restored.snapshots[0].1).unwrap(), snap);
    assert_eq!(restored.batches, vec![(second, vec![ev(id, 11, 2, 2)])]);
}

fn batch_ids_are_not_reused_after_a_checkpoint_empties_the_log<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = slo(&mut store);
    let first = store.append_batch(&[ev(id, 10, 1, 1)], 1, None).unwrap();
    store.checkpoint(first, &[], 2).unwrap();
    let next = store.append_batch(&[ev(id, 11, 1, 1)], 3, None).unwrap();
    assert!(next > first);
    assert_eq!(
        store.restore().unwrap().batches,
        vec![(next, vec![ev(id, 11, 1, 1)])]
    );
}

fn alert_state_and_history_persist<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = slo(&mut store);
    let t = |firing, at| AlertTransition {
        slo_id: id,
        tier: "page-1h".into(),
        severity: "page".into(),
        firing,
        at,
        threshold: 14.4,
        long_burn: Some(20.0),
        short_burn: None,
    };
    store.record_alerts(&[t(true, 100)]).unwrap();
    store.record_alerts(&[t(false, 200)]).unwrap();
    store.record_alerts(&[]).unwrap();
    drop(store);
    let store = db.open();
    let restored = store.restore().unwrap();
    assert_eq!(restored.alerts.len(), 1);
    assert!(!restored.alerts[0].firing);
    assert_eq!(restored.alerts[0].since, Some(200));
    let history = store.alert_history(id, 10).unwrap();
    assert_eq!(history, vec![t(false, 200), t(true, 100)]);
}

fn idempotency_keys_find_their_batch_and_expire_after_a_day<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = slo(&mut store);
    let batch = store
        .append_batch(&[ev(id, 10, 1, 1), ev(id, 11, 1, 1)], 1_000, Some("k1"))
        .unwrap();
    assert_eq!(store.batch_for_key("k1").unwrap(), Some((batch, 2)));
    assert_eq!(store.batch_for_key("k2").unwrap(), None);
    let refused = store.append_batch(&[ev(id, 12, 1, 1)], 1_001, Some("k1"));
    assert!(
        matches!(&refused, Err(StoreError::KeyUsed { key, batch: b }) if key == "k1" && *b == batch),
        "a key is used once: {refused:?}"
    );
    assert_eq!(
        store.pending_batches().unwrap(),
        1,
        "the refused batch is not stored"
    );
    store
        .checkpoint(batch, &[], 1_000 + nines_store::BATCH_KEY_SECONDS)
        .unwrap();
    assert_eq!(store.batch_for_key("k1").unwrap(), Some((batch, 2)));
    store
        .checkpoint(batch, &[], 1_001 + nines_store::BATCH_KEY_SECONDS)
        .unwrap();
    assert_eq!(store.batch_for_key("k1").unwrap(), None);
}

fn a_batch_with_a_known_key_is_stored_once<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = slo(&mut store);
    let first = store
        .append_batch_once(&[ev(id, 10, 1, 1), ev(id, 11, 1, 1)], 1_000, Some("k"))
        .unwrap();
    assert!(!first.duplicate);
    assert_eq!(first.events, 2);
    let again = store
        .append_batch_once(&[ev(id, 12, 5, 5)], 1_001, Some("k"))
        .unwrap();
    assert_eq!(
        again,
        Appended {
            batch: first.batch,
            events: 2,
            duplicate: true
        }
    );
    let unkeyed = store
        .append_batch_once(&[ev(id, 13, 1, 1)], 1_002, None)
        .unwrap();
    assert!(!unkeyed.duplicate && unkeyed.batch > first.batch);
    let batches = store.restore().unwrap().batches;
    assert_eq!(
        batches,
        vec![
            (first.batch, vec![ev(id, 10, 1, 1), ev(id, 11, 1, 1)]),
            (unkeyed.batch, vec![ev(id, 13, 1, 1)])
        ]
    );
}

fn pulled_events_and_their_cursors_are_stored_together<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = slo(&mut store);
    assert_eq!(store.append_pulled(&[], &[(id, 60)], 1).unwrap(), None);
    let batch = store
        .append_pulled(&[ev(id, 2, 1, 1)], &[(id, 120)], 2)
        .unwrap()
        .unwrap();
    drop(store);
    let store = db.open();
    assert_eq!(store.source_cursors().unwrap()[&id], 120);
    assert_eq!(
        store.restore().unwrap().batches,
        vec![(batch, vec![ev(id, 2, 1, 1)])]
    );
}
