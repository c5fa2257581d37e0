//! Evaluating conditions against the facts of one probe run, with a
//! description of each result that shows the values the placeholders
//! resolved to, as Gatus does: `[STATUS] (503) == 200`.

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use serde_json::Value as Json;

use crate::condition::{Condition, Function, Operand, Operator, Placeholder, Right, Segment};
use crate::literal::{
    Num, dns_rcode_name, format_duration_ms, format_float, parse_number, parse_number_or_duration,
};
use crate::pattern;

/// What one probe run observed. `None` means the probe did not observe it
/// (a TCP probe has no status, a failed connection no body); a condition
/// on a missing fact fails and names the fact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// `[STATUS]`: the HTTP status code of the response.
    pub status: Option<u16>,
    /// `[RESPONSE_TIME]`: how long the probe took; conditions compare it in
    /// whole milliseconds.
    pub response_time: Option<Duration>,
    /// `[IP]`: the address the probe connected to.
    pub ip: Option<IpAddr>,
    /// `[BODY]`: the response body as received. Parsed as JSON at most once
    /// per evaluation, and only if a condition has a `[BODY]` path.
    pub body: Option<Vec<u8>>,
    /// `[CONNECTED]`: whether a connection was established.
    pub connected: Option<bool>,
    /// `[CERTIFICATE_EXPIRATION]`: milliseconds until the earliest
    /// certificate of the presented chain expires; negative once expired.
    pub certificate_expiration_ms: Option<i64>,
    /// `[DOMAIN_EXPIRATION]`: milliseconds until the domain registration
    /// expires; negative once expired.
    pub domain_expiration_ms: Option<i64>,
    /// `[DNS_RCODE]`: the response code of the DNS answer (0 = `NOERROR`);
    /// conditions compare its name, see [`crate::dns_rcode_name`].
    pub dns_rcode: Option<u16>,
}

/// The result of one condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the condition holds. A probe run succeeds when all hold.
    pub success: bool,
    /// The condition with each placeholder's value in parentheses, e.g.
    /// `[STATUS] (503) == 200` or `[BODY].status (DOWN) == UP`; a value
    /// that could not be resolved shows as `(INVALID)`, as in Gatus.
    pub description: String,
    /// Why the condition could not be judged at all (a missing fact, a body
    /// that is not JSON, a path that does not exist, a value that is not a
    /// number); `None` when it was judged, true or false.
    pub error: Option<String>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)?;
        if let Some(error) = &self.error {
            write!(f, ": {error}")?;
        }
        Ok(())
    }
}

impl Condition {
    /// Evaluates this condition alone. To evaluate several against the
    /// same facts, use [`evaluate_all`], which parses the body once.
    pub fn evaluate(&self, facts: &Facts) -> Outcome {
        Scope::new(facts).evaluate(self)
    }
}

/// Evaluates every condition against the same facts, in order, parsing a
/// JSON body at most once. The probe run succeeds when every outcome does.
pub fn evaluate_all<'c>(
    conditions: impl IntoIterator<Item = &'c Condition>,
    facts: &Facts,
) -> Vec<Outcome> {
    let scope = Scope::new(facts);
    conditions.into_iter().map(|c| scope.evaluate(c)).collect()
}

/// How long a resolved value may be in a description before it is cut.
/// Gatus cuts values compared with `pat()` at 25 characters; other values
/// are cut too here, so a whole body never floods a log line.
const SHOWN_WITH_PATTERN: usize = 25;
const SHOWN: usize = 100;

/// The facts of one evaluation and what is derived from them lazily.
struct Scope<'f> {
    facts: &'f Facts,
    /// The body parsed as JSON, or why it is not JSON.
    json: OnceCell<Result<Json, String>>,
    /// The body as text, trimmed, for `[BODY]` without a path.
    text: OnceCell<String>,
}

/// A placeholder resolved against the facts.
#[derive(Debug, Clone)]
enum Value {
    Num(Num),
    /// Milliseconds, printed as a duration (`48h`).
    Duration(i64),
    Text(String),
    Bool(bool),
}

// === impl Scope ===

impl<'f> Scope<'f> {
    fn new(facts: &'f Facts) -> Self {
        Scope {
            facts,
            json: OnceCell::new(),
            text: OnceCell::new(),
        }
    }

    fn evaluate(&self, condition: &Condition) -> Outcome {
        let left = self.resolve(&condition.left);
        let mut description = side(
            &condition.left,
            &left,
            match condition.right {
                Right::Pattern(_) => SHOWN_WITH_PATTERN,
                _ => SHOWN,
            },
        );
        description.push(' ');
        description.push_str(condition.operator.as_str());
        description.push(' ');
        let right = match &condition.right {
            Right::Operand(operand) => {
                let resolved = self.resolve(operand);
                description.push_str(&side(operand, &resolved, SHOWN));
                resolved.map(|value| {
                    let shown = format!("{operand} ({value})");
                    Other::Value(value, shown)
                })
            }
            Right::Literal(text) => {
                Ok(Other::Value(Value::Text(text.clone()), format!("`{text}`")))
            }
            Right::Pattern(pattern) => Ok(Other::Pattern(pattern)),
            Right::Any(values) => Ok(Other::Any(values)),
        };
        if !matches!(condition.right, Right::Operand(_)) {
            // Literals and functions show as written.
            description.push_str(&condition.right.to_string());
        }
        let judged = left.and_then(|left| {
            let right = right?;
            compare(&condition.left, &left, condition.operator, &right)
        });
        Outcome {
            success: judged == Ok(true),
            description,
            error: judged.err(),
        }
    }

    fn resolve(&self, operand: &Operand) -> Result<Value, String> {
        let placeholder = operand.placeholder;
        if placeholder != Placeholder::Body
            && (operand.function.is_some() || !operand.path.is_empty())
        {
            return Err(format!(
                "only [BODY] takes a path, len() or has(), not {placeholder}"
            ));
        }
        let missing = || format!("the probe recorded no {}", placeholder.noun());
        let facts = self.facts;
        match placeholder {
            Placeholder::Status => facts
                .status
                .map(|s| Value::Num(Num::Int(s.into())))
                .ok_or_else(missing),
            Placeholder::ResponseTime => facts
                .response_time
                .map(|d| Value::Num(Num::Int(i128::try_from(d.as_millis()).unwrap_or(i128::MAX))))
                .ok_or_else(missing),
            Placeholder::Ip => facts
                .ip
                .map(|ip| Value::Text(ip.to_string()))
                .ok_or_else(missing),
            Placeholder::Connected => facts.connected.map(Value::Bool).ok_or_else(missing),
            Placeholder::CertificateExpiration => facts
                .certificate_expiration_ms
                .map(Value::Duration)
                .ok_or_else(missing),
            Placeholder::DomainExpiration => facts
                .domain_expiration_ms
                .map(Value::Duration)
                .ok_or_else(missing),
            Placeholder::DnsRcode => facts
                .dns_rcode
                .map(|code| Value::Text(dns_rcode_name(code).into_owned()))
                .ok_or_else(missing),
            Placeholder::Body => {
                let body = facts.body.as_deref().ok_or_else(missing)?;
                self.resolve_body(body, operand.function, &operand.path)
            }
        }
    }

    fn resolve_body(
        &self,
        body: &[u8],
        function: Option<Function>,
        path: &[Segment],
    ) -> Result<Value, String> {
        if path.is_empty() {
            return Ok(match function {
                None => Value::Text(
                    self.text
                        .get_or_init(|| String::from_utf8_lossy(body).trim().to_owned())
                        .clone(),
                ),
                Some(Function::Has) => Value::Bool(!body.trim_ascii().is_empty()),
                // Gatus: the elements of a JSON array, else the size in bytes.
                Some(Function::Len) => Value::Num(Num::Int(match self.json(body) {
                    Ok(Json::Array(items)) => items.len() as i128,
                    _ => body.len() as i128,
                })),
            });
        }
        match function {
            // Gatus: a body that is not JSON has no paths, so `has()` is false.
            Some(Function::Has) => Ok(Value::Bool(
                self.json(body).is_ok_and(|json| walk(json, path).is_ok()),
            )),
            Some(Function::Len) => Ok(Value::Num(Num::Int(json_len(walk(
                self.json(body)?,
                path,
            )?)))),
            None => Ok(json_value(walk(self.json(body)?, path)?)),
        }
    }

    fn json(&self, body: &[u8]) -> Result<&Json, String> {
        self.json
            .get_or_init(|| {
                serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Follows a path into the body's JSON. `null` counts as absent, as in
/// Gatus: `has([BODY].x)` is false for `{"x": null}`.
fn walk<'j>(root: &'j Json, path: &[Segment]) -> Result<&'j Json, String> {
    let mut at = root;
    let mut walked = Placeholder::Body.as_str().to_owned();
    for segment in path {
        at = match (segment, at) {
            (Segment::Key(key), Json::Object(members)) => members
                .get(key)
                .ok_or_else(|| format!("{walked} has no key \"{key}\""))?,
            (Segment::Index(i), Json::Array(items)) => items.get(*i).ok_or_else(|| {
                let n = items.len();
                let s = if n == 1 { "" } else { "s" };
                format!("{walked} has {n} element{s}, so no [{i}]")
            })?,
            (Segment::Key(_), other) => {
                return Err(format!("{walked} is {}, not an object", json_kind(other)));
            }
            (Segment::Index(_), other) => {
                return Err(format!("{walked} is {}, not an array", json_kind(other)));
            }
        };
        walked.push_str(&segment.to_string());
    }
    if at.is_null() {
        return Err(format!("{walked} is null"));
    }
    Ok(at)
}

fn json_kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn json_value(json: &Json) -> Value {
    match json {
        Json::String(s) => Value::Text(s.clone()),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Num(Num::Int(i.into())),
            (_, Some(u), _) => Value::Num(Num::Int(u.into())),
            (_, _, Some(f)) => Value::Num(Num::Float(f)),
            _ => Value::Text(n.to_string()),
        },
        // Arrays and objects compare (and show) as minified JSON.
        other => Value::Text(other.to_string()),
    }
}

/// `len()` of a value in the body: elements, keys, or characters.
fn json_len(json: &Json) -> i128 {
    let n = match json {
        Json::Array(items) => items.len(),
        Json::Object(members) => members.len(),
        Json::String(s) => s.chars().count(),
        other => other.to_string().chars().count(),
    };
    n as i128
}

/// The right side, resolved.
enum Other<'c> {
    /// A literal or a placeholder's value, and how to show it in an error.
    Value(Value, String),
    Pattern(&'c str),
    Any(&'c [String]),
}

fn compare(
    left_operand: &Operand,
    left: &Value,
    operator: Operator,
    right: &Other<'_>,
) -> Result<bool, String> {
    let equal = || match right {
        Other::Value(value, _) => equal(left, value),
        Other::Pattern(pattern) => pattern::matches(pattern, &left.to_string()),
        Other::Any(values) => values.iter().any(|v| equal(left, &Value::Text(v.clone()))),
    };
    let order = || {
        let not_a_number =
            |shown: &str| format!("{shown} is not a number, and {operator} compares numbers");
        let a = left
            .number_or_duration()
            .ok_or_else(|| not_a_number(&format!("{left_operand} ({left})")))?;
        let b = match right {
            Other::Value(value, shown) => value
                .number_or_duration()
                .ok_or_else(|| not_a_number(shown))?,
            Other::Pattern(_) | Other::Any(_) => {
                return Err("pat() and any() work only with == and !=".to_owned());
            }
        };
        Ok(a.compare(b))
    };
    match operator {
        Operator::Eq => Ok(equal()),
        Operator::Ne => Ok(!equal()),
        Operator::Lt => order().map(Ordering::is_lt),
        Operator::Le => order().map(Ordering::is_le),
        Operator::Gt => order().map(Ordering::is_gt),
        Operator::Ge => order().map(Ordering::is_ge),
    }
}

/// Numbers compare as numbers (`200` equals `200.0`), durations too when
/// one side is an expiration (`[CERTIFICATE_EXPIRATION] == 48h`), anything
/// else as text.
fn equal(a: &Value, b: &Value) -> bool {
    let durations = matches!(a, Value::Duration(_)) || matches!(b, Value::Duration(_));
    let number = |v: &Value| {
        if durations {
            v.number_or_duration()
        } else {
            v.number()
        }
    };
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x.compare(y).is_eq();
    }
    a.to_string() == b.to_string()
}

/// One side of the description: the operand, then its value in
/// parentheses when that says more than the operand itself.
fn side(operand: &Operand, resolved: &Result<Value, String>, limit: usize) -> String {
    let text = operand.to_string();
    match resolved {
        Ok(value) => {
            let shown = truncate(value.to_string(), limit);
            if shown == text {
                text
            } else {
                format!("{text} ({shown})")
            }
        }
        Err(_) => format!("{text} (INVALID)"),
    }
}

fn truncate(text: String, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}...(truncated)", &text[..cut]),
        None => text,
    }
}

// === impl Value ===

impl Value {
    fn number(&self) -> Option<Num> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Duration(ms) => Some(Num::Int((*ms).into())),
            Value::Text(text) => parse_number(text),
            Value::Bool(_) => None,
        }
    }

    fn number_or_duration(&self) -> Option<Num> {
        match self {
            Value::Text(text) => parse_number_or_duration(text),
            other => other.number(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(Num::Int(i)) => write!(f, "{i}"),
            Value::Num(Num::Float(x)) => f.write_str(&format_float(*x)),
            Value::Duration(ms) => f.write_str(&format_duration_ms(*ms)),
            Value::Text(text) => f.write_str(text),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}
