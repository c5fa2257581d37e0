//! `nines probe run` (one probe once, every phase and check printed, for
//! debugging a config) and `nines probe list` (a running daemon's probes).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use nines_config::Config;
use nines_probe::{Check, Outcome, Runner};
use serde_json::Value;

use crate::cli::client;
use crate::cli::status::table;
use crate::cli::{ClientArgs, Output};
use crate::text::url::query;

/// Runs `service/probe` from `config` once and prints what happened.
pub fn run(config: &Path, target: &str, output: Output) -> anyhow::Result<ExitCode> {
    let config =
        Config::load(config).map_err(|e| anyhow::anyhow!("{config:?} is invalid:\n{e}"))?;
    let (service, name) = target
        .split_once('/')
        .context("give the probe as SERVICE/PROBE, such as shop/health")?;
    let Some(svc) = config.services.get(service) else {
        bail!("no service `{service}` in the config");
    };
    let Some(probe) = svc.probes.iter().find(|p| p.name == name) else {
        let known: Vec<&str> = svc.probes.iter().map(|p| p.name.as_str()).collect();
        bail!(
            "service `{service}` has no probe `{name}` (it has: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    };
    if matches!(probe.check, Check::Heartbeat(_)) {
        bail!(
            "`{target}` is a heartbeat: jobs push beats to POST /api/v1/heartbeats/{target}; there is nothing to run"
        );
    }
    let runner = Runner::new(probe.clone())?;
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(runner.run());
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&crate::state::probes::outcome_json(&outcome))?
        ),
        Output::Text => print!("{}", describe(target, probe, &outcome)),
    }
    Ok(if outcome.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn ms(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The human report of one run.
pub fn describe(target: &str, probe: &nines_probe::Probe, o: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{target}  {}  {}",
        probe.check.kind(),
        crate::text::url::redact(&probe.check.target())
    );
    for (phase, d) in &o.phases {
        let _ = writeln!(out, "  {:<11} {:>10}", phase.name(), ms(*d));
    }
    let _ = writeln!(out, "  {:<11} {:>10}", "total", ms(o.duration));
    let mut facts = Vec::new();
    if let Some(ip) = o.ip {
        facts.push(format!("address {ip}"));
    }
    if let Some(s) = o.status {
        facts.push(format!("status {s}"));
    }
    if o.redirects > 0 {
        facts.push(format!("{} redirects", o.redirects));
    }
    if let Some(n) = o.body_len {
        facts.push(format!("{n} body bytes"));
    }
    if let Some(c) = &o.certificates
        && let Some(t) = c
            .earliest_expiry
            .and_then(|t| jiff::Timestamp::from_second(t).ok())
    {
        facts.push(format!(
            "certificate expires {t}{}",
            c.leaf_subject
                .as_deref()
                .map(|s| format!(" (leaf {s})"))
                .unwrap_or_default()
        ));
    }
    if let Some(rc) = o.dns_rcode {
        facts.push(format!("rcode {}", nines_condition::dns_rcode_name(rc)));
    }
    if !facts.is_empty() {
        let _ = writeln!(out, "  {}", facts.join(", "));
    }
    for a in &o.dns_answers {
        let _ = writeln!(out, "  answer: {a}");
    }
    for c in &o.checks {
        let _ = writeln!(
            out,
            "  {} {}",
            if c.success { "ok  " } else { "FAIL" },
            c.description
        );
    }
    match o.reason() {
        None if o.success => out.push_str("OK\n"),
        Some(reason) => {
            let _ = writeln!(out, "FAILED: {}", crate::text::url::redact(&reason));
        }
        None => out.push_str("FAILED\n"),
    }
    out
}

/// `nines probe list`: every probe of a running daemon.
pub fn list(args: &ClientArgs, service: Option<&str>) -> anyhow::Result<ExitCode> {
    let rows: Vec<Value> = client::get(
        args,
        &format!("/api/v1/probes{}", query(&[("service", service)])),
    )?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Output::Text if rows.is_empty() => {
            println!("no probes configured (add them under a service's `probes:` in the config)")
        }
        Output::Text => {
            let mut t = table(&[
                "SERVICE", "PROBE", "KIND", "STATUS", "LAST RUN", "TOOK", "WHY",
            ]);
            for r in &rows {
                let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
                let took = r["last"]["duration_seconds"]
                    .as_f64()
                    .map(|d| format!("{:.1} ms", d * 1000.0))
                    .unwrap_or_else(|| "-".into());
                let why = r["last"]["error"]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| {
                        r["last"]["checks"].as_array()?.iter().find_map(|c| {
                            (c["success"] == false)
                                .then(|| c["description"].as_str().unwrap_or("").to_string())
                        })
                    })
                    .unwrap_or_default();
                t.add_row(vec![
                    s("service"),
                    s("probe"),
                    s("kind"),
                    s("status"),
                    crate::cli::time::listing(&s("last_run_at")),
                    took,
                    why,
                ]);
            }
            println!("{}", t.trim_fmt());
        }
    }
    Ok(ExitCode::SUCCESS)
}
