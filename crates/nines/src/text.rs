//! Text helpers every floor shares: percent-encoding for URLs, HTML escaping.

pub mod html;
pub mod url;
