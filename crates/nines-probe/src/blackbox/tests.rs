use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::outcome::{Certificates, Leaf};
use crate::spec::{DnsCheck, HttpCheck, TcpCheck, TlsOptions};

fn names(fs: &[Family]) -> Vec<&'static str> {
    fs.iter().map(|f| f.name).collect()
}

fn value(fs: &[Family], name: &str) -> Option<f64> {
    fs.iter().find(|f| f.name == name).map(|f| f.samples[0].1)
}

fn localhost() -> Option<IpAddr> {
    Some("127.0.0.1".parse().unwrap())
}

#[test]
fn a_refused_http_run_still_writes_every_http_family_as_zero() {
    let o = Outcome {
        error: Some("connecting to 127.0.0.1:1: refused".into()),
        ip: localhost(),
        lookup_time: Some(Duration::from_micros(10)),
        ..Outcome::default()
    };
    let fs = families(&Check::Http(HttpCheck::get("http://127.0.0.1:1/")), &o);
    // The families blackbox_exporter 0.23 wrote for the same refused port.
    assert_eq!(
        names(&fs),
        [
            "probe_dns_lookup_time_seconds",
            "probe_duration_seconds",
            "probe_failed_due_to_regex",
            "probe_http_content_length",
            "probe_http_duration_seconds",
            "probe_http_redirects",
            "probe_http_ssl",
            "probe_http_status_code",
            "probe_http_uncompressed_body_length",
            "probe_http_version",
            "probe_ip_addr_hash",
            "probe_ip_protocol",
            "probe_success",
        ]
    );
    for zero in [
        "probe_http_status_code",
        "probe_http_content_length",
        "probe_http_uncompressed_body_length",
        "probe_http_redirects",
        "probe_http_version",
        "probe_http_ssl",
        "probe_success",
    ] {
        assert_eq!(value(&fs, zero), Some(0.0), "{zero}");
    }
    let phases: Vec<&str> = fs
        .iter()
        .find(|f| f.name == "probe_http_duration_seconds")
        .unwrap()
        .samples
        .iter()
        .map(|(l, _)| l[0].1.as_str())
        .collect();
    assert_eq!(
        phases,
        ["resolve", "connect", "tls", "processing", "transfer"]
    );
}

#[test]
fn the_address_hash_is_blackboxs() {
    // blackbox_exporter 0.23 writes 3.668918509e+09 for 127.0.0.1.
    assert_eq!(ip_hash("127.0.0.1".parse().unwrap()), 3_668_918_509.0);
    // An IPv4-mapped address hashes as the IPv4 address, as Go's To4 does.
    let o = Outcome {
        ip: Some("::ffff:127.0.0.1".parse().unwrap()),
        ..Outcome::default()
    };
    let fs = families(&Check::Http(HttpCheck::get("http://x/")), &o);
    assert_eq!(value(&fs, "probe_ip_protocol"), Some(4.0));
    assert_eq!(value(&fs, "probe_ip_addr_hash"), Some(3_668_918_509.0));
}

fn certificates() -> Certificates {
    Certificates {
        earliest_expiry: Some(2_000_000_000),
        verified_chain_expiry: Some(1_900_000_000),
        version: Some("TLS 1.3"),
        leaf: Some(Leaf {
            fingerprint_sha256: "ab".into(),
            subject: "CN=shop".into(),
            issuer: "CN=Test CA".into(),
            dns_names: vec!["shop".into(), "www.shop".into()],
        }),
        ..Certificates::default()
    }
}

#[test]
fn tls_families_follow_the_final_response() {
    let https = Outcome {
        status: Some(200),
        final_tls: true,
        certificates: Some(certificates()),
        ..Outcome::default()
    };
    let check = Check::Http(HttpCheck::get("https://shop/"));
    let fs = families(&check, &https);
    assert_eq!(value(&fs, "probe_http_ssl"), Some(1.0));
    assert_eq!(value(&fs, "probe_ssl_earliest_cert_expiry"), Some(2e9));
    assert_eq!(
        value(&fs, "probe_ssl_last_chain_expiry_timestamp_seconds"),
        Some(1.9e9)
    );
    let info = fs
        .iter()
        .find(|f| f.name == "probe_ssl_last_chain_info")
        .unwrap();
    assert_eq!(
        info.samples[0].0,
        [
            ("fingerprint_sha256", "ab".to_string()),
            ("issuer", "CN=Test CA".to_string()),
            ("subject", "CN=shop".to_string()),
            ("subjectalternative", "shop,www.shop".to_string()),
        ]
    );
    // Redirected from https to plain http: the final response had no TLS.
    let plain = Outcome {
        final_tls: false,
        ..https.clone()
    };
    let fs = families(&check, &plain);
    assert_eq!(value(&fs, "probe_http_ssl"), Some(0.0));
    assert!(!names(&fs).iter().any(|n| n.starts_with("probe_ssl")));
    // A handshake but no response (the request failed): none either.
    let failed = Outcome {
        status: None,
        ..https
    };
    assert!(
        !names(&families(&check, &failed))
            .iter()
            .any(|n| n.starts_with("probe_ssl") || n.starts_with("probe_tls"))
    );
}

#[test]
fn tcp_writes_the_regex_flag_and_tls_without_http_families() {
    let o = Outcome {
        failed_due_to_regex: true,
        certificates: Some(certificates()),
        ip: localhost(),
        ..Outcome::default()
    };
    let check = Check::Tcp(TcpCheck {
        address: "shop:443".into(),
        tls: true,
        tls_options: TlsOptions::default(),
        steps: vec![],
    });
    let fs = families(&check, &o);
    assert_eq!(value(&fs, "probe_failed_due_to_regex"), Some(1.0));
    assert!(names(&fs).contains(&"probe_tls_version_info"));
    assert!(!names(&fs).iter().any(|n| n.starts_with("probe_http")));
}

#[test]
fn dns_counts_sections_and_the_soa_serial_only_for_soa_queries() {
    let check = |record_type| {
        Check::Dns(DnsCheck {
            name: "shop.test".into(),
            record_type,
            server: None,
            valid_rcodes: vec![0],
            answer_matches: vec![],
        })
    };
    let o = Outcome {
        dns_rcode: Some(0),
        dns_answers: vec!["a".into()],
        dns_authority: 2,
        dns_additional: 3,
        dns_serial: Some(7),
        ..Outcome::default()
    };
    let fs = families(&check(RecordType::Soa), &o);
    assert_eq!(value(&fs, "probe_dns_answer_rrs"), Some(1.0));
    assert_eq!(value(&fs, "probe_dns_authority_rrs"), Some(2.0));
    assert_eq!(value(&fs, "probe_dns_additional_rrs"), Some(3.0));
    assert_eq!(value(&fs, "probe_dns_query_succeeded"), Some(1.0));
    assert_eq!(value(&fs, "probe_dns_serial"), Some(7.0));
    assert!(!names(&families(&check(RecordType::A), &o)).contains(&"probe_dns_serial"));
    // No answer at all: the counts are 0 and the query did not succeed.
    let fs = families(&check(RecordType::Soa), &Outcome::default());
    assert_eq!(value(&fs, "probe_dns_query_succeeded"), Some(0.0));
    assert_eq!(value(&fs, "probe_dns_answer_rrs"), Some(0.0));
    assert!(!names(&fs).contains(&"probe_dns_serial"));
    assert!(!names(&fs).contains(&"probe_dns_rcode"));
}
