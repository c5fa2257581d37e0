//! The store's test suite, written against the traits: each test is a
//! function generic over a [`util::TestDb`] and runs once per backend (the
//! `backends!` list in each module): `sqlite::` and `postgres::`. `sqlite` holds what only SQLite
//! has: its lock file, its migrations, its durability setting; `postgres`
//! what only PostgreSQL has: replicas migrating at once, the lease moving
//! between them.

mod util;

mod concurrent;
mod events;
mod incidents;
mod postgres;
mod probes;
mod review;
mod sqlite;
