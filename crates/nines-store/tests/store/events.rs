//! The store keeps what it acknowledged across reopening, and checkpoints
//! fold the log without losing or doubling anything.

use nines_slo::{Counts, Snapshot};
use nines_store::{
    AlertTransition, Durability, EventRecord, Store, decode_snapshot, encode_snapshot,
};

fn ev(slo_id: i64, minute: i64, good: u64, total: u64) -> EventRecord {
    EventRecord {
        slo_id,
        minute,
        counts: Counts::new(good, total),
    }
}

#[test]
fn ids_are_stable_and_batches_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let keys = vec![
        ("shop".to_string(), "availability".to_string()),
        ("shop".to_string(), "latency".to_string()),
    ];
    let (a, b) = {
        let mut store = Store::open(dir.path(), Durability::Process).unwrap();
        let ids = store.slo_ids(&keys).unwrap();
        let (a, b) = (ids[&keys[0]], ids[&keys[1]]);
        assert_ne!(a, b);
        store.append_batch(&[ev(a, 100, 9, 10)], 1, None).unwrap();
        store
            .append_batch(&[ev(b, 101, 1, 1), ev(a, 102, 0, 5)], 2, None)
            .unwrap();
        (a, b)
    };
    let mut store = Store::open(dir.path(), Durability::Full).unwrap();
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

#[test]
fn checkpoint_replaces_the_log_up_to_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let id =
        store.slo_ids(&[("s".into(), "o".into())]).unwrap()[&("s".to_string(), "o".to_string())];
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
    drop(store);
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    let restored = store.restore().unwrap();
    assert_eq!(restored.snapshots.len(), 1);
    assert_eq!(decode_snapshot(&restored.snapshots[0].1).unwrap(), snap);
    assert_eq!(restored.batches, vec![(second, vec![ev(id, 11, 2, 2)])]);
}

#[test]
fn batch_ids_are_not_reused_after_a_checkpoint_empties_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let id =
        store.slo_ids(&[("s".into(), "o".into())]).unwrap()[&("s".to_string(), "o".to_string())];
    let first = store.append_batch(&[ev(id, 10, 1, 1)], 1, None).unwrap();
    store.checkpoint(first, &[], 2).unwrap();
    let next = store.append_batch(&[ev(id, 11, 1, 1)], 3, None).unwrap();
    assert!(next > first);
    assert_eq!(
        store.restore().unwrap().batches,
        vec![(next, vec![ev(id, 11, 1, 1)])]
    );
}

#[test]
fn alert_state_and_history_persist() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let id =
        store.slo_ids(&[("s".into(), "o".into())]).unwrap()[&("s".to_string(), "o".to_string())];
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
    let restored = store.restore().unwrap();
    assert_eq!(restored.alerts.len(), 1);
    assert!(!restored.alerts[0].firing);
    assert_eq!(restored.alerts[0].since, Some(200));
    let history = store.alert_history(id, 10).unwrap();
    assert_eq!(history, vec![t(false, 200), t(true, 100)]);
}

#[test]
fn a_database_from_a_newer_nines_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path(), Durability::Process).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("nines.db")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(dir.path(), Durability::Process)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("newer nines (schema 99"), "{err}");
}

#[test]
fn one_process_per_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path(), Durability::Process).unwrap();
    let err = Store::open(dir.path(), Durability::Process)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("in use by another nines process"), "{err}");
    drop(first);
    Store::open(dir.path(), Durability::Process).unwrap();
}

#[test]
fn idempotency_keys_find_their_batch_and_expire_after_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let id =
        store.slo_ids(&[("s".into(), "o".into())]).unwrap()[&("s".to_string(), "o".to_string())];
    let batch = store
        .append_batch(&[ev(id, 10, 1, 1), ev(id, 11, 1, 1)], 1_000, Some("k1"))
        .unwrap();
    assert_eq!(store.batch_for_key("k1").unwrap(), Some((batch, 2)));
    assert_eq!(store.batch_for_key("k2").unwrap(), None);
    assert!(
        store
            .append_batch(&[ev(id, 12, 1, 1)], 1_001, Some("k1"))
            .is_err(),
        "a key is used once"
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
