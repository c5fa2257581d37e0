//! API tokens: roles, the hashes the config stores instead of tokens, and the
//! constant-time check of a presented token.
//!
//! The config never holds a token, only `sha256:<hex>` of it, so a leaked
//! config file does not leak API access. Tokens are long random strings
//! (`nines token new`), so an unsalted fast hash is enough: there is nothing
//! to brute-force.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::read::{Ctx, index, join};
use crate::yaml::Node;

/// `auth`: who may call the API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    /// `auth.tokens`: API tokens, merged from all files. Default none: then
    /// nothing can write through the API.
    pub tokens: Vec<TokenEntry>,
    /// `auth.public_read`: whether reading the API needs no token (for a
    /// status screen on a trusted network). Writing always needs a token.
    /// Default `false`; may be set in one file only.
    pub public_read: bool,
}

/// `auth.tokens[i]`: one API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEntry {
    /// `name`: required; who or what holds the token (`ci`, `ana`), shown in
    /// logs and audit trails instead of the token. Unique across all files;
    /// 1 to 64 characters, no spaces.
    pub name: String,
    /// `role`: required; `reader`, `writer`, `responder` or `admin`.
    pub role: Role,
    /// `hash`: required; SHA-256 of the token, written `sha256:<64 hex
    /// digits>` in the config. `nines token new` prints the line.
    pub hash: [u8; 32],
}

/// What a token may do. Each role may do what the roles before it may:
/// `Reader < Writer < Responder < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Read SLOs, alerts, incidents.
    Reader,
    /// Also push events, heartbeats and changes (machines: CI, jobs).
    Writer,
    /// Also act on incidents: acknowledge, resolve, note, reassign, open
    /// (people on call).
    Responder,
    /// Everything.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Reader, Role::Writer, Role::Responder, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Writer => "writer",
            Role::Responder => "responder",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not `reader`, `writer`, `responder` or `admin`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a role; use `reader`, `writer`, `responder` or `admin`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// The config form of a token's hash: `sha256:` and 64 lowercase hex digits.
pub fn hash_token(token: &str) -> String {
    format_hash(&Sha256::digest(token.as_bytes()).into())
}

/// `sha256:` and the digest in 64 lowercase hex digits: how hashes are
/// written and compared.
pub(crate) fn format_hash(digest: &[u8; 32]) -> String {
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

impl Auth {
    /// The entry whose hash matches `token`. Every entry is compared, each in
    /// constant time, so timing tells nothing about which entry (nearly)
    /// matched.
    pub fn verify(&self, token: &str) -> Option<&TokenEntry> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for entry in &self.tokens {
            if constant_time_eq(&entry.hash, &digest) {
                found = Some(entry);
            }
        }
        found
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimizer from turning the fold back into an
    // early-exit comparison.
    std::hint::black_box(diff) == 0
}

/// What to tell someone whose hash does not read: `truncated` follows
/// "expected `sha256:` and 64 hex digits; " for a value that starts like a
/// hash, `plain` is the whole message for one that is probably the secret.
pub(crate) struct HashHints<'h> {
    pub truncated: &'h str,
    pub plain: &'h str,
}

/// A `sha256:<64 hex>` value (API tokens' `hash`, integrations'
/// `key_hash`). The value may be the secret itself, so it is never echoed.
pub(crate) fn read_hash(
    ctx: &mut Ctx<'_>,
    node: &Node,
    field: &str,
    hints: &HashHints<'_>,
) -> Option<[u8; 32]> {
    let (text, _) = ctx.scalar(node, field, "`sha256:` and 64 hex digits")?;
    let hash = parse_hash(text.trim());
    if hash.is_none() {
        let msg = if text.starts_with("sha256:") {
            format!("expected `sha256:` and 64 hex digits; {}", hints.truncated)
        } else {
            hints.plain.to_string()
        };
        ctx.error(node.line, field, msg);
    }
    hash
}

/// Reads `sha256:<64 hex>`; `None` for anything else.
fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let hex = text.strip_prefix("sha256:")?.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

/// A token read from one file, with the line of its entry for merge errors.
pub(crate) struct LocatedToken {
    /// Lines of the `name` and `hash` values.
    pub name_line: usize,
    pub hash_line: usize,
    pub path: String,
    pub entry: TokenEntry,
}

/// The `auth` section of one file.
#[derive(Default)]
pub(crate) struct FileAuth {
    pub tokens: Vec<LocatedToken>,
    /// `public_read` and the line of its value, if the file sets it.
    pub public_read: Option<(bool, usize)>,
}

/// `auth`.
pub(crate) const AUTH: Section = Section {
    path: "auth",
    keys: &[
        Key {
            name: "tokens",
            ty: "sequence",
            default: NONE,
            doc: "API tokens ([below](#authtokensi)); with none, nothing can write through the API",
        },
        Key {
            name: "public_read",
            ty: "`true` or `false`",
            default: "`false`",
            doc: "let anyone read the API without a token (a status screen on a trusted \
                  network); writing still needs a token",
        },
    ],
};

/// `auth.tokens[i]`.
pub(crate) const TOKEN: Section = Section {
    path: "auth.tokens[i]",
    keys: &[
        Key {
            name: "name",
            ty: "string",
            default: REQUIRED,
            doc: "who or what holds the token (`ci`, `ana`), shown in logs instead of the \
                  token; 1 to 64 characters without spaces; unique across all files",
        },
        Key {
            name: "role",
            ty: "`reader`, `writer`, `responder` or `admin`",
            default: REQUIRED,
            doc: "what the token may do",
        },
        Key {
            name: "hash",
            ty: "`sha256:` and 64 hex digits",
            default: REQUIRED,
            doc: "SHA-256 of the token",
        },
    ],
};

/// Reads the `auth` section of one file.
pub(crate) fn read_auth(ctx: &mut Ctx<'_>, node: &Node) -> FileAuth {
    let mut out = FileAuth::default();
    let Some(fields) = ctx.fields(node, "auth", &AUTH) else {
        return out;
    };
    if let Some(n) = fields.get("public_read") {
        out.public_read = ctx.boolean(n, "auth.public_read").map(|b| (b, n.line));
    }
    out.tokens = read_tokens(ctx, fields.get("tokens"));
    out
}

fn read_tokens(ctx: &mut Ctx<'_>, node: Option<&Node>) -> Vec<LocatedToken> {
    let mut tokens = Vec::new();
    let Some(items) = node.and_then(|n| ctx.seq(n, "auth.tokens")) else {
        return tokens;
    };
    for (i, item) in items.iter().enumerate() {
        let path = index("auth.tokens", i);
        if let Some((entry, name_line, hash_line)) = read_token(ctx, item, &path) {
            tokens.push(LocatedToken {
                name_line,
                hash_line,
                path,
                entry,
            });
        }
    }
    tokens
}

/// A token entry and the lines of its `name` and `hash`.
fn read_token(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<(TokenEntry, usize, usize)> {
    let fields = ctx.fields(node, path, &TOKEN)?;
    let name_node = ctx.require(&fields, path, "name");
    let role_node = ctx.require(&fields, path, "role");
    let hash_node = ctx.require(&fields, path, "hash");

    let name = name_node.and_then(|n| {
        let field = join(path, "name");
        let name = ctx.string(n, &field)?;
        let valid = !name.is_empty()
            && name.chars().count() <= 64
            && !name.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid {
            ctx.error(
                n.line,
                &field,
                format!("`{name}` is not a token name: use 1 to 64 characters without spaces"),
            );
        }
        valid.then_some(name)
    });
    let role = role_node.and_then(|n| {
        let names = Role::ALL.map(Role::as_str);
        let choice = ctx.choice(n, &join(path, "role"), &names)?;
        choice.parse::<Role>().ok()
    });
    let hash = hash_node.and_then(|n| {
        let hints = HashHints {
            truncated: "copy the line `nines token new` printed",
            plain: "this is not a token hash: the config stores `sha256:<hex>` of a token, never \
                    the token itself; run `nines token new --role <role>` for a fresh token and \
                    its config line",
        };
        read_hash(ctx, n, &join(path, "hash"), &hints)
    });
    let entry = TokenEntry {
        name: name?,
        role: role?,
        hash: hash?,
    };
    Some((
        entry,
        fields.line_of("name").unwrap_or(node.line),
        fields.line_of("hash").unwrap_or(node.line),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_the_config_line_format() {
        // sha256("") is well known.
        assert_eq!(
            hash_token(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let h = hash_token("secret");
        assert_eq!(parse_hash(&h), Some(Sha256::digest(b"secret").into()));
    }

    #[test]
    fn parse_hash_refuses_near_misses() {
        let good = hash_token("x");
        assert!(parse_hash(&good).is_some());
        assert!(parse_hash(&good.to_uppercase().replace("SHA256", "sha256")).is_some());
        assert!(parse_hash(&good[..good.len() - 1]).is_none());
        assert!(parse_hash(&good.replace("sha256:", "sha512:")).is_none());
        assert!(parse_hash(&format!("{}g", &good[..good.len() - 1])).is_none());
        assert!(parse_hash("sha256:").is_none());
    }

    #[test]
    fn roles_order_and_read_back() {
        assert!(Role::Reader < Role::Writer && Role::Writer < Role::Responder);
        assert!(Role::Responder < Role::Admin);
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!(
            "root".parse::<Role>().unwrap_err().to_string(),
            "`root` is not a role; use `reader`, `writer`, `responder` or `admin`"
        );
    }
}
