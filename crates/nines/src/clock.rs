//! The one clock the daemon reads. Tests and benchmarks swap in a manual
//! clock so time-based behaviour is deterministic.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// Moved by hand.
    Manual(Arc<ManualClock>),
}

/// A clock tests move: microseconds since the epoch, and a signal to the
/// tasks sleeping on it that it moved.
#[derive(Debug)]
pub struct ManualClock {
    us: AtomicI64,
    moved: tokio::sync::watch::Sender<()>,
}

impl Clock {
    pub fn manual(at: Timestamp) -> Clock {
        Clock::Manual(Arc::new(ManualClock {
            us: AtomicI64::new(at.as_microsecond()),
            moved: tokio::sync::watch::channel(()).0,
        }))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            #[allow(clippy::disallowed_methods)]
            Clock::System => Timestamp::now(),
            Clock::Manual(m) => {
                Timestamp::from_microsecond(m.us.load(Ordering::Relaxed)).unwrap_or(Timestamp::MAX)
            }
        }
    }

    /// Moves a manual clock (waking what sleeps on it); a no-op on the
    /// system clock.
    pub fn set(&self, at: Timestamp) {
        if let Clock::Manual(m) = self {
            m.us.store(at.as_microsecond(), Ordering::Relaxed);
            m.moved.send_replace(());
        }
    }

    /// Completes once this clock reads `at` or later: the system clock
    /// sleeps (tokio time, which paused tests advance); a manual clock
    /// waits until a test moves it there.
    pub async fn sleep_until(&self, at: Timestamp) {
        match self {
            Clock::System => {
                let left = at.duration_since(self.now());
                if left.is_positive() {
                    tokio::time::sleep(left.unsigned_abs()).await;
                }
            }
            Clock::Manual(m) => {
                let mut moved = m.moved.subscribe();
                while self.now() < at {
                    if moved.changed().await.is_err() {
                        return std::future::pending().await;
                    }
                }
            }
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

/// Unix milliseconds as RFC 3339, to the second.
pub fn rfc3339_ms(ms: i64) -> String {
    rfc3339(ms.div_euclid(1000))
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
