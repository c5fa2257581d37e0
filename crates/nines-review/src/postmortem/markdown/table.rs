//! The GitHub-flavoured tables of a postmortem file as read: rows of cells
//! split at unescaped pipes, checked against the header the writer uses,
//! with line numbers for errors.

use super::escape::{split_unescaped, trim_blank, unescape_inline};
use super::{Line, ParseError, err, is_blank, quote};

/// A table as read: its header line and rows of raw (still escaped,
/// trimmed) cells with their line numbers.
pub(super) struct Table<'a> {
    pub(super) line: usize,
    pub(super) header: Vec<&'a str>,
    pub(super) rows: Vec<(usize, Vec<&'a str>)>,
}

/// The tables of a block, which holds nothing else.
pub(super) fn read_tables<'a>(body: &[Line<'a>]) -> Result<Vec<Table<'a>>, ParseError> {
    let mut out: Vec<Table> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let line = body[i];
        if is_blank(line.text) {
            i += 1;
            continue;
        }
        if !trim_blank(line.text).starts_with('|') {
            return Err(err(
                line.no,
                format!(
                    "expected a table row, \"| … |\", found {}",
                    quote(line.text)
                ),
            ));
        }
        let header = cells(line.text);
        let Some(sep) = body.get(i + 1).filter(|l| !is_blank(l.text)) else {
            return Err(err(
                line.no,
                "a table header needs a \"|---|\" line under it",
            ));
        };
        let seps = cells(sep.text);
        let dashes = |c: &&str| {
            let c = c.trim_matches(':');
            !c.is_empty() && c.chars().all(|ch| ch == '-')
        };
        if seps.len() != header.len() || !seps.iter().all(dashes) {
            return Err(err(
                sep.no,
                format!(
                    "expected the table's \"|---|\" line with {} columns, found {}",
                    header.len(),
                    quote(sep.text)
                ),
            ));
        }
        let mut rows = Vec::new();
        i += 2;
        while let Some(l) = body.get(i).filter(|l| !is_blank(l.text)) {
            if !trim_blank(l.text).starts_with('|') {
                break;
            }
            let cells = cells(l.text);
            if cells.len() != header.len() {
                return Err(err(
                    l.no,
                    format!(
                        "expected {} cells like the header, found {}",
                        header.len(),
                        cells.len()
                    ),
                ));
            }
            rows.push((l.no, cells));
            i += 1;
        }
        out.push(Table {
            line: line.no,
            header,
            rows,
        });
    }
    Ok(out)
}

/// The cells of a table row: split at unescaped `|`, without the outer
/// pipes, each trimmed.
pub(super) fn cells(text: &str) -> Vec<&str> {
    let text = trim_blank(text);
    let text = text.strip_prefix('|').unwrap_or(text);
    let mut cells = split_unescaped(text, '|');
    if cells.last().is_some_and(|c| is_blank(c)) {
        cells.pop();
    }
    cells.into_iter().map(trim_blank).collect()
}

pub(super) fn only_table<'t, 'a>(
    tables: &'t [Table<'a>],
    line: usize,
    what: &str,
) -> Result<&'t Table<'a>, ParseError> {
    match tables {
        [one] => Ok(one),
        [] => Err(err(line, format!("expected {what} after this line"))),
        [_, extra, ..] => Err(err(
            extra.line,
            format!("expected only {what}, found another table"),
        )),
    }
}

/// The rows of a table with this header (compared ignoring case).
pub(super) fn rows<'t, 'a>(
    table: &'t Table<'a>,
    header: &[&str],
) -> Result<&'t [(usize, Vec<&'a str>)], ParseError> {
    let same = table.header.len() == header.len()
        && table
            .header
            .iter()
            .zip(header)
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
    if !same {
        return Err(err(
            table.line,
            format!(
                "expected the table header \"| {} |\", found \"| {} |\"",
                header.join(" | "),
                table.header.join(" | ")
            ),
        ));
    }
    Ok(&table.rows)
}

/// The values of a two-column table of `| key | value |` rows, each key
/// exactly once, returned in the order of `keys` with their line numbers.
pub(super) fn key_values<'a, const N: usize>(
    table: &Table<'a>,
    keys: &[&str; N],
) -> Result<[(usize, &'a str); N], ParseError> {
    if table.header.len() != 2 {
        return Err(err(
            table.line,
            format!("expected a two-column table of {}", keys.join(", ")),
        ));
    }
    let mut values: [Option<(usize, &str)>; N] = [None; N];
    for (no, cells) in &table.rows {
        let key = unescape_inline(cells[0]);
        let Some(i) = keys.iter().position(|k| k.eq_ignore_ascii_case(&key)) else {
            return Err(err(
                *no,
                format!("unknown row {} (expected {})", quote(&key), keys.join(", ")),
            ));
        };
        if let Some((first, _)) = values[i] {
            return Err(err(
                *no,
                format!("row {} again (first on line {first})", keys[i]),
            ));
        }
        values[i] = Some((*no, cells[1]));
    }
    let mut out = [(0, ""); N];
    for (i, v) in values.into_iter().enumerate() {
        out[i] =
            v.ok_or_else(|| err(table.line, format!("the table lacks the row {}", keys[i])))?;
    }
    Ok(out)
}
