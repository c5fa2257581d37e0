//! `nines load`: an HTTP load generator that reports honest numbers.
//!
//! Two models. The open model sends at a planned arrival rate and measures
//! every request's latency from the moment it was *meant* to leave, so a
//! stalled server shows in the percentiles (coordinated omission corrected,
//! as wrk2 does). The closed model keeps N connections busy as fast as the
//! server answers (wrk, oha). Pure parts (stages, thresholds, the capacity
//! search, the result math, rendering) have no I/O; `client` and `run` do
//! the network.

pub mod client;
pub mod h1;
pub mod hgrm;
pub mod record;
pub mod render;
pub mod run;
pub mod search;
pub mod stages;
pub mod targets;
pub mod threshold;

pub use client::{HttpVersion, RequestSpec};
pub use record::{ErrorKind, Second, Summary};
pub use run::{Model, Plan, RunError, run};
pub use search::{Search, SearchConfig, Step};
pub use stages::{Profile, Stage, StageError};
pub use threshold::{Threshold, ThresholdError, Verdict};
