//! A schedule: layers under overrides, in one time zone, and the queries
//! people ask of it.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::rotation::Layer;

/// A person on call instead of whoever the layers say, from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Where an answer comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Override,
    /// The layer's name.
    Layer(String),
    /// Nobody is on call: a gap in the schedule.
    Nobody,
}

/// Who is on call at an instant, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCall {
    pub users: Vec<String>,
    pub origin: Origin,
}

/// A stretch of time with the same people on call for the same reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub start: Timestamp,
    pub end: Timestamp,
    pub users: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub name: String,
    pub tz: TimeZone,
    /// Lowest first: a later layer wins where it has someone.
    pub layers: Vec<Layer>,
    /// A later override wins over an earlier one it overlaps.
    pub overrides: Vec<Override>,
}

/// How far `next_shift_of` and `next_after` look ahead.
const HORIZON: SignedDuration = SignedDuration::from_hours(400 * 24);

impl Schedule {
    /// Lays `overrides` (user, start, end) over the schedule, after the ones
    /// it has: in the order given, so a later one wins where they overlap.
    pub fn apply_overrides<U: Into<String>>(
        &mut self,
        overrides: impl IntoIterator<Item = (U, Timestamp, Timestamp)>,
    ) {
        self.overrides
            .extend(overrides.into_iter().map(|(user, start, end)| Override {
                user: user.into(),
                start,
                end,
            }));
    }

    /// Who is on call at `t`.
    pub fn on_call(&self, t: Timestamp) -> OnCall {
        if let Some(o) = self
            .overrides
            .iter()
            .rev()
            .find(|o| o.start <= t && t < o.end)
        {
            return OnCall {
                users: vec![o.user.clone()],
                origin: Origin::Override,
            };
        }
        for layer in self.layers.iter().rev() {
            let users = layer.on_call_at(t, &self.tz);
            if !users.is_empty() {
                return OnCall {
                    users: users.into_iter().map(str::to_string).collect(),
                    origin: Origin::Layer(layer.name.clone()),
                };
            }
        }
        OnCall {
            users: Vec::new(),
            origin: Origin::Nobody,
        }
    }

    /// The shifts tiling `[from, to)`: consecutive, without gaps or
    /// overlaps; stretches with nobody on call are shifts with no users and
    /// origin `Nobody`.
    pub fn shifts(&self, from: Timestamp, to: Timestamp) -> Vec<Shift> {
        if from >= to {
            return Vec::new();
        }
        let mut cuts: Vec<Timestamp> = vec![from, to];
        for layer in &self.layers {
            cuts.extend(layer.changes(from, to, &self.tz));
        }
        for o in &self.overrides {
            cuts.extend(
                [o.start, o.end]
                    .into_iter()
                    .filter(|x| *x > from && *x < to),
            );
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut shifts: Vec<Shift> = Vec::new();
        for w in cuts.windows(2) {
            let OnCall { users, origin } = self.on_call(w[0]);
            match shifts.last_mut() {
                Some(last) if last.users == users && last.origin == origin => last.end = w[1],
                _ => shifts.push(Shift {
                    start: w[0],
                    end: w[1],
                    users,
                    origin,
                }),
            }
        }
        shifts
    }

    /// Stretches of `[from, to)` with nobody on call.
    pub fn gaps(&self, from: Timestamp, to: Timestamp) -> Vec<Shift> {
        self.shifts(from, to)
            .into_iter()
            .filter(|s| s.origin == Origin::Nobody)
            .collect()
    }

    /// The first shift from `after` on that has `user` on call (its start
    /// is `after` when one is in progress); looks 400 days ahead.
    pub fn next_shift_of(&self, user: &str, after: Timestamp) -> Option<Shift> {
        let end = after.checked_add(HORIZON).unwrap_or(Timestamp::MAX);
        self.shifts(after, end)
            .into_iter()
            .find(|s| s.users.iter().any(|u| u == user))
    }

    /// Who comes on call next after the people on call at `t`, and when.
    pub fn next_after(&self, t: Timestamp) -> Option<Shift> {
        let end = t.checked_add(HORIZON).unwrap_or(Timestamp::MAX);
        let shifts = self.shifts(t, end);
        let now = shifts.first()?.users.clone();
        shifts.into_iter().skip(1).find(|s| s.users != now)
    }
}
