//! What the CLI prints: `nines check`, `nines status`, `nines alerts`,
//! `nines reload`.

use std::path::Path;
use std::process::ExitCode;

use comfy_table::{CellAlignment, Table, presets};
use nines_config::Config;

use crate::cli::client;
use crate::cli::time::listing;
use crate::cli::{ClientArgs, Output};
use crate::state::slo::view::{AlertView, SloView};
use crate::text::url::query;

pub fn check(path: &Path, output: Output) -> ExitCode {
    match Config::load(path) {
        Ok(config) => {
            let mut warnings: Vec<String> =
                config.warnings.iter().map(ToString::to_string).collect();
            let now = crate::clock::Clock::System.now();
            let horizon = now
                .checked_add(jiff::SignedDuration::from_hours(30 * 24))
                .unwrap_or(now);
            for (name, schedule) in &config.schedules {
                for gap in schedule.gaps(now, horizon) {
                    warnings.push(format!(
                        "schedule `{name}`: nobody is on call from {} to {}",
                        gap.start, gap.end
                    ));
                }
            }
            let slos: usize = config.services.values().map(|s| s.slos.len()).sum();
            let probes: usize = config.services.values().map(|s| s.probes.len()).sum();
            match output {
                Output::Json => println!(
                    "{:#}",
                    serde_json::json!({
                        "valid": true, "path": path.display().to_string(),
                        "services": config.services.len(), "slos": slos, "probes": probes,
                        "scrape_targets": config.scrape.len(), "schedules": config.schedules.len(),
                        "users": config.users.len(), "tokens": config.auth.tokens.len(),
                        "warnings": warnings, "errors": [],
                    })
                ),
                Output::Text => {
                    for w in &warnings {
                        eprintln!("warning: {w}");
                    }
                    println!(
                        "{}: ok: {} service(s), {slos} SLO(s), {probes} probe(s), {} scrape target(s), {} schedule(s), {} user(s), {} token(s)",
                        path.display(),
                        config.services.len(),
                        config.scrape.len(),
                        config.schedules.len(),
                        config.users.len(),
                        config.auth.tokens.len()
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            match output {
                Output::Json => println!(
                    "{:#}",
                    serde_json::json!({
                        "valid": false, "path": path.display().to_string(),
                        "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    })
                ),
                Output::Text => {
                    eprintln!("{errors}");
                    eprintln!("{}: {} error(s)", path.display(), errors.len());
                }
            }
            ExitCode::FAILURE
        }
    }
}

pub fn status(args: &ClientArgs, service: Option<&str>) -> anyhow::Result<ExitCode> {
    let path = format!("/api/v1/slos{}", query(&[("service", service)]));
    let slos: Vec<SloView> = client::get(args, &path)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&slos)?),
        Output::Text => print!("{}", status_table(&slos)),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn alerts(args: &ClientArgs) -> anyhow::Result<ExitCode> {
    let alerts: Vec<AlertView> = client::get(args, "/api/v1/alerts")?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&alerts)?),
        Output::Text => print!("{}", alerts_table(&alerts)),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reload(args: &ClientArgs) -> anyhow::Result<ExitCode> {
    let answer: serde_json::Value = client::post(args, "/api/v1/reload")?;
    match args.output {
        Output::Json => println!("{answer}"),
        Output::Text => println!("reloaded: {} SLO(s)", answer["slos"]),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn oncall_now(
    args: &ClientArgs,
    schedule: Option<&str>,
    at: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let rows: Vec<crate::state::slo::view::OnCallView> = client::get(
        args,
        &format!(
            "/api/v1/oncall/now{}",
            query(&[("schedule", schedule), ("at", at)])
        ),
    )?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Output::Text => print!("{}", oncall_table(&rows)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The table `nines oncall now` prints, or that there are no schedules.
pub fn oncall_table(rows: &[crate::state::slo::view::OnCallView]) -> String {
    if rows.is_empty() {
        return "no schedules configured (add them under `schedules:` in the config)\n".into();
    }
    let mut t = table(&["SCHEDULE", "ON CALL", "ORIGIN", "UNTIL"]);
    for r in rows {
        let who = if r.users.is_empty() {
            "nobody".to_string()
        } else {
            r.users.join(", ")
        };
        t.add_row(vec![
            r.schedule.clone(),
            who,
            r.origin.clone(),
            r.until.as_deref().map_or_else(|| "-".into(), listing),
        ]);
    }
    format!("{}\n", t.trim_fmt())
}

pub fn oncall_shifts(
    args: &ClientArgs,
    schedule: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let rows: Vec<crate::state::slo::view::ShiftView> = client::get(
        args,
        &format!(
            "/api/v1/schedules/{schedule}/shifts{}",
            query(&[("from", from), ("to", to)])
        ),
    )?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Output::Text if rows.is_empty() => println!("no shifts in that period"),
        Output::Text => {
            let mut t = table(&["FROM", "TO", "ON CALL", "ORIGIN"]);
            for r in &rows {
                let who = if r.users.is_empty() {
                    "nobody".to_string()
                } else {
                    r.users.join(", ")
                };
                t.add_row(vec![
                    listing(&r.start),
                    listing(&r.end),
                    who,
                    r.origin.clone(),
                ]);
            }
            println!("{}", t.trim_fmt());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn oncall_override(
    args: &ClientArgs,
    schedule: &str,
    user: &str,
    from: Option<&str>,
    to: &str,
    reason: &str,
) -> anyhow::Result<ExitCode> {
    let from = match from {
        Some(f) => f.to_string(),
        None => crate::clock::rfc3339(crate::clock::Clock::System.now().as_second()),
    };
    let body = serde_json::json!({"user": user, "from": from, "to": to, "reason": reason});
    let row: serde_json::Value = client::post_json(
        args,
        &format!("/api/v1/schedules/{schedule}/overrides"),
        &body,
    )?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&row)?),
        Output::Text => println!(
            "override {}: {} is on call in {schedule} from {} to {}",
            row["id"],
            row["user"].as_str().unwrap_or(user),
            listing(row["from"].as_str().unwrap_or_default()),
            listing(row["to"].as_str().unwrap_or_default()),
        ),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn oncall_report(
    args: &ClientArgs,
    from: Option<&str>,
    to: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let report: serde_json::Value = client::get(
        args,
        &format!(
            "/api/v1/analytics/oncall{}",
            query(&[("from", from), ("to", to)])
        ),
    )?;
    if let Output::Json = args.output {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "on-call health from {} to {}",
        listing(report["from"].as_str().unwrap_or_default()),
        listing(report["to"].as_str().unwrap_or_default())
    );
    let count = |v: &serde_json::Value| v.as_u64().map_or("-".to_string(), |n| n.to_string());
    let mut t = table(&[
        "USER",
        "PAGES",
        "OFF HOURS",
        "AT NIGHT",
        "HOURS ON CALL",
        "ACKED",
        "MTTA",
    ]);
    for p in report["people"].as_array().into_iter().flatten() {
        t.add_row(vec![
            p["user"].as_str().unwrap_or_default().to_string(),
            count(&p["pages"]),
            count(&p["pages_off_hours"]),
            count(&p["pages_at_night"]),
            format!("{:.0}", p["hours_on_call"].as_f64().unwrap_or_default()),
            count(&p["acknowledged"]),
            p["mtta_seconds"]
                .as_f64()
                .map_or("-".to_string(), |s| format!("{:.0}s", s)),
        ]);
    }
    println!("{}", t.trim_fmt());
    for team in report["teams"].as_array().into_iter().flatten() {
        for w in team["warnings"].as_array().into_iter().flatten() {
            println!(
                "warning: team {}: {}",
                team["team"].as_str().unwrap_or_default(),
                w.as_str().unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn oncall_ics(
    args: &ClientArgs,
    schedule: Option<&str>,
    user: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let path = match (schedule, user) {
        (Some(s), None) => format!("/api/v1/oncall/{s}.ics"),
        (None, Some(u)) => format!("/api/v1/users/{u}/oncall.ics"),
        _ => anyhow::bail!("give a schedule or --user, not both"),
    };
    print!("{}", client::get_text(args, &path)?);
    Ok(ExitCode::SUCCESS)
}

/// `99.953%`, or `-` without data.
fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.3}%", v * 100.0))
}

fn burn(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
}

/// `████████░░  80.1%`: ten cells, empty when spent or overspent.
pub fn budget_bar(remaining: Option<f64>) -> String {
    let Some(r) = remaining else {
        return "no data".to_string();
    };
    let filled = (r.clamp(0.0, 1.0) * 10.0).round() as usize;
    format!(
        "{}{} {:>6.1}%",
        "█".repeat(filled),
        "░".repeat(10 - filled),
        r * 100.0
    )
}

pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    t.set_header(header.to_vec());
    t
}

pub fn status_table(slos: &[SloView]) -> String {
    if slos.is_empty() {
        return "no SLOs configured\n".to_string();
    }
    let mut t = table(&[
        "SERVICE",
        "SLO",
        "OBJECTIVE",
        "WINDOW",
        "SLI",
        "BUDGET LEFT",
        "BURN 1h",
        "BURN 6h",
        "BURN 1d",
        "ALERTS",
    ]);
    for s in slos {
        let window = |label: &str| s.windows.get(label).and_then(|w| w.burn_rate);
        let firing: Vec<&str> = s
            .alerts
            .iter()
            .filter(|a| a.state == "firing")
            .map(|a| a.tier.as_str())
            .collect();
        t.add_row(vec![
            s.service.clone(),
            s.slo.clone(),
            format!("{}%", s.objective),
            s.window.clone(),
            percent(s.windows.get(&s.window).and_then(|w| w.sli)),
            budget_bar(s.budget.remaining),
            burn(window("1h")),
            burn(window("6h")),
            burn(window("1d")),
            if firing.is_empty() {
                "-".to_string()
            } else {
                firing.join(",")
            },
        ]);
    }
    for col in 2..9 {
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!("{}\n", t.trim_fmt())
}

pub fn alerts_table(alerts: &[AlertView]) -> String {
    if alerts.is_empty() {
        return "no alerts firing\n".to_string();
    }
    let mut t = table(&[
        "SERVICE",
        "SLO",
        "TIER",
        "SEVERITY",
        "THRESHOLD",
        "LONG",
        "SHORT",
        "SINCE",
    ]);
    for a in alerts {
        t.add_row(vec![
            a.service.clone(),
            a.slo.clone(),
            a.tier.clone(),
            a.severity.clone(),
            format!("{:.2}", a.threshold),
            format!("{} {}", a.long_window, burn(a.long_burn_rate)),
            format!("{} {}", a.short_window, burn(a.short_burn_rate)),
            a.since.as_deref().map(listing).unwrap_or_default(),
        ]);
    }
    format!("{}\n", t.trim_fmt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::slo::view::{AlertView, BudgetView, Exhaustion, WindowView, Windows};

    fn slo(
        name: &str,
        remaining: Option<f64>,
        sli: Option<f64>,
        burn: Option<f64>,
        firing: &[&str],
    ) -> SloView {
        let w = WindowView {
            good: 0,
            total: 0,
            sli,
            burn_rate: burn,
        };
        SloView {
            service: "shop".into(),
            slo: name.into(),
            description: None,
            objective: 99.9,
            window: "30d".into(),
            sli_source: "events".into(),
            budgeting: crate::state::slo::view::Budgeting {
                method: "occurrences".into(),
                slice: None,
                slice_target: None,
            },
            evaluated_at: None,
            budget: BudgetView {
                total: 0.001,
                remaining,
                consumed: remaining.map(|r| 1.0 - r),
                exhausted_at: Exhaustion {
                    at_1h_burn: None,
                    at_1d_burn: None,
                },
            },
            windows: Windows(
                ["1h", "6h", "1d", "30d"]
                    .iter()
                    .map(|l| (l.to_string(), w.clone()))
                    .collect(),
            ),
            alerts: firing
                .iter()
                .map(|t| AlertView {
                    service: "shop".into(),
                    slo: name.into(),
                    tier: t.to_string(),
                    severity: t.split('-').next().unwrap().into(),
                    long_window: "1h".into(),
                    short_window: "5m".into(),
                    threshold: 14.4,
                    long_burn_rate: burn,
                    short_burn_rate: burn,
                    state: "firing".into(),
                    since: Some("2026-11-24T10:00:00Z".into()),
                    labels: Default::default(),
                })
                .collect(),
        }
    }

    #[test]
    fn tables_for_people() {
        let rows = [
            slo(
                "availability",
                Some(0.583),
                Some(0.99958),
                Some(20.0),
                &["page-1h"],
            ),
            slo(
                "checkout",
                Some(-0.25),
                Some(0.998),
                Some(2.5),
                &["ticket-1d", "ticket-3d"],
            ),
            slo("latency", None, None, None, &[]),
            slo("search", Some(1.0), Some(1.0), Some(0.0), &[]),
        ];
        insta::assert_snapshot!(status_table(&rows));
        insta::assert_snapshot!(alerts_table(&rows[0].alerts));
        assert_eq!(status_table(&[]), "no SLOs configured\n");
        assert!(oncall_table(&[]).starts_with("no schedules configured"));
    }
}
