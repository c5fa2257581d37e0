//! `nines rules prometheus`: the generated rules pass a real `promtool check
//! rules`, and `promtool test rules` drives synthetic series through them:
//! at every checked minute the alerts Prometheus fires are the tiers nines'
//! own evaluator fires on the same per-minute data.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::util::*;
use nines_config::Config;
use nines_slo::{AlertState, Counts, WindowSpec, evaluate, timestamp_of};

const ERRORS_SLI: &str = "prometheus:\n            errors: 'http_requests_total{job=\"shop\",code=\"500\"}'\n            total: 'http_requests_total{job=\"shop\"}'";
const LATENCY_SLI: &str = "promql:\n            good: 'http_request_duration_seconds_bucket{job=\"shop\",le=\"0.3\"}'\n            total: 'http_request_duration_seconds_count{job=\"shop\"}'";

fn config_yaml(objective: &str, window: &str) -> String {
    config_with(objective, window, ERRORS_SLI)
}

fn config_with(objective: &str, window: &str, sli: &str) -> String {
    format!(
        "services:\n  shop:\n    slos:\n      - name: availability\n        objective: {objective}\n        window: {window}\n        sli:\n          {sli}\n        alerting: {{ labels: {{ team: payments }} }}\n      - name: pushed\n        objective: 99\n        sli: events\n"
    )
}

fn rules(ws: &Workspace, extra: &[&str]) -> (String, String) {
    let out = run_ok(
        nines()
            .args(["rules", "prometheus", "--config"])
            .arg(ws.config())
            .args(extra),
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_rule_file_passes_promtool_and_says_what_it_skipped() {
    let ws = Workspace::new(&config_yaml("99.9", "30d"));
    let (text, stderr) = rules(&ws, &["-l", "env=prod"]);
    assert!(
        stderr.contains("skipped shop/pushed: its SLI is `events`"),
        "{stderr}"
    );
    assert!(stderr.contains("1 SLO(s) compiled, 1 skipped"), "{stderr}");
    for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
        assert!(
            text.contains(&format!("record: nines_slo:error_ratio:rate{window}\n")),
            "{window}"
        );
    }
    // Thresholds × budget: 14.4, 6, 3 and 1 times 0.001.
    for limit in ["> 0.0144)", "> 0.006)", "> 0.003)", "> 0.001)"] {
        assert!(text.contains(limit), "{limit}");
    }
    assert!(text.contains("env: \"prod\""));
    let path = ws.dir.path().join("rules.yaml");
    std::fs::write(&path, &text).unwrap();
    if promtool_available() {
        promtool(&["check", "rules"], &path);
        // --check does the same from nines.
        rules(&ws, &["--check"]);
        // An `-o` file in the temp directory is checked and kept (it was
        // deleted after the check, issue 14).
        let out = ws.dir.path().join("checked.yaml");
        rules(&ws, &["--check", "-o", out.to_str().unwrap()]);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), rules(&ws, &[]).0);
    }
    // Stable output: the same config gives the same bytes.
    assert_eq!(rules(&ws, &["-l", "env=prod"]).0, text);
    // 28 days: the thresholds follow the period.
    let (text28, _) = rules(&ws, &["--period", "28d", "--no-recordings"]);
    assert!(
        text28.contains("> 0.01344)") && !text28.contains("record:"),
        "{text28}"
    );
    assert!(
        rules(&ws, &["--no-alerts"])
            .0
            .lines()
            .all(|l| !l.contains("alert:"))
    );
}

#[test]
fn one_file_per_service() {
    let ws = Workspace::new(&config_yaml("99.9", "30d"));
    let dir = ws.dir.path().join("rules");
    rules(&ws, &["--by-service", "--out", dir.to_str().unwrap()]);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["shop.yaml"]);
}

/// Per-minute traffic: 1,000 good requests a minute, and `errors(m)` failed
/// (or too slow) ones in minute `m`; no samples at all during `gap`.
struct Scenario {
    minutes: i64,
    errors: fn(i64) -> u64,
    gap: Option<(i64, i64)>,
    latency: bool,
}

impl Scenario {
    fn in_gap(&self, m: i64) -> bool {
        self.gap.is_some_and(|(a, b)| (a..b).contains(&m))
    }
}

/// Which tiers nines' evaluator has firing after each minute's data.
fn nines_timeline(config: &Config, s: &Scenario) -> Vec<Vec<String>> {
    let slo = config.slo("shop", "availability").unwrap();
    let spec = &slo.spec;
    // Minute 0 of the scenario at a fixed, whole-hour instant.
    let base = 29_000_040i64;
    let mut series = spec.new_series(base);
    let mut states = vec![AlertState::default(); spec.tiers.len()];
    let mut out = Vec::new();
    for m in 0..s.minutes {
        series.advance(base + m);
        if !s.in_gap(m) {
            series
                .add(base + m, Counts::new(1000, 1000 + (s.errors)(m)))
                .unwrap();
        }
        let report = evaluate(spec, &series, timestamp_of(base + m), &states);
        states = report.alerts.iter().map(|a| a.state).collect();
        out.push(
            spec.tiers
                .iter()
                .zip(&states)
                .filter(|(_, s)| s.firing)
                .map(|(t, _)| t.name())
                .collect(),
        );
    }
    assert!(matches!(spec.window, WindowSpec::Rolling { .. }));
    out
}

/// The promtool unit test: counters sampled every minute, and at each
/// checked minute the alerts nines fires after that minute's data.
fn promtool_test(
    rule_file: &Path,
    s: &Scenario,
    timeline: &[Vec<String>],
    checks: &[i64],
    rules_text: &str,
) -> String {
    // Two counters sampled every minute; `_` marks a missing sample.
    let (mut good, mut other) = (vec![Some(0u64)], vec![Some(0u64)]);
    let (mut g, mut o) = (0u64, 0u64);
    for m in 0..s.minutes {
        // During a gap the service is down: no samples and no traffic, so
        // its counters resume where they stopped.
        let present = !s.in_gap(m);
        if present {
            g += 1000;
            o += (s.errors)(m);
        }
        good.push(present.then_some(g));
        other.push(present.then_some(if s.latency { g + o } else { o }));
    }
    let join = |v: &[Option<u64>]| {
        v.iter()
            .map(|x| x.map_or("_".to_string(), |x| x.to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (good_name, other_name) = if s.latency {
        (
            "http_request_duration_seconds_bucket{job=\"shop\",le=\"0.3\"}",
            "http_request_duration_seconds_count{job=\"shop\"}",
        )
    } else {
        (
            "http_requests_total{job=\"shop\",code=\"200\"}",
            "http_requests_total{job=\"shop\",code=\"500\"}",
        )
    };
    let mut t = format!(
        "rule_files: [{:?}]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n      - series: '{good_name}'\n        values: '{}'\n      - series: '{other_name}'\n        values: '{}'\n    alert_rule_test:\n",
        rule_file.to_str().unwrap(),
        join(&good),
        join(&other)
    );
    let annotations: BTreeMap<String, (String, String)> = annotations_by_tier(rules_text);
    for &at in checks {
        // Prometheus at `at` minutes has seen the increments of minutes 0..at.
        let firing = &timeline[(at - 1) as usize];
        t.push_str(&format!(
            "      - eval_time: {at}m\n        alertname: ErrorBudgetBurn\n        exp_alerts:"
        ));
        if firing.is_empty() {
            t.push_str(" []\n");
            continue;
        }
        t.push('\n');
        for tier in firing {
            let (severity, windows) = tier.split_once('-').unwrap();
            let short = match windows {
                "1h" => "5m",
                "6h" => "30m",
                "1d" => "2h",
                _ => "6h",
            };
            let (summary, description) = &annotations[tier];
            t.push_str(&format!(
                "          - exp_labels: {{service: shop, slo: availability, team: payments, severity: {severity}, tier: {tier}, long_window: {windows}, short_window: {short}}}\n            exp_annotations: {{summary: {summary:?}, description: {description:?}}}\n"
            ));
        }
    }
    t
}

/// summary and description of each tier's alert, read back from the rules.
fn annotations_by_tier(rules: &str) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let mut tier = String::new();
    let mut description = String::new();
    for line in rules.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("tier: ") {
            tier = v.trim_matches('"').to_string();
        } else if let Some(v) = line.strip_prefix("description: ") {
            description = v.trim_matches('"').to_string();
        } else if let Some(v) = line.strip_prefix("summary: ") {
            out.insert(
                tier.clone(),
                (v.trim_matches('"').to_string(), description.clone()),
            );
        }
    }
    out
}

fn agree(objective: &str, window: &str, s: &Scenario) {
    if !promtool_available() {
        return;
    }
    let ws = Workspace::new(&config_with(
        objective,
        window,
        if s.latency { LATENCY_SLI } else { ERRORS_SLI },
    ));
    let config = Config::load(&ws.config()).unwrap();
    let (text, _) = rules(&ws, &[]);
    let rule_file = ws.dir.path().join("rules.yaml");
    std::fs::write(&rule_file, &text).unwrap();
    let timeline = nines_timeline(&config, s);
    // Every minute. The one exception is the first sample after a gap:
    // rate() needs two samples in the window, nines needs one minute of
    // data, so there Prometheus decides a minute later.
    let changes: Vec<i64> = (1..timeline.len())
        .filter(|&i| timeline[i] != timeline[i - 1])
        .map(|i| i as i64 + 1)
        .collect();
    let checks: Vec<i64> = (2..s.minutes)
        .filter(|&t| s.gap.is_none_or(|(_, end)| t != end + 1))
        .collect();
    assert!(
        checks.len() > s.minutes as usize * 85 / 100,
        "enough checked minutes"
    );
    assert!(!changes.is_empty(), "the scenario makes alerts change");
    let test = promtool_test(&rule_file, s, &timeline, &checks, &text);
    let test_file = ws.dir.path().join("test.yaml");
    std::fs::write(&test_file, &test).unwrap();
    let out = Command::new("promtool")
        .args(["test", "rules"])
        .arg(&test_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool disagrees with nines' evaluator (changes at minutes {changes:?}):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_error_burst_fires_and_resolves_as_in_nines_30d() {
    // 2% errors from minute 60 to 120, then clean again.
    agree(
        "99.9",
        "30d",
        &Scenario {
            minutes: 240,
            errors: |m| if (60..120).contains(&m) { 20 } else { 0 },
            gap: None,
            latency: false,
        },
    );
}

#[test]
fn an_error_burst_fires_and_resolves_as_in_nines_28d() {
    // 0.5% errors for two hours: page-6h territory at 28 days, not page-1h.
    agree(
        "99.9",
        "28d",
        &Scenario {
            minutes: 300,
            errors: |m| if (30..150).contains(&m) { 8 } else { 0 },
            gap: None,
            latency: false,
        },
    );
}

#[test]
fn a_latency_sli_fires_and_resolves_as_in_nines() {
    // 3% of requests slower than 300 ms for 40 minutes, 99% objective.
    agree(
        "99",
        "30d",
        &Scenario {
            minutes: 200,
            errors: |m| if (50..90).contains(&m) { 31 } else { 0 },
            gap: None,
            latency: true,
        },
    );
}

#[test]
fn a_gap_in_the_data_decides_nothing_as_in_nines() {
    // Errors, then the service is gone for 20 minutes (no samples, no
    // traffic) while the page fires: no data neither resolves nor fires
    // anything, in both.
    agree(
        "99.9",
        "30d",
        &Scenario {
            minutes: 200,
            errors: |m| if (40..100).contains(&m) { 30 } else { 0 },
            gap: Some((80, 100)),
            latency: false,
        },
    );
}

#[test]
fn budget_exhausted_and_absent_alerts_fire_in_promtool() {
    if !promtool_available() {
        return;
    }
    let config = "services:\n  shop:\n    slos:\n      - name: availability\n        objective: 99.9\n        window: 1h\n        sli:\n          prometheus:\n            errors: 'http_requests_total{job=\"shop\",code=\"500\"}'\n            total: 'http_requests_total{job=\"shop\"}'\n        alerting:\n          tiers: []\n          for: 2m\n          runbook_url: https://runbooks.example/shop\n          budget_exhausted_alert: true\n          absent_alert: 10m\n";
    let ws = Workspace::new(config);
    let (text, _) = rules(&ws, &["--check"]);
    std::fs::write(ws.dir.path().join("rules.yaml"), &text).unwrap();
    // 5% errors for an hour, then the service is gone.
    let test = r#"rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{job="shop",code="200"}'
        values: '0+950x60'
      - series: 'http_requests_total{job="shop",code="500"}'
        values: '0+50x60'
    alert_rule_test:
      - eval_time: 1m
        alertname: ErrorBudgetExhausted
        exp_alerts: []
      - eval_time: 30m
        alertname: ErrorBudgetExhausted
        exp_alerts:
          - exp_labels: {service: shop, slo: availability, severity: ticket}
            exp_annotations: {summary: "shop/availability: the 1h error budget is spent", runbook_url: "https://runbooks.example/shop"}
      - eval_time: 30m
        alertname: SLIAbsent
        exp_alerts: []
      - eval_time: 75m
        alertname: SLIAbsent
        exp_alerts:
          - exp_labels: {service: shop, slo: availability, severity: ticket, job: shop}
            exp_annotations: {summary: "shop/availability: no samples of its total counter for 10m", runbook_url: "https://runbooks.example/shop"}
"#;
    let path = ws.dir.path().join("test.yaml");
    std::fs::write(&path, test).unwrap();
    promtool(&["test", "rules"], &path);
}

#[test]
fn a_fired_alert_carries_the_services_and_the_slos_labels() {
    if !promtool_available() {
        return;
    }
    // `team` is set by both: the SLO's value wins; `owner` comes from the
    // service, `component` from the SLO.
    let config = "services:\n  shop:\n    labels: { owner: alice, team: platform }\n    slos:\n      - name: availability\n        objective: 99.9\n        window: 1h\n        sli:\n          prometheus:\n            errors: 'http_requests_total{job=\"shop\",code=\"500\"}'\n            total: 'http_requests_total{job=\"shop\"}'\n        alerting:\n          tiers: []\n          labels: { team: payments, component: checkout }\n          runbook_url: https://runbooks.example/shop\n          budget_exhausted_alert: true\n";
    let ws = Workspace::new(config);
    let (text, _) = rules(&ws, &["--check"]);
    std::fs::write(ws.dir.path().join("rules.yaml"), &text).unwrap();
    let test = r#"rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{job="shop",code="200"}'
        values: '0+950x60'
      - series: 'http_requests_total{job="shop",code="500"}'
        values: '0+50x60'
    alert_rule_test:
      - eval_time: 30m
        alertname: ErrorBudgetExhausted
        exp_alerts:
          - exp_labels: {service: shop, slo: availability, severity: ticket, owner: alice, team: payments, component: checkout}
            exp_annotations: {summary: "shop/availability: the 1h error budget is spent", runbook_url: "https://runbooks.example/shop"}
"#;
    let path = ws.dir.path().join("test.yaml");
    std::fs::write(&path, test).unwrap();
    promtool(&["test", "rules"], &path);
}
