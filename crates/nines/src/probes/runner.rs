//! The tasks that run the configured probes and record their results.

use std::sync::Arc;
use std::time::Duration;

use nines_probe::{Check, Runner};
use tokio::sync::{mpsc, watch};

use crate::app::App;
use crate::state::probes::{ProbeResult, millis};

/// Runs every configured probe until `stop`, restarting them all when the
/// config is reloaded. Results are recorded in batches about once a second;
/// heartbeats are judged when the next one is due. With no probes and no
/// heartbeats configured it only waits for a reload.
pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut reloads = app.subscribe_reloads();
    loop {
        let config = app.config();
        let (tx, mut rx) = mpsc::channel::<ProbeResult>(16_384);
        let mut tasks = Vec::new();
        for service in config.services.values() {
            for probe in &service.probes {
                if matches!(probe.check, Check::Heartbeat(_)) {
                    continue;
                }
                match Runner::new(probe.clone()) {
                    Ok(runner) => tasks.push(tokio::spawn(probe_loop(
                        app.clone(),
                        service.name.clone(),
                        runner,
                        tx.clone(),
                    ))),
                    Err(e) => tracing::error!(
                        service = %service.name, probe = %probe.name,
                        error = %crate::text::url::redact(&e.to_string()),
                        "probe cannot run"
                    ),
                }
            }
        }
        drop(tx);
        let heartbeats = config
            .services
            .values()
            .flat_map(|s| &s.probes)
            .any(|p| matches!(p.check, Check::Heartbeat(_)));
        // Results wait at most a second to be stored together; heartbeats
        // are judged when the next one is due. Nothing ticks in between.
        let mut flush_at: Option<tokio::time::Instant> = None;
        let mut judge_at: Option<jiff::Timestamp> = heartbeats.then(|| app.clock.now());
        let mut pending = Vec::new();
        let stopping = loop {
            let flush_due = async {
                match flush_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let judge_due = async {
                match judge_at {
                    Some(at) => app.clock.sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some(r) = rx.recv() => {
                    pending.push(r);
                    if pending.len() >= 4096 {
                        flush(&app, &mut pending).await;
                        flush_at = None;
                    } else if flush_at.is_none() {
                        flush_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                    }
                }
                _ = flush_due => {
                    flush(&app, &mut pending).await;
                    flush_at = None;
                }
                _ = judge_due => {
                    let a = app.clone();
                    let next = tokio::task::spawn_blocking(move || crate::probes::service::judge_heartbeats(&a))
                        .await
                        .ok()
                        .flatten();
                    // A beat only moves a deadline later: waking at the
                    // earlier one re-judges, and finds nothing missed.
                    judge_at = next
                        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                        .or_else(|| Some(app.clock.now() + jiff::SignedDuration::from_mins(1)));
                }
                _ = reloads.changed() => break false,
                changed = stop.changed() => {
                    // A closed channel means the daemon is going away too.
                    if changed.is_err() || *stop.borrow() {
                        break true;
                    }
                }
            }
        };
        for t in &tasks {
            t.abort();
        }
        while let Ok(r) = rx.try_recv() {
            pending.push(r);
        }
        flush(&app, &mut pending).await;
        if stopping {
            return;
        }
    }
}

async fn flush(app: &Arc<App>, pending: &mut Vec<ProbeResult>) {
    if pending.is_empty() {
        return;
    }
    let batch = std::mem::take(pending);
    let a = app.clone();
    match tokio::task::spawn_blocking(move || {
        crate::probes::service::record_probe_results(&a, batch, &[])
    })
    .await
    {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "probe results could not be stored"),
        Err(e) => tracing::error!(error = %e, "recording probe results panicked"),
    }
}

/// One probe: a random first delay within its interval (so probes spread
/// out), then a run every interval.
async fn probe_loop(app: Arc<App>, service: String, runner: Runner, tx: mpsc::Sender<ProbeResult>) {
    let interval = runner.probe().interval;
    let jitter = getrandom::u64().unwrap_or(0) % millis(interval).max(1) as u64;
    tokio::time::sleep(Duration::from_millis(jitter)).await;
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let at = app.clock.now();
        let outcome = runner.run().await;
        let result = ProbeResult {
            service: service.clone(),
            probe: runner.probe().name.clone(),
            at,
            outcome,
        };
        if tx.send(result).await.is_err() {
            return;
        }
    }
}
