//! The first draft of a postmortem, written from what nines already knows
//! about the incident, so people start from facts and spend their time on
//! what only they know (marked [`TO_BE_WRITTEN`]).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Detection, Impact, Lessons, Postmortem, SloImpact, Status, TimelineEntry};
use crate::{IncidentTimes, Severity};

/// Marks what the draft leaves to people. Italic in Markdown, so an
/// unfinished section stands out when rendered.
pub const TO_BE_WRITTEN: &str = "_To be written_";

/// Changes this long before an incident started are shown in its timeline:
/// long enough for a slow-burning deploy, short enough to stay relevant.
pub const CHANGE_LOOKBACK: SignedDuration = SignedDuration::from_hours(2);

/// What nines knows about an incident when someone asks for its
/// postmortem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentFacts {
    pub id: String,
    pub title: String,
    pub service: String,
    pub severity: Severity,
    pub times: IncidentTimes,
    /// The incident's own timeline (alerts, acknowledgements, notes).
    pub timeline: Vec<TimelineEntry>,
    /// Changes around the incident; those from [`CHANGE_LOOKBACK`] before it
    /// started until it resolved are kept, others ignored.
    pub changes: Vec<ChangeFact>,
    /// Error budget burned during the incident, per SLO.
    pub slos: Vec<SloBurn>,
    /// Who the draft is written for (the person asking, the responders).
    pub authors: Vec<String>,
    /// Links to charts and dashboards of the incident's window.
    pub links: Vec<String>,
}

/// A recorded change (deploy, config, flag, rollback, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeFact {
    pub at: Timestamp,
    pub service: String,
    pub kind: String,
    pub version: String,
    pub by: Option<String>,
    pub description: Option<String>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloBurn {
    pub slo: String,
    /// Share of the SLO window's error budget burned during the incident.
    pub budget_burned_ratio: f64,
    /// Events that failed the SLI during the incident, and all events, when
    /// the SLI counts events (a probe's or a request-based SLI).
    pub bad_events: Option<u64>,
    pub total_events: Option<u64>,
}

/// Writes the first draft of an incident's postmortem.
///
/// Filled from facts: title, incident, date (UTC day of the start),
/// authors, impact (duration, budget burned per SLO, events affected),
/// detection spans (rounded down to seconds), the timeline (the incident's
/// entries plus each nearby change, saying why it is shown; a change sorts
/// before an entry at the same instant) and supporting links. Summary,
/// root causes, trigger, resolution and lessons start with
/// [`TO_BE_WRITTEN`] and a hint; changes before the start are listed under
/// trigger as candidates, not conclusions. No action items: those come
/// from the review.
pub fn draft(facts: &IncidentFacts) -> Postmortem {
    let times = &facts.times;
    let started = times.started;
    let window_end = times.resolved.unwrap_or(Timestamp::MAX);
    let mut changes: Vec<&ChangeFact> = facts
        .changes
        .iter()
        .filter(|c| c.at >= started - CHANGE_LOOKBACK && c.at <= window_end)
        .collect();
    changes.sort_by_key(|c| c.at);

    let mut timeline: Vec<TimelineEntry> = changes
        .iter()
        .map(|c| TimelineEntry {
            at: c.at,
            text: change_line(c, started),
        })
        .chain(facts.timeline.iter().cloned())
        .collect();
    // Stable: changes keep their place before same-instant entries.
    timeline.sort_by_key(|e| e.at);

    let duration = times.time_to_resolve().map(whole_seconds);
    let summary = format!(
        "{sev} incident {id} on {service}: {title}. Impact started {start}{end}.\n\n\
         {TO_BE_WRITTEN}: what happened, in a few sentences, for a reader who was not there.",
        sev = facts.severity,
        id = facts.id,
        service = facts.service,
        title = facts.title,
        start = utc(started),
        end = match duration {
            Some(d) => format!(" and lasted {d:#}"),
            None => " and is not resolved yet".to_string(),
        },
    );

    let before: Vec<&&ChangeFact> = changes.iter().filter(|c| c.at <= started).collect();
    let during: Vec<&&ChangeFact> = changes.iter().filter(|c| c.at > started).collect();
    let trigger = if before.is_empty() {
        format!("{TO_BE_WRITTEN}: what set the incident off.")
    } else {
        let list: Vec<String> = before.iter().map(|c| change_bullet(c, started)).collect();
        format!(
            "{TO_BE_WRITTEN}: what set the incident off. Changes in the {CHANGE_LOOKBACK:#} \
             before it started, as candidates:\n\n{}",
            list.join("\n")
        )
    };
    let resolution = if during.is_empty() {
        format!("{TO_BE_WRITTEN}: what stopped the impact and what restored service.")
    } else {
        let list: Vec<String> = during.iter().map(|c| change_bullet(c, started)).collect();
        format!(
            "{TO_BE_WRITTEN}: what stopped the impact and what restored service. \
             Changes during the incident:\n\n{}",
            list.join("\n")
        )
    };

    let users: Vec<String> = facts
        .slos
        .iter()
        .filter_map(|s| match (s.bad_events, s.total_events) {
            (Some(bad), Some(total)) => Some(format!(
                "{}: {} of {} events failed the SLI",
                s.slo,
                thousands(bad),
                thousands(total)
            )),
            (Some(bad), None) => Some(format!(
                "{}: {} events failed the SLI",
                s.slo,
                thousands(bad)
            )),
            _ => None,
        })
        .collect();

    Postmortem {
        title: facts.title.clone(),
        incident: Some(facts.id.clone()),
        date: started.to_zoned(TimeZone::UTC).date(),
        authors: facts.authors.clone(),
        status: Status::Draft,
        summary,
        impact: Impact {
            duration,
            slos: facts
                .slos
                .iter()
                .map(|s| SloImpact {
                    slo: s.slo.clone(),
                    // To 0.01 % of budget: people read it, and the
                    // measurement is not more exact than that.
                    budget_burned_ratio: (s.budget_burned_ratio * 10_000.0).round() / 10_000.0,
                })
                .collect(),
            users_affected: (!users.is_empty()).then(|| users.join("\n")),
        },
        root_causes: format!(
            "{TO_BE_WRITTEN}: the conditions that made this possible. Ask why the \
             system allowed it, not who did it."
        ),
        trigger,
        resolution,
        detection: Detection {
            detect: times.time_to_detect().map(whole_seconds),
            acknowledge: times.time_to_acknowledge().map(whole_seconds),
            mitigate: times.time_to_mitigate().map(whole_seconds),
            resolve: duration,
        },
        action_items: Vec::new(),
        lessons: Lessons {
            went_well: TO_BE_WRITTEN.to_string(),
            went_wrong: TO_BE_WRITTEN.to_string(),
            got_lucky: TO_BE_WRITTEN.to_string(),
        },
        timeline,
        supporting: facts.links.clone(),
    }
}

/// A change as a timeline entry, saying why it is shown.
fn change_line(c: &ChangeFact, started: Timestamp) -> String {
    format!("Change {}: {}", relative(c.at, started), change_text(c))
}

fn change_bullet(c: &ChangeFact, started: Timestamp) -> String {
    format!(
        "- {}, {}: {}",
        utc(c.at),
        relative(c.at, started),
        change_text(c)
    )
}

fn change_text(c: &ChangeFact) -> String {
    let mut text = format!("{} of {} version {}", c.kind, c.service, c.version);
    if let Some(by) = &c.by {
        text.push_str(&format!(" by {by}"));
    }
    if let Some(description) = &c.description {
        text.push_str(&format!(": {description}"));
    }
    if let Some(link) = &c.link {
        text.push_str(&format!(" ({link})"));
    }
    text
}

fn relative(at: Timestamp, started: Timestamp) -> String {
    if at > started {
        "during the incident".to_string()
    } else if at == started {
        "as the incident started".to_string()
    } else {
        format!(
            "{:#} before the incident started",
            whole_seconds(started.duration_since(at))
        )
    }
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn whole_seconds(d: SignedDuration) -> SignedDuration {
    SignedDuration::from_secs(d.as_secs())
}

/// `1234567` as `1,234,567`: event counts are read, not parsed.
fn thousands(n: u64) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|group| group.iter().collect())
        .collect();
    groups.join(",")
}
