//! `http` probes: one request on a fresh connection per hop, timed by phase
//! as blackbox_exporter does, then the status, header and body checks.

use std::sync::Arc;
use std::time::Instant;

use crate::tls::TlsClient;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HOST, LOCATION, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;

use crate::connect::{Io, handshake, open};
use crate::outcome::Phase;
use crate::run::Run;
use crate::spec::HttpCheck;

/// Bodies beyond this are cut off: a probe checks health, not downloads.
pub const MAX_BODY: usize = 10 * 1024 * 1024;
const MAX_REDIRECTS: u32 = 10;

pub(crate) async fn run(
    run: &mut Run,
    check: &HttpCheck,
    tls: Option<&Arc<TlsClient>>,
) -> Result<(), String> {
    let mut uri: Uri = check
        .url
        .parse()
        .map_err(|e| format!("url {:?}: {e}", check.url))?;
    let mut method = Method::from_bytes(check.method.as_bytes())
        .map_err(|_| format!("method {:?} is not an HTTP method", check.method))?;
    let mut body = check.body.clone();
    let response = loop {
        let response = hop(run, check, tls, &uri, &method, body.as_deref()).await?;
        let status = response.status.as_u16();
        let redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
        if !(redirect && check.follow_redirects) {
            break response;
        }
        let Some(location) = response.location.as_deref() else {
            break response;
        };
        if run.out.redirects >= MAX_REDIRECTS {
            return Err(format!("more than {MAX_REDIRECTS} redirects"));
        }
        run.out.redirects += 1;
        uri = join(&uri, location)?;
        // As browsers do: 303 always, and 301/302 after a POST, become GET.
        if status == 303 || (matches!(status, 301 | 302) && method == Method::POST) {
            method = Method::GET;
            body = None;
        }
    };
    let status = response.status.as_u16();
    run.out.status = Some(status);
    run.out.body_len = Some(response.body.len());
    run.out.retry_after = response
        .headers
        .get(hyper::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    run.out.content_type = response
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let valid = check.valid_status.iter().any(|r| r.contains(status));
    let ranges: Vec<String> = check.valid_status.iter().map(|r| r.to_string()).collect();
    run.out.check(
        valid,
        format!(
            "status {status} {} {}",
            if valid { "is in" } else { "is not in" },
            ranges.join(", ")
        ),
    );
    for m in &check.header_matches {
        let value = response
            .headers
            .get(m.name.as_str())
            .and_then(|v| v.to_str().ok());
        let (ok, what) = match (value, m.negate) {
            (None, false) => (false, "is missing".to_string()),
            (None, true) => (true, "is absent".to_string()),
            (Some(v), negate) => {
                let matched = m.pattern.0.is_match(v);
                (
                    matched != negate,
                    format!(
                        "{v:?} {} /{}/",
                        if matched { "matches" } else { "does not match" },
                        m.pattern.0.as_str()
                    ),
                )
            }
        };
        run.out.check(ok, format!("header {} {what}", m.name));
    }
    let text = String::from_utf8_lossy(&response.body);
    for p in &check.body_matches {
        let ok = p.0.is_match(&text);
        run.out.check(
            ok,
            format!(
                "body {} /{}/",
                if ok { "matches" } else { "does not match" },
                p.0.as_str()
            ),
        );
    }
    for p in &check.body_not_matches {
        let matched = p.0.is_match(&text);
        run.out.check(
            !matched,
            format!(
                "body {} /{}/ (must not)",
                if matched { "matches" } else { "does not match" },
                p.0.as_str()
            ),
        );
    }
    run.body = Some(response.body.to_vec());
    Ok(())
}

struct Response {
    status: hyper::StatusCode,
    headers: hyper::HeaderMap,
    location: Option<String>,
    body: Bytes,
}

/// One request on a fresh connection.
async fn hop(
    run: &mut Run,
    check: &HttpCheck,
    tls: Option<&Arc<TlsClient>>,
    uri: &Uri,
    method: &Method,
    body: Option<&str>,
) -> Result<Response, String> {
    let https = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        _ => {
            return Err(format!(
                "{uri}: only http:// and https:// URLs can be probed"
            ));
        }
    };
    let host = uri.host().ok_or_else(|| format!("{uri} has no host"))?;
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let stream = open(run, host, port).await?;
    let io: Box<dyn Io> = if https {
        let config = tls.ok_or("internal: no TLS config for an https URL")?;
        Box::new(handshake(run, stream, config, &check.tls, host).await?)
    } else {
        Box::new(stream)
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    let driver = tokio::spawn(connection);
    let mut request = Request::builder()
        .method(method.clone())
        .uri(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header(HOST, uri.authority().map(|a| a.as_str()).unwrap_or(host))
        .header(
            USER_AGENT,
            concat!("nines-probe/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in &check.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
        .map_err(|e| format!("building the request: {e}"))?;
    run.doing = Some(format!("waiting for the response from {host}"));
    let sent = Instant::now();
    let response = sender.send_request(request).await;
    run.out.add_phase(Phase::Processing, sent.elapsed());
    let response = response.map_err(|e| format!("HTTP request: {e}"))?;
    let (parts, incoming) = response.into_parts();
    run.doing = Some(format!("reading the body from {host}"));
    let reading = Instant::now();
    let collected = Limited::new(incoming, MAX_BODY).collect().await;
    run.out.add_phase(Phase::Transfer, reading.elapsed());
    driver.abort();
    let body = collected
        .map_err(|e| format!("reading the body: {e}"))?
        .to_bytes();
    let location = parts
        .headers
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    Ok(Response {
        status: parts.status,
        headers: parts.headers,
        location,
        body,
    })
}

/// Resolves a `Location` against the URL that answered with it.
fn join(base: &Uri, location: &str) -> Result<Uri, String> {
    let bad = |e: hyper::http::uri::InvalidUri| format!("redirect to {location:?}: {e}");
    if location.contains("://") {
        return location.parse().map_err(bad);
    }
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or_default();
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}").parse().map_err(bad);
    }
    let path = if location.starts_with('/') {
        location.to_string()
    } else {
        let dir = base.path().rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        format!("{dir}/{location}")
    };
    format!("{scheme}://{authority}{path}").parse().map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_locations() {
        let base = "http://a:1/x/y?q".parse().unwrap();
        assert_eq!(join(&base, "/z").unwrap(), "http://a:1/z");
        assert_eq!(join(&base, "z").unwrap(), "http://a:1/x/z");
        assert_eq!(join(&base, "//b/c").unwrap(), "http://b/c");
        assert_eq!(join(&base, "https://c/d").unwrap(), "https://c/d");
    }
}
