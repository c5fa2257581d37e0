//! `nines export grafana`: valid dashboard JSON whose every query is valid
//! PromQL (checked by promtool) over metrics a real nines exposes.

use std::collections::BTreeSet;

use crate::util::*;
use nines::clock::Clock;
use serde_json::Value;

#[test]
fn the_dashboard_is_complete_json() {
    let out = run_ok(nines().args(["export", "grafana", "--title", "Shop SLOs"]));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["title"], "Shop SLOs");
    assert_eq!(d["uid"], "nines-slos");
    let panels = d["panels"].as_array().unwrap();
    let ids: BTreeSet<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids are unique");
    for p in panels {
        for key in ["x", "y", "w", "h"] {
            assert!(
                p["gridPos"][key].is_u64(),
                "{} has gridPos.{key}",
                p["title"]
            );
        }
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{} queries something", p["title"]);
        for t in targets {
            assert_eq!(t["datasource"]["uid"], "${datasource}");
        }
    }
    let vars: Vec<&str> = d["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(vars, ["datasource", "service"]);
    insta::assert_json_snapshot!(d);
}

#[tokio::test]
async fn every_query_uses_metrics_nines_exposes() {
    let ws = Workspace::new(&shop_yaml());
    let d = Daemon::start(&ws, Clock::System).await;
    let now = jiff::Timestamp::now().as_second();
    let r = call(
        "POST",
        &format!("{}/api/v1/events", d.url),
        Some(WRITER),
        Some(batch(&[event("shop", "availability", now, 9, 10)])),
    )
    .await;
    assert_eq!(r.status, 200);
    let metrics = call("GET", &format!("{}/metrics", d.url), Some(READER), None)
        .await
        .text;
    d.stop().await;
    let exposed: BTreeSet<&str> = metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .collect();
    for (panel, _, expr) in nines::cli::grafana::queries() {
        let used: Vec<&str> = expr
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("nines_"))
            .collect();
        assert!(!used.is_empty(), "{panel}: {expr}");
        for name in used {
            assert!(exposed.contains(name), "{panel}: {name} is not on /metrics");
        }
    }
    assert!(metrics.contains(
        "nines_slo_info{service=\"shop\",slo=\"availability\",window=\"30d\",sli=\"events\"} 1"
    ));
}

#[test]
fn every_query_is_valid_promql() {
    if !promtool_available() {
        return;
    }
    let ws = Workspace::new("");
    let mut rules = String::from("groups:\n  - name: dashboard-queries\n    rules:\n");
    for (i, (_, _, expr)) in nines::cli::grafana::queries().into_iter().enumerate() {
        let expr = expr.replace("$service", ".*");
        rules.push_str(&format!(
            "      - record: dashboard:query_{i}\n        expr: {}\n",
            serde_json::to_string(&expr).unwrap()
        ));
    }
    let path = ws.dir.path().join("queries.yaml");
    std::fs::write(&path, rules).unwrap();
    promtool(&["check", "rules"], &path);
}

/// The dashboard's queries against a real Prometheus scraping a real nines:
/// every one returns data.
#[test]
fn every_query_returns_data_from_a_real_prometheus() {
    if !require("prometheus", "prometheus") {
        return;
    }
    let ws = Workspace::new(&shop_yaml());
    let nines = Process::start(&ws.config(), &ws.data(), &[]);
    // 10% errors for the last hour: pages fire.
    push_burning_hour(&nines.url);
    let target = nines.url.trim_start_matches("http://");
    let prom_config = ws.dir.path().join("prometheus.yml");
    std::fs::write(
        &prom_config,
        format!(
            "global: {{ scrape_interval: 1s, evaluation_interval: 1s }}\nscrape_configs:\n  - job_name: nines\n    authorization: {{ credentials: {READER} }}\n    static_configs: [{{ targets: ['{target}'] }}]\n"
        ),
    )
    .unwrap();
    // Prometheus must bind its own port: the kit retries a bind conflict.
    let (prom, port) = start_on_a_free_port(
        std::time::Duration::from_secs(30),
        |port| {
            let mut cmd = std::process::Command::new("prometheus");
            cmd.arg(format!("--config.file={}", prom_config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    ws.dir.path().join("tsdb").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"));
            cmd
        },
        |port| http_ok(port, "/-/ready"),
    );
    let query = |expr: &str| -> Option<Value> {
        let url = format!(
            "http://127.0.0.1:{port}/api/v1/query?query={}",
            urlencode(expr)
        );
        let r = blocking("GET", &url, None, None)?;
        (r.status == 200).then_some(r.body)
    };
    // Wait (bounded) for two scrapes of nines.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut ready = false;
    while std::time::Instant::now() < deadline {
        let scraped = query("count_over_time(up{job=\"nines\"}[1m]) >= 2").is_some_and(|v| {
            v["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        });
        if scraped {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let mut empty = Vec::new();
    if ready {
        for (panel, ref_id, expr) in nines::cli::grafana::queries() {
            let v = query(&expr.replace("$service", ".*")).expect("prometheus answers");
            assert_eq!(v["status"], "success", "{panel} {ref_id}: {v}");
            if v["data"]["result"].as_array().is_none_or(|r| r.is_empty()) {
                empty.push(format!("{panel} {ref_id}: {expr}"));
            }
        }
    }
    drop(prom);
    assert!(ready, "prometheus did not scrape nines within 30 s");
    assert!(empty.is_empty(), "queries without data: {empty:#?}");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
