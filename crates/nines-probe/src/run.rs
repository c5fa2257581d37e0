//! Running a probe: the timeout, the checks, the conditions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::tls::TlsClient;
use nines_condition::{Facts, evaluate_all};

use crate::outcome::Outcome;
use crate::spec::{Check, Probe, human};
use crate::tls::{TlsSetupError, client_config};

/// State of one run, filled by the kind's runner.
#[derive(Default)]
pub(crate) struct Run {
    pub out: Outcome,
    /// The final response body, for body checks and conditions.
    pub body: Option<Vec<u8>>,
    pub connected: Option<bool>,
    /// What the run was doing, for the message when it times out.
    pub doing: Option<String>,
}

/// A probe ready to run: its TLS config built once, not per run.
#[derive(Debug, Clone)]
pub struct Runner {
    probe: Probe,
    tls: Option<Arc<TlsClient>>,
}

impl Runner {
    /// Prepares `probe`; fails when its TLS settings cannot be used (an
    /// unreadable `ca_file`).
    pub fn new(probe: Probe) -> Result<Runner, TlsSetupError> {
        let options = match &probe.check {
            Check::Http(h) if h.url.starts_with("https:") || h.follow_redirects => Some(&h.tls),
            Check::Tcp(t) if t.tls || t.steps.contains(&crate::spec::TcpStep::StartTls) => {
                Some(&t.tls_options)
            }
            Check::Tls(t) => Some(&t.tls),
            _ => None,
        };
        let tls = options.map(client_config).transpose()?;
        Ok(Runner { probe, tls })
    }

    /// One HTTP request made the probes' way (fresh connection, timings,
    /// TLS options), for nines' own clients: scrapes, queries,
    /// notifications.
    pub fn http(check: crate::spec::HttpCheck, timeout: Duration) -> Result<Runner, TlsSetupError> {
        Runner::new(Probe {
            name: "request".into(),
            interval: timeout,
            timeout,
            check: Check::Http(check),
            conditions: vec![],
            alert: Default::default(),
        })
    }

    pub fn probe(&self) -> &Probe {
        &self.probe
    }

    /// Runs the probe once. Never fails: what went wrong is in the outcome.
    pub async fn run(&self) -> Outcome {
        self.run_with_body().await.0
    }

    /// [`Runner::run`], also returning the final response body (HTTP), for
    /// callers that read it: the Prometheus scraper, the PromQL client.
    pub async fn run_with_body(&self) -> (Outcome, Option<Vec<u8>>) {
        let started = Instant::now();
        let mut run = Run::default();
        let timeout = self.probe.timeout;
        let result = tokio::time::timeout(timeout, self.run_kind(&mut run)).await;
        run.out.duration = started.elapsed();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => run.out.error = Some(e),
            Err(_) => {
                let doing = run
                    .doing
                    .take()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                run.out.error = Some(format!("timed out after {}{doing}", human(timeout)));
            }
        }
        self.evaluate_conditions(&mut run);
        run.out.success = run.out.error.is_none() && run.out.checks.iter().all(|c| c.success);
        (run.out, run.body)
    }

    async fn run_kind(&self, run: &mut Run) -> Result<(), String> {
        match &self.probe.check {
            Check::Http(check) => crate::http::run(run, check, self.tls.as_ref()).await,
            Check::Tcp(check) => crate::tcp::run(run, check, self.tls.as_ref()).await,
            Check::Dns(check) => crate::dns::run(run, check).await,
            Check::Tls(check) => crate::tcp::run_tls(run, check, self.tls.as_ref()).await,
            Check::Heartbeat(_) => {
                Err("heartbeat checks are judged from the beats the daemon receives".into())
            }
        }
    }

    fn evaluate_conditions(&self, run: &mut Run) {
        if self.probe.conditions.is_empty() {
            return;
        }
        let now_ms = jiff::Timestamp::now().as_millisecond();
        let out = &run.out;
        let facts = Facts {
            status: out.status,
            response_time: Some(out.duration),
            ip: out.ip,
            body: run.body.clone(),
            connected: Some(run.connected.unwrap_or(false)),
            certificate_expiration_ms: out
                .certificates
                .as_ref()
                .and_then(|c| c.earliest_expiry)
                .map(|at| at * 1000 - now_ms),
            domain_expiration_ms: None,
            dns_rcode: out.dns_rcode,
        };
        for outcome in evaluate_all(&self.probe.conditions, &facts) {
            let description = match &outcome.error {
                Some(e) => format!("{}: {e}", outcome.description),
                None => outcome.description,
            };
            run.out.check(outcome.success, description);
        }
    }
}
