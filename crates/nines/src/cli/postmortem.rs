//! `nines postmortem INC-n | export INC-n | import INC-n FILE`.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use anyhow::Context;
use serde_json::{Value, json};

use crate::cli::client;
use crate::cli::{ClientArgs, Output};
use crate::text::url::encode;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PostmortemArgs {
    #[command(subcommand)]
    pub command: Option<PostmortemCommand>,
    /// The incident (INC-n): drafts its postmortem if it has none, and
    /// prints the current one as Markdown.
    pub id: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Subcommand)]
pub enum PostmortemCommand {
    /// Print the current postmortem as Markdown, for editing.
    Export {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Save an edited Markdown file as the postmortem's next revision.
    Import {
        id: String,
        file: std::path::PathBuf,
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub fn run(args: PostmortemArgs) -> anyhow::Result<ExitCode> {
    match (args.command, args.id) {
        (Some(PostmortemCommand::Export { id, client }), _) => {
            let v: Value = client::get(
                &client,
                &format!("/api/v1/incidents/{}/postmortem", encode(&id)),
            )?;
            print_answer(&client, &v)
        }
        (Some(PostmortemCommand::Import { id, file, client }), _) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let v: Value = client::post_json(
                &client,
                &format!("/api/v1/incidents/{}/postmortem", encode(&id)),
                &json!({ "markdown": text }),
            )?;
            match client.output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&v)?),
                Output::Text => println!(
                    "saved the postmortem of {} as revision {} ({})",
                    v["incident"].as_str().unwrap_or("-"),
                    v["revision"],
                    v["status"].as_str().unwrap_or("-")
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        (None, Some(id)) => {
            let v: Value = client::post_json(
                &args.client,
                &format!("/api/v1/incidents/{}/postmortem", encode(&id)),
                &json!({}),
            )?;
            print_answer(&args.client, &v)
        }
        (None, None) => {
            anyhow::bail!("name an incident: nines postmortem INC-7 (or export / import)")
        }
    }
}

/// The Markdown as it is (what `export` writes to a file), or the JSON.
fn print_answer(client: &ClientArgs, v: &Value) -> anyhow::Result<ExitCode> {
    match client.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(v)?),
        Output::Text => print!("{}", v["markdown"].as_str().unwrap_or_default()),
    }
    Ok(ExitCode::SUCCESS)
}
