//! Season detection: which of the candidate periods (a day, a week, in
//! steps) a series really has, tested after detrending so that growth alone
//! does not read as a season.

use crate::mstl::{centred_ma, season_component};

/// Autocorrelation at `lag` a detrended series needs before its period is
/// taken as a season. 0.3 keeps weak but real daily cycles and rejects the
/// ~0 of noise; a pure trend, once removed, scores near 0.
pub const MIN_STRENGTH: f64 = 0.3;

fn acf(x: &[f64], lag: usize) -> f64 {
    let n = x.len();
    if lag >= n {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    if var <= 0.0 {
        return 0.0;
    }
    let cov: f64 = (lag..n).map(|t| (x[t] - mean) * (x[t - lag] - mean)).sum();
    cov / var
}

/// The candidates, shortest first, that the series shows at least two full
/// cycles of and whose autocorrelation after removing the trend (a moving
/// average over the period) and the seasons already accepted exceeds
/// `MIN_STRENGTH`. Removing the daily season before testing the weekly one
/// matters: 168 is a multiple of 24, so a daily cycle alone would otherwise
/// pass as a weekly one.
pub fn detect(y: &[f64], candidates: &[usize]) -> Vec<usize> {
    let mut periods: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&p| p >= 2 && y.len() >= 2 * p)
        .collect();
    periods.sort_unstable();
    periods.dedup();
    let mut x = y.to_vec();
    let mut found = Vec::new();
    for p in periods {
        let trend = centred_ma(&x, p);
        let d: Vec<f64> = x.iter().zip(&trend).map(|(a, b)| a - b).collect();
        if acf(&d, p) >= MIN_STRENGTH {
            let s = season_component(&d, p);
            for (v, s) in x.iter_mut().zip(s) {
                *v -= s;
            }
            found.push(p);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(t: usize) -> f64 {
        // A cheap deterministic hash, uniform in [-0.5, 0.5).
        let h = (t as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17);
        (h % 10_000) as f64 / 10_000.0 - 0.5
    }

    #[test]
    fn finds_daily_not_weekly_in_a_daily_cycle_with_growth() {
        let y: Vec<f64> = (0..24 * 28)
            .map(|t| {
                10.0 * t as f64
                    + 50.0 * (t as f64 * std::f64::consts::TAU / 24.0).sin()
                    + 5.0 * noise(t)
            })
            .collect();
        assert_eq!(detect(&y, &[24, 168]), vec![24]);
    }

    #[test]
    fn finds_both_when_weekdays_differ() {
        let y: Vec<f64> = (0..24 * 28)
            .map(|t| {
                let weekend = if (t / 24) % 7 >= 5 { -40.0 } else { 0.0 };
                100.0
                    + 30.0 * (t as f64 * std::f64::consts::TAU / 24.0).sin()
                    + weekend
                    + 3.0 * noise(t)
            })
            .collect();
        assert_eq!(detect(&y, &[24, 168]), vec![24, 168]);
    }

    #[test]
    fn trend_and_noise_have_no_season() {
        let y: Vec<f64> = (0..24 * 28)
            .map(|t| 0.5 * t as f64 + 10.0 * noise(t))
            .collect();
        assert!(detect(&y, &[24, 168]).is_empty());
    }
}
