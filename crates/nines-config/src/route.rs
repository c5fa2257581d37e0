//! Reading `routes`: the routing tree that gives each alert its service,
//! incident severity, group and channels (Alertmanager's model), and the
//! label matchers that choose a route.

use std::collections::BTreeMap;

use crate::keys::{Key, NONE, Section};
use crate::model::Route;
use crate::read::{Ctx, NameRef, Refs, index, join};
use crate::slo::is_label_name;
use crate::yaml::{Kind, Node};

/// `routes`, the root route, and every child route under it.
pub(crate) const ROUTE: Section = Section {
    path: "routes",
    keys: &[
        Key {
            name: "matchers",
            ty: "sequence of strings",
            default: "none: every alert",
            doc: "label matchers (below), all of which must match; not on the root",
        },
        Key {
            name: "service",
            ty: "service name",
            default: "inherited; at the root, the alert's `service` label",
            doc: "the service whose incident the alert joins",
        },
        Key {
            name: "severity",
            ty: "mapping of `critical`, `error`, `warning`, `info` to `SEV1` … `SEV4`",
            default: "inherited per entry; at the root `critical: SEV1`, `error: SEV2`, \
                      `warning: SEV3`, `info: SEV4`",
            doc: "the incident severity of an alert of each severity",
        },
        Key {
            name: "group_by",
            ty: "sequence of label names, or `['...']`",
            default: "inherited; at the root, the service alone",
            doc: "labels whose values, with the service, make the group: alerts of one group \
                  join one open incident; `['...']` is all labels",
        },
        Key {
            name: "continue",
            ty: "`true` or `false`",
            default: "`false`",
            doc: "after taking an alert, let later siblings take it too; not on the root",
        },
        Key {
            name: "channels",
            ty: "sequence of channel names",
            default: "inherited; at the root, none",
            doc: "channels to notify; `[]` notifies none even when the parent does",
        },
        Key {
            name: "routes",
            ty: "sequence of routes",
            default: NONE,
            doc: "child routes, tried in order; at most 16 levels deep",
        },
    ],
};

/// A route's `severity`: incident severities by alert severity.
pub(crate) const SEVERITY: Section = Section {
    path: "routes.severity",
    keys: &[
        Key {
            name: "critical",
            ty: "`SEV1` … `SEV4`",
            default: "inherited; at the root `SEV1`",
            doc: "the severity of incidents of alerts labelled `severity=\"critical\"`",
        },
        Key {
            name: "error",
            ty: "`SEV1` … `SEV4`",
            default: "inherited; at the root `SEV2`",
            doc: "of alerts labelled `severity=\"error\"`",
        },
        Key {
            name: "warning",
            ty: "`SEV1` … `SEV4`",
            default: "inherited; at the root `SEV3`",
            doc: "of alerts labelled `severity=\"warning\"`",
        },
        Key {
            name: "info",
            ty: "`SEV1` … `SEV4`",
            default: "inherited; at the root `SEV4`",
            doc: "of alerts labelled `severity=\"info\"`",
        },
    ],
};

/// Keys of Alertmanager routes that nines routes do not have, accepted by
/// the reader only to say what to write instead.
const ALERTMANAGER_KEYS: [&str; 8] = [
    "receiver",
    "match",
    "match_re",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "mute_time_intervals",
    "active_time_intervals",
];

/// The severities alerts carry, which `severity` maps.
const ALERT_SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];

/// Incident severities, most severe first.
const INCIDENT_SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];

/// How deep child routes may nest below the root. Real trees are two or
/// three levels deep; the bound keeps the router's recursion small.
const MAX_DEPTH: usize = 16;

/// `group_by` entry meaning every label.
const ALL_LABELS: &str = "...";

/// The forms of a matcher, for messages.
const MATCHER_FORMS: &str =
    "a matcher is `name=\"value\"`, `name!=\"value\"`, `name=~\"regex\"` or `name!~\"regex\"`";

/// Reads the top-level `routes`: the root route. Names of services and
/// channels go into `refs`, to check once every file is read.
pub(crate) fn read_routes(ctx: &mut Ctx<'_>, node: &Node, refs: &mut Refs) -> Option<Route> {
    if let Kind::Seq(_) = node.kind {
        let msg = "expected a mapping, found a sequence: `routes` is the root route; list child \
                   routes under it: `routes: { routes: [...] }`";
        ctx.error(node.line, "routes", msg);
        return None;
    }
    read_route(ctx, node, "routes", 0, refs)
}

/// A route `depth` levels below the root, and its children.
fn read_route(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    depth: usize,
    refs: &mut Refs,
) -> Option<Route> {
    let f = ctx.fields_refusing(node, path, &ROUTE, &ALERTMANAGER_KEYS)?;
    let mut ok = true;
    for key in ALERTMANAGER_KEYS {
        if let Some(line) = f.key_line(key) {
            ctx.error(line, path, alertmanager_key(key));
            ok = false;
        }
    }
    let matchers = match f.get("matchers") {
        Some(n) if depth == 0 && matches!(&n.kind, Kind::Seq(items) if !items.is_empty()) => {
            let msg = "the root route takes every alert and has no matchers; put them on child \
                       routes under `routes`";
            ctx.error(n.line, &join(path, "matchers"), msg);
            None
        }
        Some(n) => read_matchers(ctx, n, &join(path, "matchers")),
        None => Some(Vec::new()),
    };
    let service = match f.get("service") {
        Some(n) if n.kind != Kind::Null => read_ref(
            ctx,
            n,
            &join(path, "service"),
            "service",
            &mut refs.services,
        )
        .map(Some),
        _ => Some(None),
    };
    let severity = match f.get("severity") {
        Some(n) => read_severity(ctx, n, &join(path, "severity")),
        None => Some(BTreeMap::new()),
    };
    let group_by = match f.get("group_by") {
        Some(n) if n.kind != Kind::Null => read_group_by(ctx, n, &join(path, "group_by")).map(Some),
        _ => Some(None),
    };
    let continue_ = match f.get("continue") {
        Some(n) => {
            let field = join(path, "continue");
            match ctx.boolean(n, &field) {
                Some(true) if depth == 0 => {
                    let msg = "the root route has no siblings to continue to; set `continue` on \
                               child routes";
                    ctx.error(n.line, &field, msg);
                    None
                }
                b => b,
            }
        }
        None => Some(false),
    };
    let channels = match f.get("channels") {
        Some(n) if n.kind != Kind::Null => {
            read_channel_names(ctx, n, &join(path, "channels"), &mut refs.channels).map(Some)
        }
        _ => Some(None),
    };
    let routes = match f.get("routes") {
        Some(n) => read_children(ctx, n, &join(path, "routes"), depth, refs),
        None => Some(Vec::new()),
    };
    let route = Route {
        matchers: matchers?,
        service: service?,
        severity: severity?,
        group_by: group_by?,
        continue_: continue_?,
        channels: channels?,
        routes: routes?,
    };
    ok.then_some(route)
}

/// What to write instead of Alertmanager's route key `key`.
fn alertmanager_key(key: &str) -> String {
    match key {
        "receiver" => "`receiver` is Alertmanager's; nines routes name `channels`: \
                       `channels: [ops]`"
            .to_string(),
        "match" | "match_re" => {
            let op = if key == "match" { "=" } else { "=~" };
            format!(
                "`{key}` is Alertmanager's older form; write `matchers` instead, such as \
                 `matchers: ['team{op}\"payments\"']`"
            )
        }
        _ => format!("`{key}` is an Alertmanager setting nines does not have; remove it"),
    }
}

/// `routes` of a route `depth` levels below the root.
fn read_children(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    depth: usize,
    refs: &mut Refs,
) -> Option<Vec<Route>> {
    let items = ctx.seq(node, path)?;
    if depth >= MAX_DEPTH && !items.is_empty() {
        let msg = format!(
            "routes nest more than {MAX_DEPTH} levels deep; flatten the tree (a route may hold \
             several matchers)"
        );
        ctx.error(node.line, path, msg);
        return None;
    }
    let mut out = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        let child = read_route(ctx, item, &index(path, i), depth + 1, refs);
        match (child, out.as_mut()) {
            (Some(c), Some(v)) => v.push(c),
            _ => out = None,
        }
    }
    out
}

/// The items of a list; a lone scalar, a common slip (`channels: ops`),
/// gets the list it should have been.
fn list<'n>(ctx: &mut Ctx<'_>, node: &'n Node, path: &str) -> Option<&'n [Node]> {
    if let Kind::Scalar { value, .. } = &node.kind {
        let key = path.rsplit('.').next().unwrap_or(path);
        let msg = format!("expected a sequence, found a scalar; write a list: `{key}: [{value}]`");
        ctx.error(node.line, path, msg);
        return None;
    }
    ctx.seq(node, path)
}

/// A name of something defined elsewhere (`what`: "service", "channel"),
/// recorded in `refs` to be checked once every file is read.
fn read_ref(
    ctx: &mut Ctx<'_>,
    node: &Node,
    field: &str,
    what: &str,
    refs: &mut Vec<NameRef>,
) -> Option<String> {
    let name = ctx.name(node, field, what)?;
    refs.push(NameRef {
        line: node.line,
        field: field.to_string(),
        name: name.clone(),
    });
    Some(name)
}

fn read_channel_names(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    refs: &mut Vec<NameRef>,
) -> Option<Vec<String>> {
    let items = list(ctx, node, path)?;
    let mut out = Some(Vec::with_capacity(items.len()));
    let mut seen = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let name = read_ref(ctx, item, &field, "channel", refs).and_then(|name| {
            if seen.contains(&name) {
                let msg = format!("channel `{name}` is listed twice; list it once");
                ctx.error(item.line, &field, msg);
                return None;
            }
            seen.push(name.clone());
            Some(name)
        });
        match (name, out.as_mut()) {
            (Some(n), Some(v)) => v.push(n),
            _ => out = None,
        }
    }
    out
}

/// `severity: { critical: SEV1, ... }`.
fn read_severity(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<BTreeMap<String, String>> {
    let f = ctx.fields(node, path, &SEVERITY)?;
    let mut out = Some(BTreeMap::new());
    for key in ALERT_SEVERITIES {
        let Some(n) = f.get(key) else { continue };
        let field = join(path, key);
        let value = ctx
            .scalar(n, &field, "an incident severity, `SEV1` to `SEV4`")
            .and_then(|(text, _)| {
                if INCIDENT_SEVERITIES.contains(&text.as_str()) {
                    return Some(text);
                }
                let upper = text.to_ascii_uppercase();
                let msg = if INCIDENT_SEVERITIES.contains(&upper.as_str()) {
                    format!("`{text}` is not an incident severity; did you mean `{upper}`?")
                } else {
                    format!(
                        "`{text}` is not an incident severity; use `SEV1` (the most severe) to \
                         `SEV4`"
                    )
                };
                ctx.error(n.line, &field, msg);
                None
            });
        match (value, out.as_mut()) {
            (Some(v), Some(map)) => {
                map.insert(key.to_string(), v);
            }
            _ => out = None,
        }
    }
    out
}

/// `group_by: [label, ...]` or `['...']`.
fn read_group_by(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<String>> {
    let items = list(ctx, node, path)?;
    let mut out = Some(Vec::with_capacity(items.len()));
    let mut seen = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let label = ctx.string(item, &field).and_then(|label| {
            let problem = if label == ALL_LABELS {
                (items.len() > 1).then(|| {
                    "`...` groups by every label, so it stands alone: `group_by: ['...']`"
                        .to_string()
                })
            } else if !is_label_name(&label) {
                Some(format!(
                    "`{label}` is not a label name: use letters, digits and `_`, not starting \
                     with a digit"
                ))
            } else if seen.contains(&label) {
                Some(format!("`{label}` is listed twice; list it once"))
            } else {
                seen.push(label.clone());
                None
            };
            match problem {
                Some(msg) => {
                    ctx.error(item.line, &field, msg);
                    None
                }
                None => Some(label),
            }
        });
        match (label, out.as_mut()) {
            (Some(l), Some(v)) => v.push(l),
            _ => out = None,
        }
    }
    out
}

pub(crate) fn read_matchers(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<String>> {
    let items = list(ctx, node, path)?;
    let mut out = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let matcher = if let Kind::Map(_) = item.kind {
            // Alertmanager's older `match: { team: payments }`.
            let msg = format!(
                "{MATCHER_FORMS}, written as a string: `team=\"payments\"`, not `team: payments`"
            );
            ctx.error(item.line, &field, msg);
            None
        } else {
            ctx.string(item, &field)
                .and_then(|text| match parse_matcher(&text) {
                    Ok(m) => Some(m),
                    Err(msg) => {
                        ctx.error(item.line, &field, msg);
                        None
                    }
                })
        };
        match (matcher, out.as_mut()) {
            (Some(m), Some(v)) => v.push(m),
            _ => out = None,
        }
    }
    out
}

// === matchers ===

/// Parses one matcher with the parser routing uses (nines-incident's,
/// Alertmanager's syntax: values quoted or bare, `team=payments`), so what
/// the config accepts is what routes. `Ok` is the matcher in its canonical
/// quoted form (`team="payments"`); `Err` the message with the column.
pub(crate) fn parse_matcher(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err(format!("the matcher is empty; {MATCHER_FORMS}"));
    }
    nines_incident::Matcher::parse(text)
        .map(|m| m.to_string())
        .map_err(|e| format!("column {}: {}; {MATCHER_FORMS}", e.column, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_read_in_every_form_and_come_back_quoted() {
        for (text, canonical) in [
            ("team=\"payments\"", "team=\"payments\""),
            ("team = 'payments'", "team=\"'payments'\""),
            ("team=payments", "team=\"payments\""),
            ("team!=payments", "team!=\"payments\""),
            ("severity=~critical|error", "severity=~\"critical|error\""),
            ("env!~\"dev|test\"", "env!~\"dev|test\""),
            ("path=~\\d+", "path=~\"\\\\d+\""),
            ("team=", "team=\"\""),
            ("team!=\"\"", "team!=\"\""),
            ("  team =  payments  ", "team=\"payments\""),
        ] {
            assert_eq!(parse_matcher(text).as_deref(), Ok(canonical), "{text}");
        }
    }

    #[test]
    fn matcher_errors_point_into_the_matcher() {
        for (text, column) in [
            ("team", 5),
            ("team=\"pay", 6),
            ("team=~(", 7),
            ("1team=a", 1),
            ("msg=say \"hi\"", 9),
        ] {
            let err = parse_matcher(text).unwrap_err();
            assert!(
                err.starts_with(&format!("column {column}: ")),
                "{text}: {err}"
            );
            assert!(err.ends_with(MATCHER_FORMS), "{err}");
        }
        assert!(parse_matcher(" ").unwrap_err().contains("empty"));
    }
}
