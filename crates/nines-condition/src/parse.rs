//! Reading a condition: a recursive-descent parser over the characters of
//! the input. The left side and the operator are tokens; the right side,
//! as in Gatus, is either a function (`pat(…)`, `any(…)`, `len(…)`,
//! `has(…)`), another placeholder, or bare text up to the end.
//!
//! Besides the grammar it rejects values the left side can never equal
//! (`[STATUS] == OK`, `[DNS_RCODE] == NOERORR`): Gatus would accept them and
//! fail every probe run; here the config check names the mistake.

use std::net::IpAddr;
use std::str::FromStr;

use nines_expo::syntax::SyntaxError;

use crate::condition::{Condition, Function, Operand, Operator, Placeholder, Right, Segment};
use crate::literal::{
    Num, dns_rcode_names, is_dns_rcode_name, nearest, parse_number, parse_number_or_duration,
};

/// Why a condition does not parse, and where: nines-expo's caret-style
/// syntax error, the one selectors and label matchers report too. `{}`
/// is `column 10: expected an operator …`; `{:#}` (or
/// [`render`](SyntaxError::render)) the input with a caret under the
/// column, then the message:
///
/// ```text
/// [STATUS] =< 200
///          ^ expected an operator (==, !=, <, <=, >, >=)
/// ```
pub type ConditionError = SyntaxError;

/// Placeholders Gatus has that nines does not provide, named so the error
/// says "not supported" rather than "unknown".
const GATUS_ONLY: [&str; 2] = ["[HEADER]", "[CONTEXT]"];

const OPERATORS: &str = "(==, !=, <, <=, >, >=)";

impl Condition {
    /// Parses a condition in Gatus' syntax, e.g. `[STATUS] == 200` or
    /// `[BODY].data[0].id == 1`.
    pub fn parse(input: &str) -> Result<Condition, ConditionError> {
        Parser { input, pos: 0 }.condition()
    }
}

impl FromStr for Condition {
    type Err = ConditionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Condition::parse(s)
    }
}

/// The input and a byte offset into it, always on a character boundary.
struct Parser<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn condition(&mut self) -> Result<Condition, ConditionError> {
        self.skip_whitespace();
        if self.rest().is_empty() {
            return Err(self.error_at(self.pos, "expected a condition such as [STATUS] == 200"));
        }
        let left = self.operand()?;
        self.skip_whitespace();
        let operator_at = self.pos;
        let operator = self.operator()?;
        if operator.is_ordering() {
            self.check_numeric(&left, operator, operator_at)?;
        }
        self.skip_whitespace();
        let right = self.right(&left, operator)?;
        Ok(Condition {
            left,
            operator,
            right,
        })
    }

    /// `[NAME]path`, `len([NAME]path)` or `has([NAME]path)`.
    fn operand(&mut self) -> Result<Operand, ConditionError> {
        match self.peek() {
            Some('[') => {
                let (placeholder, path) = self.placeholder()?;
                Ok(Operand {
                    function: None,
                    placeholder,
                    path,
                })
            }
            Some(c) if c.is_alphabetic() => self.call(),
            _ => Err(self.error_at(
                self.pos,
                "expected a placeholder such as [STATUS] or [BODY].status, or len(…) or has(…)",
            )),
        }
    }

    /// `len(…)` or `has(…)` around `[BODY]` or a `[BODY]` path; a bare word
    /// (`STATUS == 200`) is a placeholder without its brackets.
    fn call(&mut self) -> Result<Operand, ConditionError> {
        let start = self.pos;
        let name = self.take_while(|c| c.is_alphanumeric() || c == '_');
        if self.peek() != Some('(') {
            let hint = nearest(
                &format!("[{name}]"),
                Placeholder::ALL.map(Placeholder::as_str),
            )
            .map(|n| format!("; did you mean {n}?"))
            .unwrap_or_default();
            return Err(self.error_at(
                start,
                format!("expected a placeholder such as [STATUS] or [BODY].status, or len(…) or has(…){hint}"),
            ));
        }
        let function = match name {
            "len" => Function::Len,
            "has" => Function::Has,
            "pat" | "any" => {
                return Err(self.error_at(
                    start,
                    format!(
                        "{name}() belongs on the right of == or !=, e.g. [BODY].status == {name}(…)"
                    ),
                ));
            }
            "age" => return Err(self.error_at(start, "age() is not supported")),
            _ => {
                return Err(self.error_at(
                    start,
                    format!("unknown function {name}(); known: len(), has()"),
                ));
            }
        };
        self.bump(); // `(`
        self.skip_whitespace();
        let placeholder_at = self.pos;
        if self.peek() != Some('[') {
            return Err(self.error_at(
                placeholder_at,
                format!("expected [BODY] or a [BODY] path inside {function}()"),
            ));
        }
        let (placeholder, path) = self.placeholder()?;
        if placeholder != Placeholder::Body {
            return Err(self.error_at(
                placeholder_at,
                format!("{function}() works only on [BODY] and its paths, not {placeholder}"),
            ));
        }
        self.skip_whitespace();
        if self.peek() != Some(')') {
            return Err(self.error_at(self.pos, format!("expected ) to close {function}(")));
        }
        self.bump();
        Ok(Operand {
            function: Some(function),
            placeholder,
            path,
        })
    }

    /// `[NAME]` and, after `[BODY]`, its path.
    fn placeholder(&mut self) -> Result<(Placeholder, Vec<Segment>), ConditionError> {
        let start = self.pos;
        self.bump(); // `[`
        self.take_while(|c| !(c.is_whitespace() || c.is_control() || c == '[' || c == ']'));
        if self.peek() != Some(']') {
            let name = &self.input[start..self.pos];
            return Err(self.error_at(self.pos, format!("expected ] to close {name}")));
        }
        self.bump();
        let name = &self.input[start..self.pos];
        let Some(placeholder) = Placeholder::from_name(name) else {
            return Err(self.error_at(start, unknown_placeholder(name)));
        };
        let mut path = Vec::new();
        loop {
            let at = self.pos;
            match self.peek() {
                Some('.' | '[') if placeholder != Placeholder::Body => {
                    return Err(self.error_at(
                        at,
                        format!("only [BODY] takes a path; {placeholder} has none"),
                    ));
                }
                Some('.') => {
                    self.bump();
                    let key = self.take_while(is_key_char);
                    if key.is_empty() {
                        return Err(self.error_at(self.pos, "expected a key after ."));
                    }
                    path.push(Segment::Key(key.to_owned()));
                }
                Some('[') => {
                    self.bump();
                    let digits_at = self.pos;
                    let digits = self.take_while(|c| c.is_ascii_digit());
                    if digits.is_empty() {
                        let message = if self.peek() == Some('*') {
                            "[*] (every element) is not supported; use an index such as [0]"
                        } else {
                            "expected an array index such as [0]"
                        };
                        return Err(self.error_at(digits_at, message));
                    }
                    let Ok(index) = digits.parse() else {
                        return Err(self.error_at(digits_at, "array index too large"));
                    };
                    if self.peek() != Some(']') {
                        return Err(self.error_at(self.pos, "expected ] to close the array index"));
                    }
                    self.bump();
                    path.push(Segment::Index(index));
                }
                _ => return Ok((placeholder, path)),
            }
        }
    }

    fn operator(&mut self) -> Result<Operator, ConditionError> {
        let rest = self.rest();
        let (operator, len) = if rest.starts_with("==") {
            (Operator::Eq, 2)
        } else if rest.starts_with("!=") {
            (Operator::Ne, 2)
        } else if rest.starts_with("<=") {
            (Operator::Le, 2)
        } else if rest.starts_with(">=") {
            (Operator::Ge, 2)
        } else if rest.starts_with('<') {
            (Operator::Lt, 1)
        } else if rest.starts_with('>') {
            (Operator::Gt, 1)
        } else {
            return Err(self.error_at(self.pos, format!("expected an operator {OPERATORS}")));
        };
        self.pos += len;
        Ok(operator)
    }

    /// Everything after the operator.
    fn right(&mut self, left: &Operand, operator: Operator) -> Result<Right, ConditionError> {
        let start = self.pos;
        let rest = self.rest().trim_end();
        let end = start + rest.len();
        if rest.is_empty() {
            return Err(self.error_at(start, format!("expected a value after {operator}")));
        }
        for function in ["pat(", "any("] {
            if !rest.starts_with(function) {
                continue;
            }
            let name = &function[..3];
            if operator.is_ordering() {
                return Err(self.error_at(start, format!("{name}() works only with == and !=")));
            }
            let Some(inner) = rest[function.len()..].strip_suffix(')') else {
                return Err(
                    self.error_at(end, format!("expected ) to close {function} at the end"))
                );
            };
            if name == "pat" {
                return Ok(Right::Pattern(inner.to_owned()));
            }
            let mut values = Vec::new();
            let mut item_at = start + function.len();
            for item in inner.split(',') {
                let trimmed = item.trim();
                let value_at = item_at + (item.len() - item.trim_start().len());
                if trimmed.is_empty() {
                    return Err(self.error_at(value_at, "expected a value in any(), found none"));
                }
                self.check_literal(left, operator, trimmed, value_at)?;
                values.push(trimmed.to_owned());
                item_at += item.len() + 1;
            }
            return Ok(Right::Any(values));
        }
        if rest.starts_with("len(") || rest.starts_with("has(") || looks_like_placeholder(rest) {
            let right = self.operand()?;
            if operator.is_ordering() {
                self.check_numeric(&right, operator, start)?;
            }
            self.skip_whitespace();
            if !self.rest().is_empty() {
                return Err(self.error_at(self.pos, format!("unexpected text after {right}")));
            }
            return Ok(Right::Operand(right));
        }
        self.check_literal(left, operator, rest, start)?;
        self.pos = end;
        Ok(Right::Literal(rest.to_owned()))
    }

    /// Ordering operators compare numbers: reject an operand that is never
    /// one, pointing at `at`.
    fn check_numeric(
        &self,
        operand: &Operand,
        operator: Operator,
        at: usize,
    ) -> Result<(), ConditionError> {
        if Kind::of(operand).is_numeric() {
            return Ok(());
        }
        Err(self.error_at(
            at,
            format!("{operator} compares numbers and {operand} is not one; use == or !="),
        ))
    }

    /// Rejects a literal the left side can never equal or be compared with.
    fn check_literal(
        &self,
        left: &Operand,
        operator: Operator,
        text: &str,
        at: usize,
    ) -> Result<(), ConditionError> {
        let number = || parse_number(text).is_some();
        let number_or_duration = || parse_number_or_duration(text).is_some();
        let (valid, expected) = match Kind::of(left) {
            Kind::Status => (
                matches!(parse_number(text), Some(Num::Int(_))),
                "a status code such as 200",
            ),
            Kind::Millis => (
                number_or_duration(),
                "milliseconds or a duration such as 300 or 1s",
            ),
            Kind::Expiry => (number_or_duration(), "a duration such as 48h or 7d"),
            Kind::Length => (number(), "a number"),
            Kind::Text if operator.is_ordering() => (
                number_or_duration(),
                "a number or a duration to compare with",
            ),
            Kind::Text => (true, ""),
            Kind::Ip => (
                text.parse::<IpAddr>().is_ok(),
                "an IP address such as 127.0.0.1",
            ),
            Kind::Bool => (matches!(text, "true" | "false"), "true or false"),
            Kind::Rcode => (
                is_dns_rcode_name(text),
                "a DNS response code such as NOERROR or NXDOMAIN",
            ),
        };
        if valid {
            return Ok(());
        }
        let hint = match Kind::of(left) {
            Kind::Rcode => nearest(text, dns_rcode_names())
                .map(|n| format!("; did you mean {n}?"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let found: String = text.chars().flat_map(char::escape_debug).collect();
        let found = if found == text {
            format!("`{text}`")
        } else {
            format!("\"{found}\"")
        };
        Err(self.error_at(at, format!("expected {expected}, found {found}{hint}")))
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_whitespace(&mut self) {
        self.take_while(char::is_whitespace);
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !keep(c))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.input[start..self.pos]
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> ConditionError {
        SyntaxError::at(self.input, pos, message)
    }
}

/// Characters a `[BODY]` path key may hold: not those that end the key or
/// start the operator, nor control characters (they would garble errors).
fn is_key_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || ".[]()=!<>".contains(c))
}

/// Whether the right side starts like a placeholder (`[STATUS]`, also
/// `[status]` so the error can say so) rather than text such as `[1, 2]`.
fn looks_like_placeholder(rest: &str) -> bool {
    let Some((name, _)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) else {
        return false;
    };
    let upper = !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    upper
        || Placeholder::ALL
            .iter()
            .any(|p| p.as_str()[1..p.as_str().len() - 1].eq_ignore_ascii_case(name))
}

fn unknown_placeholder(name: &str) -> String {
    let known: Vec<&str> = Placeholder::ALL.iter().map(|p| p.as_str()).collect();
    if GATUS_ONLY.contains(&name) {
        return format!(
            "{name} is a Gatus placeholder nines does not support; known: {}",
            known.join(", ")
        );
    }
    if let Some(upper) = Placeholder::from_name(&name.to_uppercase()) {
        return format!("placeholder names are upper case: did you mean {upper}?");
    }
    let hint = nearest(name, known.iter().copied())
        .map(|n| format!("; did you mean {n}?"))
        .unwrap_or_default();
    format!(
        "unknown placeholder {name}{hint} (known: {})",
        known.join(", ")
    )
}

/// What a side holds, for checking the other side and the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Millis,
    Expiry,
    Length,
    Text,
    Ip,
    Bool,
    Rcode,
}

impl Kind {
    fn of(operand: &Operand) -> Kind {
        match operand.function {
            Some(Function::Len) => Kind::Length,
            Some(Function::Has) => Kind::Bool,
            None => match operand.placeholder {
                Placeholder::Status => Kind::Status,
                Placeholder::ResponseTime => Kind::Millis,
                Placeholder::CertificateExpiration | Placeholder::DomainExpiration => Kind::Expiry,
                Placeholder::Body => Kind::Text,
                Placeholder::Ip => Kind::Ip,
                Placeholder::Connected => Kind::Bool,
                Placeholder::DnsRcode => Kind::Rcode,
            },
        }
    }

    fn is_numeric(self) -> bool {
        matches!(
            self,
            Kind::Status | Kind::Millis | Kind::Expiry | Kind::Length | Kind::Text
        )
    }
}
