//! The exposition parser: text format 0.0.4 and OpenMetrics 1.0 in one
//! streaming, zero-copy pass over the scraped body.
//!
//! It accepts what Prometheus' own scrape parser accepts, so a target that
//! works with Prometheus works with nines: blanks and tabs between tokens,
//! `\r\n` line ends, comments anywhere, unknown backslash sequences kept as
//! written, a trailing comma in label sets, and Prometheus 3's quoted UTF-8
//! names. It never panics; an error names the line and column and what was
//! expected there.

use std::borrow::Cow;

use crate::labels::{
    Escapes, Labels, is_label_char, is_label_start, is_name_char, is_name_start, scan_quoted,
    skip_blanks, unescape,
};
use crate::sample::{Exemplar, MetricType, Sample};

/// Which exposition format a body is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Prometheus text format 0.0.4: integer millisecond timestamps, no
    /// exemplars, `# EOF` optional.
    #[default]
    Text,
    /// OpenMetrics 1.0: float second timestamps, exemplars, and `# EOF`
    /// required as the last line.
    OpenMetrics,
}

impl Format {
    /// The format of a response from its `Content-Type` header:
    /// `application/openmetrics-text` (any parameters) is OpenMetrics,
    /// anything else (including a missing header) the text format, which
    /// is what Prometheus falls back to as well.
    pub fn from_content_type(content_type: &str) -> Format {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        if media.eq_ignore_ascii_case("application/openmetrics-text") {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

/// One meaningful line of an exposition.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry<'a> {
    Sample(Sample<'a>),
    /// `# HELP name text`, with `\\` and `\n` (and in OpenMetrics `\"`)
    /// unescaped.
    Help {
        name: Cow<'a, str>,
        text: Cow<'a, str>,
    },
    /// `# TYPE name type`.
    Type {
        name: Cow<'a, str>,
        metric_type: MetricType,
    },
    /// `# UNIT name unit` (OpenMetrics; accepted in the text format too).
    Unit {
        name: Cow<'a, str>,
        unit: &'a str,
    },
}

/// Where an exposition is malformed and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    message: String,
}

impl ParseError {
    /// What is wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Calls `on_sample` for every sample of `text`, in order, and stops at the
/// first error. Samples before the error have been delivered by then; a
/// caller that must not act on a partial scrape collects first.
pub fn parse<'a>(
    text: &'a str,
    format: Format,
    mut on_sample: impl FnMut(Sample<'a>),
) -> Result<(), ParseError> {
    for entry in Parser::new(text, format) {
        if let Entry::Sample(sample) = entry? {
            on_sample(sample);
        }
    }
    Ok(())
}

/// An iterator over the entries of an exposition. After an error it ends.
#[derive(Debug, Clone)]
pub struct Parser<'a> {
    text: &'a str,
    format: Format,
    /// Start of the next unread line.
    pos: usize,
    /// 1-based number of the line starting at `line_start`.
    line: usize,
    line_start: usize,
    eof_seen: bool,
    done: bool,
}

/// A failure before it is placed: byte offset and message.
struct Fail {
    at: usize,
    message: String,
}

impl<'a> Iterator for Parser<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_entry() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(fail) => {
                self.done = true;
                Some(Err(self.place(fail)))
            }
        }
    }
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str, format: Format) -> Self {
        Parser {
            text,
            format,
            pos: 0,
            line: 1,
            line_start: 0,
            eof_seen: false,
            done: false,
        }
    }

    fn next_entry(&mut self) -> Result<Option<Entry<'a>>, Fail> {
        let b = self.text.as_bytes();
        loop {
            self.line_start = self.pos;
            if self.eof_seen && self.pos < b.len() {
                return Err(self.fail(self.pos, "unexpected content after \"# EOF\""));
            }
            if self.pos >= b.len() {
                if self.format == Format::OpenMetrics && !self.eof_seen {
                    return Err(self.expected(
                        self.pos,
                        "\"# EOF\" as the last line, which OpenMetrics requires",
                    ));
                }
                return Ok(None);
            }
            let i = skip_blanks(b, self.pos);
            match b.get(i) {
                None => self.pos = i,
                Some(b'\n' | b'\r') => self.end_line(i)?,
                Some(b'#') => {
                    if let Some(entry) = self.comment(i)? {
                        return Ok(Some(entry));
                    }
                }
                Some(_) => return self.sample(i).map(|s| Some(Entry::Sample(s))),
            }
        }
    }

    // === lines ===

    /// Checks that the line ends at `i` and moves to the next one.
    fn end_line(&mut self, i: usize) -> Result<(), Fail> {
        let b = self.text.as_bytes();
        match b.get(i) {
            None => self.pos = i,
            Some(b'\n') => self.next_line(i + 1),
            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => self.next_line(i + 2),
            Some(_) => return Err(self.expected(i, "end of line")),
        }
        Ok(())
    }

    fn next_line(&mut self, start: usize) {
        self.pos = start;
        self.line += 1;
    }

    /// Index of the end of the line containing `i` (its `\n`, or the end).
    fn line_end(&self, i: usize) -> usize {
        let b = self.text.as_bytes();
        b[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |n| i + n)
    }

    /// Like `line_end`, without a `\r` before the `\n`.
    fn content_end(&self, i: usize) -> usize {
        let end = self.line_end(i);
        if end > i && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    /// A line starting with `#` at `i`: metadata, `# EOF`, or a comment.
    fn comment(&mut self, i: usize) -> Result<Option<Entry<'a>>, Fail> {
        let b = self.text.as_bytes();
        let word_start = skip_blanks(b, i + 1);
        let word_end = token_end(b, word_start);
        let word = &self.text[word_start..word_end];
        let entry = match word {
            "HELP" | "TYPE" | "UNIT" => {
                let (name, k) = self.metadata_name(word_end, word)?;
                match word {
                    "HELP" => {
                        let k = skip_blanks(b, k);
                        let end = self.content_end(k);
                        let escapes = match self.format {
                            Format::Text => Escapes::Help,
                            Format::OpenMetrics => Escapes::Quoted,
                        };
                        let text = unescape(&self.text[k..end], escapes);
                        self.end_line(end)?;
                        Entry::Help { name, text }
                    }
                    "TYPE" => {
                        let k = skip_blanks(b, k);
                        let end = token_end(b, k);
                        if end == k {
                            return Err(self.expected(k, "metric type after the metric name"));
                        }
                        let word = &self.text[k..end];
                        let Some(metric_type) = MetricType::from_word(word) else {
                            return Err(self.fail(k, format!("unknown metric type \"{word}\"")));
                        };
                        self.end_line(skip_blanks(b, end))?;
                        Entry::Type { name, metric_type }
                    }
                    _ => {
                        let k = skip_blanks(b, k);
                        let end = token_end(b, k);
                        let unit = &self.text[k..end];
                        self.end_line(skip_blanks(b, end))?;
                        Entry::Unit { name, unit }
                    }
                }
            }
            "EOF" if self.format == Format::OpenMetrics => {
                self.end_line(skip_blanks(b, word_end))?;
                self.eof_seen = true;
                return Ok(None);
            }
            _ => {
                // A comment (in the text format `# EOF` is one too).
                let end = self.line_end(i);
                self.end_line(end)?;
                return Ok(None);
            }
        };
        Ok(Some(entry))
    }

    /// The metric name after `# HELP` and friends, which may be quoted.
    fn metadata_name(&self, after: usize, keyword: &str) -> Result<(Cow<'a, str>, usize), Fail> {
        let b = self.text.as_bytes();
        let k = skip_blanks(b, after);
        if k == after {
            return Err(self.expected(k, &format!("a space after \"# {keyword}\"")));
        }
        match b.get(k) {
            Some(&c) if is_name_start(c) => {
                let end = k + 1 + b[k + 1..].iter().take_while(|&&c| is_name_char(c)).count();
                if end < b.len() && !matches!(b[end], b' ' | b'\t' | b'\n' | b'\r') {
                    return Err(self.expected(end, "a space after the metric name"));
                }
                Ok((Cow::Borrowed(&self.text[k..end]), end))
            }
            Some(b'"') => {
                let (end, _) = scan_quoted(b, k + 1)
                    .map_err(|at| self.expected(at, "'\"' to end the quoted metric name"))?;
                let name = unescape(&self.text[k + 1..end], Escapes::Quoted);
                if name.is_empty() {
                    return Err(self.fail(k, "empty metric name"));
                }
                Ok((name, end + 1))
            }
            _ => Err(self.expected(k, &format!("metric name after \"# {keyword}\""))),
        }
    }

    // === samples ===

    /// A sample line whose first non-blank byte is at `i`.
    fn sample(&mut self, i: usize) -> Result<Sample<'a>, Fail> {
        let b = self.text.as_bytes();
        let mut name = None;
        let mut k = i;
        if is_name_start(b[i]) {
            k += 1;
            while k < b.len() && is_name_char(b[k]) {
                k += 1;
            }
            name = Some(Cow::Borrowed(&self.text[i..k]));
        } else if b[i] != b'{' {
            return Err(self.expected(i, "metric name, '{', '#' or end of line"));
        }
        let mut labels = Labels::EMPTY;
        let after_name = k;
        k = skip_blanks(b, k);
        let braces = b.get(k) == Some(&b'{');
        if braces {
            (labels, k) = self.label_set(k, &mut name, true)?;
        }
        let Some(name) = name else {
            return Err(self.fail(
                i,
                "expected a metric name before '{' or quoted inside the braces",
            ));
        };
        let value_start = skip_blanks(b, k);
        if !braces && value_start == after_name && !at_line_end(b, value_start) {
            return Err(self.expected(
                value_start,
                &format!("' ' or '{{' after metric name \"{name}\""),
            ));
        }
        let (value, k) = self.value(value_start)?;
        let k = skip_blanks(b, k);
        let mut sample = Sample {
            name,
            labels,
            value,
            timestamp_ms: None,
            exemplar: None,
        };
        if at_line_end(b, k) {
            self.end_line(k)?;
            return Ok(sample);
        }
        let k = if self.format == Format::OpenMetrics && b[k] == b'#' {
            k
        } else {
            let (ts, end) = self.timestamp(k)?;
            sample.timestamp_ms = Some(ts);
            skip_blanks(b, end)
        };
        if self.format == Format::OpenMetrics && b.get(k) == Some(&b'#') {
            let (exemplar, end) = self.exemplar(k)?;
            sample.exemplar = Some(exemplar);
            self.end_line(end)?;
        } else if !at_line_end(b, k) {
            return Err(self.expected(k, "end of line after the timestamp"));
        } else {
            self.end_line(k)?;
        }
        Ok(sample)
    }

    /// The label set whose `{` is at `i`: returns it and the index after
    /// its `}`. A quoted string without `=` is the metric name, put in
    /// `name` if `allow_name` and none was given.
    fn label_set(
        &self,
        i: usize,
        name: &mut Option<Cow<'a, str>>,
        allow_name: bool,
    ) -> Result<(Labels<'a>, usize), Fail> {
        let b = self.text.as_bytes();
        let start = i + 1;
        let mut k = start;
        let mut escaped = false;
        let mut count = 0u32;
        loop {
            k = skip_blanks(b, k);
            let Some(&c) = b.get(k) else {
                return Err(self.expected(k, "label name or '}'"));
            };
            if c == b'}' {
                break;
            }
            let token_start = k;
            let (label, quoted, label_escaped) = if is_label_start(c) {
                k += 1;
                while k < b.len() && is_label_char(b[k]) {
                    k += 1;
                }
                (&self.text[token_start..k], false, false)
            } else if c == b'"' {
                let (end, esc) = scan_quoted(b, k + 1)
                    .map_err(|at| self.expected(at, "'\"' to end the quoted name"))?;
                k = end + 1;
                (&self.text[token_start + 1..end], true, esc)
            } else {
                return Err(self.expected(k, "label name or '}'"));
            };
            escaped |= label_escaped;
            k = skip_blanks(b, k);
            let after = if b.get(k) == Some(&b'=') {
                if label.is_empty() {
                    return Err(self.fail(token_start, "empty label name"));
                }
                k = skip_blanks(b, k + 1);
                if b.get(k) != Some(&b'"') {
                    return Err(
                        self.expected(k, &format!("'\"' to start the value of label \"{label}\""))
                    );
                }
                let (end, esc) = scan_quoted(b, k + 1).map_err(|at| {
                    self.expected(at, &format!("'\"' to end the value of label \"{label}\""))
                })?;
                escaped |= esc;
                k = end + 1;
                count += 1;
                "label value"
            } else if quoted && allow_name && name.is_none() {
                if label.is_empty() {
                    return Err(self.fail(token_start, "empty metric name"));
                }
                *name = Some(if label_escaped {
                    unescape(label, Escapes::Quoted)
                } else {
                    Cow::Borrowed(label)
                });
                "metric name"
            } else {
                return Err(self.expected(k, &format!("'=' after label name \"{label}\"")));
            };
            k = skip_blanks(b, k);
            match b.get(k) {
                Some(b',') => k += 1,
                Some(b'}') => break,
                _ => return Err(self.expected(k, &format!("',' or '}}' after the {after}"))),
            }
        }
        Ok((Labels::new(&self.text[start..k], escaped, count), k + 1))
    }

    /// The sample value starting at `i`, and the index after it.
    fn value(&self, i: usize) -> Result<(f64, usize), Fail> {
        let b = self.text.as_bytes();
        let end = token_end(b, i);
        if end == i {
            return Err(self.expected(i, "value"));
        }
        let token = &self.text[i..end];
        match parse_float(token) {
            Some(v) => Ok((v, end)),
            None => Err(self.fail(i, format!("invalid value \"{token}\""))),
        }
    }

    /// The timestamp starting at `i`, in milliseconds, and the index after it.
    fn timestamp(&self, i: usize) -> Result<(i64, usize), Fail> {
        let b = self.text.as_bytes();
        let end = token_end(b, i);
        if end == i {
            return Err(self.expected(i, "timestamp or end of line"));
        }
        if self.format == Format::Text && b[i] == b'#' {
            return Err(self.expected(i, "timestamp or end of line (exemplars need OpenMetrics)"));
        }
        let token = &self.text[i..end];
        let ms = match self.format {
            Format::Text => token.parse::<i64>().ok(),
            Format::OpenMetrics => parse_float(token).and_then(seconds_to_ms),
        };
        match (ms, self.format) {
            (Some(ms), _) => Ok((ms, end)),
            (None, Format::Text) => Err(self.fail(
                i,
                format!("invalid timestamp \"{token}\": expected integer milliseconds"),
            )),
            (None, Format::OpenMetrics) => Err(self.fail(
                i,
                format!("invalid timestamp \"{token}\": expected seconds since the epoch"),
            )),
        }
    }

    /// An OpenMetrics exemplar whose `#` is at `i`; returns it and the index
    /// where the line should end.
    fn exemplar(&self, i: usize) -> Result<(Exemplar<'a>, usize), Fail> {
        let b = self.text.as_bytes();
        let k = skip_blanks(b, i + 1);
        if k == i + 1 || b.get(k) != Some(&b'{') {
            return Err(self.expected(k, "' {' to start the exemplar's labels after '#'"));
        }
        let (labels, k) = self.label_set(k, &mut None, false)?;
        let (value, k) = self.value(skip_blanks(b, k))?;
        let k = skip_blanks(b, k);
        let mut exemplar = Exemplar {
            labels,
            value,
            timestamp_ms: None,
        };
        if at_line_end(b, k) {
            return Ok((exemplar, k));
        }
        let (ts, end) = self.timestamp(k)?;
        exemplar.timestamp_ms = Some(ts);
        Ok((exemplar, skip_blanks(b, end)))
    }

    // === errors ===

    fn fail(&self, at: usize, message: impl Into<String>) -> Fail {
        Fail {
            at,
            message: message.into(),
        }
    }

    /// "expected WHAT, found X" at `at`.
    fn expected(&self, at: usize, what: &str) -> Fail {
        let b = self.text.as_bytes();
        let found = match b.get(at) {
            None => "end of input".to_string(),
            Some(b'\n') => "end of line".to_string(),
            Some(b'\r') if b.get(at + 1) == Some(&b'\n') => "end of line".to_string(),
            Some(_) => match self.text.get(at..).and_then(|s| s.chars().next()) {
                Some(c) => format!("{c:?}"),
                None => "invalid position".to_string(),
            },
        };
        self.fail(at, format!("expected {what}, found {found}"))
    }

    fn place(&self, fail: Fail) -> ParseError {
        let mut at = fail.at.min(self.text.len()).max(self.line_start);
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        ParseError {
            line: self.line,
            column: self.text[self.line_start..at].chars().count() + 1,
            message: fail.message,
        }
    }
}

/// End of a value, timestamp or word: the next blank or line end.
fn token_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn at_line_end(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        None | Some(b'\n') => true,
        Some(b'\r') => b.get(i + 1) == Some(&b'\n'),
        _ => false,
    }
}

/// Exact powers of ten up to 1e15, for the fast path of `parse_float`.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// A float as Go's `strconv.ParseFloat` reads it, which is what Prometheus
/// uses: decimals with exponents, `NaN`, `Inf`, `+Inf`, `-Inf` (any case).
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    // Fast path for the plain decimals most values are ("1027", "0.25"):
    // up to 15 digits fit a u64 and an f64 exactly, and dividing two exact
    // values by a power of ten is correctly rounded (Clinger's fast path).
    let b = s.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa = 0u64;
    let mut count = 0usize;
    let mut frac: Option<usize> = None;
    let mut simple = !digits.is_empty() && digits.len() <= 16;
    if simple {
        for (n, &c) in digits.iter().enumerate() {
            match c {
                b'0'..=b'9' => {
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                    count += 1;
                }
                b'.' if frac.is_none() => frac = Some(digits.len() - n - 1),
                _ => {
                    simple = false;
                    break;
                }
            }
        }
    }
    if simple && count > 0 && count <= 15 {
        let v = mantissa as f64 / POW10[frac.unwrap_or(0)];
        return Some(if neg { -v } else { v });
    }
    // Go rejects what Rust's parser rejects, except that Rust reads no hex
    // floats or underscores, which Prometheus refuses anyway.
    s.parse::<f64>().ok()
}

/// Float seconds (OpenMetrics) to integer milliseconds, rounded.
fn seconds_to_ms(s: f64) -> Option<i64> {
    let ms = (s * 1000.0).round();
    // i64::MAX as f64 rounds up to 2^63, which no longer fits: keep below
    // (NaN and infinities fail the range check too).
    if (-9.2e18..=9.2e18).contains(&ms) {
        Some(ms as i64)
    } else {
        None
    }
}
