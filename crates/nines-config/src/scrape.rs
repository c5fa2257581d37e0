//! Reading `scrape`: the Prometheus `/metrics` endpoints nines scrapes
//! itself, and resolving each `prometheus` SLI's `target` against them once
//! every file is read.

use std::time::Duration;

use nines_probe::TlsOptions;

use crate::http::{read_headers, read_tls_options, read_url, url_problem};
use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::model::ScrapeTarget;
use crate::read::{Ctx, format_duration, index, join};
use crate::yaml::Node;

/// `scrape[i]`.
pub(crate) const SCRAPE: Section = Section {
    path: "scrape[i]",
    keys: &[
        Key {
            name: "name",
            ty: "name",
            default: "the URL",
            doc: "how `target` refers to it; same rule as service names",
        },
        Key {
            name: "url",
            ty: "URL",
            default: REQUIRED,
            doc: "`http://` or `https://` URL of the `/metrics` page",
        },
        Key {
            name: "interval",
            ty: "duration",
            default: "`15s`",
            doc: "how often to scrape; at least `1s`",
        },
        Key {
            name: "timeout",
            ty: "duration",
            default: "`10s`, at most `interval`",
            doc: "a scrape that takes longer fails",
        },
        Key {
            name: "headers",
            ty: "mapping of string to string",
            default: NONE,
            doc: "request headers",
        },
        Key {
            name: "bearer_token",
            ty: "string",
            default: NONE,
            doc: "sent as `Authorization: Bearer <token>`",
        },
        Key {
            name: "basic_auth",
            ty: "mapping `{username, password}`",
            default: NONE,
            doc: "sent as `Authorization: Basic …` ([`basic_auth`](#basic_auth)); not with \
                  `bearer_token`",
        },
        Key {
            name: "tls",
            ty: "mapping",
            default: NONE,
            doc: "[TLS options](#tls-options)",
        },
    ],
};

pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);
const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Capped at the interval, as for probes.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A scrape target read from one file, with what merge errors point at.
pub(crate) struct LocatedScrape {
    /// `scrape[i]`.
    pub path: String,
    /// Line of `name`, or of the item when the name defaults to the URL.
    pub name_line: usize,
    pub url_line: usize,
    pub target: ScrapeTarget,
}

/// A `prometheus` SLI's `target`, checked once all files are read.
pub(crate) struct TargetRef {
    pub line: usize,
    pub field: String,
    /// A scrape name or an http(s) URL (checked when read).
    pub target: String,
}

impl ScrapeTarget {
    /// A target with every setting at its default, for a `target` URL no
    /// `scrape` entry lists.
    pub(crate) fn implicit(url: &str) -> ScrapeTarget {
        ScrapeTarget {
            name: url.to_string(),
            url: url.to_string(),
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            headers: Vec::new(),
            tls: TlsOptions::default(),
        }
    }
}

/// Reads the `scrape` sequence of one file; entries with errors are left
/// out.
pub(crate) fn read_scrape(ctx: &mut Ctx<'_>, node: &Node) -> Vec<LocatedScrape> {
    let Some(items) = ctx.seq(node, "scrape") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| read_target(ctx, item, &index("scrape", i)))
        .collect()
}

fn read_target(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<LocatedScrape> {
    let f = ctx.fields(node, path, &SCRAPE)?;
    let url = ctx
        .require(&f, path, "url")
        .and_then(|n| read_url(ctx, n, &join(path, "url")));
    let name = match f.get("name") {
        Some(n) => ctx.name(n, &join(path, "name"), "scrape target").map(Some),
        None => Some(None),
    };
    let interval = match f.get("interval") {
        Some(n) => ctx.duration(n, &join(path, "interval"), MIN_INTERVAL),
        None => Some(DEFAULT_INTERVAL),
    };
    let timeout = match (f.get("timeout"), interval) {
        (None, i) => Some(DEFAULT_TIMEOUT.min(i.unwrap_or(DEFAULT_TIMEOUT))),
        (Some(n), i) => {
            let field = join(path, "timeout");
            ctx.duration(n, &field, Duration::from_millis(1))
                .and_then(|t| match i {
                    Some(i) if t > i => {
                        let msg = format!(
                            "`{}` is longer than the interval ({}): a scrape must end before the next one starts",
                            format_duration(t),
                            format_duration(i)
                        );
                        ctx.error(n.line, &field, msg);
                        None
                    }
                    _ => Some(t),
                })
        }
    };
    let headers = read_headers(ctx, &f, path);
    let tls = match f.get("tls") {
        Some(n) => read_tls_options(ctx, n, &join(path, "tls")),
        None => Some(TlsOptions::default()),
    };
    let url = url?;
    let target = ScrapeTarget {
        name: name?.unwrap_or_else(|| url.clone()),
        url,
        interval: interval?,
        timeout: timeout?,
        headers: headers?,
        tls: tls?,
    };
    Some(LocatedScrape {
        path: path.to_string(),
        name_line: f.line_of("name").unwrap_or(f.line),
        url_line: f.line_of("url").unwrap_or(f.line),
        target,
    })
}

/// Reads a `prometheus` SLI's `target`: a scrape name or an http(s) URL.
/// Whether the name exists is known only once every file is read.
pub(crate) fn read_target_ref(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<TargetRef> {
    let target = ctx.string(node, path)?;
    if target.contains("://") {
        if let Some(msg) = url_problem(&target) {
            ctx.error(node.line, path, msg);
            return None;
        }
    } else if !crate::read::is_name(&target) {
        let mut msg = format!(
            "`{target}` is neither the name of a `scrape` entry nor an http:// or https:// URL \
             of a /metrics page"
        );
        if target.contains([':', '/', '.']) {
            msg.push_str(&format!("; for a URL add the scheme: `http://{target}`"));
        }
        ctx.error(node.line, path, msg);
        return None;
    }
    Some(TargetRef {
        line: node.line,
        field: path.to_string(),
        target,
    })
}

/// Resolves `target` against `scrape`: a listed name or URL, or a URL that
/// gets a target of its own with default settings. `Err` is the message
/// for a name that is not listed.
pub(crate) fn resolve(scrape: &mut Vec<ScrapeTarget>, target: &str) -> Result<(), String> {
    if scrape.iter().any(|t| t.name == target || t.url == target) {
        return Ok(());
    }
    if target.contains("://") {
        scrape.push(ScrapeTarget::implicit(target));
        return Ok(());
    }
    let names: Vec<&str> = scrape
        .iter()
        .filter(|t| t.name != t.url)
        .map(|t| t.name.as_str())
        .collect();
    let hint = match crate::read::suggest(target, &names) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "define it under `scrape:`, or give the URL of the /metrics page".to_string(),
    };
    Err(format!("no `scrape` entry is named `{target}`; {hint}"))
}
