//! SLOs in the daemon: the in-memory engine over the SLI series, pushed
//! event batches, pulled sources (scrape, PromQL) and the read views.

pub mod batch;
pub mod engine;
pub mod sources;
pub mod view;
