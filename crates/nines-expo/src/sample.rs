//! What a parsed exposition is made of: samples (borrowing from the input),
//! their exemplars, and metric types.

use std::borrow::Cow;

use crate::labels::Labels;

/// One line of an exposition: a series and its value.
///
/// Everything borrows from the parsed text; names and label values are
/// `Cow::Owned` only when the input escaped something in them. Equality
/// compares values as floats, so a sample with a `NaN` value is not equal to
/// itself (compare `value.to_bits()` when that matters).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    /// The series' full name as exposed, suffix included
    /// (`http_requests_total`, `latency_seconds_bucket`).
    pub name: Cow<'a, str>,
    pub labels: Labels<'a>,
    pub value: f64,
    /// Milliseconds since the Unix epoch, in both formats: the text format
    /// writes integer milliseconds, OpenMetrics float seconds (converted here,
    /// rounded to the nearest millisecond, which is Prometheus' resolution).
    pub timestamp_ms: Option<i64>,
    /// OpenMetrics only: the exemplar after ` # `.
    pub exemplar: Option<Exemplar<'a>>,
}

impl Sample<'_> {
    /// The value of label `name`, if the sample has it. An empty value
    /// counts as present here; selectors treat it as absent, like Prometheus.
    pub fn label(&self, name: &str) -> Option<Cow<'_, str>> {
        self.labels.get(name)
    }
}

/// An OpenMetrics exemplar: `# {trace_id="abc"} 0.4 1.6e9` after a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Exemplar<'a> {
    pub labels: Labels<'a>,
    pub value: f64,
    /// Milliseconds since the Unix epoch (OpenMetrics writes float seconds).
    pub timestamp_ms: Option<i64>,
}

/// A metric family's type from a `# TYPE` line. The text format's `untyped`
/// and OpenMetrics' `unknown` are the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    Unknown,
}

impl MetricType {
    /// The type named in a `# TYPE` line, in either format.
    pub(crate) fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "counter" => Self::Counter,
            "gauge" => Self::Gauge,
            "histogram" => Self::Histogram,
            "gaugehistogram" => Self::GaugeHistogram,
            "summary" => Self::Summary,
            "info" => Self::Info,
            "stateset" => Self::StateSet,
            "untyped" | "unknown" => Self::Unknown,
            _ => return None,
        })
    }
}
