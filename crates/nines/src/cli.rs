//! Command-line interface: the commands, their flags, and dispatch.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod capacity;
pub mod chaos;
pub mod client;
pub mod completions;
pub mod demo;
pub mod gate;
pub mod grafana;
pub mod import;
pub mod incident;
pub mod load;
pub mod notify;
pub mod postmortem;
pub mod probe;
pub mod report;
pub mod rules;
pub mod silence;
pub mod status;
pub mod time;
pub mod token;

use crate::app::App;
use crate::clock::Clock;
use crate::daemon::{Http, Intervals, serve_with, signals};

/// nines: SLOs, error budgets and burn-rate alerts in one binary.
///
/// Declare services and SLOs in YAML; nines measures the SLIs (HTTP, TCP,
/// DNS and TLS probes, Prometheus scrapes and PromQL queries, or good/total
/// events you push), keeps every error budget, fires multiwindow
/// multi-burn-rate alerts, opens incidents and pages the on-call, and shows
/// it all on the CLI, the web UI, the HTTP API and /metrics.
#[derive(Debug, Parser)]
#[command(name = "nines", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: HTTP API, evaluator, /metrics.
    ///
    /// Example: nines serve --config nines.yaml
    Serve(ServeArgs),
    /// The whole loop in five minutes: a bad deploy, the page, the fix.
    ///
    /// Starts, on loopback, a built-in shop service with a week of history
    /// (a daily cycle, a past incident and its postmortem) and live traffic,
    /// and nines probing and scraping it with three SLOs, an on-call
    /// schedule and a notification sink that prints what it receives. A
    /// minute after start a deploy breaks checkout: watch the page reach the
    /// on-call person, the acknowledgement, the rollback, the resolution,
    /// the postmortem draft and the frozen gate, in the terminal and in the
    /// web UI. Stop with Ctrl-C.
    Demo(DemoArgs),
    /// Validate a config file or directory; every error names file:line and field.
    ///
    /// Exits 0 when valid, 1 otherwise. Example: nines check --config nines.yaml
    Check {
        /// Config file, or a directory of *.yaml files.
        #[arg(long, short, env = "NINES_CONFIG")]
        config: PathBuf,
        /// text, or json: `{"valid", counts, "warnings", "errors"}` on stdout.
        #[arg(long, short, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Show every SLO: SLI, budget left, burn rates and firing alerts.
    ///
    /// Reads from a running daemon. Example: nines status --service shop
    Status {
        /// Only this service.
        #[arg(long, short)]
        service: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List firing alerts.
    Alerts {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Ask a running daemon to reload its config (needs an admin token).
    ///
    /// A config with errors is refused and the running one stays; the errors
    /// are printed. `kill -HUP` does the same.
    Reload {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Who is on call, and the shifts of a schedule.
    #[command(subcommand)]
    Oncall(OncallCommand),
    /// Record a change to a service (a deploy, a config push, a rollback).
    ///
    /// Changes in the 2 hours before an incident show on its timeline. From
    /// CI: nines change shop --version 1.4.2 --link "$CI_JOB_URL" (role writer).
    // `--version` is the change's version here, not nines'.
    #[command(disable_version_flag = true)]
    Change {
        service: String,
        #[arg(long)]
        version: Option<String>,
        /// deploy, config, flag, rollback, chaos or other.
        #[arg(long, default_value = "deploy")]
        kind: String,
        /// Who made it; default the token's name.
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        link: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Incidents: list, show, open, ack, resolve, note, mitigate, reopen, severity, assign, escalate.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// May a change ship? The error budget policy's answer for a service.
    ///
    /// Exits 0 (go), 1 (frozen; one line per reason) or 2 (the gate could
    /// not answer). `nines gate override SERVICE` lifts a freeze for a while.
    #[command(
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        after_help = "Examples:
  nines gate shop --kind deploy || exit 1
  nines gate override shop --duration 2h --reason \"security fix, approved by ana\""
    )]
    Gate {
        #[command(subcommand)]
        command: Option<GateCommand>,
        #[arg(required = true)]
        service: Option<String>,
        /// The change kind: deploy, config, flag, rollback, security, …
        #[arg(long, default_value = "deploy")]
        kind: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Silences: hold the notifications of matching alerts for a while.
    #[command(subcommand)]
    Silence(crate::cli::silence::SilenceCommand),
    /// Notifications: send a test message through the outbox.
    #[command(subcommand)]
    Notify(crate::cli::notify::NotifyCommand),
    /// Postmortems: draft one from an incident, export and import Markdown.
    ///
    /// nines postmortem INC-7 drafts it (or shows the current one);
    /// nines postmortem export INC-7 > inc-7.md; edit;
    /// nines postmortem import INC-7 inc-7.md (role responder).
    Postmortem(crate::cli::postmortem::PostmortemArgs),
    /// A reliability report over a period, per service.
    ///
    /// SLO attainment, budget consumed, incidents, MTTD/MTTA/MTTR, change
    /// failure rate, noisy alerts, open action items, SLAs. Example:
    /// nines report --from 2025-03-01 --to 2025-04-01 --format md, or
    /// nines report --from -7d --to now -o json
    Report(report::ReportArgs),
    /// Load-test a service: open or closed model, honest latency, SLO thresholds, capacity search.
    ///
    /// Example: nines load --rate 1000 -d 30s --slo 'p99<300ms,errors<0.1%' http://127.0.0.1:8080/
    Load(Box<crate::cli::load::LoadArgs>),
    /// Capacity planning: forecasts and time to exhaustion.
    #[command(subcommand)]
    Capacity(CapacityCommand),
    /// Inject faults: TCP fault proxies with a toxiproxy-compatible API.
    ///
    /// Example: nines chaos proxy --upstream 127.0.0.1:5432 --listen 127.0.0.1:15432
    #[command(subcommand)]
    Chaos(crate::cli::chaos::ChaosCommand),
    /// Run a probe once, or list a daemon's probes.
    #[command(subcommand)]
    Probe(ProbeCommand),
    /// Compile SLOs into rules for other systems.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write files for other tools.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Turn other tools' SLO specs into nines config.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Shell completions for bash, zsh, fish (and elvish, powershell).
    #[command(after_help = "Examples:
  nines completions bash > ~/.local/share/bash-completion/completions/nines
  nines completions zsh > ~/.zfunc/_nines    # with fpath+=~/.zfunc before compinit
  nines completions fish > ~/.config/fish/completions/nines.fish")]
    Completions { shell: clap_complete::Shell },
    /// The man page: nines(1) on stdout, or one page per command with --out.
    #[command(after_help = "Examples:
  nines man | man -l -
  nines man --out /usr/local/share/man/man1")]
    Man {
        /// Write nines.1 and a page per command (nines-silence-add.1, …) here.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GateCommand {
    /// Let changes through a freeze until it expires (role admin); recorded with the reason.
    #[command(after_help = "Examples:
  nines gate override shop --duration 2h --reason \"security fix, approved by ana\"
  nines gate override shop --until 2026-12-05 --reason \"launch\"")]
    Override {
        service: String,
        /// Why the freeze is lifted, for the people who read the record later.
        #[arg(long)]
        reason: String,
        /// How long from now: 2h, 30m, 1d (at most 30d).
        #[arg(long, conflicts_with = "until", required_unless_present = "until")]
        duration: Option<String>,
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("When it expires: {}", crate::cli::time::HELP))]
        until: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// A service's gate overrides, newest first, expired ones included.
    ///
    /// Example: nines gate overrides shop
    Overrides {
        service: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Incidents, newest first. Example: nines incident list --status triggered
    List {
        /// triggered, acknowledged, resolved, open (not resolved) or all (the default).
        #[arg(long, value_parser = ["triggered", "acknowledged", "resolved", "open", "all"])]
        status: Option<String>,
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// One incident with its alerts and timeline. Example: nines incident show INC-12
    Show {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Open an incident by hand (role responder).
    Open {
        service: String,
        /// What is wrong, in one line.
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "SEV3")]
        severity: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Acknowledge: someone is on it (role responder).
    Ack {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Resolve (role responder).
    Resolve {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Add a note to the timeline (role responder).
    Note {
        id: String,
        text: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Mark it mitigated: the impact is over, the cause may not be (role responder).
    #[command(after_help = "Example: nines incident mitigate INC-12")]
    Mitigate {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Reopen a resolved incident: triggered again (role responder).
    #[command(after_help = "Example: nines incident reopen INC-12")]
    Reopen {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Change the severity, up or down (role responder).
    #[command(after_help = "Example: nines incident severity INC-12 SEV1")]
    Severity {
        id: String,
        /// SEV1 (worst) to SEV5.
        severity: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Assign it to someone, or name its commander (role responder).
    #[command(after_help = "Examples:
  nines incident assign INC-12 ana
  nines incident assign INC-12 --commander bo")]
    Assign {
        id: String,
        /// Who works on it: a name under `users:`.
        #[arg(required_unless_present = "commander")]
        assignee: Option<String>,
        /// Who coordinates the response.
        #[arg(long)]
        commander: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Page the next escalation step now instead of waiting (role responder).
    #[command(after_help = "Example: nines incident escalate INC-12")]
    Escalate {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Put it on the public status page (role responder).
    ///
    /// With `status_page.publish: confirmed` (the default) an incident and
    /// the impact it means appear on /status only once a responder
    /// publishes it; publishing twice changes nothing.
    #[command(after_help = "Example: nines incident publish INC-12")]
    Publish {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where nines' API listens.
    #[arg(long, default_value = "127.0.0.1:9900")]
    pub listen: SocketAddr,
    /// Data directory; default a new temporary one, removed at exit.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Compress time (deploy after 5 s, a 60 s outage, 1 s probes and evaluation).
    #[arg(long)]
    pub fast: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// Run one probe of the config once and print every phase and check.
    ///
    /// For debugging a probe's config: nothing is stored. Exits 0 when the
    /// probe succeeds, 1 when it fails. Example:
    /// nines probe run --config nines.yaml shop/health
    Run {
        /// Config file, or a directory of *.yaml files.
        #[arg(long, short, env = "NINES_CONFIG")]
        config: PathBuf,
        /// SERVICE/PROBE, such as shop/health.
        probe: String,
        #[arg(long, short, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Every probe of a running daemon: status, last run, why it failed.
    List {
        /// Only this service.
        #[arg(long, short)]
        service: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A Sloth spec (prometheus/v1 or PrometheusServiceLevel) as nines config.
    ///
    /// SLIs become `promql` queries; what nines config cannot express (alert
    /// names, per-severity labels) is listed on stderr as `not mapped: …`.
    /// Example: nines import sloth slos/shop.yaml --out conf/shop.yaml
    Sloth {
        file: PathBuf,
        /// Write here instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// The SLO window to write (Sloth's default period is 30d).
        #[arg(long, default_value = "30d")]
        period: String,
    },
    /// OpenSLO v1 documents (files or directories) as nines config.
    ///
    /// All files given are read together: a reference in one (an SLO's
    /// `indicatorRef`, `metricSourceRef`, `alertPolicyRef`) finds its
    /// document in another. nines also reads OpenSLO files placed beside
    /// its config directly; this shows what they become. Fields nines does
    /// not use are listed on stderr as `not mapped: …`. Example: nines
    /// import openslo slos/ datasources.yaml
    Openslo {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write here instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A Grafana dashboard over the nines_* metrics, importable as it is.
    ///
    /// It lists every SLO the scraped nines has (filter by service); point
    /// its Prometheus data source at the Prometheus that scrapes nines'
    /// /metrics. Example: nines export grafana --out nines-dashboard.json
    Grafana {
        /// Write here instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Dashboard title.
        #[arg(long, default_value = "nines: SLOs and error budgets")]
        title: String,
    },
    /// SLOs with Prometheus-based SLIs as OpenSLO v1 documents.
    ///
    /// Example: nines export openslo --config nines.yaml --out slos.openslo.yaml
    Openslo {
        #[arg(long, short, env = "NINES_CONFIG")]
        config: PathBuf,
        /// Write here instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OncallCommand {
    /// Who is on call now (or at --at) in every schedule, and until when.
    ///
    /// Example: nines oncall now --schedule payments-primary
    Now {
        #[arg(long, short)]
        schedule: Option<String>,
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("This instant instead of now: {}", crate::cli::time::HELP))]
        at: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The shifts of a schedule, gaps included (default: the next 14 days).
    ///
    /// Example: nines oncall shifts payments-primary --from 2026-12-01 --to 2027-01-01
    Shifts {
        schedule: String,
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("Start (default now): {}", crate::cli::time::HELP))]
        from: Option<String>,
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("End (default 14 days after the start): {}", crate::cli::time::HELP))]
        to: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Put someone on call in a schedule for a while (role responder).
    ///
    /// The override wins over the schedule's layers (and over the config's
    /// overrides) from --from to --to; `nines oncall now`, the shifts, the
    /// calendar feeds and escalations follow it at once.
    ///
    /// Example: nines oncall override payments-primary --user bo --from 2026-12-24T18:00:00Z --to 2026-12-26T08:00:00Z --reason "swap with ana"
    Override {
        /// The schedule, as named under `schedules:` in the config.
        schedule: String,
        /// Who goes on call: a name under `users:`.
        #[arg(long)]
        user: String,
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("Start (default now): {}", crate::cli::time::HELP))]
        from: Option<String>,
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("End: {}", crate::cli::time::HELP))]
        to: String,
        /// Why, for the people who read the schedule later.
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// On-call health: pages per person (outside working hours, at night),
    /// hours on call, acknowledgements and MTTA, per team with a warning for
    /// anyone carrying more than twice the team's median.
    ///
    /// Examples: nines oncall report --from 2026-11-01 --to 2026-12-01;
    /// nines oncall report --from -7d
    Report {
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("Start (default 28 days before --to): {}", crate::cli::time::HELP))]
        from: Option<String>,
        #[arg(long, value_parser = crate::cli::time::arg, allow_hyphen_values = true, help = format!("End (default now): {}", crate::cli::time::HELP))]
        to: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// A schedule's calendar feed (iCalendar), or one person's with --user.
    ///
    /// Subscribe a calendar to the URL instead where you can:
    /// /api/v1/oncall/SCHEDULE.ics or /api/v1/users/USER/oncall.ics.
    ///
    /// Example: nines oncall ics payments-primary > oncall.ics
    Ics {
        /// The schedule; leave out with --user.
        schedule: Option<String>,
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Prometheus recording and alert rules for SLOs with `prometheus` or `promql` SLIs.
    ///
    /// Error ratios over 5m, 30m, 1h, 2h, 6h, 1d, 3d and the SLO period
    /// (built from the 5m rule, as Sloth does), metadata, and one
    /// `ErrorBudgetBurn` alert per tier with nines' thresholds. Other SLOs
    /// are listed as skipped on stderr.
    ///
    /// Example: nines rules prometheus --config nines.yaml --out slo-rules.yaml --check
    Prometheus(crate::cli::rules::RulesArgs),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a fresh random token and the config line that admits it.
    ///
    /// Only the token's SHA-256 goes into the config; keep the token itself
    /// in your secret store. Example: nines token new --role writer --name ci
    New {
        /// reader: read the API; writer: also push events; admin: also reload.
        #[arg(long, value_enum, default_value_t = RoleArg::Writer)]
        role: RoleArg,
        /// A name for the token, shown in logs and errors.
        #[arg(long, default_value = "default")]
        name: String,
        #[arg(long, short, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Reader,
    Writer,
    Responder,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// A table for people.
    #[value(alias = "table")]
    Text,
    /// JSON for scripts.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum CapacityCommand {
    /// Forecast one series (CSV or PromQL) with bands, and when it reaches a limit.
    ///
    /// Example: nines capacity forecast --csv disk.csv --horizon 14d --limit 500e9
    Forecast(Box<crate::cli::capacity::ForecastArgs>),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DurabilityArg {
    /// Commits survive a crash of nines (kill -9); the default.
    Process,
    /// Commits also survive power loss (fsync each commit; slower).
    Full,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Config file, or a directory of *.yaml files.
    #[arg(long, short, env = "NINES_CONFIG")]
    pub config: PathBuf,
    /// Where nines keeps its database.
    #[arg(long, env = "NINES_DATA", default_value = "./nines-data")]
    pub data: PathBuf,
    /// A PostgreSQL database instead of SQLite under --data:
    /// postgres://USER@HOST:PORT/DB?sslmode=require (the password from
    /// PGPASSWORD, not the URL, so it stays out of process listings).
    #[arg(long, env = "NINES_STORE", hide_env_values = true)]
    pub store: Option<String>,
    /// Address for the HTTP API, /metrics and health checks.
    #[arg(long, env = "NINES_LISTEN", default_value = "127.0.0.1:9900")]
    pub listen: SocketAddr,
    /// How often every SLO is evaluated (it also runs after every accepted batch).
    #[arg(long, env = "NINES_EVAL_INTERVAL", default_value = "10s", value_parser = parse_interval)]
    pub eval_interval: Duration,
    /// How often changed series are snapshotted and the ingest log trimmed.
    #[arg(long, env = "NINES_CHECKPOINT_INTERVAL", default_value = "60s", value_parser = parse_interval)]
    pub checkpoint_interval: Duration,
    /// Step of PromQL-sourced SLIs: each step is one `increase(...[step])`
    /// query point. Keep the default (a minute) unless Prometheus is slow.
    #[arg(long, env = "NINES_QUERY_STEP", default_value = "60s", value_parser = parse_interval)]
    pub query_step: Duration,
    /// First retry delay of a failed notification; each retry waits up to
    /// twice as long (full jitter), at most 10 minutes.
    #[arg(long, env = "NINES_NOTIFY_RETRY_BASE", default_value = "10s", value_parser = parse_interval)]
    pub notify_retry_base: Duration,
    #[arg(long, env = "NINES_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    #[arg(long, env = "NINES_DURABILITY", value_enum, default_value_t = DurabilityArg::Process)]
    pub durability: DurabilityArg,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key);
    /// SIGHUP reads it again.
    #[arg(long, env = "NINES_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "NINES_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A client must send a request's headers within this long of
    /// connecting (or of its previous answer), or it is disconnected.
    #[arg(long, env = "NINES_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_interval)]
    pub header_read_timeout: Duration,
    /// At most this many client connections (lowered to fit `ulimit -n`);
    /// at the cap a new connection closes the longest-idle one.
    #[arg(long, env = "NINES_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
}

#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The daemon to ask: a URL, or HOST:PORT for http://HOST:PORT.
    #[arg(long, env = "NINES_SERVER", default_value = "http://127.0.0.1:9900", value_parser = crate::cli::client::server_url)]
    pub server: String,
    /// API token (prefer the environment variable to keep it out of shell history).
    #[arg(long, env = "NINES_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Trust this PEM CA bundle for an https:// server (instead of the
    /// system's roots), as for a private CA.
    #[arg(long, env = "NINES_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// Do not verify the server's certificate (testing only: anyone on
    /// the path can read the token).
    #[arg(long)]
    pub insecure: bool,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = nines_slo::parse_duration(s).map_err(|e| e.to_string())?;
    if d < Duration::from_millis(100) {
        return Err(format!("{s} is too short; use at least 100ms"));
    }
    Ok(d)
}

/// Runs a parsed command line; the exit code says how it went.
pub fn run(cli: Cli) -> ExitCode {
    crate::daemon::tls::install_crypto_provider();
    let result = match cli.command {
        Command::Serve(args) => run_serve(args),
        Command::Demo(args) => crate::cli::demo::run(args),
        Command::Check { config, output } => return crate::cli::status::check(&config, output),
        Command::Status { service, client } => {
            crate::cli::status::status(&client, service.as_deref())
        }
        Command::Alerts { client } => crate::cli::status::alerts(&client),
        Command::Reload { client } => crate::cli::status::reload(&client),
        Command::Rules(RulesCommand::Prometheus(args)) => crate::cli::rules::run(&args),
        Command::Oncall(OncallCommand::Now {
            schedule,
            at,
            client,
        }) => crate::cli::status::oncall_now(&client, schedule.as_deref(), at.as_deref()),
        Command::Oncall(OncallCommand::Shifts {
            schedule,
            from,
            to,
            client,
        }) => crate::cli::status::oncall_shifts(&client, &schedule, from.as_deref(), to.as_deref()),
        Command::Oncall(OncallCommand::Override {
            schedule,
            user,
            from,
            to,
            reason,
            client,
        }) => crate::cli::status::oncall_override(
            &client,
            &schedule,
            &user,
            from.as_deref(),
            &to,
            &reason,
        ),
        Command::Oncall(OncallCommand::Report { from, to, client }) => {
            crate::cli::status::oncall_report(&client, from.as_deref(), to.as_deref())
        }
        Command::Oncall(OncallCommand::Ics {
            schedule,
            user,
            client,
        }) => crate::cli::status::oncall_ics(&client, schedule.as_deref(), user.as_deref()),
        Command::Change {
            service,
            version,
            kind,
            by,
            link,
            description,
            client,
        } => crate::cli::incident::change(
            &client,
            serde_json::json!({
                "service": service, "version": version, "kind": kind,
                "by": by, "link": link, "description": description,
            }),
        ),
        Command::Gate {
            command:
                Some(GateCommand::Override {
                    service,
                    reason,
                    duration,
                    until,
                    client,
                }),
            ..
        } => crate::cli::gate::add_override(
            &client,
            &service,
            &reason,
            duration.as_deref(),
            until.as_deref(),
        ),
        Command::Gate {
            command: Some(GateCommand::Overrides { service, client }),
            ..
        } => crate::cli::gate::list_overrides(&client, &service),
        Command::Gate {
            command: None,
            service,
            kind,
            client,
        } => return crate::cli::gate::run(&client, service.as_deref().unwrap_or_default(), &kind),
        Command::Silence(cmd) => crate::cli::silence::run(&cmd),
        Command::Notify(cmd) => crate::cli::notify::run(&cmd),
        Command::Completions { shell } => crate::cli::completions::completions(shell),
        Command::Man { out } => crate::cli::completions::man(out.as_deref()),
        Command::Postmortem(args) => crate::cli::postmortem::run(args),
        Command::Report(args) => report::run(&args),
        Command::Load(args) => crate::cli::load::run(*args),
        Command::Capacity(CapacityCommand::Forecast(args)) => crate::cli::capacity::forecast(&args),
        Command::Chaos(cmd) => crate::cli::chaos::run(cmd),
        Command::Incident(cmd) => match cmd {
            IncidentCommand::List {
                status,
                service,
                client,
            } => crate::cli::incident::list(&client, status.as_deref(), service.as_deref()),
            IncidentCommand::Show { id, client } => crate::cli::incident::show(&client, &id),
            IncidentCommand::Open {
                service,
                title,
                severity,
                client,
            } => crate::cli::incident::open(&client, &service, &title, &severity),
            IncidentCommand::Ack { id, client } => {
                crate::cli::incident::act(&client, &id, "ack", serde_json::json!({}))
            }
            IncidentCommand::Resolve { id, client } => {
                crate::cli::incident::act(&client, &id, "resolve", serde_json::json!({}))
            }
            IncidentCommand::Note { id, text, client } => crate::cli::incident::act(
                &client,
                &id,
                "notes",
                serde_json::json!({ "text": text }),
            ),
            IncidentCommand::Mitigate { id, client } => {
                crate::cli::incident::act(&client, &id, "mitigate", serde_json::json!({}))
            }
            IncidentCommand::Reopen { id, client } => {
                crate::cli::incident::act(&client, &id, "reopen", serde_json::json!({}))
            }
            IncidentCommand::Escalate { id, client } => {
                crate::cli::incident::act(&client, &id, "escalate", serde_json::json!({}))
            }
            IncidentCommand::Publish { id, client } => {
                crate::cli::incident::act(&client, &id, "publish", serde_json::json!({}))
            }
            IncidentCommand::Severity {
                id,
                severity,
                client,
            } => crate::cli::incident::act(
                &client,
                &id,
                "severity",
                serde_json::json!({ "severity": severity }),
            ),
            IncidentCommand::Assign {
                id,
                assignee,
                commander,
                client,
            } => {
                let mut body = serde_json::Map::new();
                if let Some(a) = assignee {
                    body.insert("assignee".into(), a.into());
                }
                if let Some(c) = commander {
                    body.insert("commander".into(), c.into());
                }
                crate::cli::incident::act(&client, &id, "assign", body.into())
            }
        },
        Command::Probe(ProbeCommand::Run {
            config,
            probe,
            output,
        }) => crate::cli::probe::run(&config, &probe, output),
        Command::Probe(ProbeCommand::List { service, client }) => {
            crate::cli::probe::list(&client, service.as_deref())
        }
        Command::Export(ExportCommand::Grafana { out, title }) => {
            export_grafana(out.as_deref(), &title)
        }
        Command::Import(ImportCommand::Openslo { paths, out }) => {
            crate::cli::import::openslo(&paths, out.as_deref())
        }
        Command::Export(ExportCommand::Openslo { config, out }) => {
            crate::cli::import::export_openslo(&config, out.as_deref())
        }
        Command::Import(ImportCommand::Sloth { file, out, period }) => {
            crate::cli::import::sloth(&file, out.as_deref(), &period)
        }
        Command::Token(TokenCommand::New { role, name, output }) => {
            crate::cli::token::new(role, &name, output)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn export_grafana(out: Option<&std::path::Path>, title: &str) -> anyhow::Result<ExitCode> {
    let text = serde_json::to_string_pretty(&crate::cli::grafana::dashboard(title))? + "\n";
    match out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NINES_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only for a person at a terminal: log files and journald get
    // plain text, not ANSI escape codes.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The PostgreSQL store `--store` names, migrated.
fn open_postgres(url: &str) -> anyhow::Result<Box<dyn nines_store::Backend>> {
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        anyhow::bail!("--store takes a postgres:// URL (leave it out to keep SQLite under --data)");
    }
    Ok(Box::new(nines_store::PostgresStore::open(url)?))
}

fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logs(args.log_format);
    let durability = match args.durability {
        DurabilityArg::Process => nines_store::Durability::Process,
        DurabilityArg::Full => nines_store::Durability::Full,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (app, restored) = match &args.store {
            Some(url) => App::open_store(&args.config, open_postgres(url)?, Clock::System)?,
            None => App::open(&args.config, &args.data, durability, Clock::System)?,
        };
        let store = app.database();
        let app = Arc::new(app);
        crate::slo::service::evaluate(&app, false);
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => {
                Some(Arc::new(crate::daemon::tls::Certificates::load(cert, key)?))
            }
            _ => None,
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
        let slos = app.read(|e| e.slos().len());
        let max_connections = crate::daemon::http::effective_cap(args.max_connections);
        tracing::info!(
            listen = %listener.local_addr()?, tls = tls.is_some(), max_connections,
            %store, slos,
            restored_snapshots = restored.snapshots, replayed_batches = restored.batches,
            replayed_events = restored.events, skipped_events = restored.skipped,
            "nines is serving"
        );
        let intervals = Intervals {
            evaluate: args.eval_interval,
            checkpoint: args.checkpoint_interval,
            query_step: args.query_step,
            notify_retry_base: args.notify_retry_base,
        };
        let http = Http {
            header_read_timeout: args.header_read_timeout,
            max_connections: args.max_connections,
            tls: tls.clone(),
        };
        serve_with(listener, app.clone(), intervals, http, signals(app, tls)).await?;
        Ok(ExitCode::SUCCESS)
    })
}
