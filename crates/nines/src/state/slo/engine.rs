//! The in-memory working set: every configured SLO with its series, alert
//! states and latest report. The daemon owns one `Engine` behind a lock; the
//! store makes it durable, the API reads it.

use std::collections::HashMap;

use jiff::Timestamp;
use nines_config::{Config, Slo};
use nines_slo::{AlertState, Counts, Minute, Report, SloSeries, SloSnapshot, evaluate, minute_of};
use nines_store::{
    AlertRow, AlertTransition, EventRecord, Restored, decode_slo_snapshot, encode_slo_snapshot,
};

/// One SLO as the daemon holds it.
pub struct SloState {
    /// Store id, stable across restarts.
    pub id: i64,
    pub service: String,
    pub config: Slo,
    pub series: SloSeries,
    /// One per tier, in the order of `config.spec.tiers`.
    pub alerts: Vec<AlertState>,
    pub report: Option<Report>,
    /// Changed since the last checkpoint.
    dirty: bool,
    /// Changed since the last evaluation.
    touched: bool,
}

/// Outcome of restoring from the store.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RestoreStats {
    pub snapshots: usize,
    pub batches: usize,
    pub events: usize,
    /// Events for SLOs no longer configured, or older than retention now.
    pub skipped: usize,
}

/// Why one event of a batch was refused.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Refusal {
    pub index: usize,
    pub reason: String,
}

/// Every configured SLO, indexed by name and by store id.
pub struct Engine {
    slos: Vec<SloState>,
    by_name: HashMap<String, HashMap<String, usize>>,
    by_id: HashMap<i64, usize>,
    /// The last ingest-log batch whose events are in memory.
    applied_through: i64,
    /// Indices of SLOs with `touched` set, so evaluating after a batch
    /// costs what the batch touched, not the number of SLOs.
    touched: Vec<usize>,
}

/// Events carrying a larger total are refused: no real minute has that many,
/// and it keeps window sums far from overflow.
pub const MAX_TOTAL_PER_EVENT: u64 = 1 << 40;

/// Refusals listed in one answer; the total is counted beyond.
pub const MAX_REFUSALS_LISTED: usize = 100;

/// How far ahead of the server clock an event may be stamped (clock skew).
pub const MAX_FUTURE_SECONDS: i64 = 300;

/// Who produced events: a client pushing them (only `sli: events` SLOs take
/// those), or nines' own collectors (probes, scrapes, queries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Push,
    Collector,
}

/// An event as received, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingEvent<'a> {
    pub service: &'a str,
    pub slo: &'a str,
    /// Unix seconds; `None` means now.
    pub time: Option<i64>,
    pub good: u64,
    pub total: u64,
}

impl Engine {
    /// Builds the working set for `config`, with store ids from `ids`.
    pub fn new(config: &Config, ids: &HashMap<(String, String), i64>, now: Timestamp) -> Engine {
        let mut engine = Engine {
            slos: Vec::new(),
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            applied_through: 0,
            touched: Vec::new(),
        };
        engine.reconfigure(config, ids, now, &HashMap::new());
        engine
    }

    /// The `(service, slo)` keys a config defines, for [`nines_store::Store::slo_ids`].
    pub fn keys(config: &Config) -> Vec<(String, String)> {
        config
            .services
            .values()
            .flat_map(|s| s.slos.iter().map(move |o| (s.name.clone(), o.name.clone())))
            .collect()
    }

    /// Applies a new config: SLOs that stay keep their data (rebuilt under
    /// new windows if those changed) and alert states; new ones start empty;
    /// removed ones leave memory. `stored` holds snapshots for SLOs not in
    /// memory (see [`Engine::missing_ids`]): an SLO added back by a reload
    /// gets its history again. Checkpoint before calling this, so removed
    /// SLOs' data is in the store and no log batch holds events of theirs.
    pub fn reconfigure(
        &mut self,
        config: &Config,
        ids: &HashMap<(String, String), i64>,
        now: Timestamp,
        stored: &HashMap<i64, SloSnapshot>,
    ) {
        let head = minute_of(now);
        let mut old: HashMap<i64, SloState> = self.slos.drain(..).map(|s| (s.id, s)).collect();
        for service in config.services.values() {
            for slo in &service.slos {
                let id = ids[&(service.name.clone(), slo.name.clone())];
                let state = match old.remove(&id) {
                    Some(mut prev) => {
                        if prev.config.spec.windows() != slo.spec.windows()
                            || prev.config.spec.timeslices != slo.spec.timeslices
                        {
                            prev.series = SloSeries::restore(&slo.spec, &prev.series.snapshot());
                        }
                        if prev.config.spec.tiers != slo.spec.tiers {
                            // A tier keeps its state under its name (severity and
                            // long window), as the store keys it.
                            let old: HashMap<String, AlertState> = prev
                                .config
                                .spec
                                .tiers
                                .iter()
                                .map(|t| t.name())
                                .zip(prev.alerts.iter().copied())
                                .collect();
                            prev.alerts = slo
                                .spec
                                .tiers
                                .iter()
                                .map(|t| old.get(&t.name()).copied().unwrap_or_default())
                                .collect();
                        }
                        prev.config = slo.clone();
                        prev.touched = true;
                        prev
                    }
                    None => SloState {
                        id,
                        service: service.name.clone(),
                        series: match stored.get(&id) {
                            Some(snapshot) => {
                                let mut series = SloSeries::restore(&slo.spec, snapshot);
                                series.advance(head);
                                series
                            }
                            None => SloSeries::new(&slo.spec, head),
                        },
                        alerts: vec![AlertState::default(); slo.spec.tiers.len()],
                        config: slo.clone(),
                        report: None,
                        dirty: false,
                        touched: true,
                    },
                };
                self.slos.push(state);
            }
        }
        self.by_name.clear();
        self.by_id.clear();
        self.touched = (0..self.slos.len()).collect();
        for (i, s) in self.slos.iter().enumerate() {
            self.by_name
                .entry(s.service.clone())
                .or_default()
                .insert(s.config.name.clone(), i);
            self.by_id.insert(s.id, i);
        }
    }

    /// Loads snapshots, replays the ingest log after them and restores alert
    /// states. Call once, right after [`Engine::new`].
    pub fn restore(
        &mut self,
        restored: Restored,
        now: Timestamp,
    ) -> Result<RestoreStats, nines_store::CodecError> {
        let head = minute_of(now);
        let mut stats = RestoreStats::default();
        for (id, body) in &restored.snapshots {
            let Some(&i) = self.by_id.get(id) else {
                continue;
            };
            let snapshot = decode_slo_snapshot(body)?;
            let s = &mut self.slos[i];
            s.series = SloSeries::restore(&s.config.spec, &snapshot);
            stats.snapshots += 1;
        }
        for s in &mut self.slos {
            s.series.advance(head);
        }
        for (batch, events) in &restored.batches {
            stats.batches += 1;
            stats.events += events.len();
            stats.skipped += self.apply(events, *batch, head);
        }
        for row in restored.alerts {
            self.restore_alert(&row);
        }
        Ok(stats)
    }

    fn restore_alert(&mut self, row: &AlertRow) {
        let Some(&i) = self.by_id.get(&row.slo_id) else {
            return;
        };
        let s = &mut self.slos[i];
        if let Some(t) = s
            .config
            .spec
            .tiers
            .iter()
            .position(|t| t.name() == row.tier)
        {
            s.alerts[t] = AlertState {
                firing: row.firing,
                since: row.since.and_then(|secs| Timestamp::from_second(secs).ok()),
            };
        }
    }

    pub fn slos(&self) -> &[SloState] {
        &self.slos
    }

    pub fn get(&self, service: &str, slo: &str) -> Option<&SloState> {
        self.by_name.get(service)?.get(slo).map(|&i| &self.slos[i])
    }

    /// Store ids of `ids` that are not in memory: SLOs a reload adds (or
    /// adds back), whose stored snapshot should be loaded.
    pub fn missing_ids<'a>(&self, ids: impl IntoIterator<Item = &'a i64>) -> Vec<i64> {
        ids.into_iter()
            .filter(|id| !self.by_id.contains_key(id))
            .copied()
            .collect()
    }

    pub fn has_service(&self, service: &str) -> bool {
        self.by_name.contains_key(service)
    }

    pub fn applied_through(&self) -> i64 {
        self.applied_through
    }

    /// Checks a whole batch against the SLOs and retention at `now`, and
    /// turns it into store records. Any refusal refuses the batch; the error
    /// lists the first refusals and counts all.
    pub fn validate(
        &mut self,
        events: &[IncomingEvent<'_>],
        now: Timestamp,
        origin: Origin,
    ) -> Result<Vec<EventRecord>, (Vec<Refusal>, usize)> {
        let head = minute_of(now);
        let now_s = now.as_second();
        let mut records = Vec::with_capacity(events.len());
        let mut refusals = Vec::new();
        let mut refused = 0;
        for (index, e) in events.iter().enumerate() {
            match self.check(e, head, now_s, origin) {
                Ok(r) => records.push(r),
                Err(reason) => {
                    refused += 1;
                    // Enough to fix a client; `refused` counts the rest.
                    if refusals.len() < MAX_REFUSALS_LISTED {
                        refusals.push(Refusal { index, reason });
                    }
                }
            }
        }
        if refused == 0 {
            Ok(records)
        } else {
            Err((refusals, refused))
        }
    }

    fn check(
        &mut self,
        e: &IncomingEvent<'_>,
        head: Minute,
        now_s: i64,
        origin: Origin,
    ) -> Result<EventRecord, String> {
        let Some(slos) = self.by_name.get(e.service) else {
            return Err(format!("unknown service `{}`", e.service));
        };
        let Some(&i) = slos.get(e.slo) else {
            let mut known: Vec<&str> = slos.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(format!(
                "unknown SLO `{}` of service `{}` (it has: {})",
                e.slo,
                e.service,
                known.join(", ")
            ));
        };
        if origin == Origin::Push && self.slos[i].config.sli != nines_config::Sli::Events {
            let kind = self.slos[i].config.sli.kind();
            return Err(format!(
                "`{}/{}` takes its SLI from {kind}, not from pushed events (its config says `sli: {{ {kind}: ... }}`)",
                e.service, e.slo
            ));
        }
        if e.good > e.total {
            return Err(format!(
                "good ({}) is greater than total ({})",
                e.good, e.total
            ));
        }
        if e.total > MAX_TOTAL_PER_EVENT {
            return Err(format!(
                "total ({}) is over the limit of {MAX_TOTAL_PER_EVENT} per event",
                e.total
            ));
        }
        let s = &mut self.slos[i];
        s.series.advance(head);
        let minute = match e.time {
            None => head,
            Some(t) if t > now_s + MAX_FUTURE_SECONDS => {
                return Err(format!(
                    "time {} is more than {MAX_FUTURE_SECONDS} s in the future (server time {})",
                    crate::clock::rfc3339(t),
                    crate::clock::rfc3339(now_s)
                ));
            }
            // Clock skew: a few minutes ahead count in the current minute.
            Some(t) => t.div_euclid(60).min(head),
        };
        let oldest = s.series.oldest_accepted();
        if minute < oldest {
            return Err(format!(
                "time {} is older than the retention of `{}/{}`, which starts at {}",
                crate::clock::rfc3339(minute * 60),
                e.service,
                e.slo,
                crate::clock::rfc3339(oldest * 60)
            ));
        }
        Ok(EventRecord {
            slo_id: s.id,
            minute,
            counts: Counts::new(e.good, e.total),
        })
    }

    /// Adds stored events (batch `batch` of the ingest log) to memory.
    /// Returns how many were skipped: unknown SLO or past retention, which
    /// only happens when replaying after a config change or a long stop.
    pub fn apply(&mut self, events: &[EventRecord], batch: i64, head: Minute) -> usize {
        let mut skipped = 0;
        for e in events {
            let Some(&i) = self.by_id.get(&e.slo_id) else {
                skipped += 1;
                continue;
            };
            let s = &mut self.slos[i];
            s.series.advance(head);
            match s.series.add(e.minute.min(s.series.head()), e.counts) {
                Ok(()) => {
                    s.dirty = true;
                    if !s.touched {
                        s.touched = true;
                        self.touched.push(i);
                    }
                }
                Err(_) => skipped += 1,
            }
        }
        self.applied_through = self.applied_through.max(batch);
        skipped
    }

    /// Evaluates SLOs at `now`: all of them, or only those touched since the
    /// last evaluation. Returns the alert tiers that changed state.
    pub fn evaluate(&mut self, now: Timestamp, only_touched: bool) -> Vec<AlertTransition> {
        // Whole seconds: what the store keeps, so state reads the same after a restart.
        let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
        let head = minute_of(now);
        let mut transitions = Vec::new();
        if only_touched {
            for i in std::mem::take(&mut self.touched) {
                evaluate_one(&mut self.slos[i], now, head, &mut transitions);
            }
        } else {
            self.touched.clear();
            for s in &mut self.slos {
                evaluate_one(s, now, head, &mut transitions);
            }
        }
        transitions
    }

    /// Snapshots of the series changed since the last checkpoint, and the
    /// ingest-log batch they include everything up to.
    pub fn take_dirty_snapshots(&mut self) -> (i64, Vec<(i64, Vec<u8>)>) {
        let snapshots = self
            .slos
            .iter_mut()
            .filter(|s| s.dirty)
            .map(|s| {
                s.dirty = false;
                (s.id, encode_slo_snapshot(&s.series.snapshot()))
            })
            .collect();
        (self.applied_through, snapshots)
    }

    /// Marks series dirty again after a checkpoint failed to write them.
    pub fn mark_dirty(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            if let Some(&i) = self.by_id.get(&id) {
                self.slos[i].dirty = true;
            }
        }
    }

    /// The SLO a store id belongs to, for logs.
    pub fn by_id(&self, id: i64) -> Option<&SloState> {
        self.by_id.get(&id).map(|&i| &self.slos[i])
    }

    /// Bytes held by all series.
    pub fn series_memory_bytes(&self) -> usize {
        self.slos.iter().map(|s| s.series.memory_bytes()).sum()
    }
}

fn evaluate_one(
    s: &mut SloState,
    now: Timestamp,
    head: Minute,
    transitions: &mut Vec<AlertTransition>,
) {
    s.touched = false;
    s.series.advance(head);
    let report = evaluate(&s.config.spec, &s.series, now, &s.alerts);
    for ((tier, status), state) in s
        .config
        .spec
        .tiers
        .iter()
        .zip(&report.alerts)
        .zip(&mut s.alerts)
    {
        *state = status.state;
        if status.changed {
            transitions.push(AlertTransition {
                slo_id: s.id,
                tier: tier.name(),
                severity: tier.severity.as_str().to_string(),
                firing: status.state.firing,
                at: now.as_second(),
                threshold: status.threshold,
                long_burn: status.long_burn,
                short_burn: status.short_burn,
            });
        }
    }
    s.report = Some(report);
}
