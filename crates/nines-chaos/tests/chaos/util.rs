//! The harness: a chaos server in-process on port 0, upstreams that echo
//! or send a fixed amount, and a small JSON client for the control API.

use std::net::SocketAddr;
use std::time::Duration;

use nines_chaos::Proxies;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any one wait in these tests may take before it fails.
pub const LIMIT: Duration = Duration::from_secs(10);

pub struct Chaos {
    pub api: String,
    pub http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Chaos {
    pub async fn start() -> Chaos {
        let (listener, addr) = nines_testkit::listener().await;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(nines_chaos::api::serve(listener, Proxies::new(), async {
            let _ = rx.await;
        }));
        Chaos {
            api: format!("http://{addr}"),
            http: reqwest::Client::new(),
            _stop: tx,
        }
    }

    /// A request to the API: (status, body as JSON or Null when empty).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(m, format!("{}{path}", self.api));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    /// A proxy named `name` to `upstream` on a loopback port; its address.
    pub async fn proxy(&self, name: &str, upstream: SocketAddr) -> SocketAddr {
        let (status, v) = self
            .call(
                "POST",
                "/proxies",
                Some(json!({"name": name, "listen": "127.0.0.1:0", "upstream": upstream.to_string()})),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        v["listen"].as_str().unwrap().parse().unwrap()
    }

    pub async fn toxic(&self, proxy: &str, toxic: Value) {
        let (status, v) = self
            .call("POST", &format!("/proxies/{proxy}/toxics"), Some(toxic))
            .await;
        assert_eq!(status, 200, "{v}");
    }
}

/// An upstream that echoes what it reads, per connection.
pub async fn echo() -> SocketAddr {
    let (l, addr) = nines_testkit::listener().await;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
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

/// An upstream that sends `n` bytes to each connection, then closes.
pub async fn source(n: usize) -> SocketAddr {
    let (l, addr) = nines_testkit::listener().await;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let _ = s.write_all(&vec![7u8; n]).await;
                let _ = s.shutdown().await;
                // Wait for the client's close so ours is not a reset.
                let _ = s.read(&mut [0u8; 1]).await;
            });
        }
    });
    addr
}

/// Reads until EOF or an error; the bytes and the error, if any.
pub async fn read_all(s: &mut TcpStream) -> (Vec<u8>, Option<std::io::Error>) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout(LIMIT, s.read(&mut buf)).await {
            Err(_) => panic!("no EOF within {LIMIT:?}"),
            Ok(Ok(0)) => return (out, None),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => return (out, Some(e)),
        }
    }
}

/// One round trip of `msg` through an echo, timed.
pub async fn round_trip(s: &mut TcpStream, msg: &[u8]) -> Duration {
    let start = std::time::Instant::now();
    s.write_all(msg).await.unwrap();
    let mut got = vec![0u8; msg.len()];
    tokio::time::timeout(LIMIT, s.read_exact(&mut got))
        .await
        .expect("echo within the limit")
        .unwrap();
    assert_eq!(got, msg);
    start.elapsed()
}
