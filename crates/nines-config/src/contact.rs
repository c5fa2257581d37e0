//! How a user is reached when paged (`notify` rules over their `email`,
//! `slack` and `webhook`), and their working and quiet hours, which on-call
//! health reports read.

use jiff::SignedDuration;
use nines_oncall::{ContactKind, ContactMethod, NotificationRule, Restriction};

use crate::http::read_url;
use crate::read::{Ctx, Fields, index, join, one_of};
use crate::yaml::{Kind, Node};

/// The contact methods, in the order `notify` defaults to.
const KINDS: [&str; 3] = ["slack", "email", "webhook"];

/// What [`read_contact`] reads.
pub(crate) struct Contact {
    pub webhook: Option<String>,
    pub notify: Vec<NotificationRule>,
    pub working_hours: Option<Restriction>,
    pub quiet_hours: Option<Restriction>,
}

/// Reads `webhook`, `notify`, `working_hours` and `quiet_hours` of user
/// `path`, given its `email` and `slack`; `None` when any has errors.
pub(crate) fn read_contact(
    ctx: &mut Ctx<'_>,
    f: &Fields<'_>,
    path: &str,
    email: Option<&str>,
    slack: Option<&str>,
) -> Option<Contact> {
    let webhook = match f.get("webhook") {
        Some(n) if n.kind != Kind::Null => Some(read_url(ctx, n, &join(path, "webhook"))?),
        _ => None,
    };
    let address = |kind: ContactKind| match kind {
        ContactKind::Email => email.map(str::to_string),
        ContactKind::Slack => slack.map(str::to_string),
        ContactKind::Webhook => webhook.clone(),
    };
    let notify = match f.get("notify") {
        Some(n) => read_notify(ctx, n, path, &address),
        None => Some(
            KINDS
                .iter()
                .filter_map(|k| {
                    let kind = kind_of(k);
                    Some(NotificationRule {
                        method: ContactMethod {
                            kind,
                            address: address(kind)?,
                        },
                        after: SignedDuration::ZERO,
                    })
                })
                .collect(),
        ),
    };
    let mut hours = |key: &str| match f.get(key) {
        Some(n) if n.kind != Kind::Null => {
            crate::oncall::read_restriction(ctx, n, &join(path, key)).map(Some)
        }
        _ => Some(None),
    };
    let working_hours = hours("working_hours");
    let quiet_hours = hours("quiet_hours");
    Some(Contact {
        webhook,
        notify: notify?,
        working_hours: working_hours?,
        quiet_hours: quiet_hours?,
    })
}

fn kind_of(key: &str) -> ContactKind {
    match key {
        "email" => ContactKind::Email,
        "slack" => ContactKind::Slack,
        _ => ContactKind::Webhook,
    }
}

/// `notify: [slack, { email: 5m }]`: each rule a method (at once) or a
/// one-key mapping of a method to `now` or a delay.
fn read_notify(
    ctx: &mut Ctx<'_>,
    node: &Node,
    user_path: &str,
    address: &dyn Fn(ContactKind) -> Option<String>,
) -> Option<Vec<NotificationRule>> {
    let path = join(user_path, "notify");
    let items = ctx.seq(node, &path)?;
    if items.is_empty() {
        let msg = "give at least one rule, or leave `notify` out to be notified by every method \
                   at once";
        ctx.error(node.line, &path, msg);
        return None;
    }
    let mut out: Vec<NotificationRule> = Vec::new();
    let mut complete = true;
    for (i, item) in items.iter().enumerate() {
        let field = index(&path, i);
        let rule = match &item.kind {
            Kind::Map(pairs) if pairs.len() == 1 => {
                let (key, value) = &pairs[0];
                let kind = ctx.choice(key, &field, &KINDS);
                let after = read_after(ctx, value, &field);
                kind.zip(after)
            }
            Kind::Scalar { .. } => ctx
                .choice(item, &field, &KINDS)
                .map(|k| (k, SignedDuration::ZERO)),
            _ => {
                let msg = format!(
                    "expected a method ({}) or `{{ method: delay }}` such as `{{ email: 5m }}`, \
                     found {}",
                    one_of(&KINDS),
                    item.kind_name()
                );
                ctx.error(item.line, &field, msg);
                None
            }
        };
        let Some((key, after)) = rule else {
            complete = false;
            continue;
        };
        let kind = kind_of(key);
        let Some(address) = address(kind) else {
            let msg = format!("the user has no `{key}`; add `{key}:` to `{user_path}`");
            ctx.error(item.line, &field, msg);
            complete = false;
            continue;
        };
        let rule = NotificationRule {
            method: ContactMethod { kind, address },
            after,
        };
        if out.contains(&rule) {
            ctx.error(
                item.line,
                &field,
                format!("`{key}` is already given at that delay"),
            );
            complete = false;
            continue;
        }
        out.push(rule);
    }
    complete.then_some(out)
}

/// `now` or a delay such as `5m`.
fn read_after(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<SignedDuration> {
    if let Kind::Scalar { value, .. } = &node.kind
        && value == "now"
    {
        return Some(SignedDuration::ZERO);
    }
    let d = ctx.duration(node, path, std::time::Duration::ZERO)?;
    SignedDuration::try_from(d).ok()
}
