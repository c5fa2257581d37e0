//! The store's test suite, written against the traits: each test is a
//! function generic over a [`util::TestDb`] and runs once per backend (the
//! `backends!` list in each module). A second backend adds its `TestDb` to
//! `backends!` and runs the same tests. `sqlite` holds what only SQLite
//! has: its lock file, its migrations, its durability setting.

mod util;

mod concurrent;
mod events;
mod incidents;
mod probes;
mod review;
mod sqlite;
