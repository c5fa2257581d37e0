//! One layer of a schedule: a rotation of users taking turns, anchored at a
//! local date and time, optionally limited to windows of the week.

use jiff::civil::{DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::local::to_instant;

/// How long a turn lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Whole local days (`daily` = 1, `weekly` = 7): handoffs stay at the
    /// same wall-clock time across DST changes.
    Days(u32),
    /// A fixed length of real time (`12h`); handoffs drift on the wall clock
    /// when the clocks change, as the hours really pass.
    Fixed(SignedDuration),
}

/// A window of the week a layer is active in (or a person's working or
/// quiet hours): on `days` (all when empty), from `start` to `end` local
/// time; an `end` at or before `start` runs past midnight into the next
/// day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub days: Vec<Weekday>,
    pub start: Time,
    pub end: Time,
}

impl Restriction {
    /// Whether `t` falls in the window, read in `tz`.
    pub fn contains(&self, t: Timestamp, tz: &TimeZone) -> bool {
        let day = t.to_zoned(tz.clone()).date();
        // A window that started yesterday may still be open.
        [day.yesterday().ok(), Some(day)]
            .into_iter()
            .flatten()
            .filter_map(|d| self.window_on(d, tz))
            .any(|(s, e)| s <= t && t < e)
    }

    /// The `[start, end)` window that opens on local date `day`, if one
    /// does.
    fn window_on(&self, day: jiff::civil::Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
        if !self.days.is_empty() && !self.days.contains(&day.weekday()) {
            return None;
        }
        let start = to_instant(day.to_datetime(self.start), tz);
        let end_day = if self.end <= self.start {
            day.tomorrow().unwrap_or(day)
        } else {
            day
        };
        Some((start, to_instant(end_day.to_datetime(self.end), tz)))
    }
}

/// A rotation of users.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: String,
    pub users: Vec<String>,
    pub turn: Turn,
    /// Local date and time of the first handoff, to `users[0]`.
    pub anchor: DateTime,
    /// How many consecutive users are on call at once (at least 1).
    pub at_once: usize,
    /// When empty, the layer is active all the time.
    pub restrictions: Vec<Restriction>,
}

impl Layer {
    /// The instant turn `k` starts (turn 0 at the anchor).
    pub fn turn_start(&self, k: i64, tz: &TimeZone) -> Timestamp {
        match self.turn {
            Turn::Days(n) => {
                let days = k.saturating_mul(i64::from(n));
                match self.anchor.checked_add(days.days()) {
                    Ok(dt) => to_instant(dt, tz),
                    Err(_) => {
                        if k < 0 {
                            Timestamp::MIN
                        } else {
                            Timestamp::MAX
                        }
                    }
                }
            }
            Turn::Fixed(d) => {
                let base = to_instant(self.anchor, tz);
                let offset = d
                    .checked_mul(i32::try_from(k).unwrap_or(i32::MAX))
                    .unwrap_or(SignedDuration::MAX);
                base.checked_add(offset).unwrap_or(if k < 0 {
                    Timestamp::MIN
                } else {
                    Timestamp::MAX
                })
            }
        }
    }

    /// The turn holding instant `t`: the last whose start is at or before it.
    pub fn turn_at(&self, t: Timestamp, tz: &TimeZone) -> i64 {
        let mut k = match self.turn {
            Turn::Days(n) => {
                let local = t.to_zoned(tz.clone()).datetime();
                let days = (local.date() - self.anchor.date()).get_days();
                i64::from(days).div_euclid(i64::from(n.max(1)))
            }
            Turn::Fixed(d) => {
                let since = t.duration_since(to_instant(self.anchor, tz));
                let len = d.as_nanos().max(1);
                (since.as_nanos().div_euclid(len)) as i64
            }
        };
        // The estimate can be one off around handoffs and DST changes.
        while self.turn_start(k + 1, tz) <= t {
            k += 1;
        }
        while self.turn_start(k, tz) > t {
            k -= 1;
        }
        k
    }

    /// Who is on call in turn `k`.
    pub fn users_of_turn(&self, k: i64) -> Vec<&str> {
        let n = self.users.len() as i64;
        if n == 0 {
            return Vec::new();
        }
        (0..self.at_once.clamp(1, self.users.len()) as i64)
            .map(|j| self.users[(k + j).rem_euclid(n) as usize].as_str())
            .collect()
    }

    /// Whether the layer's restrictions let it be on call at `t`.
    pub fn active_at(&self, t: Timestamp, tz: &TimeZone) -> bool {
        self.restrictions.is_empty() || self.restrictions.iter().any(|r| r.contains(t, tz))
    }

    /// The `[start, end)` windows that open on local date `day`.
    fn windows_on(
        &self,
        day: jiff::civil::Date,
        tz: &TimeZone,
    ) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let tz = tz.clone();
        self.restrictions
            .iter()
            .filter_map(move |r| r.window_on(day, &tz))
    }

    /// Who this layer has on call at `t`; empty outside its restrictions.
    pub fn on_call_at(&self, t: Timestamp, tz: &TimeZone) -> Vec<&str> {
        if !self.active_at(t, tz) {
            return Vec::new();
        }
        self.users_of_turn(self.turn_at(t, tz))
    }

    /// Every instant in `(from, to)` where this layer's answer may change.
    pub fn changes(&self, from: Timestamp, to: Timestamp, tz: &TimeZone) -> Vec<Timestamp> {
        let mut out = Vec::new();
        let mut k = self.turn_at(from, tz) + 1;
        loop {
            let s = self.turn_start(k, tz);
            if s >= to {
                break;
            }
            out.push(s);
            k += 1;
        }
        if !self.restrictions.is_empty() {
            let first = from
                .to_zoned(tz.clone())
                .date()
                .yesterday()
                .unwrap_or(from.to_zoned(tz.clone()).date());
            let last = to.to_zoned(tz.clone()).date();
            let mut day = first;
            while day <= last {
                for (s, e) in self.windows_on(day, tz) {
                    out.extend([s, e].into_iter().filter(|x| *x > from && *x < to));
                }
                match day.tomorrow() {
                    Ok(d) => day = d,
                    Err(_) => break,
                }
            }
        }
        out
    }
}
