//! Reading Sloth SLO specs: the `prometheus/v1` file format and the
//! Kubernetes `PrometheusServiceLevel` resource (`sloth.slok.dev/v1`), with
//! the same `file:line: field: message` errors as nines' own config. Sloth
//! plugins are not supported and say so.

use std::collections::BTreeMap;
use std::path::Path;

use nines_slo::rules::{SlothAlert, SlothAlerts};

mod windows;
pub use windows::load_sloth_windows;

use crate::error::{ConfigError, ConfigErrors};
use crate::model::QueryTemplates;
use crate::read::{Ctx, index, join};
use crate::slo::{read_objective, read_string_map};
use crate::yaml::{self, Node};

/// One Sloth spec: a service and its SLOs.
#[derive(Debug, Clone, PartialEq)]
pub struct SlothSpec {
    pub service: String,
    /// The spec-level `labels` alone (each SLO's `labels` already include
    /// them), for import as the service's labels.
    pub labels: BTreeMap<String, String>,
    pub slos: Vec<SlothSlo>,
    /// The metadata of a `PrometheusServiceLevel`; `None` for a
    /// `prometheus/v1` file.
    pub resource: Option<SlothResource>,
    /// SLO plugins the spec and its SLOs name (`slo_plugins`/`sloPlugins`,
    /// `slos[i].plugins`), in the order written. nines runs none of them;
    /// the caller decides what that means.
    pub plugins: Vec<SlothPlugin>,
}

/// `metadata` of a `PrometheusServiceLevel`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlothResource {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// One entry of an SLO plugin chain.
#[derive(Debug, Clone, PartialEq)]
pub struct SlothPlugin {
    /// `sloth.dev/core/debug/v1`.
    pub id: String,
    /// Where it is written: `slo_plugins.chain[1]`, `slos[0].plugins.chain[0]`.
    pub field: String,
    pub line: usize,
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
    plugins: &'static str,
}

const FILE_KEYS: Keys = Keys {
    error_query: "error_query",
    total_query: "total_query",
    error_ratio_query: "error_ratio_query",
    plugins: "slo_plugins",
};

const CRD_KEYS: Keys = Keys {
    error_query: "errorQuery",
    total_query: "totalQuery",
    error_ratio_query: "errorRatioQuery",
    plugins: "sloPlugins",
};

/// The alert keys, read in either spelling in both formats: Sloth's own
/// validation takes `pageAlert` in a `prometheus/v1` file too.
const PAGE_ALERT: [&str; 2] = ["page_alert", "pageAlert"];
const TICKET_ALERT: [&str; 2] = ["ticket_alert", "ticketAlert"];

/// Reads a Sloth spec file: one spec per YAML document, as `sloth
/// generate` reads them.
pub fn load_sloth(path: &Path) -> Result<Vec<SlothSpec>, ConfigErrors> {
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

/// Parses a Sloth spec text (one spec per document); `file` is what errors
/// call it.
pub fn parse_sloth(file: &Path, text: &str) -> Result<Vec<SlothSpec>, ConfigErrors> {
    // Sloth specs hold PromQL, not `${VAR}`s; nothing to expand.
    let no_env = |_: &str| None;
    let mut ctx = Ctx::new(file, &no_env);
    let specs = match yaml::parse_documents(text) {
        Err(e) => {
            ctx.error(e.line, "", e.message);
            None
        }
        Ok(docs) if docs.is_empty() => {
            ctx.error(
                1,
                "",
                "the file is empty; expected a Sloth spec (`version: prometheus/v1`)",
            );
            None
        }
        Ok(docs) => docs
            .iter()
            .map(|root| read_root(&mut ctx, root))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Option<Vec<_>>>(),
    };
    match specs {
        Some(specs) if ctx.errors.is_empty() => Ok(specs),
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
        let resource = ctx
            .require(&f, "", "metadata")
            .and_then(|m| read_metadata(ctx, m));
        let spec = ctx.require(&f, "", "spec")?;
        let mut spec = read_spec(
            ctx,
            spec,
            "spec",
            &CRD_KEYS,
            &["service", "labels", "sloPlugins", "slos"],
        )?;
        spec.resource = Some(resource?);
        return Some(spec);
    }
    let f = ctx.foreign_fields(
        root,
        "",
        &["version", "service", "labels", "slo_plugins", "slos"],
    )?;
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
        &["version", "service", "labels", "slo_plugins", "slos"],
    )
}

fn read_metadata(ctx: &mut Ctx<'_>, node: &Node) -> Option<SlothResource> {
    // Kubernetes metadata has many more fields; the ones a PrometheusRule
    // takes over are read, the others do not matter here.
    let entries = ctx.entries(node, "metadata")?;
    let mut r = SlothResource::default();
    let mut named = false;
    for e in entries {
        let field = join("metadata", e.key);
        match e.key {
            "name" => {
                r.name = ctx.string(e.value, &field)?;
                named = true;
            }
            "namespace" => r.namespace = ctx.optional_string(Some(e.value), &field),
            "labels" => r.labels = read_string_map(ctx, e.value, &field)?,
            "annotations" => r.annotations = read_string_map(ctx, e.value, &field)?,
            _ => {}
        }
    }
    if !named {
        ctx.error(node.line, "metadata", "missing required key `name`");
        return None;
    }
    Some(r)
}

/// A plugin chain (`{overridePrevious, chain: [{id, priority, config}]}`):
/// the ids and where they are.
fn read_plugins(ctx: &mut Ctx<'_>, node: &Node, path: &str, out: &mut Vec<SlothPlugin>) {
    let Some(f) = ctx.foreign_fields(node, path, &["overridePrevious", "chain"]) else {
        return;
    };
    let chain_path = join(path, "chain");
    let Some(chain) = f.get("chain").and_then(|c| ctx.seq(c, &chain_path)) else {
        return;
    };
    for (i, p) in chain.iter().enumerate() {
        let at = index(&chain_path, i);
        let Some(pf) = ctx.foreign_fields(p, &at, &["id", "priority", "config"]) else {
            continue;
        };
        if let Some(id) = ctx
            .require(&pf, &at, "id")
            .and_then(|n| ctx.string(n, &join(&at, "id")))
        {
            out.push(SlothPlugin {
                id,
                field: at,
                line: p.line,
            });
        }
    }
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
    let mut plugins = Vec::new();
    if let Some(p) = f.get(keys.plugins) {
        read_plugins(ctx, p, &join(path, keys.plugins), &mut plugins);
    }
    let slos: Vec<Option<SlothSlo>> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let at = index(&slos_path, i);
            let slo = read_slo(ctx, n, &at, keys, &labels);
            if let yaml::Kind::Map(pairs) = &n.kind
                && let Some((_, p)) = pairs.iter().find(|(k, _)| k.as_scalar() == Some("plugins"))
            {
                read_plugins(ctx, p, &join(&at, "plugins"), &mut plugins);
            }
            slo
        })
        .collect();
    Some(SlothSpec {
        service: service?,
        labels,
        slos: slos.into_iter().collect::<Option<Vec<_>>>()?,
        resource: None,
        plugins,
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
            "plugins",
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
        Some(n) => read_alerting(ctx, n, &join(path, "alerting")),
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
) -> Option<(Option<SlothAlerts>, SlothAlert)> {
    let f = ctx.foreign_fields(
        node,
        path,
        &[
            "name",
            "labels",
            "annotations",
            PAGE_ALERT[0],
            PAGE_ALERT[1],
            TICKET_ALERT[0],
            TICKET_ALERT[1],
        ],
    )?;
    for pair in [PAGE_ALERT, TICKET_ALERT] {
        if f.get(pair[0]).is_some() && f.get(pair[1]).is_some() {
            ctx.error(
                f.line_of(pair[1]).unwrap_or(f.line),
                &join(path, pair[1]),
                format!("give `{}` or `{}`, not both", pair[0], pair[1]),
            );
            return None;
        }
    }
    let common = |ctx: &mut Ctx<'_>, key: &str| match f.get(key) {
        Some(n) => read_string_map(ctx, n, &join(path, key)),
        None => Some(BTreeMap::new()),
    };
    let (labels, annotations) = (common(ctx, "labels")?, common(ctx, "annotations")?);
    let shared = SlothAlert {
        labels: labels.clone(),
        annotations: annotations.clone(),
    };
    let read_alert = |ctx: &mut Ctx<'_>, pair: [&str; 2]| -> Option<Option<SlothAlert>> {
        let mut alert = SlothAlert {
            labels: labels.clone(),
            annotations: annotations.clone(),
        };
        let (key, n) = match (f.get(pair[0]), f.get(pair[1])) {
            (Some(n), _) => (pair[0], n),
            (None, Some(n)) => (pair[1], n),
            (None, None) => return Some(Some(alert)),
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
    let page = read_alert(ctx, PAGE_ALERT)?;
    let ticket = read_alert(ctx, TICKET_ALERT)?;
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
    // Prometheus takes any text as an alert name (it is the `alertname`
    // label's value), `slo_foo-bar_fail` included; only empty is refused.
    if name.trim().is_empty() {
        ctx.error(
            f.line_of("name").unwrap_or(f.line),
            &join(path, "name"),
            "the alert name is empty",
        );
        return None;
    }
    Some((Some(SlothAlerts { name, page, ticket }), shared))
}
