//! Incidents' names and shapes, below `App`: what an alert did, where it
//! goes, the refusal of an action, and the JSON every adapter shows.

use std::sync::{Arc, Mutex};

use nines_config::Route as RouteConfig;
use nines_incident::{Alert, AlertStatus, Route};
use nines_store::{IncidentRow, StoreError};
use serde_json::{Value, json};

/// What an alert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AlertOutcome {
    pub incident: Option<i64>,
    pub opened: bool,
    pub resolved: bool,
}

/// Why an incident action was refused.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    #[error("no incident INC-{0}")]
    NotFound(i64),
    #[error("{0}")]
    Invalid(String),
    #[error("the change could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// An SLO's burn-rate tier changing state, as an alert: `page` tiers are
/// critical, `ticket` tiers warnings; labels name the service, SLO and tier
/// so routes can match them.
pub fn slo_alert(service: &str, slo: &str, t: &nines_store::AlertTransition) -> Alert {
    use nines_incident::{AlertSeverity, AlertSource};
    let at = jiff::Timestamp::from_second(t.at).unwrap_or_default();
    let labels = std::collections::BTreeMap::from([
        ("alertname".to_string(), "SLOBurnRate".to_string()),
        ("service".to_string(), service.to_string()),
        ("slo".to_string(), slo.to_string()),
        ("tier".to_string(), t.tier.clone()),
        ("severity".to_string(), t.severity.clone()),
    ]);
    let burn = t
        .long_burn
        .map(|b| format!(" (burn rate {b:.1}, threshold {})", t.threshold))
        .unwrap_or_default();
    Alert {
        source: AlertSource::Slo,
        key: Alert::slo_key(service, slo, &t.tier),
        labels,
        // The incident's title names the SLO; the tier and burn figure of
        // the moment stay in the alert's summary (and the timeline).
        annotations: std::collections::BTreeMap::from([(
            "title".to_string(),
            format!("{service}/{slo}: error budget burning"),
        )]),
        summary: format!("{service}/{slo}: error budget burning, {}{burn}", t.tier),
        severity: if t.severity == "page" {
            AlertSeverity::Critical
        } else {
            AlertSeverity::Warning
        },
        status: if t.firing {
            AlertStatus::Firing
        } else {
            AlertStatus::Resolved
        },
        starts_at: at,
        ends_at: (!t.firing).then_some(at),
        links: vec![],
    }
}

pub fn incident_name(id: i64) -> String {
    format!("INC-{id}")
}

/// Parses `INC-12` or `12`.
pub fn parse_incident_id(s: &str) -> Option<i64> {
    s.strip_prefix("INC-")
        .or_else(|| s.strip_prefix("inc-"))
        .unwrap_or(s)
        .parse()
        .ok()
        .filter(|&n: &i64| n > 0)
}

fn time(t: Option<i64>) -> Value {
    json!(t.map(crate::clock::rfc3339))
}

pub fn incident_json(i: &IncidentRow) -> Value {
    json!({
        "id": incident_name(i.id),
        "title": i.title,
        "service": i.service,
        "severity": i.severity,
        "status": i.status,
        "commander": i.commander,
        "assignee": i.assignee,
        "started_at": time(Some(i.started_at)),
        "acknowledged_at": time(i.acknowledged_at),
        "mitigated_at": time(i.mitigated_at),
        "resolved_at": time(i.resolved_at),
    })
}

/// A stored silence as nines-incident's; matchers were checked when it
/// was created.
pub fn to_silence(row: &nines_store::SilenceRow) -> nines_incident::Silence {
    let texts: Vec<String> = serde_json::from_str(&row.matchers).unwrap_or_default();
    nines_incident::Silence {
        id: row.id.to_string(),
        matchers: texts
            .iter()
            .filter_map(|m| nines_incident::Matcher::parse(m).ok())
            .collect(),
        starts_at: jiff::Timestamp::from_second(row.starts_at).unwrap_or_default(),
        ends_at: jiff::Timestamp::from_second(row.ends_at).unwrap_or_default(),
        created_by: row.created_by.clone(),
        comment: row.comment.clone(),
    }
}

/// The routing tree of the routes last asked for: building it compiles
/// every regex matcher, which would otherwise happen for every alert.
/// Keyed by the routes themselves, so a reload (or a test's own config)
/// rebuilds it. Owned by `App`.
#[derive(Debug, Default)]
pub struct RouteCache(Mutex<Option<(RouteConfig, Arc<Route>)>>);

impl RouteCache {
    /// The tree of `routes`, built by `build` when they changed.
    pub fn get(
        &self,
        routes: &RouteConfig,
        build: impl FnOnce(&RouteConfig) -> Route,
    ) -> Arc<Route> {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match &*cache {
            Some((written, built)) if written == routes => built.clone(),
            _ => {
                let built = Arc::new(build(routes));
                *cache = Some((routes.clone(), built.clone()));
                built
            }
        }
    }
}

/// The `runbook_url` and `dashboard_url` of a service's SLOs, labelled
/// with the SLO, once each, http(s) only.
pub fn runbook_links(service: &nines_config::Service) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for slo in &service.slos {
        for (key, what) in [("runbook_url", "runbook"), ("dashboard_url", "dashboard")] {
            if let Some(url) = slo.alert_rules.annotations.get(key)
                && (url.starts_with("https://") || url.starts_with("http://"))
                && !out.iter().any(|(_, u)| u == url)
            {
                out.push((format!("{} {what}", slo.name), url.clone()));
            }
        }
    }
    out
}

/// [`runbook_links`] of the service named `service`; none when it is not
/// configured (an Alertmanager alert's own service, say).
pub fn runbook_links_of(config: &nines_config::Config, service: &str) -> Vec<(String, String)> {
    config
        .services
        .get(service)
        .map(runbook_links)
        .unwrap_or_default()
}

/// The timeline kind that puts an incident on the public status page
/// (`status_page.publish: confirmed`).
pub const PUBLISHED: &str = "published";

/// Whether a responder published the incident with this timeline.
pub fn is_published(timeline: &[nines_store::TimelineEntry]) -> bool {
    timeline.iter().any(|t| t.kind == PUBLISHED)
}
