//! What the pulled sources (scrapes, PromQL queries) last did, for the
//! API and /metrics.

use std::collections::BTreeMap;
use std::time::Duration;

/// The last scrape of a target, for the API and /metrics.
#[derive(Debug, Clone, Default)]
pub struct ScrapeState {
    pub url: String,
    pub last_at: Option<jiff::Timestamp>,
    pub up: bool,
    pub error: Option<String>,
    pub duration: Duration,
    pub samples: usize,
}

/// The last query of a PromQL-sourced SLO.
#[derive(Debug, Clone, Default)]
pub struct QueryState {
    pub url: String,
    pub last_at: Option<jiff::Timestamp>,
    pub ok: bool,
    pub error: Option<String>,
    /// Unix seconds the source has been read through.
    pub through: Option<i64>,
}

/// What the collectors report, keyed by scrape target name and by
/// (service, slo).
#[derive(Debug, Default)]
pub struct CollectorStates {
    pub scrapes: BTreeMap<String, ScrapeState>,
    pub queries: BTreeMap<(String, String), QueryState>,
}
