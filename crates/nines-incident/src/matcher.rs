//! Label matchers in Alertmanager's syntax — `name="value"`,
//! `name!="value"`, `name=~"regex"`, `name!~"regex"` — as routes,
//! silences and inhibit rules use them, so matchers copied from an
//! Alertmanager config mean the same here.
//!
//! As in Alertmanager: regexes are anchored at both ends (`=~"db.*"` does
//! not match `mydb1`); a missing label reads as the empty string, so
//! `team=""` matches alerts without a `team` label and `team!=""` requires
//! one. Values may be quoted (with `\"`, `\\`, `\n` escapes) or bare.
//!
//! The syntax is read here; matching is nines-expo's label-matcher core
//! (the one series selectors use) in its Alertmanager dialect, and errors
//! are its caret-style [`SyntaxError`]. Unlike Alertmanager, a regex must
//! be one on its own: `=~"a)|(b"` is an error, where Alertmanager's
//! wrapping `^(?:a)|(b)$` would match anything starting with `a`.

use std::fmt;
use std::str::FromStr;

use nines_expo::matcher::{Dialect, LabelMatcher};
use nines_expo::syntax::SyntaxError;

use crate::alert::Labels;

/// The operators, shared with series selectors (nines-expo's core).
pub use nines_expo::matcher::MatchOp;

/// One condition on one label: nines-expo's matcher core in
/// Alertmanager's dialect (`.` stops at a line feed), read and printed in
/// Alertmanager's syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher(LabelMatcher);

/// Why a matcher does not parse, and where: `{}` is
/// `column 5: expected an operator: …`, `{:#}` (or
/// [`render`](SyntaxError::render)) the input with a caret under the spot.
pub type MatcherError = SyntaxError;

impl Matcher {
    /// A matcher from its parts; fails only for an invalid regex.
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, regex::Error> {
        LabelMatcher::new(name, op, value, Dialect::Alertmanager).map(Matcher)
    }

    /// Parses one matcher, e.g. `severity=~"critical|error"`.
    pub fn parse(input: &str) -> Result<Matcher, MatcherError> {
        let mut parser = Parser { input, pos: 0 };
        parser.skip_whitespace();
        let matcher = parser.matcher(false)?;
        parser.skip_whitespace();
        if parser.pos < input.len() {
            return Err(parser.error_at(parser.pos, "unexpected text after the matcher"));
        }
        Ok(matcher)
    }

    /// The label name.
    pub fn name(&self) -> &str {
        self.0.name()
    }

    pub fn op(&self) -> MatchOp {
        self.0.op()
    }

    /// The value or, for `=~`/`!~`, the regex as written (unanchored).
    pub fn value(&self) -> &str {
        self.0.value()
    }

    /// Whether the labels satisfy this matcher (a missing label is `""`).
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(self.name()).map_or("", String::as_str);
        self.0.matches_value(value)
    }
}

/// Whether every matcher matches (true for none).
pub fn matches_all(matchers: &[Matcher], labels: &Labels) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

impl FromStr for Matcher {
    type Err = MatcherError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Matcher::parse(s)
    }
}

impl fmt::Display for Matcher {
    /// Prints the matcher so that it parses back to itself:
    /// `name="value"`, quoting the name too when it is not a plain
    /// label name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_plain_name(self.name()) {
            f.write_str(self.name())?;
        } else {
            f.write_str(&quote(self.name()))?;
        }
        write!(f, "{}{}", self.op(), quote(self.value()))
    }
}

/// Whether a label name can be written without quotes.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// `"text"` with `\`, `"`, newlines and tabs escaped, as the parser reads
/// them back.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses a list of matchers as Alertmanager's `matchers:` and amtool
/// write them: comma-separated, optionally in braces
/// (`{alertname="Up", severity=~"critical|error"}`), a trailing comma
/// allowed. An empty list matches everything.
pub fn parse_matchers(input: &str) -> Result<Vec<Matcher>, MatcherError> {
    let mut parser = Parser { input, pos: 0 };
    parser.skip_whitespace();
    let braced = parser.eat('{');
    let mut matchers = Vec::new();
    loop {
        parser.skip_whitespace();
        match parser.peek() {
            None if braced => return Err(parser.error_at(parser.pos, "expected '}'")),
            None => break,
            Some('}') if braced => {
                parser.pos += 1;
                parser.skip_whitespace();
                if parser.pos < input.len() {
                    return Err(parser.error_at(parser.pos, "unexpected text after '}'"));
                }
                break;
            }
            Some(_) => {}
        }
        matchers.push(parser.matcher(true)?);
        parser.skip_whitespace();
        match parser.peek() {
            Some(',') => parser.pos += 1,
            None | Some('}') => {}
            Some(_) => {
                return Err(parser.error_at(parser.pos, "expected ',' between matchers"));
            }
        }
    }
    Ok(matchers)
}

/// The input and a byte offset into it, always on a character boundary.
struct Parser<'a> {
    input: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> MatcherError {
        SyntaxError::at(self.input, pos, message)
    }

    /// `name op value`; in a list, a bare value ends at `,` or `}`.
    fn matcher(&mut self, in_list: bool) -> Result<Matcher, MatcherError> {
        let name = self.name()?;
        self.skip_whitespace();
        let op_at = self.pos;
        let op = if self.rest().starts_with("=~") {
            MatchOp::Regex
        } else if self.rest().starts_with("!~") {
            MatchOp::NotRegex
        } else if self.rest().starts_with("!=") {
            MatchOp::NotEqual
        } else if self.rest().starts_with('=') {
            MatchOp::Equal
        } else {
            return Err(self.error_at(op_at, "expected an operator: =, !=, =~ or !~"));
        };
        self.pos += op.as_str().len();
        self.skip_whitespace();
        let value_at = self.pos;
        let value = match self.peek() {
            Some('"') => self.quoted()?,
            Some(c @ ('=' | '~')) => {
                return Err(self.error_at(
                    value_at,
                    format!("unexpected {c:?}; quote a value that starts with it"),
                ));
            }
            _ => self.bare(in_list)?,
        };
        Matcher::new(&name, op, &value).map_err(|e| {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("invalid regex").trim();
            self.error_at(value_at, format!("invalid regex: {last}"))
        })
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, or a quoted name for labels outside that
    /// set (as Alertmanager's UTF-8 mode allows).
    fn name(&mut self) -> Result<String, MatcherError> {
        if self.peek() == Some('"') {
            let at = self.pos;
            let name = self.quoted()?;
            if name.is_empty() {
                return Err(self.error_at(at, "the label name is empty"));
            }
            return Ok(name);
        }
        let start = self.pos;
        let len = self
            .rest()
            .char_indices()
            .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
            .map_or(self.rest().len(), |(i, _)| i);
        if len == 0 {
            return Err(self.error_at(
                start,
                "expected a label name (letters, digits and _, not starting with a digit)",
            ));
        }
        self.pos += len;
        Ok(self.input[start..self.pos].to_string())
    }

    /// A double-quoted string with `\"`, `\\`, `\n`, `\t` escapes.
    fn quoted(&mut self) -> Result<String, MatcherError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error_at(open, "unterminated quoted string"));
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error_at(open, "unterminated quoted string"));
                    };
                    self.pos += e.len_utf8();
                    match e {
                        '"' | '\\' => out.push(e),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        _ => {
                            return Err(self.error_at(
                                at,
                                format!("unknown escape \\{e} (use \\\", \\\\, \\n or \\t)"),
                            ));
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    /// An unquoted value: the rest of the input, or in a list up to the
    /// next `,` or `}`; surrounding whitespace is not part of it.
    /// A quote inside a bare value is an error: the value was probably
    /// meant to be quoted.
    fn bare(&mut self, in_list: bool) -> Result<String, MatcherError> {
        let rest = self.rest();
        let len = if in_list {
            rest.find([',', '}']).unwrap_or(rest.len())
        } else {
            rest.len()
        };
        let value = rest[..len].trim_end().to_string();
        if let Some(quote_at) = value.find('"') {
            return Err(self.error_at(
                self.pos + quote_at,
                "unexpected '\"'; quote the whole value",
            ));
        }
        self.pos += value.len();
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::tests::labels;

    #[test]
    fn operators_and_anchoring() {
        let l = labels(&[("service", "mydb1"), ("severity", "critical")]);
        assert!(
            Matcher::parse(r#"severity="critical""#)
                .unwrap()
                .matches(&l)
        );
        assert!(Matcher::parse(r#"severity!="info""#).unwrap().matches(&l));
        assert!(!Matcher::parse(r#"service=~"db.*""#).unwrap().matches(&l));
        assert!(Matcher::parse(r#"service=~".*db.*""#).unwrap().matches(&l));
        assert!(Matcher::parse(r#"service!~"db.*""#).unwrap().matches(&l));
        assert!(Matcher::parse(r#"team="""#).unwrap().matches(&l));
        assert!(!Matcher::parse(r#"team!="""#).unwrap().matches(&l));
        assert!(Matcher::parse("severity = critical").unwrap().matches(&l));
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = Matcher::parse(r#"severity=="x""#).unwrap_err();
        assert_eq!(e.column, 10, "{e}");
        let e = Matcher::parse(r#"1abc="x""#).unwrap_err();
        assert_eq!(e.column, 1);
        let e = Matcher::parse(r#"job=~"(unclosed""#).unwrap_err();
        assert_eq!(e.column, 6);
        assert!(e.message.starts_with("invalid regex"), "{}", e.message);
        let e = Matcher::parse(r#"job > "x""#).unwrap_err();
        assert_eq!(e.column, 5);
        assert_eq!(
            e.render(),
            "job > \"x\"\n    ^ expected an operator: =, !=, =~ or !~"
        );
        let e = Matcher::parse(r#"job="x"#).unwrap_err();
        assert_eq!(
            (e.column, e.message.as_str()),
            (5, "unterminated quoted string")
        );
    }

    #[test]
    fn a_regex_that_would_escape_its_anchors_is_an_error() {
        let e = Matcher::parse(r#"job=~"a)|(b""#).unwrap_err();
        assert_eq!(e.column, 6);
        assert_eq!(e.message, "invalid regex: error: unopened group");
    }

    #[test]
    fn lists() {
        let ms = parse_matchers(r#"{alertname="Up", severity=~"critical|error",}"#).unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[1].to_string(), r#"severity=~"critical|error""#);
        assert!(parse_matchers("{}").unwrap().is_empty());
        assert!(parse_matchers("").unwrap().is_empty());
        let ms = parse_matchers("a=b, c!=d").unwrap();
        assert_eq!(ms[0].value(), "b");
        assert_eq!(ms[1].value(), "d");
        let e = parse_matchers(r#"{a="b""#).unwrap_err();
        assert_eq!(e.column, 7);
    }

    #[test]
    fn display_round_trips_escapes() {
        let m = Matcher::new("msg", MatchOp::Equal, "say \"hi\"\\\n").unwrap();
        assert_eq!(Matcher::parse(&m.to_string()).unwrap(), m);
    }
}
