//! Probe results: the last raw results per probe for detail views,
//! per-minute, per-hour and per-day rollups (up/down counts and a latency
//! histogram) so uptime bars and SLA reports never re-read raw results, and
//! heartbeats.

use crate::codec::EventRecord;
use crate::error::StoreError;

/// Raw results kept per probe.
pub const RAW_RESULTS_KEPT: i64 = 1000;

/// Upper bounds (ms) of the latency histogram buckets; the last bucket is
/// everything slower. Prometheus' default buckets, in milliseconds.
pub const LATENCY_BOUNDS_MS: [f64; 11] = [
    5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

/// A rollup resolution and how long rows of it are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Minute,
    Hour,
    Day,
}

impl Resolution {
    pub const ALL: [Resolution; 3] = [Resolution::Minute, Resolution::Hour, Resolution::Day];

    pub fn seconds(self) -> i64 {
        match self {
            Resolution::Minute => 60,
            Resolution::Hour => 3600,
            Resolution::Day => 86_400,
        }
    }

    /// Minutes for 8 days (a week's detail with a day to spare); hours and
    /// days for 400 days, for 90-day bars and yearly SLA reports.
    pub fn retention_seconds(self) -> i64 {
        match self {
            Resolution::Minute => 8 * 86_400,
            Resolution::Hour | Resolution::Day => 400 * 86_400,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Resolution::Minute => "minute",
            Resolution::Hour => "hour",
            Resolution::Day => "day",
        }
    }

    pub fn from_name(name: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// One probe run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRow {
    pub service: String,
    pub probe: String,
    /// Unix milliseconds of the run's start.
    pub at_ms: i64,
    pub success: bool,
    pub duration_ms: f64,
    /// Why it failed, in one line.
    pub reason: Option<String>,
    /// The full outcome as JSON, for detail views.
    pub detail: String,
}

/// Up/down counts and latencies of a probe over one period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rollup {
    /// Unix seconds the period starts at.
    pub start: i64,
    pub up: i64,
    pub down: i64,
    pub latency_sum_ms: f64,
    /// Counts per [`LATENCY_BOUNDS_MS`] bucket, plus one for slower runs.
    pub buckets: Vec<i64>,
}

/// Probe results, rollups and heartbeats.
pub trait ProbeStore {
    /// Stores probe results with the SLI events they produced (as one
    /// ingest-log batch, when there are any) and heartbeat times
    /// (`(service, name, unix ms)`), in one transaction; folds the results
    /// into the rollups and keeps the last [`RAW_RESULTS_KEPT`] raw ones
    /// per probe. Returns the batch id, if a batch was written.
    fn record_probe_results(
        &mut self,
        events: &[EventRecord],
        rows: &[ProbeRow],
        beats: &[(String, String, i64)],
        received_at: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// The last beat of every heartbeat: (service, name, unix ms).
    fn heartbeats(&self) -> Result<Vec<(String, String, i64)>, StoreError>;

    /// The newest raw results of a probe, newest first.
    fn probe_results(
        &self,
        service: &str,
        probe: &str,
        limit: u32,
    ) -> Result<Vec<ProbeRow>, StoreError>;

    /// A probe's rollups at `resolution` with starts in `[from, to)`,
    /// oldest first.
    fn probe_rollups(
        &self,
        service: &str,
        probe: &str,
        resolution: Resolution,
        from: i64,
        to: i64,
    ) -> Result<Vec<Rollup>, StoreError>;
}

/// The histogram bucket of a latency.
pub(crate) fn bucket_of(duration_ms: f64) -> usize {
    LATENCY_BOUNDS_MS
        .iter()
        .position(|&b| duration_ms <= b)
        .unwrap_or(LATENCY_BOUNDS_MS.len())
}

/// Buckets as stored: counts joined by commas, short lists padded.
pub(crate) fn parse_buckets(text: &str) -> Vec<i64> {
    let mut b: Vec<i64> = text.split(',').filter_map(|n| n.parse().ok()).collect();
    b.resize(LATENCY_BOUNDS_MS.len() + 1, 0);
    b
}

pub(crate) fn join_buckets(buckets: &[i64]) -> String {
    buckets
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
