//! The figures of `nines report`, computed from data the daemon has already
//! read: SLO attainment and budget consumed over a period, change failure
//! rate, response times (MTTD, MTTA, MTTR), alerts that never led to an
//! incident, and contractual SLA periods met or missed. Rendering (Markdown,
//! HTML, JSON) is the binary's job.

mod sla;

use std::collections::{BTreeMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::IncidentTimes;

pub use sla::{DailyCounts, Sla, SlaError, SlaPeriod, SlaPeriodReport, sla_periods};

/// An SLO over a report's period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Attainment {
    pub good: u64,
    pub total: u64,
    /// Target ratio of good events (99.9% = 0.999).
    pub objective: f64,
    /// `good / total`; `None` without events (no data is not good data).
    pub sli: Option<f64>,
    /// `sli >= objective`; `None` without events.
    pub met: Option<bool>,
    /// Share of the period's error budget the bad events used:
    /// `(1 − sli) / (1 − objective)`. Above 1 when overspent. With an
    /// objective of 1 (no budget) it is 0 without bad events and infinite
    /// with any. `None` without events.
    pub budget_consumed_ratio: Option<f64>,
}

/// SLO attainment for a period from its good and total event counts.
/// `good` above `total` (a counting glitch) is read as `total`.
pub fn slo_attainment(good: u64, total: u64, objective: f64) -> Attainment {
    let good = good.min(total);
    let (sli, budget) = if total == 0 {
        (None, None)
    } else {
        let bad = (total - good) as f64 / total as f64;
        let budget = 1.0 - objective;
        let consumed = if budget > 0.0 {
            bad / budget
        } else if bad == 0.0 {
            0.0
        } else {
            f64::INFINITY
        };
        (Some(good as f64 / total as f64), Some(consumed))
    };
    Attainment {
        good,
        total,
        objective,
        sli,
        met: sli.map(|s| s >= objective),
        budget_consumed_ratio: budget,
    }
}

/// A change counts as failed when an incident of its service starts this
/// soon after it (DORA's change failure rate, as issue 8 defines it).
pub const CHANGE_FAILURE_WINDOW: SignedDuration = SignedDuration::from_hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChangeFailureRate {
    pub changes: usize,
    /// Changes followed by an incident within the window.
    pub failed: usize,
    /// `failed / changes`; `None` without changes.
    pub rate: Option<f64>,
}

/// Change failure rate of one service: a change at `t` failed when an
/// incident of the same service started in `[t, t + window]`. One incident
/// can fail several changes (two deploys ten minutes apart are both
/// suspects; the report does not guess which one it was).
pub fn change_failure_rate(
    changes: &[Timestamp],
    incident_starts: &[Timestamp],
    window: SignedDuration,
) -> ChangeFailureRate {
    let mut starts = incident_starts.to_vec();
    starts.sort_unstable();
    let failed = changes
        .iter()
        .filter(|&&at| {
            let first = starts.partition_point(|&s| s < at);
            starts
                .get(first)
                .is_some_and(|&s| s.duration_since(at) <= window)
        })
        .count();
    ChangeFailureRate {
        changes: changes.len(),
        failed,
        rate: (!changes.is_empty()).then(|| failed as f64 / changes.len() as f64),
    }
}

/// Mean and median of some spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DurationStats {
    pub count: usize,
    /// Rounded toward zero to the nanosecond.
    pub mean: SignedDuration,
    /// The middle span; the mean of the two middle ones for an even count.
    pub median: SignedDuration,
}

/// Mean and median, `None` for no spans.
pub fn duration_stats(spans: impl IntoIterator<Item = SignedDuration>) -> Option<DurationStats> {
    let mut nanos: Vec<i128> = spans.into_iter().map(|d| d.as_nanos()).collect();
    if nanos.is_empty() {
        return None;
    }
    nanos.sort_unstable();
    let n = nanos.len();
    let mean = nanos.iter().sum::<i128>() / n as i128;
    let median = if n % 2 == 1 {
        nanos[n / 2]
    } else {
        (nanos[n / 2 - 1] + nanos[n / 2]) / 2
    };
    Some(DurationStats {
        count: n,
        mean: from_nanos(mean),
        median: from_nanos(median),
    })
}

/// Means and medians of the time to detect, acknowledge and resolve (as
/// defined on [`IncidentTimes`]), each over the incidents that have both
/// ends of that span; `None` when none has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResponseTimes {
    pub mttd: Option<DurationStats>,
    pub mtta: Option<DurationStats>,
    pub mttr: Option<DurationStats>,
}

pub fn response_times(incidents: &[IncidentTimes]) -> ResponseTimes {
    ResponseTimes {
        mttd: duration_stats(incidents.iter().filter_map(IncidentTimes::time_to_detect)),
        mtta: duration_stats(
            incidents
                .iter()
                .filter_map(IncidentTimes::time_to_acknowledge),
        ),
        mttr: duration_stats(incidents.iter().filter_map(IncidentTimes::time_to_resolve)),
    }
}

/// Alerts that fired without ever leading to an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Noise {
    /// All firings in the period.
    pub firings: usize,
    /// Firings of alerts that never led to an incident.
    pub noisy_firings: usize,
    /// Those alerts, most frequent first (then by key).
    pub alerts: Vec<NoisyAlert>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoisyAlert {
    pub key: String,
    pub fired: usize,
}

/// `fired` holds one alert key per firing in the period; `linked` the keys
/// of alerts linked to any incident. An alert is noise when it fired and
/// none of its firings was ever linked: it woke someone for nothing, the
/// first candidate for tuning.
pub fn noise<F: AsRef<str>, L: AsRef<str>>(fired: &[F], linked: &[L]) -> Noise {
    let linked: HashSet<&str> = linked.iter().map(AsRef::as_ref).collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for key in fired.iter().map(AsRef::as_ref) {
        if !linked.contains(key) {
            *counts.entry(key).or_default() += 1;
        }
    }
    let mut alerts: Vec<NoisyAlert> = counts
        .into_iter()
        .map(|(key, fired)| NoisyAlert {
            key: key.to_string(),
            fired,
        })
        .collect();
    // Stable, so ties keep the key order the map gave.
    alerts.sort_by_key(|a| std::cmp::Reverse(a.fired));
    Noise {
        firings: fired.len(),
        noisy_firings: alerts.iter().map(|a| a.fired).sum(),
        alerts,
    }
}

/// Spans of incidents and their sums fit in i64 nanoseconds (292 years)
/// unless the input is absurd; saturate rather than panic then.
fn from_nanos(n: i128) -> SignedDuration {
    SignedDuration::from_nanos(n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

#[cfg(test)]
mod tests;
