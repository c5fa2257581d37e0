//! Alerts in Sloth's shape, for specs imported from Sloth: one alert for the
//! page tiers and one for the ticket tiers, each the `or` of its tiers'
//! "both windows above the threshold" conditions. No minimum event count
//! and no resolve hysteresis, so they fire at the moments Sloth's do; the
//! `sloth_*` labels Sloth users route on are kept.

use std::collections::BTreeMap;

use super::{RuleSlo, SlothAlerts, Writer, ratio_name, rule_float};
use crate::alert::Severity;

pub(super) fn write(
    w: &mut Writer,
    slo: &RuleSlo<'_>,
    alerts: &SlothAlerts,
    base: &BTreeMap<String, String>,
    sel: &str,
    budget: f64,
) {
    for (severity, alert) in [
        (Severity::Page, &alerts.page),
        (Severity::Ticket, &alerts.ticket),
    ] {
        let Some(alert) = alert else { continue };
        let branches: Vec<String> = slo
            .tiers
            .iter()
            .filter(|t| t.severity == severity)
            .map(|t| {
                let limit = rule_float(t.burn_threshold(i64::from(slo.period_minutes)) * budget);
                let over = |minutes: u32| {
                    let window = crate::format_minutes(minutes);
                    format!(
                        "max without (window) ({}{{{sel}}} > {limit})",
                        ratio_name(&window)
                    )
                };
                format!("(\n  {}\n  and\n  {}\n)", over(t.short), over(t.long))
            })
            .collect();
        if branches.is_empty() {
            continue;
        }
        let mut labels = base.clone();
        labels.extend(alert.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        labels.insert("sloth_id".into(), format!("{}-{}", slo.service, slo.slo));
        labels.insert("sloth_service".into(), slo.service.into());
        labels.insert("sloth_slo".into(), slo.slo.into());
        labels.insert("sloth_severity".into(), severity.as_str().into());
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "summary".to_string(),
            format!(
                "{}/{}: the error budget burns faster than the SLO allows",
                slo.service, slo.slo
            ),
        );
        annotations.insert(
            "title".to_string(),
            format!(
                "({}) {}/{}: error budget burn rate too high",
                severity.as_str(),
                slo.service,
                slo.slo
            ),
        );
        annotations.extend(
            alert
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        w.rule(
            "alert",
            &alerts.name,
            &branches.join("\nor\n"),
            &labels,
            &annotations,
        );
    }
}
