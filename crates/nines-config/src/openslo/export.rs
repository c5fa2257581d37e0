//! nines SLOs as OpenSLO v1 documents: a `Service` per service, an `SLO` per
//! SLO with its indicator and alert policy inline, a `DataSource` per query
//! URL. SLOs OpenSLO cannot carry (pushed events, query templates) are
//! listed as skipped, with the reason.

use std::fmt::Write as _;

use nines_slo::{CalendarUnit, WindowSpec};

use crate::model::{Config, Counters, Ratio, Sli, Slo};
use crate::write::yaml_string as q;

/// The OpenSLO text for `config`, and the SLOs left out with why.
pub fn to_openslo(config: &Config) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut skipped = Vec::new();
    for service in config.services.values() {
        let _ = write!(
            out,
            "---\napiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: {}\n",
            service.name
        );
        if let Some(d) = &service.description {
            let _ = write!(out, "spec:\n  description: {}\n", q(d));
        } else {
            out.push_str("spec: {}\n");
        }
        for slo in &service.slos {
            let counters = match &slo.sli {
                Sli::Prometheus(c) | Sli::Promql(c) => c,
                Sli::Events => {
                    skipped.push(format!(
                        "{}/{}: `sli: events` has no metric source in OpenSLO",
                        service.name, slo.name
                    ));
                    continue;
                }
                Sli::Probe { .. } => {
                    skipped.push(format!(
                        "{}/{}: probe SLIs have no metric source in OpenSLO",
                        service.name, slo.name
                    ));
                    continue;
                }
                Sli::PromqlQueries { .. } => {
                    skipped.push(format!(
                        "{}/{}: query templates (`error_query`, `error_ratio_query`) are not OpenSLO ratio metrics",
                        service.name, slo.name
                    ));
                    continue;
                }
            };
            write_slo(&mut out, &service.name, slo, counters);
        }
    }
    (out, skipped)
}

fn metric(out: &mut String, key: &str, query: &str, source: Option<&str>) {
    let _ = writeln!(
        out,
        "        {key}:\n          metricSource:\n            type: Prometheus"
    );
    if let Some(s) = source {
        let _ = writeln!(out, "            metricSourceRef: {s}");
    }
    let _ = writeln!(out, "            spec:\n              query: {}", q(query));
}

fn write_slo(out: &mut String, service: &str, slo: &Slo, counters: &Counters) {
    let source = counters
        .location
        .as_ref()
        .map(|_| format!("{service}-{}-prometheus", slo.name));
    if let (Some(name), Some(url)) = (&source, &counters.location) {
        let _ = write!(
            out,
            "---\napiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: {name}\nspec:\n  type: Prometheus\n  connectionDetails:\n    url: {}\n",
            q(url)
        );
    }
    let _ = write!(
        out,
        "---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {}\nspec:\n",
        slo.name
    );
    if let Some(d) = &slo.description {
        let _ = writeln!(out, "  description: {}", q(d));
    }
    let _ = writeln!(out, "  service: {service}");
    let _ = write!(
        out,
        "  indicator:\n    metadata:\n      name: {service}-{}\n    spec:\n      ratioMetric:\n        counter: true\n",
        slo.name
    );
    match &counters.ratio {
        Ratio::Good(g) => metric(out, "good", g, source.as_deref()),
        Ratio::Errors(e) => metric(out, "bad", e, source.as_deref()),
    }
    metric(out, "total", &counters.total, source.as_deref());
    match &slo.spec.window {
        WindowSpec::Rolling { minutes } => {
            let _ = write!(
                out,
                "  timeWindow:\n    - duration: {}\n      isRolling: true\n",
                nines_slo::format_minutes(*minutes)
            );
        }
        WindowSpec::Calendar { unit, tz } => {
            let duration = match unit {
                CalendarUnit::Week => "1w",
                CalendarUnit::Month => "1M",
            };
            let zone = tz.iana_name().unwrap_or("UTC");
            // OpenSLO anchors calendar windows at a start time: a Monday and a 1st.
            let _ = write!(
                out,
                "  timeWindow:\n    - duration: {duration}\n      isRolling: false\n      calendar:\n        startTime: \"2024-01-01 00:00:00\"\n        timeZone: {zone}\n"
            );
        }
    }
    let target = nines_slo::rules::rule_float(slo.spec.objective);
    match slo.spec.timeslices {
        None => {
            let _ = write!(
                out,
                "  budgetingMethod: Occurrences\n  objectives:\n    - target: {target}\n"
            );
        }
        Some(t) => {
            let _ = write!(
                out,
                "  budgetingMethod: Timeslices\n  objectives:\n    - target: {target}\n      timeSliceTarget: {}\n      timeSliceWindow: {}\n",
                nines_slo::rules::rule_float(t.target),
                nines_slo::format_minutes(t.slice_minutes)
            );
        }
    }
    if slo.spec.tiers.is_empty() {
        out.push_str("  alertPolicies: []\n");
        return;
    }
    let period = i64::from(slo.spec.window.nominal_minutes());
    let _ = write!(
        out,
        "  alertPolicies:\n    - kind: AlertPolicy\n      metadata:\n        name: {service}-{}-burn-rate\n      spec:\n        conditions:\n",
        slo.name
    );
    for tier in &slo.spec.tiers {
        let _ = write!(
            out,
            "          - kind: AlertCondition\n            metadata:\n              name: {service}-{}-{}\n            spec:\n              severity: {}\n              condition:\n                kind: burnrate\n                op: gt\n                threshold: {}\n                lookbackWindow: {}\n",
            slo.name,
            tier.name(),
            tier.severity.as_str(),
            nines_slo::rules::rule_float(tier.burn_threshold(period)),
            nines_slo::format_minutes(tier.long),
        );
        if let Some(after) = &slo.alert_rules.for_ {
            let _ = writeln!(out, "                alertAfter: {after}");
        }
    }
}
