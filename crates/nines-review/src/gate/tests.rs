//! The gate's decision table: budget states, page alerts, incidents, change
//! kinds and overrides, each with the exact decision and reasons (issue 8).

use jiff::{SignedDuration, Timestamp};

use super::*;

fn now() -> Timestamp {
    "2025-03-01T12:00:00Z".parse().unwrap()
}

fn budget(slo: &str, left: f64) -> SloBudget {
    SloBudget {
        slo: slo.to_string(),
        objective: 0.999,
        budget_left: Some(left),
    }
}

fn no_data(slo: &str) -> SloBudget {
    SloBudget {
        slo: slo.to_string(),
        objective: 0.99,
        budget_left: None,
    }
}

/// An override set by `by`, expiring `minutes` after now (negative: before).
fn ovr(by: &str, reason: &str, minutes: i64) -> Override {
    Override {
        reason: reason.to_string(),
        by: by.to_string(),
        expires_at: now() + SignedDuration::from_mins(minutes),
    }
}

struct Case {
    name: &'static str,
    policy: Policy,
    kind: &'static str,
    budgets: Vec<SloBudget>,
    alerts: Vec<&'static str>,
    incidents: Vec<(&'static str, Severity)>,
    overrides: Vec<Override>,
    // Expected:
    allowed: bool,
    reasons: Vec<&'static str>,
    exempt: Option<&'static str>,
    override_by: Option<&'static str>,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            name: "",
            policy: Policy::default(),
            kind: "deploy",
            budgets: vec![budget("availability", 0.42), budget("latency", 0.9)],
            alerts: vec![],
            incidents: vec![],
            overrides: vec![],
            allowed: true,
            reasons: vec![],
            exempt: None,
            override_by: None,
        }
    }
}

const AVAIL_SPENT: &str = "checkout/availability: error budget left -12.0% is below the floor 0.0%";
const PAGE: &str = "checkout: page alert checkout-availability-page is firing";
const INC_SEV1: &str = "checkout: incident INC-7 (SEV1) is open";
const LATENCY_NO_DATA: &str =
    "checkout/latency: no data for the error budget, so it does not freeze deploys";
const ROLLBACK_EXEMPT: &str = "checkout: change kind rollback is exempt from the freeze";
const ANA_OVERRIDE: &str = "checkout: frozen, but overridden by ana until 2025-03-01T13:00:00Z: hotfix for the login outage";

fn cases() -> Vec<Case> {
    let spent = || vec![budget("availability", -0.12), budget("latency", 0.9)];
    vec![
        // --- budget states ---
        Case {
            name: "healthy budgets ship",
            ..Case::default()
        },
        Case {
            name: "no SLOs at all ship",
            budgets: vec![],
            ..Case::default()
        },
        Case {
            name: "a budget exactly at the floor ships (below means strictly below)",
            budgets: vec![budget("availability", 0.0)],
            ..Case::default()
        },
        Case {
            name: "an overspent budget freezes",
            budgets: spent(),
            allowed: false,
            reasons: vec![AVAIL_SPENT],
            ..Case::default()
        },
        Case {
            name: "a hair below the floor prints enough digits to show it",
            budgets: vec![budget("availability", -0.00001)],
            allowed: false,
            reasons: vec![
                "checkout/availability: error budget left -0.001% is below the floor 0.000%",
            ],
            ..Case::default()
        },
        Case {
            name: "a raised floor freezes a budget that is not yet spent",
            policy: Policy {
                budget_floor: 0.25,
                ..Policy::default()
            },
            budgets: vec![budget("availability", 0.2), budget("latency", 0.25)],
            allowed: false,
            reasons: vec![
                "checkout/availability: error budget left 20.0% is below the floor 25.0%",
            ],
            ..Case::default()
        },
        Case {
            name: "every SLO below the floor gets its line, in input order",
            budgets: vec![budget("availability", -0.12), budget("latency", -1.5)],
            allowed: false,
            reasons: vec![
                AVAIL_SPENT,
                "checkout/latency: error budget left -150.0% is below the floor 0.0%",
            ],
            ..Case::default()
        },
        Case {
            name: "no data does not freeze but is said",
            budgets: vec![budget("availability", 0.42), no_data("latency")],
            reasons: vec![LATENCY_NO_DATA],
            ..Case::default()
        },
        Case {
            name: "a NaN budget is no data",
            budgets: vec![SloBudget {
                budget_left: Some(f64::NAN),
                ..budget("latency", 0.0)
            }],
            reasons: vec![LATENCY_NO_DATA],
            ..Case::default()
        },
        Case {
            name: "no-data lines follow the freezes",
            budgets: vec![no_data("latency"), budget("availability", -0.12)],
            allowed: false,
            reasons: vec![AVAIL_SPENT, LATENCY_NO_DATA],
            ..Case::default()
        },
        // --- page alerts ---
        Case {
            name: "a firing page alert freezes",
            alerts: vec!["checkout-availability-page"],
            allowed: false,
            reasons: vec![PAGE],
            ..Case::default()
        },
        Case {
            name: "page alerts do not freeze when the policy says so",
            policy: Policy {
                freeze_on_page_alert: false,
                ..Policy::default()
            },
            alerts: vec!["checkout-availability-page"],
            ..Case::default()
        },
        // --- incidents ---
        Case {
            name: "an open SEV1 freezes",
            incidents: vec![("INC-7", Severity::Sev1)],
            allowed: false,
            reasons: vec![INC_SEV1],
            ..Case::default()
        },
        Case {
            name: "an open SEV2 freezes",
            incidents: vec![("INC-8", Severity::Sev2)],
            allowed: false,
            reasons: vec!["checkout: incident INC-8 (SEV2) is open"],
            ..Case::default()
        },
        Case {
            name: "an open SEV3 does not freeze by default",
            incidents: vec![("INC-9", Severity::Sev3), ("INC-10", Severity::Sev4)],
            ..Case::default()
        },
        Case {
            name: "a policy may freeze on SEV3",
            policy: Policy {
                freeze_on_severities: vec![Severity::Sev3],
                ..Policy::default()
            },
            incidents: vec![("INC-7", Severity::Sev1), ("INC-9", Severity::Sev3)],
            allowed: false,
            reasons: vec!["checkout: incident INC-9 (SEV3) is open"],
            ..Case::default()
        },
        Case {
            name: "all causes at once: budgets, then alerts, then incidents",
            budgets: spent(),
            alerts: vec!["checkout-availability-page"],
            incidents: vec![("INC-7", Severity::Sev1)],
            allowed: false,
            reasons: vec![AVAIL_SPENT, PAGE, INC_SEV1],
            ..Case::default()
        },
        // --- change kinds ---
        Case {
            name: "a rollback passes a freeze, with the reasons still listed",
            kind: "rollback",
            budgets: spent(),
            incidents: vec![("INC-7", Severity::Sev1)],
            reasons: vec![AVAIL_SPENT, INC_SEV1, ROLLBACK_EXEMPT],
            exempt: Some("rollback"),
            ..Case::default()
        },
        Case {
            name: "a security fix passes a freeze",
            kind: "security",
            alerts: vec!["checkout-availability-page"],
            reasons: vec![
                PAGE,
                "checkout: change kind security is exempt from the freeze",
            ],
            exempt: Some("security"),
            ..Case::default()
        },
        Case {
            name: "kinds match ignoring case and spaces",
            kind: " Rollback ",
            budgets: spent(),
            reasons: vec![AVAIL_SPENT, ROLLBACK_EXEMPT],
            exempt: Some("rollback"),
            ..Case::default()
        },
        Case {
            name: "an exempt kind uses no exemption when nothing froze",
            kind: "rollback",
            ..Case::default()
        },
        Case {
            name: "config changes are not exempt",
            kind: "config",
            budgets: spent(),
            allowed: false,
            reasons: vec![AVAIL_SPENT],
            ..Case::default()
        },
        Case {
            name: "a policy without exemptions freezes rollbacks too",
            policy: Policy {
                exempt_kinds: vec![],
                ..Policy::default()
            },
            kind: "rollback",
            budgets: spent(),
            allowed: false,
            reasons: vec![AVAIL_SPENT],
            ..Case::default()
        },
        Case {
            name: "a policy may exempt its own kinds",
            policy: Policy {
                exempt_kinds: vec!["flag".to_string()],
                ..Policy::default()
            },
            kind: "flag",
            budgets: spent(),
            reasons: vec![
                AVAIL_SPENT,
                "checkout: change kind flag is exempt from the freeze",
            ],
            exempt: Some("flag"),
            ..Case::default()
        },
        // --- overrides ---
        Case {
            name: "an active override lets a frozen deploy through",
            budgets: spent(),
            overrides: vec![ovr("ana", "hotfix for the login outage", 60)],
            reasons: vec![AVAIL_SPENT, ANA_OVERRIDE],
            override_by: Some("ana"),
            ..Case::default()
        },
        Case {
            name: "an expired override is ignored",
            budgets: spent(),
            overrides: vec![ovr("ana", "last week's hotfix", -60)],
            allowed: false,
            reasons: vec![AVAIL_SPENT],
            ..Case::default()
        },
        Case {
            name: "an override expiring right now has expired",
            budgets: spent(),
            overrides: vec![ovr("ana", "hotfix", 0)],
            allowed: false,
            reasons: vec![AVAIL_SPENT],
            ..Case::default()
        },
        Case {
            name: "of several active overrides the one expiring last applies",
            incidents: vec![("INC-7", Severity::Sev1)],
            overrides: vec![
                ovr("bo", "old", -5),
                ovr("chen", "short", 30),
                ovr("ana", "hotfix for the login outage", 60),
                ovr("dee", "same expiry, later in the list", 60),
            ],
            reasons: vec![INC_SEV1, ANA_OVERRIDE],
            override_by: Some("ana"),
            ..Case::default()
        },
        Case {
            name: "an override is not used when nothing froze",
            overrides: vec![ovr("ana", "hotfix", 60)],
            ..Case::default()
        },
        Case {
            name: "an exemption wins over an override, which stays unused",
            kind: "rollback",
            budgets: spent(),
            overrides: vec![ovr("ana", "hotfix", 60)],
            reasons: vec![AVAIL_SPENT, ROLLBACK_EXEMPT],
            exempt: Some("rollback"),
            ..Case::default()
        },
        Case {
            name: "an override lets through every cause, no data included",
            kind: "config",
            budgets: vec![budget("availability", -0.12), no_data("latency")],
            alerts: vec!["checkout-availability-page"],
            incidents: vec![("INC-7", Severity::Sev1)],
            overrides: vec![ovr("ana", "hotfix for the login outage", 60)],
            reasons: vec![AVAIL_SPENT, PAGE, INC_SEV1, LATENCY_NO_DATA, ANA_OVERRIDE],
            override_by: Some("ana"),
            ..Case::default()
        },
    ]
}

#[test]
fn decision_table() {
    for case in cases() {
        let alerts: Vec<String> = case.alerts.iter().map(|a| a.to_string()).collect();
        let incidents: Vec<OpenIncident> = case
            .incidents
            .iter()
            .map(|(id, severity)| OpenIncident {
                id: id.to_string(),
                severity: *severity,
            })
            .collect();
        let input = GateInput {
            service: "checkout",
            kind: case.kind,
            budgets: &case.budgets,
            firing_page_alerts: &alerts,
            open_incidents: &incidents,
            overrides: &case.overrides,
            now: now(),
        };
        let d = decide(&case.policy, &input);
        let name = case.name;
        assert_eq!(d.allowed, case.allowed, "{name}: allowed");
        assert_eq!(d.reasons, case.reasons, "{name}: reasons");
        assert_eq!(d.exempt.as_deref(), case.exempt, "{name}: exempt");
        assert_eq!(
            d.override_.as_ref().map(|o| o.by.as_str()),
            case.override_by,
            "{name}: override"
        );
        // A frozen change passes only through an exemption or an override.
        assert_eq!(
            d.allowed,
            !d.frozen() || d.exempt.is_some() || d.override_.is_some(),
            "{name}: consistency"
        );
        assert!(d.exempt.is_none() || d.override_.is_none(), "{name}");
    }
}

#[test]
fn freezes_are_typed_for_counting() {
    let budgets = [budget("availability", -0.12)];
    let alerts = ["checkout-availability-page".to_string()];
    let incidents = [OpenIncident {
        id: "INC-7".to_string(),
        severity: Severity::Sev1,
    }];
    let d = decide(
        &Policy::default(),
        &GateInput {
            service: "checkout",
            kind: "deploy",
            budgets: &budgets,
            firing_page_alerts: &alerts,
            open_incidents: &incidents,
            overrides: &[],
            now: now(),
        },
    );
    assert_eq!(
        d.freezes,
        vec![
            Freeze::BudgetBelowFloor {
                slo: "availability".to_string(),
                budget_left: -0.12,
                floor: 0.0
            },
            Freeze::PageAlertFiring {
                alert: "checkout-availability-page".to_string()
            },
            Freeze::IncidentOpen {
                id: "INC-7".to_string(),
                severity: Severity::Sev1
            },
        ]
    );
}

#[test]
fn json_answer_carries_allowed_reasons_and_override() {
    let budgets = [budget("availability", -0.12)];
    let overrides = [ovr("ana", "hotfix for the login outage", 60)];
    let d = decide(
        &Policy::default(),
        &GateInput {
            service: "checkout",
            kind: "deploy",
            budgets: &budgets,
            firing_page_alerts: &[],
            open_incidents: &[],
            overrides: &overrides,
            now: now(),
        },
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "allowed": true,
            "freezes": [{
                "kind": "budget_below_floor",
                "slo": "availability",
                "budget_left": -0.12,
                "floor": 0.0
            }],
            "reasons": [AVAIL_SPENT, ANA_OVERRIDE],
            "exempt": null,
            "override": {
                "reason": "hotfix for the login outage",
                "by": "ana",
                "expires_at": "2025-03-01T13:00:00Z"
            }
        })
    );
}
