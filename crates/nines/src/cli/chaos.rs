//! `nines chaos`: the adapter between the command line and `nines-chaos`.
//! `nines chaos proxy` runs the fault proxies and their toxiproxy-compatible
//! control API until SIGINT or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use nines_chaos::{Proxies, ProxyInput};

#[derive(Debug, Subcommand)]
pub enum ChaosCommand {
    /// Run TCP fault proxies and a toxiproxy-compatible control API.
    ///
    /// toxiproxy's clients (and Chaos Toolkit's toxiproxy extension) work
    /// pointed at --api. Example:
    /// nines chaos proxy --name db --listen 127.0.0.1:15432 --upstream 127.0.0.1:5432 \
    ///   --toxic '{"type":"latency","attributes":{"latency":100,"jitter":10}}'
    Proxy(ProxyArgs),
}

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Where the control API listens (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:8474")]
    pub api: String,
    /// Proxies to create, in `toxiproxy-server -config` format (a JSON
    /// array of {"name", "listen", "upstream", "enabled"}).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// One proxy from flags: its name (with --listen and --upstream).
    #[arg(long, requires = "upstream", default_value = "proxy")]
    pub name: String,
    /// Where the proxy from flags listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Where the proxy from flags connects to.
    #[arg(long)]
    pub upstream: Option<String>,
    /// A toxic for the proxy from flags, as toxiproxy's JSON; repeat for more.
    #[arg(long, requires = "upstream")]
    pub toxic: Vec<String>,
}

pub fn run(cmd: ChaosCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ChaosCommand::Proxy(args) => proxy(args),
    }
}

fn proxy(args: ProxyArgs) -> anyhow::Result<ExitCode> {
    let mut inputs = match &args.config {
        Some(path) => nines_chaos::config::read(path)?,
        None => Vec::new(),
    };
    if let Some(upstream) = &args.upstream {
        inputs.push(ProxyInput {
            name: args.name.clone(),
            listen: args.listen.clone(),
            upstream: upstream.clone(),
            enabled: None,
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let proxies = Proxies::new();
        let listener = tokio::net::TcpListener::bind(&args.api)
            .await
            .with_context(|| format!("listening on {} for the control API", args.api))?;
        let api = listener.local_addr()?;
        let created = match proxies.populate(inputs) {
            Ok(created) => created,
            Err((e, _)) => bail!("creating the proxies: {e}"),
        };
        for t in &args.toxic {
            proxies
                .add_toxic(&args.name, t.as_bytes())
                .with_context(|| format!("--toxic {t}"))?;
        }
        // Lines scripts (and tests) read: the API's real address first.
        println!("control API on http://{api} (toxiproxy-compatible)");
        for p in &created {
            println!("proxy {}: {} -> {}", p["name"], p["listen"], p["upstream"]);
        }
        nines_chaos::api::serve(listener, proxies, stopped())
            .await
            .context("serving the control API")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Completes on SIGINT or SIGTERM.
async fn stopped() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
