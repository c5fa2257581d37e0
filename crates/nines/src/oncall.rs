//! On-call in the daemon: overrides laid over the config's schedules and
//! the health of the rotation (pages per person, off-hours load).

pub mod handoffs;
pub mod health;
pub mod overrides;
