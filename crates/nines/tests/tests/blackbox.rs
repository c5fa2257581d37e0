//! nines and blackbox_exporter 0.23 probing the same local targets write
//! the same probe families, label sets and values (issue 15): a user who
//! points Prometheus at nines instead keeps their dashboards and alerts.
//! Timings are compared by presence and labels only; nines adds the
//! `service` and `probe` labels, which blackbox leaves to the scrape job.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use nines::clock::Clock;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::util::*;

/// Families whose values are timings: equal only in name and labels.
const TIMINGS: [&str; 4] = [
    "probe_duration_seconds",
    "probe_http_duration_seconds",
    "probe_dns_duration_seconds",
    "probe_dns_lookup_time_seconds",
];

/// Answers one request: `/ok` (200, a body, `Last-Modified`), `/moved`
/// (302 to `/ok`), `/stream` (chunked, so no length is known), anything
/// else 404. A request ends at an empty line, `\r\n` or a bare `\n`
/// ended (the tcp probers end a sent line with `\n` or `\r\n`).
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !(head.windows(2).any(|w| w == b"\n\n") || head.windows(3).any(|w| w == b"\n\r\n")) {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let response = match path {
        "/ok" => {
            let body = "hello from the target\n";
            format!(
                "HTTP/1.1 200 OK\r\nLast-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        "/moved" => "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
        "/stream" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\nhello\n\r\n0\r\n\r\n".to_string(),
        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\nConnection: close\r\n\r\nnope\n".to_string(),
    };
    let _ = s.write_all(response.as_bytes()).await;
    let _ = s.shutdown().await;
}

/// Serves [`answer`] on `listener`, over TLS when `tls` is given.
fn serve(listener: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>) {
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(s) = acceptor.accept(stream).await {
                            answer(s).await;
                        }
                    }
                    None => answer(stream).await,
                }
            });
        }
    });
}

fn acceptor(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
) -> tokio_rustls::TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// The usual self-signed certificate, made as users make it (`openssl req
/// -x509`, so `CA:TRUE`): `ss.pem` to trust, and an acceptor serving it.
fn self_signed(dir: &Path) -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args([
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/O=Shop, Inc./CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(dir.join("ss.key"))
        .arg("-out")
        .arg(dir.join("ss.pem"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let cert = rustls::pki_types::CertificateDer::from_pem_file(dir.join("ss.pem")).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(dir.join("ss.key")).unwrap();
    acceptor(vec![cert], key)
}

/// A CA (`ca.pem`, to trust) and a leaf it issued, which the acceptor
/// presents alone, as most servers do.
fn ca_issued(dir: &Path) -> tokio_rustls::TlsAcceptor {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name = rcgen::DistinguishedName::new();
    ca.distinguished_name.push(DnType::CountryName, "DE");
    ca.distinguished_name
        .push(DnType::OrganizationName, "Test CA Org");
    ca.distinguished_name.push(DnType::CommonName, "Test CA");
    ca.not_after = rcgen::date_time_ymd(2040, 1, 1);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    let issuer = Issuer::new(ca, &ca_key);
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "shop.test".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    leaf.distinguished_name = rcgen::DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::OrganizationName, "Shop");
    leaf.distinguished_name
        .push(DnType::CommonName, "shop.test");
    leaf.not_after = rcgen::date_time_ymd(2035, 6, 1);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf.signed_by(&leaf_key, &issuer).unwrap();
    acceptor(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    )
}

/// Each series as `name{labels} value`, sorted, with `drop` labels left
/// out and timings written as `<timing>`: what must agree.
fn series(text: &str, keep: impl Fn(&nines_expo::Sample) -> bool, drop: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    nines_expo::parse(text, nines_expo::Format::Text, |s| {
        if !s.name.starts_with("probe_") || !keep(&s) {
            return;
        }
        let labels: BTreeMap<String, String> = s
            .labels
            .iter()
            .filter(|(k, _)| !drop.contains(&k.as_ref()))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        let value = if TIMINGS.contains(&s.name.as_ref()) {
            "<timing>".to_string()
        } else {
            s.value.to_string()
        };
        out.push(format!("{}{{{}}} {value}", s.name, labels.join(",")));
    })
    .unwrap();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_write_what_blackbox_exporter_writes_for_the_same_targets() {
    if !require(
        "prometheus-blackbox-exporter",
        "prometheus-blackbox-exporter",
    ) || !require("openssl", "openssl")
    {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let (plain, plain_addr) = nines_testkit::listener().await;
    let (ca, ca_addr) = nines_testkit::listener().await;
    let (ss, ss_addr) = nines_testkit::listener().await;
    serve(plain, None);
    serve(ca, Some(ca_issued(certs.path())));
    serve(ss, Some(self_signed(certs.path())));
    let refused = ReservedPort::new();
    let (p, r) = (plain_addr.port(), refused.port());
    let (ca_pem, ss_pem) = (certs.path().join("ca.pem"), certs.path().join("ss.pem"));
    let (ca_pem, ss_pem) = (ca_pem.display(), ss_pem.display());

    // (probe name, nines' check, blackbox module, blackbox target)
    let probes: Vec<(&str, String, &str, String)> = vec![
        (
            "ok",
            format!("http: http://127.0.0.1:{p}/ok"),
            "http",
            format!("http://127.0.0.1:{p}/ok"),
        ),
        (
            "missing",
            format!("http: http://127.0.0.1:{p}/missing"),
            "http",
            format!("http://127.0.0.1:{p}/missing"),
        ),
        (
            "moved",
            format!("http: http://127.0.0.1:{p}/moved"),
            "http",
            format!("http://127.0.0.1:{p}/moved"),
        ),
        (
            "stream",
            format!("http: http://127.0.0.1:{p}/stream"),
            "http",
            format!("http://127.0.0.1:{p}/stream"),
        ),
        (
            "refused",
            format!("http: http://127.0.0.1:{r}/"),
            "http",
            format!("http://127.0.0.1:{r}/"),
        ),
        (
            "regex",
            format!("http: {{ url: \"http://127.0.0.1:{p}/ok\", body_matches: [absent] }}"),
            "http_regex",
            format!("http://127.0.0.1:{p}/ok"),
        ),
        (
            "ca_leaf",
            format!(
                "http: {{ url: \"https://127.0.0.1:{}/ok\", tls: {{ ca_file: \"{ca_pem}\" }} }}",
                ca_addr.port()
            ),
            "https_ca",
            format!("https://127.0.0.1:{}/ok", ca_addr.port()),
        ),
        (
            "ca_leaf_moved",
            format!(
                "http: {{ url: \"https://127.0.0.1:{}/moved\", tls: {{ ca_file: \"{ca_pem}\" }} }}",
                ca_addr.port()
            ),
            "https_ca",
            format!("https://127.0.0.1:{}/moved", ca_addr.port()),
        ),
        (
            "self_signed",
            format!(
                "http: {{ url: \"https://127.0.0.1:{}/ok\", tls: {{ ca_file: \"{ss_pem}\" }} }}",
                ss_addr.port()
            ),
            "https_self_signed",
            format!("https://127.0.0.1:{}/ok", ss_addr.port()),
        ),
        (
            "untrusted",
            format!(
                "http: {{ url: \"https://127.0.0.1:{}/ok\", tls: {{ ca_file: \"{ca_pem}\" }} }}",
                ss_addr.port()
            ),
            "https_ca",
            format!("https://127.0.0.1:{}/ok", ss_addr.port()),
        ),
        (
            "tcp_open",
            format!("tcp: 127.0.0.1:{p}"),
            "tcp",
            format!("127.0.0.1:{p}"),
        ),
        (
            "tcp_refused",
            format!("tcp: 127.0.0.1:{r}"),
            "tcp",
            format!("127.0.0.1:{r}"),
        ),
        (
            "tcp_expect",
            format!(
                "tcp: {{ address: \"127.0.0.1:{p}\", steps: [{{ send: \"GET /ok HTTP/1.0\\n\" }}, {{ expect: \"^nomatch\" }}] }}"
            ),
            "tcp_expect",
            format!("127.0.0.1:{p}"),
        ),
        (
            "tls_self_signed",
            format!(
                "tls: {{ address: \"127.0.0.1:{}\", ca_file: \"{ss_pem}\" }}",
                ss_addr.port()
            ),
            "tcp_tls_self_signed",
            format!("127.0.0.1:{}", ss_addr.port()),
        ),
    ];

    let modules = format!(
        r#"modules:
  http: {{ prober: http, timeout: 5s, http: {{ preferred_ip_protocol: ip4 }} }}
  http_regex: {{ prober: http, timeout: 5s, http: {{ preferred_ip_protocol: ip4, fail_if_body_not_matches_regexp: [absent] }} }}
  https_ca: {{ prober: http, timeout: 5s, http: {{ preferred_ip_protocol: ip4, tls_config: {{ ca_file: "{ca_pem}" }} }} }}
  https_self_signed: {{ prober: http, timeout: 5s, http: {{ preferred_ip_protocol: ip4, tls_config: {{ ca_file: "{ss_pem}" }} }} }}
  tcp: {{ prober: tcp, timeout: 5s, tcp: {{ preferred_ip_protocol: ip4 }} }}
  tcp_expect: {{ prober: tcp, timeout: 5s, tcp: {{ preferred_ip_protocol: ip4, query_response: [{{ send: "GET /ok HTTP/1.0\n" }}, {{ expect: "^nomatch" }}] }} }}
  tcp_tls_self_signed: {{ prober: tcp, timeout: 5s, tcp: {{ preferred_ip_protocol: ip4, tls: true, tls_config: {{ ca_file: "{ss_pem}" }} }} }}
"#
    );
    let bb_config = certs.path().join("blackbox.yml");
    std::fs::write(&bb_config, modules).unwrap();
    let (_blackbox, bb_port) = start_on_a_free_port(
        Duration::from_secs(20),
        |port| {
            let mut cmd = Command::new("prometheus-blackbox-exporter");
            cmd.arg(format!("--config.file={}", bb_config.display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"));
            cmd
        },
        |port| http_ok(port, "/-/healthy"),
    );

    let mut yaml = String::from("services:\n  bb:\n    probes:\n");
    for (name, check, _, _) in &probes {
        yaml.push_str(&format!(
            "      - name: {name}\n        interval: 2s\n        timeout: 2s\n        {check}\n"
        ));
    }
    yaml.push_str(&auth_yaml());
    let ws = Workspace::new(&yaml);
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let metrics_url = format!("{}/metrics", d.url);
    let text = eventually(Duration::from_secs(20), "every probe has run", || async {
        let m = call("GET", &metrics_url, Some(READER), None).await.text;
        probes
            .iter()
            .all(|(name, ..)| {
                m.contains(&format!("probe_success{{service=\"bb\",probe=\"{name}\"}}"))
            })
            .then_some(m)
    })
    .await;

    let client = reqwest::Client::new();
    let mut disagree = Vec::new();
    for (name, _, module, target) in &probes {
        let ours = series(
            &text,
            |s| {
                s.label("service").as_deref() == Some("bb")
                    && s.label("probe").as_deref() == Some(*name)
            },
            &["service", "probe"],
        );
        let theirs = client
            .get(format!("http://127.0.0.1:{bb_port}/probe"))
            .query(&[("module", *module), ("target", target.as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let theirs = series(&theirs, |_| true, &[]);
        if ours != theirs {
            disagree.push(format!(
                "probe {name} ({target}):\n  nines:\n    {}\n  blackbox_exporter:\n    {}",
                ours.join("\n    "),
                theirs.join("\n    ")
            ));
        }
    }
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
    d.stop().await;
}
