//! Probe results and heartbeats into the store and the SLOs they feed.

use nines_store::{ProbeRow, StoreError};

use crate::app::App;
use crate::clock::rfc3339_ms as fmt_ms;
use crate::slo::service::collected_records;
use crate::state::probes::ProbeResult;
use crate::state::slo::Collected;

/// A heartbeat that cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum HeartbeatError {
    #[error("{0}")]
    NotFound(String),
    #[error("the beat could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// Stores results of past runs as they are, without SLI events (the
/// caller accounts for those): for history written after the fact, such
/// as the demo's.
pub fn store_past_results(app: &App, rows: &[ProbeRow], at: i64) -> Result<(), StoreError> {
    app.lock_store()
        .record_probe_results(&[], rows, &[], at)
        .map(|_| ())
}

/// Stores probe results and the SLI events they yield (durably, before
/// returning), updates probe states and evaluates the SLOs touched.
/// `beats` are heartbeat times to store with them.
pub fn record_probe_results(
    app: &App,
    results: Vec<ProbeResult>,
    beats: &[(String, String, i64)],
) -> Result<(), StoreError> {
    let config = app.config();
    let now = app.clock.now();
    let events: Vec<Collected> = results
        .iter()
        .flat_map(|r| {
            crate::state::probes::events_of(&config, r)
                .into_iter()
                .map(|(service, slo, good)| Collected {
                    service: service.to_string(),
                    slo: slo.to_string(),
                    time: r.at.as_second(),
                    good: good as u64,
                    total: 1,
                })
        })
        .collect();
    let rows: Vec<ProbeRow> = results
        .iter()
        .map(|r| ProbeRow {
            service: r.service.clone(),
            probe: r.probe.clone(),
            at_ms: r.at.as_millisecond(),
            success: r.outcome.success,
            duration_ms: r.outcome.duration.as_secs_f64() * 1000.0,
            reason: r.outcome.reason(),
            detail: crate::state::probes::outcome_json(&r.outcome).to_string(),
        })
        .collect();
    let mut store = app.lock_store();
    let mut engine = app.write_engine();
    let records = collected_records(&mut engine, &events, now);
    let batch = store.record_probe_results(&records, &rows, beats, now.as_second())?;
    if let Some(batch) = batch {
        engine.apply(&records, batch, nines_slo::minute_of(now));
    }
    drop(engine);
    drop(store);
    let mut alerts = Vec::new();
    {
        let config = app.config();
        let thresholds = |r: &crate::state::probes::ProbeResult| {
            config
                .services
                .get(&r.service)
                .and_then(|s| s.probes.iter().find(|p| p.name == r.probe))
                .map(|p| p.alert)
                .unwrap_or_default()
        };
        let mut probes = app.write_probes();
        for r in &results {
            if let Some(streak) = probes.record(r)
                && let Some(alert) = crate::state::probes::probe_alert(r, streak, thresholds(r))
            {
                alerts.push(alert);
            }
        }
    }
    for alert in &alerts {
        if let Err(e) = crate::incidents::lifecycle::ingest_alert(app, alert) {
            tracing::error!(error = %e, key = %alert.key, "probe alert could not become an incident");
        }
    }
    if batch.is_some() {
        crate::slo::service::evaluate(app, true);
    }
    Ok(())
}

/// Records a beat of heartbeat `service/name` now.
pub fn heartbeat(app: &App, service: &str, name: &str) -> Result<(), HeartbeatError> {
    let key = (service.to_string(), name.to_string());
    let check = app.read_probes(|p| p.by_key.get(&key).map(|s| s.heartbeat()));
    let check = match check {
        Some(Some(h)) => h,
        Some(None) => {
            return Err(HeartbeatError::NotFound(format!(
                "probe `{service}/{name}` is not a heartbeat; only `heartbeat` probes take beats"
            )));
        }
        None => {
            return Err(HeartbeatError::NotFound(format!(
                "no heartbeat `{service}/{name}` in the config"
            )));
        }
    };
    let at = app.clock.now();
    let outcome = nines_probe::Outcome {
        success: true,
        checks: vec![nines_probe::CheckResult {
            success: true,
            description: "beat received".into(),
        }],
        ..Default::default()
    };
    let result = ProbeResult {
        service: key.0.clone(),
        probe: key.1.clone(),
        at,
        outcome,
    };
    let at_ms = at.as_millisecond();
    crate::probes::service::record_probe_results(
        app,
        vec![result],
        &[(key.0.clone(), key.1.clone(), at_ms)],
    )?;
    if let Some(s) = app.write_probes().by_key.get_mut(&key) {
        s.last_beat_ms = Some(at_ms);
        s.deadline_ms = Some(at_ms + crate::state::probes::millis(check.every + check.grace));
    }
    Ok(())
}

/// Records a failure for every heartbeat whose beat is overdue: one per
/// missed period, so a job that stops beating keeps burning its SLO.
/// When the next heartbeat is due (Unix ms), if any.
pub fn judge_heartbeats(app: &App) -> Option<i64> {
    let now_ms = app.clock.now().as_millisecond();
    let mut missed = Vec::new();
    let mut next: Option<i64> = None;
    {
        let mut probes = app.write_probes();
        for s in probes.by_key.values_mut() {
            let (Some(h), Some(deadline)) = (s.heartbeat(), s.deadline_ms) else {
                continue;
            };
            let mut deadline = deadline;
            let every = crate::state::probes::millis(h.every).max(1000);
            // Bounded: after a long stop, at most a day's worth at once.
            let mut count = 0;
            while deadline <= now_ms && count < 1440 {
                let since = match s.last_beat_ms {
                    Some(ms) => format!("the last beat was at {}", fmt_ms(ms)),
                    None => "no beat received yet".to_string(),
                };
                let outcome = nines_probe::Outcome {
                    success: false,
                    error: Some(format!("no beat by {} ({since})", fmt_ms(deadline))),
                    ..Default::default()
                };
                missed.push(ProbeResult {
                    service: s.service.clone(),
                    probe: s.probe.name.clone(),
                    at: jiff::Timestamp::from_millisecond(deadline).unwrap_or_default(),
                    outcome,
                });
                deadline += every;
                count += 1;
            }
            if deadline <= now_ms {
                deadline = now_ms + every;
            }
            s.deadline_ms = Some(deadline);
            next = Some(next.map_or(deadline, |n| n.min(deadline)));
        }
    }
    if !missed.is_empty()
        && let Err(e) = crate::probes::service::record_probe_results(app, missed, &[])
    {
        tracing::error!(error = %e, "missed heartbeats could not be stored");
    }
    next
}

/// Raw results and rollups of a probe from the store.
pub fn probe_history(
    app: &App,
    service: &str,
    probe: &str,
    limit: u32,
    resolution: nines_store::Resolution,
    from: i64,
    to: i64,
) -> Result<(Vec<ProbeRow>, Vec<nines_store::Rollup>), StoreError> {
    let store = app.lock_store();
    Ok((
        store.probe_results(service, probe, limit)?,
        store.probe_rollups(service, probe, resolution, from, to)?,
    ))
}
