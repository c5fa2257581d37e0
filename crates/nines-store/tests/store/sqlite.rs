//! What only the SQLite backend has: one process per data directory, the
//! schema version and its upgrades, the durability setting, and errors
//! that carry no rusqlite type.

use nines_store::{
    BackendErrorKind, Durability, IncidentOp, IncidentRef, Lease, Store, StoreError,
};

use crate::incidents::{link, open};
use crate::util::ev;

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
    // Another handle of this process shares the lock, and holds it.
    let clone = first.try_clone().unwrap();
    drop(first);
    assert!(matches!(
        Store::open(dir.path(), Durability::Process),
        Err(StoreError::Locked { .. })
    ));
    drop(clone);
    Store::open(dir.path(), Durability::Process).unwrap();
}

#[test]
fn full_durability_reads_what_process_durability_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let (id, batch) = {
        let mut store = Store::open(dir.path(), Durability::Process).unwrap();
        let id = crate::util::slo(&mut store);
        (id, store.append_batch(&[ev(id, 1, 1, 1)], 1, None).unwrap())
    };
    let mut store = Store::open(dir.path(), Durability::Full).unwrap();
    assert_eq!(
        store.restore().unwrap().batches,
        vec![(batch, vec![ev(id, 1, 1, 1)])]
    );
    let mut clone = store.try_clone().unwrap();
    let next = clone.append_batch(&[ev(id, 2, 1, 1)], 2, None).unwrap();
    assert_eq!(store.pending_batches().unwrap(), 2, "{next}");
    assert!(store.append_batch(&[], 3, None).unwrap() > next);
}

/// A database from before migration 10 that holds two open incidents in
/// one group (possible only if something bypassed the daemon's mutex)
/// still opens: the older is resolved, saying why, and the index is built.
#[test]
fn the_upgrade_resolves_duplicate_open_incidents_then_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let (older, newer) = {
        let mut store = Store::open(dir.path(), Durability::Process).unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("nines.db")).unwrap();
        conn.execute_batch("DROP INDEX incidents_one_open_per_group; PRAGMA user_version = 9;")
            .unwrap();
        let older = store.apply_incident_ops(&[open("g", 1)]).unwrap().unwrap();
        store
            .apply_incident_ops(&[
                IncidentOp::EscalationStart {
                    incident: IncidentRef::Id(older),
                    policy: "default".into(),
                    started_at: 1,
                    fired: None,
                },
                IncidentOp::Enqueue {
                    incident: Some(IncidentRef::Id(older)),
                    channel: "user:ana".into(),
                    key: "page".into(),
                    body: "{}".into(),
                    at_ms: 600_000,
                },
            ])
            .unwrap();
        let newer = store.apply_incident_ops(&[open("g", 2)]).unwrap().unwrap();
        store.apply_incident_ops(&[open("other", 2)]).unwrap();
        (older, newer)
    };
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("nines.db")).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 11, "every migration applied again after 9");
    let resolved = store.incident(older).unwrap().unwrap();
    assert_eq!(resolved.status, nines_incident::Status::Resolved);
    assert!(resolved.resolved_at.is_some());
    let last = store.incident_timeline(older).unwrap().pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.text),
        (
            "resolved",
            format!("resolved by the schema upgrade: incident #{newer} of the same group is open")
        )
    );
    assert!(
        store
            .escalation(older)
            .unwrap()
            .unwrap()
            .stopped_at
            .is_some()
    );
    assert_eq!(store.pages(0, i64::MAX).unwrap()[0].state, "cancelled");
    assert_eq!(
        store.open_incident_in_group("g").unwrap().unwrap().id,
        newer
    );
    assert_eq!(
        store
            .incidents(Some(nines_incident::Status::Triggered), None, 10)
            .unwrap()
            .len(),
        2
    );
    assert!(matches!(
        store.apply_incident_ops(&[open("g", 3)]),
        Err(StoreError::OpenIncidentExists { open, .. }) if open == newer
    ));
}

#[test]
fn backend_errors_name_the_database_and_keep_the_sqlite_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let err = store
        .apply_incident_ops(&[link(IncidentRef::Opened, "a", 1)])
        .unwrap_err();
    let StoreError::Backend { database, source } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(database, &dir.path().join("nines.db").display().to_string());
    assert_eq!(source.kind(), BackendErrorKind::Other);
    assert_eq!(
        err.to_string(),
        format!("database {database}: Query returned no rows")
    );
}

#[test]
fn a_writer_holding_the_database_makes_others_wait_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let id = crate::util::slo(&mut store);
    let mut other = store.try_clone().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("nines.db")).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let waiter = std::thread::spawn(move || other.append_batch(&[ev(id, 1, 1, 1)], 1, None));
    std::thread::sleep(std::time::Duration::from_millis(200));
    conn.execute_batch("COMMIT").unwrap();
    waiter.join().unwrap().unwrap();
    assert_eq!(store.pending_batches().unwrap(), 1);
}

#[test]
fn sqlite_always_grants_the_lease() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Process).unwrap();
    let lead = store.try_lead("a", 1_000, 15_000).unwrap().unwrap();
    assert_eq!(lead.until_ms, 16_000);
    let again = store.try_lead("a", 2_000, 15_000).unwrap().unwrap();
    assert_eq!(again.epoch, lead.epoch, "leadership never moves");
    store.release("a").unwrap();
}
