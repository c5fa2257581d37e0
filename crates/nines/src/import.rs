//! `nines import sloth`: a Sloth spec as nines config. What nines config
//! cannot say is reported per SLO and field on stderr, never dropped
//! silently.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use nines_config::{QueryTemplates, SlothSlo, load_sloth};

/// Label names nines sets itself on alerts and series.
const RESERVED: [&str; 5] = ["service", "slo", "severity", "tier", "window"];

/// A string as a YAML scalar: JSON quoting, which YAML reads as is.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// The nines config text for a Sloth spec, and what did not map.
pub fn sloth_to_config(path: &Path, period: &str) -> anyhow::Result<(String, Vec<String>)> {
    let spec = load_sloth(path)
        .map_err(|e| anyhow!("{} is not a valid Sloth spec:\n{e}", path.display()))?;
    let mut out = format!(
        "# Imported from {} by `nines import sloth`. Reference: docs/config.md\nservices:\n  {}:\n    slos:\n",
        path.display(),
        spec.service
    );
    let mut unmapped = Vec::new();
    for slo in &spec.slos {
        write_slo(&mut out, slo, period, &mut unmapped);
    }
    Ok((out, unmapped))
}

fn write_slo(out: &mut String, slo: &SlothSlo, period: &str, unmapped: &mut Vec<String>) {
    let at = |field: &str| format!("slos.{}.{field}", slo.name);
    let _ = writeln!(out, "      - name: {}", q(&slo.name));
    if let Some(d) = &slo.description {
        let _ = writeln!(out, "        description: {}", q(d));
    }
    let _ = writeln!(out, "        objective: {}", slo.objective_percent);
    let _ = writeln!(out, "        window: {period}");
    out.push_str("        sli:\n          promql:\n");
    match &slo.sli {
        QueryTemplates::Events {
            error_query,
            total_query,
        } => {
            let _ = writeln!(out, "            error_query: {}", q(error_query.trim()));
            let _ = writeln!(out, "            total_query: {}", q(total_query.trim()));
        }
        QueryTemplates::Raw { error_ratio_query } => {
            let _ = writeln!(
                out,
                "            error_ratio_query: {}",
                q(error_ratio_query.trim())
            );
        }
    }
    // Labels: the spec's, the SLO's and alerting.labels ride on every alert.
    let mut labels: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in slo.labels.iter().chain(&slo.alerting_common.labels) {
        if RESERVED.contains(&k.as_str()) {
            unmapped.push(format!(
                "{}: label `{k}={v}`: nines sets `{k}` itself",
                at("labels")
            ));
        } else {
            labels.insert(k, v);
        }
    }
    out.push_str("        alerting:\n");
    // Sloth has no minimum event count: keep alerts firing as Sloth's would.
    out.push_str("          min_events: 1\n");
    if !labels.is_empty() {
        out.push_str("          labels:\n");
        for (k, v) in &labels {
            let _ = writeln!(out, "            {k}: {}", q(v));
        }
    }
    if !slo.alerting_common.annotations.is_empty() {
        out.push_str("          annotations:\n");
        for (k, v) in &slo.alerting_common.annotations {
            let _ = writeln!(out, "            {k}: {}", q(v));
        }
    }
    match &slo.alerting {
        None => out.push_str("          tiers: []\n"),
        Some(alerts) => {
            unmapped.push(format!(
                "{}: `{}`: nines names its alerts `ErrorBudgetBurn`, one per tier (use `nines rules prometheus --sloth` to keep Sloth's names)",
                at("alerting.name"),
                alerts.name
            ));
            for (which, alert) in [
                ("page_alert", &alerts.page),
                ("ticket_alert", &alerts.ticket),
            ] {
                match alert {
                    None => unmapped.push(format!(
                        "{}: `disable: true`: nines keeps both severities' tiers (set `alerting.tiers` to drop some)",
                        at(&format!("alerting.{which}"))
                    )),
                    Some(a) => {
                        for (k, v) in &a.labels {
                            if slo.alerting_common.labels.get(k) != Some(v) {
                                unmapped.push(format!("{}: label `{k}={v}`: nines' labels apply to all tiers of an SLO", at(&format!("alerting.{which}"))));
                            }
                        }
                        for (k, v) in &a.annotations {
                            if slo.alerting_common.annotations.get(k) != Some(v) {
                                unmapped.push(format!("{}: annotation `{k}`: nines' annotations apply to all tiers of an SLO", at(&format!("alerting.{which}"))));
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn run(file: &Path, out: Option<&Path>, period: &str) -> anyhow::Result<ExitCode> {
    let (text, unmapped) = sloth_to_config(file, period)?;
    // The result must be valid nines config; say so now rather than at serve.
    nines_config::Config::parse("imported.yaml", &text).map_err(|e| {
        anyhow!("the imported config does not validate (a bug in nines; please report it):\n{e}")
    })?;
    match out {
        Some(p) => {
            std::fs::write(p, &text).map_err(|e| anyhow!("cannot write {}: {e}", p.display()))?
        }
        None => print!("{text}"),
    }
    for u in &unmapped {
        eprintln!("not mapped: {u}");
    }
    Ok(ExitCode::SUCCESS)
}
