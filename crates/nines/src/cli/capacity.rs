//! `nines capacity forecast`: forecasts one series, from a CSV file or a
//! PromQL range query, with `nines-forecast`, and prints the point forecast
//! and band per step and, given a limit, when it is reached (expected, as
//! early as, as late as) and the growth per day.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use nines_forecast::{Exhaustion, Model, Quiet, Spec, format_span, outlook};
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

CSV: `time,value` rows (time in Unix seconds or RFC 3339; a header row is skipped), or
values alone, one a line, with --step. Missing steps carry the previous value forward.")]
pub struct ForecastArgs {
    /// A CSV of `time,value` rows, or of values alone with --step.
    #[arg(long, conflicts_with = "promql")]
    pub csv: Option<PathBuf>,
    /// A PromQL expression to read with a range query (with --prometheus).
    #[arg(long, requires = "prometheus")]
    pub promql: Option<String>,
    /// Base URL of the Prometheus API for --promql.
    #[arg(long)]
    pub prometheus: Option<String>,
    /// How much history --promql reads, ending now.
    #[arg(long, default_value = "30d")]
    pub range: String,
    /// Time between points (1h, 5m). Inferred from the CSV's times when absent.
    #[arg(long)]
    pub step: Option<String>,
    /// How far to forecast: a number of steps, or a duration (14d).
    #[arg(long)]
    pub horizon: String,
    /// Seasons in steps (24,168); absent: detected among a day and a week.
    #[arg(long, value_delimiter = ',')]
    pub season: Vec<usize>,
    #[arg(long, value_enum, default_value = "seasonal")]
    pub model: ModelArg,
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

fn read_promql(args: &ForecastArgs, step_s: Option<f64>) -> anyhow::Result<(f64, f64, Vec<f64>)> {
    let step = step_s.unwrap_or(3600.0);
    let to = crate::clock::Clock::System.now().as_second();
    let from = to - seconds(&args.range)? as i64;
    let base = args.prometheus.as_deref().unwrap_or_default();
    let query = args.promql.as_deref().unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let points = runtime
        .block_on(crate::slo::sources::range_query(
            base,
            &[],
            query,
            from,
            to,
            step as i64,
        ))
        .map_err(|e| anyhow!("range query failed: {e}"))?;
    let points: BTreeMap<i64, f64> = points.into_iter().map(|(t, v)| (t * 1000, v)).collect();
    regular(&points, Some(step))
}

fn span_or_beyond(s: Option<f64>) -> String {
    s.map_or("beyond the horizon".into(), |s| {
        format!("in {}", format_span(s))
    })
}

pub fn forecast(args: &ForecastArgs) -> anyhow::Result<ExitCode> {
    let step_s = args.step.as_deref().map(seconds).transpose()?;
    let (t0, step, values) = match (&args.csv, &args.promql) {
        (Some(path), _) => read_csv(path, step_s)?,
        (None, Some(_)) => read_promql(args, step_s)?,
        (None, None) => bail!("give --csv FILE or --promql QUERY --prometheus URL"),
    };
    let horizon = match args.horizon.parse::<usize>() {
        Ok(n) => n,
        Err(_) => (seconds(&args.horizon)? / step).ceil() as usize,
    };
    let model = match (args.model, args.season.is_empty()) {
        (ModelArg::Linear, _) => Model::Linear,
        (ModelArg::Ets, _) => Model::Ets,
        (ModelArg::Seasonal, true) => Model::Seasonal,
        (ModelArg::Seasonal, false) => Model::SeasonalWith(args.season.clone()),
    };
    let spec = Spec {
        level: args.level,
        min_history_s: seconds(&args.min_history)?,
        ..Spec::new(model, step, horizon)
    };
    // A falling resource (free space) is forecast negated, so "reaching the
    // limit" is always a rise.
    let sign = if args.falling { -1.0 } else { 1.0 };
    let signed: Vec<f64> = values.iter().map(|v| sign * v).collect();
    let fitted = nines_forecast::forecast(&signed, &spec).context("cannot forecast")?;
    let f = &fitted.forecast;
    let last_t = t0 + (values.len() - 1) as f64 * step;
    let o = args
        .limit
        .map(|limit| outlook(f, sign * values[values.len() - 1], step, sign * limit));
    let (lower, upper): (Vec<f64>, Vec<f64>) = if args.falling {
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
                "limit": args.limit, "exhaustion": exhaustion, "forecast": points,
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
            if let (Some(o), Some(limit)) = (&o, args.limit) {
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
