//! Reading typed values out of the positioned YAML tree while collecting
//! errors: mappings with known keys, names, numbers, durations.
//!
//! Every reader reports its own errors into [`Ctx`] and returns `None` on a
//! bad value, so callers carry on and the user sees every mistake at once.

use std::path::Path;
use std::time::Duration;

use crate::env::{self, Env};
use crate::error::ConfigError;
use crate::keys::{REQUIRED, Section};
use crate::yaml::{Kind, Node};

/// The state of reading one file: where errors go, and where `${VAR}`
/// values come from.
pub(crate) struct Ctx<'a> {
    pub file: &'a Path,
    env: Env<'a>,
    pub errors: Vec<ConfigError>,
}

/// A `key: value` pair of a mapping whose keys are names.
pub(crate) struct Entry<'n> {
    pub key: &'n str,
    pub key_line: usize,
    pub value: &'n Node,
}

/// A mapping with a fixed set of keys, already checked for unknown and
/// duplicate keys.
pub(crate) struct Fields<'n> {
    /// Line of the mapping, where a missing key is reported.
    pub line: usize,
    entries: Vec<Entry<'n>>,
    /// What the mapping was checked against: reading a key it does not
    /// list is a bug of the reader, caught in debug builds.
    allowed: Allowed,
}

/// The keys a [`Fields`] was checked against.
#[derive(Clone, Copy)]
enum Allowed {
    /// A section of nines' config, and keys accepted only to be refused
    /// with a better message.
    Section(&'static Section, &'static [&'static str]),
    /// Keys of a foreign format (OpenSLO, Sloth).
    Foreign,
}

impl Allowed {
    fn check(self, key: &str) {
        if let Allowed::Section(section, refused) = self {
            debug_assert!(
                section.key(key).is_some() || refused.contains(&key),
                "`{key}` is read but not in the key table of `{}`",
                section.path
            );
        }
        self.record(key);
    }

    /// Notes that `key` was asked for, when the section has it.
    fn record(self, key: &str) {
        #[cfg(debug_assertions)]
        if let Allowed::Section(section, _) = self
            && let Some(k) = section.key(key)
        {
            KEYS_READ.with(|read| read.borrow_mut().insert((section.path, k.name)));
        }
        #[cfg(not(debug_assertions))]
        let _ = key;
    }
}

#[cfg(debug_assertions)]
thread_local! {
    /// Every `(section, key)` a reader has asked for on this thread, so a
    /// test can show that no documented key goes unread.
    static KEYS_READ: std::cell::RefCell<std::collections::BTreeSet<(&'static str, &'static str)>> =
        const { std::cell::RefCell::new(std::collections::BTreeSet::new()) };
}

/// The `(section path, key)` pairs readers have asked for on this thread
/// since the last call, which clears them. Debug builds only.
#[cfg(debug_assertions)]
pub fn keys_read() -> std::collections::BTreeSet<(&'static str, &'static str)> {
    KEYS_READ.with(|read| std::mem::take(&mut *read.borrow_mut()))
}

impl Fields<'_> {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.allowed.check(key);
        self.entries.iter().find(|e| e.key == key).map(|e| e.value)
    }

    /// `key`'s value, for a reader shared by sections that do not all
    /// have `key` (the `headers` helpers): unchecked against the table.
    pub fn get_shared(&self, key: &str) -> Option<&Node> {
        self.allowed.record(key);
        self.entries.iter().find(|e| e.key == key).map(|e| e.value)
    }

    /// Line of `key`'s value, if given.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.get(key).map(|n| n.line)
    }

    /// Line of `key` itself, if given.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        self.allowed.check(key);
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.key_line)
    }
}

/// A name given for something defined elsewhere, maybe in another file (a
/// route's `service`, its `channels`), checked once all files are merged.
pub(crate) struct NameRef {
    pub line: usize,
    pub field: String,
    pub name: String,
}

/// The names a file refers to, by what they name.
#[derive(Default)]
pub(crate) struct Refs {
    pub services: Vec<NameRef>,
    pub channels: Vec<NameRef>,
}

/// What a [`NameRef`] names.
#[derive(Clone, Copy)]
pub(crate) enum Named {
    Service,
    Channel,
}

/// `parent.key`, or `key` at the top.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `parent[i]`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Is `s` a service, SLO or similar name: `[a-z0-9][a-z0-9_-]{0,62}`?
pub(crate) fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
}

/// The closest of `candidates` to a mistyped `word`, if any is close enough
/// to be what was meant.
pub(crate) fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|&c| {
            (
                c,
                strsim::levenshtein(word, c),
                strsim::jaro_winkler(word, c),
            )
        })
        // Two edits are close for long words but not for `id` vs `sli`.
        .filter(|&(c, lev, jw)| (lev <= 2 && lev * 3 <= word.len().max(c.len())) || jw >= 0.85)
        .min_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)))
        .map(|(c, _, _)| c)
}

/// A duration as config reads it back: the largest unit that divides it
/// exactly (`90s`, `5m`, `1500ms`, `2d`).
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    let units: [(u128, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    for (size, unit) in units {
        if ms > 0 && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// "`a`, `b` or `c`".
pub(crate) fn one_of(options: &[&str]) -> String {
    listing(options, "or")
}

/// "`a`, `b` and `c`".
pub(crate) fn all_of(options: &[&str]) -> String {
    listing(options, "and")
}

fn listing(options: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a Path, env: Env<'a>) -> Self {
        Ctx {
            file,
            env,
            errors: Vec::new(),
        }
    }

    pub fn error(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.file.to_path_buf(),
            line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// The pairs of a mapping whose keys are names (services, labels).
    /// Reports a value that is not a mapping, keys that are not strings, and
    /// duplicate keys (keeping the first). `null` reads as an empty mapping.
    pub fn entries<'n>(&mut self, node: &'n Node, path: &str) -> Option<Vec<Entry<'n>>> {
        let pairs = match &node.kind {
            Kind::Map(pairs) => pairs,
            Kind::Null => return Some(Vec::new()),
            _ => {
                self.error(
                    node.line,
                    path,
                    format!("expected a mapping, found {}", node.kind_name()),
                );
                return None;
            }
        };
        let mut entries: Vec<Entry<'n>> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let Some(name) = key.as_scalar() else {
                let msg = format!("a key must be a string, found {}", key.kind_name());
                self.error(key.line, path, msg);
                continue;
            };
            if let Some(first) = entries.iter().find(|e| e.key == name) {
                let msg = format!(
                    "duplicate key `{name}`; it is first given at line {}",
                    first.key_line
                );
                self.error(key.line, &join(path, name), msg);
                continue;
            }
            entries.push(Entry {
                key: name,
                key_line: key.line,
                value,
            });
        }
        Some(entries)
    }

    /// A mapping of `section`: a key its table does not list is reported
    /// with a did-you-mean from the table, or the list of its keys.
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        section: &'static Section,
    ) -> Option<Fields<'n>> {
        self.fields_refusing(node, path, section, &[])
    }

    /// [`Ctx::fields`], also passing the keys of `refused` (another tool's,
    /// which the reader refuses with a message of its own); they count as
    /// known for suggestions and the list of keys.
    pub fn fields_refusing<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        section: &'static Section,
        refused: &'static [&'static str],
    ) -> Option<Fields<'n>> {
        let known = |key: &str| section.key(key).is_some() || refused.contains(&key);
        let names = || -> Vec<&str> {
            section
                .keys
                .iter()
                .map(|k| k.name)
                .chain(refused.iter().copied())
                .collect()
        };
        self.checked_fields(node, path, known, names, Allowed::Section(section, refused))
    }

    /// A mapping of a foreign format (OpenSLO, Sloth), whose keys its own
    /// specification defines: `allowed`, reported as [`Ctx::fields`] does.
    pub fn foreign_fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        self.checked_fields(
            node,
            path,
            |key| allowed.contains(&key),
            || allowed.to_vec(),
            Allowed::Foreign,
        )
    }

    fn checked_fields<'n, 'k>(
        &mut self,
        node: &'n Node,
        path: &str,
        known: impl Fn(&str) -> bool,
        names: impl Fn() -> Vec<&'k str>,
        allowed: Allowed,
    ) -> Option<Fields<'n>> {
        let mut entries = self.entries(node, path)?;
        entries.retain(|e| {
            if known(e.key) {
                return true;
            }
            let names = names();
            let hint = match suggest(e.key, &names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("valid keys here are {}", all_of(&names)),
            };
            self.error(e.key_line, path, format!("unknown key `{}`; {hint}", e.key));
            false
        });
        Some(Fields {
            line: node.line,
            entries,
            allowed,
        })
    }

    /// Reports `key` missing from `fields` (at the mapping's line) and
    /// returns `None`, or returns its value.
    pub fn require<'n>(&mut self, fields: &Fields<'n>, path: &str, key: &str) -> Option<&'n Node> {
        fields.allowed.check(key);
        if let Allowed::Section(section, _) = fields.allowed {
            debug_assert!(
                section
                    .key(key)
                    .is_some_and(|k| k.default.starts_with(REQUIRED)),
                "`{key}` is required by the reader but not in the key table of `{}` as {REQUIRED}",
                section.path
            );
        }
        let found = fields
            .entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value);
        if found.is_none() {
            self.error(fields.line, path, format!("missing required key `{key}`"));
        }
        found
    }

    /// The text of a scalar with `${VAR}`s expanded, and whether it was
    /// quoted. `what` describes the expected value for the error message.
    pub fn scalar(&mut self, node: &Node, path: &str, what: &str) -> Option<(String, bool)> {
        match &node.kind {
            Kind::Scalar { value, quoted } => match env::expand(value, self.env) {
                Ok(text) => Some((text, *quoted)),
                Err(msg) => {
                    self.error(node.line, path, msg);
                    None
                }
            },
            Kind::Null => {
                self.error(node.line, path, format!("no value given; expected {what}"));
                None
            }
            _ => {
                self.error(
                    node.line,
                    path,
                    format!("expected {what}, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// Any scalar as text: `owner: 42` is the string "42".
    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        self.scalar(node, path, "a string").map(|(s, _)| s)
    }

    /// An optional string: absent or `null` is `None`, silently.
    pub fn optional_string(&mut self, node: Option<&Node>, path: &str) -> Option<String> {
        match node {
            Some(n) if n.kind != Kind::Null => self.string(n, path),
            _ => None,
        }
    }

    /// A name (`[a-z0-9][a-z0-9_-]{0,62}`); `what` is "service", "SLO"...
    pub fn name(&mut self, node: &Node, path: &str, what: &str) -> Option<String> {
        let text = self.string(node, path)?;
        self.check_name(&text, node.line, path, what)
            .then_some(text)
    }

    /// Reports `text` if it is not a valid name.
    pub fn check_name(&mut self, text: &str, line: usize, path: &str, what: &str) -> bool {
        if is_name(text) {
            return true;
        }
        self.error(
            line,
            path,
            format!(
                "`{text}` is not a valid {what} name: use 1 to 63 lowercase letters, digits, `-` \
                 and `_`, starting with a letter or digit"
            ),
        );
        false
    }

    /// A finite number, written plainly (`99.9`, not `"99.9"`). The text as
    /// written comes back too, so messages quote the user's own figure.
    pub fn number(&mut self, node: &Node, path: &str, what: &str) -> Option<(f64, String)> {
        let (text, quoted) = self.scalar(node, path, what)?;
        let parsed = text.trim().parse::<f64>().ok().filter(|x| x.is_finite());
        match parsed {
            Some(x) if !quoted => Some((x, text.trim().to_string())),
            Some(_) => {
                let msg =
                    format!("expected {what}, found the string \"{text}\"; remove the quotes");
                self.error(node.line, path, msg);
                None
            }
            // Only where a percentage is wanted: `burn_rate: 2%` needs a
            // different fix than dropping the sign.
            None if text.trim_end().ends_with('%') && what.contains("percentage") => {
                let msg = format!(
                    "`{text}` is not a number; write the percentage without `%`, e.g. `{}`",
                    text.trim_end().trim_end_matches('%').trim()
                );
                self.error(node.line, path, msg);
                None
            }
            None => {
                self.error(
                    node.line,
                    path,
                    format!("`{text}` is not a number; expected {what}"),
                );
                None
            }
        }
    }

    /// `true` or `false`, written plainly (YAML 1.2: also `True`, `FALSE`...).
    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        let (text, quoted) = self.scalar(node, path, "`true` or `false`")?;
        match text.as_str() {
            "true" | "True" | "TRUE" if !quoted => Some(true),
            "false" | "False" | "FALSE" if !quoted => Some(false),
            _ => {
                let msg = if quoted {
                    format!(
                        "expected `true` or `false`, found the string \"{text}\"; remove the quotes"
                    )
                } else {
                    format!("`{text}` is not `true` or `false`")
                };
                self.error(node.line, path, msg);
                None
            }
        }
    }

    /// A whole number between `min` and `max`, written plainly; `u64::MAX`
    /// for no upper bound.
    pub fn integer(&mut self, node: &Node, path: &str, min: u64, max: u64) -> Option<u64> {
        let what = format!("a whole number >= {min}");
        let (text, quoted) = self.scalar(node, path, &what)?;
        match text.trim().parse::<u64>() {
            Ok(n) if !quoted && n > max => {
                let msg = format!("`{text}` is more than the maximum, {max}");
                self.error(node.line, path, msg);
                None
            }
            Ok(n) if !quoted && n >= min => Some(n),
            Ok(_) if quoted => {
                let msg =
                    format!("expected {what}, found the string \"{text}\"; remove the quotes");
                self.error(node.line, path, msg);
                None
            }
            _ => {
                self.error(node.line, path, format!("`{text}` is not {what}"));
                None
            }
        }
    }

    /// A duration in whole minutes, between `min` and `max` minutes.
    pub fn minutes(&mut self, node: &Node, path: &str, min: u32, max: u32) -> Option<u32> {
        let (text, _) = self.scalar(node, path, "a duration such as 30d, 1h or 5m")?;
        let duration = match nines_slo::parse_duration(&text) {
            Ok(d) => d,
            Err(e) => {
                self.error(node.line, path, e.to_string());
                return None;
            }
        };
        let millis = duration.as_millis();
        let fmt = nines_slo::format_minutes;
        if millis % 60_000 != 0 {
            self.error(
                node.line,
                path,
                format!("`{text}` is not a whole number of minutes"),
            );
            return None;
        }
        let minutes = millis / 60_000;
        if minutes < u128::from(min) {
            self.error(
                node.line,
                path,
                format!("`{text}` is shorter than the minimum, {}", fmt(min)),
            );
            return None;
        }
        if minutes > u128::from(max) {
            self.error(
                node.line,
                path,
                format!("`{text}` is longer than the maximum, {}", fmt(max)),
            );
            return None;
        }
        u32::try_from(minutes).ok()
    }

    /// A duration of at least `min` (`30s`, `1m30s`, `500ms`).
    pub fn duration(&mut self, node: &Node, path: &str, min: Duration) -> Option<Duration> {
        let (text, _) = self.scalar(node, path, "a duration such as 30s, 5m or 500ms")?;
        let duration = match nines_slo::parse_duration(&text) {
            Ok(d) => d,
            Err(e) => {
                self.error(node.line, path, e.to_string());
                return None;
            }
        };
        if duration < min {
            let msg = format!(
                "`{text}` is shorter than the minimum, {}",
                format_duration(min)
            );
            self.error(node.line, path, msg);
            return None;
        }
        Some(duration)
    }

    /// An IANA time zone name such as `Europe/Berlin`.
    pub fn timezone(&mut self, node: &Node, path: &str) -> Option<jiff::tz::TimeZone> {
        let (name, _) = self.scalar(node, path, "an IANA time zone name such as Europe/Berlin")?;
        match jiff::tz::TimeZone::get(&name) {
            Ok(tz) => Some(tz),
            Err(_) => {
                let msg = format!(
                    "`{name}` is not an IANA time zone name (such as UTC, Europe/Berlin, America/New_York)"
                );
                self.error(node.line, path, msg);
                None
            }
        }
    }

    /// One of a fixed set of words.
    pub fn choice<'c>(&mut self, node: &Node, path: &str, options: &[&'c str]) -> Option<&'c str> {
        let what = one_of(options);
        let (text, _) = self.scalar(node, path, &what)?;
        if let Some(&found) = options.iter().find(|&&o| o == text) {
            return Some(found);
        }
        let msg = match suggest(&text, options) {
            Some(close) => format!("`{text}` is not one of {what}; did you mean `{close}`?"),
            None => format!("`{text}` is not one of {what}"),
        };
        self.error(node.line, path, msg);
        None
    }

    /// The items of a sequence; `null` reads as empty.
    pub fn seq<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.kind {
            Kind::Seq(items) => Some(items),
            Kind::Null => Some(&[]),
            _ => {
                self.error(
                    node.line,
                    path,
                    format!("expected a sequence, found {}", node.kind_name()),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["shop", "a", "0", "checkout-api_v2", &"a".repeat(63)] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "Shop", "-a", "_a", "a.b", "a b", "é", &"a".repeat(64)] {
            assert!(!is_name(bad), "{bad}");
        }
    }

    #[test]
    fn suggestions_are_close_or_absent() {
        let keys = crate::slo::SLO.names();
        assert_eq!(suggest("objectve", &keys), Some("objective"));
        assert_eq!(suggest("time_zone", &keys), Some("timezone"));
        assert_eq!(suggest("alert", &keys), Some("alerting"));
        assert_eq!(suggest("id", &keys), None);
        assert_eq!(suggest("probes", &keys), None);
        assert_eq!(
            suggest("budget", &["severity", "long_window", "budget_consumed"]),
            Some("budget_consumed")
        );
    }

    #[test]
    fn durations_format_as_they_parse() {
        for (ms, text) in [
            (0, "0ms"),
            (1500, "1500ms"),
            (90_000, "90s"),
            (300_000, "5m"),
        ] {
            let d = Duration::from_millis(ms);
            assert_eq!(format_duration(d), text);
            assert_eq!(nines_slo::parse_duration(text).unwrap(), d);
        }
        assert_eq!(format_duration(Duration::from_secs(2 * 86_400)), "2d");
    }

    #[test]
    fn one_of_reads_naturally() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(all_of(&["a", "b"]), "`a` and `b`");
    }
}
