//! `users:` and `schedules:`: who can be paged, and the on-call schedules
//! built from them (computed by `nines-oncall`).

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use nines_oncall::{Layer, Override, Restriction, Schedule, Turn};

use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::read::{Ctx, index, join};
use crate::yaml::Node;

/// `users.<name>`: a person nines can page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    /// `email`: address for email notifications. Optional.
    pub email: Option<String>,
    /// `slack`: Slack handle such as `@ana`. Optional.
    pub slack: Option<String>,
    /// `timezone`: IANA zone, for reports. Optional.
    pub timezone: Option<String>,
    /// `webhook`: URL that receives a JSON POST when the user is paged.
    /// Optional.
    pub webhook: Option<String>,
    /// `notify`: how the user is reached when paged, each rule a method
    /// and a delay (`[slack, { email: 5m }]`). Default: every method the
    /// user has (`slack`, `email`, `webhook`), at once.
    pub notify: Vec<nines_oncall::NotificationRule>,
    /// `working_hours`: `{ days, from, to }` in the user's `timezone`
    /// (UTC when unset); pages outside count as out-of-hours in on-call
    /// reports. Optional.
    pub working_hours: Option<Restriction>,
    /// `quiet_hours`: the same for the user's night; reports only, pages
    /// are never held back. Optional.
    pub quiet_hours: Option<Restriction>,
}

/// A user named in a schedule, with where, so unknown names are reported
/// once all files are merged.
pub(crate) struct UserRef {
    pub line: usize,
    pub field: String,
    pub user: String,
}

/// `users.<name>`; `webhook` and the rest are read in `contact.rs`.
pub(crate) const USER: Section = Section {
    path: "users.<name>",
    keys: &[
        Key {
            name: "email",
            ty: "string",
            default: NONE,
            doc: "address for email notifications",
        },
        Key {
            name: "slack",
            ty: "string",
            default: NONE,
            doc: "Slack handle",
        },
        Key {
            name: "timezone",
            ty: "IANA time zone name",
            default: NONE,
            doc: "the person's zone, for reports",
        },
        Key {
            name: "webhook",
            ty: "`http://` or `https://` URL",
            default: NONE,
            doc: "receives a JSON POST when the person is paged",
        },
        Key {
            name: "notify",
            ty: "sequence",
            default: "every method given, at once",
            doc: "how the person is paged ([below](#escalation-escalations-and-teams))",
        },
        Key {
            name: "working_hours",
            ty: "`{days, from, to}`",
            default: NONE,
            doc: "in `timezone` (UTC when unset); on-call reports count pages outside them",
        },
        Key {
            name: "quiet_hours",
            ty: "`{days, from, to}`",
            default: NONE,
            doc: "the person's night, for reports only: pages are never held back",
        },
    ],
};

/// `schedules.<name>`.
pub(crate) const SCHEDULE: Section = Section {
    path: "schedules.<name>",
    keys: &[
        Key {
            name: "timezone",
            ty: "IANA time zone name",
            default: "`UTC`",
            doc: "where handoffs and restrictions are read",
        },
        Key {
            name: "layers",
            ty: "sequence",
            default: REQUIRED,
            doc: "rotations, lowest first: a later layer wins where it has someone",
        },
        Key {
            name: "overrides",
            ty: "sequence",
            default: NONE,
            doc: "`{user, from, to}` (RFC 3339): the user is on call instead, over every layer",
        },
    ],
};

/// `schedules.<name>.overrides[i]`.
pub(crate) const OVERRIDE: Section = Section {
    path: "schedules.<name>.overrides[i]",
    keys: &[
        Key {
            name: "user",
            ty: "user name",
            default: REQUIRED,
            doc: "who is on call instead",
        },
        Key {
            name: "from",
            ty: "RFC 3339 time",
            default: REQUIRED,
            doc: "when the override starts, `2026-12-24T18:00:00Z`",
        },
        Key {
            name: "to",
            ty: "RFC 3339 time",
            default: REQUIRED,
            doc: "when it ends",
        },
    ],
};

/// `{days, from, to}`: a layer's `restrictions[i]`, a user's
/// `working_hours` and `quiet_hours`.
pub(crate) const RESTRICTION: Section = Section {
    path: "schedules.<name>.layers[i].restrictions[i]",
    keys: &[
        Key {
            name: "days",
            ty: "sequence of days",
            default: "every day",
            doc: "`mon` … `sun`, full names, or ranges such as `mon..fri`",
        },
        Key {
            name: "from",
            ty: "`HH:MM`",
            default: REQUIRED,
            doc: "local start",
        },
        Key {
            name: "to",
            ty: "`HH:MM`",
            default: REQUIRED,
            doc: "local end; a `to` at or before `from` runs past midnight",
        },
    ],
};

pub(crate) fn read_users(ctx: &mut Ctx<'_>, node: &Node) -> Vec<(usize, User)> {
    let Some(entries) = ctx.entries(node, "users") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let path = join("users", e.key);
        if !ctx.check_name(e.key, e.key_line, &path, "user") {
            continue;
        }
        let Some(f) = ctx.fields(e.value, &path, &USER) else {
            continue;
        };
        let email = ctx.optional_string(f.get("email"), &join(&path, "email"));
        let slack = ctx.optional_string(f.get("slack"), &join(&path, "slack"));
        let timezone = ctx.optional_string(f.get("timezone"), &join(&path, "timezone"));
        if let (Some(tz), Some(n)) = (&timezone, f.get("timezone"))
            && TimeZone::get(tz).is_err()
        {
            ctx.error(
                n.line,
                &join(&path, "timezone"),
                format!("`{tz}` is not an IANA time zone name"),
            );
            continue;
        }
        let contact =
            crate::contact::read_contact(ctx, &f, &path, email.as_deref(), slack.as_deref());
        let Some(contact) = contact else {
            continue;
        };
        out.push((
            e.key_line,
            User {
                name: e.key.to_string(),
                email,
                slack,
                timezone,
                webhook: contact.webhook,
                notify: contact.notify,
                working_hours: contact.working_hours,
                quiet_hours: contact.quiet_hours,
            },
        ));
    }
    out
}

pub(crate) fn read_schedules(
    ctx: &mut Ctx<'_>,
    node: &Node,
    refs: &mut Vec<UserRef>,
) -> Vec<(usize, Schedule)> {
    let Some(entries) = ctx.entries(node, "schedules") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let path = join("schedules", e.key);
        if !ctx.check_name(e.key, e.key_line, &path, "schedule") {
            continue;
        }
        if let Some(s) = read_schedule(ctx, e.key, e.value, &path, refs) {
            out.push((e.key_line, s));
        }
    }
    out
}

fn read_schedule(
    ctx: &mut Ctx<'_>,
    name: &str,
    node: &Node,
    path: &str,
    refs: &mut Vec<UserRef>,
) -> Option<Schedule> {
    let f = ctx.fields(node, path, &SCHEDULE)?;
    let tz = match f.get("timezone") {
        None => Some(TimeZone::UTC),
        Some(n) => ctx.timezone(n, &join(path, "timezone")),
    };
    let layers_path = join(path, "layers");
    let layer_nodes = ctx
        .require(&f, path, "layers")
        .and_then(|n| ctx.seq(n, &layers_path))?;
    if layer_nodes.is_empty() {
        ctx.error(f.line, &layers_path, "a schedule needs at least one layer");
        return None;
    }
    let layers: Vec<Option<Layer>> = layer_nodes
        .iter()
        .enumerate()
        .map(|(i, n)| read_layer(ctx, n, &index(&layers_path, i), i, refs))
        .collect();
    let overrides = match f.get("overrides") {
        None => Some(Vec::new()),
        Some(n) => read_overrides(ctx, n, &join(path, "overrides"), refs),
    };
    Some(Schedule {
        name: name.to_string(),
        tz: tz?,
        layers: layers.into_iter().collect::<Option<Vec<_>>>()?,
        overrides: overrides?,
    })
}

/// `schedules.<name>.layers[i]`.
pub(crate) const LAYER: Section = Section {
    path: "schedules.<name>.layers[i]",
    keys: &[
        Key {
            name: "name",
            ty: "string",
            default: "`layer-<n>`",
            doc: "shown as the origin of a shift",
        },
        Key {
            name: "rotation",
            ty: "`daily`, `weekly`, or a turn length (`12h`, `3d`)",
            default: REQUIRED,
            doc: "how long each user's turn lasts; whole days keep the wall-clock handoff across \
                  DST, hours are real time",
        },
        Key {
            name: "handoff",
            ty: "`\"HH:MM\"` or `\"<weekday> HH:MM\"`",
            default: "`09:00`",
            doc: "local time (and, for weekly turns, day) of the handoff",
        },
        Key {
            name: "start",
            ty: "date",
            default: "`2024-01-01`",
            doc: "anchors the rotation: the first handoff, to the first user, is on this date \
                  (or the first `<weekday>` after it)",
        },
        Key {
            name: "users",
            ty: "sequence of user names",
            default: REQUIRED,
            doc: "the rotation, in order",
        },
        Key {
            name: "at_once",
            ty: "integer ≥ 1",
            default: "`1`",
            doc: "how many consecutive users are on call together",
        },
        Key {
            name: "restrictions",
            ty: "sequence of `{days, from, to}`",
            default: NONE,
            doc: "windows the layer covers (`days`: `mon` … `sun`, all when left out; \
                  `from`/`to`: `HH:MM`, a `to` at or before `from` runs past midnight)",
        },
    ],
};

/// Monday 2024-01-01 anchors rotations that give no `start`.
const DEFAULT_START: Date = Date::constant(2024, 1, 1);

pub(crate) fn weekday(text: &str) -> Option<Weekday> {
    Some(match text.to_ascii_lowercase().get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

pub(crate) fn time_of_day(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

fn read_layer(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    i: usize,
    refs: &mut Vec<UserRef>,
) -> Option<Layer> {
    let f = ctx.fields(node, path, &LAYER)?;
    let name = match f.get("name") {
        Some(n) => ctx.string(n, &join(path, "name"))?,
        None => format!("layer-{}", i + 1),
    };
    let rotation_field = join(path, "rotation");
    let turn = ctx.require(&f, path, "rotation").and_then(|n| {
        let text = ctx.string(n, &rotation_field)?;
        match text.as_str() {
            "daily" => Some(Turn::Days(1)),
            "weekly" => Some(Turn::Days(7)),
            other => match nines_slo::parse_duration(other) {
                Ok(d) if d.as_secs() >= 3600 && d.as_secs() % 86_400 == 0 => Some(Turn::Days((d.as_secs() / 86_400) as u32)),
                Ok(d) if d.as_secs() >= 3600 && d.as_secs() % 60 == 0 => Some(Turn::Fixed(SignedDuration::from_secs(d.as_secs() as i64))),
                _ => {
                    ctx.error(n.line, &rotation_field, format!("`{other}` is not `daily`, `weekly` or a turn length of at least 1h such as `12h` or `3d`"));
                    None
                }
            },
        }
    });
    // `handoff`: "09:00", or "monday 09:00" for weekly turns. Default 09:00.
    let handoff_field = join(path, "handoff");
    let handoff = match f.get("handoff") {
        None => Some((None, Time::constant(9, 0, 0, 0))),
        Some(n) => {
            let text = ctx.string(n, &handoff_field)?;
            let parsed = match text.split_whitespace().collect::<Vec<_>>().as_slice() {
                [t] => time_of_day(t).map(|t| (None, t)),
                [d, t] => weekday(d).zip(time_of_day(t)).map(|(d, t)| (Some(d), t)),
                _ => None,
            };
            if parsed.is_none() {
                ctx.error(
                    n.line,
                    &handoff_field,
                    format!("`{text}` is not a handoff such as `09:00` or `monday 09:00`"),
                );
            }
            parsed
        }
    };
    let start = match f.get("start") {
        None => Some(DEFAULT_START),
        Some(n) => {
            let text = ctx.string(n, &join(path, "start"))?;
            let parsed = text.parse::<Date>().ok();
            if parsed.is_none() {
                ctx.error(
                    n.line,
                    &join(path, "start"),
                    format!("`{text}` is not a date such as 2026-01-05"),
                );
            }
            parsed
        }
    };
    let users_field = join(path, "users");
    let users: Option<Vec<String>> = ctx.require(&f, path, "users").and_then(|n| {
        let items = ctx.seq(n, &users_field)?;
        if items.is_empty() {
            ctx.error(n.line, &users_field, "a layer needs at least one user");
            return None;
        }
        let mut out = Vec::new();
        for (j, item) in items.iter().enumerate() {
            let field = index(&users_field, j);
            let user = ctx.string(item, &field)?;
            refs.push(UserRef {
                line: item.line,
                field,
                user: user.clone(),
            });
            out.push(user);
        }
        Some(out)
    });
    let at_once = match f.get("at_once") {
        None => Some(1),
        Some(n) => ctx
            .integer(n, &join(path, "at_once"), 1, u64::MAX)
            .map(|x| x as usize),
    };
    let restrictions = match f.get("restrictions") {
        None => Some(Vec::new()),
        Some(n) => read_restrictions(ctx, n, &join(path, "restrictions")),
    };
    let (turn, (day, time), start) = (turn?, handoff?, start?);
    // Weekly turns hand off on `day`: the first such day on or after `start`.
    let mut first = start;
    if let Some(d) = day {
        while first.weekday() != d {
            first = first.tomorrow().ok()?;
        }
    }
    Some(Layer {
        name,
        users: users?,
        turn,
        anchor: first.to_datetime(time),
        at_once: at_once?,
        restrictions: restrictions?,
    })
}

fn read_restrictions(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<Restriction>> {
    let items = ctx.seq(node, path)?;
    let mut out = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        match (read_restriction(ctx, item, &index(path, i)), out.as_mut()) {
            (Some(r), Some(v)) => v.push(r),
            _ => out = None,
        }
    }
    out
}

/// `{ days: [mon..fri], from: "09:00", to: "18:00" }`; no `days` is every
/// day.
pub(crate) fn read_restriction(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Restriction> {
    let f = ctx.fields(node, path, &RESTRICTION)?;
    let days = match f.get("days") {
        Some(n) => read_days(ctx, n, &join(path, "days"), WEEKDAY_OR_RANGE),
        None => Some(Vec::new()),
    };
    let mut time = |key: &str| {
        let n = ctx.require(&f, path, key)?;
        read_time(ctx, n, &join(path, key))
    };
    let (start, end) = (time("from"), time("to"));
    Some(Restriction {
        days: days?,
        start: start?,
        end: end?,
    })
}

/// What [`read_days`] calls a day it cannot read.
pub(crate) const WEEKDAY_OR_RANGE: &str = "a weekday (`mon` … `sun`) or a range (`mon..fri`)";
/// [`WEEKDAY_OR_RANGE`] as maintenance windows word it.
pub(crate) const WEEKDAY: &str = "a weekday (mon … sun)";

/// A list of weekdays, each `mon`, `monday`, or a range `mon..fri`
/// (wrapping: `sat..mon`). A day given twice counts once. `what` names a
/// day in the error message.
pub(crate) fn read_days(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    what: &str,
) -> Option<Vec<Weekday>> {
    let day = |text: &str| weekday(text.trim());
    let mut out = Some(Vec::new());
    for (i, item) in ctx.seq(node, path)?.iter().enumerate() {
        let field = index(path, i);
        let range = ctx.string(item, &field).and_then(|text| {
            let range = match text.split_once("..") {
                Some((a, b)) => day(a).zip(day(b)),
                None => day(&text).map(|d| (d, d)),
            };
            if range.is_none() {
                ctx.error(item.line, &field, format!("`{text}` is not {what}"));
            }
            range
        });
        let (Some((first, last)), Some(out)) = (range, out.as_mut()) else {
            out = None;
            continue;
        };
        let mut d = first;
        loop {
            if !out.contains(&d) {
                out.push(d);
            }
            if d == last {
                break;
            }
            d = d.next();
        }
    }
    out
}

/// A time of day such as `09:00`.
pub(crate) fn read_time(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Time> {
    let text = ctx.string(node, path)?;
    let t = time_of_day(&text);
    if t.is_none() {
        let msg = format!("`{text}` is not a time of day such as 09:00");
        ctx.error(node.line, path, msg);
    }
    t
}

fn read_overrides(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    refs: &mut Vec<UserRef>,
) -> Option<Vec<Override>> {
    let items = ctx.seq(node, path)?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let f = ctx.fields(item, &p, &OVERRIDE)?;
        let user = ctx
            .require(&f, &p, "user")
            .and_then(|n| ctx.string(n, &join(&p, "user")));
        if let (Some(u), Some(line)) = (&user, f.line_of("user")) {
            refs.push(UserRef {
                line,
                field: join(&p, "user"),
                user: u.clone(),
            });
        }
        let mut instant = |key: &str| -> Option<Timestamp> {
            let n = ctx.require(&f, &p, key)?;
            let text = ctx.string(n, &join(&p, key))?;
            let t = text.parse::<Timestamp>().ok();
            if t.is_none() {
                ctx.error(
                    n.line,
                    &join(&p, key),
                    format!("`{text}` is not an RFC 3339 time such as 2026-12-24T18:00:00Z"),
                );
            }
            t
        };
        let (start, end) = (instant("from"), instant("to"));
        let (user, start, end) = (user?, start?, end?);
        if end <= start {
            ctx.error(f.line, &p, "`to` must be after `from`");
            return None;
        }
        out.push(Override { user, start, end });
    }
    Some(out)
}
