//! `nines notify test CHANNEL|user:NAME`: a real test message through the
//! daemon's outbox, as a page would go, to check a channel or a person's
//! notification method before an incident does.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use crate::cli::{ClientArgs, Output};

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Queue a test message to a channel or a person.
    ///
    /// Examples: nines notify test slack-payments; nines notify test user:ana
    Test {
        /// A channel name from the config, or `user:NAME` for a person's
        /// first notification method.
        to: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub fn run(cmd: &NotifyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        NotifyCommand::Test { to, client } => {
            let answer: Value = crate::cli::client::post_json(
                client,
                "/api/v1/notifications/test",
                &json!({ "to": to }),
            )?;
            match client.output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&answer)?),
                Output::Text => println!(
                    "test message to {to} queued ({}); it leaves through the outbox like a page",
                    answer["queued"].as_str().unwrap_or("")
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
