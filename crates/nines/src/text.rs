//! Text helpers every floor shares: percent-encoding for URLs, HTML escaping.

pub mod html;
pub mod url;

/// `s` with its first letter in upper case.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
