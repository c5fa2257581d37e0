//! The routing tree, on the example of Alertmanager's configuration docs
//! (receivers become channels) and on the cases of its route tests:
//! first match wins, `continue`, inheritance, the default route,
//! `group_by: ['...']`, severity mapping.

use std::collections::BTreeMap;

use nines_incident::{
    AlertSeverity, IncidentSeverity, Route, Routed, parse_matchers, route, route_alert,
};

use crate::util::{alert, labels};

fn node(matchers: &str) -> Route {
    Route {
        matchers: parse_matchers(matchers).unwrap(),
        ..Route::default()
    }
}

fn channels(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn strings(list: &[&str]) -> Option<Vec<String>> {
    Some(channels(list))
}

/// Alertmanager's documented example tree.
fn docs_tree() -> Route {
    Route {
        channels: channels(&["default-receiver"]),
        group_by: strings(&["cluster", "alertname"]),
        routes: vec![
            Route {
                channels: channels(&["database-pager"]),
                ..node(r#"service=~"mysql|cassandra""#)
            },
            Route {
                channels: channels(&["frontend-pager"]),
                group_by: strings(&["product", "environment"]),
                ..node(r#"team="frontend""#)
            },
            Route {
                channels: channels(&["dev-pager"]),
                continue_: true,
                ..node(r#"service="inhouse-service""#)
            },
            Route {
                channels: channels(&["on-call-pager"]),
                ..node(r#"service="inhouse-service""#)
            },
        ],
        ..Route::default()
    }
}

fn receivers(routed: &[Routed]) -> Vec<(&str, Vec<usize>)> {
    routed
        .iter()
        .map(|r| (r.channels[0].as_str(), r.path.clone()))
        .collect()
}

#[test]
fn alertmanagers_documented_example() {
    let tree = docs_tree();
    type Pairs<'a> = &'a [(&'a str, &'a str)];
    type Expected<'a> = &'a [(&'a str, &'a [usize])];
    let cases: &[(Pairs, Expected)] = &[
        // Nothing matches a child: the default route.
        (&[("alertname", "Up")], &[("default-receiver", &[])]),
        // Regex child, anchored: "mysql" matches, "mysql-proxy" does not.
        (&[("service", "mysql")], &[("database-pager", &[0])]),
        (&[("service", "mysql-proxy")], &[("default-receiver", &[])]),
        // The first match wins: the team=frontend route is not tried.
        (
            &[("service", "cassandra"), ("team", "frontend")],
            &[("database-pager", &[0])],
        ),
        (&[("team", "frontend")], &[("frontend-pager", &[1])]),
        // continue: both inhouse routes.
        (
            &[("service", "inhouse-service")],
            &[("dev-pager", &[2]), ("on-call-pager", &[3])],
        ),
    ];
    for (alert_labels, expected) in cases {
        let routed = route(&tree, &labels(alert_labels));
        let expected: Vec<(&str, Vec<usize>)> =
            expected.iter().map(|(c, p)| (*c, p.to_vec())).collect();
        assert_eq!(receivers(&routed), expected, "{alert_labels:?}");
    }
}

#[test]
fn children_inherit_what_they_leave_unset() {
    let tree = docs_tree();
    let db = &route(
        &tree,
        &labels(&[
            ("service", "mysql"),
            ("cluster", "eu"),
            ("alertname", "Slow"),
        ]),
    )[0];
    // group_by comes from the root.
    assert_eq!(db.group_key, r#":{alertname="Slow", cluster="eu"}"#);
    let fe = &route(
        &tree,
        &labels(&[("team", "frontend"), ("product", "shop"), ("cluster", "eu")]),
    )[0];
    // Its own group_by; `environment` is missing, so left out (as Alertmanager).
    assert_eq!(fe.group_key, r#":{product="shop"}"#);
    assert_eq!(fe.group_labels, labels(&[("product", "shop")]));

    let tree = Route {
        service: Some("platform".into()),
        channels: channels(&["slack-platform"]),
        severity: Some(BTreeMap::from([(
            AlertSeverity::Critical,
            IncidentSeverity::Sev2,
        )])),
        routes: vec![Route {
            service: Some("checkout".into()),
            routes: vec![Route {
                channels: channels(&["pagerduty-payments"]),
                ..node(r#"severity="critical""#)
            }],
            ..node(r#"namespace="checkout""#)
        }],
        ..Route::default()
    };
    let critical = labels(&[("namespace", "checkout"), ("severity", "critical")]);
    let routed = route(&tree, &critical);
    assert_eq!(routed.len(), 1);
    let r = &routed[0];
    assert_eq!(r.path, vec![0, 0]);
    assert_eq!(r.service.as_deref(), Some("checkout"));
    assert_eq!(r.channels, channels(&["pagerduty-payments"]));
    // The root's mapping: critical → SEV2 here.
    assert_eq!(r.severity, IncidentSeverity::Sev2);
    assert_eq!(r.group_key, "checkout:{}");

    // warning falls through the leaf to its parent, inheriting the root's
    // channels, and uses the default mapping for a severity the map lacks.
    let warning = labels(&[("namespace", "checkout"), ("severity", "warning")]);
    let r = &route(&tree, &warning)[0];
    assert_eq!(r.path, vec![0]);
    assert_eq!(r.channels, channels(&["slack-platform"]));
    assert_eq!(r.severity, IncidentSeverity::Sev3);
}

#[test]
fn continue_in_nested_routes() {
    // From Alertmanager's route tests: a continuing child and the sibling
    // after it both match; a match deep in the tree stops the siblings of
    // its ancestors unless they continue.
    let tree = Route {
        channels: channels(&["root"]),
        routes: vec![
            Route {
                channels: channels(&["a"]),
                continue_: true,
                routes: vec![
                    Route {
                        channels: channels(&["a1"]),
                        ..node("x=1")
                    },
                    Route {
                        channels: channels(&["a2"]),
                        ..node("y=1")
                    },
                ],
                ..node("team=a")
            },
            Route {
                channels: channels(&["b"]),
                ..node("team=~a|b")
            },
            Route {
                channels: channels(&["c"]),
                ..node("team=~.+")
            },
        ],
        ..Route::default()
    };
    let got = |pairs: &[(&str, &str)]| -> Vec<String> {
        route(&tree, &labels(pairs))
            .into_iter()
            .map(|r| r.channels.join(","))
            .collect()
    };
    assert_eq!(got(&[("team", "a"), ("x", "1"), ("y", "1")]), ["a1", "b"]);
    assert_eq!(got(&[("team", "a"), ("y", "1")]), ["a2", "b"]);
    assert_eq!(got(&[("team", "a")]), ["a", "b"]);
    assert_eq!(got(&[("team", "b")]), ["b"]);
    assert_eq!(got(&[("team", "z")]), ["c"]);
    assert_eq!(got(&[]), ["root"]);
}

#[test]
fn group_by_all_labels() {
    let tree = Route {
        service: Some("db".into()),
        group_by: strings(&["..."]),
        ..Route::default()
    };
    let r = &route(&tree, &labels(&[("b", "2"), ("a", "1")]))[0];
    assert_eq!(r.group_key, r#"db:{a="1", b="2"}"#);
    // No group_by at all: one group per service.
    let r = &route(&Route::default(), &labels(&[("a", "1")]))[0];
    assert_eq!(r.group_key, ":{}");
    assert_eq!(r.service, None);
    // Values are quoted, so they cannot forge other keys.
    let tree = Route {
        group_by: strings(&["a"]),
        ..Route::default()
    };
    let r = &route(&tree, &labels(&[("a", r#"1", b="2"#)]))[0];
    assert_eq!(r.group_key, r#":{a="1\", b=\"2"}"#);
}

#[test]
fn the_root_is_the_default_route_whatever_its_matchers() {
    let tree = Route {
        channels: channels(&["default"]),
        ..node("never=matches")
    };
    assert_eq!(route(&tree, &labels(&[])).len(), 1);
}

#[test]
fn route_alert_uses_the_alerts_own_severity() {
    let tree = Route {
        service: Some("checkout".into()),
        ..Route::default()
    };
    let mut a = alert("k", &[("alertname", "X")]);
    a.severity = AlertSeverity::Critical; // e.g. PagerDuty's payload.severity
    assert_eq!(route_alert(&tree, &a)[0].severity, IncidentSeverity::Sev1);
    assert_eq!(route(&tree, &a.labels)[0].severity, IncidentSeverity::Sev3);
}
