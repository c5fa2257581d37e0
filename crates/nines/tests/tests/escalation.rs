//! The escalation engine in the daemon: steps page on time through
//! people's notification rules, a restart neither repeats nor skips a
//! step, acknowledgement stops it and cancels delayed pages, and
//! "escalate now" pages the next step at once.

use std::time::Duration;

use crate::util::*;
use jiff::{SignedDuration, Timestamp};
use nines::clock::Clock;
use serde_json::{Value, json};

type Got = Receiver;

/// One receiver for everybody: `/ana`, `/bo`, `/lead`, `/team`.
async fn receiver() -> (String, Got) {
    let got = Receiver::start().await;
    (got.base().to_string(), got)
}

/// Who got what so far: the path's name and the JSON body, in order.
fn log(got: &Got) -> Vec<(String, Value)> {
    got.requests()
        .iter()
        .map(|r| (r.path.trim_start_matches('/').to_string(), r.json()))
        .collect()
}

fn config(base: &str) -> String {
    format!(
        r#"services:
  shop:
    escalation: shop-oncall
users:
  ana: {{ webhook: "{base}/ana" }}
  bo:
    webhook: "{base}/bo"
    timezone: Europe/Berlin
    working_hours: {{ days: [mon..fri], from: "09:00", to: "18:00" }}
    quiet_hours: {{ from: "22:00", to: "07:00" }}
  lead: {{ webhook: "{base}/lead", notify: [{{ webhook: 2m }}] }}
schedules:
  primary:
    timezone: Europe/Berlin
    layers:
      - {{ rotation: weekly, handoff: "monday 09:00", start: 2026-11-02, users: [ana, bo] }}
channels:
  team: {{ webhook: {{ url: "{base}/team" }} }}
teams:
  shop-team: {{ members: [ana, bo, lead] }}
escalations:
  shop-oncall:
    steps:
      - {{ notify: [schedule:primary] }}
      - {{ notify: [user:lead, channel:team], after: 15m }}
auth:
  tokens:
    - {{ name: r, role: reader, hash: "{r}" }}
    - {{ name: ana, role: responder, hash: "{resp}" }}
"#,
        r = nines_config::hash_token(READER),
        resp = nines_config::hash_token(RESPONDER),
    )
}

async fn open(d: &Daemon, title: &str) -> String {
    open_incident(d, json!({"service": "shop", "title": title})).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn act(d: &Daemon, id: &str, action: &str) -> Resp {
    call(
        "POST",
        &format!("{}/api/v1/incidents/{id}/{action}", d.url),
        Some(RESPONDER),
        None,
    )
    .await
}

/// Who got a page (or channel message) about `id`, in order.
fn pages(got: &Got, id: &str) -> Vec<String> {
    log(got)
        .iter()
        .filter(|(_, v)| v["incident"]["id"] == id)
        .map(|(who, _)| who.clone())
        .collect()
}

async fn wait_pages(got: &Got, id: &str, n: usize) -> Vec<String> {
    eventually(
        Duration::from_secs(10),
        &format!("{n} pages of {id}"),
        || async {
            let p = pages(got, id);
            (p.len() >= n).then_some(p)
        },
    )
    .await
}

/// Who was paged about `id` once the engine has looked at the clock's
/// time: one escalation round run here (the function the daemon's loop
/// runs every second; rounds take the store in turn), then until the outbox
/// holds nothing of `id` due by now. No fixed wait: what the round owes is
/// in the outbox, so once none of it is due, nothing more can arrive until
/// the clock moves.
async fn settle(d: &Daemon, got: &Got, id: &str) -> Vec<String> {
    let app = d.app.clone();
    tokio::task::spawn_blocking(move || nines::incidents::escalation::escalate(&app))
        .await
        .unwrap()
        .unwrap();
    d.app.outbox_wake.notify_one();
    let n: i64 = id.trim_start_matches("INC-").parse().unwrap();
    eventually(
        Duration::from_secs(10),
        &format!("the outbox done with {id}"),
        || async {
            let app = d.app.clone();
            let due = tokio::task::spawn_blocking(move || {
                let now = app.clock.now().as_millisecond();
                app.with_store(|s| nines_store::OutboxStore::due_notifications(s, now, 10_000))
            })
            .await
            .unwrap()
            .unwrap();
            due.iter().all(|r| r.incident_id != Some(n)).then_some(())
        },
    )
    .await;
    pages(got, id)
}

/// Returns once a whole round of the daemon's loop (escalation steps, then
/// the notices: handoffs, reminders) has run at the clock's time and the
/// outbox has nothing due: the proof the daemon looked, instead of a fixed
/// wait. Two canary incidents opened one after the other: the first is
/// paged by some round, the second by a round that started after the
/// first's page was queued, so the round before it ran whole. The canaries
/// are resolved, so later notices do not list them.
async fn looked(d: &Daemon, got: &Got) {
    for _ in 0..2 {
        // A manual incident's group key holds the time: a manual clock
        // moved by a millisecond keeps the canary out of open groups.
        let c = &d.app.clock;
        c.set(c.now() + SignedDuration::from_millis(1));
        let id = open(d, "canary").await;
        wait_pages(got, &id, 1).await;
        assert_eq!(act(d, &id, "resolve").await.status, 200);
    }
    eventually(Duration::from_secs(10), "the outbox done", || async {
        let app = d.app.clone();
        let due = tokio::task::spawn_blocking(move || {
            let now = app.clock.now().as_millisecond();
            app.with_store(|s| nines_store::OutboxStore::due_notifications(s, now, 10_000))
        })
        .await
        .unwrap()
        .unwrap();
        due.is_empty().then_some(())
    })
    .await;
}

async fn timeline(d: &Daemon, id: &str) -> Vec<String> {
    let r = call(
        "GET",
        &format!("{}/api/v1/incidents/{id}", d.url),
        Some(READER),
        None,
    )
    .await;
    r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_page_on_time_and_a_restart_neither_repeats_nor_skips() {
    let (base, got) = receiver().await;
    let ws = Workspace::new(&config(&base));
    // Tuesday 2026-11-24: bo's week (ana from Monday 2026-11-02, bo from
    // 11-09, ana from 11-16, bo from 11-23, 09:00 Berlin).
    let t0: Timestamp = "2026-11-24T10:00:00Z".parse().unwrap();
    let clock = Clock::manual(t0);
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    let id = open(&d, "checkout down").await;
    assert_eq!(wait_pages(&got, &id, 1).await, ["bo"]);
    let page = log(&got)[0].1.clone();
    assert_eq!(page["event"], "incident.paged");
    assert_eq!(
        page["text"],
        format!("bo, you are paged (step 1 of shop-oncall): checkout down")
    );
    // 14 minutes on: nothing more.
    clock.set(t0 + SignedDuration::from_mins(14));
    assert_eq!(settle(&d, &got, &id).await, ["bo"]);

    // Down across step 2's due time (15 min) and back at 20 min: step 2
    // is paged once, step 1 not again.
    d.stop().await;
    clock.set(t0 + SignedDuration::from_mins(20));
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    // The team channel at once; lead's rule waits 2 minutes.
    assert_eq!(wait_pages(&got, &id, 2).await, ["bo", "team"]);
    assert_eq!(settle(&d, &got, &id).await, ["bo", "team"]);
    clock.set(t0 + SignedDuration::from_mins(22));
    assert_eq!(wait_pages(&got, &id, 3).await, ["bo", "team", "lead"]);
    // Every step paged: nothing more, however long.
    clock.set(t0 + SignedDuration::from_hours(5));
    assert_eq!(settle(&d, &got, &id).await, ["bo", "team", "lead"]);
    let t = timeline(&d, &id).await;
    assert!(
        t.contains(&"escalation step 1 of shop-oncall: paging bo".to_string()),
        "{t:?}"
    );
    assert!(
        t.contains(&"escalation step 2 of shop-oncall: paging lead; notifying team".to_string()),
        "{t:?}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledging_stops_the_escalation_and_cancels_waiting_pages() {
    let (base, got) = receiver().await;
    let ws = Workspace::new(&config(&base));
    // Next week: ana's turn.
    let t0: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    let clock = Clock::manual(t0);
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    let id = open(&d, "queue stuck").await;
    assert_eq!(wait_pages(&got, &id, 1).await, ["ana"]);
    // Step 2 at 15 min: the team now, lead's page queued for 17 min.
    clock.set(t0 + SignedDuration::from_mins(15));
    assert_eq!(wait_pages(&got, &id, 2).await, ["ana", "team"]);
    clock.set(t0 + SignedDuration::from_mins(16));
    let r = act(&d, &id, "ack").await;
    assert_eq!(r.status, 200, "{}", r.text);
    clock.set(t0 + SignedDuration::from_mins(30));
    // The ack notifies the team (routes have no channels here: none), and
    // lead is never paged.
    let after = settle(&d, &got, &id).await;
    assert!(!after.contains(&"lead".to_string()), "{after:?}");
    let r = call(
        "GET",
        &format!("{}/api/v1/incidents/{id}", d.url),
        Some(READER),
        None,
    )
    .await;
    let states: Vec<(String, String)> = r.body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["channel"].as_str().unwrap().to_string(),
                n["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        states.contains(&("user:lead:webhook".into(), "cancelled".into())),
        "{states:?}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalate_now_pages_the_next_step_at_once() {
    let (base, got) = receiver().await;
    let ws = Workspace::new(&config(&base));
    let t0: Timestamp = "2026-11-24T10:00:00Z".parse().unwrap();
    let clock = Clock::manual(t0);
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    let id = open(&d, "latency").await;
    assert_eq!(wait_pages(&got, &id, 1).await, ["bo"]);
    clock.set(t0 + SignedDuration::from_mins(3));
    let r = act(&d, &id, "escalate").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(wait_pages(&got, &id, 2).await, ["bo", "team"]);
    // Nothing is left to escalate to.
    let r = act(&d, &id, "escalate").await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(
        r.text
            .contains("has paged every step of `shop-oncall` already"),
        "{}",
        r.text
    );
    // Reassigning to a person pages them.
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/{id}/assign", d.url),
        Some(RESPONDER),
        Some(json!({"assignee": "ana"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(wait_pages(&got, &id, 3).await, ["bo", "team", "ana"]);
    let last = log(&got).last().unwrap().1.clone();
    assert_eq!(
        last["text"],
        "ana, you are paged (assigned by ana): latency"
    );
    let t = timeline(&d, &id).await;
    assert!(
        t.contains(&"escalated by ana: step 2 of shop-oncall now".to_string()),
        "{t:?}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oncall_health_counts_pages_hours_and_acknowledgements() {
    let (base, got) = receiver().await;
    let ws = Workspace::new(&config(&base));
    // Tuesday 11:00 in Berlin, bo's week: a page in working hours.
    let t0: Timestamp = "2026-11-24T10:00:00Z".parse().unwrap();
    let clock = Clock::manual(t0);
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    let day = open(&d, "by day").await;
    wait_pages(&got, &day, 1).await;
    assert_eq!(act(&d, &day, "ack").await.status, 200);
    // Wednesday 03:00 in Berlin: a page at night.
    clock.set("2026-11-25T02:00:00Z".parse().unwrap());
    let night = open(&d, "by night").await;
    wait_pages(&got, &night, 1).await;
    let r = call(
        "GET",
        &format!(
            "{}/api/v1/analytics/oncall?from=2026-11-24T00:00:00Z&to=2026-11-25T12:00:00Z",
            d.url
        ),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let person = |name: &str| {
        r.body["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user"] == name)
            .cloned()
            .unwrap()
    };
    let bo = person("bo");
    assert_eq!(bo["pages"], 2, "{bo}");
    assert_eq!(bo["pages_off_hours"], 1);
    assert_eq!(bo["pages_at_night"], 1);
    assert_eq!(bo["hours_on_call"], 36.0, "the whole period is bo's week");
    let ana = person("ana");
    assert_eq!(
        (ana["pages"].clone(), ana["acknowledged"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(
        ana["pages_off_hours"],
        Value::Null,
        "no working hours given"
    );
    assert_eq!(r.body["teams"][0]["team"], "shop-team");
    let bad = call(
        "GET",
        &format!(
            "{}/api/v1/analytics/oncall?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z",
            d.url
        ),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_change_sends_handoff_notices_with_the_open_incidents_once() {
    let (base, got) = receiver().await;
    let ws = Workspace::new(&config(&base));
    // Monday 2026-11-30, 08:50 in Berlin: bo's week ends at 09:00.
    let clock = Clock::manual("2026-11-30T07:50:00Z".parse().unwrap());
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    let id = open(&d, "queue stuck").await;
    wait_pages(&got, &id, 1).await;
    assert_eq!(act(&d, &id, "ack").await.status, 200);
    let handoffs = || {
        log(&got)
            .iter()
            .filter(|(_, v)| v["event"] == "oncall.handoff")
            .cloned()
            .collect::<Vec<_>>()
    };
    looked(&d, &got).await;
    assert!(handoffs().is_empty(), "no change yet");
    clock.set("2026-11-30T08:01:00Z".parse().unwrap());
    let notices = eventually(Duration::from_secs(10), "two handoff notices", || async {
        let h = handoffs();
        (h.len() == 2).then_some(h)
    })
    .await;
    let to = |who: &str| notices.iter().find(|(w, _)| w == who).unwrap().1.clone();
    let ana = to("ana");
    assert_eq!(
        ana["title"],
        "You are on call in primary until 2026-12-07T08:00:00Z"
    );
    assert_eq!(
        ana["text"],
        format!(
            "You take over from bo.\nOpen incidents:\n{id} queue stuck (shop, SEV3, acknowledged)"
        )
    );
    assert_eq!(ana["details"]["incoming"], json!(["ana"]));
    assert_eq!(to("bo")["title"], "Your shift in primary ended");
    // Later rounds and a restart send none again.
    d.stop().await;
    clock.set("2026-11-30T08:05:00Z".parse().unwrap());
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    looked(&d, &got).await;
    assert_eq!(handoffs().len(), 2);
    d.stop().await;
}

/// The real binary, killed with SIGKILL between two steps: the step that
/// came due while it was dead is paged once when it is back, and the step
/// paged before is not paged again.
#[test]
fn a_sigkill_between_steps_neither_repeats_nor_skips_one() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, got) = rt.block_on(receiver());
    let yaml = config(&base)
        .replace("after: 15m", "after: 4s")
        .replace("notify: [{ webhook: 2m }]", "notify: [webhook]");
    let ws = Workspace::new(&yaml);
    let mut nines = Process::start(&ws.config(), &ws.data(), &[]);
    let body = json!({"service": "shop", "title": "disk full"}).to_string();
    let r = blocking(
        "POST",
        &format!("{}/api/v1/incidents", nines.url),
        Some(RESPONDER),
        Some(body),
    )
    .unwrap();
    assert_eq!(r.status, 201, "{}", r.text);
    eventually_blocking(Duration::from_secs(10), "step 1 paged", || {
        (!pages(&got, "INC-1").is_empty()).then_some(())
    });
    let first = pages(&got, "INC-1");
    assert_eq!(first.len(), 1, "{first:?}");
    let paged_at = got.requests()[0].at;
    signal(&nines, "KILL");
    let _ = nines.child.wait();
    // Dead across step 2's due time (4 s after step 1): the scenario, not
    // a wait for the daemon.
    let due = paged_at + Duration::from_secs(4) + Duration::from_millis(500);
    std::thread::sleep(due.saturating_duration_since(std::time::Instant::now()));
    nines = Process::start(&ws.config(), &ws.data(), &[]);
    eventually_blocking(Duration::from_secs(10), "step 2 paged", || {
        (pages(&got, "INC-1").len() >= 3).then_some(())
    });
    // Not repeated, without a fixed wait: a canary incident opened now is
    // paged by a round that starts after step 2 was paged, and that round
    // looks at INC-1 too. Once the canary's page is in and INC-1 owes
    // nothing more (the API reads the store after the round let go of
    // it), INC-1's pages are complete.
    let body = json!({"service": "shop", "title": "canary"}).to_string();
    let r = blocking(
        "POST",
        &format!("{}/api/v1/incidents", nines.url),
        Some(RESPONDER),
        Some(body),
    )
    .unwrap();
    assert_eq!(r.status, 201, "{}", r.text);
    let canary = r.body["id"].as_str().unwrap().to_string();
    eventually_blocking(Duration::from_secs(10), "the canary paged", || {
        (!pages(&got, &canary).is_empty()).then_some(())
    });
    eventually_blocking(Duration::from_secs(10), "INC-1 owes nothing", || {
        let s = blocking(
            "GET",
            &format!("{}/api/v1/incidents/INC-1", nines.url),
            Some(READER),
            None,
        )?;
        let pending = s.body["notifications"]
            .as_array()?
            .iter()
            .any(|n| n["state"] == "pending");
        (!pending).then_some(())
    });
    let mut all = pages(&got, "INC-1");
    all[1..].sort();
    assert_eq!(all, [first[0].as_str(), "lead", "team"]);
    drop(nines);
}

/// An incident whose alerts are all held (here by a maintenance window)
/// pages nobody; its escalation starts when the window ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_alerts_are_not_escalated_until_released() {
    let (base, got) = receiver().await;
    let pd_key = "0123456789abcdef0123456789abcdef";
    let yaml = config(&base).replace(
        "auth:",
        &format!(
            "integrations:\n  pd: {{ kind: pagerduty, key_hash: \"{}\", service: shop }}\nincidents:\n  maintenance:\n    - {{ name: patching, services: [shop], timezone: UTC, start: \"10:00\", duration: 1h }}\nauth:",
            nines_config::hash_token(pd_key)
        ),
    );
    let ws = Workspace::new(&yaml);
    let clock = Clock::manual("2026-11-24T10:30:00Z".parse().unwrap());
    let d = Daemon::start_with(&ws, clock.clone(), fast()).await;
    let event = json!({
        "routing_key": pd_key, "event_action": "trigger", "dedup_key": "disk",
        "payload": {"summary": "disk full", "source": "db-1", "severity": "critical"},
    });
    let r = call(
        "POST",
        &format!("{}/integrations/pagerduty/v2/enqueue", d.url),
        None,
        Some(event.to_string()),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(
        settle(&d, &got, "INC-1").await.is_empty(),
        "in the window: nobody paged"
    );
    // The window ends at 11:00: bo (this week's person) is paged.
    clock.set("2026-11-24T11:00:00Z".parse().unwrap());
    assert_eq!(wait_pages(&got, "INC-1", 1).await, ["bo"]);
    d.stop().await;
}
