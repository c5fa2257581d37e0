//! The parsed form of a condition and its canonical text: `Display` prints
//! what `Condition::parse` reads back to an equal value.

use std::fmt;

/// A probe condition such as `[STATUS] == 200` or `len([BODY].items) > 0`.
///
/// Build one with [`Condition::parse`]; the fields are public so callers can
/// inspect a condition (which facts does it need?) and tests can generate
/// them. A hand-built condition round-trips through `Display` when it is one
/// `parse` could have produced: keys and literals as described on
/// [`Segment::Key`] and [`Right::Literal`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    pub left: Operand,
    pub operator: Operator,
    pub right: Right,
}

/// A value the probe measured: a placeholder, for `[BODY]` optionally with a
/// JSON path, optionally wrapped in `len()` or `has()`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operand {
    pub function: Option<Function>,
    pub placeholder: Placeholder,
    /// Only `[BODY]` takes a path (`[BODY].data[0].id`); empty otherwise.
    pub path: Vec<Segment>,
}

/// A function applied to a `[BODY]` placeholder (Gatus allows them on
/// `[BODY]` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `len(…)`: elements of an array, keys of an object, characters of a
    /// string; for the whole body, its elements if it is a JSON array and its
    /// size in bytes otherwise.
    Len,
    /// `has(…)`: whether the path exists (and is not `null`), or for the
    /// whole body whether it is not blank.
    Has,
}

/// One step of a `[BODY]` JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// `.key`: a member of an object. Parsed keys are non-empty and contain
    /// no whitespace, control characters nor any of `. [ ] ( ) = ! < >`.
    Key(String),
    /// `[n]`: an element of an array, from 0.
    Index(usize),
}

/// The facts a probe run can provide, named as in Gatus. Case-sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placeholder {
    /// `[STATUS]`: the HTTP status code.
    Status,
    /// `[RESPONSE_TIME]`: how long the probe took, in milliseconds.
    ResponseTime,
    /// `[IP]`: the address the probe connected to.
    Ip,
    /// `[BODY]`: the response body; with a path, a value in its JSON.
    Body,
    /// `[CONNECTED]`: whether a connection was established (`true`/`false`).
    Connected,
    /// `[CERTIFICATE_EXPIRATION]`: time until the earliest certificate of
    /// the chain expires, compared against durations (`48h`) or milliseconds.
    CertificateExpiration,
    /// `[DOMAIN_EXPIRATION]`: time until the domain registration expires.
    DomainExpiration,
    /// `[DNS_RCODE]`: the DNS response code by name (`NOERROR`, `NXDOMAIN`…).
    DnsRcode,
}

impl Placeholder {
    /// Every placeholder, in the order error messages list them.
    pub const ALL: [Placeholder; 8] = [
        Placeholder::Status,
        Placeholder::ResponseTime,
        Placeholder::Ip,
        Placeholder::Body,
        Placeholder::Connected,
        Placeholder::CertificateExpiration,
        Placeholder::DomainExpiration,
        Placeholder::DnsRcode,
    ];

    /// The placeholder as written in a condition, brackets included.
    pub fn as_str(self) -> &'static str {
        match self {
            Placeholder::Status => "[STATUS]",
            Placeholder::ResponseTime => "[RESPONSE_TIME]",
            Placeholder::Ip => "[IP]",
            Placeholder::Body => "[BODY]",
            Placeholder::Connected => "[CONNECTED]",
            Placeholder::CertificateExpiration => "[CERTIFICATE_EXPIRATION]",
            Placeholder::DomainExpiration => "[DOMAIN_EXPIRATION]",
            Placeholder::DnsRcode => "[DNS_RCODE]",
        }
    }

    /// The placeholder written `[NAME]`, exactly (names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// What the fact is called in messages about it being missing.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Placeholder::Status => "HTTP status",
            Placeholder::ResponseTime => "response time",
            Placeholder::Ip => "IP address",
            Placeholder::Body => "body",
            Placeholder::Connected => "connection state",
            Placeholder::CertificateExpiration => "certificate expiration",
            Placeholder::DomainExpiration => "domain expiration",
            Placeholder::DnsRcode => "DNS response code",
        }
    }
}

/// How the two sides are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "==",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
        }
    }

    /// `<`, `<=`, `>`, `>=` compare numbers; `==` and `!=` compare anything.
    pub fn is_ordering(self) -> bool {
        !matches!(self, Operator::Eq | Operator::Ne)
    }
}

/// The right-hand side of a condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Right {
    /// Another measured value: `[BODY].min <= [BODY].max`.
    Operand(Operand),
    /// Bare text to the end of the condition, trimmed, compared as a number
    /// when both sides are numbers and as a string otherwise (`UP`, `200`,
    /// `48h`). Quotes are part of the text, as in Gatus. Parsed literals are
    /// non-empty, have no surrounding whitespace and do not start with
    /// `pat(`, `any(`, `len(`, `has(` or a bracketed name such as `[STATUS]`
    /// or `[NAME]` (text like `[1, 2]` is fine).
    Literal(String),
    /// `pat(…)`: the left side's text matches, `*` standing for any run of
    /// characters and `?` for one. Only with `==` and `!=`.
    Pattern(String),
    /// `any(a, b, …)`: the left side equals one of the values. Only with
    /// `==` and `!=`. Parsed values are non-empty, trimmed and comma-free.
    Any(Vec<String>),
}

// === impl Display ===

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.left, self.operator, self.right)
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(function) = self.function {
            write!(f, "{function}(")?;
        }
        f.write_str(self.placeholder.as_str())?;
        for segment in &self.path {
            write!(f, "{segment}")?;
        }
        if self.function.is_some() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Function::Len => "len",
            Function::Has => "has",
        })
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Key(key) => write!(f, ".{key}"),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Right::Operand(operand) => write!(f, "{operand}"),
            Right::Literal(text) => f.write_str(text),
            Right::Pattern(pattern) => write!(f, "pat({pattern})"),
            Right::Any(values) => write!(f, "any({})", values.join(", ")),
        }
    }
}

// === impl Condition ===

impl Condition {
    /// The placeholders this condition reads, left then right, so a probe
    /// can skip work no condition needs (reading the body, a WHOIS lookup).
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut used = vec![self.left.placeholder];
        if let Right::Operand(right) = &self.right
            && right.placeholder != self.left.placeholder
        {
            used.push(right.placeholder);
        }
        used
    }
}
