//! Sloth's `AlertWindows` catalogue files (`sloth generate
//! --slo-period-windows-path`): the alert windows of one SLO period each.

use std::path::{Path, PathBuf};

use nines_slo::rules::sloth::{SlothWindow, SlothWindows};

use crate::error::{ConfigError, ConfigErrors};
use crate::read::{Ctx, join};
use crate::yaml::{self, Node};

/// Reads a catalogue: one `AlertWindows` file, or every `.yaml`/`.yml`
/// file of a directory (as Sloth does). Two files for one period are an
/// error, as in Sloth.
pub fn load_sloth_windows(path: &Path) -> Result<Vec<SlothWindows>, ConfigErrors> {
    let unreadable = |file: &Path, e: std::io::Error| {
        ConfigErrors(vec![ConfigError {
            file: file.to_path_buf(),
            line: 0,
            field: String::new(),
            message: format!("cannot read: {e}"),
        }])
    };
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| unreadable(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut out: Vec<(SlothWindows, PathBuf)> = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| unreadable(&file, e))?;
        match parse_windows(&file, &text) {
            Ok(w) => {
                if let Some((_, first)) = out.iter().find(|(o, _)| o.period == w.period) {
                    errors.push(ConfigError {
                        file: file.clone(),
                        line: 1,
                        field: "spec.sloPeriod".into(),
                        message: format!(
                            "{} already has the windows of a {} period",
                            first.display(),
                            nines_slo::format_minutes(w.period)
                        ),
                    });
                } else {
                    out.push((w, file));
                }
            }
            Err(e) => errors.extend(e.0),
        }
    }
    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    if out.is_empty() {
        return Err(ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            line: 0,
            field: String::new(),
            message: "no .yaml or .yml AlertWindows file here".into(),
        }]));
    }
    Ok(out.into_iter().map(|(w, _)| w).collect())
}

/// Parses one `AlertWindows` document.
pub fn parse_windows(file: &Path, text: &str) -> Result<SlothWindows, ConfigErrors> {
    let no_env = |_: &str| None;
    let mut ctx = Ctx::new(file, &no_env);
    let windows = match yaml::parse(text) {
        Err(e) => {
            ctx.error(e.line, "", e.message);
            None
        }
        Ok(None) => {
            ctx.error(1, "", "the file is empty; expected `kind: AlertWindows`");
            None
        }
        Ok(Some(root)) => read_root(&mut ctx, &root),
    };
    match windows {
        Some(w) if ctx.errors.is_empty() => Ok(w),
        _ => Err(ConfigErrors(ctx.errors)),
    }
}

fn read_root(ctx: &mut Ctx<'_>, root: &Node) -> Option<SlothWindows> {
    let f = ctx.foreign_fields(root, "", &["apiVersion", "kind", "spec"])?;
    for (key, want) in [
        ("apiVersion", "sloth.slok.dev/v1"),
        ("kind", "AlertWindows"),
    ] {
        let got = ctx.require(&f, "", key).and_then(|n| ctx.string(n, key))?;
        if got != want {
            ctx.error(
                f.line_of(key).unwrap_or(1),
                key,
                format!("`{got}` is not `{want}`"),
            );
            return None;
        }
    }
    let spec = ctx.require(&f, "", "spec")?;
    let s = ctx.foreign_fields(spec, "spec", &["sloPeriod", "page", "ticket"])?;
    let period = ctx
        .require(&s, "spec", "sloPeriod")
        .and_then(|n| ctx.minutes(n, "spec.sloPeriod", 60, 400 * 1440));
    let pair = |ctx: &mut Ctx<'_>, key: &str| -> Option<(SlothWindow, SlothWindow)> {
        let p = join("spec", key);
        let n = ctx.require(&s, "spec", key)?;
        let pf = ctx.foreign_fields(n, &p, &["quick", "slow"])?;
        let quick = ctx
            .require(&pf, &p, "quick")
            .and_then(|n| read_window(ctx, n, &join(&p, "quick")));
        let slow = ctx
            .require(&pf, &p, "slow")
            .and_then(|n| read_window(ctx, n, &join(&p, "slow")));
        Some((quick?, slow?))
    };
    let page = pair(ctx, "page");
    let ticket = pair(ctx, "ticket");
    let ((page_quick, page_slow), (ticket_quick, ticket_slow)) = (page?, ticket?);
    Some(SlothWindows {
        period: period?,
        page_quick,
        page_slow,
        ticket_quick,
        ticket_slow,
    })
}

fn read_window(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<SlothWindow> {
    let f = ctx.foreign_fields(
        node,
        path,
        &["errorBudgetPercent", "shortWindow", "longWindow"],
    )?;
    let budget = ctx.require(&f, path, "errorBudgetPercent").and_then(|n| {
        let at = join(path, "errorBudgetPercent");
        let (x, text) = ctx.number(n, &at, "a percentage of the error budget such as 2")?;
        if x > 0.0 && x <= 100.0 {
            Some(x)
        } else {
            ctx.error(
                n.line,
                &at,
                format!("{text} is not a percentage above 0 and at most 100"),
            );
            None
        }
    });
    let short = ctx
        .require(&f, path, "shortWindow")
        .and_then(|n| ctx.minutes(n, &join(path, "shortWindow"), 1, 400 * 1440));
    let long = ctx
        .require(&f, path, "longWindow")
        .and_then(|n| ctx.minutes(n, &join(path, "longWindow"), 1, 400 * 1440));
    let (short, long) = (short?, long?);
    if short >= long {
        ctx.error(
            node.line,
            path,
            "`shortWindow` must be shorter than `longWindow`",
        );
        return None;
    }
    Some(SlothWindow {
        budget_percent: budget?,
        short,
        long,
    })
}
