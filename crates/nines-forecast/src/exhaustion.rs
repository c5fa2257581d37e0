//! Time to exhaustion: when a forecast crosses a limit, read off the point
//! forecast (expected), the upper band (as early as) and the lower band (as
//! late as), with the trend's growth per day. A flat or shrinking trend
//! answers "no exhaustion predicted" rather than a date the band's width
//! alone would produce.

use crate::Forecast;

/// Why no exhaustion is predicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// The trend does not grow (flat or shrinking) and the forecast stays
    /// under the limit.
    NotGrowing,
    /// It grows, but no band reaches the limit within the horizon.
    BeyondHorizon,
}

/// The answer for one resource, times in seconds after the last observation.
#[derive(Debug, Clone, PartialEq)]
pub enum Exhaustion {
    /// The last observation is already at or over the limit.
    Now,
    Predicted {
        /// When the point forecast crosses; `None`: not within the horizon.
        expected_s: Option<f64>,
        /// When the upper band crosses: the earliest plausible date.
        earliest_s: f64,
        /// When the lower band crosses; `None`: not within the horizon.
        latest_s: Option<f64>,
    },
    None(Quiet),
}

/// The verdict plus the trend's growth rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    pub exhaustion: Exhaustion,
    /// Growth of the trend in the series' unit per day (the mean slope of
    /// the deseasonalised forecast over the horizon).
    pub growth_per_day: f64,
}

/// The first time `series` (step i at `(i + 1) * step_s`, starting from
/// `start` at 0) reaches `limit`, linearly interpolated between steps.
fn crossing(start: f64, series: &[f64], step_s: f64, limit: f64) -> Option<f64> {
    let mut prev = start;
    for (i, &v) in series.iter().enumerate() {
        if v >= limit {
            let frac = if v > prev {
                ((limit - prev) / (v - prev)).clamp(0.0, 1.0)
            } else {
                1.0
            };
            return Some((i as f64 + frac) * step_s);
        }
        prev = v;
    }
    None
}

/// Reads a forecast against a limit. `last` is the last observed value.
pub fn outlook(f: &Forecast, last: f64, step_s: f64, limit: f64) -> Outlook {
    let h = f.point.len().max(1) as f64;
    let growth_per_step = f.trend.last().map_or(0.0, |t| (t - f.level_now) / h);
    let growth_per_day = growth_per_step * 86_400.0 / step_s;
    let exhaustion = if last >= limit {
        Exhaustion::Now
    } else {
        let start = last.min(limit);
        let expected_s = crossing(start, &f.point, step_s, limit);
        // A trend that does not grow has nothing to exhaust unless its point
        // forecast (its cycles) already reaches the limit.
        let growing = growth_per_step > 0.0;
        match crossing(start, &f.upper, step_s, limit) {
            Some(earliest_s) if growing || expected_s.is_some() => Exhaustion::Predicted {
                expected_s,
                earliest_s: earliest_s.min(expected_s.unwrap_or(f64::INFINITY)),
                latest_s: crossing(start, &f.lower, step_s, limit)
                    .map(|l| l.max(expected_s.unwrap_or(0.0))),
            },
            _ if !growing => Exhaustion::None(Quiet::NotGrowing),
            _ => Exhaustion::None(Quiet::BeyondHorizon),
        }
    };
    Outlook {
        exhaustion,
        growth_per_day,
    }
}
