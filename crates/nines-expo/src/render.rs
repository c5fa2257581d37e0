//! Writing samples in the text format 0.0.4, so that what the parser reads
//! can be written back and read again to the same samples.

use std::fmt::{self, Write};

use crate::labels::{is_legacy_label_name, is_legacy_metric_name};
use crate::sample::Sample;

/// Writes one sample line (no newline) in the text format: names that are
/// not `[a-zA-Z_:][a-zA-Z0-9_:]*` (label names: no `:`) are quoted the
/// Prometheus 3 way (`{"my.metric","label.x"="v"}`); values print as the
/// shortest decimal that reads back to the same float (`NaN`, `+Inf`,
/// `-Inf` for the special ones); the timestamp is integer milliseconds.
pub fn write_sample<W, K, V>(
    out: &mut W,
    name: &str,
    labels: impl IntoIterator<Item = (K, V)>,
    value: f64,
    timestamp_ms: Option<i64>,
) -> fmt::Result
where
    W: Write + ?Sized,
    K: AsRef<str>,
    V: AsRef<str>,
{
    write_series(out, name, labels)?;
    out.write_char(' ')?;
    write_value(out, value)?;
    if let Some(ts) = timestamp_ms {
        write!(out, " {ts}")?;
    }
    Ok(())
}

/// The series part of a sample line: name and labels, quoted as needed.
pub(crate) fn write_series<W, K, V>(
    out: &mut W,
    name: &str,
    labels: impl IntoIterator<Item = (K, V)>,
) -> fmt::Result
where
    W: Write + ?Sized,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut open = false;
    if is_legacy_metric_name(name) {
        out.write_str(name)?;
    } else {
        out.write_char('{')?;
        write_quoted(out, name)?;
        open = true;
    }
    let mut comma = open;
    for (label, label_value) in labels {
        if !open {
            out.write_char('{')?;
            open = true;
        }
        if comma {
            out.write_char(',')?;
        }
        comma = true;
        let label = label.as_ref();
        if is_legacy_label_name(label) {
            out.write_str(label)?;
        } else {
            write_quoted(out, label)?;
        }
        out.write_char('=')?;
        write_quoted(out, label_value.as_ref())?;
    }
    if open {
        out.write_char('}')?;
    }
    Ok(())
}

/// The samples in the text format, one line each (exemplars are dropped:
/// the text format has none).
pub fn render<'s, 'a: 's>(samples: impl IntoIterator<Item = &'s Sample<'a>>) -> String {
    let mut out = String::new();
    for sample in samples {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{sample}");
    }
    out
}

impl fmt::Display for Sample<'_> {
    /// The sample as a text-format line, without newline or exemplar.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_sample(
            f,
            &self.name,
            self.labels.iter(),
            self.value,
            self.timestamp_ms,
        )
    }
}

/// A float the way Prometheus writes them, and exactly: Rust's `{}` and
/// `{:e}` print the shortest digits that read back to the same bits;
/// exponent notation keeps huge and tiny values short.
pub(crate) fn write_value<W: Write + ?Sized>(out: &mut W, v: f64) -> fmt::Result {
    if v.is_nan() {
        out.write_str("NaN")
    } else if v.is_infinite() {
        out.write_str(if v > 0.0 { "+Inf" } else { "-Inf" })
    } else if v == 0.0 || (1e-5..1e15).contains(&v.abs()) {
        write!(out, "{v}")
    } else {
        write!(out, "{v:e}")
    }
}

/// `"s"` with `\`, `"` and line feeds escaped, as label values are written.
pub(crate) fn write_quoted<W: Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut rest = s;
    while let Some(n) = rest.find(['\\', '"', '\n']) {
        out.write_str(&rest[..n])?;
        out.write_str(match rest.as_bytes()[n] {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            _ => "\\n",
        })?;
        rest = &rest[n + 1..];
    }
    out.write_str(rest)?;
    out.write_char('"')
}
