//! OpenSLO v1 documents (`apiVersion: openslo/v1`) as nines SLOs: `Service`,
//! `SLI`, `SLO`, `AlertPolicy`, `AlertCondition`, `AlertNotificationTarget`
//! and `DataSource` kinds, inline or referenced. What nines can run maps to
//! its model; what it cannot is an error (the SLO would mean something
//! else) or a warning (a detail nines does not use), each naming the
//! document and field. Nothing is dropped silently.

use std::collections::{BTreeMap, HashMap};

mod export;
pub use export::to_openslo;

use jiff::tz::TimeZone;
use nines_slo::{
    CalendarUnit, SloSpec, Tier, TierThreshold, Timeslices, WindowSpec, default_tiers,
};

use crate::error::ConfigError;
use crate::model::{AlertRules, Counters, Ratio, Service, Sli, Slo};
use crate::read::{Ctx, index, join};
use crate::slo::{LocatedService, selector_problem};
use crate::yaml::{Kind, Node};

/// Whether a text is OpenSLO (its first document says so).
pub(crate) fn is_openslo(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("apiVersion:"))
        .is_some_and(|l| {
            l.trim_start_matches("apiVersion:")
                .trim()
                .trim_matches(['"', '\''])
                .starts_with("openslo/")
        })
}

/// One document: kind, name and where it is.
struct Doc<'n> {
    /// Index of its file among those read together.
    file: usize,
    kind: String,
    name: String,
    path: String,
    line: usize,
    spec: Option<&'n Node>,
}

/// Reads the documents of one file into services. Warnings go to `warnings`.
pub(crate) fn read_openslo(
    ctx: &mut Ctx<'_>,
    docs: &[Node],
    warnings: &mut Vec<ConfigError>,
) -> Vec<LocatedService> {
    read_openslo_files(std::slice::from_mut(ctx), &[docs], warnings)
        .pop()
        .unwrap_or_default()
}

/// Reads the documents of several files together, so a reference in one
/// (`indicatorRef`, `metricSourceRef`, `alertPolicyRef`, `conditionRef`)
/// finds its document in another, as OpenSLO means references. `ctxs[i]`
/// reads `docs[i]`; each service goes to the file of its first document.
/// An error inside a referenced document is reported in that document's
/// file.
pub(crate) fn read_openslo_files(
    ctxs: &mut [Ctx<'_>],
    docs: &[&[Node]],
    warnings: &mut Vec<ConfigError>,
) -> Vec<Vec<LocatedService>> {
    let mut parsed = Vec::new();
    for (fi, nodes) in docs.iter().enumerate() {
        for (i, node) in nodes.iter().enumerate() {
            if let Some(mut doc) = read_doc(&mut ctxs[fi], node, i) {
                doc.file = fi;
                parsed.push(doc);
            }
        }
    }
    let named = |kind: &str| -> HashMap<String, &Doc<'_>> {
        parsed
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| (d.name.clone(), d))
            .collect()
    };
    let (slis, policies, conditions, sources) = (
        named("SLI"),
        named("AlertPolicy"),
        named("AlertCondition"),
        named("DataSource"),
    );
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    let mut lines: HashMap<String, (usize, usize)> = HashMap::new();
    for d in parsed.iter().filter(|d| d.kind == "Service") {
        let description = d.spec.and_then(|s| scalar_at(s, "description"));
        lines.entry(d.name.clone()).or_insert((d.file, d.line));
        services.entry(d.name.clone()).or_insert_with(|| Service {
            probes: Vec::new(),
            labels: BTreeMap::new(),
            name: d.name.clone(),
            owner: None,
            description,
            slos: Vec::new(),
            escalation: None,
            error_budget_policy: Default::default(),
            slas: Vec::new(),
            capacity: Vec::new(),
        });
    }
    for d in parsed
        .iter()
        .filter(|d| matches!(d.kind.as_str(), "AlertNotificationTarget"))
    {
        warn(
            &ctxs[d.file],
            warnings,
            d.line,
            &d.path,
            "notification targets are not mapped: nines' alerts reach people through Prometheus/Alertmanager or nines' own routing",
        );
    }
    let refs = Refs {
        slis: &slis,
        policies: &policies,
        conditions: &conditions,
        sources: &sources,
    };
    for d in parsed.iter().filter(|d| d.kind == "SLO") {
        if let Some((service, slo)) = read_slo(&mut ctxs[d.file], d, &refs, warnings) {
            lines.entry(service.clone()).or_insert((d.file, d.line));
            services
                .entry(service.clone())
                .or_insert_with(|| Service {
                    probes: Vec::new(),
                    labels: BTreeMap::new(),
                    name: service.clone(),
                    owner: None,
                    description: None,
                    slos: Vec::new(),
                    escalation: None,
                    error_budget_policy: Default::default(),
                    slas: Vec::new(),
                    capacity: Vec::new(),
                })
                .slos
                .push(slo);
        }
    }
    // Errors inside a document found through a reference name its path
    // (`DataSource/prom.spec…`): they belong to its file.
    let files: Vec<std::path::PathBuf> = ctxs.iter().map(|c| c.file.to_path_buf()).collect();
    for ctx in ctxs.iter_mut() {
        for e in &mut ctx.errors {
            if let Some(d) = parsed
                .iter()
                .find(|d| e.field == d.path || e.field.starts_with(&format!("{}.", d.path)))
            {
                e.file = files[d.file].clone();
            }
        }
    }
    let mut out: Vec<Vec<LocatedService>> = (0..docs.len()).map(|_| Vec::new()).collect();
    for s in services.into_values() {
        let (file, line) = lines.get(&s.name).copied().unwrap_or((0, 1));
        out[file].push(LocatedService {
            line,
            service: s,
            targets: Vec::new(),
            escalation: None,
        });
    }
    out
}

struct Refs<'a, 'n> {
    slis: &'a HashMap<String, &'a Doc<'n>>,
    policies: &'a HashMap<String, &'a Doc<'n>>,
    conditions: &'a HashMap<String, &'a Doc<'n>>,
    sources: &'a HashMap<String, &'a Doc<'n>>,
}

fn warn(ctx: &Ctx<'_>, warnings: &mut Vec<ConfigError>, line: usize, field: &str, message: &str) {
    warnings.push(ConfigError {
        file: ctx.file.to_path_buf(),
        line,
        field: field.to_string(),
        message: message.to_string(),
    });
}

fn get<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.kind {
        Kind::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn scalar_at(node: &Node, key: &str) -> Option<String> {
    get(node, key).and_then(Node::as_scalar).map(str::to_string)
}

const KINDS: [&str; 7] = [
    "Service",
    "SLI",
    "SLO",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "DataSource",
];

fn read_doc<'n>(ctx: &mut Ctx<'_>, node: &'n Node, i: usize) -> Option<Doc<'n>> {
    let at = format!("document {}", i + 1);
    let f = ctx.foreign_fields(node, &at, &["apiVersion", "kind", "metadata", "spec"])?;
    let api = ctx
        .require(&f, &at, "apiVersion")
        .and_then(|n| ctx.string(n, &join(&at, "apiVersion")))?;
    if api != "openslo/v1" {
        let msg = format!("`{api}` is not supported; nines reads `openslo/v1`");
        ctx.error(
            f.line_of("apiVersion").unwrap_or(f.line),
            &join(&at, "apiVersion"),
            msg,
        );
        return None;
    }
    let kind = ctx
        .require(&f, &at, "kind")
        .and_then(|n| ctx.choice(n, &join(&at, "kind"), &KINDS))?;
    let metadata = ctx.require(&f, &at, "metadata")?;
    let name = match get(metadata, "name").and_then(Node::as_scalar) {
        Some(n) => n.to_string(),
        None => {
            ctx.error(
                metadata.line,
                &join(&at, "metadata"),
                "missing required key `name`",
            );
            return None;
        }
    };
    Some(Doc {
        file: 0,
        kind: kind.to_string(),
        path: format!("{kind}/{name}"),
        name,
        line: node.line,
        spec: get(node, "spec"),
    })
}

fn read_slo(
    ctx: &mut Ctx<'_>,
    d: &Doc<'_>,
    refs: &Refs<'_, '_>,
    warnings: &mut Vec<ConfigError>,
) -> Option<(String, Slo)> {
    let path = format!("{}.spec", d.path);
    let Some(spec) = d.spec else {
        ctx.error(d.line, &d.path, "missing required key `spec`");
        return None;
    };
    let allowed = [
        "description",
        "service",
        "indicator",
        "indicatorRef",
        "timeWindow",
        "budgetingMethod",
        "objectives",
        "alertPolicies",
    ];
    let f = ctx.foreign_fields(spec, &path, &allowed)?;
    if !ctx.check_name(&d.name, d.line, &format!("{}.metadata.name", d.path), "SLO") {
        return None;
    }
    let service = ctx
        .require(&f, &path, "service")
        .and_then(|n| ctx.name(n, &join(&path, "service"), "service"));
    let description = ctx.optional_string(f.get("description"), &join(&path, "description"));
    let sli = match (f.get("indicator"), f.get("indicatorRef")) {
        (Some(inline), None) => {
            let p = join(&path, "indicator");
            get(inline, "spec").and_then(|s| read_sli(ctx, s, &join(&p, "spec"), refs))
        }
        (None, Some(r)) => {
            let name = ctx.string(r, &join(&path, "indicatorRef"))?;
            match refs.slis.get(&name) {
                Some(doc) => doc
                    .spec
                    .and_then(|s| read_sli(ctx, s, &format!("{}.spec", doc.path), refs)),
                None => {
                    ctx.error(
                        r.line,
                        &join(&path, "indicatorRef"),
                        format!("no SLI document named `{name}` in the OpenSLO files read"),
                    );
                    None
                }
            }
        }
        _ => {
            ctx.error(
                f.line,
                &path,
                "give exactly one of `indicator` or `indicatorRef`",
            );
            None
        }
    };
    // Optional in OpenSLO v1; nines' default window then, said as a warning.
    let window = match f.get("timeWindow") {
        Some(n) => read_time_window(ctx, n, &join(&path, "timeWindow"), warnings),
        None => {
            warn(
                ctx,
                warnings,
                f.line,
                &path,
                "no `timeWindow`: nines uses its default, a rolling 30d window",
            );
            Some(WindowSpec::rolling(30 * 1440))
        }
    };
    let timeslices = match f.get("budgetingMethod").and_then(Node::as_scalar) {
        None | Some("Occurrences") => false,
        Some("Timeslices") => true,
        Some(other) => {
            let msg = format!(
                "budgetingMethod `{other}` is not supported; nines budgets by `Occurrences` or `Timeslices`"
            );
            ctx.error(
                f.line_of("budgetingMethod").unwrap_or(f.line),
                &join(&path, "budgetingMethod"),
                msg,
            );
            false
        }
    };
    let objective = ctx
        .require(&f, &path, "objectives")
        .and_then(|n| read_objective(ctx, n, &join(&path, "objectives"), timeslices, warnings));
    let (tiers, for_) = match f.get("alertPolicies") {
        None => (Some(default_tiers()), None),
        Some(n) => {
            read_policies(ctx, n, &join(&path, "alertPolicies"), refs, warnings).unzip_pair()
        }
    };
    let (service, sli, window, objective, tiers) = (service?, sli?, window?, objective?, tiers?);
    let (objective, slices) = objective;
    let window_label = window.label();
    let mut spec = SloSpec::new(objective, window, tiers, crate::slo::DEFAULT_MIN_EVENTS);
    if let Some(t) = slices {
        spec = spec.with_timeslices(t);
    }
    let slo = Slo {
        name: d.name.clone(),
        description,
        objective_percent: objective * 100.0,
        sli,
        labels: BTreeMap::new(),
        alert_rules: AlertRules {
            for_,
            ..AlertRules::default()
        },
        window_label,
        spec,
    };
    Some((service, slo))
}

trait UnzipPair<A, B> {
    fn unzip_pair(self) -> (Option<A>, Option<B>);
}

impl<A, B> UnzipPair<A, B> for Option<(A, Option<B>)> {
    fn unzip_pair(self) -> (Option<A>, Option<B>) {
        match self {
            Some((a, b)) => (Some(a), b),
            None => (None, None),
        }
    }
}

fn read_sli(ctx: &mut Ctx<'_>, spec: &Node, path: &str, refs: &Refs<'_, '_>) -> Option<Sli> {
    let f = ctx.foreign_fields(
        spec,
        path,
        &["description", "thresholdMetric", "ratioMetric"],
    )?;
    if f.get("thresholdMetric").is_some() {
        let msg = "thresholdMetric SLIs are not supported: nines counts good and total events (use ratioMetric with counters)";
        ctx.error(
            f.line_of("thresholdMetric").unwrap_or(f.line),
            &join(path, "thresholdMetric"),
            msg,
        );
        return None;
    }
    let ratio = ctx.require(&f, path, "ratioMetric")?;
    let p = join(path, "ratioMetric");
    let rf = ctx.foreign_fields(
        ratio,
        &p,
        &["counter", "good", "bad", "total", "raw", "rawType"],
    )?;
    if rf.get("raw").is_some() {
        ctx.error(
            rf.line_of("raw").unwrap_or(rf.line),
            &join(&p, "raw"),
            "raw ratio metrics are not supported: give good or bad, and total",
        );
        return None;
    }
    let counter = rf
        .get("counter")
        .and_then(|n| ctx.boolean(n, &join(&p, "counter")));
    if counter != Some(true) {
        ctx.error(
            rf.line,
            &join(&p, "counter"),
            "only `counter: true` ratio metrics are supported: nines takes rates of counters",
        );
        return None;
    }
    let mut url = None;
    let mut query = |ctx: &mut Ctx<'_>, key: &str| -> Option<String> {
        let n = rf.get(key)?;
        let (q, u) = read_metric_source(ctx, n, &join(&p, key), refs)?;
        if u.is_some() {
            url = u;
        }
        Some(q)
    };
    let good = query(ctx, "good");
    let bad = query(ctx, "bad");
    let total = ctx
        .require(&rf, &p, "total")
        .and_then(|_| query(ctx, "total"));
    let ratio = match (good, bad) {
        (Some(g), None) if rf.get("bad").is_none() => Ratio::Good(g),
        (None, Some(b)) if rf.get("good").is_none() => Ratio::Errors(b),
        // One was given and refused: that error says why; no second one.
        _ if rf.get("good").is_some() != rf.get("bad").is_some() => return None,
        _ => {
            ctx.error(rf.line, &p, "give exactly one of `good` or `bad`");
            return None;
        }
    };
    Some(Sli::Promql(Counters {
        ratio,
        total: total?,
        location: url,
        headers: Vec::new(),
    }))
}

/// `{metricSource: {type: Prometheus, metricSourceRef?, spec: {query}}}`:
/// the query (a series selector) and the data source's URL.
fn read_metric_source(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    refs: &Refs<'_, '_>,
) -> Option<(String, Option<String>)> {
    let f = ctx.foreign_fields(node, path, &["metricSource"])?;
    let ms = ctx.require(&f, path, "metricSource")?;
    let p = join(path, "metricSource");
    let mf = ctx.foreign_fields(ms, &p, &["type", "metricSourceRef", "spec"])?;
    let mut url = None;
    if let Some(r) = mf.get("metricSourceRef") {
        let name = ctx.string(r, &join(&p, "metricSourceRef"))?;
        match refs.sources.get(&name) {
            Some(doc) => {
                let kind = doc
                    .spec
                    .and_then(|s| scalar_at(s, "type"))
                    .unwrap_or_default();
                if !kind.eq_ignore_ascii_case("prometheus") {
                    ctx.error(
                        r.line,
                        &join(&p, "metricSourceRef"),
                        format!("data source `{name}` is of type `{kind}`; nines reads Prometheus"),
                    );
                    return None;
                }
                url = doc
                    .spec
                    .and_then(|s| get(s, "connectionDetails"))
                    .and_then(|c| scalar_at(c, "url"));
                if let Some(problem) = url.as_deref().and_then(crate::http::url_problem) {
                    let msg = format!("data source `{name}`: {problem}");
                    ctx.error(r.line, &join(&p, "metricSourceRef"), msg);
                    return None;
                }
            }
            None => {
                ctx.error(
                    r.line,
                    &join(&p, "metricSourceRef"),
                    format!("no DataSource document named `{name}` in the OpenSLO files read"),
                );
                return None;
            }
        }
    } else {
        let kind = mf.get("type").and_then(Node::as_scalar).unwrap_or("");
        if !kind.eq_ignore_ascii_case("prometheus") {
            ctx.error(
                mf.line,
                &join(&p, "type"),
                format!("metric source type `{kind}` is not supported; nines reads Prometheus"),
            );
            return None;
        }
    }
    let spec = ctx.require(&mf, &p, "spec")?;
    let q = get(spec, "query").and_then(Node::as_scalar).map(str::trim);
    match q {
        Some(q) => {
            let Some(problem) = selector_problem(q) else {
                return Some((q.to_string(), url));
            };
            let msg = format!(
                "`{q}` is not a series selector of a counter ({problem}); nines needs one, such as `http_requests_total{{code!~\"5..\"}}`"
            );
            ctx.error(spec.line, &join(&p, "spec.query"), msg);
            None
        }
        None => {
            ctx.error(spec.line, &join(&p, "spec"), "missing required key `query`");
            None
        }
    }
}

/// OpenSLO durations: a whole number and `m`, `h`, `d`, `w`, `M`, `Q`, `Y`.
fn read_time_window(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    warnings: &mut Vec<ConfigError>,
) -> Option<WindowSpec> {
    let items = ctx.seq(node, path)?;
    let [w] = items else {
        ctx.error(node.line, path, "give exactly one time window");
        return None;
    };
    let p = index(path, 0);
    let f = ctx.foreign_fields(w, &p, &["duration", "isRolling", "calendar"])?;
    let duration = ctx
        .require(&f, &p, "duration")
        .and_then(|n| ctx.string(n, &join(&p, "duration")))?;
    let rolling = match f.get("isRolling") {
        Some(n) => ctx.boolean(n, &join(&p, "isRolling"))?,
        None => f.get("calendar").is_none(),
    };
    let line = f.line_of("duration").unwrap_or(f.line);
    if rolling {
        // Months, quarters and years have no fixed length; a rolling one is
        // taken as 30, 90 or 365 days, and the user is told.
        let calendar_units = [('M', 30, "month"), ('Q', 90, "quarter"), ('Y', 365, "year")];
        let long = calendar_units.iter().find_map(|&(suffix, days, name)| {
            let n: u64 = duration.strip_suffix(suffix)?.parse().ok()?;
            Some((n * days * 1440, days, name))
        });
        let minutes = match long {
            Some((m, days, name)) => {
                let msg = format!("a rolling {name} is taken as {days} days");
                warn(ctx, warnings, line, &join(&p, "duration"), &msg);
                Some(m).filter(|m| (60..=400 * 1440).contains(m))
            }
            None => nines_slo::parse_duration(&duration)
                .ok()
                .map(|d| d.as_secs() / 60)
                .filter(|m| (60..=400 * 1440).contains(m)),
        };
        let Some(minutes) = minutes else {
            ctx.error(line, &join(&p, "duration"), format!("`{duration}` is not a rolling window nines supports: whole minutes from 1h to 400d (m, h, d, w)"));
            return None;
        };
        return Some(WindowSpec::rolling(minutes as u32));
    }
    let unit = match duration.as_str() {
        "1w" => CalendarUnit::Week,
        "1M" => CalendarUnit::Month,
        other => {
            ctx.error(
                line,
                &join(&p, "duration"),
                format!("`{other}` is not a calendar window nines supports: `1w` or `1M`"),
            );
            return None;
        }
    };
    let tz = match f
        .get("calendar")
        .and_then(|c| get(c, "timeZone"))
        .and_then(Node::as_scalar)
    {
        None => TimeZone::UTC,
        Some(name) => match TimeZone::get(name) {
            Ok(tz) => tz,
            Err(_) => {
                ctx.error(
                    line,
                    &join(&p, "calendar.timeZone"),
                    format!("`{name}` is not an IANA time zone name"),
                );
                return None;
            }
        },
    };
    Some(WindowSpec::Calendar { unit, tz })
}

fn read_objective(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    timeslices: bool,
    warnings: &mut Vec<ConfigError>,
) -> Option<(f64, Option<Timeslices>)> {
    let items = ctx.seq(node, path)?;
    let [o] = items else {
        ctx.error(node.line, path, "give exactly one objective; nines keeps one objective per SLO (write one SLO per objective)");
        return None;
    };
    let p = index(path, 0);
    let f = ctx.foreign_fields(
        o,
        &p,
        &[
            "displayName",
            "op",
            "value",
            "target",
            "targetPercent",
            "timeSliceTarget",
            "timeSliceWindow",
        ],
    )?;
    for key in ["op", "value"] {
        if let Some(n) = f.get(key) {
            warn(
                ctx,
                warnings,
                n.line,
                &join(&p, key),
                "not used: it belongs to threshold SLIs, which nines does not run",
            );
        }
    }
    let slices = if timeslices {
        let target = ctx
            .require(&f, &p, "timeSliceTarget")
            .and_then(|n| ctx.number(n, &join(&p, "timeSliceTarget"), "a ratio such as 0.95"))
            .map(|(x, _)| x);
        let window = ctx
            .require(&f, &p, "timeSliceWindow")
            .and_then(|n| ctx.minutes(n, &join(&p, "timeSliceWindow"), 1, 60));
        let (target, window) = (target?, window?);
        if !(target > 0.0 && target <= 1.0) {
            ctx.error(
                f.line,
                &join(&p, "timeSliceTarget"),
                format!("{target} is not a ratio above 0 and at most 1"),
            );
            return None;
        }
        Some(Timeslices {
            slice_minutes: window,
            target,
        })
    } else {
        for key in ["timeSliceTarget", "timeSliceWindow"] {
            if let Some(n) = f.get(key) {
                warn(
                    ctx,
                    warnings,
                    n.line,
                    &join(&p, key),
                    "not used: the SLO budgets by Occurrences",
                );
            }
        }
        None
    };
    let ratio = match (f.get("target"), f.get("targetPercent")) {
        (Some(n), None) => ctx
            .number(n, &join(&p, "target"), "a ratio such as 0.999")
            .map(|(x, _)| x)?,
        (None, Some(n)) => ctx
            .number(n, &join(&p, "targetPercent"), "a percentage such as 99.9")
            .map(|(x, _)| x / 100.0)?,
        _ => {
            ctx.error(
                f.line,
                &p,
                "give exactly one of `target` or `targetPercent`",
            );
            return None;
        }
    };
    if !(ratio > 0.0 && ratio < 1.0) {
        ctx.error(
            f.line,
            &p,
            format!("{ratio} is not a target strictly between 0 and 1"),
        );
        return None;
    }
    // Round to the 12th decimal: 99.9 / 100 is 0.9990000000000001 in f64.
    Some(((ratio * 1e12).round() / 1e12, slices))
}

/// An item that is either inline (`spec: ...`) or a reference by name
/// (`<ref_key>: name`) to a document of `kind` in the same file: its spec
/// and the path errors inside it should name.
fn resolve<'n>(
    ctx: &mut Ctx<'_>,
    item: &'n Node,
    path: &str,
    ref_key: &str,
    docs: &HashMap<String, &Doc<'n>>,
    kind: &str,
) -> Option<(Option<&'n Node>, String)> {
    match (
        get(item, ref_key).and_then(Node::as_scalar),
        get(item, "spec"),
    ) {
        (Some(name), _) => match docs.get(name) {
            Some(doc) => Some((doc.spec, format!("{}.spec", doc.path))),
            None => {
                ctx.error(
                    item.line,
                    path,
                    format!("no {kind} document named `{name}` in the OpenSLO files read"),
                );
                None
            }
        },
        (None, Some(s)) => Some((Some(s), join(path, "spec"))),
        _ => {
            ctx.error(
                item.line,
                path,
                format!("give an inline {kind} or `{ref_key}`"),
            );
            None
        }
    }
}

/// Alert policies with burn-rate conditions as nines tiers, and the common
/// `alertAfter` as `for`.
fn read_policies(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    refs: &Refs<'_, '_>,
    warnings: &mut Vec<ConfigError>,
) -> Option<(Vec<Tier>, Option<String>)> {
    let mut tiers = Vec::new();
    let mut after: Option<String> = None;
    for (i, item) in ctx.seq(node, path)?.iter().enumerate() {
        let p = index(path, i);
        let (spec, spec_path) = resolve(
            ctx,
            item,
            &p,
            "alertPolicyRef",
            refs.policies,
            "AlertPolicy",
        )?;
        let spec = spec?;
        if let Some(t) = get(spec, "notificationTargets") {
            warn(
                ctx,
                warnings,
                t.line,
                &join(&spec_path, "notificationTargets"),
                "not mapped: nines' alerts reach people through Prometheus/Alertmanager or nines' own routing",
            );
        }
        for key in ["alertWhenNoData", "alertWhenResolved", "alertWhenBreaching"] {
            if let Some(n) = get(spec, key) {
                warn(
                    ctx,
                    warnings,
                    n.line,
                    &join(&spec_path, key),
                    "not mapped: nines alerts on burn rates, resolves on the short window and treats no data as deciding nothing",
                );
            }
        }
        let conditions = get(spec, "conditions")
            .map(|n| ctx.seq(n, &join(&spec_path, "conditions")))
            .unwrap_or(Some(&[]))?;
        for (j, c) in conditions.iter().enumerate() {
            let cp = index(&join(&spec_path, "conditions"), j);
            let (cspec, cpath) = resolve(
                ctx,
                c,
                &cp,
                "conditionRef",
                refs.conditions,
                "AlertCondition",
            )?;
            let (tier, alert_after) = read_condition(ctx, cspec?, &cpath)?;
            if let Some(a) = alert_after {
                if after.as_ref().is_some_and(|x| *x != a) {
                    warn(
                        ctx,
                        warnings,
                        c.line,
                        &cp,
                        "alertAfter differs between conditions; nines uses the first for all tiers",
                    );
                } else {
                    after.get_or_insert(a);
                }
            }
            tiers.push(tier);
        }
    }
    Some((tiers, after))
}

fn read_condition(ctx: &mut Ctx<'_>, spec: &Node, path: &str) -> Option<(Tier, Option<String>)> {
    let f = ctx.foreign_fields(spec, path, &["description", "severity", "condition"])?;
    let severity = match ctx
        .require(&f, path, "severity")
        .and_then(|n| ctx.choice(n, &join(path, "severity"), &["page", "ticket"]))?
    {
        "page" => nines_slo::Severity::Page,
        _ => nines_slo::Severity::Ticket,
    };
    let c = ctx.require(&f, path, "condition")?;
    let p = join(path, "condition");
    let cf = ctx.foreign_fields(
        c,
        &p,
        &["kind", "op", "threshold", "lookbackWindow", "alertAfter"],
    )?;
    let kind = ctx
        .require(&cf, &p, "kind")
        .and_then(|n| ctx.choice(n, &join(&p, "kind"), &["burnrate"]))?;
    debug_assert_eq!(kind, "burnrate");
    if let Some(op) = cf.get("op").and_then(Node::as_scalar)
        && !matches!(op, "gt" | "gte")
    {
        ctx.error(cf.line_of("op").unwrap_or(cf.line), &join(&p, "op"), format!("op `{op}` is not supported: a burn-rate alert fires above its threshold (`gt` or `gte`)"));
        return None;
    }
    let threshold = ctx
        .require(&cf, &p, "threshold")
        .and_then(|n| ctx.number(n, &join(&p, "threshold"), "a burn rate such as 14.4"))?
        .0;
    let long = ctx
        .require(&cf, &p, "lookbackWindow")
        .and_then(|n| ctx.minutes(n, &join(&p, "lookbackWindow"), 12, 400 * 1440))?;
    let after = match cf.get("alertAfter") {
        Some(n) => Some(nines_slo::format_minutes(ctx.minutes(
            n,
            &join(&p, "alertAfter"),
            1,
            7 * 1440,
        )?)),
        None => None,
    };
    // OpenSLO has one window; the short one is a twelfth of it, as in the
    // SRE Workbook (1h/5m, 6h/30m, 1d/2h, 3d/6h).
    let tier = Tier {
        severity,
        long,
        short: (long / 12).max(1),
        threshold: TierThreshold::BurnRate(threshold),
    };
    Some((tier, after))
}
