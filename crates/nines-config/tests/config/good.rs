//! Good configs and the model they build, down to the burn-rate thresholds
//! the SLO math will use.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use nines_config::{Config, Role, Sli};
use nines_slo::{CalendarUnit, Severity, TierThreshold, WindowSpec, default_tiers};

use crate::parse;

const FULL: &str = include_str!("../fixtures/full.yaml");

/// Burn-rate thresholds of an SLO's tiers over a 30-day period.
fn thresholds_30d(config: &Config, service: &str, slo: &str) -> Vec<f64> {
    let spec = &config.slo(service, slo).unwrap().spec;
    spec.tiers
        .iter()
        .map(|t| t.burn_threshold(30 * 1440))
        .collect()
}

#[test]
fn the_full_example_builds_the_expected_model() {
    let config = parse(FULL);
    assert_eq!(config.files, [std::path::PathBuf::from("nines.yaml")]);
    assert_eq!(
        config.services.keys().collect::<Vec<_>>(),
        ["search", "shop"]
    );

    let shop = &config.services["shop"];
    assert_eq!(shop.name, "shop");
    assert_eq!(shop.owner.as_deref(), Some("payments"));
    assert_eq!(
        shop.description.as_deref(),
        Some("The web shop: catalogue, cart and checkout.")
    );
    assert_eq!(shop.slos.len(), 2);

    let avail = config.slo("shop", "availability").unwrap();
    assert_eq!(
        avail.description.as_deref(),
        Some("Requests answered without a server error.")
    );
    assert_eq!(avail.objective_percent, 99.9);
    assert_eq!(avail.spec.objective, 0.999);
    assert_eq!(avail.sli, Sli::Events);
    assert_eq!(avail.spec.window, WindowSpec::rolling(30 * 1440));
    assert_eq!(avail.window_label, "30d");
    assert_eq!(avail.spec.min_events, 20);
    let labels: BTreeMap<String, String> = [("channel", "#shop-alerts"), ("team", "payments")]
        .map(|(k, v)| (k.into(), v.into()))
        .into();
    assert_eq!(avail.labels, labels);
    let tiers: Vec<(Severity, u32, u32)> = avail
        .spec
        .tiers
        .iter()
        .map(|t| (t.severity, t.long, t.short))
        .collect();
    assert_eq!(
        tiers,
        [
            (Severity::Page, 60, 5),
            (Severity::Page, 360, 30),
            (Severity::Ticket, 4320, 360)
        ]
    );
    assert_eq!(
        avail.spec.tiers[0].threshold,
        TierThreshold::BudgetConsumed(0.02)
    );
    assert_eq!(avail.spec.tiers[1].threshold, TierThreshold::BurnRate(6.0));
    assert_eq!(
        thresholds_30d(&config, "shop", "availability"),
        [14.4, 6.0, 1.0]
    );

    let checkout = config.slo("shop", "checkout").unwrap();
    let berlin = TimeZone::get("Europe/Berlin").unwrap();
    assert_eq!(
        checkout.spec.window,
        WindowSpec::Calendar {
            unit: CalendarUnit::Month,
            tz: berlin
        }
    );
    assert_eq!(checkout.window_label, "month");
    assert_eq!(checkout.spec.tiers, default_tiers());
    assert_eq!(checkout.spec.min_events, 10);
    assert!(checkout.labels.is_empty() && checkout.description.is_none());

    let search = config.slo("search", "availability").unwrap();
    assert!(
        search.spec.tiers.is_empty(),
        "`tiers: []` turns alerting off"
    );
    assert_eq!(search.spec.objective, 0.99);
    assert!(
        config.slo("search", "latency").is_none() && config.slo("cart", "availability").is_none()
    );

    let names: Vec<(&str, Role)> = config
        .auth
        .tokens
        .iter()
        .map(|t| (t.name.as_str(), t.role))
        .collect();
    assert_eq!(names, [("ci", Role::Writer), ("ana", Role::Admin)]);
    assert_eq!(
        config.auth.verify("secret").map(|t| t.name.as_str()),
        Some("ana")
    );
    assert!(config.auth.verify("Secret").is_none());
}

#[test]
fn defaults_fill_what_is_left_out() {
    let config =
        parse("services:\n  shop:\n    slos:\n      - {name: a, objective: 99.9, sli: events}\n");
    let slo = config.slo("shop", "a").unwrap();
    assert_eq!(slo.spec.window, WindowSpec::rolling(30 * 1440));
    assert_eq!(slo.spec.tiers, default_tiers());
    assert_eq!(thresholds_30d(&config, "shop", "a"), [14.4, 6.0, 3.0, 1.0]);
    assert_eq!(slo.spec.min_events, 10);
    assert!(slo.labels.is_empty());
    assert!(config.auth.tokens.is_empty());
    assert!(!config.auth.public_read);
}

#[test]
fn public_read_is_a_plain_boolean() {
    assert!(parse("auth:\n  public_read: true\n").auth.public_read);
    assert!(!parse("auth:\n  public_read: False\n").auth.public_read);
}

#[test]
fn empty_texts_and_sections_are_empty_configs() {
    for text in [
        "",
        "# nothing yet\n",
        "services:\n",
        "services: {}\nauth:\n",
        "services:\n  shop:\n",
    ] {
        let config = parse(text);
        assert!(config.auth.tokens.is_empty(), "{text:?}");
        assert!(
            config.services.values().all(|s| s.slos.is_empty()),
            "{text:?}"
        );
    }
}

#[test]
fn calendar_weeks_default_to_utc() {
    let config = parse(
        "services:\n  shop:\n    slos:\n      - {name: a, objective: 99, calendar: week, sli: events}\n",
    );
    let slo = config.slo("shop", "a").unwrap();
    assert_eq!(
        slo.spec.window,
        WindowSpec::Calendar {
            unit: CalendarUnit::Week,
            tz: TimeZone::UTC
        }
    );
    assert_eq!(slo.window_label, "week");
}

#[test]
fn budget_consumed_reads_the_same_in_every_spelling() {
    for spelling in ["2%", "\"2%\"", "2", "'2 %'"] {
        let text = format!(
            "services:\n  shop:\n    slos:\n      - name: a\n        objective: 99\n        sli: events\n        alerting:\n          tiers:\n            - {{severity: page, long_window: 1h, short_window: 5m, budget_consumed: {spelling}}}\n"
        );
        let config = parse(&text);
        assert_eq!(
            config.slo("shop", "a").unwrap().spec.tiers[0].threshold,
            TierThreshold::BudgetConsumed(0.02),
            "{spelling}"
        );
    }
}

#[test]
fn environment_variables_expand_inside_values() {
    let text = "\
services:
  shop:
    owner: ${TEAM}
    description: costs $5, written $${NOT_A_VAR}
    slos:
      - name: a
        objective: ${OBJECTIVE}
        sli: events
auth:
  tokens:
    - {name: ci, role: writer, hash: '${CI_HASH}'}
";
    let config = parse(text);
    let shop = &config.services["shop"];
    assert_eq!(shop.owner.as_deref(), Some("payments"));
    assert_eq!(
        shop.description.as_deref(),
        Some("costs $5, written ${NOT_A_VAR}")
    );
    assert_eq!(config.slo("shop", "a").unwrap().objective_percent, 99.5);
    assert_eq!(config.auth.verify("ci-secret").unwrap().name, "ci");
}

#[test]
fn anchors_and_aliases_share_settings() {
    let text = "\
services:
  shop:
    slos:
      - name: availability
        objective: 99.9
        sli: events
        alerting: &paging
          min_events: 50
          labels: {team: payments}
          tiers:
            - {severity: page, long_window: 1h, short_window: 5m, burn_rate: 14.4}
  cart:
    slos:
      - name: availability
        objective: 99.5
        sli: events
        alerting: *paging
";
    let config = parse(text);
    let (shop, cart) = (
        config.slo("shop", "availability").unwrap(),
        config.slo("cart", "availability").unwrap(),
    );
    assert_eq!(shop.spec.tiers, cart.spec.tiers);
    assert_eq!(cart.spec.min_events, 50);
    assert_eq!(cart.labels["team"], "payments");
    assert_eq!(cart.spec.objective, 0.995);
}

#[test]
fn an_alias_keeps_the_line_of_its_anchor_in_errors() {
    let text = "\
services:
  shop:
    slos:
      - {name: a, objective: 99, sli: events, alerting: &bad {min_events: 0}}
  cart:
    slos:
      - {name: a, objective: 99, sli: events, alerting: *bad}
";
    assert_eq!(
        crate::errors(text),
        "nines.yaml:4: services.shop.slos[0].alerting.min_events: `0` is not a whole number >= 1\n\
         nines.yaml:4: services.cart.slos[0].alerting.min_events: `0` is not a whole number >= 1"
    );
}

#[test]
fn prometheus_and_promql_slis_name_their_counters() {
    let config = parse(
        "services:\n  shop:\n    slos:\n      - name: availability\n        objective: 99.9\n        sli:\n          prometheus:\n            errors: 'http_requests_total{code=~\"5..\"}'\n            total: http_requests_total\n            target: http://127.0.0.1:8080/metrics\n      - name: latency\n        objective: 99\n        sli: { promql: { good: 'h_bucket{le=\"0.3\"}', total: h_count } }\n",
    );
    let shop = &config.services["shop"];
    assert_eq!(
        shop.slos[0].sli,
        Sli::Prometheus(nines_config::Counters {
            ratio: nines_config::Ratio::Errors("http_requests_total{code=~\"5..\"}".into()),
            total: "http_requests_total".into(),
            location: Some("http://127.0.0.1:8080/metrics".into()),
            headers: Vec::new(),
        })
    );
    assert_eq!(shop.slos[0].sli.kind(), "prometheus");
    let latency = shop.slos[1].sli.counters().unwrap();
    assert_eq!(
        latency.ratio,
        nines_config::Ratio::Good("h_bucket{le=\"0.3\"}".into())
    );
    assert_eq!(latency.location, None);
    assert_eq!(shop.slos[1].sli.kind(), "promql");
}
