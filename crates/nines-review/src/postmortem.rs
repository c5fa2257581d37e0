//! Blameless postmortems in the template of Google's SRE book ("Example
//! Postmortem"): the data model, the status workflow, tracked action items,
//! a first draft written from what nines knows about an incident
//! ([`draft()`]), and a Markdown form people edit and import back without
//! loss ([`to_markdown`], [`from_markdown`]).

mod draft;
mod markdown;

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use draft::{CHANGE_LOOKBACK, ChangeFact, IncidentFacts, SloBurn, TO_BE_WRITTEN, draft};
pub use markdown::{ParseError, from_markdown, to_markdown};

/// A postmortem. Text fields hold Markdown as people write it; see
/// [`to_markdown`] for what survives a round trip through a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postmortem {
    pub title: String,
    /// The incident it reviews (`INC-7`); what `nines postmortem import`
    /// matches a file to.
    pub incident: Option<String>,
    /// The day of the incident, in UTC like every time in a postmortem.
    pub date: Date,
    pub authors: Vec<String>,
    pub status: Status,
    pub summary: String,
    pub impact: Impact,
    /// The conditions that made the incident possible: systems and
    /// processes, never a person's fault.
    pub root_causes: String,
    /// What set it off.
    pub trigger: String,
    /// What stopped the impact and restored service.
    pub resolution: String,
    pub detection: Detection,
    pub action_items: Vec<ActionItem>,
    pub lessons: Lessons,
    /// In time order, from the incident's timeline and the changes shortly
    /// before it.
    pub timeline: Vec<TimelineEntry>,
    /// Links to charts, dashboards, logs and documents.
    pub supporting: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    /// From the start of impact to resolution; `None` while unresolved.
    pub duration: Option<SignedDuration>,
    /// The SLOs affected and the share of error budget each burned.
    pub slos: Vec<SloImpact>,
    /// Users or requests affected, where the SLI knows (free text).
    pub users_affected: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloImpact {
    pub slo: String,
    /// Error budget burned during the incident, as a ratio of the whole
    /// budget (0.25 = a quarter of the SLO window's budget).
    pub budget_burned_ratio: f64,
}

/// How fast the incident was handled; each span as defined on
/// [`IncidentTimes`](crate::IncidentTimes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub detect: Option<SignedDuration>,
    pub acknowledge: Option<SignedDuration>,
    pub mitigate: Option<SignedDuration>,
    pub resolve: Option<SignedDuration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub kind: ActionKind,
    pub description: String,
    pub owner: String,
    pub due: Option<Date>,
    /// A link to the ticket that tracks the work.
    pub tracking: Option<String>,
    pub done: bool,
}

impl ActionItem {
    /// Open and past its due date on `today` (due today is not overdue):
    /// [`crate::overdue::ItemDue::is_overdue`].
    pub fn is_overdue(&self, today: Date) -> bool {
        crate::overdue::ItemDue::from(self).is_overdue(today)
    }
}

/// The SRE book's action item types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// Stop it happening again.
    Prevent,
    /// Make it hurt less next time.
    Mitigate,
    /// Notice it sooner.
    Detect,
    /// Change how people work (runbooks, reviews, training).
    Process,
}

impl ActionKind {
    pub const ALL: [ActionKind; 4] = [
        ActionKind::Prevent,
        ActionKind::Mitigate,
        ActionKind::Detect,
        ActionKind::Process,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Prevent => "prevent",
            ActionKind::Mitigate => "mitigate",
            ActionKind::Detect => "detect",
            ActionKind::Process => "process",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown action item type {s:?} (expected prevent, mitigate, detect or process)"
                )
            })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lessons {
    pub went_well: String,
    pub went_wrong: String,
    pub got_lucky: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub text: String,
}

/// Where a postmortem is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    InReview,
    Published,
}

/// A status change the workflow does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a postmortem cannot go from {from} to {to}{hint}")]
pub struct TransitionError {
    pub from: Status,
    pub to: Status,
    hint: &'static str,
}

impl Status {
    /// Moves along the workflow:
    ///
    /// - draft → in review (authors ask for review);
    /// - in review → published (reviewers approve), or back to draft
    ///   (reviewers ask for changes);
    /// - published → draft, to correct a published postmortem: nines keeps
    ///   every revision, so the published text is not lost, and the
    ///   correction goes through review again.
    ///
    /// Staying in the same status is allowed and changes nothing, so
    /// retried requests are harmless. Skipping review (draft → published)
    /// and un-publishing into review (published → in review) are errors.
    pub fn transition(self, to: Status) -> Result<Status, TransitionError> {
        use Status::*;
        match (self, to) {
            (a, b) if a == b => Ok(to),
            (Draft, InReview) | (InReview, Published) | (InReview, Draft) | (Published, Draft) => {
                Ok(to)
            }
            (Draft, Published) => Err(TransitionError {
                from: self,
                to,
                hint: " (send it for review first)",
            }),
            _ => Err(TransitionError {
                from: self,
                to,
                hint: " (move it back to draft to correct it)",
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in review",
            Status::Published => "published",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    /// `draft`, `in review` (or `in_review`, `in-review`), `published`, in
    /// any case.
    fn from_str(s: &str) -> Result<Self, String> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        [Status::Draft, Status::InReview, Status::Published]
            .into_iter()
            .find(|st| st.as_str() == norm)
            .ok_or_else(|| {
                format!("unknown postmortem status {s:?} (expected draft, in review or published)")
            })
    }
}

impl Postmortem {
    /// Changes the status if the workflow allows it.
    pub fn set_status(&mut self, to: Status) -> Result<(), TransitionError> {
        self.status = self.status.transition(to)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
