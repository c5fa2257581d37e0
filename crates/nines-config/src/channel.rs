//! Reading `channels`: where notifications about incidents go (a signed
//! JSON webhook, Slack, email, PagerDuty, an Alertmanager-format webhook),
//! how often, and in what words.

use std::time::Duration;

use crate::http::{read_headers, url_problem};
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::model::{
    Channel, Destination, Email, PAGERDUTY_EVENTS_URL, RateLimit, SmtpTls, TEMPLATE_FIELDS,
    Template,
};
use crate::read::{Ctx, Fields, all_of, join, one_of, suggest};
use crate::yaml::{Kind, Node};

/// The kinds of channel; a channel has exactly one.
const KINDS: [&str; 5] = ["webhook", "slack", "email", "pagerduty", "alertmanager"];

/// Keys every channel may have besides its kind.
const COMMON_KEYS: [&str; 3] = ["rate_limit", "title", "body"];

/// `channels.<name>`: its kind (one of [`KINDS`]) and [`COMMON_KEYS`].
pub(crate) const CHANNEL: Section = Section {
    path: "channels.<name>",
    keys: &[
        Key {
            name: "webhook",
            ty: "mapping `{url, secret, headers}`",
            default: "—",
            doc: "a JSON `POST` for each notification (below); a channel has \
                  exactly one of `webhook`, `slack`, `email`, `pagerduty` and `alertmanager`",
        },
        Key {
            name: "slack",
            ty: "URL, or mapping `{url}`",
            default: "—",
            doc: "a Slack incoming webhook: `http://` or `https://` URL",
        },
        Key {
            name: "email",
            ty: "mapping (below)",
            default: "—",
            doc: "mail over SMTP, with a text and an HTML part",
        },
        Key {
            name: "pagerduty",
            ty: "mapping `{routing_key, url}`",
            default: "—",
            doc: "PagerDuty Events API v2: one PagerDuty alert per incident (dedup key \
                  `nines-INC-<n>`), triggered, acknowledged and resolved with it",
        },
        Key {
            name: "alertmanager",
            ty: "URL, or mapping `{url, headers}`",
            default: "—",
            doc: "Alertmanager's webhook payload (version 4): the incident as one alert \
                  labelled `alertname=\"NinesIncident\"`, `incident`, `service`, `severity`, \
                  for receivers written for Alertmanager",
        },
        Key {
            name: "rate_limit",
            ty: "`N/PERIOD` such as `20/1m`",
            default: NONE,
            doc: "at most N messages per period (at least `1s`) to this channel; more wait in \
                  the outbox, in order, and none is dropped; counted per nines process",
        },
        Key {
            name: "title",
            ty: "template",
            default: "nines' wording: \"triggered: <title>\"",
            doc: "the one-line headline: Slack's text, the email subject (after `[SEV] \
                  INC-<n>`), PagerDuty's summary (after `INC-<n>`), Alertmanager's `summary` \
                  annotation, the webhook's `title`",
        },
        Key {
            name: "body",
            ty: "template",
            default: NONE,
            doc: "a longer text: a Slack section, the start of the email, Alertmanager's \
                  `description`, the webhook's `body`, PagerDuty's `custom_details.body`",
        },
    ],
};

/// `channels.<name>.webhook`.
pub(crate) const WEBHOOK: Section = Section {
    path: "channels.<name>.webhook",
    keys: &[
        Key {
            name: "url",
            ty: "URL",
            default: REQUIRED,
            doc: "`http://` or `https://` URL the notifications are posted to",
        },
        Key {
            name: "secret",
            ty: "string",
            default: NONE,
            doc: "signs each request: an `X-Nines-Signature` header (HMAC-SHA256) the receiver \
                  can verify; not empty",
        },
        Key {
            name: "headers",
            ty: "mapping of string to string",
            default: NONE,
            doc: "request headers, such as the receiver's API key",
        },
    ],
};

/// `channels.<name>.slack` as a mapping.
pub(crate) const SLACK: Section = Section {
    path: "channels.<name>.slack",
    keys: &[Key {
        name: "url",
        ty: "URL",
        default: REQUIRED,
        doc: "the Slack incoming webhook's `http://` or `https://` URL, a secret (never \
              repeated in errors); `slack: URL` is short for it",
    }],
};

/// `channels.<name>.email`.
pub(crate) const EMAIL: Section = Section {
    path: "channels.<name>.email",
    keys: &[
        Key {
            name: "host",
            ty: "string",
            default: REQUIRED,
            doc: "the SMTP relay's name or address, without a port",
        },
        Key {
            name: "port",
            ty: "1-65535",
            default: "587 with `starttls`, 465 with `tls`, 25 with `none`",
            doc: "the relay's port",
        },
        Key {
            name: "tls",
            ty: "`starttls`, `tls` or `none`",
            default: "`starttls`",
            doc: "`starttls` upgrades the connection and fails if the relay cannot; `tls` is TLS \
                  from the first byte (SMTPS); `none` sends in the clear (a relay on loopback \
                  only)",
        },
        Key {
            name: "username",
            ty: "string",
            default: NONE,
            doc: "SMTP AUTH (PLAIN or LOGIN), with `password`: both or neither",
        },
        Key {
            name: "password",
            ty: "string",
            default: NONE,
            doc: "SMTP AUTH, with `username`; take it from the environment",
        },
        Key {
            name: "from",
            ty: "address",
            default: REQUIRED,
            doc: "the sender, `nines@example.com` or `nines <nines@example.com>`",
        },
        Key {
            name: "to",
            ty: "address or sequence of addresses",
            default: REQUIRED,
            doc: "the recipients",
        },
        Key {
            name: "ca_file",
            ty: "path",
            default: "the system's CAs",
            doc: "a PEM file of CAs to trust for the relay's certificate",
        },
    ],
};

/// `channels.<name>.pagerduty`.
pub(crate) const PAGERDUTY: Section = Section {
    path: "channels.<name>.pagerduty",
    keys: &[
        Key {
            name: "routing_key",
            ty: "string",
            default: REQUIRED,
            doc: "the integration key of a PagerDuty service (Events API v2); a secret, added \
                  when sending and never stored with the queued message",
        },
        Key {
            name: "url",
            ty: "URL",
            default: "`https://events.pagerduty.com/v2/enqueue`",
            doc: "where events go; another nines' `/integrations/pagerduty/v2/enqueue` works too",
        },
    ],
};

/// `channels.<name>.alertmanager` as a mapping.
pub(crate) const ALERTMANAGER: Section = Section {
    path: "channels.<name>.alertmanager",
    keys: &[
        Key {
            name: "url",
            ty: "URL",
            default: REQUIRED,
            doc: "`http://` or `https://` URL of the receiver; `alertmanager: URL` is short for \
                  it",
        },
        Key {
            name: "headers",
            ty: "mapping of string to string",
            default: NONE,
            doc: "request headers",
        },
    ],
};

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
    let f = ctx.fields(node, path, &CHANNEL)?;
    let kinds: Vec<(&str, &Node)> = KINDS
        .iter()
        .filter_map(|&k| f.get(k).map(|n| (k, n)))
        .collect();
    let to = match kinds.as_slice() {
        // Unknown keys were reported already, with a did-you-mean.
        [] if COMMON_KEYS.iter().filter(|k| f.get(k).is_some()).count() < count_entries(node) => {
            None
        }
        [] => {
            let msg = format!("missing the kind: give one of {}", one_of(&KINDS));
            ctx.error(f.line, path, msg);
            None
        }
        [(kind, n)] => {
            let path = join(path, kind);
            match *kind {
                "webhook" => read_webhook(ctx, n, &path),
                "slack" => read_slack(ctx, n, &path),
                "email" => read_email(ctx, n, &path),
                "pagerduty" => read_pagerduty(ctx, n, &path),
                _ => read_alertmanager(ctx, n, &path),
            }
        }
        [(first, _), (second, n), ..] => {
            let msg = format!(
                "a channel has one kind; this one has `{first}` and `{second}`: make two channels"
            );
            ctx.error(n.line, path, msg);
            None
        }
    };
    let rate_limit = match f.get("rate_limit") {
        Some(n) if n.kind != Kind::Null => {
            read_rate_limit(ctx, n, &join(path, "rate_limit")).map(Some)
        }
        _ => Some(None),
    };
    let title = read_template(ctx, f.get("title"), &join(path, "title"));
    let body = read_template(ctx, f.get("body"), &join(path, "body"));
    Some(Channel {
        to: to?,
        rate_limit: rate_limit?,
        template: Template {
            title: title?,
            body: body?,
        },
    })
}

fn count_entries(node: &Node) -> usize {
    match &node.kind {
        Kind::Map(pairs) => pairs.len(),
        _ => 0,
    }
}

/// `rate_limit: 20/1m`: a positive count per a period of at least a
/// second.
fn read_rate_limit(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<RateLimit> {
    let text = ctx.string(node, path)?;
    let parsed = text.split_once('/').and_then(|(n, per)| {
        let messages = n.trim().parse::<u32>().ok().filter(|&n| n > 0)?;
        let per = nines_slo::parse_duration(per.trim()).ok()?;
        Some(RateLimit { messages, per })
    });
    match parsed {
        Some(r) if r.per >= Duration::from_secs(1) => Some(r),
        _ => {
            let msg = format!(
                "`{text}` is not a rate limit; write messages per period, such as `20/1m` or \
                 `100/1h` (a count above 0, a period of at least 1s)"
            );
            ctx.error(node.line, path, msg);
            None
        }
    }
}

/// A template: text whose `{name}`s are all known placeholders (`{{` and
/// `}}` are literal braces). `Some(None)` when absent.
fn read_template(ctx: &mut Ctx<'_>, node: Option<&Node>, path: &str) -> Option<Option<String>> {
    let Some(node) = node.filter(|n| n.kind != Kind::Null) else {
        return Some(None);
    };
    let text = ctx.string(node, path)?;
    match template_problem(&text) {
        None => Some(Some(text)),
        Some(msg) => {
            ctx.error(node.line, path, msg);
            None
        }
    }
}

/// What is wrong with a template, if anything.
pub(crate) fn template_problem(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        let after = &rest[i + 1..];
        if rest[i..].starts_with("{{") || rest[i..].starts_with("}}") {
            rest = &after[1..];
            continue;
        }
        if rest.as_bytes()[i] == b'}' {
            return Some("a `}` without its `{`; write `}}` for a literal brace".into());
        }
        let Some(end) = after.find('}') else {
            return Some("a `{` without its `}`; write `{{` for a literal brace".into());
        };
        let name = &after[..end];
        if !TEMPLATE_FIELDS.contains(&name) {
            let hint = match suggest(name, &TEMPLATE_FIELDS) {
                Some(close) => format!("did you mean `{{{close}}}`?"),
                None => format!("placeholders are {}", all_of(&TEMPLATE_FIELDS)),
            };
            return Some(format!("unknown placeholder `{{{name}}}`; {hint}"));
        }
        rest = &after[end + 1..];
    }
    None
}

/// `webhook: { url, secret, headers }`.
fn read_webhook(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Destination> {
    let f = ctx.fields(node, path, &WEBHOOK)?;
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
    Some(Destination::Webhook {
        url: url?,
        secret: secret?,
        headers: headers?,
    })
}

/// `slack: URL` or `slack: { url: URL }`.
fn read_slack(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Destination> {
    let (url_node, field) = match node.kind {
        Kind::Map(_) => {
            let f = ctx.fields(node, path, &SLACK)?;
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
    Some(Destination::Slack { url })
}

/// A secret that must be given and not be empty; never echoed.
fn read_secret(ctx: &mut Ctx<'_>, f: &Fields<'_>, path: &str, key: &str) -> Option<String> {
    let n = ctx.require(f, path, key)?;
    let field = join(path, key);
    let s = ctx.string(n, &field)?;
    if s.is_empty() {
        let msg =
            format!("`{key}` is empty; set it, e.g. from the environment: `${{PD_ROUTING_KEY}}`");
        ctx.error(n.line, &field, msg);
        return None;
    }
    Some(s)
}

/// `pagerduty: { routing_key, url }`.
fn read_pagerduty(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Destination> {
    let f = ctx.fields(node, path, &PAGERDUTY)?;
    let routing_key = read_secret(ctx, &f, path, "routing_key");
    let url = match f.get("url") {
        Some(n) if n.kind != Kind::Null => crate::http::read_url(ctx, n, &join(path, "url")),
        _ => Some(PAGERDUTY_EVENTS_URL.to_string()),
    };
    Some(Destination::Pagerduty {
        routing_key: routing_key?,
        url: url?,
    })
}

/// `alertmanager: { url, headers }` (or `alertmanager: URL`).
fn read_alertmanager(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Destination> {
    if let Kind::Scalar { .. } = node.kind {
        let url = crate::http::read_url(ctx, node, path)?;
        return Some(Destination::Alertmanager {
            url,
            headers: Vec::new(),
        });
    }
    let f = ctx.fields(node, path, &ALERTMANAGER)?;
    let url = ctx
        .require(&f, path, "url")
        .and_then(|n| crate::http::read_url(ctx, n, &join(path, "url")));
    let headers = read_headers(ctx, &f, path);
    Some(Destination::Alertmanager {
        url: url?,
        headers: headers?,
    })
}

/// An address such as `oncall@example.com` or `Nines <nines@example.com>`:
/// checked loosely here (one `@`, no spaces in the address part); the relay
/// has the last word.
fn address_problem(s: &str) -> bool {
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    let parts: Vec<&str> = addr.split('@').collect();
    let valid = parts.len() == 2 && !parts[0].is_empty() && parts[1].contains('.');
    !valid || addr.contains(char::is_whitespace)
}

fn read_address(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let s = ctx.string(node, path)?;
    if address_problem(&s) {
        let msg = format!("`{s}` is not an email address such as `oncall@example.com`");
        ctx.error(node.line, path, msg);
        return None;
    }
    Some(s)
}

/// `email: { host, port, tls, username, password, from, to, ca_file }`.
fn read_email(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Destination> {
    let f = ctx.fields(node, path, &EMAIL)?;
    let host = ctx.require(&f, path, "host").and_then(|n| {
        let field = join(path, "host");
        let h = ctx.string(n, &field)?;
        if h.is_empty() || h.contains(['/', ' ', ':']) && !h.starts_with('[') {
            let msg = format!(
                "`{h}` is not a host name; give the relay's name or address alone, such as \
                 `smtp.example.com`, and the port under `port`"
            );
            ctx.error(n.line, &field, msg);
            return None;
        }
        Some(h)
    });
    let tls = match f.get("tls") {
        Some(n) => match ctx.choice(n, &join(path, "tls"), &["starttls", "tls", "none"]) {
            Some("starttls") => Some(SmtpTls::Starttls),
            Some("tls") => Some(SmtpTls::Implicit),
            Some(_) => Some(SmtpTls::None),
            None => None,
        },
        None => Some(SmtpTls::Starttls),
    };
    let port = match f.get("port") {
        Some(n) => ctx
            .integer(n, &join(path, "port"), 1, u64::from(u16::MAX))
            .and_then(|p| u16::try_from(p).ok()),
        None => tls.map(|t| match t {
            SmtpTls::Starttls => 587,
            SmtpTls::Implicit => 465,
            SmtpTls::None => 25,
        }),
    };
    let username = ctx.optional_string(f.get("username"), &join(path, "username"));
    let password = match f.get("password") {
        Some(n) if n.kind != Kind::Null => ctx.string(n, &join(path, "password")),
        _ => None,
    };
    let credentials = match (username, password) {
        (Some(u), Some(p)) => Some(Some((u, p))),
        (None, None) => Some(None),
        (u, _) => {
            let (given, missing) = if u.is_some() {
                ("username", "password")
            } else {
                ("password", "username")
            };
            let line = f.line_of(given).unwrap_or(f.line);
            let msg = format!("`{given}` without `{missing}`: SMTP AUTH needs both");
            ctx.error(line, &join(path, given), msg);
            None
        }
    };
    let from = ctx
        .require(&f, path, "from")
        .and_then(|n| read_address(ctx, n, &join(path, "from")));
    let to = ctx.require(&f, path, "to").and_then(|n| {
        let field = join(path, "to");
        if let Kind::Scalar { .. } = n.kind {
            return read_address(ctx, n, &field).map(|a| vec![a]);
        }
        let items = ctx.seq(n, &field)?;
        if items.is_empty() {
            ctx.error(n.line, &field, "no recipients; list at least one address");
            return None;
        }
        let read: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| read_address(ctx, item, &crate::read::index(&field, i)))
            .collect();
        read.into_iter().collect()
    });
    let ca_file = ctx
        .optional_string(f.get("ca_file"), &join(path, "ca_file"))
        .map(std::path::PathBuf::from);
    Some(Destination::Email(Email {
        host: host?,
        port: port?,
        tls: tls?,
        credentials: credentials?,
        from: from?,
        to: to?,
        ca_file,
    }))
}
