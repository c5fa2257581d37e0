//! nines: an SRE platform in one binary. This crate is the binary's
//! library, laid out by feature on floors; a module imports only floors
//! below its own (docs/architecture.md):
//!
//! 1. support: [`clock`], [`text`], [`telemetry`]
//! 2. feature state: [`state`] (the SLO engine, probe states, ...; never `App`)
//! 3. [`app`]: composes the feature state; no feature logic
//! 4. feature services and background tasks: [`slo`], [`probes`],
//!    [`incidents`], [`notify`], [`oncall`], [`review`]
//! 5. adapters: [`api`], [`ui`]; then [`daemon`] wires them, [`cli`] on top
#![forbid(unsafe_code)]

pub mod clock;
pub mod telemetry;
pub mod text;

pub mod state;

pub mod app;

pub mod incidents;
pub mod notify;
pub mod oncall;
pub mod probes;
pub mod reload;
pub mod review;
pub mod slo;

pub mod api;
pub mod ui;

pub mod daemon;

pub mod cli;

pub use cli::run;
