//! Prometheus recording and alert rules for SLOs whose counters live in
//! Prometheus, so Prometheus, Thanos or Mimir evaluate them in-cluster.
//!
//! The rules follow Sloth's, which SREs know: one error-ratio recording
//! per window (5m … 3d and each tier's windows), the SLO period built from
//! the 5m rule with `sum_over_time / count_over_time` (no 30-day range query
//! over raw series), metadata rules, and one alert per tier with the same
//! thresholds, minimum event count and resolve rule as nines' evaluator.
//! Output is deterministic: SLOs in the given order, labels sorted, floats
//! printed with at most 12 decimals.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::alert::Tier;
use crate::{STANDARD_WINDOWS, format_minutes};

mod goyaml;
pub mod sloth;

/// Name of every tier's alert; `tier` and `severity` labels tell them apart.
pub const ALERT_NAME: &str = "ErrorBudgetBurn";

/// How an SLI is written in PromQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SliQuery<'a> {
    /// Selectors of counters, summed over matching series: good and all.
    Good { good: &'a str, total: &'a str },
    /// Selectors of counters: failed and all.
    Errors { errors: &'a str, total: &'a str },
    /// Whole expressions with a `{{.window}}` placeholder, as Sloth's
    /// `error_query` and `total_query`.
    Templates { errors: &'a str, total: &'a str },
    /// One expression giving the error ratio, with `{{.window}}` (Sloth's
    /// `raw.error_ratio_query`).
    RawErrorRatio(&'a str),
}

/// Fills a Sloth-style `{{.window}}` (or `{{ .window }}`) placeholder.
pub fn fill_window(template: &str, window: &str) -> String {
    template
        .replace("{{.window}}", window)
        .replace("{{ .window }}", window)
}

impl SliQuery<'_> {
    /// The selector of the total counter, when the SLI has one.
    fn total(&self) -> Option<&str> {
        match self {
            SliQuery::Good { total, .. } | SliQuery::Errors { total, .. } => Some(total),
            SliQuery::Templates { .. } | SliQuery::RawErrorRatio(_) => None,
        }
    }

    /// The number of events in `window` (of `minutes`), when the SLI says.
    fn events_in(&self, window: &str, minutes: u32) -> Option<String> {
        match self {
            SliQuery::Good { total, .. } | SliQuery::Errors { total, .. } => {
                Some(format!("sum(increase({total}[{window}]))"))
            }
            // A rate per second over the window, times its seconds.
            SliQuery::Templates { total, .. } => Some(format!(
                "({}) * {}",
                fill_window(total, window),
                u64::from(minutes) * 60
            )),
            SliQuery::RawErrorRatio(_) => None,
        }
    }

    /// The error ratio over `window`.
    fn error_ratio(&self, window: &str) -> String {
        match self {
            SliQuery::Templates { errors, total } => {
                format!(
                    "({})\n/\n({})",
                    fill_window(errors, window),
                    fill_window(total, window)
                )
            }
            SliQuery::RawErrorRatio(ratio) => fill_window(ratio, window),
            SliQuery::Errors { errors, total } => {
                format!("(sum(rate({errors}[{window}])))\n/\n(sum(rate({total}[{window}])))")
            }
            SliQuery::Good { good, total } => {
                format!(
                    "1 - (\n  (sum(rate({good}[{window}])))\n  /\n  (sum(rate({total}[{window}])))\n)"
                )
            }
        }
    }
}

/// One SLO to compile.
#[derive(Debug, Clone)]
pub struct RuleSlo<'a> {
    pub service: &'a str,
    pub slo: &'a str,
    /// Target ratio, 0 < objective < 1.
    pub objective: f64,
    /// The SLO period in minutes (`30d` = 43,200).
    pub period_minutes: u32,
    pub query: SliQuery<'a>,
    pub tiers: &'a [Tier],
    /// Events the long window must hold before a tier may fire.
    pub min_events: u64,
    /// Labels added to the alerts of every SLO of its service
    /// (`services.<name>.labels`); `alert_labels` win on a clash.
    pub service_labels: &'a BTreeMap<String, String>,
    /// Labels added to this SLO's alerts (`alerting.labels`).
    pub alert_labels: &'a BTreeMap<String, String>,
    /// Annotations added to (or replacing the defaults of) its alerts.
    pub annotations: &'a BTreeMap<String, String>,
    /// `for:` of its alerts, such as `2m`; `None` fires at once.
    pub for_: Option<&'a str>,
    /// Also an `ErrorBudgetExhausted` alert while the period budget is spent.
    pub budget_exhausted_alert: bool,
    /// Also an `SLIAbsent` alert when the total counter has no samples for
    /// this long (`10m`).
    pub absent_alert: Option<&'a str>,
}

/// The service's labels, then the SLO's over them: the SLO, being the more
/// specific, wins a clash.
fn extend_alert_labels(labels: &mut BTreeMap<String, String>, slo: &RuleSlo<'_>) {
    for (k, v) in slo.service_labels.iter().chain(slo.alert_labels) {
        labels.insert(k.clone(), v.clone());
    }
}

/// Sloth's alerting block: the alert name and per-severity labels and
/// annotations (already merged with the common ones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlothAlerts {
    pub name: String,
    /// `None` when `disable: true`.
    pub page: Option<SlothAlert>,
    pub ticket: Option<SlothAlert>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlothAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// What to write.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    pub no_recordings: bool,
    pub no_alerts: bool,
    /// Labels added to every rule (`-l key=value`).
    pub extra_labels: BTreeMap<String, String>,
}

/// A float as rules print it: at most 12 decimals, no trailing zeros, so
/// `1 - 0.999` prints `0.001` and output diffs cleanly.
pub fn rule_float(v: f64) -> String {
    let s = format!("{v:.12}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A string as a YAML double-quoted scalar (JSON quoting, which YAML reads
/// as is): safe for any text in generated YAML.
pub fn quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes a label value inside a PromQL selector.
fn promql_string(v: &str) -> String {
    quote(v)
}

struct Writer {
    out: String,
}

impl Writer {
    fn group(&mut self, name: &str) {
        let _ = writeln!(self.out, "  - name: {}\n    rules:", quote(name));
    }

    fn rule(
        &mut self,
        kind: &str,
        name: &str,
        expr: &str,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
    ) {
        self.rule_for(kind, name, expr, None, labels, annotations);
    }

    fn rule_for(
        &mut self,
        kind: &str,
        name: &str,
        expr: &str,
        for_: Option<&str>,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
    ) {
        let _ = writeln!(self.out, "      - {kind}: {name}");
        self.out.push_str("        expr: |\n");
        for line in expr.lines() {
            let _ = writeln!(self.out, "          {line}");
        }
        if let Some(f) = for_ {
            let _ = writeln!(self.out, "        for: {f}");
        }
        for (title, map) in [("labels", labels), ("annotations", annotations)] {
            if map.is_empty() {
                continue;
            }
            let _ = writeln!(self.out, "        {title}:");
            for (k, v) in map {
                let _ = writeln!(self.out, "          {k}: {}", quote(v));
            }
        }
    }
}

/// The windows an SLO records error ratios for: the standard ones and its
/// tiers', in minutes, sorted.
fn windows(slo: &RuleSlo<'_>) -> Vec<u32> {
    let mut w: Vec<u32> = STANDARD_WINDOWS.to_vec();
    for t in slo.tiers {
        w.push(t.long);
        w.push(t.short);
    }
    w.sort_unstable();
    w.dedup();
    w
}

fn ratio_name(window: &str) -> String {
    format!("nines_slo:error_ratio:rate{window}")
}

/// The rule file for `slos`: a YAML document with three groups per SLO
/// (SLI recordings, metadata, alerts), each left out when disabled.
pub fn prometheus_rules(slos: &[RuleSlo<'_>], opts: &RuleOptions) -> String {
    let mut w = Writer {
        out: String::from("groups:\n"),
    };
    for slo in slos {
        let base = {
            let mut l = opts.extra_labels.clone();
            l.insert("service".into(), slo.service.into());
            l.insert("slo".into(), slo.slo.into());
            l
        };
        let sel = format!(
            "service={},slo={}",
            promql_string(slo.service),
            promql_string(slo.slo)
        );
        let period = format_minutes(slo.period_minutes);
        let budget = 1.0 - slo.objective;
        let none = BTreeMap::new();
        // One group per SLO: rules of a group run in order at the same
        // instant, so alerts always read this evaluation's ratios. (In
        // separate groups, as Sloth writes them, an alert may read ratios
        // one interval old, depending on which group Prometheus runs first.)
        let has_alerts = !opts.no_alerts
            && (!slo.tiers.is_empty() || slo.budget_exhausted_alert || slo.absent_alert.is_some());
        if opts.no_recordings && !has_alerts {
            continue;
        }
        w.group(&format!("nines-slo-{}-{}", slo.service, slo.slo));
        if !opts.no_recordings {
            for m in windows(slo) {
                let label = format_minutes(m);
                let mut labels = base.clone();
                labels.insert("window".into(), label.clone());
                w.rule(
                    "record",
                    &ratio_name(&label),
                    &slo.query.error_ratio(&label),
                    &labels,
                    &none,
                );
            }
            let five = format!("{}{{{sel}}}", ratio_name("5m"));
            // A period that is one of the windows already has its ratio.
            if !windows(slo).contains(&slo.period_minutes) {
                let mut labels = base.clone();
                labels.insert("window".into(), period.clone());
                w.rule(
                    "record",
                    &ratio_name(&period),
                    &format!("sum_over_time({five}[{period}])\n/ ignoring (window)\ncount_over_time({five}[{period}])"),
                    &labels,
                    &none,
                );
            }
            let budget_sel = format!("nines_slo:error_budget:ratio{{{sel}}}");
            let meta = [
                (
                    "nines_slo:objective:ratio",
                    format!("vector({})", rule_float(slo.objective)),
                ),
                (
                    "nines_slo:error_budget:ratio",
                    format!("vector({})", rule_float(budget)),
                ),
                (
                    "nines_slo:period:days",
                    format!(
                        "vector({})",
                        rule_float(f64::from(slo.period_minutes) / 1440.0)
                    ),
                ),
                (
                    "nines_slo:current_burn_rate:ratio",
                    // Per SLO, not per window: drop `window`.
                    format!("sum without (window) ({five})\n/ on (service, slo)\n{budget_sel}"),
                ),
                (
                    "nines_slo:period_burn_rate:ratio",
                    format!(
                        "sum without (window) ({}{{{sel}}})\n/ on (service, slo)\n{budget_sel}",
                        ratio_name(&period)
                    ),
                ),
                (
                    "nines_slo:period_error_budget_remaining:ratio",
                    format!("1 - nines_slo:period_burn_rate:ratio{{{sel}}}"),
                ),
            ];
            for (name, expr) in meta {
                w.rule("record", name, &expr, &base, &none);
            }
        }
        if !opts.no_alerts && !slo.tiers.is_empty() {
            for tier in slo.tiers {
                let threshold = tier.burn_threshold(i64::from(slo.period_minutes));
                let limit = rule_float(threshold * budget);
                let (long, short) = (format_minutes(tier.long), format_minutes(tier.short));
                let name = tier.name();
                let over = |window: &str| format!("{}{{{sel}}} > {limit}", ratio_name(window));
                let short_ratio = format!("{}{{{sel}}}", ratio_name(&short));
                // Fire: both windows above the threshold and enough events in
                // the long one. Keep firing while the short window still
                // burns, or has no data (absent, or NaN when no traffic): nines'
                // evaluator resolves on the short window only, and no data
                // decides nothing.
                // `max by (service, slo)`: every branch gives one series with
                // the same labels, so switching branch keeps it one alert.
                let expr = format!(
                    "max by (service, slo) (\n  (\n    ({})\n    and ignoring (window)\n    ({}){}\n  )\n  or\n  (\n    ({})\n    and on (service, slo)\n    ALERTS{{alertname={},alertstate=\"firing\",tier={},{sel}}}\n  )\n  or\n  (\n    ALERTS{{alertname={},alertstate=\"firing\",tier={},{sel}}}\n    unless on (service, slo)\n    ({short_ratio} == {short_ratio})\n  )\n)",
                    over(&long),
                    over(&short),
                    // Without a total (a raw ratio query) there is no count.
                    slo.query
                        .events_in(&long, tier.long)
                        .map(|events| format!(
                            "\n    and on ()\n    ({events} >= {})",
                            slo.min_events
                        ))
                        .unwrap_or_default(),
                    over(&short),
                    promql_string(ALERT_NAME),
                    promql_string(&name),
                    promql_string(ALERT_NAME),
                    promql_string(&name),
                );
                let mut labels = base.clone();
                extend_alert_labels(&mut labels, slo);
                labels.insert("severity".into(), tier.severity.as_str().into());
                labels.insert("tier".into(), name.clone());
                labels.insert("long_window".into(), long.clone());
                labels.insert("short_window".into(), short.clone());
                let mut annotations = BTreeMap::new();
                annotations.insert(
                    "summary".to_string(),
                    format!(
                        "{}/{}: error budget burning at over {}x ({} and {})",
                        slo.service,
                        slo.slo,
                        rule_float(threshold),
                        long,
                        short
                    ),
                );
                annotations.insert(
                    "description".to_string(),
                    format!(
                        "At this rate {}/{} spends {} of its {} error budget within {}.",
                        slo.service,
                        slo.slo,
                        percent_of_budget(threshold, tier.long, slo.period_minutes),
                        period,
                        long
                    ),
                );
                annotations.extend(slo.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
                w.rule_for("alert", ALERT_NAME, &expr, slo.for_, &labels, &annotations);
            }
        }
        if !opts.no_alerts && (slo.budget_exhausted_alert || slo.absent_alert.is_some()) {
            let mut labels = base.clone();
            extend_alert_labels(&mut labels, slo);
            labels.insert("severity".into(), "ticket".into());
            if slo.budget_exhausted_alert {
                let mut annotations = BTreeMap::new();
                annotations.insert(
                    "summary".to_string(),
                    format!(
                        "{}/{}: the {period} error budget is spent",
                        slo.service, slo.slo
                    ),
                );
                annotations.extend(slo.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
                let expr = format!("nines_slo:period_error_budget_remaining:ratio{{{sel}}} <= 0");
                w.rule_for(
                    "alert",
                    "ErrorBudgetExhausted",
                    &expr,
                    slo.for_,
                    &labels,
                    &annotations,
                );
            }
            if let (Some(after), Some(total)) = (slo.absent_alert, slo.query.total()) {
                let mut annotations = BTreeMap::new();
                annotations.insert(
                    "summary".to_string(),
                    format!(
                        "{}/{}: no samples of its total counter for {after}",
                        slo.service, slo.slo
                    ),
                );
                annotations.extend(slo.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
                let expr = format!("absent_over_time({total}[{after}])");
                w.rule("alert", "SLIAbsent", &expr, &labels, &annotations);
            }
        }
    }
    if w.out == "groups:\n" {
        return "groups: []\n".to_string();
    }
    w.out
}

/// `2%`: the share of the period's budget a burn of `rate` spends in `long`.
fn percent_of_budget(rate: f64, long: u32, period: u32) -> String {
    format!(
        "{}%",
        rule_float((rate * f64::from(long) / f64::from(period) * 100.0 * 1e6).round() / 1e6)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_short_and_stable() {
        assert_eq!(rule_float(1.0 - 0.999), "0.001");
        assert_eq!(rule_float(14.4 * (1.0 - 0.999)), "0.0144");
        assert_eq!(rule_float(30.0), "30");
        assert_eq!(rule_float(0.933_333_333_333_333_3), "0.933333333333");
        assert_eq!(rule_float(-0.0), "0");
    }

    #[test]
    fn quoting_survives_hostile_text() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}

#[cfg(test)]
mod snapshot {
    use super::*;
    use crate::default_tiers;

    #[test]
    fn rule_file_for_an_errors_slo_and_a_latency_slo() {
        let tiers = default_tiers();
        let labels: BTreeMap<String, String> =
            [("team".to_string(), "payments".to_string())].into();
        let none = BTreeMap::new();
        let runbook: BTreeMap<String, String> = [(
            "runbook_url".to_string(),
            "https://runbooks.example/shop".to_string(),
        )]
        .into();
        let slos = [
            RuleSlo {
                service: "shop",
                slo: "availability",
                objective: 0.999,
                period_minutes: 30 * 1440,
                query: SliQuery::Errors {
                    errors: "http_requests_total{code=~\"5..\"}",
                    total: "http_requests_total",
                },
                tiers: &tiers,
                min_events: 10,
                service_labels: &none,
                alert_labels: &labels,
                annotations: &runbook,
                for_: Some("2m"),
                budget_exhausted_alert: true,
                absent_alert: Some("10m"),
            },
            RuleSlo {
                service: "shop",
                slo: "latency",
                objective: 0.99,
                period_minutes: 28 * 1440,
                query: SliQuery::Good {
                    good: "h_bucket{le=\"0.3\"}",
                    total: "h_count",
                },
                tiers: &tiers[..1],
                min_events: 100,
                service_labels: &none,
                alert_labels: &none,
                annotations: &none,
                for_: None,
                budget_exhausted_alert: false,
                absent_alert: None,
            },
        ];
        let opts = RuleOptions {
            extra_labels: [("env".to_string(), "prod".to_string())].into(),
            ..RuleOptions::default()
        };
        insta::assert_snapshot!(prometheus_rules(&slos, &opts));
        assert_eq!(prometheus_rules(&[], &opts), "groups: []\n");
    }
}
