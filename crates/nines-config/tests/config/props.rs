//! Properties: no text panics the loader; token hashes verify their token
//! and nothing else.

use nines_config::{Auth, Config, Role, TokenEntry, hash_token};
use proptest::prelude::*;

/// Fragments that make YAML-shaped text, so generated inputs reach the
/// validator and not only the scanner.
const PIECES: &[&str] = &[
    "services:",
    "auth:",
    "tokens:",
    "slos:",
    "alerting:",
    "tiers:",
    "labels:",
    "\n",
    "  ",
    "    ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "shop",
    "name: a",
    "objective: ",
    "99.9",
    "100",
    "-1",
    "1e400",
    "window: ",
    "30d",
    "90s",
    "calendar: month",
    "timezone: ",
    "Europe/Berlin",
    "sli: events",
    "sli:",
    "probe: x",
    "severity: page",
    "long_window: 1h",
    "short_window: 5m",
    "burn_rate: 0",
    "budget_consumed: 2%",
    "min_events: 0",
    "role: admin",
    "hash: ",
    "sha256:",
    "&a ",
    "*a",
    "*b",
    "'",
    "\"",
    "#",
    "---",
    "...",
    "${X}",
    "$${",
    "${",
    "|",
    ">",
    "!!str ",
    "!x ",
    "? ",
    "~",
    "null",
    "\t",
    "é",
];

fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..80).prop_map(|p| p.concat())
}

/// Values and keys that mutations put into the example config.
const VALUES: &[&str] = &[
    "",
    "~",
    "0",
    "-1",
    "100",
    "99.9",
    "1e400",
    "\"99.9\"",
    "2%",
    "150%",
    "30d",
    "90s",
    "1h",
    "5m",
    "0m",
    "401d",
    "month",
    "week",
    "Europe/Berlin",
    "Mars/Base",
    "events",
    "probe",
    "page",
    "ticket",
    "admin",
    "root",
    "${X}",
    "$${X}",
    "${",
    "[]",
    "{}",
    "[a, b]",
    "{a: b}",
    "&a x",
    "*a",
    "*nope",
    "!!str 5",
    "'q'",
    "sha256:00",
    "Shop",
    "a b",
    "é",
    "objectve",
    "tiers",
    "labels",
];

/// A change to one line of the example config.
#[derive(Debug, Clone)]
enum Mutation {
    SetValue(prop::sample::Index, &'static str),
    SetKey(prop::sample::Index, &'static str),
    Delete(prop::sample::Index),
    Duplicate(prop::sample::Index),
    Indent(prop::sample::Index, bool),
    Insert(prop::sample::Index, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = any::<prop::sample::Index>;
    let word = || prop::sample::select(VALUES);
    prop_oneof![
        (index(), word()).prop_map(|(i, v)| Mutation::SetValue(i, v)),
        (index(), word()).prop_map(|(i, v)| Mutation::SetKey(i, v)),
        index().prop_map(Mutation::Delete),
        index().prop_map(Mutation::Duplicate),
        (index(), any::<bool>()).prop_map(|(i, b)| Mutation::Indent(i, b)),
        (index(), yamlish()).prop_map(|(i, t)| Mutation::Insert(i, t)),
    ]
}

/// The example config with a few lines changed: valid enough in structure
/// to reach the validator's deeper checks.
fn mutated_example() -> impl Strategy<Value = String> {
    prop::collection::vec(mutation(), 1..5).prop_map(|mutations| {
        let mut lines: Vec<String> = include_str!("../fixtures/full.yaml")
            .lines()
            .map(String::from)
            .collect();
        for m in mutations {
            if lines.is_empty() {
                break;
            }
            let n = lines.len();
            match m {
                Mutation::SetValue(i, v) => {
                    let line = &mut lines[i.index(n)];
                    if let Some((key, _)) = line.clone().split_once(": ") {
                        *line = format!("{key}: {v}");
                    }
                }
                Mutation::SetKey(i, k) => {
                    let line = &mut lines[i.index(n)];
                    if let Some((key, value)) = line.clone().split_once(':') {
                        let indent = &key[..key.len() - key.trim_start_matches([' ', '-']).len()];
                        *line = format!("{indent}{k}:{value}");
                    }
                }
                Mutation::Delete(i) => {
                    lines.remove(i.index(n));
                }
                Mutation::Duplicate(i) => {
                    let line = lines[i.index(n)].clone();
                    lines.insert(i.index(n), line);
                }
                Mutation::Indent(i, deeper) => {
                    if let Some(line) = lines.get_mut(i.index(n)) {
                        *line = if deeper {
                            format!("  {line}")
                        } else {
                            line.replacen("  ", "", 1)
                        };
                    }
                }
                Mutation::Insert(i, text) => lines.insert(i.index(n + 1), text),
            }
        }
        lines.join("\n")
    })
}

/// Parses `text`; on errors, checks each points at a line of the text.
fn try_parse(text: &str) {
    // YAML breaks lines at `\n`, `\r\n` and a lone `\r`; a final break
    // starts no line of its own.
    let breaks =
        text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
    let lines = (breaks + usize::from(!text.ends_with(['\n', '\r']))).max(1);
    if let Err(errors) = Config::parse_with_env("p.yaml", text, &|_| None) {
        assert!(!errors.is_empty());
        for e in &errors {
            assert!(!e.message.is_empty());
            assert!(
                (1..=lines).contains(&e.line),
                "{e} is outside the {lines} lines of {text:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn yaml_shaped_text_never_panics(text in yamlish()) {
        try_parse(&text);
    }

    #[test]
    fn mutated_configs_never_panic(text in mutated_example()) {
        try_parse(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        try_parse(&text);
    }
}

proptest! {
    #[test]
    fn a_token_verifies_against_its_hash_and_no_other(
        tokens in prop::collection::hash_set("[ -~]{1,48}", 1..6),
        other in "[ -~]{0,48}",
    ) {
        let tokens: Vec<String> = tokens.into_iter().collect();
        let mut text = String::from("auth:\n  tokens:\n");
        for (i, token) in tokens.iter().enumerate() {
            text.push_str(&format!("    - {{name: t{i}, role: reader, hash: '{}'}}\n", hash_token(token)));
        }
        let auth: Auth = Config::parse("p.yaml", &text).unwrap().auth;
        for (i, token) in tokens.iter().enumerate() {
            let entry: &TokenEntry = auth.verify(token).unwrap();
            prop_assert_eq!(&entry.name, &format!("t{i}"));
            prop_assert_eq!(entry.role, Role::Reader);
        }
        if !tokens.contains(&other) {
            prop_assert!(auth.verify(&other).is_none());
        }
    }

    #[test]
    fn hash_token_is_sha256_in_lowercase_hex(token in ".{0,64}") {
        let h = hash_token(&token);
        prop_assert_eq!(h.len(), 7 + 64);
        prop_assert!(h.starts_with("sha256:"));
        prop_assert!(h[7..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
