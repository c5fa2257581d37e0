//! Postmortems in the daemon: the facts of an incident gathered for
//! [`nines_review::postmortem::draft`], revisions saved with their action
//! items, and imports checked against the status workflow.
//!
//! What the draft's figures rest on (computed by nines-slo's `span`), and
//! where they are approximate:
//!
//! - Impact start is the first bad minute of the service's SLOs in the run
//!   of bad minutes that ends at detection (the incident's start), looked
//!   for up to 6 hours back. Only minute data (the last day) says this
//!   exactly; for older incidents, or SLOs without bad minutes, impact
//!   starts when the incident's first alert did.
//! - Budget burned per SLO is the bad events from impact start to
//!   resolution (or now) over the error budget of the SLO window as it is
//!   when the draft is written (events in the window × (1 − objective)),
//!   not as it was during the incident. Older than a day, minutes are
//!   summed per hour, so the edges round to hours. A timeslice SLO's burn
//!   is counted in slices: bad slices over the window's slices ×
//!   (1 − objective).

use jiff::Timestamp;
use nines_review::IncidentTimes;
use nines_review::postmortem::{
    ActionItem, ChangeFact, IncidentFacts, Postmortem, SloBurn, Status, TimelineEntry, draft,
};
use nines_slo::BudgetBurn;
use nines_store::{ActionItemRow, PostmortemRow, StoreError};

use crate::app::App;
use crate::state::incidents::incident_name;
use crate::state::slo::engine::SloState;

#[derive(Debug, thiserror::Error)]
pub enum PostmortemError {
    #[error("{0}")]
    NotFound(String),
    /// The postmortem given is not acceptable (wrong incident).
    #[error("{0}")]
    Invalid(String),
    /// The Markdown given does not parse (line and message).
    #[error("the Markdown is not a postmortem nines can read: {0}")]
    Markdown(nines_review::postmortem::ParseError),
    /// The status workflow refuses the change.
    #[error("{0}")]
    Conflict(String),
    #[error("the postmortem could not be stored: {0}")]
    Store(#[from] StoreError),
    #[error("a stored postmortem could not be read: {0}")]
    Corrupt(String),
}

/// The stored status word of a postmortem status.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Draft => "draft",
        Status::InReview => "in_review",
        Status::Published => "published",
    }
}

fn ts(t: i64) -> Timestamp {
    Timestamp::from_second(t).unwrap_or_default()
}

/// A stored revision, decoded.
pub fn decode(row: &PostmortemRow) -> Result<Postmortem, PostmortemError> {
    serde_json::from_str(&row.body).map_err(|e| {
        PostmortemError::Corrupt(format!(
            "{} revision {}: {e}",
            incident_name(row.incident_id),
            row.revision
        ))
    })
}

/// The budget `s` burned from `from` to `to` (inclusive minutes), or `None`
/// when the SLO window has no budget yet (no report, no events, or an
/// objective of 100%): [`nines_slo::budget_burned`] at the latest report.
pub(crate) fn budget_burned(s: &SloState, from: Timestamp, to: Timestamp) -> Option<BudgetBurn> {
    let report = s.report.as_ref()?;
    nines_slo::budget_burned(&s.config.spec, &s.series, report, from, to)
}

/// When an incident's impact began: [`nines_slo::impact_start`] over the
/// service's SLOs (see the module docs), or `alert_start`.
pub fn impact_start(
    engine: &crate::state::slo::engine::Engine,
    service: &str,
    detected: Timestamp,
    alert_start: Timestamp,
) -> Timestamp {
    let series = engine
        .slos()
        .iter()
        .filter(|s| s.service == service)
        .map(|s| &s.series);
    nines_slo::impact_start(series, detected, alert_start)
}

/// What nines knows about incident `id`, for its draft.
pub fn incident_facts(app: &App, id: i64, author: &str) -> Result<IncidentFacts, PostmortemError> {
    let not_found = || PostmortemError::NotFound(format!("no incident {}", incident_name(id)));
    let (incident, alerts, timeline) = app
        .with_store(|s| {
            let Some(i) = s.incident(id)? else {
                return Ok::<_, StoreError>(None);
            };
            Ok(Some((i, s.incident_alerts(id)?, s.incident_timeline(id)?)))
        })?
        .ok_or_else(not_found)?;
    let now = app.clock.now();
    // Detected: when nines opened the incident (its `triggered` entry),
    // which can be later than `started_at`, the alert's own start.
    let alert_start = alerts
        .iter()
        .map(|a| ts(a.first_at))
        .min()
        .unwrap_or(ts(incident.started_at))
        .min(ts(incident.started_at));
    let detected = timeline
        .iter()
        .find(|t| t.kind == "triggered")
        .map(|t| ts(t.at))
        .unwrap_or(alert_start)
        .max(alert_start);
    let end = incident.resolved_at.map(ts).unwrap_or(now);

    // Impact start from the SLO series, then what each SLO burned.
    let service = incident.service.clone();
    let (started, slos) = app.read(|engine| {
        let started = impact_start(engine, &service, detected, alert_start);
        let mut burns = Vec::new();
        for s in engine.slos().iter().filter(|s| s.service == service) {
            let Some(b) = budget_burned(s, started, end) else {
                continue;
            };
            if b.bad == 0 {
                continue;
            }
            burns.push(SloBurn {
                slo: format!("{}/{}", s.service, s.config.name),
                budget_burned_ratio: b.ratio,
                bad_events: b.events.then_some(b.bad),
                total_events: b.events.then_some(b.total),
            });
        }
        (started, burns)
    });

    let lookback = nines_review::postmortem::CHANGE_LOOKBACK.as_secs();
    let changes = app.with_store(|s| {
        s.changes(
            Some(&incident.service),
            started.as_second() - lookback,
            end.as_second() + 1,
            200,
        )
    })?;
    let links = match &app.config().incident_policy.external_url {
        Some(url) => {
            let url = url.trim_end_matches('/');
            let mut links = vec![format!("{url}/api/v1/incidents/{}", incident_name(id))];
            links.extend(slos.iter().map(|b| format!("{url}/api/v1/slos/{}", b.slo)));
            links
        }
        None => Vec::new(),
    };
    Ok(IncidentFacts {
        id: incident_name(id),
        title: incident.title.clone(),
        service: incident.service.clone(),
        severity: incident.severity,
        times: IncidentTimes {
            started,
            detected: Some(detected),
            acknowledged: incident.acknowledged_at.map(ts),
            mitigated: incident.mitigated_at.map(ts),
            resolved: incident.resolved_at.map(ts),
        },
        // The draft lists changes itself, saying why; the incident's own
        // change entries would repeat them.
        timeline: timeline
            .iter()
            .filter(|t| t.kind != "change")
            .map(|t| TimelineEntry {
                at: ts(t.at),
                text: t.text.clone(),
            })
            .collect(),
        changes: changes
            .iter()
            .map(|c| ChangeFact {
                at: ts(c.at),
                service: c.service.clone(),
                kind: c.kind.clone(),
                version: c.version.clone().unwrap_or_else(|| "(none)".into()),
                by: c.author.clone(),
                description: c.description.clone(),
                link: c.link.clone(),
            })
            .collect(),
        slos,
        authors: vec![author.to_string()],
        links,
    })
}

/// The current postmortem of incident `id`, if it has one.
pub fn current_postmortem(
    app: &App,
    id: i64,
) -> Result<Option<(PostmortemRow, Postmortem)>, PostmortemError> {
    match app.with_store(|s| s.postmortem(id))? {
        Some(row) => {
            let pm = decode(&row)?;
            Ok(Some((row, pm)))
        }
        None => Ok(None),
    }
}

/// Drafts incident `id`'s postmortem unless it has one; the current
/// one, and whether it was drafted now.
pub fn draft_postmortem(
    app: &App,
    id: i64,
    actor: &str,
) -> Result<(PostmortemRow, Postmortem, bool), PostmortemError> {
    if let Some((row, pm)) = crate::review::postmortem::current_postmortem(app, id)? {
        return Ok((row, pm, false));
    }
    let pm = draft(&crate::review::postmortem::incident_facts(app, id, actor)?);
    let (row, pm) = crate::review::postmortem::save_postmortem(app, id, pm, actor)?;
    Ok((row, pm, true))
}

/// Reads `markdown` ([`nines_review::postmortem::from_markdown`]) and
/// saves it as the next revision ([`App::save_postmortem`]): what the
/// API's `{"markdown"}` and the UI's editor both call.
pub fn save_postmortem_markdown(
    app: &App,
    id: i64,
    markdown: &str,
    actor: &str,
) -> Result<(PostmortemRow, Postmortem), PostmortemError> {
    let pm =
        nines_review::postmortem::from_markdown(markdown).map_err(PostmortemError::Markdown)?;
    crate::review::postmortem::save_postmortem(app, id, pm, actor)
}

/// Saves `pm` as the next revision of incident `id`'s postmortem, if
/// the status workflow allows the change from the current one.
pub fn save_postmortem(
    app: &App,
    id: i64,
    mut pm: Postmortem,
    actor: &str,
) -> Result<(PostmortemRow, Postmortem), PostmortemError> {
    let name = incident_name(id);
    match &pm.incident {
        Some(other) if crate::state::incidents::parse_incident_id(other) != Some(id) => {
            return Err(PostmortemError::Invalid(format!(
                "this postmortem is of {other}, not {name}"
            )));
        }
        _ => pm.incident = Some(name.clone()),
    }
    let at = app.clock.now().as_second();
    let body = serde_json::to_string(&pm).map_err(|e| PostmortemError::Corrupt(e.to_string()))?;
    let items: Vec<ActionItemRow> = pm.action_items.iter().map(|a| item_row(id, a)).collect();
    let row = app.with_store(|s| {
        if s.incident(id)?.is_none() {
            return Ok(Err(PostmortemError::NotFound(format!(
                "no incident {name}"
            ))));
        }
        let from = match s.postmortem(id)? {
            Some(current) => match decode(&current) {
                Ok(p) => p.status,
                Err(e) => return Ok(Err(e)),
            },
            None => Status::Draft,
        };
        if let Err(e) = from.transition(pm.status) {
            return Ok(Err(PostmortemError::Conflict(e.to_string())));
        }
        let status = status_word(pm.status);
        let revision = s.save_postmortem(id, status, &body, actor, at, &items)?;
        Ok::<_, StoreError>(Ok(PostmortemRow {
            incident_id: id,
            revision,
            status: status.to_string(),
            body: body.clone(),
            author: actor.to_string(),
            created_at: at,
        }))
    })??;
    tracing::info!(incident = %name, revision = row.revision, status = %row.status, by = actor, "postmortem saved");
    Ok((row, pm))
}

fn item_row(incident_id: i64, a: &ActionItem) -> ActionItemRow {
    ActionItemRow {
        incident_id,
        position: 0,
        kind: a.kind.as_str().to_string(),
        description: a.description.clone(),
        owner: a.owner.clone(),
        due: a.due.map(|d| d.to_string()),
        tracking: a.tracking.clone(),
        done: a.done,
    }
}

/// The incident's postmortem as last saved, if any (blocking).
pub fn stored(app: &App, incident: i64) -> Result<Option<PostmortemRow>, StoreError> {
    app.with_store(|s| s.postmortem(incident))
}

/// Every saved revision of the incident's postmortem, oldest first
/// (blocking).
pub fn revisions(app: &App, incident: i64) -> Result<Vec<PostmortemRow>, StoreError> {
    app.with_store(|s| s.postmortem_revisions(incident))
}
