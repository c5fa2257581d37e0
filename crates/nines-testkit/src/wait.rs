//! Waiting for a condition instead of sleeping: poll until it holds, for
//! at most a limit, and fail naming what never happened.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often a condition is polled: short, so a test waits little past the
/// moment its condition holds.
const POLL: Duration = Duration::from_millis(25);

/// Polls `f` until it returns `Some`, for at most `limit`; panics with
/// `what` when it never does.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// [`eventually`] for tests without a runtime (child processes, blocking
/// clients).
pub fn eventually_blocking<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(POLL);
    }
}
