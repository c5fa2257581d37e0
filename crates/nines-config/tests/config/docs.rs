//! docs/config.md stays true: its examples parse, its main example is the
//! one `good.rs` checks, and it mentions every key the loader accepts.

use crate::parse;

const DOCS: &str = include_str!("../../../../docs/config.md");
const FULL: &str = include_str!("../fixtures/full.yaml");

/// The bodies of the ```yaml blocks.
fn yaml_blocks() -> Vec<&'static str> {
    DOCS.split("```yaml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect()
}

#[test]
fn the_main_example_is_the_tested_fixture() {
    let fixture = FULL.split_once('\n').unwrap().1; // without its comment line
    assert_eq!(yaml_blocks()[0], fixture);
}

#[test]
fn every_yaml_example_is_valid() {
    let blocks = yaml_blocks();
    assert!(blocks.len() >= 3);
    for block in blocks {
        parse(block);
    }
}

#[test]
fn every_key_is_documented() {
    let keys = [
        "services",
        "auth",
        "owner",
        "description",
        "slos",
        "name",
        "objective",
        "window",
        "calendar",
        "timezone",
        "sli",
        "alerting",
        "min_events",
        "labels",
        "tiers",
        "severity",
        "long_window",
        "short_window",
        "budget_consumed",
        "burn_rate",
        "tokens",
        "role",
        "hash",
        "public_read",
        "prometheus",
        "promql",
        "good",
        "errors",
        "total",
        "target",
        "url",
        "for",
        "annotations",
        "runbook_url",
        "dashboard_url",
        "budget_exhausted_alert",
        "absent_alert",
        "error_query",
        "total_query",
        "error_ratio_query",
        "timeslices",
        "slice",
        "email",
        "slack",
        "layers",
        "overrides",
        "rotation",
        "handoff",
        "start",
        "at_once",
        "restrictions",
        "scrape",
        "users",
        "schedules",
        "probes",
        "interval",
        "timeout",
        "conditions",
        "http",
        "method",
        "headers",
        "bearer_token",
        "basic_auth",
        "body",
        "valid_status",
        "follow_redirects",
        "tls",
        "body_matches",
        "body_not_matches",
        "header_matches",
        "regex",
        "negate",
        "tcp",
        "address",
        "tls_options",
        "steps",
        "send",
        "expect",
        "starttls",
        "dns",
        "type",
        "server",
        "valid_rcodes",
        "answer_matches",
        "heartbeat",
        "every",
        "grace",
        "probe",
        "latency_below",
        "insecure_skip_verify",
        "ca_file",
        "server_name",
        "channels",
        "webhook",
        "secret",
        "integrations",
        "kind",
        "key_hash",
        "service",
        "routes",
        "matchers",
        "group_by",
        "continue",
        "incidents",
        "auto_resolve",
        "give_up_after",
        "external_url",
        "reopen_within",
        "link_lifetime",
        "failure_threshold",
        "success_threshold",
        "maintenance",
        "inhibit",
        "days",
        "start",
        "duration",
        "timezone",
        "source_matchers",
        "target_matchers",
        "equal",
        "email",
        "pagerduty",
        "alertmanager",
        "rate_limit",
        "title",
        "body",
        "host",
        "port",
        "tls",
        "username",
        "from",
        "to",
        "routing_key",
        "escalations",
        "teams",
        "escalation",
        "notify",
        "after",
        "round_robin",
        "repeat",
        "repeat_after",
        "members",
        "working_hours",
        "quiet_hours",
        "error_budget_policy",
        "budget_floor",
        "freeze_on_page_alerts",
        "freeze_on_severities",
        "exempt_kinds",
        "slas",
        "period",
        "status_page",
        "components",
    ];
    for key in keys {
        assert!(
            DOCS.contains(&format!("| `{key}`")) || DOCS.contains(&format!("## `{key}")),
            "`{key}` lacks a table row"
        );
    }
}
