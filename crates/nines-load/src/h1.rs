//! HTTP/1.1 on one connection, driven by the worker that owns it: the
//! request serialised once before the run, the response head parsed with
//! httparse (headers not copied out), the body skipped by its length or
//! chunks and counted. HTTP/2 stays on hyper.
//!
//! Why not hyper's http1 client: under callgrind, a closed run against
//! nginx spent 54% of its instructions in hyper's connection task (building
//! a `HeaderMap` per response, the dispatch between it and the worker)
//! and more building a `Request` per send (bench/README.md).

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::client::RequestSpec;
use crate::record::ErrorKind;

/// A byte stream a connection runs on: TCP, or TLS over it.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// A response head larger than this is refused as a protocol error.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;

/// How a response's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    Length(u64),
    Chunked,
    /// No length given: the body runs to the connection's end.
    UntilClose,
}

/// What the head of a response says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Bytes of the head, its blank line included.
    pub len: usize,
    pub status: u16,
    pub body: Body,
    /// The server closes the connection after this response.
    pub close: bool,
}

/// The head at the start of `bytes`, or `None` when more bytes are needed.
/// `head_request`: the request was HEAD, so no body follows whatever the
/// headers say.
pub fn parse_head(bytes: &[u8], head_request: bool) -> Result<Option<Head>, ErrorKind> {
    // Uninitialised: zeroing the array cost as much as the parse.
    let mut headers =
        [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut r = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut r,
        bytes,
        &mut headers,
    ) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(ErrorKind::Protocol),
    };
    let status = r.code.ok_or(ErrorKind::Protocol)?;
    let mut close = r.version == Some(0);
    let (mut length, mut chunked) = (None, false);
    for h in r.headers.iter() {
        let value = std::str::from_utf8(h.value).map_err(|_| ErrorKind::Protocol)?;
        if h.name.eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse().map_err(|_| ErrorKind::Protocol)?);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked is the last coding when present (RFC 9112 6.1).
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"));
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") && r.version == Some(0) {
                    close = false;
                }
            }
        }
    }
    let body = if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        Body::None
    } else if chunked {
        Body::Chunked
    } else {
        match length {
            Some(n) => Body::Length(n),
            None => Body::UntilClose,
        }
    };
    Ok(Some(Head {
        len,
        status,
        body,
        close: close || body == Body::UntilClose,
    }))
}

/// `spec` as bytes on the wire, with a Host header unless it has one and a
/// content-length when it has a body (or a method that expects one).
pub fn serialize(spec: &RequestSpec, authority: &str) -> Bytes {
    let mut out = Vec::with_capacity(128 + spec.body.len());
    out.extend_from_slice(spec.method.as_str().as_bytes());
    out.push(b' ');
    let path = spec.uri.path_and_query().map_or("/", |p| p.as_str());
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let has = |name: hyper::header::HeaderName| spec.headers.iter().any(|(k, _)| *k == name);
    if !has(hyper::header::HOST) {
        out.extend_from_slice(b"host: ");
        out.extend_from_slice(authority.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (k, v) in &spec.headers {
        out.extend_from_slice(k.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let bodyless = matches!(spec.method.as_str(), "GET" | "HEAD" | "DELETE" | "OPTIONS");
    if (!spec.body.is_empty() || !bodyless)
        && !has(hyper::header::CONTENT_LENGTH)
        && !has(hyper::header::TRANSFER_ENCODING)
    {
        out.extend_from_slice(format!("content-length: {}\r\n", spec.body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&spec.body);
    out.into()
}

/// One HTTP/1.1 connection: a request at a time.
pub struct Conn {
    io: Box<dyn Io>,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    closed: bool,
}

impl Conn {
    pub fn new(io: Box<dyn Io>) -> Conn {
        Conn {
            io,
            buf: vec![0; 16 * 1024],
            start: 0,
            end: 0,
            closed: false,
        }
    }

    /// The server said it closes, a request on it failed midway, or the
    /// server closed it while it sat idle (keep-alive timeouts), so that
    /// the worker reconnects instead of counting a reset. Looks without
    /// waiting: one read polled with a waker that does nothing, which
    /// tokio answers without a system call unless the socket has news.
    pub fn is_closed(&mut self) -> bool {
        if self.closed {
            return true;
        }
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut probe = [0u8; 1];
        let mut buf = tokio::io::ReadBuf::new(&mut probe);
        match std::pin::Pin::new(&mut *self.io).poll_read(&mut cx, &mut buf) {
            std::task::Poll::Pending => false,
            // The end, an error, or bytes nobody asked for.
            std::task::Poll::Ready(_) => {
                self.closed = true;
                true
            }
        }
    }

    /// Writes `request` and reads its response to the end of the body:
    /// (status, body bytes).
    pub async fn round_trip(
        &mut self,
        request: &[u8],
        head_request: bool,
    ) -> Result<(u16, u64), ErrorKind> {
        if self.closed {
            return Err(ErrorKind::Reset);
        }
        // Closed until the whole response is read: a timeout or an error
        // leaves the connection mid-response.
        self.closed = true;
        self.io.write_all(request).await.map_err(io_error)?;
        let head = loop {
            let head = loop {
                match parse_head(&self.buf[self.start..self.end], head_request)? {
                    Some(h) => break h,
                    None => self.fill().await?,
                }
            };
            self.start += head.len;
            // 1xx interim responses come before the real one.
            if !(100..200).contains(&head.status) || head.status == 101 {
                break head;
            }
        };
        let bytes = match head.body {
            Body::None => 0,
            Body::Length(n) => {
                self.skip(n).await?;
                n
            }
            Body::Chunked => self.chunked().await?,
            Body::UntilClose => self.until_close().await?,
        };
        // Bytes past the response answer nothing asked: the connection is
        // out of step, so it is not used again.
        self.closed = head.close || self.start != self.end;
        Ok((head.status, bytes))
    }

    /// Reads more bytes into the buffer.
    async fn fill(&mut self) -> Result<(), ErrorKind> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < MAX_HEAD {
                self.buf.resize(self.buf.len() * 2, 0);
            } else {
                return Err(ErrorKind::Protocol);
            }
        }
        let n = self
            .io
            .read(&mut self.buf[self.end..])
            .await
            .map_err(io_error)?;
        if n == 0 {
            return Err(ErrorKind::Reset);
        }
        self.end += n;
        Ok(())
    }

    async fn skip(&mut self, mut n: u64) -> Result<(), ErrorKind> {
        loop {
            let take = ((self.end - self.start) as u64).min(n);
            self.start += take as usize;
            n -= take;
            if n == 0 {
                return Ok(());
            }
            self.fill().await?;
        }
    }

    /// The next line without its CRLF, consumed: its range in `buf`.
    async fn line(&mut self) -> Result<(usize, usize), ErrorKind> {
        loop {
            if let Some(i) = self.buf[self.start..self.end]
                .iter()
                .position(|&b| b == b'\n')
            {
                let (a, mut b) = (self.start, self.start + i);
                self.start = b + 1;
                if b > a && self.buf[b - 1] == b'\r' {
                    b -= 1;
                }
                return Ok((a, b));
            }
            if self.end - self.start > 4096 {
                return Err(ErrorKind::Protocol);
            }
            self.fill().await?;
        }
    }

    async fn chunked(&mut self) -> Result<u64, ErrorKind> {
        let mut total = 0;
        loop {
            let (a, b) = self.line().await?;
            let size = chunk_size(&self.buf[a..b])?;
            if size == 0 {
                // Trailers, to the blank line.
                loop {
                    let (a, b) = self.line().await?;
                    if a == b {
                        return Ok(total);
                    }
                }
            }
            self.skip(size).await?;
            total += size;
            let (a, b) = self.line().await?;
            if a != b {
                return Err(ErrorKind::Protocol);
            }
        }
    }

    async fn until_close(&mut self) -> Result<u64, ErrorKind> {
        let mut total = (self.end - self.start) as u64;
        self.start = self.end;
        loop {
            match self.fill().await {
                Ok(()) => {
                    total += (self.end - self.start) as u64;
                    self.start = self.end;
                }
                Err(ErrorKind::Reset) => return Ok(total),
                Err(e) => return Err(e),
            }
        }
    }
}

/// A chunk-size line: hex digits, then optional `;extensions`.
fn chunk_size(line: &[u8]) -> Result<u64, ErrorKind> {
    let digits = line.split(|&b| b == b';').next().unwrap_or_default();
    let digits = std::str::from_utf8(digits).map_err(|_| ErrorKind::Protocol)?;
    u64::from_str_radix(digits.trim(), 16).map_err(|_| ErrorKind::Protocol)
}

fn io_error(e: std::io::Error) -> ErrorKind {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionReset | K::BrokenPipe | K::ConnectionAborted | K::UnexpectedEof => {
            ErrorKind::Reset
        }
        _ => ErrorKind::Protocol,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Option<Head> {
        parse_head(text.as_bytes(), false).unwrap()
    }

    #[test]
    fn heads_say_how_the_body_ends() {
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n").unwrap();
        assert_eq!(
            (h.status, h.body, h.close, h.len),
            (200, Body::Length(3), false, 38)
        );
        let h = head("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n").unwrap();
        assert_eq!(h.body, Body::Chunked);
        let h = head("HTTP/1.1 500 x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n").unwrap();
        assert!(h.close);
        let h = head("HTTP/1.0 200 OK\r\n\r\n").unwrap();
        assert_eq!((h.body, h.close), (Body::UntilClose, true));
        assert_eq!(
            head("HTTP/1.1 204 No\r\ncontent-length: 9\r\n\r\n")
                .unwrap()
                .body,
            Body::None
        );
        let h = parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n", true).unwrap();
        assert_eq!(h.unwrap().body, Body::None);
        assert_eq!(head("HTTP/1.1 200 OK\r\ncontent-le"), None);
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n", false),
            Err(ErrorKind::Protocol)
        );
    }

    #[tokio::test]
    async fn a_body_longer_than_its_length_retires_the_connection() {
        let (client, mut server) = tokio::io::duplex(256);
        let mut conn = Conn::new(Box::new(client));
        server
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA")
            .await
            .unwrap();
        assert_eq!(
            conn.round_trip(b"GET / HTTP/1.1\r\n\r\n", false).await,
            Ok((200, 2))
        );
        assert!(conn.is_closed());
    }

    #[test]
    fn requests_carry_host_and_length() {
        let spec = RequestSpec {
            method: hyper::Method::POST,
            uri: "http://a.example:8080/p?q=1".parse().unwrap(),
            headers: vec![(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/plain"),
            )],
            body: Bytes::from_static(b"hi"),
            endpoint: 0,
        };
        assert_eq!(
            &serialize(&spec, "a.example:8080")[..],
            b"POST /p?q=1 HTTP/1.1\r\nhost: a.example:8080\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nhi"
        );
        let get = RequestSpec {
            method: hyper::Method::GET,
            body: Bytes::new(),
            headers: vec![],
            ..spec
        };
        assert_eq!(
            &serialize(&get, "h")[..],
            b"GET /p?q=1 HTTP/1.1\r\nhost: h\r\n\r\n"
        );
    }

    /// A response in pieces of every size reads the same.
    #[tokio::test]
    async fn chunked_bodies_split_anywhere_are_counted() {
        let response = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nt: 1\r\n\r\n";
        for piece in 1..response.len() {
            let (client, mut server) = tokio::io::duplex(64);
            let mut conn = Conn::new(Box::new(client));
            let writer = tokio::spawn(async move {
                let mut req = [0u8; 64];
                let _ = server.read(&mut req).await.unwrap();
                for p in response.chunks(piece) {
                    server.write_all(p).await.unwrap();
                }
                server
            });
            assert_eq!(
                conn.round_trip(b"GET / HTTP/1.1\r\n\r\n", false).await,
                Ok((200, 11))
            );
            assert!(!conn.is_closed());
            drop(writer.await.unwrap());
            // The server went away while the connection was idle.
            assert!(conn.is_closed());
            assert_eq!(
                conn.round_trip(b"GET / HTTP/1.1\r\n\r\n", false).await,
                Err(ErrorKind::Reset)
            );
        }
    }
}
