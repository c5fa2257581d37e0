//! `error_budget_policy` (top level and per service) and `slas` (issue 8).

use nines_config::{ErrorBudgetPolicy, SlaPeriod};

use crate::{errors, parse};

#[test]
fn defaults_apply_without_any_policy() {
    let c = parse("services:\n  shop: {}\n");
    assert_eq!(c.budget_policy("shop"), ErrorBudgetPolicy::default());
    let p = ErrorBudgetPolicy::default();
    assert_eq!(p.budget_floor_percent, 0.0);
    assert!(p.freeze_on_page_alerts);
    assert_eq!(p.freeze_on_severities, ["SEV1", "SEV2"]);
    assert_eq!(p.exempt_kinds, ["rollback", "security"]);
    assert!(c.services["shop"].slas.is_empty());
}

#[test]
fn a_service_overrides_the_default_field_by_field() {
    let c = parse(
        "error_budget_policy:\n  budget_floor: 5\n  exempt_kinds: [rollback]\n\
         services:\n  shop:\n    error_budget_policy:\n      freeze_on_page_alerts: false\n      freeze_on_severities: [SEV1]\n  cart: {}\n",
    );
    let shop = c.budget_policy("shop");
    assert_eq!(shop.budget_floor_percent, 5.0);
    assert!(!shop.freeze_on_page_alerts);
    assert_eq!(shop.freeze_on_severities, ["SEV1"]);
    assert_eq!(shop.exempt_kinds, ["rollback"]);
    let cart = c.budget_policy("cart");
    assert_eq!(cart.budget_floor_percent, 5.0);
    assert!(cart.freeze_on_page_alerts);
    assert_eq!(cart.freeze_on_severities, ["SEV1", "SEV2"]);
}

#[test]
fn slas_parse_with_their_defaults() {
    let c = parse(
        "services:\n  shop:\n    slas:\n      - target: 99.5\n      - { target: 99, period: quarter, timezone: Europe/Berlin }\n      - { target: 98, period: 30d }\n",
    );
    let slas = &c.services["shop"].slas;
    assert_eq!(slas.len(), 3);
    assert_eq!(slas[0].period, SlaPeriod::Month);
    assert_eq!(slas[0].timezone.iana_name(), Some("UTC"));
    assert_eq!(slas[1].period, SlaPeriod::Quarter);
    assert_eq!(slas[1].timezone.iana_name(), Some("Europe/Berlin"));
    assert_eq!(slas[2].period, SlaPeriod::Days(30));
    assert_eq!(slas[2].target_percent, 98.0);
}

#[test]
fn mistakes_name_file_line_and_field() {
    let text = "error_budget_policy:\n  budget_floor: 150\n  freeze_on_severities: [SEV9]\n  exempt_kind: [x]\n\
                services:\n  shop:\n    error_budget_policy:\n      freeze_on_page_alerts: maybe\n      exempt_kinds: [Roll Back]\n    slas:\n      - { target: 100 }\n      - { target: 99, period: week, timezone: Mars/Olympus }\n      - { period: month }\n";
    let e = errors(text);
    for expected in [
        "nines.yaml:2: error_budget_policy.budget_floor: `150` is not a percentage between -100 and 100",
        "nines.yaml:3: error_budget_policy.freeze_on_severities[0]: `SEV9` is not one of",
        "nines.yaml:4: error_budget_policy: unknown key `exempt_kind`; did you mean `exempt_kinds`?",
        "nines.yaml:8: services.shop.error_budget_policy.freeze_on_page_alerts: `maybe` is not `true` or `false`",
        "nines.yaml:9: services.shop.error_budget_policy.exempt_kinds[0]: `Roll Back` is not a valid change kind name",
        "nines.yaml:11: services.shop.slas[0].target: `100` is not a percentage strictly between 0 and 100",
        "nines.yaml:12: services.shop.slas[1].period: `week` is not `month`, `quarter` or a number of days",
        "nines.yaml:12: services.shop.slas[1].timezone: `Mars/Olympus` is not an IANA time zone name",
        "nines.yaml:13: services.shop.slas[2]: missing required key `target`",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in:\n{e}");
    }
}

#[test]
fn the_default_policy_is_given_in_one_file_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "error_budget_policy: { budget_floor: 1 }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        "error_budget_policy: { budget_floor: 2 }\n",
    )
    .unwrap();
    let e = nines_config::Config::load(dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`error_budget_policy` is already given at"),
        "{e}"
    );
}

#[test]
fn an_sla_may_count_only_some_slos() {
    let text = "services:\n  shop:\n    slas:\n      - { target: 99.5, slos: [latency] }\n    slos:\n      - { name: availability, objective: 99.9, window: 30d, sli: events }\n      - { name: latency, objective: 99, window: 7d, sli: events }\n";
    let c = parse(text);
    assert_eq!(c.services["shop"].slas[0].slos, ["latency"]);
    let e = errors(&text.replace("slos: [latency]", "slos: [latncy]"));
    assert_eq!(
        e.trim(),
        "nines.yaml:4: services.shop.slas[0].slos[0]: no SLO named `latncy` in this service; did you mean `latency`?"
    );
}
