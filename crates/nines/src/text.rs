//! Text helpers every floor shares: percent-encoding for URLs.

pub mod url;
