//! `channels`, `integrations`, `routes` and `incidents`: the model they
//! build, defaults, and what merging several files allows.

use std::collections::BTreeMap;
use std::fs;
use std::time::Duration;

use nines_config::{Channel, Config, IncidentPolicy, IntegrationKind, Route, hash_token};

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

#[test]
fn channels_read_in_every_form() {
    let config = parse(&full());
    assert_eq!(
        config.channels.keys().collect::<Vec<_>>(),
        ["audit", "ops-slack", "payments-slack", "plain-hook"]
    );
    assert_eq!(
        config.channels["payments-slack"],
        Channel::Slack {
            url: "https://hooks.slack.com/services/T0/B0/XXXX".into()
        }
    );
    assert_eq!(
        config.channels["ops-slack"],
        Channel::Slack {
            url: "http://slack-proxy:8080/hook".into()
        }
    );
    assert_eq!(
        config.channels["audit"],
        Channel::Webhook {
            url: "https://audit.example.com/nines".into(),
            secret: Some("not-a-secret-but-long-enough".into()),
            headers: vec![("X-Team".into(), "sre".into())],
        }
    );
    assert_eq!(
        config.channels["plain-hook"],
        Channel::Webhook {
            url: "http://hooks:9000/in".into(),
            secret: None,
            headers: Vec::new(),
        }
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
        IncidentPolicy {
            auto_resolve: false,
            give_up_after: Duration::from_secs(7200),
            link_secret: Some("not-a-secret-but-long-enough".into()),
            external_url: Some("https://nines.example.com".into()),
        }
    );
}

#[test]
fn everything_defaults_when_left_out() {
    let config = parse("services:\n  shop: {}\n");
    assert!(config.channels.is_empty());
    assert!(config.integrations.is_empty());
    assert_eq!(config.routes, Route::default());
    assert_eq!(config.incident_policy, IncidentPolicy::default());
    assert!(config.incident_policy.auto_resolve);
    assert_eq!(
        config.incident_policy.give_up_after,
        Duration::from_secs(86_400)
    );

    let empty = parse("channels:\nintegrations:\nroutes:\nincidents:\n");
    assert_eq!(empty.routes, Route::default());
    assert_eq!(empty.incident_policy, IncidentPolicy::default());

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
