//! Probes in the daemon: their current state (below `App`), turning
//! results into SLI events and stored rows, heartbeats, and the tasks that
//! run them.

pub mod runner;
pub mod service;
