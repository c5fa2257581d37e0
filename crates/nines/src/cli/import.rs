//! `nines import sloth|openslo` and `nines export openslo`: other tools'
//! SLO specs as nines config and back. What does not map is reported per
//! SLO (or document) and field on stderr, never dropped silently.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use nines_config::{
    AlertRules, Config, Service, Sli, Slo, SlothSlo, load_sloth, services_yaml, to_openslo,
};
use nines_slo::{SloSpec, WindowSpec, default_tiers};

/// Label names nines sets itself on alerts and series.
const RESERVED: [&str; 5] = ["service", "slo", "severity", "tier", "window"];

/// The Sloth specs of a file (one per document) as nines services, and
/// what did not map.
pub fn sloth_to_services(
    path: &Path,
    period_minutes: u32,
) -> anyhow::Result<(Vec<Service>, Vec<String>)> {
    let specs = load_sloth(path)
        .map_err(|e| anyhow!("{} is not a valid Sloth spec:\n{e}", path.display()))?;
    let mut unmapped = Vec::new();
    let mut services: Vec<Service> = Vec::new();
    for spec in specs {
        for p in &spec.plugins {
            unmapped.push(format!(
                "{}: SLO plugin `{}`: nines runs no Sloth plugins",
                p.field, p.id
            ));
        }
        // Two documents may describe one service (Sloth allows it): the
        // first one's spec-level labels become the service's.
        let index = match services.iter().position(|s| s.name == spec.service) {
            Some(i) => i,
            None => {
                services.push(Service {
                    name: spec.service.clone(),
                    labels: spec
                        .labels
                        .iter()
                        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    owner: None,
                    description: None,
                    slos: Vec::new(),
                    probes: Vec::new(),
                    escalation: None,
                    error_budget_policy: Default::default(),
                    slas: Vec::new(),
                    capacity: Vec::new(),
                });
                services.len() - 1
            }
        };
        let service = &mut services[index];
        for slo in &spec.slos {
            let mut slo = sloth_slo(slo, period_minutes, &mut unmapped);
            // What the service already carries need not be repeated.
            slo.labels.retain(|k, v| service.labels.get(k) != Some(&*v));
            service.slos.push(slo);
        }
    }
    Ok((services, unmapped))
}

fn sloth_slo(slo: &SlothSlo, period_minutes: u32, unmapped: &mut Vec<String>) -> Slo {
    let at = |field: &str| format!("slos.{}.{field}", slo.name);
    // The spec's, the SLO's and alerting.labels ride on every alert.
    let mut labels = BTreeMap::new();
    for (k, v) in slo.labels.iter().chain(&slo.alerting_common.labels) {
        if RESERVED.contains(&k.as_str()) {
            unmapped.push(format!(
                "{}: label `{k}={v}`: nines sets `{k}` itself",
                at("labels")
            ));
        } else {
            labels.insert(k.clone(), v.clone());
        }
    }
    let tiers = match &slo.alerting {
        None => Vec::new(),
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
                let field = at(&format!("alerting.{which}"));
                let Some(a) = alert else {
                    unmapped.push(format!("{field}: `disable: true`: nines keeps both severities' tiers (set `alerting.tiers` to drop some)"));
                    continue;
                };
                for (k, v) in &a.labels {
                    if slo.alerting_common.labels.get(k) != Some(v) {
                        unmapped.push(format!(
                            "{field}: label `{k}={v}`: nines' labels apply to all tiers of an SLO"
                        ));
                    }
                }
                for (k, v) in &a.annotations {
                    if slo.alerting_common.annotations.get(k) != Some(v) {
                        unmapped.push(format!("{field}: annotation `{k}`: nines' annotations apply to all tiers of an SLO"));
                    }
                }
            }
            default_tiers()
        }
    };
    let window = WindowSpec::rolling(period_minutes);
    Slo {
        name: slo.name.clone(),
        description: slo.description.clone(),
        objective_percent: slo.objective_percent,
        sli: Sli::PromqlQueries {
            queries: slo.sli.clone(),
            url: None,
        },
        labels,
        alert_rules: AlertRules {
            annotations: slo.alerting_common.annotations.clone(),
            ..AlertRules::default()
        },
        window_label: window.label(),
        // Sloth has no minimum event count: fire as Sloth's alerts would.
        spec: SloSpec::new(slo.objective, window, tiers, 1),
    }
}

fn emit(text: &str, out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| anyhow!("cannot write {}: {e}", p.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Checks that written config reads back; a failure is nines' bug.
fn validated(text: String) -> anyhow::Result<String> {
    Config::parse("imported.yaml", &text).map_err(|e| {
        anyhow!("the imported config does not validate (a bug in nines; please report it):\n{e}")
    })?;
    Ok(text)
}

pub fn sloth(file: &Path, out: Option<&Path>, period: &str) -> anyhow::Result<ExitCode> {
    let minutes = nines_slo::parse_duration(period)
        .map_err(|e| anyhow!("--period: {e}"))?
        .as_secs()
        / 60;
    let (services, unmapped) = sloth_to_services(file, minutes as u32)?;
    let text = format!(
        "# Imported from {} by `nines import sloth`. Reference: docs/config.md\n{}",
        file.display(),
        services_yaml(services.iter())
    );
    emit(&validated(text)?, out)?;
    for u in &unmapped {
        eprintln!("not mapped: {u}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn openslo(paths: &[std::path::PathBuf], out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let config = Config::load_all(paths)
        .map_err(|e| anyhow!("{} cannot be imported:\n{e}", names.join(", ")))?;
    let text = format!(
        "# Imported from {} by `nines import openslo`. Reference: docs/config.md\n{}",
        names.join(", "),
        services_yaml(config.services.values())
    );
    emit(&validated(text)?, out)?;
    for w in &config.warnings {
        eprintln!("not mapped: {w}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export_openslo(config: &Path, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config =
        Config::load(config).map_err(|e| anyhow!("{} is invalid:\n{e}", config.display()))?;
    let (text, skipped) = to_openslo(&config);
    emit(&text, out)?;
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    Ok(ExitCode::SUCCESS)
}
