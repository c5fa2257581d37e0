//! Real local servers for the probe tests: a small HTTP/1.1 server (plain
//! and TLS, with a certificate expiring at a known date), an SMTP-like
//! line server with STARTTLS, and dnsmasq.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// 2030-01-01T00:00:00Z: the test certificate's notAfter.
pub const CERT_NOT_AFTER: i64 = 1_893_456_000;

pub struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// The presented leaf, DER.
    pub leaf: Vec<u8>,
    /// PEM of the self-signed certificate, for `ca_file`.
    pub ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

/// A self-signed certificate for `localhost` valid until [`CERT_NOT_AFTER`].
pub fn tls() -> Tls {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.not_after = rcgen::date_time_ymd(2030, 1, 1);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    serving(&cert.pem(), vec![cert.der().clone()], &key)
}

/// A self-signed certificate as `openssl req -x509` makes it: `CA:TRUE`,
/// for `localhost`, valid from `from` to `until` (years), with `eku` as its
/// extended key usages (none when empty).
pub fn tls_self_signed_ca(from: i32, until: i32, eku: Vec<rcgen::ExtendedKeyUsagePurpose>) -> Tls {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(until, 1, 1);
    params.extended_key_usages = eku;
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Shop, Inc.");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    serving(&cert.pem(), vec![cert.der().clone()], &key)
}

/// A TLS server presenting `chain` with `key`, clients trusting `ca_pem`.
fn serving(
    ca_pem: &str,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: &rcgen::KeyPair,
) -> Tls {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let leaf = chain[0].clone();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            chain,
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    Tls {
        leaf: leaf.to_vec(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_file,
        _dir: dir,
    }
}

/// Serves a few fixed routes over HTTP/1.1 (TLS when `tls` is given) until
/// the test's runtime ends.
pub async fn http_server(tls: Option<tokio_rustls::TlsAcceptor>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            serve_http(stream).await;
                        }
                    }
                    None => serve_http(stream).await,
                }
            });
        }
    });
    addr
}

async fn serve_http<S: AsyncRead + AsyncWrite + Unpin>(stream: S) {
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        head.push(line);
    }
    let length: usize = head
        .iter()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body).await;
    let request_line = head.first().cloned().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, extra, text): (&str, &str, String) = match path {
        "/ok" => (
            "200 OK",
            "X-Version: 1.2.3\r\n",
            r#"{"status":"UP","items":[1,2],"data":[{"id":1}]}"#.into(),
        ),
        "/fail" => ("503 Service Unavailable", "", "down".into()),
        "/redirect" => ("302 Found", "Location: /ok\r\n", String::new()),
        "/loop" => ("302 Found", "Location: /loop\r\n", String::new()),
        "/echo" => (
            "200 OK",
            "",
            format!("{method} {}", String::from_utf8_lossy(&body)),
        ),
        "/headers" => ("200 OK", "", head.concat()),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            ("200 OK", "", "late".into())
        }
        _ => ("404 Not Found", "", "no such page".into()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// 2031-01-01, 2035-01-01 and 2021-01-01: the chain test's intermediate,
/// root and expired cross-sign.
pub const INTERMEDIATE_NOT_AFTER: i64 = 1_924_992_000;
pub const EXPIRED_CROSS_SIGN: i64 = 1_609_459_200;

/// A chain as public CAs serve it: leaf (2032) ← intermediate (2031) ←
/// root (trusted through `ca_file`), plus an expired cross-sign of the
/// intermediate by an old root, presented but not needed.
pub fn tls_chain() -> Tls {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca = |cn: &str, y: i32| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, cn);
        p.not_after = rcgen::date_time_ymd(y, 1, 1);
        p
    };
    let root_key = KeyPair::generate().unwrap();
    let root_params = ca("Test Root", 2035);
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, &root_key);
    let old_key = KeyPair::generate().unwrap();
    let old_issuer = Issuer::new(ca("Old Root", 2020), &old_key);
    let int_key = KeyPair::generate().unwrap();
    let intermediate = ca("Test Intermediate", 2031)
        .signed_by(&int_key, &root_issuer)
        .unwrap();
    let mut cross = ca("Test Intermediate", 2021);
    cross.not_before = rcgen::date_time_ymd(2018, 1, 1);
    let cross = cross.signed_by(&int_key, &old_issuer).unwrap();
    let int_issuer = Issuer::new(ca("Test Intermediate", 2031), &int_key);
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.not_after = rcgen::date_time_ymd(2032, 1, 1);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf.signed_by(&leaf_key, &int_issuer).unwrap();
    serving(
        &root.pem(),
        vec![
            leaf.der().clone(),
            intermediate.der().clone(),
            cross.der().clone(),
        ],
        &leaf_key,
    )
}

/// An SMTP-like server: greets with 220, answers EHLO with a STARTTLS
/// capability, upgrades on STARTTLS, and answers NOOP with `250 ok`.
pub async fn smtp_server(acceptor: tokio_rustls::TlsAcceptor) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                let _ = stream.get_mut().write_all(b"220 smtp.test ESMTP\r\n").await;
                let mut line = String::new();
                while stream.read_line(&mut line).await.unwrap_or(0) > 0 {
                    let reply: &[u8] = match line.trim() {
                        l if l.starts_with("EHLO") => b"250-smtp.test\r\n250 STARTTLS\r\n",
                        "STARTTLS" => b"220 ready to start TLS\r\n",
                        _ => b"500 what\r\n",
                    };
                    let _ = stream.get_mut().write_all(reply).await;
                    if line.trim() == "STARTTLS" {
                        let Ok(tls) = acceptor.accept(stream.into_inner()).await else {
                            return;
                        };
                        let mut tls = BufReader::new(tls);
                        let mut line = String::new();
                        while tls.read_line(&mut line).await.unwrap_or(0) > 0 {
                            let _ = tls.get_mut().write_all(b"250 ok\r\n").await;
                            line.clear();
                        }
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    addr
}

/// dnsmasq on loopback, answering for `shop.test` and NXDOMAIN for other
/// names under `test`.
pub struct Dnsmasq {
    _child: nines_testkit::Spawned,
    pub addr: SocketAddr,
}

/// dnsmasq must bind its own port (TCP and UDP): started by the kit on a
/// free port, again on another when the one picked was taken meanwhile;
/// ready when it answers a query.
pub fn dnsmasq() -> Dnsmasq {
    let query = nines_probe::dns_wire::query(7, "shop.test", nines_probe::RecordType::A).unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let (child, port) = nines_testkit::ports::start_on_a_free_port(
        Duration::from_secs(15),
        |port| {
            let mut cmd = Command::new("dnsmasq");
            cmd.args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--pid-file=",
                "--local=/test/",
                "--address=/shop.test/127.0.0.7",
                "--txt-record=shop.test,v=spf1 -all",
                "--mx-host=shop.test,mail.shop.test,10",
                &format!("--port={port}"),
            ]);
            cmd
        },
        |port| {
            let _ = socket.send_to(&query, ("127.0.0.1", port));
            let mut buf = [0u8; 512];
            socket.recv_from(&mut buf).is_ok()
        },
    );
    Dnsmasq {
        _child: child,
        addr: format!("127.0.0.1:{port}").parse().unwrap(),
    }
}
