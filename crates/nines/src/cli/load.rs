//! `nines load`: the adapter between the command line and `nines-load`.
//! Parses flags into a plan, shows progress, prints the summary, and turns
//! thresholds into the exit code (0 all hold, 2 one failed, 1 usage).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use nines_load::client::{Endpoint, HttpVersion, RequestSpec};
use nines_load::render;
use nines_load::search::{Next, Search, SearchConfig, Step};
use nines_load::threshold::{Threshold, parse_thresholds};
use nines_load::{Model, Plan, Profile, Second, Summary};

use crate::cli::Output;

#[derive(Debug, Args)]
#[command(after_help = "Models:
  open (--rate or --stages): requests leave on a planned schedule and each one's
    latency counts from when it was meant to leave, so a stalled server shows
    in the percentiles (coordinated omission corrected, as wrk2).
  closed (neither): -c connections send as fast as the server answers (wrk, oha).

Examples:
  nines load --rate 5000 -d 60s --warmup 10s http://127.0.0.1:8080/
  nines load --stages 30s:1000,60s:5000,30s:0 http://127.0.0.1:8080/
  nines load -c 50 -d 30s http://127.0.0.1:8080/            # as fast as it goes
  nines load --rate 2000 --slo 'p99<300ms,p999<1s,errors<0.1%,rate>=1980' URL  # CI: exit 2 on a miss
  nines load --find-max --slo 'p99<300ms,errors<0.1%' http://127.0.0.1:8080/
  nines load --rate 2000 --slo-from nines.yaml:shop/fast URL   # 99% under 300ms: p99<300ms,errors<=1%
  nines load --http2 --streams 10 -c 4 --rate 10000 http://127.0.0.1:8080/   # h2c
  nines load --targets targets.txt --rate 500 -o json > run.json             # vegeta's format
  nines load -m POST -H 'content-type: application/json' --body '{\"a\":1}' --rate 100 URL

Exit codes: 0 every threshold holds, 2 one failed (a line says which and by how much),
1 a usage error or the target could not be reached.")]
pub struct LoadArgs {
    /// The URL to load (or --targets).
    pub url: Option<String>,
    /// Open model: requests per second.
    #[arg(long, conflicts_with = "stages")]
    pub rate: Option<f64>,
    /// Open model ramps, DURATION:RATE,...: each ramps linearly from the rate
    /// before it (0 at the start); 0s:RATE jumps.
    #[arg(long)]
    pub stages: Option<String>,
    /// Connections (and, in the open model, the most requests in flight
    /// per connection × --streams).
    #[arg(short = 'c', long, default_value_t = 50)]
    pub connections: usize,
    /// HTTP/2: concurrent requests per connection.
    #[arg(long, default_value_t = 1)]
    pub streams: usize,
    /// How long to measure, after the warm-up (not with --stages).
    #[arg(short = 'd', long, value_parser = duration, default_value = "10s")]
    pub duration: Duration,
    /// Stop after this many requests.
    #[arg(short = 'n', long)]
    pub requests: Option<u64>,
    /// Run this long first and leave it out of the results (with --stages,
    /// the first part of the stages).
    #[arg(long, value_parser = duration, default_value = "0s")]
    pub warmup: Duration,
    #[arg(short = 'm', long, default_value = "GET")]
    pub method: String,
    /// A header, `Name: value`; repeat for more.
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// Targets in vegeta's format (METHOD URL, headers, @body-file, blank
    /// line between), picked round-robin.
    #[arg(long, conflicts_with = "url")]
    pub targets: Option<PathBuf>,
    /// Per request, from when it left.
    #[arg(long, value_parser = duration, default_value = "30s")]
    pub timeout: Duration,
    /// HTTP/2 only: h2c (prior knowledge) in plain text, ALPN h2 over TLS.
    #[arg(long, conflicts_with = "http1")]
    pub http2: bool,
    /// HTTP/1.1 only (over TLS too). Default: HTTP/1.1 in plain text, ALPN's choice over TLS.
    #[arg(long)]
    pub http1: bool,
    /// Accept any TLS certificate.
    #[arg(long)]
    pub insecure: bool,
    /// A new connection for every request (its connect time counts).
    #[arg(long)]
    pub new_connection: bool,
    /// Thresholds, as p99<300ms,p999<1s,mean<50ms,max<2s,errors<0.1%,rate>=4900
    /// (rate: responses per second).
    #[arg(long)]
    pub slo: Option<String>,
    /// Thresholds from an SLO in a nines config, CONFIG:SERVICE/SLO: its
    /// objective as the error budget (99.9 → errors<=0.1%) and, when its SLI
    /// has a latency threshold (a probe's latency_below, a Prometheus good
    /// counter's le bucket), that latency at the objective's percentile
    /// (p99.9<300ms). With --slo, both apply.
    #[arg(long, value_name = "CONFIG:SERVICE/SLO")]
    pub slo_from: Option<String>,
    /// Search for the highest rate meeting --slo / --slo-from: ramp by
    /// --factor, then bisect.
    #[arg(long)]
    pub find_max: bool,
    #[arg(long, default_value_t = 100.0)]
    pub start_rate: f64,
    #[arg(long)]
    pub max_rate: Option<f64>,
    #[arg(long, default_value_t = 2.0)]
    pub factor: f64,
    /// Stop bisecting when the pass and the failure are this close (0.05 = 5%).
    #[arg(long, default_value_t = 0.05)]
    pub precision: f64,
    /// Each search step measures this long...
    #[arg(long, value_parser = duration, default_value = "10s")]
    pub step_duration: Duration,
    /// ...after this warm-up.
    #[arg(long, value_parser = duration, default_value = "2s")]
    pub step_warmup: Duration,
    /// Write the latency histogram here, as HdrHistogram's percentile
    /// distribution (.hgrm), for HdrHistogram's plotter.
    #[arg(long)]
    pub hdr_out: Option<PathBuf>,
    /// Generator threads (default: the CPUs this process may use).
    #[arg(long)]
    pub threads: Option<usize>,
    /// text, or json: every figure, the per-second series, the percentile spectrum.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

fn duration(s: &str) -> Result<Duration, String> {
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    nines_slo::parse_duration(s).map_err(|e| e.to_string())
}

/// `nines load`.
pub fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let mut thresholds = match &args.slo {
        Some(t) => parse_thresholds(t)?,
        None => Vec::new(),
    };
    if let Some(from) = &args.slo_from {
        thresholds.extend(parse_thresholds(&slo_thresholds(from)?)?);
    }
    if args.find_max && thresholds.is_empty() {
        bail!(
            "--find-max needs --slo or --slo-from: the search looks for the highest rate meeting them"
        );
    }
    let base = base_plan(&args)?;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.enable_all().build()?;
    if args.find_max {
        return runtime.block_on(find_max(&args, base, &thresholds));
    }
    let model = if let Some(rate) = args.rate {
        if !(rate > 0.0 && rate.is_finite()) {
            bail!("--rate {rate}: give a rate above 0");
        }
        Model::Open(Profile::constant(rate, args.warmup + args.duration))
    } else if let Some(s) = &args.stages {
        let p = Profile::ramps(nines_load::stages::parse_stages(s)?);
        if p.duration() <= args.warmup {
            bail!(
                "the stages last {:?}, no longer than --warmup",
                p.duration()
            );
        }
        Model::Open(p)
    } else {
        Model::Closed {
            duration: (args.requests.is_none() || args.duration != Duration::from_secs(10))
                .then_some(args.duration),
        }
    };
    let plan = Plan { model, ..base };
    let summary = runtime.block_on(one_run(plan, args.output))?;
    if let Some(path) = &args.hdr_out {
        std::fs::write(
            path,
            nines_load::hgrm::percentile_distribution(&summary.histogram),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let verdicts: Vec<_> = thresholds.iter().map(|t| t.check(&summary)).collect();
    let pass = verdicts.iter().all(|v| v.pass);
    match args.output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "summary": summary,
                "kept_rate": summary.kept_rate(),
                "thresholds": verdicts,
                "pass": pass,
            }))?
        ),
        Output::Text => {
            print!("{}", render::summary(&summary));
            for v in &verdicts {
                println!("{v}");
            }
        }
    }
    Ok(if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// `--slo-from CONFIG:SERVICE/SLO` as threshold text (`p99<300ms,errors<=1%`).
fn slo_thresholds(from: &str) -> anyhow::Result<String> {
    let usage =
        || format!("--slo-from {from:?}: write CONFIG:SERVICE/SLO, as nines.yaml:shop/latency");
    let (path, name) = from.rsplit_once(':').with_context(usage)?;
    let (service, slo) = name.split_once('/').with_context(usage)?;
    let config = nines_config::Config::load(std::path::Path::new(path))
        .map_err(|e| anyhow::anyhow!("{path} is invalid:\n{e}"))?;
    let Some(s) = config.slo(service, slo) else {
        let known: Vec<String> = config
            .services
            .values()
            .flat_map(|sv| {
                sv.slos
                    .iter()
                    .map(move |s| format!("{}/{}", sv.name, s.name))
            })
            .collect();
        bail!(
            "{path} has no SLO {service}/{slo}; it has: {}",
            known.join(", ")
        );
    };
    let objective = s.objective_percent;
    // Rounded: 100 - 99.9 is 0.0999999... in floating point.
    let budget = ((100.0 - objective) * 1e9).round() / 1e9;
    let mut text = format!("errors<={budget}%");
    if let Some(limit) = latency_threshold(&s.sli) {
        let us = limit.as_micros();
        let limit = match us {
            _ if us % 1_000_000 == 0 => format!("{}s", us / 1_000_000),
            _ if us % 1_000 == 0 => format!("{}ms", us / 1_000),
            _ => format!("{us}us"),
        };
        text = format!("p{objective}<{limit},{text}");
    }
    Ok(text)
}

/// The latency an SLI counts as good below: a probe's `latency_below`, or
/// the `le` bound of a Prometheus histogram bucket its good counter names.
fn latency_threshold(sli: &nines_config::Sli) -> Option<Duration> {
    use nines_config::{Ratio, Sli};
    match sli {
        Sli::Probe { latency_below, .. } => *latency_below,
        Sli::Prometheus(c) | Sli::Promql(c) => match &c.ratio {
            Ratio::Good(selector) => {
                let rest = &selector[selector.find("le=\"")? + 4..];
                let seconds: f64 = rest[..rest.find('"')?].parse().ok()?;
                (seconds.is_finite() && seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
            }
            Ratio::Errors(_) => None,
        },
        _ => None,
    }
}

/// The plan without its model: targets, connections, timeouts.
fn base_plan(args: &LoadArgs) -> anyhow::Result<Plan> {
    let version = match (args.http1, args.http2) {
        (true, _) => HttpVersion::Http1,
        (_, true) => HttpVersion::Http2,
        _ => HttpVersion::Auto,
    };
    if args.streams > 1 && !args.http2 {
        bail!("--streams needs --http2: an HTTP/1.1 connection carries one request at a time");
    }
    let targets = match (&args.targets, &args.url) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            nines_load::targets::parse_targets(&text).with_context(|| path.display().to_string())?
        }
        (None, Some(url)) => vec![nines_load::targets::Target {
            method: args.method.clone(),
            url: url.clone(),
            headers: args
                .headers
                .iter()
                .map(|h| {
                    h.split_once(':')
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .with_context(|| format!("header {h:?}: write Name: value"))
                })
                .collect::<anyhow::Result<_>>()?,
            body_file: args.body_file.clone(),
        }],
        (None, None) => bail!("give a URL, or --targets FILE"),
    };
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut requests = Vec::new();
    for t in targets {
        let uri: hyper::Uri = t
            .url
            .parse()
            .with_context(|| format!("{:?} is not a URL", t.url))?;
        let ep = Endpoint::of(&uri, version, args.insecure)?;
        let endpoint = match endpoints.iter().position(|e| e.authority == ep.authority) {
            Some(i) => i,
            None => {
                endpoints.push(ep);
                endpoints.len() - 1
            }
        };
        let body = match (&t.body_file, &args.body) {
            (Some(f), _) => std::fs::read(f)
                .with_context(|| format!("cannot read {}", f.display()))?
                .into(),
            (None, Some(b)) => bytes::Bytes::from(b.clone()),
            (None, None) => bytes::Bytes::new(),
        };
        let headers = t
            .headers
            .iter()
            .map(|(k, v)| {
                Ok((
                    hyper::header::HeaderName::try_from(k.as_str())
                        .with_context(|| format!("header name {k:?}"))?,
                    hyper::header::HeaderValue::try_from(v.as_str())
                        .with_context(|| format!("header {k}: value {v:?}"))?,
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        requests.push(RequestSpec {
            method: t
                .method
                .parse()
                .with_context(|| format!("{:?} is not an HTTP method", t.method))?,
            uri,
            headers,
            body,
            endpoint,
        });
    }
    Ok(Plan {
        model: Model::Closed { duration: None },
        endpoints,
        requests,
        connections: args.connections,
        streams: args.streams,
        warmup: args.warmup,
        count: args.requests,
        timeout: args.timeout,
        new_connection_per_request: args.new_connection,
    })
}

/// One run with its progress: a bar on a terminal, a line per second
/// otherwise (stderr, so stdout keeps the summary or the JSON).
async fn one_run(plan: Plan, output: Output) -> anyhow::Result<Summary> {
    let tty = std::io::stderr().is_terminal();
    let bar = tty.then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .expect("static template"),
        );
        b
    });
    let quiet = matches!(output, Output::Json) && !tty;
    let summary = nines_load::run(plan, |s: &Second| match &bar {
        Some(b) => {
            b.set_message(render::second_line(s));
            b.tick();
        }
        None if !quiet => eprintln!("{}", render::second_line(s)),
        None => {}
    })
    .await?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(summary)
}

async fn find_max(
    args: &LoadArgs,
    base: Plan,
    thresholds: &[Threshold],
) -> anyhow::Result<ExitCode> {
    let mut search = Search::new(SearchConfig {
        start_rate: args.start_rate,
        factor: args.factor,
        max_rate: args.max_rate,
        precision: args.precision,
        ..SearchConfig::default()
    });
    while let Next::Try { rate } = search.next() {
        eprintln!("step {}: {rate:.0} req/s", search.steps.len() + 1);
        let plan = Plan {
            model: Model::Open(Profile::constant(
                rate,
                args.step_warmup + args.step_duration,
            )),
            warmup: args.step_warmup,
            ..base.clone()
        };
        let s = one_run(plan, Output::Json).await?;
        let verdicts: Vec<_> = thresholds.iter().map(|t| t.check(&s)).collect();
        search.record(Step {
            rate,
            pass: verdicts.iter().all(|v| v.pass),
            kept_rate: s.kept_rate(),
            achieved_rate: s.achieved_rate,
            p99_us: s.latency.p99_us,
            error_ratio: s.error_ratio,
            failed: verdicts
                .iter()
                .filter(|v| !v.pass)
                .map(|v| v.to_string())
                .collect(),
        });
    }
    let knee = search.knee();
    match args.output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "search": search,
                "result": search.next(),
                "knee": knee,
            }))?
        ),
        Output::Text => print!("{}", render::steps(&search)),
    }
    Ok(if knee.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
