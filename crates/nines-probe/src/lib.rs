//! Synthetic probes: HTTP(S), TCP, DNS and TLS checks that measure a
//! service from outside, as its users reach it. Each run opens a fresh
//! connection, times every phase (resolve, connect, tls, processing,
//! transfer), runs the built-in checks (status, regexes, rcode) and the
//! Gatus-style conditions, and says why it failed in one line.

mod connect;
mod der;
mod dns;
pub mod dns_wire;
mod http;
mod outcome;
mod run;
pub mod spec;
mod tcp;
mod tls;

pub use connect::split_host_port;
pub use der::{CertFields, cert_fields};
pub use dns::system_server;
pub use http::MAX_BODY;
pub use outcome::{Certificates, CheckResult, Outcome, Phase};
pub use run::{Runner, human};
pub use spec::*;
pub use tls::TlsSetupError;
