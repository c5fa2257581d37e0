//! The test kit of the nines workspace: what the integration tests of
//! several crates share, so none keeps its own copy (STYLE.md, point 7).
//!
//! - [`Receiver`]: a local HTTP server on port 0 that records every request.
//! - [`eventually`] / [`eventually_blocking`]: poll until a condition holds,
//!   within a limit, failing with a message that says what was awaited.
//! - [`require`]: an external program; missing fails in CI, skips elsewhere.
//! - [`ports`]: listeners bound on port 0 and handed over, a port reserved
//!   while refusing connections, and a retrying start for peers that must
//!   bind a port themselves.
//! - [`Spawned`]: a child process whose output is read line by line and which
//!   is killed when dropped.
//! - [`postgres::Postgres`]: a throwaway PostgreSQL cluster on a Unix
//!   socket, stopped when dropped ([`postgres::available`] first).
//! - [`Workspace`]: a temporary directory with `nines.yaml` and `data/`.
//!
//! The kit depends on no nines crate: the binary's own harness (the daemon
//! in-process, config builders) lives in `crates/nines/tests/tests/util.rs`
//! on top of it.

pub mod ports;
pub mod postgres;
mod process;
mod receiver;
mod require;
mod wait;
mod workspace;

pub use ports::{ReservedPort, listener};
pub use process::Spawned;
pub use receiver::{Receiver, ReceiverBuilder, Recorded, Reply};
pub use require::require;
pub use wait::{eventually, eventually_blocking};
pub use workspace::Workspace;
