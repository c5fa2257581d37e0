//! The proxies a chaos server runs: their listeners, toxic chains and the
//! operations of the control API (create, populate, update, delete, toxics,
//! reset), with toxiproxy's rules. Needs a tokio runtime (listeners and
//! timers are started from here).
//!
//! Ownership: [`Proxies`] is a cheap handle; the map behind its mutex owns
//! every proxy. A proxy that runs owns its stop signal: dropping it (on
//! disable, a `down` toxic, delete) ends its accept loop and connections.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::effect::{Chain, Entry};
use crate::error::ChaosError;
use crate::link;
use crate::toxic::{Kind, Toxic};

/// A proxy as a create or populate request (or a config file) gives it.
#[derive(Clone, Debug, Deserialize)]
pub struct ProxyInput {
    #[serde(default)]
    pub name: String,
    /// Where to listen; empty is 127.0.0.1:0 (toxiproxy listens on every
    /// interface then: nines stays on loopback unless told otherwise).
    #[serde(default)]
    pub listen: String,
    #[serde(default)]
    pub upstream: String,
    /// Absent: true.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// An update request: what is absent stays.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProxyUpdate {
    pub listen: Option<String>,
    pub upstream: Option<String>,
    pub enabled: Option<bool>,
}

struct Proxy {
    name: String,
    /// The address asked for until the proxy first listens, then the one
    /// bound (port 0 becomes the real port, as toxiproxy reports it).
    listen: String,
    /// The address asked for, so populating again with port 0 keeps it.
    asked: String,
    upstream: String,
    enabled: bool,
    toxics: Vec<Entry>,
    chain: watch::Sender<Arc<Chain>>,
    /// Connections accepted so far; the next one's number.
    seq: Arc<AtomicU64>,
    running: Option<Running>,
}

/// A listening proxy; dropping it stops the accept loop and every
/// connection it carries.
struct Running {
    _stop: watch::Sender<()>,
}

/// The proxies of one chaos server (handle; clones share them).
#[derive(Clone, Default)]
pub struct Proxies {
    inner: Arc<Mutex<BTreeMap<String, Proxy>>>,
    ids: Arc<AtomicU64>,
}

impl Proxies {
    pub fn new() -> Proxies {
        Proxies::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Proxy>> {
        // A panic while holding the lock leaves plain data; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every proxy by name, as `GET /proxies` shows them.
    pub fn list(&self) -> Value {
        let map = self.lock();
        Value::Object(map.iter().map(|(n, p)| (n.clone(), p.to_json())).collect())
    }

    pub fn get(&self, name: &str) -> Result<Value, ChaosError> {
        self.lock()
            .get(name)
            .map(Proxy::to_json)
            .ok_or(ChaosError::ProxyNotFound)
    }

    /// Creates (and, unless disabled, starts) a proxy.
    pub fn create(&self, input: ProxyInput) -> Result<Value, ChaosError> {
        check(&input, None)?;
        let mut map = self.lock();
        if map.contains_key(&input.name) {
            return Err(ChaosError::ProxyExists);
        }
        let mut proxy = Proxy::new(input.clone());
        proxy.reconcile()?;
        let v = proxy.to_json();
        map.insert(input.name, proxy);
        Ok(v)
    }

    /// Creates the proxies given, replacing those of the same name whose
    /// listen or upstream differ and keeping those that match; all are
    /// checked before any is touched. On a failure the error comes with the
    /// proxies done before it.
    pub fn populate(
        &self,
        inputs: Vec<ProxyInput>,
    ) -> Result<Vec<Value>, (ChaosError, Vec<Value>)> {
        for (i, input) in inputs.iter().enumerate() {
            check(input, Some(i + 1)).map_err(|e| (e, Vec::new()))?;
        }
        let mut map = self.lock();
        let mut done = Vec::new();
        for input in inputs {
            let listen = default_listen(&input.listen);
            if let Some(p) = map.get(&input.name)
                && (p.listen == listen || p.asked == listen)
                && p.upstream == input.upstream
            {
                done.push(p.to_json());
                continue;
            }
            map.remove(&input.name);
            let mut proxy = Proxy::new(input.clone());
            if let Err(e) = proxy.reconcile() {
                return Err((e, done));
            }
            done.push(proxy.to_json());
            map.insert(input.name, proxy);
        }
        Ok(done)
    }

    /// Changes listen, upstream or enabled; a changed address restarts the
    /// listener (dropping its connections).
    pub fn update(&self, name: &str, update: ProxyUpdate) -> Result<Value, ChaosError> {
        let mut map = self.lock();
        let p = map.get_mut(name).ok_or(ChaosError::ProxyNotFound)?;
        let listen = update.listen.map(|l| default_listen(&l));
        let moved = listen.as_ref().is_some_and(|l| *l != p.listen)
            || update.upstream.as_ref().is_some_and(|u| *u != p.upstream);
        if moved {
            p.running = None;
        }
        if let Some(l) = listen {
            p.asked = l.clone();
            p.listen = l;
        }
        if let Some(u) = update.upstream {
            p.upstream = u;
        }
        if let Some(e) = update.enabled {
            p.enabled = e;
        }
        p.reconcile()?;
        Ok(p.to_json())
    }

    pub fn delete(&self, name: &str) -> Result<(), ChaosError> {
        self.lock()
            .remove(name)
            .map(|_| ())
            .ok_or(ChaosError::ProxyNotFound)
    }

    pub fn toxics(&self, proxy: &str) -> Result<Value, ChaosError> {
        let map = self.lock();
        let p = map.get(proxy).ok_or(ChaosError::ProxyNotFound)?;
        Ok(p.toxics_json())
    }

    pub fn toxic(&self, proxy: &str, toxic: &str) -> Result<Value, ChaosError> {
        let map = self.lock();
        let p = map.get(proxy).ok_or(ChaosError::ProxyNotFound)?;
        p.find(toxic)
            .map(|e| e.toxic.to_json())
            .ok_or(ChaosError::ToxicNotFound)
    }

    /// Adds a toxic from a create request's body. One with a `duration`
    /// removes itself that long after.
    pub fn add_toxic(&self, proxy: &str, body: &[u8]) -> Result<Value, ChaosError> {
        let toxic = Toxic::from_json(body)?;
        self.add(proxy, toxic)
    }

    /// Adds a toxic given as a value (the CLI's `--toxic`, experiments).
    pub fn add(&self, proxy: &str, toxic: Toxic) -> Result<Value, ChaosError> {
        let mut map = self.lock();
        let p = map.get_mut(proxy).ok_or(ChaosError::ProxyNotFound)?;
        if p.find(&toxic.name).is_some() {
            return Err(ChaosError::ToxicExists);
        }
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let v = toxic.to_json();
        if let Some(ms) = toxic.duration {
            self.expire(
                proxy.to_string(),
                toxic.name.clone(),
                id,
                Duration::from_millis(ms),
            );
        }
        p.toxics.push(Entry {
            id,
            toxic,
            added_seq: p.seq.load(Ordering::SeqCst),
        });
        p.publish();
        p.reconcile()?;
        Ok(v)
    }

    pub fn update_toxic(&self, proxy: &str, name: &str, body: &[u8]) -> Result<Value, ChaosError> {
        let mut map = self.lock();
        let p = map.get_mut(proxy).ok_or(ChaosError::ProxyNotFound)?;
        let e = p
            .toxics
            .iter_mut()
            .find(|e| e.toxic.name == name)
            .ok_or(ChaosError::ToxicNotFound)?;
        e.toxic = e.toxic.updated(body)?;
        let v = e.toxic.to_json();
        p.publish();
        Ok(v)
    }

    pub fn remove_toxic(&self, proxy: &str, name: &str) -> Result<(), ChaosError> {
        let mut map = self.lock();
        let p = map.get_mut(proxy).ok_or(ChaosError::ProxyNotFound)?;
        let before = p.toxics.len();
        p.toxics.retain(|e| e.toxic.name != name);
        if p.toxics.len() == before {
            return Err(ChaosError::ToxicNotFound);
        }
        p.publish();
        p.reconcile()
    }

    /// Every proxy enabled and without toxics, as `POST /reset` does.
    pub fn reset(&self) -> Result<(), ChaosError> {
        let mut map = self.lock();
        for p in map.values_mut() {
            p.enabled = true;
            p.toxics.clear();
            p.publish();
            p.reconcile()?;
        }
        Ok(())
    }

    /// Removes toxic `id` after `after`, unless it is gone already (a
    /// toxic of the same name added later has another id and stays).
    fn expire(&self, proxy: String, name: String, id: u64, after: Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let mut map = me.lock();
            if let Some(p) = map.get_mut(&proxy) {
                let before = p.toxics.len();
                p.toxics.retain(|e| !(e.id == id && e.toxic.name == name));
                if p.toxics.len() != before {
                    p.publish();
                    let _ = p.reconcile();
                }
            }
        });
    }
}

/// toxiproxy's checks of a proxy in a request: name and upstream present.
fn check(input: &ProxyInput, index: Option<usize>) -> Result<(), ChaosError> {
    let at = index.map(|i| format!(" at proxy {i}")).unwrap_or_default();
    if input.name.is_empty() {
        return Err(ChaosError::Missing(format!("name{at}")));
    }
    if input.upstream.is_empty() {
        return Err(ChaosError::Missing(format!("upstream{at}")));
    }
    Ok(())
}

fn default_listen(listen: &str) -> String {
    if listen.is_empty() {
        "127.0.0.1:0".to_string()
    } else {
        listen.to_string()
    }
}

// === impl Proxy ===

impl Proxy {
    fn new(input: ProxyInput) -> Proxy {
        let listen = default_listen(&input.listen);
        Proxy {
            name: input.name,
            asked: listen.clone(),
            listen,
            upstream: input.upstream,
            enabled: input.enabled.unwrap_or(true),
            toxics: Vec::new(),
            chain: watch::channel(Arc::new(Vec::new())).0,
            seq: Arc::new(AtomicU64::new(0)),
            running: None,
        }
    }

    fn find(&self, name: &str) -> Option<&Entry> {
        self.toxics.iter().find(|e| e.toxic.name == name)
    }

    /// Hands the toxics to the connections.
    fn publish(&self) {
        self.chain.send_replace(Arc::new(self.toxics.clone()));
    }

    /// Whether it should listen: enabled and no `down` toxic.
    fn should_run(&self) -> bool {
        self.enabled && !self.toxics.iter().any(|e| e.toxic.kind == Kind::Down)
    }

    /// Starts or stops the listener to match [`Proxy::should_run`].
    fn reconcile(&mut self) -> Result<(), ChaosError> {
        match (self.should_run(), self.running.is_some()) {
            (false, true) => self.running = None,
            (true, false) => self.start()?,
            _ => {}
        }
        Ok(())
    }

    fn start(&mut self) -> Result<(), ChaosError> {
        let err = |source| ChaosError::Listen {
            addr: self.listen.clone(),
            source,
        };
        let std = std::net::TcpListener::bind(&self.listen).map_err(err)?;
        std.set_nonblocking(true).map_err(err)?;
        let listener = tokio::net::TcpListener::from_std(std).map_err(err)?;
        if let Ok(addr) = listener.local_addr() {
            self.listen = addr.to_string();
        }
        let (stop_tx, stop_rx) = watch::channel(());
        let upstream = self.upstream.clone();
        let chain = self.chain.subscribe();
        let seq = self.seq.clone();
        tokio::spawn(accept(listener, upstream, chain, seq, stop_rx));
        self.running = Some(Running { _stop: stop_tx });
        Ok(())
    }

    fn toxics_json(&self) -> Value {
        // toxiproxy lists upstream toxics first, then downstream, each in
        // the order added.
        let (up, down): (Vec<_>, Vec<_>) = self
            .toxics
            .iter()
            .partition(|e| e.toxic.stream == crate::toxic::Stream::Upstream);
        Value::Array(
            up.into_iter()
                .chain(down)
                .map(|e| e.toxic.to_json())
                .collect(),
        )
    }

    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "listen": self.listen,
            "upstream": self.upstream,
            "enabled": self.enabled,
            "toxics": self.toxics_json(),
        })
    }
}

/// Accepts until the proxy stops; each connection gets its own task.
async fn accept(
    listener: tokio::net::TcpListener,
    upstream: String,
    chain: watch::Receiver<Arc<Chain>>,
    seq: Arc<AtomicU64>,
    mut stop: watch::Receiver<()>,
) {
    let mut seed_rng = crate::effect::Rng::new(random_seed());
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            a = listener.accept() => a,
        };
        let Ok((client, _)) = accepted else {
            // Out of descriptors and the like: wait a little, do not spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = client.set_nodelay(true);
        let cx = link::Context {
            upstream: upstream.clone(),
            chain: chain.clone(),
            stop: stop.clone(),
            seq: seq.fetch_add(1, Ordering::SeqCst),
            seed: (seed_rng.next_f64() * u64::MAX as f64) as u64,
        };
        tokio::spawn(link::serve(client, cx));
    }
}

fn random_seed() -> u64 {
    // Without OS randomness toxicity still works, only repeatably.
    getrandom::u64().unwrap_or(0x5EED)
}
