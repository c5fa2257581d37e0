//! Incident severity as the gate and postmortems see it: SEV1 (worst) to
//! SEV4, written the way nines writes it everywhere (`SEV2`). It is
//! nines-incident's type, so the gate, postmortems and incidents agree on
//! one parse and one order.

pub use nines_incident::IncidentSeverity as Severity;
