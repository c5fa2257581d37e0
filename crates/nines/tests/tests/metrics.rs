//! `/metrics`: the names DESIGN.md promises, values that match the API, and
//! an exposition that the real `promtool check metrics` accepts.

use crate::util::*;
use nines::clock::Clock;

const NOW: &str = "2026-11-24T12:00:00Z";

async fn scrape() -> String {
    // Routing labels from alerting.labels ride on the alert series.
    let ws = Workspace::new(&shop_yaml().replace(
        "        window: 7d\n        sli: events\n",
        "        window: 7d\n        sli: events\n        alerting: { labels: { team: payments } }\n",
    ));
    let d = Daemon::start(&ws, Clock::manual(NOW.parse().unwrap())).await;
    let now = NOW.parse::<jiff::Timestamp>().unwrap().as_second();
    let events: Vec<_> = (0..120)
        .map(|m| event("shop", "availability", now - m * 60, 980, 1000))
        .collect();
    let r = call(
        "POST",
        &format!("{}/api/v1/events", d.url),
        Some(WRITER),
        Some(batch(&events)),
    )
    .await;
    assert_eq!(r.status, 200);
    nines::slo::service::evaluate(&d.app, false);
    let r = call("GET", &format!("{}/metrics", d.url), Some(READER), None).await;
    assert_eq!(r.status, 200);
    d.stop().await;
    r.text
}

#[tokio::test]
async fn slo_series_carry_the_figures_of_the_api() {
    let text = scrape().await;
    let slo_lines: String = text
        .lines()
        .filter(|l| {
            l.starts_with("nines_slo_")
                || l.starts_with("nines_alerts_")
                || l.starts_with("# TYPE nines_slo")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(slo_lines);
    for name in [
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "nines_events_accepted_total 120",
        "nines_build_info{version=",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
}

#[tokio::test]
async fn promtool_accepts_the_exposition() {
    if !promtool_available() {
        return;
    }
    promtool_check_metrics(&scrape().await);
}
