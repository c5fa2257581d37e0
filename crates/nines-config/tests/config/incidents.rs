//! `channels`, `integrations`, `routes` and `incidents`: the model they
//! build, defaults, and what merging several files allows.

use std::collections::BTreeMap;
use std::fs;
use std::time::Duration;

use nines_config::{
    Channel, Config, Destination, Email, IncidentSettings, IntegrationKind, RateLimit, Route,
    SmtpTls, Template, hash_token,
};

use crate::{errors, parse};

/// Every key of the four sections.
fn full() -> String {
    format!(
        r#"services:
  shop: {{}}
  payments: {{}}
channels:
  payments-slack:
    slack: https://hooks.slack.com/services/T0/B0/XXXX
  ops-slack:
    slack: {{ url: "http://slack-proxy:8080/hook" }}
  audit:
    webhook:
      url: https://audit.example.com/nines
      secret: ${{WEBHOOK_SECRET}}
      headers: {{ X-Team: sre }}
  plain-hook:
    webhook: {{ url: "http://hooks:9000/in" }}
integrations:
  alertmanager:
    kind: alertmanager
    key_hash: "{am}"
  pagerduty-payments:
    kind: pagerduty
    key_hash: "{pd}"
    service: payments
routes:
  service: shop
  severity: {{ info: SEV4 }}
  group_by: [alertname]
  channels: [ops-slack]
  routes:
    - matchers: ['severity=~"critical|error"', team=payments]
      service: payments
      severity: {{ critical: SEV1, error: SEV2, warning: SEV3 }}
      group_by: ['...']
      channels: [payments-slack, audit]
      routes:
        - matchers: ["env!=prod"]
          channels: []
    - matchers: ['alertname!~"Watchdog|InfoInhibitor"']
      continue: true
      channels: [audit]
    - matchers: [team="shop"]
incidents:
  auto_resolve: false
  give_up_after: 2h
  secret: ${{NINES_LINK_SECRET}}
  external_url: https://nines.example.com/
"#,
        am = hash_token("am-key"),
        pd = hash_token("pd-key")
            .to_uppercase()
            .replace("SHA256", "sha256"),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A channel with no rate limit and nines' own wording.
fn plain(to: Destination) -> Channel {
    Channel {
        to,
        rate_limit: None,
        template: Template::default(),
    }
}

#[test]
fn channels_read_in_every_form() {
    let config = parse(&full());
    assert_eq!(
        config.channels.keys().collect::<Vec<_>>(),
        ["audit", "ops-slack", "payments-slack", "plain-hook"]
    );
    assert_eq!(
        config.channels["payments-slack"],
        plain(Destination::Slack {
            url: "https://hooks.slack.com/services/T0/B0/XXXX".into()
        })
    );
    assert_eq!(
        config.channels["ops-slack"],
        plain(Destination::Slack {
            url: "http://slack-proxy:8080/hook".into()
        })
    );
    assert_eq!(
        config.channels["audit"],
        plain(Destination::Webhook {
            url: "https://audit.example.com/nines".into(),
            secret: Some("not-a-secret-but-long-enough".into()),
            headers: vec![("X-Team".into(), "sre".into())],
        })
    );
    assert_eq!(
        config.channels["plain-hook"],
        plain(Destination::Webhook {
            url: "http://hooks:9000/in".into(),
            secret: None,
            headers: Vec::new(),
        })
    );
}

#[test]
fn integrations_keep_a_key_hash_the_daemon_can_compare() {
    let config = parse(&full());
    let am = &config.integrations["alertmanager"];
    assert_eq!(am.name, "alertmanager");
    assert_eq!(am.kind, IntegrationKind::Alertmanager);
    assert_eq!(am.key_hash, hash_token("am-key"));
    assert_eq!(am.service, None);
    let pd = &config.integrations["pagerduty-payments"];
    assert_eq!(pd.kind, IntegrationKind::Pagerduty);
    // Written in capitals, kept in the form `hash_token` computes.
    assert_eq!(pd.key_hash, hash_token("pd-key"));
    assert_eq!(pd.service.as_deref(), Some("payments"));
}

#[test]
fn the_routing_tree_is_read_with_matchers_quoted() {
    let config = parse(&full());
    let root = &config.routes;
    assert_eq!(root.matchers, Vec::<String>::new());
    assert_eq!(root.service.as_deref(), Some("shop"));
    assert_eq!(
        root.severity,
        BTreeMap::from([("info".to_string(), "SEV4".to_string())])
    );
    assert_eq!(root.group_by, Some(strings(&["alertname"])));
    assert!(!root.continue_);
    assert_eq!(root.channels, Some(strings(&["ops-slack"])));
    assert_eq!(root.routes.len(), 3);

    let payments = &root.routes[0];
    assert_eq!(
        payments.matchers,
        ["severity=~\"critical|error\"", "team=\"payments\""]
    );
    assert_eq!(payments.service.as_deref(), Some("payments"));
    let severity = [("critical", "SEV1"), ("error", "SEV2"), ("warning", "SEV3")]
        .map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(payments.severity, BTreeMap::from(severity));
    assert_eq!(payments.group_by, Some(strings(&["..."])));
    assert_eq!(
        payments.channels,
        Some(strings(&["payments-slack", "audit"]))
    );
    assert_eq!(
        payments.routes,
        [Route {
            matchers: strings(&["env!=\"prod\""]),
            channels: Some(Vec::new()),
            ..Route::default()
        }]
    );

    let audit = &root.routes[1];
    assert_eq!(audit.matchers, ["alertname!~\"Watchdog|InfoInhibitor\""]);
    assert!(audit.continue_);
    // Unset fields stay unset: the router inherits them from the parent.
    assert_eq!(
        (audit.service.as_ref(), audit.group_by.as_ref()),
        (None, None)
    );
    assert!(audit.severity.is_empty());

    assert_eq!(root.routes[2].matchers, ["team=\"shop\""]);
}

#[test]
fn the_incident_policy_is_read() {
    let config = parse(&full());
    assert_eq!(
        config.incident_policy,
        IncidentSettings {
            lifecycle: nines_incident::IncidentPolicy {
                auto_resolve: false,
                ..Default::default()
            },
            give_up_after: Duration::from_secs(7200),
            link_secret: Some("not-a-secret-but-long-enough".into()),
            external_url: Some("https://nines.example.com".into()),
            ..IncidentSettings::default()
        }
    );
}

#[test]
fn everything_defaults_when_left_out() {
    let config = parse("services:\n  shop: {}\n");
    assert!(config.channels.is_empty());
    assert!(config.integrations.is_empty());
    assert_eq!(config.routes, Route::default());
    assert_eq!(config.incident_policy, IncidentSettings::default());
    assert!(config.incident_policy.lifecycle.auto_resolve);
    assert_eq!(
        config.incident_policy.give_up_after,
        Duration::from_secs(86_400)
    );

    let empty = parse("channels:\nintegrations:\nroutes:\nincidents:\n");
    assert_eq!(empty.routes, Route::default());
    assert_eq!(empty.incident_policy, IncidentSettings::default());

    // Null optional keys count as not given.
    let nulls = parse("routes:\n  service:\n  group_by:\n  channels:\nincidents:\n  secret:\n");
    assert_eq!(nulls.routes, Route::default());
}

#[test]
fn a_route_may_reach_sixteen_levels_deep() {
    fn nested(levels: usize) -> String {
        let mut text = String::from("routes:\n");
        let mut indent = String::from("  ");
        for _ in 0..levels {
            text.push_str(&format!("{indent}routes:\n{indent}  - matchers: [a=b]\n"));
            indent.push_str("    ");
        }
        text
    }
    let config = parse(&nested(16));
    let mut depth = 0;
    let mut r = &config.routes;
    while let Some(child) = r.routes.first() {
        depth += 1;
        r = child;
    }
    assert_eq!(depth, 16);
    let out = errors(&nested(17));
    assert!(
        out.contains("routes nest more than 16 levels deep"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn names_may_be_defined_in_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a-routes.yaml"), "routes:\n  service: shop\n  channels: [ops]\nintegrations:\n  am: { kind: alertmanager, key_hash: 'HASH', service: shop }\n".replace("HASH", &hash_token("k")).as_str()).unwrap();
    fs::write(
        d.join("b-shop.yaml"),
        "services:\n  shop: {}\nchannels:\n  ops: { slack: 'https://hooks.slack.com/services/x' }\n",
    )
    .unwrap();
    let config = Config::load(d).unwrap();
    assert_eq!(config.routes.service.as_deref(), Some("shop"));
    assert_eq!(config.integrations["am"].service.as_deref(), Some("shop"));
}

#[test]
fn a_second_definition_in_another_file_names_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hash = hash_token("k");
    let text = format!(
        "channels:\n  ops: {{ slack: 'https://hooks.slack.com/services/x' }}\nintegrations:\n  am: {{ kind: alertmanager, key_hash: '{hash}' }}\nroutes:\n  channels: [ops]\nincidents:\n  auto_resolve: false\n"
    );
    fs::write(d.join("a.yaml"), &text).unwrap();
    let second = text.replace("  am:", "  am2:");
    fs::write(d.join("b.yaml"), &second).unwrap();
    let out = match Config::load(d) {
        Ok(c) => panic!("expected errors, got {c:#?}"),
        Err(e) => e.to_string(),
    };
    let a = d.join("a.yaml").display().to_string();
    let b = d.join("b.yaml").display().to_string();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            format!("{b}:2: channels.ops: channel `ops` is already defined at {a}:2"),
            format!(
                "{b}:4: integrations.am2.key_hash: integration `am` ({a}:4) has the same key hash, so a key would not say which integration sent it; give each integration a key of its own"
            ),
            format!(
                "{b}:5: routes: `routes` is already given at {a}:5; give the routing tree in one file"
            ),
            format!(
                "{b}:7: incidents: `incidents` is already given at {a}:7; set it in one file only"
            ),
        ]
    );
}

#[test]
fn a_broken_service_or_channel_is_not_also_unknown() {
    let out = errors(
        "services:\n  shop:\n    owner: [a]\nchannels:\n  ops: { slack: 'not a url' }\nroutes:\n  service: shop\n  channels: [ops]\n",
    );
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn all_labels_may_be_written_unquoted() {
    let config = parse(
        "routes:\n  group_by: [...]\n  routes:\n    - matchers: [a=b]\n      group_by:\n        - ...\n",
    );
    assert_eq!(config.routes.group_by, Some(strings(&["..."])));
    assert_eq!(config.routes.routes[0].group_by, Some(strings(&["..."])));
}

const MORE_CHANNELS: &str = r#"services:
  shop: {}
channels:
  mail:
    email:
      host: smtp.example.com
      username: nines
      password: hunter2-but-longer
      from: "Nines <nines@example.com>"
      to: [oncall@example.com, lead@example.com]
    rate_limit: 20/1m
    title: "[{severity}] {id} {title}"
    body: "{text} — {url} {{literal}}"
  mail-tls:
    email: { host: 10.0.0.5, tls: tls, from: a@example.com, to: b@example.com }
  pd:
    pagerduty: { routing_key: R0UTINGKEY0000000000000000000000 }
  am-out:
    alertmanager: http://127.0.0.1:9093/hook
incidents:
  reopen_within: 30m
  link_lifetime: 2h
  maintenance:
    - name: sunday-db
      services: [shop]
      timezone: Europe/Berlin
      days: [sun]
      start: "02:00"
      duration: 2h
    - name: nightly-batch
      matchers: ['job="batch"']
      timezone: UTC
      start: "23:30"
      duration: 1h
  inhibit:
    - source_matchers: [severity=critical]
      target_matchers: ['severity=~"warning|info"']
      equal: [service]
"#;

#[test]
fn email_pagerduty_and_alertmanager_channels_with_limits_and_templates() {
    let config = parse(MORE_CHANNELS);
    assert_eq!(
        config.channels["mail"],
        Channel {
            to: Destination::Email(Email {
                host: "smtp.example.com".into(),
                port: 587,
                tls: SmtpTls::Starttls,
                credentials: Some(("nines".into(), "hunter2-but-longer".into())),
                from: "Nines <nines@example.com>".into(),
                to: strings(&["oncall@example.com", "lead@example.com"]),
                ca_file: None,
            }),
            rate_limit: Some(RateLimit {
                messages: 20,
                per: Duration::from_secs(60)
            }),
            template: Template {
                title: Some("[{severity}] {id} {title}".into()),
                body: Some("{text} — {url} {{literal}}".into()),
            },
        }
    );
    let Destination::Email(e) = &config.channels["mail-tls"].to else {
        panic!("not email")
    };
    assert_eq!(
        (e.port, e.tls, e.credentials.is_none()),
        (465, SmtpTls::Implicit, true)
    );
    assert_eq!(e.to, strings(&["b@example.com"]));
    assert_eq!(
        config.channels["pd"].to,
        Destination::Pagerduty {
            routing_key: "R0UTINGKEY0000000000000000000000".into(),
            url: "https://events.pagerduty.com/v2/enqueue".into(),
        }
    );
    assert_eq!(
        config.channels["am-out"].to,
        Destination::Alertmanager {
            url: "http://127.0.0.1:9093/hook".into(),
            headers: vec![],
        }
    );
}

#[test]
fn maintenance_windows_and_inhibit_rules_read_into_their_models() {
    let config = parse(MORE_CHANNELS);
    let p = &config.incident_policy;
    assert_eq!(
        p.lifecycle.reopen_window,
        jiff::SignedDuration::from_mins(30)
    );
    assert_eq!(p.link_lifetime, Duration::from_secs(7200));
    assert_eq!(
        IncidentSettings::default().link_lifetime,
        Duration::from_secs(86_400)
    );
    assert_eq!(p.maintenance.len(), 2);
    let sunday = &p.maintenance[0];
    assert_eq!(
        sunday.scope,
        nines_incident::Scope::Services(strings(&["shop"]))
    );
    // Sunday 2026-11-29 02:30 Berlin is 01:30Z: inside; 04:00 local is out.
    let labels = BTreeMap::new();
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    assert!(sunday.covers(&labels, Some("shop"), at("2026-11-29T01:30:00Z")));
    assert!(!sunday.covers(&labels, Some("shop"), at("2026-11-29T03:00:00Z")));
    assert!(!sunday.covers(&labels, Some("other"), at("2026-11-29T01:30:00Z")));
    let batch = &p.maintenance[1];
    let job = BTreeMap::from([("job".to_string(), "batch".to_string())]);
    assert!(
        batch.covers(&job, None, at("2026-11-24T00:15:00Z")),
        "past midnight"
    );
    let rule = &p.inhibit[0];
    let page = BTreeMap::from([
        ("severity".to_string(), "critical".to_string()),
        ("service".to_string(), "shop".to_string()),
    ]);
    let ticket = |svc: &str| {
        BTreeMap::from([
            ("severity".to_string(), "warning".to_string()),
            ("service".to_string(), svc.to_string()),
        ])
    };
    assert!(rule.inhibited(&ticket("shop"), [&page]));
    assert!(
        !rule.inhibited(&ticket("cart"), [&page]),
        "equal: [service]"
    );
    // Defaults: reopen within an hour, nothing quieted.
    let d = IncidentSettings::default();
    assert_eq!(
        d.lifecycle.reopen_window,
        jiff::SignedDuration::from_hours(1)
    );
    assert!(d.maintenance.is_empty() && d.inhibit.is_empty());
}

#[test]
fn channel_and_quieting_mistakes_are_named_with_their_line() {
    let bad = MORE_CHANNELS
        .replace("rate_limit: 20/1m", "rate_limit: 20 per minute")
        .replace("{severity}] {id}", "{sevrity}] {id}")
        .replace("to: b@example.com", "to: not-an-address")
        .replace("tls: tls", "tls: ssl")
        .replace(
            "routing_key: R0UTINGKEY0000000000000000000000",
            "routing_key: ''",
        )
        .replace("services: [shop]", "services: [shoop]")
        .replace("days: [sun]", "days: [sunnday, xyz]")
        .replace("duration: 1h", "duration: 8d")
        .replace("equal: [service]", "equal: [service, 'bad label']")
        .replace(
            "source_matchers: [severity=critical]",
            "source_matchers: []",
        );
    let out = errors(&bad);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "nines.yaml:11: channels.mail.rate_limit: `20 per minute` is not a rate limit; write messages per period, such as `20/1m` or `100/1h` (a count above 0, a period of at least 1s)",
            "nines.yaml:12: channels.mail.title: unknown placeholder `{sevrity}`; did you mean `{severity}`?",
            "nines.yaml:15: channels.mail-tls.email.tls: `ssl` is not one of `starttls`, `tls` or `none`",
            "nines.yaml:15: channels.mail-tls.email.to: `not-an-address` is not an email address such as `oncall@example.com`",
            "nines.yaml:17: channels.pd.pagerduty.routing_key: `routing_key` is empty; set it, e.g. from the environment: `${PD_ROUTING_KEY}`",
            "nines.yaml:27: incidents.maintenance[0].days[1]: `xyz` is not a weekday (mon … sun)",
            "nines.yaml:34: incidents.maintenance[1].duration: longer than a week; a window recurs at most weekly: use a silence for a long quiet period",
            "nines.yaml:36: incidents.inhibit[0].source_matchers: no matchers; an empty side would match every alert",
            "nines.yaml:38: incidents.inhibit[0].equal[1]: `bad label` is not a label name",
            "nines.yaml:25: incidents.maintenance[0].services[0]: unknown service `shoop`; did you mean `shop`?",
        ],
        "{out}"
    );
}

#[test]
fn templates_accept_known_placeholders_and_literal_braces_only() {
    for (template, problem) in [
        ("{id} {{ok}}", None),
        ("{}", Some("unknown placeholder `{}`")),
        ("open { brace", Some("a `{` without its `}`")),
        ("close } brace", Some("a `}` without its `{`")),
        ("{ack_url}", None),
    ] {
        let text = format!(
            "channels:\n  ops:\n    slack: https://hooks.slack.com/services/T/B/X\n    body: \"{template}\"\n"
        );
        match problem {
            None => {
                parse(&text);
            }
            Some(p) => assert!(errors(&text).contains(p), "{template}: {}", errors(&text)),
        }
    }
}
