//! Recurring maintenance windows ("Sundays 02:00–04:00 Europe/Berlin"):
//! alerts of the services in scope notify nobody while one is active.
//!
//! A window recurs on local days of the week in its IANA time zone and
//! lasts a fixed elapsed duration. Across DST changes:
//!
//! - a start time that does not exist that day (02:30 on the day clocks
//!   spring forward from 02:00 to 03:00) starts the window at the moment of
//!   the change (03:00 local time), the first instant after the gap;
//! - a start time that exists twice (02:30 on the day clocks fall back)
//!   starts the window at its first occurrence;
//! - the duration is elapsed time, so a 2-hour window is 2 hours long even
//!   across a change: from 01:30, on the spring-forward night, it ends at
//!   04:30 local time.
//!
//! These are the rules nines' on-call schedules use for handoffs.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use thiserror::Error;

use crate::alert::Labels;
use crate::matcher::{Matcher, matches_all};

/// The longest window: a week. Longer windows overlap themselves; use a
/// silence for long quiet periods.
pub(crate) const MAX_DURATION: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Which alerts a window quiets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Alerts whose labels match all of these.
    Matchers(Vec<Matcher>),
    /// Alerts routed to one of these services.
    Services(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceWindow {
    pub name: String,
    pub scope: Scope,
    pub timezone: TimeZone,
    /// The local days on which the window starts; empty means every day.
    pub days: Vec<Weekday>,
    /// Local start time on those days.
    pub start: Time,
    /// Elapsed length, more than zero and at most a week.
    pub duration: SignedDuration,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MaintenanceError {
    #[error("maintenance window {name:?}: duration must be more than 0 and at most 7 days")]
    Duration { name: String },
}

impl MaintenanceWindow {
    /// A window, checked: the duration is more than zero and at most a week.
    pub fn new(
        name: impl Into<String>,
        scope: Scope,
        timezone: TimeZone,
        days: Vec<Weekday>,
        start: Time,
        duration: SignedDuration,
    ) -> Result<MaintenanceWindow, MaintenanceError> {
        let name = name.into();
        if duration <= SignedDuration::ZERO || duration > MAX_DURATION {
            return Err(MaintenanceError::Duration { name });
        }
        Ok(MaintenanceWindow {
            name,
            scope,
            timezone,
            days,
            start,
            duration,
        })
    }

    /// Whether the window is about an alert with these labels, routed to
    /// `service`.
    pub fn applies_to(&self, labels: &Labels, service: Option<&str>) -> bool {
        match &self.scope {
            Scope::Matchers(matchers) => !matchers.is_empty() && matches_all(matchers, labels),
            Scope::Services(services) => service.is_some_and(|s| services.iter().any(|x| x == s)),
        }
    }

    /// Whether the window applies to the alert and is active at `at`.
    pub fn covers(&self, labels: &Labels, service: Option<&str>, at: Timestamp) -> bool {
        self.applies_to(labels, service) && self.active_at(at)
    }

    /// Whether a window is in progress at `at`: some start `s` with
    /// `s <= at < s + duration`.
    pub fn active_at(&self, at: Timestamp) -> bool {
        if self.duration <= SignedDuration::ZERO {
            return false;
        }
        let today = at.to_zoned(self.timezone.clone()).date();
        // A window can have started on any of the days its duration spans,
        // plus one for the time of day.
        let days_back = (self.duration.as_hours() / 24).clamp(0, 400) + 1;
        let mut date = today;
        for _ in 0..=days_back {
            if let Some(start) = self.start_on(date)
                && start <= at
                && at.duration_since(start) < self.duration
            {
                return true;
            }
            let Ok(earlier) = date.yesterday() else { break };
            date = earlier;
        }
        false
    }

    /// The first start strictly after `after`; `None` only at the end of
    /// representable time.
    pub fn next_start(&self, after: Timestamp) -> Option<Timestamp> {
        let today = after.to_zoned(self.timezone.clone()).date();
        // From yesterday: a start in a gap just before midnight moves to
        // the change, which can be past midnight.
        let mut date = today.yesterday().unwrap_or(today);
        for _ in 0..10 {
            if let Some(start) = self.start_on(date)
                && start > after
            {
                return Some(start);
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The instant the window starts on local `date`, if it starts that day.
    pub fn start_on(&self, date: Date) -> Option<Timestamp> {
        if !self.days.is_empty() && !self.days.contains(&date.weekday()) {
            return None;
        }
        // The rule of on-call handoffs: a time in a gap maps to the change,
        // a time in a fold to its first occurrence.
        Some(nines_oncall::to_instant(
            date.to_datetime(self.start),
            &self.timezone,
        ))
    }
}
