//! Reading `status_page`: the public status page's title and its
//! components, each a group of services shown as one line with one state,
//! one uptime and one badge.

use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::read::{Ctx, NameRef, index, join};
use crate::yaml::{Kind, Node};

/// `status_page`.
pub(crate) const STATUS_PAGE: Section = Section {
    path: "status_page",
    keys: &[
        Key {
            name: "title",
            ty: "string",
            default: "`Status`",
            doc: "the page's heading, window title and feed title",
        },
        Key {
            name: "components",
            ty: "sequence",
            default: "one per service",
            doc: "the lines of the page, in this order",
        },
        Key {
            name: "publish",
            ty: "`confirmed` or `auto`",
            default: "`confirmed`",
            doc: "`confirmed`: an incident, and the impact it means for its components, appears once a responder publishes it (the incident page's \"Publish to status page\", `POST /api/v1/incidents/{id}/publish`, `nines incident publish`); `auto`: open incidents, failing probes and burning page tiers show at once. The daily uptime bars are measured either way",
        },
    ],
};

/// `status_page.components[i]`.
pub(crate) const COMPONENT: Section = Section {
    path: "status_page.components[i]",
    keys: &[
        Key {
            name: "name",
            ty: "string",
            default: REQUIRED,
            doc: "what customers read; unique, at most 100 characters, no `/`",
        },
        Key {
            name: "description",
            ty: "string",
            default: NONE,
            doc: "one line under the name",
        },
        Key {
            name: "services",
            ty: "sequence of service names",
            default: REQUIRED,
            doc: "at least one; a service may be in several components",
        },
    ],
};

/// `status_page`: what the public status page (`/status`) shows. Optional;
/// by default it is titled "Status" and shows one component per service.
/// Given in one file only.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusPage {
    /// `title`: the page's heading and the title of its feed. Optional;
    /// default "Status".
    pub title: Option<String>,
    /// `components`: the lines of the page, in this order. Optional;
    /// default (empty here): one component per service, named after it.
    /// Services no component lists are not shown.
    pub components: Vec<StatusComponent>,
    /// `publish`: what reaches the public page by itself.
    pub publish: Publish,
}

/// What of an incident reaches the public status page without a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Publish {
    /// Only incidents a responder published, with their impact: what
    /// Statuspage users expect (a page that never says more than people
    /// confirmed).
    #[default]
    Confirmed,
    /// Every open incident and every measured signal, at once.
    Auto,
}

/// `status_page.components[]`: one line of the status page.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusComponent {
    /// `name`: what customers read (`Web shop`); unique, at most 100
    /// characters, no `/` (it is the badge's file name,
    /// `/status/badge/<name>.svg`).
    pub name: String,
    /// `description`: one line under the name. Optional.
    pub description: Option<String>,
    /// `services`: the services whose state it shows, at least one; its
    /// state and each day's uptime are the worst of theirs.
    pub services: Vec<String>,
}

/// Longest component name: a line on a phone and a badge.
const MAX_NAME_CHARS: usize = 100;

/// Reads the top-level `status_page`. Service names go into `services`, to
/// check once every file is read.
pub(crate) fn read_status_page(
    ctx: &mut Ctx<'_>,
    node: &Node,
    services: &mut Vec<NameRef>,
) -> Option<StatusPage> {
    let path = "status_page";
    let f = ctx.fields(node, path, &STATUS_PAGE)?;
    let title = match f.get("title") {
        Some(n) if n.kind != Kind::Null => {
            let field = join(path, "title");
            match ctx.string(n, &field) {
                Some(t) if t.trim().is_empty() => {
                    let msg = "the title is empty; give one or leave `title` out";
                    ctx.error(n.line, &field, msg);
                    None
                }
                Some(t) => Some(Some(t)),
                None => None,
            }
        }
        _ => Some(None),
    };
    let components = match f.get("components") {
        Some(n) => read_components(ctx, n, &join(path, "components"), services),
        None => Some(Vec::new()),
    };
    let publish = match f.get("publish") {
        Some(n) => match ctx.choice(n, &join(path, "publish"), &["confirmed", "auto"]) {
            Some("auto") => Some(Publish::Auto),
            Some(_) => Some(Publish::Confirmed),
            None => None,
        },
        None => Some(Publish::Confirmed),
    };
    Some(StatusPage {
        title: title?,
        components: components?,
        publish: publish?,
    })
}

fn read_components(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    services: &mut Vec<NameRef>,
) -> Option<Vec<StatusComponent>> {
    let items = ctx.seq(node, path)?;
    if items.is_empty() {
        let msg = "no components listed; list at least one, or leave `components` out for one \
                   per service";
        ctx.error(node.line, path, msg);
        return None;
    }
    let mut out = Some(Vec::with_capacity(items.len()));
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let c = read_component(ctx, item, &field, &mut seen, services);
        match (c, out.as_mut()) {
            (Some(c), Some(v)) => v.push(c),
            _ => out = None,
        }
    }
    out
}

fn read_component(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    seen: &mut Vec<(String, usize)>,
    refs: &mut Vec<NameRef>,
) -> Option<StatusComponent> {
    let f = ctx.fields(node, path, &COMPONENT)?;
    let name = ctx.require(&f, path, "name").and_then(|n| {
        let field = join(path, "name");
        let name = ctx.string(n, &field)?;
        let trimmed = name.trim();
        let msg = if trimmed.is_empty() {
            "the name is empty".to_string()
        } else if trimmed.contains('/') {
            format!("`{trimmed}` contains `/`; the name is the badge's file name, so leave it out")
        } else if trimmed.chars().count() > MAX_NAME_CHARS {
            format!("the name is longer than {MAX_NAME_CHARS} characters")
        } else if let Some((_, line)) = seen.iter().find(|(s, _)| s == trimmed) {
            format!(
                "component `{trimmed}` is already listed at line {line}; give each a name of its own"
            )
        } else {
            seen.push((trimmed.to_string(), n.line));
            return Some(trimmed.to_string());
        };
        ctx.error(n.line, &field, msg);
        None
    });
    let description = ctx.optional_string(f.get("description"), &join(path, "description"));
    let services = ctx
        .require(&f, path, "services")
        .and_then(|n| read_services(ctx, n, &join(path, "services"), refs));
    Some(StatusComponent {
        name: name?,
        description,
        services: services?,
    })
}

fn read_services(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    refs: &mut Vec<NameRef>,
) -> Option<Vec<String>> {
    if let Kind::Scalar { value, .. } = &node.kind {
        let msg =
            format!("expected a sequence, found a scalar; write a list: `services: [{value}]`");
        ctx.error(node.line, path, msg);
        return None;
    }
    let items = ctx.seq(node, path)?;
    if items.is_empty() {
        ctx.error(node.line, path, "no services listed; list at least one");
        return None;
    }
    let mut out = Some(Vec::with_capacity(items.len()));
    let mut seen = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let name = ctx.name(item, &field, "service").and_then(|name| {
            if seen.contains(&name) {
                let msg = format!("service `{name}` is listed twice; list it once");
                ctx.error(item.line, &field, msg);
                return None;
            }
            seen.push(name.clone());
            refs.push(NameRef {
                line: item.line,
                field,
                name: name.clone(),
            });
            Some(name)
        });
        match (name, out.as_mut()) {
            (Some(n), Some(v)) => v.push(n),
            _ => out = None,
        }
    }
    out
}
