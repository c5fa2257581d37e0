//! Incidents in the daemon: alerts in (nines' own SLO alerts, Alertmanager,
//! PagerDuty Events v2), grouping into incidents, status changes, and the
//! notifications each change owes, written with it in one transaction.

use nines_incident::{Alert, AlertStatus, Incident, Intake, LinkedAlert, Routed, Status, intake};
use nines_store::{AlertLink, IncidentOp, IncidentRef, IncidentRow, NewIncident, StoreError};

use crate::app::App;
use crate::state::incidents::{AlertOutcome, IncidentError, incident_name};

/// [`App::with_store`] for changes that may queue notifications: the
/// outbox worker is woken after, so they leave at once.
fn changing_incidents<R>(app: &App, f: impl FnOnce(&mut dyn nines_store::Backend) -> R) -> R {
    let r = app.with_store(f);
    app.outbox_wake.notify_one();
    app.escalation_wake.notify_one();
    r
}

/// Takes one of nines' own alerts (SLO burn rates, probes) through the
/// incident engine (`nines_incident`): judged against its group's open
/// incident (else the newest), it opens an incident, joins one (raising
/// its severity when worse), reopens one it fires again for within
/// `reopen_within`, or resolves one whose last firing alert it was
/// (auto-resolve). Everything, notifications included, is stored before
/// this returns.
pub fn ingest_alert(app: &App, alert: &Alert) -> Result<AlertOutcome, StoreError> {
    let config = app.config();
    let routed = crate::incidents::routing::route(&config, &app.routes, alert, None);
    let now = app.clock.now();
    changing_incidents(app, |store| {
        let mut holds = crate::incidents::quiet::Holds::load(store, &config, now)?;
        take(store, &config, &mut holds, alert, &routed, now)
    })
}

/// Why alerts from an outside sender were refused.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Nothing was recorded: `index` is the alert's place in the request.
    #[error(
        "alerts[{index}]: {reason}; nothing was recorded. Name its service with a route \
         (`routes:`), give the integration a `service`, or set `incidents.default_service` \
         (docs/config.md, `integrations`)"
    )]
    NoService {
        index: usize,
        reason: nines_incident::NoService,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// [`ingest_alert`] for the alerts of one request from an outside sender
/// (Alertmanager, PagerDuty) through an integration with
/// `integration_service`. Each is routed first
/// ([`routing::route_outside`](crate::incidents::routing::route_outside)):
/// when one has no service, none is recorded. Then they are taken in
/// order, each answered with what it did. An event that carries no
/// details (a PagerDuty resolve) keeps those stored for its alert.
///
/// The work per alert does not grow with the alerts its incident already
/// has: the engine is given the alert's own link and whether another
/// fires, both read through indexes (issue 15).
pub fn ingest_outside(
    app: &App,
    alerts: &[Alert],
    integration_service: Option<&str>,
) -> Result<Vec<AlertOutcome>, IntakeError> {
    let config = app.config();
    let now = app.clock.now();
    changing_incidents(app, |store| {
        let mut taken = Vec::with_capacity(alerts.len());
        for (index, alert) in alerts.iter().enumerate() {
            let alert = with_stored_details(store, alert)?;
            let routed = crate::incidents::routing::route_outside(
                &config,
                &app.routes,
                &alert,
                integration_service,
            )
            .map_err(|reason| IntakeError::NoService { index, reason })?;
            taken.push((alert, routed));
        }
        let mut holds = crate::incidents::quiet::Holds::load(store, &config, now)?;
        let mut outcomes = Vec::with_capacity(taken.len());
        for (alert, routed) in &taken {
            outcomes.push(take(store, &config, &mut holds, alert, routed, now)?);
        }
        Ok(outcomes)
    })
}

/// The alert with what its event did not carry filled in from its newest
/// stored link ([`Alert::keep_details`]); as it came when it carries its
/// details or was never stored.
fn with_stored_details<'a>(
    store: &dyn nines_store::Backend,
    alert: &'a Alert,
) -> Result<std::borrow::Cow<'a, Alert>, StoreError> {
    if !alert.carries_no_details() {
        return Ok(std::borrow::Cow::Borrowed(alert));
    }
    let source = alert.source.as_str();
    let stored = match store.incident_of_alert(source, &alert.key)? {
        Some((incident, _)) => store.incident_alert(incident.id, source, &alert.key)?,
        None => None,
    };
    let Some(link) = stored else {
        return Ok(std::borrow::Cow::Borrowed(alert));
    };
    let labels: nines_incident::Labels = serde_json::from_str(&link.labels).unwrap_or_default();
    let mut alert = alert.clone();
    alert.keep_details(&link.summary, &labels);
    Ok(std::borrow::Cow::Owned(alert))
}

/// One alert through the engine, inside the store lock; `holds` were read
/// for this request and learn of the alerts taken.
fn take(
    store: &mut dyn nines_store::Backend,
    config: &nines_config::Config,
    holds: &mut crate::incidents::quiet::Holds,
    alert: &Alert,
    routed: &Routed,
    now: jiff::Timestamp,
) -> Result<AlertOutcome, StoreError> {
    let service = routed.service_name().to_string();
    let policy = config.incident_policy.lifecycle;
    let firing = alert.status == AlertStatus::Firing;
    let at = now.as_second();
    let now_ms = now.as_millisecond();
    let source = alert.source.as_str();
    // A quieted alert (silence, maintenance window, inhibition) is
    // recorded like any other; it only notifies nobody, and the timeline
    // says what held it.
    let mut labels = alert.labels.clone();
    labels
        .entry("service".into())
        .or_insert_with(|| service.clone());
    let held = holds.of(config, &labels, &service, now);
    holds.saw(config, &labels, firing);
    let channels: Vec<String> = match &held {
        Some(_) => Vec::new(),
        None => routed.channels.clone(),
    };
    let silenced_note = |r: IncidentRef| {
        held.as_ref()
            .filter(|_| !routed.channels.is_empty())
            .map(|why| timeline(r, at, "silenced", format!("notifications held by {why}")))
    };
    let mut link = AlertLink {
        source: source.to_string(),
        key: alert.key.clone(),
        status: alert.status,
        summary: alert.summary.clone(),
        labels: serde_json::to_string(&labels).unwrap_or_default(),
        first_at: alert.starts_at.as_second(),
        last_at: at,
    };
    let mut outcome = AlertOutcome {
        incident: None,
        opened: false,
        resolved: false,
    };
    // The alert's own link and whether another fires: all the engine
    // needs, read without touching the incident's other alerts.
    let latest = match store.latest_incident_in_group(&routed.group_key)? {
        Some(row) => {
            let known = store.incident_alert(row.id, source, &alert.key)?;
            let others_firing = store.incident_fires_besides(row.id, source, &alert.key)?;
            Some((
                engine_incident(&row, known.as_ref(), others_firing),
                row,
                known,
            ))
        }
        None => None,
    };
    let decision = intake(latest.as_ref().map(|(i, ..)| i), alert, now, &policy);
    let (mut incident, row, known) = match (decision, latest) {
        (Intake::New, _) => {
            return open(
                store,
                config,
                alert,
                routed,
                link,
                &channels,
                &silenced_note,
                now,
            );
        }
        (Intake::Attach | Intake::Reopen, Some(latest)) => latest,
        (Intake::Ignore, _) | (_, None) => {
            outcome.incident = store
                .incident_of_alert(source, &alert.key)?
                .map(|(i, _)| i.id);
            return Ok(outcome);
        }
    };
    let r = IncidentRef::Id(row.id);
    outcome.incident = Some(row.id);
    let known = known.as_ref();
    if !firing && known.is_some_and(|k| k.status == nines_incident::AlertStatus::Resolved) {
        // Told again that it resolved (Alertmanager repeats itself).
        return Ok(outcome);
    }
    if let Some(k) = known {
        link.first_at = k.first_at;
    }
    let mut ops = vec![IncidentOp::LinkAlert {
        incident: r,
        alert: link,
    }];
    let mut after = row.clone();
    if decision == Intake::Reopen {
        let _ = incident.reopen(now, None);
        after.status = Status::Triggered;
        after.resolved_at = None;
        ops.push(status_update(r, Status::Triggered, at));
        ops.push(timeline(
            r,
            at,
            "reopened",
            format!("reopened: alert fired again: {}", alert.summary),
        ));
    } else if firing {
        match known {
            Some(k) if k.status == nines_incident::AlertStatus::Firing => {}
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
    } else {
        ops.push(timeline(
            r,
            at,
            "alert_resolved",
            format!("alert resolved: {}", alert.summary),
        ));
    }
    if firing && incident.raise_severity(routed.severity) {
        let severity = incident.severity;
        after.severity = severity;
        ops.push(IncidentOp::Update {
            incident: r,
            status: None,
            severity: Some(severity),
            assignee: None,
            commander: None,
            at,
        });
        ops.push(timeline(
            r,
            at,
            "severity",
            format!("severity raised to {severity} by alert: {}", alert.summary),
        ));
        // A rise is news: the channels the worse alert routes to hear
        // of it (a page route after a ticket opened the incident).
        if decision != Intake::Reopen {
            ops.extend(silenced_note(r));
            enqueue(
                &mut ops,
                r,
                config,
                &channels,
                "incident.escalated",
                &after,
                &format!("severity raised to {severity}: {}", alert.summary),
                now_ms,
            );
        }
    }
    let resolved = incident.observe(alert, now, &policy).is_some();
    if decision == Intake::Reopen {
        ops.extend(silenced_note(r));
        enqueue(
            &mut ops,
            r,
            config,
            &channels,
            "incident.reopened",
            &after,
            &format!("reopened: {}", alert.summary),
            now_ms,
        );
    } else if resolved {
        outcome.resolved = true;
        ops.push(status_update(r, Status::Resolved, at));
        ops.push(IncidentOp::EscalationStop { incident: r, at });
        ops.push(timeline(
            r,
            at,
            "resolved",
            "resolved: every linked alert resolved".into(),
        ));
        after.status = Status::Resolved;
        after.resolved_at = Some(at);
        ops.extend(silenced_note(r));
        enqueue(
            &mut ops,
            r,
            config,
            &channels,
            "incident.resolved",
            &after,
            "resolved: every linked alert resolved",
            now_ms,
        );
    }
    store.apply_incident_ops(&ops)?;
    Ok(outcome)
}

/// Opens an incident for `alert` and queues its notifications.
#[allow(clippy::too_many_arguments)]
fn open(
    store: &mut dyn nines_store::Backend,
    config: &nines_config::Config,
    alert: &Alert,
    routed: &Routed,
    link: AlertLink,
    channels: &[String],
    silenced_note: &dyn Fn(IncidentRef) -> Option<IncidentOp>,
    now: jiff::Timestamp,
) -> Result<AlertOutcome, StoreError> {
    let at = now.as_second();
    let r = IncidentRef::Opened;
    let ops = [
        IncidentOp::Open(NewIncident {
            // An alert's `title` annotation (nines' SLO alerts set one)
            // names the incident; else its summary does.
            title: alert
                .annotations
                .get("title")
                .unwrap_or(&alert.summary)
                .clone(),
            service: routed.service_name().to_string(),
            severity: routed.severity,
            group_key: routed.group_key.clone(),
            started_at: alert.starts_at.as_second().min(at),
        }),
        IncidentOp::LinkAlert {
            incident: r,
            alert: link,
        },
        timeline(
            r,
            at,
            "triggered",
            format!(
                "opened by {} alert: {}",
                alert.source.as_str(),
                alert.summary
            ),
        ),
    ];
    // The id is known only inside the transaction: open first, then queue
    // the messages that name it.
    let id = store.apply_incident_ops(&ops)?.unwrap_or_default();
    if let Some(incident) = store.incident(id)? {
        let mut more: Vec<IncidentOp> = silenced_note(IncidentRef::Id(id)).into_iter().collect();
        more.extend(recent_changes(store, &incident)?);
        enqueue(
            &mut more,
            IncidentRef::Id(id),
            config,
            channels,
            "incident.triggered",
            &incident,
            &format!("triggered: {}", incident.title),
            now.as_millisecond(),
        );
        store.apply_incident_ops(&more)?;
    }
    Ok(AlertOutcome {
        incident: Some(id),
        opened: true,
        resolved: false,
    })
}

/// The engine's view of a stored incident for one incoming alert: its own
/// link (`known`) and whether another linked alert fires.
fn engine_incident(row: &IncidentRow, known: Option<&AlertLink>, others_firing: bool) -> Incident {
    let ts = |s: i64| jiff::Timestamp::from_second(s).unwrap_or_default();
    Incident {
        id: incident_name(row.id),
        title: row.title.clone(),
        service: Some(row.service.clone()),
        severity: row.severity,
        group_key: row.group_key.clone(),
        status: row.status,
        created_at: ts(row.started_at),
        acknowledged_at: row.acknowledged_at.map(ts),
        acknowledged_by: None,
        resolved_at: row.resolved_at.map(ts),
        resolved_by: None,
        reopened: 0,
        alerts: known
            .into_iter()
            .filter_map(|l| {
                Some(LinkedAlert {
                    source: l.source.parse().ok()?,
                    key: l.key.clone(),
                    status: l.status,
                    since: ts(l.last_at),
                })
            })
            .collect(),
        unlisted_firing: others_firing,
    }
}

/// Acknowledge, resolve or reopen by hand, as `actor`.
pub fn incident_status(
    app: &App,
    id: i64,
    status: Status,
    actor: &str,
) -> Result<IncidentRow, IncidentError> {
    let config = app.config();
    let at = app.clock.now().as_second();
    let now_ms = app.clock.now().as_millisecond();
    crate::incidents::lifecycle::changing_incidents(app, |store| {
        let incident = store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        nines_incident::check_transition(&incident_name(id), incident.status, status)
            .map_err(|e| IncidentError::Invalid(e.to_string()))?;
        let r = IncidentRef::Id(id);
        let verb = match status {
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
            Status::Triggered => "reopened",
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
        if status != Status::Triggered {
            // Acknowledged or resolved: nobody else is paged.
            ops.push(IncidentOp::EscalationStop { incident: r, at });
        }
        let mut after = incident.clone();
        after.status = status;
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
        store.apply_incident_ops(&ops).map_err(|e| match e {
            // Reopening (or acknowledging) a resolved incident whose group
            // has opened another since: one open incident per group.
            StoreError::OpenIncidentExists { open, .. } => IncidentError::Invalid(format!(
                "{} cannot be {verb}: {} of the same alerts is open; act on that one",
                incident_name(id),
                incident_name(open)
            )),
            e => e.into(),
        })?;
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
                severity: severity.parse().map_err(IncidentError::Invalid)?,
                // Its own group: alerts never join an incident opened by
                // hand. The random part keeps two opened in the same
                // millisecond (by two replicas, say) apart.
                group_key: format!(
                    "manual|{service}|{}|{:016x}",
                    now.as_millisecond(),
                    getrandom::u64().unwrap_or_default()
                ),
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
        Some((incident, _)) if incident.status == nines_incident::Status::Triggered => {
            incident_status(
                app,
                incident.id,
                nines_incident::Status::Acknowledged,
                source,
            )
            .map(|_| ())
        }
        _ => Ok(()),
    }
}

/// A note on the timeline.
pub fn incident_note(app: &App, id: i64, text: &str, actor: &str) -> Result<(), IncidentError> {
    timeline_entry(app, id, "note", text, actor)
}

/// A responder confirms the incident for the public status page. Once is
/// enough: publishing again changes nothing and says so.
pub fn incident_publish(app: &App, id: i64, actor: &str) -> Result<bool, IncidentError> {
    let done = app.with_store(|s| {
        s.incident_timeline(id)
            .map(|t| crate::state::incidents::is_published(&t))
    })?;
    if done {
        return Ok(false);
    }
    timeline_entry(
        app,
        id,
        crate::state::incidents::PUBLISHED,
        "published to the status page",
        actor,
    )?;
    Ok(true)
}

fn timeline_entry(
    app: &App,
    id: i64,
    kind: &str,
    text: &str,
    actor: &str,
) -> Result<(), IncidentError> {
    let at = app.clock.now().as_second();
    crate::incidents::lifecycle::changing_incidents(app, |store| {
        store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        store.apply_incident_ops(&[IncidentOp::Timeline {
            incident: IncidentRef::Id(id),
            at,
            kind: kind.into(),
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
            severity: edit
                .severity
                .map(|s| s.parse().map_err(IncidentError::Invalid))
                .transpose()?,
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
        if let Some(user) = edit.assignee.filter(|a| {
            incident.status != nines_incident::Status::Resolved && config.users.contains_key(*a)
        }) {
            let now = app.clock.now();
            let links = crate::notify::messages::Links::new(&config.incident_policy, id, now)
                .with_runbooks(&config, &incident.service);
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
    store: &dyn nines_store::Backend,
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

fn status_update(r: IncidentRef, status: Status, at: i64) -> IncidentOp {
    IncidentOp::Update {
        incident: r,
        status: Some(status),
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
    let links = crate::notify::messages::Links::new(&config.incident_policy, incident.id, now)
        .with_runbooks(config, &incident.service);
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

#[cfg(test)]
mod tests;
