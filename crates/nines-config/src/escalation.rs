//! `escalations:` and `teams:`: who is paged, in what order, until someone
//! acknowledges (computed by `nines-oncall`), and the teams people and
//! schedules belong to. The names they give (users, schedules, channels,
//! escalations, and `services.<s>.escalation`) are checked once every file
//! is merged.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::SignedDuration;
use nines_oncall::{EscalationPolicy, Step, Target};

use crate::error::ConfigError;
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::model::Config;
use crate::read::{Ctx, Fields, NameRef, index, join, suggest};
use crate::yaml::{Kind, Node};

/// `teams.<name>`: people, the schedules they staff, and how they are
/// escalated to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Team {
    /// The key under `teams`.
    pub name: String,
    /// `members`: user names. Default none.
    pub members: Vec<String>,
    /// `schedules`: schedule names the team staffs. Default none.
    pub schedules: Vec<String>,
    /// `escalation`: the policy for services whose `owner` is this team and
    /// that name none themselves. Optional.
    pub escalation: Option<String>,
}

impl Config {
    /// The escalation policy of `service`: its own `escalation`, else that
    /// of the team its `owner` names.
    pub fn escalation_for(&self, service: &str) -> Option<&EscalationPolicy> {
        let s = self.services.get(service)?;
        let name = s.escalation.as_ref().or_else(|| {
            let team = self.teams.get(s.owner.as_deref()?)?;
            team.escalation.as_ref()
        })?;
        self.escalations.get(name)
    }
}

/// `escalations.<name>`.
pub(crate) const POLICY: Section = Section {
    path: "escalations.<name>",
    keys: &[
        Key {
            name: "steps",
            ty: "sequence",
            default: REQUIRED,
            doc: "who is paged, in order",
        },
        Key {
            name: "repeat",
            ty: "integer 0–20",
            default: "`0`",
            doc: "extra passes through all the steps while nobody acknowledges",
        },
        Key {
            name: "repeat_after",
            ty: "duration",
            default: "the longest `after` of the steps",
            doc: "from the last step of a pass to the start of the next",
        },
        Key {
            name: "page_tickets",
            ty: "boolean",
            default: "`false`",
            doc: "page people for incidents that only ticket-level alerts opened (SEV3, SEV4) too; off, those notify their channels, and a page-level alert joining raises the incident and starts the escalation",
        },
    ],
};

/// `escalations.<name>.steps[i]`.
pub(crate) const STEP: Section = Section {
    path: "escalations.<name>.steps[i]",
    keys: &[
        Key {
            name: "notify",
            ty: "sequence of targets",
            default: REQUIRED,
            doc: "`user:NAME`, `schedule:NAME` (whoever is on call), `next:NAME` (whoever comes \
                  on call after them), `channel:NAME`",
        },
        Key {
            name: "after",
            ty: "duration",
            default: "`0m` on the first step; required on the others",
            doc: "how long after the previous step this one pages; the first step's, after the \
                  pass starts",
        },
        Key {
            name: "round_robin",
            ty: "boolean",
            default: "`false`",
            doc: "page one of the step's people, taking turns from incident to incident and \
                  pass to pass, instead of all; channels are notified either way",
        },
    ],
};

/// `teams.<name>`.
pub(crate) const TEAM: Section = Section {
    path: "teams.<name>",
    keys: &[
        Key {
            name: "members",
            ty: "sequence of user names",
            default: NONE,
            doc: "the team's people, for on-call reports",
        },
        Key {
            name: "schedules",
            ty: "sequence of schedule names",
            default: NONE,
            doc: "the schedules the team staffs",
        },
        Key {
            name: "escalation",
            ty: "escalation name",
            default: NONE,
            doc: "the policy of services whose `owner` is this team and that name none",
        },
    ],
};

/// `repeat` at most: a policy that has paged everyone 20 times over will
/// not be answered by a 21st.
const MAX_REPEAT: u64 = 20;

/// The target kinds, as written before the `:`.
const TARGET_KINDS: [&str; 4] = ["user", "schedule", "next", "channel"];

/// What a name given here names.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Named {
    User,
    Schedule,
    Channel,
    Escalation,
}

/// What one file says about escalations and teams.
#[derive(Default)]
pub(crate) struct FileOncall {
    escalations: Vec<(usize, EscalationPolicy)>,
    teams: Vec<(usize, Team)>,
    /// Every escalation name given, valid or not, so a reference to one
    /// with mistakes of its own is not told it does not exist.
    escalation_names: Vec<String>,
    refs: Vec<(Named, NameRef)>,
}

/// Reads `escalations` and `teams` from a file's top-level `fields`.
pub(crate) fn read(ctx: &mut Ctx<'_>, fields: &Fields<'_>, out: &mut FileOncall) {
    if let Some(node) = fields.get("escalations")
        && let Some(entries) = ctx.entries(node, "escalations")
    {
        for e in entries {
            let path = join("escalations", e.key);
            out.escalation_names.push(e.key.to_string());
            let valid_name = ctx.check_name(e.key, e.key_line, &path, "escalation");
            let policy = read_policy(ctx, e.key, e.value, &path, &mut out.refs);
            if let (true, Some(policy)) = (valid_name, policy) {
                out.escalations.push((e.key_line, policy));
            }
        }
    }
    if let Some(node) = fields.get("teams")
        && let Some(entries) = ctx.entries(node, "teams")
    {
        for e in entries {
            let path = join("teams", e.key);
            let valid_name = ctx.check_name(e.key, e.key_line, &path, "team");
            let team = read_team(ctx, e.key, e.value, &path, &mut out.refs);
            if let (true, Some(team)) = (valid_name, team) {
                out.teams.push((e.key_line, team));
            }
        }
    }
}

fn read_policy(
    ctx: &mut Ctx<'_>,
    name: &str,
    node: &Node,
    path: &str,
    refs: &mut Vec<(Named, NameRef)>,
) -> Option<EscalationPolicy> {
    let f = ctx.fields(node, path, &POLICY)?;
    let steps_path = join(path, "steps");
    let items = ctx
        .require(&f, path, "steps")
        .and_then(|n| ctx.seq(n, &steps_path))?;
    if items.is_empty() {
        ctx.error(f.line, &steps_path, "a policy needs at least one step");
        return None;
    }
    let steps: Vec<Option<Step>> = items
        .iter()
        .enumerate()
        .map(|(i, n)| read_step(ctx, n, &index(&steps_path, i), i, refs))
        .collect();
    let repeat = match f.get("repeat") {
        None => Some(0),
        Some(n) => {
            let field = join(path, "repeat");
            ctx.integer(n, &field, 0, u64::MAX).and_then(|r| {
                if r > MAX_REPEAT {
                    let msg = format!("`{r}` is more than {MAX_REPEAT} repeats");
                    ctx.error(n.line, &field, msg);
                    return None;
                }
                Some(r as u32)
            })
        }
    };
    let repeat_after = match f.get("repeat_after") {
        None => Some(None),
        Some(n) => delay(ctx, n, &join(path, "repeat_after")).map(Some),
    };
    let page_tickets = match f.get("page_tickets") {
        None => Some(false),
        Some(n) => ctx.boolean(n, &join(path, "page_tickets")),
    };
    let (steps, repeat, repeat_after, page_tickets) = (
        steps.into_iter().collect::<Option<Vec<_>>>()?,
        repeat?,
        repeat_after?,
        page_tickets?,
    );
    // Default: the longest gap between steps.
    let repeat_after =
        repeat_after.unwrap_or_else(|| steps.iter().map(|s| s.after).max().unwrap_or_default());
    if repeat > 0 && repeat_after.is_zero() && steps.iter().all(|s| s.after.is_zero()) {
        let line = f.line_of("repeat").unwrap_or(f.line);
        let msg = "every pass would page at the same moment; give `repeat_after`, such as `30m`";
        ctx.error(line, &join(path, "repeat"), msg);
        return None;
    }
    Some(EscalationPolicy {
        name: name.to_string(),
        steps,
        repeat,
        repeat_after,
        page_tickets,
    })
}

/// A delay of zero or more (`0m`, `15m`).
fn delay(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<SignedDuration> {
    let d = ctx.duration(node, path, Duration::ZERO)?;
    match SignedDuration::try_from(d) {
        Ok(d) => Some(d),
        Err(_) => {
            ctx.error(node.line, path, "the delay is too long");
            None
        }
    }
}

fn read_step(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    i: usize,
    refs: &mut Vec<(Named, NameRef)>,
) -> Option<Step> {
    let f = ctx.fields(node, path, &STEP)?;
    let notify_path = join(path, "notify");
    let targets = ctx
        .require(&f, path, "notify")
        .and_then(|n| read_targets(ctx, n, &notify_path, refs));
    let after = match f.get("after") {
        Some(n) => delay(ctx, n, &join(path, "after")),
        None if i == 0 => Some(SignedDuration::ZERO),
        None => {
            // A forgotten delay would page the next people at once.
            let msg = "missing required key `after`: how long after the previous step this one \
                       pages, such as `15m`";
            ctx.error(f.line, path, msg);
            None
        }
    };
    let round_robin = match f.get("round_robin") {
        Some(n) => ctx.boolean(n, &join(path, "round_robin")),
        None => Some(false),
    };
    Some(Step {
        targets: targets?,
        after: after?,
        round_robin: round_robin?,
    })
}

/// `notify: [user:ana, schedule:primary, next:primary, channel:ops]`.
fn read_targets(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    refs: &mut Vec<(Named, NameRef)>,
) -> Option<Vec<Target>> {
    let items = ctx.seq(node, path)?;
    if items.is_empty() {
        ctx.error(node.line, path, "a step needs at least one target");
        return None;
    }
    let mut out = Vec::new();
    let mut complete = true;
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let Some(text) = ctx.string(item, &field) else {
            complete = false;
            continue;
        };
        let Some((kind, name)) = target(ctx, &text, item.line, &field) else {
            complete = false;
            continue;
        };
        let (named, t) = match kind {
            "user" => (Named::User, Target::User(name.clone())),
            "schedule" => (Named::Schedule, Target::Schedule(name.clone())),
            "next" => (Named::Schedule, Target::NextOnCall(name.clone())),
            _ => (Named::Channel, Target::Channel(name.clone())),
        };
        refs.push((
            named,
            NameRef {
                line: item.line,
                field,
                name,
            },
        ));
        out.push(t);
    }
    complete.then_some(out)
}

/// `kind:name`, with the kind one of [`TARGET_KINDS`].
fn target(
    ctx: &mut Ctx<'_>,
    text: &str,
    line: usize,
    field: &str,
) -> Option<(&'static str, String)> {
    let usage = "write `user:NAME`, `schedule:NAME`, `next:NAME` (who comes on call after the \
                 current people) or `channel:NAME`";
    let Some((kind, name)) = text.split_once(':') else {
        ctx.error(line, field, format!("`{text}` is not a target; {usage}"));
        return None;
    };
    let (kind, name) = (kind.trim(), name.trim());
    let Some(&known) = TARGET_KINDS.iter().find(|&&k| k == kind) else {
        let msg = match suggest(kind, &TARGET_KINDS) {
            Some(close) => format!("`{kind}` is not a kind of target; did you mean `{close}`?"),
            None => format!("`{text}` is not a target; {usage}"),
        };
        ctx.error(line, field, msg);
        return None;
    };
    if name.is_empty() {
        ctx.error(line, field, format!("`{text}` names no {known}; {usage}"));
        return None;
    }
    Some((known, name.to_string()))
}

fn read_team(
    ctx: &mut Ctx<'_>,
    name: &str,
    node: &Node,
    path: &str,
    refs: &mut Vec<(Named, NameRef)>,
) -> Option<Team> {
    let f = ctx.fields(node, path, &TEAM)?;
    let mut names = |key: &str, named: Named| -> Option<Vec<String>> {
        let Some(n) = f.get(key) else {
            return Some(Vec::new());
        };
        let list_path = join(path, key);
        let mut out = Vec::new();
        for (i, item) in ctx.seq(n, &list_path)?.iter().enumerate() {
            let field = index(&list_path, i);
            let name = ctx.string(item, &field)?;
            refs.push((
                named,
                NameRef {
                    line: item.line,
                    field,
                    name: name.clone(),
                },
            ));
            out.push(name);
        }
        Some(out)
    };
    let members = names("members", Named::User);
    let schedules = names("schedules", Named::Schedule);
    let escalation = match f.get("escalation") {
        Some(n) if n.kind != Kind::Null => {
            let r = escalation_ref(ctx, n, &join(path, "escalation"))?;
            let name = r.name.clone();
            refs.push((Named::Escalation, r));
            Some(name)
        }
        _ => None,
    };
    Some(Team {
        name: name.to_string(),
        members: members?,
        schedules: schedules?,
        escalation,
    })
}

/// An `escalation: NAME` (of a team or a service), to be checked once
/// every file is read.
pub(crate) fn escalation_ref(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<NameRef> {
    let name = ctx.string(node, path)?;
    Some(NameRef {
        line: node.line,
        field: path.to_string(),
        name,
    })
}

/// Escalations and teams merged from every file, and the names given, to
/// check at the end.
#[derive(Default)]
pub(crate) struct MergeOncall {
    /// `file:line` where each escalation and team was first defined.
    escalations: HashMap<String, String>,
    teams: HashMap<String, String>,
    escalation_names: HashSet<String>,
    refs: Vec<(PathBuf, Named, NameRef)>,
}

impl MergeOncall {
    pub fn add(
        &mut self,
        file: &Path,
        parsed: FileOncall,
        config: &mut Config,
        errors: &mut Vec<ConfigError>,
    ) {
        let at = |line| format!("{}:{line}", file.display());
        let mut duplicate = |line, field: String, message| {
            errors.push(ConfigError {
                file: file.to_path_buf(),
                line,
                field,
                message,
            })
        };
        self.escalation_names.extend(parsed.escalation_names);
        for (line, policy) in parsed.escalations {
            if let Some(first) = self.escalations.get(&policy.name) {
                let msg = format!("escalation `{}` is already defined at {first}", policy.name);
                duplicate(line, join("escalations", &policy.name), msg);
                continue;
            }
            self.escalations.insert(policy.name.clone(), at(line));
            config.escalations.insert(policy.name.clone(), policy);
        }
        for (line, team) in parsed.teams {
            if let Some(first) = self.teams.get(&team.name) {
                let msg = format!("team `{}` is already defined at {first}", team.name);
                duplicate(line, join("teams", &team.name), msg);
                continue;
            }
            self.teams.insert(team.name.clone(), at(line));
            config.teams.insert(team.name.clone(), team);
        }
        for (named, r) in parsed.refs {
            self.add_ref(file, named, r);
        }
    }

    pub fn add_ref(&mut self, file: &Path, named: Named, r: NameRef) {
        self.refs.push((file.to_path_buf(), named, r));
    }

    /// Reports every name given that nothing defines; `channels` are every
    /// channel name defined, valid or not.
    pub fn finish(
        &self,
        config: &Config,
        channels: &HashSet<String>,
        errors: &mut Vec<ConfigError>,
    ) {
        let users: HashSet<String> = config.users.keys().cloned().collect();
        let schedules: HashSet<String> = config.schedules.keys().cloned().collect();
        for (file, named, r) in &self.refs {
            let (defined, what, section) = match named {
                Named::User => (&users, "user", "users"),
                Named::Schedule => (&schedules, "schedule", "schedules"),
                Named::Channel => (channels, "channel", "channels"),
                Named::Escalation => (&self.escalation_names, "escalation", "escalations"),
            };
            if let Some(message) = crate::load::unknown(&r.name, defined, what, section) {
                errors.push(ConfigError {
                    file: file.clone(),
                    line: r.line,
                    field: r.field.clone(),
                    message,
                });
            }
        }
    }
}
