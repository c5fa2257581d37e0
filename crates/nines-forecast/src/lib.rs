//! Capacity forecasts for nines: when will a resource run out, at this
//! growth, and how sure can we be.
//!
//! Three models, each with prediction intervals: `Model::Linear`, the least
//! squares Prometheus' `predict_linear` does (and the same figures);
//! `Model::Ets`, non-seasonal exponential smoothing with the trend chosen
//! by AICc (none, additive, damped); and `Model::Seasonal`, daily and weekly
//! seasons found after detrending and removed MSTL-style, ETS on the rest.
//! `exhaustion::outlook` reads a forecast against a limit, and
//! `alert::decide` turns that into nothing, a ticket or a page.
//!
//! Everything here is pure: the series and its step come in as arguments,
//! nothing reads a clock, a file or the network.
#![forbid(unsafe_code)]

pub mod accuracy;
pub mod alert;
pub mod ets;
pub mod exhaustion;
pub mod linear;
pub mod mstl;
mod normal;
mod optimize;
pub mod season;

pub use alert::{Alert, Calm, Thresholds, decide};
pub use exhaustion::{Exhaustion, Outlook, Quiet, outlook};

/// Seconds in a day, the unit growth is reported in.
pub const DAY_S: f64 = 86_400.0;

/// Default minimum history: a week, so a weekly cycle has been seen once
/// and a daily one seven times.
pub const DEFAULT_MIN_HISTORY_S: f64 = 7.0 * DAY_S;

/// Default interval coverage.
pub const DEFAULT_LEVEL: f64 = 0.95;

/// A forecast of `horizon` steps after the last observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Coverage of the interval (0.95: 95% of outcomes inside, nominally).
    pub level: f64,
    pub point: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// The point forecast without its seasons: what growth is read from.
    pub trend: Vec<f64>,
    /// The fitted trend at the last observation.
    pub level_now: f64,
}

impl Forecast {
    pub(crate) fn with_capacity(horizon: usize, level: f64) -> Forecast {
        Forecast {
            level,
            point: Vec::with_capacity(horizon),
            lower: Vec::with_capacity(horizon),
            upper: Vec::with_capacity(horizon),
            trend: Vec::with_capacity(horizon),
            level_now: 0.0,
        }
    }

    pub(crate) fn push(&mut self, point: f64, lower: f64, upper: f64, trend: f64) {
        self.point.push(point);
        self.lower.push(lower);
        self.upper.push(upper);
        self.trend.push(trend);
    }
}

/// Which model forecasts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Model {
    /// `predict_linear`'s straight line.
    Linear,
    /// Non-seasonal ETS.
    Ets,
    /// Seasons plus ETS, the seasons detected among a day and a week.
    #[default]
    Seasonal,
    /// Seasons plus ETS with these periods (in steps), each kept only with
    /// two full cycles of history.
    SeasonalWith(Vec<usize>),
}

/// What to forecast and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub model: Model,
    /// Seconds between points.
    pub step_s: f64,
    /// Steps to forecast.
    pub horizon: usize,
    /// Interval coverage in (0, 1).
    pub level: f64,
    /// Less history than this is refused.
    pub min_history_s: f64,
}

impl Spec {
    pub fn new(model: Model, step_s: f64, horizon: usize) -> Spec {
        Spec {
            model,
            step_s,
            horizon,
            level: DEFAULT_LEVEL,
            min_history_s: DEFAULT_MIN_HISTORY_S,
        }
    }
}

/// A forecast and what produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub forecast: Forecast,
    /// The model as fitted, e.g. `MSTL(24,168)+ETS(A,Ad,N)`, for people.
    pub description: String,
    /// The seasons used, in steps (empty for non-seasonal models).
    pub seasons: Vec<usize>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error(
        "the history covers {have} but forecasting needs at least {need} (min_history); wait for more data or lower min_history"
    )]
    TooShort { have: String, need: String },
    #[error("point {index} is {value}: forecasts need finite values (fill or drop gaps first)")]
    NotFinite { index: usize, value: f64 },
    #[error("{0}")]
    Spec(&'static str),
}

/// "3d 4h", "5h", "90s": short spans for messages.
pub fn format_span(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// The daily and weekly periods in steps of `step_s` (those that are whole
/// numbers of steps, at least 2).
pub fn calendar_periods(step_s: f64) -> Vec<usize> {
    [DAY_S, 7.0 * DAY_S]
        .iter()
        .map(|p| p / step_s)
        .filter(|p| *p >= 2.0 && (p - p.round()).abs() < 1e-9)
        .map(|p| p.round() as usize)
        .collect()
}

fn ets_name(m: &ets::Ets) -> &'static str {
    match m.trend {
        ets::Trend::None => "ETS(A,N,N)",
        ets::Trend::Additive => "ETS(A,A,N)",
        ets::Trend::Damped => "ETS(A,Ad,N)",
    }
}

/// Forecasts `values` (one every `spec.step_s` seconds, the last one now).
pub fn forecast(values: &[f64], spec: &Spec) -> Result<Fitted, Error> {
    if spec.step_s.is_nan() || spec.step_s <= 0.0 {
        return Err(Error::Spec("the step must be a positive number of seconds"));
    }
    if spec.horizon == 0 {
        return Err(Error::Spec("the horizon must be at least one step"));
    }
    if !(spec.level > 0.0 && spec.level < 1.0) {
        return Err(Error::Spec(
            "the interval level must be between 0 and 1 (0.95 for 95%)",
        ));
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NotFinite { index, value });
    }
    // n points span (n - 1) steps; a single point spans nothing.
    let have = values.len().saturating_sub(1) as f64 * spec.step_s;
    if values.len() < 3 || have + 1e-9 < spec.min_history_s {
        return Err(Error::TooShort {
            have: format_span(have),
            need: format_span(spec.min_history_s.max(2.0 * spec.step_s)),
        });
    }
    let fitted = match &spec.model {
        Model::Linear => {
            let n = values.len() as i64;
            let step_ms = (spec.step_s * 1e3).round() as i64;
            let points: Vec<(i64, f64)> = values
                .iter()
                .enumerate()
                .map(|(i, &v)| ((i as i64 - (n - 1)) * step_ms, v))
                .collect();
            let line = linear::fit(&points, 0).expect("at least three points");
            Fitted {
                forecast: line.forecast(spec.horizon, spec.step_s, spec.level),
                description: "linear (predict_linear)".into(),
                seasons: vec![],
            }
        }
        Model::Ets => {
            let m = ets::Ets::auto(values);
            Fitted {
                forecast: m.forecast(spec.horizon, spec.level),
                description: ets_name(&m).into(),
                seasons: vec![],
            }
        }
        Model::Seasonal | Model::SeasonalWith(_) => {
            let periods = match &spec.model {
                Model::SeasonalWith(p) => p.clone(),
                _ => season::detect(values, &calendar_periods(spec.step_s)),
            };
            let m = mstl::Seasonal::fit(values, &periods);
            let seasons: Vec<usize> = m.seasons.iter().map(|(p, _)| *p).collect();
            let description = if seasons.is_empty() {
                ets_name(&m.trend).to_string()
            } else {
                let list: Vec<String> = seasons.iter().map(|p| p.to_string()).collect();
                format!("MSTL({})+{}", list.join(","), ets_name(&m.trend))
            };
            Fitted {
                forecast: m.forecast(spec.horizon, spec.level),
                description,
                seasons,
            }
        }
    };
    Ok(fitted)
}
