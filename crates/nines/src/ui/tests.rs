//! Snapshot tests of rendered pages and charts over fixed data: the pure
//! `render` functions, no I/O.

use nines_config::Role;
use nines_store::{AlertLink, IncidentRow, TimelineEntry};

use super::html::E;
use super::svg::{self, Day, LineChart, Marker, State};
use super::*;
use crate::state::slo::view::{
    AlertView, BudgetView, Budgeting, Exhaustion, SloView, WindowView, Windows,
};

const T0: i64 = 1_795_000_000; // 2026-11-18T…Z

fn admin() -> Viewer {
    Viewer {
        name: Some("ana".into()),
        role: Some(Role::Admin),
        csrf: "CSRFTOKEN".into(),
        flash: None,
        public_read: false,
    }
}

fn reader_viewer() -> Viewer {
    Viewer {
        name: Some("rita".into()),
        role: Some(Role::Reader),
        csrf: "CSRFTOKEN".into(),
        flash: None,
        public_read: false,
    }
}

fn window(total: u64, good: u64, budget: f64) -> WindowView {
    let sli = (total > 0).then(|| good as f64 / total as f64);
    WindowView {
        good,
        total,
        sli,
        burn_rate: sli.map(|s| (1.0 - s) / budget),
    }
}

fn slo(service: &str, name: &str, objective: f64, good: u64, total: u64, firing: bool) -> SloView {
    let budget = 1.0 - objective / 100.0;
    let remaining = 1.0 - (1.0 - good as f64 / total as f64) / budget;
    SloView {
        service: service.into(),
        slo: name.into(),
        description: None,
        objective,
        window: "30d".into(),
        sli_source: "events".into(),
        budgeting: Budgeting {
            method: "occurrences".into(),
            slice: None,
            slice_target: None,
        },
        evaluated_at: Some("2026-11-18T12:00:00Z".into()),
        budget: BudgetView {
            total: budget,
            remaining: Some(remaining),
            consumed: Some(1.0 - remaining),
            exhausted_at: Exhaustion {
                at_1h_burn: None,
                at_1d_burn: None,
            },
        },
        windows: Windows(vec![
            ("1h".into(), window(total / 720, good / 720, budget)),
            ("30d".into(), window(total, good, budget)),
        ]),
        alerts: vec![AlertView {
            service: service.into(),
            slo: name.into(),
            tier: "page-1h".into(),
            severity: "page".into(),
            long_window: "1h".into(),
            short_window: "5m".into(),
            threshold: 14.4,
            long_burn_rate: Some(if firing { 20.0 } else { 0.5 }),
            short_burn_rate: Some(if firing { 22.0 } else { 0.4 }),
            state: if firing { "firing" } else { "inactive" }.into(),
            since: firing.then(|| "2026-11-18T11:00:00Z".into()),
            labels: Default::default(),
        }],
    }
}

fn overview_data() -> overview::Overview {
    let burn = |k: f64| (0..24).map(|h| Some(k * h as f64 / 23.0)).collect();
    overview::Overview {
        rows: vec![
            overview::ServiceRow {
                service: "checkout".into(),
                owner: Some("payments".into()),
                slos: vec![overview::SloRow {
                    view: slo("checkout", "availability", 99.9, 9_990, 10_000, true),
                    burn: burn(20.0),
                }],
                incidents: 1,
                oncall: vec!["ana".into()],
            },
            overview::ServiceRow {
                service: "shop".into(),
                owner: None,
                slos: vec![
                    overview::SloRow {
                        view: slo("shop", "availability", 99.9, 9_995, 10_000, false),
                        burn: vec![None, Some(0.5), Some(0.4)],
                    },
                    overview::SloRow {
                        view: slo("shop", "latency <p99>", 99.0, 998, 1_000, false),
                        burn: vec![],
                    },
                ],
                incidents: 0,
                oncall: vec![],
            },
        ],
        services: 2,
        slos: 3,
        firing: 1,
        incidents: 1,
        page: 1,
        pages: 1,
        per: 50,
        q: "\"<script>".into(),
        sort: overview::Sort::Worst,
        only_firing: false,
    }
}

#[test]
fn overview_page() {
    let html = overview::render(&overview_data(), &admin());
    assert!(!html.contains("\"<script>"), "search text is escaped");
    assert!(html.contains("data-budget>50.0%<"));
    insta::assert_snapshot!("overview", html);
}

#[test]
fn overview_paginates() {
    let mut o = overview_data();
    o.pages = 9;
    o.page = 5;
    o.q = "a&b".into();
    let html = overview::render(&o, &admin());
    let pager = &html[html.find("<nav class=\"pager\"").unwrap()..];
    insta::assert_snapshot!(
        "overview_pager",
        &pager[..pager.find("</nav>").unwrap() + 6]
    );
}

#[test]
fn overview_sort_links() {
    let mut o = overview_data();
    o.sort = overview::Sort::Budget;
    o.q = String::new();
    o.only_firing = true;
    let html = overview::render(&o, &admin());
    assert!(html.contains("<option value=\"budget\" selected>"));
    let nav = &html[html.find("<nav class=\"sorts\"").unwrap()..];
    insta::assert_snapshot!(
        "overview_sort_links",
        &nav[..nav.find("</nav>").unwrap() + 6]
    );
}

fn incident(id: i64, status: &str, severity: &str) -> IncidentRow {
    IncidentRow {
        id,
        title: format!("checkout/availability: error budget burning <{id}>"),
        service: "checkout".into(),
        severity: severity.parse().unwrap(),
        status: status.parse().unwrap(),
        group_key: "g".into(),
        commander: None,
        assignee: Some("ana".into()),
        started_at: T0,
        acknowledged_at: (status != "triggered").then_some(T0 + 300),
        mitigated_at: None,
        resolved_at: (status == "resolved").then_some(T0 + 3600),
    }
}

fn timeline() -> Vec<TimelineEntry> {
    let e = |id, at, kind: &str, actor: Option<&str>, text: &str| TimelineEntry {
        id,
        at,
        kind: kind.into(),
        actor: actor.map(Into::into),
        text: text.into(),
    };
    vec![
        e(1, T0, "triggered", None, "opened by slo alert: burning"),
        e(
            2,
            T0 + 300,
            "acknowledged",
            Some("ana"),
            "acknowledged by ana",
        ),
        e(
            3,
            T0 + 600,
            "note",
            Some("ana"),
            "public: a fix is rolling out",
        ),
        e(
            4,
            T0 + 700,
            "note",
            Some("ana"),
            "internal: db primary failed over",
        ),
        e(5, T0 + 3600, "resolved", Some("ana"), "resolved by ana"),
    ]
}

#[test]
fn incident_list_page() {
    let l = incidents::List {
        incidents: vec![
            incident(2, "triggered", "SEV1"),
            incident(1, "resolved", "SEV3"),
        ],
        status: "all".into(),
        severity: "".into(),
        service: "checkout".into(),
        services: vec!["checkout".into(), "shop".into()],
        now: T0 + 7200,
    };
    insta::assert_snapshot!("incident_list", incidents::render_list(&l, &admin()));
}

fn detail(status: &str) -> incidents::Detail {
    incidents::Detail {
        d: crate::incidents::actions::IncidentDetail {
            incident: incident(7, status, "SEV2"),
            alerts: vec![AlertLink {
                source: "slo".into(),
                key: "slo|checkout|availability|page-1h".into(),
                status: nines_incident::AlertStatus::Firing,
                summary: "checkout/availability: error budget burning".into(),
                labels: "{}".into(),
                first_at: T0,
                last_at: T0 + 60,
            }],
            timeline: timeline()[..2].to_vec(),
            outbox: vec![],
        },
        affected: vec![incidents::Affected {
            service: "checkout".into(),
            slo: "availability".into(),
            budget_left: Some(0.42),
            burned: Some(0.125),
        }],
        postmortem: None,
        runbooks: vec![(
            "availability runbook".into(),
            "https://runbooks.example.com/checkout".into(),
        )],
        published: Some(false),
        now: T0 + 900,
    }
}

/// A responder publishes an unpublished incident with one click; a reader
/// sees whether it is public but gets no button; once published, the
/// button is gone.
#[test]
fn incident_detail_offers_publishing_to_responders() {
    let mut x = detail("acknowledged");
    let html = incidents::render_detail(&x, &admin());
    assert!(
        html.contains("action=\"/incidents/INC-7/publish\"")
            && html.contains("Publish to status page</button>"),
        "{html}"
    );
    assert!(html.contains("not published: customers do not see it yet"));
    let reader_html = incidents::render_detail(&x, &reader_viewer());
    assert!(!reader_html.contains("Publish to status page</button>"));
    x.published = Some(true);
    let html = incidents::render_detail(&x, &admin());
    assert!(!html.contains("Publish to status page</button>"));
    assert!(html.contains("published: customers see it on"));
    x.published = None;
    let html = incidents::render_detail(&x, &admin());
    assert!(!html.contains("Status page</dt>") && !html.contains("/publish\""));
}

#[test]
fn incident_detail_page_with_forms() {
    let html = incidents::render_detail(&detail("acknowledged"), &admin());
    assert!(html.contains("name=\"csrf\" value=\"CSRFTOKEN\""));
    insta::assert_snapshot!("incident_detail", html);
}

#[test]
fn incident_detail_links_its_postmortem() {
    let mut x = detail("resolved");
    let html = incidents::render_detail(&x, &admin());
    assert!(
        html.contains("<form method=\"post\" action=\"/incidents/INC-7/postmortem\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"CSRFTOKEN\"><button type=\"submit\">Draft the postmortem</button>"),
        "{html}"
    );
    let reader_html = incidents::render_detail(&x, &reader_viewer());
    assert!(!reader_html.contains("Draft the postmortem</button>"));
    x.postmortem = Some(postmortem::Revision {
        revision: 3,
        status: "in_review".into(),
        author: "bo".into(),
        saved_at: T0 + 7200,
    });
    let html = incidents::render_detail(&x, &admin());
    assert!(!html.contains("Draft the postmortem</button>"));
    assert!(html.contains("<a href=\"/incidents/INC-7/postmortem\">The postmortem of INC-7</a> <span class=\"chip warn\" data-pm-status>in review</span> <small class=\"muted\">revision 3,"), "{html}");
}

#[test]
fn incident_detail_for_a_reader_has_no_forms() {
    let html = incidents::render_detail(&detail("triggered"), &reader_viewer());
    assert!(!html.contains("<form method=\"post\" action=\"/incidents/"));
    assert!(html.contains("role responder or higher"));
}

fn status_data(open: bool) -> status_page::StatusData {
    let days = |bad_day: usize| -> Vec<Day> {
        (0..90)
            .map(|d| Day {
                date: format!("day-{d}"),
                ratio: if d < 60 {
                    None
                } else if d == bad_day {
                    Some(0.95)
                } else {
                    Some(1.0)
                },
                incidents: usize::from(d == bad_day),
            })
            .collect()
    };
    let mut updates = status_page::public_updates(&timeline());
    if open {
        updates.retain(|u| u.status != "resolved");
    }
    status_page::StatusData {
        title: "Status".into(),
        components: vec![
            status_page::Component {
                name: "checkout".into(),
                description: None,
                state: if open {
                    State::MajorOutage
                } else {
                    State::Operational
                },
                uptime: Some(0.9983),
                days: days(89),
            },
            status_page::Component {
                name: "shop".into(),
                description: None,
                state: State::Operational,
                uptime: Some(1.0),
                days: days(200),
            },
        ],
        incidents: vec![status_page::PublicIncident {
            id: 7,
            components: vec!["checkout".into()],
            impact: State::MajorOutage,
            resolved: !open,
            started_at: T0,
            resolved_at: (!open).then_some(T0 + 3600),
            updates,
        }],
        maintenance: vec![status_page::Maintenance {
            name: "db-upgrade".into(),
            components: vec!["shop".into()],
            starts_at: T0 + 86400,
            ends_at: T0 + 90000,
        }],
        now: T0 + 4000,
    }
}

#[test]
fn status_page_during_an_incident() {
    let html = status_page::render(&status_data(true));
    assert!(html.contains("data-overall=\"major_outage\""));
    assert!(html.contains("a fix is rolling out"));
    assert!(!html.contains("db primary"), "internal notes stay internal");
    assert!(
        !html.contains("error budget burning"),
        "internal titles stay internal"
    );
    insta::assert_snapshot!("status_page", html);
}

/// Components from `status_page`: a group of services with a description,
/// under the config's title.
#[test]
fn status_page_with_grouped_components() {
    let mut d = status_data(true);
    d.title = "Example & Co status".into();
    d.components.truncate(1);
    d.components[0].name = "Web shop".into();
    d.components[0].description = Some("Checkout, cart & payments".into());
    d.incidents[0].components = vec!["Web shop".into()];
    d.maintenance.clear();
    let html = status_page::render(&d);
    assert!(html.contains("<title>Example &amp; Co status</title>"));
    assert!(html.contains("Major outage of Web shop"));
    insta::assert_snapshot!("status_page_grouped", html);
}

#[test]
fn status_json_and_feed() {
    let d = status_data(false);
    insta::assert_snapshot!(
        "status_json",
        serde_json::to_string_pretty(&status_page::to_json(&d)).unwrap()
    );
    insta::assert_snapshot!(
        "status_atom",
        status_page::to_atom(&d, "https://status.example.com")
    );
}

#[test]
fn open_incidents_show_what_their_components_show() {
    use status_page::open_impact;
    // A SEV3 incident while every probe of its component is down: the
    // incident says what the banner and the component say.
    assert_eq!(
        open_impact("SEV3", [State::MajorOutage]),
        State::MajorOutage
    );
    assert_eq!(open_impact("SEV1", [State::Degraded]), State::MajorOutage);
    assert_eq!(open_impact("SEV3", [State::Maintenance]), State::Degraded);
    assert_eq!(open_impact("SEV2", []), State::PartialOutage);
}

#[test]
fn component_states() {
    use status_page::component_state as cs;
    assert_eq!(cs(&[], &[], false, false, false), State::Operational);
    assert_eq!(
        cs(&[], &["up", "unknown"], false, false, false),
        State::Operational
    );
    assert_eq!(cs(&[], &[], false, false, true), State::Maintenance);
    assert_eq!(cs(&["SEV3"], &[], false, false, true), State::Degraded);
    assert_eq!(cs(&[], &[], false, true, false), State::Degraded);
    assert_eq!(cs(&[], &[], true, true, false), State::PartialOutage);
    assert_eq!(
        cs(&["SEV2"], &["up"], false, false, false),
        State::PartialOutage
    );
    assert_eq!(
        cs(&[], &["up", "down"], false, false, false),
        State::PartialOutage
    );
    assert_eq!(
        cs(&[], &["down", "down"], false, false, false),
        State::MajorOutage
    );
    assert_eq!(
        cs(&["SEV4", "SEV1"], &[], false, false, false),
        State::MajorOutage
    );
}

#[test]
fn charts() {
    insta::assert_snapshot!(
        "budget_bars",
        [
            Some(1.0),
            Some(0.583),
            Some(0.1),
            Some(0.0),
            Some(-0.4),
            Some(-3.0),
            None
        ]
        .iter()
        .map(|r| svg::budget_bar(*r))
        .collect::<Vec<_>>()
        .join("\n")
    );
    insta::assert_snapshot!(
        "sparkline",
        svg::sparkline(
            &[Some(0.0), Some(0.5), None, Some(2.0), Some(1.0)],
            Some(1.0),
            "burn"
        )
    );
    let days: Vec<Day> = ["2026-11-16", "2026-11-17", "2026-11-18"]
        .iter()
        .zip([Some(1.0), Some(0.98), None])
        .map(|(d, r)| Day {
            date: d.to_string(),
            ratio: r,
            incidents: usize::from(r == Some(0.98)),
        })
        .collect();
    insta::assert_snapshot!("uptime_bars", svg::uptime_bars(&days, "shop: 3 days"));
    let points: Vec<(i64, Option<f64>)> = (0..5)
        .map(|i| (i * 600, Some(1.0 - i as f64 * 0.3)))
        .collect();
    let chart = LineChart {
        points: &points,
        from: 0,
        to: 2400,
        y_min: -0.2,
        y_max: 1.0,
        ticks: &[0.0, 0.5, 1.0],
        fmt: |t| format!("{}%", (t * 1000.0).round() / 10.0),
        reference: Some(0.0),
        markers: &[
            Marker {
                at: 1200,
                until: None,
                kind: "change",
                name: "deploy v2".into(),
                label: "deploy v2 <canary>".into(),
            },
            Marker {
                at: 1300,
                until: Some(2000),
                kind: "incident",
                name: "INC-1".into(),
                label: "INC-1 too close to the deploy to be named".into(),
            },
        ],
        label: "budget",
        what: "budget left",
    };
    insta::assert_snapshot!("line_chart", chart.render());
    insta::assert_snapshot!(
        "badges",
        [State::Operational, State::MajorOutage]
            .iter()
            .map(|s| svg::badge("shop", *s))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn login_page() {
    let html = session::render_login(
        &Viewer::default(),
        "/incidents/INC-1",
        "LOGINCSRF",
        Some("That token is not valid."),
    );
    insta::assert_snapshot!("login", html);
}

#[test]
fn oncall_page() {
    let cards = vec![oncall::ScheduleCard {
        now: crate::state::slo::view::OnCallView {
            schedule: "primary".into(),
            users: vec!["ana".into()],
            origin: "layer:0".into(),
            until: Some("2026-11-30T08:00:00Z".into()),
        },
        timezone: "Europe/Berlin".into(),
        shifts: vec![
            crate::state::slo::view::ShiftView {
                start: "2026-11-23T08:00:00Z".into(),
                end: "2026-11-24T12:00:00Z".into(),
                users: vec!["ana".into()],
                origin: "layer:0".into(),
            },
            crate::state::slo::view::ShiftView {
                start: "2026-11-24T12:00:00Z".into(),
                end: "2026-11-24T13:00:00Z".into(),
                users: vec!["bo".into()],
                origin: "override".into(),
            },
        ],
    }];
    insta::assert_snapshot!("oncall", oncall::render(&cards, &reader_viewer()));
}

#[test]
fn alerts_page() {
    let p = alerts::AlertsPage {
        firing: slo("checkout", "availability", 99.9, 9_990, 10_000, true).alerts,
        silences: vec![alerts::SilenceLine {
            id: 3,
            matchers: vec!["service=\"shop\"".into()],
            starts_at: T0,
            ends_at: T0 + 7200,
            created_by: "ana".into(),
            comment: "deploy <window>".into(),
            state: "active",
        }],
    };
    insta::assert_snapshot!("alerts", alerts::render(&p, &admin()));
}

/// Two hours of rollups (the last one with a failure) and three results.
fn probe_history_fixture() -> service::ProbeHistory {
    let now = T0 + 1800;
    let hour = now.div_euclid(3600) * 3600;
    let rollup = |start: i64, up: i64, down: i64, ms: f64| nines_store::Rollup {
        start,
        up,
        down,
        latency_sum_ms: ms,
        buckets: vec![],
    };
    let row = |at: i64, success: bool, ms: f64| nines_store::ProbeRow {
        service: "shop".into(),
        probe: "health".into(),
        at_ms: at * 1000,
        success,
        duration_ms: ms,
        reason: None,
        detail: "{}".into(),
    };
    service::ProbeHistory::of(
        // Newest first, as the store answers.
        &[
            row(now, false, 503.0),
            row(now - 60, true, 9.0),
            row(now - 120, true, 11.0),
        ],
        &[
            rollup(hour - 3600, 60, 0, 600.0),
            rollup(hour, 29, 1, 900.0),
        ],
        now,
    )
}

/// The last two hours land in the last two of 24 slots, with their mean
/// latency and up ratio; results come oldest first (issue 14).
#[test]
fn probe_history_places_hours_and_results() {
    let h = probe_history_fixture();
    assert_eq!(h.latency_ms.len(), 24);
    assert_eq!(h.latency_ms[22], Some(10.0));
    assert_eq!(h.latency_ms[23], Some(30.0));
    assert!(h.latency_ms[..22].iter().all(Option::is_none));
    assert_eq!(h.hours[23].ratio, Some(29.0 / 30.0));
    assert_eq!(
        h.recent.iter().map(|r| r.1).collect::<Vec<_>>(),
        [true, true, false]
    );
}

#[test]
fn service_and_slo_pages() {
    let s = service::ServicePage {
        name: "shop".into(),
        owner: Some("payments".into()),
        description: Some("The shop front".into()),
        escalation: Some("payments-oncall".into()),
        oncall: vec!["ana".into()],
        slos: vec![overview::SloRow {
            view: slo("shop", "availability", 99.9, 9_995, 10_000, false),
            burn: vec![Some(0.2)],
        }],
        probes: vec![service::ProbeLine {
            name: "health".into(),
            kind: "http".into(),
            status: "down",
            last_at: Some(T0),
            latency_ms: Some(12.4),
            error: Some("status 503".into()),
            history: probe_history_fixture(),
        }],
        incidents: vec![incident(1, "resolved", "SEV3")],
        changes: vec![],
        links: vec![(
            "availability runbook".into(),
            "https://runbooks.example.com/shop?a=1&b=2".into(),
        )],
    };
    insta::assert_snapshot!("service", service::render_service(&s, &reader_viewer()));
    let points: Vec<(i64, Option<f64>)> = (1..=4)
        .map(|i| (T0 + i * 3600, Some(1.0 - 0.1 * i as f64)))
        .collect();
    let p = service::SloPage {
        view: slo("shop", "availability", 99.9, 9_995, 10_000, false),
        charts: Some(service::Charts {
            from: T0,
            to: T0 + 4 * 3600,
            budget: points.clone(),
            sli: points.iter().map(|(t, _)| (*t, Some(0.9995))).collect(),
        }),
        markers: vec![Marker {
            at: T0 + 7200,
            until: Some(T0 + 9000),
            kind: "incident",
            name: "INC-1".into(),
            label: "INC-1 checkout down (30 min)".into(),
        }],
        history: vec![],
        definition: vec![("objective".into(), "99.9".into())],
        picked: "6h".into(),
        window_seconds: 30 * 86400,
    };
    insta::assert_snapshot!("slo", service::render_slo(&p, &reader_viewer()));
}

#[test]
fn escaping() {
    assert_eq!(
        E("<a href=\"x\">'&'</a>").to_string(),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
    assert_eq!(crate::text::url::encode("a b/é"), "a%20b%2F%C3%A9");
}

fn postmortem_data() -> postmortem::Page {
    use nines_review::postmortem as pm;
    let at = |s: i64| jiff::Timestamp::from_second(T0 + s).unwrap();
    let doc = pm::Postmortem {
        title: "Checkout <errors> after the 2.14 deploy".into(),
        incident: Some("INC-7".into()),
        date: jiff::civil::date(2026, 11, 18),
        authors: vec!["ana".into(), "bo".into()],
        status: pm::Status::InReview,
        summary:
            "Checkout failed for 40 minutes.\nThe deploy was rolled back.\n\n_To be written_: more."
                .into(),
        impact: pm::Impact {
            duration: Some(jiff::SignedDuration::from_mins(40)),
            slos: vec![pm::SloImpact {
                slo: "checkout/availability".into(),
                budget_burned_ratio: 0.25,
            }],
            users_affected: Some("2,000 of 40,000 requests\nin the EU <only>".into()),
        },
        root_causes: "A cart client that <script>retried</script> without backoff.".into(),
        trigger: "Changes before it:\n\n- deploy of checkout 2.14.0 by ana\n- config push by bo"
            .into(),
        resolution: "Rolled back by hand.".into(),
        detection: pm::Detection {
            detect: Some(jiff::SignedDuration::from_mins(20)),
            acknowledge: Some(jiff::SignedDuration::from_mins(5)),
            mitigate: None,
            resolve: Some(jiff::SignedDuration::from_mins(40)),
        },
        action_items: vec![
            pm::ActionItem {
                kind: pm::ActionKind::Prevent,
                description: "Canary deploys for checkout".into(),
                owner: "ana".into(),
                due: Some(jiff::civil::date(2026, 12, 1)),
                tracking: Some("https://tracker.example.com/7".into()),
                done: false,
            },
            pm::ActionItem {
                kind: pm::ActionKind::Detect,
                description: "Alert on cart errors".into(),
                owner: "bo".into(),
                due: None,
                tracking: Some("javascript:alert(1)".into()),
                done: true,
            },
        ],
        lessons: pm::Lessons {
            went_well: "The rollback took 2 minutes.".into(),
            went_wrong: String::new(),
            got_lucky: "Low traffic.".into(),
        },
        timeline: vec![
            pm::TimelineEntry {
                at: at(0),
                text: "opened by nines".into(),
            },
            pm::TimelineEntry {
                at: at(300),
                text: "acknowledged by ana".into(),
            },
        ],
        supporting: vec!["https://grafana.example.com/d/checkout".into()],
    };
    let revisions = vec![
        postmortem::Revision {
            revision: 1,
            status: "draft".into(),
            author: "ana".into(),
            saved_at: T0 + 3600,
        },
        postmortem::Revision {
            revision: 2,
            status: "in_review".into(),
            author: "bo".into(),
            saved_at: T0 + 7200,
        },
    ];
    postmortem::Page {
        incident: 7,
        incident_title: "checkout errors".into(),
        current: Some((revisions[1].clone(), doc)),
        revisions,
        refused: None,
    }
}

#[test]
fn postmortem_page() {
    let p = postmortem_data();
    let html = postmortem::render(&p, &admin());
    assert!(!html.contains("<script>retried"), "prose is escaped");
    assert!(
        !html.contains("href=\"javascript:"),
        "only http(s) links become links"
    );
    insta::assert_snapshot!("postmortem", html);
    // A reader sees the document without the editor.
    let html = postmortem::render(&p, &reader_viewer());
    assert!(!html.contains("<textarea"));
    assert!(html.contains("Editing needs a token with role responder"));
}

#[test]
fn postmortem_page_keeps_refused_text() {
    let mut p = postmortem_data();
    p.refused = Some(postmortem::Refused {
        markdown: "# T\n\n| a | b |\n| broken </textarea> row\n".into(),
        line: Some(4),
        message: "a table row must start and end with |".into(),
    });
    let html = postmortem::render(&p, &admin());
    assert!(
        html.contains("Not saved: line 4: a table row must start and end with |"),
        "{html}"
    );
    assert!(html.contains("<code>| broken &lt;/textarea&gt; row</code>"));
    assert!(
        html.contains(">\n# T\n\n| a | b |\n| broken &lt;/textarea&gt; row\n</textarea>"),
        "the text as typed (after the newline a textarea drops): {html}"
    );
    assert!(html.contains("aria-describedby=\"pm-hint pm-error\""));
}

#[test]
fn postmortem_page_before_the_draft() {
    let mut p = postmortem_data();
    p.current = None;
    p.revisions.clear();
    let html = postmortem::render(&p, &admin());
    assert!(html.contains("INC-7 has no postmortem yet."));
    assert!(html.contains("Draft the postmortem</button>"));
    assert!(!html.contains("<textarea"));
}

#[test]
fn postmortem_prose() {
    assert_eq!(
        postmortem::prose("a <b>\nc\n\n- x\n- y &\n\n\n"),
        "<p>a &lt;b&gt;\nc</p><ul><li>x</li><li>y &amp;</li></ul>"
    );
    assert_eq!(
        postmortem::prose(""),
        "<p class=\"muted\">Nothing written yet.</p>"
    );
}

/// The y of each `<text class="tick">` (not the time axis) in a chart.
fn tick_ys(svg: &str) -> Vec<(f64, String)> {
    svg.split("<text class=\"tick\" ")
        .skip(1)
        .map(|t| {
            let y = t.split("y=\"").nth(1).unwrap().split('"').next().unwrap();
            let text = t.split('>').nth(1).unwrap().split('<').next().unwrap();
            (y.parse().unwrap(), text.to_string())
        })
        .collect()
}

#[test]
fn chart_labels_never_overlap_and_time_is_labelled() {
    // An SLI that fell to 50% against 99.9%: 99.9% and 100% are a pixel
    // apart, so only one of them is labelled.
    let points: Vec<(i64, Option<f64>)> = (0..60)
        .map(|i| (T0 + i * 60, Some(if i == 30 { 0.5 } else { 0.9995 })))
        .collect();
    let chart = LineChart {
        points: &points,
        from: T0,
        to: T0 + 3600,
        y_min: 0.5,
        y_max: 1.0,
        ticks: &[1.0, 0.999, 0.5, 0.75],
        fmt: |t| format!("{}%", (t * 100_000.0).round() / 1000.0),
        reference: Some(0.999),
        markers: &[],
        label: "sli",
        what: "SLI",
    };
    let svg = chart.render();
    let ys = tick_ys(&svg);
    let texts: Vec<&str> = ys.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, ["100%", "50%", "75%"], "{svg}");
    for (i, (a, _)) in ys.iter().enumerate() {
        for (b, _) in &ys[i + 1..] {
            assert!((a - b).abs() >= 13.0, "{ys:?}");
        }
    }
    // Labels fit the left margin: the axis starts right of the widest.
    assert!(svg.contains("<line class=\"axis\" x1=\"44\""), "{svg}");
    let times = svg.matches("class=\"tick time\"").count();
    assert!((3..=6).contains(&times), "{times} time labels: {svg}");
    assert!(svg.contains(">10:00<") || svg.contains(":00<"), "{svg}");
    assert!(svg.contains("<title>2026-11-18"), "values on hover: {svg}");
}

#[test]
fn time_axis_steps() {
    let day = 86400;
    let (t, f) = svg::time_ticks(0, 3600, 6);
    assert_eq!((t.len(), f), (5, "%H:%M"));
    let (t, f) = svg::time_ticks(0, 30 * day, 6);
    assert_eq!(
        (t, f),
        (vec![0, 7 * day, 14 * day, 21 * day, 28 * day], "%b %d")
    );
    let (t, f) = svg::time_ticks(100, 2 * day, 6);
    assert_eq!((t[0], f), (43200, "%b %d %H:%M"));
}

#[test]
fn chart_span_from_the_query() {
    let q = |range: Option<&str>, from: Option<&str>, to: Option<&str>, inc: Option<&str>| {
        service::ChartQuery {
            range: range.map(Into::into),
            from: from.map(Into::into),
            to: to.map(Into::into),
            incident: inc.map(Into::into),
        }
    };
    let now = T0 + 86400;
    let mut inc = incident(3, "resolved", "SEV2");
    inc.started_at = T0;
    inc.resolved_at = Some(T0 + 5400);
    let incidents = [inc];
    let span = |x| service::chart_span(&x, now, &incidents);
    assert_eq!(span(q(None, None, None, None)), ("window".into(), None));
    assert_eq!(
        span(q(Some("6h"), None, None, None)),
        ("6h".into(), Some((now - 21600, now)))
    );
    assert_eq!(span(q(Some("2y"), None, None, None)).1, None);
    assert_eq!(
        span(q(
            None,
            Some("2026-11-18T00:00:00Z"),
            Some(&now.to_string()),
            None
        )),
        ("custom".into(), Some((1794960000, now)))
    );
    // 90 minutes of incident with a quarter of it either side.
    assert_eq!(
        span(q(Some("1h"), None, None, Some("INC-3"))),
        ("INC-3".into(), Some((T0 - 1350, T0 + 5400 + 1350)))
    );
}
