//! Percent-encoding (RFC 3986: unreserved characters kept) for the URLs
//! nines builds (API paths and queries, PromQL queries, links in pages)
//! and decoding for the forms it reads: one implementation for all.

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

#[cfg(test)]
mod tests {
    use super::*;

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
