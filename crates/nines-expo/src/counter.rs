//! Counters to increases, scrape over scrape: how nines turns a target's
//! ever-growing `_total` and `_bucket` counters into per-interval good and
//! total events, with resets handled like PromQL's `increase`.

use std::collections::HashMap;
use std::fmt;

use crate::parse::{Format, ParseError, parse};
use crate::render::write_series;
use crate::sample::Sample;
use crate::selector::Selector;

/// The increase of a counter from `previous` to `current`, as PromQL's
/// `increase` counts it: a value lower than before means the process
/// restarted and counted from zero again, so the whole new value is the
/// increase. `None` when either value is NaN or the increase would not be
/// finite: such a value says nothing about how many events happened.
pub fn increase(previous: f64, current: f64) -> Option<f64> {
    let delta = if current < previous {
        current
    } else {
        current - previous
    };
    delta.is_finite().then_some(delta)
}

/// A series' identity: its name and its labels sorted by name, labels with
/// an empty value left out (Prometheus treats `a=""` as no label `a`).
/// Stable across scrapes whatever order or spelling the target uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey(String);

impl SeriesKey {
    pub fn of(sample: &Sample<'_>) -> SeriesKey {
        let mut labels: Vec<_> = sample
            .labels
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        labels.sort();
        let mut key = String::new();
        // Quoting and escaping like the text format makes the key
        // unambiguous. Writing to a String cannot fail.
        let _ = write_series(&mut key, &sample.name, labels);
        SeriesKey(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The last value of every counter series seen in the previous scrape.
///
/// The first time a series is seen it yields no increase: nines cannot know
/// whether the counter started at zero just now or has been counting since
/// long before the first scrape, and counting its whole value would report
/// old events as new (PromQL's `increase` has no earlier sample there
/// either). A series missing from a scrape is forgotten, so when it comes
/// back it starts over the same way.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    last: HashMap<SeriesKey, Last>,
    /// Counts scrapes, to tell which series the latest one had.
    generation: u64,
}

#[derive(Debug, Clone, Copy)]
struct Last {
    /// NaN only if the series has never had another value.
    value: f64,
    generation: u64,
}

impl Counters {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one scrape's series and values; returns the increase of each
    /// series that the previous scrape had too, in the order given. A NaN
    /// value gives no increase and keeps the last real value, so the next
    /// real one counts from there. If a scrape lists a series twice, the
    /// first value counts.
    pub fn scrape(
        &mut self,
        values: impl IntoIterator<Item = (SeriesKey, f64)>,
    ) -> Vec<(SeriesKey, f64)> {
        self.generation += 1;
        let generation = self.generation;
        let mut increases = Vec::new();
        for (key, value) in values {
            match self.last.get_mut(&key) {
                Some(last) if last.generation == generation => {}
                Some(last) => {
                    last.generation = generation;
                    if value.is_nan() {
                        continue;
                    }
                    let previous = std::mem::replace(&mut last.value, value);
                    if let Some(delta) = increase(previous, value) {
                        increases.push((key, delta));
                    }
                }
                None => {
                    self.last.insert(key, Last { value, generation });
                }
            }
        }
        self.last.retain(|_, last| last.generation == generation);
        increases
    }

    /// How many series are remembered.
    pub fn len(&self) -> usize {
        self.last.len()
    }

    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

/// The summed increase of the series a selector matches, scrape over
/// scrape: one SLI counter (`good` or `total`) of one target.
#[derive(Debug, Clone)]
pub struct SelectorIncrease {
    selector: Selector,
    counters: Counters,
}

impl SelectorIncrease {
    pub fn new(selector: Selector) -> Self {
        SelectorIncrease {
            selector,
            counters: Counters::new(),
        }
    }

    pub fn selector(&self) -> &Selector {
        &self.selector
    }

    /// Parses one scrape and returns how much the matching series grew
    /// since the previous one, summed; `None` when no matching series was
    /// in both scrapes (the first scrape, or only new series), which is no
    /// data rather than zero events. A body that does not parse changes
    /// nothing, so a broken scrape is not mistaken for vanished series.
    pub fn scrape(&mut self, text: &str, format: Format) -> Result<Option<f64>, ParseError> {
        let mut matching = Vec::new();
        parse(text, format, |sample| {
            if self.selector.matches(&sample) {
                matching.push((SeriesKey::of(&sample), sample.value));
            }
        })?;
        Ok(self.apply(matching))
    }

    /// [`scrape`](Self::scrape) for a scrape parsed already (all of its
    /// samples), so one parse serves several selectors, such as an SLI's
    /// good and total.
    pub fn observe<'s, 'a: 's>(
        &mut self,
        samples: impl IntoIterator<Item = &'s Sample<'a>>,
    ) -> Option<f64> {
        let matching: Vec<_> = samples
            .into_iter()
            .filter(|s| self.selector.matches(s))
            .map(|s| (SeriesKey::of(s), s.value))
            .collect();
        self.apply(matching)
    }

    fn apply(&mut self, matching: Vec<(SeriesKey, f64)>) -> Option<f64> {
        let increases = self.counters.scrape(matching);
        (!increases.is_empty()).then(|| increases.iter().map(|(_, d)| d).sum())
    }
}
