//! `nines silence add|list|expire`: silences of a running daemon, with
//! amtool-style matchers (`alertname=DiskFull`, `instance=~"db-.*"`).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::cli::client;
use crate::cli::status::table;
use crate::cli::time::listing;
use crate::cli::{ClientArgs, Output};

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Hold the notifications of matching alerts for a while (role responder).
    ///
    /// Matchers are Alertmanager's: NAME=VALUE, NAME!=VALUE, NAME=~REGEX,
    /// NAME!~REGEX; a silence holds alerts that match all of them (an
    /// alert's `service` label counts). A bare word is `alertname=WORD`,
    /// as in amtool. Silenced alerts still open and join incidents.
    #[command(after_help = "Examples:
  nines silence add alertname=DiskFull 'instance=~\"db-.*\"' --duration 2h --comment \"disk swap, JIRA-12\"
  nines silence add service=shop --end 2026-12-24T08:00:00Z --comment \"maintenance window\"
  nines silence add HighLatency --start +1h --duration 30m --comment \"load test\"")]
    Add(AddArgs),
    /// Active and pending silences (with --expired, recently ended ones too).
    #[command(after_help = "Examples:
  nines silence list
  nines silence list --expired -o json")]
    List {
        /// Also the last 100 expired silences.
        #[arg(long)]
        expired: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// End silences now (role responder).
    #[command(after_help = "Example: nines silence expire 4 7")]
    Expire {
        /// Silence ids, as `nines silence list` shows them.
        #[arg(required = true)]
        ids: Vec<i64>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX; a bare word is alertname=WORD.
    #[arg(required = true)]
    pub matchers: Vec<String>,
    /// Why: shown with the silence and on the incidents it holds.
    #[arg(long, short)]
    pub comment: String,
    /// How long from the start: 2h, 30m, 1d.
    #[arg(long, short, conflicts_with = "end", required_unless_present = "end")]
    pub duration: Option<String>,
    /// When it ends.
    #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("When it ends: {}", crate::cli::time::HELP))]
    pub end: Option<String>,
    /// When it starts; default now.
    #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("When it starts (default now): {}", crate::cli::time::HELP))]
    pub start: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// A matcher as the API takes it: a bare word is `alertname=WORD`.
pub fn matcher(text: &str) -> String {
    if text.contains('=') || text.contains('~') {
        text.to_string()
    } else {
        format!("alertname={text}")
    }
}

pub fn run(cmd: &SilenceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SilenceCommand::Add(a) => add(a),
        SilenceCommand::List { expired, client } => list(client, *expired),
        SilenceCommand::Expire { ids, client } => expire(client, ids),
    }
}

fn add(a: &AddArgs) -> anyhow::Result<ExitCode> {
    let mut body = json!({
        "matchers": a.matchers.iter().map(|m| matcher(m)).collect::<Vec<_>>(),
        "comment": a.comment,
    });
    for (key, value) in [
        ("duration", &a.duration),
        ("ends_at", &a.end),
        ("starts_at", &a.start),
    ] {
        if let Some(v) = value {
            body[key] = json!(v);
        }
    }
    let row: Value = client::post_json(&a.client, "/api/v1/silences", &body)?;
    match a.client.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&row)?),
        Output::Text => println!("{}", added_line(&row)),
    }
    Ok(ExitCode::SUCCESS)
}

/// `silence 3 (active) until 2026-12-04T22:00:00Z: alertname="DiskFull"`.
pub fn added_line(row: &Value) -> String {
    format!(
        "silence {} ({}) from {} until {}: {}",
        row["id"],
        s(row, "state"),
        listing(&s(row, "starts_at")),
        listing(&s(row, "ends_at")),
        matchers(row)
    )
}

fn list(args: &ClientArgs, expired: bool) -> anyhow::Result<ExitCode> {
    let rows: Vec<Value> = client::get(args, "/api/v1/silences")?;
    let rows: Vec<Value> = rows
        .into_iter()
        .filter(|r| expired || r["state"] != "expired")
        .collect();
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Output::Text => print!("{}", silences_table(&rows, expired)),
    }
    Ok(ExitCode::SUCCESS)
}

fn expire(args: &ClientArgs, ids: &[i64]) -> anyhow::Result<ExitCode> {
    let mut answers = Vec::new();
    for id in ids {
        let v: Value = client::post(args, &format!("/api/v1/silences/{id}/expire"))?;
        if args.output == Output::Text {
            println!("expired silence {id}");
        }
        answers.push(v);
    }
    if args.output == Output::Json {
        println!("{}", serde_json::to_string_pretty(&answers)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("-").to_string()
}

fn matchers(row: &Value) -> String {
    row["matchers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The table `nines silence list` prints, or what is missing.
pub fn silences_table(rows: &[Value], expired: bool) -> String {
    if rows.is_empty() {
        return if expired {
            "no silences\n".to_string()
        } else {
            "no active or pending silences (--expired shows ended ones)\n".to_string()
        };
    }
    let mut t = table(&["ID", "STATE", "MATCHERS", "STARTS", "ENDS", "BY", "COMMENT"]);
    for r in rows {
        t.add_row(vec![
            r["id"].to_string(),
            s(r, "state"),
            matchers(r),
            listing(&s(r, "starts_at")),
            listing(&s(r, "ends_at")),
            s(r, "created_by"),
            s(r, "comment"),
        ]);
    }
    format!("{}\n", t.trim_fmt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, state: &str, matchers: &[&str], comment: &str) -> Value {
        json!({
            "id": id, "matchers": matchers, "state": state,
            "starts_at": "2026-12-04T20:00:00Z", "ends_at": "2026-12-04T22:00:00.5Z",
            "created_by": "ana", "comment": comment,
        })
    }

    #[test]
    fn tables_for_people() {
        let rows = [
            row(
                3,
                "active",
                &["alertname=\"DiskFull\"", "instance=~\"db-.*\""],
                "disk swap",
            ),
            row(4, "pending", &["service=\"shop\""], "maintenance window"),
        ];
        insta::assert_snapshot!(silences_table(&rows, false));
        insta::assert_snapshot!(added_line(&rows[0]));
        assert_eq!(
            silences_table(&[], false),
            "no active or pending silences (--expired shows ended ones)\n"
        );
    }

    #[test]
    fn bare_words_are_alertnames() {
        assert_eq!(matcher("DiskFull"), "alertname=DiskFull");
        assert_eq!(matcher("instance=~\"db-.*\""), "instance=~\"db-.*\"");
        assert_eq!(matcher("a!=b"), "a!=b");
    }
}
