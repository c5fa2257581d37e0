//! The one clock the daemon reads. Tests and benchmarks swap in a manual
//! clock so time-based behaviour is deterministic.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// Microseconds since the epoch, moved by hand.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(at: Timestamp) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(at.as_microsecond())))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            #[allow(clippy::disallowed_methods)]
            Clock::System => Timestamp::now(),
            Clock::Manual(us) => {
                Timestamp::from_microsecond(us.load(Ordering::Relaxed)).unwrap_or(Timestamp::MAX)
            }
        }
    }

    /// Moves a manual clock; a no-op on the system clock.
    pub fn set(&self, at: Timestamp) {
        if let Clock::Manual(us) = self {
            us.store(at.as_microsecond(), Ordering::Relaxed);
        }
    }
}

/// Measures elapsed time (monotonic): how long an evaluation, a checkpoint
/// or a scrape took. The one place the binary reads `Instant`.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(std::time::Instant);

impl Stopwatch {
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Stopwatch {
        Stopwatch(std::time::Instant::now())
    }

    pub fn elapsed(&self) -> std::time::Duration {
        self.0.elapsed()
    }
}

/// Unix seconds as RFC 3339 (`2026-11-24T12:00:00Z`), as every API answer
/// and message writes times; empty for a time out of range.
pub fn rfc3339(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// `text` as an RFC 3339 time, or `default` when there is none; the error
/// names `what` was given.
pub fn parse_time(
    text: Option<&str>,
    what: &str,
    default: jiff::Timestamp,
) -> Result<jiff::Timestamp, String> {
    match text {
        None => Ok(default),
        Some(t) => t
            .parse()
            .map_err(|e| format!("{what}: {t:?} is not an RFC 3339 time: {e}")),
    }
}
