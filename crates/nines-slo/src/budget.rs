//! An SLO's figures at one instant: SLI, error rate and burn rate per window,
//! the error budget, its projected exhaustion, and the alert tiers.

use jiff::Timestamp;

use crate::alert::{self, AlertState, AlertStatus, Tier};
use crate::series::{Counts, Series};
use crate::slo_series::WindowSums;
use crate::timeslice::Timeslices;
use crate::window::{Minute, WindowSpec};
use crate::{STANDARD_WINDOWS, format_minutes};

/// Projections further out than this are reported as "never".
const MAX_PROJECTION_SECONDS: f64 = 100.0 * 365.0 * 86_400.0;

/// What an SLO promises and how it alerts, with the windows its series must
/// track laid out once so evaluation does no lookups.
#[derive(Debug, Clone, PartialEq)]
pub struct SloSpec {
    /// Target ratio of good events, strictly between 0 and 1 (99.9% = 0.999).
    pub objective: f64,
    pub window: WindowSpec,
    pub tiers: Vec<Tier>,
    /// Events the long window must hold before a tier may fire (slices,
    /// for timeslices budgeting).
    pub min_events: u64,
    /// `None`: every event counts (Occurrences). `Some`: every slice counts.
    pub timeslices: Option<Timeslices>,
    windows: Vec<WindowSpec>,
    labels: Vec<String>,
    slo_index: usize,
    /// (long, short) window index of each tier.
    tier_windows: Vec<(usize, usize)>,
    index_1h: usize,
    index_1d: usize,
}

impl SloSpec {
    pub fn new(objective: f64, window: WindowSpec, tiers: Vec<Tier>, min_events: u64) -> Self {
        let mut windows: Vec<WindowSpec> = STANDARD_WINDOWS
            .iter()
            .map(|&m| WindowSpec::rolling(m))
            .collect();
        let mut index_of = |spec: WindowSpec| match windows.iter().position(|w| *w == spec) {
            Some(i) => i,
            None => {
                windows.push(spec);
                windows.len() - 1
            }
        };
        let tier_windows = tiers
            .iter()
            .map(|t| {
                (
                    index_of(WindowSpec::rolling(t.long)),
                    index_of(WindowSpec::rolling(t.short)),
                )
            })
            .collect();
        let slo_index = index_of(window.clone());
        let index_1h = index_of(WindowSpec::rolling(60));
        let index_1d = index_of(WindowSpec::rolling(1440));
        let labels = windows.iter().map(WindowSpec::label).collect();
        SloSpec {
            objective,
            window,
            tiers,
            min_events,
            timeslices: None,
            windows,
            labels,
            slo_index,
            tier_windows,
            index_1h,
            index_1d,
        }
    }

    /// The same SLO budgeted by timeslices.
    pub fn with_timeslices(mut self, rule: Timeslices) -> Self {
        self.timeslices = Some(rule);
        self
    }

    /// Error budget as a ratio of events: 1 − objective.
    pub fn budget(&self) -> f64 {
        1.0 - self.objective
    }

    /// The windows a [`Series`] for this SLO must track, in report order.
    pub fn windows(&self) -> &[WindowSpec] {
        &self.windows
    }

    /// Label of each window in report order: `5m` … `3d`, then any tier
    /// windows, then the SLO window (`30d`, `month`) unless already listed.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn slo_window_index(&self) -> usize {
        self.slo_index
    }

    /// A fresh series for this SLO.
    pub fn new_series(&self, head: Minute) -> Series {
        Series::new(self.windows.clone(), head)
    }
}

/// Counts and ratios over one window. `sli` and `burn_rate` are `None` when
/// the window holds no events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowStats {
    pub good: u64,
    pub total: u64,
    pub sli: Option<f64>,
    pub error_rate: Option<f64>,
    pub burn_rate: Option<f64>,
}

impl WindowStats {
    pub fn from_counts(c: Counts, budget: f64) -> Self {
        let sli = (c.total > 0).then(|| c.good as f64 / c.total as f64);
        let error_rate = sli.map(|s| 1.0 - s);
        WindowStats {
            good: c.good,
            total: c.total,
            sli,
            error_rate,
            burn_rate: error_rate.map(|e| e / budget),
        }
    }
}

/// The error budget over the SLO window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// 1 − objective, as a ratio of events.
    pub total: f64,
    /// Fraction of the budget spent: error rate ÷ budget. `None` without data.
    pub consumed: Option<f64>,
    /// 1 − consumed: 1 untouched, 0 spent, negative overspent.
    pub remaining: Option<f64>,
    /// When the remaining budget runs out if the last hour's burn goes on.
    pub exhausted_at_1h: Option<Timestamp>,
    /// The same at the last day's burn.
    pub exhausted_at_1d: Option<Timestamp>,
}

/// Everything known about one SLO at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub at: Timestamp,
    /// In the order of [`SloSpec::labels`].
    pub windows: Vec<WindowStats>,
    pub budget: Budget,
    /// In the order of [`SloSpec::tiers`].
    pub alerts: Vec<AlertStatus>,
}

impl Report {
    pub fn slo_window<'a>(&'a self, spec: &SloSpec) -> &'a WindowStats {
        &self.windows[spec.slo_index]
    }

    /// Stats of the window labelled `label`, if the SLO tracks it.
    pub fn window<'a>(&'a self, spec: &SloSpec, label: &str) -> Option<&'a WindowStats> {
        spec.labels
            .iter()
            .position(|l| l == label)
            .map(|i| &self.windows[i])
    }
}

/// Evaluates an SLO at `now`. `series` must already be advanced to `now`'s
/// minute; `prev` holds each tier's state from the last evaluation (missing
/// entries count as inactive).
pub fn evaluate(
    spec: &SloSpec,
    series: &impl WindowSums,
    now: Timestamp,
    prev: &[AlertState],
) -> Report {
    let budget_ratio = spec.budget();
    let windows: Vec<WindowStats> = (0..spec.windows.len())
        .map(|i| WindowStats::from_counts(series.window_sum(i), budget_ratio))
        .collect();
    let period = spec.window.period_minutes(series.head());
    let consumed = windows[spec.slo_index].burn_rate;
    let remaining = consumed.map(|c| 1.0 - c);
    let project = |burn: Option<f64>| -> Option<Timestamp> {
        let (r, b) = (remaining?, burn?);
        if r <= 0.0 {
            return Some(now);
        }
        if b <= 0.0 {
            return None;
        }
        let seconds = r * period as f64 * 60.0 / b;
        if seconds > MAX_PROJECTION_SECONDS {
            return None;
        }
        now.checked_add(jiff::SignedDuration::from_secs(seconds as i64))
            .ok()
    };
    let budget = Budget {
        total: budget_ratio,
        consumed,
        remaining,
        exhausted_at_1h: project(windows[spec.index_1h].burn_rate),
        exhausted_at_1d: project(windows[spec.index_1d].burn_rate),
    };
    let alerts = spec
        .tiers
        .iter()
        .zip(&spec.tier_windows)
        .enumerate()
        .map(|(i, (tier, &(long, short)))| {
            alert::step(
                prev.get(i).copied().unwrap_or_default(),
                tier.burn_threshold(period),
                windows[long].burn_rate,
                windows[long].total,
                windows[short].burn_rate,
                spec.min_events,
                now,
            )
        })
        .collect();
    Report {
        at: now,
        windows,
        budget,
        alerts,
    }
}

/// Labels of the tiers' windows, `("1h", "5m")`, for display.
pub fn tier_window_labels(tier: &Tier) -> (String, String) {
    (format_minutes(tier.long), format_minutes(tier.short))
}
