//! Probes in the daemon: their current state, turning results into SLI
//! events and stored rows, heartbeats, and the tasks that run them.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use nines_config::{Config, Sli};
use nines_probe::{Check, Outcome, Probe};
use serde_json::{Value, json};

/// One probe run, as the daemon records it.
#[derive(Debug, Clone)]
pub struct ProbeResult {
    pub service: String,
    pub probe: String,
    pub at: Timestamp,
    pub outcome: Outcome,
}

/// What the daemon knows about one probe now.
#[derive(Debug, Clone)]
pub struct ProbeState {
    pub service: String,
    pub probe: Probe,
    pub last: Option<(Timestamp, Outcome)>,
    /// Consecutive successes (positive) or failures (negative).
    pub streak: i64,
    /// Heartbeats: the last beat, and when the next one is due (with grace).
    pub last_beat_ms: Option<i64>,
    pub deadline_ms: Option<i64>,
}

impl ProbeState {
    pub fn heartbeat(&self) -> Option<nines_probe::HeartbeatCheck> {
        match self.probe.check {
            Check::Heartbeat(h) => Some(h),
            _ => None,
        }
    }
}

/// Every configured probe's state, by (service, probe).
#[derive(Debug, Default)]
pub struct ProbeStates {
    pub by_key: BTreeMap<(String, String), ProbeState>,
}

impl ProbeStates {
    /// Follows a (re)loaded config: unchanged probes keep their state, new
    /// ones start empty, removed ones go. Heartbeats start their first
    /// deadline from their stored last beat, or from `now`.
    pub fn sync(&mut self, config: &Config, beats: &[(String, String, i64)], now: Timestamp) {
        let mut next = BTreeMap::new();
        for service in config.services.values() {
            for probe in &service.probes {
                let key = (service.name.clone(), probe.name.clone());
                let state = match self.by_key.remove(&key) {
                    Some(mut s) if s.probe.check == probe.check => {
                        s.probe = probe.clone();
                        s
                    }
                    _ => ProbeState {
                        service: service.name.clone(),
                        probe: probe.clone(),
                        last: None,
                        streak: 0,
                        last_beat_ms: None,
                        deadline_ms: None,
                    },
                };
                next.insert(key, state);
            }
        }
        for (service, name, at_ms) in beats {
            if let Some(s) = next.get_mut(&(service.clone(), name.clone())) {
                s.last_beat_ms = Some(s.last_beat_ms.unwrap_or(0).max(*at_ms));
            }
        }
        for s in next.values_mut() {
            if let (Some(h), None) = (s.heartbeat(), s.deadline_ms) {
                let from = s.last_beat_ms.unwrap_or(now.as_millisecond());
                s.deadline_ms = Some(from + millis(h.every + h.grace));
            }
        }
        self.by_key = next;
    }

    /// Records a run; returns the probe's new streak.
    pub fn record(&mut self, r: &ProbeResult) -> Option<i64> {
        let s = self.by_key.get_mut(&(r.service.clone(), r.probe.clone()))?;
        s.streak = match (r.outcome.success, s.streak) {
            (true, n) if n > 0 => n + 1,
            (true, _) => 1,
            (false, n) if n < 0 => n - 1,
            (false, _) => -1,
        };
        s.last = Some((r.at, r.outcome.clone()));
        Some(s.streak)
    }
}

/// The probe alert a run's new `streak` fires or resolves, if any: firing
/// at the probe's `failure_threshold`-th failure in a row (default 3),
/// resolved at its `success_threshold`-th success (default 2); a resolve
/// for an alert that never fired changes nothing.
pub fn probe_alert(
    r: &ProbeResult,
    streak: i64,
    thresholds: nines_probe::AlertThresholds,
) -> Option<nines_incident::Alert> {
    use nines_incident::{Alert, AlertSeverity, AlertSource, AlertStatus};
    let status = match streak {
        s if s == -i64::from(thresholds.failures) => AlertStatus::Firing,
        s if s == i64::from(thresholds.successes) => AlertStatus::Resolved,
        _ => return None,
    };
    let labels = BTreeMap::from([
        ("alertname".to_string(), "ProbeFailure".to_string()),
        ("service".to_string(), r.service.clone()),
        ("probe".to_string(), r.probe.clone()),
        ("severity".to_string(), "error".to_string()),
    ]);
    let why = r.outcome.reason().unwrap_or_else(|| "recovered".into());
    Some(Alert {
        source: AlertSource::Probe,
        key: format!("{}/{}", r.service, r.probe),
        labels,
        annotations: BTreeMap::new(),
        summary: format!("{}/{} failing: {why}", r.service, r.probe),
        severity: AlertSeverity::Error,
        status,
        starts_at: r.at,
        ends_at: (status == AlertStatus::Resolved).then_some(r.at),
        links: vec![],
    })
}

pub fn millis(d: Duration) -> i64 {
    d.as_millis().min(i64::MAX as u128) as i64
}

/// The SLI events a result yields: one per SLO that takes its SLI from this
/// probe, good when the run succeeded (and, with `latency_below`, was fast
/// enough).
pub fn events_of<'a>(config: &'a Config, r: &ProbeResult) -> Vec<(&'a str, &'a str, bool)> {
    let Some(service) = config.services.get(&r.service) else {
        return Vec::new();
    };
    service
        .slos
        .iter()
        .filter_map(|slo| match &slo.sli {
            Sli::Probe {
                probe,
                latency_below,
            } if *probe == r.probe => {
                let fast = latency_below.is_none_or(|l| r.outcome.duration < l);
                Some((
                    service.name.as_str(),
                    slo.name.as_str(),
                    r.outcome.success && fast,
                ))
            }
            _ => None,
        })
        .collect()
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// An outcome as the API, the store and `nines probe run --output json`
/// show it.
pub fn outcome_json(o: &Outcome) -> Value {
    let mut v = json!({
        "success": o.success,
        "duration_seconds": secs(o.duration),
        "phases": o.phases.iter().map(|(p, d)| (p.name().to_string(), json!(secs(*d)))).collect::<serde_json::Map<_, _>>(),
        "checks": o.checks.iter().map(|c| json!({"success": c.success, "description": c.description})).collect::<Vec<_>>(),
    });
    let mut put = |k: &str, value: Value| {
        if !value.is_null() {
            v[k] = value;
        }
    };
    put(
        "error",
        json!(o.error.as_deref().map(crate::text::url::redact)),
    );
    put("ip", json!(o.ip.map(|ip| ip.to_string())));
    put("status", json!(o.status));
    if o.redirects > 0 {
        put("redirects", json!(o.redirects));
    }
    put("body_bytes", json!(o.body_len));
    if let Some(c) = &o.certificates {
        put(
            "certificates",
            json!({
                "earliest_expiry": c.earliest_expiry.and_then(|t| Timestamp::from_second(t).ok()).map(|t| t.to_string()),
                "verified_chain_expiry": c.verified_chain_expiry.and_then(|t| Timestamp::from_second(t).ok()).map(|t| t.to_string()),
                "leaf_subject": c.leaf_subject,
                "chain_length": c.chain_len,
            }),
        );
    }
    put(
        "dns_rcode",
        json!(
            o.dns_rcode
                .map(|c| nines_condition::dns_rcode_name(c).into_owned())
        ),
    );
    if !o.dns_answers.is_empty() {
        put("dns_answers", json!(o.dns_answers));
    }
    v
}

/// A probe's status: `up`, `down` or `unknown` (not run yet), for the API
/// and the UI.
pub fn probe_status(s: &ProbeState) -> &'static str {
    match (&s.last, s.streak) {
        (None, _) => "unknown",
        (Some(_), n) if n > 0 => "up",
        _ => "down",
    }
}
