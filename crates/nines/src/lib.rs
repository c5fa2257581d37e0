//! nines: an SRE platform in one binary. This crate is the binary's
//! library: the CLI, the daemon and its HTTP API. SLO math lives in
//! `nines-slo`, config in `nines-config`, persistence in `nines-store`.
#![forbid(unsafe_code)]

pub mod action_links;
pub mod api;
pub mod api_changes;
pub mod api_incidents;
pub mod api_probes;
pub mod api_review;
pub mod app;
pub mod cli;
pub mod client;
pub mod clock;
pub mod collect;
pub mod daemon;
pub mod demo;
pub mod engine;
pub mod escalate;
pub mod gate;
pub mod gate_cmd;
pub mod grafana;
pub mod import;
pub mod incident_cmd;
pub mod incidents;
pub mod ingest;
pub mod messages;
pub mod notify;
pub mod oncall_health;
pub mod overrides;
pub mod postmortem;
pub mod postmortem_cmd;
pub mod probe_cmd;
pub mod probes;
pub mod quiet;
pub mod reminders;
pub mod report;
pub mod routing;
pub mod rules;
pub mod smtp;
pub mod status;
pub mod telemetry;
pub mod token;
pub mod ui;
pub mod url;
pub mod view;

pub use cli::run;
