//! A closed-model run through `nines_load::run`, without the rest of the
//! nines binary: for profiling the generator (callgrind, perf) and
//! comparing builds of it quickly. `closed URL CONNECTIONS SECONDS|-nCOUNT`;
//! prints requests, throughput and the elapsed time.

use std::time::Duration;

use nines_load::client::{Endpoint, HttpVersion, RequestSpec};
use nines_load::{Model, Plan};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, connections, length] = &args[..] else {
        eprintln!("usage: closed URL CONNECTIONS SECONDS|-nCOUNT");
        std::process::exit(1);
    };
    let uri: hyper::Uri = url.parse().expect("a URL");
    let endpoint = Endpoint::of(&uri, HttpVersion::Http1, false).expect("an endpoint");
    let (duration, count) = match length.strip_prefix("-n") {
        Some(n) => (None, Some(n.parse().expect("a count"))),
        None => (
            Some(Duration::from_secs(length.parse().expect("seconds"))),
            None,
        ),
    };
    let plan = Plan {
        model: Model::Closed { duration },
        endpoints: vec![endpoint],
        requests: vec![RequestSpec {
            method: hyper::Method::GET,
            uri,
            headers: Vec::new(),
            body: bytes::Bytes::new(),
            endpoint: 0,
        }],
        connections: connections.parse().expect("a number of connections"),
        streams: 1,
        warmup: Duration::ZERO,
        count,
        timeout: Duration::from_secs(30),
        new_connection_per_request: false,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let s = runtime
        .block_on(nines_load::run(plan, |_| {}))
        .expect("a run");
    println!(
        "requests {} throughput {:.0}/s errors {} window {:.2}s",
        s.requests, s.throughput, s.errors, s.window_secs
    );
}
