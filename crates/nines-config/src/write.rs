//! Services and SLOs written back as nines config YAML, for imports. The
//! output parses to the same model (tested), with defaults left out.

use std::fmt::Write as _;

use nines_slo::{CalendarUnit, TierThreshold, WindowSpec, default_tiers};

use nines_probe::{Check, Probe, TcpStep, TlsOptions};

use crate::model::{Counters, QueryTemplates, Ratio, Service, Sli, Slo};
use crate::read::format_duration;
use crate::slo::DEFAULT_MIN_EVENTS;

/// A string as a YAML scalar; see [`nines_slo::rules::quote`].
pub fn yaml_string(s: &str) -> String {
    nines_slo::rules::quote(s)
}

/// A value of nines config: quoted, and with `${` written `$${` so that
/// reading it back does not expand it as an environment variable.
fn value(s: &str) -> String {
    yaml_string(&s.replace("${", "$${"))
}

/// `services:` with every service, probe and SLO of `services`.
pub fn services_yaml<'a>(services: impl IntoIterator<Item = &'a Service>) -> String {
    let mut out = String::from("services:\n");
    for service in services {
        let _ = writeln!(out, "  {}:", service.name);
        if let Some(o) = &service.owner {
            let _ = writeln!(out, "    owner: {}", value(o));
        }
        if let Some(d) = &service.description {
            let _ = writeln!(out, "    description: {}", value(d));
        }
        if let Some(e) = &service.escalation {
            let _ = writeln!(out, "    escalation: {}", value(e));
        }
        if !service.labels.is_empty() {
            out.push_str("    labels:\n");
            for (k, v) in &service.labels {
                let _ = writeln!(out, "      {k}: {}", value(v));
            }
        }
        if !service.probes.is_empty() {
            out.push_str("    probes:\n");
            for probe in &service.probes {
                write_probe(&mut out, probe);
            }
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
            let _ = writeln!(out, "            good: {}", value(g));
        }
        Ratio::Errors(e) => {
            let _ = writeln!(out, "            errors: {}", value(e));
        }
    }
    let _ = writeln!(out, "            total: {}", value(&c.total));
    if let Some(l) = &c.location {
        let _ = writeln!(out, "            {location_key}: {}", value(l));
    }
    write_map(out, "            ", "headers", &c.headers);
}

/// `key:` and the pairs under it, `indent` deep; nothing when empty.
fn write_map(out: &mut String, indent: &str, key: &str, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}{key}:");
    for (k, v) in pairs {
        let _ = writeln!(out, "{indent}  {}: {}", value(k), value(v));
    }
}

/// `key: [a, b]` of quoted strings, `indent` deep; nothing when empty.
fn write_list<'s>(
    out: &mut String,
    indent: &str,
    key: &str,
    items: impl IntoIterator<Item = &'s str>,
) {
    let items: Vec<String> = items.into_iter().map(value).collect();
    if !items.is_empty() {
        let _ = writeln!(out, "{indent}{key}: [{}]", items.join(", "));
    }
}

/// `key: { ... }` of TLS options, `indent` deep; nothing when all default.
fn write_tls(out: &mut String, indent: &str, key: &str, tls: &TlsOptions) {
    let parts = tls_parts(tls);
    if !parts.is_empty() {
        let _ = writeln!(out, "{indent}{key}: {{ {} }}", parts.join(", "));
    }
}

/// The TLS options that are not default, as `key: value`.
fn tls_parts(tls: &TlsOptions) -> Vec<String> {
    let mut parts = Vec::new();
    if tls.insecure_skip_verify {
        parts.push("insecure_skip_verify: true".to_string());
    }
    if let Some(f) = &tls.ca_file {
        parts.push(format!("ca_file: {}", value(&f.to_string_lossy())));
    }
    if let Some(n) = &tls.server_name {
        parts.push(format!("server_name: {}", value(n)));
    }
    parts
}

fn write_probe(out: &mut String, probe: &Probe) {
    let _ = writeln!(out, "      - name: {}", probe.name);
    let i = "          ";
    match &probe.check {
        Check::Heartbeat(h) => {
            let _ = writeln!(
                out,
                "        heartbeat: {{ every: {}, grace: {} }}",
                format_duration(h.every),
                format_duration(h.grace)
            );
        }
        check => {
            let _ = writeln!(
                out,
                "        interval: {}\n        timeout: {}\n        {}:",
                format_duration(probe.interval),
                format_duration(probe.timeout),
                check.kind()
            );
            match check {
                Check::Http(h) => {
                    let _ = writeln!(
                        out,
                        "{i}url: {}\n{i}method: {}",
                        value(&h.url),
                        value(&h.method)
                    );
                    write_map(out, i, "headers", &h.headers);
                    if let Some(b) = &h.body {
                        let _ = writeln!(out, "{i}body: {}", value(b));
                    }
                    let statuses: Vec<String> =
                        h.valid_status.iter().map(|r| r.to_string()).collect();
                    write_list(out, i, "valid_status", statuses.iter().map(String::as_str));
                    let _ = writeln!(out, "{i}follow_redirects: {}", h.follow_redirects);
                    write_tls(out, i, "tls", &h.tls);
                    write_list(
                        out,
                        i,
                        "body_matches",
                        h.body_matches.iter().map(|p| p.0.as_str()),
                    );
                    write_list(
                        out,
                        i,
                        "body_not_matches",
                        h.body_not_matches.iter().map(|p| p.0.as_str()),
                    );
                    if !h.header_matches.is_empty() {
                        let _ = writeln!(out, "{i}header_matches:");
                        for m in &h.header_matches {
                            let _ = writeln!(
                                out,
                                "{i}  - {{ name: {}, regex: {}, negate: {} }}",
                                value(&m.name),
                                value(m.pattern.0.as_str()),
                                m.negate
                            );
                        }
                    }
                }
                Check::Tcp(t) => {
                    let _ = writeln!(out, "{i}address: {}\n{i}tls: {}", value(&t.address), t.tls);
                    write_tls(out, i, "tls_options", &t.tls_options);
                    if !t.steps.is_empty() {
                        let _ = writeln!(out, "{i}steps:");
                    }
                    for step in &t.steps {
                        let _ = match step {
                            TcpStep::Send(text) => writeln!(out, "{i}  - send: {}", value(text)),
                            TcpStep::Expect(p) => {
                                writeln!(out, "{i}  - expect: {}", value(p.0.as_str()))
                            }
                            TcpStep::StartTls => writeln!(out, "{i}  - starttls: true"),
                        };
                    }
                }
                Check::Dns(d) => {
                    let _ = writeln!(
                        out,
                        "{i}name: {}\n{i}type: {}",
                        value(&d.name),
                        d.record_type
                    );
                    if let Some(server) = d.server {
                        let _ = writeln!(out, "{i}server: {}", value(&server.to_string()));
                    }
                    let rcodes: Vec<String> = d
                        .valid_rcodes
                        .iter()
                        .map(|&c| nines_condition::dns_rcode_name(c).into_owned())
                        .collect();
                    write_list(out, i, "valid_rcodes", rcodes.iter().map(String::as_str));
                    write_list(
                        out,
                        i,
                        "answer_matches",
                        d.answer_matches.iter().map(|p| p.0.as_str()),
                    );
                }
                Check::Tls(t) => {
                    let _ = writeln!(out, "{i}address: {}", value(&t.address));
                    // The options sit beside `address`, not in a mapping.
                    for part in tls_parts(&t.tls) {
                        let _ = writeln!(out, "{i}{part}");
                    }
                }
                Check::Heartbeat(_) => {}
            }
        }
    }
    let _ = writeln!(
        out,
        "        failure_threshold: {}\n        success_threshold: {}",
        probe.alert.failures, probe.alert.successes
    );
    let conditions: Vec<String> = probe.conditions.iter().map(|c| c.to_string()).collect();
    write_list(
        out,
        "        ",
        "conditions",
        conditions.iter().map(String::as_str),
    );
}

fn write_slo(out: &mut String, slo: &Slo) {
    let _ = writeln!(out, "      - name: {}", slo.name);
    if let Some(d) = &slo.description {
        let _ = writeln!(out, "        description: {}", value(d));
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
            let _ = write!(out, "        sli: {{ probe: {}", value(probe));
            if let Some(d) = latency_below {
                let _ = write!(out, ", latency_below: {}", format_duration(*d));
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
                        value(error_query.trim())
                    );
                    let _ = writeln!(
                        out,
                        "            total_query: {}",
                        value(total_query.trim())
                    );
                }
                QueryTemplates::Raw { error_ratio_query } => {
                    let _ = writeln!(
                        out,
                        "            error_ratio_query: {}",
                        value(error_ratio_query.trim())
                    );
                }
            }
            if let Some(u) = url {
                let _ = writeln!(out, "            url: {}", value(u));
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
                let _ = writeln!(a, "            {k}: {}", value(v));
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
