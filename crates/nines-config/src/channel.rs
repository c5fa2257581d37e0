//! Reading `channels`: where notifications about incidents go, each a
//! signed JSON webhook or a Slack incoming webhook.

use crate::http::{read_headers, url_problem};
use crate::model::Channel;
use crate::read::{Ctx, join, one_of};
use crate::yaml::{Kind, Node};

/// The kinds of channel; a channel has exactly one.
const KINDS: [&str; 2] = ["webhook", "slack"];

const WEBHOOK_KEYS: [&str; 3] = ["url", "secret", "headers"];

/// A channel read from one file, with the line of its name for merge
/// errors.
pub(crate) struct LocatedChannel {
    pub line: usize,
    pub name: String,
    pub channel: Channel,
}

/// The channels of one file: the valid ones, and every name given, so a
/// route naming a channel with mistakes of its own is not told it does not
/// exist.
#[derive(Default)]
pub(crate) struct ReadChannels {
    pub channels: Vec<LocatedChannel>,
    pub names: Vec<String>,
}

/// Reads the `channels` mapping of one file; channels with errors are left
/// out.
pub(crate) fn read_channels(ctx: &mut Ctx<'_>, node: &Node) -> ReadChannels {
    let mut out = ReadChannels::default();
    let Some(entries) = ctx.entries(node, "channels") else {
        return out;
    };
    for e in entries {
        let path = join("channels", e.key);
        out.names.push(e.key.to_string());
        let valid_name = ctx.check_name(e.key, e.key_line, &path, "channel");
        let channel = read_channel(ctx, e.value, &path);
        if let (true, Some(channel)) = (valid_name, channel) {
            out.channels.push(LocatedChannel {
                line: e.key_line,
                name: e.key.to_string(),
                channel,
            });
        }
    }
    out
}

fn read_channel(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Channel> {
    if let Kind::Scalar { .. } = node.kind {
        // `ops: https://hooks.slack.com/…`; the URL may be a secret, so it
        // is not echoed.
        let msg = "a channel is a mapping of its kind: `{ slack: URL }` or \
                   `{ webhook: { url: URL } }`";
        ctx.error(node.line, path, msg);
        return None;
    }
    let f = ctx.fields(node, path, &KINDS)?;
    let kinds: Vec<(&str, &Node)> = KINDS
        .iter()
        .filter_map(|&k| f.get(k).map(|n| (k, n)))
        .collect();
    match kinds.as_slice() {
        // Unknown keys were reported already, with a did-you-mean.
        [] if matches!(&node.kind, Kind::Map(pairs) if !pairs.is_empty()) => None,
        [] => {
            let msg = format!("missing the kind: give one of {}", one_of(&KINDS));
            ctx.error(f.line, path, msg);
            None
        }
        [("webhook", n)] => read_webhook(ctx, n, &join(path, "webhook")),
        [(_, n)] => read_slack(ctx, n, &join(path, "slack")),
        [(first, _), (second, n), ..] => {
            let msg = format!(
                "a channel has one kind; this one has `{first}` and `{second}`: make two channels"
            );
            ctx.error(n.line, path, msg);
            None
        }
    }
}

/// `webhook: { url, secret, headers }`.
fn read_webhook(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Channel> {
    let f = ctx.fields(node, path, &WEBHOOK_KEYS)?;
    let url = ctx
        .require(&f, path, "url")
        .and_then(|n| crate::http::read_url(ctx, n, &join(path, "url")));
    let secret = match f.get("secret") {
        Some(n) if n.kind != Kind::Null => {
            let field = join(path, "secret");
            match ctx.string(n, &field) {
                Some(s) if s.is_empty() => {
                    let msg = "the secret is empty; set it (`secret: ${WEBHOOK_SECRET}`) or \
                               remove `secret` to send unsigned requests";
                    ctx.error(n.line, &field, msg);
                    None
                }
                Some(s) => Some(Some(s)),
                None => None,
            }
        }
        _ => Some(None),
    };
    let headers = read_headers(ctx, &f, path);
    Some(Channel::Webhook {
        url: url?,
        secret: secret?,
        headers: headers?,
    })
}

/// `slack: URL` or `slack: { url: URL }`.
fn read_slack(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Channel> {
    let (url_node, field) = match node.kind {
        Kind::Map(_) => {
            let f = ctx.fields(node, path, &["url"])?;
            let n = ctx.require(&f, path, "url")?;
            (n, join(path, "url"))
        }
        _ => (node, path.to_string()),
    };
    let url = ctx.string(url_node, &field)?;
    // The URL holds the webhook's secret: say what is wrong without it.
    if url_problem(&url).is_some() {
        let msg = "not an http:// or https:// URL; give the Slack incoming webhook's URL, such \
                   as `https://hooks.slack.com/services/T000/B000/XXXX` (it is not repeated \
                   here: it holds the webhook's secret)";
        ctx.error(url_node.line, &field, msg);
        return None;
    }
    Some(Channel::Slack { url })
}
