//! The error budget policy and the deploy gate: given what nines knows about
//! a service right now, may a change of some kind ship? One pure function,
//! [`decide`], so the CLI's exit code, the HTTP answer and the logged
//! decision can never disagree.

use jiff::Timestamp;
use serde::Serialize;

use crate::Severity;

/// When a service's deploys freeze, and which changes may pass anyway.
/// One per service, with a default for all; the defaults follow the SRE
/// Workbook's example error budget policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// Freeze when any SLO's error budget left (a ratio: 1.0 untouched,
    /// 0.0 spent, negative overspent) is strictly below this. Default 0.0:
    /// a spent budget still ships, an overspent one does not.
    pub budget_floor: f64,
    /// Freeze while any page-level alert of the service fires. Default true:
    /// shipping into a page makes the page harder to diagnose.
    pub freeze_on_page_alert: bool,
    /// Freeze while an incident of one of these severities is open.
    /// Default SEV1 and SEV2.
    pub freeze_on_severities: Vec<Severity>,
    /// Change kinds that pass a freeze (compared ignoring ASCII case).
    /// Default `rollback` and `security`: both reduce risk, and blocking
    /// them would prolong the very outage that froze deploys.
    pub exempt_kinds: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            budget_floor: 0.0,
            freeze_on_page_alert: true,
            freeze_on_severities: vec![Severity::Sev1, Severity::Sev2],
            exempt_kinds: vec!["rollback".to_string(), "security".to_string()],
        }
    }
}

/// One SLO's error budget as the evaluator last computed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloBudget {
    pub slo: String,
    /// Target ratio of good events (99.9% = 0.999); carried so answers can
    /// show it next to the budget.
    pub objective: f64,
    /// Budget left as a ratio (may be negative). `None`: the SLO window has
    /// no data, so there is no budget to judge.
    pub budget_left: Option<f64>,
}

/// An incident of the service that is not resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenIncident {
    pub id: String,
    pub severity: Severity,
}

/// An explicit, recorded exception to the policy, set by an admin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Override {
    pub reason: String,
    /// Who set it (the admin's user name).
    pub by: String,
    /// The override applies while `now < expires_at`.
    pub expires_at: Timestamp,
}

/// Everything the gate looks at, borrowed from the daemon's state at `now`.
#[derive(Debug, Clone, Copy)]
pub struct GateInput<'a> {
    pub service: &'a str,
    /// The change kind asking to pass: `deploy`, `config`, `flag`,
    /// `rollback`, `chaos`, `security`, `other`, …
    pub kind: &'a str,
    pub budgets: &'a [SloBudget],
    /// Names of the service's page-level alerts that are firing.
    pub firing_page_alerts: &'a [String],
    pub open_incidents: &'a [OpenIncident],
    /// Overrides recorded for the service, expired ones included (they are
    /// ignored here, so callers need not filter).
    pub overrides: &'a [Override],
    pub now: Timestamp,
}

/// Why the policy froze deploys; one per offending SLO, alert or incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Freeze {
    BudgetBelowFloor {
        slo: String,
        budget_left: f64,
        floor: f64,
    },
    PageAlertFiring {
        alert: String,
    },
    IncidentOpen {
        id: String,
        severity: Severity,
    },
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Go (true) or no-go. `nines gate` exits 0 or 1 on this.
    pub allowed: bool,
    /// What froze deploys, typed, for counting; empty when nothing did.
    pub freezes: Vec<Freeze>,
    /// One line per fact a person should read, in this order: each freeze,
    /// each SLO without data, then the line saying why a frozen change
    /// passes (exemption or override). Empty when all is clear.
    pub reasons: Vec<String>,
    /// The exempt change kind that let this change through a freeze. `None`
    /// when nothing froze, even for an exempt kind: no exemption was used.
    pub exempt: Option<String>,
    /// The override that let this change through a freeze. `None` when
    /// nothing froze or an exemption already let it through, so decisions
    /// record an override only when it actually decided the outcome.
    #[serde(rename = "override")]
    pub override_: Option<Override>,
}

impl Decision {
    /// Whether the policy froze deploys, whatever let this change through.
    pub fn frozen(&self) -> bool {
        !self.freezes.is_empty()
    }
}

/// Decides whether a change may ship.
///
/// Frozen when any SLO's budget left is below the floor, when a page alert
/// fires (if the policy says so) or when an incident of a freezing severity
/// is open. A frozen change still passes when its kind is exempt, or else
/// when an unexpired override exists (the one expiring last, if several).
///
/// An SLO without data does not freeze: a new service, or a metrics gap,
/// would otherwise block every deploy, and the gate would become an outage
/// of its own. It is listed in the reasons so nobody mistakes it for a
/// healthy budget. A budget that is NaN counts as no data.
pub fn decide(policy: &Policy, input: &GateInput<'_>) -> Decision {
    let service = input.service;
    let mut freezes = Vec::new();
    let mut reasons = Vec::new();
    let mut no_data = Vec::new();

    for budget in input.budgets {
        match budget.budget_left {
            Some(left) if !left.is_nan() => {
                if left < policy.budget_floor {
                    let (left_text, floor_text) = percents(left, policy.budget_floor);
                    reasons.push(format!(
                        "{service}/{}: error budget left {left_text} is below the floor {floor_text}",
                        budget.slo
                    ));
                    freezes.push(Freeze::BudgetBelowFloor {
                        slo: budget.slo.clone(),
                        budget_left: left,
                        floor: policy.budget_floor,
                    });
                }
            }
            _ => no_data.push(format!(
                "{service}/{}: no data for the error budget, so it does not freeze deploys",
                budget.slo
            )),
        }
    }
    if policy.freeze_on_page_alert {
        for alert in input.firing_page_alerts {
            reasons.push(format!("{service}: page alert {alert} is firing"));
            freezes.push(Freeze::PageAlertFiring {
                alert: alert.clone(),
            });
        }
    }
    for incident in input.open_incidents {
        if policy.freeze_on_severities.contains(&incident.severity) {
            reasons.push(format!(
                "{service}: incident {} ({}) is open",
                incident.id, incident.severity
            ));
            freezes.push(Freeze::IncidentOpen {
                id: incident.id.clone(),
                severity: incident.severity,
            });
        }
    }
    reasons.extend(no_data);

    let mut decision = Decision {
        allowed: freezes.is_empty(),
        freezes,
        reasons,
        exempt: None,
        override_: None,
    };
    if decision.allowed {
        return decision;
    }

    let kind = input.kind.trim();
    if let Some(exempt) = policy
        .exempt_kinds
        .iter()
        .find(|k| k.trim().eq_ignore_ascii_case(kind))
    {
        decision.allowed = true;
        let exempt = exempt.trim().to_string();
        decision.reasons.push(format!(
            "{service}: change kind {exempt} is exempt from the freeze"
        ));
        decision.exempt = Some(exempt);
        return decision;
    }

    // The override expiring last: it is the one a person would check first,
    // and the decision stays the same until it runs out.
    let active = input
        .overrides
        .iter()
        .filter(|o| input.now < o.expires_at)
        .fold(None::<&Override>, |best, o| match best {
            Some(b) if b.expires_at >= o.expires_at => Some(b),
            _ => Some(o),
        });
    if let Some(o) = active {
        decision.allowed = true;
        decision.reasons.push(format!(
            "{service}: frozen, but overridden by {} until {}: {}",
            o.by, o.expires_at, o.reason
        ));
        decision.override_ = Some(o.clone());
    }
    decision
}

/// Two ratios as percentages with one decimal, or three when one decimal
/// would print a budget as equal to the floor it is below.
fn percents(a: f64, b: f64) -> (String, String) {
    let digits = if (a * 1000.0).round() == (b * 1000.0).round() {
        3
    } else {
        1
    };
    (
        format!("{:.digits$}%", a * 100.0),
        format!("{:.digits$}%", b * 100.0),
    )
}

#[cfg(test)]
mod tests;
