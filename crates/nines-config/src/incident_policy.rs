//! Reading `incidents`: how incidents behave once opened (auto-resolve,
//! reopening, how long notifications are retried), what their one-click
//! links need, and when alerts notify nobody (maintenance windows,
//! inhibition).

use std::time::Duration;

use jiff::SignedDuration;
use nines_incident::{Inhibit, MaintenanceWindow, Matcher, Scope};

use crate::http::read_url;
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::model::IncidentSettings;
use crate::read::{Ctx, NameRef, Refs, index, join};
use crate::yaml::{Kind, Node};

/// `incidents`.
pub(crate) const INCIDENTS: Section = Section {
    path: "incidents",
    keys: &[
        Key {
            name: "auto_resolve",
            ty: "`true` or `false`",
            default: "`true`",
            doc: "resolve an incident when its last firing alert resolves; with `false`, people \
                  resolve it",
        },
        Key {
            name: "give_up_after",
            ty: "duration",
            default: "`24h`",
            doc: "how long a notification is retried before it is given up (noted on the \
                  incident's timeline); at least `1m`",
        },
        Key {
            name: "secret",
            ty: "string of 16 or more characters",
            default: "none: no links",
            doc: "signs the one-click acknowledge and resolve links in notifications; needs \
                  `external_url`; take it from the environment",
        },
        Key {
            name: "external_url",
            ty: "URL",
            default: NONE,
            doc: "nines' address as people reach it, for links; `http://` or `https://`, \
                  without `?` or `#`; a trailing `/` is dropped",
        },
        Key {
            name: "link_lifetime",
            ty: "duration",
            default: "`24h`",
            doc: "how long one-click acknowledge/resolve links work after the message was \
                  queued; `1m` to 30 days",
        },
        Key {
            name: "reopen_within",
            ty: "duration",
            default: "`1h`",
            doc: "an alert firing again this soon after its incident resolved reopens that \
                  incident instead of opening a new one; `0s` never reopens",
        },
        Key {
            name: "default_service",
            ty: "service name",
            default: "none: refused",
            doc: "the service of an Alertmanager or PagerDuty alert that no route and no \
                  `service` label of a configured service place, when its integration names no \
                  `service` either; without one such alerts are refused (422), never given a \
                  service nobody configured",
        },
        Key {
            name: "maintenance",
            ty: "sequence",
            default: NONE,
            doc: "recurring windows in which matching alerts notify nobody (below)",
        },
        Key {
            name: "inhibit",
            ty: "sequence",
            default: NONE,
            doc: "rules under which one firing alert mutes others (below)",
        },
    ],
};

/// `incidents.maintenance[i]`.
pub(crate) const MAINTENANCE: Section = Section {
    path: "incidents.maintenance[i]",
    keys: &[
        Key {
            name: "name",
            ty: "name",
            default: REQUIRED,
            doc: "unique among the windows; shown on timelines",
        },
        Key {
            name: "services",
            ty: "sequence of service names",
            default: "—",
            doc: "alerts routed to these services",
        },
        Key {
            name: "matchers",
            ty: "sequence of matchers",
            default: "—",
            doc: "alerts whose labels match all (as in [`routes`](#routes)); give `services` or \
                  `matchers`",
        },
        Key {
            name: "timezone",
            ty: "IANA zone",
            default: REQUIRED,
            doc: "where `days` and `start` are read",
        },
        Key {
            name: "days",
            ty: "sequence of weekdays (`mon` … `sun`)",
            default: "every day",
            doc: "the local days the window starts on",
        },
        Key {
            name: "start",
            ty: "`HH:MM`",
            default: REQUIRED,
            doc: "local start time",
        },
        Key {
            name: "duration",
            ty: "duration",
            default: REQUIRED,
            doc: "elapsed length, from `1m` to 7 days",
        },
    ],
};

/// `incidents.inhibit[i]`.
pub(crate) const INHIBIT: Section = Section {
    path: "incidents.inhibit[i]",
    keys: &[
        Key {
            name: "source_matchers",
            ty: "sequence of matchers",
            default: "required, not empty",
            doc: "the muting alert",
        },
        Key {
            name: "target_matchers",
            ty: "sequence of matchers",
            default: "required, not empty",
            doc: "the muted alerts",
        },
        Key {
            name: "equal",
            ty: "sequence of label names",
            default: NONE,
            doc: "labels that must be equal on both (a missing label reads as empty); an \
                  alert's `service` label is its routed service",
        },
    ],
};

/// Retrying for less than a minute would give up on a receiver that is
/// merely restarting.
const MIN_GIVE_UP_AFTER: Duration = Duration::from_secs(60);

/// An HMAC key shorter than this is guessable.
const MIN_SECRET_CHARS: usize = 16;

/// Reads `incidents`; `None` when it has errors (they are in `ctx`).
pub(crate) fn read_policy(
    ctx: &mut Ctx<'_>,
    node: &Node,
    refs: &mut Refs,
) -> Option<IncidentSettings> {
    let path = "incidents";
    let f = ctx.fields(node, path, &INCIDENTS)?;
    let defaults = IncidentSettings::default();
    let auto_resolve = match f.get("auto_resolve") {
        Some(n) => ctx.boolean(n, &join(path, "auto_resolve")),
        None => Some(defaults.lifecycle.auto_resolve),
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
    let link_lifetime =
        match f.get("link_lifetime") {
            Some(n) => {
                let field = join(path, "link_lifetime");
                ctx.duration(n, &field, Duration::from_secs(60)).and_then(|d| {
                if d > Duration::from_secs(30 * 86_400) {
                    let msg = "longer than 30 days; a link is a key to the incident: keep it short";
                    ctx.error(n.line, &field, msg);
                    return None;
                }
                Some(d)
            })
            }
            None => Some(defaults.link_lifetime),
        };
    let reopen_within = match f.get("reopen_within") {
        Some(n) => ctx.duration(n, &join(path, "reopen_within"), Duration::ZERO),
        None => Some(Duration::from_secs(
            defaults.lifecycle.reopen_window.as_secs().unsigned_abs(),
        )),
    };
    let default_service = match f.get("default_service") {
        Some(n) if n.kind != Kind::Null => {
            let field = join(path, "default_service");
            ctx.name(n, &field, "service").map(|service| {
                refs.services.push(NameRef {
                    line: n.line,
                    field,
                    name: service.clone(),
                });
                Some(service)
            })
        }
        _ => Some(None),
    };
    let maintenance = match f.get("maintenance") {
        Some(n) => read_maintenance(ctx, n, &join(path, "maintenance"), &mut refs.services),
        None => Some(Vec::new()),
    };
    let inhibit = match f.get("inhibit") {
        Some(n) => read_inhibit(ctx, n, &join(path, "inhibit")),
        None => Some(Vec::new()),
    };
    Some(IncidentSettings {
        lifecycle: nines_incident::IncidentPolicy {
            auto_resolve: auto_resolve?,
            reopen_window: jiff::SignedDuration::try_from(reopen_within?)
                .unwrap_or(jiff::SignedDuration::MAX),
        },
        give_up_after: give_up_after?,
        link_secret: secret?,
        external_url: external_url?,
        link_lifetime: link_lifetime?,
        default_service: default_service?,
        maintenance: maintenance?,
        inhibit: inhibit?,
    })
}

/// Matchers as nines-incident's, read with the routes' reader so the same
/// text means the same thing everywhere.
fn matchers(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<Matcher>> {
    let texts = crate::route::read_matchers(ctx, node, path)?;
    // Canonical texts from a successful parse: they parse again.
    texts.iter().map(|t| Matcher::parse(t).ok()).collect()
}

/// `maintenance: [{ name, services | matchers, timezone, days, start,
/// duration }]`.
fn read_maintenance(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    services: &mut Vec<NameRef>,
) -> Option<Vec<MaintenanceWindow>> {
    let items = ctx.seq(node, path)?;
    let mut out = Some(Vec::with_capacity(items.len()));
    let mut names: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let window = read_window(ctx, item, &p, services).and_then(|w| {
            if names.contains(&w.name) {
                let msg = format!(
                    "maintenance window `{}` is defined twice; give each its own name",
                    w.name
                );
                ctx.error(item.line, &join(&p, "name"), msg);
                return None;
            }
            names.push(w.name.clone());
            Some(w)
        });
        match (window, out.as_mut()) {
            (Some(w), Some(v)) => v.push(w),
            _ => out = None,
        }
    }
    out
}

fn read_window(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    refs: &mut Vec<NameRef>,
) -> Option<MaintenanceWindow> {
    let f = ctx.fields(node, path, &MAINTENANCE)?;
    let name = ctx
        .require(&f, path, "name")
        .and_then(|n| ctx.name(n, &join(path, "name"), "maintenance window"));
    let scope = match (f.get("services"), f.get("matchers")) {
        (Some(_), Some(_)) => {
            let line = f.line_of("matchers").unwrap_or(f.line);
            let msg = "give `services` or `matchers`, not both: make two windows";
            ctx.error(line, path, msg);
            None
        }
        (Some(n), None) => {
            let field = join(path, "services");
            let items = ctx.seq(n, &field)?;
            let mut names = Some(Vec::new());
            for (i, item) in items.iter().enumerate() {
                let field = index(&field, i);
                let name = ctx.name(item, &field, "service");
                if let Some(name) = &name {
                    refs.push(NameRef {
                        line: item.line,
                        field: field.clone(),
                        name: name.clone(),
                    });
                }
                match (name, names.as_mut()) {
                    (Some(s), Some(v)) => v.push(s),
                    _ => names = None,
                }
            }
            match names {
                Some(v) if v.is_empty() => {
                    ctx.error(n.line, &field, "no services; list at least one");
                    None
                }
                v => v.map(Scope::Services),
            }
        }
        (None, Some(n)) => {
            let field = join(path, "matchers");
            matchers(ctx, n, &field).and_then(|m| {
                if m.is_empty() {
                    ctx.error(
                        n.line,
                        &field,
                        "no matchers; a window needs at least one, or `services`",
                    );
                    return None;
                }
                Some(Scope::Matchers(m))
            })
        }
        (None, None) => {
            let msg = "missing what the window quiets: give `services: [...]` or `matchers: [...]`";
            ctx.error(f.line, path, msg);
            None
        }
    };
    let timezone = ctx
        .require(&f, path, "timezone")
        .and_then(|n| ctx.timezone(n, &join(path, "timezone")));
    let days = match f.get("days") {
        Some(n) => crate::oncall::read_days(ctx, n, &join(path, "days"), crate::oncall::WEEKDAY),
        None => Some(Vec::new()),
    };
    let start = ctx
        .require(&f, path, "start")
        .and_then(|n| crate::oncall::read_time(ctx, n, &join(path, "start")));
    let duration = ctx.require(&f, path, "duration").and_then(|n| {
        let field = join(path, "duration");
        let d = ctx.duration(n, &field, Duration::from_secs(60))?;
        let week = Duration::from_secs(7 * 86_400);
        if d > week {
            let msg = "longer than a week; a window recurs at most weekly: use a silence for a long quiet period";
            ctx.error(n.line, &field, msg);
            return None;
        }
        SignedDuration::try_from(d).ok()
    });
    let (name, scope, timezone, days, start, duration) =
        (name?, scope?, timezone?, days?, start?, duration?);
    MaintenanceWindow::new(name, scope, timezone, days, start, duration).ok()
}

/// `inhibit: [{ source_matchers, target_matchers, equal }]`, as
/// Alertmanager's `inhibit_rules`.
fn read_inhibit(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<Inhibit>> {
    let items = ctx.seq(node, path)?;
    let mut out = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let rule = (|| {
            let f = ctx.fields(item, &p, &INHIBIT)?;
            let mut side = |key: &str| {
                let n = ctx.require(&f, &p, key)?;
                let field = join(&p, key);
                let m = matchers(ctx, n, &field)?;
                if m.is_empty() {
                    ctx.error(
                        n.line,
                        &field,
                        "no matchers; an empty side would match every alert",
                    );
                    return None;
                }
                Some(m)
            };
            let (source, target) = (side("source_matchers"), side("target_matchers"));
            let equal = match f.get("equal") {
                Some(n) => {
                    let field = join(&p, "equal");
                    let items = ctx.seq(n, &field)?;
                    let labels: Option<Vec<String>> = items
                        .iter()
                        .enumerate()
                        .map(|(j, l)| {
                            let field = index(&field, j);
                            let text = ctx.string(l, &field)?;
                            if !crate::slo::is_label_name(&text) {
                                ctx.error(l.line, &field, format!("`{text}` is not a label name"));
                                return None;
                            }
                            Some(text)
                        })
                        .collect();
                    labels
                }
                None => Some(Vec::new()),
            };
            Some(Inhibit {
                source_matchers: source?,
                target_matchers: target?,
                equal: equal?,
            })
        })();
        match (rule, out.as_mut()) {
            (Some(r), Some(v)) => v.push(r),
            _ => out = None,
        }
    }
    out
}
