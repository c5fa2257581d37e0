//! The daemon's alert → incident path is the pure engine's: random alert
//! sequences (fire, resolve, fire again within and after `reopen_within`,
//! severity changes, a person resolving) go through the daemon (store and
//! all) and through `nines_incident` alone, and give the same incidents
//! (issue 13).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use nines_incident::{
    Alert, AlertSeverity, AlertSource, AlertStatus, Incident, IncidentPolicy, IncidentSeverity,
    Intake, Routed, intake,
};
use proptest::prelude::*;

use super::{incident_status, ingest_alert, ingest_outside};
use crate::app::App;
use crate::clock::Clock;

const REOPEN_MINUTES: i64 = 10;

/// One step: an alert (key 0..4; keys 0 and 1 are of service `shop`, 2
/// and 3 of `pay`) firing or resolving with a severity, or a person
/// resolving the open incident of a service; then the clock moves on.
#[derive(Debug, Clone)]
enum Step {
    Alert {
        key: usize,
        firing: bool,
        critical: bool,
    },
    ResolveByHand {
        service: usize,
    },
}

fn step() -> impl Strategy<Value = (Step, i64)> {
    let s = prop_oneof![
        8 => (0..4usize, any::<bool>(), any::<bool>())
            .prop_map(|(key, firing, critical)| Step::Alert { key, firing, critical }),
        1 => (0..2usize).prop_map(|service| Step::ResolveByHand { service }),
    ];
    // Seconds to the next step: often within the reopen window, sometimes
    // exactly at its end, sometimes well past it.
    let gap = prop_oneof![
        4 => 0..120i64,
        1 => Just(REOPEN_MINUTES * 60),
        1 => 600..3_000i64,
    ];
    (s, gap)
}

const SERVICES: [&str; 2] = ["shop", "pay"];

fn alert_of(key: usize, firing: bool, critical: bool, at: Timestamp) -> Alert {
    let service = SERVICES[key / 2];
    Alert {
        source: AlertSource::Alertmanager,
        key: format!("fp-{key}"),
        labels: BTreeMap::from([
            ("alertname".to_string(), format!("A{key}")),
            ("service".to_string(), service.to_string()),
        ]),
        annotations: BTreeMap::new(),
        summary: format!("alert {key}"),
        severity: if critical {
            AlertSeverity::Critical
        } else {
            AlertSeverity::Warning
        },
        status: if firing {
            AlertStatus::Firing
        } else {
            AlertStatus::Resolved
        },
        starts_at: at,
        ends_at: (!firing).then_some(at),
        links: vec![],
    }
}

/// The engine alone: incidents in opening order.
struct Model {
    incidents: Vec<Incident>,
    policy: IncidentPolicy,
}

impl Model {
    /// The incident the engine judges a group's alert against.
    fn latest(&self, group: &str) -> Option<usize> {
        let of_group = || {
            self.incidents
                .iter()
                .enumerate()
                .filter(move |(_, i)| i.group_key == group)
        };
        of_group()
            .rfind(|(_, i)| i.is_open())
            .or_else(|| of_group().next_back())
            .map(|(n, _)| n)
    }

    /// What the alert did: (incident index, opened, resolved).
    fn take(&mut self, alert: &Alert, at: Timestamp) -> (Option<usize>, bool, bool) {
        let service = alert.labels["service"].clone();
        let routed = Routed {
            service: Some(service.clone()),
            severity: IncidentSeverity::default_for(alert.severity),
            group_key: service,
            group_labels: BTreeMap::new(),
            channels: vec![],
            path: vec![],
        };
        let latest = self.latest(&routed.group_key);
        match intake(latest.map(|n| &self.incidents[n]), alert, at, &self.policy) {
            Intake::New => {
                let id = format!("INC-{}", self.incidents.len() + 1);
                self.incidents.push(Incident::open(id, &routed, alert, at));
                (Some(self.incidents.len() - 1), true, false)
            }
            Intake::Ignore => (None, false, false),
            d @ (Intake::Attach | Intake::Reopen) => {
                let n = latest.unwrap();
                let i = &mut self.incidents[n];
                if d == Intake::Reopen {
                    i.reopen(at, None).unwrap();
                }
                if alert.status == AlertStatus::Firing {
                    i.raise_severity(routed.severity);
                }
                let resolved = i.observe(alert, at, &self.policy).is_some();
                (Some(n), false, resolved && d != Intake::Reopen)
            }
        }
    }

    fn resolve_by_hand(&mut self, service: &str, at: Timestamp) -> Option<usize> {
        let n = self
            .incidents
            .iter()
            .position(|i| i.group_key == service && i.is_open())?;
        self.incidents[n].resolve(at, Some("ana")).unwrap();
        Some(n)
    }
}

/// A daemon state on a temporary data directory, on a manual clock.
fn daemon(dir: &std::path::Path, start: Timestamp) -> App {
    let config = dir.join("nines.yaml");
    std::fs::write(
        &config,
        format!(
            "services:\n  shop: {{}}\n  pay: {{}}\nincidents:\n  reopen_within: {REOPEN_MINUTES}m\n"
        ),
    )
    .unwrap();
    App::open(
        &config,
        &dir.join("data"),
        nines_store::Durability::Process,
        Clock::manual(start),
    )
    .unwrap()
    .0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_daemon_and_the_engine_make_the_same_incidents(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut at: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        let app = daemon(dir.path(), at);
        let mut model = Model {
            incidents: vec![],
            policy: IncidentPolicy {
                reopen_window: SignedDuration::from_mins(REOPEN_MINUTES),
                auto_resolve: true,
            },
        };
        // Daemon incident ids by model index.
        let mut ids: Vec<i64> = vec![];
        for (n, (step, gap)) in steps.iter().enumerate() {
            match step {
                Step::Alert { key, firing, critical } => {
                    let alert = alert_of(*key, *firing, *critical, at);
                    let got = ingest_outside(&app, std::slice::from_ref(&alert), None).unwrap().remove(0);
                    let (index, opened, resolved) = model.take(&alert, at);
                    if opened {
                        ids.push(got.incident.unwrap());
                    }
                    prop_assert_eq!(got.opened, opened, "step {}: {:?}", n, step);
                    prop_assert_eq!(got.resolved, resolved, "step {}: {:?}", n, step);
                    if let Some(index) = index {
                        prop_assert_eq!(got.incident, Some(ids[index]), "step {}: {:?}", n, step);
                    }
                }
                Step::ResolveByHand { service } => {
                    if let Some(index) = model.resolve_by_hand(SERVICES[*service], at) {
                        incident_status(&app, ids[index], nines_incident::Status::Resolved, "ana").unwrap();
                    }
                }
            }
            at += SignedDuration::from_secs(*gap);
            app.clock.set(at);
        }
        let stored = crate::incidents::queries::list(&app, None, None, 1000).unwrap();
        prop_assert_eq!(stored.len(), model.incidents.len());
        for (index, m) in model.incidents.iter().enumerate() {
            let row = stored.iter().find(|r| r.id == ids[index]).unwrap();
            prop_assert_eq!(row.status.as_str(), m.status.as_str(), "{}", m.id);
            prop_assert_eq!(row.severity.as_str(), m.severity.as_str(), "{}", m.id);
            let links = app.with_store(|s| s.incident_alerts(row.id)).unwrap();
            let mut got: Vec<(String, String)> =
                links.iter().map(|l| (l.key.clone(), l.status.as_str().to_string())).collect();
            let mut want: Vec<(String, String)> = m
                .alerts
                .iter()
                .map(|l| (l.key.clone(), l.status.as_str().to_string()))
                .collect();
            got.sort();
            want.sort();
            prop_assert_eq!(got, want, "{}", m.id);
        }
    }
}

/// Resolved by hand while its alert fires, then another alert of the group
/// opens a second incident: the first cannot be reopened by hand, with a
/// message naming the open one, and the alert firing again joins the open
/// one instead of reopening the first (one open incident per group).
#[test]
fn a_group_never_has_two_open_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let mut at: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
    let app = daemon(dir.path(), at);
    let first = ingest_alert(&app, &alert_of(0, true, true, at)).unwrap();
    let first = first.incident.unwrap();
    incident_status(&app, first, nines_incident::Status::Resolved, "ana").unwrap();
    at += SignedDuration::from_secs(30);
    app.clock.set(at);
    let second = ingest_alert(&app, &alert_of(1, true, false, at)).unwrap();
    assert!(second.opened);
    let second = second.incident.unwrap();

    let refused =
        incident_status(&app, first, nines_incident::Status::Triggered, "ana").unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!(
            "INC-{first} cannot be reopened: INC-{second} of the same alerts is open; act on that one"
        )
    );
    let again = ingest_alert(&app, &alert_of(0, true, true, at)).unwrap();
    assert_eq!((again.incident, again.opened), (Some(second), false));
}

/// A ticket-level alert opens an incident and notifies the ticket route; a
/// page-level alert of the same group then raises it to SEV1, says so on
/// the timeline, and the page route hears of it (it heard nothing before:
/// issue 14).
#[test]
fn a_worse_alert_raises_the_incident_and_reaches_its_own_route() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nines.yaml");
    std::fs::write(
        &config,
        r#"services:
  shop: {}
channels:
  tickets: { webhook: { url: "http://127.0.0.1:9/tickets" } }
  pages: { webhook: { url: "http://127.0.0.1:9/pages" } }
routes:
  routes:
    - { matchers: ['severity="critical"'], channels: [pages] }
    - { matchers: ['severity="warning"'], channels: [tickets] }
"#,
    )
    .unwrap();
    let at: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
    let app = App::open(
        &config,
        &dir.path().join("data"),
        nines_store::Durability::Process,
        Clock::manual(at),
    )
    .unwrap()
    .0;
    let labelled = |key: usize, critical: bool| {
        let mut a = alert_of(key, true, critical, at);
        let sev = if critical { "critical" } else { "warning" };
        a.labels.insert("severity".into(), sev.into());
        a
    };
    let opened = ingest_alert(&app, &labelled(0, false)).unwrap();
    let id = opened.incident.unwrap();
    let outbox = |app: &App| app.with_store(|s| s.incident_outbox(id)).unwrap();
    let channels: Vec<String> = outbox(&app).iter().map(|o| o.channel.clone()).collect();
    assert_eq!(channels, ["tickets"]);
    let row = crate::incidents::queries::get(&app, id).unwrap().unwrap();
    assert_eq!(row.severity, IncidentSeverity::Sev3);

    let joined = ingest_alert(&app, &labelled(1, true)).unwrap();
    assert_eq!((joined.incident, joined.opened), (Some(id), false));
    let row = crate::incidents::queries::get(&app, id).unwrap().unwrap();
    assert_eq!(row.severity, IncidentSeverity::Sev1);
    let page: Vec<_> = outbox(&app)
        .into_iter()
        .filter(|o| o.channel == "pages")
        .collect();
    assert_eq!(page.len(), 1, "the page route hears of the rise");
    let body: serde_json::Value = serde_json::from_str(&page[0].body).unwrap();
    assert_eq!(body["event"], "incident.escalated");
    assert_eq!(body["incident"]["severity"], "SEV1");
    let timeline = app.with_store(|s| s.incident_timeline(id)).unwrap();
    assert!(
        timeline
            .iter()
            .any(|t| t.text == "severity raised to SEV1 by alert: alert 1"),
        "{timeline:?}"
    );
    // The same alert again changes nothing and owes nothing more.
    ingest_alert(&app, &labelled(1, true)).unwrap();
    assert_eq!(outbox(&app).len(), 2);
}

/// An incident only a ticket-level alert opened pages nobody through the
/// escalation; a page-level alert joining raises it and the next round
/// pages the on-call (issue 14). `page_tickets: true` pages at once.
#[test]
fn ticket_incidents_page_nobody_until_a_page_alert_joins() {
    for page_tickets in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("nines.yaml");
        std::fs::write(
            &config,
            format!(
                r#"services:
  shop: {{ escalation: team }}
users:
  ana: {{ webhook: "http://127.0.0.1:9/ana" }}
escalations:
  team:
    page_tickets: {page_tickets}
    steps:
      - {{ notify: [user:ana] }}
"#
            ),
        )
        .unwrap();
        let at: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        let app = App::open(
            &config,
            &dir.path().join("data"),
            nines_store::Durability::Process,
            Clock::manual(at),
        )
        .unwrap()
        .0;
        let id = ingest_alert(&app, &alert_of(0, true, false, at))
            .unwrap()
            .incident
            .unwrap();
        let pages = |app: &App| {
            app.with_store(|s| s.incident_outbox(id))
                .unwrap()
                .into_iter()
                .filter(|o| o.channel.starts_with("user:ana"))
                .count()
        };
        let round = crate::incidents::escalation::escalate(&app).unwrap();
        if page_tickets {
            assert_eq!((round.paged, pages(&app)), (1, 1), "paged at once");
            continue;
        }
        assert_eq!((round.paged, pages(&app)), (0, 0), "a ticket pages nobody");
        ingest_alert(&app, &alert_of(1, true, true, at)).unwrap();
        let round = crate::incidents::escalation::escalate(&app).unwrap();
        assert_eq!((round.paged, pages(&app)), (1, 1), "the page alert pages");
    }
}
