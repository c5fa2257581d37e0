//! Leadership: the timed work (evaluation, escalation, outbox, probes) runs
//! on one replica at a time, the holder of a lease with a fencing epoch.
//!
//! On SQLite there is one process per data directory (the lock file), so
//! the lease is always granted. A shared backend grants it to one holder
//! until it expires, and bumps the epoch whenever the holder changes, so a
//! leader that lost the lease can tell its writes are stale.

use crate::error::StoreError;

/// A granted lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leadership {
    /// Grows every time leadership changes hands; never reused.
    pub epoch: i64,
    /// Unix ms until which the holder leads unless it renews.
    pub until_ms: i64,
}

pub trait Lease {
    /// Takes or renews the lease for `holder` for `ttl_ms` from `now_ms`;
    /// `None` while another holder's lease runs.
    fn try_lead(
        &mut self,
        holder: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Leadership>, StoreError>;

    /// Gives the lease up (on shutdown), so another replica need not wait
    /// for it to expire. Releasing a lease not held does nothing.
    fn release(&mut self, holder: &str) -> Result<(), StoreError>;
}
