//! Reading an SLO's `sli`: pushed events, a probe of the service, or
//! Prometheus counters (scraped or queried), with their selectors checked.

use crate::http::{read_headers, read_url};
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::model::{Counters, QueryTemplates, Ratio, Sli};
use crate::probe::ReadProbes;
use crate::read::{Ctx, join, suggest};
use crate::scrape::{TargetRef, read_target_ref};
use crate::yaml::{Kind, Node};

/// SLI sources that take a mapping of settings.
const MAPPED_SLIS: [&str; 3] = ["probe", "prometheus", "promql"];

const GOOD: Key = Key {
    name: "good",
    ty: "PromQL series selector",
    default: "one of `good`/`errors`",
    doc: "counter of events that met the objective (a histogram bucket for latency)",
};
const ERRORS: Key = Key {
    name: "errors",
    ty: "PromQL series selector",
    default: "one of `good`/`errors`",
    doc: "counter of events that failed it (Sloth's `errorQuery`)",
};
const TOTAL: Key = Key {
    name: "total",
    ty: "PromQL series selector",
    default: REQUIRED,
    doc: "counter of all events",
};
const URL: Key = Key {
    name: "url",
    ty: "URL",
    default: NONE,
    doc: "the `http://`/`https://` base URL of the Prometheus HTTP API \
          (`http://prometheus:9090`)",
};
const HEADERS: Key = Key {
    name: "headers",
    ty: "mapping of string to string",
    default: NONE,
    doc: "with `url` and selectors: headers sent with each query, such as `X-Scope-OrgID` for \
          Mimir",
};
const BEARER_TOKEN: Key = Key {
    name: "bearer_token",
    ty: "string",
    default: NONE,
    doc: "with `url` and selectors: sent as `Authorization: Bearer <token>`; use `${VAR}` to \
          keep it out of the file",
};
const BASIC_AUTH: Key = Key {
    name: "basic_auth",
    ty: "mapping `{username, password}`",
    default: NONE,
    doc: "with `url` and selectors: sent as `Authorization: Basic …` \
          ([`basic_auth`](#basic_auth)); not with `bearer_token`",
};
const ERROR_QUERY: Key = Key {
    name: "error_query",
    ty: "PromQL expression with `{{.window}}`",
    default: NONE,
    doc: "with `total_query`, instead of selectors: the rate of failed events over the \
          window, as Sloth's `error_query`",
};
const TOTAL_QUERY: Key = Key {
    name: "total_query",
    ty: "PromQL expression with `{{.window}}`",
    default: NONE,
    doc: "with `error_query`: the rate of all events",
};
const ERROR_RATIO_QUERY: Key = Key {
    name: "error_ratio_query",
    ty: "PromQL expression with `{{.window}}`",
    default: NONE,
    doc: "alone, instead of selectors: the error ratio over the window (Sloth's `raw`); \
          alerts then have no minimum event count",
};

/// `sli: { prometheus: {...} }`: counters on a `/metrics` page nines
/// scrapes.
pub(crate) const PROMETHEUS: Section = Section {
    path: "services.<name>.slos[i].sli.prometheus",
    keys: &[
        GOOD,
        ERRORS,
        TOTAL,
        Key {
            name: "target",
            ty: "scrape name or URL",
            default: NONE,
            doc: "the `name` of a [`scrape`](#scrapei) entry, or the `http://`/`https://` URL \
                  of the `/metrics` page; a URL no entry lists is scraped with the default \
                  settings",
        },
    ],
};

/// `sli: { promql: {...} }`: counters, or whole queries, in a
/// Prometheus-compatible server nines queries.
pub(crate) const PROMQL: Section = Section {
    path: "services.<name>.slos[i].sli.promql",
    keys: &[
        GOOD,
        ERRORS,
        TOTAL,
        URL,
        HEADERS,
        BEARER_TOKEN,
        BASIC_AUTH,
        ERROR_QUERY,
        TOTAL_QUERY,
        ERROR_RATIO_QUERY,
    ],
};

/// [`PROMQL`] in the order the query form lists its keys.
const PROMQL_QUERIES: Section = Section {
    path: PROMQL.path,
    keys: &[
        ERROR_QUERY,
        TOTAL_QUERY,
        ERROR_RATIO_QUERY,
        URL,
        GOOD,
        ERRORS,
        TOTAL,
        HEADERS,
        BEARER_TOKEN,
        BASIC_AUTH,
    ],
};

/// [`PROMQL`] in the order the counter form lists its keys.
const PROMQL_COUNTERS: Section = Section {
    path: PROMQL.path,
    keys: &[GOOD, ERRORS, TOTAL, URL, HEADERS, BEARER_TOKEN, BASIC_AUTH],
};

/// `sli: { probe: NAME, latency_below: 300ms }`.
pub(crate) const PROBE_SLI: Section = Section {
    path: "services.<name>.slos[i].sli (probe)",
    keys: &[
        Key {
            name: "probe",
            ty: "probe name",
            default: REQUIRED,
            doc: "a probe of the same service",
        },
        Key {
            name: "latency_below",
            ty: "duration",
            default: NONE,
            doc: "a run is good only when it also took less than this; shorter than the \
                  probe's `timeout`; not for `heartbeat` probes",
        },
    ],
};

/// `sli`: where an SLO's events come from. A `prometheus` SLI's `target`
/// goes to `targets`, for resolving once every file is read.
pub(super) fn read_sli(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    probes: &ReadProbes,
    targets: &mut Vec<TargetRef>,
) -> Option<Sli> {
    const SOURCES: &str =
        "`events`, `{ probe: NAME }`, `{ prometheus: {...} }` or `{ promql: {...} }`";
    match &node.kind {
        Kind::Map(pairs) if pairs.iter().any(|(k, _)| k.as_scalar() == Some("probe")) => {
            read_probe_sli(ctx, node, path, probes)
        }
        Kind::Map(_) => {
            let entries = ctx.entries(node, path)?;
            let [e] = entries.as_slice() else {
                let msg = format!("give exactly one SLI source: {SOURCES}");
                ctx.error(node.line, path, msg);
                return None;
            };
            match e.key {
                "prometheus" => {
                    let path = join(path, "prometheus");
                    let mut target = None;
                    let counters =
                        read_counters(ctx, e.value, &path, Source::Prometheus(&mut target));
                    // Only a valid SLO's target is resolved: a broken one
                    // has its own error already.
                    if let (Some(_), Some(t)) = (&counters, target) {
                        targets.push(t);
                    }
                    counters.map(Sli::Prometheus)
                }
                "promql" => read_promql(ctx, e.value, &join(path, "promql")),
                other => {
                    let hint = match suggest(other, &MAPPED_SLIS) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!("use {SOURCES}"),
                    };
                    ctx.error(
                        e.key_line,
                        path,
                        format!("unknown SLI source `{other}`; {hint}"),
                    );
                    None
                }
            }
        }
        _ => {
            let (text, _) = ctx.scalar(node, path, "`events`")?;
            if text == "events" {
                return Some(Sli::Events);
            }
            let msg = if text == "probe" {
                "`probe` names one of the service's probes, such as `sli: { probe: home }`"
                    .to_string()
            } else if MAPPED_SLIS.contains(&text.as_str()) {
                format!(
                    "`{text}` is a mapping of its settings, such as `sli: {{ {text}: {{ good: ..., total: ... }} }}`"
                )
            } else {
                format!("`{text}` is not an SLI source; use {SOURCES}")
            };
            ctx.error(node.line, path, msg);
            None
        }
    }
}

/// `sli: { probe: NAME, latency_below: 300ms }`.
fn read_probe_sli(ctx: &mut Ctx<'_>, node: &Node, path: &str, probes: &ReadProbes) -> Option<Sli> {
    let f = ctx.fields(node, path, &PROBE_SLI)?;
    let name_node = f.get("probe")?;
    let name = ctx.string(name_node, &join(path, "probe"));
    let below = match f.get("latency_below") {
        Some(n) => ctx
            .duration(
                n,
                &join(path, "latency_below"),
                std::time::Duration::from_millis(1),
            )
            .map(|d| Some((d, n))),
        None => Some(None),
    };
    let (name, below) = (name?, below?);
    if !probes.check_sli(ctx, (&name, name_node), below, path) {
        return None;
    }
    Some(Sli::Probe {
        probe: name,
        latency_below: below.map(|(d, _)| d),
    })
}

/// `promql`: counter selectors like `prometheus`, or whole queries with a
/// `{{.window}}` placeholder (`error_query` + `total_query`, or
/// `error_ratio_query`).
fn read_promql(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Sli> {
    const QUERY_KEYS: [&str; 3] = ["error_query", "total_query", "error_ratio_query"];
    let has = |key: &str| match &node.kind {
        Kind::Map(pairs) => pairs.iter().any(|(k, _)| k.as_scalar() == Some(key)),
        _ => false,
    };
    if !QUERY_KEYS.iter().any(|k| has(k)) {
        return read_counters(ctx, node, path, Source::Promql).map(Sli::Promql);
    }
    let f = ctx.fields(node, path, &PROMQL_QUERIES)?;
    for key in ["headers", "bearer_token", "basic_auth"] {
        if let Some(n) = f.get(key) {
            let msg = format!(
                "`{key}` goes with counter selectors (`good` or `errors`, and `total`): nines does \
                 not run query templates itself, they only compile to Prometheus rules"
            );
            ctx.error(n.line, &join(path, key), msg);
            return None;
        }
    }
    if ["good", "errors", "total"]
        .iter()
        .any(|k| f.get(k).is_some())
    {
        ctx.error(f.line, path, "use either counter selectors (`good` or `errors`, and `total`) or queries (`error_query` and `total_query`, or `error_ratio_query`), not both");
        return None;
    }
    let query = |ctx: &mut Ctx<'_>, key: &str| {
        f.get(key)
            .and_then(|n| crate::sloth::window_query(ctx, n, &join(path, key)))
    };
    let queries = match (
        f.get("error_ratio_query"),
        f.get("error_query"),
        f.get("total_query"),
    ) {
        (Some(_), None, None) => QueryTemplates::Raw {
            error_ratio_query: query(ctx, "error_ratio_query")?,
        },
        (None, Some(_), Some(_)) => {
            let (e, t) = (query(ctx, "error_query"), query(ctx, "total_query"));
            QueryTemplates::Events {
                error_query: e?,
                total_query: t?,
            }
        }
        _ => {
            ctx.error(
                f.line,
                path,
                "give `error_query` and `total_query` together, or `error_ratio_query` alone",
            );
            return None;
        }
    };
    let url = match f.get("url") {
        Some(n) if n.kind != Kind::Null => Some(read_url(ctx, n, &join(path, "url"))?),
        _ => None,
    };
    Some(Sli::PromqlQueries { queries, url })
}

/// Why `q` is not a PromQL series selector, if it is not: `column N:
/// what was expected`, the column counted in `q` as written.
pub(crate) fn selector_problem(q: &str) -> Option<String> {
    let lead = q.chars().count() - q.trim_start().chars().count();
    nines_expo::Selector::parse(q.trim())
        .err()
        .map(|e| format!("column {}: {}", e.column + lead, e.message()))
}

/// Which counter-based SLI is read, and where a `prometheus` SLI's
/// `target` goes for resolving.
enum Source<'t> {
    Prometheus(&'t mut Option<TargetRef>),
    Promql,
}

/// `{good|errors, total, <location>}` of a Prometheus-based SLI, plus the
/// HTTP settings of `promql` queries.
fn read_counters(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    source: Source<'_>,
) -> Option<Counters> {
    let section = match &source {
        Source::Prometheus(_) => &PROMETHEUS,
        Source::Promql => &PROMQL_COUNTERS,
    };
    let f = ctx.fields(node, path, section)?;
    let selector = |ctx: &mut Ctx<'_>, key: &str| -> Option<String> {
        let n = f.get(key)?;
        let text = ctx.string(n, &join(path, key))?;
        if let Some(problem) = selector_problem(&text) {
            let msg = format!(
                "{problem}; `{key}` is a counter's series selector such as `http_requests_total{{job=\"shop\"}}` (nines adds rate() and sum()); for whole queries use `error_query`/`total_query` under `promql`"
            );
            ctx.error(n.line, &join(path, key), msg);
            return None;
        }
        Some(text.trim().to_string())
    };
    let good = selector(ctx, "good");
    let errors = selector(ctx, "errors");
    let total = ctx
        .require(&f, path, "total")
        .and_then(|_| selector(ctx, "total"));
    let ratio = match (
        good,
        errors,
        f.get("good").is_some() || f.get("errors").is_some(),
    ) {
        (Some(g), None, _) => Some(Ratio::Good(g)),
        (None, Some(e), _) => Some(Ratio::Errors(e)),
        (Some(_), Some(_), _) => {
            ctx.error(f.line, path, "give either `good` or `errors`, not both");
            None
        }
        (None, None, false) => {
            ctx.error(
                f.line,
                path,
                "missing `good` or `errors`: the counter of good (or failed) events",
            );
            None
        }
        (None, None, true) => None,
    };
    let given = |key: &str| f.get(key).filter(|n| n.kind != Kind::Null);
    let (location, headers) = match source {
        Source::Prometheus(target) => {
            let field = join(path, "target");
            let location = match given("target") {
                Some(n) => match read_target_ref(ctx, n, &field) {
                    Some(t) => {
                        let text = t.target.clone();
                        *target = Some(t);
                        Some(Some(text))
                    }
                    None => None,
                },
                None => Some(None),
            };
            (location, Some(Vec::new()))
        }
        Source::Promql => {
            let location = match given("url") {
                Some(n) => read_url(ctx, n, &join(path, "url")).map(Some),
                None => Some(None),
            };
            let headers = read_headers(ctx, &f, path);
            if let (Some(None), Some(h)) = (&location, &headers)
                && !h.is_empty()
            {
                let msg = "`headers`, `bearer_token` and `basic_auth` are sent with queries to \
                           `url`; add `url`";
                ctx.error(f.line, path, msg);
                return None;
            }
            (location, headers)
        }
    };
    Some(Counters {
        ratio: ratio?,
        total: total?,
        location: location?,
        headers: headers?,
    })
}

#[cfg(test)]
mod selector_tests {
    use super::*;

    #[test]
    fn both_forms_of_promql_take_the_documented_keys() {
        let mut documented = PROMQL.names();
        documented.sort_unstable();
        for form in [PROMQL_QUERIES, PROMQL_COUNTERS] {
            let mut names = form.names();
            names.sort_unstable();
            assert!(names.iter().all(|n| documented.contains(n)), "{names:?}");
        }
        let mut queries = PROMQL_QUERIES.names();
        queries.sort_unstable();
        assert_eq!(queries, documented);
    }

    #[test]
    fn selector_columns_count_from_the_value_as_written() {
        assert_eq!(selector_problem(" up"), None);
        assert_eq!(selector_problem("a:b_c{le=\"0.3\",x=\"}{\"}"), None);
        let at = |q: &str| selector_problem(q).unwrap();
        assert!(
            at("rate(x[5m])").starts_with("column 5: "),
            "{}",
            at("rate(x[5m])")
        );
        assert!(at("  x[5m]").starts_with("column 4: "), "{}", at("  x[5m]"));
    }
}
