//! Reading the connection string, and TLS to the database with rustls.
//!
//! `sslmode` is libpq's as far as tokio-postgres knows it: `disable`,
//! `prefer` (the default: TLS when the server offers it) and `require`.
//! Unlike libpq, a TLS connection always verifies the server's certificate
//! and name: against `sslrootcert=FILE` (PEM) when given, else the
//! system's roots. A server with a certificate nobody can verify is
//! refused, not silently trusted.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// The parsed connection string and the TLS connector it asks for.
pub(super) fn config(url: &str) -> Result<(tokio_postgres::Config, MakeRustls), String> {
    let (url, root) = take_param(url, "sslrootcert");
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("invalid PostgreSQL connection string: {e}"))?;
    if config.get_password().is_none()
        && let Some(p) = std::env::var_os("PGPASSWORD")
    {
        config.password(p.into_encoded_bytes());
    }
    config.connect_timeout(super::CONNECT_TIMEOUT);
    config.application_name("nines");
    let mut roots = RootCertStore::empty();
    match root {
        Some(path) => {
            use rustls::pki_types::pem::PemObject;
            let certs = CertificateDer::pem_file_iter(&path)
                .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("sslrootcert {path}: {e}"))?;
            if certs.is_empty() {
                return Err(format!("sslrootcert {path} holds no PEM certificate"));
            }
            for c in certs {
                roots
                    .add(c)
                    .map_err(|e| format!("sslrootcert {path}: {e}"))?;
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok((config, MakeRustls(Arc::new(tls))))
}

/// Removes `name=value` from a URL's query or a `key=value` string (which
/// tokio-postgres would refuse as unknown) and returns its value.
fn take_param(url: &str, name: &str) -> (String, Option<String>) {
    let url_form = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let (head, query, sep) = if url_form {
        match url.split_once('?') {
            Some((h, q)) => (h.to_string(), q.to_string(), '&'),
            None => return (url.to_string(), None),
        }
    } else {
        (String::new(), url.to_string(), ' ')
    };
    let mut value = None;
    let kept: Vec<&str> = query
        .split(sep)
        .filter(|kv| match kv.split_once('=') {
            Some((k, v)) if k.trim() == name => {
                value = Some(v.trim().to_string());
                false
            }
            _ => true,
        })
        .collect();
    let rest = kept.join(&sep.to_string());
    let out = match (url_form, rest.is_empty()) {
        (true, true) => head,
        (true, false) => format!("{head}?{rest}"),
        (false, _) => rest,
    };
    (out, value)
}

/// tokio-postgres' TLS hook, made of rustls.
#[derive(Clone)]
pub(super) struct MakeRustls(Arc<rustls::ClientConfig>);

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Stream<S>;
    type TlsConnect = Connect;
    type Error = io::Error;

    /// A host that is no DNS name nor address is a Unix socket's
    /// directory: the server never offers TLS there, so no name is needed.
    fn make_tls_connect(&mut self, domain: &str) -> Result<Connect, Self::Error> {
        Ok(Connect {
            config: self.0.clone(),
            name: ServerName::try_from(domain.to_string()).ok(),
        })
    }
}

pub(super) struct Connect {
    config: Arc<rustls::ClientConfig>,
    name: Option<ServerName<'static>>,
}

impl<S> TlsConnect<S> for Connect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Stream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Stream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move {
            let name = self.name.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "TLS needs a host name or address",
                )
            })?;
            Ok(Stream(connector.connect(name, stream).await?))
        })
    }
}

/// A TLS connection to the server. No channel binding: SCRAM then runs
/// without `-PLUS`, which the server accepts.
pub(super) struct Stream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for Stream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Stream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Stream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::take_param;

    #[test]
    fn sslrootcert_is_taken_out_of_either_form() {
        assert_eq!(
            take_param(
                "postgres://u@h/db?sslmode=require&sslrootcert=/ca.pem",
                "sslrootcert"
            ),
            (
                "postgres://u@h/db?sslmode=require".into(),
                Some("/ca.pem".into())
            )
        );
        assert_eq!(
            take_param("postgres://u@h/db?sslrootcert=/ca.pem", "sslrootcert"),
            ("postgres://u@h/db".into(), Some("/ca.pem".into()))
        );
        assert_eq!(
            take_param("host=h sslrootcert=/ca.pem dbname=x", "sslrootcert"),
            ("host=h dbname=x".into(), Some("/ca.pem".into()))
        );
        assert_eq!(
            take_param("postgres://u@h/db", "sslrootcert"),
            ("postgres://u@h/db".into(), None)
        );
    }
}
