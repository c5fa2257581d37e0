//! The label-matcher core: `name op value` with the four operators
//! Prometheus and Alertmanager share (`=`, `!=`, `=~`, `!~`), regexes
//! anchored at both ends. Series selectors here and nines-incident's
//! Alertmanager-style matchers (routes, silences, inhibit rules) parse
//! their own syntax and match through this one type, so `=~` means the
//! same in a selector, a route and a silence.

use std::fmt;

use regex::Regex;

/// How a matcher compares a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regex,
    /// `!~`
    NotRegex,
}

impl MatchOp {
    /// All four, in the order the docs list them.
    pub const ALL: [MatchOp; 4] = [
        MatchOp::Equal,
        MatchOp::NotEqual,
        MatchOp::Regex,
        MatchOp::NotRegex,
    ];

    /// The operator as written: `=`, `!=`, `=~`, `!~`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    /// Whether the value is a regex (`=~`, `!~`).
    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Regex | MatchOp::NotRegex)
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whose regex semantics a matcher follows. They differ in one thing,
/// and matchers copied from either tool must keep meaning what they meant
/// there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// PromQL: anchored as `^(?s:re)$`, so `.` matches a line feed too.
    Prometheus,
    /// Alertmanager: anchored as `^(?:re)$`, so `.` stops at a line feed.
    Alertmanager,
}

/// One condition on one label: its name, the operator and the value (for
/// `=~` and `!~`, the regex as written, compiled once here).
///
/// A missing label reads as the empty value in both dialects, so callers
/// pass `""` for it: `team=""` matches a series or alert without `team`,
/// and `team!=""` requires one.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    name: String,
    op: MatchOp,
    value: String,
    dialect: Dialect,
    /// For `=~` and `!~`: the value, anchored. `None` exactly for `=`
    /// and `!=` (the constructor keeps it so).
    regex: Option<Regex>,
}

impl LabelMatcher {
    /// A matcher from its parts; fails only when `value` is not a regex
    /// for `=~` or `!~`.
    ///
    /// The value must be a regex on its own, not just once wrapped:
    /// `a)|(b` would otherwise close the anchoring group and match `a` at
    /// the start or `b` at the end of anything.
    pub fn new(
        name: impl Into<String>,
        op: MatchOp,
        value: impl Into<String>,
        dialect: Dialect,
    ) -> Result<LabelMatcher, regex::Error> {
        let value = value.into();
        let regex = if op.is_regex() {
            Regex::new(&value)?;
            let flags = match dialect {
                Dialect::Prometheus => "?s:",
                Dialect::Alertmanager => "?:",
            };
            Some(Regex::new(&format!("^({flags}{value})$"))?)
        } else {
            None
        };
        Ok(LabelMatcher {
            name: name.into(),
            op,
            value,
            dialect,
            regex,
        })
    }

    /// The label name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn op(&self) -> MatchOp {
        self.op
    }

    /// The value as written (the regex source, unanchored, for `=~` and
    /// `!~`).
    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether a label value passes (`""` for a missing label).
    pub fn matches_value(&self, v: &str) -> bool {
        match self.op {
            MatchOp::Equal => v == self.value,
            MatchOp::NotEqual => v != self.value,
            MatchOp::Regex => self.regex_matches(v),
            MatchOp::NotRegex => !self.regex_matches(v),
        }
    }

    fn regex_matches(&self, v: &str) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(v))
    }
}

/// Equal when written the same: name, operator, value and dialect (the
/// compiled regex follows from those).
impl PartialEq for LabelMatcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.op == other.op
            && self.value == other.value
            && self.dialect == other.dialect
    }
}

impl Eq for LabelMatcher {}

/// The one-line reason in a `regex` error: its `Display` is a multi-line
/// picture of the pattern, which would break a one-line message.
pub fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(text.lines().last().unwrap_or_default())
        .to_string()
}

#[cfg(test)]
mod tests;
