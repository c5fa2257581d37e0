//! Reading `incidents`: how incidents behave once opened (auto-resolve,
//! how long notifications are retried) and what their one-click links need.

use std::time::Duration;

use crate::http::read_url;
use crate::model::IncidentPolicy;
use crate::read::{Ctx, join};
use crate::yaml::{Kind, Node};

const POLICY_KEYS: [&str; 4] = ["auto_resolve", "give_up_after", "secret", "external_url"];

/// Retrying for less than a minute would give up on a receiver that is
/// merely restarting.
const MIN_GIVE_UP_AFTER: Duration = Duration::from_secs(60);

/// An HMAC key shorter than this is guessable.
const MIN_SECRET_CHARS: usize = 16;

/// Reads `incidents`; `None` when it has errors (they are in `ctx`).
pub(crate) fn read_policy(ctx: &mut Ctx<'_>, node: &Node) -> Option<IncidentPolicy> {
    let path = "incidents";
    let f = ctx.fields(node, path, &POLICY_KEYS)?;
    let defaults = IncidentPolicy::default();
    let auto_resolve = match f.get("auto_resolve") {
        Some(n) => ctx.boolean(n, &join(path, "auto_resolve")),
        None => Some(defaults.auto_resolve),
    };
    let give_up_after = match f.get("give_up_after") {
        Some(n) => ctx.duration(n, &join(path, "give_up_after"), MIN_GIVE_UP_AFTER),
        None => Some(defaults.give_up_after),
    };
    let secret = match f.get("secret") {
        Some(n) if n.kind != Kind::Null => {
            let field = join(path, "secret");
            // Never echoed: it signs links anyone could forge with it.
            ctx.string(n, &field).and_then(|s| {
                let chars = s.chars().count();
                if chars >= MIN_SECRET_CHARS {
                    return Some(Some(s));
                }
                let msg = format!(
                    "the secret is {chars} characters long; use at least {MIN_SECRET_CHARS}, \
                     such as the output of `openssl rand -hex 32`"
                );
                ctx.error(n.line, &field, msg);
                None
            })
        }
        _ => Some(None),
    };
    let external_url = match f.get("external_url") {
        Some(n) if n.kind != Kind::Null => {
            let field = join(path, "external_url");
            read_url(ctx, n, &field).and_then(|url| {
                if url.contains(['?', '#']) {
                    let msg = format!(
                        "`{url}` has a query or fragment; give nines' base address, such as \
                         `https://nines.example.com`"
                    );
                    ctx.error(n.line, &field, msg);
                    return None;
                }
                // Links are the base and a path starting with `/`.
                Some(Some(url.trim_end_matches('/').to_string()))
            })
        }
        _ => Some(None),
    };
    if let (Some(Some(_)), Some(None)) = (&secret, &external_url) {
        let line = f.line_of("secret").unwrap_or(f.line);
        let msg = "one-click links need nines' address as people reach it: set `external_url` \
                   too, such as `https://nines.example.com`";
        ctx.error(line, &join(path, "secret"), msg);
        return None;
    }
    Some(IncidentPolicy {
        auto_resolve: auto_resolve?,
        give_up_after: give_up_after?,
        link_secret: secret?,
        external_url: external_url?,
    })
}
