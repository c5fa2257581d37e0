//! Which notices this process has queued, below `App`: the notices of a
//! shift change or a weekly reminder are asked for every round while they
//! are due, but built and queued once. Outbox keys keep a restarted
//! process from sending them twice.

use std::collections::HashSet;
use std::sync::Mutex;

use nines_store::IncidentOp;

/// Notice keys queued by this process. Owned by `App`.
#[derive(Debug, Default)]
pub struct QueuedNotices(Mutex<HashSet<String>>);

impl QueuedNotices {
    /// Whether `key` was queued by this process already.
    pub fn contains(&self, key: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(key)
    }

    /// Notes the keys of notices now in the outbox.
    pub fn remember(&self, ops: &[IncidentOp]) {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Keys name their change or week; old ones only take memory.
        if set.len() > 10_000 {
            set.clear();
        }
        for op in ops {
            if let IncidentOp::Enqueue { key, .. } = op {
                set.insert(key.clone());
            }
        }
    }
}
