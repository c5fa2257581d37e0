//! Issue 8 end to end, on a manual clock: a deploy is recorded, an SLO
//! burns, an incident opens and resolves; the postmortem draft holds the
//! deploy in its timeline and the budget burned (snapshot), round-trips as
//! Markdown through `nines postmortem export|import` with status
//! transitions checked, tracks its action items, and the day's report
//! counts one change failure (snapshot).

use crate::util::*;
use jiff::Timestamp;
use nines::clock::Clock;
use serde_json::{Value, json};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn config() -> String {
    shop_yaml().replace(
        "    slos:\n",
        "    slas:\n      - { target: 99.5, period: month }\n      - { target: 99.9, period: month, slos: [latency] }\n    slos:\n",
    )
}

/// Good/total events for both SLOs, one per minute in `[from, to)`
/// (minutes after `start`), availability with `bad` failures a minute.
fn minutes(start: &str, from: i64, to: i64, bad: u64) -> Vec<Value> {
    let t = at(start).as_second();
    (from..to)
        .flat_map(|m| {
            [
                event("shop", "availability", t + m * 60, 1000 - bad, 1000),
                event("shop", "latency", t + m * 60, 1000, 1000),
            ]
        })
        .collect()
}

async fn push(d: &Daemon, events: Vec<Value>) {
    let r = call(
        "POST",
        &format!("{}/api/v1/events", d.url),
        Some(WRITER),
        Some(batch(&events)),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn cli(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        nines()
            .args(&args)
            .env("NINES_TOKEN", ADMIN)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[tokio::test]
async fn deploy_burn_incident_postmortem_and_report() {
    let ws = Workspace::new(&config());
    let clock = Clock::manual(at("2026-03-10T09:00:00Z"));
    let d = Daemon::start(&ws, clock.clone()).await;
    let url = d.url.clone();

    // Three quiet hours, then a deploy.
    push(&d, minutes("2026-03-10T06:00:00Z", 0, 180, 0)).await;
    let r = call(
        "POST",
        &format!("{url}/api/v1/changes"),
        Some(WRITER),
        Some(json!({"service": "shop", "version": "2.14.0", "by": "ana", "description": "new cart client"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // Ten minutes later 10% of requests fail; the page tier fires at 09:30.
    clock.set(at("2026-03-10T09:30:00Z"));
    push(&d, minutes("2026-03-10T09:00:00Z", 0, 10, 0)).await;
    push(&d, minutes("2026-03-10T09:00:00Z", 10, 30, 100)).await;
    let r = call(
        "GET",
        &format!("{url}/api/v1/incidents/INC-1"),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "an SLO page alert opens INC-1: {:?}", r.body);

    // The gate is frozen now; a rollback passes.
    let r = call(
        "GET",
        &format!("{url}/api/v1/services/shop/gate"),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.body["allowed"], false);
    let r = call(
        "GET",
        &format!("{url}/api/v1/services/shop/gate?kind=rollback"),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.body["allowed"], true);

    clock.set(at("2026-03-10T09:35:00Z"));
    let r = call(
        "POST",
        &format!("{url}/api/v1/incidents/INC-1/ack"),
        Some(ADMIN),
        Some("{}".into()),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    clock.set(at("2026-03-10T09:50:00Z"));
    push(&d, minutes("2026-03-10T09:00:00Z", 30, 50, 0)).await;
    let r = call(
        "POST",
        &format!("{url}/api/v1/incidents/INC-1/resolve"),
        Some(ADMIN),
        Some("{}".into()),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // No postmortem yet; `nines postmortem INC-1` drafts and prints it.
    let pm_url = format!("{url}/api/v1/incidents/INC-1/postmortem");
    let r = call("GET", &pm_url, Some(READER), None).await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    clock.set(at("2026-03-10T10:00:00Z"));
    let drafted = ok(&cli(vec![
        "postmortem".into(),
        "INC-1".into(),
        "--server".into(),
        url.clone(),
    ])
    .await);
    insta::assert_snapshot!("postmortem_draft", drafted);
    assert!(drafted.contains("deploy of shop version 2.14.0 by ana"));
    // Asking again shows the same draft; no new revision.
    let r = call("POST", &pm_url, Some(ADMIN), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["revision"], 1);
    assert_eq!(r.body["markdown"], drafted);

    // Export, edit, import: skipping review is refused, sending it is not.
    let exported = ok(&cli(vec![
        "postmortem".into(),
        "export".into(),
        "INC-1".into(),
        "--server".into(),
        url.clone(),
    ])
    .await);
    assert_eq!(exported, drafted);
    let header = "| Type | Action | Owner | Due | Tracking | Status |\n|---|---|---|---|---|---|\n";
    let edited = exported
        .replace(
            header,
            &format!("{header}| prevent | Canary deploys for shop | ana | 2026-03-01 | https://tracker.example.com/7 | open |\n| detect | Alert on cart errors | bo | 2026-04-01 | | open |\n"),
        )
        .replace("| Status | draft |", "| Status | published |");
    let file = ws.dir.path().join("inc-1.md");
    std::fs::write(&file, &edited).unwrap();
    let out = cli(vec![
        "postmortem".into(),
        "import".into(),
        "INC-1".into(),
        file.display().to_string(),
        "--server".into(),
        url.clone(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cannot go from draft to published (send it for review first)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let edited = edited.replace("| Status | published |", "| Status | in review |");
    std::fs::write(&file, &edited).unwrap();
    let said = ok(&cli(vec![
        "postmortem".into(),
        "import".into(),
        "INC-1".into(),
        file.display().to_string(),
        "--server".into(),
        url.clone(),
    ])
    .await);
    assert_eq!(
        said.trim(),
        "saved the postmortem of INC-1 as revision 2 (in_review)"
    );
    // Without loss: exporting gives back the file as imported.
    let again = ok(&cli(vec![
        "postmortem".into(),
        "export".into(),
        "INC-1".into(),
        "--server".into(),
        url.clone(),
    ])
    .await);
    assert_eq!(again, edited);
    let r = call("GET", &pm_url, Some(READER), None).await;
    assert_eq!(r.body["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["status"], "in_review");
    // A postmortem of another incident is refused.
    let other = edited.replace("| Incident | INC-1 |", "| Incident | INC-9 |");
    let r = call(
        "POST",
        &pm_url,
        Some(ADMIN),
        Some(json!({"markdown": other}).to_string()),
    )
    .await;
    assert_eq!(r.status, 422, "{:?}", r.body);

    // Action items: ana's is overdue, bo's is not.
    let r = call(
        "GET",
        &format!("{url}/api/v1/action-items?overdue=true"),
        Some(READER),
        None,
    )
    .await;
    let items = r.body.as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["owner"], "ana");
    assert_eq!(items[0]["incident"], "INC-1");
    assert_eq!(items[0]["tracking"], "https://tracker.example.com/7");
    let r = call(
        "GET",
        &format!("{url}/api/v1/action-items?owner=bo"),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);

    // The day's report: one change, and it failed.
    let r = call(
        "GET",
        &format!("{url}/api/v1/reports?from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z"),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let shop = &r.body["services"][0];
    assert_eq!(shop["changes"]["changes"], 1);
    assert_eq!(shop["changes"]["failed"], 1);
    assert_eq!(shop["incidents_by_severity"]["SEV1"], 1);
    let md = ok(&cli(vec![
        "report".into(),
        "--from".into(),
        "2026-03-10T00:00:00Z".into(),
        "--to".into(),
        "2026-03-11T00:00:00Z".into(),
        "--server".into(),
        url.clone(),
    ])
    .await);
    insta::assert_snapshot!("report_day", md);
    for format in ["html", "json"] {
        let out = ok(&cli(vec![
            "report".into(),
            "--from".into(),
            "2026-03-10T00:00:00Z".into(),
            "--to".into(),
            "2026-03-11T00:00:00Z".into(),
            "--format".into(),
            format.into(),
            "--server".into(),
            url.clone(),
        ])
        .await);
        assert!(out.contains("shop"), "{format}: {out}");
    }
    d.stop().await;
}

/// Owners who are users get one reminder a week of their overdue action
/// items, by their first notification method.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_action_items_are_sent_to_their_owners_once_a_week() {
    let got = Receiver::start().await;
    let hook = got.url("/ana");
    let yaml = config().replace(
        "auth:",
        &format!("users:\n  ana: {{ webhook: \"{hook}\" }}\nauth:"),
    );
    let ws = Workspace::new(&yaml);
    // Tuesday: the week's reminders are due.
    let clock = Clock::manual(at("2026-03-10T09:00:00Z"));
    let d = Daemon::start(&ws, clock.clone()).await;
    let url = d.url.clone();
    let r = call(
        "POST",
        &format!("{url}/api/v1/incidents"),
        Some(ADMIN),
        Some(json!({"service": "shop", "title": "cart errors"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let pm_url = format!("{url}/api/v1/incidents/INC-1/postmortem");
    let r = call("POST", &pm_url, Some(ADMIN), None).await;
    let draft = r.body["markdown"].as_str().unwrap().to_string();
    let header = "| Type | Action | Owner | Due | Tracking | Status |\n|---|---|---|---|---|---|\n";
    let edited = draft.replace(
        header,
        &format!("{header}| prevent | Canary deploys for shop | ana | 2026-03-01 | https://tracker.example.com/7 | open |\n| detect | Alert on cart errors | ana | 2026-04-01 | | open |\n"),
    );
    let r = call(
        "POST",
        &pm_url,
        Some(ADMIN),
        Some(json!({"markdown": edited}).to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "a new revision: {:?}", r.body);
    // Looked for once a minute.
    clock.set(at("2026-03-10T09:01:00Z"));
    let reminder = eventually(
        std::time::Duration::from_secs(10),
        "the reminder",
        || async { got.bodies().first().cloned() },
    )
    .await;
    assert_eq!(reminder["event"], "action_items.overdue");
    assert_eq!(reminder["title"], "1 overdue action item(s)");
    assert_eq!(
        reminder["text"],
        "INC-1 (prevent): Canary deploys for shop — due 2026-03-01, https://tracker.example.com/7"
    );
    // Not again that week: once a round at the new time has looked.
    let later = at("2026-03-12T10:00:00Z");
    clock.set(later);
    let u = url.clone();
    tokio::task::spawn_blocking(move || {
        metric_above(
            &u,
            "nines_escalation_last_round_timestamp_seconds",
            (later.as_second() - 1) as f64,
        )
    })
    .await
    .unwrap();
    assert_eq!(got.len(), 1);
    // Next Monday: again.
    clock.set(at("2026-03-16T09:00:00Z"));
    eventually(
        std::time::Duration::from_secs(10),
        "next week's reminder",
        || async { (got.len() == 2).then_some(()) },
    )
    .await;
    d.stop().await;
}

/// Timeslice SLOs count in slices: the postmortem's burn is bad slices over
/// the window's slice budget, and the report's attainment good slices over
/// slices with data.
#[tokio::test]
async fn timeslice_slos_burn_and_attain_in_slices() {
    let yaml = shop_yaml().replace(
        "    slos:\n",
        "    slos:\n      - { name: nightly, objective: 99, window: 7d, sli: events, timeslices: { target: 95, slice: 1m } }\n",
    );
    let ws = Workspace::new(&yaml);
    let clock = Clock::manual(at("2026-03-10T10:00:00Z"));
    let d = Daemon::start(&ws, clock.clone()).await;
    let t = at("2026-03-10T08:00:00Z").as_second();
    // Two hours of slices: 110 good, then 10 bad (80 of 100 good).
    let events: Vec<Value> = (0..120)
        .map(|m| {
            event(
                "shop",
                "nightly",
                t + m * 60,
                if m < 110 { 100 } else { 80 },
                100,
            )
        })
        .collect();
    push(&d, events).await;
    // The burn opened INC-1 when the events arrived, at 10:00; an incident
    // opened by hand covers the ten bad minutes.
    clock.set(at("2026-03-10T09:50:00Z"));
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents", d.url),
        Some(ADMIN),
        Some(json!({"service": "shop", "title": "nightly slow"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    clock.set(at("2026-03-10T10:00:00Z"));
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/{id}/resolve", d.url),
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/{id}/postmortem", d.url),
        Some(ADMIN),
        None,
    )
    .await;
    let slos = r.body["postmortem"]["impact"]["slos"]
        .as_array()
        .unwrap()
        .clone();
    let nightly = slos
        .iter()
        .find(|s| s["slo"] == "shop/nightly")
        .unwrap_or_else(|| panic!("{slos:?}"));
    // 10 bad slices over 1% of the window's 120 slices: 833.33% of budget.
    assert_eq!(nightly["budget_burned_ratio"], 8.3333, "{nightly}");
    let r = call(
        "GET",
        &format!(
            "{}/api/v1/reports?from=2026-03-10T08:00:00Z&to=2026-03-10T10:00:00Z",
            d.url
        ),
        Some(READER),
        None,
    )
    .await;
    let line = r.body["services"][0]["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["slo"] == "nightly")
        .cloned()
        .unwrap();
    assert_eq!(
        (line["good"].clone(), line["total"].clone()),
        (json!(110), json!(120)),
        "{line}"
    );
    assert_eq!(line["met"], false);
    d.stop().await;
}
