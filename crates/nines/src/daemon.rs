//! `nines serve`: the HTTP server and the background tasks (evaluator,
//! checkpoints, signals), all stopped by one shutdown signal.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::App;

pub mod http;
pub mod tls;

pub use http::Http;

/// Knobs of the daemon's loops.
#[derive(Debug, Clone, Copy)]
pub struct Intervals {
    /// Every SLO is evaluated this often (those a batch touches are also
    /// evaluated before the batch is answered).
    pub evaluate: Duration,
    /// Changed series are snapshotted and the ingest log trimmed this often.
    pub checkpoint: Duration,
    /// PromQL-sourced SLIs are queried in steps of this length (each step
    /// one `increase(...[step])`). A minute, the SLO math's resolution.
    pub query_step: Duration,
    /// The first retry delay of a failed notification (full jitter,
    /// doubling to 10 minutes).
    pub notify_retry_base: Duration,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            evaluate: Duration::from_secs(10),
            checkpoint: Duration::from_secs(60),
            query_step: Duration::from_secs(60),
            notify_retry_base: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then writes a
/// final checkpoint. Tests run this in-process on port 0.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    intervals: Intervals,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, app, intervals, Http::default(), shutdown).await
}

/// [`serve`] with the listener's limits and TLS.
pub async fn serve_with(
    listener: TcpListener,
    app: Arc<App>,
    intervals: Intervals,
    http: Http,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let evaluator = tokio::spawn(evaluate_loop(
        app.clone(),
        intervals.evaluate,
        stop_rx.clone(),
    ));
    let checkpointer = tokio::spawn(checkpoint_loop(
        app.clone(),
        intervals.checkpoint,
        stop_rx.clone(),
    ));
    let prober = tokio::spawn(crate::probes::runner::run(app.clone(), stop_rx.clone()));
    let scraper = tokio::spawn(crate::slo::sources::run_scrapes(
        app.clone(),
        stop_rx.clone(),
    ));
    let querier = tokio::spawn(crate::slo::sources::run_queries(
        app.clone(),
        intervals.query_step,
        stop_rx.clone(),
    ));
    let backoff = nines_incident::Backoff {
        base: jiff::SignedDuration::try_from(intervals.notify_retry_base)
            .unwrap_or(jiff::SignedDuration::from_secs(10)),
        ..Default::default()
    };
    let notifier = tokio::spawn(crate::notify::outbox::run(
        app.clone(),
        backoff,
        stop_rx.clone(),
    ));
    let escalator = tokio::spawn(escalation_loop(app.clone(), stop_rx.clone()));
    let router = router(app.clone(), http.tls.is_some());
    let server = tokio::spawn(http::run(listener, router, http, stop_rx.clone()));
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    server.await?;
    let _ = tokio::join!(
        evaluator,
        checkpointer,
        prober,
        scraper,
        querier,
        notifier,
        escalator
    );
    let app2 = app.clone();
    match tokio::task::spawn_blocking(move || crate::slo::service::checkpoint(&app2)).await? {
        Ok(n) => tracing::info!(series = n, "final checkpoint written; stopped"),
        Err(e) => {
            tracing::error!(error = %e, "final checkpoint failed; the ingest log still holds every batch")
        }
    }
    Ok(())
}

/// The API and the web UI on one port. Responses are gzipped for clients
/// that ask (browsers, Prometheus, curl --compressed): the status page and
/// large JSON lists shrink many times over. The fastest level: repetitive
/// markup compresses well at it, and a status page under load should not
/// wait on CPU. On TLS every answer carries HSTS: a browser that once
/// reached nines over https never falls back to http for it.
fn router(app: Arc<App>, tls: bool) -> axum::Router {
    use axum::response::IntoResponse;
    let router = crate::api::router(app.clone())
        .merge(crate::ui::router(app))
        // JSON for machines, a page for people.
        .fallback(|uri: axum::http::Uri| async move {
            let path = uri.path();
            if path.starts_with("/api/") || path.starts_with("/integrations/") {
                crate::api::not_found().into_response()
            } else {
                crate::ui::not_found_page()
            }
        })
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::compression::CompressionLevel::Fastest),
        );
    if !tls {
        return router;
    }
    router.layer(axum::middleware::map_response(
        |mut resp: axum::response::Response| async move {
            resp.headers_mut().insert(
                axum::http::header::STRICT_TRANSPORT_SECURITY,
                axum::http::HeaderValue::from_static("max-age=31536000"),
            );
            resp
        },
    ))
}

async fn evaluate_loop(app: Arc<App>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        };
        let app = app.clone();
        let _ =
            tokio::task::spawn_blocking(move || crate::slo::service::evaluate(&app, false)).await;
    }
}

async fn checkpoint_loop(app: Arc<App>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let app = app.clone();
        match tokio::task::spawn_blocking(move || crate::slo::service::checkpoint(&app)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::debug!(series = n, "checkpoint written"),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "checkpoint failed; will retry, the ingest log keeps every batch")
            }
            Err(e) => tracing::error!(error = %e, "checkpoint task panicked"),
        }
    }
}

/// Pages due escalation steps and sends the notices due (handoffs,
/// action-item reminders) until `stop`. It sleeps until the next step or
/// shift change comes due, or until incidents, silences or the config
/// change; at most a minute (reminders are looked for once a minute), and
/// a few seconds while an incident is held (a maintenance window may end
/// with nothing to wake it).
async fn escalation_loop(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut wake_at: Option<jiff::Timestamp> = None;
    // After a failed round: try again this soon, whatever the clock says.
    let mut retry: Option<Duration> = None;
    loop {
        if let Some(at) = wake_at {
            let retry_after = async {
                match retry {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = app.clock.sleep_until(at) => {}
                _ = retry_after => {}
                _ = app.escalation_wake.notified() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
        if *stop.borrow() {
            return;
        }
        let a = app.clone();
        let began = app.clock.now();
        let done = tokio::task::spawn_blocking(move || {
            let round = crate::incidents::escalation::escalate(&a)?;
            Ok::<_, nines_store::StoreError>((round, notices(&a)?))
        })
        .await;
        // From the time the round began: a clock moved during the round
        // must not push the next look past what the round saw.
        let now = began;
        let mut next = now + jiff::SignedDuration::from_mins(1);
        retry = None;
        match done {
            Ok(Ok((round, sent))) => {
                app.telemetry.escalation_round(began);
                if round.paged + sent > 0 {
                    app.outbox_wake.notify_one();
                }
                if round.held {
                    next = next.min(now + jiff::SignedDuration::from_secs(5));
                }
                let change = crate::oncall::handoffs::next_change(&app.config(), now);
                for at in round.next.into_iter().chain(change) {
                    next = next.min(at);
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "escalation round failed; it is retried");
                retry = Some(Duration::from_secs(1));
            }
            Err(e) => {
                tracing::error!(error = %e, "escalation round panicked; it is retried");
                retry = Some(Duration::from_secs(1));
            }
        }
        wake_at = Some(next);
    }
}

/// Queues the handoff notices and action-item reminders due now, each once.
fn notices(app: &App) -> Result<usize, nines_store::StoreError> {
    let config = app.config();
    let now = app.clock.now();
    app.with_store(|store| {
        let mut ops = crate::oncall::handoffs::due(store, &config, &app.notices, now)?;
        ops.extend(crate::review::reminders::due(
            store,
            &config,
            &app.notices,
            &app.reminders,
            now,
        )?);
        if !ops.is_empty() {
            store.apply_incident_ops(&ops)?;
            app.notices.remember(&ops);
        }
        Ok(ops.len())
    })
}

/// Completes on SIGTERM or SIGINT; reloads the config (and the TLS
/// certificate) on every SIGHUP.
pub async fn signals(app: Arc<App>, tls: Option<Arc<tls::Certificates>>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers; stop nines with SIGKILL");
        return std::future::pending().await;
    };
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!("SIGTERM: shutting down"); return; }
            _ = int.recv() => { tracing::info!("SIGINT: shutting down"); return; }
            _ = hup.recv() => {
                if let Some(certs) = &tls {
                    match certs.reload() {
                        Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                        Err(e) => tracing::warn!(error = %format!("{e:#}"), "SIGHUP: TLS certificate reload refused; the old one stays"),
                    }
                }
                let app = app.clone();
                match tokio::task::spawn_blocking(move || crate::reload::reload(&app)).await {
                    Ok(Ok(slos)) => tracing::info!(slos, "SIGHUP: config reloaded"),
                    Ok(Err(e)) => tracing::warn!(error = %e, "SIGHUP: reload refused"),
                    Err(e) => tracing::error!(error = %e, "SIGHUP: reload panicked"),
                }
            }
        }
    }
}
