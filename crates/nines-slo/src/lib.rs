//! SLO math for nines: per-minute good/total buckets, rolling and calendar
//! windows, error budgets, burn rates and multiwindow multi-burn-rate alerts,
//! and an SLO over an incident's span (impact start, budget burned).
//!
//! Everything here is pure: time and data come in as arguments, nothing reads a
//! clock, a file or the network. The daemon owns the I/O and passes `now` in.
#![forbid(unsafe_code)]

mod alert;
mod budget;
mod duration;
pub mod rules;
mod series;
mod slo_series;
mod span;
mod timeslice;
mod window;

pub use alert::{AlertState, AlertStatus, Severity, Tier, TierThreshold, default_tiers};
pub use budget::{Budget, Report, SloSpec, WindowStats, evaluate, tier_window_labels};
pub use duration::{DurationError, format_minutes, parse_duration};
pub use series::{Counts, Series, SeriesError, Snapshot};
pub use slo_series::{SloSeries, SloSnapshot, WindowSums};
pub use span::{
    BudgetBurn, IMPACT_LOOKBACK_MINUTES, budget_burned, first_bad_minute, impact_start,
};
pub use timeslice::{TimesliceSeries, TimesliceSnapshot, Timeslices};
pub use window::{CalendarUnit, Minute, WindowSpec, minute_of, timestamp_of};

/// The windows every SLO reports, besides its own SLO window, in minutes:
/// 5m, 30m, 1h, 2h, 6h, 1d, 3d. They are the windows of the SRE Workbook's
/// alert tiers, so burn rates line up with Prometheus rules nines generates.
pub const STANDARD_WINDOWS: [u32; 7] = [5, 30, 60, 120, 360, 1440, 4320];
