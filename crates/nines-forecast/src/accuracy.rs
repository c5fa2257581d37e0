//! The M4 competition's yardsticks: sMAPE, MASE and OWA, with the two
//! benchmarks OWA is read against (seasonal naive, and Naive2: naive on the
//! series deseasonalised by classical multiplicative decomposition when a
//! 90% autocorrelation test finds the season), as the M4 organisers' R code
//! computes them.

/// Symmetric MAPE in percent: mean of 200 |y - f| / (|y| + |f|).
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    let n = actual.len().min(forecast.len());
    let sum: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| {
            let d = a.abs() + f.abs();
            if d == 0.0 {
                0.0
            } else {
                200.0 * (a - f).abs() / d
            }
        })
        .sum();
    sum / n as f64
}

/// Mean absolute scaled error: the forecast's mean absolute error over the
/// in-sample mean absolute seasonal difference (period `m`) of `train`.
pub fn mase(train: &[f64], actual: &[f64], forecast: &[f64], m: usize) -> f64 {
    let scale: f64 = (m..train.len())
        .map(|t| (train[t] - train[t - m]).abs())
        .sum::<f64>()
        / (train.len() - m) as f64;
    let n = actual.len().min(forecast.len());
    let mae: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum::<f64>()
        / n as f64;
    mae / scale
}

/// Overall weighted average: the mean of sMAPE and MASE each relative to
/// Naive2's, both averaged over the whole set first.
pub fn owa(smape: f64, mase: f64, naive2_smape: f64, naive2_mase: f64) -> f64 {
    (smape / naive2_smape + mase / naive2_mase) / 2.0
}

/// Repeats the last cycle of period `m`.
pub fn seasonal_naive(train: &[f64], horizon: usize, m: usize) -> Vec<f64> {
    let n = train.len();
    (0..horizon).map(|i| train[n - m + i % m]).collect()
}

/// Autocorrelations at lags 1..=max_lag, normalised by n as R's `acf`.
fn acf(x: &[f64], max_lag: usize) -> Vec<f64> {
    let n = x.len();
    let mean = x.iter().sum::<f64>() / n as f64;
    let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    (1..=max_lag)
        .map(|k| {
            (k..n)
                .map(|t| (x[t] - mean) * (x[t - k] - mean))
                .sum::<f64>()
                / var
        })
        .collect()
}

/// M4's `SeasonalityTest`: |acf(m)| above its 90% one-sided limit.
pub fn is_seasonal(x: &[f64], m: usize) -> bool {
    if x.len() < 3 * m {
        return false;
    }
    let r = acf(x, m);
    let sum_sq: f64 = r[..m - 1].iter().map(|v| v * v).sum();
    let limit = 1.645 / (x.len() as f64).sqrt() * (1.0 + 2.0 * sum_sq).sqrt();
    r[m - 1].abs() > limit
}

/// Seasonal indices of R's `decompose(type = "multiplicative")`, by phase
/// `t % m` counted from the first point.
fn multiplicative_indices(x: &[f64], m: usize) -> Vec<f64> {
    let n = x.len();
    let half = m / 2;
    let (mut sums, mut counts) = (vec![0.0; m], vec![0.0; m]);
    for t in half..n - half {
        let trend = if m.is_multiple_of(2) {
            (x[t + 1 - half..t + half].iter().sum::<f64>() + 0.5 * (x[t - half] + x[t + half]))
                / m as f64
        } else {
            x[t - half..=t + half].iter().sum::<f64>() / m as f64
        };
        sums[t % m] += x[t] / trend;
        counts[t % m] += 1.0;
    }
    let figure: Vec<f64> = sums.iter().zip(&counts).map(|(s, c)| s / c).collect();
    let mean = figure.iter().sum::<f64>() / m as f64;
    figure.iter().map(|f| f / mean).collect()
}

/// M4's Naive2 benchmark.
pub fn naive2(train: &[f64], horizon: usize, m: usize) -> Vec<f64> {
    let n = train.len();
    if !is_seasonal(train, m) {
        return vec![train[n - 1]; horizon];
    }
    let idx = multiplicative_indices(train, m);
    let last = train[n - 1] / idx[(n - 1) % m];
    (0..horizon).map(|i| last * idx[(n + i) % m]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_forecast_scores_zero() {
        let y = |t: usize| (t % 24) as f64 + 0.1 * t as f64 + 1.0;
        let train: Vec<f64> = (0..100).map(y).collect();
        let actual: Vec<f64> = (100..148).map(y).collect();
        let f = actual.clone();
        assert_eq!(smape(&actual, &f), 0.0);
        assert_eq!(mase(&train, &actual, &f, 24), 0.0);
    }

    #[test]
    fn smape_of_double_is_two_thirds_of_200() {
        assert!((smape(&[1.0, 2.0], &[2.0, 4.0]) - 200.0 / 3.0).abs() < 1e-12);
    }
}
