//! On-call schedules for nines: who is on call at an instant, the shifts
//! of a range and the shift changes in it (who comes, who goes), computed
//! in the schedule's IANA time zone and correct across DST changes; the
//! load on each person (pages, hours on call). Pure: time and what
//! happened come in as arguments.
//!
//! A schedule is a stack of layers (later layers win where they have
//! someone) under overrides (which win over every layer). Each layer is a
//! rotation of users with a turn length and a handoff anchored at a local
//! date and time, optionally restricted to windows of the week.
//!
//! Escalation policies say whom to page when until someone acknowledges;
//! contact methods and notification rules say how each person is reached.
#![forbid(unsafe_code)]

mod change;
mod contact;
mod escalation;
mod health;
mod ics;
mod local;
mod rotation;
mod schedule;

pub use change::{ShiftChange, shift_changes};
pub use contact::{ContactKind, ContactMethod, Notification, NotificationRule, notifications};
pub use escalation::{Due, EscalationPolicy, Position, Recipients, Step, Target};
pub use health::{
    MIN_PAGES_TO_WARN, PageMessage, PersonFacts, PersonLoad, TeamLoad, UNEVEN_FACTOR, median,
    pages_by_user, person_load, team_loads,
};
pub use ics::calendar;
pub use local::to_instant;
pub use rotation::{Layer, Restriction, Turn};
pub use schedule::{OnCall, Origin, Override, Schedule, Shift};
