//! Timeslices budgeting (OpenSLO's `Timeslices`): time is cut into slices
//! (say 1 minute); a slice is good when its own SLI meets the slice target,
//! and the SLO's SLI is good slices over slices with data. A slice without
//! events counts neither way: no data is not good data.
//!
//! Slices are cut from per-minute buckets, which are kept for a day, so a
//! timeslices SLO accepts events up to a day old (whole slices only); each
//! slice is sealed into a second series, whose windows carry the SLO's
//! figures exactly as for events.

use crate::series::{Counts, Series, SeriesError, Snapshot};
use crate::window::{Minute, WindowSpec};

/// How slices are cut and judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeslices {
    /// Slice length in minutes, 1 to 60.
    pub slice_minutes: u32,
    /// Ratio of good events a slice needs to be good, 0 < target <= 1.
    pub target: f64,
}

/// The two series of a timeslices SLO.
#[derive(Debug, Clone)]
pub struct TimesliceSeries {
    /// Raw good/total events; only its minute tier is read.
    events: Series,
    /// One sample per sealed slice with data: (1, 1) good, (0, 1) bad.
    slices: Series,
    rule: Timeslices,
    /// Slices starting before this minute are sealed.
    sealed_to: Minute,
}

/// Persisted form: both series and the sealing point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimesliceSnapshot {
    pub events: Snapshot,
    pub slices: Snapshot,
    pub sealed_to: Minute,
}

impl TimesliceSeries {
    pub fn new(windows: Vec<WindowSpec>, head: Minute, rule: Timeslices) -> Self {
        let k = i64::from(rule.slice_minutes.max(1));
        TimesliceSeries {
            events: Series::new(Vec::new(), head),
            slices: Series::new(windows, head),
            rule,
            sealed_to: head.div_euclid(k) * k,
        }
    }

    pub fn restore(windows: Vec<WindowSpec>, s: &TimesliceSnapshot, rule: Timeslices) -> Self {
        TimesliceSeries {
            events: Series::restore(Vec::new(), &s.events),
            slices: Series::restore(windows, &s.slices),
            rule,
            sealed_to: s.sealed_to,
        }
    }

    pub fn snapshot(&self) -> TimesliceSnapshot {
        TimesliceSnapshot {
            events: self.events.snapshot(),
            slices: self.slices.snapshot(),
            sealed_to: self.sealed_to,
        }
    }

    fn k(&self) -> i64 {
        i64::from(self.rule.slice_minutes.max(1))
    }

    pub fn head(&self) -> Minute {
        self.slices.head()
    }

    /// The oldest minute an event may carry: the first whole slice still in
    /// the per-minute tier.
    pub fn oldest_accepted(&self) -> Minute {
        let k = self.k();
        (self.events.horizon() + k - 1).div_euclid(k) * k
    }

    pub fn window_sum(&self, index: usize) -> Counts {
        self.slices.window_sum(index)
    }

    /// Good and total sealed slices attributed to minutes in `[a, b)`
    /// (the series' window rule: exact within a day, by hour before).
    pub fn slice_range_sum(&self, a: Minute, b: Minute) -> Counts {
        self.slices.range_sum(a, b)
    }

    pub fn window_from(&self, index: usize) -> Minute {
        self.slices.window_from(index)
    }

    pub fn memory_bytes(&self) -> usize {
        self.events.memory_bytes() + self.slices.memory_bytes()
    }

    /// A slice's contribution: (1, 1) good, (0, 1) bad, nothing without data.
    fn verdict(&self, start: Minute) -> Counts {
        let c = self.events.range_sum(start, start + self.k());
        if c.total == 0 {
            return Counts::default();
        }
        let good = c.good as f64 >= self.rule.target * c.total as f64;
        Counts::new(u64::from(good), 1)
    }

    pub fn add(&mut self, minute: Minute, counts: Counts) -> Result<(), SeriesError> {
        let oldest = self.oldest_accepted();
        if minute < oldest {
            return Err(SeriesError::TooOld { minute, oldest });
        }
        let start = minute.div_euclid(self.k()) * self.k();
        if start < self.sealed_to {
            // A late event in a sealed slice: judge the slice again.
            let before = self.verdict(start);
            self.events.add(minute, counts)?;
            let after = self.verdict(start);
            if before != after {
                self.slices.remove(start, before)?;
                self.slices.add(start, after)?;
            }
            Ok(())
        } else {
            self.events.add(minute, counts)
        }
    }

    /// Moves to `to`, sealing every slice that ended by then.
    pub fn advance(&mut self, to: Minute) {
        if to <= self.head() {
            return;
        }
        let k = self.k();
        let last = self.events.head();
        // Seal while the minutes are still kept one by one. A slice ends by
        // `to` when `start + k <= to`.
        while self.sealed_to + k <= to && self.sealed_to <= last {
            let v = self.verdict(self.sealed_to);
            if !v.is_zero() {
                // The slice starts at or before the old head: the series holds it.
                let _ = self.slices.add(self.sealed_to, v);
            }
            self.sealed_to += k;
        }
        // Slices after the old head hold no events: sealed, empty.
        self.sealed_to = self.sealed_to.max(to.div_euclid(k) * k);
        self.events.advance(to);
        self.slices.advance(to);
    }
}
