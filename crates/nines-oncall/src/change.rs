//! Shift changes: the instants in a range where the people on call change,
//! with who comes and who goes, which is what a handoff notice says.

use jiff::{SignedDuration, Timestamp};

use crate::schedule::Schedule;

/// The people on call change at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftChange {
    pub at: Timestamp,
    /// On call from `at` and not before it, in the order of `after`.
    pub incoming: Vec<String>,
    /// On call before `at` and not from it, in the order of `before`.
    pub outgoing: Vec<String>,
    /// Everyone on call just before `at` (empty: nobody).
    pub before: Vec<String>,
    /// Everyone on call from `at` (empty: nobody).
    pub after: Vec<String>,
}

/// The shift changes of `schedule` after `from`, up to and including `to`,
/// in time order. A change of reason alone (a layer's person becoming an
/// override of the same person) is not a change: the people stay.
pub fn shift_changes(schedule: &Schedule, from: Timestamp, to: Timestamp) -> Vec<ShiftChange> {
    // Shifts over [from, to] (one nanosecond past `to`): each shift after
    // the first starts at a change in (from, to].
    let end = to.checked_add(SignedDuration::from_nanos(1)).unwrap_or(to);
    let shifts = schedule.shifts(from, end);
    shifts
        .windows(2)
        .filter(|pair| pair[1].start <= to && pair[0].users != pair[1].users)
        .map(|pair| {
            let (before, after) = (&pair[0].users, &pair[1].users);
            ShiftChange {
                at: pair[1].start,
                incoming: after
                    .iter()
                    .filter(|u| !before.contains(u))
                    .cloned()
                    .collect(),
                outgoing: before
                    .iter()
                    .filter(|u| !after.contains(u))
                    .cloned()
                    .collect(),
                before: before.clone(),
                after: after.clone(),
            }
        })
        .collect()
}
