//! SLI sources end to end through the daemon: probes against a local
//! server, heartbeats, scraping an exposition, PromQL against a real
//! Prometheus, and `nines demo`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::util::*;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use nines::clock::Clock;
use nines::daemon::Intervals;
use serde_json::Value;

/// A local service: `/healthz` (503 while `down`), and `/metrics` with
/// `app_requests_total` counters the test sets, or garbage while `garbage`.
#[derive(Default)]
struct Target {
    down: AtomicBool,
    garbage: AtomicBool,
    ok: AtomicU64,
    errors: AtomicU64,
    /// Counters grow with time from here: 10 requests a second, 1 failed.
    started: std::sync::OnceLock<Instant>,
}

async fn target() -> (String, Arc<Target>) {
    let t = Arc::new(Target::default());
    let _ = t.started.set(Instant::now());
    let s1 = t.clone();
    let s2 = t.clone();
    let s3 = t.clone();
    let router = Router::new()
        .route(
            "/healthz",
            get(move || {
                let t = s1.clone();
                async move {
                    if t.down.load(Ordering::Relaxed) {
                        (StatusCode::SERVICE_UNAVAILABLE, "down")
                    } else {
                        (StatusCode::OK, "up")
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let t = s2.clone();
                async move {
                    if t.garbage.load(Ordering::Relaxed) {
                        return "app_requests_total{code=\"200\" 5\n".to_string();
                    }
                    format!(
                        "# TYPE app_requests_total counter\napp_requests_total{{code=\"200\"}} {}\napp_requests_total{{code=\"500\"}} {}\n",
                        t.ok.load(Ordering::Relaxed),
                        t.errors.load(Ordering::Relaxed)
                    )
                }
            }),
        )
        .route(
            "/timed",
            get(move || {
                let t = s3.clone();
                async move {
                    let secs = t.started.get().unwrap().elapsed().as_secs_f64();
                    format!(
                        "# TYPE app_requests_total counter\napp_requests_total{{code=\"200\"}} {}\napp_requests_total{{code=\"500\"}} {}\n",
                        (secs * 9.0).floor(),
                        secs.floor()
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), t)
}

fn fast() -> Intervals {
    Intervals {
        evaluate: Duration::from_secs(1),
        checkpoint: Duration::from_secs(3600),
        query_step: Duration::from_secs(5),
        ..Intervals::default()
    }
}

async fn get_json(url: &str) -> Value {
    let r = call("GET", url, Some(READER), None).await;
    assert_eq!(r.status, 200, "{url}: {}", r.text);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_feed_slos_history_and_metrics() {
    let (base, t) = target().await;
    let ws = Workspace::new(&format!(
        r#"services:
  shop:
    probes:
      - name: health
        interval: 1s
        timeout: 1s
        http: "{base}/healthz"
        conditions: ["[STATUS] == 200"]
    slos:
      - {{ name: up, objective: 99, window: 1h, sli: {{ probe: health }} }}
      - {{ name: fast, objective: 99, window: 1h, sli: {{ probe: health, latency_below: 1ms }} }}
{}"#,
        // Public reads: the service page is fetched without signing in.
        auth_yaml().replace("auth:\n", "auth:\n  public_read: true\n")
    ));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let probes_url = format!("{}/api/v1/probes", d.url);
    eventually(Duration::from_secs(10), "probe up", || async {
        let v = get_json(&probes_url).await;
        (v[0]["status"] == "up" && v[0]["streak"].as_i64() >= Some(2)).then_some(())
    })
    .await;
    t.down.store(true, Ordering::Relaxed);
    let down = eventually(Duration::from_secs(10), "probe down", || async {
        let v = get_json(&probes_url).await;
        (v[0]["status"] == "down").then_some(v)
    })
    .await;
    assert_eq!(down[0]["kind"], "http");
    assert_eq!(down[0]["last"]["status"], 503);
    let checks = down[0]["last"]["checks"].as_array().unwrap();
    assert_eq!(checks[0]["description"], "status 503 is not in 2xx");
    assert_eq!(checks[1]["description"], "[STATUS] (503) == 200");
    // The service page says why (a failed check, not only a run error,
    // was left out before: issue 14).
    let page = call("GET", &format!("{}/services/shop", d.url), None, None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("<td>status 503 is not in 2xx</td>"),
        "{}",
        page.text
    );

    // Each run is an event of the SLO: good while up, bad while down.
    let slo = get_json(&format!("{}/api/v1/slos/shop/up", d.url)).await;
    let window = &slo["windows"]["1h"];
    let (good, total) = (
        window["good"].as_u64().unwrap_or(0),
        window["total"].as_u64().unwrap_or(0),
    );
    assert!(total >= 3 && good >= 2 && good < total, "{slo}");
    // latency_below: 1ms on loopback HTTP with a fresh connection: some
    // runs are slower, so `fast` counts fewer good events than `up`.
    let fast_slo = get_json(&format!("{}/api/v1/slos/shop/fast", d.url)).await;
    assert!(fast_slo["windows"]["1h"]["good"].as_u64().unwrap_or(0) <= good);

    // History: raw results newest first, minute rollups adding up.
    let detail = get_json(&format!(
        "{}/api/v1/probes/shop/health?resolution=minute",
        d.url
    ))
    .await;
    let results = detail["results"].as_array().unwrap();
    assert!(results.len() >= 3);
    assert_eq!(results[0]["success"], false);
    let periods = detail["rollups"]["periods"].as_array().unwrap();
    let runs: u64 = periods
        .iter()
        .map(|p| p["up"].as_u64().unwrap() + p["down"].as_u64().unwrap())
        .sum();
    assert_eq!(runs as usize, results.len());

    // blackbox_exporter's names on /metrics.
    let metrics = call("GET", &format!("{}/metrics", d.url), Some(READER), None).await;
    for line in [
        "probe_success{service=\"shop\",probe=\"health\"} 0",
        "probe_http_status_code{service=\"shop\",probe=\"health\"} 503",
        "probe_http_duration_seconds{service=\"shop\",probe=\"health\",phase=\"connect\"}",
        "probe_duration_seconds{service=\"shop\",probe=\"health\"}",
    ] {
        assert!(
            metrics.text.contains(line),
            "missing {line}\n{}",
            metrics.text
        );
    }
    if promtool_available() {
        promtool_check_metrics(&metrics.text);
    }

    // Three failures in a row open an incident; two successes resolve it.
    let incidents_url = format!("{}/api/v1/incidents", d.url);
    let opened = eventually(Duration::from_secs(30), "probe incident", || async {
        let v = get_json(&incidents_url).await;
        (!v.as_array()?.is_empty()).then_some(v)
    })
    .await;
    assert_eq!(
        opened[0]["title"],
        "shop/health failing: status 503 is not in 2xx"
    );
    assert_eq!(opened[0]["severity"], "SEV2");
    t.down.store(false, Ordering::Relaxed);
    // Generous: it waits for the event, and under the full suite on two
    // cores two probe runs and an evaluation took longer than 10 s once.
    eventually(
        Duration::from_secs(30),
        "probe incident resolved",
        || async {
            let v = get_json(&incidents_url).await;
            (v[0]["status"] == "resolved").then_some(())
        },
    )
    .await;
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_count_beats_and_missed_deadlines() {
    let ws = Workspace::new(&format!(
        r#"services:
  jobs:
    probes:
      - name: nightly
        heartbeat: {{ every: 2s, grace: 1s }}
    slos:
      - {{ name: ran, objective: 99, window: 1h, sli: {{ probe: nightly }} }}
{}"#,
        auth_yaml()
    ));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let beat = format!("{}/api/v1/heartbeats/jobs/nightly", d.url);
    assert_eq!(call("POST", &beat, None, None).await.status, 401);
    assert_eq!(call("POST", &beat, Some(READER), None).await.status, 403);
    let missing = call(
        "POST",
        &format!("{}/api/v1/heartbeats/jobs/weekly", d.url),
        Some(WRITER),
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body["error"],
        "no heartbeat `jobs/weekly` in the config"
    );
    let ok = call("POST", &beat, Some(WRITER), None).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["recorded"], true);

    // No further beat: after every + grace (3 s) the check fails.
    let probes_url = format!("{}/api/v1/probes", d.url);
    let v = eventually(Duration::from_secs(8), "missed heartbeat", || async {
        let v = get_json(&probes_url).await;
        (v[0]["status"] == "down").then_some(v)
    })
    .await;
    let why = v[0]["last"]["error"].as_str().unwrap();
    assert!(why.starts_with("no beat by "), "{why}");
    assert!(why.contains("the last beat was at"), "{why}");
    let slo = get_json(&format!("{}/api/v1/slos/jobs/ran", d.url)).await;
    let w = &slo["windows"]["1h"];
    assert_eq!(w["good"], 1, "{slo}");
    assert!(w["total"].as_u64().unwrap() >= 2, "{slo}");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scraping_counts_increases_and_ignores_bad_scrapes() {
    let (base, t) = target().await;
    t.ok.store(1000, Ordering::Relaxed);
    t.errors.store(10, Ordering::Relaxed);
    let ws = Workspace::new(&format!(
        r#"scrape:
  - {{ name: app, url: "{base}/metrics", interval: 1s, timeout: 1s }}
services:
  shop:
    slos:
      - name: success
        objective: 99
        window: 1h
        sli:
          prometheus:
            target: app
            errors: 'app_requests_total{{code=~"5.."}}'
            total: app_requests_total
{}"#,
        auth_yaml()
    ));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let sources = format!("{}/api/v1/sources", d.url);
    eventually(Duration::from_secs(5), "first scrape", || async {
        let v = get_json(&sources).await;
        (v["scrapes"][0]["up"] == true).then_some(())
    })
    .await;
    // The counters' values before nines first saw them count for nothing;
    // 200 more requests, 10 of them failed, count once.
    t.ok.fetch_add(190, Ordering::Relaxed);
    t.errors.fetch_add(10, Ordering::Relaxed);
    let slo_url = format!("{}/api/v1/slos/shop/success", d.url);
    eventually(Duration::from_secs(5), "scraped events", || async {
        let v = get_json(&slo_url).await;
        (v["windows"]["1h"]["total"] == 200).then_some(())
    })
    .await;
    // A broken exposition is recorded and counts nothing, and the counters
    // are not reset by it.
    t.garbage.store(true, Ordering::Relaxed);
    let v = eventually(Duration::from_secs(5), "bad scrape", || async {
        let v = get_json(&sources).await;
        (v["scrapes"][0]["up"] == false).then_some(v)
    })
    .await;
    assert!(
        v["scrapes"][0]["error"]
            .as_str()
            .unwrap()
            .contains("does not parse"),
        "{v}"
    );
    t.ok.fetch_add(100, Ordering::Relaxed);
    t.garbage.store(false, Ordering::Relaxed);
    eventually(Duration::from_secs(5), "recovery", || async {
        let v = get_json(&slo_url).await;
        (v["windows"]["1h"]["total"] == 300).then_some(())
    })
    .await;
    let v = get_json(&slo_url).await;
    assert_eq!(v["windows"]["1h"]["good"], 290, "{v}");
    let metrics = call("GET", &format!("{}/metrics", d.url), Some(READER), None).await;
    assert!(
        metrics.text.contains("nines_scrape_up{target=\"app\"} 1"),
        "{}",
        metrics.text
    );
    d.stop().await;
}

/// A real Prometheus scraping the target every second on loopback. It
/// must bind its own port: started by the kit, which retries on a bind
/// conflict.
struct Prometheus {
    _child: Spawned,
    url: String,
    _dir: tempfile::TempDir,
}

fn prometheus(target: &str) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    let host = target.trim_start_matches("http://");
    std::fs::write(
        dir.path().join("prometheus.yml"),
        format!(
            "global: {{ scrape_interval: 1s, evaluation_interval: 1s }}\nscrape_configs:\n  - job_name: app\n    metrics_path: /timed\n    static_configs: [{{ targets: ['{host}'] }}]\n"
        ),
    )
    .unwrap();
    let (child, port) = start_on_a_free_port(
        Duration::from_secs(30),
        |port| {
            let mut cmd = std::process::Command::new("prometheus");
            cmd.arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"));
            cmd
        },
        |port| http_ok(port, "/-/ready"),
    );
    Prometheus {
        _child: child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promql_source_reads_a_real_prometheus() {
    if !require("prometheus", "prometheus") {
        return;
    }
    let (base, _t) = target().await;
    let prom = prometheus(&base);
    // Prometheus ready and holding samples of the target.
    let query = format!("{}/api/v1/query?query=app_requests_total", prom.url);
    eventually(Duration::from_secs(30), "prometheus scraping", || async {
        let r = reqwest::get(&query).await.ok()?;
        let v: Value = r.json().await.ok()?;
        (v["data"]["result"].as_array()?.len() == 2).then_some(())
    })
    .await;
    // Let it collect a while, so the first start has history to backfill:
    // until it holds 12 samples (12 s at 1 s scrapes) of both series.
    let history = format!(
        "{}/api/v1/query?query=min(count_over_time(app_requests_total%5B1m%5D))",
        prom.url
    );
    eventually(Duration::from_secs(60), "12 s of history", || async {
        let v: Value = reqwest::get(&history).await.ok()?.json().await.ok()?;
        let n: f64 = v["data"]["result"][0]["value"][1].as_str()?.parse().ok()?;
        (n >= 12.0).then_some(())
    })
    .await;
    let ws = Workspace::new(&format!(
        r#"services:
  shop:
    slos:
      - name: success
        objective: 99
        window: 1h
        sli:
          promql:
            url: "{}"
            errors: 'app_requests_total{{code="500"}}'
            total: app_requests_total
            headers: {{ X-Scope-OrgID: tenant-1 }}
      - name: prometheus-api
        objective: 99
        window: 1h
        sli:
          prometheus:
            target: "{}/metrics"
            good: 'prometheus_http_requests_total{{code=~"2.."}}'
            total: prometheus_http_requests_total
{}"#,
        prom.url,
        prom.url,
        auth_yaml()
    ));
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let slo_url = format!("{}/api/v1/slos/shop/success", d.url);
    // Backfill: the steps Prometheus already held come in at once.
    let v = eventually(Duration::from_secs(15), "backfilled events", || async {
        let v = get_json(&slo_url).await;
        (v["windows"]["1h"]["total"].as_u64()? >= 50).then_some(v)
    })
    .await;
    // The target serves 10 requests a second, 1 of them failed: the SLI
    // read through PromQL's increase() is about 0.9.
    let w = &v["windows"]["1h"];
    let sli = w["good"].as_f64().unwrap() / w["total"].as_f64().unwrap();
    assert!((sli - 0.9).abs() < 0.05, "SLI {sli}: {v}");
    // nines also scrapes the real Prometheus' own exposition and parses
    // all of it: once its first scrape is done.
    let sources_url = format!("{}/api/v1/sources", d.url);
    let sources = eventually(Duration::from_secs(30), "the first scrape", || async {
        let v = get_json(&sources_url).await;
        v["scrapes"][0]["last_scrape_at"].is_string().then_some(v)
    })
    .await;
    assert_eq!(sources["queries"][0]["ok"], true, "{sources}");
    let scrape = &sources["scrapes"][0];
    assert_eq!(scrape["up"], true, "{sources}");
    assert!(scrape["samples"].as_u64().unwrap() > 200, "{sources}");
    // The total and the cursor from one moment: no step stored in between.
    let (through_before, total_before) =
        eventually(Duration::from_secs(10), "a quiet moment", || async {
            let a = get_json(&format!("{}/api/v1/sources", d.url)).await;
            let v = get_json(&slo_url).await;
            let b = get_json(&format!("{}/api/v1/sources", d.url)).await;
            let through = a["queries"][0]["read_through"].clone();
            (through.is_string() && through == b["queries"][0]["read_through"])
                .then(|| (through, v["windows"]["1h"]["total"].as_u64().unwrap()))
        })
        .await;

    // A restart resumes from the stored cursor: the events added after it
    // match the time read since, at 10 a second; re-reading the window
    // would add the whole history again.
    d.stop().await;
    let d = Daemon::start_with(&ws, Clock::System, fast()).await;
    let seconds = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
    };
    // Until it has read 5 s past the cursor (one 5 s query step), with the
    // total and the cursor from one moment.
    let slo_url = format!("{}/api/v1/slos/shop/success", d.url);
    let (total_after, sources) = eventually(
        Duration::from_secs(30),
        "5 s read after the restart",
        || async {
            let a = get_json(&format!("{}/api/v1/sources", d.url)).await;
            let v = get_json(&slo_url).await;
            let b = get_json(&format!("{}/api/v1/sources", d.url)).await;
            let through = &a["queries"][0]["read_through"];
            (through.is_string()
                && *through == b["queries"][0]["read_through"]
                && seconds(through) - seconds(&through_before) >= 5)
                .then(|| (v["windows"]["1h"]["total"].as_u64().unwrap(), b))
        },
    )
    .await;
    let read = seconds(&sources["queries"][0]["read_through"]) - seconds(&through_before);
    assert!(read >= 5, "nothing read after the restart: {sources}");
    let added = total_after as i64 - total_before as i64;
    assert!(
        (added - read * 10).abs() <= 15,
        "{added} events for {read} s read: steps were counted twice or skipped"
    );
    d.stop().await;
}

/// A demo that cannot start (its port is taken) says why and leaves no
/// temporary data directory behind (issue 14).
#[test]
fn a_demo_that_cannot_start_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = nines()
        .args(["demo", "--fast", "--listen"])
        .arg(taken.local_addr().unwrap().to_string())
        .env("TMPDIR", tmp.path())
        .env("NINES_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The demo as a newcomer watches it (issue 14): a week of history, then
/// within its scripted time the page reaches the on-call person through the
/// sink, the incident is acknowledged, resolved, its postmortem drafted, and
/// the gate is frozen by the spent budget. Budgets read as real ones before
/// the outage.
#[test]
fn the_demo_tells_the_whole_story() {
    let demo = Demo::start();
    let started = Instant::now();
    let mut seen: Vec<String> = Vec::new();
    let mut budgets_before = None;
    let done = loop {
        match demo
            .lines
            .recv_timeout(Duration::from_secs(110).saturating_sub(started.elapsed()))
        {
            Ok(line) => {
                // Right after start, before the outage: what the history
                // left of each budget.
                if let Some(url) = Demo::url_in(&line) {
                    let url = format!("{url}api/v1/slos");
                    let r = tokio::runtime::Runtime::new()
                        .unwrap()
                        .block_on(call("GET", &url, None, None));
                    budgets_before = Some(r.body);
                }
                let end = line.starts_with("nines demo: that is the whole loop");
                seen.push(line);
                if end {
                    break true;
                }
            }
            Err(_) => break false,
        }
    };
    drop(demo);
    let out = seen.join("\n");
    assert!(done, "the story did not end within 110 s; output:\n{out}");
    let has = |prefix: &str| seen.iter().any(|l| l.starts_with(prefix));
    assert!(
        has("nines demo: wrote 7 days of the shop's history")
            && out.contains("INC-1, with its postmortem"),
        "{out}"
    );
    assert!(has("nines demo: PAGE delivered to "), "{out}");
    // The past incident is INC-1; the live one is the next.
    assert!(out.contains("acknowledged INC-2"), "{out}");
    assert!(out.contains("resolved INC-2"), "{out}");
    assert!(
        has("nines demo: postmortem drafted from the timeline"),
        "{out}"
    );
    assert!(
        has("nines demo: deploy gate for shop: frozen") && out.contains("is below the floor 35.0%"),
        "{out}"
    );
    // The severity followed the page tier that joined the probe's incident.
    assert!(out.contains("severity raised to SEV1"), "{out}");
    let order = |needle: &str| seen.iter().position(|l| l.contains(needle)).unwrap();
    assert!(order("PAGE delivered") < order("acknowledged INC-2"));
    assert!(order("acknowledged INC-2") < order("resolved INC-2"));
    let slos = budgets_before.expect("no start line");
    let slos = slos.as_array().or(slos["slos"].as_array()).unwrap();
    assert_eq!(slos.len(), 3, "{slos:?}");
    for s in slos {
        let left = s["budget"]["remaining"].as_f64().unwrap();
        assert!(
            (0.35..=1.0).contains(&left),
            "before the outage a budget reads as a real team's would, not {left}: {s}"
        );
    }
}
