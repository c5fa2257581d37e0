//! `nines-load` against servers written here, on 127.0.0.1: a fixed delay,
//! a stall of one second every five, a known failure share, HTTP/2 only,
//! and the open model's rate accuracy. Issue 18.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use nines_load::client::{Endpoint, HttpVersion, RequestSpec};
use nines_load::{Model, Plan, Profile, Summary};
use tokio::net::TcpListener;
use tokio::time::Instant;

#[derive(Clone, Copy)]
enum Behaviour {
    Fast,
    Delay(Duration),
    /// Requests arriving in [1s, 2s) of every 5 s (from the server's
    /// start) wait until the second is over.
    Stall,
    /// Every tenth request answers 500.
    FailEveryTenth,
}

struct Server {
    url: String,
    http2_seen: Arc<AtomicU64>,
}

async fn server(behaviour: Behaviour, h2_only: bool) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    let start = Instant::now();
    let n = Arc::new(AtomicU64::new(0));
    let http2_seen = Arc::new(AtomicU64::new(0));
    let seen = http2_seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (n, seen) = (n.clone(), seen.clone());
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let (n, seen) = (n.clone(), seen.clone());
                async move {
                    if req.version() == hyper::Version::HTTP_2 {
                        seen.fetch_add(1, Ordering::Relaxed);
                    }
                    let i = n.fetch_add(1, Ordering::Relaxed);
                    let mut status = 200;
                    match behaviour {
                        Behaviour::Fast => {}
                        Behaviour::Delay(d) => tokio::time::sleep(d).await,
                        Behaviour::Stall => {
                            let t = start.elapsed();
                            let cycle = Duration::from_secs(5);
                            let into =
                                Duration::from_nanos((t.as_nanos() % cycle.as_nanos()) as u64);
                            if into >= Duration::from_secs(1) && into < Duration::from_secs(2) {
                                tokio::time::sleep(Duration::from_secs(2) - into).await;
                            }
                        }
                        Behaviour::FailEveryTenth => {
                            if i % 10 == 9 {
                                status = 500;
                            }
                        }
                    }
                    let mut r = Response::new(Full::new(Bytes::from_static(b"hello")));
                    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                    Ok::<_, Infallible>(r)
                }
            });
            tokio::spawn(async move {
                let io = TokioIo::new(tcp);
                if h2_only {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service)
                        .await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                }
            });
        }
    });
    Server { url, http2_seen }
}

fn plan(url: &str, model: Model, connections: usize, version: HttpVersion) -> Plan {
    let uri: hyper::Uri = url.parse().unwrap();
    Plan {
        model,
        endpoints: vec![Endpoint::of(&uri, version, false).unwrap()],
        requests: vec![RequestSpec {
            method: hyper::Method::GET,
            uri,
            headers: vec![],
            body: Bytes::new(),
            endpoint: 0,
        }],
        connections,
        streams: 1,
        warmup: Duration::ZERO,
        count: None,
        timeout: Duration::from_secs(5),
        new_connection_per_request: false,
    }
}

/// Every run is bounded: a hung run fails the test instead of hanging it.
async fn run(plan: Plan) -> Summary {
    tokio::time::timeout(Duration::from_secs(60), nines_load::run(plan, |_| {}))
        .await
        .expect("the run ends")
        .expect("the run succeeds")
}

fn open(rate: f64, secs: u64) -> Model {
    Model::Open(Profile::constant(rate, Duration::from_secs(secs)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percentiles_match_a_fixed_delay() {
    let s = server(Behaviour::Delay(Duration::from_millis(20)), false).await;
    let sum = run(plan(&s.url, open(200.0, 2), 20, HttpVersion::Http1)).await;
    assert_eq!(
        sum.statuses.get(&200).copied(),
        Some(sum.requests),
        "{sum:?}"
    );
    assert!(sum.latency.min_us >= 20_000, "{:?}", sum.latency);
    assert!(sum.latency.p50_us <= 30_000, "{:?}", sum.latency);
    // The tail is this machine's scheduling, not the server: loose.
    assert!(sum.latency.p99_us <= 150_000, "{:?}", sum.latency);
}

// The open model counts the stall users would see; the closed model
// (wrk's) only the few requests stuck on its connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_shows_in_the_open_model_and_hides_in_the_closed_one() {
    let s = server(Behaviour::Stall, false).await;
    let open = run(plan(&s.url, open(200.0, 3), 50, HttpVersion::Http1)).await;
    assert!(
        open.latency.p99_us >= 900_000,
        "open p99 {:?}",
        open.latency
    );
    assert!(open.late > 0, "the stalled slots were sent late");

    let s = server(Behaviour::Stall, false).await;
    let closed = run(plan(
        &s.url,
        Model::Closed {
            duration: Some(Duration::from_secs(3)),
        },
        4,
        HttpVersion::Http1,
    ))
    .await;
    // It did meet the stall...
    assert!(
        closed.latency.max_us >= 900_000,
        "closed max {:?}",
        closed.latency
    );
    // ...and its percentiles do not show it.
    assert!(
        closed.latency.p99_us < 900_000,
        "closed p99 {:?}",
        closed.latency
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_rate_matches_the_failing_share() {
    let s = server(Behaviour::FailEveryTenth, false).await;
    let mut p = plan(
        &s.url,
        Model::Closed { duration: None },
        5,
        HttpVersion::Http1,
    );
    p.count = Some(1000);
    let sum = run(p).await;
    assert_eq!(sum.requests, 1000);
    assert_eq!(sum.statuses.get(&500).copied(), Some(100));
    assert_eq!(sum.errors, 100);
    assert!((sum.error_ratio - 0.1).abs() < 1e-12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speaks_http2_to_an_http2_only_server() {
    let s = server(Behaviour::Fast, true).await;
    let mut p = plan(
        &s.url,
        Model::Closed { duration: None },
        2,
        HttpVersion::Http2,
    );
    p.streams = 4;
    p.count = Some(400);
    let sum = run(p).await;
    assert_eq!(sum.statuses.get(&200).copied(), Some(400), "{sum:?}");
    assert_eq!(s.http2_seen.load(Ordering::Relaxed), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_1000_requests_per_second_within_one_percent() {
    let s = server(Behaviour::Fast, false).await;
    let sum = run(plan(&s.url, open(1000.0, 3), 20, HttpVersion::Http1)).await;
    let target = sum.target_rate.unwrap();
    assert!((target - 1000.0).abs() < 1e-6);
    assert!(
        (sum.achieved_rate - 1000.0).abs() <= 10.0,
        "achieved {} of 1000",
        sum.achieved_rate
    );
    assert!(sum.kept_rate());
    assert_eq!(sum.errors, 0);
}
