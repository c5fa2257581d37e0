//! Loading from disk: single files, directories merged in name order, and
//! errors that name the path as the user gave it.

use std::fs;
use std::path::{Path, PathBuf};

use nines_config::{Config, hash_token};

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

fn load_errors(path: &Path) -> String {
    match Config::load(path) {
        Ok(config) => panic!("expected errors, got {config:#?}"),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn a_single_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nines.yaml",
        "services:\n  shop:\n    owner: payments\n",
    );
    let path = dir.path().join("nines.yaml");
    let config = Config::load(&path).unwrap();
    assert_eq!(config.files, [path]);
    assert_eq!(config.services["shop"].owner.as_deref(), Some("payments"));
}

#[test]
fn a_directory_merges_its_yaml_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "b-search.yml", "services:\n  search: {}\nauth:\n  tokens:\n    - {name: cd, role: reader, hash: 'HASH_B'}\n"
        .replace("HASH_B", &hash_token("b")).as_str());
    write(
        d,
        "a-shop.yaml",
        &format!(
            "services:\n  shop: {{}}\nauth:\n  tokens:\n    - {{name: ci, role: writer, hash: '{}'}}\n",
            hash_token("a")
        ),
    );
    // Not config: other extensions, hidden files, subdirectories.
    write(d, "notes.txt", "not: [yaml");
    write(d, ".a-shop.yaml.swp", "not: [yaml");
    fs::create_dir(d.join("old")).unwrap();
    write(&d.join("old"), "c.yaml", "not: [yaml");

    let config = Config::load(d).unwrap();
    assert_eq!(
        config.files,
        [d.join("a-shop.yaml"), d.join("b-search.yml")]
    );
    assert_eq!(
        config.services.keys().collect::<Vec<_>>(),
        ["search", "shop"]
    );
    let tokens: Vec<&str> = config.auth.tokens.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tokens, ["ci", "cd"]);
    assert_eq!(config.auth.verify("b").unwrap().name, "cd");
}

#[test]
fn names_defined_in_two_files_name_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let token = |name: &str, secret: &str| {
        format!(
            "    - {{name: {name}, role: reader, hash: '{}'}}\n",
            hash_token(secret)
        )
    };
    write(
        d,
        "a.yaml",
        &format!(
            "services:\n  shop: {{}}\nauth:\n  tokens:\n{}",
            token("ci", "1")
        ),
    );
    write(
        d,
        "b.yaml",
        &format!(
            "# second\nservices:\n  shop: {{}}\nauth:\n  tokens:\n{}{}",
            token("ci", "2"),
            token("cd", "1")
        ),
    );
    write(d, "c.yaml", "auth: {public_read: true}\n");
    write(d, "d.yaml", "auth:\n  public_read: false\n");
    let (a, b, c, dd) = (
        d.join("a.yaml"),
        d.join("b.yaml"),
        d.join("c.yaml"),
        d.join("d.yaml"),
    );
    assert_eq!(
        load_errors(d),
        format!(
            "{b}:3: services.shop: service `shop` is already defined at {a}:2\n\
             {b}:6: auth.tokens[0].name: duplicate token name `ci`; it is first defined at {a}:5\n\
             {b}:7: auth.tokens[1].hash: token `ci` ({a}:5) has the same hash; give each holder a token of its own\n\
             {dd}:2: auth.public_read: `public_read` is already set at {c}:1; set it in one file only",
            a = a.display(),
            b = b.display(),
            c = c.display(),
            dd = dd.display()
        )
    );
}

#[test]
fn errors_of_every_file_are_collected_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "2.yaml", "services:\n  Shop: {}\n");
    write(d, "1.yaml", "servces: {}\n");
    let out = load_errors(d);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(&format!(
            "{}:1: unknown key `servces`",
            d.join("1.yaml").display()
        )),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{}:2: services.Shop: `Shop` is not",
            d.join("2.yaml").display()
        )),
        "{out}"
    );
}

#[test]
fn io_errors_name_the_path_as_given() {
    let missing = PathBuf::from("no/such/nines.yaml");
    let out = load_errors(&missing);
    assert!(
        out.starts_with("no/such/nines.yaml: cannot read: "),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "# not config");
    assert_eq!(
        load_errors(dir.path()),
        format!(
            "{}: the directory holds no *.yaml or *.yml files",
            dir.path().display()
        )
    );

    write(dir.path(), "bad.yaml", "");
    fs::write(dir.path().join("bad.yaml"), [0xff, 0xfe, b'a']).unwrap();
    let out = load_errors(dir.path());
    assert!(
        out.starts_with(&format!(
            "{}: cannot read: ",
            dir.path().join("bad.yaml").display()
        )),
        "{out}"
    );
}
