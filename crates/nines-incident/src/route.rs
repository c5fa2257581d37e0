//! The routing tree: which service an alert belongs to, how severe the
//! incident is, which alerts group into one incident, and which channels
//! hear about it. Evaluated as Alertmanager evaluates its `route:` tree, so
//! a tree copied from an Alertmanager config routes the same alerts the
//! same way:
//!
//! - depth-first, children in order; a child matches when all its
//!   matchers do;
//! - the first matching child wins, unless it has `continue`, in which case
//!   its later siblings are tried too;
//! - a route whose children all fail to match is itself the match;
//! - a child inherits each field it leaves unset from its parent;
//! - the root is the default route: it matches every alert (Alertmanager
//!   rejects matchers on it; configs here should too), so every alert is
//!   routed somewhere.

use std::collections::BTreeMap;

use crate::alert::{Alert, AlertSeverity, Labels};
use crate::incident::IncidentSeverity;
use crate::matcher::{Matcher, matches_all, quote};

/// Alert severity to incident severity. Severities a map leaves out use
/// [`IncidentSeverity::default_for`].
pub type SeverityMap = BTreeMap<AlertSeverity, IncidentSeverity>;

/// `group_by: ['...']` groups by every label, as in Alertmanager.
pub const GROUP_BY_ALL: &str = "...";

/// One node of the routing tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    /// All must match for this route (and its children) to apply.
    pub matchers: Vec<Matcher>,
    /// The service incidents are opened on; inherited when `None`.
    pub service: Option<String>,
    /// Overrides the severity mapping; inherited when `None`. A map
    /// replaces the parent's whole, it does not merge with it.
    pub severity: Option<SeverityMap>,
    /// Labels whose values split alerts into separate incidents;
    /// `["..."]` for all labels, `[]` for one incident per service.
    /// Inherited when `None`.
    pub group_by: Option<Vec<String>>,
    /// After matching, go on to this route's later siblings.
    pub continue_: bool,
    /// Channels to notify; inherited when empty.
    pub channels: Vec<String>,
    pub routes: Vec<Route>,
}

/// Where one matching route sends an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub service: Option<String>,
    pub severity: IncidentSeverity,
    /// Alerts with the same key belong to the same incident:
    /// `service:{label="value", …}` over the `group_by` labels the alert
    /// has, sorted by name; e.g. `checkout:{alertname="HighLatency"}`.
    /// Routes with the same service and grouping give the same key, so an
    /// alert that two `continue` routes send to different channels still
    /// opens one incident.
    pub group_key: String,
    /// The `group_by` labels and their values.
    pub group_labels: Labels,
    pub channels: Vec<String>,
    /// Child indices from the root to the matching route (`[]` is the
    /// root itself): where in the config the decision came from.
    pub path: Vec<usize>,
}

impl Routed {
    /// The service incidents of this route belong to; `default` when no
    /// route and no label named one ([`route_incident`] always names one).
    pub fn service_name(&self) -> &str {
        self.service.as_deref().unwrap_or("default")
    }
}

/// The routes an alert with these labels takes; the alert severity is read
/// from its `severity` label ([`AlertSeverity::from_label`]). Never empty.
pub fn route(tree: &Route, labels: &Labels) -> Vec<Routed> {
    let severity = AlertSeverity::from_label(labels.get("severity").map(String::as_str));
    route_with(tree, labels, severity)
}

/// [`route`] for an [`Alert`], with the severity its source gave it
/// (PagerDuty's `payload.severity`, the SLO tier) rather than a label.
pub fn route_alert(tree: &Route, alert: &Alert) -> Vec<Routed> {
    route_with(tree, &alert.labels, alert.severity)
}

/// Where an alert's incident goes, from every route it matched: the first
/// matching route that names a service decides the service, severity and
/// group (routes passed with `continue`, an audit channel say, only add
/// channels); with no such route the alert's `service` label (or
/// `default`) names the service and prefixes the group key. Channels are
/// every matching route's, each once, in order. The answer always has a
/// `service`. For nines' own alerts, whose labels name configured
/// services; alerts from outside go through [`route_incident_known`].
pub fn route_incident(tree: &Route, alert: &Alert) -> Routed {
    route_choosing(tree, alert, |label| {
        Some(label.unwrap_or("default").to_string())
    })
    .expect("the fallback always names a service")
}

/// [`route_incident`] for alerts from outside senders (Alertmanager,
/// PagerDuty), which may name any service or none. The service is:
///
/// 1. the first matching route's that names one (`routes:`);
/// 2. else the alert's `service` label, when `known` says it is a
///    configured service;
/// 3. else `default` (the integration's `service`, else
///    `incidents.default_service`);
///
/// and with none of them the alert is refused: a service nobody
/// configured is never made up.
pub fn route_incident_known(
    tree: &Route,
    alert: &Alert,
    known: impl Fn(&str) -> bool,
    default: Option<&str>,
) -> Result<Routed, NoService> {
    route_choosing(tree, alert, |label| match label {
        Some(label) if known(label) => Some(label.to_string()),
        _ => default.map(str::to_string),
    })
    .ok_or_else(|| NoService {
        label: alert.labels.get("service").cloned(),
    })
}

/// An outside alert that no route, no label and no default places.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", match label {
    Some(label) => format!("its label service={} names no configured service and no route names one", quote(label)),
    None => "it has no `service` label and no route names a service".to_string(),
})]
pub struct NoService {
    /// Its `service` label, if it has one (naming no configured service).
    pub label: Option<String>,
}

/// The routing of [`route_incident`], with `fallback` choosing the
/// service (from the alert's `service` label, if any) when no route names
/// one; `None` when it cannot.
fn route_choosing(
    tree: &Route,
    alert: &Alert,
    fallback: impl FnOnce(Option<&str>) -> Option<String>,
) -> Option<Routed> {
    let routed = route_alert(tree, alert);
    let first = routed
        .iter()
        .find(|r| r.service.is_some())
        .or(routed.first());
    let service = match first.and_then(|r| r.service.clone()) {
        Some(service) => service,
        None => fallback(alert.labels.get("service").map(String::as_str))?,
    };
    let severity = first
        .map(|r| r.severity)
        .unwrap_or_else(|| IncidentSeverity::default_for(alert.severity));
    // Group keys start with the route's service; where no route names one,
    // the service found above does.
    let group_key = match first {
        Some(r) if r.service.is_some() => r.group_key.clone(),
        Some(r) => format!("{service}{}", r.group_key),
        None => service.clone(),
    };
    let mut channels: Vec<String> = Vec::new();
    for c in routed.iter().flat_map(|r| &r.channels) {
        if !channels.contains(c) {
            channels.push(c.clone());
        }
    }
    Some(Routed {
        service: Some(service),
        severity,
        group_key,
        group_labels: first.map(|r| r.group_labels.clone()).unwrap_or_default(),
        channels,
        path: first.map(|r| r.path.clone()).unwrap_or_default(),
    })
}

fn route_with(tree: &Route, labels: &Labels, severity: AlertSeverity) -> Vec<Routed> {
    let walk = Walk { labels, severity };
    let mut out = Vec::new();
    let inherited = Inherited {
        service: None,
        severity: None,
        group_by: &[],
        channels: &[],
    }
    .under(tree);
    walk.children(tree, &inherited, &mut vec![], &mut out);
    out
}

/// The fields in effect at a route, after inheritance.
#[derive(Clone, Copy)]
struct Inherited<'a> {
    service: Option<&'a str>,
    severity: Option<&'a SeverityMap>,
    group_by: &'a [String],
    channels: &'a [String],
}

impl<'a> Inherited<'a> {
    fn under(self, route: &'a Route) -> Inherited<'a> {
        Inherited {
            service: route.service.as_deref().or(self.service),
            severity: route.severity.as_ref().or(self.severity),
            group_by: route.group_by.as_deref().unwrap_or(self.group_by),
            channels: if route.channels.is_empty() {
                self.channels
            } else {
                &route.channels
            },
        }
    }
}

struct Walk<'a> {
    labels: &'a Labels,
    severity: AlertSeverity,
}

impl Walk<'_> {
    /// Tries the children of a matched route; if none matches, the route
    /// itself is the match.
    fn children(
        &self,
        route: &Route,
        inherited: &Inherited<'_>,
        path: &mut Vec<usize>,
        out: &mut Vec<Routed>,
    ) {
        let mut any = false;
        for (i, child) in route.routes.iter().enumerate() {
            if !matches_all(&child.matchers, self.labels) {
                continue;
            }
            any = true;
            path.push(i);
            self.children(child, &inherited.under(child), path, out);
            path.pop();
            if !child.continue_ {
                break;
            }
        }
        if !any {
            out.push(self.routed(inherited, path));
        }
    }

    fn routed(&self, inherited: &Inherited<'_>, path: &[usize]) -> Routed {
        let group_labels: Labels = if inherited.group_by.iter().any(|l| l == GROUP_BY_ALL) {
            self.labels.clone()
        } else {
            inherited
                .group_by
                .iter()
                .filter_map(|name| Some((name.clone(), self.labels.get(name)?.clone())))
                .collect()
        };
        let service = inherited.service.map(str::to_string);
        let pairs: Vec<String> = group_labels
            .iter()
            .map(|(name, value)| format!("{name}={}", quote(value)))
            .collect();
        let group_key = format!(
            "{}:{{{}}}",
            service.as_deref().unwrap_or(""),
            pairs.join(", ")
        );
        let severity = inherited
            .severity
            .and_then(|map| map.get(&self.severity).copied())
            .unwrap_or_else(|| IncidentSeverity::default_for(self.severity));
        Routed {
            service,
            severity,
            group_key,
            group_labels,
            channels: inherited.channels.to_vec(),
            path: path.to_vec(),
        }
    }
}
