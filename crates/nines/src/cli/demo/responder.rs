//! The demo's on-call responder: does what a person does after a page,
//! through the same functions the API and UI call, and says so. Acks a
//! while after the page, rolls back the bad deploy, resolves the incident
//! when checkouts recover, drafts the postmortem and asks the deploy gate.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::App;

use super::shop::Shop;
use super::sink::Delivery;

/// Where the demo's script is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Calm,
    Outage,
    Recovered,
}

/// The shop's script: a deploy, the outage it causes, and the rollback
/// that ends it.
pub async fn outage(
    app: Arc<App>,
    shop: Arc<Shop>,
    script: super::Script,
    phase: watch::Sender<Phase>,
) {
    tokio::time::sleep(script.outage_after).await;
    record_change(&app, "deploy", "v2.4.0", "bob", "new checkout flow");
    shop.outage
        .store(true, std::sync::atomic::Ordering::Relaxed);
    phase.send_replace(Phase::Outage);
    println!(
        "nines demo: bob deployed shop v2.4.0; outage! /checkout fails and /healthz says DOWN for {}",
        nines_probe::human(script.outage_for)
    );
    tokio::time::sleep(script.outage_for).await;
    record_change(&app, "rollback", "v2.3.9", "alice", "roll back v2.4.0");
    shop.outage
        .store(false, std::sync::atomic::Ordering::Relaxed);
    phase.send_replace(Phase::Recovered);
    println!("nines demo: alice rolled back to v2.3.9; the shop recovered");
}

fn record_change(app: &App, kind: &str, version: &str, author: &str, text: &str) {
    let row = nines_store::ChangeRow {
        id: 0,
        service: "shop".to_string(),
        at: app.clock.now().as_second(),
        kind: kind.to_string(),
        version: Some(version.to_string()),
        author: Some(author.to_string()),
        link: None,
        description: Some(text.to_string()),
        source: "demo".to_string(),
    };
    if let Err(e) = crate::review::changes::add(app, &row) {
        eprintln!("nines demo: could not record the {kind}: {e}");
    }
}

/// Acts on the first page; returns when the story is told.
pub async fn respond(
    app: Arc<App>,
    base: String,
    ack_after: Duration,
    mut pages: watch::Receiver<Option<Delivery>>,
    mut phase: watch::Receiver<Phase>,
) -> anyhow::Result<()> {
    let page = pages.wait_for(Option::is_some).await?.clone();
    let Some(page) = page else { return Ok(()) };
    let Some(id) = crate::state::incidents::parse_incident_id(&page.incident) else {
        anyhow::bail!("the page named no incident: {page:?}");
    };
    let person = page.to.clone();
    tokio::time::sleep(ack_after).await;
    act(&app, id, "ack", None, &person)?;
    println!(
        "nines demo: {person} acknowledged {} ({} after the page); escalation stops",
        page.incident,
        nines_probe::human(ack_after)
    );
    act(&app, id, "publish", None, &person)?;
    println!(
        "nines demo: {person} published {} to the status page: {base}status",
        page.incident
    );
    phase.wait_for(|p| *p == Phase::Recovered).await?;
    act(
        &app,
        id,
        "note",
        Some("rolled back v2.4.0; checkouts succeed again"),
        &person,
    )?;
    // The last alert resolving may have resolved it already.
    let open = crate::incidents::queries::get(&app, id)?
        .is_some_and(|i| i.status != nines_incident::Status::Resolved);
    if open {
        act(&app, id, "resolve", None, &person)?;
    }
    println!("nines demo: {person} resolved {}", page.incident);
    let (_, _, drafted) = crate::review::postmortem::draft_postmortem(&app, id, &person)?;
    if drafted {
        println!(
            "nines demo: postmortem drafted from the timeline: {base}incidents/{}/postmortem",
            page.incident
        );
    }
    let gate = crate::review::gate::evaluate(&app, "shop", "deploy")?;
    let reasons: Vec<&str> = gate["reasons"]
        .as_array()
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    println!(
        "nines demo: deploy gate for shop: {} ({})",
        gate["decision"].as_str().unwrap_or("?"),
        reasons.join("; ")
    );
    for b in gate["budget"].as_object().into_iter().flatten() {
        if let Some(left) = b.1["budget_left"].as_f64() {
            println!("  {}: {:.1}% of the error budget left", b.0, left * 100.0);
        }
    }
    println!(
        "nines demo: that is the whole loop; nines keeps running (see {base}incidents/{}, Ctrl-C to stop)",
        page.incident
    );
    Ok(())
}

/// Performs an incident action as `who`, as the API and UI do.
pub(super) fn act(
    app: &App,
    id: i64,
    action: &str,
    text: Option<&str>,
    who: &str,
) -> anyhow::Result<()> {
    let body = crate::incidents::actions::ActBody {
        text: text.map(str::to_string),
        ..Default::default()
    };
    crate::incidents::actions::perform(app, id, action, body, who).map_err(|e| {
        anyhow::anyhow!(
            "{action} {}: {e}",
            crate::state::incidents::incident_name(id)
        )
    })?;
    Ok(())
}
