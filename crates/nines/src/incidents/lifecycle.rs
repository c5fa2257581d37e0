//! Incidents in the daemon: alerts in (nines' own SLO alerts, Alertmanager,
//! PagerDuty Events v2), grouping into incidents, status changes, and the
//! notifications each change owes, written with it in one transaction.

use nines_incident::{Alert, AlertStatus};
use nines_store::{AlertLink, IncidentOp, IncidentRef, IncidentRow, NewIncident, StoreError};

use crate::app::App;
use crate::incidents::state::{AlertOutcome, IncidentError, incident_name};

/// [`App::with_store`] for changes that may queue notifications: the
/// outbox worker is woken after, so they leave at once.
fn changing_incidents<R>(app: &App, f: impl FnOnce(&mut nines_store::Store) -> R) -> R {
    let r = app.with_store(f);
    app.outbox_wake.notify_one();
    r
}

/// Takes one alert: links it to the open incident of its group or opens
/// one; a resolved alert resolves its incident when it was the last
/// firing one (auto-resolve). Everything, notifications included, is
/// stored before this returns.
pub fn ingest_alert(
    app: &App,
    alert: &Alert,
    default_service: Option<&str>,
) -> Result<AlertOutcome, StoreError> {
    let config = app.config();
    let routed = crate::incidents::routing::route(&config, &app.routes, alert, default_service);
    let firing = alert.status == AlertStatus::Firing;
    let now = app.clock.now();
    let at = now.as_second();
    let now_ms = now.as_millisecond();
    let source = alert.source.as_str();
    let link = AlertLink {
        source: source.to_string(),
        key: alert.key.clone(),
        status: if firing { "firing" } else { "resolved" }.into(),
        summary: alert.summary.clone(),
        labels: serde_json::to_string(&alert.labels).unwrap_or_default(),
        first_at: alert.starts_at.as_second(),
        last_at: at,
    };
    crate::incidents::lifecycle::changing_incidents(app, |store| {
        let existing = store.incident_of_alert(source, &alert.key)?;
        // A quieted alert (silence, maintenance window, inhibition) is
        // recorded like any other; it only notifies nobody, and the
        // timeline says what held it.
        let mut labels = alert.labels.clone();
        labels
            .entry("service".into())
            .or_insert_with(|| routed.service.clone());
        let held = crate::incidents::quiet::Holds::load(store, &config, now)?.of(
            &config,
            &labels,
            &routed.service,
            now,
        );
        let channels: Vec<String> = match &held {
            Some(_) => Vec::new(),
            None => routed.channels.clone(),
        };
        let silenced_note = |r: IncidentRef| {
            held.as_ref()
                .filter(|_| !routed.channels.is_empty())
                .map(|why| timeline(r, at, "silenced", format!("notifications held by {why}")))
        };
        let link = AlertLink {
            labels: serde_json::to_string(&labels).unwrap_or_default(),
            ..link
        };
        let mut ops = Vec::new();
        let mut outcome = AlertOutcome {
            incident: None,
            opened: false,
            resolved: false,
        };
        if !firing {
            let Some((incident, status)) = existing else {
                return Ok(outcome);
            };
            outcome.incident = Some(incident.id);
            if status == "resolved" {
                return Ok(outcome);
            }
            let r = IncidentRef::Id(incident.id);
            ops.push(IncidentOp::LinkAlert {
                incident: r,
                alert: link,
            });
            ops.push(timeline(
                r,
                at,
                "alert_resolved",
                format!("alert resolved: {}", alert.summary),
            ));
            let still_firing = store
                .incident_alerts(incident.id)?
                .iter()
                .any(|a| a.status == "firing" && !(a.source == source && a.key == alert.key));
            if !still_firing && incident.status != "resolved" && config.incident_policy.auto_resolve
            {
                outcome.resolved = true;
                ops.push(status_update(r, "resolved", at));
                ops.push(IncidentOp::EscalationStop { incident: r, at });
                ops.push(timeline(
                    r,
                    at,
                    "resolved",
                    "resolved: every linked alert resolved".into(),
                ));
                let mut after = incident.clone();
                after.status = "resolved".into();
                after.resolved_at = Some(at);
                ops.extend(silenced_note(r));
                enqueue(
                    &mut ops,
                    r,
                    &config,
                    &channels,
                    "incident.resolved",
                    &after,
                    "resolved: every linked alert resolved",
                    now_ms,
                );
            }
            store.apply_incident_ops(&ops)?;
            return Ok(outcome);
        }
        // Firing again soon after its incident resolved: the same
        // problem is back, so that incident reopens rather than a new
        // one starting without its history.
        if let Some((i, _)) = &existing
            && i.status == "resolved"
            && i.resolved_at
                .is_some_and(|r| at - r < config.incident_policy.reopen_within.as_secs() as i64)
        {
            let r = IncidentRef::Id(i.id);
            outcome.incident = Some(i.id);
            let mut ops = vec![
                IncidentOp::LinkAlert {
                    incident: r,
                    alert: link,
                },
                status_update(r, "triggered", at),
                timeline(
                    r,
                    at,
                    "reopened",
                    format!("reopened: alert fired again: {}", alert.summary),
                ),
            ];
            let mut after = i.clone();
            after.status = "triggered".into();
            ops.extend(silenced_note(r));
            enqueue(
                &mut ops,
                r,
                &config,
                &channels,
                "incident.reopened",
                &after,
                &format!("reopened: {}", alert.summary),
                now_ms,
            );
            store.apply_incident_ops(&ops)?;
            return Ok(outcome);
        }
        // Firing: the incident it belongs to already, or its group's
        // open incident, or a new one.
        let target = match existing {
            Some((i, _)) if i.status != "resolved" => Some(i),
            _ => store.open_incident_in_group(&routed.group_key)?,
        };
        match target {
            Some(incident) => {
                let r = IncidentRef::Id(incident.id);
                outcome.incident = Some(incident.id);
                let known = store
                    .incident_alerts(incident.id)?
                    .into_iter()
                    .find(|a| a.source == source && a.key == alert.key);
                let mut link = link;
                if let Some(k) = &known {
                    link.first_at = k.first_at;
                }
                ops.push(IncidentOp::LinkAlert {
                    incident: r,
                    alert: link,
                });
                match known {
                    Some(k) if k.status == "firing" => {}
                    Some(_) => ops.push(timeline(
                        r,
                        at,
                        "alert_fired",
                        format!("alert fired again: {}", alert.summary),
                    )),
                    None => ops.push(timeline(
                        r,
                        at,
                        "alert_fired",
                        format!("alert joined: {}", alert.summary),
                    )),
                }
                store.apply_incident_ops(&ops)?;
            }
            None => {
                let r = IncidentRef::Opened;
                ops.push(IncidentOp::Open(NewIncident {
                    title: alert.summary.clone(),
                    service: routed.service.clone(),
                    severity: routed.severity.clone(),
                    group_key: routed.group_key.clone(),
                    started_at: alert.starts_at.as_second().min(at),
                }));
                ops.push(IncidentOp::LinkAlert {
                    incident: r,
                    alert: link,
                });
                ops.push(timeline(
                    r,
                    at,
                    "triggered",
                    format!("opened by {source} alert: {}", alert.summary),
                ));
                // The id is known only inside the transaction: open
                // first, then queue the messages that name it.
                let id = store.apply_incident_ops(&ops)?.unwrap_or_default();
                outcome.incident = Some(id);
                outcome.opened = true;
                if let Some(incident) = store.incident(id)? {
                    let mut more: Vec<IncidentOp> =
                        silenced_note(IncidentRef::Id(id)).into_iter().collect();
                    more.extend(recent_changes(store, &incident)?);
                    enqueue(
                        &mut more,
                        IncidentRef::Id(id),
                        &config,
                        &channels,
                        "incident.triggered",
                        &incident,
                        &format!("triggered: {}", incident.title),
                        now_ms,
                    );
                    store.apply_incident_ops(&more)?;
                }
            }
        }
        Ok(outcome)
    })
}

/// Acknowledge, resolve or reopen by hand, as `actor`.
pub fn incident_status(
    app: &App,
    id: i64,
    status: &str,
    actor: &str,
) -> Result<IncidentRow, IncidentError> {
    let config = app.config();
    let at = app.clock.now().as_second();
    let now_ms = app.clock.now().as_millisecond();
    crate::incidents::lifecycle::changing_incidents(app, |store| {
        let incident = store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        let parse = |s: &str| {
            s.parse::<nines_incident::Status>()
                .map_err(IncidentError::Invalid)
        };
        nines_incident::check_transition(
            &incident_name(id),
            parse(&incident.status)?,
            parse(status)?,
        )
        .map_err(|e| IncidentError::Invalid(e.to_string()))?;
        let r = IncidentRef::Id(id);
        let verb = match status {
            "acknowledged" => "acknowledged",
            "resolved" => "resolved",
            _ => "reopened",
        };
        let mut ops = vec![
            status_update(r, status, at),
            IncidentOp::Timeline {
                incident: r,
                at,
                kind: verb.into(),
                actor: Some(actor.into()),
                text: format!("{verb} by {actor}"),
            },
        ];
        if status != "triggered" {
            // Acknowledged or resolved: nobody else is paged.
            ops.push(IncidentOp::EscalationStop { incident: r, at });
        }
        let mut after = incident.clone();
        after.status = status.into();
        let channels =
            crate::incidents::routing::channels_of_service(&config, &app.routes, &incident.service);
        enqueue(
            &mut ops,
            r,
            &config,
            &channels,
            &format!("incident.{verb}"),
            &after,
            &format!("{verb} by {actor}"),
            now_ms,
        );
        store.apply_incident_ops(&ops)?;
        store.incident(id)?.ok_or(IncidentError::NotFound(id))
    })
}

/// Opens an incident by hand, as `actor`.
pub fn open_incident(
    app: &App,
    title: &str,
    service: &str,
    severity: &str,
    actor: &str,
) -> Result<IncidentRow, IncidentError> {
    let config = app.config();
    let now = app.clock.now();
    let at = now.as_second();
    crate::incidents::lifecycle::changing_incidents(app, |store| {
        let r = IncidentRef::Opened;
        let ops = [
            IncidentOp::Open(NewIncident {
                title: title.into(),
                service: service.into(),
                severity: severity.into(),
                // Its own group: alerts never join an incident opened by hand.
                group_key: format!("manual|{service}|{}", now.as_millisecond()),
                started_at: at,
            }),
            IncidentOp::Timeline {
                incident: r,
                at,
                kind: "triggered".into(),
                actor: Some(actor.into()),
                text: format!("opened by {actor}"),
            },
        ];
        let id = store.apply_incident_ops(&ops)?.unwrap_or_default();
        let incident = store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        let channels =
            crate::incidents::routing::channels_of_service(&config, &app.routes, service);
        let mut more = Vec::new();
        enqueue(
            &mut more,
            IncidentRef::Id(id),
            &config,
            &channels,
            "incident.triggered",
            &incident,
            &format!("triggered: {title}"),
            now.as_millisecond(),
        );
        store.apply_incident_ops(&more)?;
        Ok(incident)
    })
}

/// Acknowledges the incident an alert is linked to (PagerDuty's
/// `acknowledge` action). An unknown alert is not an error: PagerDuty
/// accepts it too.
pub fn acknowledge_alert(app: &App, source: &str, key: &str) -> Result<(), IncidentError> {
    let found = app.with_store(|s| s.incident_of_alert(source, key))?;
    match found {
        Some((incident, _)) if incident.status == "triggered" => {
            incident_status(app, incident.id, "acknowledged", source).map(|_| ())
        }
        _ => Ok(()),
    }
}

/// A note on the timeline.
pub fn incident_note(app: &App, id: i64, text: &str, actor: &str) -> Result<(), IncidentError> {
    let at = app.clock.now().as_second();
    crate::incidents::lifecycle::changing_incidents(app, |store| {
        store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        store.apply_incident_ops(&[IncidentOp::Timeline {
            incident: IncidentRef::Id(id),
            at,
            kind: "note".into(),
            actor: Some(actor.into()),
            text: text.into(),
        }])?;
        Ok(())
    })
}

/// Severity, assignee or commander changes, on the timeline.
pub fn incident_edit(
    app: &App,
    id: i64,
    edit: &IncidentEdit<'_>,
    actor: &str,
) -> Result<IncidentRow, IncidentError> {
    let config = app.config();
    let at = app.clock.now().as_second();
    if let Some(s) = edit.severity
        && !matches!(s, "SEV1" | "SEV2" | "SEV3" | "SEV4")
    {
        return Err(IncidentError::Invalid(format!(
            "severity `{s}` is not one of SEV1, SEV2, SEV3, SEV4"
        )));
    }
    for (what, who) in [("assignee", edit.assignee), ("commander", edit.commander)] {
        if who.is_some_and(|w| w.trim().is_empty()) {
            return Err(IncidentError::Invalid(format!("the {what} is empty")));
        }
    }
    crate::incidents::lifecycle::changing_incidents(app, |store| {
        let incident = store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        if edit.mitigated && incident.mitigated_at.is_some() {
            return Err(IncidentError::Invalid(format!(
                "{} is already mitigated",
                incident_name(id)
            )));
        }
        let r = IncidentRef::Id(id);
        let mut ops = vec![IncidentOp::Update {
            incident: r,
            status: None,
            severity: edit.severity.map(str::to_string),
            assignee: edit.assignee.map(str::to_string),
            commander: edit.commander.map(str::to_string),
            at,
        }];
        let mut note = |kind: &str, text: String| {
            ops.push(IncidentOp::Timeline {
                incident: r,
                at,
                kind: kind.into(),
                actor: Some(actor.into()),
                text,
            })
        };
        if let Some(s) = edit.severity {
            note(
                "severity",
                format!("severity {} → {s} by {actor}", incident.severity),
            );
        }
        if let Some(a) = edit.assignee {
            note("assigned", format!("assigned to {a} by {actor}"));
        }
        if let Some(c) = edit.commander {
            note(
                "commander",
                format!("{c} is incident commander (set by {actor})"),
            );
        }
        if edit.mitigated {
            note(
                "mitigated",
                format!("mitigated: the impact ended (by {actor})"),
            );
            ops.push(IncidentOp::Mitigated { incident: r, at });
        }
        // Handing an open incident to a person pages them.
        if let Some(user) = edit
            .assignee
            .filter(|a| incident.status != "resolved" && config.users.contains_key(*a))
        {
            let now = app.clock.now();
            let links = crate::notify::messages::Links::new(&config.incident_policy, id, now);
            crate::incidents::escalation::page_person(
                &mut ops,
                &config,
                &incident,
                user,
                &format!("assigned by {actor}"),
                &format!("assign.{}", now.as_millisecond()),
                &links,
                now,
            );
        }
        store.apply_incident_ops(&ops)?;
        store.incident(id)?.ok_or(IncidentError::NotFound(id))
    })
}

/// What [`App::incident_edit`] changes; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct IncidentEdit<'a> {
    pub severity: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub commander: Option<&'a str>,
    /// Stamps `mitigated_at` (once).
    pub mitigated: bool,
}

/// How far before an incident's start its service's changes are shown on
/// its timeline: most incidents a change causes start within this.
pub const CHANGES_BEFORE_SECONDS: i64 = 2 * 3600;

/// Timeline entries for the service's changes in the 2 hours before the
/// incident started, each saying why it is shown.
fn recent_changes(
    store: &nines_store::Store,
    incident: &IncidentRow,
) -> Result<Vec<IncidentOp>, StoreError> {
    let start = incident.started_at;
    let changes = store.changes(
        Some(&incident.service),
        start - CHANGES_BEFORE_SECONDS,
        start + 1,
        20,
    )?;
    Ok(changes
        .iter()
        .rev()
        .map(|c| {
            let what = [Some(c.kind.clone()), c.version.clone(), c.author.as_ref().map(|a| format!("by {a}"))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let before = (start - c.at) / 60;
            IncidentOp::Timeline {
                incident: IncidentRef::Id(incident.id),
                at: c.at,
                kind: "change".into(),
                actor: c.author.clone(),
                text: format!(
                    "change: {what}{} ({before} min before the start; changes of {} in the 2 hours before an incident are shown)",
                    c.description.as_ref().map(|d| format!(": {d}")).unwrap_or_default(),
                    incident.service
                ),
            }
        })
        .collect())
}

fn timeline(r: IncidentRef, at: i64, kind: &str, text: String) -> IncidentOp {
    IncidentOp::Timeline {
        incident: r,
        at,
        kind: kind.into(),
        actor: None,
        text,
    }
}

fn status_update(r: IncidentRef, status: &str, at: i64) -> IncidentOp {
    IncidentOp::Update {
        incident: r,
        status: Some(status.into()),
        severity: None,
        assignee: None,
        commander: None,
        at,
    }
}

/// Queues `event` for every channel, rendered for the channel's kind. The
/// key is stable for one event of one incident on one channel, so the
/// same change never owes a message twice.
#[allow(clippy::too_many_arguments)]
fn enqueue(
    ops: &mut Vec<IncidentOp>,
    r: IncidentRef,
    config: &nines_config::Config,
    channels: &[String],
    event: &str,
    incident: &IncidentRow,
    text: &str,
    now_ms: i64,
) {
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or_default();
    let links = crate::notify::messages::Links::new(&config.incident_policy, incident.id, now);
    for name in channels {
        let Some(channel) = config.channels.get(name) else {
            continue;
        };
        let key = format!("{}:{event}:{now_ms}:{name}", incident_name(incident.id));
        let e = crate::notify::messages::Event {
            name: event,
            incident,
            text,
            key: &key,
        };
        let body = crate::notify::messages::render(name, channel, &e, &links);
        ops.push(IncidentOp::Enqueue {
            incident: Some(r),
            channel: name.clone(),
            key,
            body: body.to_string(),
            at_ms: now_ms,
        });
    }
}
