//! SLOs at work: event batches stored and applied, evaluation (alert
//! transitions become incidents), checkpoints, events from collectors.

use std::collections::HashMap;

use nines_store::StoreError;

use crate::app::App;
use crate::state::slo::Collected;
use crate::state::slo::batch::parse_batch;
use crate::state::slo::engine::{Engine, IncomingEvent, Origin, Refusal};

/// Validates collected events one by one: one that cannot be taken (past
/// retention, SLO gone after a reload) is logged and dropped, not the lot.
pub(crate) fn collected_records(
    engine: &mut Engine,
    events: &[Collected],
    now: jiff::Timestamp,
) -> Vec<nines_store::EventRecord> {
    let mut records = Vec::with_capacity(events.len());
    for c in events {
        let e = IncomingEvent {
            service: &c.service,
            slo: &c.slo,
            time: Some(c.time),
            good: c.good,
            total: c.total,
        };
        match engine.validate(std::slice::from_ref(&e), now, Origin::Collector) {
            Ok(r) => records.extend(r),
            Err((refusals, _)) => {
                let reason = refusals.first().map(|r| r.reason.as_str()).unwrap_or("");
                tracing::warn!(service = %c.service, slo = %c.slo, reason, "collected event dropped");
            }
        }
    }
    records
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Shape(String),
    #[error("{1} of the batch's events were refused; nothing was stored")]
    Refused(Vec<Refusal>, usize),
    #[error("Idempotency-Key must be 1 to 255 visible ASCII characters")]
    BadKey,
    #[error("the batch could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// What an accepted batch amounted to.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Accepted {
    pub accepted: usize,
    pub batch: i64,
    /// True when the Idempotency-Key was seen before: the batch was
    /// already stored then, and nothing was stored now.
    pub duplicate: bool,
}

/// Validates a batch body whole, stores it durably, counts it and
/// re-evaluates the SLOs it touched. On any refusal nothing is stored.
pub fn ingest(app: &App, body: &[u8], key: Option<&str>) -> Result<Accepted, IngestError> {
    if key
        .is_some_and(|k| k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()))
    {
        app.telemetry.batch_refused();
        return Err(IngestError::BadKey);
    }
    let events = match parse_batch(body) {
        Ok(events) => events,
        Err(e) => {
            app.telemetry.batch_refused();
            return Err(IngestError::Shape(e.0));
        }
    };
    let incoming: Vec<_> = events.iter().map(|e| e.as_incoming()).collect();
    let now = app.clock.now();
    let mut store = app.lock_store();
    // A retried batch is answered as the duplicate it is before it is
    // validated again (it may not validate any more: past retention).
    if let Some(key) = key
        && let Some((batch, accepted)) = store.batch_for_key(key)?
    {
        return Ok(Accepted {
            accepted,
            batch,
            duplicate: true,
        });
    }
    let mut engine = app.write_engine();
    let records = match engine.validate(&incoming, now, Origin::Push) {
        Ok(records) => records,
        Err((refusals, count)) => {
            app.telemetry.batch_refused();
            return Err(IngestError::Refused(refusals, count));
        }
    };
    // The key is checked again in the batch's own transaction: that, not
    // the store lock, is what keeps two writers from storing one key twice.
    let appended = store.append_batch_once(&records, now.as_second(), key)?;
    if appended.duplicate {
        return Ok(Accepted {
            accepted: appended.events,
            batch: appended.batch,
            duplicate: true,
        });
    }
    let batch = appended.batch;
    engine.apply(&records, batch, nines_slo::minute_of(now));
    drop(engine);
    drop(store);
    app.telemetry.batch_accepted(records.len());
    // The SLOs this batch touched, before answering: a client that reads
    // right after its write sees the figures and alerts it caused.
    crate::slo::service::evaluate(app, true);
    Ok(Accepted {
        accepted: records.len(),
        batch,
        duplicate: false,
    })
}

/// Evaluates SLOs (all, or only those with new data) and records alert
/// changes.
pub fn evaluate(app: &App, only_touched: bool) {
    let started = crate::clock::Stopwatch::start();
    let now = app.clock.now();
    let transitions = app.write_engine().evaluate(now, only_touched);
    app.telemetry.evaluated(started.elapsed(), only_touched);
    if transitions.is_empty() {
        return;
    }
    app.read(|engine| {
        for t in &transitions {
            let (service, slo) = engine
                .by_id(t.slo_id)
                .map(|s| (s.service.as_str(), s.config.name.as_str()))
                .unwrap_or_default();
            tracing::warn!(
                service, slo, tier = %t.tier, severity = %t.severity, firing = t.firing,
                threshold = t.threshold, long_burn = ?t.long_burn, short_burn = ?t.short_burn,
                "{}", if t.firing { "alert firing" } else { "alert resolved" }
            );
        }
    });
    if let Err(e) = app.lock_store().record_alerts(&transitions) {
        tracing::error!(error = %e, "could not record alert changes; they will be recomputed after a restart");
    }
    // Burn-rate alerts become incidents like any other alert source.
    let alerts: Vec<nines_incident::Alert> = app.read(|engine| {
        transitions
            .iter()
            .filter_map(|t| {
                let s = engine.by_id(t.slo_id)?;
                Some(crate::state::incidents::slo_alert(
                    &s.service,
                    &s.config.name,
                    t,
                ))
            })
            .collect()
    });
    for alert in &alerts {
        if let Err(e) = crate::incidents::lifecycle::ingest_alert(app, alert) {
            tracing::error!(error = %e, key = %alert.key, "SLO alert could not become an incident");
        }
    }
}

/// Writes snapshots of changed series and trims the ingest log.
pub fn checkpoint(app: &App) -> Result<usize, StoreError> {
    let started = crate::clock::Stopwatch::start();
    let (through, snapshots) = app.write_engine().take_dirty_snapshots();
    if snapshots.is_empty() {
        return Ok(0);
    }
    let result = app
        .lock_store()
        .checkpoint(through, &snapshots, app.clock.now().as_second());
    match result {
        Ok(()) => {
            app.telemetry.checkpointed(started.elapsed());
            Ok(snapshots.len())
        }
        Err(e) => {
            app.write_engine()
                .mark_dirty(snapshots.iter().map(|(id, _)| *id));
            Err(e)
        }
    }
}

/// Stores events a collector read (scrapes, PromQL queries) durably,
/// with how far each pulled source has been read (`cursors`: SLO id,
/// unix seconds) in the same transaction, and evaluates what they touched.
pub fn record_collected(
    app: &App,
    events: &[Collected],
    cursors: &[(i64, i64)],
) -> Result<(), StoreError> {
    let now = app.clock.now();
    let mut store = app.lock_store();
    let mut engine = app.write_engine();
    let records = collected_records(&mut engine, events, now);
    let batch = store.append_pulled(&records, cursors, now.as_second())?;
    if let Some(batch) = batch {
        engine.apply(&records, batch, nines_slo::minute_of(now));
    }
    drop(engine);
    drop(store);
    if batch.is_some() {
        crate::slo::service::evaluate(app, true);
    }
    Ok(())
}

/// How far each SLO's pulled source has been read (unix seconds).
pub fn source_cursors(app: &App) -> Result<HashMap<i64, i64>, StoreError> {
    app.lock_store().source_cursors()
}

/// Pending batches in the ingest log, for metrics.
pub fn pending_batches(app: &App) -> Result<i64, StoreError> {
    app.lock_store().pending_batches()
}

/// The last alert transitions of an SLO, newest first.
pub fn alert_history(
    app: &App,
    slo_id: i64,
    limit: u32,
) -> Result<Vec<nines_store::AlertTransition>, StoreError> {
    app.lock_store().alert_history(slo_id, limit)
}
