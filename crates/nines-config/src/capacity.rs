//! Reading a service's `capacity`: the resources whose growth nines
//! forecasts (from a PromQL query, a scrape target or the service's own SLI
//! totals), the limit each runs out at, how far ahead to look, and when a
//! forecast crossing is worth a ticket or a page.

use std::time::Duration;

use crate::http::{read_headers, read_url};
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::read::{Ctx, Fields, format_duration, index, join, one_of, suggest};
use crate::scrape::{TargetRef, read_target_ref};
use crate::slo::selector_problem;
use crate::yaml::{Kind, Node};

/// `services.<name>.capacity.<resource>`.
pub(crate) const RESOURCE: Section = Section {
    path: "services.<name>.capacity.<resource>",
    keys: &[
        Key {
            name: "promql",
            ty: "PromQL expression",
            default: "one of `promql`, `metric`, `sli`",
            doc: "read with range queries to `url`; the result's series are summed",
        },
        Key {
            name: "url",
            ty: "URL",
            default: "required with `promql`",
            doc: "the `http://`/`https://` base URL of the Prometheus HTTP API",
        },
        Key {
            name: "headers",
            ty: "mapping of string to string",
            default: NONE,
            doc: "with `promql`: headers sent with each query, such as `X-Scope-OrgID`",
        },
        Key {
            name: "bearer_token",
            ty: "string",
            default: NONE,
            doc: "with `promql`: sent as `Authorization: Bearer <token>`",
        },
        Key {
            name: "basic_auth",
            ty: "mapping `{username, password}`",
            default: NONE,
            doc: "with `promql`: sent as `Authorization: Basic …` ([`basic_auth`](#basic_auth)); \
                  not with `bearer_token`",
        },
        Key {
            name: "metric",
            ty: "PromQL series selector",
            default: "one of `promql`, `metric`, `sli`",
            doc: "a gauge on the `/metrics` page of `target`; matching series are summed",
        },
        Key {
            name: "target",
            ty: "scrape name or URL",
            default: "required with `metric`",
            doc: "the `name` of a [`scrape`](#scrapei) entry, or the URL of a `/metrics` page",
        },
        Key {
            name: "sli",
            ty: "SLO name",
            default: "one of `promql`, `metric`, `sli`",
            doc: "an SLO of this service: its total events per second (the traffic)",
        },
        Key {
            name: "limit",
            ty: "number, or a query",
            default: REQUIRED,
            doc: "where the resource runs out, in its unit: a number (`500e9`), or an \
                  expression read like the resource (a PromQL expression with `promql`, a \
                  selector such as `node_filesystem_size_bytes` with `metric`; a number with \
                  `sli`)",
        },
        Key {
            name: "falling",
            ty: "`true` or `false`",
            default: "`false`",
            doc: "the resource runs out by falling to the limit (free bytes, remaining quota)",
        },
        Key {
            name: "step",
            ty: "duration",
            default: "`1h`",
            doc: "time between the points forecast; at least `1m`",
        },
        Key {
            name: "history",
            ty: "duration",
            default: "`30d`",
            doc: "how much history the forecast reads; at least `7d`, the forecaster's minimum",
        },
        Key {
            name: "horizon",
            ty: "duration",
            default: "`30d`",
            doc: "how far ahead to forecast; at least `ticket_within`",
        },
        Key {
            name: "model",
            ty: "`seasonal`, `ets` or `linear`",
            default: "`seasonal`",
            doc: "daily and weekly seasons + ETS trend, ETS alone, or `predict_linear`'s line \
                  ([capacity](capacity.md))",
        },
        Key {
            name: "seasons",
            ty: "sequence of durations",
            default: "detected among `1d` and `7d`",
            doc: "the seasons to remove (`[1d, 7d]`); each a whole number of steps, at least \
                  two; only with `model: seasonal`",
        },
        Key {
            name: "ticket_within",
            ty: "duration",
            default: "`14d`",
            doc: "open a ticket when the earliest plausible crossing is this close",
        },
        Key {
            name: "page_within",
            ty: "duration",
            default: "`2d`",
            doc: "page when it is this close; at most `ticket_within`",
        },
        Key {
            name: "floor",
            ty: "number, or number `%`",
            default: "none (the forecast alone decides)",
            doc: "alert only while the current value is past this: in the resource's unit \
                  (above it, or below it when `falling`), or `N%` of the limit (rising \
                  resources only), as the node-exporter mixin pairs `predict_linear` with a \
                  static threshold",
        },
    ],
};

const DEFAULT_STEP: Duration = Duration::from_secs(3600);
const MIN_STEP: Duration = Duration::from_secs(60);
const DAY: u64 = 86_400;
const DEFAULT_HISTORY: Duration = Duration::from_secs(30 * DAY);
/// The forecaster's default minimum history (`nines_forecast`).
const MIN_HISTORY: Duration = Duration::from_secs(7 * DAY);
const DEFAULT_HORIZON: Duration = Duration::from_secs(30 * DAY);
const DEFAULT_TICKET: Duration = Duration::from_secs(14 * DAY);
const DEFAULT_PAGE: Duration = Duration::from_secs(2 * DAY);

/// `services.<name>.capacity.<resource>`: one resource nines forecasts.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityResource {
    /// The key under `capacity`; with the service it names the resource
    /// (`shop/disk`).
    pub name: String,
    /// `promql`, `metric` + `target`, or `sli`.
    pub source: ResourceSource,
    /// `limit`.
    pub limit: Limit,
    /// `falling`: runs out by falling to the limit.
    pub falling: bool,
    /// `step`: default 1h.
    pub step: Duration,
    /// `history`: default 30d.
    pub history: Duration,
    /// `horizon`: default 30d.
    pub horizon: Duration,
    /// `model`: default seasonal.
    pub model: ForecastModel,
    /// `seasons`: empty means detected.
    pub seasons: Vec<Duration>,
    /// `ticket_within`: default 14d.
    pub ticket_within: Duration,
    /// `page_within`: default 2d.
    pub page_within: Duration,
    /// `floor`: default none.
    pub floor: Option<Floor>,
}

/// Where a resource's series comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceSource {
    /// `promql` + `url` (+ `headers`, `bearer_token`, `basic_auth`).
    Promql {
        query: String,
        url: String,
        headers: Vec<(String, String)>,
    },
    /// `metric` on the scrape target `target` (resolved against `scrape`).
    Scrape { selector: String, target: String },
    /// `sli`: the total events per second of this service's SLO.
    Sli { slo: String },
}

/// Where a resource runs out.
#[derive(Debug, Clone, PartialEq)]
pub enum Limit {
    /// A fixed value in the resource's unit.
    Value(f64),
    /// An expression read from the resource's own source (PromQL, or a
    /// selector on its scrape target); its latest value is the limit.
    Query(String),
}

/// `model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForecastModel {
    #[default]
    Seasonal,
    Ets,
    Linear,
}

/// `floor`: the current value must be past it before a forecast alerts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Floor {
    /// In the resource's unit.
    Value(f64),
    /// A percentage (0–100) of the limit.
    PercentOfLimit(f64),
}

impl Floor {
    /// The floor in the resource's unit, given the limit's current value.
    pub fn value(&self, limit: f64) -> f64 {
        match *self {
            Floor::Value(v) => v,
            Floor::PercentOfLimit(p) => p / 100.0 * limit,
        }
    }
}

/// Reads `capacity`: a mapping of resource name to its settings. `slos`
/// are the names the service's `slos` give, for `sli`; scrape `target`s go
/// to `targets`, resolved once every file is read.
pub(crate) fn read_capacity(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    slos: &[&str],
    targets: &mut Vec<TargetRef>,
) -> Option<Vec<CapacityResource>> {
    let entries = ctx.entries(node, path)?;
    let mut out = Some(Vec::with_capacity(entries.len()));
    for e in entries {
        let field = join(path, e.key);
        let valid = ctx.check_name(e.key, e.key_line, &field, "resource");
        let mut target = None;
        let r = read_resource(ctx, e.value, &field, e.key, slos, &mut target);
        match (valid, r, out.as_mut()) {
            (true, Some(r), Some(v)) => {
                targets.extend(target);
                v.push(r);
            }
            _ => out = None,
        }
    }
    out
}

fn read_resource(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    name: &str,
    slos: &[&str],
    target: &mut Option<TargetRef>,
) -> Option<CapacityResource> {
    let f = ctx.fields(node, path, &RESOURCE)?;
    let source = read_source(ctx, &f, path, slos, target);
    let falling = match f.get("falling") {
        Some(n) => ctx.boolean(n, &join(path, "falling")),
        None => Some(false),
    };
    let limit = match (ctx.require(&f, path, "limit"), &source) {
        (Some(n), Some(s)) => read_limit(ctx, n, &join(path, "limit"), s),
        _ => None,
    };
    let duration = |ctx: &mut Ctx<'_>, key: &str, min: Duration, default: Duration| match f.get(key)
    {
        Some(n) => ctx.duration(n, &join(path, key), min),
        None => Some(default),
    };
    let step = duration(ctx, "step", MIN_STEP, DEFAULT_STEP);
    let history = duration(ctx, "history", MIN_HISTORY, DEFAULT_HISTORY);
    let horizon = duration(ctx, "horizon", Duration::from_secs(60), DEFAULT_HORIZON);
    let ticket = duration(ctx, "ticket_within", Duration::ZERO, DEFAULT_TICKET);
    let page = duration(ctx, "page_within", Duration::ZERO, DEFAULT_PAGE);
    let model = match f.get("model") {
        Some(n) => match ctx.choice(n, &join(path, "model"), &["seasonal", "ets", "linear"]) {
            Some("ets") => Some(ForecastModel::Ets),
            Some("linear") => Some(ForecastModel::Linear),
            Some(_) => Some(ForecastModel::Seasonal),
            None => None,
        },
        None => Some(ForecastModel::Seasonal),
    };
    let seasons = match (f.get("seasons"), model, step) {
        (None, _, _) => Some(Vec::new()),
        (Some(n), Some(m), _) if m != ForecastModel::Seasonal => {
            let msg = "`seasons` are removed by `model: seasonal` only; drop them or use that \
                       model";
            ctx.error(n.line, &join(path, "seasons"), msg);
            None
        }
        (Some(n), _, Some(step)) => read_seasons(ctx, n, &join(path, "seasons"), step),
        (Some(_), _, None) => None,
    };
    let floor = match f.get("floor") {
        Some(n) if n.kind != Kind::Null => {
            read_floor(ctx, n, &join(path, "floor"), falling?, limit.as_ref()?).map(Some)
        }
        _ => Some(None),
    };
    let (step, history, horizon, ticket, page) = (step?, history?, horizon?, ticket?, page?);
    let at = |key: &str| f.line_of(key).unwrap_or(f.line);
    let shown = |key: &str, d: Duration| match f.get(key) {
        Some(_) => format!("`{key}` ({})", format_duration(d)),
        None => format!("`{key}` (default {})", format_duration(d)),
    };
    let mut ok = true;
    if step >= horizon {
        let msg = format!(
            "the horizon ({}) is not longer than the step ({}); forecast at least one step ahead",
            format_duration(horizon),
            format_duration(step)
        );
        ctx.error(at("horizon"), &join(path, "horizon"), msg);
        ok = false;
    } else if ticket > horizon {
        let msg = format!(
            "the horizon ({}) is shorter than {}: a crossing between them would never be seen; \
             lengthen `horizon` or shorten `ticket_within`",
            format_duration(horizon),
            shown("ticket_within", ticket)
        );
        ctx.error(at("horizon"), &join(path, "horizon"), msg);
        ok = false;
    }
    if page > ticket {
        let msg = format!(
            "{} is longer than {}: what pages must also be worth a ticket",
            shown("page_within", page),
            shown("ticket_within", ticket)
        );
        ctx.error(at("page_within"), &join(path, "page_within"), msg);
        ok = false;
    }
    if history < step * 3 {
        let msg = format!(
            "the history ({}) holds fewer than three steps of {}",
            format_duration(history),
            format_duration(step)
        );
        ctx.error(at("history"), &join(path, "history"), msg);
        ok = false;
    }
    let r = CapacityResource {
        name: name.to_string(),
        source: source?,
        limit: limit?,
        falling: falling?,
        step,
        history,
        horizon,
        model: model?,
        seasons: seasons?,
        ticket_within: ticket,
        page_within: page,
        floor: floor?,
    };
    ok.then_some(r)
}

const SOURCES: [&str; 3] = ["promql", "metric", "sli"];

fn read_source(
    ctx: &mut Ctx<'_>,
    f: &Fields<'_>,
    path: &str,
    slos: &[&str],
    target: &mut Option<TargetRef>,
) -> Option<ResourceSource> {
    let given: Vec<&str> = SOURCES
        .iter()
        .copied()
        .filter(|k| f.get(k).is_some())
        .collect();
    let source = match given.as_slice() {
        [one] => *one,
        [] => {
            let msg = format!(
                "missing the series: give one of {} (a PromQL expression with `url`, a selector \
                 on a scrape `target`, or an SLO of this service for its traffic)",
                one_of(&SOURCES)
            );
            ctx.error(f.line, path, msg);
            return None;
        }
        [_, second, ..] => {
            let msg = format!("give one of {}, not several", one_of(&SOURCES));
            ctx.error(f.line_of(second).unwrap_or(f.line), path, msg);
            return None;
        }
    };
    // Keys that belong to another source are mistakes, not silently unused.
    let belongs: &[(&str, &str)] = &[
        ("url", "promql"),
        ("headers", "promql"),
        ("bearer_token", "promql"),
        ("basic_auth", "promql"),
        ("target", "metric"),
    ];
    for (key, owner) in belongs {
        if *owner != source
            && let Some(n) = f.get(key)
        {
            let msg =
                format!("`{key}` goes with `{owner}`, and this resource is read from `{source}`");
            ctx.error(n.line, &join(path, key), msg);
            return None;
        }
    }
    match source {
        "promql" => {
            let n = f.get("promql")?;
            let query = non_empty(ctx, n, &join(path, "promql"))?;
            let url = ctx
                .require(f, path, "url")
                .and_then(|n| read_url(ctx, n, &join(path, "url")));
            let headers = read_headers(ctx, f, path);
            Some(ResourceSource::Promql {
                query,
                url: url?,
                headers: headers?,
            })
        }
        "metric" => {
            let n = f.get("metric")?;
            let selector = read_selector(ctx, n, &join(path, "metric"));
            let t = ctx
                .require(f, path, "target")
                .and_then(|n| read_target_ref(ctx, n, &join(path, "target")));
            let (selector, t) = (selector?, t?);
            let name = t.target.clone();
            *target = Some(t);
            Some(ResourceSource::Scrape {
                selector,
                target: name,
            })
        }
        _ => {
            let n = f.get("sli")?;
            let field = join(path, "sli");
            let slo = ctx.string(n, &field)?;
            if slos.contains(&slo.as_str()) {
                return Some(ResourceSource::Sli { slo });
            }
            let hint = match suggest(&slo, slos) {
                Some(close) => format!("did you mean `{close}`?"),
                None if slos.is_empty() => "the service has no `slos`".to_string(),
                None => format!("its SLOs are {}", one_of(slos)),
            };
            let msg = format!("`{slo}` is not an SLO of this service; {hint}");
            ctx.error(n.line, &field, msg);
            None
        }
    }
}

fn non_empty(ctx: &mut Ctx<'_>, n: &Node, field: &str) -> Option<String> {
    let text = ctx.string(n, field)?;
    if text.trim().is_empty() {
        ctx.error(n.line, field, "the expression is empty");
        return None;
    }
    Some(text.trim().to_string())
}

fn read_selector(ctx: &mut Ctx<'_>, n: &Node, field: &str) -> Option<String> {
    let text = ctx.string(n, field)?;
    if let Some(problem) = selector_problem(&text) {
        let msg = format!(
            "{problem}; a scraped resource is a series selector such as \
             `node_filesystem_avail_bytes{{mountpoint=\"/\"}}`; for whole expressions use `promql` \
             with `url`"
        );
        ctx.error(n.line, field, msg);
        return None;
    }
    Some(text.trim().to_string())
}

/// `limit`: a plain number, else an expression of the resource's own kind.
fn read_limit(ctx: &mut Ctx<'_>, n: &Node, field: &str, source: &ResourceSource) -> Option<Limit> {
    let (text, quoted) = ctx.scalar(n, field, "a number or a query")?;
    if let Some(x) = text.trim().parse::<f64>().ok().filter(|_| !quoted) {
        if !x.is_finite() {
            ctx.error(n.line, field, format!("`{text}` is not a finite number"));
            return None;
        }
        return Some(Limit::Value(x));
    }
    match source {
        ResourceSource::Promql { .. } => non_empty(ctx, n, field).map(Limit::Query),
        ResourceSource::Scrape { .. } => read_selector(ctx, n, field).map(Limit::Query),
        ResourceSource::Sli { .. } => {
            let msg = format!(
                "`{text}` is not a number; a traffic limit is the events per second the service \
                 can take, such as `limit: 1200`"
            );
            ctx.error(n.line, field, msg);
            None
        }
    }
}

/// `seasons: [1d, 7d]`, each a whole number of steps, at least two.
fn read_seasons(ctx: &mut Ctx<'_>, n: &Node, path: &str, step: Duration) -> Option<Vec<Duration>> {
    let items = ctx.seq(n, path)?;
    let mut out = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let season = ctx.duration(item, &field, Duration::ZERO).and_then(|d| {
            let steps = d.as_secs_f64() / step.as_secs_f64();
            if steps >= 2.0 && (steps - steps.round()).abs() < 1e-9 {
                return Some(d);
            }
            let msg = format!(
                "`{}` is not a whole number of steps of {} (at least two)",
                format_duration(d),
                format_duration(step)
            );
            ctx.error(item.line, &field, msg);
            None
        });
        match (season, out.as_mut()) {
            (Some(s), Some(v)) => v.push(s),
            _ => out = None,
        }
    }
    out
}

/// `floor: 400e9` or `floor: 80%`.
fn read_floor(
    ctx: &mut Ctx<'_>,
    n: &Node,
    field: &str,
    falling: bool,
    limit: &Limit,
) -> Option<Floor> {
    let (text, quoted) = ctx.scalar(n, field, "a number, or a percentage of the limit")?;
    let trimmed = text.trim();
    if let Some(p) = trimmed.strip_suffix('%') {
        let Some(p) = p
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| *p > 0.0 && *p < 100.0)
        else {
            let msg = format!("`{trimmed}` is not a percentage between 0 and 100, such as `80%`");
            ctx.error(n.line, field, msg);
            return None;
        };
        if falling {
            let msg = "a percentage of the limit is for resources that rise to it; for a falling \
                       one give the floor in its unit (`floor: 50e9` alerts only below 50 GB \
                       free)";
            ctx.error(n.line, field, msg);
            return None;
        }
        return Some(Floor::PercentOfLimit(p));
    }
    let Some(v) = trimmed
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && !quoted)
    else {
        let msg = format!(
            "`{trimmed}` is neither a number in the resource's unit nor a percentage of the \
             limit such as `80%`"
        );
        ctx.error(n.line, field, msg);
        return None;
    };
    if let Limit::Value(l) = limit {
        let past = if falling { v <= *l } else { v >= *l };
        if past {
            let msg = format!(
                "the floor {trimmed} is at or past the limit {l}: no forecast would alert before \
                 the resource runs out; give a value {} it",
                if falling { "above" } else { "below" }
            );
            ctx.error(n.line, field, msg);
            return None;
        }
    }
    Some(Floor::Value(v))
}
