//! A run: workers sending on their connections, a reporter closing each
//! second, and the summary at the end.
//!
//! Open model: every worker takes the next planned slot (a shared counter),
//! waits for its intended time and sends. A worker held by a slow response
//! takes the overdue slots afterwards, each still timed from its intended
//! time: a stall shows as the latency users would have seen, instead of
//! the generator quietly sending less (coordinated omission). Closed model:
//! every worker sends again as soon as its response is read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::client::{Endpoint, RequestSpec, Sender, connect, send};
use crate::record::{Outcome, Sample, Second, Shard, Summary, Window};
use crate::stages::Profile;

#[derive(Debug, Clone)]
pub enum Model {
    /// Planned arrivals; latency from each request's intended time.
    Open(Profile),
    /// As fast as the connections go, for `duration` (after warm-up).
    Closed { duration: Option<Duration> },
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub model: Model,
    pub endpoints: Vec<Endpoint>,
    /// Picked round-robin.
    pub requests: Vec<RequestSpec>,
    pub connections: usize,
    /// Concurrent requests per HTTP/2 connection.
    pub streams: usize,
    /// Left out of the results; part of the open model's profile, before
    /// the closed model's duration.
    pub warmup: Duration,
    pub count: Option<u64>,
    pub timeout: Duration,
    /// A new connection for every request (its connect time counts).
    pub new_connection_per_request: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot connect to {0}: is it listening?")]
    Connect(String),
    #[error("{0}")]
    Plan(String),
}

/// How long, after the planned end, overdue slots may still be sent.
const GRACE: Duration = Duration::from_secs(5);

struct Shared {
    plan: Plan,
    /// Each request serialised for HTTP/1.1, once.
    wires: Vec<bytes::Bytes>,
    next: AtomicU64,
    sent: AtomicU64,
    shards: Vec<Mutex<Shard>>,
    window: Window,
    start: Instant,
    /// No request leaves after this.
    stop: Instant,
}

/// Runs `plan`; `on_second` sees each second as it closes.
pub async fn run(plan: Plan, mut on_second: impl FnMut(&Second)) -> Result<Summary, RunError> {
    if plan.requests.is_empty() || plan.connections == 0 {
        return Err(RunError::Plan(
            "give at least one target and one connection".into(),
        ));
    }
    // Neither a duration nor a count would never end.
    if matches!(plan.model, Model::Closed { duration: None }) && plan.count.is_none() {
        return Err(RunError::Plan(
            "a closed run needs a duration or a request count".into(),
        ));
    }
    // Connect first: the handshakes are not the service's latency.
    let mut senders = Vec::new();
    for c in 0..plan.connections {
        let ep = &plan.endpoints[plan.requests[c % plan.requests.len()].endpoint];
        let s = connect(ep)
            .await
            .map_err(|_| RunError::Connect(format!("{} ({})", ep.authority, ep.addr)))?;
        let at = plan.requests[c % plan.requests.len()].endpoint;
        let one = |s: Sender| {
            let mut v: Vec<Option<Sender>> = (0..plan.endpoints.len()).map(|_| None).collect();
            v[at] = Some(s);
            v
        };
        for _ in 1..plan.streams.max(1) {
            if let Some(shared) = s.share() {
                senders.push(one(shared));
            }
        }
        senders.push(one(s));
    }
    let start = Instant::now();
    let far = start + Duration::from_secs(100 * 365 * 86_400);
    let (end, target) = match &plan.model {
        Model::Open(p) => {
            let end = start + p.duration();
            let planned = p.planned_by(p.duration()) - p.planned_by(plan.warmup);
            let secs = p.duration().saturating_sub(plan.warmup).as_secs_f64();
            (end, (secs > 0.0).then(|| planned / secs))
        }
        Model::Closed { duration } => (duration.map_or(far, |d| start + plan.warmup + d), None),
    };
    let window = Window {
        start: (start + plan.warmup).into_std(),
        end: end.into_std(),
    };
    let stop = match plan.model {
        Model::Open(_) => end + GRACE.min(plan.timeout),
        Model::Closed { .. } => end,
    };
    let workers = senders.len();
    let shared = Arc::new(Shared {
        shards: (0..workers.min(16))
            .map(|_| Mutex::new(Shard::new()))
            .collect(),
        wires: plan
            .requests
            .iter()
            .map(|r| crate::h1::serialize(r, &plan.endpoints[r.endpoint].authority))
            .collect(),
        plan,
        next: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        window,
        start,
        stop,
    });
    let mut tasks = tokio::task::JoinSet::new();
    for (w, sender) in senders.into_iter().enumerate() {
        tasks.spawn(worker(shared.clone(), w, sender));
    }
    // The reporter: a line per second until the workers are done.
    let mut series = Vec::new();
    let mut tick = tokio::time::interval_at(start + Duration::from_secs(1), Duration::from_secs(1));
    let mut at = 0u64;
    loop {
        tokio::select! {
            joined = tasks.join_next() => {
                if joined.is_none() { break; }
            }
            _ = tick.tick() => {
                at += 1;
                let s = close_second(&shared, at);
                on_second(&s);
                series.push(s);
            }
        }
    }
    let finished = Instant::now();
    let last = close_second(&shared, at + 1);
    if last.sent > 0 {
        on_second(&last);
        series.push(last);
    }
    let mut total = Shard::new();
    for s in &shared.shards {
        total.merge(&s.lock().unwrap_or_else(|p| p.into_inner()));
    }
    let window_end = end.min(finished).max(start + shared.plan.warmup);
    let window_len = window_end - (start + shared.plan.warmup);
    let (model, not_sent) = match &shared.plan.model {
        Model::Open(p) => {
            let mut planned = p.planned_by(p.duration()).ceil() as u64;
            if let Some(n) = shared.plan.count {
                planned = planned.min(n);
            }
            (
                "open",
                planned.saturating_sub(shared.sent.load(Ordering::Relaxed)),
            )
        }
        Model::Closed { .. } => ("closed", 0),
    };
    Ok(Summary::new(
        model, &total, window_len, target, not_sent, series,
    ))
}

fn close_second(shared: &Shared, at: u64) -> Second {
    let live: Vec<_> = shared
        .shards
        .iter()
        .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).take_live())
        .collect();
    let warmup = Duration::from_secs(at) <= shared.plan.warmup;
    Second::of(at, warmup, &live)
}

/// A worker holds a connection per endpoint, opened when first needed.
async fn worker(shared: Arc<Shared>, w: usize, mut senders: Vec<Option<Sender>>) {
    let plan = &shared.plan;
    let shard = &shared.shards[w % shared.shards.len()];
    // One timer, moved on for each request: moving a tokio timer later
    // only updates it, where a new `timeout` per request registers and
    // removes one.
    let deadline = tokio::time::sleep(plan.timeout);
    tokio::pin!(deadline);
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if plan.count.is_some_and(|n| i >= n) {
            return;
        }
        let intended = match &plan.model {
            Model::Open(p) => {
                let Some(at) = p.intended(i) else { return };
                let t = shared.start + at;
                tokio::time::sleep_until(t).await;
                t
            }
            Model::Closed { .. } => Instant::now(),
        };
        if Instant::now() >= shared.stop {
            return;
        }
        let at = (i % plan.requests.len() as u64) as usize;
        let spec = &plan.requests[at];
        let ep = &plan.endpoints[spec.endpoint];
        let sender = &mut senders[spec.endpoint];
        let sent = Instant::now();
        shared.sent.fetch_add(1, Ordering::Relaxed);
        deadline.as_mut().reset(sent + plan.timeout);
        let result = tokio::select! {
            biased;
            r = once(sender, spec, &shared.wires[at], ep) => Some(r),
            _ = &mut deadline => None,
        };
        let outcome = match result {
            Some(Ok((status, bytes))) => Outcome::Response { status, bytes },
            Some(Err(kind)) => {
                *sender = None;
                Outcome::Error(kind)
            }
            None => {
                // The connection is mid-request: start afresh.
                *sender = None;
                Outcome::Error(crate::record::ErrorKind::Timeout)
            }
        };
        if plan.new_connection_per_request {
            *sender = None;
        }
        let sample = Sample {
            intended: intended.into_std(),
            sent: sent.into_std(),
            done: std::time::Instant::now(),
            outcome,
        };
        shard
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record(&sample, &shared.window);
    }
}

/// One request, connecting first when the worker has no open connection.
async fn once(
    sender: &mut Option<Sender>,
    spec: &RequestSpec,
    wire: &[u8],
    ep: &Endpoint,
) -> Result<(u16, u64), crate::record::ErrorKind> {
    if sender.as_mut().is_none_or(|s| s.is_closed()) {
        *sender = Some(connect(ep).await?);
    }
    let s = sender.as_mut().expect("connected just above");
    send(s, spec, wire).await
}
