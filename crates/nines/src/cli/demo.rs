//! `nines demo`: a built-in sample service ("shop") on loopback with a week
//! of history, live traffic, a deploy that breaks it, and nines probing and
//! scraping it, paging the on-call person through a built-in sink, and a
//! scripted responder who acknowledges, rolls back, resolves and drafts the
//! postmortem: the whole loop in a few minutes without writing a config.

mod history;
mod responder;
mod shop;
mod sink;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::app::App;
use crate::clock::Clock;
use crate::daemon::{Intervals, serve, signals};

pub use shop::{Shop, shop_router};

/// The demo's admin token (its config keeps only the hash). Demo only.
pub const DEMO_TOKEN: &str = "nines_demo_admin";

/// Timing of the demo's script.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    pub outage_after: Duration,
    pub outage_for: Duration,
    /// Probe and scrape interval.
    pub every: Duration,
    /// Checkout requests per second of live traffic, and the mean of the
    /// history's.
    pub rps: u32,
    /// How long the paged person takes to acknowledge.
    pub ack_after: Duration,
}

impl Script {
    pub fn new(fast: bool) -> Script {
        if fast {
            Script {
                outage_after: Duration::from_secs(5),
                outage_for: Duration::from_secs(60),
                every: Duration::from_secs(1),
                rps: 20,
                ack_after: Duration::from_secs(8),
            }
        } else {
            Script {
                outage_after: Duration::from_secs(60),
                outage_for: Duration::from_secs(180),
                every: Duration::from_secs(5),
                rps: 10,
                ack_after: Duration::from_secs(45),
            }
        }
    }
}

/// Who is paged, and how: the part of the config the history leaves out.
pub struct Paging {
    /// The notification sink.
    pub sink: SocketAddr,
    /// nines' own address, for the links in notifications.
    pub base: String,
}

/// The demo's nines config for a shop listening on `shop`; with `paging`,
/// the on-call schedule, escalation and channel too.
pub fn config_yaml(shop: SocketAddr, script: &Script, paging: Option<&Paging>) -> String {
    let every = nines_probe::human(script.every);
    let paging_yaml = match paging {
        None => String::new(),
        Some(p) => format!(
            r#"incidents:
  external_url: "{base}"
users:
  alice: {{ webhook: "http://{sink}/person/alice" }}
  bob: {{ webhook: "http://{sink}/person/bob" }}
schedules:
  shop-primary:
    layers:
      - {{ rotation: weekly, users: [alice, bob] }}
escalations:
  shop-oncall:
    steps:
      - {{ notify: [schedule:shop-primary], after: 0m }}
      - {{ notify: [next:shop-primary], after: 5m }}
channels:
  shop-feed:
    webhook: {{ url: "http://{sink}/channel/shop-feed" }}
routes:
  channels: [shop-feed]
"#,
            base = p.base.trim_end_matches('/'),
            sink = p.sink,
        ),
    };
    format!(
        r#"# Written by `nines demo`: the shop on {shop}, probed and scraped.
auth:
  public_read: true
  tokens:
    - {{ name: demo, role: admin, hash: "{hash}" }}
# Deploys freeze while less than 35% of a budget is left.
error_budget_policy:
  budget_floor: 35
status_page:
  title: Demo shop status
  components:
    - {{ name: Checkout, description: Cart and checkout, services: [shop] }}
{paging_yaml}scrape:
  - name: shop
    url: "http://{shop}/metrics"
    interval: {every}
    timeout: 1s
services:
  shop:
    owner: demo
    description: The demo's sample web shop.
{escalation}    probes:
      - name: health
        interval: {every}
        timeout: 1s
        http: {{ url: "http://{shop}/healthz" }}
        conditions: ["[STATUS] == 200", "[BODY].status == UP", "[RESPONSE_TIME] < 500"]
    slos:
      - name: checkout-success
        description: Checkouts that do not fail.
        objective: 99.9
        window: 30d
        sli:
          prometheus:
            target: shop
            errors: 'shop_requests_total{{route="/checkout",code=~"5.."}}'
            total: 'shop_requests_total{{route="/checkout"}}'
        alerting:
          runbook_url: "http://{shop}/"
      - name: checkout-latency
        description: Checkouts answered within 300 ms.
        objective: 99
        window: 30d
        sli:
          prometheus:
            target: shop
            good: 'shop_request_duration_seconds_bucket{{route="/checkout",le="0.3"}}'
            total: 'shop_request_duration_seconds_count{{route="/checkout"}}'
      - name: health
        description: The health check answers UP within 500 ms.
        objective: 99.5
        window: 30d
        sli: {{ probe: health }}
"#,
        hash = nines_config::hash_token(DEMO_TOKEN),
        escalation = if paging.is_some() {
            "    escalation: shop-oncall\n"
        } else {
            ""
        },
    )
}

/// Background traffic: `rps` checkouts a second until the runtime stops.
async fn traffic(shop: SocketAddr, rps: u32) {
    let check = nines_probe::HttpCheck {
        follow_redirects: false,
        ..nines_probe::HttpCheck::get(format!("http://{shop}/checkout"))
    };
    let runner = match nines_probe::Runner::http(check, Duration::from_secs(5)) {
        Ok(r) => Arc::new(r),
        Err(_) => return,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rps.max(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let r = runner.clone();
        tokio::spawn(async move { r.run().await });
    }
}

/// Starts the shop and its traffic; returns where it listens.
pub async fn start_shop(script: Script) -> anyhow::Result<(SocketAddr, Arc<Shop>)> {
    let shop = Arc::new(Shop::default());
    shop.latency_ms
        .store(40, std::sync::atomic::Ordering::Relaxed);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = shop_router(shop.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    tokio::spawn(traffic(addr, script.rps));
    Ok((addr, shop))
}

/// Serves the sink on loopback; returns where it listens.
async fn start_sink(sink: &sink::Sink) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = sink.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(addr)
}

/// `nines demo`: the shop, its history, nines, the sink and the responder.
pub fn run(args: crate::cli::DemoArgs) -> anyhow::Result<ExitCode> {
    crate::cli::init_logs(crate::cli::LogFormat::Human);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let script = Script::new(args.fast);
        let listener = TcpListener::bind(args.listen).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e} (try --listen 127.0.0.1:0)",
                args.listen
            )
        })?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}/");
        let (shop_addr, shop) = start_shop(script).await?;
        let sink = sink::Sink::new();
        let sink_addr = start_sink(&sink).await?;
        let (data, temporary) = match args.data {
            Some(d) => (d, false),
            None => (temp_data_dir()?, true),
        };
        let _cleanup = TempDir(temporary.then(|| data.clone()));
        std::fs::create_dir_all(&data)?;
        let store = data.join("store");
        if !store.exists() {
            let past = data.join("history.yaml");
            std::fs::write(&past, config_yaml(shop_addr, &script, None))?;
            let now = Clock::System.now();
            let (rps, every) = (f64::from(script.rps), script.every.as_secs() as i64);
            let seeded = tokio::task::spawn_blocking(move || {
                history::seed(&past, &store, now, rps, every)
            })
            .await??;
            println!(
                "nines demo: wrote {} days of the shop's history in {:.1} s (a past incident, {}, with its postmortem)",
                history::DAYS,
                seeded.took.as_secs_f64(),
                seeded
                    .incident
                    .map(crate::state::incidents::incident_name)
                    .unwrap_or_else(|| "none".to_string()),
            );
        }
        let config = data.join("demo.yaml");
        let paging = Paging {
            sink: sink_addr,
            base: base.clone(),
        };
        std::fs::write(&config, config_yaml(shop_addr, &script, Some(&paging)))?;
        let (app, _) = App::open(
            &config,
            &data.join("store"),
            nines_store::Durability::Process,
            Clock::System,
        )?;
        let app = Arc::new(app);
        crate::slo::service::evaluate(&app, false);
        println!("nines demo: nines on {base} , the shop on http://{shop_addr}/");
        println!("  web UI:  {base} (sign in with the token below)");
        println!("  status:  {base}status");
        println!("  SLOs:    {base}api/v1/slos");
        println!("  metrics: {base}metrics");
        println!("  CLI:     nines status --server {base}");
        println!("  config:  {}", config.display());
        println!("  token:   {DEMO_TOKEN} (admin; demo only)");
        println!(
            "nines demo: alice and bob share the on-call; pages and channel messages are printed as they arrive"
        );
        println!(
            "nines demo: bob deploys v2.4.0 in {}; it breaks checkout, a page alert fires soon after",
            nines_probe::human(script.outage_after)
        );
        let (phase_tx, phase_rx) = tokio::sync::watch::channel(responder::Phase::Calm);
        tokio::spawn(responder::outage(app.clone(), shop, script, phase_tx));
        tokio::spawn(announce_alerts(app.clone(), script.every));
        let (a, pages) = (app.clone(), sink.pages());
        tokio::spawn(async move {
            if let Err(e) = responder::respond(a, base, script.ack_after, pages, phase_rx).await {
                eprintln!("nines demo: the responder stopped: {e:#}");
            }
        });
        let intervals = Intervals {
            evaluate: script.every,
            checkpoint: Duration::from_secs(60),
            ..Intervals::default()
        };
        serve(listener, app.clone(), intervals, signals(app, None)).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints each alert as it starts and stops firing: the demo's story.
async fn announce_alerts(app: Arc<App>, every: Duration) {
    let mut firing = std::collections::BTreeSet::new();
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now: std::collections::BTreeSet<(String, String, String, String)> = app.read(|e| {
            e.slos()
                .iter()
                .flat_map(|s| crate::state::slo::view::SloView::of(s).alerts)
                .filter(|a| a.state == "firing")
                .map(|a| {
                    let burn = a
                        .long_burn_rate
                        .map(|b| format!("{b:.0}x"))
                        .unwrap_or_default();
                    (format!("{}/{}", a.service, a.slo), a.tier, a.severity, burn)
                })
                .collect()
        });
        for (slo, tier, severity, burn) in &now {
            if !firing
                .iter()
                .any(|(s, t, _, _): &(String, String, String, String)| s == slo && t == tier)
            {
                println!("nines demo: ALERT {severity} {tier} firing for {slo} (burn rate {burn})");
            }
        }
        for (slo, tier, _, _) in &firing {
            if !now.iter().any(|(s, t, _, _)| s == slo && t == tier) {
                println!("nines demo: resolved {tier} for {slo}");
            }
        }
        firing = now;
    }
}

/// Removes the demo's temporary data directory however the demo ends:
/// stopped, or failed to start (it was left behind then).
pub struct TempDir(pub Option<PathBuf>);

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A fresh directory under the system's temp dir for a demo's data.
pub fn temp_data_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "nines-demo-{}-{}",
        std::process::id(),
        getrandom::u32().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
