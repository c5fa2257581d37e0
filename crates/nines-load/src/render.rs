//! Text people read: the summary table, the line per second, the table of
//! capacity-search steps. Pure: strings in, strings out.

use std::fmt::Write;
use std::time::Duration;

use comfy_table::{Table, presets::NOTHING};

use crate::record::{Second, Summary};
use crate::search::{Next, Reason, Search};

/// `850µs`, `12.3ms`, `1.20s`.
pub fn duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 10_000.0 {
        format!("{:.2}ms", us / 1e3)
    } else if us < 1_000_000.0 {
        let ms = us / 1e3;
        if (ms - ms.round()).abs() < 0.05 {
            format!("{ms:.0}ms")
        } else {
            format!("{ms:.1}ms")
        }
    } else {
        format!("{:.2}s", us / 1e6)
    }
}

fn us(v: u64) -> String {
    duration(Duration::from_micros(v))
}

/// One plain line per second, for logs and CI (no terminal).
pub fn second_line(s: &Second) -> String {
    format!(
        "{:>4}s{} sent {:>6} ok+fail {:>6} errors {:>4} p50 {:>8} p99 {:>8}",
        s.at,
        if s.warmup { " (warm-up)" } else { "" },
        s.sent,
        s.responses,
        s.errors,
        us(s.p50_us),
        us(s.p99_us),
    )
}

/// The end-of-run summary.
pub fn summary(s: &Summary) -> String {
    let mut out = String::new();
    let mut t = Table::new();
    t.load_preset(NOTHING);
    let mut row = |k: &str, v: String| {
        t.add_row(vec![k.to_string(), v]);
    };
    row("model", s.model.to_string());
    row(
        "window",
        format!("{:.1}s (warm-up excluded)", s.window_secs),
    );
    if let Some(target) = s.target_rate {
        row("target rate", format!("{target:.1}/s"));
    }
    row("achieved rate", format!("{:.1}/s sent", s.achieved_rate));
    row("throughput", format!("{:.1}/s responses", s.throughput));
    row("requests", s.requests.to_string());
    row(
        "errors",
        format!("{} ({:.3}%)", s.errors, s.error_ratio * 100.0),
    );
    let statuses: Vec<String> = s
        .statuses
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    row("statuses", statuses.join(", "));
    if !s.error_kinds.is_empty() {
        let kinds: Vec<String> = s
            .error_kinds
            .iter()
            .map(|(k, v)| format!("{}: {v}", k.name()))
            .collect();
        row("transport errors", kinds.join(", "));
    }
    row("bytes received", s.bytes.to_string());
    let l = &s.latency;
    row(
        "latency",
        format!(
            "min {}  mean {}  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
            us(l.min_us),
            us(l.mean_us as u64),
            us(l.p50_us),
            us(l.p90_us),
            us(l.p99_us),
            us(l.p999_us),
            us(l.max_us)
        ),
    );
    if s.target_rate.is_some() {
        row(
            "send lag",
            format!(
                "p50 {}  p99 {}  max {}  late (>10ms) {}",
                us(s.send_lag.p50_us),
                us(s.send_lag.p99_us),
                us(s.send_lag.max_us),
                s.late
            ),
        );
    }
    let _ = writeln!(out, "{t}");
    if !s.kept_rate() {
        let _ = writeln!(
            out,
            "warning: the generator did not keep the asked rate: {:.1}/s sent of {:.1}/s asked, \
             {} sent late, {} not sent. Latency still counts from each request's intended time; \
             give it more connections (-c) or CPU, or lower the rate.",
            s.achieved_rate,
            s.target_rate.unwrap_or_default(),
            s.late,
            s.not_sent
        );
    }
    out
}

/// The table of every step tried, the knee marked.
pub fn steps(search: &Search) -> String {
    let knee = search.knee();
    let mut t = Table::new();
    t.load_preset(NOTHING);
    t.set_header(vec!["", "rate", "achieved", "p99", "errors", "result"]);
    for s in &search.steps {
        let mark = if Some(s.rate) == knee { "knee →" } else { "" };
        let result = if !s.kept_rate {
            "generator fell behind".to_string()
        } else if s.pass {
            "pass".to_string()
        } else {
            format!("fail: {}", s.failed.join("; "))
        };
        t.add_row(vec![
            mark.to_string(),
            format!("{:.0}/s", s.rate),
            format!("{:.0}/s", s.achieved_rate),
            us(s.p99_us),
            format!("{:.3}%", s.error_ratio * 100.0),
            result,
        ]);
    }
    let mut out = format!("{t}\n");
    if let Next::Done { knee, reason } = search.next() {
        let why = match reason {
            Reason::Converged => "the last pass and failure are within the precision",
            Reason::MaxRatePassed => "every rate up to --max-rate passed",
            Reason::StartFailed => "the first rate already failed: lower --start-rate",
            Reason::GeneratorLimit => {
                "the generator could not keep a step's rate: the service may take more than this machine can send"
            }
            Reason::StepLimit => "the step limit was reached",
        };
        match knee {
            Some(k) => {
                let _ = writeln!(out, "capacity: {k:.0} req/s meets the thresholds ({why})");
            }
            None => {
                let _ = writeln!(out, "capacity: no rate tried meets the thresholds ({why})");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{SearchConfig, Step};

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(Duration::from_micros(850)), "850µs");
        assert_eq!(duration(Duration::from_micros(1234)), "1.23ms");
        assert_eq!(duration(Duration::from_micros(300_000)), "300ms");
        assert_eq!(duration(Duration::from_micros(312_400)), "312.4ms");
        assert_eq!(duration(Duration::from_millis(1200)), "1.20s");
    }

    #[test]
    fn steps_table_marks_the_knee() {
        let mut s = Search::new(SearchConfig::default());
        for (rate, pass) in [
            (100.0, true),
            (200.0, true),
            (400.0, false),
            (300.0, true),
            (350.0, false),
            (325.0, true),
            (338.0, false),
        ] {
            s.record(Step {
                rate,
                pass,
                kept_rate: true,
                achieved_rate: rate,
                p99_us: if pass { 20_000 } else { 450_000 },
                error_ratio: 0.0,
                failed: if pass {
                    vec![]
                } else {
                    vec!["FAIL p99 = 450ms, 150ms over the limit (< 300ms)".into()]
                },
            });
        }
        insta::assert_snapshot!(steps(&s));
    }
}
