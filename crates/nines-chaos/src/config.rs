//! `toxiproxy-server -config FILE`: a JSON array of proxies (`name`,
//! `listen`, `upstream`, `enabled`), the same body `POST /populate` takes.

use std::path::Path;

use crate::proxies::ProxyInput;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: {message} (expected a JSON array of {{\"name\", \"listen\", \"upstream\", \"enabled\"}})"
    )]
    Parse {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// The proxies of a toxiproxy config file.
pub fn read(path: &Path) -> Result<Vec<ProxyInput>, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    parse(&shown, &text)
}

pub fn parse(path: &str, text: &str) -> Result<Vec<ProxyInput>, ConfigError> {
    serde_json::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toxiproxys_example() {
        let p = parse(
            "t.json",
            r#"[{"name":"web_dev_frontend_1","listen":"[::]:18080","upstream":"webapp.dev:80","enabled":true},
                {"name":"web_dev_mysql_1","listen":"[::]:13306","upstream":"database.dev:3306"}]"#,
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].upstream, "database.dev:3306");
        assert_eq!(p[1].enabled, None);
    }

    #[test]
    fn says_where_a_file_is_wrong() {
        let e = parse("t.json", "[{\"name\": 3}]").unwrap_err().to_string();
        assert!(e.starts_with("t.json:1:"), "{e}");
    }
}
