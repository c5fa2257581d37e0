//! The demo's sample web shop: `/checkout` with adjustable failures and
//! latency, `/healthz`, and `/metrics` in the Prometheus text format.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;

/// Latency histogram bounds of the shop's `/checkout`, seconds.
const BOUNDS: [f64; 8] = [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5];

/// The shop's knobs and counters. Failure rate and latency are adjustable
/// at `POST /admin/failure?rate=0.2` and `POST /admin/latency?ms=400`.
#[derive(Default)]
pub struct Shop {
    /// Failure probability in millionths.
    failure_ppm: AtomicU64,
    pub(super) latency_ms: AtomicU64,
    pub(super) outage: AtomicBool,
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
