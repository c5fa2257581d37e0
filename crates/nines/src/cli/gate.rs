//! `nines gate SERVICE [--kind deploy]`: asks a running daemon whether a
//! change may ship. Exits 0 (go), 1 (frozen) or 2 (the gate could not
//! answer), so CI scripts can tell a freeze from an outage of the gate.

use std::process::ExitCode;

use serde_json::Value;

use crate::cli::client;
use crate::cli::{ClientArgs, Output};

/// Exit code for "frozen".
pub const FROZEN: u8 = 1;
/// Exit code for "the gate could not answer" (daemon unreachable, bad
/// token, unknown service).
pub const ERROR: u8 = 2;

pub fn run(args: &ClientArgs, service: &str, kind: &str) -> ExitCode {
    let path = format!(
        "/api/v1/services/{}/gate?kind={}",
        crate::text::url::encode(service),
        crate::text::url::encode(kind)
    );
    let answer: Value = match client::get(args, &path) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(ERROR);
        }
    };
    let Some(allowed) = answer["allowed"].as_bool() else {
        eprintln!("error: the gate's answer has no `allowed` field: {answer}");
        return ExitCode::from(ERROR);
    };
    match args.output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&answer).unwrap_or_default()
        ),
        Output::Text => {
            for reason in answer["reasons"].as_array().into_iter().flatten() {
                println!("{}", reason.as_str().unwrap_or_default());
            }
            let verdict = if allowed { "go" } else { "frozen" };
            println!("{verdict}: {kind} of {service}");
        }
    }
    if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FROZEN)
    }
}

/// `nines gate override SERVICE --reason R (--duration D | --until T)`:
/// lifts the service's freeze until the override expires (role admin).
pub fn add_override(
    args: &ClientArgs,
    service: &str,
    reason: &str,
    duration: Option<&str>,
    until: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let mut body = serde_json::json!({ "reason": reason });
    if let Some(d) = duration {
        body["duration"] = d.into();
    }
    if let Some(u) = until {
        body["expires_at"] = u.into();
    }
    let path = format!(
        "/api/v1/services/{}/gate/overrides",
        crate::text::url::encode(service)
    );
    let row: Value = client::post_json(args, &path, &body)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&row)?),
        Output::Text => println!("{}", override_line(&row)),
    }
    Ok(ExitCode::SUCCESS)
}

/// `nines gate overrides SERVICE`: every override, newest first, marked
/// active or expired.
pub fn list_overrides(args: &ClientArgs, service: &str) -> anyhow::Result<ExitCode> {
    let path = format!(
        "/api/v1/services/{}/gate/overrides",
        crate::text::url::encode(service)
    );
    let rows: Vec<Value> = client::get(args, &path)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Output::Text if rows.is_empty() => println!("no gate overrides for {service}"),
        Output::Text => {
            for row in &rows {
                let state = if row["active"] == true {
                    "active"
                } else {
                    "expired"
                };
                println!("{} [{state}]", override_line(row));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `override 2: changes of shop pass the gate until …, by …: reason`.
pub fn override_line(row: &Value) -> String {
    let s = |k: &str| row[k].as_str().unwrap_or("-").to_string();
    format!(
        "override {}: changes of {} pass the gate until {} (by {}: {})",
        row["id"],
        s("service"),
        crate::cli::time::listing(&s("expires_at")),
        s("by"),
        s("reason")
    )
}
