//! `nines export grafana`: a Grafana dashboard over the `nines_*` metrics,
//! importable as it is (Dashboards → New → Import). Generic: it lists
//! whatever SLOs the scraped nines has, so adding an SLO needs no new
//! dashboard. SLO-window figures join on `nines_slo_info`.

use serde_json::{Value, json};

/// Every PromQL query the dashboard runs, by panel title and query letter,
/// with `$service` as the service filter; exported for tests that check
/// them against a real `/metrics` and `promtool`.
pub fn queries() -> Vec<(&'static str, &'static str, String)> {
    let sel = r#"service=~"$service""#;
    vec![
        (
            "SLOs",
            "A",
            format!("max by (service, slo) (nines_slo_objective_ratio{{{sel}}})"),
        ),
        (
            "SLOs",
            "B",
            format!(
                "max by (service, slo) (nines_slo_sli_ratio{{{sel}}} * on (service, slo, window) group_left nines_slo_info)"
            ),
        ),
        (
            "SLOs",
            "C",
            format!("max by (service, slo) (nines_slo_error_budget_remaining_ratio{{{sel}}})"),
        ),
        (
            "SLOs",
            "D",
            format!("max by (service, slo) (nines_slo_burn_rate{{{sel},window=\"1h\"}})"),
        ),
        (
            "SLOs",
            "E",
            format!("max by (service, slo) (nines_slo_burn_rate{{{sel},window=\"6h\"}})"),
        ),
        (
            "SLOs",
            "F",
            format!("max by (service, slo) (nines_slo_burn_rate{{{sel},window=\"1d\"}})"),
        ),
        (
            "SLOs",
            "G",
            format!("sum by (service, slo) (nines_slo_alert_firing{{{sel}}})"),
        ),
        (
            "Alerts firing",
            "A",
            "sum by (severity) (nines_alerts_firing)".to_string(),
        ),
        (
            "Error budget remaining",
            "A",
            format!("nines_slo_error_budget_remaining_ratio{{{sel}}}"),
        ),
        (
            "SLI over the SLO window",
            "A",
            format!(
                "nines_slo_sli_ratio{{{sel}}} * on (service, slo, window) group_left nines_slo_info"
            ),
        ),
        (
            "Burn rate, 1h",
            "A",
            format!("nines_slo_burn_rate{{{sel},window=\"1h\"}}"),
        ),
        (
            "Burn rate, 6h",
            "A",
            format!("nines_slo_burn_rate{{{sel},window=\"6h\"}}"),
        ),
        (
            "Firing alert tiers",
            "A",
            format!("nines_slo_alert_firing{{{sel}}} == 1"),
        ),
    ]
}

fn targets(title: &str, instant: bool, legend: &str) -> Value {
    queries()
        .into_iter()
        .filter(|(t, _, _)| *t == title)
        .map(|(_, ref_id, expr)| {
            json!({
                "datasource": { "type": "prometheus", "uid": "${datasource}" },
                "expr": expr,
                "refId": ref_id,
                "instant": instant,
                "range": !instant,
                "format": if instant { "table" } else { "time_series" },
                "legendFormat": legend,
            })
        })
        .collect()
}

fn panel(id: u32, title: &str, kind: &str, grid: (u32, u32, u32, u32), extra: Value) -> Value {
    let (x, y, w, h) = grid;
    let mut p = json!({
        "id": id,
        "title": title,
        "type": kind,
        "datasource": { "type": "prometheus", "uid": "${datasource}" },
        "gridPos": { "x": x, "y": y, "w": w, "h": h },
    });
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    p
}

fn series(
    id: u32,
    title: &str,
    grid: (u32, u32, u32, u32),
    unit: &str,
    thresholds: &[(f64, &str)],
) -> Value {
    let steps: Vec<Value> = std::iter::once(json!({ "color": "green", "value": null }))
        .chain(
            thresholds
                .iter()
                .map(|(v, c)| json!({ "color": c, "value": v })),
        )
        .collect();
    panel(
        id,
        title,
        "timeseries",
        grid,
        json!({
            "targets": targets(title, false, "{{service}}/{{slo}}"),
            "fieldConfig": {
                "defaults": {
                    "unit": unit,
                    "thresholds": { "mode": "absolute", "steps": steps },
                    "custom": { "thresholdsStyle": { "mode": if thresholds.is_empty() { "off" } else { "dashed" } } },
                },
                "overrides": [],
            },
            "options": { "legend": { "displayMode": "table", "placement": "right" }, "tooltip": { "mode": "multi" } },
        }),
    )
}

/// The dashboard JSON.
pub fn dashboard(title: &str) -> Value {
    let renames = json!({
        "service": "Service", "slo": "SLO",
        "Value #A": "Objective", "Value #B": "SLI (SLO window)", "Value #C": "Budget left",
        "Value #D": "Burn 1h", "Value #E": "Burn 6h", "Value #F": "Burn 1d", "Value #G": "Alerts firing",
    });
    let table = panel(
        1,
        "SLOs",
        "table",
        (0, 0, 18, 10),
        json!({
            "targets": targets("SLOs", true, ""),
            "transformations": [
                { "id": "merge", "options": {} },
                { "id": "organize", "options": { "excludeByName": { "Time": true }, "renameByName": renames } },
                { "id": "sortBy", "options": { "sort": [{ "field": "Budget left", "desc": false }] } },
            ],
            "fieldConfig": {
                "defaults": { "decimals": 3 },
                "overrides": [
                    { "matcher": { "id": "byRegexp", "options": "Objective|SLI.*|Budget left" },
                      "properties": [{ "id": "unit", "value": "percentunit" }] },
                    { "matcher": { "id": "byName", "options": "Budget left" },
                      "properties": [
                          { "id": "custom.cellOptions", "value": { "type": "gauge", "mode": "basic" } },
                          { "id": "min", "value": 0 }, { "id": "max", "value": 1 },
                          { "id": "thresholds", "value": { "mode": "absolute", "steps": [
                              { "color": "red", "value": null }, { "color": "orange", "value": 0.25 }, { "color": "green", "value": 0.5 } ] } } ] },
                ],
            },
        }),
    );
    let alerts = panel(
        2,
        "Alerts firing",
        "stat",
        (18, 0, 6, 10),
        json!({
            "targets": targets("Alerts firing", true, "{{severity}}"),
            "options": { "reduceOptions": { "calcs": ["lastNotNull"] }, "colorMode": "background" },
            "fieldConfig": { "defaults": { "thresholds": { "mode": "absolute", "steps": [
                { "color": "green", "value": null }, { "color": "red", "value": 1 } ] } }, "overrides": [] },
        }),
    );
    json!({
        "title": title,
        "uid": "nines-slos",
        "tags": ["nines", "slo"],
        "schemaVersion": 39,
        "version": 1,
        "editable": true,
        "refresh": "1m",
        "time": { "from": "now-7d", "to": "now" },
        "templating": { "list": [
            { "name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus" },
            {
                "name": "service", "label": "Service", "type": "query",
                "datasource": { "type": "prometheus", "uid": "${datasource}" },
                "definition": "label_values(nines_slo_info, service)",
                "query": { "query": "label_values(nines_slo_info, service)", "refId": "services" },
                "includeAll": true, "multi": true, "allValue": ".*", "refresh": 2, "sort": 1,
                "current": { "text": "All", "value": "$__all" },
            },
        ] },
        "panels": [
            table,
            alerts,
            series(3, "Error budget remaining", (0, 10, 12, 9), "percentunit", &[]),
            series(4, "SLI over the SLO window", (12, 10, 12, 9), "percentunit", &[]),
            series(5, "Burn rate, 1h", (0, 19, 12, 9), "none", &[(14.4, "red")]),
            series(6, "Burn rate, 6h", (12, 19, 12, 9), "none", &[(6.0, "orange")]),
            series(7, "Firing alert tiers", (0, 28, 24, 6), "none", &[]),
        ],
    })
}
