//! Review: the deploy gate, postmortems, action-item reminders and reports.

pub mod changes;
pub mod gate;
pub mod postmortem;
pub mod reminders;
pub mod report;
