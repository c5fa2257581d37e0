//! The review side of reliability for nines: the error budget policy that
//! gates deploys ([`gate`]), blameless postmortems drafted from what nines
//! knows and round-tripped as Markdown ([`postmortem`]), which of their
//! action items are overdue ([`overdue`]), and the figures of reliability
//! reports ([`report`]).
//!
//! Everything here is pure: time and data come in as arguments, nothing
//! reads a clock, a file or the network. The daemon and CLI own the I/O.
#![forbid(unsafe_code)]

pub mod gate;
pub mod overdue;
pub mod postmortem;
pub mod report;
mod severity;
mod timing;

pub use severity::Severity;
pub use timing::IncidentTimes;
