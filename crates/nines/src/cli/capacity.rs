//! `nines capacity forecast`: forecasts one series, from a CSV file or a
//! PromQL range query, with `nines-forecast`, and prints the point forecast
//! and band per step and, given a limit, when it is reached (expected, as
//! early as, as late as) and the growth per day.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use nines_forecast::{
    Alert, Calm, Exhaustion, Model, Quiet, Spec, Thresholds, decide, format_span, outlook,
};
use serde_json::json;

use crate::cli::Output;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ModelArg {
    /// Daily and weekly seasons (detected, or --season) + ETS trend.
    Seasonal,
    /// Exponential smoothing, no seasons.
    Ets,
    /// Prometheus' predict_linear least squares.
    Linear,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  nines capacity forecast --csv disk.csv --horizon 14d --limit 500e9
  nines capacity forecast --csv values.txt --step 1h --horizon 48 --season 24,168 -o json
  nines capacity forecast --prometheus http://127.0.0.1:9090 \\
      --promql 'node_filesystem_avail_bytes{mountpoint=\"/\"}' --range 30d --step 1h --horizon 14d --limit 0 --falling
  nines capacity forecast --config nines.yaml shop/disk

With --config, the resource's `capacity` settings give the series, limit, step, history
(--range), horizon and model; --horizon, --step, --range, --model and --season override them.

CSV: `time,value` rows (time in Unix seconds or RFC 3339; a header row is skipped), or
values alone, one a line, with --step. Missing steps carry the previous value forward.")]
pub struct ForecastArgs {
    /// SERVICE/RESOURCE: a resource of the config's `capacity` sections (with --config).
    #[arg(requires = "config", conflicts_with_all = ["csv", "promql", "limit", "falling"])]
    pub resource: Option<String>,
    /// Config file, or a directory of *.yaml files, holding RESOURCE.
    #[arg(long, short, requires = "resource")]
    pub config: Option<PathBuf>,
    /// A CSV of `time,value` rows, or of values alone with --step.
    #[arg(long, conflicts_with = "promql")]
    pub csv: Option<PathBuf>,
    /// A PromQL expression to read with a range query (with --prometheus).
    #[arg(long, requires = "prometheus")]
    pub promql: Option<String>,
    /// Base URL of the Prometheus API for --promql.
    #[arg(long)]
    pub prometheus: Option<String>,
    /// How much history --promql reads, ending now [default: 30d, or the resource's history].
    #[arg(long)]
    pub range: Option<String>,
    /// Time between points (1h, 5m). Inferred from the CSV's times when absent.
    #[arg(long)]
    pub step: Option<String>,
    /// How far to forecast: a number of steps, or a duration (14d) [default with --config: the resource's].
    #[arg(long, required_unless_present = "config")]
    pub horizon: Option<String>,
    /// Seasons in steps (24,168); absent: detected among a day and a week.
    #[arg(long, value_delimiter = ',')]
    pub season: Vec<usize>,
    /// [default: seasonal, or the resource's]
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,
    /// The limit the resource runs out at, in its unit.
    #[arg(long, allow_hyphen_values = true)]
    pub limit: Option<f64>,
    /// The resource runs out by falling to the limit (free bytes), not rising to it.
    #[arg(long)]
    pub falling: bool,
    /// Interval coverage.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Refuse less history than this.
    #[arg(long, default_value = "7d")]
    pub min_history: String,
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: Output,
}

fn seconds(text: &str) -> anyhow::Result<f64> {
    Ok(nines_slo::parse_duration(text)
        .map_err(|e| anyhow!("{}: {}", e.input, e.reason))?
        .as_secs_f64())
}

/// The series on a regular grid: (time of the first point, step, values).
fn regular(
    points: &BTreeMap<i64, f64>,
    step_s: Option<f64>,
) -> anyhow::Result<(f64, f64, Vec<f64>)> {
    let times: Vec<i64> = points.keys().copied().collect();
    if times.len() < 2 {
        bail!(
            "the series has {} point(s); a forecast needs history",
            times.len()
        );
    }
    let step = match step_s {
        Some(s) => s,
        None => {
            let mut d: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
            d.sort_unstable();
            d[d.len() / 2] as f64 / 1e3
        }
    };
    let (t0, last) = (times[0], times[times.len() - 1]);
    let n = ((last - t0) as f64 / 1e3 / step).round() as usize + 1;
    let mut values = vec![f64::NAN; n];
    for (&t, &v) in points {
        let i = (((t - t0) as f64 / 1e3) / step).round() as usize;
        values[i.min(n - 1)] = v;
    }
    for i in 1..n {
        if values[i].is_nan() {
            values[i] = values[i - 1];
        }
    }
    Ok((t0 as f64 / 1e3, step, values))
}

fn read_csv(path: &PathBuf, step_s: Option<f64>) -> anyhow::Result<(f64, f64, Vec<f64>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut points = BTreeMap::new();
    let mut values_only = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let at = |msg: &str| anyhow!("{}:{}: {msg}", path.display(), i + 1);
        match cells.as_slice() {
            [v] => values_only.push(v.parse::<f64>().map_err(|_| at("not a number"))?),
            [t, v, ..] => {
                let Ok(value) = v.parse::<f64>() else {
                    if points.is_empty() {
                        continue; // a header row
                    }
                    return Err(at("the value is not a number"));
                };
                let ms = match t.parse::<f64>() {
                    Ok(s) => (s * 1e3).round() as i64,
                    Err(_) => t
                        .parse::<jiff::Timestamp>()
                        .map_err(|_| at("the time is neither Unix seconds nor RFC 3339"))?
                        .as_millisecond(),
                };
                points.insert(ms, value);
            }
            [] => {}
        }
    }
    if !values_only.is_empty() {
        if !points.is_empty() {
            bail!(
                "{}: mixes `time,value` rows and bare values",
                path.display()
            );
        }
        let step = step_s
            .ok_or_else(|| anyhow!("{}: values without times need --step", path.display()))?;
        return Ok((0.0, step, values_only));
    }
    regular(&points, step_s)
}

/// Runs a range query over the `range_s` seconds ending now, one point
/// every `step` seconds; the result's series are summed.
fn range_query(
    base: &str,
    headers: &[(String, String)],
    query: &str,
    range_s: f64,
    step: f64,
) -> anyhow::Result<BTreeMap<i64, f64>> {
    let to = crate::clock::Clock::System.now().as_second();
    let from = to - range_s as i64;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let points = runtime
        .block_on(crate::slo::sources::range_query(
            base,
            headers,
            query,
            from,
            to,
            step as i64,
        ))
        .map_err(|e| anyhow!("range query `{query}` failed: {e}"))?;
    Ok(points.into_iter().map(|(t, v)| (t * 1000, v)).collect())
}

/// What to forecast, wherever it was read from.
struct Job {
    t0: f64,
    step: f64,
    values: Vec<f64>,
    horizon: usize,
    model: Model,
    limit: Option<f64>,
    falling: bool,
    /// `service/resource` when read from a config.
    resource: Option<String>,
    /// The config's ticket and page horizons and floor (in the resource's
    /// unit and direction).
    alerting: Option<Alerting>,
}

struct Alerting {
    ticket_s: f64,
    page_s: f64,
    floor: Option<f64>,
}

fn horizon_steps(text: &str, step: f64) -> anyhow::Result<usize> {
    Ok(match text.parse::<usize>() {
        Ok(n) => n,
        Err(_) => (seconds(text)? / step).ceil() as usize,
    })
}

fn model_of(arg: ModelArg, season: &[usize]) -> Model {
    match (arg, season.is_empty()) {
        (ModelArg::Linear, _) => Model::Linear,
        (ModelArg::Ets, _) => Model::Ets,
        (ModelArg::Seasonal, true) => Model::Seasonal,
        (ModelArg::Seasonal, false) => Model::SeasonalWith(season.to_vec()),
    }
}

/// The job the flags describe: a CSV file or a PromQL query.
fn job_from_flags(args: &ForecastArgs) -> anyhow::Result<Job> {
    let step_s = args.step.as_deref().map(seconds).transpose()?;
    let (t0, step, values) = match (&args.csv, &args.promql) {
        (Some(path), _) => read_csv(path, step_s)?,
        (None, Some(query)) => {
            let step = step_s.unwrap_or(3600.0);
            let range = seconds(args.range.as_deref().unwrap_or("30d"))?;
            let base = args.prometheus.as_deref().unwrap_or_default();
            regular(&range_query(base, &[], query, range, step)?, Some(step))?
        }
        (None, None) => bail!(
            "give --csv FILE, --promql QUERY --prometheus URL, or --config FILE SERVICE/RESOURCE"
        ),
    };
    let horizon = args
        .horizon
        .as_deref()
        .expect("clap requires --horizon without --config");
    Ok(Job {
        t0,
        step,
        horizon: horizon_steps(horizon, step)?,
        values,
        model: model_of(args.model.unwrap_or(ModelArg::Seasonal), &args.season),
        limit: args.limit,
        falling: args.falling,
        resource: None,
        alerting: None,
    })
}

/// The job a config's `capacity` resource describes, flags overriding its
/// step, history, horizon and model.
fn job_from_config(
    args: &ForecastArgs,
    config: &std::path::Path,
    name: &str,
) -> anyhow::Result<Job> {
    use nines_config::{ForecastModel, Limit, ResourceSource};
    let c = nines_config::Config::load(config)
        .map_err(|e| anyhow!("{} is invalid:\n{e}", config.display()))?;
    let (service, resource) = name
        .split_once('/')
        .ok_or_else(|| anyhow!("`{name}` is not SERVICE/RESOURCE, such as `shop/disk`"))?;
    let Some(r) = c.capacity(service, resource) else {
        let known: Vec<String> = c
            .services
            .values()
            .flat_map(|s| {
                s.capacity
                    .iter()
                    .map(move |r| format!("{}/{}", s.name, r.name))
            })
            .collect();
        let list = if known.is_empty() {
            "it defines none under `services.<name>.capacity`".to_string()
        } else {
            format!("it defines {}", known.join(", "))
        };
        bail!(
            "{} has no capacity resource `{name}`; {list}",
            config.display()
        );
    };
    let step = match &args.step {
        Some(s) => seconds(s)?,
        None => r.step.as_secs_f64(),
    };
    let range = match &args.range {
        Some(s) => seconds(s)?,
        None => r.history.as_secs_f64(),
    };
    // The latest value of a limit read with its resource.
    let latest = |points: BTreeMap<i64, f64>, query: &str| {
        points.values().next_back().copied().ok_or_else(|| {
            anyhow!(
                "the limit `{query}` of {name} has no value in the last {}",
                format_span(range)
            )
        })
    };
    let (points, limit) = match &r.source {
        ResourceSource::Promql {
            query,
            url,
            headers,
        } => {
            let points = range_query(url, headers, query, range, step)?;
            let limit = match &r.limit {
                Limit::Value(v) => *v,
                Limit::Query(q) => latest(range_query(url, headers, q, 10.0 * step, step)?, q)?,
            };
            (points, limit)
        }
        ResourceSource::Sli { slo } => {
            let Traffic {
                url,
                headers,
                query,
            } = traffic_query(&c, service, slo, step)?;
            let Limit::Value(limit) = r.limit else {
                unreachable!("the config reader refuses a queried limit for `sli` resources")
            };
            (range_query(&url, &headers, &query, range, step)?, limit)
        }
        ResourceSource::Scrape { target, .. } => bail!(
            "{name} is read from the scrape target `{target}`, whose history only the daemon \
             keeps (not yet: issue 20); meanwhile point `promql` at a Prometheus that scrapes it"
        ),
    };
    let season: Vec<usize> = match &args.season {
        s if !s.is_empty() => s.clone(),
        _ => r
            .seasons
            .iter()
            .map(|d| (d.as_secs_f64() / step).round() as usize)
            .collect(),
    };
    let model = match args.model {
        Some(m) => m,
        None => match r.model {
            ForecastModel::Seasonal => ModelArg::Seasonal,
            ForecastModel::Ets => ModelArg::Ets,
            ForecastModel::Linear => ModelArg::Linear,
        },
    };
    let horizon = match &args.horizon {
        Some(h) => horizon_steps(h, step)?,
        None => (r.horizon.as_secs_f64() / step).ceil() as usize,
    };
    let (t0, step, values) = regular(&points, Some(step))?;
    Ok(Job {
        t0,
        step,
        values,
        horizon,
        model: model_of(model, &season),
        limit: Some(limit),
        falling: r.falling,
        resource: Some(name.to_string()),
        alerting: Some(Alerting {
            ticket_s: r.ticket_within.as_secs_f64(),
            page_s: r.page_within.as_secs_f64(),
            floor: r.floor.map(|f| f.value(limit)),
        }),
    })
}

/// A query for an SLO's traffic and where to send it.
struct Traffic {
    url: String,
    headers: Vec<(String, String)>,
    query: String,
}

/// The PromQL giving an SLO's total events per second, averaged over each
/// step, and where to send it: only SLIs nines reads from a Prometheus API.
fn traffic_query(
    c: &nines_config::Config,
    service: &str,
    slo: &str,
    step: f64,
) -> anyhow::Result<Traffic> {
    use nines_config::{QueryTemplates, Sli};
    let s = c
        .slo(service, slo)
        .expect("the config reader checks `sli` names");
    let window = format!("{}s", step.round() as u64);
    let unqueried = |kind: &str| {
        anyhow!(
            "{service}/{slo}'s SLI is `{kind}`, whose history only the daemon keeps (not yet: \
             issue 20); only `promql` SLIs with a `url` can be forecast from the command line"
        )
    };
    match &s.sli {
        Sli::Promql(counters) => {
            let url = counters
                .location
                .clone()
                .ok_or_else(|| unqueried("promql without url"))?;
            let query = format!("sum(rate({}[{window}]))", counters.total);
            Ok(Traffic {
                url,
                headers: counters.headers.clone(),
                query,
            })
        }
        Sli::PromqlQueries {
            queries: QueryTemplates::Events { total_query, .. },
            url: Some(url),
        } => Ok(Traffic {
            url: url.clone(),
            headers: Vec::new(),
            query: total_query.replace("{{.window}}", &window),
        }),
        other => Err(unqueried(other.kind())),
    }
}

fn span_or_beyond(s: Option<f64>) -> String {
    s.map_or("beyond the horizon".into(), |s| {
        format!("in {}", format_span(s))
    })
}

pub fn forecast(args: &ForecastArgs) -> anyhow::Result<ExitCode> {
    let job = match (&args.config, &args.resource) {
        (Some(config), Some(name)) => job_from_config(args, config, name)?,
        _ => job_from_flags(args)?,
    };
    let Job {
        t0,
        step,
        values,
        horizon,
        model,
        limit,
        falling,
        resource,
        alerting,
    } = job;
    let spec = Spec {
        level: args.level,
        min_history_s: seconds(&args.min_history)?,
        ..Spec::new(model, step, horizon)
    };
    // A falling resource (free space) is forecast negated, so "reaching the
    // limit" is always a rise.
    let sign = if falling { -1.0 } else { 1.0 };
    let signed: Vec<f64> = values.iter().map(|v| sign * v).collect();
    let fitted = nines_forecast::forecast(&signed, &spec).context("cannot forecast")?;
    let f = &fitted.forecast;
    let last_t = t0 + (values.len() - 1) as f64 * step;
    let o = limit.map(|limit| outlook(f, sign * values[values.len() - 1], step, sign * limit));
    let alert = match (&o, &alerting) {
        (Some(o), Some(a)) => {
            let t = Thresholds {
                ticket_s: a.ticket_s,
                page_s: a.page_s,
                floor: a.floor.map(|f| sign * f),
            };
            Some((
                decide(&o.exhaustion, sign * values[values.len() - 1], &t),
                a,
            ))
        }
        _ => None,
    };
    let why = |alert: &Alert, a: &Alerting| match alert {
        Alert::Page => format!(
            "the resource could run out within page_within ({})",
            format_span(a.page_s)
        ),
        Alert::Ticket => format!(
            "the resource could run out within ticket_within ({})",
            format_span(a.ticket_s)
        ),
        Alert::None(Calm::NoCrossing) => "no crossing predicted".to_string(),
        Alert::None(Calm::NotSoon) => format!(
            "the earliest crossing is beyond ticket_within ({})",
            format_span(a.ticket_s)
        ),
        Alert::None(Calm::UnderFloor) => format!(
            "the current value is not yet past the floor {}",
            a.floor.unwrap_or_default()
        ),
    };
    let (lower, upper): (Vec<f64>, Vec<f64>) = if falling {
        (
            f.upper.iter().map(|v| -v).collect(),
            f.lower.iter().map(|v| -v).collect(),
        )
    } else {
        (f.lower.clone(), f.upper.clone())
    };
    let at = |s: f64| {
        jiff::Timestamp::from_millisecond(((last_t + s) * 1e3) as i64)
            .map_or_else(|_| format!("{}", last_t + s), |t| t.to_string())
    };
    match args.output {
        Output::Json => {
            let exhaustion = o.as_ref().map(|o| match &o.exhaustion {
                Exhaustion::Now => json!({"status": "exhausted"}),
                Exhaustion::Predicted { expected_s, earliest_s, latest_s } => json!({
                    "status": "predicted",
                    "expected_s": expected_s, "earliest_s": earliest_s, "latest_s": latest_s,
                    "expected": expected_s.map(at), "earliest": at(*earliest_s), "latest": latest_s.map(at),
                }),
                Exhaustion::None(q) => json!({"status": "none", "reason": match q {
                    Quiet::NotGrowing => "not growing", Quiet::BeyondHorizon => "beyond the horizon" }}),
            });
            let points: Vec<_> = (0..f.point.len())
                .map(|i| json!({"time": at((i + 1) as f64 * step), "point": sign * f.point[i], "lower": lower[i], "upper": upper[i]}))
                .collect();
            let doc = json!({
                "model": fitted.description, "seasons": fitted.seasons, "step_s": step, "level": f.level,
                "history_points": values.len(), "last": at(0.0),
                "growth_per_day": o.as_ref().map(|o| sign * o.growth_per_day),
                "resource": resource, "limit": limit,
                "alert": alert.as_ref().map(|(alert, a)| json!({"level": alert.name(), "reason": why(alert, a)})),
                "exhaustion": exhaustion, "forecast": points,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Output::Text => {
            println!(
                "model {} over {} points ({}), step {}, {:.0}% band",
                fitted.description,
                values.len(),
                format_span((values.len() - 1) as f64 * step),
                format_span(step),
                f.level * 100.0
            );
            if let Some(name) = &resource {
                println!("{name}");
            }
            if let (Some(o), Some(limit)) = (&o, limit) {
                println!(
                    "growth {:+.6} per day; limit {limit}",
                    sign * o.growth_per_day
                );
                match &o.exhaustion {
                    Exhaustion::Now => {
                        println!("exhausted: the last value is already past the limit")
                    }
                    Exhaustion::Predicted {
                        expected_s,
                        earliest_s,
                        latest_s,
                    } => {
                        println!(
                            "expected    {}{}",
                            span_or_beyond(*expected_s),
                            expected_s.map_or(String::new(), |s| format!(" ({})", at(s)))
                        );
                        println!(
                            "as early as in {} ({})",
                            format_span(*earliest_s),
                            at(*earliest_s)
                        );
                        println!(
                            "as late as  {}{}",
                            span_or_beyond(*latest_s),
                            latest_s.map_or(String::new(), |s| format!(" ({})", at(s)))
                        );
                    }
                    Exhaustion::None(Quiet::NotGrowing) => {
                        println!("no exhaustion predicted: the trend is not growing")
                    }
                    Exhaustion::None(Quiet::BeyondHorizon) => {
                        println!("no exhaustion predicted within the horizon")
                    }
                }
            }
            if let Some((alert, a)) = &alert {
                println!("alert {}: {}", alert.name(), why(alert, a));
            }
            println!(
                "{:<26} {:>14} {:>14} {:>14}",
                "time", "forecast", "lower", "upper"
            );
            for i in 0..f.point.len() {
                println!(
                    "{:<26} {:>14.4} {:>14.4} {:>14.4}",
                    at((i + 1) as f64 * step),
                    sign * f.point[i],
                    lower[i],
                    upper[i]
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
