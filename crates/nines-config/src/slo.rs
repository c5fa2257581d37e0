//! Reading `services`: each service, its probes and SLOs, their SLI, window
//! and alerting, into the model and the `SloSpec` the SLO math runs on.

mod sli;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use nines_slo::{
    CalendarUnit, Severity, SloSpec, Tier, TierThreshold, WindowSpec, default_tiers, format_minutes,
};

use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::model::{AlertRules, Service, Slo};
use crate::probe::{ReadProbes, read_probes};
use crate::read::{Ctx, NameRef, index, join, one_of};
use crate::scrape::TargetRef;
use crate::yaml::{Kind, Node};

pub(crate) use sli::{PROBE_SLI, PROMETHEUS, PROMQL, selector_problem};

/// `services.<name>`.
pub(crate) const SERVICE: Section = Section {
    path: "services.<name>",
    keys: &[
        Key {
            name: "owner",
            ty: "string",
            default: NONE,
            doc: "the team that answers for the service",
        },
        Key {
            name: "description",
            ty: "string",
            default: NONE,
            doc: "what the service is, for people",
        },
        Key {
            name: "labels",
            ty: "mapping of string to string",
            default: NONE,
            doc: "labels put on the alerts of every SLO of the service (Prometheus label names, \
                  not `service`, `slo`, `severity`, `tier` or `window`); an SLO's \
                  `alerting.labels` win on a clash",
        },
        Key {
            name: "probes",
            ty: "sequence",
            default: NONE,
            doc: "synthetic checks of the service ([below](#servicesnameprobesi))",
        },
        Key {
            name: "slos",
            ty: "sequence",
            default: NONE,
            doc: "the service's SLOs ([below](#servicesnameslosi))",
        },
        Key {
            name: "escalation",
            ty: "escalation name",
            default: "the `owner` team's",
            doc: "the escalation policy of the service's incidents \
                  ([below](#escalation-escalations-and-teams))",
        },
        Key {
            name: "error_budget_policy",
            ty: "mapping",
            default: "the top-level one",
            doc: "this service's overrides of the [error budget policy](#error_budget_policy), \
                  field by field",
        },
        Key {
            name: "slas",
            ty: "sequence",
            default: NONE,
            doc: "contractual SLAs, reported met or missed per period by `nines report` \
                  ([below](#servicesnameslasi))",
        },
        Key {
            name: "capacity",
            ty: "mapping of resource name to settings",
            default: NONE,
            doc: "resources whose growth nines forecasts, and when a crossing of their limit \
                  alerts ([below](#servicesnamecapacityresource))",
        },
    ],
};

/// `services.<name>.slos[i]`.
pub(crate) const SLO: Section = Section {
    path: "services.<name>.slos[i]",
    keys: &[
        Key {
            name: "name",
            ty: "name",
            default: REQUIRED,
            doc: "same rule as service names; unique within the service",
        },
        Key {
            name: "description",
            ty: "string",
            default: NONE,
            doc: "what the SLO promises, for people",
        },
        Key {
            name: "objective",
            ty: "number, percent",
            default: REQUIRED,
            doc: "share of events that must be good, strictly between 0 and 100: `99.9` means \
                  99.9%",
        },
        Key {
            name: "window",
            ty: "duration",
            default: "`30d`",
            doc: "rolling window the objective is measured over; whole minutes, from `1h` to \
                  `400d`",
        },
        Key {
            name: "calendar",
            ty: "`week` or `month`",
            default: NONE,
            doc: "measure over calendar periods instead of a rolling window",
        },
        Key {
            name: "timezone",
            ty: "IANA time zone name",
            default: "`UTC`",
            doc: "where calendar periods start; only with `calendar`",
        },
        Key {
            name: "sli",
            ty: "`events`, or a mapping with `probe`, `prometheus` or `promql`",
            default: REQUIRED,
            doc: "where good and total counts come from ([below](#sli))",
        },
        Key {
            name: "alerting",
            ty: "mapping",
            default: "see [below](#alerting)",
            doc: "burn-rate alerts",
        },
        Key {
            name: "timeslices",
            ty: "mapping `{target, slice}`",
            default: "none (every event counts)",
            doc: "budget by time slices instead of events ([below](#timeslices))",
        },
    ],
};

/// `services.<name>.slos[i].timeslices`.
pub(crate) const TIMESLICES: Section = Section {
    path: "services.<name>.slos[i].timeslices",
    keys: &[
        Key {
            name: "target",
            ty: "number, percent, above 0 and at most 100",
            default: REQUIRED,
            doc: "share of a slice's events that must be good for the slice to be good",
        },
        Key {
            name: "slice",
            ty: "duration, whole minutes `1m`..`60m`",
            default: "`1m`",
            doc: "slice length",
        },
    ],
};

/// Rolling SLO windows: at least an hour (shorter is a burn-rate window, not
/// a promise), at most 400 days (what the store keeps).
const MIN_WINDOW: u32 = 60;
const MAX_WINDOW: u32 = 400 * 1440;

/// `window` when neither `window` nor `calendar` is given.
const DEFAULT_WINDOW: u32 = 30 * 1440;

/// `alerting.min_events` when not given.
pub(crate) const DEFAULT_MIN_EVENTS: u64 = 10;

/// Labels nines sets itself on every alert and SLO series.
const RESERVED_LABELS: [&str; 5] = ["service", "slo", "severity", "tier", "window"];

/// A service read from one file, with the line of its key for merge errors.
pub(crate) struct LocatedService {
    pub line: usize,
    pub service: Service,
    /// The `target`s of its `prometheus` SLIs, resolved once every file
    /// (and so every `scrape` entry) is read.
    pub targets: Vec<TargetRef>,
    /// Its `escalation`, checked once every file is read.
    pub escalation: Option<NameRef>,
}

/// Reads the `services` section of one file. Services with errors are left
/// out; their errors are in `ctx`.
pub(crate) fn read_services(ctx: &mut Ctx<'_>, node: &Node) -> Vec<LocatedService> {
    let Some(entries) = ctx.entries(node, "services") else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let path = join("services", entry.key);
        let valid_name = ctx.check_name(entry.key, entry.key_line, &path, "service");
        let mut targets = Vec::new();
        let mut escalation = None;
        let service = read_service(
            ctx,
            entry.value,
            &path,
            entry.key,
            &mut targets,
            &mut escalation,
        );
        if let (true, Some(service)) = (valid_name, service) {
            out.push(LocatedService {
                line: entry.key_line,
                service,
                targets,
                escalation,
            });
        }
    }
    out
}

fn read_service(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    name: &str,
    targets: &mut Vec<TargetRef>,
    escalation: &mut Option<NameRef>,
) -> Option<Service> {
    let fields = ctx.fields(node, path, &SERVICE)?;
    let owner = ctx.optional_string(fields.get("owner"), &join(path, "owner"));
    *escalation = match fields.get("escalation") {
        Some(n) if n.kind != Kind::Null => Some(crate::escalation::escalation_ref(
            ctx,
            n,
            &join(path, "escalation"),
        )?),
        _ => None,
    };
    let description = ctx.optional_string(fields.get("description"), &join(path, "description"));
    let labels = match fields.get("labels") {
        Some(n) => read_labels(ctx, n, &join(path, "labels")),
        None => Some(BTreeMap::new()),
    };
    // Probes first: SLOs name them.
    let probes = match fields.get("probes") {
        Some(n) => read_probes(ctx, n, &join(path, "probes")),
        None => ReadProbes {
            complete: true,
            ..ReadProbes::default()
        },
    };
    let slos_path = join(path, "slos");
    let items = match fields.get("slos") {
        Some(n) => ctx.seq(n, &slos_path)?,
        None => &[],
    };
    let mut slos: Vec<(usize, Slo)> = Vec::with_capacity(items.len());
    let mut complete = probes.complete;
    for (i, item) in items.iter().enumerate() {
        let slo_path = index(&slos_path, i);
        let Some((slo, name_line)) = read_slo(ctx, item, &slo_path, &probes, targets) else {
            complete = false;
            continue;
        };
        if let Some((first, _)) = slos.iter().find(|(_, s)| s.name == slo.name) {
            let msg = format!(
                "duplicate SLO name `{}`; it is first defined at line {first}",
                slo.name
            );
            ctx.error(name_line, &join(&slo_path, "name"), msg);
            complete = false;
            continue;
        }
        slos.push((name_line, slo));
    }
    let slos = slos.into_iter().map(|(_, s)| s).collect();
    let policy = match fields.get("error_budget_policy") {
        Some(n) => crate::review::read_policy(ctx, n, &join(path, "error_budget_policy")),
        None => Some(Default::default()),
    };
    // Every name `slos` gives, valid or not: an SLO with mistakes of its
    // own is not also unknown to `slas` and `capacity`.
    let slo_names: Vec<&str> = items
        .iter()
        .filter_map(|item| match &item.kind {
            Kind::Map(pairs) => pairs.iter().find_map(|(k, v)| {
                (k.as_scalar() == Some("name"))
                    .then(|| v.as_scalar())
                    .flatten()
            }),
            _ => None,
        })
        .collect();
    let slas = match fields.get("slas") {
        Some(n) => crate::review::read_slas(ctx, n, &join(path, "slas"), &slo_names),
        None => Some(Vec::new()),
    };
    let capacity = match fields.get("capacity") {
        Some(n) => {
            crate::capacity::read_capacity(ctx, n, &join(path, "capacity"), &slo_names, targets)
        }
        None => Some(Vec::new()),
    };
    let (Some(error_budget_policy), Some(slas), Some(capacity), Some(labels)) =
        (policy, slas, capacity, labels)
    else {
        return None;
    };
    complete.then(|| Service {
        labels,
        capacity,
        error_budget_policy,
        slas,
        probes: probes.probes,
        name: name.to_string(),
        owner,
        description,
        slos,
        escalation: escalation.as_ref().map(|r| r.name.clone()),
    })
}

/// An SLO and the line of its name, for duplicate-name errors.
fn read_slo(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    probes: &ReadProbes,
    targets: &mut Vec<TargetRef>,
) -> Option<(Slo, usize)> {
    let f = ctx.fields(node, path, &SLO)?;
    let name = ctx
        .require(&f, path, "name")
        .and_then(|n| ctx.name(n, &join(path, "name"), "SLO"));
    let description = ctx.optional_string(f.get("description"), &join(path, "description"));
    let objective = ctx
        .require(&f, path, "objective")
        .and_then(|n| read_objective(ctx, n, &join(path, "objective")));
    let window = read_window(ctx, &f, path);
    let sli = ctx
        .require(&f, path, "sli")
        .and_then(|n| sli::read_sli(ctx, n, &join(path, "sli"), probes, targets));
    let alerting = match f.get("alerting") {
        Some(n) => read_alerting(ctx, n, &join(path, "alerting")),
        None => Some(Alerting::default()),
    };

    let timeslices = match f.get("timeslices") {
        None => Some(None),
        Some(n) => read_timeslices(ctx, n, &join(path, "timeslices")).map(Some),
    };

    let (name, objective, window, sli, alerting, timeslices) =
        (name?, objective?, window?, sli?, alerting?, timeslices?);
    let window_label = window.label();
    let tiers = alerting.tiers.unwrap_or_else(default_tiers);
    let mut spec = SloSpec::new(objective.1, window, tiers, alerting.min_events);
    if let Some(t) = timeslices {
        spec = spec.with_timeslices(t);
    }
    let slo = Slo {
        name,
        description,
        objective_percent: objective.0,
        sli,
        labels: alerting.labels,
        alert_rules: alerting.rules,
        spec,
        window_label,
    };
    Some((slo, f.line_of("name").unwrap_or(f.line)))
}

/// `timeslices: { target: 95, slice: 1m }`: budget by slices, each good when
/// at least `target` percent of its events are.
fn read_timeslices(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<nines_slo::Timeslices> {
    let f = ctx.fields(node, path, &TIMESLICES)?;
    let target = ctx.require(&f, path, "target").and_then(|n| {
        let field = join(path, "target");
        let (x, text) = ctx.number(n, &field, "a percentage such as 95")?;
        if x > 0.0 && x <= 100.0 {
            return Some(percent_to_ratio(&text, x));
        }
        ctx.error(
            n.line,
            &field,
            format!("{text} is not a percentage above 0 and at most 100"),
        );
        None
    });
    let slice = match f.get("slice") {
        Some(n) => ctx.minutes(n, &join(path, "slice"), 1, 60),
        None => Some(1),
    };
    Some(nines_slo::Timeslices {
        slice_minutes: slice?,
        target: target?,
    })
}

/// An objective in percent, strictly between 0 and 100: `(percent, ratio)`.
pub(crate) fn read_objective(ctx: &mut Ctx<'_>, n: &Node, field: &str) -> Option<(f64, f64)> {
    let (x, text) = ctx.number(n, field, "a percentage such as 99.9")?;
    if x > 0.0 && x < 100.0 {
        return Some((x, percent_to_ratio(&text, x)));
    }
    let why = if x == 100.0 {
        "; 100% leaves no error budget"
    } else {
        ""
    };
    ctx.error(
        n.line,
        field,
        format!("{text} is not a percentage between 0 and 100{why}"),
    );
    None
}

/// `window`, or `calendar` with `timezone`, or the default.
fn read_window(ctx: &mut Ctx<'_>, f: &crate::read::Fields<'_>, path: &str) -> Option<WindowSpec> {
    let (window, calendar, timezone) = (f.get("window"), f.get("calendar"), f.get("timezone"));
    if let (Some(_), Some(cal)) = (window, calendar) {
        let msg = "give either `window` (rolling) or `calendar`, not both";
        ctx.error(cal.line, &join(path, "calendar"), msg);
        return None;
    }
    if let (Some(tz), None) = (timezone, calendar) {
        let msg = "`timezone` applies only to calendar windows; add `calendar: week` or \
                   `calendar: month`, or remove it";
        ctx.error(tz.line, &join(path, "timezone"), msg);
        return None;
    }
    if let Some(cal) = calendar {
        let unit = ctx
            .choice(cal, &join(path, "calendar"), &["week", "month"])
            .map(|u| match u {
                "week" => CalendarUnit::Week,
                _ => CalendarUnit::Month,
            });
        let tz = match timezone {
            None => Some(TimeZone::UTC),
            Some(n) => ctx.timezone(n, &join(path, "timezone")),
        };
        return Some(WindowSpec::Calendar {
            unit: unit?,
            tz: tz?,
        });
    }
    match window {
        Some(n) => ctx
            .minutes(n, &join(path, "window"), MIN_WINDOW, MAX_WINDOW)
            .map(WindowSpec::rolling),
        None => Some(WindowSpec::rolling(DEFAULT_WINDOW)),
    }
}

/// `alerting`, with defaults filled in. `tiers` is `None` for "use the
/// default tiers".
struct Alerting {
    min_events: u64,
    labels: BTreeMap<String, String>,
    tiers: Option<Vec<Tier>>,
    rules: AlertRules,
}

impl Default for Alerting {
    fn default() -> Self {
        Alerting {
            min_events: DEFAULT_MIN_EVENTS,
            labels: BTreeMap::new(),
            tiers: None,
            rules: AlertRules::default(),
        }
    }
}

fn read_alerting(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Alerting> {
    let f = ctx.fields(node, path, &ALERTING)?;
    let min_events = match f.get("min_events") {
        Some(n) => ctx.integer(n, &join(path, "min_events"), 1, u64::MAX),
        None => Some(DEFAULT_MIN_EVENTS),
    };
    let labels = match f.get("labels") {
        Some(n) => read_labels(ctx, n, &join(path, "labels")),
        None => Some(BTreeMap::new()),
    };
    let tiers = match f.get("tiers") {
        None => Some(None),
        Some(n) => read_tiers(ctx, n, &join(path, "tiers")).map(Some),
    };
    // Rule-only settings: what `nines rules prometheus` writes.
    let duration = |ctx: &mut Ctx<'_>, key: &str| -> Option<Option<String>> {
        match f.get(key) {
            None => Some(None),
            Some(n) => ctx
                .minutes(n, &join(path, key), 1, 7 * 1440)
                .map(|m| Some(nines_slo::format_minutes(m))),
        }
    };
    let for_ = duration(ctx, "for");
    let absent = duration(ctx, "absent_alert");
    let mut annotations = match f.get("annotations") {
        None => Some(BTreeMap::new()),
        Some(n) => read_string_map(ctx, n, &join(path, "annotations")),
    };
    for key in ["runbook_url", "dashboard_url"] {
        if let Some(url) = ctx.optional_string(f.get(key), &join(path, key))
            && let Some(a) = annotations.as_mut()
        {
            a.insert(key.to_string(), url);
        }
    }
    let budget_exhausted = match f.get("budget_exhausted_alert") {
        None => Some(false),
        Some(n) => ctx.boolean(n, &join(path, "budget_exhausted_alert")),
    };
    Some(Alerting {
        min_events: min_events?,
        labels: labels?,
        tiers: tiers?,
        rules: AlertRules {
            for_: for_?,
            annotations: annotations?,
            budget_exhausted_alert: budget_exhausted?,
            absent_alert: absent?,
        },
    })
}

/// `services.<name>.slos[i].alerting`.
pub(crate) const ALERTING: Section = Section {
    path: "services.<name>.slos[i].alerting",
    keys: &[
        Key {
            name: "min_events",
            ty: "integer",
            default: "`10`",
            doc: "events the long window must hold before a tier may fire; at least 1",
        },
        Key {
            name: "labels",
            ty: "mapping of string to string",
            default: NONE,
            doc: "labels added to this SLO's alerts, for routing and grouping",
        },
        Key {
            name: "tiers",
            ty: "sequence",
            default: "the four default tiers",
            doc: "burn-rate alert tiers ([below](#alertingtiersi)); `[]` turns alerting off for \
                  this SLO",
        },
        Key {
            name: "for",
            ty: "duration, whole minutes up to `7d`",
            default: NONE,
            doc: "rules only: how long a condition must hold before the Prometheus alert fires",
        },
        Key {
            name: "annotations",
            ty: "mapping of string to string",
            default: NONE,
            doc: "rules only: annotations on every alert of the SLO (they replace nines' \
                  `summary`/`description` when named so)",
        },
        Key {
            name: "runbook_url",
            ty: "string",
            default: NONE,
            doc: "rules only: the `runbook_url` annotation",
        },
        Key {
            name: "dashboard_url",
            ty: "string",
            default: NONE,
            doc: "rules only: the `dashboard_url` annotation",
        },
        Key {
            name: "budget_exhausted_alert",
            ty: "`true`/`false`",
            default: "`false`",
            doc: "rules only: also an `ErrorBudgetExhausted` alert (ticket) while the period's \
                  budget is spent",
        },
        Key {
            name: "absent_alert",
            ty: "duration, whole minutes",
            default: NONE,
            doc: "rules only: also an `SLIAbsent` alert (ticket) when the `total` counter has had \
                  no samples for this long",
        },
    ],
};

/// `services.<name>.slos[i].alerting.tiers[i]`.
pub(crate) const TIER: Section = Section {
    path: "services.<name>.slos[i].alerting.tiers[i]",
    keys: &[
        Key {
            name: "severity",
            ty: "`page` or `ticket`",
            default: REQUIRED,
            doc: "`page` wakes someone up; `ticket` can wait for working hours",
        },
        Key {
            name: "long_window",
            ty: "duration",
            default: REQUIRED,
            doc: "proves the burn is significant; whole minutes, at most `400d`",
        },
        Key {
            name: "short_window",
            ty: "duration",
            default: REQUIRED,
            doc: "proves the burn is still happening; shorter than `long_window`",
        },
        Key {
            name: "budget_consumed",
            ty: "percent",
            default: "—",
            doc: "fire when this share of the whole period's budget would be spent within \
                  `long_window`: `2%`, `\"2%\"` or `2`; above 0, at most 100",
        },
        Key {
            name: "burn_rate",
            ty: "number",
            default: "—",
            doc: "fire above this burn rate, whatever the window; above 0",
        },
    ],
};

/// A mapping of strings to strings (annotations).
pub(crate) fn read_string_map(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
) -> Option<BTreeMap<String, String>> {
    let entries = ctx.entries(node, path)?;
    let mut out = BTreeMap::new();
    let mut ok = true;
    for e in entries {
        match ctx.string(e.value, &join(path, e.key)) {
            Some(v) => {
                out.insert(e.key.to_string(), v);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Is `s` a Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`?
pub(crate) fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn read_labels(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<BTreeMap<String, String>> {
    let entries = ctx.entries(node, path)?;
    let mut labels = BTreeMap::new();
    let mut ok = true;
    for e in entries {
        let field = join(path, e.key);
        let problem = if !is_label_name(e.key) {
            Some(format!(
                "`{}` is not a label name: use letters, digits and `_`, not starting with a digit",
                e.key
            ))
        } else if e.key.starts_with("__") {
            Some("label names starting with `__` are reserved by Prometheus".to_string())
        } else if RESERVED_LABELS.contains(&e.key) {
            Some(format!(
                "nines sets `{}` itself; choose another label name",
                e.key
            ))
        } else {
            None
        };
        if let Some(msg) = problem {
            ctx.error(e.key_line, &field, msg);
            ok = false;
        }
        match ctx.string(e.value, &field) {
            Some(value) => {
                labels.insert(e.key.to_string(), value);
            }
            None => ok = false,
        }
    }
    ok.then_some(labels)
}

fn read_tiers(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<Tier>> {
    if node.kind == Kind::Null {
        let msg = "no value given; list the tiers, or write `tiers: []` to turn alerting off";
        ctx.error(node.line, path, msg);
        return None;
    }
    let items = ctx.seq(node, path)?;
    let tiers: Vec<Option<Tier>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_tier(ctx, item, &index(path, i)))
        .collect();
    tiers.into_iter().collect()
}

fn read_tier(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Tier> {
    let f = ctx.fields(node, path, &TIER)?;
    let severity = ctx.require(&f, path, "severity").and_then(|n| {
        ctx.choice(n, &join(path, "severity"), &["page", "ticket"])
            .map(|s| {
                if s == "page" {
                    Severity::Page
                } else {
                    Severity::Ticket
                }
            })
    });
    let long = ctx
        .require(&f, path, "long_window")
        .and_then(|n| ctx.minutes(n, &join(path, "long_window"), 1, MAX_WINDOW));
    let short = ctx
        .require(&f, path, "short_window")
        .and_then(|n| ctx.minutes(n, &join(path, "short_window"), 1, MAX_WINDOW));
    let short = match (long, short) {
        (Some(l), Some(s)) if s >= l => {
            let line = f.line_of("short_window").unwrap_or(f.line);
            let msg = format!("must be shorter than long_window ({})", format_minutes(l));
            ctx.error(line, &join(path, "short_window"), msg);
            None
        }
        _ => short,
    };
    let threshold = match (f.get("budget_consumed"), f.get("burn_rate")) {
        (Some(_), Some(rate)) => {
            let msg = "give either `budget_consumed` or `burn_rate`, not both";
            ctx.error(rate.line, &join(path, "burn_rate"), msg);
            None
        }
        (None, None) => {
            let msg = format!(
                "missing {}: say how fast the budget must burn for this tier to fire",
                one_of(&["budget_consumed", "burn_rate"])
            );
            ctx.error(f.line, path, msg);
            None
        }
        (Some(n), None) => read_budget_consumed(ctx, n, &join(path, "budget_consumed")),
        (None, Some(n)) => {
            let field = join(path, "burn_rate");
            ctx.number(n, &field, "a burn rate such as 14.4")
                .and_then(|(x, text)| {
                    if x > 0.0 {
                        return Some(TierThreshold::BurnRate(x));
                    }
                    ctx.error(
                        n.line,
                        &field,
                        format!("{text} is not a burn rate; it must be greater than 0"),
                    );
                    None
                })
        }
    };
    Some(Tier {
        severity: severity?,
        long: long?,
        short: short?,
        threshold: threshold?,
    })
}

/// `percent` ÷ 100, computed by moving the decimal point in the text when it
/// is a plain decimal, so `99.9` gives exactly the double nearest 0.999
/// (`99.9 / 100.0` is 0.9990000000000001).
fn percent_to_ratio(text: &str, percent: f64) -> f64 {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !plain(int) || !plain(frac) {
        return percent / 100.0;
    }
    let digits = format!("{int}{frac}");
    // Two more leading zeros make room to move the point two places left.
    let padded = format!("00{digits}");
    let point = padded.len() - frac.len() - 2;
    format!("{}.{}", &padded[..point], &padded[point..])
        .parse()
        .unwrap_or(percent / 100.0)
}

/// `2%`, `"2%"` or `2`: a percentage of the period's budget, 0 < x <= 100.
fn read_budget_consumed(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<TierThreshold> {
    let what = "a percentage of the error budget such as 2%";
    let (text, _) = ctx.scalar(node, path, what)?;
    let figure = text.trim().strip_suffix('%').unwrap_or(text.trim()).trim();
    match figure.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 100.0 => {
            Some(TierThreshold::BudgetConsumed(percent_to_ratio(figure, x)))
        }
        Ok(x) if x.is_finite() => {
            let msg = format!("`{text}` is not a percentage greater than 0 and at most 100");
            ctx.error(node.line, path, msg);
            None
        }
        _ => {
            ctx.error(node.line, path, format!("`{text}` is not {what}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_to_ratio_is_exact_for_decimals() {
        for (text, ratio) in [
            ("99.9", 0.999),
            ("99.95", 0.9995),
            ("5", 0.05),
            ("2", 0.02),
            ("0.5", 0.005),
            ("99", 0.99),
            ("100", 1.0),
        ] {
            assert_eq!(
                percent_to_ratio(text, text.parse().unwrap()),
                ratio,
                "{text}"
            );
        }
        assert_eq!(percent_to_ratio("9.99e1", 99.9), 99.9 / 100.0);
    }
}
