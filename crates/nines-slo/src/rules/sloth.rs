//! Rules exactly as `sloth generate` writes them, for specs imported from
//! Sloth: its group, recording and label names (`slo:sli_error:ratio_rate5m`,
//! `sloth_id`, `sloth_window`, `sloth_slo_info`), its alert expressions and
//! annotations, its numbers printed as Go prints them and its YAML as Go's
//! yaml.v2 writes it, so Sloth's dashboards, queries and Alertmanager
//! routes keep working and a diff against Sloth's own output is empty.

use std::collections::BTreeMap;

use super::goyaml;
use super::{SlothAlerts, fill_window};

/// One of Sloth's four alert windows: a burn that spends `budget_percent`
/// of the period's error budget within `long`, confirmed over `short`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlothWindow {
    pub budget_percent: f64,
    /// Minutes.
    pub short: u32,
    /// Minutes.
    pub long: u32,
}

/// Sloth's `AlertWindows`: the windows for one SLO period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlothWindows {
    /// Minutes.
    pub period: u32,
    pub page_quick: SlothWindow,
    pub page_slow: SlothWindow,
    pub ticket_quick: SlothWindow,
    pub ticket_slow: SlothWindow,
}

impl SlothWindows {
    /// Sloth's built-in catalogue: the SRE Workbook's windows for 28 and 30
    /// days (2% and 5% of the budget paging, 10% and 10% ticketing).
    pub fn builtin(period: u32) -> Option<SlothWindows> {
        let w = |budget_percent, short, long| SlothWindow {
            budget_percent,
            short,
            long,
        };
        [28 * 1440, 30 * 1440]
            .contains(&period)
            .then_some(SlothWindows {
                period,
                page_quick: w(2.0, 5, 60),
                page_slow: w(5.0, 30, 360),
                ticket_quick: w(10.0, 120, 1440),
                ticket_slow: w(10.0, 360, 4320),
            })
    }

    /// The burn rate factor of `w`, computed in Sloth's order of operations
    /// so it prints the same digits.
    pub fn factor(&self, w: &SlothWindow) -> f64 {
        let hours_required = w.budget_percent * go_hours(self.period) / 100.0;
        hours_required / go_hours(w.long)
    }

    fn all(&self) -> [&SlothWindow; 4] {
        [
            &self.page_quick,
            &self.page_slow,
            &self.ticket_quick,
            &self.ticket_slow,
        ]
    }
}

/// Go's `time.Duration.Hours()` of whole minutes.
fn go_hours(minutes: u32) -> f64 {
    let nanos_left = f64::from(minutes % 60) * 60e9;
    f64::from(minutes / 60) + nanos_left / 3.6e12
}

/// A float as Go's `%v` (and `%g`) prints it: the shortest digits that read
/// back the same, in exponent form below 1e-4 or from 1e6 up
/// (`1.0000000000047748e-05`, `0.9990000000000001`, `14.4`, `30`).
pub fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0");
    }
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is a number");
    let digits: Vec<char> = mantissa.chars().filter(char::is_ascii_digit).collect();
    let nd = digits.len() as i32;
    // Shortest %g decides with precision 6 (strconv's `eprec`).
    if !(-4..6).contains(&exp) {
        let mut s = format!("{sign}{}", digits[0]);
        if nd > 1 {
            s.push('.');
            s.extend(&digits[1..]);
        }
        let (es, ev) = if exp < 0 { ('-', -exp) } else { ('+', exp) };
        s.push_str(&format!("e{es}{ev:02}"));
        return s;
    }
    let dp = exp + 1;
    let mut s = sign.to_string();
    if dp > 0 {
        for i in 0..dp {
            s.push(*digits.get(i as usize).unwrap_or(&'0'));
        }
    } else {
        s.push('0');
    }
    let frac = (nd - dp).max(0);
    if frac > 0 {
        s.push('.');
        for i in 0..frac {
            let j = dp + i;
            s.push(if j >= 0 && j < nd {
                digits[j as usize]
            } else {
                '0'
            });
        }
    }
    s
}

/// Prometheus' duration text, as Sloth writes windows: the largest units
/// that divide it, weeks and years only when exact (`4w`, `30d`, `1h30m`).
pub fn prom_duration(minutes: u32) -> String {
    if minutes == 0 {
        return "0s".into();
    }
    let mut left = u64::from(minutes);
    let mut out = String::new();
    for (unit, size, exact) in [
        ("y", 365 * 1440, true),
        ("w", 7 * 1440, true),
        ("d", 1440, false),
        ("h", 60, false),
        ("m", 1, false),
    ] {
        if exact && left % size != 0 {
            continue;
        }
        if left / size > 0 {
            out.push_str(&format!("{}{unit}", left / size));
            left %= size;
        }
    }
    out
}

/// A Sloth SLI: queries with a `{{.window}}` placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlothSli<'a> {
    /// `events`: `error_query` and `total_query`.
    Events { errors: &'a str, total: &'a str },
    /// `raw`: `error_ratio_query`.
    Raw(&'a str),
}

/// One Sloth SLO to compile.
#[derive(Debug, Clone)]
pub struct SlothRuleSlo<'a> {
    pub service: &'a str,
    pub name: &'a str,
    /// As written (`99.9`).
    pub objective_percent: f64,
    /// The spec's labels, then the SLO's over them.
    pub labels: &'a BTreeMap<String, String>,
    pub sli: SlothSli<'a>,
    /// `None` when both alerts are disabled.
    pub alerts: Option<&'a SlothAlerts>,
}

/// A Kubernetes `PrometheusServiceLevel`'s metadata: the `PrometheusRule`
/// written for it takes its name, namespace, labels and annotations.
#[derive(Debug, Clone)]
pub struct SlothResource<'a> {
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    pub labels: &'a BTreeMap<String, String>,
    pub annotations: &'a BTreeMap<String, String>,
}

/// How to write one spec's rules.
#[derive(Debug, Clone)]
pub struct SlothOutput<'a> {
    /// `Some` for a `PrometheusServiceLevel`: a `PrometheusRule` resource.
    pub resource: Option<SlothResource<'a>>,
    /// The `sloth_version` label of `sloth_slo_info`.
    pub sloth_version: &'a str,
    /// `-l key=value`: on every SLO's labels, over the spec's.
    pub extra_labels: &'a BTreeMap<String, String>,
    pub no_recordings: bool,
    pub no_alerts: bool,
}

struct Rule {
    /// `record` or `alert`.
    kind: &'static str,
    name: String,
    expr: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

struct Group {
    name: String,
    rules: Vec<Rule>,
}

const WINDOW: &str = "sloth_window";

/// `slo:sli_error:ratio_rate5m`.
pub fn sli_error_metric(minutes: u32) -> String {
    format!("slo:sli_error:ratio_rate{}", prom_duration(minutes))
}

/// `{k="v", …}` over the labels sorted by name, as Sloth writes selectors.
fn filter(labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn groups(slo: &SlothRuleSlo<'_>, windows: &SlothWindows, out: &SlothOutput<'_>) -> Vec<Group> {
    let id = format!("{}-{}", slo.service, slo.name);
    let ids: BTreeMap<String, String> = [
        ("sloth_id".to_string(), id.clone()),
        ("sloth_service".to_string(), slo.service.to_string()),
        ("sloth_slo".to_string(), slo.name.to_string()),
    ]
    .into();
    let mut slo_labels = slo.labels.clone();
    slo_labels.extend(out.extra_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let with = |extra: &[(&str, String)]| {
        let mut l = ids.clone();
        l.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        l.extend(slo_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        l
    };
    let sel = filter(&ids);
    let mut result = Vec::new();
    if !out.no_recordings {
        let mut ws: Vec<u32> = windows
            .all()
            .iter()
            .flat_map(|w| [w.short, w.long])
            .collect();
        ws.sort_unstable();
        ws.dedup();
        ws.push(windows.period);
        let quick = windows.page_quick.short;
        let rules = ws
            .iter()
            .map(|&m| {
                let window = prom_duration(m);
                let expr = if m == windows.period {
                    let short = format!("{}{sel}", sli_error_metric(quick));
                    format!(
                        "sum_over_time({short}[{window}])\n/ ignoring ({WINDOW})\ncount_over_time({short}[{window}])\n"
                    )
                } else {
                    match slo.sli {
                        SlothSli::Events { errors, total } => format!(
                            "({})\n/\n({})\n",
                            fill_window(errors, &window),
                            fill_window(total, &window)
                        ),
                        SlothSli::Raw(ratio) => format!("({})", fill_window(ratio, &window)),
                    }
                };
                Rule {
                    kind: "record",
                    name: sli_error_metric(m),
                    expr,
                    labels: with(&[(WINDOW, window)]),
                    annotations: BTreeMap::new(),
                }
            })
            .collect();
        result.push(Group {
            name: format!("sloth-slo-sli-recordings-{id}"),
            rules,
        });
        let objective = slo.objective_percent / 100.0;
        let burn = |metric: String| {
            format!(
                "{metric}{sel}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio{sel}\n"
            )
        };
        let meta = [
            (
                "slo:objective:ratio",
                format!("vector({})", go_float(objective)),
            ),
            (
                "slo:error_budget:ratio",
                format!("vector(1-{})", go_float(objective)),
            ),
            (
                "slo:time_period:days",
                format!("vector({})", go_float(go_hours(windows.period) / 24.0)),
            ),
            ("slo:current_burn_rate:ratio", burn(sli_error_metric(quick))),
            (
                "slo:period_burn_rate:ratio",
                burn(sli_error_metric(windows.period)),
            ),
            (
                "slo:period_error_budget_remaining:ratio",
                format!("1 - slo:period_burn_rate:ratio{sel}"),
            ),
        ];
        let mut rules: Vec<Rule> = meta
            .into_iter()
            .map(|(name, expr)| Rule {
                kind: "record",
                name: name.into(),
                expr,
                labels: with(&[]),
                annotations: BTreeMap::new(),
            })
            .collect();
        let (mode, spec) = match out.resource {
            Some(_) => ("cli-gen-k8s", "sloth.slok.dev/v1"),
            None => ("cli-gen-prom", "prometheus/v1"),
        };
        let mut info = with(&[]);
        for (k, v) in [
            ("sloth_version", out.sloth_version.to_string()),
            ("sloth_mode", mode.into()),
            ("sloth_spec", spec.into()),
            ("sloth_objective", format!("{}", slo.objective_percent)),
        ] {
            info.insert(k.into(), v);
        }
        rules.push(Rule {
            kind: "record",
            name: "sloth_slo_info".into(),
            expr: "vector(1)".into(),
            labels: info,
            annotations: BTreeMap::new(),
        });
        result.push(Group {
            name: format!("sloth-slo-meta-recordings-{id}"),
            rules,
        });
    }
    if let (false, Some(alerts)) = (out.no_alerts, slo.alerts) {
        let budget = go_float((100.0 - slo.objective_percent) / 100.0);
        let over = |minutes: u32, factor: f64| {
            format!(
                "max({}{sel} > ({} * {budget})) without ({WINDOW})",
                sli_error_metric(minutes),
                go_float(factor)
            )
        };
        let pair = |w: &SlothWindow| {
            let f = windows.factor(w);
            format!(
                "(\n    {}\n    and\n    {}\n)",
                over(w.short, f),
                over(w.long, f)
            )
        };
        let mut rules = Vec::new();
        for (severity, alert, quick, slow) in [
            (
                "page",
                &alerts.page,
                &windows.page_quick,
                &windows.page_slow,
            ),
            (
                "ticket",
                &alerts.ticket,
                &windows.ticket_quick,
                &windows.ticket_slow,
            ),
        ] {
            let Some(alert) = alert else { continue };
            let mut labels: BTreeMap<String, String> =
                [("sloth_severity".to_string(), severity.to_string())].into();
            labels.extend(alert.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            let mut annotations: BTreeMap<String, String> = [
                (
                    "title".to_string(),
                    format!("({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} SLO error budget burn rate is too fast."),
                ),
                (
                    "summary".to_string(),
                    "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over expected.".to_string(),
                ),
            ]
            .into();
            annotations.extend(
                alert
                    .annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            rules.push(Rule {
                kind: "alert",
                name: alerts.name.clone(),
                expr: format!("{}\nor\n{}\n", pair(quick), pair(slow)),
                labels,
                annotations,
            });
        }
        if !rules.is_empty() {
            result.push(Group {
                name: format!("sloth-slo-alerts-{id}"),
                rules,
            });
        }
    }
    result
}

/// The rules of one spec's SLOs, as the YAML document `sloth generate`
/// writes for it (without its header comment).
pub fn sloth_rules(
    slos: &[SlothRuleSlo<'_>],
    windows: &SlothWindows,
    out: &SlothOutput<'_>,
) -> String {
    let all: Vec<Group> = slos.iter().flat_map(|s| groups(s, windows, out)).collect();
    let mut text = String::new();
    match &out.resource {
        None => {
            if all.is_empty() {
                return "groups: []\n".into();
            }
            text.push_str("groups:\n");
            write_groups(&mut text, 0, &all, false);
        }
        Some(r) => {
            goyaml::entry(&mut text, 0, "apiVersion", "monitoring.coreos.com/v1");
            goyaml::entry(&mut text, 0, "kind", "PrometheusRule");
            text.push_str("metadata:\n");
            let mut labels = r.labels.clone();
            labels.insert("app.kubernetes.io/component".into(), "SLO".into());
            labels.insert("app.kubernetes.io/managed-by".into(), "sloth".into());
            map(&mut text, 2, "annotations", r.annotations);
            map(&mut text, 2, "labels", &labels);
            goyaml::entry(&mut text, 2, "name", r.name);
            if let Some(ns) = r.namespace.filter(|n| !n.is_empty()) {
                goyaml::entry(&mut text, 2, "namespace", ns);
            }
            text.push_str("spec:\n");
            if all.is_empty() {
                text.push_str("  groups: []\n");
            } else {
                text.push_str("  groups:\n");
                write_groups(&mut text, 2, &all, true);
            }
        }
    }
    text
}

/// `title:` and its entries one level in, sorted as yaml.v2 sorts; nothing
/// when empty (Sloth's fields are `omitempty`).
fn map(out: &mut String, indent: usize, title: &str, entries: &BTreeMap<String, String>) {
    if entries.is_empty() {
        return;
    }
    out.push_str(&" ".repeat(indent));
    out.push_str(title);
    out.push_str(":\n");
    let mut keys: Vec<&String> = entries.keys().collect();
    keys.sort_by(|a, b| goyaml::key_order(a, b));
    for k in keys {
        goyaml::entry(out, indent + 2, k, &entries[k]);
    }
}

/// The groups as a sequence at `indent` (yaml.v2 does not indent a
/// sequence inside a mapping). A resource's keys are sorted (it goes
/// through JSON); a rule file's follow Prometheus' `rulefmt` field order.
fn write_groups(out: &mut String, indent: usize, groups: &[Group], sorted: bool) {
    let item = |out: &mut String, k: &str, v: &str| {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        let column = indent + 2 + k.len() + 1;
        out.push_str(k);
        out.push(':');
        goyaml::value(out, column, indent + 2, v);
    };
    for g in groups {
        item(out, "name", &g.name);
        out.push_str(&" ".repeat(indent + 2));
        out.push_str("rules:\n");
        let at = indent + 2;
        for r in &g.rules {
            let first_at = |out: &mut String, k: &str, v: &str| {
                out.push_str(&" ".repeat(at));
                out.push_str("- ");
                let column = at + 2 + k.len() + 1;
                out.push_str(k);
                out.push(':');
                goyaml::value(out, column, at + 2, v);
            };
            if sorted {
                if r.kind == "alert" {
                    first_at(out, "alert", &r.name);
                    map(out, at + 2, "annotations", &r.annotations);
                    goyaml::entry(out, at + 2, "expr", &r.expr);
                } else {
                    first_at(out, "expr", &r.expr);
                }
                map(out, at + 2, "labels", &r.labels);
                if r.kind == "record" {
                    goyaml::entry(out, at + 2, "record", &r.name);
                }
            } else {
                first_at(out, r.kind, &r.name);
                goyaml::entry(out, at + 2, "expr", &r.expr);
                map(out, at + 2, "labels", &r.labels);
                map(out, at + 2, "annotations", &r.annotations);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(go_float(99.9 / 100.0), "0.9990000000000001");
        assert_eq!(go_float((100.0 - 99.9) / 100.0), "0.0009999999999999432");
        assert_eq!(go_float(14.4), "14.4");
        assert_eq!(go_float(30.0), "30");
        assert_eq!(go_float(1.0000000000047748e-05), "1.0000000000047748e-05");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(-2.5e-7), "-2.5e-07");
    }

    #[test]
    fn durations_print_as_prometheus_prints_them() {
        assert_eq!(prom_duration(28 * 1440), "4w");
        assert_eq!(prom_duration(30 * 1440), "30d");
        assert_eq!(prom_duration(7 * 1440), "1w");
        assert_eq!(prom_duration(90), "1h30m");
        assert_eq!(prom_duration(365 * 1440), "1y");
        assert_eq!(prom_duration(4320), "3d");
    }

    #[test]
    fn builtin_windows_give_the_workbook_factors() {
        let w = SlothWindows::builtin(30 * 1440).unwrap();
        assert_eq!(
            w.all().map(|x| go_float(w.factor(x))),
            ["14.4", "6", "3", "1"]
        );
        assert!(SlothWindows::builtin(7 * 1440).is_none());
    }
}
