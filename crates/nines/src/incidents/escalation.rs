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
//! Each round also sends handoff notices: at a shift change the incoming
//! and outgoing people get a message (by their first notification rule's
//! method) listing the open incidents they are on call for.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use nines_config::{Channel, Config, Destination, Template};
use nines_oncall::{ContactKind, EscalationPolicy, Position, notifications};
use nines_store::{IncidentOp, IncidentRef, IncidentRow, Store, StoreError};
use tokio::sync::watch;

use crate::app::App;
use crate::incidents::lifecycle::incident_name;
use crate::notify::messages::{Event, Links, render};

/// How often the engine looks for due steps. Steps are minutes apart; a
/// second of delay is nothing, and the round is a few indexed reads.
const TICK: Duration = Duration::from_secs(1);

/// Pages due steps until `stop`.
pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let a = app.clone();
        let done =
            tokio::task::spawn_blocking(move || crate::incidents::escalation::escalate(&a)).await;
        match done {
            Ok(Ok(0)) => {}
            Ok(Ok(_)) => app.outbox_wake.notify_one(),
            Ok(Err(e)) => tracing::error!(error = %e, "escalation round failed; it is retried"),
            Err(e) => tracing::error!(error = %e, "escalation round panicked"),
        }
    }
}

/// One round: starts, advances and stops escalations. Returns how many
/// steps were paged.
pub fn escalate(app: &App) -> Result<usize, StoreError> {
    let config = app.config();
    let now = app.clock.now();
    app.with_store(|store| {
        let mut paged = 0;
        // Read when the first incident needs it, once per round.
        let mut holds = None;
        for incident in store.incidents(Some("triggered"), None, 10_000)? {
            let Some(policy) = config.escalation_for(&incident.service) else {
                continue;
            };
            let holds = match &holds {
                Some(h) => h,
                None => holds.insert(crate::incidents::quiet::Holds::load(store, &config, now)?),
            };
            if held(store, &config, holds, &incident, now)? {
                continue;
            }
            paged += advance(store, &config, policy, &incident, now)?;
        }
        let mut notices = handoffs(store, &config, now)?;
        notices.extend(crate::review::reminders::due(store, &config, now)?);
        if !notices.is_empty() {
            paged += notices.len();
            store.apply_incident_ops(&notices)?;
            remember(&notices);
        }
        Ok(paged)
    })
}

/// "Escalate now": the next step is paged at once (by the next round),
/// and later steps keep their spacing from it.
pub fn escalate_now(
    app: &App,
    id: i64,
    actor: &str,
) -> Result<(), crate::incidents::lifecycle::IncidentError> {
    use crate::incidents::lifecycle::IncidentError;
    let config = app.config();
    let now = app.clock.now();
    app.with_store(|store| {
        let incident = store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        if incident.status != "triggered" {
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
    store: &Store,
    config: &Config,
    holds: &crate::incidents::quiet::Holds,
    incident: &IncidentRow,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let alerts = store.incident_alerts(incident.id)?;
    let mut firing = alerts.iter().filter(|a| a.status == "firing").peekable();
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
/// incident was reopened), and pages the steps due at `now`.
fn advance(
    store: &mut Store,
    config: &Config,
    policy: &EscalationPolicy,
    incident: &IncidentRow,
    now: Timestamp,
) -> Result<usize, StoreError> {
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
        return Ok(0);
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
    Ok(due.len())
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
    let links = Links::new(&config.incident_policy, incident.id, now);
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

/// How long after a shift change its handoff notice may still go out: a
/// nines that was down longer than this at the change sends none (the
/// news is stale by then).
const HANDOFF_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// Handoff notices for shift changes in the last [`HANDOFF_WINDOW`]: the
/// incoming and the outgoing people each get one, with the open incidents
/// of the services the schedule is on call for (or all open incidents when
/// no escalation policy names it). Keys are per schedule, change and
/// person, so every round may ask again and each notice is queued once.
fn handoffs(store: &Store, config: &Config, now: Timestamp) -> Result<Vec<IncidentOp>, StoreError> {
    let mut ops = Vec::new();
    let mut open: Option<Vec<IncidentRow>> = None;
    for schedule in config.schedules.values() {
        let shifts = schedule.shifts(
            now - HANDOFF_WINDOW,
            now + jiff::SignedDuration::from_secs(1),
        );
        for pair in shifts.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            if after.start > now || before.users == after.users {
                continue;
            }
            let changed = after
                .users
                .iter()
                .chain(&before.users)
                .filter(|u| !(after.users.contains(u) && before.users.contains(u)));
            let key_of = |user: &str| {
                format!(
                    "handoff:{}:{}:{user}",
                    schedule.name,
                    after.start.as_second()
                )
            };
            if changed.clone().all(|u| queued_before(&key_of(u))) {
                continue;
            }
            let open = match &open {
                Some(o) => o,
                None => open.insert(
                    store
                        .incidents(None, None, 1_000)?
                        .into_iter()
                        .filter(|i| i.status != "resolved")
                        .collect(),
                ),
            };
            let services = services_of(config, &schedule.name);
            let incidents: Vec<&IncidentRow> = open
                .iter()
                .filter(|i| services.is_empty() || services.contains(&i.service.as_str()))
                .collect();
            let list = if incidents.is_empty() {
                "No open incidents.".to_string()
            } else {
                let lines: Vec<String> = incidents
                    .iter()
                    .map(|i| {
                        format!(
                            "{} {} ({}, {}, {})",
                            incident_name(i.id),
                            i.title,
                            i.service,
                            i.severity,
                            i.status
                        )
                    })
                    .collect();
                format!("Open incidents:\n{}", lines.join("\n"))
            };
            let names = |u: &[String]| {
                if u.is_empty() {
                    "nobody".to_string()
                } else {
                    u.join(", ")
                }
            };
            // The window cuts the shift; its real end is the next change.
            let until = schedule
                .next_after(now)
                .map_or_else(|| "further notice".to_string(), |n| n.start.to_string());
            let details = serde_json::json!({
                "schedule": schedule.name,
                "at": after.start.to_string(),
                "outgoing": before.users,
                "incoming": after.users,
                "incidents": incidents.iter().map(|i| incident_name(i.id)).collect::<Vec<_>>(),
            });
            let incoming = after
                .users
                .iter()
                .filter(|u| !before.users.contains(u))
                .map(|u| {
                    (
                        u,
                        format!("You are on call in {} until {until}", schedule.name),
                        format!("You take over from {}.", names(&before.users)),
                    )
                });
            let outgoing = before
                .users
                .iter()
                .filter(|u| !after.users.contains(u))
                .map(|u| {
                    (
                        u,
                        format!("Your shift in {} ended", schedule.name),
                        format!("{} is on call now.", names(&after.users)),
                    )
                });
            for (user, title, text) in incoming.chain(outgoing) {
                let key = key_of(user);
                if queued_before(&key) {
                    continue;
                }
                let text = format!("{text}\n{list}");
                ops.extend(notice(
                    config,
                    user,
                    Notice {
                        event: "oncall.handoff",
                        key,
                        title: &title,
                        text: &text,
                        details: details.clone(),
                    },
                    now,
                ));
            }
        }
    }
    Ok(ops)
}

/// A message to a person about no incident.
pub struct Notice<'a> {
    pub event: &'a str,
    /// The outbox key: one message per key, ever.
    pub key: String,
    pub title: &'a str,
    pub text: &'a str,
    /// Added to the webhook's JSON as they are.
    pub details: serde_json::Value,
}

/// `n` queued for `user` by their first notification method; `None` when
/// they are not a user or have no method nines can send through.
pub fn notice(config: &Config, user: &str, n: Notice<'_>, now: Timestamp) -> Option<IncidentOp> {
    let kind = config.users.get(user)?.notify.first()?.method.kind.as_str();
    let outbox_channel = format!("user:{user}:{kind}");
    let channel = user_channel(config, &outbox_channel)?;
    let body = crate::notify::messages::render_notice(
        &channel, n.event, &n.key, n.title, n.text, n.details,
    );
    Some(IncidentOp::Enqueue {
        incident: None,
        channel: outbox_channel,
        key: n.key,
        body: body.to_string(),
        at_ms: now.as_millisecond(),
    })
}

/// Notice keys this process has queued: the notices of a shift change or
/// a weekly reminder are asked for every round while they are due, but
/// built and queued once. Outbox keys keep a restarted process from
/// sending them twice.
static QUEUED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Whether `key` was queued by this process already.
pub(crate) fn queued_before(key: &str) -> bool {
    QUEUED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .is_some_and(|set| set.contains(key))
}

/// Notes keys whose notices are now in the outbox.
fn remember(ops: &[IncidentOp]) {
    let mut queued = QUEUED.lock().unwrap_or_else(|p| p.into_inner());
    let set = queued.get_or_insert_with(HashSet::new);
    // Keys name their change or week; old ones only take memory.
    if set.len() > 10_000 {
        set.clear();
    }
    for op in ops {
        if let IncidentOp::Enqueue { key, .. } = op {
            set.insert(key.clone());
        }
    }
}

/// The services whose escalation policy pages `schedule`.
fn services_of<'c>(config: &'c Config, schedule: &str) -> Vec<&'c str> {
    use nines_oncall::Target;
    config
        .services
        .keys()
        .filter(|s| {
            config.escalation_for(s).is_some_and(|p| {
                p.steps.iter().flat_map(|st| &st.targets).any(
                    |t| matches!(t, Target::Schedule(n) | Target::NextOnCall(n) if n == schedule),
                )
            })
        })
        .map(String::as_str)
        .collect()
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

/// The channel an outbox row names: a configured channel, or a person's
/// contact method (`user:ana:email`) built from the user's address and the
/// first channel of that kind.
pub fn user_channel(config: &Config, name: &str) -> Option<Channel> {
    if let Some(c) = config.channels.get(name) {
        return Some(c.clone());
    }
    let rest = name.strip_prefix("user:")?;
    let (user, kind) = rest.rsplit_once(':')?;
    let u = config.users.get(user)?;
    let plain = |to| Channel {
        to,
        rate_limit: None,
        template: Template::default(),
    };
    match kind {
        "webhook" => u.webhook.as_ref().map(|url| {
            plain(Destination::Webhook {
                url: url.clone(),
                secret: None,
                headers: Vec::new(),
            })
        }),
        "email" => {
            let address = u.email.as_ref()?;
            config.channels.values().find_map(|c| match &c.to {
                Destination::Email(relay) => {
                    let mut e = relay.clone();
                    e.to = vec![address.clone()];
                    Some(plain(Destination::Email(e)))
                }
                _ => None,
            })
        }
        "slack" => config.channels.values().find_map(|c| match &c.to {
            Destination::Slack { url } => Some(plain(Destination::Slack { url: url.clone() })),
            _ => None,
        }),
        _ => None,
    }
}
