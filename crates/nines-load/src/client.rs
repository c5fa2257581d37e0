//! The HTTP side: endpoints, connections (HTTP/1.1 keep-alive, h2c, TLS
//! with ALPN) and one request with its body read to the end.
//!
//! One connection per worker (HTTP/2 connections shared by `streams`
//! workers), no pool: HTTP/1.1 on `h1`'s connection with the request
//! serialised once, HTTP/2 on hyper's connection API.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2;
use hyper::{Request, Uri};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use crate::record::ErrorKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    /// HTTP/1.1; over TLS too.
    Http1,
    /// HTTP/2: prior knowledge (h2c) in plain text, ALPN h2 over TLS.
    Http2,
    /// HTTP/1.1 in plain text; over TLS what ALPN settles (h2 first).
    Auto,
}

/// Where requests go: resolved once, before the run.
#[derive(Clone)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub authority: String,
    tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    pub version: HttpVersion,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Endpoint({} at {})", self.authority, self.addr)
    }
}

/// One request to send, again and again.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: hyper::Method,
    pub uri: Uri,
    pub headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    pub body: Bytes,
    /// Index into the run's endpoints.
    pub endpoint: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{url}: {reason}")]
    Url { url: String, reason: String },
    #[error("{authority}: cannot resolve: {reason}")]
    Resolve { authority: String, reason: String },
    #[error("TLS setup: {0}")]
    Tls(#[from] rustls::Error),
}

impl Endpoint {
    /// The endpoint of `uri`, its host resolved now.
    pub fn of(uri: &Uri, version: HttpVersion, insecure: bool) -> Result<Endpoint, SetupError> {
        let bad = |reason: &str| SetupError::Url {
            url: uri.to_string(),
            reason: reason.to_string(),
        };
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(bad("the scheme must be http or https")),
        };
        let host = uri.host().ok_or_else(|| bad("there is no host"))?;
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let authority = uri
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_else(|| host.to_string());
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(bare, port))
            .map_err(|e| SetupError::Resolve {
                authority: authority.clone(),
                reason: e.to_string(),
            })?
            .next()
            .ok_or_else(|| SetupError::Resolve {
                authority: authority.clone(),
                reason: "no address".into(),
            })?;
        let tls = if tls {
            let name = ServerName::try_from(bare.to_string())
                .map_err(|e| bad(&format!("server name: {e}")))?;
            Some((tls_config(version, insecure)?, name))
        } else {
            None
        };
        Ok(Endpoint {
            addr,
            authority,
            tls,
            version,
        })
    }
}

/// A live connection, owned by one worker (an HTTP/2 one may be shared).
pub enum Sender {
    H1(crate::h1::Conn),
    H2(http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    pub fn is_closed(&mut self) -> bool {
        match self {
            Sender::H1(c) => c.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }

    /// Another handle on the same connection: HTTP/2 multiplexes streams.
    pub fn share(&self) -> Option<Sender> {
        match self {
            Sender::H1(_) => None,
            Sender::H2(s) => Some(Sender::H2(s.clone())),
        }
    }
}

/// Opens a connection to `ep`.
pub async fn connect(ep: &Endpoint) -> Result<Sender, ErrorKind> {
    let tcp = TcpStream::connect(ep.addr)
        .await
        .map_err(|_| ErrorKind::Connect)?;
    let _ = tcp.set_nodelay(true);
    match &ep.tls {
        None => handshake(TokioIo::new(tcp), ep.version == HttpVersion::Http2).await,
        Some((config, name)) => {
            let tls = tokio_rustls::TlsConnector::from(config.clone())
                .connect(name.clone(), tcp)
                .await
                .map_err(|_| ErrorKind::Tls)?;
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            handshake(TokioIo::new(tls), h2).await
        }
    }
}

async fn handshake<T>(io: TokioIo<T>, h2: bool) -> Result<Sender, ErrorKind>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    if !h2 {
        return Ok(Sender::H1(crate::h1::Conn::new(Box::new(io.into_inner()))));
    }
    let (send, conn) = http2::handshake(TokioExecutor::new(), io)
        .await
        .map_err(|e| classify(&e))?;
    tokio::spawn(conn);
    Ok(Sender::H2(send))
}

/// Sends `spec` on `sender` and reads the body to its end: (status, bytes).
/// `wire` is `spec` serialised for HTTP/1.1 (`h1::serialize`).
pub async fn send(
    sender: &mut Sender,
    spec: &RequestSpec,
    wire: &[u8],
) -> Result<(u16, u64), ErrorKind> {
    let s = match sender {
        Sender::H1(c) => return c.round_trip(wire, spec.method == hyper::Method::HEAD).await,
        Sender::H2(s) => s,
    };
    s.ready().await.map_err(|e| classify(&e))?;
    let resp = s
        .send_request(build(spec)?)
        .await
        .map_err(|e| classify(&e))?;
    let status = resp.status().as_u16();
    let mut body = resp.into_body();
    let mut bytes = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| classify(&e))?;
        if let Some(d) = frame.data_ref() {
            bytes += d.len() as u64;
        }
    }
    Ok((status, bytes))
}

/// An HTTP/2 request: the full URI (hyper turns it into :scheme,
/// :authority and :path).
fn build(spec: &RequestSpec) -> Result<Request<Full<Bytes>>, ErrorKind> {
    let mut b = Request::builder()
        .method(spec.method.clone())
        .uri(spec.uri.clone());
    for (k, v) in &spec.headers {
        b = b.header(k, v);
    }
    b.body(Full::new(spec.body.clone()))
        .map_err(|_| ErrorKind::Protocol)
}

fn classify(e: &hyper::Error) -> ErrorKind {
    if e.is_timeout() {
        return ErrorKind::Timeout;
    }
    if e.is_canceled() || e.is_closed() || e.is_incomplete_message() {
        return ErrorKind::Reset;
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            if matches!(
                io.kind(),
                K::ConnectionReset | K::BrokenPipe | K::ConnectionAborted | K::UnexpectedEof
            ) {
                return ErrorKind::Reset;
            }
        }
        src = s.source();
    }
    ErrorKind::Protocol
}

fn tls_config(
    version: HttpVersion,
    insecure: bool,
) -> Result<Arc<rustls::ClientConfig>, SetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(nines_probe::AcceptAny(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = match version {
        HttpVersion::Http1 => vec![b"http/1.1".to_vec()],
        HttpVersion::Http2 => vec![b"h2".to_vec()],
        HttpVersion::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
    };
    Ok(Arc::new(config))
}
