//! The series of one SLO whatever its budgeting: events (each event
//! counts) or timeslices (each slice counts), behind one interface so the
//! daemon and the evaluator need not care.

use crate::budget::SloSpec;
use crate::series::{Counts, Series, SeriesError, Snapshot};
use crate::timeslice::{TimesliceSeries, TimesliceSnapshot};
use crate::window::Minute;

/// What [`crate::evaluate`] reads: running window sums at a head minute.
pub trait WindowSums {
    fn window_sum(&self, index: usize) -> Counts;
    fn head(&self) -> Minute;
}

impl WindowSums for Series {
    fn window_sum(&self, index: usize) -> Counts {
        Series::window_sum(self, index)
    }
    fn head(&self) -> Minute {
        Series::head(self)
    }
}

#[derive(Debug, Clone)]
pub enum SloSeries {
    Events(Series),
    Timeslices(TimesliceSeries),
}

/// Persisted form of an [`SloSeries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SloSnapshot {
    Events(Snapshot),
    Timeslices(TimesliceSnapshot),
}

impl SloSeries {
    /// An empty series for `spec` with `head` as newest minute.
    pub fn new(spec: &SloSpec, head: Minute) -> Self {
        match spec.timeslices {
            None => SloSeries::Events(Series::new(spec.windows().to_vec(), head)),
            Some(rule) => {
                SloSeries::Timeslices(TimesliceSeries::new(spec.windows().to_vec(), head, rule))
            }
        }
    }

    /// Rebuilds under `spec`. Switching budgeting keeps what carries over:
    /// events to timeslices keeps the last day's events (past slices start
    /// empty); timeslices to events keeps the last day's events.
    pub fn restore(spec: &SloSpec, snapshot: &SloSnapshot) -> Self {
        let windows = spec.windows().to_vec();
        match (spec.timeslices, snapshot) {
            (None, SloSnapshot::Events(s)) => SloSeries::Events(Series::restore(windows, s)),
            (None, SloSnapshot::Timeslices(t)) => {
                SloSeries::Events(Series::restore(windows, &t.events))
            }
            (Some(rule), SloSnapshot::Timeslices(t)) => {
                SloSeries::Timeslices(TimesliceSeries::restore(windows, t, rule))
            }
            (Some(rule), SloSnapshot::Events(s)) => {
                let k = i64::from(rule.slice_minutes.max(1));
                let t = TimesliceSnapshot {
                    events: s.clone(),
                    slices: Snapshot {
                        head: s.head,
                        ..Snapshot::default()
                    },
                    sealed_to: s.head.div_euclid(k) * k,
                };
                SloSeries::Timeslices(TimesliceSeries::restore(windows, &t, rule))
            }
        }
    }

    pub fn snapshot(&self) -> SloSnapshot {
        match self {
            SloSeries::Events(s) => SloSnapshot::Events(s.snapshot()),
            SloSeries::Timeslices(t) => SloSnapshot::Timeslices(t.snapshot()),
        }
    }

    pub fn head(&self) -> Minute {
        match self {
            SloSeries::Events(s) => s.head(),
            SloSeries::Timeslices(t) => t.head(),
        }
    }

    pub fn oldest_accepted(&self) -> Minute {
        match self {
            SloSeries::Events(s) => s.oldest_accepted(),
            SloSeries::Timeslices(t) => t.oldest_accepted(),
        }
    }

    pub fn add(&mut self, minute: Minute, counts: Counts) -> Result<(), SeriesError> {
        match self {
            SloSeries::Events(s) => s.add(minute, counts),
            SloSeries::Timeslices(t) => t.add(minute, counts),
        }
    }

    pub fn advance(&mut self, to: Minute) {
        match self {
            SloSeries::Events(s) => s.advance(to),
            SloSeries::Timeslices(t) => t.advance(to),
        }
    }

    pub fn window_from(&self, index: usize) -> Minute {
        match self {
            SloSeries::Events(s) => s.window_from(index),
            SloSeries::Timeslices(t) => t.window_from(index),
        }
    }

    pub fn memory_bytes(&self) -> usize {
        match self {
            SloSeries::Events(s) => s.memory_bytes(),
            SloSeries::Timeslices(t) => t.memory_bytes(),
        }
    }
}

impl WindowSums for SloSeries {
    fn window_sum(&self, index: usize) -> Counts {
        match self {
            SloSeries::Events(s) => s.window_sum(index),
            SloSeries::Timeslices(t) => t.window_sum(index),
        }
    }
    fn head(&self) -> Minute {
        SloSeries::head(self)
    }
}
