//! What one probe run found: success, timings by phase, and every check
//! with its reason, for metrics, the store and `nines probe run`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// A phase of a probe run, named as blackbox_exporter names them in
/// `probe_http_duration_seconds{phase}` and `probe_dns_duration_seconds{phase}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Name resolution.
    Resolve,
    /// TCP connect.
    Connect,
    /// TLS handshake.
    Tls,
    /// From the request sent to the response headers (server time).
    Processing,
    /// Reading the response body.
    Transfer,
    /// DNS: from the query sent to the answer read.
    Request,
}

impl Phase {
    /// The phases of an HTTP run, as `probe_http_duration_seconds` lists them.
    pub const HTTP: [Phase; 5] = [
        Phase::Resolve,
        Phase::Connect,
        Phase::Tls,
        Phase::Processing,
        Phase::Transfer,
    ];

    /// The phases of a DNS run, as `probe_dns_duration_seconds` lists them.
    pub const DNS: [Phase; 3] = [Phase::Resolve, Phase::Connect, Phase::Request];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Resolve => "resolve",
            Phase::Connect => "connect",
            Phase::Tls => "tls",
            Phase::Processing => "processing",
            Phase::Transfer => "transfer",
            Phase::Request => "request",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One check of a run: a built-in one (`status 503 is not in 2xx`) or a
/// configured condition (`[STATUS] (503) == 200`).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub success: bool,
    pub description: String,
}

/// What a TLS handshake showed of the certificate chain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Certificates {
    /// Unix seconds of the earliest `notAfter` in the presented chain, as
    /// `probe_ssl_earliest_cert_expiry`.
    pub earliest_expiry: Option<i64>,
    /// Unix seconds of the earliest `notAfter` among the certificates of
    /// the chain that verified (leaf to the trusted root, roots excluded),
    /// as `probe_ssl_last_chain_expiry_timestamp_seconds`. `None` with
    /// `insecure_skip_verify`.
    pub verified_chain_expiry: Option<i64>,
    /// Subject common name of the leaf, for people.
    pub leaf_subject: Option<String>,
    /// Certificates presented.
    pub chain_len: usize,
    /// The negotiated version as blackbox_exporter's
    /// `probe_tls_version_info{version}` writes it: `TLS 1.3`.
    pub version: Option<&'static str>,
    /// The presented leaf, for `probe_ssl_last_chain_info`.
    pub leaf: Option<Leaf>,
}

/// The presented leaf certificate, in the words of blackbox_exporter's
/// `probe_ssl_last_chain_info` labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leaf {
    /// SHA-256 of the DER, lower-case hex.
    pub fingerprint_sha256: String,
    /// Subject and issuer as Go writes names: `CN=shop,O=Acme`.
    pub subject: String,
    pub issuer: String,
    /// The dNSName alternative names.
    pub dns_names: Vec<String>,
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Every check held and nothing failed on the way.
    pub success: bool,
    /// Wall time of the whole run.
    pub duration: Duration,
    /// Time per phase; a redirected request adds each hop's phases.
    pub phases: Vec<(Phase, Duration)>,
    /// Why the run stopped early (refused, timed out, TLS failure), if it did.
    pub error: Option<String>,
    /// The checks evaluated, in order: built-in ones, then conditions.
    pub checks: Vec<CheckResult>,
    /// The address connected to.
    pub ip: Option<IpAddr>,
    /// How long the run's first name resolution took, as
    /// `probe_dns_lookup_time_seconds` (the resolve phase adds every hop's).
    pub lookup_time: Option<Duration>,
    /// A regex of the probe failed to match (or matched where it must not):
    /// a body or header check, or a TCP `expect` the connection closed
    /// before, as `probe_failed_due_to_regex`.
    pub failed_due_to_regex: bool,
    /// HTTP: the final response's status.
    pub status: Option<u16>,
    /// HTTP: redirects followed.
    pub redirects: u32,
    /// HTTP: body bytes of the final response.
    pub body_len: Option<usize>,
    /// HTTP: the final response's `Content-Length`, -1 when it gave none
    /// (chunked, or read to the close), as Go's `ContentLength`.
    pub content_length: Option<i64>,
    /// HTTP: the final response's version: 1, 1.1, 2.
    pub http_version: Option<f64>,
    /// HTTP: the final response came over TLS.
    pub final_tls: bool,
    /// HTTP: the final response's `Last-Modified`, Unix seconds.
    pub last_modified: Option<i64>,
    /// HTTP: the final response's `Content-Type`.
    pub content_type: Option<String>,
    /// HTTP: the final response's `Retry-After` (a 429 or 503 saying when
    /// to come back), for nines' own clients.
    pub retry_after: Option<String>,
    /// TLS, if a handshake happened.
    pub certificates: Option<Certificates>,
    /// DNS: the response code and the answers as printed.
    pub dns_rcode: Option<u16>,
    pub dns_answers: Vec<String>,
    /// DNS: records in the authority and additional sections.
    pub dns_authority: usize,
    pub dns_additional: usize,
    /// DNS: the serial of the SOA among the answers, if any.
    pub dns_serial: Option<u32>,
}

impl Outcome {
    /// Runners add time per phase as they go (redirects add up).
    #[cfg(feature = "run")]
    pub(crate) fn add_phase(&mut self, phase: Phase, took: Duration) {
        match self.phases.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, d)) => *d += took,
            None => self.phases.push((phase, took)),
        }
    }

    #[cfg(feature = "run")]
    pub(crate) fn check(&mut self, success: bool, description: impl Into<String>) {
        self.checks.push(CheckResult {
            success,
            description: description.into(),
        });
    }

    /// The time of `phase`, zero when the run had no such phase.
    pub fn phase(&self, phase: Phase) -> Duration {
        self.phases
            .iter()
            .find(|(p, _)| *p == phase)
            .map(|(_, d)| *d)
            .unwrap_or_default()
    }

    /// The first failed check or the error: why this run failed, in one line.
    pub fn reason(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(e.clone());
        }
        self.checks
            .iter()
            .find(|c| !c.success)
            .map(|c| c.description.clone())
    }
}
