//! An SLO over a span of time, for an incident: when its impact began (the
//! first bad minute of the run that ends at detection) and how much error
//! budget it burned from then to resolution.
//!
//! Where the figures are approximate:
//!
//! - Impact start is looked for up to [`IMPACT_LOOKBACK_MINUTES`] before
//!   detection, and only in the minute tier (the last day); older spans,
//!   timeslice SLOs and SLOs without bad minutes say nothing.
//! - Budget burned is over the error budget of the SLO window as it is at
//!   the report given (events in the window × (1 − objective)), not as it
//!   was during the incident. Older than a day, minutes are summed per
//!   hour, so the edges round to hours. A timeslice SLO's burn is counted
//!   in slices.

use jiff::Timestamp;

use crate::budget::{Report, SloSpec};
use crate::series::Series;
use crate::slo_series::SloSeries;
use crate::window::{Minute, minute_of, timestamp_of};

/// How far before detection impact start is looked for, in minutes.
pub const IMPACT_LOOKBACK_MINUTES: i64 = 360;

/// Clean minutes that, before any bad one, say the impact was not in this
/// SLO.
const CLEAN_BEFORE_ANY_BAD: i64 = 60;

/// What an SLO burned over a span: bad events (bad slices, for a timeslice
/// SLO) over the error budget of the SLO window (the window's events or
/// slices × (1 − objective)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetBurn {
    /// Bad over the window's budget.
    pub ratio: f64,
    /// Bad events, or bad slices for a timeslice SLO.
    pub bad: u64,
    /// All events, or all slices for a timeslice SLO.
    pub total: u64,
    /// Whether `bad` and `total` count events (not slices).
    pub events: bool,
}

/// The budget an SLO burned from `from` to `to` (inclusive minutes), with
/// the SLO window's budget taken from `report`; `None` when that window has
/// no budget (no events, or an objective of 100%).
pub fn budget_burned(
    spec: &SloSpec,
    series: &SloSeries,
    report: &Report,
    from: Timestamp,
    to: Timestamp,
) -> Option<BudgetBurn> {
    let (a, b) = (minute_of(from), minute_of(to) + 1);
    let (c, events) = match series {
        SloSeries::Events(series) => (series.range_sum(a, b), true),
        SloSeries::Timeslices(series) => (series.slice_range_sum(a, b), false),
    };
    let bad = c.total.saturating_sub(c.good);
    let window_total = report.slo_window(spec).total;
    let budget = spec.budget() * window_total as f64;
    (budget > 0.0).then(|| BudgetBurn {
        ratio: bad as f64 / budget,
        bad,
        total: c.total,
        events,
    })
}

/// The first minute of the run of bad minutes that ends at `detected`
/// (minutes without events neither start nor end a run), looked for up to
/// [`IMPACT_LOOKBACK_MINUTES`] back and only while the series still has
/// minutes; `None` when there is no such run, or when more than an hour of
/// clean minutes comes before any bad one.
pub fn first_bad_minute(series: &Series, detected: Minute) -> Option<Minute> {
    if detected < series.horizon() {
        return None;
    }
    let mut first = None;
    let mut clean = 0;
    for m in (detected - IMPACT_LOOKBACK_MINUTES..=detected).rev() {
        if m < series.horizon() {
            break;
        }
        let c = series.range_sum(m, m + 1);
        if c.total > c.good {
            first = Some(m);
            clean = 0;
        } else if c.total > 0 {
            clean += 1;
            // One clean minute ends a run; before any bad minute, an hour of
            // clean ones says the impact was not in this SLO.
            if first.is_some() || clean > CLEAN_BEFORE_ANY_BAD {
                break;
            }
        }
    }
    first
}

/// When an incident's impact began: the earliest first bad minute
/// ([`first_bad_minute`]) of `series` (the service's SLOs) before
/// `detected`, or `alert_start` when that is earlier or none has one.
/// Timeslice series are not looked at.
pub fn impact_start<'a>(
    series: impl IntoIterator<Item = &'a SloSeries>,
    detected: Timestamp,
    alert_start: Timestamp,
) -> Timestamp {
    let first_bad = series
        .into_iter()
        .filter_map(|s| match s {
            SloSeries::Events(series) => first_bad_minute(series, minute_of(detected)),
            SloSeries::Timeslices(_) => None,
        })
        .min();
    first_bad
        .map(timestamp_of)
        .map_or(alert_start, |t| t.min(alert_start))
}
