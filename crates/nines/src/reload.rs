//! Reloading the config (SIGHUP, `POST /api/v1/reload`): a config with
//! errors is refused and the running one stays; a good one replaces the
//! SLOs, probes and schedules (with their stored overrides) at once.

use std::collections::HashMap;
use std::sync::Arc;

use nines_config::{Config, ConfigErrors};
use nines_store::{StoreError, decode_slo_snapshot};

use crate::app::{App, log_config_notes};
use crate::state::slo::engine::Engine;

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("the new config is invalid; the old one stays:\n{0}")]
    Invalid(ConfigErrors),
    #[error("the new config could not be applied: {0}")]
    Store(#[from] StoreError),
}

/// Reloads the config from its path. A config with errors is refused and
/// the running one stays.
pub fn reload(app: &App) -> Result<usize, ReloadError> {
    let result = crate::reload::try_reload(app);
    app.telemetry.reloaded(result.is_ok());
    result
}

fn try_reload(app: &App) -> Result<usize, ReloadError> {
    let config = Config::load(&app.config_path).map_err(ReloadError::Invalid)?;
    log_config_notes(&config);
    let mut store = app.lock_store();
    let ids = store.slo_ids(&Engine::keys(&config))?;
    let mut engine = app.write_engine();
    // Checkpoint first: SLOs the new config drops leave memory, so their
    // data must be in snapshots, not only in log batches a later
    // checkpoint would delete.
    let (through, snapshots) = engine.take_dirty_snapshots();
    if let Err(e) = store.checkpoint(through, &snapshots, app.clock.now().as_second()) {
        engine.mark_dirty(snapshots.iter().map(|(id, _)| *id));
        return Err(e.into());
    }
    let mut stored = HashMap::new();
    for id in engine.missing_ids(ids.values()) {
        if let Some(body) = store.snapshot(id)? {
            let snapshot = decode_slo_snapshot(&body).map_err(|source| StoreError::Corrupt {
                path: store.database().into(),
                source,
            })?;
            stored.insert(id, snapshot);
        }
    }
    engine.reconfigure(&config, &ids, app.clock.now(), &stored);
    let count = engine.slos().len();
    let beats = store.heartbeats()?;
    let overrides = crate::state::oncall::stored(&**store, app.clock.now())?;
    drop(engine);
    drop(store);
    app.write_probes().sync(&config, &beats, app.clock.now());
    let base = Arc::new(config.clone());
    let config = crate::state::oncall::apply(config, &overrides);
    *app.base_config.write().unwrap_or_else(|p| p.into_inner()) = base;
    *app.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    app.reloads.send_modify(|v| *v += 1);
    app.escalation_wake.notify_one();
    crate::slo::service::evaluate(app, true);
    Ok(count)
}
