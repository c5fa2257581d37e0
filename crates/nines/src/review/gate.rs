//! The deploy gate in the daemon: gathers what the error budget policy
//! looks at from live state (budgets from the engine, page alerts and open
//! incidents from the store, overrides), decides with
//! [`nines_review::gate::decide`], and logs and counts every decision.

use jiff::Timestamp;
use nines_review::gate::{Decision, GateInput, OpenIncident, Override, Policy, SloBudget, decide};
use nines_store::{GateOverrideRow, StoreError};
use serde_json::{Value, json};

use crate::app::App;

/// The decision label of a metric sample and log line: `go` (nothing
/// froze), `exempt` or `override` (frozen, but this change passes), or
/// `frozen`.
pub fn decision_label(d: &Decision) -> &'static str {
    match (d.frozen(), d.allowed, d.exempt.is_some()) {
        (false, _, _) => "go",
        (true, true, true) => "exempt",
        (true, true, false) => "override",
        (true, false, _) => "frozen",
    }
}

/// Change kinds are free text at the gate (CI systems name their own), but
/// bounded, so a caller cannot grow the metric's label set without end.
pub fn check_kind(kind: &str) -> Result<(), String> {
    let ok = !kind.is_empty()
        && kind.len() <= 32
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "kind `{kind}` must be 1 to 32 lowercase letters, digits, `-` or `_` (deploy, config, rollback, security, …)"
        ))
    }
}

/// The config's policy as the pure gate takes it.
pub fn policy_of(config: &nines_config::Config, service: &str) -> Policy {
    let p = config.budget_policy(service);
    Policy {
        budget_floor: p.budget_floor_percent / 100.0,
        freeze_on_page_alert: p.freeze_on_page_alerts,
        // Validated by the config loader, so none is dropped here.
        freeze_on_severities: p
            .freeze_on_severities
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
        exempt_kinds: p.exempt_kinds,
    }
}

pub fn to_override(row: &GateOverrideRow) -> Override {
    Override {
        reason: row.reason.clone(),
        by: row.created_by.clone(),
        expires_at: Timestamp::from_second(row.expires_at).unwrap_or(Timestamp::MIN),
    }
}

pub fn override_json(row: &GateOverrideRow, now: Timestamp) -> Value {
    let time = crate::clock::rfc3339;
    json!({
        "id": row.id,
        "service": row.service,
        "reason": row.reason,
        "by": row.created_by,
        "created_at": time(row.created_at),
        "expires_at": time(row.expires_at),
        "active": now.as_second() < row.expires_at,
    })
}

/// Alert labels that make an incident's alert page-level: Alertmanager's
/// `severity="critical"` convention, and nines' own `page` tiers.
fn is_page_level(labels_json: &str) -> bool {
    let labels: Value = serde_json::from_str(labels_json).unwrap_or(Value::Null);
    matches!(labels["severity"].as_str(), Some("critical" | "page"))
}

/// The gate's answer for `service` (which must be configured) and `kind`,
/// at the clock's now; logged and counted.
pub fn evaluate(app: &App, service: &str, kind: &str) -> Result<Value, StoreError> {
    let config = app.config();
    let policy = policy_of(&config, service);
    let now = app.clock.now();

    // The engine's view: budgets and the SLO page tiers firing now.
    let (budgets, mut page_alerts) = app.read(|engine| {
        let mut budgets = Vec::new();
        let mut alerts = Vec::new();
        for s in engine.slos().iter().filter(|s| s.service == service) {
            budgets.push(SloBudget {
                slo: s.config.name.clone(),
                objective: s.config.spec.objective,
                budget_left: s.report.as_ref().and_then(|r| r.budget.remaining),
            });
            for (tier, state) in s.config.spec.tiers.iter().zip(&s.alerts) {
                if state.firing && tier.severity == nines_slo::Severity::Page {
                    alerts.push(format!("{}/{}", s.config.name, tier.name()));
                }
            }
        }
        (budgets, alerts)
    });

    // The store's view: open incidents, their firing critical alerts (SLO
    // alerts come from the engine above, not twice), and overrides.
    let (incidents, overrides) = app.with_store(|s| {
        Ok::<_, StoreError>((
            s.open_incidents_of(service)?,
            s.gate_overrides(service, 100)?,
        ))
    })?;
    let mut open = Vec::new();
    for (incident, alerts) in &incidents {
        open.push(OpenIncident {
            id: crate::state::incidents::incident_name(incident.id),
            severity: incident.severity,
        });
        for a in alerts {
            if a.status == nines_incident::AlertStatus::Firing
                && a.source != nines_incident::AlertSource::Slo.as_str()
                && is_page_level(&a.labels)
            {
                let name = format!(
                    "{} ({})",
                    a.key,
                    crate::state::incidents::incident_name(incident.id)
                );
                if !page_alerts.contains(&name) {
                    page_alerts.push(name);
                }
            }
        }
    }
    let override_list: Vec<Override> = overrides.iter().map(to_override).collect();
    let decision = decide(
        &policy,
        &GateInput {
            service,
            kind,
            budgets: &budgets,
            firing_page_alerts: &page_alerts,
            open_incidents: &open,
            overrides: &override_list,
            now,
        },
    );
    let label = decision_label(&decision);
    app.telemetry.gates.count(service, kind, label);
    tracing::info!(
        service, kind, decision = label, allowed = decision.allowed,
        reasons = %decision.reasons.join("; "),
        "gate decision"
    );

    let budget: serde_json::Map<String, Value> = budgets
        .iter()
        .map(|b| {
            (
                b.slo.clone(),
                json!({ "objective": b.objective, "budget_left": b.budget_left }),
            )
        })
        .collect();
    let answer = json!({
        "service": service,
        "kind": kind,
        "allowed": decision.allowed,
        "decision": label,
        "reasons": decision.reasons,
        "budget": budget,
        "override": decision.override_.as_ref().map(|o| json!({
            "reason": o.reason, "by": o.by, "expires_at": o.expires_at.to_string(),
        })),
        "exempt": decision.exempt,
        "freezes": decision.freezes,
        "active_overrides": overrides.iter().filter(|o| now.as_second() < o.expires_at)
            .map(|o| override_json(o, now)).collect::<Vec<_>>(),
        "decided_at": now.to_string(),
    });
    Ok(answer)
}

/// Stores a gate override; its id (blocking).
pub fn add_override(app: &App, row: &GateOverrideRow) -> Result<i64, StoreError> {
    app.with_store(|s| s.add_gate_override(row))
}

/// The service's gate overrides, newest first, expired ones included
/// (blocking).
pub fn overrides(app: &App, service: &str, limit: u32) -> Result<Vec<GateOverrideRow>, StoreError> {
    app.with_store(|s| s.gate_overrides(service, limit))
}
