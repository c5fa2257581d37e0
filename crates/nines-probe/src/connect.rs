//! The steps every connection-based probe shares, each timed into its
//! phase: resolve, connect, TLS handshake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use crate::tls::TlsClient;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::outcome::Phase;
use crate::run::Run;
use crate::spec::TlsOptions;

/// A byte stream, plain or TLS, so a probe's later steps need not care.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Splits `host:port` (`[::1]:443` for IPv6).
pub fn split_host_port(address: &str) -> Result<(&str, u16), String> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| format!("{address:?} is not host:port"))?;
    let port = port
        .parse()
        .map_err(|_| format!("{address:?}: {port:?} is not a port number"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("{address:?} has no host"));
    }
    Ok((host, port))
}

pub(crate) async fn resolve(run: &mut Run, host: &str, port: u16) -> Result<SocketAddr, String> {
    let started = Instant::now();
    let found = tokio::net::lookup_host((host, port)).await;
    let took = started.elapsed();
    run.out.add_phase(Phase::Resolve, took);
    run.out.lookup_time.get_or_insert(took);
    let mut addrs = found.map_err(|e| format!("resolving {host}: {e}"))?;
    let addr = addrs
        .next()
        .ok_or_else(|| format!("resolving {host}: no addresses"))?;
    run.out.ip = Some(addr.ip());
    Ok(addr)
}

pub(crate) async fn connect(run: &mut Run, addr: SocketAddr) -> Result<TcpStream, String> {
    let started = Instant::now();
    let stream = TcpStream::connect(addr).await;
    run.out.add_phase(Phase::Connect, started.elapsed());
    run.connected = Some(stream.is_ok());
    let stream = stream.map_err(|e| format!("connecting to {addr}: {e}"))?;
    // Probes send a request and wait: Nagle would only add delay.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Resolves and connects in one go.
pub(crate) async fn open(run: &mut Run, host: &str, port: u16) -> Result<TcpStream, String> {
    let addr = resolve(run, host, port).await?;
    connect(run, addr).await
}

/// A TLS handshake over `stream`; records the presented chain's expiry.
pub(crate) async fn handshake<S: Io + 'static>(
    run: &mut Run,
    stream: S,
    config: &Arc<TlsClient>,
    options: &TlsOptions,
    host: &str,
) -> Result<tokio_rustls::client::TlsStream<S>, String> {
    let name = crate::tls::server_name(options, host)?;
    let started = Instant::now();
    let connector = tokio_rustls::TlsConnector::from(config.config.clone());
    let result = connector.connect(name, stream).await;
    run.out.add_phase(Phase::Tls, started.elapsed());
    let stream = result.map_err(|e| format!("TLS handshake with {host}: {e}"))?;
    let session = stream.get_ref().1;
    if let Some(chain) = session.peer_certificates() {
        run.out.certificates = Some(crate::tls::certificates(
            chain,
            config.anchors.as_deref(),
            session.protocol_version(),
        ));
    }
    Ok(stream)
}
