//! Feature state below `App` (floor 2): what `App` holds and the shapes
//! every floor above shares. Nothing here imports `App` or a feature's
//! services; features import it, `App` composes it.

pub mod incidents;
pub mod notify;
pub mod oncall;
pub mod probes;
pub mod review;
pub mod slo;
