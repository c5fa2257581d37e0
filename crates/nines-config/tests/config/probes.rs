//! Good configs of probes, probe SLIs, scrape targets and PromQL headers,
//! and the model they build; and that the writer's YAML reads back the same.

use std::path::PathBuf;
use std::time::Duration;

use nines_condition::Condition;
use nines_config::{Config, Counters, Ratio, ScrapeTarget, Sli, services_yaml};
use nines_probe::{
    Check, DnsCheck, HeaderMatch, HeartbeatCheck, HttpCheck, Pattern, Probe, RecordType,
    StatusRange, TcpCheck, TcpStep, TlsCheck, TlsOptions,
};

use crate::parse;

const EVERY_KEY: &str = r#"
services:
  shop:
    probes:
      - name: home
        interval: 1m
        timeout: 5s
        failure_threshold: 5
        success_threshold: 1
        http:
          url: https://shop.example.com/health?deep=1
          method: POST
          headers: { Accept: application/json, X-Team: "${TEAM}" }
          bearer_token: s3cret
          body: '{"ping": true}'
          valid_status: [200, 3xx, "400-404"]
          follow_redirects: false
          tls: { insecure_skip_verify: false, ca_file: certs/ca.pem, server_name: shop.internal }
          body_matches: ['"status":\s*"UP"']
          body_not_matches: [maintenance]
          header_matches:
            - { name: Content-Type, regex: json }
            - { name: X-Cache, regex: MISS, negate: true }
        conditions:
          - "[STATUS] == 200"
          - "[BODY].status == UP"
          - "[RESPONSE_TIME] < 300"
          - "[CERTIFICATE_EXPIRATION] > 48h"
      - name: smtp
        interval: 2m
        tcp:
          address: mail.example.com:25
          tls: false
          tls_options: { server_name: mail.example.com }
          steps:
            - expect: "^220 "
            - send: EHLO nines.example.com
            - expect: "^250 "
            - send: STARTTLS
            - expect: "^220 "
            - starttls: true
        conditions: ["[CONNECTED] == true"]
      - name: resolve
        dns:
          name: shop.example.com
          type: aaaa
          server: "[2606:4700:4700::1111]:5353"
          valid_rcodes: [NOERROR, nxdomain]
          answer_matches: ['2001:db8::']
        conditions: ["[DNS_RCODE] == NOERROR"]
      - name: cert
        interval: 1h
        timeout: 20s
        tls:
          address: "[2001:db8::1]:443"
          insecure_skip_verify: true
          server_name: shop.example.com
        conditions: ["[CERTIFICATE_EXPIRATION] > 336h"]
      - name: nightly
        heartbeat: { every: 1d, grace: 30m }
    slos:
      - name: up
        objective: 99.9
        sli: { probe: home }
      - name: fast
        objective: 99
        sli: { probe: home, latency_below: 300ms }
      - name: backups
        objective: 95
        sli:
          probe: nightly
"#;

fn pattern(source: &str) -> Pattern {
    Pattern::new(source).unwrap()
}

fn conditions(texts: &[&str]) -> Vec<Condition> {
    texts.iter().map(|t| Condition::parse(t).unwrap()).collect()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn every_kind_reads_every_key() {
    let config = parse(EVERY_KEY);
    let probes = &config.services["shop"].probes;
    let home = Probe {
        name: "home".into(),
        interval: secs(60),
        timeout: secs(5),
        check: Check::Http(HttpCheck {
            url: "https://shop.example.com/health?deep=1".into(),
            method: "POST".into(),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("X-Team".into(), "payments".into()),
                ("Authorization".into(), "Bearer s3cret".into()),
            ],
            body: Some(r#"{"ping": true}"#.into()),
            valid_status: vec![
                StatusRange { from: 200, to: 200 },
                StatusRange { from: 300, to: 399 },
                StatusRange { from: 400, to: 404 },
            ],
            follow_redirects: false,
            tls: TlsOptions {
                insecure_skip_verify: false,
                ca_file: Some(PathBuf::from("certs/ca.pem")),
                server_name: Some("shop.internal".into()),
            },
            body_matches: vec![pattern(r#""status":\s*"UP""#)],
            body_not_matches: vec![pattern("maintenance")],
            header_matches: vec![
                HeaderMatch {
                    name: "Content-Type".into(),
                    pattern: pattern("json"),
                    negate: false,
                },
                HeaderMatch {
                    name: "X-Cache".into(),
                    pattern: pattern("MISS"),
                    negate: true,
                },
            ],
        }),
        conditions: conditions(&[
            "[STATUS] == 200",
            "[BODY].status == UP",
            "[RESPONSE_TIME] < 300",
            "[CERTIFICATE_EXPIRATION] > 48h",
        ]),
        alert: nines_probe::AlertThresholds {
            failures: 5,
            successes: 1,
        },
    };
    assert_eq!(probes[0], home);

    let smtp = Probe {
        name: "smtp".into(),
        interval: secs(120),
        timeout: secs(10),
        check: Check::Tcp(TcpCheck {
            address: "mail.example.com:25".into(),
            tls: false,
            tls_options: TlsOptions {
                server_name: Some("mail.example.com".into()),
                ..TlsOptions::default()
            },
            steps: vec![
                TcpStep::Expect(pattern("^220 ")),
                TcpStep::Send("EHLO nines.example.com".into()),
                TcpStep::Expect(pattern("^250 ")),
                TcpStep::Send("STARTTLS".into()),
                TcpStep::Expect(pattern("^220 ")),
                TcpStep::StartTls,
            ],
        }),
        conditions: conditions(&["[CONNECTED] == true"]),
        alert: Default::default(),
    };
    assert_eq!(probes[1], smtp);

    let resolve = Probe {
        name: "resolve".into(),
        interval: secs(30),
        timeout: secs(10),
        check: Check::Dns(DnsCheck {
            name: "shop.example.com".into(),
            record_type: RecordType::Aaaa,
            server: Some("[2606:4700:4700::1111]:5353".parse().unwrap()),
            valid_rcodes: vec![0, 3],
            answer_matches: vec![pattern("2001:db8::")],
        }),
        conditions: conditions(&["[DNS_RCODE] == NOERROR"]),
        alert: Default::default(),
    };
    assert_eq!(probes[2], resolve);

    let cert = Probe {
        name: "cert".into(),
        interval: secs(3600),
        timeout: secs(20),
        check: Check::Tls(TlsCheck {
            address: "[2001:db8::1]:443".into(),
            tls: TlsOptions {
                insecure_skip_verify: true,
                ca_file: None,
                server_name: Some("shop.example.com".into()),
            },
        }),
        conditions: conditions(&["[CERTIFICATE_EXPIRATION] > 336h"]),
        alert: Default::default(),
    };
    assert_eq!(probes[3], cert);

    // A heartbeat is judged every `every`; its timeout is unused.
    let nightly = Probe {
        name: "nightly".into(),
        interval: secs(86_400),
        timeout: secs(86_400),
        check: Check::Heartbeat(HeartbeatCheck {
            every: secs(86_400),
            grace: secs(1800),
        }),
        conditions: Vec::new(),
        alert: Default::default(),
    };
    assert_eq!(probes[4], nightly);

    let slis: Vec<&Sli> = config.services["shop"]
        .slos
        .iter()
        .map(|s| &s.sli)
        .collect();
    assert_eq!(
        slis,
        [
            &Sli::Probe {
                probe: "home".into(),
                latency_below: None
            },
            &Sli::Probe {
                probe: "home".into(),
                latency_below: Some(Duration::from_millis(300))
            },
            &Sli::Probe {
                probe: "nightly".into(),
                latency_below: None
            },
        ]
    );
    assert_eq!(slis[0].kind(), "probe");
}

#[test]
fn shorthands_and_defaults() {
    let config = parse(
        "services:\n  shop:\n    probes:\n      - { name: a, http: 'http://shop/' }\n      - { name: b, tcp: 'shop:22', interval: 5s }\n      - { name: c, tls: 'shop:443' }\n      - { name: d, dns: example.com }\n      - { name: e, heartbeat: 1h }\n",
    );
    let p = &config.services["shop"].probes;
    let Check::Http(http) = &p[0].check else {
        panic!("{:?}", p[0])
    };
    assert_eq!(http.url, "http://shop/");
    assert_eq!(http.method, "GET");
    assert_eq!(http.valid_status, [StatusRange::SUCCESS]);
    assert!(http.follow_redirects && http.headers.is_empty() && http.body.is_none());
    assert_eq!((p[0].interval, p[0].timeout), (secs(30), secs(10)));
    // The default timeout is capped at the interval.
    assert_eq!((p[1].interval, p[1].timeout), (secs(5), secs(5)));
    assert_eq!(
        p[1].check,
        Check::Tcp(TcpCheck {
            address: "shop:22".into(),
            tls: false,
            tls_options: TlsOptions::default(),
            steps: Vec::new(),
        })
    );
    assert_eq!(
        p[2].check,
        Check::Tls(TlsCheck {
            address: "shop:443".into(),
            tls: TlsOptions::default(),
        })
    );
    assert_eq!(
        p[3].check,
        Check::Dns(DnsCheck {
            name: "example.com".into(),
            record_type: RecordType::A,
            server: None,
            valid_rcodes: vec![0],
            answer_matches: Vec::new(),
        })
    );
    assert_eq!(
        p[4].check,
        Check::Heartbeat(HeartbeatCheck {
            every: secs(3600),
            grace: Duration::ZERO,
        })
    );
    let dns = parse(
        "services:\n  a:\n    probes:\n      - { name: d, dns: { name: x.example, server: 10.0.0.2 } }\n",
    );
    let Check::Dns(d) = &dns.services["a"].probes[0].check else {
        panic!()
    };
    assert_eq!(d.server, Some("10.0.0.2:53".parse().unwrap()));
}

#[test]
fn tcp_speaks_tls_from_the_start() {
    let config = parse(
        "services:\n  mail:\n    probes:\n      - name: smtps\n        tcp:\n          address: mail:465\n          tls: true\n          tls_options: { ca_file: /etc/ca.pem }\n          steps: [{ expect: '^220' }, { send: QUIT }]\n",
    );
    let Check::Tcp(t) = &config.services["mail"].probes[0].check else {
        panic!()
    };
    assert!(t.tls);
    assert_eq!(t.tls_options.ca_file, Some(PathBuf::from("/etc/ca.pem")));
    assert_eq!(t.steps.len(), 2);
}

#[test]
fn a_relative_ca_file_is_read_beside_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shop.yaml"),
        "services:\n  shop:\n    probes:\n      - name: a\n        http: { url: 'https://shop/', tls: { ca_file: ca.pem } }\n",
    )
    .unwrap();
    let config = Config::load(dir.path()).unwrap();
    let Check::Http(h) = &config.services["shop"].probes[0].check else {
        panic!()
    };
    assert_eq!(h.tls.ca_file, Some(dir.path().join("ca.pem")));
}

#[test]
fn scrape_targets_and_what_slis_name() {
    let config = parse(
        r#"
scrape:
  - name: shop
    url: http://shop:8080/metrics
    interval: 30s
    timeout: 5s
    headers: { X-Scope: a }
    basic_auth: { username: prom, password: "p:w" }
    tls: { insecure_skip_verify: true }
  - url: https://cart/metrics
    interval: 5s
services:
  shop:
    slos:
      - name: a
        objective: 99
        sli: { prometheus: { errors: e_total, total: t_total, target: shop } }
      - name: b
        objective: 99
        sli: { prometheus: { errors: e_total, total: t_total, target: "https://cart/metrics" } }
      - name: c
        objective: 99
        sli: { prometheus: { errors: e_total, total: t_total, target: "http://search/metrics" } }
      - name: d
        objective: 99
        sli: { prometheus: { errors: e_total, total: t_total, target: "http://search/metrics" } }
      - name: e
        objective: 99
        sli: { prometheus: { errors: e_total, total: t_total } }
"#,
    );
    let shop = ScrapeTarget {
        name: "shop".into(),
        url: "http://shop:8080/metrics".into(),
        interval: secs(30),
        timeout: secs(5),
        headers: vec![
            ("X-Scope".into(), "a".into()),
            // base64("prom:p:w")
            ("Authorization".into(), "Basic cHJvbTpwOnc=".into()),
        ],
        tls: TlsOptions {
            insecure_skip_verify: true,
            ..TlsOptions::default()
        },
    };
    let cart = ScrapeTarget {
        name: "https://cart/metrics".into(),
        url: "https://cart/metrics".into(),
        interval: secs(5),
        timeout: secs(5),
        headers: Vec::new(),
        tls: TlsOptions::default(),
    };
    // A URL no entry lists is scraped with the defaults, once.
    let search = ScrapeTarget {
        name: "http://search/metrics".into(),
        url: "http://search/metrics".into(),
        interval: secs(15),
        timeout: secs(10),
        headers: Vec::new(),
        tls: TlsOptions::default(),
    };
    assert_eq!(config.scrape, [shop.clone(), cart, search]);
    assert_eq!(config.scrape_target("shop"), Some(&shop));
    assert_eq!(
        config.scrape_target("http://shop:8080/metrics"),
        Some(&shop)
    );
    let e = config.slo("shop", "e").unwrap().sli.counters().unwrap();
    assert_eq!(
        e.location, None,
        "a prometheus SLI without target only compiles to rules"
    );
    for slo in ["a", "b", "c", "d"] {
        let c = config.slo("shop", slo).unwrap().sli.counters().unwrap();
        assert!(
            config
                .scrape_target(c.location.as_deref().unwrap())
                .is_some(),
            "{slo}"
        );
    }
}

#[test]
fn scrape_entries_merge_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "a.yaml",
        "services:\n  shop:\n    slos:\n      - { name: a, objective: 99, sli: { prometheus: { errors: e, total: t, target: cart } } }\n",
    );
    write(
        "b.yaml",
        "scrape:\n  - { name: cart, url: 'http://cart/metrics' }\n",
    );
    write(
        "c.yaml",
        "scrape:\n  - { name: cart, url: 'http://cart2/metrics' }\n",
    );
    let errors = Config::load(dir.path()).unwrap_err().to_string();
    let c = dir.path().join("c.yaml");
    let b = dir.path().join("b.yaml");
    assert_eq!(
        errors,
        format!(
            "{}:2: scrape[0].name: duplicate scrape target name `cart`; it is first defined at {}:2",
            c.display(),
            b.display()
        )
    );
    std::fs::remove_file(&c).unwrap();
    let config = Config::load(dir.path()).unwrap();
    assert_eq!(config.scrape.len(), 1);
    assert_eq!(config.scrape[0].name, "cart");
}

#[test]
fn promql_sends_headers_and_credentials() {
    let config = parse(
        r#"
services:
  shop:
    slos:
      - name: a
        objective: 99
        sli:
          promql:
            good: 'ok_total{job="shop"}'
            total: all_total
            url: https://mimir.example.com/prometheus
            headers: { X-Scope-OrgID: shop }
            bearer_token: ${TEAM}
      - name: b
        objective: 99
        sli:
          promql:
            errors: err_total
            total: all_total
            url: http://prometheus:9090
            basic_auth: { username: Aladdin, password: open sesame }
"#,
    );
    assert_eq!(
        config.slo("shop", "a").unwrap().sli,
        Sli::Promql(Counters {
            ratio: Ratio::Good("ok_total{job=\"shop\"}".into()),
            total: "all_total".into(),
            location: Some("https://mimir.example.com/prometheus".into()),
            headers: vec![
                ("X-Scope-OrgID".into(), "shop".into()),
                ("Authorization".into(), "Bearer payments".into()),
            ],
        })
    );
    let b = config.slo("shop", "b").unwrap().sli.counters().unwrap();
    assert_eq!(
        b.headers,
        [(
            "Authorization".to_string(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_string()
        )]
    );
}

#[test]
fn written_config_reads_back_the_same() {
    let mut text = EVERY_KEY.replace("services:\n", "");
    text = format!(
        "services:\n{text}      - name: mimir\n        objective: 99.5\n        description: costs $${{X}}\n        sli:\n          promql: {{ good: a_total, total: b_total, url: 'http://m/', headers: {{ X-Org: '&*!' }}, bearer_token: t }}\n"
    );
    let config = parse(&text);
    let written = services_yaml(config.services.values());
    let again = Config::parse("written.yaml", &written)
        .unwrap_or_else(|e| panic!("{e}\n--- written:\n{written}"));
    assert_eq!(again.services, config.services, "{written}");
    assert_eq!(
        again.slo("shop", "mimir").unwrap().description.as_deref(),
        Some("costs ${X}")
    );
}
