//! Settings shared by everything nines sends an HTTP request or opens a TLS
//! connection for (probes, scrapes, PromQL queries): URLs, headers with
//! their `bearer_token`/`basic_auth` shorthands, and TLS options.

use std::path::{Path, PathBuf};

use nines_probe::TlsOptions;

use crate::keys::{Key, REQUIRED, Section};
use crate::read::{Ctx, Fields, join};
use crate::yaml::{Kind, Node};

/// The TLS options, also beside `address` in a `tls` probe.
pub(crate) const TLS_OPTION_KEYS: [Key; 3] = [
    Key {
        name: "insecure_skip_verify",
        ty: "`true`/`false`",
        default: "`false`",
        doc: "accept any certificate (expiry is still reported); not with `ca_file`",
    },
    Key {
        name: "ca_file",
        ty: "path",
        default: "the system's CAs",
        doc: "PEM file of the CA certificates to trust instead; a self-signed server \
              certificate listed here is trusted as it is (as Go and blackbox_exporter trust \
              it); a relative path is read from the config file's directory",
    },
    Key {
        name: "server_name",
        ty: "host name",
        default: "the target's host",
        doc: "the name sent (SNI) and verified",
    },
];

/// `tls` of `http` probes and `scrape` entries, `tls_options` of `tcp`
/// probes.
pub(crate) const TLS_OPTIONS: Section = Section {
    path: "TLS options",
    keys: &TLS_OPTION_KEYS,
};

/// `basic_auth` of `http` probes, `scrape` entries and `promql` SLIs.
pub(crate) const BASIC_AUTH: Section = Section {
    path: "basic_auth",
    keys: &[
        Key {
            name: "username",
            ty: "string",
            default: REQUIRED,
            doc: "the user name; without `:`",
        },
        Key {
            name: "password",
            ty: "string",
            default: REQUIRED,
            doc: "the password; take it from the environment (`\"${CART_PASSWORD}\"`)",
        },
    ],
};

/// Why `url` is not an `http://` or `https://` URL with a host, if it is
/// not.
pub(crate) fn url_problem(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else if url.contains("://") {
        return Some(format!("`{url}` is not an http:// or https:// URL"));
    } else {
        return Some(format!(
            "`{url}` is not a URL: add the scheme, `http://{url}` or `https://{url}`"
        ));
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "`{url}` holds a space or control character; escape it (`%20`)"
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.strip_prefix('[') {
        // `[v6]` or `[v6]:port`.
        Some(v6) => match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => ("", None),
        },
        None => match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        },
    };
    if host.is_empty() {
        return Some(format!("`{url}` has no host"));
    }
    if let Some(p) = port
        && p.parse::<u16>().is_err()
    {
        return Some(format!("`{url}`: `{p}` is not a port number (0 to 65535)"));
    }
    None
}

/// An `http://` or `https://` URL with a host.
pub(crate) fn read_url(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let url = ctx.string(node, path)?;
    match url_problem(&url) {
        None => Some(url),
        Some(msg) => {
            ctx.error(node.line, path, msg);
            None
        }
    }
}

/// `host:port`, such as `shop.example.com:443` or `[2001:db8::1]:25`.
pub(crate) fn read_address(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let address = ctx.string(node, path)?;
    let problem = match address.rsplit_once(':') {
        _ if address.contains("://") => Some(match address_of_url(&address) {
            Some(a) => format!("`{address}` is a URL; give `host:port`: `{a}`"),
            None => {
                format!("`{address}` is a URL; give `host:port`, such as `shop.example.com:443`")
            }
        }),
        None => Some(format!(
            "`{address}` has no port; give `host:port`, such as `{address}:443`"
        )),
        Some((_, port)) if port.parse::<u16>().map_or(true, |p| p == 0) => Some(format!(
            "`{address}`: `{port}` is not a port number (1 to 65535)"
        )),
        Some((host, _))
            if host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .is_empty() =>
        {
            Some(format!("`{address}` has no host"))
        }
        Some((host, _)) if host.contains(':') && !host.starts_with('[') => Some(format!(
            "`{address}`: write an IPv6 address in brackets, such as `[2001:db8::1]:443`"
        )),
        Some(_) if address.chars().any(char::is_whitespace) => {
            Some(format!("`{address}` holds a space"))
        }
        Some(_) => None,
    };
    match problem {
        None => Some(address),
        Some(msg) => {
            ctx.error(node.line, path, msg);
            None
        }
    }
}

/// `host:port` of a URL, the port from its scheme when not given:
/// `https://shop/x` is `shop:443`.
fn address_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return None;
    }
    let has_port = match host_port.rsplit_once(':') {
        Some((h, _)) => !h.contains(':') || h.ends_with(']'),
        None => false,
    };
    if has_port {
        return Some(host_port.to_string());
    }
    let port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    Some(format!("{host_port}:{port}"))
}

/// Is `name` an HTTP header name (an RFC 9110 token)?
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `headers`, `bearer_token` and `basic_auth` of `f`: the headers to send,
/// the latter two as an `Authorization` header.
pub(crate) fn read_headers(
    ctx: &mut Ctx<'_>,
    f: &Fields<'_>,
    path: &str,
) -> Option<Vec<(String, String)>> {
    let mut ok = true;
    let mut headers = Vec::new();
    if let Some(node) = f.get("headers") {
        let hpath = join(path, "headers");
        for e in ctx.entries(node, &hpath).unwrap_or_else(|| {
            ok = false;
            Vec::new()
        }) {
            let field = join(&hpath, e.key);
            if !is_header_name(e.key) {
                let msg = format!(
                    "`{}` is not an HTTP header name: use letters, digits and `-`",
                    e.key
                );
                ctx.error(e.key_line, &field, msg);
                ok = false;
            }
            match ctx.string(e.value, &field) {
                Some(v) if v.chars().any(|c| c.is_control() && c != '\t') => {
                    let msg = "a header value cannot hold a line break or control character";
                    ctx.error(e.value.line, &field, msg);
                    ok = false;
                }
                Some(v) => headers.push((e.key.to_string(), v)),
                None => ok = false,
            }
        }
    }
    let given = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(k, _)| k.clone());
    let auth = match (f.get_shared("bearer_token"), f.get_shared("basic_auth")) {
        (Some(_), Some(b)) => {
            let msg = "give either `bearer_token` or `basic_auth`, not both";
            ctx.error(b.line, &join(path, "basic_auth"), msg);
            ok = false;
            None
        }
        (Some(n), None) => {
            let field = join(path, "bearer_token");
            match ctx.string(n, &field) {
                Some(t)
                    if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                {
                    ctx.error(
                        n.line,
                        &field,
                        "a bearer token is one word, without spaces or line breaks",
                    );
                    ok = false;
                    None
                }
                Some(t) => Some((n.line, "bearer_token", format!("Bearer {t}"))),
                None => {
                    ok = false;
                    None
                }
            }
        }
        (None, Some(n)) => match read_basic_auth(ctx, n, &join(path, "basic_auth")) {
            Some(v) => Some((n.line, "basic_auth", v)),
            None => {
                ok = false;
                None
            }
        },
        (None, None) => None,
    };
    if let Some((line, key, value)) = auth {
        match given {
            Some(header) => {
                let msg = format!(
                    "`{key}` sets the `Authorization` header, and `headers` gives `{header}` too; keep one"
                );
                ctx.error(line, &join(path, key), msg);
                ok = false;
            }
            None => headers.push(("Authorization".to_string(), value)),
        }
    }
    ok.then_some(headers)
}

/// `basic_auth: {username, password}` as an `Authorization` header value.
fn read_basic_auth(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let f = ctx.fields(node, path, &BASIC_AUTH)?;
    let user = ctx.require(&f, path, "username").and_then(|n| {
        let field = join(path, "username");
        let user = ctx.string(n, &field)?;
        if user.contains(':') {
            ctx.error(n.line, &field, "a basic-auth username cannot hold `:`");
            return None;
        }
        Some(user)
    });
    let password = ctx
        .require(&f, path, "password")
        .and_then(|n| ctx.string(n, &join(path, "password")));
    let (user, password) = (user?, password?);
    Some(format!(
        "Basic {}",
        base64(format!("{user}:{password}").as_bytes())
    ))
}

/// `tls: {insecure_skip_verify, ca_file, server_name}`. A relative
/// `ca_file` is read from the config file's directory.
pub(crate) fn read_tls_options(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<TlsOptions> {
    let f = ctx.fields(node, path, &TLS_OPTIONS)?;
    tls_options_of(ctx, &f, path)
}

/// The TLS option keys of a mapping that holds them among others (the
/// `tls` probe).
pub(crate) fn tls_options_of(ctx: &mut Ctx<'_>, f: &Fields<'_>, path: &str) -> Option<TlsOptions> {
    let insecure = match f.get("insecure_skip_verify") {
        Some(n) => ctx.boolean(n, &join(path, "insecure_skip_verify")),
        None => Some(false),
    };
    let ca_file = f.get("ca_file").and_then(|n| {
        let field = join(path, "ca_file");
        let file = ctx.string(n, &field)?;
        if file.is_empty() {
            ctx.error(
                n.line,
                &field,
                "no file given; remove `ca_file` to trust the system's CAs",
            );
            return None;
        }
        Some(relative_to_config(ctx.file, Path::new(&file)))
    });
    if let (Some(true), Some(_)) = (insecure, &ca_file) {
        let line = f.line_of("insecure_skip_verify").unwrap_or(f.line);
        let msg = "`insecure_skip_verify: true` ignores `ca_file`; remove one of them";
        ctx.error(line, &join(path, "insecure_skip_verify"), msg);
        return None;
    }
    let server_name = f.get("server_name").and_then(|n| {
        let field = join(path, "server_name");
        let name = ctx.string(n, &field)?;
        if name.is_empty()
            || name
                .chars()
                .any(|c| c.is_whitespace() || c == '/' || c == ':')
        {
            let msg = format!("`{name}` is not a host name, such as `shop.example.com`");
            ctx.error(n.line, &field, msg);
            return None;
        }
        Some(name)
    });
    let failed = |key: &str| f.get(key).is_some_and(|n| n.kind != Kind::Null);
    if (failed("ca_file") && ca_file.is_none()) || (failed("server_name") && server_name.is_none())
    {
        return None;
    }
    Some(TlsOptions {
        insecure_skip_verify: insecure?,
        ca_file,
        server_name,
    })
}

/// `file` as written when absolute, else joined to the config file's
/// directory, so a config directory carries its CA files along.
fn relative_to_config(config_file: &Path, file: &Path) -> PathBuf {
    match config_file.parent() {
        Some(dir) if file.is_relative() => dir.join(file),
        _ => file.to_path_buf(),
    }
}

/// Standard base64 with padding (RFC 4648 §4), for `basic_auth`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        for ok in [
            "http://shop",
            "https://shop.example.com:8443/metrics?x=1",
            "HTTP://a/",
            "http://user:pw@a:80",
            "http://[::1]:9090/api",
        ] {
            assert_eq!(url_problem(ok), None, "{ok}");
        }
        for bad in [
            "shop:8080/metrics",
            "ftp://a",
            "http://",
            "http:///x",
            "http://a:port/",
            "http://a b/",
            "http://[::1",
        ] {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn urls_given_for_addresses_suggest_the_address() {
        assert_eq!(
            address_of_url("https://shop/x").as_deref(),
            Some("shop:443")
        );
        assert_eq!(address_of_url("http://shop").as_deref(), Some("shop:80"));
        assert_eq!(address_of_url("tcp://shop:25").as_deref(), Some("shop:25"));
        assert_eq!(
            address_of_url("https://[::1]:8443/").as_deref(),
            Some("[::1]:8443")
        );
        assert_eq!(
            address_of_url("https://[::1]/").as_deref(),
            Some("[::1]:443")
        );
        assert_eq!(address_of_url("smtp://mail"), None);
    }

    #[test]
    fn relative_ca_files_follow_the_config() {
        let at = |c: &str, f: &str| relative_to_config(Path::new(c), Path::new(f));
        assert_eq!(at("conf/a.yaml", "ca.pem"), Path::new("conf/ca.pem"));
        assert_eq!(at("nines.yaml", "ca.pem"), Path::new("ca.pem"));
        assert_eq!(at("conf/a.yaml", "/etc/ca.pem"), Path::new("/etc/ca.pem"));
    }
}
