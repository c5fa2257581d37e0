//! Services and SLOs written back as nines config YAML, for imports. The
//! output parses to the same model (tested), with defaults left out.

use std::fmt::Write as _;

use nines_slo::{CalendarUnit, TierThreshold, WindowSpec, default_tiers};

use crate::model::{Counters, QueryTemplates, Ratio, Service, Sli, Slo};
use crate::slo::DEFAULT_MIN_EVENTS;

/// A string as a YAML scalar; see [`nines_slo::rules::quote`].
pub fn yaml_string(s: &str) -> String {
    nines_slo::rules::quote(s)
}

/// `services:` with every service and SLO of `services`.
pub fn services_yaml<'a>(services: impl IntoIterator<Item = &'a Service>) -> String {
    let mut out = String::from("services:\n");
    for service in services {
        let _ = writeln!(out, "  {}:", service.name);
        if let Some(o) = &service.owner {
            let _ = writeln!(out, "    owner: {}", yaml_string(o));
        }
        if let Some(d) = &service.description {
            let _ = writeln!(out, "    description: {}", yaml_string(d));
        }
        out.push_str("    slos:\n");
        for slo in &service.slos {
            write_slo(&mut out, slo);
        }
    }
    out
}

fn write_counters(out: &mut String, kind: &str, c: &Counters, location_key: &str) {
    let _ = writeln!(out, "        sli:\n          {kind}:");
    match &c.ratio {
        Ratio::Good(g) => {
            let _ = writeln!(out, "            good: {}", yaml_string(g));
        }
        Ratio::Errors(e) => {
            let _ = writeln!(out, "            errors: {}", yaml_string(e));
        }
    }
    let _ = writeln!(out, "            total: {}", yaml_string(&c.total));
    if let Some(l) = &c.location {
        let _ = writeln!(out, "            {location_key}: {}", yaml_string(l));
    }
}

fn write_slo(out: &mut String, slo: &Slo) {
    let _ = writeln!(out, "      - name: {}", slo.name);
    if let Some(d) = &slo.description {
        let _ = writeln!(out, "        description: {}", yaml_string(d));
    }
    let _ = writeln!(
        out,
        "        objective: {}",
        nines_slo::rules::rule_float(slo.objective_percent)
    );
    match &slo.spec.window {
        WindowSpec::Rolling { minutes } => {
            let _ = writeln!(
                out,
                "        window: {}",
                nines_slo::format_minutes(*minutes)
            );
        }
        WindowSpec::Calendar { unit, tz } => {
            let unit = match unit {
                CalendarUnit::Week => "week",
                CalendarUnit::Month => "month",
            };
            let _ = writeln!(
                out,
                "        calendar: {unit}\n        timezone: {}",
                tz.iana_name().unwrap_or("UTC")
            );
        }
    }
    if let Some(t) = slo.spec.timeslices {
        let _ = writeln!(
            out,
            "        timeslices: {{ target: {}, slice: {} }}",
            nines_slo::rules::rule_float(t.target * 100.0),
            nines_slo::format_minutes(t.slice_minutes)
        );
    }
    match &slo.sli {
        Sli::Events => out.push_str("        sli: events\n"),
        Sli::Probe {
            probe,
            latency_below,
        } => {
            let _ = write!(out, "        sli: {{ probe: {}", yaml_string(probe));
            if let Some(d) = latency_below {
                let _ = write!(out, ", latency_below: {}", nines_probe::human(*d));
            }
            out.push_str(" }\n");
        }
        Sli::Prometheus(c) => write_counters(out, "prometheus", c, "target"),
        Sli::Promql(c) => write_counters(out, "promql", c, "url"),
        Sli::PromqlQueries { queries, url } => {
            out.push_str("        sli:\n          promql:\n");
            match queries {
                QueryTemplates::Events {
                    error_query,
                    total_query,
                } => {
                    let _ = writeln!(
                        out,
                        "            error_query: {}",
                        yaml_string(error_query.trim())
                    );
                    let _ = writeln!(
                        out,
                        "            total_query: {}",
                        yaml_string(total_query.trim())
                    );
                }
                QueryTemplates::Raw { error_ratio_query } => {
                    let _ = writeln!(
                        out,
                        "            error_ratio_query: {}",
                        yaml_string(error_ratio_query.trim())
                    );
                }
            }
            if let Some(u) = url {
                let _ = writeln!(out, "            url: {}", yaml_string(u));
            }
        }
    }
    write_alerting(out, slo);
}

fn write_alerting(out: &mut String, slo: &Slo) {
    let mut a = String::new();
    let r = &slo.alert_rules;
    if slo.spec.min_events != DEFAULT_MIN_EVENTS {
        let _ = writeln!(a, "          min_events: {}", slo.spec.min_events);
    }
    for (title, map) in [("labels", &slo.labels), ("annotations", &r.annotations)] {
        if !map.is_empty() {
            let _ = writeln!(a, "          {title}:");
            for (k, v) in map {
                let _ = writeln!(a, "            {k}: {}", yaml_string(v));
            }
        }
    }
    if let Some(f) = &r.for_ {
        let _ = writeln!(a, "          for: {f}");
    }
    if r.budget_exhausted_alert {
        a.push_str("          budget_exhausted_alert: true\n");
    }
    if let Some(x) = &r.absent_alert {
        let _ = writeln!(a, "          absent_alert: {x}");
    }
    if slo.spec.tiers != default_tiers() {
        if slo.spec.tiers.is_empty() {
            a.push_str("          tiers: []\n");
        } else {
            a.push_str("          tiers:\n");
            for t in &slo.spec.tiers {
                let threshold = match t.threshold {
                    TierThreshold::BurnRate(b) => {
                        format!("burn_rate: {}", nines_slo::rules::rule_float(b))
                    }
                    TierThreshold::BudgetConsumed(f) => {
                        format!(
                            "budget_consumed: {}%",
                            nines_slo::rules::rule_float(f * 100.0)
                        )
                    }
                };
                let _ = writeln!(
                    a,
                    "            - {{ severity: {}, long_window: {}, short_window: {}, {threshold} }}",
                    t.severity.as_str(),
                    nines_slo::format_minutes(t.long),
                    nines_slo::format_minutes(t.short)
                );
            }
        }
    }
    if !a.is_empty() {
        out.push_str("        alerting:\n");
        out.push_str(&a);
    }
}
