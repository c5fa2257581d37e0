//! `nines incident list|show|open|ack|resolve|note`: incidents of a
//! running daemon.

use std::process::ExitCode;

use serde_json::{Value, json};

use crate::cli::client;
use crate::cli::status::table;
use crate::cli::{ClientArgs, Output};
use crate::text::url::query;

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("-").to_string()
}

fn print_incidents(args: &ClientArgs, rows: &[Value]) -> anyhow::Result<()> {
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(rows)?),
        Output::Text => {
            let mut t = table(&["ID", "STATUS", "SEVERITY", "SERVICE", "STARTED", "TITLE"]);
            for r in rows {
                t.add_row(vec![
                    s(r, "id"),
                    s(r, "status"),
                    s(r, "severity"),
                    s(r, "service"),
                    s(r, "started_at"),
                    s(r, "title"),
                ]);
            }
            println!("{}", t.trim_fmt());
        }
    }
    Ok(())
}

pub fn list(
    args: &ClientArgs,
    status: Option<&str>,
    service: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let rows: Vec<Value> = client::get(
        args,
        &format!(
            "/api/v1/incidents{}",
            query(&[("status", status), ("service", service)])
        ),
    )?;
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
                s(&v, "started_at")
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
                    println!("  {}  {}", s(e, "at"), s(e, "text"));
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
        Output::Text if v.get("id").is_some() => println!("{} is {}", s(&v, "id"), s(&v, "status")),
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
