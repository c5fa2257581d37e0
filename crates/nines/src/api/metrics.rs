//! `GET /metrics`: everything nines says about itself and about SLOs, in
//! one place: the metric names and their help texts, read from live state.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::app::App;
use crate::telemetry::exposition::Exposition;

/// The whole `/metrics` page.
pub fn render(app: &App) -> String {
    let mut x = Exposition {
        out: String::with_capacity(64 * 1024),
    };
    render_slos(app, &mut x);
    render_probes(app, &mut x);
    render_sources(app, &mut x);
    render_incidents(app, &mut x);
    render_gates(app, &mut x);
    render_self(app, &mut x);
    render_process(&mut x, app.telemetry.started);
    x.out
}

/// Probe results as blackbox_exporter writes them (names, help, values,
/// the families of each prober; nines_probe::blackbox says which and why),
/// labelled by `service` and `probe`, so its dashboards work unchanged.
fn render_probes(app: &App, x: &mut Exposition) {
    use std::collections::BTreeMap;
    app.read_probes(|probes| {
        // Family name to its help and every probe's samples, so each family
        // is written once with all its series.
        type Rows<'a> = Vec<(
            &'a crate::state::probes::ProbeState,
            Vec<(&'static str, String)>,
            f64,
        )>;
        let mut families: BTreeMap<&'static str, (&'static str, Rows<'_>)> = BTreeMap::new();
        for s in probes.by_key.values() {
            let Some((_, o)) = &s.last else { continue };
            for f in nines_probe::blackbox::families(&s.probe.check, o) {
                let rows = &mut families.entry(f.name).or_insert((f.help, vec![])).1;
                rows.extend(f.samples.into_iter().map(|(labels, v)| (s, labels, v)));
            }
        }
        for (name, (help, rows)) in &families {
            x.family(name, "gauge", help);
            for (s, extra, v) in rows {
                let mut labels = vec![
                    ("service", s.service.as_str()),
                    ("probe", s.probe.name.as_str()),
                ];
                labels.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
                x.sample(name, &labels, *v);
            }
        }
        let labels = |s: &crate::state::probes::ProbeState| {
            [
                ("service", s.service.clone()),
                ("probe", s.probe.name.clone()),
            ]
        };
        let beats: Vec<_> = probes
            .by_key
            .values()
            .filter_map(|s| s.last_beat_ms.map(|ms| (s, ms)))
            .collect();
        if !beats.is_empty() {
            x.family(
                "nines_heartbeat_last_beat_timestamp_seconds",
                "gauge",
                "Unix time of a heartbeat's last beat.",
            );
            for (s, ms) in beats {
                let [a, b] = labels(s);
                x.sample(
                    "nines_heartbeat_last_beat_timestamp_seconds",
                    &[(a.0, &a.1), (b.0, &b.1)],
                    ms as f64 / 1000.0,
                );
            }
        }
    });
}

/// Open incidents by severity (every severity listed, so a dashboard sees
/// zeros), and the notification outbox by state.
fn render_incidents(app: &App, x: &mut Exposition) {
    let Ok((open, outbox)) = crate::incidents::queries::counts(app) else {
        return;
    };
    x.family(
        "nines_incidents_open",
        "gauge",
        "Incidents not resolved, by severity.",
    );
    for sev in ["SEV1", "SEV2", "SEV3", "SEV4"] {
        let n = open
            .iter()
            .find(|(s, _)| s == sev)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        x.sample("nines_incidents_open", &[("severity", sev)], n as f64);
    }
    let month_ago = app.clock.now().as_second() - 30 * 86_400;
    if let Ok(stats) = crate::incidents::queries::stats(app, month_ago, i64::MAX) {
        for (name, help, get) in [
            (
                "nines_incident_mtta_seconds",
                "Mean time to acknowledge incidents started in the last 30 days.",
                (|s| s.mtta_seconds) as fn(&nines_store::IncidentStats) -> Option<f64>,
            ),
            (
                "nines_incident_mttr_seconds",
                "Mean time to resolve incidents started in the last 30 days.",
                |s| s.mttr_seconds,
            ),
        ] {
            let rows: Vec<_> = stats
                .iter()
                .filter_map(|s| get(s).map(|v| (s, v)))
                .collect();
            if rows.is_empty() {
                continue;
            }
            x.family(name, "gauge", help);
            for (s, v) in rows {
                x.sample(
                    name,
                    &[("service", &s.service), ("severity", &s.severity)],
                    v,
                );
            }
        }
    }
    x.family("nines_notifications", "gauge", "Notifications in the outbox by state: pending (queued or retrying), sent, failed (given up).");
    for state in ["pending", "sent", "failed"] {
        let n = outbox
            .iter()
            .find(|(s, _)| s == state)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        x.sample("nines_notifications", &[("state", state)], n as f64);
    }
}

/// Scrape targets and PromQL sources: whether the last pull worked.
fn render_sources(app: &App, x: &mut Exposition) {
    app.read_collectors(|c| {
        if !c.scrapes.is_empty() {
            x.family("nines_scrape_up", "gauge", "1 when the last scrape of the target worked and parsed; 0 when it failed (nothing was counted).");
            for (name, s) in &c.scrapes {
                x.sample("nines_scrape_up", &[("target", name)], if s.up { 1.0 } else { 0.0 });
            }
            x.family("nines_scrape_duration_seconds", "gauge", "How long the last scrape of the target took.");
            for (name, s) in &c.scrapes {
                x.sample("nines_scrape_duration_seconds", &[("target", name)], s.duration.as_secs_f64());
            }
            x.family("nines_scrape_samples", "gauge", "Samples in the target's last exposition.");
            for (name, s) in &c.scrapes {
                x.sample("nines_scrape_samples", &[("target", name)], s.samples as f64);
            }
        }
        if !c.queries.is_empty() {
            x.family("nines_promql_source_up", "gauge", "1 when the last query of a PromQL-sourced SLI worked.");
            for ((service, slo), q) in &c.queries {
                x.sample("nines_promql_source_up", &[("service", service), ("slo", slo)], if q.ok { 1.0 } else { 0.0 });
            }
        }
    });
}

fn render_slos(app: &App, x: &mut Exposition) {
    app.read(|engine| {
        let slos = engine.slos();

        x.family("nines_slo_info", "gauge", "Always 1; labels name the SLO window (join on it for SLO-window series) and the SLI source.");
        for s in slos {
            let [a, b] = key(s);
            x.sample("nines_slo_info", &[a, b, ("window", &s.config.window_label), ("sli", s.config.sli.kind())], 1.0);
        }
        x.family("nines_slo_objective_ratio", "gauge", "Target ratio of good events (99.9% is 0.999).");
        for s in slos {
            x.sample("nines_slo_objective_ratio", &key(s), s.config.spec.objective);
        }
        x.family("nines_slo_sli_ratio", "gauge", "Good events over all events in the window; absent when the window has no events.");
        for s in slos {
            let Some(r) = &s.report else { continue };
            for (label, w) in s.config.spec.labels().iter().zip(&r.windows) {
                if let Some(sli) = w.sli {
                    let [a, b] = key(s);
                    x.sample("nines_slo_sli_ratio", &[a, b, ("window", label)], sli);
                }
            }
        }
        x.family("nines_slo_burn_rate", "gauge", "Error rate in the window divided by the error budget; 1 spends the budget exactly over the SLO window.");
        for s in slos {
            let Some(r) = &s.report else { continue };
            for (label, w) in s.config.spec.labels().iter().zip(&r.windows) {
                if let Some(burn) = w.burn_rate {
                    let [a, b] = key(s);
                    x.sample("nines_slo_burn_rate", &[a, b, ("window", label)], burn);
                }
            }
        }
        x.family("nines_slo_error_budget_remaining_ratio", "gauge", "Error budget left over the SLO window: 1 untouched, 0 spent, negative overspent.");
        for s in slos {
            if let Some(remaining) = s.report.as_ref().and_then(|r| r.budget.remaining) {
                x.sample("nines_slo_error_budget_remaining_ratio", &key(s), remaining);
            }
        }
        x.family("nines_slo_alert_firing", "gauge", "1 when the SLO's burn-rate alert tier is firing.");
        let mut firing = [0u64; 2];
        for s in slos {
            for (tier, state) in s.config.spec.tiers.iter().zip(&s.alerts) {
                let [a, b] = key(s);
                let name = tier.name();
                let mut labels = vec![a, b, ("tier", name.as_str()), ("severity", tier.severity.as_str())];
                // alerting.labels (config refuses the names set here), for routing.
                labels.extend(s.config.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                x.sample("nines_slo_alert_firing", &labels, f64::from(u8::from(state.firing)));
                if state.firing {
                    firing[usize::from(tier.severity == nines_slo::Severity::Ticket)] += 1;
                }
            }
        }
        x.family("nines_alerts_firing", "gauge", "Alerts firing, by severity.");
        x.sample("nines_alerts_firing", &[("severity", "page")], firing[0] as f64);
        x.sample("nines_alerts_firing", &[("severity", "ticket")], firing[1] as f64);
        x.family("nines_slos", "gauge", "SLOs configured.");
        x.sample("nines_slos", &[], slos.len() as f64);
        x.family("nines_series_memory_bytes", "gauge", "Memory held by SLO series (minute and hour buckets).");
        x.sample("nines_series_memory_bytes", &[], engine.series_memory_bytes() as f64);
    });
}

fn key(s: &crate::state::slo::engine::SloState) -> [(&'static str, &str); 2] {
    [
        ("service", s.service.as_str()),
        ("slo", s.config.name.as_str()),
    ]
}

fn render_self(app: &App, x: &mut Exposition) {
    let t = &app.telemetry;
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
    x.family(
        "nines_build_info",
        "gauge",
        "Always 1; the version of the running nines.",
    );
    x.sample(
        "nines_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1.0,
    );
    x.family(
        "nines_events_accepted_total",
        "counter",
        "SLI events accepted through the events API.",
    );
    x.sample("nines_events_accepted_total", &[], get(&t.events_accepted));
    x.family(
        "nines_event_batches_total",
        "counter",
        "Event batches received, by result.",
    );
    x.sample(
        "nines_event_batches_total",
        &[("result", "accepted")],
        get(&t.batches_accepted),
    );
    x.sample(
        "nines_event_batches_total",
        &[("result", "refused")],
        get(&t.batches_refused),
    );
    x.family(
        "nines_evaluations_total",
        "counter",
        "Evaluation cycles: all SLOs on the interval, or only those with new data after a batch.",
    );
    x.sample(
        "nines_evaluations_total",
        &[("scope", "all")],
        get(&t.evaluations_all),
    );
    x.sample(
        "nines_evaluations_total",
        &[("scope", "changed")],
        get(&t.evaluations_changed),
    );
    x.family(
        "nines_evaluation_seconds_total",
        "counter",
        "Time spent evaluating SLOs.",
    );
    x.sample(
        "nines_evaluation_seconds_total",
        &[],
        get(&t.evaluation_micros_total) / 1e6,
    );
    x.family(
        "nines_evaluation_last_duration_seconds",
        "gauge",
        "Duration of the last evaluation of all SLOs.",
    );
    x.sample(
        "nines_evaluation_last_duration_seconds",
        &[],
        get(&t.evaluation_micros_last_all) / 1e6,
    );
    x.family(
        "nines_checkpoints_total",
        "counter",
        "Checkpoints written (series snapshots replacing the ingest log).",
    );
    x.sample("nines_checkpoints_total", &[], get(&t.checkpoints));
    x.family(
        "nines_escalation_rounds_total",
        "counter",
        "Rounds of the escalation loop done (due steps paged, handoff notices and reminders queued).",
    );
    x.sample(
        "nines_escalation_rounds_total",
        &[],
        get(&t.escalation_rounds),
    );
    x.family(
        "nines_escalation_last_round_timestamp_seconds",
        "gauge",
        "When the last escalation round began, by nines' clock (Unix seconds).",
    );
    x.sample(
        "nines_escalation_last_round_timestamp_seconds",
        &[],
        t.escalation_round_at.load(Ordering::Relaxed) as f64,
    );
    x.family(
        "nines_checkpoint_last_duration_seconds",
        "gauge",
        "Duration of the last checkpoint.",
    );
    x.sample(
        "nines_checkpoint_last_duration_seconds",
        &[],
        get(&t.checkpoint_micros_last) / 1e6,
    );
    if let Ok(pending) = crate::slo::service::pending_batches(app) {
        x.family(
            "nines_ingest_log_batches",
            "gauge",
            "Accepted batches in the ingest log not yet folded into a checkpoint.",
        );
        x.sample("nines_ingest_log_batches", &[], pending as f64);
    }
    x.family(
        "nines_config_reloads_total",
        "counter",
        "Config reloads, by result; a failed reload keeps the old config.",
    );
    x.sample(
        "nines_config_reloads_total",
        &[("result", "success")],
        get(&t.reloads_ok),
    );
    x.sample(
        "nines_config_reloads_total",
        &[("result", "failure")],
        get(&t.reloads_failed),
    );
}

/// Deploy gate decisions by service, change kind and decision (`go`,
/// `exempt`, `override`, `frozen`); absent until the first decision.
fn render_gates(app: &App, x: &mut Exposition) {
    let counts = app.telemetry.gates.snapshot();
    if counts.is_empty() {
        return;
    }
    x.family(
        "nines_gate_decisions_total",
        "counter",
        "Deploy gate decisions, by service, change kind and decision (go, exempt, override, frozen).",
    );
    for ((service, kind, decision), n) in &counts {
        x.sample(
            "nines_gate_decisions_total",
            &[("service", service), ("kind", kind), ("decision", decision)],
            *n as f64,
        );
    }
}

/// The standard `process_*` metrics, read from /proc on Linux.
fn render_process(x: &mut Exposition, started: jiff::Timestamp) {
    x.family(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
    );
    x.sample(
        "process_start_time_seconds",
        &[],
        started.as_second() as f64,
    );
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the parenthesised command name, which may hold spaces.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat (11 and 12 here), in
    // clock ticks; 100 per second on every Linux nines runs on.
    let ticks = 100.0;
    x.family(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
    );
    x.sample(
        "process_cpu_seconds_total",
        &[],
        (num(11) + num(12)) / ticks,
    );
    x.family(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
    );
    x.sample("process_virtual_memory_bytes", &[], num(20));
    x.family(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
    );
    x.sample("process_resident_memory_bytes", &[], num(21) * 4096.0);
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        x.family(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
        );
        x.sample("process_open_fds", &[], fds.count() as f64);
    }
}
