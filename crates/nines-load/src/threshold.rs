//! Pass/fail thresholds for CI: `p99<300ms,p999<1s,errors<0.1%,rate>=4900`.
//!
//! Latency thresholds read the run's HDR histogram, `errors` the share of
//! requests that failed (transport errors and statuses of 400 or more),
//! `rate` the responses per second over the measured window. Each verdict
//! says by how much it held or missed, for the line CI prints.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// What a threshold is about.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "metric", content = "percentile")]
pub enum Metric {
    /// A latency percentile, 0–100 (`p99` is 99, `p999` 99.9).
    Percentile(f64),
    Mean,
    Max,
    /// The failed share of requests, 0–1.
    Errors,
    /// Responses per second.
    Rate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Op {
    fn holds(self, actual: f64, limit: f64) -> bool {
        match self {
            Op::Lt => actual < limit,
            Op::Le => actual <= limit,
            Op::Gt => actual > limit,
            Op::Ge => actual >= limit,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// One threshold. `limit` is in seconds for latency, a ratio for errors,
/// requests per second for rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    pub text: String,
    #[serde(flatten)]
    pub metric: Metric,
    pub op: Op,
    pub limit: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("threshold {text:?}: {reason}")]
pub struct ThresholdError {
    pub text: String,
    pub reason: String,
}

const HELP: &str =
    "write METRIC OP VALUE, as in p99<300ms, p999<1s, mean<50ms, max<2s, errors<0.1%, rate>=4900";

/// Parses a comma-separated list of thresholds.
pub fn parse_thresholds(text: &str) -> Result<Vec<Threshold>, ThresholdError> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| parse_one(p.trim()))
        .collect()
}

fn parse_one(text: &str) -> Result<Threshold, ThresholdError> {
    let err = |reason: String| ThresholdError {
        text: text.to_string(),
        reason,
    };
    let at = text
        .find(['<', '>'])
        .ok_or_else(|| err(format!("there is no < or >; {HELP}")))?;
    let (name, rest) = text.split_at(at);
    let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = rest.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Op::Lt, v)
    } else {
        (Op::Gt, &rest[1..])
    };
    let (name, value) = (name.trim(), value.trim());
    let metric = match name {
        "mean" | "avg" => Metric::Mean,
        "max" => Metric::Max,
        "errors" | "error_rate" => Metric::Errors,
        "rate" => Metric::Rate,
        p if p.starts_with('p') => Metric::Percentile(
            percentile(&p[1..]).ok_or_else(|| err(format!("{p:?} is not a percentile; {HELP}")))?,
        ),
        other => return Err(err(format!("{other:?} is not a metric; {HELP}"))),
    };
    let limit = match metric {
        Metric::Percentile(_) | Metric::Mean | Metric::Max => latency(value).ok_or_else(|| {
            err(format!(
                "{value:?} is not a duration (300ms, 1s, 1.5s, 250us)"
            ))
        })?,
        Metric::Errors => {
            let (n, scale) = match value.strip_suffix('%') {
                Some(n) => (n, 0.01),
                None => (value, 1.0),
            };
            let v: f64 = n
                .trim()
                .parse()
                .map_err(|_| err(format!("{value:?} is not a share (0.1% or 0.001)")))?;
            v * scale
        }
        Metric::Rate => value
            .strip_suffix("/s")
            .unwrap_or(value)
            .parse()
            .map_err(|_| err(format!("{value:?} is not a rate (4900 or 4900/s)")))?,
    };
    if !limit.is_finite() || limit < 0.0 {
        return Err(err(format!("{value:?} must be 0 or more")));
    }
    Ok(Threshold {
        text: text.to_string(),
        metric,
        op,
        limit,
    })
}

/// `99` is 99, `999` is 99.9, `9999` 99.99, `99.9` itself, `50` 50.
fn percentile(digits: &str) -> Option<f64> {
    let p = if digits.contains('.') {
        digits.parse().ok()?
    } else if digits.len() > 2 && digits.starts_with("99") {
        format!("{}.{}", &digits[..2], &digits[2..]).parse().ok()?
    } else {
        digits.parse().ok()?
    };
    (0.0..=100.0).contains(&p).then_some(p)
}

/// A latency in seconds: `300ms`, `1s`, `1.5s`, `250us`, `2m`.
pub fn latency(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic() || c == 'µ')?;
    let (n, unit) = text.split_at(split);
    let n: f64 = n.trim().parse().ok()?;
    let scale = match unit {
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        _ => return None,
    };
    Some(n * scale)
}

/// What thresholds are checked against.
pub trait Figures {
    fn latency_at(&self, percentile: f64) -> Duration;
    fn mean(&self) -> Duration;
    fn max(&self) -> Duration;
    fn error_ratio(&self) -> f64;
    fn rate(&self) -> f64;
}

/// A threshold's outcome on one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub threshold: Threshold,
    pub actual: f64,
    pub pass: bool,
}

impl Threshold {
    pub fn check(&self, f: &impl Figures) -> Verdict {
        let actual = match self.metric {
            Metric::Percentile(p) => f.latency_at(p).as_secs_f64(),
            Metric::Mean => f.mean().as_secs_f64(),
            Metric::Max => f.max().as_secs_f64(),
            Metric::Errors => f.error_ratio(),
            Metric::Rate => f.rate(),
        };
        // Latencies compare in whole nanoseconds: `2171ms` parsed as
        // 2171 × 1e-3 s and a 2,171 ms figure differ in the last bit.
        let pass = match self.metric {
            Metric::Percentile(_) | Metric::Mean | Metric::Max => self
                .op
                .holds((actual * 1e9).round(), (self.limit * 1e9).round()),
            Metric::Errors | Metric::Rate => self.op.holds(actual, self.limit),
        };
        Verdict {
            threshold: self.clone(),
            actual,
            pass,
        }
    }

    fn name(&self) -> String {
        match self.metric {
            Metric::Percentile(p) => format!("p{p}"),
            Metric::Mean => "mean".into(),
            Metric::Max => "max".into(),
            Metric::Errors => "errors".into(),
            Metric::Rate => "rate".into(),
        }
    }

    fn show(&self, v: f64) -> String {
        match self.metric {
            Metric::Errors => format!("{}%", trim(v * 100.0)),
            Metric::Rate => format!("{}/s", trim(v)),
            _ => crate::render::duration(Duration::from_secs_f64(v)),
        }
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `FAIL p99 412ms, 112ms over the limit 300ms`, or `ok p99 212ms (< 300ms)`.
impl fmt::Display for Verdict {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.threshold;
        let name = t.name();
        let (actual, limit) = (t.show(self.actual), t.show(t.limit));
        if self.pass {
            return write!(out, "ok   {name} = {actual} ({} {limit})", t.op.symbol());
        }
        let by = t.show((self.actual - t.limit).abs());
        let side = match t.op {
            Op::Lt | Op::Le => "over",
            Op::Gt | Op::Ge => "under",
        };
        write!(
            out,
            "FAIL {name} = {actual}, {by} {side} the limit ({} {limit})",
            t.op.symbol()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Fake {
        p: Duration,
        errors: f64,
        rate: f64,
    }
    impl Figures for Fake {
        fn latency_at(&self, _: f64) -> Duration {
            self.p
        }
        fn mean(&self) -> Duration {
            self.p
        }
        fn max(&self) -> Duration {
            self.p
        }
        fn error_ratio(&self) -> f64 {
            self.errors
        }
        fn rate(&self) -> f64 {
            self.rate
        }
    }

    #[test]
    fn parses_the_issue_example() {
        let t = parse_thresholds("p99<300ms,p999<1s,errors<0.1%,rate>=4900").unwrap();
        assert_eq!(t[0].metric, Metric::Percentile(99.0));
        assert!((t[0].limit - 0.3).abs() < 1e-12);
        assert_eq!(t[1].metric, Metric::Percentile(99.9));
        assert_eq!(t[1].limit, 1.0);
        assert_eq!(t[2].metric, Metric::Errors);
        assert!((t[2].limit - 0.001).abs() < 1e-12);
        assert_eq!(
            (t[3].metric, t[3].op, t[3].limit),
            (Metric::Rate, Op::Ge, 4900.0)
        );
        assert_eq!(parse_one("p50 <= 20ms").unwrap().op, Op::Le);
        assert_eq!(
            parse_one("p99.99<1s").unwrap().metric,
            Metric::Percentile(99.99)
        );
    }

    #[test]
    fn bad_thresholds_say_what_to_write() {
        for bad in [
            "p99",
            "p99<fast",
            "q99<1s",
            "p101<1s",
            "errors<lots",
            "rate>=-3",
        ] {
            let e = parse_thresholds(bad).unwrap_err();
            assert!(
                e.to_string()
                    .contains(bad.split(['<', '>']).next().unwrap()),
                "{e}"
            );
        }
    }

    #[test]
    fn verdicts_say_which_failed_and_by_how_much() {
        let f = Fake {
            p: Duration::from_millis(412),
            errors: 0.0005,
            rate: 4800.0,
        };
        let v: Vec<String> = parse_thresholds("p99<300ms,errors<0.1%,rate>=4900")
            .unwrap()
            .iter()
            .map(|t| t.check(&f).to_string())
            .collect();
        assert_eq!(
            v,
            [
                "FAIL p99 = 412ms, 112ms over the limit (< 300ms)",
                "ok   errors = 0.05% (< 0.1%)",
                "FAIL rate = 4800/s, 100/s under the limit (>= 4900/s)",
            ]
        );
    }

    proptest! {
        // A latency threshold passes exactly when the figure is below it.
        #[test]
        fn latency_threshold_matches_comparison(ms in 0u64..5000, limit in 1u64..5000) {
            let t = parse_one(&format!("p99<{limit}ms")).unwrap();
            let f = Fake { p: Duration::from_millis(ms), errors: 0.0, rate: 0.0 };
            prop_assert_eq!(t.check(&f).pass, ms < limit);
        }

        #[test]
        fn parser_never_panics(s in ".{0,20}") {
            let _ = parse_thresholds(&s);
        }
    }
}
