//! Just enough DER to read what probes report of an X.509 certificate:
//! validity, names (as Go writes them, for blackbox_exporter's labels),
//! DNS alternative names and extended key usage. A full X.509 crate would
//! cost more to build than this costs to read.

mod name;

// The leaf fingerprint's hex, for the TLS runner.
#[cfg(feature = "run")]
pub(crate) use name::hex;

/// One TLV: tag, contents, and the rest of the input after it.
pub(crate) fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
const BOOLEAN: u8 = 0x01;
/// `[3]` EXPLICIT: the extensions of a v3 certificate.
const EXTENSIONS: u8 = 0xa3;
/// `[2]` IMPLICIT IA5String: a dNSName of GeneralNames.
const DNS_NAME: u8 = 0x82;
/// 2.5.4.3, commonName.
const CN_OID: &[u8] = &[0x55, 0x04, 0x03];
/// 2.5.29.17, subjectAltName.
const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];
/// 2.5.29.37, extKeyUsage.
const EKU_OID: &[u8] = &[0x55, 0x1d, 0x25];
/// 1.3.6.1.5.5.7.3.1, id-kp-serverAuth.
pub const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// 2.5.29.37.0, anyExtendedKeyUsage.
pub const ANY_EKU: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// The fields of a certificate the probes report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFields {
    /// `notBefore` and `notAfter` as Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub subject_cn: Option<String>,
    /// The issuer and subject names, DER contents without the outer
    /// SEQUENCE (the form trust anchors keep), for chain building.
    pub issuer: Vec<u8>,
    pub subject: Vec<u8>,
    /// The subject and issuer as Go's `pkix.Name.String()` writes them
    /// (`CN=leaf,O=Acme,C=DE`): blackbox_exporter's labels of
    /// `probe_ssl_last_chain_info`.
    pub subject_text: String,
    pub issuer_text: String,
    /// The dNSName entries of the subject alternative names, in order.
    pub dns_names: Vec<String>,
    /// The extended key usages (OID contents); `None` without the
    /// extension, which allows every usage.
    pub ext_key_usage: Option<Vec<Vec<u8>>>,
}

impl CertFields {
    /// Whether the certificate may serve TLS: no extended key usage, or
    /// one naming serverAuth or any usage (as Go checks a chain's leaf).
    pub fn allows_server_auth(&self) -> bool {
        self.ext_key_usage
            .as_ref()
            .is_none_or(|ekus| ekus.iter().any(|e| e == SERVER_AUTH || e == ANY_EKU))
    }
}

/// Reads the fields probes report from a DER certificate, or `None` if it
/// is not one.
pub fn cert_fields(der: &[u8]) -> Option<CertFields> {
    let (SEQUENCE, cert, _) = tlv(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    // Optional explicit [0] version.
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2;
    }
    let (_serial, _, rest) = tlv(rest)?;
    let (_signature, _, rest) = tlv(rest)?;
    let (SEQUENCE, issuer, rest) = tlv(rest)? else {
        return None;
    };
    let (SEQUENCE, validity, rest) = tlv(rest)? else {
        return None;
    };
    let (before_tag, not_before, after) = tlv(validity)?;
    let (after_tag, not_after, _) = tlv(after)?;
    let (SEQUENCE, subject, rest) = tlv(rest)? else {
        return None;
    };
    let (_spki, _, mut rest) = tlv(rest)?;
    let mut fields = CertFields {
        not_before: parse_time(before_tag, not_before)?,
        not_after: parse_time(after_tag, not_after)?,
        subject_cn: common_name(subject),
        issuer: issuer.to_vec(),
        subject: subject.to_vec(),
        subject_text: name::go_string(subject),
        issuer_text: name::go_string(issuer),
        dns_names: vec![],
        ext_key_usage: None,
    };
    // Optional issuerUniqueID [1], subjectUniqueID [2], then extensions [3].
    while let Some((tag, contents, after)) = tlv(rest) {
        rest = after;
        if tag == EXTENSIONS {
            read_extensions(contents, &mut fields);
        }
    }
    Some(fields)
}

/// Fills the alternative names and key usages from `[3] { SEQUENCE OF
/// Extension }`; a malformed extension is skipped, as a verifier would
/// refuse it anyway.
fn read_extensions(outer: &[u8], fields: &mut CertFields) {
    let Some((SEQUENCE, mut list, _)) = tlv(outer) else {
        return;
    };
    while let Some((tag, ext, rest)) = tlv(list) {
        list = rest;
        if tag != SEQUENCE {
            continue;
        }
        let Some((OID, oid, mut rest)) = tlv(ext) else {
            continue;
        };
        if let Some((BOOLEAN, _, after)) = tlv(rest) {
            rest = after;
        }
        let Some((OCTET_STRING, value, _)) = tlv(rest) else {
            continue;
        };
        let Some((SEQUENCE, mut items, _)) = tlv(value) else {
            continue;
        };
        if oid == SAN_OID {
            while let Some((tag, item, rest)) = tlv(items) {
                items = rest;
                if tag == DNS_NAME {
                    fields
                        .dns_names
                        .push(String::from_utf8_lossy(item).into_owned());
                }
            }
        } else if oid == EKU_OID {
            let mut ekus = Vec::new();
            while let Some((tag, item, rest)) = tlv(items) {
                items = rest;
                if tag == OID {
                    ekus.push(item.to_vec());
                }
            }
            fields.ext_key_usage = Some(ekus);
        }
    }
}

fn common_name(mut name: &[u8]) -> Option<String> {
    while !name.is_empty() {
        let (SET, set, rest) = tlv(name)? else {
            return None;
        };
        name = rest;
        let (SEQUENCE, attr, _) = tlv(set)? else {
            continue;
        };
        let (OID, oid, value) = tlv(attr)? else {
            continue;
        };
        if oid == CN_OID {
            let (_, text, _) = tlv(value)?;
            return Some(String::from_utf8_lossy(text).into_owned());
        }
    }
    None
}

/// UTCTime `YYMMDDHHMMSSZ` (years 1950–2049, RFC 5280) or GeneralizedTime
/// `YYYYMMDDHHMMSSZ`.
fn parse_time(tag: u8, text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?;
    let digits = text.strip_suffix('Z')?;
    let (year, rest) = match tag {
        UTC_TIME if digits.len() == 12 => {
            let yy: i64 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        GENERALIZED_TIME if digits.len() == 14 => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2)?.parse::<i64>().ok();
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time(UTC_TIME, b"700101000000Z"), Some(0));
        assert_eq!(parse_time(UTC_TIME, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(
            parse_time(GENERALIZED_TIME, b"20500101000000Z"),
            Some(2_524_608_000)
        );
        assert_eq!(parse_time(UTC_TIME, b"701301000000Z"), None);
        assert_eq!(parse_time(UTC_TIME, b"7001010000Z"), None);
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(cert_fields(b""), None);
        assert_eq!(cert_fields(&[0x30, 0x82, 0xff]), None);
        assert_eq!(cert_fields(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
    }
}
