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
    run.out.content_length = Some(content_length(status, &response.headers));
    run.out.http_version = Some(version_number(response.version));
    run.out.final_tls = response.https;
    run.out.last_modified = response
        .headers
        .get(hyper::header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .and_then(http_date);
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
    let regex_checks_from = run.out.checks.len();
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
    // As blackbox_exporter: the regexes count only once the status passed.
    run.out.failed_due_to_regex = valid
        && run.out.checks[regex_checks_from..]
            .iter()
            .any(|c| !c.success);
    run.body = Some(response.body.to_vec());
    Ok(())
}

struct Response {
    status: hyper::StatusCode,
    version: hyper::Version,
    /// It came over TLS.
    https: bool,
    headers: hyper::HeaderMap,
    location: Option<String>,
    body: Bytes,
}

/// `Content-Length` as Go's `Response.ContentLength` has it: -1 when the
/// length is unknown (chunked, or read until the connection closes), 0 for
/// statuses that carry no body.
fn content_length(status: u16, headers: &hyper::HeaderMap) -> i64 {
    let chunked = headers
        .get_all(hyper::header::TRANSFER_ENCODING)
        .iter()
        .any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("chunked"))
        });
    if chunked {
        return -1;
    }
    if matches!(status, 100..=199 | 204 | 304) {
        return 0;
    }
    headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

/// `HTTP/1.1` as the number blackbox_exporter's `probe_http_version` gives.
fn version_number(version: hyper::Version) -> f64 {
    match version {
        hyper::Version::HTTP_09 => 0.9,
        hyper::Version::HTTP_10 => 1.0,
        hyper::Version::HTTP_11 => 1.1,
        hyper::Version::HTTP_2 => 2.0,
        hyper::Version::HTTP_3 => 3.0,
        _ => 0.0,
    }
}

/// An HTTP date (`Last-Modified`) as Unix seconds, in the three forms
/// HTTP allows (and Go's `http.ParseTime` reads): IMF-fixdate, RFC 850,
/// asctime.
fn http_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(text) {
        return Some(t.as_second());
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| {
            let tm = jiff::fmt::strtime::parse(format, text).ok()?;
            let dt = tm.to_datetime().ok()?;
            Some(
                dt.to_zoned(jiff::tz::TimeZone::UTC)
                    .ok()?
                    .timestamp()
                    .as_second(),
            )
        })
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
        version: parts.version,
        https,
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
    use super::{content_length, http_date, join};

    #[test]
    fn content_length_as_go_reports_it() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = hyper::HeaderMap::new();
            for (k, v) in pairs {
                h.append(*k, hyper::header::HeaderValue::from_static(v));
            }
            h
        };
        assert_eq!(
            content_length(200, &headers(&[("content-length", "11")])),
            11
        );
        assert_eq!(content_length(200, &headers(&[])), -1);
        assert_eq!(
            content_length(200, &headers(&[("transfer-encoding", "chunked")])),
            -1
        );
        assert_eq!(content_length(204, &headers(&[])), 0);
        assert_eq!(content_length(304, &headers(&[("content-length", "5")])), 0);
    }

    #[test]
    fn http_dates_in_all_three_forms() {
        // 2015-10-21T07:28:00Z
        let at = Some(1_445_412_480);
        assert_eq!(http_date("Wed, 21 Oct 2015 07:28:00 GMT"), at);
        assert_eq!(http_date("Wednesday, 21-Oct-15 07:28:00 GMT"), at);
        assert_eq!(http_date("Wed Oct 21 07:28:00 2015"), at);
        assert_eq!(http_date("yesterday"), None);
    }

    #[test]
    fn joins_locations() {
        let base = "http://a:1/x/y?q".parse().unwrap();
        assert_eq!(join(&base, "/z").unwrap(), "http://a:1/z");
        assert_eq!(join(&base, "z").unwrap(), "http://a:1/x/z");
        assert_eq!(join(&base, "//b/c").unwrap(), "http://b/c");
        assert_eq!(join(&base, "https://c/d").unwrap(), "https://c/d");
    }
}
