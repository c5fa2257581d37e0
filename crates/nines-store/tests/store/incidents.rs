//! Incident batches are all or nothing, the database keeps one open
//! incident per group, and the outbox owes, delivers and cancels messages.

use nines_store::{
    AlertLink, Delivery, IncidentOp, IncidentRef, IncidentStore, NewIncident, OncallStore,
    OutboxStore, SilenceRow, StoreError,
};

use crate::util::{TestDb, backends};

backends!(
    a_group_has_at_most_one_open_incident,
    an_incident_batch_is_written_whole,
    one_alert_and_whether_another_fires_are_read_alone,
    the_outbox_delivers_in_order_and_escalation_stops_pages,
    silences_expire,
);

pub fn open(group: &str, at: i64) -> IncidentOp {
    IncidentOp::Open(NewIncident {
        title: format!("{group} is down"),
        service: "shop".into(),
        severity: nines_incident::IncidentSeverity::Sev2,
        group_key: group.into(),
        started_at: at,
    })
}

pub fn link(incident: IncidentRef, key: &str, at: i64) -> IncidentOp {
    IncidentOp::LinkAlert {
        incident,
        alert: AlertLink {
            source: "alertmanager".into(),
            key: key.into(),
            status: nines_incident::AlertStatus::Firing,
            summary: format!("{key} fires"),
            labels: "{}".into(),
            first_at: at,
            last_at: at,
        },
    }
}

fn status(id: i64, status: &str, at: i64) -> IncidentOp {
    IncidentOp::Update {
        incident: IncidentRef::Id(id),
        status: Some(status.parse().unwrap()),
        severity: None,
        assignee: None,
        commander: None,
        at,
    }
}

fn enqueue(incident: Option<IncidentRef>, channel: &str, key: &str, at_ms: i64) -> IncidentOp {
    IncidentOp::Enqueue {
        incident,
        channel: channel.into(),
        key: key.into(),
        body: "{}".into(),
        at_ms,
    }
}

fn a_group_has_at_most_one_open_incident<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let first = store.apply_incident_ops(&[open("g", 1)]).unwrap().unwrap();
    let refused = store.apply_incident_ops(&[open("g", 2)]);
    assert!(
        matches!(&refused, Err(StoreError::OpenIncidentExists { group_key, open })
            if group_key == "g" && *open == first),
        "{refused:?}"
    );
    // Other groups and manual incidents are not affected.
    store.apply_incident_ops(&[open("h", 2)]).unwrap();

    store
        .apply_incident_ops(&[status(first, "resolved", 3)])
        .unwrap();
    let second = store.apply_incident_ops(&[open("g", 4)]).unwrap().unwrap();
    assert_ne!(first, second);
    // Reopening (or acknowledging) the resolved one would make two open.
    for s in ["triggered", "acknowledged"] {
        let refused = store.apply_incident_ops(&[status(first, s, 5)]);
        assert!(
            matches!(&refused, Err(StoreError::OpenIncidentExists { open, .. }) if *open == second),
            "{s}: {refused:?}"
        );
    }
    assert_eq!(
        store.incident(first).unwrap().unwrap().status,
        nines_incident::Status::Resolved
    );
    store
        .apply_incident_ops(&[status(second, "resolved", 6)])
        .unwrap();
    // No open incident: the group's newest is the one alerts are judged by.
    let latest = store.latest_incident_in_group("g").unwrap().unwrap();
    assert_eq!(latest.id, second);
    store
        .apply_incident_ops(&[status(first, "triggered", 7)])
        .unwrap();
    let open_now = store.open_incident_in_group("g").unwrap().unwrap();
    assert_eq!(open_now.id, first);
    // An open incident comes first, however old.
    let latest = store.latest_incident_in_group("g").unwrap().unwrap();
    assert_eq!(latest.id, first);
    assert!(store.latest_incident_in_group("none").unwrap().is_none());
    assert_eq!(open_now.resolved_at, None, "a reopen clears resolved_at");
}

fn an_incident_batch_is_written_whole<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = store
        .apply_incident_ops(&[
            open("g", 10),
            link(IncidentRef::Opened, "a1", 10),
            IncidentOp::Timeline {
                incident: IncidentRef::Opened,
                at: 10,
                kind: "triggered".into(),
                actor: None,
                text: "opened".into(),
            },
        ])
        .unwrap()
        .unwrap();
    // A batch failing at its last op leaves nothing of its first ones.
    let refused = store.apply_incident_ops(&[
        link(IncidentRef::Id(id), "a2", 11),
        enqueue(Some(IncidentRef::Id(id)), "chat", "k-lost", 11_000),
        open("g", 11),
    ]);
    assert!(matches!(
        refused,
        Err(StoreError::OpenIncidentExists { .. })
    ));
    let alerts = store.incident_alerts(id).unwrap();
    assert_eq!(
        alerts.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(),
        ["a1"]
    );
    assert!(store.incident_outbox(id).unwrap().is_empty());
    assert_eq!(store.incident_timeline(id).unwrap().len(), 1);
    let (linked, link_status) = store
        .incident_of_alert("alertmanager", "a1")
        .unwrap()
        .unwrap();
    assert_eq!((linked.id, link_status.as_str()), (id, "firing"));
    assert_eq!(store.firing_alert_labels().unwrap(), ["{}"]);
    assert_eq!(
        store
            .incidents(Some(nines_incident::Status::Triggered), None, 10)
            .unwrap()
            .len(),
        1
    );
    let (open_by_severity, _) = store.incident_counts().unwrap();
    assert_eq!(open_by_severity, [("SEV2".to_string(), 1)]);
    // `Opened` names nothing in a batch without an `Open`: refused whole.
    let err = store
        .apply_incident_ops(&[link(IncidentRef::Opened, "a3", 12)])
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    assert!(!err.is_busy());
}

fn the_outbox_delivers_in_order_and_escalation_stops_pages<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = store.apply_incident_ops(&[open("g", 1)]).unwrap().unwrap();
    let r = IncidentRef::Id(id);
    store
        .apply_incident_ops(&[
            enqueue(Some(r), "chat", "triggered", 1_000),
            enqueue(Some(r), "chat", "resolved", 2_000),
            // Queued twice (a retried request): owed once.
            enqueue(Some(r), "chat", "resolved", 2_000),
            enqueue(Some(r), "user:ana", "page-ana", 60_000),
            IncidentOp::EscalationStart {
                incident: r,
                policy: "default".into(),
                started_at: 1,
                fired: None,
            },
            IncidentOp::EscalationFired {
                incident: r,
                pass: 0,
                step: 1,
            },
        ])
        .unwrap();
    assert_eq!(store.incident_outbox(id).unwrap().len(), 3);
    assert_eq!(store.next_notification_at().unwrap(), Some(1_000));
    // The second chat message waits for the first, even when both are due.
    let due = store.due_notifications(5_000, 10).unwrap();
    assert_eq!(
        due.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        ["triggered"]
    );
    let retry = Delivery::Retry {
        next_at_ms: 3_000,
        error: "503".into(),
    };
    store.record_deliveries(&[(due[0].clone(), retry)]).unwrap();
    // "resolved" (2,000) waits behind the retried head: the worker sleeps
    // until 3,000, not until a time at which nothing could go out.
    assert_eq!(store.next_notification_at().unwrap(), Some(3_000));
    assert!(store.due_notifications(2_999, 10).unwrap().is_empty());
    let due = store.due_notifications(3_000, 10).unwrap();
    assert_eq!((due[0].key.as_str(), due[0].attempts), ("triggered", 1));
    store
        .record_deliveries(&[(due[0].clone(), Delivery::Sent { at: 3 })])
        .unwrap();
    assert_eq!(store.next_notification_at().unwrap(), Some(2_000));
    let due = store.due_notifications(5_000, 10).unwrap();
    assert_eq!(
        due.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        ["resolved"]
    );
    let timeline = store.incident_timeline(id).unwrap();
    assert_eq!(timeline.last().unwrap().text, "notified chat (attempt 2)");

    let escalation = store.escalation(id).unwrap().unwrap();
    assert_eq!(
        (escalation.fired, escalation.stopped_at),
        (Some((0, 1)), None)
    );
    store
        .apply_incident_ops(&[IncidentOp::EscalationStop { incident: r, at: 4 }])
        .unwrap();
    assert_eq!(store.escalation(id).unwrap().unwrap().stopped_at, Some(4));
    let pages = store.pages(0, i64::MAX).unwrap();
    assert_eq!(
        pages
            .iter()
            .map(|p| (p.key.as_str(), p.state.as_str()))
            .collect::<Vec<_>>(),
        [("page-ana", "cancelled")]
    );
    assert!(
        store
            .due_notifications(100_000, 10)
            .unwrap()
            .iter()
            .all(|o| o.channel == "chat")
    );
    let (_, by_state) = store.incident_counts().unwrap();
    assert_eq!(
        by_state,
        [
            ("cancelled".to_string(), 1),
            ("pending".to_string(), 1),
            ("sent".to_string(), 1)
        ]
    );
}

fn silences_expire<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let silence = SilenceRow {
        id: 0,
        matchers: r#"["service=shop"]"#.into(),
        starts_at: 10,
        ends_at: 100,
        created_by: "ana".into(),
        comment: "maintenance".into(),
    };
    let id = store.add_silence(&silence).unwrap();
    assert_eq!(
        store.silences(50).unwrap(),
        [SilenceRow {
            id,
            ..silence.clone()
        }]
    );
    assert!(store.expire_silence(id, 40).unwrap());
    assert!(!store.expire_silence(id + 1, 40).unwrap());
    let ended = store.silences(50).unwrap();
    assert_eq!(ended[0].ends_at, 40, "the newest ended ones are listed too");
}

/// What intake reads per alert (issue 15): one link by its key, and
/// whether any other link of the incident fires.
fn one_alert_and_whether_another_fires_are_read_alone<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = store
        .apply_incident_ops(&[open("g", 10), link(IncidentRef::Opened, "a1", 10)])
        .unwrap()
        .unwrap();
    let other = store.apply_incident_ops(&[open("h", 10)]).unwrap().unwrap();
    let a1 = store
        .incident_alert(id, "alertmanager", "a1")
        .unwrap()
        .unwrap();
    assert_eq!((a1.key.as_str(), a1.summary.as_str()), ("a1", "a1 fires"));
    assert!(
        store
            .incident_alert(other, "alertmanager", "a1")
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .incident_alert(id, "pagerduty", "a1")
            .unwrap()
            .is_none()
    );
    // a1 alone fires: nothing besides it does.
    assert!(
        !store
            .incident_fires_besides(id, "alertmanager", "a1")
            .unwrap()
    );
    assert!(
        store
            .incident_fires_besides(id, "alertmanager", "a2")
            .unwrap()
    );
    assert!(store.incident_fires_besides(id, "pagerduty", "a1").unwrap());
    store
        .apply_incident_ops(&[link(IncidentRef::Id(id), "a2", 11)])
        .unwrap();
    assert!(
        store
            .incident_fires_besides(id, "alertmanager", "a1")
            .unwrap()
    );
    let mut resolved = link(IncidentRef::Id(id), "a2", 12);
    if let IncidentOp::LinkAlert { alert, .. } = &mut resolved {
        alert.status = nines_incident::AlertStatus::Resolved;
    }
    store.apply_incident_ops(&[resolved]).unwrap();
    assert!(
        !store
            .incident_fires_besides(id, "alertmanager", "a1")
            .unwrap()
    );
    assert!(
        !store
            .incident_fires_besides(other, "alertmanager", "x")
            .unwrap()
    );
}
