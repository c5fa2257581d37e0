//! HMAC-SHA256 against RFC 4231's test vectors, webhook signatures, and
//! action links: expiry and tampering.

use jiff::SignedDuration;
use nines_incident::hmac_sha256;
use nines_incident::signature::{
    Action, ActionError, DEFAULT_TOLERANCE, SignatureError, sign, sign_action, verify,
    verify_action,
};

use crate::util::ts;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 4231 section 4, HMAC-SHA-256 of test cases 1–7. Case 5's expected
/// value is truncated to 128 bits in the RFC, and so compared here.
#[test]
fn rfc_4231_test_vectors() {
    let long_key = [0xaa; 131];
    let cases: &[(&[u8], &[u8], &str)] = &[
        (
            &[0x0b; 20],
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            &[0xaa; 20],
            &[0xdd; 50],
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        ),
        (
            &[
                0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
                0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
            ],
            &[0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
        (
            &[0x0c; 20],
            b"Test With Truncation",
            "a3b6167473100ee06e0c796c2955552b",
        ),
        (
            &long_key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
        (
            &long_key,
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ];
    for (i, (key, data, expected)) in cases.iter().enumerate() {
        let mac = hex(&hmac_sha256(key, data));
        assert_eq!(&mac[..expected.len()], *expected, "test case {}", i + 1);
    }
    // A key of exactly one block is used as it is, not hashed.
    assert_ne!(hmac_sha256(&[1; 64], b"x"), hmac_sha256(&[1; 65], b"x"));
}

#[test]
fn webhook_signatures() {
    let secret = b"whsec_test";
    let at = ts("2026-01-01T00:00:00Z");
    let body = br#"{"incident":"INC-12","status":"triggered"}"#;
    let header = sign(secret, at, body);
    assert!(header.starts_with("t=1767225600,v1="));
    assert_eq!(header.len(), "t=1767225600,v1=".len() + 64);

    let ok = |header: &str, body: &[u8], now| verify(secret, header, body, now, DEFAULT_TOLERANCE);
    assert_eq!(ok(&header, body, at), Ok(()));
    // Within five minutes either way.
    assert_eq!(ok(&header, body, ts("2026-01-01T00:05:00Z")), Ok(()));
    assert_eq!(ok(&header, body, ts("2025-12-31T23:55:00Z")), Ok(()));
    assert_eq!(
        ok(&header, body, ts("2026-01-01T00:05:01Z")),
        Err(SignatureError::OutsideTolerance { skew_secs: 301 })
    );
    // Any change to the body, the time or the secret.
    assert_eq!(
        ok(
            &header,
            br#"{"incident":"INC-13","status":"triggered"}"#,
            at
        ),
        Err(SignatureError::Mismatch)
    );
    let moved = header.replace("t=1767225600", "t=1767225601");
    assert_eq!(
        ok(&moved, body, at),
        Err(SignatureError::Mismatch),
        "t is signed"
    );
    assert_eq!(
        verify(b"other", &header, body, at, DEFAULT_TOLERANCE),
        Err(SignatureError::Mismatch)
    );
    // Several v1 (a secret rotation), upper-case hex, unknown schemes.
    let old = sign(b"old-secret", at, body);
    let v1_old = old.split_once(",v1=").unwrap().1;
    let v1_new = header.split_once(",v1=").unwrap().1.to_uppercase();
    let rotated = format!("t=1767225600,v1={v1_old},v0=abc,v1={v1_new}");
    assert_eq!(ok(&rotated, body, at), Ok(()));
    // Malformed headers.
    for bad in ["", "t=1767225600", "v1=abc", "t=now,v1=abc", "garbage"] {
        assert!(
            matches!(ok(bad, body, at), Err(SignatureError::Malformed(_))),
            "{bad:?}"
        );
    }
    // A zero tolerance still accepts the exact second.
    assert_eq!(
        verify(secret, &header, body, at, SignedDuration::ZERO),
        Ok(())
    );
}

#[test]
fn action_links_expire() {
    let secret = b"action-secret";
    let expires = ts("2026-01-01T01:00:00Z");
    let token = sign_action(secret, "INC-12", Action::Acknowledge, expires);
    assert!(token.starts_with("1767229200."));
    let check = |id: &str, action, token: &str, now| verify_action(secret, id, action, token, now);

    assert_eq!(
        check(
            "INC-12",
            Action::Acknowledge,
            &token,
            ts("2026-01-01T00:59:59Z")
        ),
        Ok(())
    );
    assert_eq!(
        check("INC-12", Action::Acknowledge, &token, expires),
        Err(ActionError::Expired {
            expired_at: expires
        })
    );
    assert_eq!(
        check("INC-12", Action::Acknowledge, &token, expires)
            .unwrap_err()
            .to_string(),
        "the link expired at 2026-01-01T01:00:00Z"
    );
}

#[test]
fn tampered_action_links_are_refused() {
    let secret = b"action-secret";
    let now = ts("2026-01-01T00:00:00Z");
    let token = sign_action(
        secret,
        "INC-12",
        Action::Acknowledge,
        ts("2026-01-01T01:00:00Z"),
    );
    let check = |id: &str, action, token: &str| verify_action(secret, id, action, token, now);

    // Another incident or action.
    assert_eq!(
        check("INC-13", Action::Acknowledge, &token),
        Err(ActionError::BadSignature)
    );
    assert_eq!(
        check("INC-12", Action::Resolve, &token),
        Err(ActionError::BadSignature)
    );
    // A later expiry.
    let (_, mac) = token.split_once('.').unwrap();
    let extended = format!("1799999999.{mac}");
    assert_eq!(
        check("INC-12", Action::Acknowledge, &extended),
        Err(ActionError::BadSignature)
    );
    // A flipped digit of the MAC, a truncated MAC, another secret.
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(
        check("INC-12", Action::Acknowledge, &flipped),
        Err(ActionError::BadSignature)
    );
    assert_eq!(
        check("INC-12", Action::Acknowledge, &token[..token.len() - 2]),
        Err(ActionError::BadSignature)
    );
    assert_eq!(
        verify_action(b"other", "INC-12", Action::Acknowledge, &token, now),
        Err(ActionError::BadSignature)
    );
    // Not a token at all.
    for bad in ["", "abc", ".abc", "12x.abc", "+1.abc"] {
        assert_eq!(
            check("INC-12", Action::Acknowledge, bad),
            Err(ActionError::Malformed),
            "{bad:?}"
        );
    }
    // The incident id is framed: "INC-1" + "2" cannot pose as "INC-12".
    let short = sign_action(
        secret,
        "INC-1",
        Action::Acknowledge,
        ts("2026-01-01T01:00:00Z"),
    );
    assert_ne!(short, token);
}
