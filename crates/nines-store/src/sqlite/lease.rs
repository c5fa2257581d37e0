//! [`Lease`] on SQLite: always granted. The lock file already makes this
//! process the only one using the data directory, so it leads; the epoch
//! never changes because leadership never moves.

use super::SqliteStore;
use crate::error::StoreError;
use crate::lease::{Leadership, Lease};

impl Lease for SqliteStore {
    fn try_lead(
        &mut self,
        _holder: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Leadership>, StoreError> {
        Ok(Some(Leadership {
            epoch: 1,
            until_ms: now_ms.saturating_add(ttl_ms),
        }))
    }

    fn release(&mut self, _holder: &str) -> Result<(), StoreError> {
        Ok(())
    }
}
