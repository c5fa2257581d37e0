//! The daemon's shared state and its operations, independent of HTTP:
//! ingest a batch, evaluate, checkpoint, reload. The API and the background
//! tasks call these; tests can too.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use nines_config::{Config, Sli};
use nines_store::{Backend, Durability, SqliteStore};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::state::probes::ProbeStates;
use crate::state::slo::engine::{Engine, RestoreStats};
use crate::telemetry::Telemetry;

/// Shared by every task and request handler of one daemon.
pub struct App {
    pub config_path: PathBuf,
    /// Replaced whole on reload; readers clone the `Arc`.
    pub(crate) config: RwLock<Arc<Config>>,
    /// The config as the files say, without the stored on-call overrides
    /// `config` has laid over its schedules.
    pub(crate) base_config: RwLock<Arc<Config>>,
    /// Lock order: `store` before `engine`, never the other way round.
    pub(crate) engine: RwLock<Engine>,
    /// Serialises writers; SQLite allows one at a time anyway.
    pub(crate) store: Mutex<Box<dyn Backend>>,
    pub clock: Clock,
    pub telemetry: Telemetry,
    /// Probe states; never held together with `store` or `engine`.
    pub(crate) probes: RwLock<ProbeStates>,
    /// Bumped on every successful reload, so collectors restart.
    pub(crate) reloads: watch::Sender<u64>,
    /// Scrape and query states, for the API and /metrics.
    pub(crate) collectors: RwLock<crate::state::slo::sources::CollectorStates>,
    /// Woken when notifications are queued, so they leave at once rather
    /// than at the outbox worker's next poll.
    pub outbox_wake: tokio::sync::Notify,
    /// Woken when incidents, silences or the config change, so the
    /// escalation loop looks again before its next due step.
    pub escalation_wake: tokio::sync::Notify,
    /// The routing tree built from the config's routes.
    pub(crate) routes: crate::state::incidents::RouteCache,
    /// Notices (handoffs, reminders) this process has queued.
    pub(crate) notices: crate::state::notify::QueuedNotices,
    /// When this process last looked for overdue action items.
    pub(crate) reminders: crate::state::review::LastLook,
}

impl App {
    /// Loads the config, opens the SQLite store under `data_dir` and
    /// restores the working set from it.
    pub fn open(
        config_path: &Path,
        data_dir: &Path,
        durability: Durability,
        clock: Clock,
    ) -> anyhow::Result<(App, RestoreStats)> {
        let store = SqliteStore::open(data_dir, durability)?;
        App::open_store(config_path, Box::new(store), clock)
    }

    /// Loads the config and restores the working set from `store`, an open
    /// store of either backend.
    pub fn open_store(
        config_path: &Path,
        mut store: Box<dyn Backend>,
        clock: Clock,
    ) -> anyhow::Result<(App, RestoreStats)> {
        let config = Config::load(config_path)
            .map_err(|e| anyhow::anyhow!("{config_path:?} is invalid:\n{e}"))?;
        log_config_notes(&config);
        let ids = store.slo_ids(&Engine::keys(&config))?;
        let now = clock.now();
        let base_config = Arc::new(config.clone());
        let config =
            crate::state::oncall::apply(config, &crate::state::oncall::stored(&*store, now)?);
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
            escalation_wake: tokio::sync::Notify::new(),
            routes: Default::default(),
            notices: Default::default(),
            reminders: Default::default(),
        };
        Ok((app, stats))
    }

    /// The config as the files say, without stored on-call overrides.
    pub fn base_config(&self) -> Arc<Config> {
        self.base_config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the config in use (the files' config with overrides laid
    /// over it); readers holding the old `Arc` keep it until they drop it.
    pub(crate) fn set_config(&self, config: Config) {
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

    pub(crate) fn write_engine(&self) -> std::sync::RwLockWriteGuard<'_, Engine> {
        self.engine.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The database the store is on, as logs and errors name it.
    pub fn database(&self) -> String {
        self.lock_store().database()
    }

    pub(crate) fn lock_store(&self) -> std::sync::MutexGuard<'_, Box<dyn Backend>> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with read access to the collector states.
    pub fn read_collectors<R>(
        &self,
        f: impl FnOnce(&crate::state::slo::sources::CollectorStates) -> R,
    ) -> R {
        f(&self.collectors.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn write_collectors(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, crate::state::slo::sources::CollectorStates> {
        self.collectors.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with the store locked: incident changes read and write in
    /// one critical section, so two requests cannot open one incident twice.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut dyn Backend) -> R) -> R {
        f(&mut **self.lock_store())
    }

    /// A receiver that sees every successful reload.
    pub fn subscribe_reloads(&self) -> watch::Receiver<u64> {
        self.reloads.subscribe()
    }

    /// Runs `f` with read access to the probe states.
    pub fn read_probes<R>(&self, f: impl FnOnce(&ProbeStates) -> R) -> R {
        f(&self.probes.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn write_probes(&self) -> std::sync::RwLockWriteGuard<'_, ProbeStates> {
        self.probes.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// Warnings a config carries (OpenSLO details nines does not use), and SLOs
/// whose SLI this version does not collect, once per load.
pub(crate) fn log_config_notes(config: &Config) {
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
