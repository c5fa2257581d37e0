//! Incidents: alerts from every source become incidents (intake, grouping,
//! reopen), routed to escalation policies and held by silences,
//! maintenance and inhibition.

pub mod escalation;
pub mod lifecycle;
pub mod quiet;
pub mod routing;

pub use lifecycle::*;
