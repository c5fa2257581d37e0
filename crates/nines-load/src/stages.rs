//! The open model's arrival plan: a rate over time, and the moment each
//! request is meant to leave.
//!
//! A plan is a list of stages, each ramping linearly from the rate the
//! previous one ended at to its own target (k6's ramping arrival rate).
//! A zero-length stage jumps, so steps are `0s:1000,30s:1000,0s:2000,30s:2000`.
//! Request `i` is meant to leave when the planned count reaches `i`: the
//! times are absolute, so a late send never shifts the ones after it.

use std::time::Duration;

use serde::Serialize;

/// One stage: ramp to `rate` (requests per second) over `duration`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stage {
    #[serde(with = "secs")]
    pub duration: Duration,
    pub rate: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StageError {
    #[error("stage {index} ({text:?}): {reason}; write DURATION:RATE, as in 30s:1000")]
    Bad {
        index: usize,
        text: String,
        reason: String,
    },
    #[error("the stages last 0s; give at least one a duration")]
    Empty,
}

/// Parses `30s:1000,60s:5000,30s:0`.
pub fn parse_stages(text: &str) -> Result<Vec<Stage>, StageError> {
    let mut out = Vec::new();
    for (i, part) in text.split(',').enumerate() {
        let bad = |reason: String| StageError::Bad {
            index: i + 1,
            text: part.to_string(),
            reason,
        };
        let (d, r) = part
            .trim()
            .split_once(':')
            .ok_or_else(|| bad("there is no ':'".into()))?;
        let duration = if d.trim() == "0" {
            Duration::ZERO
        } else {
            nines_slo::parse_duration(d.trim()).map_err(|e| bad(e.to_string()))?
        };
        let rate: f64 = r
            .trim()
            .parse()
            .map_err(|_| bad(format!("{r:?} is not a rate")))?;
        if !rate.is_finite() || rate < 0.0 {
            return Err(bad(format!("{r:?} is not a rate of 0 or more")));
        }
        out.push(Stage { duration, rate });
    }
    if out.iter().all(|s| s.duration.is_zero()) {
        return Err(StageError::Empty);
    }
    Ok(out)
}

/// The arrival plan: the stages, starting from `start_rate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub start_rate: f64,
    pub stages: Vec<Stage>,
}

impl Profile {
    /// `rate` requests per second for `duration`.
    pub fn constant(rate: f64, duration: Duration) -> Profile {
        Profile {
            start_rate: rate,
            stages: vec![Stage { duration, rate }],
        }
    }

    /// Stages ramping from 0, as k6 starts.
    pub fn ramps(stages: Vec<Stage>) -> Profile {
        Profile {
            start_rate: 0.0,
            stages,
        }
    }

    pub fn duration(&self) -> Duration {
        self.stages.iter().map(|s| s.duration).sum()
    }

    /// Each stage as (start time, length in s, rate at start, rate at end).
    fn segments(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        let mut t = 0.0;
        let mut r = self.start_rate;
        self.stages.iter().map(move |s| {
            let seg = (t, s.duration.as_secs_f64(), r, s.rate);
            t += seg.1;
            r = s.rate;
            seg
        })
    }

    /// The planned rate at `t`.
    pub fn rate_at(&self, t: Duration) -> f64 {
        let t = t.as_secs_f64();
        let mut last = self.start_rate;
        for (t0, len, r0, r1) in self.segments() {
            if t < t0 + len {
                return r0 + (r1 - r0) * (t - t0) / len;
            }
            last = r1;
        }
        last
    }

    /// Requests planned in `[0, t)`: the integral of the rate.
    pub fn planned_by(&self, t: Duration) -> f64 {
        let t = t.as_secs_f64();
        let mut n = 0.0;
        for (t0, len, r0, r1) in self.segments() {
            if t <= t0 {
                break;
            }
            let dt = (t - t0).min(len);
            n += if len > 0.0 {
                r0 * dt + (r1 - r0) * dt * dt / (2.0 * len)
            } else {
                0.0
            };
        }
        n
    }

    /// When request `i` (from 0) is meant to leave; `None` when the plan
    /// ends before it.
    pub fn intended(&self, i: u64) -> Option<Duration> {
        let mut left = i as f64;
        for (t0, len, r0, r1) in self.segments() {
            let in_stage = (r0 + r1) / 2.0 * len;
            if left < in_stage {
                // Solve r0·t + a·t² = left with a = (r1-r0)/(2·len), in the
                // form that stays accurate when a is tiny or zero.
                let a = (r1 - r0) / (2.0 * len);
                let disc = (r0 * r0 + 4.0 * a * left).max(0.0);
                let dt = if left == 0.0 {
                    // Ramps from 0 would divide 0 by 0.
                    0.0
                } else {
                    2.0 * left / (r0 + disc.sqrt())
                };
                return Some(Duration::from_secs_f64(t0 + dt.clamp(0.0, len)));
            }
            left -= in_stage;
        }
        None
    }
}

mod secs {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_k6_style_stages() {
        let s = parse_stages("30s:1000, 60s:5000,30s:0").unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].duration, Duration::from_secs(60));
        assert_eq!(s[1].rate, 5000.0);
        assert!(matches!(
            parse_stages("30s"),
            Err(StageError::Bad { index: 1, .. })
        ));
        assert!(matches!(
            parse_stages("30s:10,x:5"),
            Err(StageError::Bad { index: 2, .. })
        ));
        assert!(parse_stages("30s:-1").is_err());
        assert_eq!(parse_stages("0:10"), Err(StageError::Empty));
    }

    #[test]
    fn constant_rate_spaces_requests_evenly() {
        let p = Profile::constant(1000.0, Duration::from_secs(2));
        assert_eq!(p.intended(0), Some(Duration::ZERO));
        assert_eq!(p.intended(500), Some(Duration::from_millis(500)));
        assert_eq!(p.intended(1999), Some(Duration::from_micros(1_999_000)));
        assert_eq!(p.intended(2000), None);
    }

    #[test]
    fn a_ramp_sends_fewer_early_than_late() {
        let p = Profile::ramps(vec![Stage {
            duration: Duration::from_secs(10),
            rate: 100.0,
        }]);
        // 0 -> 100/s over 10s plans 500 requests, 125 in the first 5s.
        assert!((p.planned_by(Duration::from_secs(10)) - 500.0).abs() < 1e-9);
        assert!((p.planned_by(Duration::from_secs(5)) - 125.0).abs() < 1e-9);
        let t = p.intended(125).unwrap().as_secs_f64();
        assert!((t - 5.0).abs() < 1e-6, "{t}");
    }

    fn profile() -> impl Strategy<Value = Profile> {
        (
            0.0f64..2000.0,
            prop::collection::vec((0u64..5000, 0.0f64..2000.0), 1..5),
        )
            .prop_map(|(start_rate, st)| Profile {
                start_rate,
                stages: st
                    .into_iter()
                    .map(|(ms, rate)| Stage {
                        duration: Duration::from_millis(ms),
                        rate,
                    })
                    .collect(),
            })
    }

    proptest! {
        // Times never go backwards, stay inside the plan, and request i
        // leaves when the planned count reaches i.
        #[test]
        fn intended_times_invert_the_planned_count(p in profile(), i in 0u64..20_000) {
            let end = p.duration();
            match p.intended(i) {
                Some(t) => {
                    prop_assert!(t <= end);
                    let n = p.planned_by(t);
                    prop_assert!((n - i as f64).abs() < 1e-3 * (1.0 + i as f64), "n {n} i {i}");
                    if let Some(t1) = p.intended(i + 1) {
                        prop_assert!(t1 >= t);
                    }
                }
                None => prop_assert!(p.planned_by(end) <= i as f64 + 1e-6),
            }
        }

        #[test]
        fn planned_count_grows_with_time(p in profile(), a in 0u64..6000, b in 0u64..6000) {
            let (a, b) = (a.min(b), a.max(b));
            prop_assert!(p.planned_by(Duration::from_millis(a)) <= p.planned_by(Duration::from_millis(b)) + 1e-9);
        }
    }
}
