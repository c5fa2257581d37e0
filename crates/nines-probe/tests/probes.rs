//! Every probe kind against real local servers on loopback.

mod servers;

use std::time::Duration;

use nines_condition::Condition;
use nines_probe::*;
use servers::*;

fn probe(check: Check, conditions: &[&str]) -> Runner {
    Runner::new(Probe {
        name: "p".into(),
        interval: Duration::from_secs(30),
        timeout: Duration::from_secs(2),
        check,
        conditions: conditions
            .iter()
            .map(|c| Condition::parse(c).unwrap())
            .collect(),
        alert: Default::default(),
    })
    .unwrap()
}

fn http(url: String) -> HttpCheck {
    HttpCheck::get(url)
}

fn failed(out: &Outcome) -> Vec<String> {
    out.checks
        .iter()
        .filter(|c| !c.success)
        .map(|c| c.description.clone())
        .collect()
}

#[tokio::test]
async fn http_success_with_phases_checks_and_conditions() {
    let addr = http_server(None).await;
    let mut check = http(format!("http://{addr}/ok"));
    check.body_matches = vec![Pattern::new(r#""status":"UP""#).unwrap()];
    check.body_not_matches = vec![Pattern::new("error").unwrap()];
    check.header_matches = vec![HeaderMatch {
        name: "x-version".into(),
        pattern: Pattern::new(r"^1\.").unwrap(),
        negate: false,
    }];
    let out = probe(
        Check::Http(check),
        &[
            "[STATUS] == 200",
            "[BODY].status == UP",
            "[BODY].data[0].id == 1",
            "len([BODY].items) > 0",
            "[RESPONSE_TIME] < 2000",
            "[CONNECTED] == true",
            "[IP] == 127.0.0.1",
        ],
    )
    .run()
    .await;
    assert!(out.success, "{out:#?}");
    assert_eq!(out.status, Some(200));
    assert_eq!(out.checks.len(), 4 + 7);
    for phase in [
        Phase::Resolve,
        Phase::Connect,
        Phase::Processing,
        Phase::Transfer,
    ] {
        assert!(
            out.phases.iter().any(|(p, _)| *p == phase),
            "{phase} missing"
        );
    }
    assert!(!out.phases.iter().any(|(p, _)| *p == Phase::Tls));
    let sum: Duration = out.phases.iter().map(|(_, d)| *d).sum();
    assert!(sum <= out.duration);
}

#[tokio::test]
async fn http_failures_say_why() {
    let addr = http_server(None).await;
    let out = probe(
        Check::Http(http(format!("http://{addr}/fail"))),
        &["[STATUS] == 200"],
    )
    .run()
    .await;
    assert!(!out.success);
    assert_eq!(
        failed(&out),
        ["status 503 is not in 2xx", "[STATUS] (503) == 200"]
    );
    assert_eq!(out.reason().as_deref(), Some("status 503 is not in 2xx"));

    // 503 accepted when the config says so.
    let mut check = http(format!("http://{addr}/fail"));
    check.valid_status = vec![StatusRange { from: 500, to: 503 }];
    assert!(probe(Check::Http(check), &[]).run().await.success);

    // Refused: the port is held (bound) but nobody listens on it.
    let reserved = nines_testkit::ReservedPort::new();
    let port = reserved.port();
    let out = probe(
        Check::Http(http(format!("http://127.0.0.1:{port}/"))),
        &["[CONNECTED] == true"],
    )
    .run()
    .await;
    assert!(!out.success);
    assert!(
        out.error
            .as_deref()
            .unwrap()
            .contains("connecting to 127.0.0.1"),
        "{out:?}"
    );
    assert_eq!(failed(&out), ["[CONNECTED] (false) == true"]);

    // Timeout.
    let out = probe(Check::Http(http(format!("http://{addr}/slow"))), &[])
        .run()
        .await;
    assert_eq!(
        out.error.as_deref(),
        Some("timed out after 2s (waiting for the response from 127.0.0.1)")
    );
    assert!(out.duration >= Duration::from_secs(2) && out.duration < Duration::from_secs(4));
}

#[tokio::test]
async fn http_redirects_methods_and_headers() {
    let addr = http_server(None).await;
    let out = probe(Check::Http(http(format!("http://{addr}/redirect"))), &[])
        .run()
        .await;
    assert!(out.success, "{out:?}");
    assert_eq!((out.status, out.redirects), (Some(200), 1));

    let mut check = http(format!("http://{addr}/redirect"));
    check.follow_redirects = false;
    let out = probe(Check::Http(check), &["[STATUS] == 302"]).run().await;
    assert_eq!(out.status, Some(302));
    assert_eq!(failed(&out), ["status 302 is not in 2xx"]);

    let out = probe(Check::Http(http(format!("http://{addr}/loop"))), &[])
        .run()
        .await;
    assert_eq!(out.error.as_deref(), Some("more than 10 redirects"));

    let mut check = http(format!("http://{addr}/echo"));
    check.method = "POST".into();
    check.body = Some("ping".into());
    check.body_matches = vec![Pattern::new("^POST ping$").unwrap()];
    assert!(probe(Check::Http(check), &[]).run().await.success);

    let mut check = http(format!("http://{addr}/headers"));
    check.headers = vec![("X-Tenant".into(), "acme".into())];
    check.body_matches = vec![
        Pattern::new("(?mi)^x-tenant: acme").unwrap(),
        Pattern::new("(?mi)^user-agent: nines-probe/").unwrap(),
    ];
    let out = probe(Check::Http(check), &[]).run().await;
    assert!(out.success, "{out:?}");
}

#[tokio::test]
async fn https_verifies_and_reports_certificate_expiry() {
    let tls = tls();
    let addr = http_server(Some(tls.acceptor.clone())).await;
    let url = format!("https://localhost:{}/ok", addr.port());

    // Trusted through ca_file.
    let mut check = http(url.clone());
    check.tls.ca_file = Some(tls.ca_file.clone());
    let out = probe(Check::Http(check), &["[CERTIFICATE_EXPIRATION] > 48h"])
        .run()
        .await;
    assert!(out.success, "{out:?}");
    let certs = out.certificates.clone().unwrap();
    assert_eq!(certs.earliest_expiry, Some(CERT_NOT_AFTER));
    assert_eq!(certs.leaf_subject.as_deref(), Some("localhost"));
    assert!(out.phases.iter().any(|(p, _)| *p == Phase::Tls));

    // Not trusted by the system roots.
    let out = probe(Check::Http(http(url.clone())), &[]).run().await;
    assert!(!out.success);
    assert!(
        out.error
            .as_deref()
            .unwrap()
            .contains("TLS handshake with localhost"),
        "{out:?}"
    );

    // insecure_skip_verify still reports expiry.
    let mut check = http(url.clone());
    check.tls.insecure_skip_verify = true;
    let out = probe(Check::Http(check), &["[CERTIFICATE_EXPIRATION] > 87600h"])
        .run()
        .await;
    assert_eq!(
        out.certificates.unwrap().earliest_expiry,
        Some(CERT_NOT_AFTER)
    );
    assert_eq!(out.checks.len(), 2);
    assert!(!out.checks[1].success, "more than ten years left?");

    // The wrong server name fails verification.
    let mut check = http(url);
    check.tls.ca_file = Some(tls.ca_file.clone());
    check.tls.server_name = Some("shop.example".into());
    let out = probe(Check::Http(check), &[]).run().await;
    assert!(
        out.error.as_deref().unwrap().contains("TLS handshake"),
        "{out:?}"
    );
}

#[tokio::test]
async fn tls_probe_reads_the_chain() {
    let tls = tls();
    let addr = http_server(Some(tls.acceptor.clone())).await;
    let out = probe(
        Check::Tls(TlsCheck {
            address: format!("localhost:{}", addr.port()),
            tls: TlsOptions {
                ca_file: Some(tls.ca_file.clone()),
                ..TlsOptions::default()
            },
        }),
        &["[CERTIFICATE_EXPIRATION] > 48h"],
    )
    .run()
    .await;
    assert!(out.success, "{out:?}");
    assert_eq!(
        out.certificates.unwrap().earliest_expiry,
        Some(CERT_NOT_AFTER)
    );
}

/// Regression test for issue 15: `openssl req -x509` makes a self-signed
/// certificate with `CA:TRUE`, and users trust it through `ca_file`. Go
/// (so blackbox_exporter) accepts it; webpki alone refused it with
/// `CaUsedAsEndEntity`.
#[tokio::test]
async fn a_self_signed_ca_certificate_named_in_ca_file_is_trusted_as_go_trusts_it() {
    use sha2::Digest;
    let run = |tls: &Tls, ca_file: &std::path::Path, server_name: Option<&str>| {
        let acceptor = tls.acceptor.clone();
        let ca_file = ca_file.to_path_buf();
        let server_name = server_name.map(str::to_string);
        async move {
            let addr = http_server(Some(acceptor)).await;
            let mut check = http(format!("https://localhost:{}/ok", addr.port()));
            check.tls.ca_file = Some(ca_file);
            check.tls.server_name = server_name;
            probe(Check::Http(check), &[]).run().await
        }
    };
    let good = tls_self_signed_ca(2020, 2030, vec![]);
    let out = run(&good, &good.ca_file, None).await;
    assert!(out.success, "{out:?}");
    let certs = out.certificates.unwrap();
    // The chain that verified is the certificate alone.
    assert_eq!(certs.verified_chain_expiry, Some(CERT_NOT_AFTER));
    let leaf = certs.leaf.unwrap();
    assert_eq!(leaf.subject, "CN=localhost,O=Shop\\, Inc.");
    assert_eq!(leaf.issuer, leaf.subject);
    assert_eq!(leaf.dns_names, ["localhost"]);
    let digest = sha2::Sha256::digest(&good.leaf);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(leaf.fingerprint_sha256, hex);
    assert_eq!(certs.version, Some("TLS 1.3"));

    // Still checked: the host name,
    let out = run(&good, &good.ca_file, Some("shop.example")).await;
    assert!(!out.success, "{out:?}");
    // the validity period,
    let expired = tls_self_signed_ca(2000, 2001, vec![]);
    let out = run(&expired, &expired.ca_file, None).await;
    assert!(out.error.as_deref().unwrap().contains("Expired"), "{out:?}");
    // the key usage (a client certificate does not serve TLS),
    let client_only =
        tls_self_signed_ca(2020, 2030, vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth]);
    let out = run(&client_only, &client_only.ca_file, None).await;
    assert!(!out.success, "{out:?}");
    // and that it is exactly a trusted certificate: another self-signed
    // one for the same name in ca_file does not vouch for it.
    let other = tls_self_signed_ca(2020, 2030, vec![]);
    let out = run(&good, &other.ca_file, None).await;
    assert!(!out.success, "{out:?}");
}

#[tokio::test]
async fn the_verified_chain_leaves_out_an_expired_cross_sign() {
    let tls = tls_chain();
    let addr = http_server(Some(tls.acceptor.clone())).await;
    let check = |insecure: bool| TlsCheck {
        address: format!("localhost:{}", addr.port()),
        tls: TlsOptions {
            ca_file: (!insecure).then(|| tls.ca_file.clone()),
            insecure_skip_verify: insecure,
            ..TlsOptions::default()
        },
    };
    let out = probe(Check::Tls(check(false)), &[]).run().await;
    assert!(out.success, "{out:?}");
    let certs = out.certificates.unwrap();
    assert_eq!(certs.chain_len, 3);
    assert_eq!(certs.earliest_expiry, Some(EXPIRED_CROSS_SIGN));
    // The intermediate expires before the leaf: the chain's expiry is its.
    assert_eq!(certs.verified_chain_expiry, Some(INTERMEDIATE_NOT_AFTER));

    // Nothing verified: no verified chain to report.
    let out = probe(Check::Tls(check(true)), &[]).run().await;
    let certs = out.certificates.unwrap();
    assert_eq!(certs.earliest_expiry, Some(EXPIRED_CROSS_SIGN));
    assert_eq!(certs.verified_chain_expiry, None);
}

#[tokio::test]
async fn tcp_conversation_with_starttls() {
    let tls = tls();
    let addr = smtp_server(tls.acceptor.clone()).await;
    let step_expect = |p: &str| TcpStep::Expect(Pattern::new(p).unwrap());
    let check = |steps| TcpCheck {
        address: format!("localhost:{}", addr.port()),
        tls: false,
        tls_options: TlsOptions {
            ca_file: Some(tls.ca_file.clone()),
            ..TlsOptions::default()
        },
        steps,
    };
    let out = probe(
        Check::Tcp(check(vec![
            step_expect("^220 "),
            TcpStep::Send("EHLO nines".into()),
            step_expect("^250 STARTTLS"),
            TcpStep::Send("STARTTLS".into()),
            step_expect("^220 "),
            TcpStep::StartTls,
            TcpStep::Send("NOOP".into()),
            step_expect("^250 ok$"),
        ])),
        &["[CONNECTED] == true", "[CERTIFICATE_EXPIRATION] > 48h"],
    )
    .run()
    .await;
    assert!(out.success, "{out:#?}");
    assert_eq!(
        out.certificates.unwrap().earliest_expiry,
        Some(CERT_NOT_AFTER)
    );

    let out = probe(Check::Tcp(check(vec![step_expect("^554 ")])), &[])
        .run()
        .await;
    assert!(!out.success);
    assert_eq!(
        out.error.as_deref(),
        Some("timed out after 2s (step 1: expecting /^554 /)")
    );
}

#[tokio::test]
async fn dns_against_dnsmasq() {
    if !nines_testkit::require("dnsmasq", "dnsmasq") {
        return;
    }
    let server = dnsmasq();
    let check = |name: &str, record_type, valid: Vec<u16>, answers: &[&str]| DnsCheck {
        name: name.into(),
        record_type,
        server: Some(server.addr),
        valid_rcodes: valid,
        answer_matches: answers.iter().map(|a| Pattern::new(a).unwrap()).collect(),
    };
    let out = probe(
        Check::Dns(check(
            "shop.test",
            RecordType::A,
            vec![0],
            &[r"IN A 127\.0\.0\.7$"],
        )),
        &["[DNS_RCODE] == NOERROR"],
    )
    .run()
    .await;
    assert!(out.success, "{out:#?}");
    assert_eq!(out.dns_answers.len(), 1);
    assert!(
        out.dns_answers[0].starts_with("shop.test. "),
        "{:?}",
        out.dns_answers
    );

    let out = probe(
        Check::Dns(check(
            "shop.test",
            RecordType::Mx,
            vec![0],
            &["10 mail.shop.test."],
        )),
        &[],
    )
    .run()
    .await;
    assert!(out.success, "{out:#?}");

    let out = probe(
        Check::Dns(check(
            "shop.test",
            RecordType::Txt,
            vec![0],
            &[r#""v=spf1 -all""#],
        )),
        &[],
    )
    .run()
    .await;
    assert!(out.success, "{out:#?}");

    let out = probe(
        Check::Dns(check("gone.test", RecordType::A, vec![0], &[])),
        &["[DNS_RCODE] == NXDOMAIN"],
    )
    .run()
    .await;
    assert!(!out.success);
    assert_eq!(out.dns_rcode, Some(3));
    assert_eq!(failed(&out), ["rcode NXDOMAIN is not in NOERROR"]);

    let out = probe(
        Check::Dns(check("shop.test", RecordType::A, vec![0], &["127.0.0.8"])),
        &[],
    )
    .run()
    .await;
    assert_eq!(failed(&out), ["no answer matches /127.0.0.8/"]);
}
