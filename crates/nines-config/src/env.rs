//! `${NAME}` expansion inside scalar values, so secrets and per-host values
//! stay out of config files.
//!
//! Expansion runs on parsed scalars, never on the raw text: line numbers stay
//! right, and a variable's value cannot inject YAML structure.

/// Where variables come from: `std::env::var` in the binary, a map in tests
/// (setting process variables is `unsafe` since edition 2024).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads the process environment; non-UTF-8 values count as unset.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Replaces each `${NAME}` with the variable's value and each `$${` with a
/// literal `${`. A `$` not followed by `{` stays as it is. Values are
/// inserted as they are, not expanded again.
pub(crate) fn expand(text: &str, env: Env<'_>) -> Result<String, String> {
    if !text.contains('$') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut unset: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let Some(end) = after.find('}') else {
                return Err(
                    "unterminated `${`; close it with `}`, or write `$${` for a literal `${`"
                        .to_string(),
                );
            };
            let name = &after[..end];
            if !is_var_name(name) {
                return Err(format!(
                    "`${{{name}}}` is not a variable reference: names are letters, digits and `_`, \
                     not starting with a digit (write `$${{` for a literal `${{`)"
                ));
            }
            match env(name) {
                Some(value) => out.push_str(&value),
                None => unset.push(name),
            }
            rest = &after[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    match unset.as_slice() {
        [] => Ok(out),
        [one] => Err(format!("environment variable `{one}` is not set")),
        many => {
            let names: Vec<String> = many.iter().map(|n| format!("`{n}`")).collect();
            Err(format!(
                "environment variables {} are not set",
                names.join(", ")
            ))
        }
    }
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.local".to_string()),
            "TRICKY" => Some("${HOST}: [x]".to_string()),
            _ => None,
        }
    }

    #[test]
    fn expands_escapes_and_leaves_lone_dollars() {
        assert_eq!(
            expand("http://${HOST}:5432", &env).unwrap(),
            "http://db.local:5432"
        );
        assert_eq!(
            expand("$${HOST} costs $5", &env).unwrap(),
            "${HOST} costs $5"
        );
        assert_eq!(expand("${TRICKY}", &env).unwrap(), "${HOST}: [x]");
        assert_eq!(expand("$$", &env).unwrap(), "$$");
    }

    #[test]
    fn names_every_unset_variable() {
        assert_eq!(
            expand("${NOPE}", &env).unwrap_err(),
            "environment variable `NOPE` is not set"
        );
        assert_eq!(
            expand("${A}${HOST}${B}", &env).unwrap_err(),
            "environment variables `A`, `B` are not set"
        );
    }

    #[test]
    fn refuses_malformed_references() {
        assert!(
            expand("${HOST", &env)
                .unwrap_err()
                .starts_with("unterminated")
        );
        assert!(
            expand("${HO ST}", &env)
                .unwrap_err()
                .contains("not a variable reference")
        );
        assert!(expand("${1X}", &env).is_err());
        assert!(expand("${}", &env).is_err());
    }
}
