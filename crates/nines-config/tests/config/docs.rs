//! docs/config.md stays true: its examples parse, its main example is the
//! one `good.rs` checks, and its tables of keys are generated from the
//! readers' own key tables.

use crate::parse;

const DOCS: &str = include_str!("../../../../docs/config.md");
const FULL: &str = include_str!("../fixtures/full.yaml");

/// The bodies of the ```yaml blocks.
fn yaml_blocks() -> Vec<&'static str> {
    DOCS.split("```yaml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect()
}

#[test]
fn the_main_example_is_the_tested_fixture() {
    let fixture = FULL.split_once('\n').unwrap().1; // without its comment line
    assert_eq!(yaml_blocks()[0], fixture);
}

#[test]
fn every_yaml_example_is_valid() {
    let blocks = yaml_blocks();
    assert!(blocks.len() >= 3);
    for block in blocks {
        parse(block);
    }
}

/// docs/config.md as the checkout has it (read at run time, so the
/// update below can rewrite it).
const DOCS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/config.md");

/// How to bring the tables in docs/config.md up to date.
const REGENERATE: &str = "NINES_UPDATE_DOCS=1 cargo test -p nines-config --test config docs";

/// The tables of keys in docs/config.md are the readers' key tables, byte
/// for byte: every key the loader accepts is documented, with its type,
/// default and meaning, and no key is documented that it refuses. With
/// `NINES_UPDATE_DOCS` set, the file is rewritten instead.
#[test]
fn the_key_tables_are_the_readers() {
    let docs = std::fs::read_to_string(DOCS_PATH).expect("docs/config.md");
    let filled = nines_config::fill_tables(&docs)
        .unwrap_or_else(|e| panic!("docs/config.md: {e}; then run `{REGENERATE}`"));
    if filled == docs {
        return;
    }
    if std::env::var_os("NINES_UPDATE_DOCS").is_some() {
        std::fs::write(DOCS_PATH, &filled).expect("writing docs/config.md");
        return;
    }
    let (line, (file, generated)) = docs
        .lines()
        .chain(std::iter::repeat(""))
        .zip(filled.lines().chain(std::iter::repeat("")))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .expect("a differing line");
    panic!(
        "docs/config.md:{}: a table of keys differs from the key tables in \
         crates/nines-config/src, which are its source:\n  in the file: {file}\n  generated:   \
         {generated}\nedit the table next to the reader, not the file, and regenerate the \
         tables with\n  {REGENERATE}",
        line + 1
    );
}

/// Every section is documented once, and the whole reference renders.
#[test]
fn every_section_has_one_table() {
    for section in nines_config::SECTIONS {
        let marker = format!("<!-- keys: {} -->", section.path);
        assert_eq!(DOCS.matches(&marker).count(), 1, "{marker}");
    }
    let all = nines_config::tables_markdown();
    for section in nines_config::SECTIONS {
        assert!(all.contains(&section.markdown()), "{}", section.path);
    }
}

/// Every key in a table is one its reader asks for: none is documented and
/// then ignored. The examples of docs/config.md and the full fixture read
/// every section; `MORE` adds the forms they do not show.
#[cfg(debug_assertions)]
#[test]
fn every_documented_key_is_read() {
    const MORE: &str = "
channels:
  receiver:
    alertmanager: { url: 'http://127.0.0.1:5001/alerts', headers: { X-Team: sre } }
";
    nines_config::keys_read();
    for block in yaml_blocks() {
        parse(block);
    }
    parse(FULL);
    parse(MORE);
    let read = nines_config::keys_read();
    let unread: Vec<String> = nines_config::SECTIONS
        .iter()
        .flat_map(|s| {
            s.keys
                .iter()
                .filter(|k| !read.contains(&(s.path, k.name)))
                .map(|k| format!("{} {}", s.path, k.name))
        })
        .collect();
    assert!(
        unread.is_empty(),
        "keys in a table that no reader asked for (ignored, or missing from the examples):\n{}",
        unread.join("\n")
    );
}
