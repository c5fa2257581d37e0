//! What the proxy costs with no toxics, on loopback: the latency it adds to
//! a small request/response, and bulk throughput through one connection,
//! each against the same path direct (and through HAProxy in TCP mode when
//! `HAPROXY_ADDRS=echo_front,sink_front` names the frontends of one
//! proxying to `ECHO_ADDR` and `SINK_ADDR`, where this binds its upstreams).
//!
//! cargo bench -p nines-chaos --bench proxy

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nines_chaos::{Proxies, ProxyInput};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ROUND_TRIPS: usize = 20_000;
const BULK: usize = 1 << 30;

fn bind_addr(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| "127.0.0.1:0".into())
}

async fn echo() -> SocketAddr {
    let l = TcpListener::bind(bind_addr("ECHO_ADDR")).await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let _ = s.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// Sends BULK bytes to each connection, then closes.
async fn source() -> SocketAddr {
    let l = TcpListener::bind(bind_addr("SINK_ADDR")).await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let buf = vec![1u8; 256 * 1024];
                let mut left = BULK;
                while left > 0 {
                    let n = left.min(buf.len());
                    if s.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                    left -= n;
                }
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

/// p50 and p99 of ROUND_TRIPS sequential 64-byte round trips, and the rate.
async fn latency(addr: SocketAddr) -> (Duration, Duration, f64) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    let msg = [5u8; 64];
    let mut got = [0u8; 64];
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    let start = Instant::now();
    for _ in 0..ROUND_TRIPS {
        let t = Instant::now();
        s.write_all(&msg).await.unwrap();
        s.read_exact(&mut got).await.unwrap();
        times.push(t.elapsed());
    }
    let rate = ROUND_TRIPS as f64 / start.elapsed().as_secs_f64();
    times.sort();
    (times[ROUND_TRIPS / 2], times[ROUND_TRIPS * 99 / 100], rate)
}

/// MB/s reading BULK bytes through one connection.
async fn throughput(addr: SocketAddr) -> f64 {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0usize;
    let start = Instant::now();
    loop {
        let n = s.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, BULK);
    total as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn proxy(p: &Proxies, name: &str, upstream: SocketAddr) -> SocketAddr {
    let v = p
        .create(ProxyInput {
            name: name.into(),
            listen: "127.0.0.1:0".into(),
            upstream: upstream.to_string(),
            enabled: None,
        })
        .unwrap();
    v["listen"].as_str().unwrap().parse().unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (echo, sink) = (echo().await, source().await);
        let p = Proxies::new();
        let (pe, ps) = (proxy(&p, "echo", echo), proxy(&p, "sink", sink));
        let ha: Option<(SocketAddr, SocketAddr)> = std::env::var("HAPROXY_ADDRS").ok().map(|v| {
            let (a, b) = v.split_once(',').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        });
        for (what, e, s) in [("direct", echo, sink), ("nines chaos", pe, ps)]
            .into_iter()
            .chain(ha.map(|(a, b)| ("haproxy", a, b)))
        {
            let (p50, p99, rate) = latency(e).await;
            let mbps = throughput(s).await;
            println!(
                "{what:12} round trip p50 {:6.1} µs  p99 {:6.1} µs  ({rate:.0}/s)   bulk {mbps:7.0} MB/s",
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6,
            );
        }
    });
}
