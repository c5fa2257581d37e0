//! The config model: what the readers build. What each key of the YAML
//! means, its unit and default is in the key table next to its reader
//! (`crate::keys`), from which `docs/config.md` is generated; doc comments
//! here say the same of the fields they fill.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::auth::Auth;

/// A loaded, validated config: everything nines monitors and who may use its
/// API.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// `services`: the services nines watches, by name. A name is 1–63
    /// lowercase letters, digits, `-` and `_`, starting with a letter or
    /// digit. Each service is defined once across all files.
    pub services: BTreeMap<String, Service>,
    /// `auth`: API tokens. Tokens from all files are merged.
    pub auth: Auth,
    /// `users`: people schedules name, by name.
    pub users: BTreeMap<String, crate::oncall::User>,
    /// `schedules`: on-call schedules, by name.
    pub schedules: BTreeMap<String, nines_oncall::Schedule>,
    /// `escalations`: escalation policies (whom to page when, until someone
    /// acknowledges), by name.
    pub escalations: BTreeMap<String, nines_oncall::EscalationPolicy>,
    /// `teams`: people and the schedules they staff, by name.
    pub teams: BTreeMap<String, crate::escalation::Team>,
    /// `scrape`: Prometheus `/metrics` endpoints nines scrapes, plus one
    /// implicit target (default settings) per `prometheus.target` URL that
    /// no `scrape` entry names. Unique by name and by URL.
    pub scrape: Vec<ScrapeTarget>,
    /// `channels`: where notifications go, by name.
    pub channels: BTreeMap<String, Channel>,
    /// `integrations`: senders of alerts (Alertmanager, PagerDuty Events
    /// v2 clients), by name.
    pub integrations: BTreeMap<String, Integration>,
    /// `routes`: the routing tree's root; default: every alert to the
    /// service its `service` label (or integration) names, no channels.
    pub routes: Route,
    /// `incidents`: how incidents behave.
    pub incident_policy: IncidentSettings,
    /// `error_budget_policy`: the default error budget policy of every
    /// service (see [`ErrorBudgetPolicy`](crate::ErrorBudgetPolicy)); given in one file only.
    pub error_budget_policy: crate::review::ErrorBudgetPolicy,
    /// `status_page`: the public status page's title and components
    /// (default: one component per service); given in one file only.
    pub status_page: crate::status_page::StatusPage,
    /// The files the config was read from, in the order they were read.
    pub files: Vec<PathBuf>,
    /// What OpenSLO documents said that nines does not use, per document
    /// and field; `nines check` prints them and `nines serve` logs them.
    pub warnings: Vec<crate::ConfigError>,
}

impl Config {
    /// The SLO `slo` of service `service`, if both exist.
    pub fn slo(&self, service: &str, slo: &str) -> Option<&Slo> {
        self.services
            .get(service)?
            .slos
            .iter()
            .find(|s| s.name == slo)
    }

    /// The error budget policy of `service`: its own
    /// `error_budget_policy` over the top-level default.
    pub fn budget_policy(&self, service: &str) -> crate::review::ErrorBudgetPolicy {
        match self.services.get(service) {
            Some(s) => s.error_budget_policy.apply(&self.error_budget_policy),
            None => self.error_budget_policy.clone(),
        }
    }

    /// The capacity resource `resource` of service `service`, if both exist.
    pub fn capacity(&self, service: &str, resource: &str) -> Option<&crate::CapacityResource> {
        self.services
            .get(service)?
            .capacity
            .iter()
            .find(|r| r.name == resource)
    }

    /// The scrape target a `prometheus` SLI's `target` (its
    /// [`Counters::location`]) names: by name, else by URL. Every target of
    /// a loaded config resolves.
    pub fn scrape_target(&self, target: &str) -> Option<&ScrapeTarget> {
        self.scrape
            .iter()
            .find(|t| t.name == target)
            .or_else(|| self.scrape.iter().find(|t| t.url == target))
    }
}

/// `services.<name>`: one service and the promises made about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The key under `services`.
    pub name: String,
    /// `owner`: the team that answers for the service. Optional; free text.
    pub owner: Option<String>,
    /// `description`: what the service is, for people. Optional.
    pub description: Option<String>,
    /// `labels`: labels put on the alerts of every SLO of the service;
    /// an SLO's `alerting.labels` win on a clash. Optional; default none.
    pub labels: BTreeMap<String, String>,
    /// `slos`: the service's SLOs, in file order. Optional; default none.
    pub slos: Vec<Slo>,
    /// `probes`: synthetic checks of the service (`http`, `tcp`, `dns`,
    /// `tls`, `heartbeat`), in file order; names unique within the service.
    pub probes: Vec<nines_probe::Probe>,
    /// `escalation`: the escalation policy of the service's incidents.
    /// Default: that of the team its `owner` names, if any.
    pub escalation: Option<String>,
    /// `error_budget_policy`: overrides of the top-level
    /// `error_budget_policy` for this service, field by field.
    pub error_budget_policy: crate::review::PolicyOverrides,
    /// `slas`: contractual SLAs, reported met or missed per period.
    pub slas: Vec<crate::review::Sla>,
    /// `capacity`: resources nines forecasts, in file order; names unique
    /// within the service.
    pub capacity: Vec<crate::capacity::CapacityResource>,
}

/// `channels.<name>`: one destination for notifications, how often it may
/// be sent to, and how its messages read.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The kind key (`webhook`, `slack`, `email`, `pagerduty`,
    /// `alertmanager`) and its settings.
    pub to: Destination,
    /// `rate_limit`: at most this many messages per period (`20/1m`);
    /// more wait in the outbox, in order, and none is dropped. Default
    /// none.
    pub rate_limit: Option<RateLimit>,
    /// `title` and `body`: message templates with `{placeholders}`.
    pub template: Template,
}

/// Where a channel's messages go.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// `webhook: { url, secret, headers }`: JSON POSTs; with `secret`, an
    /// `X-Nines-Signature` HMAC-SHA256 header receivers can verify.
    Webhook {
        url: String,
        secret: Option<String>,
        headers: Vec<(String, String)>,
    },
    /// `slack: { url }` (or `slack: URL`): a Slack incoming webhook.
    Slack { url: String },
    /// `email: { … }`: mail over SMTP.
    Email(Email),
    /// `pagerduty: { routing_key, url }`: PagerDuty Events API v2, for
    /// teams that keep PagerDuty for phones.
    Pagerduty { routing_key: String, url: String },
    /// `alertmanager: { url, headers }`: Alertmanager's webhook format
    /// (version 4), for receivers written for Alertmanager.
    Alertmanager {
        url: String,
        headers: Vec<(String, String)>,
    },
}

/// PagerDuty's Events API v2 address, the default of `pagerduty.url`.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// `email: { … }`: an SMTP relay and who gets the mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    /// `host`: the SMTP relay.
    pub host: String,
    /// `port`: default 587 with `starttls`, 465 with `tls`, 25 with `none`.
    pub port: u16,
    /// `tls`: `starttls` (default), `tls` (implicit, port 465) or `none`.
    pub tls: SmtpTls,
    /// `username` and `password`: SMTP AUTH, when the relay wants it.
    pub credentials: Option<(String, String)>,
    /// `from`: the sender address.
    pub from: String,
    /// `to`: one or more recipient addresses.
    pub to: Vec<String>,
    /// `ca_file`: a PEM file of CAs to trust instead of the system's
    /// (a relay with a private CA).
    pub ca_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    Starttls,
    Implicit,
    None,
}

/// `rate_limit: N/PERIOD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub messages: u32,
    pub per: std::time::Duration,
}

/// `title` and `body` of a channel: text with `{placeholders}` (see
/// [`TEMPLATE_FIELDS`]); unset means nines' own wording.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    pub title: Option<String>,
    pub body: Option<String>,
}

/// The placeholders templates may use.
pub const TEMPLATE_FIELDS: [&str; 11] = [
    "id",
    "title",
    "service",
    "severity",
    "status",
    "event",
    "text",
    "started_at",
    "url",
    "ack_url",
    "resolve_url",
];

/// `integrations.<name>`: a sender of alerts and its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub name: String,
    pub kind: IntegrationKind,
    /// `key_hash`: `sha256:<hex>` of the integration key (PagerDuty's
    /// `routing_key`, or the secret in Alertmanager's URL path /
    /// bearer token), as `nines token new` prints hashes.
    pub key_hash: String,
    /// `service`: the service its alerts belong to when their labels (or
    /// the routes) name none.
    pub service: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationKind {
    Alertmanager,
    Pagerduty,
}

/// A node of the routing tree (Alertmanager's model): the first child whose
/// matchers all match takes the alert, unless it says `continue`; unset
/// fields are inherited from the parent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Route {
    /// `matchers`: `name="value"`, `name!="value"`, `name=~"regex"`,
    /// `name!~"regex"` (regexes fully anchored), all of which must match.
    pub matchers: Vec<String>,
    /// `service`: the service incidents of matching alerts belong to.
    pub service: Option<String>,
    /// `severity`: alert severity (`critical`, `error`, `warning`,
    /// `info`) to incident severity (`SEV1`…`SEV4`), overriding the default.
    pub severity: BTreeMap<String, String>,
    /// `group_by`: labels whose values, with the service, make the group
    /// (alerts of one group join one open incident); `[...]` is all labels.
    /// Default: the service alone.
    pub group_by: Option<Vec<String>>,
    /// `continue`: keep matching later siblings after this one.
    pub continue_: bool,
    /// `channels`: channel names to notify; inherited when unset.
    pub channels: Option<Vec<String>>,
    /// `routes`: child routes, tried in order.
    pub routes: Vec<Route>,
}

/// `incidents`: how incidents behave.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentSettings {
    /// `auto_resolve` (default true) and `reopen_within` (default 1h; 0
    /// never reopens): the incident lifecycle the daemon's engine runs.
    pub lifecycle: nines_incident::IncidentPolicy,
    /// `give_up_after`: how long a notification is retried before it is
    /// given up (on the incident's timeline). Default 24h.
    pub give_up_after: std::time::Duration,
    /// `secret`: signs the one-click ack/resolve links in notifications.
    /// Default none (no links).
    pub link_secret: Option<String>,
    /// `external_url`: nines' address as people reach it, for links.
    pub external_url: Option<String>,
    /// `link_lifetime`: how long one-click links work after the message
    /// was queued. Default 24h.
    pub link_lifetime: std::time::Duration,
    /// `default_service`: the service of an outside alert (Alertmanager,
    /// PagerDuty) that neither the routes nor a `service` label of a
    /// configured service place, and whose integration names no service.
    /// Default none: such alerts are refused.
    pub default_service: Option<String>,
    /// `maintenance`: recurring windows in which matching alerts are
    /// recorded but notify nobody.
    pub maintenance: Vec<nines_incident::MaintenanceWindow>,
    /// `inhibit`: while an alert matching a rule's source fires, alerts
    /// matching its target notify nobody (Alertmanager's inhibit rules).
    pub inhibit: Vec<nines_incident::Inhibit>,
}

impl Default for IncidentSettings {
    fn default() -> Self {
        IncidentSettings {
            lifecycle: nines_incident::IncidentPolicy::default(),
            give_up_after: std::time::Duration::from_secs(86_400),
            link_secret: None,
            external_url: None,
            link_lifetime: std::time::Duration::from_secs(86_400),
            default_service: None,
            maintenance: Vec::new(),
            inhibit: Vec::new(),
        }
    }
}

/// `scrape[i]`: a Prometheus exposition endpoint nines scrapes itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeTarget {
    /// `name`: how SLIs refer to it (`target: shop`); default the URL.
    pub name: String,
    /// `url`: `http://` or `https://` URL of the `/metrics` page.
    pub url: String,
    /// `interval`: default 15s.
    pub interval: std::time::Duration,
    /// `timeout`: default 10s, at most `interval`.
    pub timeout: std::time::Duration,
    /// `headers`, plus `bearer_token`/`basic_auth` as an `Authorization`
    /// header.
    pub headers: Vec<(String, String)>,
    /// `tls`: as for probes.
    pub tls: nines_probe::TlsOptions,
}

/// `services.<name>.slos[i]`: one service level objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// `name`: required; same rule as service names; unique within its
    /// service. With the service name it identifies the SLO in the API,
    /// metrics (`slo` label) and alerts.
    pub name: String,
    /// `description`: what the SLO promises, for people. Optional.
    pub description: Option<String>,
    /// `objective`: required; the percentage of events that must be good,
    /// strictly between 0 and 100 (`99.9`).
    pub objective_percent: f64,
    /// `sli`: required; where the good and total event counts come from.
    pub sli: Sli,
    /// `alerting.labels`: labels added to this SLO's alerts (routing,
    /// grouping). Names match `[a-zA-Z_][a-zA-Z0-9_]*`. Default none.
    pub labels: BTreeMap<String, String>,
    /// What `nines rules prometheus` adds to this SLO's Prometheus alerts.
    pub alert_rules: AlertRules,
    /// The SLO as the SLO math uses it, built from `objective`, `window` or
    /// `calendar` + `timezone`, `alerting.tiers` and `alerting.min_events`:
    ///
    /// - `window`: a rolling window, whole minutes from `1h` to `400d`.
    ///   Default `30d` when neither `window` nor `calendar` is given.
    /// - `calendar`: `week` (ISO, from Monday 00:00) or `month` (from the 1st
    ///   00:00), instead of `window`.
    /// - `timezone`: IANA name the calendar periods start in, only with
    ///   `calendar`. Default `UTC`.
    /// - `alerting.min_events`: events the long window must hold before an
    ///   alert may fire; an integer >= 1. Default 10.
    /// - `alerting.tiers`: burn-rate alert tiers; default the SRE Workbook's
    ///   four (page at 2% of the budget in 1h/5m and 5% in 6h/30m; ticket at
    ///   10% in 1d/2h and 10% in 3d/6h). `[]` turns alerting off.
    pub spec: nines_slo::SloSpec,
    /// How the SLO window is written in labels and API keys: `30d`, `28d`,
    /// `week`, `month`.
    pub window_label: String,
}

/// Where an SLO's events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sli {
    /// `sli: events`: good/total samples pushed to `POST /api/v1/events`.
    Events,
    /// `sli: { prometheus: { good|errors, total, target } }`: counters a
    /// service exposes on its `/metrics`. This version compiles them into
    /// Prometheus rules (`nines rules prometheus`); scraping comes later.
    Prometheus(Counters),
    /// `sli: { promql: { good|errors, total, url } }`: counters already in a
    /// Prometheus-compatible server. This version compiles them into
    /// Prometheus rules (`nines rules prometheus`); querying comes later.
    Promql(Counters),
    /// `sli: { probe: NAME }`: each run of the service's probe `NAME` is
    /// one event, good when it succeeded; with `latency_below: 300ms`, good
    /// only when it also took less than that.
    Probe {
        probe: String,
        latency_below: Option<std::time::Duration>,
    },
    /// `sli: { promql: { error_query, total_query, url } }` or
    /// `{ error_ratio_query, url }`: whole PromQL expressions with a
    /// `{{.window}}` placeholder, as Sloth writes them.
    PromqlQueries {
        queries: QueryTemplates,
        url: Option<String>,
    },
}

/// PromQL expressions with a `{{.window}}` placeholder for the rate window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryTemplates {
    /// Failed events and all events, each a rate over `{{.window}}`.
    Events {
        error_query: String,
        total_query: String,
    },
    /// The error ratio over `{{.window}}`.
    Raw { error_ratio_query: String },
}

impl Sli {
    /// `events`, `prometheus`, `promql`: how the API and logs name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Sli::Events => "events",
            Sli::Probe { .. } => "probe",
            Sli::Prometheus(_) => "prometheus",
            Sli::Promql(_) | Sli::PromqlQueries { .. } => "promql",
        }
    }

    /// The counters of a Prometheus-based SLI.
    pub fn counters(&self) -> Option<&Counters> {
        match self {
            Sli::Events | Sli::Probe { .. } | Sli::PromqlQueries { .. } => None,
            Sli::Prometheus(c) | Sli::Promql(c) => Some(c),
        }
    }
}

/// Two PromQL series selectors of counters: the events that count against
/// the SLO (or those that count for it) and all events. Both are summed over
/// every matching series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    /// `good` or `errors`: the counter the SLI is built from.
    pub ratio: Ratio,
    /// `total`: all events, such as `http_requests_total{job="shop"}`.
    pub total: String,
    /// `target` (prometheus: a `scrape` entry's name or the URL of the
    /// `/metrics` to scrape) or `url` (promql: the base URL of the
    /// Prometheus HTTP API, such as `http://prometheus:9090`). Required for
    /// nines to collect the SLI; without it the SLO only compiles to rules.
    pub location: Option<String>,
    /// promql only: `headers` (such as `X-Scope-OrgID` for Mimir), plus
    /// `bearer_token` or `basic_auth` turned into an `Authorization` header.
    pub headers: Vec<(String, String)>,
}

/// Which counter a [`Counters`] names besides the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ratio {
    /// `good`: events that met the objective, such as a histogram bucket
    /// `http_request_duration_seconds_bucket{le="0.3"}`.
    Good(String),
    /// `errors`: events that failed it, such as
    /// `http_requests_total{code=~"5.."}` (Sloth's `errorQuery`).
    Errors(String),
}

/// `alerting` settings that only shape generated Prometheus alert rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertRules {
    /// `alerting.for`: how long a tier's condition must hold before the
    /// Prometheus alert fires (`2m`). Default none: at once, like nines.
    pub for_: Option<String>,
    /// `alerting.annotations`, plus `runbook_url` and `dashboard_url` when
    /// given: annotations on every alert of the SLO.
    pub annotations: BTreeMap<String, String>,
    /// `alerting.budget_exhausted_alert`: also an `ErrorBudgetExhausted`
    /// alert (ticket) while the period's budget is spent. Default false.
    pub budget_exhausted_alert: bool,
    /// `alerting.absent_alert`: also an `SLIAbsent` alert (ticket) when the
    /// total counter has had no samples for this long (`10m`). Default none.
    pub absent_alert: Option<String>,
}
