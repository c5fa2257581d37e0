//! Several targets from a file, in vegeta's format: a request line
//! (`GET http://host/path`), header lines, an optional `@body-file`, and
//! a blank line between targets. `#` lines are comments. Pure: body files
//! are named here and read by the caller.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("targets line {line}: {reason}")]
pub struct TargetsError {
    pub line: usize,
    pub reason: String,
}

pub fn parse_targets(text: &str) -> Result<Vec<Target>, TargetsError> {
    let mut out: Vec<Target> = Vec::new();
    let mut current: Option<Target> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |reason: String| TargetsError {
            line: n + 1,
            reason,
        };
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            out.extend(current.take());
            continue;
        }
        match current.as_mut() {
            None => {
                let (method, url) = line
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| err(format!("{line:?} is not METHOD URL")))?;
                let url = url.trim();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(err(format!("{url:?} is not an http:// or https:// URL")));
                }
                if !method.chars().all(|c| c.is_ascii_uppercase()) {
                    return Err(err(format!("{method:?} is not an HTTP method")));
                }
                current = Some(Target {
                    method: method.to_string(),
                    url: url.to_string(),
                    headers: Vec::new(),
                    body_file: None,
                });
            }
            Some(t) => {
                if let Some(file) = line.strip_prefix('@') {
                    t.body_file = Some(PathBuf::from(file.trim()));
                } else {
                    let (k, v) = line
                        .split_once(':')
                        .ok_or_else(|| err(format!("{line:?} is not a Header: value line")))?;
                    t.headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
        }
    }
    out.extend(current);
    if out.is_empty() {
        return Err(TargetsError {
            line: 0,
            reason: "no targets".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vegetas_format() {
        let t = parse_targets(
            "GET http://a:1/x?y=1\nX-Account-ID: 8675309\n\n# next\nPOST https://b/y\nContent-Type: application/json\n@body.json\n",
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].headers, [("X-Account-ID".into(), "8675309".into())]);
        assert_eq!(t[1].method, "POST");
        assert_eq!(t[1].body_file, Some(PathBuf::from("body.json")));
        let e = parse_targets("GET http://a/\nnot a header\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(parse_targets("GET ftp://a/\n").is_err());
        assert!(parse_targets("\n# only\n").is_err());
    }
}
