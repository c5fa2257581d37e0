//! The daemon's shared state and its operations, independent of HTTP:
//! ingest a batch, evaluate, checkpoint, reload. The API and the background
//! tasks call these; tests can too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use nines_config::{Config, ConfigErrors, Sli};
use nines_store::{Durability, ProbeRow, Store, StoreError, decode_slo_snapshot};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::slo::engine::{Engine, IncomingEvent, Origin, Refusal, RestoreStats};
use crate::slo::batch::parse_batch;
use crate::probes::{ProbeResult, ProbeStates};
use crate::telemetry::Telemetry;

/// Shared by every task and request handler of one daemon.
pub struct App {
    pub config_path: PathBuf,
    /// Replaced whole on reload; readers clone the `Arc`.
    config: RwLock<Arc<Config>>,
    /// The config as the files say, without the stored on-call overrides
    /// `config` has laid over its schedules.
    base_config: RwLock<Arc<Config>>,
    /// Lock order: `store` before `engine`, never the other way round.
    engine: RwLock<Engine>,
    /// Serialises writers; SQLite allows one at a time anyway.
    store: Mutex<Store>,
    pub clock: Clock,
    pub telemetry: Telemetry,
    /// Probe states; never held together with `store` or `engine`.
    probes: RwLock<ProbeStates>,
    /// Bumped on every successful reload, so collectors restart.
    reloads: watch::Sender<u64>,
    /// Scrape and query states, for the API and /metrics.
    collectors: RwLock<crate::slo::sources::CollectorStates>,
    /// Woken when notifications are queued, so they leave at once rather
    /// than at the outbox worker's next poll.
    pub outbox_wake: tokio::sync::Notify,
}

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

/// Validates collected events one by one: one that cannot be taken (past
/// retention, SLO gone after a reload) is logged and dropped, not the lot.
fn collected_records(
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

/// A heartbeat that cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum HeartbeatError {
    #[error("{0}")]
    NotFound(String),
    #[error("the beat could not be stored: {0}")]
    Store(#[from] StoreError),
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

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("the new config is invalid; the old one stays:\n{0}")]
    Invalid(ConfigErrors),
    #[error("the new config could not be applied: {0}")]
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

impl App {
    /// Loads the config, opens the store under `data_dir` and restores the
    /// working set from it.
    pub fn open(
        config_path: &Path,
        data_dir: &Path,
        durability: Durability,
        clock: Clock,
    ) -> anyhow::Result<(App, RestoreStats)> {
        let config = Config::load(config_path)
            .map_err(|e| anyhow::anyhow!("{config_path:?} is invalid:\n{e}"))?;
        log_config_notes(&config);
        let mut store = Store::open(data_dir, durability)?;
        let ids = store.slo_ids(&Engine::keys(&config))?;
        let now = clock.now();
        let base_config = Arc::new(config.clone());
        let config = crate::oncall::overrides::apply(config, &crate::oncall::overrides::stored(&store, now)?);
        let mut engine = Engine::new(&config, &ids, now);
        let stats = engine.restore(store.restore()?, now)?;
        let mut probes = ProbeStates::default();
        probes.sync(&config, &store.heartbeats()?, now);
        let app = App {
            config_path: config_path.to_path_buf(),
            config: RwLock::new(Arc::new(config)),
            base_config: RwLock::new(base_config),
            engine: RwLock::new(engine),
            store: Mutex::new(store),
            clock,
            telemetry: Telemetry::new(),
            probes: RwLock::new(probes),
            reloads: watch::channel(0).0,
            collectors: RwLock::default(),
            outbox_wake: tokio::sync::Notify::new(),
        };
        app.evaluate(false);
        Ok((app, stats))
    }

    /// Lays `overrides` (all stored ones) over the files' config.
    pub(crate) fn set_overrides(&self, overrides: &[nines_store::OverrideRow]) {
        let base = self
            .base_config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let config = crate::oncall::overrides::apply((*base).clone(), overrides);
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    }

    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs `f` with read access to the engine.
    pub fn read<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        f(&self.engine.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn write_engine(&self) -> std::sync::RwLockWriteGuard<'_, Engine> {
        self.engine.write().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Validates a batch body whole, stores it durably, counts it and
    /// re-evaluates the SLOs it touched. On any refusal nothing is stored.
    pub fn ingest(&self, body: &[u8], key: Option<&str>) -> Result<Accepted, IngestError> {
        if key.is_some_and(|k| {
            k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic())
        }) {
            self.telemetry.batch_refused();
            return Err(IngestError::BadKey);
        }
        let events = match parse_batch(body) {
            Ok(events) => events,
            Err(e) => {
                self.telemetry.batch_refused();
                return Err(IngestError::Shape(e.0));
            }
        };
        let incoming: Vec<_> = events.iter().map(|e| e.as_incoming()).collect();
        let now = self.clock.now();
        let mut store = self.lock_store();
        // Under the store lock, so two requests with one key cannot both store.
        if let Some(key) = key
            && let Some((batch, accepted)) = store.batch_for_key(key)?
        {
            return Ok(Accepted {
                accepted,
                batch,
                duplicate: true,
            });
        }
        let mut engine = self.write_engine();
        let records = match engine.validate(&incoming, now, Origin::Push) {
            Ok(records) => records,
            Err((refusals, count)) => {
                self.telemetry.batch_refused();
                return Err(IngestError::Refused(refusals, count));
            }
        };
        let batch = store.append_batch(&records, now.as_second(), key)?;
        engine.apply(&records, batch, nines_slo::minute_of(now));
        drop(engine);
        drop(store);
        self.telemetry.batch_accepted(records.len());
        // The SLOs this batch touched, before answering: a client that reads
        // right after its write sees the figures and alerts it caused.
        self.evaluate(true);
        Ok(Accepted {
            accepted: records.len(),
            batch,
            duplicate: false,
        })
    }

    /// Evaluates SLOs (all, or only those with new data) and records alert
    /// changes.
    pub fn evaluate(&self, only_touched: bool) {
        let started = Instant::now();
        let now = self.clock.now();
        let transitions = self.write_engine().evaluate(now, only_touched);
        self.telemetry.evaluated(started.elapsed(), only_touched);
        if transitions.is_empty() {
            return;
        }
        self.read(|engine| {
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
        if let Err(e) = self.lock_store().record_alerts(&transitions) {
            tracing::error!(error = %e, "could not record alert changes; they will be recomputed after a restart");
        }
        // Burn-rate alerts become incidents like any other alert source.
        let alerts: Vec<nines_incident::Alert> = self.read(|engine| {
            transitions
                .iter()
                .filter_map(|t| {
                    let s = engine.by_id(t.slo_id)?;
                    Some(crate::incidents::lifecycle::slo_alert(&s.service, &s.config.name, t))
                })
                .collect()
        });
        for alert in &alerts {
            if let Err(e) = self.ingest_alert(alert, None) {
                tracing::error!(error = %e, key = %alert.key, "SLO alert could not become an incident");
            }
        }
    }

    /// Writes snapshots of changed series and trims the ingest log.
    pub fn checkpoint(&self) -> Result<usize, StoreError> {
        let started = Instant::now();
        let (through, snapshots) = self.write_engine().take_dirty_snapshots();
        if snapshots.is_empty() {
            return Ok(0);
        }
        let result =
            self.lock_store()
                .checkpoint(through, &snapshots, self.clock.now().as_second());
        match result {
            Ok(()) => {
                self.telemetry.checkpointed(started.elapsed());
                Ok(snapshots.len())
            }
            Err(e) => {
                self.write_engine()
                    .mark_dirty(snapshots.iter().map(|(id, _)| *id));
                Err(e)
            }
        }
    }

    /// Reloads the config from its path. A config with errors is refused and
    /// the running one stays.
    pub fn reload(&self) -> Result<usize, ReloadError> {
        let result = self.try_reload();
        self.telemetry.reloaded(result.is_ok());
        result
    }

    fn try_reload(&self) -> Result<usize, ReloadError> {
        let config = Config::load(&self.config_path).map_err(ReloadError::Invalid)?;
        log_config_notes(&config);
        let mut store = self.lock_store();
        let ids = store.slo_ids(&Engine::keys(&config))?;
        let mut engine = self.write_engine();
        // Checkpoint first: SLOs the new config drops leave memory, so their
        // data must be in snapshots, not only in log batches a later
        // checkpoint would delete.
        let (through, snapshots) = engine.take_dirty_snapshots();
        if let Err(e) = store.checkpoint(through, &snapshots, self.clock.now().as_second()) {
            engine.mark_dirty(snapshots.iter().map(|(id, _)| *id));
            return Err(e.into());
        }
        let mut stored = HashMap::new();
        for id in engine.missing_ids(ids.values()) {
            if let Some(body) = store.snapshot(id)? {
                let snapshot =
                    decode_slo_snapshot(&body).map_err(|source| StoreError::Corrupt {
                        path: store.path().to_path_buf(),
                        source,
                    })?;
                stored.insert(id, snapshot);
            }
        }
        engine.reconfigure(&config, &ids, self.clock.now(), &stored);
        let count = engine.slos().len();
        let beats = store.heartbeats()?;
        let overrides = crate::oncall::overrides::stored(&store, self.clock.now())?;
        drop(engine);
        drop(store);
        self.write_probes().sync(&config, &beats, self.clock.now());
        let base = Arc::new(config.clone());
        let config = crate::oncall::overrides::apply(config, &overrides);
        *self.base_config.write().unwrap_or_else(|p| p.into_inner()) = base;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
        self.reloads.send_modify(|v| *v += 1);
        self.evaluate(true);
        Ok(count)
    }

    /// Runs `f` with read access to the collector states.
    pub fn read_collectors<R>(&self, f: impl FnOnce(&crate::slo::sources::CollectorStates) -> R) -> R {
        f(&self.collectors.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn write_collectors(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, crate::slo::sources::CollectorStates> {
        self.collectors.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with the store locked: incident changes read and write in
    /// one critical section, so two requests cannot open one incident twice.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.lock_store())
    }

    /// A receiver that sees every successful reload.
    pub fn subscribe_reloads(&self) -> watch::Receiver<u64> {
        self.reloads.subscribe()
    }

    /// Runs `f` with read access to the probe states.
    pub fn read_probes<R>(&self, f: impl FnOnce(&ProbeStates) -> R) -> R {
        f(&self.probes.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn write_probes(&self) -> std::sync::RwLockWriteGuard<'_, ProbeStates> {
        self.probes.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores probe results and the SLI events they yield (durably, before
    /// returning), updates probe states and evaluates the SLOs touched.
    /// `beats` are heartbeat times to store with them.
    pub fn record_probe_results(
        &self,
        results: Vec<ProbeResult>,
        beats: &[(String, String, i64)],
    ) -> Result<(), StoreError> {
        let config = self.config();
        let now = self.clock.now();
        let events: Vec<Collected> = results
            .iter()
            .flat_map(|r| {
                crate::probes::events_of(&config, r)
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
                detail: crate::probes::outcome_json(&r.outcome).to_string(),
            })
            .collect();
        let mut store = self.lock_store();
        let mut engine = self.write_engine();
        let records = collected_records(&mut engine, &events, now);
        let batch = store.record_probe_results(&records, &rows, beats, now.as_second())?;
        if let Some(batch) = batch {
            engine.apply(&records, batch, nines_slo::minute_of(now));
        }
        drop(engine);
        drop(store);
        let mut alerts = Vec::new();
        {
            let config = self.config();
            let thresholds = |r: &crate::probes::ProbeResult| {
                config
                    .services
                    .get(&r.service)
                    .and_then(|s| s.probes.iter().find(|p| p.name == r.probe))
                    .map(|p| p.alert)
                    .unwrap_or_default()
            };
            let mut probes = self.write_probes();
            for r in &results {
                if let Some(streak) = probes.record(r)
                    && let Some(alert) = crate::probes::probe_alert(r, streak, thresholds(r))
                {
                    alerts.push(alert);
                }
            }
        }
        for alert in &alerts {
            if let Err(e) = self.ingest_alert(alert, None) {
                tracing::error!(error = %e, key = %alert.key, "probe alert could not become an incident");
            }
        }
        if batch.is_some() {
            self.evaluate(true);
        }
        Ok(())
    }

    /// Stores events a collector read (scrapes, PromQL queries) durably,
    /// with how far each pulled source has been read (`cursors`: SLO id,
    /// unix seconds) in the same transaction, and evaluates what they touched.
    pub fn record_collected(
        &self,
        events: &[Collected],
        cursors: &[(i64, i64)],
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let mut store = self.lock_store();
        let mut engine = self.write_engine();
        let records = collected_records(&mut engine, events, now);
        let batch = store.append_pulled(&records, cursors, now.as_second())?;
        if let Some(batch) = batch {
            engine.apply(&records, batch, nines_slo::minute_of(now));
        }
        drop(engine);
        drop(store);
        if batch.is_some() {
            self.evaluate(true);
        }
        Ok(())
    }

    /// How far each SLO's pulled source has been read (unix seconds).
    pub fn source_cursors(&self) -> Result<HashMap<i64, i64>, StoreError> {
        self.lock_store().source_cursors()
    }

    /// Records a beat of heartbeat `service/name` now.
    pub fn heartbeat(&self, service: &str, name: &str) -> Result<(), HeartbeatError> {
        let key = (service.to_string(), name.to_string());
        let check = self.read_probes(|p| p.by_key.get(&key).map(|s| s.heartbeat()));
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
        let at = self.clock.now();
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
        self.record_probe_results(vec![result], &[(key.0.clone(), key.1.clone(), at_ms)])?;
        if let Some(s) = self.write_probes().by_key.get_mut(&key) {
            s.last_beat_ms = Some(at_ms);
            s.deadline_ms = Some(at_ms + crate::probes::millis(check.every + check.grace));
        }
        Ok(())
    }

    /// Records a failure for every heartbeat whose beat is overdue: one per
    /// missed period, so a job that stops beating keeps burning its SLO.
    pub fn judge_heartbeats(&self) {
        let now_ms = self.clock.now().as_millisecond();
        let mut missed = Vec::new();
        {
            let mut probes = self.write_probes();
            for s in probes.by_key.values_mut() {
                let (Some(h), Some(deadline)) = (s.heartbeat(), s.deadline_ms) else {
                    continue;
                };
                let mut deadline = deadline;
                let every = crate::probes::millis(h.every).max(1000);
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
            }
        }
        if !missed.is_empty()
            && let Err(e) = self.record_probe_results(missed, &[])
        {
            tracing::error!(error = %e, "missed heartbeats could not be stored");
        }
    }

    /// Raw results and rollups of a probe from the store.
    pub fn probe_history(
        &self,
        service: &str,
        probe: &str,
        limit: u32,
        resolution: nines_store::Resolution,
        from: i64,
        to: i64,
    ) -> Result<(Vec<ProbeRow>, Vec<nines_store::Rollup>), StoreError> {
        let store = self.lock_store();
        Ok((
            store.probe_results(service, probe, limit)?,
            store.probe_rollups(service, probe, resolution, from, to)?,
        ))
    }

    /// Pending batches in the ingest log, for metrics.
    pub fn pending_batches(&self) -> Result<i64, StoreError> {
        self.lock_store().pending_batches()
    }

    /// The last alert transitions of an SLO, newest first.
    pub fn alert_history(
        &self,
        slo_id: i64,
        limit: u32,
    ) -> Result<Vec<nines_store::AlertTransition>, StoreError> {
        self.lock_store().alert_history(slo_id, limit)
    }
}

/// Warnings a config carries (OpenSLO details nines does not use), and SLOs
/// whose SLI this version does not collect, once per load.
fn log_config_notes(config: &Config) {
    for w in &config.warnings {
        tracing::warn!(warning = %w, "config: not mapped");
    }
    // One line, not one per SLO: a large config would flood the log.
    let uncollected: Vec<String> = config
        .services
        .values()
        .flat_map(|s| {
            s.slos
                .iter()
                .filter(|o| match &o.sli {
                    Sli::Events | Sli::Probe { .. } => false,
                    Sli::Prometheus(c) | Sli::Promql(c) => c.location.is_none(),
                    Sli::PromqlQueries { .. } => true,
                })
                .map(move |o| format!("{}/{}", s.name, o.name))
        })
        .collect();
    if !uncollected.is_empty() {
        let shown = uncollected
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        tracing::warn!(
            slos = uncollected.len(), first = %shown,
            "these SLOs only compile to Prometheus rules (`nines rules prometheus`): nines collects their SLI when a `prometheus` SLI has a `target` or a `promql` SLI has counters and a `url`"
        );
    }
}

fn fmt_ms(ms: i64) -> String {
    crate::slo::engine::fmt_time(ms.div_euclid(1000))
}
