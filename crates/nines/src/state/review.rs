//! Review state below `App`.

use std::sync::atomic::AtomicI64;

/// The minute this process last looked for overdue items: once a minute
/// is plenty for a weekly message. Outbox keys (week and owner) make each
/// reminder go out once, across rounds and restarts.
/// Owned by `App`.
#[derive(Debug)]
pub struct LastLook(pub AtomicI64);

impl Default for LastLook {
    fn default() -> Self {
        LastLook(AtomicI64::new(i64::MIN))
    }
}
