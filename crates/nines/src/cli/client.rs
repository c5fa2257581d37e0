//! The HTTP client CLI commands use to reach a running daemon.

use std::sync::Arc;

use anyhow::{Context, anyhow};
use serde::de::DeserializeOwned;

use crate::cli::ClientArgs;

/// `--server` as a URL: `HOST:PORT` (no scheme) is `http://HOST:PORT`.
pub fn server_url(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("give the daemon's URL, such as http://127.0.0.1:9900".into());
    }
    if t.contains("://") {
        if t.starts_with("http://") || t.starts_with("https://") {
            Ok(t.to_string())
        } else {
            Err(format!("{t:?}: use an http:// or https:// URL"))
        }
    } else {
        Ok(format!("http://{t}"))
    }
}

/// The HTTP client for `args`: https with the system's roots, or only
/// `--ca-file`'s, or (with `--insecure`) none verified.
fn client(args: &ClientArgs) -> anyhow::Result<reqwest::Client> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    crate::daemon::tls::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    match &args.ca_file {
        Some(path) => {
            for cert in CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read the CA file {}", path.display()))?
            {
                let cert =
                    cert.with_context(|| format!("{}: not a PEM certificate", path.display()))?;
                roots
                    .add(cert)
                    .with_context(|| format!("{}: not a usable CA certificate", path.display()))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let mut tls = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    if args.insecure {
        tls.dangerous()
            .set_certificate_verifier(Arc::new(nines_probe::AcceptAny(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))));
    }
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .context("cannot set up the HTTP client")
}

fn url(args: &ClientArgs, path: &str) -> String {
    format!("{}{path}", args.server.trim_end_matches('/'))
}

async fn send(
    args: &ClientArgs,
    req: reqwest::RequestBuilder,
) -> anyhow::Result<reqwest::Response> {
    let req = match &args.token {
        Some(token) => req.bearer_auth(token),
        None => req,
    };
    let resp = req.send().await.map_err(|e| {
        // reqwest's top message hides the TLS cause ("error sending request").
        let mut why = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            why = format!("{why}: {s}");
            source = s.source();
        }
        anyhow!("cannot reach nines at {}: {why}; is `nines serve` running there? (set --server or NINES_SERVER; for https, --ca-file)", args.server)
    })?;
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    let mut msg = format!(
        "{status}: {}",
        body["error"].as_str().unwrap_or("no error message")
    );
    match &body["detail"] {
        serde_json::Value::Array(items) => {
            for item in items {
                msg.push_str("\n  ");
                msg.push_str(
                    &item
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| item.to_string()),
                );
            }
        }
        serde_json::Value::Null => {}
        other => msg.push_str(&format!("\n  {other}")),
    }
    if status == reqwest::StatusCode::UNAUTHORIZED && args.token.is_none() {
        msg.push_str("\nhint: set NINES_TOKEN to a token from `nines token new`");
    }
    Err(anyhow!(msg))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `GET path`, decoded as JSON.
pub fn get<T: DeserializeOwned>(args: &ClientArgs, path: &str) -> anyhow::Result<T> {
    request(args, reqwest::Method::GET, path, None)
}

/// `POST path` with an empty body, decoded as JSON.
pub fn post<T: DeserializeOwned>(args: &ClientArgs, path: &str) -> anyhow::Result<T> {
    request(args, reqwest::Method::POST, path, None)
}

/// `POST path` with a JSON body, decoded as JSON.
pub fn post_json<T: DeserializeOwned>(
    args: &ClientArgs,
    path: &str,
    body: &serde_json::Value,
) -> anyhow::Result<T> {
    request(args, reqwest::Method::POST, path, Some(body))
}

/// `GET path`, as text (calendar feeds).
pub fn get_text(args: &ClientArgs, path: &str) -> anyhow::Result<String> {
    let url = url(args, path);
    runtime()?.block_on(async {
        let resp = send(args, client(args)?.get(&url)).await?;
        resp.text()
            .await
            .with_context(|| format!("unexpected answer from {url}"))
    })
}

fn request<T: DeserializeOwned>(
    args: &ClientArgs,
    method: reqwest::Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> anyhow::Result<T> {
    let url = url(args, path);
    runtime()?.block_on(async {
        let mut req = client(args)?.request(method, &url);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = send(args, req).await?;
        resp.json::<T>()
            .await
            .with_context(|| format!("unexpected answer from {url}"))
    })
}

#[cfg(test)]
mod tests {
    use super::server_url;

    #[test]
    fn a_missing_scheme_is_http() {
        assert_eq!(
            server_url("127.0.0.1:9900").unwrap(),
            "http://127.0.0.1:9900"
        );
        assert_eq!(
            server_url("https://n.example").unwrap(),
            "https://n.example"
        );
        assert!(server_url("ftp://x").unwrap_err().contains("http://"));
    }
}
