//! Reading Sloth SLO specs: the `prometheus/v1` file format and the
//! Kubernetes `PrometheusServiceLevel` resource (`sloth.slok.dev/v1`), with
//! the same `file:line: field: message` errors as nines' own config. Sloth
//! plugins are not supported and say so.

use std::collections::BTreeMap;
use std::path::Path;

use nines_slo::rules::{SlothAlert, SlothAlerts};

use crate::error::{ConfigError, ConfigErrors};
use crate::model::QueryTemplates;
use crate::read::{Ctx, index, join};
use crate::slo::{read_objective, read_string_map};
use crate::yaml::{self, Node};

/// One Sloth spec: a service and its SLOs.
#[derive(Debug, Clone, PartialEq)]
pub struct SlothSpec {
    pub service: String,
    pub slos: Vec<SlothSlo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlothSlo {
    pub name: String,
    pub description: Option<String>,
    /// Percent, as written (`99.9`).
    pub objective_percent: f64,
    /// Ratio (`0.999`).
    pub objective: f64,
    /// The spec's and the SLO's `labels`, put on the SLO's alerts.
    pub labels: BTreeMap<String, String>,
    pub sli: QueryTemplates,
    /// `None` when both alerts are disabled.
    pub alerting: Option<SlothAlerts>,
    /// `alerting.labels` and `alerting.annotations` alone (the alerts above
    /// merge them with their own), for import into nines config.
    pub alerting_common: SlothAlert,
}

/// Key names of the two formats: snake_case files, camelCase resources.
struct Keys {
    error_query: &'static str,
    total_query: &'static str,
    error_ratio_query: &'static str,
    page_alert: &'static str,
    ticket_alert: &'static str,
}

const FILE_KEYS: Keys = Keys {
    error_query: "error_query",
    total_query: "total_query",
    error_ratio_query: "error_ratio_query",
    page_alert: "page_alert",
    ticket_alert: "ticket_alert",
};

const CRD_KEYS: Keys = Keys {
    error_query: "errorQuery",
    total_query: "totalQuery",
    error_ratio_query: "errorRatioQuery",
    page_alert: "pageAlert",
    ticket_alert: "ticketAlert",
};

/// Reads a Sloth spec file.
pub fn load_sloth(path: &Path) -> Result<SlothSpec, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            line: 0,
            field: String::new(),
            message: format!("cannot read: {e}"),
        }])
    })?;
    parse_sloth(path, &text)
}

/// Parses a Sloth spec text; `file` is what errors call it.
pub fn parse_sloth(file: &Path, text: &str) -> Result<SlothSpec, ConfigErrors> {
    // Sloth specs hold PromQL, not `${VAR}`s; nothing to expand.
    let no_env = |_: &str| None;
    let mut ctx = Ctx::new(file, &no_env);
    let spec = match yaml::parse(text) {
        Err(e) => {
            ctx.error(e.line, "", e.message);
            None
        }
        Ok(None) => {
            ctx.error(
                1,
                "",
                "the file is empty; expected a Sloth spec (`version: prometheus/v1`)",
            );
            None
        }
        Ok(Some(root)) => read_root(&mut ctx, &root),
    };
    match spec {
        Some(spec) if ctx.errors.is_empty() => Ok(spec),
        _ => Err(ConfigErrors(ctx.errors)),
    }
}

fn read_root(ctx: &mut Ctx<'_>, root: &Node) -> Option<SlothSpec> {
    let is_crd = matches!(&root.kind, yaml::Kind::Map(pairs) if pairs.iter().any(|(k, _)| k.as_scalar() == Some("apiVersion")));
    if is_crd {
        let f = ctx.foreign_fields(root, "", &["apiVersion", "kind", "metadata", "spec"])?;
        let api = ctx
            .require(&f, "", "apiVersion")
            .and_then(|n| ctx.string(n, "apiVersion"));
        let kind = ctx
            .require(&f, "", "kind")
            .and_then(|n| ctx.string(n, "kind"));
        if let Some(api) = &api
            && api != "sloth.slok.dev/v1"
        {
            ctx.error(
                f.line_of("apiVersion").unwrap_or(1),
                "apiVersion",
                format!("`{api}` is not `sloth.slok.dev/v1`"),
            );
        }
        if let Some(kind) = &kind
            && kind != "PrometheusServiceLevel"
        {
            ctx.error(
                f.line_of("kind").unwrap_or(1),
                "kind",
                format!("`{kind}` is not `PrometheusServiceLevel`"),
            );
        }
        let spec = ctx.require(&f, "", "spec")?;
        return read_spec(ctx, spec, "spec", &CRD_KEYS, &["service", "labels", "slos"]);
    }
    let f = ctx.foreign_fields(root, "", &["version", "service", "labels", "slos"])?;
    match ctx
        .require(&f, "", "version")
        .and_then(|n| ctx.string(n, "version"))
    {
        Some(v) if v == "prometheus/v1" => {}
        Some(v) => {
            let msg =
                format!("`{v}` is not a supported Sloth spec version; expected `prometheus/v1`");
            ctx.error(f.line_of("version").unwrap_or(1), "version", msg);
        }
        None => {}
    }
    read_spec(
        ctx,
        root,
        "",
        &FILE_KEYS,
        &["version", "service", "labels", "slos"],
    )
}

fn read_spec(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    keys: &Keys,
    allowed: &[&str],
) -> Option<SlothSpec> {
    let f = ctx.foreign_fields(node, path, allowed)?;
    let service = ctx
        .require(&f, path, "service")
        .and_then(|n| ctx.name(n, &join(path, "service"), "service"));
    let labels = match f.get("labels") {
        Some(n) => read_string_map(ctx, n, &join(path, "labels")),
        None => Some(BTreeMap::new()),
    };
    let slos_path = join(path, "slos");
    let nodes = ctx
        .require(&f, path, "slos")
        .and_then(|n| ctx.seq(n, &slos_path))?;
    let labels = labels.unwrap_or_default();
    let slos: Vec<Option<SlothSlo>> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| read_slo(ctx, n, &index(&slos_path, i), keys, &labels))
        .collect();
    Some(SlothSpec {
        service: service?,
        slos: slos.into_iter().collect::<Option<Vec<_>>>()?,
    })
}

fn read_slo(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    keys: &Keys,
    spec_labels: &BTreeMap<String, String>,
) -> Option<SlothSlo> {
    let f = ctx.foreign_fields(
        node,
        path,
        &[
            "name",
            "objective",
            "description",
            "labels",
            "sli",
            "alerting",
        ],
    )?;
    let name = ctx
        .require(&f, path, "name")
        .and_then(|n| ctx.name(n, &join(path, "name"), "SLO"));
    let description = ctx.optional_string(f.get("description"), &join(path, "description"));
    let objective = ctx
        .require(&f, path, "objective")
        .and_then(|n| read_objective(ctx, n, &join(path, "objective")));
    let mut labels = spec_labels.clone();
    if let Some(n) = f.get("labels") {
        labels.extend(read_string_map(ctx, n, &join(path, "labels"))?);
    }
    let sli = ctx
        .require(&f, path, "sli")
        .and_then(|n| read_sli(ctx, n, &join(path, "sli"), keys));
    let alerting = match f.get("alerting") {
        Some(n) => read_alerting(ctx, n, &join(path, "alerting"), keys),
        None => {
            ctx.error(f.line, path, "missing required key `alerting` (Sloth needs at least `alerting.name`, or both alerts disabled)");
            None
        }
    };
    let (objective_percent, objective) = objective?;
    let (alerting, alerting_common) = alerting?;
    Some(SlothSlo {
        name: name?,
        description,
        objective_percent,
        objective,
        labels,
        sli: sli?,
        alerting,
        alerting_common,
    })
}

fn read_sli(ctx: &mut Ctx<'_>, node: &Node, path: &str, keys: &Keys) -> Option<QueryTemplates> {
    let f = ctx.foreign_fields(node, path, &["events", "raw", "plugin"])?;
    if let Some(plugin) = f.get("plugin") {
        let id = match &plugin.kind {
            yaml::Kind::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_scalar() == Some("id"))
                .and_then(|(_, v)| v.as_scalar())
                .unwrap_or("?"),
            _ => "?",
        };
        let msg = format!(
            "Sloth SLI plugins are not supported (plugin `{id}`); write the SLI as `events` (error and total queries) or `raw` (an error ratio query)"
        );
        ctx.error(plugin.line, &join(path, "plugin"), msg);
        return None;
    }
    match (f.get("events"), f.get("raw")) {
        (Some(events), None) => {
            let p = join(path, "events");
            let ef = ctx.foreign_fields(events, &p, &[keys.error_query, keys.total_query])?;
            let error_query = ctx
                .require(&ef, &p, keys.error_query)
                .and_then(|n| window_query(ctx, n, &join(&p, keys.error_query)));
            let total_query = ctx
                .require(&ef, &p, keys.total_query)
                .and_then(|n| window_query(ctx, n, &join(&p, keys.total_query)));
            Some(QueryTemplates::Events {
                error_query: error_query?,
                total_query: total_query?,
            })
        }
        (None, Some(raw)) => {
            let p = join(path, "raw");
            let rf = ctx.foreign_fields(raw, &p, &[keys.error_ratio_query])?;
            let q = ctx.require(&rf, &p, keys.error_ratio_query)?;
            window_query(ctx, q, &join(&p, keys.error_ratio_query)).map(|q| QueryTemplates::Raw {
                error_ratio_query: q,
            })
        }
        _ => {
            ctx.error(f.line, path, "give exactly one of `events` or `raw`");
            None
        }
    }
}

/// A query that must hold the `{{.window}}` placeholder.
pub(crate) fn window_query(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let q = ctx.string(node, path)?;
    if q.contains("{{.window}}") || q.contains("{{ .window }}") {
        return Some(q);
    }
    ctx.error(
        node.line,
        path,
        "the query has no `{{.window}}` placeholder for the rate window",
    );
    None
}

fn read_alerting(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    keys: &Keys,
) -> Option<(Option<SlothAlerts>, SlothAlert)> {
    let f = ctx.foreign_fields(
        node,
        path,
        &[
            "name",
            "labels",
            "annotations",
            keys.page_alert,
            keys.ticket_alert,
        ],
    )?;
    let common = |ctx: &mut Ctx<'_>, key: &str| match f.get(key) {
        Some(n) => read_string_map(ctx, n, &join(path, key)),
        None => Some(BTreeMap::new()),
    };
    let (labels, annotations) = (common(ctx, "labels")?, common(ctx, "annotations")?);
    let shared = SlothAlert {
        labels: labels.clone(),
        annotations: annotations.clone(),
    };
    let read_alert = |ctx: &mut Ctx<'_>, key: &str| -> Option<Option<SlothAlert>> {
        let mut alert = SlothAlert {
            labels: labels.clone(),
            annotations: annotations.clone(),
        };
        let Some(n) = f.get(key) else {
            return Some(Some(alert));
        };
        let p = join(path, key);
        let af = ctx.foreign_fields(n, &p, &["disable", "labels", "annotations"])?;
        if let Some(d) = af.get("disable")
            && ctx.boolean(d, &join(&p, "disable"))?
        {
            return Some(None);
        }
        if let Some(l) = af.get("labels") {
            alert
                .labels
                .extend(read_string_map(ctx, l, &join(&p, "labels"))?);
        }
        if let Some(a) = af.get("annotations") {
            alert
                .annotations
                .extend(read_string_map(ctx, a, &join(&p, "annotations"))?);
        }
        Some(Some(alert))
    };
    let page = read_alert(ctx, keys.page_alert)?;
    let ticket = read_alert(ctx, keys.ticket_alert)?;
    if page.is_none() && ticket.is_none() {
        return Some((None, shared));
    }
    let name = match f.get("name") {
        Some(n) => ctx.string(n, &join(path, "name"))?,
        None => {
            ctx.error(
                f.line,
                path,
                "missing required key `name`: the alert name, such as `ShopHighErrorRate`",
            );
            return None;
        }
    };
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        ctx.error(
            f.line_of("name").unwrap_or(f.line),
            &join(path, "name"),
            format!("`{name}` is not a Prometheus alert name ([a-zA-Z_][a-zA-Z0-9_]*)"),
        );
        return None;
    }
    Some((Some(SlothAlerts { name, page, ticket }), shared))
}
