//! Bad configs and exactly what the user is told about each. The messages
//! are a contract (`nines check` prints them), so they are snapshotted.

use crate::errors;

/// A valid SLO mapping, indented as an item of `services.shop.slos`, with
/// `{extra}` lines inserted after `objective`.
fn slo(extra: &str) -> String {
    let mut text = String::from(
        "services:\n  shop:\n    slos:\n      - name: availability\n        objective: 99.9\n        sli: events\n",
    );
    for line in extra.lines() {
        text.push_str("        ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// A valid SLO whose `alerting.tiers` holds one tier made of `tier` lines.
fn tier(tier: &str) -> String {
    let mut extra = String::from("alerting:\n  tiers:\n");
    for (i, line) in tier.lines().enumerate() {
        extra.push_str(if i == 0 { "    - " } else { "      " });
        extra.push_str(line);
        extra.push('\n');
    }
    slo(&extra)
}

/// A service `shop` with a probe `home` whose other keys are the `probe`
/// lines, then the `more` lines as they are (more probes, `slos:`).
fn probe(probe: &str, more: &str) -> String {
    let mut text = String::from("services:\n  shop:\n    probes:\n      - name: home\n");
    for line in probe.lines() {
        text.push_str("        ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(more);
    text
}

/// `slos:` with one SLO `a` whose SLI is `sli` (a flow mapping), for
/// [`probe`]'s `more`.
fn probe_slo(sli: &str) -> String {
    format!("    slos:\n      - name: a\n        objective: 99\n        sli: {sli}\n")
}

/// A valid SLO whose `sli:` is `sli` (lines under it, indented by it).
fn sli(sli: &str) -> String {
    let mut block = String::from("sli:\n");
    for line in sli.lines() {
        block.push_str("          ");
        block.push_str(line);
        block.push('\n');
    }
    slo("").replace("sli: events\n", &block)
}

fn probe_cases() -> Vec<(&'static str, String)> {
    vec![
        ("probe without a check", probe("interval: 1m", "")),
        (
            "probe with two checks",
            probe("http: http://shop/\ntcp: shop:80", ""),
        ),
        (
            "probe name bad and twice",
            probe(
                "http: http://shop/",
                "      - name: home\n        tcp: shop:80\n      - name: Home\n        tcp: shop:80\n",
            ),
        ),
        (
            "probe key misspelt",
            probe("http: http://shop/\ncondition: ['[STATUS] == 200']", ""),
        ),
        (
            "probe interval too short",
            probe("http: http://shop/\ninterval: 500ms", ""),
        ),
        (
            "probe timeout longer than interval",
            probe("http: http://shop/\ninterval: 10s\ntimeout: 15s", ""),
        ),
        (
            "probe condition malformed",
            probe(
                "http: http://shop/\nconditions:\n  - '[STATUS] == 200'\n  - '[STATUS] =< 200'\n  - '[STATUS] == OK'\n  - '[BODY].status = UP'",
                "",
            ),
        ),
        (
            "probe condition on a fact the kind lacks",
            probe(
                "tcp: shop:25\nconditions:\n  - '[STATUS] == 200'\n  - '[DOMAIN_EXPIRATION] > 720h'\n  - '[CONNECTED] == true'",
                "",
            ),
        ),
        (
            "probe conditions not a list",
            probe("http: http://shop/\nconditions: '[STATUS] == 200'", ""),
        ),
        (
            "http url without scheme",
            probe("http: shop.example.com/health", ""),
        ),
        (
            "http url with another scheme or no host",
            probe(
                "http:\n  url: ftp://shop/",
                "      - name: api\n        http: { url: 'https:///health' }\n",
            ),
        ),
        ("http url missing", probe("http: { method: GET }", "")),
        (
            "http settings wrong",
            probe(
                "http:\n  url: https://shop/\n  method: post\n  valid_status: [200, 2xx, 600, 299-200, ok]\n  follow_redirects: yes\n  body: {a: 1}",
                "",
            ),
        ),
        (
            "http valid_status empty",
            probe("http:\n  url: https://shop/\n  valid_status: []", ""),
        ),
        (
            "http regexes malformed",
            probe(
                "http:\n  url: https://shop/\n  body_matches: ['ok(', 'fine']\n  body_not_matches: ['[z-a]']\n  header_matches:\n    - { name: Content-Type, regex: 'json(' }\n    - { name: 'X Cache', regex: HIT, negate: nope }\n    - { regex: x }",
                "",
            ),
        ),
        (
            "http headers and auth wrong",
            probe(
                "http:\n  url: https://shop/\n  headers: { 'Bad Header': x, X-Ok: { a: 1 } }\n  bearer_token: abc\n  basic_auth: { username: ana }",
                "",
            ),
        ),
        (
            "http authorization given twice",
            probe(
                "http:\n  url: https://shop/\n  headers: { authorization: Bearer x }\n  bearer_token: y",
                "",
            ),
        ),
        (
            "http bearer token with a space",
            probe(
                "http:\n  url: https://shop/\n  bearer_token: 'Bearer abc'",
                "",
            ),
        ),
        (
            "basic auth username with a colon",
            probe(
                "http:\n  url: https://shop/\n  basic_auth: { username: 'a:b', password: c }",
                "",
            ),
        ),
        (
            "tls options wrong",
            probe(
                "http:\n  url: https://shop/\n  tls: { insecure_skip_verify: true, ca_file: ca.pem, server_nme: shop }",
                "      - name: api\n        tls: { address: 'shop:443', server_name: 'https://shop' }\n",
            ),
        ),
        (
            "tcp address without port",
            probe("tcp: shop.example.com", ""),
        ),
        (
            "tcp address with a bad port or a URL",
            probe(
                "tcp: { address: 'shop:99999' }",
                "      - name: api\n        tcp: { address: 'tcp://shop:25' }\n      - name: v6\n        tcp: '::1:25'\n",
            ),
        ),
        (
            "tcp tls given as options",
            probe(
                "tcp:\n  address: shop:465\n  tls: { server_name: shop }",
                "",
            ),
        ),
        (
            "tcp steps wrong",
            probe(
                "tcp:\n  address: shop:25\n  tls: true\n  steps:\n    - { send: EHLO nines, expect: '^250' }\n    - expect: '^220('\n    - starttls: true\n    - starttls: false\n    - recv: x",
                "",
            ),
        ),
        (
            "tcp starttls twice",
            probe(
                "tcp:\n  address: shop:25\n  steps:\n    - starttls: true\n    - starttls: true",
                "",
            ),
        ),
        (
            "tcp tls_options unused",
            probe(
                "tcp:\n  address: shop:25\n  tls_options: { insecure_skip_verify: true }",
                "",
            ),
        ),
        (
            "dns settings wrong",
            probe(
                "dns:\n  name: 'shop..example.com'\n  type: AAA\n  server: dns.google\n  valid_rcodes: [NOERROR, nxdomian, BOGUS]\n  answer_matches: ['(']",
                "",
            ),
        ),
        (
            "dns missing name and no rcodes",
            probe("dns:\n  type: MX\n  valid_rcodes: []", ""),
        ),
        (
            "tls address is a URL",
            probe("tls: https://shop.example.com", ""),
        ),
        (
            "heartbeat with probe timing and conditions",
            probe(
                "heartbeat: { every: 1h, grace: 5m }\ninterval: 1h\ntimeout: 10s\nconditions: ['[CONNECTED] == true']",
                "",
            ),
        ),
        (
            "heartbeat without every",
            probe("heartbeat: { grace: -5m }", ""),
        ),
        (
            "sli probe misspelt",
            probe("http: http://shop/", &probe_slo("{ probe: hom }")),
        ),
        (
            "sli probe unknown among several",
            probe(
                "http: http://shop/",
                &format!(
                    "      - name: cart\n        tcp: shop:80\n{}",
                    probe_slo("{ probe: checkout }")
                ),
            ),
        ),
        (
            "sli probe latency on a heartbeat",
            probe(
                "heartbeat: 1h",
                &probe_slo("{ probe: home, latency_below: 300ms }"),
            ),
        ),
        (
            "sli probe latency not below the timeout",
            probe(
                "http: http://shop/\ntimeout: 2s",
                &probe_slo("{ probe: home, latency_below: 2s }"),
            ),
        ),
        (
            "sli probe latency misspelt",
            probe(
                "http: http://shop/",
                &probe_slo("{ probe: home, latency_above: 2s }"),
            ),
        ),
        (
            "sli probe as a word",
            probe("http: http://shop/", &probe_slo("probe")),
        ),
        (
            "sli probe of a broken probe",
            probe(
                "http: shop",
                &probe_slo("{ probe: home, latency_below: 1s }"),
            ),
        ),
    ]
}

fn scrape_cases() -> Vec<(&'static str, String)> {
    vec![
        ("scrape entry wrong", "scrape:\n  - name: Shop\n    url: shop:8080/metrics\n    interval: 10s\n    timeout: 11s\n    bearer_token: ${SCRAPE_TOKEN}\n  - { name: cart }\n  - { url: 'http://cart/metrics', intervl: 5s }\n".to_string()),
        ("scrape name and url twice", "scrape:\n  - { name: shop, url: 'http://shop/metrics' }\n  - { name: shop, url: 'http://shop2/metrics' }\n  - { name: shop3, url: 'http://shop/metrics' }\n  - { url: 'http://shop/metrics' }\n".to_string()),
        ("scrape is a mapping", "scrape:\n  shop: { url: 'http://shop/metrics' }\n".to_string()),
        ("prometheus target not a scrape name", format!("scrape:\n  - {{ name: shop-app, url: 'http://shop/metrics' }}\n{}", sli("prometheus:\n  errors: a_total\n  total: b_total\n  target: shop-ap").trim_start_matches("services:\n").replace("  shop:", "services:\n  shop:"))),
        ("prometheus target unknown without scrape", sli("prometheus: { errors: a_total, total: b_total, target: shop }")),
        ("prometheus target neither name nor URL", sli("prometheus: { errors: a_total, total: b_total, target: 'shop:8080/metrics' }")),
        ("prometheus target of another scheme", sli("prometheus: { errors: a_total, total: b_total, target: 'ftp://shop/metrics' }")),
        ("prometheus selector malformed", sli("prometheus:\n  good: 'sum(rate(ok_total[5m]))'\n  total: 'http_requests_total{job=\"shop\"'")),
        ("promql url not http", sli("promql: { good: a_total, total: b_total, url: 'prometheus:9090' }")),
        ("promql headers without url", sli("promql:\n  good: a_total\n  total: b_total\n  headers: { X-Scope-OrgID: shop }")),
        ("promql auth wrong", sli("promql:\n  good: a_total\n  total: b_total\n  url: http://prometheus:9090\n  headers: { X-Scope-OrgID: \"a\\nb\" }\n  basic_auth: { password: p, user: ana }")),
        ("promql query templates with auth", sli("promql:\n  error_query: 'e[{{.window}}]'\n  total_query: 't[{{.window}}]'\n  url: http://prometheus:9090\n  bearer_token: abc")),
        ("promql selector matching everything", sli("promql: { good: '{job=\"\"}', total: b_total }")),
    ]
}

/// `services: shop` and `channels: ops`, then `more`.
fn with_names(more: &str) -> String {
    format!(
        "services:\n  shop: {{}}\nchannels:\n  ops: {{ slack: 'https://hooks.slack.com/services/T/B/X' }}\n{more}"
    )
}

fn incident_cases() -> Vec<(&'static str, String)> {
    let hash = nines_config::hash_token("k");
    let deep = (0..17).fold(String::from("routes:\n"), |text, level| {
        let indent = "    ".repeat(level);
        format!("{text}{indent}  routes:\n{indent}    - matchers: [a=b]\n")
    });
    vec![
        ("channel without a kind", "channels:\n  ops: {}\n".to_string()),
        ("channel with two kinds", "channels:\n  ops:\n    slack: https://hooks.slack.com/services/T/B/X\n    webhook: { url: 'http://hooks/in' }\n".to_string()),
        ("channel given as a bare URL", "channels:\n  ops: https://hooks.slack.com/services/T/B/SECRET\n".to_string()),
        ("channel name and kind misspelt", "channels:\n  Ops:\n    slak: https://hooks.slack.com/services/T/B/X\n".to_string()),
        ("webhook wrong", "channels:\n  hook:\n    webhook:\n      url: hooks.example.com/in\n      secret: \"\"\n      headers: { \"X Team\": a }\n      secrt: x\n".to_string()),
        ("webhook without url, secret unset", "channels:\n  hook:\n    webhook: { secret: '${WEBHOOK_SECRT}' }\n".to_string()),
        ("slack url not a URL", "channels:\n  ops:\n    slack: { url: 'hooks.slack.com/services/T/B/SECRET' }\n  ops2:\n    slack: { urls: x }\n".to_string()),
        ("integration wrong", "services:\n  shop: {}\nintegrations:\n  am:\n    kind: alertmanger\n    key_hash: my-secret-key\n    service: shpo\n  pd:\n    kind: pagerduty\n    key_hash: \"sha256:abc\"\n    services: shop\n  Bad: {}\n".to_string()),
        ("integration key hash twice", format!("integrations:\n  am: {{ kind: alertmanager, key_hash: '{hash}' }}\n  pd: {{ kind: pagerduty, key_hash: '{}' }}\n", hash.to_uppercase().replace("SHA256", "sha256"))),
        ("routes is a sequence", "routes:\n  - matchers: [team=payments]\n".to_string()),
        ("root route with matchers and continue", "routes:\n  matchers: [team=payments]\n  continue: true\n".to_string()),
        ("route matchers malformed", "routes:\n  routes:\n    - matchers: ['team=\"payments\"', 'severity=~\"(critical\"', team, 'a=\"1\",b=\"2\"', 'team=\"pay', '']\n    - matchers:\n        - team: payments\n    - matchers: team=payments\n".to_string()),
        ("route names unknown", with_names("routes:\n  service: shpo\n  channels: [opz, ops, ops, Ops]\n  routes:\n    - { matchers: [a=b], service: checkout }\n")),
        ("route severity and group_by wrong", "routes:\n  severity: { critical: sev1, warn: SEV3, info: P1 }\n  group_by: [alertname, '...', 1x, alertname]\n  channels: ops\n  routes:\n    - { matchers: [a=b], group_by: alertname, continue: yes }\n".to_string()),
        ("route keys from Alertmanager", "routes:\n  receiver: ops\n  routes:\n    - match: { team: payments }\n      group_wait: 30s\n".to_string()),
        ("routes nest too deep", deep),
        ("incidents wrong", "incidents:\n  auto_resolve: yes\n  give_up_after: 30s\n  secret: hunter2\n  external_url: nines.example.com\n  auto_resolv: true\n".to_string()),
        ("incidents link secret without an address", "incidents:\n  secret: ${NINES_LINK_SECRET}\n".to_string()),
        ("incidents external_url with a query", "incidents:\n  external_url: 'https://nines.example.com/?x=1'\n".to_string()),
    ]
}

fn cases() -> Vec<(&'static str, String)> {
    let hash = nines_config::hash_token("t");
    vec![
        ("objective above 100", slo("").replace("99.9", "100.5")),
        ("objective of exactly 100", slo("").replace("99.9", "100")),
        ("objective quoted", slo("").replace("99.9", "\"99.9\"")),
        ("objective with a percent sign", slo("").replace("99.9", "99.9%")),
        ("objective missing", slo("").replace("        objective: 99.9\n", "")),
        ("misspelt key", slo("").replace("objective:", "objectve:")),
        ("misspelt top-level key", "servics: {}\n".to_string()),
        ("unknown top-level key", "escalation_policies: {}\n".to_string()),
        ("services is a sequence", "services:\n  - shop\n".to_string()),
        ("service name with capitals", "services:\n  Shop: {}\n".to_string()),
        ("service owner is a mapping", "services:\n  shop:\n    owner: {team: a}\n".to_string()),
        ("slos is a mapping", "services:\n  shop:\n    slos:\n      availability: {}\n".to_string()),
        ("duplicate key", "services:\n  shop:\n    owner: a\n    owner: b\n".to_string()),
        ("duplicate SLO name", {
            let one = slo("");
            let item = one.split_once("    slos:\n").unwrap().1.to_string();
            format!("{one}{item}")
        }),
        ("window not a duration", slo("window: 30x")),
        ("window not whole minutes", slo("window: 90s")),
        ("window too short", slo("window: 30m")),
        ("window too long", slo("window: 401d")),
        ("window and calendar", slo("window: 30d\ncalendar: month")),
        ("timezone without calendar", slo("timezone: Europe/Berlin")),
        ("calendar unit misspelt", slo("calendar: mnth")),
        ("timezone unknown", slo("calendar: month\ntimezone: Europe/Berln")),
        ("sli from a probe", slo("").replace("sli: events", "sli:\n          probe: health")),
        ("prometheus sli without total", slo("").replace("sli: events", "sli:\n          prometheus: { errors: 'http_requests_total{code=~\"5..\"}' }")),
        ("prometheus sli with good and errors", slo("").replace("sli: events", "sli:\n          prometheus:\n            good: a_total\n            errors: b_total\n            total: c_total")),
        ("promql sli with a typo", slo("").replace("sli: events", "sli:\n          promql: { good: a_total, totl: b_total }")),
        ("two sli sources", slo("").replace("sli: events", "sli: { prometheus: { good: a, total: b }, promql: { good: a, total: b } }")),
        ("sli source typo", slo("").replace("sli: events", "sli: { prometeus: { good: a, total: b } }")),
        ("alert rule settings", slo("alerting:\n  for: 30s\n  absent_alert: soon\n  budget_exhausted_alert: maybe\n  annotations: { a: [1] }")),
        ("promql queries and selectors mixed", slo("").replace("sli: events", "sli:\n          promql: { error_query: 'e[{{.window}}]', total: t_total }")),
        ("promql query without its total", slo("").replace("sli: events", "sli:\n          promql: { error_query: 'e[{{.window}}]' }")),
        ("promql query without a window", slo("").replace("sli: events", "sli:\n          promql: { error_ratio_query: 'e[5m]' }")),
        ("timeslices out of range", slo("timeslices: { target: 0, slice: 2h }")),
        ("timeslices typo", slo("timeslices: { targt: 95 }")),
        ("bare prometheus", slo("").replace("sli: events", "sli: prometheus")),
        ("sli unknown word", slo("").replace("sli: events", "sli: http")),
        ("sli missing", slo("").replace("        sli: events\n", "")),
        ("alerting misspelt key", slo("alerting:\n  min_event: 5")),
        ("min_events zero", slo("alerting:\n  min_events: 0")),
        ("labels bad and reserved names", slo("alerting:\n  labels: {1team: a, service: b, __x: c, ok: {}}")),
        ("service labels bad and reserved names", "services:\n  shop:\n    labels:\n      1team: a\n      tier: b\n      __x: c\n      ok: [1]\n    slos: []\n".to_string()),
        ("tiers null", slo("alerting:\n  tiers:")),
        ("tier short window not shorter", tier("severity: page\nlong_window: 1h\nshort_window: 1h\nburn_rate: 14.4")),
        ("tier both thresholds", tier("severity: page\nlong_window: 1h\nshort_window: 5m\nburn_rate: 14.4\nbudget_consumed: 2%")),
        ("tier no threshold", tier("severity: page\nlong_window: 1h\nshort_window: 5m")),
        ("tier budget over 100%", tier("severity: page\nlong_window: 1h\nshort_window: 5m\nbudget_consumed: 150%")),
        ("tier burn rate zero", tier("severity: ticket\nlong_window: 1d\nshort_window: 2h\nburn_rate: 0")),
        ("tier severity misspelt", tier("severity: pgae\nlong_window: 1d\nshort_window: 2h\nburn_rate: 1")),
        ("tier missing windows", tier("severity: page\nburn_rate: 1")),
        ("token stored in plain", "auth:\n  tokens:\n    - name: ci\n      role: writer\n      hash: hunter2-very-secret\n".to_string()),
        ("token hash truncated", "auth:\n  tokens:\n    - name: ci\n      role: writer\n      hash: \"sha256:abc\"\n".to_string()),
        ("token role unknown", format!("auth:\n  tokens:\n    - name: ci\n      role: owner\n      hash: \"{hash}\"\n")),
        ("token name twice", format!("auth:\n  tokens:\n    - name: ci\n      role: writer\n      hash: \"{hash}\"\n    - name: ci\n      role: reader\n      hash: \"{}\"\n", nines_config::hash_token("u"))),
        ("token hash twice", format!("auth:\n  tokens:\n    - {{name: ci, role: writer, hash: \"{hash}\"}}\n    - {{name: cd, role: writer, hash: \"{hash}\"}}\n")),
        ("auth misspelt key", "auth:\n  token: []\n".to_string()),
        ("public_read in YAML 1.1 spelling", "auth:\n  public_read: yes\n".to_string()),
        ("environment variable unset", "services:\n  shop:\n    owner: ${OWNER}\n".to_string()),
        ("environment reference unterminated", "services:\n  shop:\n    owner: ${TEAM\n".to_string()),
        ("YAML syntax error", "services:\n  shop:\n    owner: [a, b\n".to_string()),
        ("two documents", "services: {}\n---\nauth: {}\n".to_string()),
        ("document is a sequence", "- services\n".to_string()),
        ("custom tag", "services: !include shop.yaml\n".to_string()),
    ]
    .into_iter()
    .chain(probe_cases())
    .chain(scrape_cases())
    .chain(incident_cases())
    .collect()
}

#[test]
fn each_bad_config_is_named_by_file_line_and_field() {
    let mut report = String::new();
    for (name, text) in cases() {
        report.push_str(&format!("--- {name}\n{}\n\n", errors(&text)));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn secrets_are_never_echoed() {
    let out = errors(
        "auth:\n  tokens:\n    - name: ci\n      role: writer\n      hash: hunter2-very-secret\n",
    );
    assert!(!out.contains("hunter2"), "{out}");
    for text in [
        "integrations:\n  am: { kind: alertmanager, key_hash: hunter2-key }\n",
        "channels:\n  ops: { slack: 'hooks.slack.com/services/hunter2' }\n",
        "channels:\n  ops: 'https://hooks.slack.com/services/hunter2'\n",
        "incidents:\n  secret: hunter2\n  external_url: http://nines\n",
    ] {
        let out = errors(text);
        assert!(!out.contains("hunter2"), "{out}");
    }
}

#[test]
fn every_error_in_a_file_is_reported_in_line_order() {
    let text = "\
services:
  shop:
    owner: payments
    slos:
      - name: availability
        objectve: 99.9
        window: 30x
        sli: probe
      - name: Latency
        objective: 101
        sli: events
        alerting:
          tiers:
            - {severity: page, long_window: 5m, short_window: 1h, burn_rate: -1}
  Bad: {}
auth:
  tokens:
    - {name: ci, role: root, hash: plain}
extra: 1
";
    let out = errors(text);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "nines.yaml:5: services.shop.slos[0]: missing required key `objective`",
            "nines.yaml:6: services.shop.slos[0]: unknown key `objectve`; did you mean `objective`?",
            "nines.yaml:7: services.shop.slos[0].window: \"30x\" is not a duration: the unit is not one of ms, s, m, h, d, w (write a whole number and a unit: 30s, 5m, 1h, 28d, 2w)",
            "nines.yaml:8: services.shop.slos[0].sli: `probe` names one of the service's probes, such as `sli: { probe: home }`",
            "nines.yaml:9: services.shop.slos[1].name: `Latency` is not a valid SLO name: use 1 to 63 lowercase letters, digits, `-` and `_`, starting with a letter or digit",
            "nines.yaml:10: services.shop.slos[1].objective: 101 is not a percentage between 0 and 100",
            "nines.yaml:14: services.shop.slos[1].alerting.tiers[0].short_window: must be shorter than long_window (5m)",
            "nines.yaml:14: services.shop.slos[1].alerting.tiers[0].burn_rate: -1 is not a burn rate; it must be greater than 0",
            "nines.yaml:15: services.Bad: `Bad` is not a valid service name: use 1 to 63 lowercase letters, digits, `-` and `_`, starting with a letter or digit",
            "nines.yaml:18: auth.tokens[0].role: `root` is not one of `reader`, `writer`, `responder` or `admin`",
            "nines.yaml:18: auth.tokens[0].hash: this is not a token hash: the config stores `sha256:<hex>` of a token, never the token itself; run `nines token new --role <role>` for a fresh token and its config line",
            "nines.yaml:19: unknown key `extra`; valid keys here are `services`, `auth`, `users`, `schedules`, `scrape`, `channels`, `integrations`, `routes`, `incidents`, `escalations`, `teams`, `error_budget_policy` and `status_page`",
        ]
    );
}
