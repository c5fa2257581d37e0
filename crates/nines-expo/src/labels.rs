//! A label set as it appears in the exposition: validated once by the
//! parser, then read on demand without allocating, so a sample costs no heap
//! work unless someone asks for a label whose value has escapes in it.
//!
//! Also the byte classes and quoted-string rules the parser, the renderer and
//! the selector parser share.

use std::borrow::Cow;
use std::fmt;

/// The labels of a sample or exemplar, in exposition order.
///
/// A view of the text between `{` and `}`; [`Labels::iter`] and
/// [`Labels::get`] scan it. A Prometheus 3 quoted metric name inside the
/// braces (`{"my.metric", "label.x"="v"}`) is not a label and is skipped.
/// Duplicate label names are not rejected (Prometheus rejects them when
/// storing, not when parsing); `get` returns the first.
#[derive(Clone, Copy)]
pub struct Labels<'a> {
    raw: &'a str,
    /// Some quoted string in `raw` contains a backslash: only then may
    /// reading allocate.
    escaped: bool,
    len: u32,
}

impl<'a> Labels<'a> {
    /// No labels.
    pub const EMPTY: Labels<'static> = Labels {
        raw: "",
        escaped: false,
        len: 0,
    };

    /// `raw` must have been validated by the parser's label-set scanner.
    pub(crate) fn new(raw: &'a str, escaped: bool, len: u32) -> Self {
        Labels { raw, escaped, len }
    }

    /// How many labels (the quoted metric name, if any, not counted).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The labels as `(name, value)`, unescaped, in exposition order.
    pub fn iter(&self) -> LabelsIter<'a> {
        LabelsIter {
            raw: self.raw,
            i: 0,
            escaped: self.escaped,
        }
    }

    /// The value of the first label called `name`.
    pub fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl PartialEq for Labels<'_> {
    /// Same labels with the same values in the same order, whatever the
    /// spelling in the input (escapes, spaces, trailing comma).
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Labels<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &Labels<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);
    type IntoIter = LabelsIter<'a>;

    fn into_iter(self) -> LabelsIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Labels`].
#[derive(Debug, Clone)]
pub struct LabelsIter<'a> {
    raw: &'a str,
    i: usize,
    escaped: bool,
}

impl<'a> LabelsIter<'a> {
    /// The quoted string whose opening quote is at `self.i`, moving past it.
    fn quoted(&mut self) -> Option<Cow<'a, str>> {
        let start = self.i + 1;
        let (end, has_escape) = scan_quoted(self.raw.as_bytes(), start).ok()?;
        self.i = end + 1;
        let s = &self.raw[start..end];
        Some(if self.escaped && has_escape {
            unescape(s, Escapes::Quoted)
        } else {
            Cow::Borrowed(s)
        })
    }
}

impl<'a> Iterator for LabelsIter<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.raw.as_bytes();
        loop {
            while self.i < b.len() && matches!(b[self.i], b' ' | b'\t' | b',') {
                self.i += 1;
            }
            let first = *b.get(self.i)?;
            let name = if first == b'"' {
                self.quoted()?
            } else {
                let start = self.i;
                while self.i < b.len() && is_label_char(b[self.i]) {
                    self.i += 1;
                }
                if self.i == start {
                    // Not a label set the parser validated; stop rather than spin.
                    return None;
                }
                Cow::Borrowed(&self.raw[start..self.i])
            };
            self.i = skip_blanks(b, self.i);
            if b.get(self.i) == Some(&b'=') {
                self.i = skip_blanks(b, self.i + 1);
                if b.get(self.i) != Some(&b'"') {
                    return None;
                }
                let value = self.quoted()?;
                return Some((name, value));
            }
            // A quoted metric name inside the braces: not a label.
        }
    }
}

// === byte classes ===

/// Bit 0: may start a legacy metric name `[a-zA-Z_:]`; bit 1: may continue
/// one `[a-zA-Z0-9_:]`; bit 2: may start a label name `[a-zA-Z_]`; bit 3:
/// may continue one `[a-zA-Z0-9_]`.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let alpha = b.is_ascii_alphabetic() || b == b'_';
        let digit = b.is_ascii_digit();
        let colon = b == b':';
        if alpha || colon {
            t[c] |= 1;
        }
        if alpha || digit || colon {
            t[c] |= 2;
        }
        if alpha {
            t[c] |= 4;
        }
        if alpha || digit {
            t[c] |= 8;
        }
        c += 1;
    }
    t
};

pub(crate) fn is_name_start(b: u8) -> bool {
    CLASS[b as usize] & 1 != 0
}

pub(crate) fn is_name_char(b: u8) -> bool {
    CLASS[b as usize] & 2 != 0
}

pub(crate) fn is_label_start(b: u8) -> bool {
    CLASS[b as usize] & 4 != 0
}

pub(crate) fn is_label_char(b: u8) -> bool {
    CLASS[b as usize] & 8 != 0
}

/// A name that can be written without quotes: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn is_legacy_metric_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && is_name_start(b[0]) && b[1..].iter().all(|&c| is_name_char(c))
}

/// A label name that can be written without quotes: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn is_legacy_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && is_label_start(b[0]) && b[1..].iter().all(|&c| is_label_char(c))
}

pub(crate) fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

// === quoted strings ===

/// Scans a double-quoted exposition string whose content starts at `i`;
/// returns the index of the closing quote and whether a backslash occurs.
/// Line ends may not occur inside (escape them as `\n`); the error is the
/// index of the line end or end of input that cut the string short.
pub(crate) fn scan_quoted(b: &[u8], mut i: usize) -> Result<(usize, bool), usize> {
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'"' => return Ok((i, escaped)),
            b'\\' => {
                escaped = true;
                if i + 1 >= b.len() || b[i + 1] == b'\n' {
                    return Err(i + 1);
                }
                // Skipping one byte is enough: a continuation byte of a
                // multi-byte character is never '"', '\\' or '\n'.
                i += 2;
            }
            b'\n' => return Err(i),
            _ => i += 1,
        }
    }
    Err(i)
}

/// Which backslash sequences a string knows; any other one stays as
/// written, as Prometheus' own parser keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// Label values and quoted names: `\\`, `\"`, `\n`.
    Quoted,
    /// Text-format HELP: `\\`, `\n`.
    Help,
}

pub(crate) fn unescape(s: &str, escapes: Escapes) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if escapes == Escapes::Quoted => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}
