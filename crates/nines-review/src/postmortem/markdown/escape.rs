//! Escapes that keep text intact through Markdown: prose lines that would
//! read as headings, and single-line text (table cells, the title, list
//! items) that Markdown would split, trim or reinterpret. Plus ratios
//! written as percentages that read back to the same `f64`.

/// Prose is Markdown already; only a line that would read as a heading
/// (and lines that would read as this escape) need a backslash.
pub(super) fn escape_prose_line(line: &str) -> String {
    if line.starts_with('#') || line.starts_with("\\#") || line.starts_with("\\\\") {
        format!("\\{line}")
    } else {
        line.to_string()
    }
}

pub(super) fn unescape_prose_line(line: &str) -> &str {
    if line.starts_with("\\#") || line.starts_with("\\\\") {
        &line[1..]
    } else {
        line
    }
}

/// Escapes text for a table cell, a heading or a list item: one line,
/// trimmed by Markdown, split at `|`. `extra` are characters that separate
/// items inside the cell (`,` between authors).
pub(super) fn escape_inline(text: &str, extra: &[char]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_blank = |c: &char| matches!(c, ' ' | '\t');
    let lead = chars.iter().take_while(|c| is_blank(c)).count();
    let trail = chars.len() - chars.iter().rev().take_while(|c| is_blank(c)).count();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let edge = i < lead || i >= trail;
        let next = chars.get(i + 1).copied();
        match c {
            ' ' if edge => out.push_str("&#32;"),
            '\t' if edge => out.push_str("&#9;"),
            '\n' => out.push_str("<br>"),
            '\r' => out.push_str("&#13;"),
            '\\' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '<' if matches!(next, Some('b' | 'B')) => out.push_str("\\<"),
            '&' if next == Some('#') => out.push_str("\\&"),
            c if extra.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`escape_inline`], and reads `<br/>`, `<br />` and `<BR>` as
/// line breaks too, as people write them by hand.
pub(super) fn unescape_inline(text: &str) -> String {
    const BREAKS: [&str; 3] = ["<br>", "<br/>", "<br />"];
    const ENTITIES: [(&str, char); 3] = [("&#32;", ' '), ("&#9;", '\t'), ("&#13;", '\r')];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        if c == '\\' {
            match rest[1..].chars().next() {
                Some(n) => {
                    out.push(n);
                    rest = &rest[1 + n.len_utf8()..];
                }
                None => {
                    out.push('\\');
                    rest = "";
                }
            }
            continue;
        }
        for tag in BREAKS {
            if rest
                .get(..tag.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(tag))
            {
                out.push('\n');
                rest = &rest[tag.len()..];
                continue 'scan;
            }
        }
        for (entity, ch) in ENTITIES {
            if let Some(after) = rest.strip_prefix(entity) {
                out.push(ch);
                rest = after;
                continue 'scan;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Splits at `sep` where it is not escaped, keeping escapes for
/// [`unescape_inline`].
pub(super) fn split_unescaped(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

pub(super) fn trim_blank(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// A ratio as a percentage that reads back to the same `f64`: the shortest
/// decimal that round-trips the ratio, with its point moved two places.
pub(super) fn format_percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return format!("{ratio}%");
    }
    format!("{}%", shift_point(&ratio.to_string(), 2))
}

pub(super) fn parse_percent(text: &str) -> Option<f64> {
    let number = trim_blank(text.strip_suffix('%')?);
    let plain = number.strip_prefix('-').unwrap_or(number);
    let is_plain = !plain.is_empty()
        && plain.chars().all(|c| c.is_ascii_digit() || c == '.')
        && plain.chars().filter(|&c| c == '.').count() <= 1
        && plain.chars().any(|c| c.is_ascii_digit());
    if is_plain {
        shift_point(number, -2).parse().ok()
    } else {
        number.parse::<f64>().ok().map(|p| p / 100.0)
    }
}

/// Moves the decimal point of a plain decimal (`-12.5`) by `by` places,
/// exactly, as text.
pub(super) fn shift_point(number: &str, by: i32) -> String {
    let (sign, body) = match number.strip_prefix('-') {
        Some(body) => ("-", body),
        None => ("", number),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + i64::from(by);
    let (int, frac) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        let (i, f) = digits.split_at(point as usize);
        (i.to_string(), f.to_string())
    };
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_the_point_is_exact() {
        assert_eq!(shift_point("0.425", 2), "42.5");
        assert_eq!(shift_point("42.5", -2), "0.425");
        assert_eq!(shift_point("1", 2), "100");
        assert_eq!(shift_point("-0.00001", 2), "-0.001");
        assert_eq!(shift_point("12", -2), "0.12");
        assert_eq!(shift_point("0", 2), "0");
        assert_eq!(shift_point("0.1", 2), "10");
    }

    #[test]
    fn percentages_read_back_exactly() {
        for ratio in [
            0.425,
            0.1 + 0.2,
            1.0 / 3.0,
            -1.5,
            0.0,
            1e-12,
            123456.789,
            5e-324,
        ] {
            let text = format_percent(ratio);
            assert_eq!(parse_percent(&text), Some(ratio), "{text}");
        }
        assert_eq!(format_percent(0.425), "42.5%");
        assert_eq!(parse_percent("42.5 %"), Some(0.425));
        assert_eq!(parse_percent("1e2%"), Some(1.0));
        assert_eq!(parse_percent("42.5"), None);
    }

    #[test]
    fn inline_escapes_read_back() {
        for text in [
            "a | b",
            "line\nbreak",
            " lead and trail\t",
            "literal <br> and &#32;",
            "back\\slash\\",
            "\\|",
            "a, b",
            "",
            "   ",
            "<b>bold</b>",
        ] {
            let escaped = escape_inline(text, &[',']);
            assert!(!escaped.contains('\n'), "{escaped}");
            assert_eq!(unescape_inline(&escaped), text, "{escaped}");
        }
        assert_eq!(escape_inline("a | b\nc", &[]), "a \\| b<br>c");
        assert_eq!(unescape_inline("one<BR/>two<br />three"), "one\ntwo\nthree");
    }
}
