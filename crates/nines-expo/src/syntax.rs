//! The one syntax error of nines' one-line languages (series selectors,
//! label matchers, probe conditions): where the input is wrong, what was
//! expected there, and a picture with a caret under the spot.
//!
//! Every parser used to carry its own copy of the column arithmetic and
//! the caret renderer; they live here so all of them point the same way.

use std::fmt::{self, Write};

/// Why a one-line input does not parse, and where.
///
/// `Display` has two forms:
///
/// - `{}`: `column 10: expected an operator`, one line, for messages that
///   already name the file, line and field (`nines.yaml:12: probes[0]: …`);
/// - `{:#}`: the input, then a caret under the column and the message,
///   for a person looking at the one input (the same as [`render`]):
///
/// ```text
/// [STATUS] =< 200
///          ^ expected an operator (==, !=, <, <=, >, >=)
/// ```
///
/// [`render`]: SyntaxError::render
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based column of the offending character, counted in characters
    /// (not bytes); one past the last character when something is missing
    /// at the end.
    pub column: usize,
    /// What is wrong, without the position.
    pub message: String,
    /// The input as given, kept for the caret picture.
    pub input: String,
}

impl SyntaxError {
    /// An error at byte offset `at` of `input` (which must be on a
    /// character boundary; `input.len()` points one past the end).
    ///
    /// # Panics
    ///
    /// When `at` is not a character boundary of `input`: that is a bug in
    /// the parser, which always walks whole characters.
    pub fn at(input: &str, at: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            column: input[..at].chars().count() + 1,
            message: message.into(),
            input: input.to_owned(),
        }
    }

    /// What is wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The input with a caret under the column, then the message (what
    /// `{:#}` prints). Control characters (tabs, newlines) print as spaces
    /// so the picture stays two lines and the caret under its character.
    pub fn render(&self) -> String {
        format!("{self:#}")
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !f.alternate() {
            return write!(f, "column {}: {}", self.column, self.message);
        }
        for c in self.input.chars() {
            f.write_char(if c.is_control() { ' ' } else { c })?;
        }
        let indent = self.column.saturating_sub(1);
        write!(f, "\n{:indent$}^ {}", "", self.message)
    }
}

impl std::error::Error for SyntaxError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_form_names_the_column() {
        let e = SyntaxError::at("job > \"x\"", 4, "expected an operator");
        assert_eq!(e.column, 5);
        assert_eq!(e.to_string(), "column 5: expected an operator");
        assert_eq!(e.message(), "expected an operator");
    }

    #[test]
    fn caret_stands_under_the_column() {
        let e = SyntaxError::at("[STATUS] =< 200", 9, "expected an operator");
        assert_eq!(
            e.render(),
            "[STATUS] =< 200\n         ^ expected an operator"
        );
        assert_eq!(format!("{e:#}"), e.render());
    }

    #[test]
    fn caret_at_the_start_and_past_the_end() {
        let e = SyntaxError::at("abc", 0, "here");
        assert_eq!(e.render(), "abc\n^ here");
        let e = SyntaxError::at("abc", 3, "missing");
        assert_eq!(e.render(), "abc\n   ^ missing");
        let e = SyntaxError::at("", 0, "empty");
        assert_eq!((e.column, e.render().as_str()), (1, "\n^ empty"));
    }

    #[test]
    fn columns_count_characters_and_controls_print_as_spaces() {
        // `é` is two bytes and one column; the tab would shift the caret.
        let input = "é\tx=\"y";
        let e = SyntaxError::at(input, input.find('x').unwrap(), "here");
        assert_eq!(e.column, 3);
        assert_eq!(e.render(), "é x=\"y\n  ^ here");
        let e = SyntaxError::at("a\nb", 2, "second line");
        assert_eq!(e.render(), "a b\n  ^ second line");
    }
}
