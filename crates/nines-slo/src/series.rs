//! The good/total counts of one SLO over time, kept in two rings: one bucket
//! per minute for the last day, one per hour for the rest of retention. Window
//! sums are kept up to date as samples arrive and time moves on, so evaluating
//! an SLO reads a handful of numbers instead of walking its history.
//!
//! Memory is fixed by the windows: 1,440 minute buckets plus one bucket per
//! hour of retention (longest window + 7 days), 16 bytes each: 37.5 KiB for a
//! 30-day SLO.

use crate::window::{MINUTE_TIER, Minute, WindowSpec, floor_hour};

/// How long data is kept beyond the longest window, in minutes.
pub const RETENTION_EXTRA_MINUTES: i64 = 7 * 1440;

/// Good and total events. Arithmetic wraps so that incremental sums always
/// equal sums recomputed from buckets; totals anywhere near 2^64 are refused
/// at the API long before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub good: u64,
    pub total: u64,
}

impl Counts {
    pub fn new(good: u64, total: u64) -> Self {
        Counts { good, total }
    }

    pub fn is_zero(&self) -> bool {
        self.total == 0 && self.good == 0
    }

    fn add(&mut self, other: Counts) {
        self.good = self.good.wrapping_add(other.good);
        self.total = self.total.wrapping_add(other.total);
    }

    fn sub(&mut self, other: Counts) {
        self.good = self.good.wrapping_sub(other.good);
        self.total = self.total.wrapping_sub(other.total);
    }
}

/// A sample that the series cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    #[error("minute {minute} is after the newest minute {head}; advance the series first")]
    Future { minute: Minute, head: Minute },
    #[error("minute {minute} is older than retention, which starts at minute {oldest}")]
    TooOld { minute: Minute, oldest: Minute },
}

/// One window the series keeps a running sum for.
#[derive(Debug, Clone)]
struct Tracked {
    spec: WindowSpec,
    /// First minute covered at the current head.
    from: Minute,
    /// Calendar windows only change `from` when a new period starts; until
    /// this minute the cached `from` holds.
    valid_until: Minute,
    sum: Counts,
}

impl Tracked {
    fn new(spec: WindowSpec, head: Minute) -> Self {
        let mut t = Tracked {
            spec,
            from: 0,
            valid_until: Minute::MIN,
            sum: Counts::default(),
        };
        t.from = t.start_at(head);
        t
    }

    fn start_at(&mut self, head: Minute) -> Minute {
        match self.spec {
            WindowSpec::Rolling { .. } => self.from = self.spec.cover_from(head),
            WindowSpec::Calendar { .. } => {
                if head >= self.valid_until {
                    self.valid_until = self.spec.calendar_period(head).1;
                    self.from = self.spec.cover_from(head);
                }
            }
        }
        self.from
    }
}

/// The state of a series, sparse, for persistence and for rebuilding a
/// series under new windows after a config reload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub head: Minute,
    /// Non-empty minute buckets of the last day.
    pub minutes: Vec<(Minute, Counts)>,
    /// Non-empty hour buckets, keyed by the hour's first minute. They hold
    /// only minutes older than the minute tier.
    pub hours: Vec<(Minute, Counts)>,
}

/// Per-minute and per-hour counts of one SLO, with running window sums.
#[derive(Debug, Clone)]
pub struct Series {
    /// Newest minute; every bucket is at or before it.
    head: Minute,
    /// Minute `m` lives at `m mod 1440`, for `head - 1439 ..= head`.
    minutes: Box<[Counts]>,
    /// Hour `h` (minute / 60) lives at `h mod len`, for the last `len` hours,
    /// holding only minutes older than the minute tier.
    hours: Box<[Counts]>,
    windows: Vec<Tracked>,
}

impl Series {
    /// An empty series keeping sums for `windows`, with `head` as newest minute.
    pub fn new(windows: Vec<WindowSpec>, head: Minute) -> Self {
        let longest = windows
            .iter()
            .map(WindowSpec::max_minutes)
            .max()
            .unwrap_or(0);
        let hour_slots = ((longest.max(MINUTE_TIER) + RETENTION_EXTRA_MINUTES) / 60 + 2) as usize;
        Series {
            head,
            minutes: vec![Counts::default(); MINUTE_TIER as usize].into_boxed_slice(),
            hours: vec![Counts::default(); hour_slots].into_boxed_slice(),
            windows: windows
                .into_iter()
                .map(|spec| Tracked::new(spec, head))
                .collect(),
        }
    }

    /// Rebuilds a series from a snapshot under (possibly different) windows.
    /// Buckets outside the new retention are dropped.
    pub fn restore(windows: Vec<WindowSpec>, snapshot: &Snapshot) -> Self {
        let mut s = Series::new(windows, snapshot.head);
        for &(m, c) in &snapshot.minutes {
            if m <= s.head && m > s.head - MINUTE_TIER {
                s.minutes[minute_slot(m)].add(c);
            } else {
                // Tolerate a snapshot whose minute tier was longer.
                let _ = s.add_to_hours(m, c);
            }
        }
        for &(m, c) in &snapshot.hours {
            let _ = s.add_to_hours(m, c);
        }
        s.recompute();
        s
    }

    pub fn snapshot(&self) -> Snapshot {
        let horizon = self.horizon();
        let minutes = (horizon..=self.head)
            .map(|m| (m, self.minutes[minute_slot(m)]))
            .filter(|(_, c)| !c.is_zero())
            .collect();
        let first_hour = self.head.div_euclid(60) - self.hours.len() as i64 + 1;
        let hours = (first_hour..=self.head.div_euclid(60))
            .map(|h| (h * 60, self.hours[self.hour_slot(h)]))
            .filter(|(_, c)| !c.is_zero())
            .collect();
        Snapshot {
            head: self.head,
            minutes,
            hours,
        }
    }

    pub fn head(&self) -> Minute {
        self.head
    }

    /// The oldest minute a sample may carry and still be kept.
    pub fn oldest_accepted(&self) -> Minute {
        (self.head.div_euclid(60) - self.hours.len() as i64 + 1) * 60
    }

    /// The running sum of window `index` (in the order given to [`Series::new`]).
    pub fn window_sum(&self, index: usize) -> Counts {
        self.windows[index].sum
    }

    /// The first minute window `index` covers at the current head.
    pub fn window_from(&self, index: usize) -> Minute {
        self.windows[index].from
    }

    /// Bytes this series holds on the heap and inline.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + std::mem::size_of_val(&*self.minutes)
            + std::mem::size_of_val(&*self.hours)
            + self.windows.capacity() * std::mem::size_of::<Tracked>()
    }

    /// Adds a sample. Samples at the same minute add up.
    pub fn add(&mut self, minute: Minute, counts: Counts) -> Result<(), SeriesError> {
        if minute > self.head {
            return Err(SeriesError::Future {
                minute,
                head: self.head,
            });
        }
        let attributed = if minute >= self.horizon() {
            self.minutes[minute_slot(minute)].add(counts);
            minute
        } else {
            self.add_to_hours(minute, counts)?
        };
        for w in &mut self.windows {
            if attributed >= w.from {
                w.sum.add(counts);
            }
        }
        Ok(())
    }

    /// Moves the newest minute forward to `to` (never back): window sums drop
    /// what left them, minutes older than a day fold into their hour, hours
    /// older than retention are forgotten.
    pub fn advance(&mut self, to: Minute) {
        if to <= self.head {
            return;
        }
        // A jump of a day or more touches every bucket anyway; rebuild.
        let rebuild = to - self.head >= MINUTE_TIER;
        if !rebuild {
            for i in 0..self.windows.len() {
                let old = self.windows[i].from;
                let new = self.windows[i].start_at(to);
                debug_assert!(new >= old, "window starts only move forward");
                if new > old {
                    let gone = self.sum_range(old, new);
                    self.windows[i].sum.sub(gone);
                }
            }
        }
        self.roll(to);
        if rebuild {
            self.recompute();
        }
    }

    /// The oldest minute still kept one by one (older ones are per hour).
    pub fn horizon(&self) -> Minute {
        self.head - MINUTE_TIER + 1
    }

    /// Sum of the buckets attributed to minutes in `[a, b)`, by the window
    /// rule of this module (exact within the minute tier). An hour bucket
    /// counts at its first minute, so an `a` inside an hour older than the
    /// minute tier leaves that hour out.
    pub fn range_sum(&self, a: Minute, b: Minute) -> Counts {
        // The same sum as from `a` itself: no hour bucket starts between
        // `a` and the next hour, and minutes start at the horizon.
        let from = if a < self.horizon() && a != floor_hour(a) {
            (floor_hour(a) + 60).min(self.horizon())
        } else {
            a
        };
        self.sum_range(from, b.max(from))
    }

    /// Takes back a sample added earlier (same minute, same counts).
    pub fn remove(&mut self, minute: Minute, counts: Counts) -> Result<(), SeriesError> {
        let negated = Counts::new(counts.good.wrapping_neg(), counts.total.wrapping_neg());
        self.add(minute, negated)
    }

    fn hour_slot(&self, hour: i64) -> usize {
        hour.rem_euclid(self.hours.len() as i64) as usize
    }

    /// Adds to the hour bucket of `minute`; returns the minute the sample now
    /// counts at (its hour's first minute).
    fn add_to_hours(&mut self, minute: Minute, counts: Counts) -> Result<Minute, SeriesError> {
        let oldest = self.oldest_accepted();
        if minute < oldest {
            return Err(SeriesError::TooOld { minute, oldest });
        }
        let hour = minute.div_euclid(60);
        let slot = self.hour_slot(hour);
        self.hours[slot].add(counts);
        Ok(hour * 60)
    }

    fn roll(&mut self, to: Minute) {
        let old_hour = self.head.div_euclid(60);
        let new_hour = to.div_euclid(60);
        let slots = self.hours.len() as i64;
        // Hours that become current reuse the slots of hours leaving retention.
        for h in (old_hour + 1).max(new_hour - slots + 1)..=new_hour {
            let slot = self.hour_slot(h);
            self.hours[slot] = Counts::default();
        }
        // Minutes leaving the minute tier fold into their hour.
        let new_horizon = to - MINUTE_TIER + 1;
        for m in self.horizon()..new_horizon.min(self.head + 1) {
            let c = std::mem::take(&mut self.minutes[minute_slot(m)]);
            if !c.is_zero() && m.div_euclid(60) > new_hour - slots {
                let slot = self.hour_slot(m.div_euclid(60));
                self.hours[slot].add(c);
            }
        }
        self.head = to;
    }

    /// Sum of everything attributed to minutes in `[a, b)`. A minute in the
    /// minute tier counts at itself; an hour bucket counts at its first minute.
    fn sum_range(&self, a: Minute, b: Minute) -> Counts {
        let mut sum = Counts::default();
        let horizon = self.horizon();
        // Window starts below the minute tier are hour-aligned, so no hour
        // bucket straddles them.
        debug_assert!(a >= horizon || a == floor_hour(a));
        for m in a.max(horizon)..b.min(self.head + 1) {
            sum.add(self.minutes[minute_slot(m)]);
        }
        let first_hour = a.div_euclid(60) + i64::from(a.rem_euclid(60) != 0);
        let first_hour = first_hour.max(self.head.div_euclid(60) - self.hours.len() as i64 + 1);
        let end = b.min(horizon);
        if end > first_hour * 60 {
            let last_hour = (end - 1).div_euclid(60);
            for h in first_hour..=last_hour {
                sum.add(self.hours[self.hour_slot(h)]);
            }
        }
        sum
    }

    fn recompute(&mut self) {
        let head = self.head;
        for i in 0..self.windows.len() {
            let from = self.windows[i].start_at(head);
            self.windows[i].sum = self.sum_range(from, head + 1);
        }
    }
}

fn minute_slot(minute: Minute) -> usize {
    minute.rem_euclid(MINUTE_TIER) as usize
}
