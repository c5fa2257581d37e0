//! The key tables: every mapping of the config, its keys, what each takes
//! (type and unit), its default and what it means, in one place per
//! section, next to the section's reader.
//!
//! The same table serves the reader (`Ctx::fields` refuses a key that is
//! not in it, and suggests the closest that is; in debug builds, reading a
//! key the table lacks, or requiring one it does not mark required,
//! panics) and the user: [`fill_tables`] writes each table into
//! `docs/config.md` between `<!-- keys: PATH -->` and `<!-- /keys -->`,
//! and a test checks the file byte for byte. A key cannot be accepted
//! without being documented, nor documented without being accepted; a
//! test also shows that every documented key is read.

use std::collections::BTreeSet;

/// The `default` of a key that must be given.
pub const REQUIRED: &str = "required";

/// The `default` of an optional key whose absence means nothing is set.
pub const NONE: &str = "none";

/// One key of a config mapping: one row of its docs table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key as written in YAML.
    pub name: &'static str,
    /// What it takes, with its unit and range where it has them:
    /// `duration`, `number, percent`, `` `true` or `false` ``.
    pub ty: &'static str,
    /// Its value when not given: [`REQUIRED`], [`NONE`], a value such as
    /// `` `30s` ``, or a sentence saying where it comes from.
    pub default: &'static str,
    /// What it means, for people; Markdown.
    pub doc: &'static str,
}

/// One kind of config mapping and the keys it accepts, in the order the
/// reader lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// Where the mapping sits, as `docs/config.md` names it
    /// (`services.<name>.slos[i]`); also the marker of its table there.
    pub path: &'static str,
    /// Its keys; no other is accepted.
    pub keys: &'static [Key],
}

impl Section {
    /// The key named `name`, if the section has it.
    pub fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The names of its keys, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.keys.iter().map(|k| k.name).collect()
    }

    /// The section's table in Markdown: a header, then one row per key.
    pub fn markdown(&self) -> String {
        let mut out = String::from("| key | type | default | meaning |\n");
        out.push_str("|-----|------|---------|---------|\n");
        for k in self.keys {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                k.name, k.ty, k.default, k.doc
            ));
        }
        out
    }
}

/// Every section of nines' own config (OpenSLO and Sloth files follow
/// their own specifications), in the order `docs/config.md` shows them.
pub static SECTIONS: &[&Section] = &[
    &crate::load::TOP_LEVEL,
    &crate::slo::SERVICE,
    &crate::slo::SLO,
    &crate::slo::TIMESLICES,
    &crate::slo::PROMETHEUS,
    &crate::slo::PROMQL,
    &crate::slo::PROBE_SLI,
    &crate::slo::ALERTING,
    &crate::slo::TIER,
    &crate::probe::PROBE,
    &crate::probe::HTTP,
    &crate::probe::HEADER_MATCH,
    &crate::probe::TCP,
    &crate::probe::TCP_STEP,
    &crate::probe::DNS,
    &crate::probe::TLS,
    &crate::probe::HEARTBEAT,
    &crate::http::TLS_OPTIONS,
    &crate::http::BASIC_AUTH,
    &crate::scrape::SCRAPE,
    &crate::auth::AUTH,
    &crate::auth::TOKEN,
    &crate::channel::CHANNEL,
    &crate::channel::WEBHOOK,
    &crate::channel::SLACK,
    &crate::channel::EMAIL,
    &crate::channel::PAGERDUTY,
    &crate::channel::ALERTMANAGER,
    &crate::integration::INTEGRATION,
    &crate::route::ROUTE,
    &crate::route::SEVERITY,
    &crate::incident_policy::INCIDENTS,
    &crate::incident_policy::MAINTENANCE,
    &crate::incident_policy::INHIBIT,
    &crate::review::POLICY,
    &crate::review::SLA,
    &crate::capacity::RESOURCE,
    &crate::status_page::STATUS_PAGE,
    &crate::status_page::COMPONENT,
    &crate::oncall::USER,
    &crate::oncall::SCHEDULE,
    &crate::oncall::LAYER,
    &crate::oncall::RESTRICTION,
    &crate::oncall::OVERRIDE,
    &crate::escalation::POLICY,
    &crate::escalation::STEP,
    &crate::escalation::TEAM,
];

/// The section at `path`, if there is one.
pub fn section(path: &str) -> Option<&'static Section> {
    SECTIONS.iter().copied().find(|s| s.path == path)
}

/// Every section's table, each under a heading naming its path: the whole
/// reference in one Markdown text.
pub fn tables_markdown() -> String {
    let mut out = String::new();
    for s in SECTIONS {
        out.push_str(&format!("### `{}`\n\n{}\n", s.path, s.markdown()));
    }
    out
}

const OPEN: &str = "<!-- keys: ";
const CLOSE: &str = "<!-- /keys -->";

/// `doc` with the table of each section written between its markers,
/// `<!-- keys: PATH -->` and `<!-- /keys -->`, replacing what was there.
/// Everything outside the markers stays as it is. An error says what is
/// wrong with the markers: one that names no section, one left open, a
/// section given twice or not at all.
pub fn fill_tables(doc: &str) -> Result<String, String> {
    let mut out = String::with_capacity(doc.len());
    let mut placed = BTreeSet::new();
    let mut lines = doc.split_inclusive('\n').enumerate();
    while let Some((i, line)) = lines.next() {
        out.push_str(line);
        let Some(path) = line
            .trim_end()
            .strip_prefix(OPEN)
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            if line.trim_end() == CLOSE {
                return Err(format!("line {}: `{CLOSE}` without a table open", i + 1));
            }
            continue;
        };
        let Some(section) = section(path) else {
            return Err(format!("line {}: no config section `{path}`", i + 1));
        };
        if !placed.insert(path) {
            return Err(format!(
                "line {}: the table of `{path}` is given twice",
                i + 1
            ));
        }
        out.push('\n');
        out.push_str(&section.markdown());
        out.push('\n');
        loop {
            match lines.next() {
                Some((_, l)) if l.trim_end() == CLOSE => {
                    out.push_str(l);
                    break;
                }
                Some((j, l)) if l.starts_with(OPEN) => {
                    return Err(format!(
                        "line {}: a table opens before `{path}` (line {}) is closed with `{CLOSE}`",
                        j + 1,
                        i + 1
                    ));
                }
                Some(_) => {}
                None => {
                    return Err(format!(
                        "line {}: the table of `{path}` is not closed with `{CLOSE}`",
                        i + 1
                    ));
                }
            }
        }
    }
    let missing: Vec<&str> = SECTIONS
        .iter()
        .map(|s| s.path)
        .filter(|p| !placed.contains(p))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "no table for {}; add `{OPEN}PATH -->` and `{CLOSE}` where each belongs",
            crate::read::all_of(&missing)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_keys_are_unique() {
        let mut paths = BTreeSet::new();
        for s in SECTIONS {
            assert!(paths.insert(s.path), "section `{}` twice", s.path);
            let mut names = BTreeSet::new();
            for k in s.keys {
                assert!(names.insert(k.name), "`{}` twice in `{}`", k.name, s.path);
            }
        }
    }

    #[test]
    fn cells_fit_in_a_table() {
        for s in SECTIONS {
            assert!(!s.keys.is_empty(), "`{}` has no keys", s.path);
            for k in s.keys {
                for cell in [k.name, k.ty, k.default, k.doc] {
                    assert!(
                        !cell.is_empty() && !cell.contains(['|', '\n']) && cell.trim() == cell,
                        "`{}.{}`: {cell:?} is not a table cell",
                        s.path,
                        k.name
                    );
                }
            }
        }
    }

    #[test]
    fn markers_are_checked() {
        let table = |p: &str| format!("{OPEN}{p} -->\n{CLOSE}\n");
        let all: String = SECTIONS.iter().map(|s| table(s.path)).collect();
        let filled = fill_tables(&all).unwrap();
        assert_eq!(fill_tables(&filled).unwrap(), filled);
        assert!(filled.contains(&crate::slo::SLO.markdown()));
        let err = |doc: &str| fill_tables(doc).unwrap_err();
        assert!(err(&table("nope")).contains("no config section `nope`"));
        assert!(err(&format!("{all}{}", table("auth"))).contains("given twice"));
        assert!(err(&format!("{OPEN}auth -->\n")).contains("not closed"));
        assert!(err(&format!("{all}{CLOSE}\n")).contains("without a table open"));
        assert!(err(&table("auth")).starts_with("no table for `top level`"));
    }
}
