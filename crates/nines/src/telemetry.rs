//! The counters of the daemon's own work, and the Prometheus text format
//! builder `/metrics` is written with (`api/metrics.rs` names the families).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub mod exposition;

/// Counters of the daemon's own work. Atomics, so hot paths never lock.
#[derive(Debug)]
pub struct Telemetry {
    pub(crate) started: jiff::Timestamp,
    pub(crate) events_accepted: AtomicU64,
    pub(crate) batches_accepted: AtomicU64,
    pub(crate) batches_refused: AtomicU64,
    pub(crate) evaluations_all: AtomicU64,
    pub(crate) evaluations_changed: AtomicU64,
    pub(crate) evaluation_micros_total: AtomicU64,
    pub(crate) evaluation_micros_last_all: AtomicU64,
    pub(crate) checkpoints: AtomicU64,
    /// Rounds of the escalation loop (escalation, handoffs, reminders)
    /// done, and the clock time (Unix seconds) the last one began at: a
    /// test that moves the clock waits for a round at or after the new time
    /// to know the daemon looked.
    pub(crate) escalation_rounds: AtomicU64,
    pub(crate) escalation_round_at: std::sync::atomic::AtomicI64,
    pub(crate) checkpoint_micros_last: AtomicU64,
    pub(crate) reloads_ok: AtomicU64,
    pub(crate) reloads_failed: AtomicU64,
    /// Deploy gate decisions (`nines_gate_decisions_total`).
    pub gates: GateCounters,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl Telemetry {
    pub fn new() -> Self {
        let z = || AtomicU64::new(0);
        Telemetry {
            started: crate::clock::Clock::System.now(),
            events_accepted: z(),
            batches_accepted: z(),
            batches_refused: z(),
            evaluations_all: z(),
            evaluations_changed: z(),
            evaluation_micros_total: z(),
            evaluation_micros_last_all: z(),
            checkpoints: z(),
            escalation_rounds: z(),
            escalation_round_at: std::sync::atomic::AtomicI64::new(0),
            checkpoint_micros_last: z(),
            reloads_ok: z(),
            reloads_failed: z(),
            gates: Default::default(),
        }
    }

    pub fn batch_accepted(&self, events: usize) {
        self.batches_accepted.fetch_add(1, Ordering::Relaxed);
        self.events_accepted
            .fetch_add(events as u64, Ordering::Relaxed);
    }

    pub fn batch_refused(&self) {
        self.batches_refused.fetch_add(1, Ordering::Relaxed);
    }

    pub fn evaluated(&self, took: Duration, only_changed: bool) {
        let micros = took.as_micros() as u64;
        self.evaluation_micros_total
            .fetch_add(micros, Ordering::Relaxed);
        if only_changed {
            self.evaluations_changed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.evaluations_all.fetch_add(1, Ordering::Relaxed);
            self.evaluation_micros_last_all
                .store(micros, Ordering::Relaxed);
        }
    }

    pub fn checkpointed(&self, took: Duration) {
        self.checkpoints.fetch_add(1, Ordering::Relaxed);
        self.checkpoint_micros_last
            .store(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// A round that began at `began` is done.
    pub fn escalation_round(&self, began: jiff::Timestamp) {
        self.escalation_rounds.fetch_add(1, Ordering::Relaxed);
        self.escalation_round_at
            .store(began.as_second(), Ordering::Relaxed);
    }

    pub fn reloaded(&self, ok: bool) {
        let c = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Builds one exposition: `# HELP`/`# TYPE` per family, then its samples.
/// `nines_gate_decisions_total` by service, change kind and decision.
#[derive(Debug, Default)]
pub struct GateCounters(Mutex<BTreeMap<(String, String, &'static str), u64>>);

impl GateCounters {
    pub fn count(&self, service: &str, kind: &str, decision: &'static str) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((service.to_string(), kind.to_string(), decision))
            .or_default() += 1;
    }

    /// Every counter so far, in label order.
    pub fn snapshot(&self) -> Vec<((String, String, &'static str), u64)> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}
