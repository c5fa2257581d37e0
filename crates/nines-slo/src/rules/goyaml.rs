//! Text as Go's `gopkg.in/yaml.v2` writes it, for rule files that must be
//! byte-identical to Sloth's: the scalar style it picks (plain, single- or
//! double-quoted, literal block), its line folding at 80 columns, its
//! two-space indentation and its key order. Only what Sloth's output uses:
//! block mappings and sequences of strings.

use std::cmp::Ordering;

/// yaml.v2's `best_width`: plain and quoted scalars fold at a space once
/// the line is longer than this.
const BEST_WIDTH: usize = 80;

/// Appends ` value\n` after a `key:` that ends at `column`, the way yaml.v2
/// writes a string value of a mapping indented by `indent`.
pub(crate) fn value(out: &mut String, column: usize, indent: usize, value: &str) {
    // The scalar's own indentation is one step in from its mapping.
    let mut e = Emitter {
        out,
        column,
        indent: indent + 2,
    };
    e.scalar(value, true);
    e.out.push('\n');
}

/// Appends `key:` at `indent` (a new line is the caller's) and returns the
/// column after the colon.
pub(crate) fn key(out: &mut String, indent: usize, key: &str) -> usize {
    let start = out.len();
    out.push_str(&" ".repeat(indent));
    let mut e = Emitter {
        out,
        column: indent,
        indent: indent + 2,
    };
    // A simple key never folds; one that cannot be plain is quoted.
    e.scalar_at_line_start(key);
    e.out.push(':');
    e.out[start..].chars().count()
}

/// `key: value\n` at `indent`.
pub(crate) fn entry(out: &mut String, indent: usize, k: &str, v: &str) {
    let column = key(out, indent, k);
    value(out, column, indent, v);
}

/// Sorts keys as yaml.v2 sorts a map's keys: letters before anything else
/// at the first difference, letters by code point, runs of digits by value.
pub(crate) fn key_order(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

struct Emitter<'a> {
    out: &'a mut String,
    column: usize,
    indent: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What yaml.v2's `analyze_scalar` finds out about a value.
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

fn is_printable(c: char) -> bool {
    let c = c as u32;
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (0xA0..=0xD7FF).contains(&c)
        || ((0xE000..=0xFFFD).contains(&c) && c != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single_quoted: true,
            block: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special) = (false, false);
    let mut preceded_by_whitespace = true;
    let blank = |c: Option<&char>| {
        matches!(
            c,
            None | Some(' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
        )
    };
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = blank(chars.get(i + 1));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i + 1 == chars.len();
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i + 1 == chars.len();
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = blank(Some(&c));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain: true,
        single_quoted: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single_quoted = false;
        a.block = false;
    }
    if line_breaks || block_indicators {
        a.block_plain = false;
    }
    a
}

/// Does yaml.v2 read `s`, unquoted, as something other than a string (a
/// number, bool, null, timestamp)? Then it quotes it when writing.
fn resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: [&str; 40] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<", "",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    match s.as_bytes()[0] {
        b'.' => s.parse::<f64>().is_ok(),
        b'0'..=b'9' | b'+' | b'-' => {
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            is_timestamp(s) || is_int(&plain) || is_yaml_float(&plain)
        }
        _ => false,
    }
}

fn is_int(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = s.strip_prefix("0b").or(s.strip_prefix("0B")) {
        (b, 2)
    } else if let Some(o) = s.strip_prefix("0o").or(s.strip_prefix("0O")) {
        (o, 8)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix))
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A date yaml.v2 reads as a timestamp: `2006-1-2`, optionally with a time.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let rest = &s[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(p) => (&rest[..p], Some(&rest[p + 1..])),
        None => (rest, None),
    };
    let mut parts = date.split('-');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
    };
    if !(ok(parts.next()) && ok(parts.next()) && parts.next().is_none()) {
        return false;
    }
    // A time part: `15:4:5` and what may follow; enough for the shapes Go parses.
    time.is_none_or(|t| {
        let mut f = t.splitn(3, ':');
        ok(f.next()) && ok(f.next()) && f.next().is_some_and(|s| !s.is_empty())
    })
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: YAML 1.1 sexagesimal.
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| !f.chars().all(|c| c.is_ascii_digit() || c == '_')) {
        return false;
    }
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or("");
    if !head.starts_with(|c: char| c.is_ascii_digit())
        || !head.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    let mut n = 0;
    for p in parts {
        n += 1;
        let b = p.as_bytes();
        let ok = match b {
            [d] => d.is_ascii_digit(),
            [a, d] => (b'0'..=b'5').contains(a) && d.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    n > 0
}

impl Emitter<'_> {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn newline_indent(&mut self) {
        self.out.push('\n');
        self.column = 0;
        while self.column < self.indent {
            self.put(' ');
        }
    }

    /// A key: never folded, quoted when it cannot be plain.
    fn scalar_at_line_start(&mut self, value: &str) {
        let a = analyze(value);
        let mut style = self.requested(value);
        if style == Style::Literal || a.multiline {
            style = Style::Double;
        }
        self.write(value, &a, style, false, true);
    }

    fn requested(&self, value: &str) -> Style {
        if value.contains('\n') {
            Style::Literal
        } else if !resolves_to_non_string(value) && !is_base60_float(value) {
            Style::Plain
        } else {
            Style::Double
        }
    }

    fn scalar(&mut self, value: &str, allow_breaks: bool) {
        let a = analyze(value);
        let style = self.requested(value);
        self.write(value, &a, style, allow_breaks, false);
    }

    fn write(
        &mut self,
        value: &str,
        a: &Analysis,
        mut style: Style,
        allow_breaks: bool,
        at_start: bool,
    ) {
        if style == Style::Plain && (!a.block_plain || (value.is_empty() && at_start)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted {
            style = Style::Double;
        }
        if style == Style::Literal && !a.block {
            style = Style::Double;
        }
        if !at_start {
            self.put(' ');
        }
        match style {
            Style::Plain => self.plain(value, allow_breaks),
            Style::Single => self.single(value, allow_breaks),
            Style::Double => self.double(value, allow_breaks),
            Style::Literal => self.literal(value),
        }
    }

    fn plain(&mut self, value: &str, allow_breaks: bool) {
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.newline_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
    }

    fn single(&mut self, value: &str, allow_breaks: bool) {
        self.put('\'');
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.newline_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.out.push('\n');
                    self.column = 0;
                }
                self.out.push(c);
                self.column = 0;
                breaks = true;
            } else {
                if breaks {
                    self.newline_indent_after_break();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                spaces = false;
                breaks = false;
            }
        }
        self.put('\'');
    }

    /// `write_indent` right after a line break: only the spaces.
    fn newline_indent_after_break(&mut self) {
        while self.column < self.indent {
            self.put(' ');
        }
    }

    fn double(&mut self, value: &str, allow_breaks: bool) {
        self.put('"');
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match short {
                    Some(s) => self.put(s),
                    None => {
                        let v = c as u32;
                        let text = if v <= 0xFF {
                            format!("x{v:02X}")
                        } else if v <= 0xFFFF {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        for t in text.chars() {
                            self.put(t);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.newline_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.put('"');
    }

    fn literal(&mut self, value: &str) {
        self.put('|');
        let chars: Vec<char> = value.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.put('2');
        }
        let last = chars.len() - 1;
        if !is_break(chars[last]) {
            self.put('-');
        } else if last == 0 || is_break(chars[last - 1]) {
            self.put('+');
        }
        self.out.push('\n');
        self.column = 0;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                if c == '\n' {
                    self.out.push('\n');
                } else {
                    self.out.push(c);
                }
                self.column = 0;
                breaks = true;
            } else {
                if breaks {
                    self.newline_indent_after_break();
                }
                self.put(c);
                breaks = false;
            }
        }
        // The caller ends the line; a value ending in a break already did.
        if is_break(chars[last]) {
            self.out.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(indent: usize, k: &str, val: &str) -> String {
        let mut out = String::new();
        entry(&mut out, indent, k, val);
        out
    }

    #[test]
    fn styles_as_yaml_v2_picks_them() {
        assert_eq!(v(0, "tier", "2"), "tier: \"2\"\n");
        assert_eq!(v(0, "a", "99.9"), "a: \"99.9\"\n");
        assert_eq!(v(0, "a", "true"), "a: \"true\"\n");
        assert_eq!(v(0, "a", ""), "a: \"\"\n");
        assert_eq!(v(0, "a", "#alerts"), "a: '#alerts'\n");
        assert_eq!(v(0, "a", "it's: x"), "a: 'it''s: x'\n");
        assert_eq!(v(0, "a", "myorg/myservice"), "a: myorg/myservice\n");
        assert_eq!(v(0, "a", "1:30"), "a: \"1:30\"\n");
        assert_eq!(v(0, "a", "2001-12-14"), "a: \"2001-12-14\"\n");
        assert_eq!(v(0, "a", "tab\there"), "a: \"tab\\there\"\n");
        assert_eq!(v(2, "e", "x\ny\n"), "  e: |\n    x\n    y\n");
        assert_eq!(v(2, "e", "x\ny"), "  e: |-\n    x\n    y\n");
        assert_eq!(v(2, "e", "x \ny"), "  e: \"x \\ny\"\n");
    }

    #[test]
    fn long_plain_text_folds_past_80_columns() {
        let text = "(page) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.";
        assert_eq!(
            v(6, "title", text),
            "      title: (page) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget\n        burn rate is too fast.\n"
        );
    }

    #[test]
    fn keys_sort_as_yaml_v2_sorts_them() {
        let mut keys = vec!["b", "a10", "a9", "a_b", "aB", "A"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, ["A", "a_b", "a9", "a10", "aB", "b"]);
    }
}
