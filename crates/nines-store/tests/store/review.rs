//! Gate overrides, postmortem revisions and tracked action items (issue 8)
//! survive reopening; each save is a new revision and replaces the items.

use nines_store::{
    ActionItemRow, ChangeRow, GateOverrideRow, IncidentOp, IncidentRef, IncidentStore, NewIncident,
    ReviewStore,
};

use crate::util::{TestDb, backends};

backends!(
    overrides_are_kept_newest_first_expired_included,
    postmortem_saves_are_revisions_and_items_follow_the_latest,
    open_incidents_and_incidents_of_a_period,
    changes_of_a_period_newest_first,
);

fn open_incident(store: &mut impl IncidentStore, service: &str, at: i64) -> i64 {
    store
        .apply_incident_ops(&[
            IncidentOp::Open(NewIncident {
                title: "down".into(),
                service: service.into(),
                severity: nines_incident::IncidentSeverity::Sev2,
                group_key: format!("g|{service}|{at}"),
                started_at: at,
            }),
            IncidentOp::Timeline {
                incident: IncidentRef::Opened,
                at,
                kind: "triggered".into(),
                actor: None,
                text: "opened".into(),
            },
        ])
        .unwrap()
        .unwrap()
}

fn item(owner: &str, due: Option<&str>, done: bool) -> ActionItemRow {
    ActionItemRow {
        incident_id: 0,
        position: 0,
        kind: "prevent".into(),
        description: format!("fix it, {owner}"),
        owner: owner.into(),
        due: due.map(Into::into),
        tracking: None,
        done,
    }
}

fn overrides_are_kept_newest_first_expired_included<D: TestDb>() {
    let db = D::new();
    {
        let mut store = db.open();
        for (i, expires) in [(1, 100), (2, 50)] {
            store
                .add_gate_override(&GateOverrideRow {
                    id: 0,
                    service: "shop".into(),
                    reason: format!("reason {i}"),
                    created_by: "root".into(),
                    created_at: i,
                    expires_at: expires,
                })
                .unwrap();
        }
    }
    let store = db.open();
    let rows = store.gate_overrides("shop", 10).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].reason, "reason 2");
    assert_eq!(rows[1].expires_at, 100);
    assert!(store.gate_overrides("cart", 10).unwrap().is_empty());
}

fn postmortem_saves_are_revisions_and_items_follow_the_latest<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let id = open_incident(&mut store, "shop", 1000);
    assert!(store.postmortem(id).unwrap().is_none());
    let r1 = store
        .save_postmortem(
            id,
            "draft",
            "{\"v\":1}",
            "ana",
            2000,
            &[item("ana", Some("2025-01-01"), false)],
        )
        .unwrap();
    let r2 = store
        .save_postmortem(
            id,
            "in_review",
            "{\"v\":2}",
            "bo",
            3000,
            &[
                item("bo", None, false),
                item("ana", Some("2025-01-01"), true),
            ],
        )
        .unwrap();
    assert_eq!((r1, r2), (1, 2));
    let current = store.postmortem(id).unwrap().unwrap();
    assert_eq!(
        (
            current.revision,
            current.status.as_str(),
            current.body.as_str()
        ),
        (2, "in_review", "{\"v\":2}")
    );
    let revisions = store.postmortem_revisions(id).unwrap();
    assert_eq!(
        revisions
            .iter()
            .map(|r| r.author.as_str())
            .collect::<Vec<_>>(),
        ["ana", "bo"]
    );
    let all = store.action_items(None, false).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].owner, "ana");
    assert!(all[0].done);
    let open = store.action_items(None, true).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].owner, "bo");
    assert_eq!(open[0].position, 0);
    assert!(store.action_items(Some("ana"), true).unwrap().is_empty());
}

fn open_incidents_and_incidents_of_a_period<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let a = open_incident(&mut store, "shop", 1000);
    let b = open_incident(&mut store, "shop", 5000);
    let _c = open_incident(&mut store, "cart", 2000);
    store
        .apply_incident_ops(&[IncidentOp::Update {
            incident: IncidentRef::Id(a),
            status: Some(nines_incident::Status::Resolved),
            severity: None,
            assignee: None,
            commander: None,
            at: 1500,
        }])
        .unwrap();
    let open = store.open_incidents_of("shop").unwrap();
    assert_eq!(open.iter().map(|(i, _)| i.id).collect::<Vec<_>>(), [b]);
    let started = store.incidents_started(Some("shop"), 0, 4000).unwrap();
    assert_eq!(started.iter().map(|i| i.id).collect::<Vec<_>>(), [a]);
    assert_eq!(store.incidents_started(None, 0, 10_000).unwrap().len(), 3);
}

fn changes_of_a_period_newest_first<D: TestDb>() {
    let db = D::new();
    let mut store = db.open();
    let change = |service: &str, at: i64| ChangeRow {
        id: 0,
        service: service.into(),
        at,
        kind: "deploy".into(),
        version: Some(format!("v{at}")),
        author: None,
        link: None,
        description: None,
        source: "api".into(),
    };
    for (service, at) in [("shop", 10), ("cart", 20), ("shop", 30), ("shop", 40)] {
        store.add_change(&change(service, at)).unwrap();
    }
    let shop = store.changes(Some("shop"), 10, 40, 10).unwrap();
    assert_eq!(shop.iter().map(|c| c.at).collect::<Vec<_>>(), [30, 10]);
    assert_eq!(shop[0].version.as_deref(), Some("v30"));
    assert_eq!(store.changes(None, 0, 100, 2).unwrap().len(), 2);
    assert_eq!(store.changes(None, 0, 100, 10).unwrap().len(), 4);
}
