//! What a run measured: each request recorded into a shard, the shards
//! merged into a `Summary` with the figures a person and CI read.
//!
//! Latency is from the request's intended send time (open model) or its
//! send (closed model) to the end of its response body, in microseconds,
//! in an HDR histogram from 1 µs to 1 h at 3 significant digits. Only
//! requests intended inside the measured window count (warm-up is left
//! out). Responses and timeouts are in the histogram; other transport
//! errors (refused, reset) end too early to say anything about latency.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

/// Sends that leave this long after their intended time count as late.
pub const LATE: Duration = Duration::from_millis(10);

const HIGHEST_US: u64 = 3_600_000_000;

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("static bounds are valid")
}

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The TCP connection could not be made.
    Connect,
    /// No full response within the request timeout.
    Timeout,
    /// The server closed or reset the connection mid-request.
    Reset,
    /// The TLS handshake failed.
    Tls,
    /// Anything else (a malformed response, an HTTP/2 protocol error).
    Protocol,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::Tls => "tls",
            ErrorKind::Protocol => "protocol",
        }
    }
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Response { status: u16, bytes: u64 },
    Error(ErrorKind),
}

/// One request, as the worker saw it.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub intended: Instant,
    pub sent: Instant,
    pub done: Instant,
    pub outcome: Outcome,
}

/// The measured window: requests intended in `[start, end)` count.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Window {
    fn holds(&self, t: Instant) -> bool {
        t >= self.start && t < self.end
    }
}

/// The counts of the second being recorded, for the live view and series.
#[derive(Debug, Clone)]
pub struct Live {
    pub latency: Histogram<u64>,
    pub sent: u64,
    pub responses: u64,
    pub errors: u64,
}

impl Live {
    fn new() -> Live {
        Live {
            latency: histogram(),
            sent: 0,
            responses: 0,
            errors: 0,
        }
    }
}

/// A part of the results, written by a few workers under one lock.
#[derive(Debug, Clone)]
pub struct Shard {
    pub latency: Histogram<u64>,
    pub lag: Histogram<u64>,
    pub requests: u64,
    pub sent_in_window: u64,
    pub responses_in_window: u64,
    pub errors: u64,
    pub late: u64,
    pub bytes: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub error_kinds: BTreeMap<ErrorKind, u64>,
    pub live: Live,
}

impl Default for Shard {
    fn default() -> Shard {
        Shard::new()
    }
}

fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).clamp(1, HIGHEST_US)
}

impl Shard {
    pub fn new() -> Shard {
        Shard {
            latency: histogram(),
            lag: histogram(),
            requests: 0,
            sent_in_window: 0,
            responses_in_window: 0,
            errors: 0,
            late: 0,
            bytes: 0,
            statuses: BTreeMap::new(),
            error_kinds: BTreeMap::new(),
            live: Live::new(),
        }
    }

    pub fn record(&mut self, s: &Sample, window: &Window) {
        let latency = s.done.saturating_duration_since(s.intended);
        let failed = match s.outcome {
            Outcome::Response { status, .. } => status >= 400,
            Outcome::Error(_) => true,
        };
        let timed = matches!(
            s.outcome,
            Outcome::Response { .. } | Outcome::Error(ErrorKind::Timeout)
        );
        // The live view sees every request, warm-up included.
        self.live.sent += 1;
        if matches!(s.outcome, Outcome::Response { .. }) {
            self.live.responses += 1;
        }
        if failed {
            self.live.errors += 1;
        }
        if timed {
            let _ = self.live.latency.record(micros(latency));
        }
        if window.holds(s.sent) {
            self.sent_in_window += 1;
            if matches!(s.outcome, Outcome::Response { .. }) && window.holds(s.done) {
                self.responses_in_window += 1;
            }
        }
        if !window.holds(s.intended) {
            return;
        }
        self.requests += 1;
        let lag = s.sent.saturating_duration_since(s.intended);
        let _ = self.lag.record(micros(lag));
        if lag > LATE {
            self.late += 1;
        }
        if timed {
            let _ = self.latency.record(micros(latency));
        }
        if failed {
            self.errors += 1;
        }
        match s.outcome {
            Outcome::Response { status, bytes } => {
                *self.statuses.entry(status).or_default() += 1;
                self.bytes += bytes;
            }
            Outcome::Error(kind) => *self.error_kinds.entry(kind).or_default() += 1,
        }
    }

    /// Takes the second's live counts, leaving fresh ones.
    pub fn take_live(&mut self) -> Live {
        std::mem::replace(&mut self.live, Live::new())
    }

    pub fn merge(&mut self, o: &Shard) {
        let _ = self.latency.add(&o.latency);
        let _ = self.lag.add(&o.lag);
        self.requests += o.requests;
        self.sent_in_window += o.sent_in_window;
        self.responses_in_window += o.responses_in_window;
        self.errors += o.errors;
        self.late += o.late;
        self.bytes += o.bytes;
        for (k, v) in &o.statuses {
            *self.statuses.entry(*k).or_default() += v;
        }
        for (k, v) in &o.error_kinds {
            *self.error_kinds.entry(*k).or_default() += v;
        }
    }
}

/// One second of the run, as the live view showed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Second {
    /// Seconds since the start, the end of this second.
    pub at: u64,
    pub warmup: bool,
    pub sent: u64,
    pub responses: u64,
    pub errors: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl Second {
    pub fn of(at: u64, warmup: bool, live: &[Live]) -> Second {
        let mut h = histogram();
        let (mut sent, mut responses, mut errors) = (0, 0, 0);
        for l in live {
            let _ = h.add(&l.latency);
            sent += l.sent;
            responses += l.responses;
            errors += l.errors;
        }
        Second {
            at,
            warmup,
            sent,
            responses,
            errors,
            p50_us: h.value_at_quantile(0.5),
            p99_us: h.value_at_quantile(0.99),
            max_us: h.max(),
        }
    }
}

/// Latency figures in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Latency {
    pub min_us: u64,
    pub mean_us: f64,
    pub stdev_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

impl Latency {
    fn of(h: &Histogram<u64>) -> Latency {
        Latency {
            min_us: h.min(),
            mean_us: h.mean(),
            stdev_us: h.stdev(),
            p50_us: h.value_at_quantile(0.5),
            p90_us: h.value_at_quantile(0.9),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
        }
    }
}

/// Every figure of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub model: &'static str,
    pub window_secs: f64,
    /// The planned mean rate over the window (open model).
    pub target_rate: Option<f64>,
    /// Requests that left inside the window, per second.
    pub achieved_rate: f64,
    /// Responses that arrived inside the window, per second.
    pub throughput: f64,
    pub requests: u64,
    pub errors: u64,
    pub error_ratio: f64,
    pub statuses: BTreeMap<u16, u64>,
    pub error_kinds: BTreeMap<ErrorKind, u64>,
    pub bytes: u64,
    pub latency: Latency,
    /// Send time minus intended time: how far the generator lagged.
    pub send_lag: Latency,
    /// Requests that left more than 10 ms after their intended time.
    pub late: u64,
    /// Planned requests never sent (the run stopped before it could).
    pub not_sent: u64,
    /// (percentile, microseconds), HdrHistogram's quantile iteration.
    pub spectrum: Vec<(f64, u64)>,
    pub series: Vec<Second>,
    #[serde(skip)]
    pub histogram: Histogram<u64>,
}

impl Summary {
    pub fn new(
        model: &'static str,
        total: &Shard,
        window: Duration,
        target_rate: Option<f64>,
        not_sent: u64,
        series: Vec<Second>,
    ) -> Summary {
        let secs = window.as_secs_f64().max(1e-9);
        let h = &total.latency;
        let spectrum = if h.is_empty() {
            Vec::new()
        } else {
            h.iter_quantiles(1)
                .map(|v| (v.quantile_iterated_to() * 100.0, v.value_iterated_to()))
                .collect()
        };
        Summary {
            model,
            window_secs: window.as_secs_f64(),
            target_rate,
            achieved_rate: total.sent_in_window as f64 / secs,
            throughput: total.responses_in_window as f64 / secs,
            requests: total.requests,
            errors: total.errors,
            error_ratio: if total.requests == 0 {
                0.0
            } else {
                total.errors as f64 / total.requests as f64
            },
            statuses: total.statuses.clone(),
            error_kinds: total.error_kinds.clone(),
            bytes: total.bytes,
            latency: Latency::of(h),
            send_lag: Latency::of(&total.lag),
            late: total.late,
            not_sent,
            spectrum,
            series,
            histogram: h.clone(),
        }
    }

    /// Whether the generator kept the asked rate (within 1%).
    pub fn kept_rate(&self) -> bool {
        self.target_rate
            .is_none_or(|t| self.achieved_rate >= 0.99 * t && self.not_sent == 0)
    }
}

impl crate::threshold::Figures for Summary {
    fn latency_at(&self, percentile: f64) -> Duration {
        Duration::from_micros(self.histogram.value_at_quantile(percentile / 100.0))
    }
    fn mean(&self) -> Duration {
        Duration::from_secs_f64(self.histogram.mean() / 1e6)
    }
    fn max(&self) -> Duration {
        Duration::from_micros(self.histogram.max())
    }
    fn error_ratio(&self) -> f64 {
        self.error_ratio
    }
    fn rate(&self) -> f64 {
        self.throughput
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn latency_counts_from_the_intended_time_and_warmup_is_left_out() {
        let t0 = Instant::now();
        let window = Window {
            start: t0 + ms(1000),
            end: t0 + ms(3000),
        };
        let mut s = Shard::new();
        let ok = Outcome::Response {
            status: 200,
            bytes: 10,
        };
        // Warm-up: not counted.
        s.record(
            &Sample {
                intended: t0,
                sent: t0,
                done: t0 + ms(5),
                outcome: ok,
            },
            &window,
        );
        // Meant at 1.0s, sent 400ms late (the connections were stuck), done 10ms later.
        s.record(
            &Sample {
                intended: t0 + ms(1000),
                sent: t0 + ms(1400),
                done: t0 + ms(1410),
                outcome: ok,
            },
            &window,
        );
        s.record(
            &Sample {
                intended: t0 + ms(2000),
                sent: t0 + ms(2000),
                done: t0 + ms(2001),
                outcome: Outcome::Error(ErrorKind::Reset),
            },
            &window,
        );
        let sum = Summary::new("open", &s, ms(2000), Some(1.0), 0, vec![]);
        assert_eq!(sum.requests, 2);
        assert_eq!(sum.errors, 1);
        assert_eq!(sum.error_ratio, 0.5);
        assert_eq!(sum.late, 1);
        // The reset has no latency; the response took 410ms from its slot.
        assert_eq!(sum.histogram.len(), 1);
        assert!((409_000..=411_000).contains(&sum.latency.max_us));
        assert_eq!(sum.achieved_rate, 1.0);
        assert_eq!(sum.statuses.get(&200), Some(&1));
        assert_eq!(sum.error_kinds.get(&ErrorKind::Reset), Some(&1));
        assert_eq!(s.take_live().sent, 3);
    }

    proptest! {
        // Merging shards is the same as recording everything in one.
        #[test]
        fn merged_shards_equal_one_shard(samples in prop::collection::vec((0u64..3000, 0u64..500, 0u64..2000, 100u16..600), 0..60)) {
            let t0 = Instant::now();
            let window = Window { start: t0 + ms(500), end: t0 + ms(2500) };
            let (mut one, mut a, mut b) = (Shard::new(), Shard::new(), Shard::new());
            for (i, (at, lag, took, status)) in samples.iter().enumerate() {
                let s = Sample {
                    intended: t0 + ms(*at),
                    sent: t0 + ms(at + lag),
                    done: t0 + ms(at + lag + took),
                    outcome: Outcome::Response { status: *status, bytes: 1 },
                };
                one.record(&s, &window);
                if i % 2 == 0 { a.record(&s, &window) } else { b.record(&s, &window) }
            }
            a.merge(&b);
            prop_assert_eq!(a.requests, one.requests);
            prop_assert_eq!(a.errors, one.errors);
            prop_assert_eq!(a.latency.value_at_quantile(0.99), one.latency.value_at_quantile(0.99));
            prop_assert_eq!(&a.statuses, &one.statuses);
            let errors = samples.iter().filter(|(at, _, _, st)| (500..2500).contains(at) && *st >= 400).count();
            prop_assert_eq!(one.errors as usize, errors);
        }
    }
}
