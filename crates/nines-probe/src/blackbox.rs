//! The metric families blackbox_exporter 0.23 writes for a probe, computed
//! from a run's [`Outcome`]: the same names, labels, help texts and values
//! (0 where a failed run has nothing to say), so its dashboards and alerts
//! keep working when nines probes instead. Which families appear depends on
//! the kind, as with blackbox's http, tcp and dns probers; nines' `tls`
//! kind is blackbox's tcp prober with `tls: true`.
//!
//! Deliberate differences, each for a reason a user can check:
//! - `probe_ssl_last_chain_expiry_timestamp_seconds` is absent when nothing
//!   was verified (`insecure_skip_verify`), where blackbox 0.23 writes Go's
//!   zero time (-62135596800), which reads as "expired in year 1".
//! - `probe_dns_rcode` (nines' own, the response code) is added to dns
//!   probes; blackbox 0.23 has no such family.
//! - `probe_dns_lookup_time_seconds` and the resolve phase of dns probes
//!   are 0: a nines dns probe names its server by address.

use std::net::IpAddr;

use crate::outcome::{Outcome, Phase};
use crate::spec::{Check, RecordType};

/// One family and the samples of one probe run in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    /// Label pairs (beyond the ones the caller adds) and value.
    pub samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

fn one(name: &'static str, help: &'static str, value: f64) -> Family {
    Family {
        name,
        help,
        samples: vec![(vec![], value)],
    }
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// Every family blackbox_exporter would write for this run of `check`,
/// sorted by name as its registry writes them.
pub fn families(check: &Check, o: &Outcome) -> Vec<Family> {
    let mut out = vec![
        one(
            "probe_success",
            "Displays whether or not the probe was a success",
            flag(o.success),
        ),
        one(
            "probe_duration_seconds",
            "Returns how long the probe took to complete in seconds",
            o.duration.as_secs_f64(),
        ),
    ];
    match check {
        Check::Http(_) => {
            address(&mut out, o);
            http(&mut out, o);
            // The final response's TLS, as Go's `resp.TLS`: none for a
            // failed request or a final hop over plain HTTP.
            if o.status.is_some() && o.final_tls {
                tls(&mut out, o);
            }
        }
        Check::Tcp(_) | Check::Tls(_) => {
            address(&mut out, o);
            out.push(one(
                "probe_failed_due_to_regex",
                "Indicates if probe failed due to regex",
                flag(o.failed_due_to_regex),
            ));
            tls(&mut out, o);
        }
        Check::Dns(d) => {
            address(&mut out, o);
            dns(&mut out, o, d.record_type);
        }
        Check::Heartbeat(_) => {}
    }
    out.sort_by_key(|f| f.name);
    out
}

/// What blackbox's `chooseProtocol` writes: the lookup time and the
/// address's family and hash (0 when nothing was resolved).
fn address(out: &mut Vec<Family>, o: &Outcome) {
    out.push(one(
        "probe_dns_lookup_time_seconds",
        "Returns the time taken for probe dns lookup in seconds",
        o.lookup_time.unwrap_or_default().as_secs_f64(),
    ));
    let ip = o.ip.map(|ip| ip.to_canonical());
    out.push(one(
        "probe_ip_protocol",
        "Specifies whether probe ip protocol is IP4 or IP6",
        match ip {
            Some(IpAddr::V4(_)) => 4.0,
            Some(IpAddr::V6(_)) => 6.0,
            None => 0.0,
        },
    ));
    out.push(one(
        "probe_ip_addr_hash",
        "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
        ip.map(ip_hash).unwrap_or(0.0),
    ));
}

/// blackbox's `ipHash`: FNV-1a (32 bits) of the address's bytes, 4 for
/// IPv4, 16 for IPv6.
pub fn ip_hash(ip: IpAddr) -> f64 {
    let bytes: Vec<u8> = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    let hash = bytes.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    f64::from(hash)
}

fn http(out: &mut Vec<Family>, o: &Outcome) {
    out.push(Family {
        name: "probe_http_duration_seconds",
        help: "Duration of http request by phase, summed over all redirects",
        samples: Phase::HTTP
            .iter()
            .map(|p| {
                (
                    vec![("phase", p.name().to_string())],
                    o.phase(*p).as_secs_f64(),
                )
            })
            .collect(),
    });
    out.push(one(
        "probe_http_content_length",
        "Length of http content response",
        o.content_length.unwrap_or(0) as f64,
    ));
    out.push(one(
        "probe_http_uncompressed_body_length",
        "Length of uncompressed response body",
        o.body_len.unwrap_or(0) as f64,
    ));
    out.push(one(
        "probe_http_redirects",
        "The number of redirects",
        f64::from(o.redirects),
    ));
    out.push(one(
        "probe_http_ssl",
        "Indicates if SSL was used for the final redirect",
        flag(o.status.is_some() && o.final_tls),
    ));
    out.push(one(
        "probe_http_status_code",
        "Response HTTP status code",
        o.status.map(f64::from).unwrap_or(0.0),
    ));
    out.push(one(
        "probe_http_version",
        "Returns the version of HTTP of the probe response",
        o.http_version.unwrap_or(0.0),
    ));
    out.push(one(
        "probe_failed_due_to_regex",
        "Indicates if probe failed due to regex",
        flag(o.failed_due_to_regex),
    ));
    if let Some(t) = o.last_modified {
        out.push(one(
            "probe_http_last_modified_timestamp_seconds",
            "Returns the Last-Modified HTTP response header in unixtime",
            t as f64,
        ));
    }
}

/// The certificate families, when a handshake showed a chain.
fn tls(out: &mut Vec<Family>, o: &Outcome) {
    let Some(c) = &o.certificates else {
        return;
    };
    if let Some(t) = c.earliest_expiry {
        out.push(one(
            "probe_ssl_earliest_cert_expiry",
            "Returns last SSL chain expiry in unixtime",
            t as f64,
        ));
    }
    if let Some(t) = c.verified_chain_expiry {
        out.push(one(
            "probe_ssl_last_chain_expiry_timestamp_seconds",
            "Returns last SSL chain expiry in timestamp",
            t as f64,
        ));
    }
    if let Some(version) = c.version {
        out.push(Family {
            name: "probe_tls_version_info",
            help: "Returns the TLS version used or NaN when unknown",
            samples: vec![(vec![("version", version.to_string())], 1.0)],
        });
    }
    if let Some(leaf) = &c.leaf {
        out.push(Family {
            name: "probe_ssl_last_chain_info",
            help: "Contains SSL leaf certificate information",
            samples: vec![(
                vec![
                    ("fingerprint_sha256", leaf.fingerprint_sha256.clone()),
                    ("issuer", leaf.issuer.clone()),
                    ("subject", leaf.subject.clone()),
                    ("subjectalternative", leaf.dns_names.join(",")),
                ],
                1.0,
            )],
        });
    }
}

fn dns(out: &mut Vec<Family>, o: &Outcome, record_type: RecordType) {
    out.push(Family {
        name: "probe_dns_duration_seconds",
        help: "Duration of DNS request by phase",
        samples: Phase::DNS
            .iter()
            .map(|p| {
                (
                    vec![("phase", p.name().to_string())],
                    o.phase(*p).as_secs_f64(),
                )
            })
            .collect(),
    });
    let answered = o.dns_rcode.is_some();
    for (name, help, n) in [
        (
            "probe_dns_answer_rrs",
            "Returns number of entries in the answer resource record list",
            o.dns_answers.len(),
        ),
        (
            "probe_dns_authority_rrs",
            "Returns number of entries in the authority resource record list",
            o.dns_authority,
        ),
        (
            "probe_dns_additional_rrs",
            "Returns number of entries in the additional resource record list",
            o.dns_additional,
        ),
    ] {
        out.push(one(name, help, n as f64));
    }
    out.push(one(
        "probe_dns_query_succeeded",
        "Displays whether or not the query was executed successfully",
        flag(answered),
    ));
    if answered && record_type == RecordType::Soa {
        out.push(one(
            "probe_dns_serial",
            "Returns the serial number of the zone",
            o.dns_serial.map(f64::from).unwrap_or(0.0),
        ));
    }
    if let Some(rcode) = o.dns_rcode {
        out.push(one(
            "probe_dns_rcode",
            "DNS response code of the last run (0 is NOERROR); nines' own, not blackbox_exporter's.",
            f64::from(rcode),
        ));
    }
}

#[cfg(test)]
mod tests;
