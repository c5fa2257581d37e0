//! nines' configuration: the YAML model of services, SLOs and API tokens, the
//! loader for a file or a directory of files, and validation that reports
//! every mistake as `file:line: field: message`.
//!
//! Each section of the config has one key table ([`Section`]: every key,
//! what it takes, its default and meaning) next to its reader; the reader
//! accepts exactly the keys of its table, and the tables in
//! `docs/config.md` are generated from them ([`fill_tables`]), so the
//! reference cannot drift from what is read. The doc comments of
//! [`Config`], [`Service`], [`Slo`] and the rest describe the model built.
//! Parsing goes text → positioned YAML tree → typed model, so each error
//! keeps the line it came from, and every error in a file is reported, not
//! just the first.
#![forbid(unsafe_code)]

mod auth;
mod capacity;
mod channel;
mod contact;
mod env;
mod error;
mod escalation;
mod http;
mod incident_policy;
mod integration;
mod keys;
mod load;
mod model;
mod oncall;
mod openslo;
mod probe;
mod read;
mod review;
mod route;
mod scrape;
mod slo;
mod sloth;
mod status_page;
mod write;
mod yaml;

pub use auth::{Auth, Role, TokenEntry, UnknownRole, hash_token};
pub use capacity::{CapacityResource, Floor, ForecastModel, Limit, ResourceSource};
pub use error::{ConfigError, ConfigErrors};
pub use escalation::Team;
pub use keys::{Key, NONE, REQUIRED, SECTIONS, Section, fill_tables, section, tables_markdown};
pub use model::{
    AlertRules, Channel, Config, Counters, Destination, Email, IncidentSettings, Integration,
    IntegrationKind, PAGERDUTY_EVENTS_URL, QueryTemplates, RateLimit, Ratio, Route, ScrapeTarget,
    Service, Sli, Slo, SmtpTls, TEMPLATE_FIELDS, Template,
};
pub use oncall::User;
pub use openslo::to_openslo;
#[cfg(debug_assertions)]
#[doc(hidden)]
pub use read::keys_read;
pub use review::{ErrorBudgetPolicy, PolicyOverrides, Sla, SlaPeriod};
pub use sloth::{
    SlothPlugin, SlothResource, SlothSlo, SlothSpec, load_sloth, load_sloth_windows, parse_sloth,
};
pub use status_page::{Publish, StatusComponent, StatusPage};
pub use write::{services_yaml, yaml_string};
