//! Reading `integrations`: the senders of alerts (Alertmanager, PagerDuty
//! Events v2 clients), each known by the hash of the key it presents.

use crate::auth::{HashHints, format_hash, read_hash};
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::model::{Integration, IntegrationKind};
use crate::read::{Ctx, NameRef, join};
use crate::yaml::{Kind, Node};

/// `integrations.<name>`.
pub(crate) const INTEGRATION: Section = Section {
    path: "integrations.<name>",
    keys: &[
        Key {
            name: "kind",
            ty: "`alertmanager` or `pagerduty`",
            default: REQUIRED,
            doc: "what the sender speaks (below)",
        },
        Key {
            name: "key_hash",
            ty: "`sha256:` and 64 hex digits",
            default: REQUIRED,
            doc: "SHA-256 of the key the sender presents",
        },
        Key {
            name: "service",
            ty: "service name",
            default: NONE,
            doc: "the service its alerts belong to when no route names one and their `service` \
                  label is missing or names no configured service",
        },
    ],
};

/// An integration read from one file, with what merge errors point at.
pub(crate) struct LocatedIntegration {
    /// Lines of the name and of `key_hash`.
    pub line: usize,
    pub key_hash_line: usize,
    /// `integrations.<name>`.
    pub path: String,
    pub integration: Integration,
}

/// Reads the `integrations` mapping of one file; integrations with errors
/// are left out. `service`s go into `services`, to check once every file
/// is read.
pub(crate) fn read_integrations(
    ctx: &mut Ctx<'_>,
    node: &Node,
    services: &mut Vec<NameRef>,
) -> Vec<LocatedIntegration> {
    let Some(entries) = ctx.entries(node, "integrations") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let path = join("integrations", e.key);
        let valid_name = ctx.check_name(e.key, e.key_line, &path, "integration");
        let read = read_integration(ctx, e.value, &path, e.key, services);
        if let (true, Some((integration, key_hash_line))) = (valid_name, read) {
            out.push(LocatedIntegration {
                line: e.key_line,
                key_hash_line,
                path,
                integration,
            });
        }
    }
    out
}

/// An integration and the line of its `key_hash`.
fn read_integration(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    name: &str,
    services: &mut Vec<NameRef>,
) -> Option<(Integration, usize)> {
    let f = ctx.fields(node, path, &INTEGRATION)?;
    let kind = ctx.require(&f, path, "kind").and_then(|n| {
        match ctx.choice(n, &join(path, "kind"), &["alertmanager", "pagerduty"])? {
            "alertmanager" => Some(IntegrationKind::Alertmanager),
            _ => Some(IntegrationKind::Pagerduty),
        }
    });
    let key_hash = ctx.require(&f, path, "key_hash").and_then(|n| {
        let hints = HashHints {
            truncated: "copy the `hash` that `nines token new` printed",
            plain: "this is not a key hash: the config stores `sha256:<hex>` of the integration \
                    key, never the key itself; run `nines token new`, give the sender the token \
                    and put its `hash` here",
        };
        read_hash(ctx, n, &join(path, "key_hash"), &hints)
    });
    let service = match f.get("service") {
        Some(n) if n.kind != Kind::Null => {
            let field = join(path, "service");
            let service = ctx.name(n, &field, "service")?;
            services.push(NameRef {
                line: n.line,
                field,
                name: service.clone(),
            });
            Some(service)
        }
        _ => None,
    };
    let integration = Integration {
        name: name.to_string(),
        kind: kind?,
        // One spelling (lowercase hex), so the daemon can compare it with
        // `hash_token` of a presented key.
        key_hash: format_hash(&key_hash?),
        service,
    };
    Some((integration, f.line_of("key_hash").unwrap_or(f.line)))
}
