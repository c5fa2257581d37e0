//! The standard normal quantile, for turning a coverage level (0.95) into
//! the half-width of a prediction interval in standard deviations (1.96).

/// z such that P(Z <= z) = p for a standard normal Z (Acklam's rational
/// approximation, relative error below 1.2e-9: far finer than any forecast
/// interval needs). `p` is clamped into (0, 1).
pub fn quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -quantile(1.0 - p)
    }
}

/// Half-width multiplier of a two-sided interval with coverage `level`.
pub fn two_sided(level: f64) -> f64 {
    quantile(0.5 + level.clamp(0.0, 0.999_999) / 2.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_quantiles() {
        assert!((super::two_sided(0.95) - 1.959_964).abs() < 1e-5);
        assert!((super::two_sided(0.80) - 1.281_552).abs() < 1e-5);
        assert!((super::quantile(0.01) + 2.326_348).abs() < 1e-5);
        assert!(super::quantile(0.5).abs() < 1e-12);
    }
}
