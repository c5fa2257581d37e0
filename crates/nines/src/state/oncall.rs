//! Overrides laid over the config's schedules, below `App` (it builds the
//! config it serves with them).

use jiff::Timestamp;
use nines_config::Config;
use nines_store::{OverrideRow, StoreError};

use jiff::SignedDuration;

/// How far back stored overrides are laid over schedules: as far as any
/// query looks back (shift history, calendar feeds).
pub const KEPT: SignedDuration = SignedDuration::from_hours(400 * 24);

/// `config` with the stored overrides laid over its schedules
/// ([`nines_oncall::Schedule::apply_overrides`], in row order); overrides of
/// schedules no longer in the config are left out.
pub fn apply(mut config: Config, rows: &[OverrideRow]) -> Config {
    for (name, s) in config.schedules.iter_mut() {
        let mine = rows.iter().filter(|row| row.schedule == *name);
        s.apply_overrides(mine.filter_map(|row| {
            let start = Timestamp::from_second(row.start_at).ok()?;
            let end = Timestamp::from_second(row.end_at).ok()?;
            Some((row.user.as_str(), start, end))
        }));
    }
    config
}

/// The stored overrides a schedule needs at `now`.
pub fn stored(
    store: &dyn nines_store::Backend,
    now: Timestamp,
) -> Result<Vec<OverrideRow>, StoreError> {
    store.overrides((now - KEPT).as_second())
}
