//! Reading the review side of a service: `error_budget_policy` (top level,
//! the default, and per service, overriding it field by field) and a
//! service's contractual `slas`.

use jiff::tz::TimeZone;

use crate::keys::{Key, REQUIRED, Section};
use crate::read::{Ctx, index, join};
use crate::yaml::{Kind, Node};

/// `error_budget_policy`, at the top level and in a service.
pub(crate) const POLICY: Section = Section {
    path: "error_budget_policy",
    keys: &[
        Key {
            name: "budget_floor",
            ty: "percentage, -100 to 100",
            default: "`0`",
            doc: "freeze when any SLO's error budget left is below this: `0` lets a spent budget \
                  ship and stops an overspent one; `10` freezes with less than a tenth left. An \
                  SLO without data never freezes (the answer says so)",
        },
        Key {
            name: "freeze_on_page_alerts",
            ty: "`true` or `false`",
            default: "`true`",
            doc: "freeze while a page-level alert of the service fires: an SLO tier of severity \
                  `page`, or an alert labelled `severity=\"critical\"` (or `page`) of an open \
                  incident",
        },
        Key {
            name: "freeze_on_severities",
            ty: "sequence of `SEV1`…`SEV4`",
            default: "`[SEV1, SEV2]`",
            doc: "freeze while an incident of the service with one of these severities is open; \
                  `[]` never",
        },
        Key {
            name: "exempt_kinds",
            ty: "sequence of names",
            default: "`[rollback, security]`",
            doc: "change kinds (the gate's `kind`) that pass a freeze: they reduce risk",
        },
    ],
};

/// `services.<name>.slas[i]`.
pub(crate) const SLA: Section = Section {
    path: "services.<name>.slas[i]",
    keys: &[
        Key {
            name: "target",
            ty: "percentage",
            default: REQUIRED,
            doc: "good events over all events each period must reach, strictly between 0 and 100",
        },
        Key {
            name: "period",
            ty: "`month`, `quarter` or days (`30d`, 1 to 366)",
            default: "`month`",
            doc: "how periods are cut; day blocks start on the report's first day",
        },
        Key {
            name: "timezone",
            ty: "IANA name",
            default: "`UTC`",
            doc: "where calendar periods start",
        },
        Key {
            name: "slos",
            ty: "sequence of the service's SLO names",
            default: "all its SLOs",
            doc: "the SLOs whose events count",
        },
    ],
};

const SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];

/// `error_budget_policy`: when a service's deploys freeze, and which changes
/// may pass anyway. `nines gate` and `GET /api/v1/services/{s}/gate` apply
/// it. The top-level key is the default of every service; a service's own
/// `error_budget_policy` overrides it field by field.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBudgetPolicy {
    /// `budget_floor`: freeze when any SLO's error budget left is below
    /// this percentage (`10` freezes with less than a tenth left; negative
    /// values tolerate some overspending). Between -100 and 100. Default 0:
    /// a spent budget still ships, an overspent one does not.
    pub budget_floor_percent: f64,
    /// `freeze_on_page_alerts`: freeze while a page-level alert of the
    /// service fires (an SLO tier of severity `page`, or a critical alert
    /// of an open incident). Default true.
    pub freeze_on_page_alerts: bool,
    /// `freeze_on_severities`: freeze while an incident of one of these
    /// severities is open. Default `[SEV1, SEV2]`.
    pub freeze_on_severities: Vec<String>,
    /// `exempt_kinds`: change kinds that pass a freeze (rollbacks and
    /// security fixes reduce risk). Default `[rollback, security]`.
    pub exempt_kinds: Vec<String>,
}

impl Default for ErrorBudgetPolicy {
    fn default() -> Self {
        ErrorBudgetPolicy {
            budget_floor_percent: 0.0,
            freeze_on_page_alerts: true,
            freeze_on_severities: vec!["SEV1".into(), "SEV2".into()],
            exempt_kinds: vec!["rollback".into(), "security".into()],
        }
    }
}

/// An `error_budget_policy` as written: only the fields given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyOverrides {
    pub budget_floor_percent: Option<f64>,
    pub freeze_on_page_alerts: Option<bool>,
    pub freeze_on_severities: Option<Vec<String>>,
    pub exempt_kinds: Option<Vec<String>>,
}

impl PolicyOverrides {
    /// `base` with the fields given here replaced.
    pub fn apply(&self, base: &ErrorBudgetPolicy) -> ErrorBudgetPolicy {
        ErrorBudgetPolicy {
            budget_floor_percent: self
                .budget_floor_percent
                .unwrap_or(base.budget_floor_percent),
            freeze_on_page_alerts: self
                .freeze_on_page_alerts
                .unwrap_or(base.freeze_on_page_alerts),
            freeze_on_severities: self
                .freeze_on_severities
                .clone()
                .unwrap_or_else(|| base.freeze_on_severities.clone()),
            exempt_kinds: self
                .exempt_kinds
                .clone()
                .unwrap_or_else(|| base.exempt_kinds.clone()),
        }
    }
}

/// `services.<name>.slas[i]`: a contractual promise, reported met or missed
/// per period by `nines report`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    /// `target`: required; the percentage of good events (of all the
    /// service's SLOs' events) each period must reach, strictly between 0
    /// and 100.
    pub target_percent: f64,
    /// `period`: `month` (default), `quarter`, or blocks of days (`30d`).
    pub period: SlaPeriod,
    /// `timezone`: IANA name where calendar periods start. Default `UTC`.
    pub timezone: TimeZone,
    /// `slos`: the SLOs whose events count, by name; empty (the default)
    /// means all the service's event-budgeted SLOs.
    pub slos: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaPeriod {
    Month,
    Quarter,
    Days(u32),
}

/// Reads an `error_budget_policy` mapping at `path`.
pub(crate) fn read_policy(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<PolicyOverrides> {
    let f = ctx.fields(node, path, &POLICY)?;
    let mut ok = true;
    let mut out = PolicyOverrides::default();
    if let Some(n) = f.get("budget_floor") {
        let field = join(path, "budget_floor");
        match ctx.number(n, &field, "a percentage between -100 and 100") {
            Some((x, _)) if (-100.0..=100.0).contains(&x) => out.budget_floor_percent = Some(x),
            Some((_, text)) => {
                let msg = format!("`{text}` is not a percentage between -100 and 100");
                ctx.error(n.line, &field, msg);
                ok = false;
            }
            None => ok = false,
        }
    }
    if let Some(n) = f.get("freeze_on_page_alerts") {
        match ctx.boolean(n, &join(path, "freeze_on_page_alerts")) {
            Some(b) => out.freeze_on_page_alerts = Some(b),
            None => ok = false,
        }
    }
    if let Some(n) = f.get("freeze_on_severities") {
        let field = join(path, "freeze_on_severities");
        match ctx.seq(n, &field) {
            Some(items) => {
                let mut sevs = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match ctx.choice(item, &index(&field, i), &SEVERITIES) {
                        Some(s) if !sevs.iter().any(|x: &String| x == s) => sevs.push(s.into()),
                        Some(_) => {}
                        None => ok = false,
                    }
                }
                out.freeze_on_severities = Some(sevs);
            }
            None => ok = false,
        }
    }
    if let Some(n) = f.get("exempt_kinds") {
        let field = join(path, "exempt_kinds");
        match ctx.seq(n, &field) {
            Some(items) => {
                let mut kinds = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match ctx.name(item, &index(&field, i), "change kind") {
                        Some(k) => kinds.push(k),
                        None => ok = false,
                    }
                }
                out.exempt_kinds = Some(kinds);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Reads a service's `slas` sequence at `path`.
/// Reads `slas`; `slo_names` are the names the service's `slos` give
/// (valid or not), which an SLA's `slos` may name.
pub(crate) fn read_slas(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    slo_names: &[&str],
) -> Option<Vec<Sla>> {
    let items = ctx.seq(node, path)?;
    let mut ok = true;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match read_sla(ctx, item, &index(path, i), slo_names) {
            Some(sla) => out.push(sla),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_sla(ctx: &mut Ctx<'_>, node: &Node, path: &str, slo_names: &[&str]) -> Option<Sla> {
    let f = ctx.fields(node, path, &SLA)?;
    let slos = match f.get("slos") {
        None => Some(Vec::new()),
        Some(n) => {
            let field = join(path, "slos");
            let items = ctx.seq(n, &field)?;
            let mut names = Some(Vec::with_capacity(items.len()));
            for (i, item) in items.iter().enumerate() {
                let field = index(&field, i);
                let name = ctx.string(item, &field).and_then(|name| {
                    if slo_names.contains(&name.as_str()) {
                        return Some(name);
                    }
                    let hint = match crate::read::suggest(&name, slo_names) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None if slo_names.is_empty() => "this service has no SLOs".to_string(),
                        None => format!("its SLOs are {}", crate::read::all_of(slo_names)),
                    };
                    ctx.error(
                        item.line,
                        &field,
                        format!("no SLO named `{name}` in this service; {hint}"),
                    );
                    None
                });
                match (name, names.as_mut()) {
                    (Some(n), Some(v)) => v.push(n),
                    _ => names = None,
                }
            }
            names
        }
    };
    let target = ctx.require(&f, path, "target").and_then(|n| {
        let field = join(path, "target");
        match ctx.number(n, &field, "a percentage such as 99.5")? {
            (x, _) if x > 0.0 && x < 100.0 => Some(x),
            (_, text) => {
                let msg = format!("`{text}` is not a percentage strictly between 0 and 100");
                ctx.error(n.line, &field, msg);
                None
            }
        }
    });
    let period = match f.get("period") {
        None => Some(SlaPeriod::Month),
        Some(n) => read_period(ctx, n, &join(path, "period")),
    };
    let timezone = match f.get("timezone") {
        Some(n) if n.kind != Kind::Null => ctx.timezone(n, &join(path, "timezone")),
        _ => Some(TimeZone::UTC),
    };
    Some(Sla {
        target_percent: target?,
        period: period?,
        timezone: timezone?,
        slos: slos?,
    })
}

fn read_period(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<SlaPeriod> {
    let (text, _) = ctx.scalar(
        node,
        path,
        "`month`, `quarter` or a number of days such as `30d`",
    )?;
    match text.trim() {
        "month" => return Some(SlaPeriod::Month),
        "quarter" => return Some(SlaPeriod::Quarter),
        _ => {}
    }
    let days = text
        .trim()
        .strip_suffix('d')
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|&d| (1..=366).contains(&d));
    if days.is_none() {
        let msg = format!(
            "`{text}` is not `month`, `quarter` or a number of days from 1d to 366d (such as `30d`)"
        );
        ctx.error(node.line, path, msg);
    }
    days.map(SlaPeriod::Days)
}
