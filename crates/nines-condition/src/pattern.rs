//! `pat()` matching: `*` stands for any run of characters (also none), `?`
//! for exactly one, everything else for itself.

/// Whether `text` matches `pattern` as a whole.
///
/// Greedy with one backtrack point (the last `*`), so it runs in
/// O(pattern × text) at worst and never recurses: safe on large bodies.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was and the text position it currently absorbs up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry.
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("*UP*", "status: UP"));
        assert!(matches("*UP*", "UP"));
        assert!(!matches("*UP*", "DOWN"));
        assert!(matches("192.168.*", "192.168.1.1"));
        assert!(!matches("192.168.*", "10.0.0.1"));
        assert!(matches("h?llo", "héllo"));
        assert!(!matches("h?llo", "hllo"));
        assert!(matches("*", ""));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("*a", "baaa"));
    }
}
