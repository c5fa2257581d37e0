//! The check of each probe kind (`http`, `tcp`, `dns`, `tls`,
//! `heartbeat`) and its settings, including the string shorthand of each.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use nines_probe::{
    Check, DnsCheck, HeaderMatch, HeartbeatCheck, HttpCheck, Pattern, RecordType, StatusRange,
    TcpCheck, TcpStep, TlsCheck, TlsOptions,
};

use super::MIN_INTERVAL;
use crate::http::{
    TLS_OPTION_KEYS, read_address, read_headers, read_tls_options, read_url, tls_options_of,
};
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::read::{Ctx, index, join, one_of, suggest};
use crate::yaml::{Kind, Node};

/// `services.<name>.probes[i].http`.
pub(crate) const HTTP: Section = Section {
    path: "services.<name>.probes[i].http",
    keys: &[
        Key {
            name: "url",
            ty: "URL",
            default: REQUIRED,
            doc: "`http://` or `https://` URL with a host",
        },
        Key {
            name: "method",
            ty: "string",
            default: "`GET`",
            doc: "HTTP method, in capitals",
        },
        Key {
            name: "headers",
            ty: "mapping of string to string",
            default: NONE,
            doc: "request headers",
        },
        Key {
            name: "bearer_token",
            ty: "string",
            default: NONE,
            doc: "sent as `Authorization: Bearer <token>`",
        },
        Key {
            name: "basic_auth",
            ty: "mapping `{username, password}`",
            default: NONE,
            doc: "sent as `Authorization: Basic …` ([`basic_auth`](#basic_auth)); not with \
                  `bearer_token`",
        },
        Key {
            name: "body",
            ty: "string",
            default: NONE,
            doc: "request body",
        },
        Key {
            name: "valid_status",
            ty: "sequence",
            default: "`[2xx]`",
            doc: "status codes that count as success: `200`, `\"2xx\"` or `\"200-299\"`",
        },
        Key {
            name: "follow_redirects",
            ty: "`true`/`false`",
            default: "`true`",
            doc: "follow up to 10 redirects, each on a fresh connection",
        },
        Key {
            name: "tls",
            ty: "mapping",
            default: NONE,
            doc: "[TLS options](#tls-options) for `https://`",
        },
        Key {
            name: "body_matches",
            ty: "sequence of regexes",
            default: NONE,
            doc: "each must match the body",
        },
        Key {
            name: "body_not_matches",
            ty: "sequence of regexes",
            default: NONE,
            doc: "none may match the body",
        },
        Key {
            name: "header_matches",
            ty: "sequence of `{name, regex, negate}`",
            default: NONE,
            doc: "the header must be present and match `regex`; with `negate: true` (default \
                  `false`) it must not match (an absent header passes)",
        },
    ],
};

/// `services.<name>.probes[i].http.header_matches[i]`.
pub(crate) const HEADER_MATCH: Section = Section {
    path: "services.<name>.probes[i].http.header_matches[i]",
    keys: &[
        Key {
            name: "name",
            ty: "string",
            default: REQUIRED,
            doc: "header name, any case",
        },
        Key {
            name: "regex",
            ty: "regex",
            default: REQUIRED,
            doc: "what its value must (or must not) match",
        },
        Key {
            name: "negate",
            ty: "`true`/`false`",
            default: "`false`",
            doc: "fail when it matches instead",
        },
    ],
};

/// `services.<name>.probes[i].tcp`.
pub(crate) const TCP: Section = Section {
    path: "services.<name>.probes[i].tcp",
    keys: &[
        Key {
            name: "address",
            ty: "`host:port`",
            default: REQUIRED,
            doc: "where to connect; IPv6 in brackets, `[2001:db8::1]:25`",
        },
        Key {
            name: "tls",
            ty: "`true`/`false`",
            default: "`false`",
            doc: "speak TLS from the first byte (`smtps`, `imaps`)",
        },
        Key {
            name: "tls_options",
            ty: "mapping",
            default: NONE,
            doc: "[TLS options](#tls-options), with `tls: true` or a `starttls` step",
        },
        Key {
            name: "steps",
            ty: "sequence",
            default: NONE,
            doc: "the conversation, in order; each step one of the keys below",
        },
    ],
};

/// `services.<name>.probes[i].tcp.steps[i]`: each has one of the keys.
pub(crate) const TCP_STEP: Section = Section {
    path: "services.<name>.probes[i].tcp.steps[i]",
    keys: &[
        Key {
            name: "send",
            ty: "string",
            default: "—",
            doc: "send this text and `\\r\\n`",
        },
        Key {
            name: "expect",
            ty: "regex",
            default: "—",
            doc: "read lines until one matches",
        },
        Key {
            name: "starttls",
            ty: "`true`",
            default: "—",
            doc: "upgrade the connection to TLS here (once, and not with `tls: true`)",
        },
    ],
};

/// `services.<name>.probes[i].dns`.
pub(crate) const DNS: Section = Section {
    path: "services.<name>.probes[i].dns",
    keys: &[
        Key {
            name: "name",
            ty: "domain name",
            default: REQUIRED,
            doc: "the name to query",
        },
        Key {
            name: "type",
            ty: "record type",
            default: "`A`",
            doc: "`A`, `AAAA`, `CNAME`, `MX`, `NS`, `TXT`, `SOA`, `PTR`, `SRV` or `CAA` (any \
                  case)",
        },
        Key {
            name: "server",
            ty: "`ip` or `ip:port`",
            default: "the first `nameserver` of `/etc/resolv.conf`",
            doc: "the server to ask, over UDP; port 53 when left out; IPv6 as \
                  `[2606:4700:4700::1111]:53`",
        },
        Key {
            name: "valid_rcodes",
            ty: "sequence",
            default: "`[NOERROR]`",
            doc: "response codes that count as success, by name: `NOERROR`, `FORMERR`, \
                  `SERVFAIL`, `NXDOMAIN`, `NOTIMP`, `REFUSED`, …",
        },
        Key {
            name: "answer_matches",
            ty: "sequence of regexes",
            default: NONE,
            doc: "each must match at least one answer record as printed (`shop.example.com. \
                  300 IN A 192.0.2.1`)",
        },
    ],
};

/// `services.<name>.probes[i].tls`: the address and the TLS options.
pub(crate) const TLS: Section = Section {
    path: "services.<name>.probes[i].tls",
    keys: &[
        Key {
            name: "address",
            ty: "`host:port`",
            default: REQUIRED,
            doc: "where to connect",
        },
        TLS_OPTION_KEYS[0],
        TLS_OPTION_KEYS[1],
        TLS_OPTION_KEYS[2],
    ],
};

/// `services.<name>.probes[i].heartbeat`.
pub(crate) const HEARTBEAT: Section = Section {
    path: "services.<name>.probes[i].heartbeat",
    keys: &[
        Key {
            name: "every",
            ty: "duration",
            default: REQUIRED,
            doc: "how often the job runs, and so beats; at least `1s`",
        },
        Key {
            name: "grace",
            ty: "duration",
            default: "`0s`",
            doc: "how late a beat may be before the check fails",
        },
    ],
};

/// The check of kind `kind` (one of `KINDS`).
pub(super) fn read_check(ctx: &mut Ctx<'_>, kind: &str, node: &Node, path: &str) -> Option<Check> {
    match kind {
        "http" => read_http(ctx, node, path).map(Check::Http),
        "tcp" => read_tcp(ctx, node, path).map(Check::Tcp),
        "dns" => read_dns(ctx, node, path).map(Check::Dns),
        "tls" => read_tls(ctx, node, path).map(Check::Tls),
        _ => read_heartbeat(ctx, node, path).map(Check::Heartbeat),
    }
}

/// Is `node` the string shorthand of a kind (`http: https://...`)?
fn is_shorthand(node: &Node) -> bool {
    matches!(node.kind, Kind::Scalar { .. })
}

// === http ===

fn read_http(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<HttpCheck> {
    let mut check = HttpCheck {
        url: String::new(),
        method: "GET".to_string(),
        headers: Vec::new(),
        body: None,
        valid_status: vec![StatusRange::SUCCESS],
        follow_redirects: true,
        tls: TlsOptions::default(),
        body_matches: Vec::new(),
        body_not_matches: Vec::new(),
        header_matches: Vec::new(),
    };
    if is_shorthand(node) {
        check.url = read_url(ctx, node, path)?;
        return Some(check);
    }
    let f = ctx.fields(node, path, &HTTP)?;
    let url = ctx
        .require(&f, path, "url")
        .and_then(|n| read_url(ctx, n, &join(path, "url")));
    let method = f
        .get("method")
        .map(|n| read_method(ctx, n, &join(path, "method")));
    let headers = read_headers(ctx, &f, path);
    let body = ctx.optional_string(f.get("body"), &join(path, "body"));
    let valid_status = f
        .get("valid_status")
        .map(|n| read_statuses(ctx, n, &join(path, "valid_status")));
    let follow = f
        .get("follow_redirects")
        .map(|n| ctx.boolean(n, &join(path, "follow_redirects")));
    let tls = f
        .get("tls")
        .map(|n| read_tls_options(ctx, n, &join(path, "tls")));
    let list = |ctx: &mut Ctx<'_>, key: &str| {
        f.get(key)
            .map(|n| read_patterns(ctx, n, &join(path, key)))
            .unwrap_or(Some(Vec::new()))
    };
    let body_matches = list(ctx, "body_matches");
    let body_not_matches = list(ctx, "body_not_matches");
    let header_matches = match f.get("header_matches") {
        Some(n) => read_header_matches(ctx, n, &join(path, "header_matches")),
        None => Some(Vec::new()),
    };

    check.url = url?;
    check.headers = headers?;
    check.body = body;
    if let Some(m) = method {
        check.method = m?;
    }
    if let Some(v) = valid_status {
        check.valid_status = v?;
    }
    if let Some(b) = follow {
        check.follow_redirects = b?;
    }
    if let Some(t) = tls {
        check.tls = t?;
    }
    check.body_matches = body_matches?;
    check.body_not_matches = body_not_matches?;
    check.header_matches = header_matches?;
    Some(check)
}

fn read_method(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let method = ctx.string(node, path)?;
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !method.is_empty() && method.chars().all(token) {
        if method.bytes().all(|b| !b.is_ascii_lowercase()) {
            return Some(method);
        }
        let msg = format!(
            "write HTTP methods in capitals: `{}`",
            method.to_ascii_uppercase()
        );
        ctx.error(node.line, path, msg);
        return None;
    }
    let msg = format!("`{method}` is not an HTTP method, such as `GET`, `HEAD` or `POST`");
    ctx.error(node.line, path, msg);
    None
}

/// `200`, `2xx` or `200-299`.
fn status_range(text: &str) -> Option<StatusRange> {
    let code = |s: &str| s.parse::<u16>().ok().filter(|c| (100..=599).contains(c));
    let lower = text.to_ascii_lowercase();
    if let Some(class) = lower.strip_suffix("xx") {
        let hundreds = class.parse::<u16>().ok().filter(|c| (1..=5).contains(c))?;
        return Some(StatusRange {
            from: hundreds * 100,
            to: hundreds * 100 + 99,
        });
    }
    if let Some((from, to)) = text.split_once('-') {
        let (from, to) = (code(from.trim())?, code(to.trim())?);
        return (from <= to).then_some(StatusRange { from, to });
    }
    code(text).map(|c| StatusRange { from: c, to: c })
}

fn read_statuses(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<StatusRange>> {
    let items = ctx.seq(node, path)?;
    if items.is_empty() {
        let msg = "no status is valid; list at least one, or leave `valid_status` out for 2xx";
        ctx.error(node.line, path, msg);
        return None;
    }
    let mut out = Some(Vec::new());
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let range = ctx.string(item, &field).and_then(|text| {
            let range = status_range(text.trim());
            if range.is_none() {
                let backwards = text
                    .split_once('-')
                    .and_then(|(a, b)| status_range(&format!("{}-{}", b.trim(), a.trim())));
                let msg = match backwards {
                    Some(r) => format!("`{text}` runs backwards; write `{}-{}`", r.from, r.to),
                    None => format!(
                        "`{text}` is not a status code from 100 to 599: give `200`, `2xx` or \
                         `200-299`"
                    ),
                };
                ctx.error(item.line, &field, msg);
            }
            range
        });
        match (range, out.as_mut()) {
            (Some(r), Some(v)) => v.push(r),
            _ => out = None,
        }
    }
    out
}

fn read_header_matches(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<HeaderMatch>> {
    let items = ctx.seq(node, path)?;
    let read = |ctx: &mut Ctx<'_>, item: &Node, path: &str| -> Option<HeaderMatch> {
        let f = ctx.fields(item, path, &HEADER_MATCH)?;
        let name = ctx.require(&f, path, "name").and_then(|n| {
            let field = join(path, "name");
            let name = ctx.string(n, &field)?;
            let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if name.is_empty() || !name.chars().all(token) {
                let msg =
                    format!("`{name}` is not an HTTP header name: use letters, digits and `-`");
                ctx.error(n.line, &field, msg);
                return None;
            }
            Some(name)
        });
        let pattern = ctx
            .require(&f, path, "regex")
            .and_then(|n| read_pattern(ctx, n, &join(path, "regex")));
        let negate = match f.get("negate") {
            Some(n) => ctx.boolean(n, &join(path, "negate")),
            None => Some(false),
        };
        Some(HeaderMatch {
            name: name?,
            pattern: pattern?,
            negate: negate?,
        })
    };
    let all: Vec<Option<HeaderMatch>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| read(ctx, item, &index(path, i)))
        .collect();
    all.into_iter().collect()
}

// === regexes ===

/// A regex, compiled; the error says where it is malformed.
fn read_pattern(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Pattern> {
    let source = ctx.string(node, path)?;
    match Pattern::new(&source) {
        Ok(p) => Some(p),
        Err(e) => {
            let msg = format!(
                "`{source}` is not a valid regex: {}",
                regex_message(&e.to_string())
            );
            ctx.error(node.line, path, msg);
            None
        }
    }
}

fn read_patterns(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<Pattern>> {
    let items = ctx.seq(node, path)?;
    let all: Vec<Option<Pattern>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_pattern(ctx, item, &index(path, i)))
        .collect();
    all.into_iter().collect()
}

/// The regex crate's multi-line syntax error (pattern, caret line,
/// `error: ...`) as one line: `column 4: unclosed group`.
fn regex_message(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(error) = lines.iter().rev().find_map(|l| l.strip_prefix("error: ")) else {
        return text.trim().to_string();
    };
    // The pattern and the caret under it are indented by four spaces.
    let caret = lines.iter().find_map(|l| {
        let t = l.trim_start();
        (t.starts_with('^') && t.chars().all(|c| c == '^')).then(|| l.len() - t.len())
    });
    match caret {
        Some(at) if lines.len() == 4 && at >= 4 => format!("column {}: {error}", at - 3),
        _ => error.to_string(),
    }
}

// === tcp ===

fn read_tcp(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<TcpCheck> {
    if is_shorthand(node) {
        return Some(TcpCheck {
            address: read_address(ctx, node, path)?,
            tls: false,
            tls_options: TlsOptions::default(),
            steps: Vec::new(),
        });
    }
    let f = ctx.fields(node, path, &TCP)?;
    let address = ctx
        .require(&f, path, "address")
        .and_then(|n| read_address(ctx, n, &join(path, "address")));
    let tls = match f.get("tls") {
        Some(n) if matches!(n.kind, Kind::Map(_)) => {
            let msg = "`tls` is `true` (TLS from the first byte) or `false`; TLS settings go \
                       under `tls_options`";
            ctx.error(n.line, &join(path, "tls"), msg);
            None
        }
        Some(n) => ctx.boolean(n, &join(path, "tls")),
        None => Some(false),
    };
    let options = match f.get("tls_options") {
        Some(n) => read_tls_options(ctx, n, &join(path, "tls_options")),
        None => Some(TlsOptions::default()),
    };
    let steps = match f.get("steps") {
        Some(n) => read_steps(ctx, n, &join(path, "steps"), tls),
        None => Some(Vec::new()),
    };
    let (address, tls, tls_options, steps) = (address?, tls?, options?, steps?);
    if let Some(n) = f.get("tls_options")
        && !tls
        && !steps.contains(&TcpStep::StartTls)
    {
        let msg = "`tls_options` apply only with `tls: true` or a `starttls` step";
        ctx.error(n.line, &join(path, "tls_options"), msg);
        return None;
    }
    Some(TcpCheck {
        address,
        tls,
        tls_options,
        steps,
    })
}

/// The steps of a TCP conversation; `tls` is the check's `tls`, when
/// valid.
fn read_steps(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    tls: Option<bool>,
) -> Option<Vec<TcpStep>> {
    let items = ctx.seq(node, path)?;
    let mut out = Some(Vec::new());
    let mut starttls_line: Option<usize> = None;
    for (i, item) in items.iter().enumerate() {
        let step = read_step(ctx, item, &index(path, i), tls, &mut starttls_line);
        match (step, out.as_mut()) {
            (Some(s), Some(v)) => v.push(s),
            _ => out = None,
        }
    }
    out
}

/// One step: `send`, `expect` or `starttls`. `starttls_line` is where an
/// earlier step upgraded the connection, if one did.
fn read_step(
    ctx: &mut Ctx<'_>,
    item: &Node,
    path: &str,
    tls: Option<bool>,
    starttls_line: &mut Option<usize>,
) -> Option<TcpStep> {
    let f = ctx.fields(item, path, &TCP_STEP)?;
    let steps = TCP_STEP.names();
    let given: Vec<(&str, &Node)> = steps
        .iter()
        .filter_map(|&k| f.get(k).map(|n| (k, n)))
        .collect();
    let [(key, n)] = given.as_slice() else {
        let msg = format!("give one action per step: {}", one_of(&steps));
        ctx.error(item.line, path, msg);
        return None;
    };
    let field = join(path, key);
    match *key {
        "send" => ctx.string(n, &field).map(TcpStep::Send),
        "expect" => read_pattern(ctx, n, &field).map(TcpStep::Expect),
        _ => {
            if !ctx.boolean(n, &field)? {
                let msg = "`starttls: false` does nothing; remove the step";
                ctx.error(n.line, &field, msg);
                return None;
            }
            if tls == Some(true) {
                let msg = "the connection is TLS from the start (`tls: true`); STARTTLS \
                           upgrades a plain one: remove one of them";
                ctx.error(n.line, &field, msg);
                return None;
            }
            if let Some(first) = starttls_line {
                let msg = format!("the connection is upgraded already at line {first}");
                ctx.error(n.line, &field, msg);
                return None;
            }
            *starttls_line = Some(n.line);
            Some(TcpStep::StartTls)
        }
    }
}

// === dns ===

fn read_dns(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<DnsCheck> {
    let mut check = DnsCheck {
        name: String::new(),
        record_type: RecordType::A,
        server: None,
        valid_rcodes: vec![0],
        answer_matches: Vec::new(),
    };
    if is_shorthand(node) {
        check.name = read_domain(ctx, node, path)?;
        return Some(check);
    }
    let f = ctx.fields(node, path, &DNS)?;
    let name = ctx
        .require(&f, path, "name")
        .and_then(|n| read_domain(ctx, n, &join(path, "name")));
    let record_type = match f.get("type") {
        Some(n) => read_record_type(ctx, n, &join(path, "type")),
        None => Some(RecordType::A),
    };
    let server = match f.get("server") {
        Some(n) => read_server(ctx, n, &join(path, "server")).map(Some),
        None => Some(None),
    };
    let rcodes = match f.get("valid_rcodes") {
        Some(n) => read_rcodes(ctx, n, &join(path, "valid_rcodes")),
        None => Some(vec![0]),
    };
    let answers = match f.get("answer_matches") {
        Some(n) => read_patterns(ctx, n, &join(path, "answer_matches")),
        None => Some(Vec::new()),
    };
    check.name = name?;
    check.record_type = record_type?;
    check.server = server?;
    check.valid_rcodes = rcodes?;
    check.answer_matches = answers?;
    Some(check)
}

fn read_domain(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let name = ctx.string(node, path)?;
    let labels_ok = name
        .trim_end_matches('.')
        .split('.')
        .all(|l| !l.is_empty() && l.len() <= 63);
    if name.is_empty() || name.len() > 253 || !labels_ok || name.chars().any(char::is_whitespace) {
        let msg = format!("`{name}` is not a domain name, such as `shop.example.com`");
        ctx.error(node.line, path, msg);
        return None;
    }
    Some(name)
}

fn read_record_type(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<RecordType> {
    let text = ctx.string(node, path)?;
    if let Some(t) = RecordType::from_name(&text) {
        return Some(t);
    }
    let names: Vec<&str> = RecordType::ALL.iter().map(|t| t.name()).collect();
    let msg = match suggest(&text.to_ascii_uppercase(), &names) {
        Some(close) => {
            format!("`{text}` is not a record type nines asks for; did you mean `{close}`?")
        }
        None => format!(
            "`{text}` is not a record type nines asks for: {}",
            one_of(&names)
        ),
    };
    ctx.error(node.line, path, msg);
    None
}

/// `ip` or `ip:port` (`[v6]:port`); port 53 when not given.
fn read_server(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<SocketAddr> {
    let text = ctx.string(node, path)?;
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    if let Ok(ip) = text
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Some(SocketAddr::new(ip, 53));
    }
    let msg = format!(
        "`{text}` is not an IP address: give `ip` or `ip:port`, such as `1.1.1.1` or \
         `[2606:4700:4700::1111]:53`; leave `server` out for the system's resolver"
    );
    ctx.error(node.line, path, msg);
    None
}

fn read_rcodes(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<u16>> {
    let items = ctx.seq(node, path)?;
    if items.is_empty() {
        let msg = "no response code is valid; list at least one, or leave `valid_rcodes` out \
                   for NOERROR";
        ctx.error(node.line, path, msg);
        return None;
    }
    // The codes that have names: 0–10 and 16–23.
    let known: Vec<(u16, String)> = (0..=23)
        .map(|c| (c, nines_condition::dns_rcode_name(c).into_owned()))
        .filter(|(_, n)| !n.starts_with("RCODE"))
        .collect();
    let names: Vec<&str> = known.iter().map(|(_, n)| n.as_str()).collect();
    let mut out = Some(Vec::new());
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let code = ctx.string(item, &field).and_then(|text| {
            let upper = text.to_ascii_uppercase();
            if let Some((code, _)) = known.iter().find(|(_, n)| *n == upper) {
                return Some(*code);
            }
            let msg = match suggest(&upper, &names) {
                Some(close) => {
                    format!("`{text}` is not a DNS response code; did you mean `{close}`?")
                }
                None => {
                    format!("`{text}` is not a DNS response code, such as `NOERROR` or `NXDOMAIN`")
                }
            };
            ctx.error(item.line, &field, msg);
            None
        });
        match (code, out.as_mut()) {
            (Some(c), Some(v)) if !v.contains(&c) => v.push(c),
            (Some(_), Some(_)) => {}
            _ => out = None,
        }
    }
    out
}

// === tls, heartbeat ===

fn read_tls(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<TlsCheck> {
    if is_shorthand(node) {
        return Some(TlsCheck {
            address: read_address(ctx, node, path)?,
            tls: TlsOptions::default(),
        });
    }
    let f = ctx.fields(node, path, &TLS)?;
    let address = ctx
        .require(&f, path, "address")
        .and_then(|n| read_address(ctx, n, &join(path, "address")));
    let tls = tls_options_of(ctx, &f, path);
    Some(TlsCheck {
        address: address?,
        tls: tls?,
    })
}

fn read_heartbeat(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<HeartbeatCheck> {
    if is_shorthand(node) {
        return Some(HeartbeatCheck {
            every: ctx.duration(node, path, MIN_INTERVAL)?,
            grace: Duration::ZERO,
        });
    }
    let f = ctx.fields(node, path, &HEARTBEAT)?;
    let every = ctx
        .require(&f, path, "every")
        .and_then(|n| ctx.duration(n, &join(path, "every"), MIN_INTERVAL));
    let grace = match f.get("grace") {
        Some(n) => ctx.duration(n, &join(path, "grace"), Duration::ZERO),
        None => Some(Duration::ZERO),
    };
    Some(HeartbeatCheck {
        every: every?,
        grace: grace?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ranges() {
        let r = |from, to| Some(StatusRange { from, to });
        assert_eq!(status_range("200"), r(200, 200));
        assert_eq!(status_range("2xx"), r(200, 299));
        assert_eq!(status_range("5XX"), r(500, 599));
        assert_eq!(status_range("200-204"), r(200, 204));
        for bad in [
            "", "99", "600", "6xx", "0xx", "204-200", "2x", "abc", "200-", "-1",
        ] {
            assert_eq!(status_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn regex_errors_fit_on_one_line() {
        let e = Pattern::new("ab(c").unwrap_err().to_string();
        assert_eq!(regex_message(&e), "column 3: unclosed group");
        let e = Pattern::new("a{2,1}").unwrap_err().to_string();
        assert!(!regex_message(&e).contains('\n'), "{e}");
    }
}
