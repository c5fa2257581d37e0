//! Reading `services.<name>.probes`: synthetic checks of a service, each of
//! one kind (`http`, `tcp`, `dns`, `tls`, `heartbeat`) with Gatus-style
//! conditions, into [`nines_probe::Probe`].

mod kinds;

pub(crate) use kinds::{DNS, HEADER_MATCH, HEARTBEAT, HTTP, TCP, TCP_STEP, TLS};

use std::time::Duration;

use nines_condition::{Condition, Placeholder, Right};
use nines_probe::{AlertThresholds, Check, HeartbeatCheck, Probe};

use crate::keys::{Key, NONE, REQUIRED, Section};
use crate::read::{Ctx, Fields, all_of, format_duration, index, join, one_of, suggest};
use crate::yaml::{Kind, Node};

/// `services.<name>.probes[i]`.
pub(crate) const PROBE: Section = Section {
    path: "services.<name>.probes[i]",
    keys: &[
        Key {
            name: "name",
            ty: "name",
            default: REQUIRED,
            doc: "same rule as service names; unique within the service; SLIs refer to it",
        },
        Key {
            name: "interval",
            ty: "duration",
            default: "`30s`",
            doc: "how often the probe runs; at least `1s`; not for `heartbeat`",
        },
        Key {
            name: "timeout",
            ty: "duration",
            default: "`10s`, at most `interval`",
            doc: "a run that takes longer fails; at most `interval`; not for `heartbeat`",
        },
        Key {
            name: "failure_threshold",
            ty: "whole number 1–100",
            default: "`3`",
            doc: "failures in a row that fire the probe's alert (`alertname=\"ProbeFailure\"`, \
                  severity `error`, labels `service` and `probe`)",
        },
        Key {
            name: "success_threshold",
            ty: "whole number 1–100",
            default: "`2`",
            doc: "successes in a row that resolve it",
        },
        Key {
            name: "conditions",
            ty: "sequence of strings",
            default: NONE,
            doc: "[Gatus-style conditions](#conditions), all of which must hold; not for \
                  `heartbeat`",
        },
        Key {
            name: "http",
            ty: "mapping, or the `url`",
            default: "—",
            doc: "the check, an HTTP request ([below](#http)); a probe has exactly one of \
                  `http`, `tcp`, `dns`, `tls` and `heartbeat`",
        },
        Key {
            name: "tcp",
            ty: "mapping, or the `address`",
            default: "—",
            doc: "the check, a TCP conversation ([below](#tcp))",
        },
        Key {
            name: "dns",
            ty: "mapping, or the `name`",
            default: "—",
            doc: "the check, a DNS query ([below](#dns))",
        },
        Key {
            name: "tls",
            ty: "mapping, or the `address`",
            default: "—",
            doc: "the check, a TLS handshake ([below](#tls))",
        },
        Key {
            name: "heartbeat",
            ty: "mapping, or the `every`",
            default: "—",
            doc: "the check, a beat the job pushes ([below](#heartbeat))",
        },
    ],
};

/// The check kinds; a probe has exactly one.
const KINDS: [&str; 5] = ["http", "tcp", "dns", "tls", "heartbeat"];

const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Capped at the interval: a run must end before the next one starts.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The probes of one service: the valid ones, and the name of every probe
/// whose name could be read, so an SLO naming a probe with other mistakes
/// is not told the probe does not exist.
#[derive(Default)]
pub(crate) struct ReadProbes {
    pub probes: Vec<Probe>,
    pub names: Vec<String>,
    /// False when any probe had an error.
    pub complete: bool,
}

impl ReadProbes {
    /// Checks an SLO's `sli: { probe, latency_below }` against the probes.
    pub(crate) fn check_sli(
        &self,
        ctx: &mut Ctx<'_>,
        probe: (&str, &Node),
        latency_below: Option<(Duration, &Node)>,
        path: &str,
    ) -> bool {
        let (name, node) = probe;
        if !self.names.iter().any(|n| n == name) {
            let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
            let services = path.split(".slos[").next().unwrap_or(path);
            let hint = match suggest(name, &names) {
                Some(close) => format!("did you mean `{close}`?"),
                None if names.is_empty() => format!("define it under `{services}.probes`"),
                None => format!("this service's probes are {}", all_of(&names)),
            };
            ctx.error(
                node.line,
                &join(path, "probe"),
                format!("no probe named `{name}` in this service; {hint}"),
            );
            return false;
        }
        // A probe with mistakes of its own was reported already.
        let (Some(p), Some((below, n))) =
            (self.probes.iter().find(|p| p.name == name), latency_below)
        else {
            return true;
        };
        let field = join(path, "latency_below");
        if let Check::Heartbeat(_) = p.check {
            let msg = format!(
                "`{name}` is a heartbeat probe: a beat has no latency; remove `latency_below`"
            );
            ctx.error(n.line, &field, msg);
            return false;
        }
        if below >= p.timeout {
            let msg = format!(
                "must be shorter than the probe's timeout ({}): every run that does not time out is faster",
                format_duration(p.timeout)
            );
            ctx.error(n.line, &field, msg);
            return false;
        }
        true
    }
}

/// Reads `probes`: a sequence of probe mappings.
pub(crate) fn read_probes(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> ReadProbes {
    let mut out = ReadProbes {
        complete: true,
        ..ReadProbes::default()
    };
    let Some(items) = ctx.seq(node, path) else {
        out.complete = false;
        return out;
    };
    let mut lines: Vec<usize> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let ppath = index(path, i);
        let (probe, name) = read_probe(ctx, item, &ppath);
        if let Some((name, line)) = name {
            if let Some(at) = out.names.iter().position(|n| *n == name) {
                let msg = format!(
                    "duplicate probe name `{name}`; it is first defined at line {}",
                    lines[at]
                );
                ctx.error(line, &join(&ppath, "name"), msg);
                out.complete = false;
                continue;
            }
            out.names.push(name);
            lines.push(line);
        }
        match probe {
            Some(p) => out.probes.push(p),
            None => out.complete = false,
        }
    }
    out
}

/// A probe, and its name and the name's line when the name is valid.
fn read_probe(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
) -> (Option<Probe>, Option<(String, usize)>) {
    let Some(f) = ctx.fields(node, path, &PROBE) else {
        return (None, None);
    };
    let name = ctx
        .require(&f, path, "name")
        .and_then(|n| ctx.name(n, &join(path, "name"), "probe"))
        .map(|name| (name, f.line_of("name").unwrap_or(f.line)));

    let kinds: Vec<(&str, &Node)> = KINDS
        .iter()
        .filter_map(|&k| f.get(k).map(|n| (k, n)))
        .collect();
    let check = match kinds.as_slice() {
        [] => {
            let msg = format!("missing the check: give one of {}", one_of(&KINDS));
            ctx.error(f.line, path, msg);
            None
        }
        [(kind, node)] => kinds::read_check(ctx, kind, node, &join(path, kind)),
        [(first, _), (second, node), ..] => {
            let msg = format!(
                "a probe has one check; this one has `{first}` and `{second}`: make two probes"
            );
            ctx.error(node.line, path, msg);
            None
        }
    };
    let timing = match &check {
        Some(Check::Heartbeat(h)) => heartbeat_timing(ctx, &f, path, h),
        _ => timing(ctx, &f, path),
    };
    let conditions = match (f.get("conditions"), &check) {
        (None, _) => Some(Vec::new()),
        (Some(n), Some(Check::Heartbeat(_))) if n.kind != Kind::Null => {
            let msg = "a heartbeat probe takes no conditions: a beat either comes in time or not";
            ctx.error(n.line, &join(path, "conditions"), msg);
            None
        }
        (Some(n), _) => read_conditions(ctx, n, &join(path, "conditions"), check.as_ref()),
    };
    let alert = thresholds(ctx, &f, path);
    let probe = match (&name, timing, check, conditions, alert) {
        (
            Some((name, _)),
            Some((interval, timeout)),
            Some(check),
            Some(conditions),
            Some(alert),
        ) => Some(Probe {
            name: name.clone(),
            interval,
            timeout,
            check,
            conditions,
            alert,
        }),
        _ => None,
    };
    (probe, name)
}

/// `failure_threshold` and `success_threshold`: runs in a row that fire
/// and resolve the probe's alert (at most 100: a larger count is a
/// different question, better asked as an SLO).
fn thresholds(ctx: &mut Ctx<'_>, f: &Fields<'_>, path: &str) -> Option<AlertThresholds> {
    let defaults = AlertThresholds::default();
    let mut read = |key: &str, default: u32| -> Option<u32> {
        let Some(n) = f.get(key) else {
            return Some(default);
        };
        let field = join(path, key);
        let v = ctx.integer(n, &field, 1, 100)?;
        u32::try_from(v).ok()
    };
    let failures = read("failure_threshold", defaults.failures);
    let successes = read("success_threshold", defaults.successes);
    Some(AlertThresholds {
        failures: failures?,
        successes: successes?,
    })
}

/// `interval` and `timeout` of a probe that runs.
fn timing(ctx: &mut Ctx<'_>, f: &Fields<'_>, path: &str) -> Option<(Duration, Duration)> {
    let interval = match f.get("interval") {
        Some(n) => ctx.duration(n, &join(path, "interval"), MIN_INTERVAL)?,
        None => DEFAULT_INTERVAL,
    };
    let Some(n) = f.get("timeout") else {
        return Some((interval, DEFAULT_TIMEOUT.min(interval)));
    };
    let field = join(path, "timeout");
    let timeout = ctx.duration(n, &field, Duration::from_millis(1))?;
    if timeout > interval {
        let msg = format!(
            "`{}` is longer than the interval ({}): a run must end before the next one starts",
            format_duration(timeout),
            format_duration(interval)
        );
        ctx.error(n.line, &field, msg);
        return None;
    }
    Some((interval, timeout))
}

/// A heartbeat probe is judged every `every`; it has no timeout of its own
/// (the runner never runs it), so `timeout` is set to `every` as well.
fn heartbeat_timing(
    ctx: &mut Ctx<'_>,
    f: &Fields<'_>,
    path: &str,
    h: &HeartbeatCheck,
) -> Option<(Duration, Duration)> {
    let mut ok = true;
    if let Some(n) = f.get("interval") {
        let msg = "a heartbeat probe expects a beat as often as its job runs: set \
                   `heartbeat.every` instead of `interval`";
        ctx.error(n.line, &join(path, "interval"), msg);
        ok = false;
    }
    if let Some(n) = f.get("timeout") {
        let msg = "a heartbeat probe has no timeout; `heartbeat.grace` says how late a beat may be";
        ctx.error(n.line, &join(path, "timeout"), msg);
        ok = false;
    }
    ok.then_some((h.every, h.every))
}

// === conditions ===

/// Gatus conditions; each is also checked against what its probe's kind
/// measures, since a condition on a fact that is never there fails every
/// run.
fn read_conditions(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    check: Option<&Check>,
) -> Option<Vec<Condition>> {
    let items = ctx.seq(node, path)?;
    let mut out = Some(Vec::new());
    for (i, item) in items.iter().enumerate() {
        let field = index(path, i);
        let condition = ctx
            .string(item, &field)
            .and_then(|text| match Condition::parse(&text) {
                Ok(c) => Some(c),
                Err(e) => {
                    ctx.error(item.line, &field, e.to_string());
                    None
                }
            });
        let condition = match (condition, check) {
            (Some(c), Some(check)) => match unmeasured(&c, check) {
                None => Some(c),
                Some(msg) => {
                    ctx.error(item.line, &field, msg);
                    None
                }
            },
            (c, _) => c,
        };
        match (condition, out.as_mut()) {
            (Some(c), Some(v)) => v.push(c),
            _ => out = None,
        }
    }
    out
}

/// Why `c` can never hold for a probe running `check`, if it cannot: it
/// reads a fact that kind of probe never measures.
fn unmeasured(c: &Condition, check: &Check) -> Option<String> {
    use Placeholder::*;
    let measured: &[Placeholder] = match check {
        Check::Http(_) => &[
            Status,
            ResponseTime,
            Ip,
            Body,
            Connected,
            CertificateExpiration,
        ],
        Check::Tcp(_) | Check::Tls(_) => &[ResponseTime, Ip, Connected, CertificateExpiration],
        Check::Dns(_) => &[ResponseTime, Ip, Connected, DnsRcode],
        Check::Heartbeat(_) => &[],
    };
    let mut used = vec![c.left.placeholder];
    if let Right::Operand(o) = &c.right {
        used.push(o.placeholder);
    }
    let missing = used.into_iter().find(|p| !measured.contains(p))?;
    if missing == DomainExpiration {
        return Some(
            "`[DOMAIN_EXPIRATION]` is not supported yet (nines does no WHOIS lookups)".to_string(),
        );
    }
    let names: Vec<&str> = measured.iter().map(|p| p.as_str()).collect();
    Some(format!(
        "a `{}` probe does not measure `{}`, so this condition would fail every run; it has {}",
        check.kind(),
        missing.as_str(),
        all_of(&names)
    ))
}
