//! [`Lease`] on PostgreSQL: one row of `leases`, taken or renewed in one
//! statement. The row is the holder's while `until_ms` has not passed;
//! another holder may take it after, and taking it bumps the epoch, so a
//! leader paused past its lease finds a newer epoch (issue 16, item 2:
//! the daemon does not run replicas yet, and writes do not carry the
//! epoch yet).

use super::PostgresStore;
use super::sql::{exec, opt};
use crate::error::StoreError;
use crate::lease::{Leadership, Lease};

/// The one lease the daemon takes: the timed work.
const LEADER: &str = "leader";

impl Lease for PostgresStore {
    fn try_lead(
        &mut self,
        holder: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Leadership>, StoreError> {
        let until = now_ms.saturating_add(ttl_ms);
        self.write(async |tx| {
            let row = opt(
                tx,
                "INSERT INTO leases AS l (name, holder, epoch, until_ms) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (name) DO UPDATE SET
                   epoch = CASE WHEN l.holder = excluded.holder THEN l.epoch ELSE l.epoch + 1 END,
                   holder = excluded.holder, until_ms = excluded.until_ms
                 WHERE l.holder = excluded.holder OR l.until_ms < $4
                 RETURNING epoch, until_ms",
                &[&LEADER, &holder, &until, &now_ms],
            )
            .await?;
            Ok(row.map(|r| Leadership {
                epoch: r.get(0),
                until_ms: r.get(1),
            }))
        })
    }

    fn release(&mut self, holder: &str) -> Result<(), StoreError> {
        self.write(async |tx| {
            exec(
                tx,
                "UPDATE leases SET until_ms = 0 WHERE name = $1 AND holder = $2",
                &[&LEADER, &holder],
            )
            .await?;
            Ok(())
        })
    }
}
