//! Ports without races. A test binds port 0 and hands the listener over;
//! `free_port()` (bind, read the port, close, let someone else bind it)
//! races with every other test binding ports meanwhile.
//!
//! - [`listener`]: a tokio listener on 127.0.0.1:0, for in-process servers.
//! - [`ReservedPort`]: a port held (bound, not listening: connections are
//!   refused) until the test starts listening on it, for "the receiver
//!   comes up later".
//! - [`start_on_a_free_port`]: for peer programs that cannot be handed a
//!   listener nor asked for port 0 (Prometheus, Alertmanager, dnsmasq): the
//!   one place a port is picked and given away, retried on a bind conflict.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::process::Spawned;

/// A tokio listener on 127.0.0.1:0 and its address.
pub async fn listener() -> (tokio::net::TcpListener, SocketAddr) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

/// A loopback port bound but not listening: nobody else can take it, and a
/// connection to it is refused (as to a receiver that is down) until
/// [`ReservedPort::listen`].
pub struct ReservedPort {
    socket: tokio::net::TcpSocket,
    addr: SocketAddr,
}

impl ReservedPort {
    pub fn new() -> ReservedPort {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        ReservedPort { socket, addr }
    }
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// Starts listening; needs a tokio runtime.
    pub fn listen(self) -> tokio::net::TcpListener {
        self.socket.listen(1024).unwrap()
    }
}

impl Default for ReservedPort {
    fn default() -> Self {
        Self::new()
    }
}

/// A port that is free now (and may not be a moment later: see
/// [`start_on_a_free_port`], the only user).
/// A port free a moment ago: only for a peer that retries on a bind
/// conflict ([`start_on_a_free_port`], a daemonising server).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How many times a bind conflict is retried with another port.
const ATTEMPTS: usize = 5;

/// Starts the program `command(port)` builds on a free port, and waits
/// (at most `limit`) until `ready(port)` holds while the child still runs.
/// When the child ends first saying its address is in use (another test
/// took the port between our pick and its bind), it is started again on
/// another port. For peers that must bind their own port; prefer a
/// listener handed over, or port 0 read back from the child's output.
pub fn start_on_a_free_port(
    limit: Duration,
    mut command: impl FnMut(u16) -> Command,
    mut ready: impl FnMut(u16) -> bool,
) -> (Spawned, u16) {
    for _ in 0..ATTEMPTS {
        let port = free_port();
        let mut child = Spawned::spawn(&mut command(port));
        let deadline = Instant::now() + limit;
        loop {
            if child.exited() {
                // Let the readers catch the last lines.
                std::thread::sleep(Duration::from_millis(50));
                let said = child.output();
                if said.to_lowercase().contains("address already in use") {
                    break;
                }
                panic!("the child ended on port {port}:\n{said}");
            }
            if ready(port) && !child.exited() {
                return (child, port);
            }
            assert!(
                Instant::now() < deadline,
                "not ready on port {port} within {limit:?}:\n{}",
                child.output()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    panic!("{ATTEMPTS} ports in a row were taken before the child bound them");
}

/// Whether a blocking `GET path` on 127.0.0.1:`port` answers 200: a
/// readiness check for peers (`/-/ready`) without a runtime or client.
pub fn http_ok(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}
