//! Synthetic probes: HTTP(S), TCP, DNS and TLS checks that measure a
//! service from outside, as its users reach it. Each run opens a fresh
//! connection, times every phase (resolve, connect, tls, processing,
//! transfer), runs the built-in checks (status, regexes, rcode) and the
//! Gatus-style conditions, and says why it failed in one line.
//!
//! Two halves, so that reading a config does not compile a network stack:
//!
//! - always: what a probe is told to do ([`spec`]), what a run found
//!   ([`Outcome`]), the metric families blackbox_exporter would write for
//!   it ([`blackbox`]), and the pure wire formats ([`dns_wire`], the DER read
//!   behind [`cert_fields`]);
//! - with the feature `run` (off by default): the `Runner` and the
//!   tokio, hyper and rustls code behind it. The daemon enables it;
//!   nines-config and `nines check` do not need it.

pub mod blackbox;
mod der;
pub mod dns_wire;
mod outcome;
pub mod spec;

#[cfg(feature = "run")]
mod connect;
#[cfg(feature = "run")]
mod dns;
#[cfg(feature = "run")]
mod http;
#[cfg(feature = "run")]
mod run;
#[cfg(feature = "run")]
mod tcp;
#[cfg(feature = "run")]
mod tls;

pub use der::{CertFields, cert_fields};
pub use outcome::{Certificates, CheckResult, Leaf, Outcome, Phase};
pub use spec::*;

#[cfg(feature = "run")]
pub use connect::split_host_port;
#[cfg(feature = "run")]
pub use dns::system_server;
#[cfg(feature = "run")]
pub use http::MAX_BODY;
#[cfg(feature = "run")]
pub use run::Runner;
#[cfg(feature = "run")]
pub use tls::{AcceptAny, TlsSetupError};
