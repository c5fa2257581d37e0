//! Changes (deploys, config changes) recorded through the API, PagerDuty
//! change events and the CLI; the gate, incidents and postmortems
//! correlate with them. Blocking; call from `spawn_blocking`.

use nines_store::{ChangeRow, StoreError};

use crate::app::App;

/// Stores `row`; its id.
pub fn add(app: &App, row: &ChangeRow) -> Result<i64, StoreError> {
    app.with_store(|s| s.add_change(row))
}

/// Changes newest first in `[from, to)` (Unix seconds), of `service` when given.
pub fn list(
    app: &App,
    service: Option<&str>,
    from: i64,
    to: i64,
    limit: u32,
) -> Result<Vec<ChangeRow>, StoreError> {
    app.with_store(|s| s.changes(service, from, to, limit))
}
