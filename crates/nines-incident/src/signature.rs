//! Signatures: the `X-Nines-Signature` header on outgoing webhooks, so a
//! receiver can check a request came from nines and is fresh, and signed,
//! expiring action links (acknowledge/resolve from a notification) that
//! work without logging in.
//!
//! # Verifying a nines webhook
//!
//! The header has the form (like Stripe's `Stripe-Signature`)
//!
//! ```text
//! X-Nines-Signature: t=1767225600,v1=ad9fcecd55e2fabec52c3399bb5c56a6cfee5802f5156f833458937ae617b130
//! ```
//!
//! where `t` is the Unix time of sending in seconds and `v1` is the
//! lower-case hex HMAC-SHA256, keyed with the channel's secret, of the
//! string `<t>.<body>`: the `t` value, a full stop, and the raw request
//! body bytes exactly as received. To verify:
//!
//! 1. split the header at `,`, each part at the first `=`; take `t` and
//!    every `v1` (during a secret rotation there may be several);
//! 2. compute the HMAC of `t + "." + body` with your secret;
//! 3. accept if it equals any `v1` (compare in constant time) and `t` is
//!    within your tolerance of your clock (nines suggests 5 minutes), which
//!    stops replays of old requests.
//!
//! A retried notification is signed again with a new `t`. The example above
//! is the body `{"incident":"INC-12"}` signed with the secret `whsec_test`:
//!
//! ```
//! use nines_incident::signature::{DEFAULT_TOLERANCE, sign, verify};
//!
//! let at = jiff::Timestamp::from_second(1_767_225_600).unwrap();
//! let body = br#"{"incident":"INC-12"}"#;
//! let header = sign(b"whsec_test", at, body);
//! assert_eq!(
//!     header,
//!     "t=1767225600,v1=ad9fcecd55e2fabec52c3399bb5c56a6cfee5802f5156f833458937ae617b130"
//! );
//! assert!(verify(b"whsec_test", &header, body, at, DEFAULT_TOLERANCE).is_ok());
//! ```
//!
//! The same check in Python:
//!
//! ```text
//! mac = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
//! ok = hmac.compare_digest(mac, v1) and abs(time.time() - int(t)) <= 300
//! ```

use jiff::{SignedDuration, Timestamp};
use thiserror::Error;

use crate::hmac::{constant_time_eq, hex, hmac_sha256};

/// The header name.
pub const HEADER: &str = "X-Nines-Signature";

/// The clock difference [`verify`] allows by default.
pub const DEFAULT_TOLERANCE: SignedDuration = SignedDuration::from_secs(300);

/// The header value for `body` sent at `at`.
pub fn sign(secret: &[u8], at: Timestamp, body: &[u8]) -> String {
    let t = at.as_second();
    format!("t={t},v1={}", hex(&webhook_mac(secret, t, body)))
}

fn webhook_mac(secret: &[u8], t: i64, body: &[u8]) -> [u8; 32] {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    hmac_sha256(secret, &message)
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("the signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error("the signature timestamp is {skew_secs} s from now, beyond the tolerance")]
    OutsideTolerance { skew_secs: i64 },
    #[error("no signature matches the body")]
    Mismatch,
}

/// Checks a header made by [`sign`] (or by a receiver's reimplementation of
/// the scheme): some `v1` matches and `t` is within `tolerance` of `now`.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: Timestamp,
    tolerance: SignedDuration,
) -> Result<(), SignatureError> {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            return Err(SignatureError::Malformed("expected key=value pairs"));
        };
        match key {
            "t" => {
                let seconds = value
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed("t is not a Unix time"))?;
                t = Some(seconds);
            }
            "v1" => signatures.push(value.to_ascii_lowercase()),
            _ => {} // later schemes; ignored as Stripe does
        }
    }
    let t = t.ok_or(SignatureError::Malformed("no t"))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no v1"));
    }
    let expected = hex(&webhook_mac(secret, t, body));
    if !signatures
        .iter()
        .any(|s| constant_time_eq(s.as_bytes(), expected.as_bytes()))
    {
        return Err(SignatureError::Mismatch);
    }
    let skew = now.as_second().saturating_sub(t);
    if skew.unsigned_abs() > tolerance.as_secs().unsigned_abs() {
        return Err(SignatureError::OutsideTolerance { skew_secs: skew });
    }
    Ok(())
}

// === action links ===

/// What an action link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Acknowledge,
    Resolve,
}

impl Action {
    /// `ack` or `resolve`, as in the API path.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Acknowledge => "ack",
            Action::Resolve => "resolve",
        }
    }
}

/// Why an action link was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ActionError {
    #[error("the link is malformed")]
    Malformed,
    #[error("the link is not valid for this incident and action")]
    BadSignature,
    #[error("the link expired at {expired_at}")]
    Expired { expired_at: Timestamp },
}

/// A token for a link such as `/a/INC-12/ack?token=…`:
/// `<expires_at as Unix seconds>.<hex HMAC>`, the HMAC over the incident,
/// the action and the expiry, so the token cannot be moved to another
/// incident or action, nor its expiry changed. The message has its own
/// prefix so an action token can never pass as a webhook signature.
pub fn sign_action(
    secret: &[u8],
    incident_id: &str,
    action: Action,
    expires_at: Timestamp,
) -> String {
    let expires = expires_at.as_second();
    format!(
        "{expires}.{}",
        hex(&action_mac(secret, incident_id, action, expires))
    )
}

fn action_mac(secret: &[u8], incident_id: &str, action: Action, expires: i64) -> [u8; 32] {
    let message = format!(
        "nines-action-v1\n{incident_id}\n{}\n{expires}",
        action.as_str()
    );
    hmac_sha256(secret, message.as_bytes())
}

/// Checks a token from [`sign_action`] for this incident and action: the
/// HMAC first (in constant time), then that `now` is before the expiry.
pub fn verify_action(
    secret: &[u8],
    incident_id: &str,
    action: Action,
    token: &str,
    now: Timestamp,
) -> Result<(), ActionError> {
    let (expires, mac) = token.split_once('.').ok_or(ActionError::Malformed)?;
    if expires.is_empty() || !expires.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err(ActionError::Malformed);
    }
    let expires: i64 = expires.parse().map_err(|_| ActionError::Malformed)?;
    let expected = hex(&action_mac(secret, incident_id, action, expires));
    if !constant_time_eq(mac.as_bytes(), expected.as_bytes()) {
        return Err(ActionError::BadSignature);
    }
    let expired_at = Timestamp::from_second(expires).map_err(|_| ActionError::Malformed)?;
    if now >= expired_at {
        return Err(ActionError::Expired { expired_at });
    }
    Ok(())
}
