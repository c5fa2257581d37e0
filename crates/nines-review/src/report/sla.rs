//! Contractual SLAs: a target over calendar months or quarters in a time
//! zone, or over fixed blocks of days, and whether each period of a report
//! met it. Days are the unit: the daemon sums good and total events per
//! local day of the SLA's zone, so a period is a set of whole days and
//! DST only changes how many hours those days hold.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use thiserror::Error;

/// How an SLA's periods are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaPeriod {
    /// The 1st to the 1st.
    Month,
    /// January, April, July and October 1st to the next.
    Quarter,
    /// Consecutive blocks of this many days from the report's first day.
    /// Rolling SLAs have no calendar, so the report's range anchors them.
    Days(u32),
}

/// A contractual promise about a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    /// Ratio of good events to reach in each period (99.5% = 0.995).
    pub target: f64,
    pub period: SlaPeriod,
    /// Where calendar periods begin and end, usually the customer's zone.
    pub tz: TimeZone,
}

/// Good and total events of one local day in the SLA's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DailyCounts {
    pub day: Date,
    pub good: u64,
    pub total: u64,
}

/// One period of a report and whether it met the SLA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaPeriodReport {
    /// `2025-03`, `2025-Q1` or `2025-03-01..2025-03-31` (days, end
    /// exclusive): the whole period, even when the report covers part.
    pub label: String,
    /// First day counted, and the day after the last (the period cut to
    /// the report's range).
    pub start: Date,
    pub end: Date,
    /// The same bounds as instants: local midnights in the SLA's zone.
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// The report covers only part of the period, so `met` is provisional.
    pub partial: bool,
    pub good: u64,
    pub total: u64,
    /// `good / total`; `None` without events.
    pub attainment: Option<f64>,
    /// `attainment >= target`; `None` without events: an SLA is neither
    /// met nor missed by silence, the contract decides.
    pub met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlaError {
    #[error("an SLA period of 0 days is empty; use at least 1")]
    ZeroDays,
    #[error("the day {0} is outside the range nines can place in time")]
    OutOfRange(Date),
}

/// The SLA's periods overlapping the days `[from, to)`, in order, each cut
/// to the range, with its counts and verdict. The periods tile the range
/// exactly: the first starts at `from`, each ends where the next starts,
/// the last ends at `to`. Counts outside the range are ignored; several
/// counts of one day add up. Empty when `to <= from`.
pub fn sla_periods(
    sla: &Sla,
    from: Date,
    to: Date,
    days: &[DailyCounts],
) -> Result<Vec<SlaPeriodReport>, SlaError> {
    if sla.period == SlaPeriod::Days(0) {
        return Err(SlaError::ZeroDays);
    }
    if to <= from {
        return Ok(Vec::new());
    }
    let mut per_day: BTreeMap<Date, (u64, u64)> = BTreeMap::new();
    for d in days.iter().filter(|d| d.day >= from && d.day < to) {
        let e = per_day.entry(d.day).or_default();
        e.0 = e.0.saturating_add(d.good.min(d.total));
        e.1 = e.1.saturating_add(d.total);
    }

    let mut out = Vec::new();
    let mut period_start = match sla.period {
        SlaPeriod::Month => from.first_of_month(),
        SlaPeriod::Quarter => quarter_start(from),
        SlaPeriod::Days(_) => from,
    };
    while period_start < to {
        let period_end = next_start(sla.period, period_start)?;
        let start = period_start.max(from);
        let end = period_end.min(to);
        let (good, total) = per_day
            .range(start..end)
            .fold((0u64, 0u64), |(g, t), (_, (dg, dt))| {
                (g.saturating_add(*dg), t.saturating_add(*dt))
            });
        let attainment = (total > 0).then(|| good as f64 / total as f64);
        out.push(SlaPeriodReport {
            label: label(sla.period, period_start, period_end),
            start,
            end,
            starts_at: midnight(start, &sla.tz)?,
            ends_at: midnight(end, &sla.tz)?,
            partial: start != period_start || end != period_end,
            good,
            total,
            attainment,
            met: attainment.map(|a| a >= sla.target),
        });
        period_start = period_end;
    }
    Ok(out)
}

fn quarter_start(day: Date) -> Date {
    let month = (day.month() - 1) / 3 * 3 + 1;
    day.first_of_month()
        .with()
        .month(month)
        .build()
        .expect("the first of a quarter's first month exists")
}

fn next_start(period: SlaPeriod, start: Date) -> Result<Date, SlaError> {
    let span = match period {
        SlaPeriod::Month => 1.month(),
        SlaPeriod::Quarter => 3.months(),
        SlaPeriod::Days(n) => i64::from(n).days(),
    };
    start
        .checked_add(span)
        .map_err(|_| SlaError::OutOfRange(start))
}

/// The instant a local day begins: midnight, or the first instant after a
/// DST gap that swallows midnight.
fn midnight(day: Date, tz: &TimeZone) -> Result<Timestamp, SlaError> {
    day.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|_| SlaError::OutOfRange(day))
}

fn label(period: SlaPeriod, start: Date, end: Date) -> String {
    match period {
        SlaPeriod::Month => start.strftime("%Y-%m").to_string(),
        SlaPeriod::Quarter => format!("{}-Q{}", start.year(), (start.month() - 1) / 3 + 1),
        SlaPeriod::Days(_) => format!("{start}..{end}"),
    }
}
