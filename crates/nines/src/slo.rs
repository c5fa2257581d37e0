//! SLOs in the daemon: the state below `App` (engine, batches, views),
//! the service that ingests, evaluates and checkpoints, and the pulled
//! sources (scrape, PromQL).

pub mod service;
pub mod sources;
