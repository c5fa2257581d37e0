//! Incidents: alerts from every source become incidents (intake, grouping,
//! reopen), routed to escalation policies and held by silences,
//! maintenance and inhibition. `state` holds the names and shapes below
//! `App`; the rest are the services and the escalation task.

pub mod actions;
pub mod escalation;
pub mod lifecycle;
pub mod queries;
pub mod quiet;
pub mod routing;
pub mod silences;
