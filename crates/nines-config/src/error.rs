//! Config errors: each names the file, the line, the field and what to do.

use std::fmt;
use std::path::PathBuf;

/// One mistake in a config, shown as
/// `nines.yaml:5: services.shop.slos[0].objective: 100.5 is not a percentage between 0 and 100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as the user named it (not canonicalized), so the message
    /// points where they look.
    pub file: PathBuf,
    /// 1-based line of the offending value; 0 when the error concerns the
    /// file as a whole (it cannot be read, a directory holds no config).
    pub line: usize,
    /// Path of the field: dots between mapping keys, `[i]` for sequence
    /// items (`services.shop.slos[0].objective`). Empty when the error is
    /// not about one field (YAML syntax, I/O).
    pub field: String,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every error found while loading a config, in file order and, within a
/// file, in line order. Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One error per line, no trailing newline.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(line: usize, field: &str) -> ConfigError {
        ConfigError {
            file: "conf/a.yaml".into(),
            line,
            field: field.into(),
            message: "bad".into(),
        }
    }

    #[test]
    fn display_leaves_out_what_is_unknown() {
        let all = ConfigErrors(vec![err(5, "services.shop"), err(2, ""), err(0, "")]);
        assert_eq!(
            all.to_string(),
            "conf/a.yaml:5: services.shop: bad\nconf/a.yaml:2: bad\nconf/a.yaml: bad"
        );
    }
}
