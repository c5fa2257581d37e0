//! The JSON shapes of the read API, shared by the server (which builds them
//! from reports) and the CLI (which reads them back).

use std::collections::BTreeMap;
use std::fmt;

use nines_slo::{Report, tier_window_labels};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

use crate::state::slo::engine::SloState;

/// One SLO as `GET /api/v1/slos` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloView {
    pub service: String,
    pub slo: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Percent, as in the config.
    pub objective: f64,
    /// `30d`, `month`, …
    pub window: String,
    pub sli_source: String,
    /// `occurrences` (every event counts) or `timeslices` (every slice of
    /// `slice` counts, good when `slice_target` of its events are).
    pub budgeting: Budgeting,
    /// When these figures were computed; `null` before the first evaluation.
    pub evaluated_at: Option<String>,
    pub budget: BudgetView,
    /// Every window, shortest first, the SLO window last.
    pub windows: Windows,
    pub alerts: Vec<AlertView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budgeting {
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice: Option<String>,
    /// Percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice_target: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetView {
    /// Error budget as a ratio of events: 1 − objective.
    pub total: f64,
    /// `null` when the SLO window holds no events.
    pub remaining: Option<f64>,
    pub consumed: Option<f64>,
    /// When the budget runs out at the current 1h and 1d burn rates;
    /// `null` when it never does at that rate.
    pub exhausted_at: Exhaustion,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exhaustion {
    #[serde(rename = "1h")]
    pub at_1h_burn: Option<String>,
    #[serde(rename = "1d")]
    pub at_1d_burn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowView {
    pub good: u64,
    pub total: u64,
    /// `null` when the window holds no events: no data is not good data.
    pub sli: Option<f64>,
    pub burn_rate: Option<f64>,
}

/// Windows by label, in the SLO's order (a JSON object keeps it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Windows(pub Vec<(String, WindowView)>);

impl Windows {
    pub fn get(&self, label: &str) -> Option<&WindowView> {
        self.0.iter().find(|(l, _)| l == label).map(|(_, w)| w)
    }
}

impl Serialize for Windows {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Windows {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Windows;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of windows")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Windows, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Windows(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub service: String,
    pub slo: String,
    /// `page-1h`, `ticket-3d`, …
    pub tier: String,
    /// `page` or `ticket`.
    pub severity: String,
    pub long_window: String,
    pub short_window: String,
    /// The burn rate both windows must exceed.
    pub threshold: f64,
    pub long_burn_rate: Option<f64>,
    pub short_burn_rate: Option<f64>,
    /// `firing` or `inactive`.
    pub state: String,
    /// When the tier last changed state; `null` if it never fired.
    pub since: Option<String>,
    /// `alerting.labels` of the SLO, for routing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

fn ts(t: Option<jiff::Timestamp>) -> Option<String> {
    t.map(|t| t.to_string())
}

impl SloView {
    pub fn of(s: &SloState) -> SloView {
        let spec = &s.config.spec;
        let report: Option<&Report> = s.report.as_ref();
        let windows = spec
            .labels()
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let w = report.map(|r| r.windows[i]);
                let view = WindowView {
                    good: w.map_or(0, |w| w.good),
                    total: w.map_or(0, |w| w.total),
                    sli: w.and_then(|w| w.sli),
                    burn_rate: w.and_then(|w| w.burn_rate),
                };
                (label.clone(), view)
            })
            .collect();
        let alerts = spec
            .tiers
            .iter()
            .enumerate()
            .map(|(i, tier)| {
                let (long_window, short_window) = tier_window_labels(tier);
                let status = report.map(|r| r.alerts[i]);
                let state = s.alerts[i];
                AlertView {
                    service: s.service.clone(),
                    slo: s.config.name.clone(),
                    tier: tier.name(),
                    severity: tier.severity.as_str().to_string(),
                    long_window,
                    short_window,
                    threshold: tier.burn_threshold(spec.window.period_minutes(s.series.head())),
                    long_burn_rate: status.and_then(|a| a.long_burn),
                    short_burn_rate: status.and_then(|a| a.short_burn),
                    state: if state.firing { "firing" } else { "inactive" }.to_string(),
                    since: ts(state.since),
                    labels: s.config.labels.clone(),
                }
            })
            .collect();
        let budget = report.map(|r| r.budget);
        SloView {
            service: s.service.clone(),
            slo: s.config.name.clone(),
            description: s.config.description.clone(),
            objective: s.config.objective_percent,
            window: s.config.window_label.clone(),
            sli_source: s.config.sli.kind().to_string(),
            budgeting: match spec.timeslices {
                None => Budgeting {
                    method: "occurrences".into(),
                    slice: None,
                    slice_target: None,
                },
                Some(t) => Budgeting {
                    method: "timeslices".into(),
                    slice: Some(nines_slo::format_minutes(t.slice_minutes)),
                    slice_target: Some(t.target * 100.0),
                },
            },
            evaluated_at: ts(report.map(|r| r.at)),
            budget: BudgetView {
                total: spec.budget(),
                remaining: budget.and_then(|b| b.remaining),
                consumed: budget.and_then(|b| b.consumed),
                exhausted_at: Exhaustion {
                    at_1h_burn: ts(budget.and_then(|b| b.exhausted_at_1h)),
                    at_1d_burn: ts(budget.and_then(|b| b.exhausted_at_1d)),
                },
            },
            windows: Windows(windows),
            alerts,
        }
    }
}

/// `GET /api/v1/slos/{service}/{slo}`: the SLO and its recent alert changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloDetail {
    #[serde(flatten)]
    pub slo: SloView,
    /// The last 50 alert state changes, newest first.
    pub alert_history: Vec<AlertChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertChange {
    pub tier: String,
    pub severity: String,
    /// `firing` or `resolved`.
    pub state: String,
    pub at: String,
    pub threshold: f64,
    pub long_burn_rate: Option<f64>,
    pub short_burn_rate: Option<f64>,
}

impl AlertChange {
    pub fn of(t: &nines_store::AlertTransition) -> AlertChange {
        AlertChange {
            tier: t.tier.clone(),
            severity: t.severity.clone(),
            state: if t.firing { "firing" } else { "resolved" }.to_string(),
            at: crate::clock::rfc3339(t.at),
            threshold: t.threshold,
            long_burn_rate: t.long_burn,
            short_burn_rate: t.short_burn,
        }
    }
}

/// `GET /api/v1/oncall/now`: who is on call in a schedule, and until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnCallView {
    pub schedule: String,
    /// Empty when nobody is on call.
    pub users: Vec<String>,
    /// `override`, `layer:<name>` or `nobody`.
    pub origin: String,
    /// When this changes next; `null` when it does not within 400 days.
    pub until: Option<String>,
}

fn origin(o: &nines_oncall::Origin) -> String {
    match o {
        nines_oncall::Origin::Override => "override".to_string(),
        nines_oncall::Origin::Layer(name) => format!("layer:{name}"),
        nines_oncall::Origin::Nobody => "nobody".to_string(),
    }
}

impl OnCallView {
    pub fn of(s: &nines_oncall::Schedule, at: jiff::Timestamp) -> OnCallView {
        let now = s.on_call(at);
        OnCallView {
            schedule: s.name.clone(),
            users: now.users,
            origin: origin(&now.origin),
            until: s.next_after(at).map(|n| n.start.to_string()),
        }
    }
}

/// One shift of `GET /api/v1/schedules/{s}/shifts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftView {
    pub start: String,
    pub end: String,
    pub users: Vec<String>,
    pub origin: String,
}

impl ShiftView {
    pub fn of(s: &nines_oncall::Shift) -> ShiftView {
        ShiftView {
            start: s.start.to_string(),
            end: s.end.to_string(),
            users: s.users.clone(),
            origin: origin(&s.origin),
        }
    }
}
