//! `nines incident list|show|open|ack|resolve|note|mitigate|reopen|severity|assign|escalate`:
//! incidents of a running daemon.

use std::process::ExitCode;

use serde_json::{Value, json};

use crate::cli::client;
use crate::cli::status::table;
use crate::cli::time::listing;
use crate::cli::{ClientArgs, Output};
use crate::text::url::query;

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("-").to_string()
}

/// The table `nines incident list` prints, or that there is none.
pub fn incidents_table(rows: &[Value]) -> String {
    if rows.is_empty() {
        return "no incidents\n".to_string();
    }
    let mut t = table(&["ID", "STATUS", "SEVERITY", "SERVICE", "STARTED", "TITLE"]);
    for r in rows {
        t.add_row(vec![
            s(r, "id"),
            s(r, "status"),
            s(r, "severity"),
            s(r, "service"),
            listing(&s(r, "started_at")),
            s(r, "title"),
        ]);
    }
    format!("{}\n", t.trim_fmt())
}

fn print_incidents(args: &ClientArgs, rows: &[Value]) -> anyhow::Result<()> {
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(rows)?),
        Output::Text => print!("{}", incidents_table(rows)),
    }
    Ok(())
}

/// What an action left: `INC-7 is acknowledged, SEV2, mitigated, assignee ana`.
pub fn act_line(v: &Value) -> String {
    let mut line = format!("{} is {}, {}", s(v, "id"), s(v, "status"), s(v, "severity"));
    if v["mitigated_at"].is_string() {
        line.push_str(", mitigated");
    }
    for who in ["assignee", "commander"] {
        if let Some(name) = v[who].as_str() {
            line.push_str(&format!(", {who} {name}"));
        }
    }
    line
}

pub fn list(
    args: &ClientArgs,
    status: Option<&str>,
    service: Option<&str>,
) -> anyhow::Result<ExitCode> {
    // The API filters one status; `open` is every status but resolved.
    let one = status.filter(|s| !matches!(*s, "all" | "open"));
    let mut rows: Vec<Value> = client::get(
        args,
        &format!(
            "/api/v1/incidents{}",
            query(&[("status", one), ("service", service)])
        ),
    )?;
    if status == Some("open") {
        rows.retain(|r| r["status"] != "resolved");
    }
    print_incidents(args, &rows)?;
    Ok(ExitCode::SUCCESS)
}

pub fn show(args: &ClientArgs, id: &str) -> anyhow::Result<ExitCode> {
    let v: Value = client::get(args, &format!("/api/v1/incidents/{id}"))?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Output::Text => {
            println!(
                "{}  {}  {}  {}",
                s(&v, "id"),
                s(&v, "severity"),
                s(&v, "status"),
                s(&v, "title")
            );
            println!(
                "service {}, started {}",
                s(&v, "service"),
                listing(&s(&v, "started_at"))
            );
            if let Some(alerts) = v["alerts"].as_array() {
                println!("\nalerts:");
                for a in alerts {
                    println!(
                        "  {:<8} {} {}: {}",
                        s(a, "status"),
                        s(a, "source"),
                        s(a, "key"),
                        s(a, "summary")
                    );
                }
            }
            if let Some(timeline) = v["timeline"].as_array() {
                println!("\ntimeline:");
                for e in timeline {
                    println!("  {}  {}", listing(&s(e, "at")), s(e, "text"));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn act(args: &ClientArgs, id: &str, action: &str, body: Value) -> anyhow::Result<ExitCode> {
    let v: Value = client::post_json(args, &format!("/api/v1/incidents/{id}/{action}"), &body)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Output::Text if v.get("id").is_some() => println!("{}", act_line(&v)),
        Output::Text => println!("recorded"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn open(
    args: &ClientArgs,
    service: &str,
    title: &str,
    severity: &str,
) -> anyhow::Result<ExitCode> {
    let v: Value = client::post_json(
        args,
        "/api/v1/incidents",
        &json!({"service": service, "title": title, "severity": severity}),
    )?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Output::Text => println!("opened {}", s(&v, "id")),
    }
    Ok(ExitCode::SUCCESS)
}

/// `nines change`: records a change; prints its id.
pub fn change(args: &ClientArgs, mut body: Value) -> anyhow::Result<ExitCode> {
    if let Some(map) = body.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    let v: Value = client::post_json(args, "/api/v1/changes", &body)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Output::Text => println!(
            "recorded change {} of {} at {}",
            v["id"],
            s(&v, "service"),
            s(&v, "at")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: &str, status: &str, severity: &str) -> Value {
        json!({
            "id": id, "title": "checkout fails", "service": "shop", "severity": severity,
            "status": status, "commander": null, "assignee": "ana",
            "started_at": "2026-12-04T20:00:00.250Z", "acknowledged_at": null,
            "mitigated_at": "2026-12-04T20:10:00Z", "resolved_at": null,
        })
    }

    #[test]
    fn tables_for_people() {
        let rows = [
            incident("INC-2", "acknowledged", "SEV1"),
            incident("INC-1", "resolved", "SEV3"),
        ];
        insta::assert_snapshot!(incidents_table(&rows));
        insta::assert_snapshot!(act_line(&rows[0]));
        assert_eq!(incidents_table(&[]), "no incidents\n");
    }
}
