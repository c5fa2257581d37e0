//! nines-chaos: faults injected on purpose, so weaknesses show before users
//! find them. A TCP proxy applies toxiproxy's toxics to the connections it
//! carries, and a control API wire-compatible with toxiproxy's lets its
//! client libraries (and Chaos Toolkit's extension) drive it unchanged.
//!
//! - [`toxic`]: the toxics, in toxiproxy's JSON shapes; parsing, defaults. Pure.
//! - [`effect`]: what the toxics of one direction do to the bytes of one
//!   connection, with time and chance passed in. Pure.
//! - [`link`]: one proxied connection: sockets, timers, resets.
//! - [`proxies`]: the set of proxies, their listeners and toxic chains.
//! - [`api`]: the toxiproxy-compatible HTTP control API.
//! - [`config`]: `toxiproxy-server -config` files.

pub mod api;
pub mod config;
pub mod effect;
pub mod error;
pub mod link;
pub mod proxies;
pub mod toxic;

pub use error::ChaosError;
pub use proxies::{Proxies, ProxyInput};
pub use toxic::{Kind, Stream, Toxic};
