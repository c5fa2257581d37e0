//! The binary's layout rules (docs/architecture.md), checked on its source:
//! floors import only floors below them, the top-level folders form no
//! import cycle, `App` has no feature methods, and the adapters (API, UI,
//! CLI) never touch the store. Issue 13.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A top-level part of `src/`: a folder or file (`incidents`, `app`).
type Node = String;

/// The floor of a node: support 1, feature state 2, `App` 3, features 4,
/// adapters 5, the daemon 6, the CLI 7.
fn floor(node: &str) -> Option<u8> {
    Some(match node {
        "clock" | "text" | "telemetry" => 1,
        "state" => 2,
        "app" => 3,
        "slo" | "probes" | "incidents" | "notify" | "oncall" | "review" | "reload" => 4,
        "api" | "ui" => 5,
        "daemon" => 6,
        "cli" => 7,
        _ => return None,
    })
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, as paths relative to `src/`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p.strip_prefix(src()).unwrap().to_path_buf());
        }
    }
}

/// The node a file belongs to; `None` for `lib.rs` and `main.rs`.
fn node_of(file: &Path) -> Option<Node> {
    let parts: Vec<String> = file
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let top = parts[0].as_str();
    if top == "lib" || top == "main" {
        return None;
    }
    Some(top.to_string())
}

/// The code of a file without its unit tests (what the binary is built
/// from) and without comments.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(src().join(file)).unwrap();
    if file.ends_with("tests.rs") {
        return String::new();
    }
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `crate::x` paths named in `code`.
fn imports(code: &str) -> BTreeSet<Node> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        out.insert(name);
    }
    out
}

/// node -> (imported node -> files importing it)
fn graph() -> BTreeMap<Node, BTreeMap<Node, BTreeSet<PathBuf>>> {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let nodes: BTreeSet<Node> = all.iter().filter_map(|f| node_of(f)).collect();
    let mut g: BTreeMap<Node, BTreeMap<Node, BTreeSet<PathBuf>>> = BTreeMap::new();
    for f in &all {
        let Some(from) = node_of(f) else { continue };
        let entry = g.entry(from.clone()).or_default();
        for to in imports(&code(f)) {
            if to != from && nodes.contains(&to) {
                entry.entry(to).or_default().insert(f.clone());
            }
        }
    }
    g
}

#[test]
fn every_top_level_part_has_a_floor() {
    let unplaced: Vec<_> = graph().into_keys().filter(|n| floor(n).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "{unplaced:?} have no floor: add them to floor() here and to docs/architecture.md"
    );
}

#[test]
fn floors_import_only_floors_below_them() {
    let mut wrong = Vec::new();
    for (from, edges) in graph() {
        let Some(f) = floor(&from) else { continue };
        for (to, files) in edges {
            let Some(t) = floor(&to) else { continue };
            // Support, states and features may use others of their floor
            // (acyclically, checked below); adapters never use each other.
            let same_floor_ok = f == t && matches!(f, 1 | 2 | 4);
            if t > f || (t == f && !same_floor_ok) {
                wrong.push(format!(
                    "{from} (floor {f}) imports {to} (floor {t}) in {files:?}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the floor rule:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_cycle_between_top_level_parts() {
    let g = graph();
    // Depth-first search for a back edge; the path shows the cycle.
    fn visit(
        n: &str,
        g: &BTreeMap<Node, BTreeMap<Node, BTreeSet<PathBuf>>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for to in g.get(n).into_iter().flat_map(|e| e.keys()) {
            if let Some(c) = visit(to, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in g.keys() {
        if let Some(cycle) = visit(n, &g, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn app_composes_and_has_no_feature_methods() {
    const ACCESSORS: &[&str] = &[
        "open",
        "open_store",
        "database",
        "config",
        "base_config",
        "set_config",
        "read",
        "write_engine",
        "lock_store",
        "with_store",
        "read_collectors",
        "write_collectors",
        "subscribe_reloads",
        "read_probes",
        "write_probes",
    ];
    let mut all = Vec::new();
    files(&src(), &mut all);
    for f in all {
        let text = code(&f);
        let Some(at) = text.find("impl App {") else {
            continue;
        };
        assert_eq!(
            f,
            Path::new("app.rs"),
            "{f:?} adds methods to App: give the feature a function or service of its own"
        );
        // The impl block only: it ends at the first top-level `}` (free
        // functions after it are not App's).
        let body = text[at..].split("\n}").next().unwrap_or_default();
        for line in body.lines() {
            let t = line.trim_start();
            let Some(rest) = t
                .strip_prefix("pub fn ")
                .or_else(|| t.strip_prefix("pub(crate) fn "))
                .or_else(|| t.strip_prefix("fn "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            assert!(
                ACCESSORS.contains(&name.as_str()),
                "App::{name} is not composition or an accessor: move it to its feature"
            );
        }
    }
}

#[test]
fn adapters_never_touch_the_store() {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut wrong = Vec::new();
    for f in all {
        let adapter = matches!(node_of(&f).as_deref(), Some("api" | "ui" | "cli"));
        if !adapter {
            continue;
        }
        let text = code(&f);
        for needle in [
            "with_store(",
            "lock_store(",
            "nines_store::Store",
            "&mut Store",
        ] {
            // `nines_store::Store` the handle, not `StoreError` and kin.
            let whole = text.match_indices(needle).any(|(i, _)| {
                !needle.ends_with(|c: char| c.is_alphanumeric())
                    || !text[i + needle.len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if whole {
                wrong.push(format!("{f:?} uses {needle}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "adapters reach data through feature services:\n{}",
        wrong.join("\n")
    );
}
