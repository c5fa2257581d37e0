//! The seasonal model: a multi-seasonal decomposition in the manner of MSTL
//! (Bandara et al. 2021) followed by ETS on what is left.
//!
//! Each season, shortest first, is estimated from the series with the other
//! seasons and a moving-average trend removed, by averaging each phase over
//! the neighbouring cycles (the degree-0 form of STL's cycle-subseries
//! smoothing); two passes let the seasons stop absorbing each other. The
//! deseasonalised series goes to `Ets::auto`, and the forecast adds the last
//! cycle of each season back. Intervals are ETS's on the deseasonalised
//! series, as MSTL + ETS does.

use crate::{Forecast, ets::Ets};

/// How many cycles on each side a phase is averaged over: the last cycle's
/// seasonal values (the ones projected) average the last `1 + SEASON_CYCLES`
/// cycles.
const SEASON_CYCLES: usize = 3;
const PASSES: usize = 2;

/// A fitted seasonal model.
#[derive(Debug, Clone)]
pub struct Seasonal {
    /// (period, the seasonal component over the last cycle) per season.
    pub seasons: Vec<(usize, Vec<f64>)>,
    pub trend: Ets,
}

/// Centred moving average over `p` points (2 x p for even p, so it is
/// centred), with the ends extended along the slope of the last full
/// window rather than averaged over partial windows (which would fold part
/// of a season into the trend right where the forecast starts).
pub fn centred_ma(x: &[f64], p: usize) -> Vec<f64> {
    let n = x.len();
    if p <= 1 || n < p + 1 {
        let mean = x.iter().sum::<f64>() / n.max(1) as f64;
        return vec![mean; n];
    }
    let half = p / 2;
    let even = p.is_multiple_of(2);
    let mut out = vec![f64::NAN; n];
    for (t, slot) in out.iter_mut().enumerate().take(n - half).skip(half) {
        *slot = if even {
            let inner: f64 = x[t + 1 - half..t + half].iter().sum();
            (inner + 0.5 * (x[t - half] + x[t + half])) / p as f64
        } else {
            x[t - half..=t + half].iter().sum::<f64>() / p as f64
        };
    }
    let (first, last) = (half, n - half - 1);
    let slope = |a: usize, b: usize| {
        if b > a {
            (out[b] - out[a]) / (b - a) as f64
        } else {
            0.0
        }
    };
    let head = slope(first, (first + p).min(last));
    let tail = slope(last.saturating_sub(p).max(first), last);
    for t in 0..first {
        out[t] = out[first] - head * (first - t) as f64;
    }
    for t in last + 1..n {
        out[t] = out[last] + tail * (t - last) as f64;
    }
    out
}

/// The seasonal component of period `p` in `d` (a detrended series): each
/// point the mean of its phase over up to `SEASON_CYCLES` cycles each side,
/// then recentred so each cycle sums to about zero.
pub fn season_component(d: &[f64], p: usize) -> Vec<f64> {
    let n = d.len();
    let mut s = vec![0.0; n];
    for (t, slot) in s.iter_mut().enumerate() {
        let (mut sum, mut k) = (0.0, 0.0);
        let lo = t % p + p * (t / p).saturating_sub(SEASON_CYCLES);
        let mut u = lo;
        while u < n && u <= t + SEASON_CYCLES * p {
            sum += d[u];
            k += 1.0;
            u += p;
        }
        *slot = sum / k;
    }
    let level = centred_ma(&s, p);
    s.iter().zip(&level).map(|(a, b)| a - b).collect()
}

/// Splits `y` into one seasonal component per period (in the order given)
/// and the remainder plus trend.
pub fn decompose(y: &[f64], periods: &[usize]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = y.len();
    let mut seasons = vec![vec![0.0; n]; periods.len()];
    for _ in 0..PASSES {
        for (k, &p) in periods.iter().enumerate() {
            let x: Vec<f64> = (0..n)
                .map(|t| {
                    y[t] - (0..periods.len())
                        .filter(|&j| j != k)
                        .map(|j| seasons[j][t])
                        .sum::<f64>()
                })
                .collect();
            let trend = centred_ma(&x, p);
            let d: Vec<f64> = x.iter().zip(&trend).map(|(a, b)| a - b).collect();
            seasons[k] = season_component(&d, p);
        }
    }
    let rest = (0..n)
        .map(|t| y[t] - seasons.iter().map(|s| s[t]).sum::<f64>())
        .collect();
    (seasons, rest)
}

impl Seasonal {
    /// Fits the model. Periods with fewer than two full cycles in `y` are
    /// left out (a season cannot be told from noise in one cycle).
    pub fn fit(y: &[f64], periods: &[usize]) -> Seasonal {
        let periods: Vec<usize> = periods
            .iter()
            .copied()
            .filter(|&p| p >= 2 && y.len() >= 2 * p)
            .collect();
        let (components, rest) = decompose(y, &periods);
        let n = y.len();
        let seasons = periods
            .iter()
            .zip(components)
            .map(|(&p, s)| (p, s[n - p..].to_vec()))
            .collect();
        Seasonal {
            seasons,
            trend: Ets::auto(&rest),
        }
    }

    /// Point forecast and interval: ETS on the deseasonalised series plus
    /// each season's last cycle, repeated.
    pub fn forecast(&self, horizon: usize, level: f64) -> Forecast {
        let mut f = self.trend.forecast(horizon, level);
        for i in 0..horizon {
            let s: f64 = self.seasons.iter().map(|(p, last)| last[i % p]).sum();
            f.point[i] += s;
            f.lower[i] += s;
            f.upper[i] += s;
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_seasons_and_a_trend() {
        let n = 24 * 7 * 4;
        let truth = |t: usize| {
            let tf = t as f64;
            100.0
                + 0.05 * tf
                + 10.0 * (2.0 * std::f64::consts::PI * tf / 24.0).sin()
                + 5.0 * (2.0 * std::f64::consts::PI * tf / 168.0).cos()
        };
        let y: Vec<f64> = (0..n).map(truth).collect();
        let f = Seasonal::fit(&y, &[24, 168]).forecast(48, 0.95);
        for (i, p) in f.point.iter().enumerate() {
            let want = truth(n + i);
            assert!((p - want).abs() < 1.0, "step {i}: {p} vs {want}");
        }
    }
}
