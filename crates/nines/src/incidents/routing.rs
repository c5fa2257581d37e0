//! Routing alerts with the config's tree: the config keeps routes as
//! written; nines-incident's tree does the matching (Alertmanager's model:
//! the first matching child takes an alert unless it says `continue`;
//! children inherit what they leave unset).

use std::collections::BTreeMap;

use nines_config::{Config, Route as RouteConfig};
use nines_incident::{
    Alert, AlertSeverity, IncidentSeverity, Matcher, NoService, Route, Routed, SeverityMap,
    route_incident, route_incident_known,
};

use crate::state::incidents::RouteCache;

/// The config's routes as nines-incident's tree. Matchers and severities
/// were validated at load; one that does not parse is left out.
pub fn tree(r: &RouteConfig) -> Route {
    let severity = (!r.severity.is_empty()).then(|| {
        let mut map = SeverityMap::new();
        for s in AlertSeverity::ALL {
            map.insert(s, IncidentSeverity::default_for(s));
        }
        for (k, v) in &r.severity {
            if let (Ok(k), Ok(v)) = (k.parse::<AlertSeverity>(), v.parse::<IncidentSeverity>()) {
                map.insert(k, v);
            }
        }
        map
    });
    Route {
        matchers: r
            .matchers
            .iter()
            .filter_map(|m| Matcher::parse(m).ok())
            .collect(),
        service: r.service.clone(),
        severity,
        group_by: r.group_by.clone(),
        continue_: r.continue_,
        channels: r.channels.clone().unwrap_or_default(),
        routes: r.routes.iter().map(tree).collect(),
    }
}

/// Routes `alert`; `default_service` (an integration's) stands in for a
/// missing `service` label. The first matching route that names a service
/// decides service, severity and group; every matching route's channels
/// are notified.
pub fn route(
    config: &Config,
    cache: &RouteCache,
    alert: &Alert,
    default_service: Option<&str>,
) -> Routed {
    let mut alert = alert.clone();
    if let Some(s) = default_service {
        alert
            .labels
            .entry("service".into())
            .or_insert_with(|| s.to_string());
    }
    route_incident(&cache.get(&config.routes, tree), &alert)
}

/// Routes an alert from an outside sender (Alertmanager, PagerDuty) that
/// came in through an integration with `integration_service`: that
/// service stands in for a missing `service` label, as in [`route`]; a
/// label naming no configured service does not make one up. The rule
/// (docs/config.md, `integrations`): a route naming a service, else the label's
/// configured service, else the integration's `service`, else
/// `incidents.default_service`, else refused.
pub fn route_outside(
    config: &Config,
    cache: &RouteCache,
    alert: &Alert,
    integration_service: Option<&str>,
) -> Result<Routed, NoService> {
    let mut alert = alert.clone();
    if let Some(s) = integration_service {
        alert
            .labels
            .entry("service".into())
            .or_insert_with(|| s.to_string());
    }
    let default = integration_service.or(config.incident_policy.default_service.as_deref());
    route_incident_known(
        &cache.get(&config.routes, tree),
        &alert,
        |s| config.services.contains_key(s),
        default,
    )
}

/// The channels an incident of `service` reaches when changed by hand:
/// where an alert labelled with the service alone would go.
pub fn channels_of_service(config: &Config, cache: &RouteCache, service: &str) -> Vec<String> {
    let alert = labelled(BTreeMap::from([(
        "service".to_string(),
        service.to_string(),
    )]));
    route(config, cache, &alert, None).channels
}

/// An alert carrying only `labels`, to ask the tree where such alerts go.
fn labelled(labels: BTreeMap<String, String>) -> Alert {
    Alert {
        source: nines_incident::AlertSource::Slo,
        key: String::new(),
        labels,
        annotations: BTreeMap::new(),
        summary: String::new(),
        severity: AlertSeverity::Critical,
        status: nines_incident::AlertStatus::Firing,
        starts_at: jiff::Timestamp::UNIX_EPOCH,
        ends_at: None,
        links: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route_of(routes: RouteConfig, labels: &[(&str, &str)]) -> Routed {
        let config = Config {
            routes,
            ..Config::default()
        };
        let alert = labelled(
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        route(&config, &RouteCache::default(), &alert, None)
    }

    fn r(matchers: &[&str], service: Option<&str>, channels: &[&str]) -> RouteConfig {
        RouteConfig {
            matchers: matchers.iter().map(|m| m.to_string()).collect(),
            service: service.map(str::to_string),
            channels: (!channels.is_empty())
                .then(|| channels.iter().map(|c| c.to_string()).collect()),
            ..RouteConfig::default()
        }
    }

    #[test]
    fn config_routes_route_through_the_tree() {
        let mut root = r(&[], None, &["default"]);
        let mut payments = r(&[r#"team="payments""#], Some("shop"), &["slack-payments"]);
        payments.routes = vec![r(&[r#"env!="staging""#], None, &[])];
        let mut audit = r(&[r#"team=~".+""#], None, &["audit"]);
        audit.continue_ = true;
        root.routes = vec![
            audit,
            payments,
            r(&[r#"team="payments""#], Some("other"), &["never"]),
        ];

        let got = route_of(root.clone(), &[("team", "payments")]);
        assert_eq!(
            got.service_name(),
            "shop",
            "the child inherits its parent's service"
        );
        assert_eq!(got.channels, ["audit", "slack-payments"]);
        assert_eq!(got.severity.as_str(), "SEV1");

        let got = route_of(root, &[("service", "search")]);
        assert_eq!(
            got.service_name(),
            "search",
            "no route names one: the label does"
        );
        assert_eq!(got.channels, ["default"]);
    }

    #[test]
    fn severity_maps_override_the_default() {
        let mut root = r(&[], Some("shop"), &[]);
        root.severity = BTreeMap::from([("critical".into(), "SEV2".into())]);
        assert_eq!(route_of(root, &[]).severity.as_str(), "SEV2");
    }
}
