//! From alerts to incidents, without I/O: the daemon receives requests,
//! reads the clock and the store, and hands the data to this crate, which
//! decides what happens; then the daemon writes and sends.
//!
//! - **Intake.** [`pagerduty`] validates a PagerDuty Events API v2 body as
//!   PagerDuty does (same errors, same success body), so a tool configured
//!   for PagerDuty works against nines by changing only the URL;
//!   [`alertmanager`] reads Alertmanager's webhook (version 4). Both become
//!   an [`Alert`], the model the rest of the crate works on, as do alerts
//!   from nines' own SLO evaluator and probes.
//! - **Deciding.** [`route()`] walks an Alertmanager-style routing tree to
//!   the service, severity, group key and channels of an alert;
//!   [`Silence`], [`MaintenanceWindow`] and [`Inhibit`] say whether to stay
//!   quiet; [`Incident`] holds the triggered → acknowledged → resolved
//!   state machine, reopening and auto-resolution.
//! - **Notifying.** [`Backoff`] and [`classify`] schedule retries per channel
//!   kind; [`signature`] signs webhook bodies (`X-Nines-Signature`) and the
//!   expiring acknowledge/resolve links sent in notifications.
//!
//! Time always comes in as a [`jiff::Timestamp`] argument.
#![forbid(unsafe_code)]

pub mod alert;
pub mod alertmanager;
mod hmac;
pub mod incident;
mod inhibit;
mod maintenance;
mod matcher;
pub mod pagerduty;
pub mod retry;
pub mod route;
pub mod signature;
mod silence;

pub use alert::{Alert, AlertSeverity, AlertSource, AlertStatus, Labels, Link};
pub use hmac::hmac_sha256;
pub use incident::{
    Incident, IncidentPolicy, IncidentSeverity, Intake, LinkedAlert, Status, Transition,
    TransitionError, check_transition, intake,
};
pub use inhibit::Inhibit;
pub use maintenance::{MaintenanceError, MaintenanceWindow, Scope};
pub use matcher::{MatchOp, Matcher, MatcherError, matches_all, parse_matchers};
pub use retry::{Backoff, ChannelKind, Outcome, Verdict, classify};
pub use route::{
    NoService, Route, Routed, SeverityMap, route, route_alert, route_incident, route_incident_known,
};
pub use silence::Silence;
