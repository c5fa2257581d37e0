//! Percent-encoding (RFC 3986: unreserved characters kept) for the URLs
//! nines builds (API paths and queries, PromQL queries, links in pages)
//! and decoding for the forms it reads: one implementation for all. And
//! [`redact`], which every URL shown to a reader or written to a log
//! passes through.

/// Percent-encodes a path segment or query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes an `application/x-www-form-urlencoded` value: `+` is a space,
/// `%XX` a byte; a `%` not followed by two hex digits stays as it is.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `?a=1&b=2` from the pairs that have a value; empty when none has.
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// `text` with the password of every URL in it masked:
/// `https://user:s3cret@host/` becomes `https://user:***@host/`, also
/// inside error messages that quote a URL. Probe, scrape and PromQL URLs
/// may carry credentials in their userinfo, and readers of the API, the UI
/// and the logs must not learn them (issue 17).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the path, query, fragment or the end of
        // the quoted URL.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str("***"),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            redact("https://bob:s3cret@prom.example:9090/api?q=1"),
            "https://bob:***@prom.example:9090/api?q=1"
        );
        assert_eq!(
            redact("GET http://tok3n@h/x failed; see https://a:b:c@h2"),
            "GET http://***@h/x failed; see https://a:***@h2"
        );
        assert_eq!(redact("http://h/a@b"), "http://h/a@b");
        assert_eq!(redact("no url: a@b"), "no url: a@b");
        assert_eq!(redact("http://p%40ss:x@h"), "http://p%40ss:***@h");
    }

    proptest::proptest! {
        #[test]
        fn a_password_never_survives(
            user in "[a-z]{0,8}",
            pass in "[A-Za-z0-9%!$]{1,16}",
            host in "[a-z]{1,8}(\\.[a-z]{2,4})?(:[0-9]{1,5})?",
            path in "(/[a-z@:]{0,8}){0,3}",
            before in "[ a-z:]{0,10}",
        ) {
            let url = format!("{before}https://{user}:{pass}@{host}{path}");
            let shown = redact(&url);
            let expected = format!("https://{user}:***@{host}");
            proptest::prop_assert!(shown.contains(&expected), "{}", shown);
            proptest::prop_assert!(shown.ends_with(&format!("{host}{path}")), "{}", shown);
        }
    }

    #[test]
    fn encodes_queries_and_decodes_forms() {
        assert_eq!(
            encode(r#"sum(x{a="b"}[1m])"#),
            "sum%28x%7Ba%3D%22b%22%7D%5B1m%5D%29"
        );
        assert_eq!(encode("é ~"), "%C3%A9%20~");
        assert_eq!(decode("12.ab%2Bc+d"), "12.ab+c d");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("é%é"), "é%é");
        assert_eq!(decode(&encode("a/b?c=d&é")), "a/b?c=d&é");
        assert_eq!(query(&[("from", Some("a b")), ("to", None)]), "?from=a%20b");
        assert_eq!(query(&[("to", None)]), "");
    }
}
