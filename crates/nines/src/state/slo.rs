//! The SLO feature's state and shapes, below `App`: the engine over the
//! SLI series, event batches as parsed, collector states and read views.

pub mod batch;
pub mod engine;
pub mod sources;
pub mod view;

/// Events a collector (probe, scrape, query) produced for one SLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    pub service: String,
    pub slo: String,
    /// Unix seconds.
    pub time: i64,
    pub good: u64,
    pub total: u64,
}
