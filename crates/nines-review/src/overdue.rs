//! Overdue postmortem action items, and the week a reminder of them belongs
//! to: the one rule the weekly reminders, the action-items API and the
//! reliability reports apply.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::postmortem::ActionItem;

/// What the overdue rule reads of an action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemDue<'a> {
    pub owner: &'a str,
    /// The due date; `None` when there is none (or none that reads as a
    /// date): such an item is never overdue.
    pub due: Option<Date>,
    pub done: bool,
}

impl ItemDue<'_> {
    /// Open and past its due date on `today` (due today is not overdue).
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.done && self.due.is_some_and(|due| due < today)
    }
}

impl<'a> From<&'a ActionItem> for ItemDue<'a> {
    fn from(item: &'a ActionItem) -> Self {
        ItemDue {
            owner: &item.owner,
            due: item.due,
            done: item.done,
        }
    }
}

/// The items of `items` overdue on `today` (by what `due` reads of each),
/// grouped by owner: owners in name order, items in input order. The list
/// a weekly reminder sends.
pub fn overdue_by_owner<'a, T: ?Sized>(
    items: impl IntoIterator<Item = &'a T>,
    today: Date,
    due: impl Fn(&'a T) -> ItemDue<'a>,
) -> BTreeMap<&'a str, Vec<&'a T>> {
    let mut by_owner: BTreeMap<&str, Vec<&T>> = BTreeMap::new();
    for item in items {
        let d = due(item);
        if d.is_overdue(today) {
            by_owner.entry(d.owner).or_default().push(item);
        }
    }
    by_owner
}

/// Monday 09:00 UTC of `now`'s week (which, early on a Monday, is later
/// than `now`).
pub fn week_start(now: Timestamp) -> Timestamp {
    let date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let back = i64::from(date.weekday().to_monday_zero_offset());
    let monday = date
        .checked_sub(back.days())
        .unwrap_or(date)
        .to_datetime(jiff::civil::time(9, 0, 0, 0));
    let start = monday
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(now);
    debug_assert_eq!(
        start.to_zoned(jiff::tz::TimeZone::UTC).weekday(),
        Weekday::Monday
    );
    start
}

/// The start of the reminder week `now` is in: weeks run from Monday 09:00
/// UTC to the next, so early on a Monday it is the week before.
pub fn reminder_week(now: Timestamp) -> Timestamp {
    let start = week_start(now);
    if now < start {
        // A week of UTC is 168 hours. (Not `7.days()`: a timestamp takes
        // no calendar units, and subtracting them panics.)
        start - SignedDuration::from_hours(7 * 24)
    } else {
        start
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_at_nine_utc() {
        for (now, start, week) in [
            (
                "2026-11-24T12:00:00Z",
                "2026-11-23T09:00:00Z",
                "2026-11-23T09:00:00Z",
            ),
            (
                "2026-11-23T09:00:00Z",
                "2026-11-23T09:00:00Z",
                "2026-11-23T09:00:00Z",
            ),
            (
                "2026-11-29T23:59:59Z",
                "2026-11-23T09:00:00Z",
                "2026-11-23T09:00:00Z",
            ),
            (
                "2026-11-23T08:59:59Z",
                "2026-11-23T09:00:00Z",
                "2026-11-16T09:00:00Z",
            ),
        ] {
            assert_eq!(week_start(ts(now)), ts(start), "{now}");
            assert_eq!(reminder_week(ts(now)), ts(week), "{now}");
        }
    }

    #[test]
    fn only_open_items_past_their_due_date_are_overdue() {
        let item =
            |owner: &'static str, due: Option<Date>, done: bool| ItemDue { owner, due, done };
        let items = [
            item("ana", Some(date(2026, 11, 20)), false),
            item("ana", Some(date(2026, 11, 24)), false), // due today: not yet
            item("ana", None, false),                     // no due date
            item("bo", Some(date(2026, 11, 1)), true),    // done
            item("bo", Some(date(2026, 11, 2)), false),
        ];
        let o = overdue_by_owner(&items, date(2026, 11, 24), |i| *i);
        assert_eq!(o["ana"].len(), 1);
        assert_eq!(o["bo"][0].due, Some(date(2026, 11, 2)));
        assert_eq!(o.len(), 2);
    }

    proptest::proptest! {
        /// Against a recount: an owner's overdue items are their open
        /// items due before today, in input order, and owners without one
        /// are absent.
        #[test]
        fn overdue_by_owner_matches_a_recount(
            items in proptest::collection::vec(
                (0usize..3, proptest::option::of(-5i64..5), proptest::bool::ANY),
                0..30,
            ),
            today in -3i64..3,
        ) {
            const OWNERS: [&str; 3] = ["ana", "bo", "chen"];
            let base = date(2026, 3, 29);
            let day = |d: i64| base.checked_add(d.days()).unwrap();
            let items: Vec<ItemDue> = items
                .iter()
                .map(|&(o, due, done)| ItemDue { owner: OWNERS[o], due: due.map(day), done })
                .collect();
            let today = day(today);
            let got = overdue_by_owner(&items, today, |i| *i);
            for owner in OWNERS {
                let want: Vec<&ItemDue> = items
                    .iter()
                    .filter(|i| i.owner == owner && !i.done && matches!(i.due, Some(d) if d < today))
                    .collect();
                match got.get(owner) {
                    Some(mine) => proptest::prop_assert_eq!(mine, &want),
                    None => proptest::prop_assert!(want.is_empty()),
                }
            }
        }
    }
}
