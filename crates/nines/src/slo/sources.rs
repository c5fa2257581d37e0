//! Pulled SLI sources: scraping Prometheus expositions (`sli.prometheus`
//! with a `target`) and querying a Prometheus-compatible HTTP API
//! (`sli.promql` with a `url`). Both turn counters into good/total events.

use crate::text::url::redact;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use nines_config::{Config, Counters, Ratio, ScrapeTarget, Sli};
use nines_expo::{Format, Sample, Selector, SelectorIncrease};
use nines_probe::{HttpCheck, Runner};
use serde_json::Value;
use tokio::sync::watch;

use crate::app::App;
use crate::state::slo::Collected;
use crate::state::slo::sources::{QueryState, ScrapeState};

/// Carries fractions between steps, so counters that grow by non-integers
/// (or increases PromQL extrapolates) lose no events over time.
#[derive(Debug, Default, Clone, Copy)]
struct Carry {
    good: f64,
    total: f64,
}

impl Carry {
    /// Adds increases and takes the whole events out: (good, total), with
    /// good never above total.
    fn take(&mut self, good: f64, total: f64) -> (u64, u64) {
        let (good, total) = (good.max(0.0), total.max(0.0));
        self.total += total;
        self.good += good.min(total);
        let t = self.total.floor();
        let g = self.good.floor().min(t);
        self.total -= t;
        self.good -= g;
        (g as u64, t as u64)
    }
}

/// An SLI counter pair followed on one scrape target.
struct ScrapedSli {
    service: String,
    slo: String,
    errors: bool,
    ratio: SelectorIncrease,
    total: SelectorIncrease,
    carry: Carry,
}

fn selector(text: &str) -> Option<Selector> {
    Selector::parse(text).ok()
}

fn ratio_text(c: &Counters) -> (&str, bool) {
    match &c.ratio {
        Ratio::Good(g) => (g.as_str(), false),
        Ratio::Errors(e) => (e.as_str(), true),
    }
}

/// The SLOs scraped from `target`.
fn scraped_slis(config: &Config, target: &ScrapeTarget) -> Vec<ScrapedSli> {
    let mut out = Vec::new();
    for service in config.services.values() {
        for slo in &service.slos {
            let Sli::Prometheus(c) = &slo.sli else {
                continue;
            };
            if !c
                .location
                .as_deref()
                .is_some_and(|l| l == target.name || l == target.url)
            {
                continue;
            }
            let (ratio, errors) = ratio_text(c);
            let (Some(ratio), Some(total)) = (selector(ratio), selector(&c.total)) else {
                continue;
            };
            out.push(ScrapedSli {
                service: service.name.clone(),
                slo: slo.name.clone(),
                errors,
                ratio: SelectorIncrease::new(ratio),
                total: SelectorIncrease::new(total),
                carry: Carry::default(),
            });
        }
    }
    out
}

/// An HTTP GET as the probes do it (same TLS options, timings, errors).
fn get_runner(
    url: String,
    headers: Vec<(String, String)>,
    tls: nines_probe::TlsOptions,
    timeout: Duration,
) -> Result<Runner, String> {
    Runner::http(
        HttpCheck {
            headers,
            tls,
            ..HttpCheck::get(url)
        },
        timeout,
    )
    .map_err(|e| e.to_string())
}

/// What Prometheus asks for: OpenMetrics first, the text format after.
const SCRAPE_ACCEPT: &str =
    "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1";

/// Waits for a reload or the stop, then aborts `tasks`. True when the
/// daemon is stopping, false when the collector should restart with the
/// new config.
pub(crate) async fn until_reload(
    reloads: &mut watch::Receiver<u64>,
    stop: &mut watch::Receiver<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
) -> bool {
    let stopping = tokio::select! {
        _ = reloads.changed() => false,
        changed = stop.changed() => changed.is_err() || *stop.borrow(),
    };
    for t in &tasks {
        t.abort();
    }
    stopping || *stop.borrow()
}

/// Scrapes every `scrape` target until `stop`; restarts on reload.
pub async fn run_scrapes(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut reloads = app.subscribe_reloads();
    loop {
        let config = app.config();
        let mut tasks = Vec::new();
        app.write_collectors().scrapes.clear();
        for target in &config.scrape {
            let slis = scraped_slis(&config, target);
            tasks.push(tokio::spawn(scrape_loop(app.clone(), target.clone(), slis)));
        }
        if until_reload(&mut reloads, &mut stop, tasks).await {
            return;
        }
    }
}

async fn scrape_loop(app: Arc<App>, target: ScrapeTarget, mut slis: Vec<ScrapedSli>) {
    let mut headers = target.headers.clone();
    headers.push(("Accept".into(), SCRAPE_ACCEPT.into()));
    let runner = match get_runner(
        target.url.clone(),
        headers,
        target.tls.clone(),
        target.timeout,
    ) {
        Ok(r) => r,
        Err(e) => {
            let e = redact(&e.to_string());
            tracing::error!(target = %target.name, error = %e, "scrape target cannot be used");
            return;
        }
    };
    let mut tick = tokio::time::interval(target.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let at = app.clock.now();
        let started = crate::clock::Stopwatch::start();
        let (outcome, body) = runner.run_with_body().await;
        let mut state = ScrapeState {
            url: redact(&target.url),
            last_at: Some(at),
            duration: started.elapsed(),
            ..Default::default()
        };
        let mut events = Vec::new();
        match (outcome.reason(), body) {
            (None, Some(body)) => {
                let text = String::from_utf8_lossy(&body);
                let format =
                    Format::from_content_type(outcome.content_type.as_deref().unwrap_or(""));
                let mut samples: Vec<Sample<'_>> = Vec::new();
                match nines_expo::parse(&text, format, |s| samples.push(s)) {
                    Ok(()) => {
                        state.up = true;
                        state.samples = samples.len();
                        for sli in &mut slis {
                            let total = sli.total.observe(&samples);
                            let ratio = sli.ratio.observe(&samples).unwrap_or(0.0);
                            let Some(total) = total else { continue };
                            let good = if sli.errors { total - ratio } else { ratio };
                            let (good, total) = sli.carry.take(good, total);
                            if total > 0 {
                                events.push(Collected {
                                    service: sli.service.clone(),
                                    slo: sli.slo.clone(),
                                    time: at.as_second(),
                                    good,
                                    total,
                                });
                            }
                        }
                    }
                    Err(e) => state.error = Some(format!("the exposition does not parse: {e}")),
                }
            }
            (Some(reason), _) => state.error = Some(redact(&reason)),
            (None, None) => state.error = Some("no body".into()),
        }
        if let Some(e) = &state.error {
            tracing::warn!(target = %target.name, error = %e, "scrape failed; nothing counted");
        }
        app.write_collectors()
            .scrapes
            .insert(target.name.clone(), state);
        if !events.is_empty() {
            let a = app.clone();
            match tokio::task::spawn_blocking(move || {
                crate::slo::service::record_collected(&a, &events, &[])
            })
            .await
            {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "scraped events could not be stored"),
                Err(e) => tracing::error!(error = %e, "storing scraped events panicked"),
            }
        }
    }
}

/// Prometheus answers at most 11,000 points per series and query.
const MAX_POINTS: i64 = 10_000;

/// An SLO whose SLI is read from a Prometheus-compatible query API.
#[derive(Debug, Clone)]
struct QueriedSli {
    service: String,
    slo: String,
    slo_id: i64,
    window_seconds: i64,
    url: String,
    headers: Vec<(String, String)>,
    ratio: String,
    errors: bool,
    total: String,
}

fn queried_slis(app: &App, config: &Config) -> Vec<QueriedSli> {
    let mut out = Vec::new();
    for service in config.services.values() {
        for slo in &service.slos {
            let Sli::Promql(c) = &slo.sli else { continue };
            let Some(url) = &c.location else { continue };
            let Some(slo_id) = app.read(|e| e.get(&service.name, &slo.name).map(|s| s.id)) else {
                continue;
            };
            let (ratio, errors) = ratio_text(c);
            out.push(QueriedSli {
                service: service.name.clone(),
                slo: slo.name.clone(),
                slo_id,
                window_seconds: i64::from(slo.spec.window.nominal_minutes()) * 60,
                url: url.trim_end_matches('/').to_string(),
                headers: c.headers.clone(),
                ratio: ratio.to_string(),
                errors,
                total: c.total.clone(),
            });
        }
    }
    out
}

/// Queries every PromQL-sourced SLO each `step` until `stop`; restarts on
/// reload. On first start an SLO's whole window is backfilled.
pub async fn run_queries(app: Arc<App>, step: Duration, mut stop: watch::Receiver<bool>) {
    let mut reloads = app.subscribe_reloads();
    loop {
        let config = app.config();
        let slis = queried_slis(&app, &config);
        app.write_collectors().queries.clear();
        let cursors = {
            let a = app.clone();
            tokio::task::spawn_blocking(move || crate::slo::service::source_cursors(&a))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default()
        };
        let tasks: Vec<_> = slis
            .into_iter()
            .map(|s| {
                let cursor = cursors.get(&s.slo_id).copied();
                tokio::spawn(query_loop(app.clone(), s, step, cursor))
            })
            .collect();
        if until_reload(&mut reloads, &mut stop, tasks).await {
            return;
        }
    }
}

async fn query_loop(app: Arc<App>, sli: QueriedSli, step: Duration, mut cursor: Option<i64>) {
    let step_s = step.as_secs().max(1) as i64;
    let mut carry = Carry::default();
    let mut tick = tokio::time::interval(step);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = app.clock.now().as_second();
        // Give the server a moment to have the step's samples.
        let end = (now - 5).div_euclid(step_s) * step_s;
        let start = cursor.unwrap_or(end - sli.window_seconds) + step_s;
        let mut state = QueryState {
            url: redact(&sli.url),
            last_at: Some(app.clock.now()),
            ok: true,
            through: cursor,
            ..Default::default()
        };
        let mut from = start;
        while from <= end {
            let to = end.min(from + (MAX_POINTS - 1) * step_s);
            match query_range_events(&sli, from, to, step_s, &mut carry).await {
                Ok(events) => {
                    let a = app.clone();
                    let cursors = [(sli.slo_id, to)];
                    let stored = tokio::task::spawn_blocking(move || {
                        crate::slo::service::record_collected(&a, &events, &cursors)
                    })
                    .await;
                    match stored {
                        Ok(Ok(())) => {
                            cursor = Some(to);
                            state.through = Some(to);
                        }
                        Ok(Err(e)) => {
                            state.ok = false;
                            state.error = Some(format!("storing: {e}"));
                            break;
                        }
                        Err(e) => {
                            state.ok = false;
                            state.error = Some(e.to_string());
                            break;
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(service = %sli.service, slo = %sli.slo, error = %e, "PromQL query failed; will retry");
                    state.ok = false;
                    state.error = Some(e);
                    break;
                }
            }
            from = to + step_s;
        }
        app.write_collectors()
            .queries
            .insert((sli.service.clone(), sli.slo.clone()), state);
    }
}

/// `sum(increase(sel[step]))` at each step in `[from, to]`: the events of
/// the step ending there, stamped at the step's start.
async fn query_range_events(
    sli: &QueriedSli,
    from: i64,
    to: i64,
    step: i64,
    carry: &mut Carry,
) -> Result<Vec<Collected>, String> {
    let q = |sel: &str| format!("sum(increase({sel}[{step}s]))");
    let total = query_range(sli, &q(&sli.total), from, to, step).await?;
    let ratio = query_range(sli, &q(&sli.ratio), from, to, step).await?;
    let mut events = Vec::new();
    for (t, total) in total {
        let r = ratio.get(&t).copied().unwrap_or(0.0);
        let good = if sli.errors { total - r } else { r };
        let (good, total) = carry.take(good, total);
        if total > 0 {
            events.push(Collected {
                service: sli.service.clone(),
                slo: sli.slo.clone(),
                time: t - step,
                good,
                total,
            });
        }
    }
    Ok(events)
}

/// One `/api/v1/query_range` call; the single series' points by time.
async fn query_range(
    sli: &QueriedSli,
    query: &str,
    from: i64,
    to: i64,
    step: i64,
) -> Result<BTreeMap<i64, f64>, String> {
    range_query(&sli.url, &sli.headers, query, from, to, step).await
}

/// One `/api/v1/query_range` call against the Prometheus API at `base`
/// (times in Unix seconds): the result's series summed into one, points by
/// time, non-finite values dropped. Also what `nines capacity forecast
/// --promql` reads a resource's history with.
pub async fn range_query(
    base: &str,
    headers: &[(String, String)],
    query: &str,
    from: i64,
    to: i64,
    step: i64,
) -> Result<BTreeMap<i64, f64>, String> {
    let url = format!(
        "{}/api/v1/query_range?query={}&start={from}&end={to}&step={step}",
        base.trim_end_matches('/'),
        crate::text::url::encode(query)
    );
    let runner = get_runner(
        url,
        headers.to_vec(),
        Default::default(),
        Duration::from_secs(30),
    )
    .map_err(|e| redact(&e))?;
    let (outcome, body) = runner.run_with_body().await;
    let body = body.unwrap_or_default();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if parsed["status"] != "success" {
        let why = parsed["error"]
            .as_str()
            .map(str::to_string)
            .or_else(|| outcome.reason())
            .unwrap_or_else(|| "not a Prometheus API answer".into());
        return Err(redact(&format!("{base}: {why}")));
    }
    let mut points = BTreeMap::new();
    if let Some(series) = parsed["data"]["result"].as_array() {
        for s in series {
            for v in s["values"].as_array().into_iter().flatten() {
                let t = v[0].as_f64().unwrap_or(0.0) as i64;
                let value: f64 = v[1]
                    .as_str()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(f64::NAN);
                if value.is_finite() {
                    *points.entry(t).or_insert(0.0) += value;
                }
            }
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carry_keeps_fractions_and_good_within_total() {
        let mut c = Carry::default();
        assert_eq!(c.take(0.5, 0.5), (0, 0));
        assert_eq!(c.take(0.5, 0.5), (1, 1));
        assert_eq!(c.take(5.0, 3.0), (3, 3), "good is capped at total");
        assert_eq!(
            c.take(-1.0, 2.0),
            (0, 2),
            "negative increases count as none"
        );
    }
}
