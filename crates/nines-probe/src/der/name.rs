//! An X.509 name written as Go's `pkix.Name.String()` writes it, because
//! blackbox_exporter labels `probe_ssl_last_chain_info` with that text and
//! dashboards and alerts match on it: the well-known attributes regrouped
//! in Go's order (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER),
//! other attributes before them as `OID=#hex`, all printed last to first.

use std::fmt::Write as _;

use super::{OID, SEQUENCE, SET, tlv};

/// One attribute: its OID (DER contents), the value's tag and contents.
struct Attribute<'a> {
    oid: &'a [u8],
    tag: u8,
    value: &'a [u8],
}

/// The well-known attribute `2.5.4.n` of `oid`, if it is one Go parses
/// into a field of `pkix.Name`.
fn known(oid: &[u8]) -> Option<u8> {
    match oid {
        [0x55, 0x04, n @ (3 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 17)] => Some(*n),
        _ => None,
    }
}

/// Go's short names, in the order `ToRDNSequence` appends them.
const ORDER: [(u8, &str); 9] = [
    (6, "C"),
    (8, "ST"),
    (7, "L"),
    (9, "STREET"),
    (17, "POSTALCODE"),
    (10, "O"),
    (11, "OU"),
    (3, "CN"),
    (5, "SERIALNUMBER"),
];

/// The value of a string-typed attribute, as Go decodes it; `None` for
/// other types (Go leaves those out of the known fields).
fn text(tag: u8, value: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, NumericString, PrintableString, T61String, IA5String.
        0x0c | 0x12 | 0x13 | 0x14 | 0x16 => Some(String::from_utf8_lossy(value).into_owned()),
        // BMPString: UTF-16 big-endian.
        0x1e => {
            let units: Vec<u16> = value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// Parses the RDNs of a name (the SEQUENCE's contents), in order.
fn attributes(mut name: &[u8]) -> Vec<Attribute<'_>> {
    let mut out = Vec::new();
    while let Some((tag, mut set, rest)) = tlv(name) {
        name = rest;
        if tag != SET {
            continue;
        }
        while let Some((tag, atv, rest)) = tlv(set) {
            set = rest;
            if tag != SEQUENCE {
                continue;
            }
            let Some((OID, oid, value)) = tlv(atv) else {
                continue;
            };
            let Some((tag, value, _)) = tlv(value) else {
                continue;
            };
            out.push(Attribute { oid, tag, value });
        }
    }
    out
}

/// `CN=leaf,O=Acme,C=DE` for the name whose DER contents are `name`.
pub fn go_string(name: &[u8]) -> String {
    let attrs = attributes(name);
    // Each RDN: a list of (type, printed value) joined by `+`.
    let mut rdns: Vec<Vec<String>> = Vec::new();
    // Attributes Go keeps no field for come first, each its own RDN.
    for a in attrs.iter().filter(|a| known(a.oid).is_none()) {
        rdns.push(vec![format!("{}=#{}", dotted(a.oid), remarshal(a))]);
    }
    for (n, short) in ORDER {
        let values: Vec<String> = attrs
            .iter()
            .filter(|a| known(a.oid) == Some(n))
            .filter_map(|a| text(a.tag, a.value))
            .collect();
        // CommonName and SerialNumber are single fields: the last wins.
        let values = match n {
            3 | 5 => values.into_iter().last().into_iter().collect(),
            _ => values,
        };
        let values: Vec<String> = values
            .into_iter()
            .filter(|v| !(matches!(n, 3 | 5) && v.is_empty()))
            .map(|v| format!("{short}={}", escape(&v)))
            .collect();
        if !values.is_empty() {
            rdns.push(values);
        }
    }
    let printed: Vec<String> = rdns.iter().rev().map(|rdn| rdn.join("+")).collect();
    printed.join(",")
}

/// Go's escaping of a value: `,+"\<>;` always, a space first or last, a
/// `#` first.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.len().saturating_sub(1);
    for (i, c) in value.char_indices() {
        let special = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => i == 0 || i == last,
            '#' => i == 0,
            _ => false,
        };
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The value as Go re-encodes it for `#hex`: a string becomes a
/// PrintableString when its characters allow, else a UTF8String; any
/// other value keeps its encoding.
fn remarshal(a: &Attribute<'_>) -> String {
    let (tag, bytes) = match text(a.tag, a.value) {
        Some(s) => {
            let printable = s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
            (if printable { 0x13 } else { 0x0c }, s.into_bytes())
        }
        None => (a.tag, a.value.to_vec()),
    };
    let mut der = vec![tag];
    let len = bytes.len();
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        der.push(0x80 | (be.len() - skip) as u8);
        der.extend_from_slice(&be[skip..]);
    }
    der.extend_from_slice(&bytes);
    hex(&der)
}

/// Lower-case hex, as Go's `hex.EncodeToString`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// An OID's contents in dotted form (`1.2.840.113549.1.9.1`).
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for &b in oid {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    let arcs: Vec<String> = arcs.iter().map(u64::to_string).collect();
    arcs.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name's DER contents from (OID contents, tag, value) RDNs.
    fn name(rdns: &[&[(&[u8], u8, &str)]]) -> Vec<u8> {
        fn wrap(tag: u8, contents: &[u8]) -> Vec<u8> {
            assert!(contents.len() < 0x80);
            let mut v = vec![tag, contents.len() as u8];
            v.extend_from_slice(contents);
            v
        }
        let mut out = Vec::new();
        for rdn in rdns {
            let mut set = Vec::new();
            for (oid, tag, value) in *rdn {
                let mut atv = wrap(OID, oid);
                atv.extend(wrap(*tag, value.as_bytes()));
                set.extend(wrap(SEQUENCE, &atv));
            }
            out.extend(wrap(SET, &set));
        }
        out
    }

    const C: &[u8] = &[0x55, 4, 6];
    const O: &[u8] = &[0x55, 4, 10];
    const OU: &[u8] = &[0x55, 4, 11];
    const CN: &[u8] = &[0x55, 4, 3];
    const EMAIL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

    #[test]
    fn printed_last_to_first_in_gos_order() {
        let n = name(&[
            &[(C, 0x13, "DE")],
            &[(CN, 0x0c, "shop.example")],
            &[(O, 0x0c, "Acme, Inc.")],
            &[(OU, 0x0c, "web")],
            &[(OU, 0x0c, "ops")],
        ]);
        // Go regroups: C, O, OU (both values in one RDN), CN; then reverses.
        assert_eq!(
            go_string(&n),
            "CN=shop.example,OU=web+OU=ops,O=Acme\\, Inc.,C=DE"
        );
    }

    #[test]
    fn other_attributes_come_last_as_hex() {
        let n = name(&[&[(CN, 0x0c, "x")], &[(EMAIL, 0x16, "a@b.c")]]);
        // IA5String "a@b.c" is re-encoded as a UTF8String ('@' is not printable).
        assert_eq!(go_string(&n), "CN=x,1.2.840.113549.1.9.1=#0c056140622e63");
    }

    #[test]
    fn escapes_as_go_does() {
        assert_eq!(escape(" #a#b "), "\\ #a#b\\ ");
        assert_eq!(escape("#x"), "\\#x");
        assert_eq!(escape("a+b;c<d>\"e\\"), "a\\+b\\;c\\<d\\>\\\"e\\\\");
        assert_eq!(go_string(&[]), "");
    }
}
