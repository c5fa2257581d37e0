//! `nines demo`: a built-in sample service ("shop") on loopback with
//! traffic, a scripted outage, and nines probing and scraping it, so a
//! newcomer sees the whole loop (SLI → budget → burn-rate alert) in two
//! minutes without writing a config.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use tokio::net::TcpListener;

/// The demo's admin token (its config keeps only the hash). Demo only.
pub const DEMO_TOKEN: &str = "nines_demo_admin";

/// Latency histogram bounds of the shop's `/checkout`, seconds.
const BOUNDS: [f64; 8] = [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5];

/// The shop's knobs and counters. Failure rate and latency are adjustable
/// at `POST /admin/failure?rate=0.2` and `POST /admin/latency?ms=400`.
#[derive(Default)]
pub struct Shop {
    /// Failure probability in millionths.
    failure_ppm: AtomicU64,
    latency_ms: AtomicU64,
    outage: AtomicBool,
    ok: AtomicU64,
    errors: AtomicU64,
    buckets: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Shop {
    fn failing(&self) -> bool {
        if self.outage.load(Ordering::Relaxed) {
            return true;
        }
        let ppm = self.failure_ppm.load(Ordering::Relaxed);
        ppm > 0 && getrandom::u64().unwrap_or(0) % 1_000_000 < ppm
    }

    fn observe(&self, seconds: f64, failed: bool) {
        if failed {
            self.errors.fetch_add(1, Ordering::Relaxed);
        } else {
            self.ok.fetch_add(1, Ordering::Relaxed);
        }
        for (i, b) in BOUNDS.iter().enumerate() {
            if seconds <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// The shop's `/metrics`, in the Prometheus text format.
    pub fn exposition(&self) -> String {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::from(
            "# HELP shop_requests_total Checkout requests by status code.\n# TYPE shop_requests_total counter\n",
        );
        out += &format!(
            "shop_requests_total{{route=\"/checkout\",code=\"200\"}} {}\n",
            l(&self.ok)
        );
        out += &format!(
            "shop_requests_total{{route=\"/checkout\",code=\"500\"}} {}\n",
            l(&self.errors)
        );
        out += "# HELP shop_request_duration_seconds Checkout latency.\n# TYPE shop_request_duration_seconds histogram\n";
        for (i, b) in BOUNDS.iter().enumerate() {
            out += &format!(
                "shop_request_duration_seconds_bucket{{route=\"/checkout\",le=\"{b}\"}} {}\n",
                l(&self.buckets[i])
            );
        }
        out += &format!(
            "shop_request_duration_seconds_bucket{{route=\"/checkout\",le=\"+Inf\"}} {}\n",
            l(&self.count)
        );
        out += &format!(
            "shop_request_duration_seconds_sum{{route=\"/checkout\"}} {}\n",
            l(&self.sum_us) as f64 / 1e6
        );
        out += &format!(
            "shop_request_duration_seconds_count{{route=\"/checkout\"}} {}\n",
            l(&self.count)
        );
        out
    }
}

async fn checkout(State(shop): State<Arc<Shop>>) -> (StatusCode, &'static str) {
    let started = crate::clock::Stopwatch::start();
    let base = shop.latency_ms.load(Ordering::Relaxed);
    // ±50% jitter around the base latency.
    let jitter = getrandom::u64().unwrap_or(0) % (base.max(1) + 1);
    tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
    let failed = shop.failing();
    shop.observe(started.elapsed().as_secs_f64(), failed);
    if failed {
        (StatusCode::INTERNAL_SERVER_ERROR, "checkout failed\n")
    } else {
        (StatusCode::OK, "order placed\n")
    }
}

async fn healthz(State(shop): State<Arc<Shop>>) -> (StatusCode, &'static str) {
    if shop.outage.load(Ordering::Relaxed) {
        (StatusCode::SERVICE_UNAVAILABLE, "{\"status\":\"DOWN\"}")
    } else {
        (StatusCode::OK, "{\"status\":\"UP\"}")
    }
}

#[derive(Deserialize)]
struct Knob {
    rate: Option<f64>,
    ms: Option<u64>,
}

async fn set_failure(State(shop): State<Arc<Shop>>, Query(k): Query<Knob>) -> String {
    let rate = k.rate.unwrap_or(0.0).clamp(0.0, 1.0);
    shop.failure_ppm
        .store((rate * 1e6) as u64, Ordering::Relaxed);
    format!("failure rate {rate}\n")
}

async fn set_latency(State(shop): State<Arc<Shop>>, Query(k): Query<Knob>) -> String {
    let ms = k.ms.unwrap_or(40).min(10_000);
    shop.latency_ms.store(ms, Ordering::Relaxed);
    format!("latency {ms} ms\n")
}

/// Serves the shop on `listener` until the runtime ends.
pub fn shop_router(shop: Arc<Shop>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { "shop: try /checkout, /healthz, /metrics\n" }),
        )
        .route("/checkout", get(checkout))
        .route("/healthz", get(healthz))
        .route(
            "/metrics",
            get(|State(shop): State<Arc<Shop>>| async move {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    shop.exposition(),
                )
            }),
        )
        .route("/admin/failure", post(set_failure))
        .route("/admin/latency", post(set_latency))
        .with_state(shop)
}

/// Timing of the demo's script.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    pub outage_after: Duration,
    pub outage_for: Duration,
    /// Probe and scrape interval.
    pub every: Duration,
    /// Checkout requests per second of background traffic.
    pub rps: u32,
}

impl Script {
    pub fn new(fast: bool) -> Script {
        if fast {
            Script {
                outage_after: Duration::from_secs(5),
                outage_for: Duration::from_secs(60),
                every: Duration::from_secs(1),
                rps: 20,
            }
        } else {
            Script {
                outage_after: Duration::from_secs(60),
                outage_for: Duration::from_secs(180),
                every: Duration::from_secs(5),
                rps: 10,
            }
        }
    }
}

/// The demo's nines config for a shop listening on `shop`.
pub fn config_yaml(shop: SocketAddr, script: &Script) -> String {
    let every = nines_probe::human(script.every);
    format!(
        r#"# Written by `nines demo`: the shop on {shop}, probed and scraped.
auth:
  public_read: true
  tokens:
    - {{ name: demo, role: admin, hash: "{hash}" }}
scrape:
  - name: shop
    url: "http://{shop}/metrics"
    interval: {every}
    timeout: 1s
services:
  shop:
    owner: demo
    description: The demo's sample web shop.
    probes:
      - name: health
        interval: {every}
        timeout: 1s
        http: {{ url: "http://{shop}/healthz" }}
        conditions: ["[STATUS] == 200", "[BODY].status == UP", "[RESPONSE_TIME] < 500"]
    slos:
      - name: checkout-success
        description: Checkouts that do not fail.
        objective: 99.9
        window: 30d
        sli:
          prometheus:
            target: shop
            errors: 'shop_requests_total{{route="/checkout",code=~"5.."}}'
            total: 'shop_requests_total{{route="/checkout"}}'
      - name: checkout-latency
        description: Checkouts answered within 300 ms.
        objective: 99
        window: 30d
        sli:
          prometheus:
            target: shop
            good: 'shop_request_duration_seconds_bucket{{route="/checkout",le="0.3"}}'
            total: 'shop_request_duration_seconds_count{{route="/checkout"}}'
      - name: health
        description: The health check answers UP within 500 ms.
        objective: 99.5
        window: 30d
        sli: {{ probe: health }}
"#,
        hash = nines_config::hash_token(DEMO_TOKEN),
    )
}

/// Background traffic: `rps` checkouts a second until the runtime stops.
async fn traffic(shop: SocketAddr, rps: u32) {
    let check = nines_probe::HttpCheck {
        follow_redirects: false,
        ..nines_probe::HttpCheck::get(format!("http://{shop}/checkout"))
    };
    let runner = match nines_probe::Runner::http(check, Duration::from_secs(5)) {
        Ok(r) => Arc::new(r),
        Err(_) => return,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rps.max(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let r = runner.clone();
        tokio::spawn(async move { r.run().await });
    }
}

/// Runs the script: the outage starts and ends, announced on stdout.
async fn outage(shop: Arc<Shop>, script: Script) {
    tokio::time::sleep(script.outage_after).await;
    shop.outage.store(true, Ordering::Relaxed);
    println!(
        "nines demo: outage! /checkout fails and /healthz says DOWN for {}",
        nines_probe::human(script.outage_for)
    );
    tokio::time::sleep(script.outage_for).await;
    shop.outage.store(false, Ordering::Relaxed);
    println!("nines demo: the shop recovered; alerts resolve as the short windows cool down");
}

/// Starts the shop, its traffic and script, and returns where it listens
/// and the data directory to use.
pub async fn start_shop(script: Script) -> anyhow::Result<(SocketAddr, Arc<Shop>)> {
    let shop = Arc::new(Shop::default());
    shop.latency_ms.store(40, Ordering::Relaxed);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = shop_router(shop.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    tokio::spawn(traffic(addr, script.rps));
    tokio::spawn(outage(shop.clone(), script));
    Ok((addr, shop))
}

/// A fresh directory under the system's temp dir for a demo's data.
/// Removes the demo's temporary data directory however the demo ends:
/// stopped, or failed to start (it was left behind then).
pub struct TempDir(pub Option<PathBuf>);

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn temp_data_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "nines-demo-{}-{}",
        std::process::id(),
        getrandom::u32().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
