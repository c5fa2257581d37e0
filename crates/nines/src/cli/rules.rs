//! `nines rules prometheus`: compile SLOs with Prometheus-based SLIs into a
//! Prometheus rule file (or one per service), optionally checked by promtool.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, anyhow, bail};
use nines_config::{Config, QueryTemplates, Ratio, Sli, Slo};
use nines_slo::rules::{RuleOptions, RuleSlo, SliQuery, prometheus_rules};

mod sloth;

/// Flags of `nines rules prometheus`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["config", "sloth"])))]
pub struct RulesArgs {
    /// Config file, or a directory of *.yaml files.
    #[arg(long, short, env = "NINES_CONFIG")]
    pub config: Option<PathBuf>,
    /// A Sloth spec (`version: prometheus/v1`, or a `PrometheusServiceLevel`
    /// resource; one per YAML document) instead of nines config: the rules
    /// `sloth generate` writes for it.
    #[arg(long, conflicts_with = "config")]
    pub sloth: Option<PathBuf>,
    /// SLO period for every SLO (`28d`, `30d`, …); default each SLO's window
    /// (calendar weeks count as 7d, calendar months as 30d), or 30d for a
    /// Sloth spec, whose alert windows come from the catalogue.
    #[arg(long, visible_alias = "default-slo-period", value_parser = parse_period)]
    pub period: Option<u32>,
    /// With --sloth: Sloth's `AlertWindows` catalogue, a file or a directory
    /// of them (as `sloth generate --slo-period-windows-path`); replaces the
    /// built-in 28d and 30d windows.
    #[arg(long, requires = "sloth")]
    pub slo_period_windows_path: Option<PathBuf>,
    /// With --sloth: generate the rules without the SLO plugins nines cannot
    /// run (each is named on stderr) instead of refusing the spec.
    #[arg(long, requires = "sloth")]
    pub skip_slo_plugins: bool,
    /// With --sloth: the `sloth_version` label of `sloth_slo_info`.
    #[arg(long, requires = "sloth", default_value = concat!("nines-", env!("CARGO_PKG_VERSION")))]
    pub sloth_version: String,
    /// Leave out the alert rules.
    #[arg(long)]
    pub no_alerts: bool,
    /// Leave out the recording rules (the alerts then need them from elsewhere).
    #[arg(long)]
    pub no_recordings: bool,
    /// Extra label on every rule, `key=value`; repeatable.
    #[arg(short = 'l', long = "label", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    /// Write here instead of stdout: a file, or with --by-service a directory.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// One file per service, `<out>/<service>.yaml`.
    #[arg(long, requires = "out")]
    pub by_service: bool,
    /// Run the result through `promtool check rules` (promtool must be on PATH).
    #[arg(long)]
    pub check: bool,
}

fn parse_period(s: &str) -> Result<u32, String> {
    let d = nines_slo::parse_duration(s).map_err(|e| e.to_string())?;
    let minutes = d.as_secs() / 60;
    if d.as_secs() % 60 != 0 || !(60..=400 * 1440).contains(&minutes) {
        return Err(format!(
            "{s} is not a whole number of minutes between 1h and 400d"
        ));
    }
    Ok(minutes as u32)
}

fn parse_label(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not key=value"))?;
    let valid = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid || k.starts_with("__") {
        return Err(format!(
            "{k:?} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"
        ));
    }
    Ok((k.to_string(), v.to_string()))
}

/// Labels nines' own rules set themselves, refused as `-l` with --config.
const NINES_LABELS: [&str; 7] = [
    "service",
    "slo",
    "window",
    "severity",
    "tier",
    "long_window",
    "short_window",
];

/// The period an SLO's rules use, in minutes.
fn period_of(slo: &Slo, forced: Option<u32>) -> u32 {
    forced.unwrap_or_else(|| slo.spec.window.nominal_minutes())
}

/// The SLOs to compile, by service, and why the others are skipped.
fn select<'c>(
    config: &'c Config,
    args: &RulesArgs,
) -> (BTreeMap<&'c str, Vec<RuleSlo<'c>>>, Vec<String>) {
    let mut by_service: BTreeMap<&str, Vec<RuleSlo<'_>>> = BTreeMap::new();
    let mut skipped = Vec::new();
    for service in config.services.values() {
        for slo in &service.slos {
            if slo.spec.timeslices.is_some() {
                skipped.push(format!(
                    "{}/{}: timeslices budgeting is evaluated by nines only (Prometheus rules count events)",
                    service.name, slo.name
                ));
                continue;
            }
            let query = match &slo.sli {
                Sli::Events => {
                    skipped.push(format!(
                        "{}/{}: its SLI is `events` (pushed to nines), not `prometheus` or `promql`",
                        service.name, slo.name
                    ));
                    continue;
                }
                Sli::Probe { probe, .. } => {
                    skipped.push(format!(
                        "{}/{}: its SLI is the nines probe `{probe}`, judged by nines itself",
                        service.name, slo.name
                    ));
                    continue;
                }
                Sli::Prometheus(c) | Sli::Promql(c) => match &c.ratio {
                    Ratio::Good(good) => SliQuery::Good {
                        good,
                        total: &c.total,
                    },
                    Ratio::Errors(errors) => SliQuery::Errors {
                        errors,
                        total: &c.total,
                    },
                },
                Sli::PromqlQueries { queries, .. } => template_query(queries),
            };
            by_service.entry(&service.name).or_default().push(RuleSlo {
                service: &service.name,
                slo: &slo.name,
                objective: slo.spec.objective,
                period_minutes: period_of(slo, args.period),
                query,
                tiers: &slo.spec.tiers,
                min_events: slo.spec.min_events,
                service_labels: &service.labels,
                alert_labels: &slo.labels,
                annotations: &slo.alert_rules.annotations,
                for_: slo.alert_rules.for_.as_deref(),
                budget_exhausted_alert: slo.alert_rules.budget_exhausted_alert,
                absent_alert: slo.alert_rules.absent_alert.as_deref(),
            });
        }
    }
    (by_service, skipped)
}

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.sloth {
        return sloth::run(args, path);
    }
    if let Some((k, _)) = args
        .labels
        .iter()
        .find(|(k, _)| NINES_LABELS.contains(&k.as_str()))
    {
        bail!("-l {k}=…: nines sets the label {k:?} itself");
    }
    let path = args
        .config
        .as_ref()
        .expect("clap requires --config or --sloth");
    let config = Config::load(path).map_err(|e| anyhow!("{} is invalid:\n{e}", path.display()))?;
    let (by_service, skipped) = select(&config, args);
    write_out(args, by_service, skipped)
}

fn template_query(q: &QueryTemplates) -> SliQuery<'_> {
    match q {
        QueryTemplates::Events {
            error_query,
            total_query,
        } => SliQuery::Templates {
            errors: error_query,
            total: total_query,
        },
        QueryTemplates::Raw { error_ratio_query } => SliQuery::RawErrorRatio(error_ratio_query),
    }
}

fn write_out(
    args: &RulesArgs,
    by_service: BTreeMap<&str, Vec<RuleSlo<'_>>>,
    skipped: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let opts = RuleOptions {
        no_recordings: args.no_recordings,
        no_alerts: args.no_alerts,
        extra_labels: args.labels.iter().cloned().collect(),
    };
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    let compiled: usize = by_service.values().map(Vec::len).sum();
    let mut files: Vec<(Option<PathBuf>, String)> = Vec::new();
    if args.by_service {
        let dir = args
            .out
            .as_ref()
            .expect("clap requires --out with --by-service");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (service, slos) in &by_service {
            files.push((
                Some(dir.join(format!("{service}.yaml"))),
                prometheus_rules(slos, &opts),
            ));
        }
    } else {
        let all: Vec<RuleSlo<'_>> = by_service.into_values().flatten().collect();
        files.push((args.out.clone(), prometheus_rules(&all, &opts)));
    }
    for (path, text) in &files {
        match path {
            Some(p) => {
                std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
            }
            None => print!("{text}"),
        }
    }
    eprintln!("{compiled} SLO(s) compiled, {} skipped", skipped.len());
    if args.check {
        for (path, text) in &files {
            check_rules(path.as_deref(), text)?;
        }
        eprintln!("promtool check rules: ok");
    }
    Ok(ExitCode::SUCCESS)
}

/// `promtool check rules` on a written file, or on `text` via a temp file.
pub fn check_rules(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    // Only the file made here is removed: an `-o` path stays, wherever it
    // is (one in the temp directory was deleted before, issue 14).
    let (path, made) = match path {
        Some(p) => (p.to_path_buf(), false),
        None => {
            let temp =
                std::env::temp_dir().join(format!("nines-rules-{}.yaml", std::process::id()));
            std::fs::write(&temp, text)?;
            (temp, true)
        }
    };
    let out = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(&path)
        .output();
    if made {
        let _ = std::fs::remove_file(&path);
    }
    let out = out.map_err(|e| {
        anyhow!("cannot run promtool ({e}); install it with `apt-get install prometheus`")
    })?;
    if !out.status.success() {
        bail!(
            "promtool check rules failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
