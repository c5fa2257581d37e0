//! Reading incidents for the adapters (API, UI, /metrics): lists, one
//! incident, timelines, counts and response-time figures. Blocking; call
//! from `spawn_blocking`.

use std::collections::HashMap;

use nines_incident::Status;
use nines_store::{IncidentRow, IncidentStats, StoreError, TimelineEntry};

use crate::app::App;

/// Incidents newest first, by status and service when given.
pub fn list(
    app: &App,
    status: Option<Status>,
    service: Option<&str>,
    limit: u32,
) -> Result<Vec<IncidentRow>, StoreError> {
    app.with_store(|s| s.incidents(status, service, limit))
}

/// Incidents in any of `statuses` (`None`: any status).
pub fn list_in(
    app: &App,
    statuses: &[Option<Status>],
    service: Option<&str>,
    limit: u32,
) -> Result<Vec<IncidentRow>, StoreError> {
    app.with_store(|s| {
        let mut all = Vec::new();
        for status in statuses {
            all.extend(s.incidents(*status, service, limit)?);
        }
        Ok(all)
    })
}

/// Incident `id`, if there is one.
pub fn get(app: &App, id: i64) -> Result<Option<IncidentRow>, StoreError> {
    app.with_store(|s| s.incident(id))
}

/// The timelines of `ids`, in their order.
pub fn timelines(app: &App, ids: &[i64]) -> Result<Vec<Vec<TimelineEntry>>, StoreError> {
    app.with_store(|s| ids.iter().map(|&id| s.incident_timeline(id)).collect())
}

/// Response-time figures of incidents started in `[from, to)` (Unix seconds).
pub fn stats(app: &App, from: i64, to: i64) -> Result<Vec<IncidentStats>, StoreError> {
    app.with_store(|s| s.incident_stats(from, to))
}

/// Counts by a label (severity, state).
pub type Counts = Vec<(String, i64)>;

/// Open incidents by severity and outbox rows by state.
pub fn counts(app: &App) -> Result<(Counts, Counts), StoreError> {
    app.with_store(|s| s.incident_counts())
}

/// Open (triggered or acknowledged) incidents by service.
pub fn open_by_service(app: &App) -> Result<HashMap<String, usize>, StoreError> {
    let mut open = HashMap::new();
    for i in list_in(
        app,
        &[
            Some(nines_incident::Status::Triggered),
            Some(nines_incident::Status::Acknowledged),
        ],
        None,
        10_000,
    )? {
        *open.entry(i.service).or_insert(0) += 1;
    }
    Ok(open)
}
