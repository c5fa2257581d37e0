//! The binary crate's integration tests as one test binary (one link, not
//! sixteen), ripgrep-style: each file here is a module, `util` the harness
//! on top of `nines-testkit`. Cargo finds it as `tests/tests/main.rs`.
// The tests drive real processes in real time; the clock rule
// (crates/nines/clippy.toml) is for the daemon.
#![allow(clippy::disallowed_methods)]

mod util;

mod api;
mod architecture;
mod blackbox;
mod capacity;
mod channels;
mod chaos;
mod cli;
mod crash;
mod escalation;
mod gate;
mod grafana;
mod hostile;
mod incidents;
mod load;
mod metrics;
mod openslo;
mod review;
mod rules;
mod scenario;
mod sloth;
mod sources;
mod ui;
