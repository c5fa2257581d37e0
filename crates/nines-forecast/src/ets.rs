//! Non-seasonal exponential smoothing in innovations form (Hyndman et al.,
//! "Forecasting with Exponential Smoothing"): ETS(A,N,N), ETS(A,A,N) and
//! ETS(A,Ad,N), each fitted by least squares with Nelder-Mead, the one with
//! the lowest AICc kept. The damped trend is what keeps a forecast from
//! extrapolating a week's growth spurt into a date three years away.
//!
//! Seasonality is not modelled here: the seasonal model removes it first
//! (see `mstl`), as MSTL + ETS does.

use crate::{Forecast, normal, optimize};

/// Which trend an ETS model has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    None,
    Additive,
    Damped,
}

/// A fitted ETS model: smoothing parameters and the final states.
#[derive(Debug, Clone, PartialEq)]
pub struct Ets {
    pub trend: Trend,
    pub alpha: f64,
    pub beta: f64,
    pub phi: f64,
    /// Level and slope after the last observation.
    pub level: f64,
    pub slope: f64,
    /// Standard deviation of the one-step errors.
    pub sigma: f64,
    pub aicc: f64,
    /// One-step-ahead fitted values (same length as the input).
    pub fitted: Vec<f64>,
}

const PHI_MIN: f64 = 0.8;
const PHI_MAX: f64 = 0.98;

fn sigmoid(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// Maps unconstrained optimiser coordinates onto admissible parameters:
/// 0 < alpha < 1, 0 < beta < alpha, phi in [0.8, 0.98].
fn params(trend: Trend, u: &[f64]) -> (f64, f64, f64) {
    let alpha = 1e-4 + (1.0 - 2e-4) * sigmoid(u[0]);
    match trend {
        Trend::None => (alpha, 0.0, 1.0),
        Trend::Additive => (alpha, alpha * sigmoid(u[1]), 1.0),
        Trend::Damped => (
            alpha,
            alpha * sigmoid(u[1]),
            PHI_MIN + (PHI_MAX - PHI_MIN) * sigmoid(u[2]),
        ),
    }
}

/// Initial level and slope: a least-squares line over the first ten points
/// (or fewer), the usual heuristic start.
fn initial_states(y: &[f64], trend: Trend) -> (f64, f64) {
    let k = y.len().min(10);
    if trend == Trend::None || k < 2 {
        return (y[..k].iter().sum::<f64>() / k as f64, 0.0);
    }
    let mx = (k as f64 - 1.0) / 2.0;
    let my = y[..k].iter().sum::<f64>() / k as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y[..k].iter().enumerate() {
        let dx = i as f64 - mx;
        sxy += dx * (v - my);
        sxx += dx * dx;
    }
    let b = sxy / sxx;
    // The level "before" the first point, so the first one-step forecast
    // lands on the line.
    (my - b * mx - b, b)
}

/// Runs the filter; returns the sum of squared one-step errors and the final
/// states, writing fitted values when asked.
fn filter(
    y: &[f64],
    (alpha, beta, phi): (f64, f64, f64),
    (l0, b0): (f64, f64),
    mut fitted: Option<&mut Vec<f64>>,
) -> (f64, f64, f64) {
    let (mut l, mut b, mut sse) = (l0, b0, 0.0);
    for &v in y {
        let yhat = l + phi * b;
        if let Some(f) = fitted.as_deref_mut() {
            f.push(yhat);
        }
        let e = v - yhat;
        sse += e * e;
        l = yhat + alpha * e;
        b = phi * b + beta * e;
    }
    (sse, l, b)
}

impl Ets {
    /// Fits one model of the given trend.
    pub fn fit_trend(y: &[f64], trend: Trend) -> Ets {
        let init = initial_states(y, trend);
        let dims = match trend {
            Trend::None => 1,
            Trend::Additive => 2,
            Trend::Damped => 3,
        };
        // Start from alpha ~ 0.5, beta ~ 0.1 alpha, phi ~ 0.9.
        let start = [0.0, -2.2, 0.0];
        let cost = |u: &[f64]| filter(y, params(trend, u), init, None).0;
        let best = optimize::nelder_mead(&start[..dims], cost, 200 * dims);
        let p = params(trend, &best);
        let mut fitted = Vec::with_capacity(y.len());
        let (sse, level, slope) = filter(y, p, init, Some(&mut fitted));
        let n = y.len() as f64;
        // Parameters plus the two initial states (level, and slope if any).
        let k = (dims + if trend == Trend::None { 1 } else { 2 }) as f64;
        let sse = sse.max(f64::MIN_POSITIVE * n);
        let aic = n * (sse / n).ln() + 2.0 * (k + 1.0);
        let aicc = if n - k - 2.0 > 0.0 {
            aic + 2.0 * (k + 1.0) * (k + 2.0) / (n - k - 2.0)
        } else {
            f64::INFINITY
        };
        let dof = (n - k).max(1.0);
        Ets {
            trend,
            alpha: p.0,
            beta: p.1,
            phi: p.2,
            level,
            slope,
            sigma: (sse / dof).sqrt(),
            aicc,
            fitted,
        }
    }

    /// Fits every non-seasonal additive model and keeps the lowest AICc (a
    /// trend needs at least ten points to be considered).
    pub fn auto(y: &[f64]) -> Ets {
        let mut best = Ets::fit_trend(y, Trend::None);
        if y.len() >= 10 {
            for trend in [Trend::Additive, Trend::Damped] {
                let m = Ets::fit_trend(y, trend);
                if m.aicc < best.aicc {
                    best = m;
                }
            }
        }
        best
    }

    /// Point forecast and `level` interval for `horizon` steps. The variance
    /// of the h-step error is sigma^2 (1 + sum_{j<h} (alpha + beta phi_j)^2),
    /// phi_j = phi + ... + phi^j: it widens with the horizon.
    pub fn forecast(&self, horizon: usize, level: f64) -> Forecast {
        let z = normal::two_sided(level);
        let mut f = Forecast::with_capacity(horizon, level);
        let (mut phi_h, mut phi_pow, mut var_sum) = (0.0, 1.0, 1.0_f64);
        for _ in 0..horizon {
            phi_pow *= self.phi;
            phi_h += if self.trend == Trend::None {
                0.0
            } else {
                phi_pow
            };
            let p = self.level + phi_h * self.slope;
            let half = z * self.sigma * var_sum.sqrt();
            f.push(p, p - half, p + half, p);
            // c_j for the next step's variance uses phi_j = phi_h now.
            let c = self.alpha + self.beta * phi_h;
            var_sum += c * c;
        }
        f.level_now = self.level;
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_clean_line() {
        let y: Vec<f64> = (0..200).map(|i| 5.0 + 0.5 * i as f64).collect();
        let m = Ets::auto(&y);
        let f = m.forecast(10, 0.95);
        for (i, p) in f.point.iter().enumerate() {
            let truth = 5.0 + 0.5 * (200 + i) as f64;
            assert!((p - truth).abs() < 0.5, "step {i}: {p} vs {truth}");
        }
    }

    #[test]
    fn noise_around_a_level_picks_a_flat_forecast() {
        // Deterministic pseudo-noise.
        let y: Vec<f64> = (0..300)
            .map(|i| 50.0 + ((i * 7919) % 13) as f64 - 6.0)
            .collect();
        let f = Ets::auto(&y).forecast(48, 0.95);
        let drift = f.point[47] - f.point[0];
        assert!(drift.abs() < 1.0, "drift {drift}");
    }
}
