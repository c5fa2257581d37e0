//! The recording HTTP receiver: a local server on 127.0.0.1:0 standing in
//! for a webhook, Slack, PagerDuty or a user's phone. It records every
//! request (method, path, headers, body, arrival) and answers as told.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::Value;

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    /// The path without the query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Recorded {
    /// The body as JSON; `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the receiver answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }
    /// Adds a header (`retry-after`, …) to the answer.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// 200 `ok`: what a healthy webhook (and Slack) answers.
    pub fn ok() -> Reply {
        Reply::new(200, "ok")
    }
}

/// Decides the answer to a request, given how many came before it.
type Respond = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

/// How a [`Receiver`] answers; by default 200 `ok` to everything.
pub struct ReceiverBuilder {
    respond: Respond,
}

impl ReceiverBuilder {
    /// Answers with `f(request, requests before it)`.
    pub fn respond(
        mut self,
        f: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        self.respond = Arc::new(f);
        self
    }
    /// 503 to the first `n` requests, then 200 `ok`: a receiver that fails
    /// before it recovers.
    pub fn fail_first(self, n: usize) -> Self {
        self.respond(move |_, i| {
            if i < n {
                Reply::new(503, "unavailable")
            } else {
                Reply::ok()
            }
        })
    }
    /// Serves on a fresh listener on 127.0.0.1:0.
    pub async fn start(self) -> Receiver {
        let (listener, _) = crate::ports::listener().await;
        self.serve(listener)
    }
    /// Serves on `listener` (for instance a [`crate::ReservedPort`] that now
    /// listens); needs a tokio runtime.
    pub fn serve(self, listener: tokio::net::TcpListener) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let got: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let state = got.clone();
        let respond = self.respond;
        let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let got = state.clone();
            let respond = respond.clone();
            async move {
                let r = Recorded {
                    method,
                    path: uri.path().to_string(),
                    headers,
                    body,
                    at: Instant::now(),
                };
                let reply = {
                    let mut got = got.lock().unwrap();
                    let reply = respond(&r, got.len());
                    got.push(r);
                    reply
                };
                let mut answer = axum::http::Response::builder()
                    .status(StatusCode::from_u16(reply.status).unwrap());
                for (name, value) in &reply.headers {
                    answer = answer.header(name, value);
                }
                answer.body(axum::body::Body::from(reply.body)).unwrap()
            }
        };
        let router = axum::Router::new().fallback(handler);
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            base: format!("http://{addr}"),
            got,
        }
    }
}

/// A running recording receiver; clones share the record.
#[derive(Clone)]
pub struct Receiver {
    base: String,
    got: Arc<Mutex<Vec<Recorded>>>,
}

impl Receiver {
    /// A receiver answering 200 `ok` to everything, on port 0.
    pub async fn start() -> Receiver {
        Receiver::builder().start().await
    }
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder {
            respond: Arc::new(|_, _| Reply::ok()),
        }
    }
    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> &str {
        &self.base
    }
    /// The URL of `path` (`/hook`) on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.got.lock().unwrap().clone()
    }
    /// The requests to `path`, in arrival order.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
    /// Every body so far as JSON, in arrival order.
    pub fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(Recorded::json)
            .collect()
    }
    pub fn len(&self) -> usize {
        self.got.lock().unwrap().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Waits (at most `limit`) until at least `n` requests came; all of them.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Recorded> {
        crate::eventually(limit, &format!("{n} requests at {}", self.base), || async {
            let got = self.requests();
            (got.len() >= n).then_some(got)
        })
        .await
    }
}
