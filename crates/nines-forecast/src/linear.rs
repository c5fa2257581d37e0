//! `predict_linear`-compatible least squares: the same fit Prometheus does
//! (x in seconds relative to the evaluation time, Kahan-compensated sums, a
//! constant series answering slope 0 exactly), so a nines forecast in linear
//! mode gives the figure a `predict_linear(v[range], t)` rule would, plus an
//! ordinary-least-squares prediction interval Prometheus does not give.

use crate::{Forecast, normal};

/// A fitted line: `value(x) = intercept + slope * x`, x in seconds after
/// the time the fit was anchored at (Prometheus' `interceptTime`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub slope: f64,
    pub intercept: f64,
    /// Residual standard deviation (n - 2 degrees of freedom); 0 for a
    /// perfect fit or fewer than three points.
    pub sigma: f64,
    n: f64,
    mean_x: f64,
    sxx: f64,
}

/// Kahan-Babuška summation step, as Prometheus' `kahanSumInc`.
fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// Fits `points` (time in milliseconds, value) anchored at `intercept_ms`,
/// exactly as Prometheus' `linearRegression`. `None` for no points.
pub fn fit(points: &[(i64, f64)], intercept_ms: i64) -> Option<Line> {
    let &(_, init_y) = points.first()?;
    let mut const_y = true;
    let (mut n, mut sx, mut cx, mut sy, mut cy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sxy, mut cxy, mut sx2, mut cx2) = (0.0, 0.0, 0.0, 0.0);
    for (i, &(t, y)) in points.iter().enumerate() {
        if const_y && i > 0 && y != init_y {
            const_y = false;
        }
        n += 1.0;
        let x = (t - intercept_ms) as f64 / 1e3;
        (sx, cx) = kahan_inc(x, sx, cx);
        (sy, cy) = kahan_inc(y, sy, cy);
        (sxy, cxy) = kahan_inc(x * y, sxy, cxy);
        (sx2, cx2) = kahan_inc(x * x, sx2, cx2);
    }
    let (sx, sy, sxy, sx2) = (sx + cx, sy + cy, sxy + cxy, sx2 + cx2);
    let mean_x = sx / n;
    let sxx = sx2 - sx * sx / n;
    let (slope, intercept) = if const_y {
        if init_y.is_infinite() {
            (f64::NAN, f64::NAN)
        } else {
            (0.0, init_y)
        }
    } else {
        let slope = (sxy - sx * sy / n) / sxx;
        (slope, sy / n - slope * sx / n)
    };
    let mut line = Line {
        slope,
        intercept,
        sigma: 0.0,
        n,
        mean_x,
        sxx,
    };
    if n > 2.0 && !const_y {
        let sse: f64 = points
            .iter()
            .map(|&(t, y)| {
                let r = y - line.at((t - intercept_ms) as f64 / 1e3);
                r * r
            })
            .sum();
        line.sigma = (sse / (n - 2.0)).sqrt();
    }
    Some(line)
}

impl Line {
    /// The fitted value `x` seconds after the anchor.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }

    /// Standard error of a new observation at `x` (OLS prediction error:
    /// grows with the distance from the fitted data's centre).
    pub fn prediction_se(&self, x: f64) -> f64 {
        if self.sigma == 0.0 || self.sxx <= 0.0 {
            return 0.0;
        }
        let d = x - self.mean_x;
        self.sigma * (1.0 + 1.0 / self.n + d * d / self.sxx).sqrt()
    }

    /// Forecasts `horizon` steps of `step_s` seconds after the anchor with a
    /// `level` prediction interval.
    pub fn forecast(&self, horizon: usize, step_s: f64, level: f64) -> Forecast {
        let z = normal::two_sided(level);
        let mut f = Forecast::with_capacity(horizon, level);
        for i in 1..=horizon {
            let x = i as f64 * step_s;
            let (p, half) = (self.at(x), z * self.prediction_se(x));
            f.push(p, p - half, p + half, p);
        }
        f.level_now = self.at(0.0);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Prometheus' own case (promql/testdata/functions.test): with
    // http_requests{job="api-server"} rising 0,10,..,100 every 5m...
    // deriv = 10/300 per second, predict_linear(3600) from the last sample.
    #[test]
    fn matches_prometheus_predict_linear() {
        let points: Vec<(i64, f64)> = (0..=10).map(|i| (i * 300_000, i as f64 * 10.0)).collect();
        let line = fit(&points, 3_000_000).unwrap();
        assert!((line.slope - 10.0 / 300.0).abs() < 1e-12);
        assert!((line.at(3600.0) - 220.0).abs() < 1e-9);
    }

    #[test]
    fn constant_series_is_flat_exactly() {
        let points: Vec<(i64, f64)> = (0..20).map(|i| (i * 60_000, 0.1)).collect();
        let line = fit(&points, 20 * 60_000).unwrap();
        assert_eq!((line.slope, line.intercept), (0.0, 0.1));
    }
}
