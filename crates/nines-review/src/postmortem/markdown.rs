//! A postmortem as GitHub-flavoured Markdown, and back. The file is what
//! people edit (`nines postmortem export|import`), so it reads like a
//! document: headings for sections, tables for facts, free Markdown for
//! prose. Reading it back must give the same postmortem, so the few places
//! where Markdown would swallow or reinterpret text are escaped, each with
//! an escape GitHub renders as the original character.

use std::fmt::Write as _;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use thiserror::Error;

use super::{ActionItem, Detection, Impact, Lessons, Postmortem, SloImpact, Status, TimelineEntry};

mod escape;
mod table;

use escape::{
    escape_inline, escape_prose_line, format_percent, parse_percent, split_unescaped, trim_blank,
    unescape_inline, unescape_prose_line,
};
use table::{key_values, only_table, read_tables, rows};

/// Why a Markdown postmortem could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based; the last line for something missing at the end.
    pub line: usize,
    pub message: String,
}

const SUMMARY: &str = "Summary";
const IMPACT: &str = "Impact";
const ROOT_CAUSES: &str = "Root causes";
const TRIGGER: &str = "Trigger";
const RESOLUTION: &str = "Resolution";
const DETECTION: &str = "Detection";
const ACTION_ITEMS: &str = "Action items";
const LESSONS: &str = "Lessons learned";
const TIMELINE: &str = "Timeline";
const SUPPORTING: &str = "Supporting information";
const SECTIONS: [&str; 10] = [
    SUMMARY,
    IMPACT,
    ROOT_CAUSES,
    TRIGGER,
    RESOLUTION,
    DETECTION,
    ACTION_ITEMS,
    LESSONS,
    TIMELINE,
    SUPPORTING,
];
const WENT_WELL: &str = "What went well";
const WENT_WRONG: &str = "What went wrong";
const GOT_LUCKY: &str = "Where we got lucky";

const ACTION_HEADER: [&str; 6] = ["Type", "Action", "Owner", "Due", "Tracking", "Status"];
const SLO_HEADER: [&str; 2] = ["SLO", "Error budget burned"];
const TIMELINE_HEADER: [&str; 2] = ["Time (UTC)", "Event"];
const DETECTION_KEYS: [&str; 4] = [
    "Time to detect",
    "Time to acknowledge",
    "Time to mitigate",
    "Time to resolve",
];

/// Writes a postmortem as Markdown: the title as `#` heading, a table of
/// incident, date, authors and status, then one `##` section per part of
/// the SRE book's template in its order. Action items, the timeline (times
/// in UTC), impact and detection figures are tables; prose is written as
/// is; supporting links are a list. The output is stable: the same
/// postmortem always gives the same bytes.
///
/// What is escaped so [`from_markdown`] reads back exactly what was
/// written: in prose, a line starting with `#` (or with `\#` or `\\`) gets
/// a `\` in front. In table cells, the title, authors and links: `|`, `\`
/// (and `,` between authors) get a `\`, line breaks become `<br>`, spaces
/// and tabs at either end become `&#32;` and `&#9;`, a carriage return
/// `&#13;`, and `<` before `b` or `&` before `#` get a `\`. Budget ratios
/// are written as percentages with every digit they need.
///
/// Two things do not survive: an empty string in an optional field
/// (incident, users affected, tracking) reads back as `None`, and empty
/// author names or links are dropped. A carriage return ending a line of
/// prose reads back as a plain line end.
pub fn to_markdown(p: &Postmortem) -> String {
    let mut w = Writer::default();
    if p.title.is_empty() {
        w.line("#");
    } else {
        w.line(format!("# {}", escape_inline(&p.title, &[])));
    }
    w.blank();
    let authors: Vec<String> = p.authors.iter().map(|a| escape_inline(a, &[','])).collect();
    w.key_values(&[
        ("Incident", opt_inline(p.incident.as_deref())),
        ("Date", p.date.to_string()),
        ("Authors", authors.join(", ")),
        ("Status", p.status.as_str().to_string()),
    ]);

    w.heading(SUMMARY);
    w.prose(&p.summary);

    w.heading(IMPACT);
    w.key_values(&[
        ("Duration", opt_duration(p.impact.duration)),
        (
            "Users affected",
            opt_inline(p.impact.users_affected.as_deref()),
        ),
    ]);
    w.blank();
    w.table(
        &SLO_HEADER,
        p.impact.slos.iter().map(|s| {
            vec![
                escape_inline(&s.slo, &[]),
                format_percent(s.budget_burned_ratio),
            ]
        }),
    );

    w.heading(ROOT_CAUSES);
    w.prose(&p.root_causes);
    w.heading(TRIGGER);
    w.prose(&p.trigger);
    w.heading(RESOLUTION);
    w.prose(&p.resolution);

    w.heading(DETECTION);
    let d = &p.detection;
    let spans = [d.detect, d.acknowledge, d.mitigate, d.resolve];
    let rows: Vec<(&str, String)> = DETECTION_KEYS
        .iter()
        .zip(spans)
        .map(|(k, v)| (*k, opt_duration(v)))
        .collect();
    w.key_values(&rows);

    w.heading(ACTION_ITEMS);
    w.table(
        &ACTION_HEADER,
        p.action_items.iter().map(|a| {
            vec![
                a.kind.as_str().to_string(),
                escape_inline(&a.description, &[]),
                escape_inline(&a.owner, &[]),
                a.due.map(|d| d.to_string()).unwrap_or_default(),
                opt_inline(a.tracking.as_deref()),
                if a.done { "done" } else { "open" }.to_string(),
            ]
        }),
    );

    w.heading(LESSONS);
    for (name, text) in [
        (WENT_WELL, &p.lessons.went_well),
        (WENT_WRONG, &p.lessons.went_wrong),
        (GOT_LUCKY, &p.lessons.got_lucky),
    ] {
        w.line(format!("### {name}"));
        w.blank();
        w.prose(text);
    }

    w.heading(TIMELINE);
    w.table(
        &TIMELINE_HEADER,
        p.timeline
            .iter()
            .map(|e| vec![format_timestamp(e.at), escape_inline(&e.text, &[])]),
    );

    w.heading(SUPPORTING);
    for link in &p.supporting {
        w.line(format!("- {}", escape_inline(link, &[])));
    }
    w.finish()
}

/// Lines of the document being written.
#[derive(Default)]
struct Writer {
    lines: Vec<String>,
}

impl Writer {
    fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    fn blank(&mut self) {
        self.lines.push(String::new());
    }

    /// A `##` heading, after a blank line (prose ends with one already).
    fn heading(&mut self, name: &str) {
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            self.blank();
        }
        self.line(format!("## {name}"));
        self.blank();
    }

    /// Prose, then one blank line; the reader strips exactly one blank line
    /// at each end of a section, so prose keeps its own blank lines.
    fn prose(&mut self, text: &str) {
        for line in text.split('\n') {
            self.line(escape_prose_line(line));
        }
        self.blank();
    }

    fn key_values<K: AsRef<str>>(&mut self, rows: &[(K, String)]) {
        self.table(
            &["", ""],
            rows.iter()
                .map(|(k, v)| vec![k.as_ref().to_string(), v.clone()]),
        );
    }

    fn table(&mut self, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
        self.line(row(header.iter().copied()));
        self.line(format!("|{}", "---|".repeat(header.len())));
        for cells in rows {
            self.line(row(cells.iter().map(String::as_str)));
        }
    }

    fn finish(mut self) -> String {
        while self.lines.last().is_some_and(|l| l.is_empty()) {
            self.lines.pop();
        }
        let mut out = self.lines.join("\n");
        out.push('\n');
        out
    }
}

fn row<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("|");
    for cell in cells {
        if cell.is_empty() {
            out.push_str(" |");
        } else {
            let _ = write!(out, " {cell} |");
        }
    }
    out
}

fn opt_inline(text: Option<&str>) -> String {
    text.map(|t| escape_inline(t, &[])).unwrap_or_default()
}

fn opt_duration(d: Option<SignedDuration>) -> String {
    d.map(|d| format!("{d:#}")).unwrap_or_default()
}

fn format_timestamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S%.fZ").to_string()
}

// === reading ===

#[derive(Clone, Copy)]
struct Line<'a> {
    no: usize,
    text: &'a str,
}

fn err(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

/// Reads a postmortem written by [`to_markdown`], or edited by hand from
/// one: sections may come in any order, tables may be re-aligned (with or
/// without outer pipes and alignment colons), CRLF line ends are fine.
/// Every error names the line it is about.
pub fn from_markdown(text: &str) -> Result<Postmortem, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<Line> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| Line {
            no: i + 1,
            text: l.strip_suffix('\r').unwrap_or(l),
        })
        .collect();
    let (title_line, title, rest) = read_title(&lines)?;
    let doc = Sections::split(rest, lines.len())?;
    let details = read_details(doc.preamble, title_line)?;
    Ok(Postmortem {
        title,
        incident: details.incident,
        date: details.date,
        authors: details.authors,
        status: details.status,
        summary: prose(doc.get(SUMMARY)?.1),
        impact: read_impact(doc.get(IMPACT)?)?,
        root_causes: prose(doc.get(ROOT_CAUSES)?.1),
        trigger: prose(doc.get(TRIGGER)?.1),
        resolution: prose(doc.get(RESOLUTION)?.1),
        detection: read_detection(doc.get(DETECTION)?)?,
        action_items: read_action_items(doc.get(ACTION_ITEMS)?)?,
        lessons: read_lessons(doc.get(LESSONS)?)?,
        timeline: read_timeline(doc.get(TIMELINE)?)?,
        supporting: read_supporting(doc.get(SUPPORTING)?.1)?,
    })
}

/// The `#` title: its line number, its text, and the lines after it.
fn read_title<'l, 'a>(
    lines: &'l [Line<'a>],
) -> Result<(usize, String, &'l [Line<'a>]), ParseError> {
    let skip = lines.iter().take_while(|l| is_blank(l.text)).count();
    let Some((line, rest)) = lines[skip..].split_first() else {
        return Err(err(
            lines.len(),
            "empty document: expected the title, \"# …\"",
        ));
    };
    let title = if line.text == "#" {
        String::new()
    } else if let Some(t) = line.text.strip_prefix("# ") {
        unescape_inline(trim_blank(t))
    } else {
        return Err(err(
            line.no,
            format!("expected the title, \"# …\", found {}", quote(line.text)),
        ));
    };
    Ok((line.no, title, rest))
}

/// The document cut at its `##` headings.
struct Sections<'l, 'a> {
    /// Between the title and the first section: the details table.
    preamble: &'l [Line<'a>],
    /// Heading line, known name, body.
    sections: Vec<(usize, &'static str, &'l [Line<'a>])>,
    last_line: usize,
}

impl<'l, 'a> Sections<'l, 'a> {
    fn split(lines: &'l [Line<'a>], last_line: usize) -> Result<Self, ParseError> {
        let starts: Vec<usize> = (0..lines.len())
            .filter(|&i| heading(lines[i].text, "##").is_some())
            .collect();
        let mut sections: Vec<(usize, &'static str, &[Line])> = Vec::new();
        for (n, &start) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(lines.len());
            let line = lines[start];
            let name = heading(line.text, "##").unwrap_or_default();
            let Some(known) = SECTIONS.iter().find(|s| s.eq_ignore_ascii_case(name)) else {
                return Err(err(
                    line.no,
                    format!(
                        "unknown section \"## {name}\" (expected {})",
                        SECTIONS.join(", ")
                    ),
                ));
            };
            if let Some((first, _, _)) = sections.iter().find(|(_, s, _)| s == known) {
                return Err(err(
                    line.no,
                    format!("section \"## {known}\" again (first on line {first})"),
                ));
            }
            sections.push((line.no, known, &lines[start + 1..end]));
        }
        Ok(Sections {
            preamble: &lines[..starts.first().copied().unwrap_or(lines.len())],
            sections,
            last_line,
        })
    }

    /// A section's heading line and body.
    fn get(&self, name: &str) -> Result<(usize, &'l [Line<'a>]), ParseError> {
        self.sections
            .iter()
            .find(|(_, s, _)| *s == name)
            .map(|(no, _, body)| (*no, *body))
            .ok_or_else(|| err(self.last_line, format!("missing section \"## {name}\"")))
    }
}

struct Details {
    incident: Option<String>,
    date: Date,
    authors: Vec<String>,
    status: Status,
}

fn read_details(preamble: &[Line], title_line: usize) -> Result<Details, ParseError> {
    let tables = read_tables(preamble)?;
    let table = only_table(&tables, title_line, "the details table")?;
    let [incident, date, authors, status] =
        key_values(table, &["Incident", "Date", "Authors", "Status"])?;
    Ok(Details {
        incident: optional(incident.1),
        date: date.1.parse::<Date>().map_err(|e| {
            err(
                date.0,
                format!("Date: cannot read {} as a date: {e}", quote(date.1)),
            )
        })?,
        authors: split_unescaped(authors.1, ',')
            .into_iter()
            .map(|a| unescape_inline(trim_blank(a)))
            .filter(|a| !a.is_empty())
            .collect(),
        status: status
            .1
            .parse::<Status>()
            .map_err(|e| err(status.0, format!("Status: {e}")))?,
    })
}

fn read_impact((no, body): (usize, &[Line])) -> Result<Impact, ParseError> {
    let tables = read_tables(body)?;
    let [figures, slos] = tables.as_slice() else {
        return Err(err(
            no,
            format!(
                "\"## {IMPACT}\" needs two tables (duration and users affected, then SLOs), found {}",
                tables.len()
            ),
        ));
    };
    let [duration, users] = key_values(figures, &["Duration", "Users affected"])?;
    let slos = rows(slos, &SLO_HEADER)?
        .iter()
        .map(|(no, cells)| {
            let budget_burned_ratio = parse_percent(cells[1]).ok_or_else(|| {
                err(
                    *no,
                    format!(
                        "Error budget burned: cannot read {} as a percentage (e.g. 42.5%)",
                        quote(cells[1])
                    ),
                )
            })?;
            Ok(SloImpact {
                slo: unescape_inline(cells[0]),
                budget_burned_ratio,
            })
        })
        .collect::<Result<_, ParseError>>()?;
    Ok(Impact {
        duration: parse_duration("Duration", duration)?,
        slos,
        users_affected: optional(users.1),
    })
}

fn read_detection((no, body): (usize, &[Line])) -> Result<Detection, ParseError> {
    let tables = read_tables(body)?;
    let table = only_table(&tables, no, "the detection table")?;
    let [detect, acknowledge, mitigate, resolve] = key_values(table, &DETECTION_KEYS)?;
    Ok(Detection {
        detect: parse_duration(DETECTION_KEYS[0], detect)?,
        acknowledge: parse_duration(DETECTION_KEYS[1], acknowledge)?,
        mitigate: parse_duration(DETECTION_KEYS[2], mitigate)?,
        resolve: parse_duration(DETECTION_KEYS[3], resolve)?,
    })
}

fn read_action_items((no, body): (usize, &[Line])) -> Result<Vec<ActionItem>, ParseError> {
    let tables = read_tables(body)?;
    let table = only_table(&tables, no, "the action items table")?;
    rows(table, &ACTION_HEADER)?
        .iter()
        .map(|(no, c)| {
            let due = if c[3].is_empty() {
                None
            } else {
                Some(c[3].parse::<Date>().map_err(|e| {
                    err(
                        *no,
                        format!("Due: cannot read {} as a date: {e}", quote(c[3])),
                    )
                })?)
            };
            let done = match c[5].to_ascii_lowercase().as_str() {
                "done" => true,
                "open" => false,
                _ => {
                    return Err(err(
                        *no,
                        format!("Status: expected open or done, found {}", quote(c[5])),
                    ));
                }
            };
            Ok(ActionItem {
                kind: c[0].parse().map_err(|e| err(*no, format!("Type: {e}")))?,
                description: unescape_inline(c[1]),
                owner: unescape_inline(c[2]),
                due,
                tracking: optional(c[4]),
                done,
            })
        })
        .collect()
}

fn read_timeline((no, body): (usize, &[Line])) -> Result<Vec<TimelineEntry>, ParseError> {
    let tables = read_tables(body)?;
    let table = only_table(&tables, no, "the timeline table")?;
    rows(table, &TIMELINE_HEADER)?
        .iter()
        .map(|(no, c)| {
            let at = parse_timestamp(c[0]).ok_or_else(|| {
                err(
                    *no,
                    format!(
                        "Time (UTC): cannot read {} as a time (e.g. 2025-03-01 14:05:00Z)",
                        quote(c[0])
                    ),
                )
            })?;
            Ok(TimelineEntry {
                at,
                text: unescape_inline(c[1]),
            })
        })
        .collect()
}

fn read_supporting(body: &[Line]) -> Result<Vec<String>, ParseError> {
    let mut links = Vec::new();
    for line in body.iter().filter(|l| !is_blank(l.text)) {
        let item = ["- ", "* "]
            .iter()
            .find_map(|b| line.text.strip_prefix(b))
            .or_else(|| (line.text == "-" || line.text == "*").then_some(""))
            .ok_or_else(|| {
                err(
                    line.no,
                    format!(
                        "expected a list item, \"- link\", found {}",
                        quote(line.text)
                    ),
                )
            })?;
        let item = unescape_inline(trim_blank(item));
        if !item.is_empty() {
            links.push(item);
        }
    }
    Ok(links)
}

fn is_blank(text: &str) -> bool {
    trim_blank(text).is_empty()
}

/// The name of a heading of this level (`##`), if the line is one.
fn heading<'a>(text: &'a str, marks: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(marks)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix(' ').map(trim_blank)
    }
}

/// A section's prose: its lines minus the one blank line the writer puts
/// at each end.
fn prose(body: &[Line]) -> String {
    let mut body = body;
    if body.first().is_some_and(|l| is_blank(l.text)) {
        body = &body[1..];
    }
    if body.last().is_some_and(|l| is_blank(l.text)) {
        body = &body[..body.len() - 1];
    }
    body.iter()
        .map(|l| unescape_prose_line(l.text))
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_lessons((section_line, body): (usize, &[Line])) -> Result<Lessons, ParseError> {
    let names = [WENT_WELL, WENT_WRONG, GOT_LUCKY];
    let mut found: [Option<String>; 3] = Default::default();
    let starts: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, l)| heading(l.text, "###").is_some())
        .map(|(i, _)| i)
        .collect();
    let before = &body[..starts.first().copied().unwrap_or(body.len())];
    if let Some(stray) = before.iter().find(|l| !is_blank(l.text)) {
        return Err(err(
            stray.no,
            format!(
                "expected \"### {WENT_WELL}\", \"### {WENT_WRONG}\" or \"### {GOT_LUCKY}\", found {}",
                quote(stray.text)
            ),
        ));
    }
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(body.len());
        let line = body[start];
        let name = heading(line.text, "###").unwrap_or_default();
        let Some(i) = names.iter().position(|s| s.eq_ignore_ascii_case(name)) else {
            return Err(err(
                line.no,
                format!(
                    "unknown part \"### {name}\" of lessons learned (expected {})",
                    names.join(", ")
                ),
            ));
        };
        if found[i].is_some() {
            return Err(err(line.no, format!("\"### {}\" again", names[i])));
        }
        found[i] = Some(prose(&body[start + 1..end]));
    }
    let [well, wrong, lucky] = found;
    let missing = |i: usize| {
        err(
            section_line,
            format!("\"## {LESSONS}\" lacks \"### {}\"", names[i]),
        )
    };
    Ok(Lessons {
        went_well: well.ok_or_else(|| missing(0))?,
        went_wrong: wrong.ok_or_else(|| missing(1))?,
        got_lucky: lucky.ok_or_else(|| missing(2))?,
    })
}

/// An optional single-line value: empty means none.
fn optional(raw: &str) -> Option<String> {
    Some(unescape_inline(raw)).filter(|s| !s.is_empty())
}

fn parse_duration(
    key: &str,
    (no, raw): (usize, &str),
) -> Result<Option<SignedDuration>, ParseError> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<SignedDuration>().map(Some).map_err(|e| {
        err(
            no,
            format!(
                "{key}: cannot read {} as a duration (e.g. 1h 5m): {e}",
                quote(raw)
            ),
        )
    })
}

/// A UTC time as written, or without the `Z` (and without seconds), as
/// people type them into the timeline.
fn parse_timestamp(raw: &str) -> Option<Timestamp> {
    raw.parse::<Timestamp>().ok().or_else(|| {
        let dt: DateTime = raw.parse().ok()?;
        dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
    })
}

/// A line quoted for an error message, shortened if long.
fn quote(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{:?}…", cut)
    }
}
