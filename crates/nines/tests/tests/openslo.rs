//! OpenSLO v1: read beside nines config, imported, exported, and round
//! tripped without changing any SLO; what does not map is reported.

use std::path::PathBuf;

use crate::util::*;
use nines_config::{Config, Sli, Slo};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn openslo_files_are_read_beside_nines_config() {
    let ws = Workspace::new(&shop_yaml());
    std::fs::copy(
        fixture("shop.openslo.yaml"),
        ws.dir.path().join("shop.openslo.yaml"),
    )
    .unwrap();
    let config = Config::load(ws.dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let checkout = &config.services["checkout"];
    assert_eq!(checkout.description.as_deref(), Some("The checkout API."));
    let avail = &checkout.slos[0];
    assert_eq!(
        (
            avail.name.as_str(),
            avail.objective_percent,
            avail.window_label.as_str()
        ),
        ("availability", 99.9, "28d")
    );
    let Sli::Promql(c) = &avail.sli else {
        panic!("{:?}", avail.sli)
    };
    assert_eq!(
        c.location.as_deref(),
        Some("http://prometheus.example:9090")
    );
    let thresholds: Vec<(String, u32, u32, f64)> = avail
        .spec
        .tiers
        .iter()
        .map(|t| (t.name(), t.long, t.short, t.burn_threshold(28 * 1440)))
        .collect();
    assert_eq!(
        thresholds,
        [
            ("page-1h".to_string(), 60, 5, 14.4),
            ("ticket-1d".to_string(), 1440, 120, 3.0)
        ]
    );
    assert_eq!(avail.alert_rules.for_.as_deref(), Some("2m"));
    assert_eq!(checkout.slos[1].window_label, "month");
    assert!(
        config.services.contains_key("shop"),
        "nines' own services stay"
    );
    let warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    let has = |s: &str| warnings.iter().any(|w| w.contains(s));
    assert!(
        has("AlertNotificationTarget/payments-slack: notification targets are not mapped"),
        "{warnings:#?}"
    );
    assert!(
        has("AlertPolicy/checkout-burn.spec.alertWhenBreaching: not mapped"),
        "{warnings:#?}"
    );
    assert!(
        has("AlertPolicy/checkout-burn.spec.notificationTargets: not mapped"),
        "{warnings:#?}"
    );
    // nines check shows them.
    let out = run_ok(nines().args(["check", "--config"]).arg(ws.dir.path()));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: "),
        "check prints warnings"
    );
}

/// What an SLO means, whatever the file format it came from.
fn meaning(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for s in config.services.values() {
        for slo in &s.slos {
            out.push(meaning_of(&s.name, slo));
        }
    }
    out
}

fn meaning_of(service: &str, slo: &Slo) -> String {
    let counters = slo
        .sli
        .counters()
        .map(|c| (c.ratio.clone(), c.total.clone(), c.location.clone()));
    let period = i64::from(slo.spec.window.nominal_minutes());
    let tiers: Vec<String> = slo
        .spec
        .tiers
        .iter()
        .map(|t| {
            format!(
                "{}:{}/{}>{:.6}",
                t.severity.as_str(),
                t.long,
                t.short,
                t.burn_threshold(period)
            )
        })
        .collect();
    format!(
        "{service}/{} {:?} {} {:?} {:?} {tiers:?} for={:?}",
        slo.name,
        slo.description,
        slo.spec.objective,
        slo.spec.window,
        counters,
        slo.alert_rules.for_
    )
}

#[test]
fn export_then_import_keeps_every_slo() {
    let config = format!(
        "services:\n  shop:\n    description: The shop.\n    slos:\n      - name: availability\n        description: \"Requests that do not fail.\"\n        objective: 99.9\n        window: 28d\n        sli:\n          promql:\n            errors: 'http_requests_total{{job=\"shop\",code=~\"5..\"}}'\n            total: 'http_requests_total{{job=\"shop\"}}'\n            url: http://prometheus.example:9090\n        alerting:\n          for: 2m\n      - name: latency\n        objective: 99\n        calendar: month\n        timezone: Europe/Berlin\n        timeslices: {{ target: 95, slice: 5m }}\n        sli:\n          promql:\n            good: 'h_bucket{{le=\"0.3\"}}'\n            total: h_count\n        alerting:\n          tiers:\n            - {{ severity: page, long_window: 2h, short_window: 10m, burn_rate: 10 }}\n      - name: pushed\n        objective: 99\n        sli: events\n{}",
        auth_yaml()
    );
    let ws = Workspace::new(&config);
    let exported = ws.dir.path().join("exported.openslo.yaml");
    let out = run_ok(
        nines()
            .args(["export", "openslo", "--config"])
            .arg(ws.config())
            .arg("--out")
            .arg(&exported),
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("skipped shop/pushed: `sli: events` has no metric source in OpenSLO")
    );
    let imported = ws.dir.path().join("imported.yaml");
    run_ok(
        nines()
            .args(["import", "openslo"])
            .arg(&exported)
            .arg("--out")
            .arg(&imported),
    );
    let original = Config::load(&ws.config()).unwrap();
    let mut original = meaning(&original);
    original.retain(|m| !m.starts_with("shop/pushed"));
    assert_eq!(meaning(&Config::load(&imported).unwrap()), original);
    // And the exported documents themselves read the same.
    assert_eq!(meaning(&Config::load(&exported).unwrap()), original);
    // A second round gives the same documents.
    let again = ws.dir.path().join("again.openslo.yaml");
    run_ok(
        nines()
            .args(["export", "openslo", "--config"])
            .arg(&imported)
            .arg("--out")
            .arg(&again),
    );
    assert_eq!(
        std::fs::read_to_string(&again).unwrap(),
        std::fs::read_to_string(&exported).unwrap()
    );
}

#[test]
fn invalid_documents_name_document_and_field() {
    let slo = |spec: &str| {
        format!(
            "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: a\nspec:\n  service: shop\n{spec}"
        )
    };
    let indicator = "  indicator:\n    metadata: { name: i }\n    spec:\n      ratioMetric:\n        counter: true\n        good: { metricSource: { type: Prometheus, spec: { query: good_total } } }\n        total: { metricSource: { type: Prometheus, spec: { query: all_total } } }\n";
    let window = "  timeWindow: [ { duration: 30d, isRolling: true } ]\n";
    let objective = "  objectives: [ { target: 0.99 } ]\n";
    let cases: Vec<(String, &str)> = vec![
        (
            "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: { name: a }\nspec: {}\n".into(),
            "x.yaml:1: document 1.apiVersion: `openslo/v1alpha` is not supported; nines reads `openslo/v1`",
        ),
        (
            slo(&format!(
                "  indicator:\n    spec:\n      thresholdMetric: {{ metricSource: {{ type: Prometheus, spec: {{ query: x }} }} }}\n{window}{objective}"
            )),
            "SLO/a.spec.indicator.spec.thresholdMetric: thresholdMetric SLIs are not supported",
        ),
        (
            slo(&format!(
                "{indicator}{window}{objective}  budgetingMethod: RatioTimeslices\n"
            )),
            "SLO/a.spec.budgetingMethod: budgetingMethod `RatioTimeslices` is not supported; nines budgets by `Occurrences` or `Timeslices`",
        ),
        (
            slo(&format!(
                "{indicator}{window}{objective}  budgetingMethod: Timeslices\n"
            )),
            "SLO/a.spec.objectives[0]: missing required key `timeSliceTarget`",
        ),
        (
            slo(&format!(
                "{indicator}{window}  objectives: [ {{ target: 0.99 }}, {{ target: 0.999 }} ]\n"
            )),
            "SLO/a.spec.objectives: give exactly one objective",
        ),
        (
            slo(&format!(
                "{}{window}{objective}",
                indicator.replace("query: good_total", "query: 'sum(rate(good_total[5m]))'")
            )),
            "is not a series selector of a counter",
        ),
        (
            slo(&format!(
                "{}{window}{objective}",
                indicator.replace("counter: true", "counter: false")
            )),
            "only `counter: true` ratio metrics are supported",
        ),
        (
            slo(&format!("  indicatorRef: nope\n{window}{objective}")),
            "SLO/a.spec.indicatorRef: no SLI document named `nope` in the OpenSLO files read",
        ),
        (
            slo(&format!(
                "{indicator}  timeWindow: [ {{ duration: 1Q, isRolling: false, calendar: {{ timeZone: UTC }} }} ]\n{objective}"
            )),
            "SLO/a.spec.timeWindow[0].duration: `1Q` is not a calendar window nines supports",
        ),
        (
            slo(&format!(
                "{indicator}{window}  objectives: [ {{ target: 1.5 }} ]\n"
            )),
            "1.5 is not a target strictly between 0 and 1",
        ),
        (
            slo(&format!(
                "{indicator}{window}{objective}  alertPolicies:\n    - spec:\n        conditions:\n          - spec: {{ severity: critical, condition: {{ kind: burnrate, threshold: 2, lookbackWindow: 1h }} }}\n"
            )),
            "severity: `critical` is not one of `page` or `ticket`",
        ),
    ];
    let ws = Workspace::new("");
    for (text, want) in cases {
        std::fs::write(ws.dir.path().join("x.yaml"), &text).unwrap();
        let err = Config::load(&ws.dir.path().join("x.yaml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(want), "{text}\n got: {err}\nwant: {want}");
    }
}

#[test]
fn a_rolling_month_is_thirty_days_and_says_so() {
    let text = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: a\nspec:\n  service: shop\n  indicator:\n    spec:\n      ratioMetric:\n        counter: true\n        good: { metricSource: { type: Prometheus, spec: { query: good_total } } }\n        total: { metricSource: { type: Prometheus, spec: { query: all_total } } }\n  timeWindow: [ { duration: 1M, isRolling: true } ]\n  objectives: [ { target: 0.99 } ]\n";
    let config = Config::parse("x.yaml", text).unwrap();
    assert_eq!(config.services["shop"].slos[0].window_label, "30d");
    assert!(
        config.warnings[0]
            .to_string()
            .contains("SLO/a.spec.timeWindow[0].duration: a rolling month is taken as 30 days"),
        "{:?}",
        config.warnings
    );
}

/// The fixture's documents one per file, in one directory and as files
/// given to `nines import openslo`: references resolve across files and
/// the SLOs mean the same as from the single file (issue 15).
#[test]
fn references_resolve_across_the_files_of_a_directory() {
    let one = Config::load(&fixture("shop.openslo.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let ws = Workspace::new("");
    let dir = ws.dir.path().join("split");
    std::fs::create_dir(&dir).unwrap();
    let text = std::fs::read_to_string(fixture("shop.openslo.yaml")).unwrap();
    // SLOs first in name order, so a referenced document is always in a
    // later file.
    let docs: Vec<&str> = text
        .split("\n---")
        .filter(|d| d.contains("kind:"))
        .collect();
    assert!(docs.len() >= 6, "{}", docs.len());
    let mut files = Vec::new();
    for (i, doc) in docs.iter().rev().enumerate() {
        let path = dir.join(format!("{i:02}.yaml"));
        std::fs::write(&path, doc.trim_start_matches('-')).unwrap();
        files.push(path);
    }
    let split = Config::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    // The SLOs of a service in file order: the files are reversed here.
    let sorted = |c: &Config| {
        let mut m = meaning(c);
        m.sort();
        m
    };
    assert_eq!(sorted(&split), sorted(&one));
    let out = run_ok(nines().args(["import", "openslo"]).args(&files));
    let imported = String::from_utf8(out.stdout).unwrap();
    assert!(imported.contains("checkout"), "{imported}");
    // A reference to a document no file holds: one precise error.
    std::fs::remove_file(
        &files[docs.len()
            - 1
            - docs
                .iter()
                .position(|d| d.contains("kind: DataSource"))
                .unwrap()],
    )
    .unwrap();
    let err = Config::load(&dir).unwrap_err().to_string();
    assert!(
        err.contains("no DataSource document named `prometheus-main` in the OpenSLO files read"),
        "{err}"
    );
    assert!(!err.contains("give exactly one of"), "{err}");
}

/// `timeWindow` is optional in OpenSLO v1; a refused metric source is one
/// error, not two.
#[test]
fn optional_time_window_and_one_reason_per_refusal() {
    let slo = |source: &str| {
        format!(
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {{ name: avail }}\nspec:\n  service: shop\n  indicator:\n    metadata: {{ name: errors }}\n    spec:\n      ratioMetric:\n        counter: true\n        good: {{ metricSource: {{ type: {source}, spec: {{ query: 'ok_total' }} }} }}\n        total: {{ metricSource: {{ type: Prometheus, spec: {{ query: 'all_total' }} }} }}\n  objectives:\n    - target: 0.99\n"
        )
    };
    let config = Config::parse("slo.yaml", &slo("Prometheus")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.services["shop"].slos[0].window_label, "30d");
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.message.contains("no `timeWindow`"))
    );
    let err = Config::parse("slo.yaml", &slo("Datadog")).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert!(
        err.to_string()
            .contains("metric source type `Datadog` is not supported"),
        "{err}"
    );
}
