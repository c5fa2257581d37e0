//! What a probe is told to do: plain data the config loader builds and the
//! runners read. No I/O here.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use nines_condition::Condition;

/// One synthetic probe of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Unique within its service; the `probe` label of its metrics.
    pub name: String,
    /// How often it runs. Each probe starts at a random offset within its
    /// first interval so that many probes don't fire at the same instant.
    pub interval: Duration,
    /// A run that takes longer fails with "timed out".
    pub timeout: Duration,
    pub check: Check,
    /// Gatus-style conditions; all must hold for the run to succeed.
    pub conditions: Vec<Condition>,
    /// When the probe's alert fires and resolves.
    pub alert: AlertThresholds,
}

/// Runs in a row that fire a probe's alert and that resolve it, so one
/// blip pages nobody. Gatus' defaults: 3 failures, 2 successes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertThresholds {
    pub failures: u32,
    pub successes: u32,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            failures: 3,
            successes: 2,
        }
    }
}

/// The kind of check and its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Http(HttpCheck),
    Tcp(TcpCheck),
    Dns(DnsCheck),
    Tls(TlsCheck),
    /// Push: a job calls `POST /api/v1/heartbeats/{service}/{name}`; the
    /// daemon judges it, not a runner.
    Heartbeat(HeartbeatCheck),
}

/// `heartbeat`: fails when no beat came within `every` plus `grace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatCheck {
    /// How often the job runs (and so beats).
    pub every: Duration,
    /// How late a beat may be before the check fails. Default 0.
    pub grace: Duration,
}

impl Check {
    /// The kind as written in config: `http`, `tcp`, `dns`, `tls`.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Http(_) => "http",
            Check::Tcp(_) => "tcp",
            Check::Dns(_) => "dns",
            Check::Tls(_) => "tls",
            Check::Heartbeat(_) => "heartbeat",
        }
    }

    /// What the probe targets, for people: a URL, `host:port` or a name.
    pub fn target(&self) -> String {
        match self {
            Check::Http(h) => h.url.clone(),
            Check::Tcp(t) => t.address.clone(),
            Check::Dns(d) => format!("{} {}", d.record_type, d.name),
            Check::Tls(t) => t.address.clone(),
            Check::Heartbeat(h) => {
                format!("a beat every {} (grace {})", human(h.every), human(h.grace))
            }
        }
    }
}

/// `http`: one request on a fresh connection, so DNS, connect and TLS time
/// are part of every measurement, as a user's first request sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    /// `http://` or `https://` URL.
    pub url: String,
    /// Default `GET`.
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Status codes that count as success; default 200–299.
    pub valid_status: Vec<StatusRange>,
    /// Follow up to 10 redirects (default true); each hop is a fresh
    /// connection and its phase times add up.
    pub follow_redirects: bool,
    pub tls: TlsOptions,
    /// Regexes the body must match (each).
    pub body_matches: Vec<Pattern>,
    /// Regexes the body must not match (any).
    pub body_not_matches: Vec<Pattern>,
    /// Headers whose value must match (or, negated, must not match).
    pub header_matches: Vec<HeaderMatch>,
}

impl HttpCheck {
    /// A GET of `url` with the defaults: 2xx is success, redirects are
    /// followed, system roots, no body checks.
    pub fn get(url: impl Into<String>) -> HttpCheck {
        HttpCheck {
            url: url.into(),
            method: "GET".into(),
            headers: vec![],
            body: None,
            valid_status: vec![StatusRange::SUCCESS],
            follow_redirects: true,
            tls: TlsOptions::default(),
            body_matches: vec![],
            body_not_matches: vec![],
            header_matches: vec![],
        }
    }
}

/// An inclusive range of HTTP status codes: `200`, `2xx`, `200-299`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRange {
    pub from: u16,
    pub to: u16,
}

impl StatusRange {
    pub const SUCCESS: StatusRange = StatusRange { from: 200, to: 299 };

    pub fn contains(&self, status: u16) -> bool {
        (self.from..=self.to).contains(&status)
    }
}

impl fmt::Display for StatusRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else if self.from.is_multiple_of(100) && self.to == self.from + 99 {
            write!(f, "{}xx", self.from / 100)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// A header check: the header must be present and match `pattern`, or, when
/// `negate`, must not match it (absent passes).
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderMatch {
    pub name: String,
    pub pattern: Pattern,
    pub negate: bool,
}

/// A compiled regex that compares by its source, so configs stay comparable.
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Pattern {
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        regex::Regex::new(source).map(Pattern)
    }
}

/// TLS settings shared by `http` (https URLs), `tcp` and `tls` probes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TlsOptions {
    /// Accept any certificate (expiry is still reported). Default false.
    pub insecure_skip_verify: bool,
    /// PEM file of CA certificates to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// The name to send (SNI) and verify; default the target's host.
    pub server_name: Option<String>,
}

/// `tcp`: connect, then optionally talk: send lines, expect lines matching
/// a regex, upgrade with STARTTLS, or speak TLS from the start.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpCheck {
    /// `host:port`.
    pub address: String,
    /// TLS from the first byte (like `smtps`, `imaps`).
    pub tls: bool,
    pub tls_options: TlsOptions,
    pub steps: Vec<TcpStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TcpStep {
    /// Send this text followed by `\r\n`.
    Send(String),
    /// Read lines until one matches.
    Expect(Pattern),
    /// Upgrade the connection to TLS here.
    StartTls,
}

/// `dns`: one query over UDP.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsCheck {
    /// The name to query (`example.com`).
    pub name: String,
    pub record_type: RecordType,
    /// The server to ask; default the first `nameserver` of
    /// `/etc/resolv.conf`.
    pub server: Option<SocketAddr>,
    /// Response codes that count as success; default NOERROR only.
    pub valid_rcodes: Vec<u16>,
    /// Each regex must match at least one answer record as printed
    /// (`example.com. 300 IN A 192.0.2.1`).
    pub answer_matches: Vec<Pattern>,
}

/// DNS record types a probe can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    A,
    Ns,
    Cname,
    Soa,
    Ptr,
    Mx,
    Txt,
    Aaaa,
    Srv,
    Caa,
}

impl RecordType {
    pub const ALL: [RecordType; 10] = [
        RecordType::A,
        RecordType::Ns,
        RecordType::Cname,
        RecordType::Soa,
        RecordType::Ptr,
        RecordType::Mx,
        RecordType::Txt,
        RecordType::Aaaa,
        RecordType::Srv,
        RecordType::Caa,
    ];

    pub fn code(self) -> u16 {
        match self {
            RecordType::A => 1,
            RecordType::Ns => 2,
            RecordType::Cname => 5,
            RecordType::Soa => 6,
            RecordType::Ptr => 12,
            RecordType::Mx => 15,
            RecordType::Txt => 16,
            RecordType::Aaaa => 28,
            RecordType::Srv => 33,
            RecordType::Caa => 257,
        }
    }

    pub fn from_code(code: u16) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Ns => "NS",
            RecordType::Cname => "CNAME",
            RecordType::Soa => "SOA",
            RecordType::Ptr => "PTR",
            RecordType::Mx => "MX",
            RecordType::Txt => "TXT",
            RecordType::Aaaa => "AAAA",
            RecordType::Srv => "SRV",
            RecordType::Caa => "CAA",
        }
    }

    pub fn from_name(name: &str) -> Option<RecordType> {
        RecordType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `tls`: a TLS handshake to read the certificate chain's expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsCheck {
    /// `host:port`.
    pub address: String,
    pub tls: TlsOptions,
}

/// `2s`, `1.5s`, `250ms`: durations as config writes them.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms >= 1000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{ms}ms")
    }
}
