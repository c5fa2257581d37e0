//! Sloth specs in: both formats read to the same rules, plugins are refused
//! by name, and the alerts fire at the same minutes as alerts written the
//! way Sloth documents them (checked minute by minute in promtool).

use std::path::PathBuf;

use crate::util::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn sloth_rules(path: &std::path::Path, extra: &[&str]) -> std::process::Output {
    nines()
        .args(["rules", "prometheus", "--sloth"])
        .arg(path)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn both_sloth_formats_give_the_same_rules() {
    let file = sloth_rules(&fixture("sloth-shop.yaml"), &[]);
    assert!(
        file.status.success(),
        "{}",
        String::from_utf8_lossy(&file.stderr)
    );
    let crd = sloth_rules(&fixture("sloth-shop-crd.yaml"), &[]);
    assert!(
        crd.status.success(),
        "{}",
        String::from_utf8_lossy(&crd.stderr)
    );
    assert_eq!(file.stdout, crd.stdout);
    let text = String::from_utf8(file.stdout).unwrap();
    // Sloth's shape: one page and one ticket alert, with its routing labels.
    assert_eq!(text.matches("- alert: ShopHighErrorRate").count(), 2);
    assert!(text.contains("sloth_severity: \"page\"") && text.contains("severity: \"pageteam\""));
    assert!(text.contains("sloth_severity: \"ticket\"") && text.contains("severity: \"slack\""));
    assert!(
        !text.contains("ALERTS{"),
        "no nines hysteresis in Sloth mode"
    );
    // The latency SLO has its recordings but no alerts (both disabled).
    let latency = text
        .split("name: \"nines-slo-shop-requests-latency\"")
        .nth(1)
        .unwrap();
    assert!(latency.contains("record:") && !latency.contains("alert:"));
    assert!(
        text.contains(
            "sum(rate(http_request_duration_seconds_bucket{job=\"shop\",le=\"0.3\"}[5m]))"
        )
    );
    if promtool_available() {
        assert!(
            sloth_rules(&fixture("sloth-shop.yaml"), &["--check"])
                .status
                .success()
        );
    }
}

#[test]
fn plugins_and_bad_specs_are_refused_with_file_line_and_field() {
    let ws = Workspace::new("");
    let cases = [
        (
            "version: prometheus/v1\nservice: shop\nslos:\n  - name: a\n    objective: 99\n    sli:\n      plugin:\n        id: sloth-common/kubernetes/apiserver/availability\n    alerting: { name: A }\n",
            "sloth.yaml:8: slos[0].sli.plugin: Sloth SLI plugins are not supported (plugin `sloth-common/kubernetes/apiserver/availability`)",
        ),
        (
            "version: prometheus/v2\nservice: shop\nslos: []\n",
            "sloth.yaml:1: version: `prometheus/v2` is not a supported Sloth spec version",
        ),
        (
            "version: prometheus/v1\nservice: shop\nslos:\n  - name: a\n    objective: 100\n    sli: { events: { error_query: 'x[5m]', total_query: 'y[{{.window}}]' } }\n    alerting: { name: A }\n",
            "sloth.yaml:5: slos[0].objective: 100 is not a percentage between 0 and 100",
        ),
        (
            "version: prometheus/v1\nservice: shop\nslos:\n  - name: a\n    objective: 99\n    sli: { events: { error_query: 'x[5m]', total_query: 'y[{{.window}}]' } }\n    alerting: { name: A }\n",
            "sloth.yaml:6: slos[0].sli.events.error_query: the query has no `{{.window}}` placeholder",
        ),
        (
            "version: prometheus/v1\nservice: shop\nslos:\n  - name: a\n    objective: 99\n    sli: { raw: { error_ratio_query: 'x[{{.window}}]' } }\n    alerting: { labels: { a: b } }\n",
            "sloth.yaml:7: slos[0].alerting: missing required key `name`",
        ),
        (
            "apiVersion: sloth.slok.dev/v1\nkind: PrometheusSLO\nspec: { service: shop, slos: [] }\n",
            "sloth.yaml:2: kind: `PrometheusSLO` is not `PrometheusServiceLevel`",
        ),
    ];
    for (text, want) in cases {
        let path = ws.dir.path().join("sloth.yaml");
        std::fs::write(&path, text).unwrap();
        let out = nines()
            .current_dir(ws.dir.path())
            .args(["rules", "prometheus", "--sloth", "sloth.yaml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        assert!(
            stderr.contains(want),
            "{text}\n got: {stderr}\nwant: {want}"
        );
    }
}

/// Sloth's alerting as its documentation describes it, written out by hand:
/// recordings `slo:sli_error:ratio_rate<W>` and the page/ticket expressions.
fn sloth_reference() -> String {
    let sel = r#"sloth_id="shop-requests-availability""#;
    let mut out = String::from("groups:\n  - name: sloth-reference\n    rules:\n");
    for w in ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] {
        out.push_str(&format!(
            "      - record: slo:sli_error:ratio_rate{w}\n        expr: (sum(rate(http_requests_total{{job=\"shop\",code=~\"5..\"}}[{w}]))) / (sum(rate(http_requests_total{{job=\"shop\"}}[{w}])))\n        labels: {{sloth_id: shop-requests-availability, sloth_window: {w}}}\n"
        ));
    }
    let pair = |factor: &str, short: &str, long: &str| {
        format!(
            "(max(slo:sli_error:ratio_rate{short}{{{sel}}} > ({factor} * 0.001)) without (sloth_window) and max(slo:sli_error:ratio_rate{long}{{{sel}}} > ({factor} * 0.001)) without (sloth_window))"
        )
    };
    out.push_str(&format!(
        "      - alert: SlothReferencePage\n        expr: {} or {}\n",
        pair("14.4", "5m", "1h"),
        pair("6", "30m", "6h")
    ));
    out.push_str(&format!(
        "      - alert: SlothReferenceTicket\n        expr: {} or {}\n",
        pair("3", "2h", "1d"),
        pair("1", "6h", "3d")
    ));
    out
}

#[test]
fn alerts_fire_at_the_same_minutes_as_slothss_documented_expressions() {
    if !promtool_available() {
        return;
    }
    let ws = Workspace::new("");
    let ours = sloth_rules(&fixture("sloth-shop.yaml"), &[]);
    assert!(ours.status.success());
    std::fs::write(ws.dir.path().join("ours.yaml"), &ours.stdout).unwrap();
    std::fs::write(ws.dir.path().join("sloth.yaml"), sloth_reference()).unwrap();
    // 1,000 requests a minute; 2% errors from minute 60 to 120, 0.4% from
    // 180 to 400: page, then ticket territory.
    let minutes = 420;
    let (mut ok, mut bad) = (vec![0u64], vec![0u64]);
    for m in 0..minutes {
        let errors = match m {
            60..120 => 20,
            180..400 => 4,
            _ => 0,
        };
        ok.push(ok.last().unwrap() + 1000 - errors);
        bad.push(bad.last().unwrap() + errors);
    }
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(" ");
    let mut test = format!(
        "rule_files: [ours.yaml, sloth.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n      - series: 'http_requests_total{{job=\"shop\",code=\"200\"}}'\n        values: '{}'\n      - series: 'http_requests_total{{job=\"shop\",code=\"500\"}}'\n        values: '{}'\n    promql_expr_test:\n",
        join(&ok),
        join(&bad)
    );
    let firing = |name: &str, extra: &str| {
        format!("(count(ALERTS{{alertname=\"{name}\",alertstate=\"firing\"{extra}}}) or vector(0))")
    };
    for t in 1..minutes {
        for (severity, reference) in [
            ("page", "SlothReferencePage"),
            ("ticket", "SlothReferenceTicket"),
        ] {
            let expr = format!(
                "{} - {}",
                firing(
                    "ShopHighErrorRate",
                    &format!(",sloth_severity=\"{severity}\"")
                ),
                firing(reference, "")
            );
            test.push_str(&format!("      - expr: '{expr}'\n        eval_time: {t}m\n        exp_samples: [{{labels: '{{}}', value: 0}}]\n"));
        }
    }
    // And the comparison is not vacuous: both fire at some point.
    for (t, severity) in [(100, "page"), (300, "ticket")] {
        let expr = firing(
            "ShopHighErrorRate",
            &format!(",sloth_severity=\"{severity}\""),
        );
        test.push_str(&format!("      - expr: '{expr}'\n        eval_time: {t}m\n        exp_samples: [{{labels: '{{}}', value: 1}}]\n"));
    }
    let path = ws.dir.path().join("test.yaml");
    std::fs::write(&path, test).unwrap();
    promtool(&["test", "rules"], &path);
}

#[test]
fn an_imported_spec_is_nines_config_that_compiles_to_the_same_recordings() {
    let ws = Workspace::new("");
    let out = run_ok(
        nines()
            .args(["import", "sloth"])
            .arg(fixture("sloth-shop.yaml"))
            .arg("--out")
            .arg(ws.config()),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "not mapped: slos.requests-availability.alerting.page_alert: label `severity=pageteam`"
        ),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("not mapped: slos.requests-availability.alerting.name: `ShopHighErrorRate`"),
        "{stderr}"
    );
    run_ok(nines().args(["check", "--config"]).arg(ws.config()));
    let ours = run_ok(
        nines()
            .args(["rules", "prometheus", "--config"])
            .arg(ws.config()),
    );
    let sloth = run_ok(
        nines()
            .args(["rules", "prometheus", "--sloth"])
            .arg(fixture("sloth-shop.yaml")),
    );
    let recordings = |text: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(text);
        text.split("      - ")
            .filter(|r| r.starts_with("record:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(recordings(&ours.stdout), recordings(&sloth.stdout));
    // The alerts are nines' (per tier), from the same ratios.
    let ours = String::from_utf8(ours.stdout).unwrap();
    assert_eq!(ours.matches("- alert: ErrorBudgetBurn").count(), 4);
    assert!(ours.contains("category: \"availability\""));
    if promtool_available() {
        run_ok(
            nines()
                .args(["rules", "prometheus", "--check", "--config"])
                .arg(ws.config()),
        );
    }
}
