//! `nines report`: a period's figures from the daemon, as Markdown, HTML
//! or JSON.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::cli::ClientArgs;
use crate::review::report::{ReportDoc, html, markdown};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown, for pasting into a wiki.
    Md,
    /// A standalone HTML page with SVG charts.
    Html,
    /// The figures as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("Start of the period: {}", crate::cli::time::HELP))]
    pub from: String,
    #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("End of the period, exclusive: {}", crate::cli::time::HELP))]
    pub to: String,
    /// Only this service.
    #[arg(long)]
    pub service: Option<String>,
    /// The format; `-o json` is `--format json`.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// `nines report`: asks the daemon for the figures and renders them.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let mut query = vec![
        format!("from={}", crate::text::url::encode(&args.from)),
        format!("to={}", crate::text::url::encode(&args.to)),
    ];
    if let Some(s) = &args.service {
        query.push(format!("service={}", crate::text::url::encode(s)));
    }
    let doc: ReportDoc = crate::cli::client::get(
        &args.client,
        &format!("/api/v1/reports?{}", query.join("&")),
    )?;
    let format = match args.client.output {
        crate::cli::Output::Json => Format::Json,
        crate::cli::Output::Text => args.format,
    };
    match format {
        Format::Md => print!("{}", markdown(&doc)),
        Format::Html => print!("{}", html(&doc)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
    }
    Ok(ExitCode::SUCCESS)
}
