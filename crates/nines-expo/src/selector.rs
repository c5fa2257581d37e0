//! PromQL series selectors (`name{a="x", b!="y", c=~"5..", d!~"2.."}`):
//! what an SLI's `good:` and `total:` say to count, parsed and validated
//! when the config loads, then matched against scraped samples.

use std::fmt::{self, Write};
use std::str::FromStr;

use crate::labels::{is_legacy_label_name, is_legacy_metric_name, is_name_char, is_name_start};
use crate::matcher::{Dialect, LabelMatcher, MatchOp, regex_reason};
use crate::parse::{Format, ParseError, parse, parse_float};
use crate::sample::Sample;
use crate::syntax::SyntaxError;

/// A parsed series selector. Matching follows PromQL: a missing label has
/// the empty value, regexes are anchored at both ends (`(?s)`, so `.`
/// matches a line feed too), and at least one matcher must reject the empty
/// string so a selector never matches everything.
///
/// One deliberate difference: `=` and `!=` on the labels `le` and
/// `quantile` compare numerically when both sides are numbers, because
/// clients spell bucket bounds differently (`le="0.3"` matches `le="0.30"`,
/// `le="+Inf"` matches `le="Inf"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    /// Given before the braces or quoted inside them (`{"my.metric"}`).
    name: Option<String>,
    /// In the order written, `__name__` matchers included.
    matchers: Vec<Matcher>,
}

/// One `label op "value"` of a selector: the shared core plus PromQL's
/// numeric reading of bucket bounds.
#[derive(Debug, Clone)]
pub struct Matcher {
    core: LabelMatcher,
    /// For `=` and `!=` on `le` and `quantile`: the value as a number.
    number: Option<f64>,
}

/// Where a selector is malformed and what was expected there (`{}`:
/// `column 7: expected …`; `{:#}`: the selector with a caret under the
/// spot).
pub type SelectorError = SyntaxError;

// === impl Selector ===

impl Selector {
    /// Parses a selector; quotes may be `"`, `'` (both with Go escapes) or
    /// backticks (raw), label and metric names may be quoted the Prometheus
    /// 3 way. Ranges, offsets and functions are not selectors and are
    /// rejected.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        SelectorParser { s, i: 0 }.selector()
    }

    /// The metric name, when the selector names one (not through a
    /// `__name__` matcher).
    pub fn metric_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub fn matchers(&self) -> &[Matcher] {
        &self.matchers
    }

    /// Whether `sample`'s series is selected.
    pub fn matches(&self, sample: &Sample<'_>) -> bool {
        if let Some(name) = &self.name
            && sample.name != name.as_str()
        {
            return false;
        }
        self.matchers.iter().all(|m| {
            if m.name() == "__name__" {
                m.matches_value(&sample.name)
            } else {
                match sample.labels.get(m.name()) {
                    Some(v) => m.matches_value(&v),
                    None => m.matches_value(""),
                }
            }
        })
    }

    /// The sum of the values of all samples in `text` that match, or `None`
    /// when none does (no data is not zero).
    pub fn sum(&self, text: &str, format: Format) -> Result<Option<f64>, ParseError> {
        let mut sum = None;
        parse(text, format, |sample| {
            if self.matches(&sample) {
                *sum.get_or_insert(0.0) += sample.value;
            }
        })?;
        Ok(sum)
    }

    /// [`sum`](Self::sum) over samples parsed already, so one parse serves
    /// several selectors.
    pub fn sum_samples<'s, 'a: 's>(
        &self,
        samples: impl IntoIterator<Item = &'s Sample<'a>>,
    ) -> Option<f64> {
        samples
            .into_iter()
            .filter(|s| self.matches(s))
            .fold(None, |sum, s| Some(sum.unwrap_or(0.0) + s.value))
    }
}

impl FromStr for Selector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

impl fmt::Display for Selector {
    /// The canonical form: `name{a="x",b!="y"}`, double quotes, names
    /// quoted only when they must be; it parses back to the same selector.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = 0;
        match &self.name {
            Some(name) if is_legacy_metric_name(name) => {
                f.write_str(name)?;
                if self.matchers.is_empty() {
                    return Ok(());
                }
                f.write_char('{')?;
            }
            Some(name) => {
                f.write_char('{')?;
                write_quoted(f, name)?;
                items += 1;
            }
            None => f.write_char('{')?,
        }
        for m in &self.matchers {
            if items > 0 {
                f.write_char(',')?;
            }
            write!(f, "{m}")?;
            items += 1;
        }
        f.write_char('}')
    }
}

// === impl Matcher ===

impl Matcher {
    pub fn name(&self) -> &str {
        self.core.name()
    }

    pub fn op(&self) -> MatchOp {
        self.core.op()
    }

    /// The value as written (the regex source for `=~` and `!~`).
    pub fn value(&self) -> &str {
        self.core.value()
    }

    /// Whether a label value (empty when the label is missing) passes.
    pub fn matches_value(&self, v: &str) -> bool {
        let numerically_equal = || self.number.is_some_and(|n| parse_float(v) == Some(n));
        match self.op() {
            MatchOp::Equal => self.core.matches_value(v) || numerically_equal(),
            MatchOp::NotEqual => self.core.matches_value(v) && !numerically_equal(),
            MatchOp::Regex | MatchOp::NotRegex => self.core.matches_value(v),
        }
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.core == other.core
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_legacy_label_name(self.name()) {
            f.write_str(self.name())?;
        } else {
            write_quoted(f, self.name())?;
        }
        write!(f, "{}", self.op())?;
        write_quoted(f, self.value())
    }
}

/// A PromQL double-quoted string: `\\`, `\"` and control characters
/// escaped Go-style, so it reads back the same.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '"' => f.write_str("\\\"")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

// === parsing ===

struct SelectorParser<'s> {
    s: &'s str,
    /// Byte offset of the next character.
    i: usize,
}

impl SelectorParser<'_> {
    fn selector(mut self) -> Result<Selector, SelectorError> {
        self.ws();
        let mut name = None;
        if self
            .peek()
            .is_some_and(|c| c.is_ascii() && is_name_start(c as u8))
        {
            let start = self.i;
            while self
                .peek()
                .is_some_and(|c| c.is_ascii() && is_name_char(c as u8))
            {
                self.i += 1;
            }
            name = Some(self.s[start..self.i].to_string());
            self.ws();
        }
        let named_before = name.is_some();
        let mut matchers = Vec::new();
        let braces_at = self.i;
        if self.peek() == Some('{') {
            self.i += 1;
            self.items(&mut name, named_before, &mut matchers)?;
        } else if name.is_none() {
            return Err(self.expected(self.i, "metric name or '{'"));
        }
        self.ws();
        if self.i < self.s.len() {
            return Err(self.expected(self.i, "end of selector"));
        }
        if name.is_none() && matchers.iter().all(|m| m.matches_value("")) {
            return Err(self.error(
                braces_at,
                "a selector needs a metric name or a matcher that does not match the empty string",
            ));
        }
        Ok(Selector { name, matchers })
    }

    /// The inside of `{...}`, up to and including `}`.
    fn items(
        &mut self,
        name: &mut Option<String>,
        named_before: bool,
        matchers: &mut Vec<Matcher>,
    ) -> Result<(), SelectorError> {
        loop {
            self.ws();
            let at = self.i;
            let (label, quoted) = match self.peek() {
                Some('}') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        self.i += 1;
                    }
                    (self.s[at..self.i].to_string(), false)
                }
                Some('"' | '\'' | '`') => (self.string()?, true),
                _ => return Err(self.expected(at, "label name or '}'")),
            };
            self.ws();
            let rest = &self.s[self.i..];
            let op = [
                ("!=", MatchOp::NotEqual),
                ("!~", MatchOp::NotRegex),
                ("=~", MatchOp::Regex),
                ("=", MatchOp::Equal),
            ]
            .into_iter()
            .find(|(token, _)| rest.starts_with(token));
            if let Some((token, op)) = op {
                if label.is_empty() {
                    return Err(self.error(at, "empty label name"));
                }
                if label == "__name__" && name.is_some() {
                    return Err(self.error(at, "metric name set twice"));
                }
                self.i += token.len();
                self.ws();
                let value_at = self.i;
                if !matches!(self.peek(), Some('"' | '\'' | '`')) {
                    return Err(
                        self.expected(value_at, &format!("quoted value for label \"{label}\""))
                    );
                }
                let value = self.string()?;
                matchers.push(self.matcher(label, op, value, value_at)?);
            } else if quoted {
                if named_before || name.is_some() || matchers.iter().any(|m| m.name() == "__name__")
                {
                    return Err(self.error(at, "metric name set twice"));
                }
                if label.is_empty() {
                    return Err(self.error(at, "empty metric name"));
                }
                *name = Some(label);
            } else {
                return Err(self.expected(
                    self.i,
                    &format!("'=', '!=', '=~' or '!~' after label name \"{label}\""),
                ));
            }
            self.ws();
            match self.peek() {
                Some(',') => self.i += 1,
                Some('}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.expected(self.i, "',' or '}'")),
            }
        }
    }

    fn matcher(
        &self,
        name: String,
        op: MatchOp,
        value: String,
        value_at: usize,
    ) -> Result<Matcher, SelectorError> {
        let number = match op {
            MatchOp::Equal | MatchOp::NotEqual if name == "le" || name == "quantile" => {
                parse_float(&value)
            }
            _ => None,
        };
        let core =
            LabelMatcher::new(name, op, value.as_str(), Dialect::Prometheus).map_err(|e| {
                self.error(
                    value_at,
                    format!(
                        "invalid regular expression \"{value}\": {}",
                        regex_reason(&e)
                    ),
                )
            })?;
        Ok(Matcher { core, number })
    }

    /// A quoted string starting at the current quote, unescaped.
    fn string(&mut self) -> Result<String, SelectorError> {
        let start = self.i;
        let Some(quote) = self.peek() else {
            return Err(self.expected(start, "quoted string"));
        };
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error(start, "unterminated quoted string"));
            };
            let at = self.i;
            self.i += c.len_utf8();
            match c {
                c if c == quote => return Ok(out),
                '\n' if quote != '`' => {
                    return Err(self.error(start, "unterminated quoted string"));
                }
                '\\' if quote != '`' => out.push(self.escape(quote, at)?),
                c => out.push(c),
            }
        }
    }

    /// The character a Go-style escape after the backslash at `at` stands for.
    fn escape(&mut self, quote: char, at: usize) -> Result<char, SelectorError> {
        let Some(c) = self.peek() else {
            return Err(self.error(at, "unterminated quoted string"));
        };
        self.i += c.len_utf8();
        let simple = match c {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' => Some('\\'),
            c if c == quote => Some(c),
            _ => None,
        };
        if let Some(c) = simple {
            return Ok(c);
        }
        let (digits, radix) = match c {
            '0'..='7' => {
                self.i -= 1;
                (3, 8)
            }
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            _ => {
                return Err(self.error(at, format!("unknown escape sequence \"\\{c}\"")));
            }
        };
        let end = self.i + digits;
        let code = self
            .s
            .get(self.i..end)
            .filter(|d| d.chars().all(|c| c.is_digit(radix)))
            .and_then(|d| u32::from_str_radix(d, radix).ok());
        let Some(code) = code else {
            return Err(self.error(at, format!("expected {digits} digits after \"\\{c}\"")));
        };
        self.i = end;
        // Octal and \x escapes are bytes in Go; only ASCII ones are whole
        // characters in a Rust string.
        let byte_escape = matches!(c, '0'..='7' | 'x');
        match char::from_u32(code) {
            Some(ch) if !byte_escape || ch.is_ascii() => Ok(ch),
            _ => Err(self.error(
                at,
                format!("escape \"{}\" is not a valid character", &self.s[at..end]),
            )),
        }
    }

    fn ws(&mut self) {
        while self
            .peek()
            .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn error(&self, at: usize, message: impl Into<String>) -> SelectorError {
        SyntaxError::at(self.s, at, message)
    }

    fn expected(&self, at: usize, what: &str) -> SelectorError {
        let found = match self.s[at..].chars().next() {
            Some(c) => format!("{c:?}"),
            None => "end of input".to_string(),
        };
        self.error(at, format!("expected {what}, found {found}"))
    }
}
