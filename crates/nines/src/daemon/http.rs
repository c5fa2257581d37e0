//! The accept loop of `nines serve`: HTTP/1.1 over TCP or TLS, with the
//! limits that keep slow or half-open clients from taking the daemon off
//! the air (issue 17): a header-read timeout, a TLS handshake timeout and a
//! connection cap that sheds idle connections first.
//!
//! `axum::serve` has none of these: a client that opens a connection and
//! never finishes its headers holds a file descriptor for ever, and about a
//! thousand of them exhaust a default `ulimit -n` of 1024, after which the
//! daemon accepts nothing at all.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_service::Service;

use super::tls::Certificates;

/// How the listener treats its clients.
#[derive(Debug, Clone)]
pub struct Http {
    /// A client must send a request's headers within this long of
    /// connecting, or of its previous answer (so it is the idle timeout
    /// of keep-alive connections too). Then the connection is closed.
    pub header_read_timeout: Duration,
    /// At most this many connections at once (lowered to fit the open-file
    /// limit). A connection beyond it sheds the longest-idle one: a client
    /// waiting for headers it never sends loses its place to one that
    /// wants an answer.
    pub max_connections: usize,
    /// Serve TLS with these certificates (reloaded on SIGHUP).
    pub tls: Option<Arc<Certificates>>,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            tls: None,
        }
    }
}

/// File descriptors kept free of client connections: the database, its
/// WAL, config files, outgoing probes and notifications.
const RESERVED_FDS: usize = 128;

/// The connection cap that fits this process' open-file limit.
pub fn effective_cap(wanted: usize) -> usize {
    match open_file_limit() {
        Some(limit) => wanted.min(limit.saturating_sub(RESERVED_FDS).max(16)),
        None => wanted,
    }
}

/// The soft `RLIMIT_NOFILE`, from /proc (no libc call: the crate forbids
/// unsafe code). `None` elsewhere or when unlimited.
fn open_file_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The connections open now and which of them wait between requests.
/// One lock, held only to insert or remove an entry.
#[derive(Default)]
struct Connections {
    next_id: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    open: usize,
    /// Idle connections by id (ids grow, so the first is the longest idle
    /// ... or the oldest never to have sent a request), with the signal that
    /// closes each.
    idle: BTreeMap<u64, Arc<Notify>>,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a new connection (idle until its first request).
    fn open(&self, kill: Arc<Notify>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        inner.open += 1;
        inner.idle.insert(id, kill);
        id
    }

    fn close(&self, id: u64) {
        let mut inner = self.lock();
        inner.open -= 1;
        inner.idle.remove(&id);
    }

    fn busy(&self, id: u64) {
        self.lock().idle.remove(&id);
    }

    fn idle(&self, id: u64, kill: &Arc<Notify>) {
        self.lock().idle.insert(id, kill.clone());
    }

    /// At the cap: closes the longest-idle connection. False when every
    /// connection is busy answering (then the new one is refused).
    fn make_room(&self, cap: usize) -> bool {
        let mut inner = self.lock();
        if inner.open < cap {
            return true;
        }
        match inner.idle.pop_first() {
            Some((_, kill)) => {
                kill.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Accepts connections on `listener` and answers them with `router` until
/// `stop` turns true; then waits (at most 10 s) for requests in flight.
pub async fn run(
    listener: TcpListener,
    router: axum::Router,
    http: Http,
    mut stop: watch::Receiver<bool>,
) {
    let cap = effective_cap(http.max_connections);
    let conns = Arc::new(Connections::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(http.header_read_timeout);
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::pin!(stopped);
    loop {
        let (tcp, _peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and friends: wait for a connection to close
                    // rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        if !conns.make_room(cap) {
            tracing::warn!(cap, "every connection is busy; a new one is refused");
            continue;
        }
        let _ = tcp.set_nodelay(true);
        let kill = Arc::new(Notify::new());
        let id = conns.open(kill.clone());
        let svc = {
            let (conns, kill, router) = (conns.clone(), kill.clone(), router.clone());
            hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                conns.busy(id);
                let mut router = router.clone();
                let (conns, kill) = (conns.clone(), kill.clone());
                async move {
                    let resp = router.call(req.map(axum::body::Body::new)).await;
                    conns.idle(id, &kill);
                    resp
                }
            })
        };
        let (conns, tls, builder) = (conns.clone(), http.tls.clone(), builder.clone());
        let watcher = graceful.watcher();
        let handshake = http.header_read_timeout;
        tokio::spawn(async move {
            let served = async {
                match tls {
                    None => {
                        let conn = builder.serve_connection(TokioIo::new(tcp), svc);
                        let _ = watcher.watch(conn).await;
                    }
                    Some(certs) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(certs.current());
                        let Ok(Ok(stream)) =
                            tokio::time::timeout(handshake, acceptor.accept(tcp)).await
                        else {
                            return;
                        };
                        let conn = builder.serve_connection(TokioIo::new(stream), svc);
                        let _ = watcher.watch(conn).await;
                    }
                }
            };
            tokio::select! {
                _ = served => {}
                _ = kill.notified() => {}
            }
            conns.close(id);
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after 10s; closing them");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_house_sheds_the_longest_idle_connection() {
        let conns = Connections::default();
        let kills: Vec<Arc<Notify>> = (0..3).map(|_| Arc::new(Notify::new())).collect();
        let ids: Vec<u64> = kills.iter().map(|k| conns.open(k.clone())).collect();
        conns.busy(ids[0]);
        assert!(conns.make_room(4), "below the cap nothing is shed");
        assert!(conns.make_room(3));
        // ids[0] is busy, so ids[1] (idle longest) goes.
        assert!(!conns.lock().idle.contains_key(&ids[1]));
        assert!(conns.lock().idle.contains_key(&ids[2]));
        conns.busy(ids[2]);
        conns.close(ids[1]);
        conns.open(Arc::new(Notify::new()));
        conns.busy(3);
        assert!(!conns.make_room(3), "all busy: no room");
    }

    #[test]
    fn the_cap_fits_the_open_file_limit() {
        if let Some(limit) = open_file_limit() {
            assert!(effective_cap(usize::MAX) < limit);
        }
        assert!(effective_cap(10) <= 10);
    }
}
