//! The escalation engine: for every triggered incident whose service has
//! an escalation policy, pages each step when it comes due, until someone
//! acknowledges. The timing is nines-oncall's (pure); this module stores
//! the position and queues the pages.
//!
//! Restart safety: a round writes the pages it queues (outbox rows), the
//! timeline entries and the new position in one transaction. A crash
//! before the commit loses the round, which the next round repeats; a
//! crash after it has stored the position, so nothing is paged twice and
//! no step is skipped. Steps that came due while nines was down are paged
//! once each, in order, when it is back.
//!
//! People are reached by their `notify` rules: `webhook` directly, `email`
//! through the SMTP relay of the first `email` channel (sent to the
//! person's address), `slack` through the first `slack` channel, naming
//! the person's handle. Outbox rows for people are on `user:NAME:KIND`
//! channels; acknowledging cancels the ones still waiting.
//!
//! Incidents whose firing alerts are all held (silence, maintenance
//! window, inhibit rule) are not escalated while they are.
//!
//! The daemon's escalation task runs a round every second, and with it the
//! notices to people about no incident (handoffs, reminders).

use jiff::Timestamp;
use nines_config::Config;
use nines_oncall::{ContactKind, EscalationPolicy, Position, notifications};
use nines_store::{Backend, IncidentOp, IncidentRef, IncidentRow, StoreError};

use crate::app::App;
use crate::notify::channels::user_channel;
use crate::notify::messages::{Event, Links, render};
use crate::state::incidents::incident_name;

/// One round: starts, advances and stops escalations.
pub fn escalate(app: &App) -> Result<Round, StoreError> {
    let config = app.config();
    let now = app.clock.now();
    app.with_store(|store| {
        let mut round = Round::default();
        // Read when the first incident needs it, once per round.
        let mut holds = None;
        for incident in store.incidents(Some(nines_incident::Status::Triggered), None, 10_000)? {
            let Some(policy) = config.escalation_for(&incident.service) else {
                continue;
            };
            // Ticket-level alerts notify their channels, not people: the
            // escalation starts when a page-level alert raises the incident
            // (or a person opened it, or the policy pages tickets too).
            if !policy.page_tickets
                && incident.severity >= nines_incident::IncidentSeverity::Sev3
                && !store.incident_alerts(incident.id)?.is_empty()
            {
                continue;
            }
            let holds = match &holds {
                Some(h) => h,
                None => holds.insert(crate::incidents::quiet::Holds::load(store, &config, now)?),
            };
            if held(store, &config, holds, &incident, now)? {
                round.held = true;
                continue;
            }
            let (paged, next) = advance(store, &config, policy, &incident, now)?;
            round.paged += paged;
            round.next = match (round.next, next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(round)
    })
}

/// What a round did, and when the next one is needed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Round {
    /// Steps paged.
    pub paged: usize,
    /// When the next step of any escalation comes due.
    pub next: Option<Timestamp>,
    /// Some incident was held (silence, maintenance, inhibition): it may
    /// be released without anything waking the loop, so look again soon.
    pub held: bool,
}

/// "Escalate now": the next step is paged at once (by the next round),
/// and later steps keep their spacing from it.
pub fn escalate_now(
    app: &App,
    id: i64,
    actor: &str,
) -> Result<(), crate::state::incidents::IncidentError> {
    use crate::state::incidents::IncidentError;
    let config = app.config();
    let now = app.clock.now();
    app.with_store(|store| {
        let incident = store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        if incident.status != nines_incident::Status::Triggered {
            return Err(IncidentError::Invalid(format!(
                "{} is {}; only a triggered incident escalates",
                incident_name(id),
                incident.status
            )));
        }
        let policy = config.escalation_for(&incident.service).ok_or_else(|| {
            IncidentError::Invalid(format!(
                "service `{}` has no escalation policy (services.{0}.escalation or its team's)",
                incident.service
            ))
        })?;
        let fired = store
            .escalation(id)?
            .filter(|e| e.stopped_at.is_none())
            .and_then(|e| e.fired)
            .map(position);
        let next = policy.next_position(fired).ok_or_else(|| {
            IncidentError::Invalid(format!(
                "{} has paged every step of `{}` already",
                incident_name(id),
                policy.name
            ))
        })?;
        let started = policy.restart_for(next, now).unwrap_or(now);
        let r = IncidentRef::Id(id);
        store.apply_incident_ops(&[
            IncidentOp::EscalationStart {
                incident: r,
                policy: policy.name.clone(),
                started_at: started.as_second(),
                fired: fired.map(|p| (p.pass, p.step as u32)),
            },
            IncidentOp::Timeline {
                incident: r,
                at: now.as_second(),
                kind: "escalation".into(),
                actor: Some(actor.into()),
                text: format!("escalated by {actor}: {} now", step_label(policy, next)),
            },
        ])?;
        app.escalation_wake.notify_one();
        Ok(())
    })
}

fn position((pass, step): (u32, u32)) -> Position {
    Position {
        pass,
        step: step as usize,
    }
}

/// "step 2 of payments-oncall (pass 2)".
fn step_label(policy: &EscalationPolicy, p: Position) -> String {
    let pass = if policy.repeat > 0 {
        format!(" (pass {})", p.pass + 1)
    } else {
        String::new()
    };
    format!("step {} of {}{pass}", p.step + 1, policy.name)
}

/// Whether every firing alert of the incident is held now (a silence, a
/// maintenance window, an inhibit rule): then nobody is paged for it, as
/// its notifications are not sent; the escalation starts (or goes on)
/// once one of them is no longer held. An incident without firing alerts
/// (opened by hand) is never held.
fn held(
    store: &dyn Backend,
    config: &Config,
    holds: &crate::incidents::quiet::Holds,
    incident: &IncidentRow,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let alerts = store.incident_alerts(incident.id)?;
    let mut firing = alerts
        .iter()
        .filter(|a| a.status == nines_incident::AlertStatus::Firing)
        .peekable();
    if firing.peek().is_none() {
        return Ok(false);
    }
    for a in firing {
        let labels: nines_incident::Labels = serde_json::from_str(&a.labels).unwrap_or_default();
        if holds.of(config, &labels, &incident.service, now).is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Starts the incident's escalation if it has none (or it stopped and the
/// incident was reopened), and pages the steps due at `now`. How many it
/// paged, and when its next step is due.
fn advance(
    store: &mut dyn Backend,
    config: &Config,
    policy: &EscalationPolicy,
    incident: &IncidentRow,
    now: Timestamp,
) -> Result<(usize, Option<Timestamp>), StoreError> {
    let r = IncidentRef::Id(incident.id);
    let mut ops = Vec::new();
    let (started, fired) = match store.escalation(incident.id)? {
        Some(e) if e.stopped_at.is_none() => (
            Timestamp::from_second(e.started_at).unwrap_or(now),
            e.fired.map(position),
        ),
        // New, or reopened after it stopped: from the start.
        _ => {
            ops.push(IncidentOp::EscalationStart {
                incident: r,
                policy: policy.name.clone(),
                started_at: now.as_second(),
                fired: None,
            });
            (now, None)
        }
    };
    let due = policy.due(started, fired, now);
    let Some(last) = due.last() else {
        if !ops.is_empty() {
            store.apply_incident_ops(&ops)?;
        }
        return Ok((0, policy.next_due(started, fired)));
    };
    let last = last.position;
    for d in &due {
        page(&mut ops, config, policy, incident, d.position, now);
    }
    ops.push(IncidentOp::EscalationFired {
        incident: r,
        pass: last.pass,
        step: last.step as u32,
    });
    store.apply_incident_ops(&ops)?;
    Ok((due.len(), policy.next_due(started, Some(last))))
}

/// The timeline entries and outbox rows of one step.
fn page(
    ops: &mut Vec<IncidentOp>,
    config: &Config,
    policy: &EscalationPolicy,
    incident: &IncidentRow,
    p: Position,
    now: Timestamp,
) {
    let r = IncidentRef::Id(incident.id);
    let at = now.as_second();
    let name = incident_name(incident.id);
    let label = step_label(policy, p);
    let who = policy.recipients(
        p,
        now,
        |s| config.schedules.get(s),
        u64::try_from(incident.id).unwrap_or_default(),
    );
    let mut parts = Vec::new();
    if !who.users.is_empty() {
        parts.push(format!("paging {}", who.users.join(", ")));
    }
    if !who.channels.is_empty() {
        parts.push(format!("notifying {}", who.channels.join(", ")));
    }
    if parts.is_empty() {
        parts.push("nobody to page".into());
    }
    ops.push(timeline(
        r,
        at,
        format!("escalation {label}: {}", parts.join("; ")),
    ));
    for s in &who.unstaffed {
        ops.push(timeline(
            r,
            at,
            format!("escalation {label}: nobody is on call in schedule `{s}`"),
        ));
    }
    let links = Links::new(&config.incident_policy, incident.id, now)
        .with_runbooks(config, &incident.service);
    let tag = format!("{}.{}", p.pass, p.step);
    for channel_name in &who.channels {
        let Some(channel) = config.channels.get(channel_name) else {
            continue;
        };
        let key = format!("{name}:escalation:{tag}:{channel_name}");
        let text = format!("{label}: {}", incident.title);
        let e = Event {
            name: "incident.escalated",
            incident,
            text: &text,
            key: &key,
        };
        ops.push(IncidentOp::Enqueue {
            incident: Some(r),
            channel: channel_name.clone(),
            body: render(channel_name, channel, &e, &links).to_string(),
            key,
            at_ms: now.as_millisecond(),
        });
    }
    for user in &who.users {
        page_person(ops, config, incident, user, &label, &tag, &links, now);
    }
}

/// Queues `user`'s notification rules for a page about `incident`
/// (`why`: "step 2 of payments-oncall", "assigned by ana"); `tag` makes
/// the outbox keys unique per page. A method the person cannot be reached
/// by is noted on the timeline.
#[allow(clippy::too_many_arguments)]
pub fn page_person(
    ops: &mut Vec<IncidentOp>,
    config: &Config,
    incident: &IncidentRow,
    user: &str,
    why: &str,
    tag: &str,
    links: &Links,
    now: Timestamp,
) {
    let r = IncidentRef::Id(incident.id);
    let at = now.as_second();
    let name = incident_name(incident.id);
    let Some(u) = config.users.get(user) else {
        return;
    };
    for n in notifications(&u.notify, now) {
        let kind = n.method.kind.as_str();
        let outbox_channel = format!("user:{user}:{kind}");
        let Some(channel) = user_channel(config, &outbox_channel) else {
            ops.push(timeline(
                r,
                at,
                format!(
                    "{why}: cannot reach {user} by {kind}: no `{kind}` channel to send through"
                ),
            ));
            continue;
        };
        let key = format!("{name}:page:{tag}:{user}:{}", n.rule);
        let text = match n.method.kind {
            ContactKind::Slack => {
                format!(
                    "{} you are paged ({why}): {}",
                    n.method.address, incident.title
                )
            }
            _ => format!("{user}, you are paged ({why}): {}", incident.title),
        };
        let e = Event {
            name: "incident.paged",
            incident,
            text: &text,
            key: &key,
        };
        ops.push(IncidentOp::Enqueue {
            incident: Some(r),
            channel: outbox_channel.clone(),
            body: render(&outbox_channel, &channel, &e, links).to_string(),
            key,
            at_ms: n.at.as_millisecond(),
        });
    }
}

fn timeline(r: IncidentRef, at: i64, text: String) -> IncidentOp {
    IncidentOp::Timeline {
        incident: r,
        at,
        kind: "escalation".into(),
        actor: None,
        text,
    }
}
