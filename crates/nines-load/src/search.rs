//! `--find-max`: the highest arrival rate that meets the thresholds.
//!
//! A stepped search, pure: ramp the rate by a factor while steps pass,
//! then bisect between the highest pass and the lowest failure until they
//! are within the precision. A step where the generator could not keep
//! the rate ends the search: past it, a failure would say more about this
//! machine than about the service.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchConfig {
    pub start_rate: f64,
    /// Each ramp step multiplies the rate by this (more than 1).
    pub factor: f64,
    pub max_rate: Option<f64>,
    /// Stop bisecting when (fail - pass) / pass is at most this.
    pub precision: f64,
    pub max_steps: usize,
}

impl Default for SearchConfig {
    fn default() -> SearchConfig {
        SearchConfig {
            start_rate: 100.0,
            factor: 2.0,
            max_rate: None,
            precision: 0.05,
            max_steps: 20,
        }
    }
}

/// One step tried, with the figures the table shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub rate: f64,
    pub pass: bool,
    /// The generator sent at (within 1% of) the asked rate.
    pub kept_rate: bool,
    pub achieved_rate: f64,
    pub p99_us: u64,
    pub error_ratio: f64,
    /// The thresholds that failed, as their verdict lines.
    pub failed: Vec<String>,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "next")]
pub enum Next {
    Try { rate: f64 },
    Done { knee: Option<f64>, reason: Reason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The pass and the failure around the knee are within the precision.
    Converged,
    /// Every step up to --max-rate passed.
    MaxRatePassed,
    /// The first step already failed: lower --start-rate.
    StartFailed,
    /// The generator could not keep a step's rate.
    GeneratorLimit,
    StepLimit,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Search {
    pub config: SearchConfig,
    pub steps: Vec<Step>,
}

impl Search {
    pub fn new(config: SearchConfig) -> Search {
        Search {
            config,
            steps: Vec::new(),
        }
    }

    pub fn record(&mut self, step: Step) {
        self.steps.push(step);
    }

    /// The highest passing rate below every failure.
    pub fn knee(&self) -> Option<f64> {
        let lowest_fail = self.lowest_fail();
        self.steps
            .iter()
            .filter(|s| s.pass && lowest_fail.is_none_or(|f| s.rate < f))
            .map(|s| s.rate)
            .reduce(f64::max)
    }

    fn lowest_fail(&self) -> Option<f64> {
        self.steps
            .iter()
            .filter(|s| !s.pass)
            .map(|s| s.rate)
            .reduce(f64::min)
    }

    pub fn next(&self) -> Next {
        let c = &self.config;
        let Some(last) = self.steps.last() else {
            return Next::Try {
                rate: cap(c.start_rate, c.max_rate),
            };
        };
        let done = |reason| Next::Done {
            knee: self.knee(),
            reason,
        };
        if !last.kept_rate {
            return done(Reason::GeneratorLimit);
        }
        if self.steps.len() >= c.max_steps {
            return done(Reason::StepLimit);
        }
        let Some(fail) = self.lowest_fail() else {
            // Still ramping.
            if c.max_rate.is_some_and(|m| last.rate >= m) {
                return done(Reason::MaxRatePassed);
            }
            return Next::Try {
                rate: cap(last.rate * c.factor.max(1.01), c.max_rate),
            };
        };
        let Some(pass) = self.knee() else {
            return done(Reason::StartFailed);
        };
        if (fail - pass) / pass <= c.precision {
            return done(Reason::Converged);
        }
        Next::Try {
            rate: ((pass + fail) / 2.0).round().max(1.0),
        }
    }
}

fn cap(rate: f64, max: Option<f64>) -> f64 {
    max.map_or(rate, |m| rate.min(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn step(rate: f64, pass: bool) -> Step {
        Step {
            rate,
            pass,
            kept_rate: true,
            achieved_rate: rate,
            p99_us: 0,
            error_ratio: 0.0,
            failed: vec![],
        }
    }

    /// Runs the search against a service that passes below `capacity`.
    fn search(config: SearchConfig, capacity: f64) -> Search {
        let mut s = Search::new(config);
        for _ in 0..100 {
            match s.next() {
                Next::Try { rate } => s.record(step(rate, rate <= capacity)),
                Next::Done { .. } => break,
            }
        }
        s
    }

    #[test]
    fn ramps_then_bisects_to_the_knee() {
        let s = search(SearchConfig::default(), 1000.0);
        let rates: Vec<f64> = s.steps.iter().map(|s| s.rate).collect();
        assert_eq!(&rates[..5], [100.0, 200.0, 400.0, 800.0, 1600.0]);
        assert_eq!(rates[5], 1200.0);
        assert!(matches!(
            s.next(),
            Next::Done {
                reason: Reason::Converged,
                ..
            }
        ));
        let knee = s.knee().unwrap();
        assert!((1000.0 / 1.05..=1000.0).contains(&knee), "{knee}");
    }

    #[test]
    fn stops_when_the_generator_falls_behind() {
        let mut s = Search::new(SearchConfig::default());
        s.record(step(100.0, true));
        s.record(Step {
            kept_rate: false,
            ..step(200.0, false)
        });
        assert_eq!(
            s.next(),
            Next::Done {
                knee: Some(100.0),
                reason: Reason::GeneratorLimit
            }
        );
    }

    #[test]
    fn a_failing_start_and_a_passing_max_end_the_search() {
        let s = search(SearchConfig::default(), 50.0);
        assert_eq!(
            s.next(),
            Next::Done {
                knee: None,
                reason: Reason::StartFailed
            }
        );
        let s = search(
            SearchConfig {
                max_rate: Some(500.0),
                ..SearchConfig::default()
            },
            1e9,
        );
        assert_eq!(s.steps.last().unwrap().rate, 500.0);
        assert_eq!(
            s.next(),
            Next::Done {
                knee: Some(500.0),
                reason: Reason::MaxRatePassed
            }
        );
    }

    proptest! {
        // For any capacity within reach, the knee passes, sits within the
        // precision of the capacity, and the search stays within its steps.
        #[test]
        fn converges_near_any_capacity(capacity in 100.0f64..1e6, precision in 0.01f64..0.2) {
            let config = SearchConfig { precision, max_steps: 60, ..SearchConfig::default() };
            let s = search(config, capacity);
            prop_assert!(s.steps.len() <= 60);
            let knee = s.knee().unwrap();
            prop_assert!(knee <= capacity);
            prop_assert!(knee >= capacity / (1.0 + precision) - 1.0, "knee {} capacity {}", knee, capacity);
        }
    }
}
