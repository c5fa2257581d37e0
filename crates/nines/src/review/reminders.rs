//! The weekly reminder of overdue postmortem action items: each owner who
//! is a configured user gets at most one message a week (weeks start on
//! Monday 09:00 UTC), by their first notification method, listing their
//! open items whose due date has passed: on Monday morning, or when an item
//! first becomes overdue later in the week. Owners that are not users (a team name, an
//! email in free text) are not reminded: the list is at
//! `GET /api/v1/action-items?overdue=true`.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use jiff::civil::Weekday;
use jiff::{Timestamp, ToSpan};
use nines_config::Config;
use nines_store::{ActionItemRow, IncidentOp, Store, StoreError};

use crate::incidents::state::incident_name;

use crate::review::state::LastLook;

/// Monday 09:00 UTC of `now`'s week.
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

/// Open, with a due date (`YYYY-MM-DD`) before `today`.
pub fn is_overdue(item: &ActionItemRow, today: jiff::civil::Date) -> bool {
    !item.done
        && item
            .due
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .is_some_and(|d| d < today)
}

/// The overdue open items of each owner at `today`.
pub fn overdue_by_owner(
    items: &[ActionItemRow],
    today: jiff::civil::Date,
) -> BTreeMap<&str, Vec<&ActionItemRow>> {
    let mut out: BTreeMap<&str, Vec<&ActionItemRow>> = BTreeMap::new();
    for i in items {
        if is_overdue(i, today) {
            out.entry(i.owner.as_str()).or_default().push(i);
        }
    }
    out
}

/// The reminders due at `now`: queued once per owner and week.
pub fn due(
    store: &Store,
    config: &Config,
    queued: &crate::notify::state::QueuedNotices,
    looked: &LastLook,
    now: Timestamp,
) -> Result<Vec<IncidentOp>, StoreError> {
    let minute = now.as_second().div_euclid(60);
    if looked.0.swap(minute, Ordering::Relaxed) == minute {
        return Ok(Vec::new());
    }
    let start = week_start(now);
    let week = if now < start { start - 7.days() } else { start };
    let items = store.action_items(None, true)?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut ops = Vec::new();
    for (owner, mine) in overdue_by_owner(&items, today) {
        let key = format!("reminder:{}:{owner}", week.as_second());
        if queued.contains(&key) {
            continue;
        }
        let title = format!("{} overdue action item(s)", mine.len());
        let lines: Vec<String> = mine
            .iter()
            .map(|i| {
                format!(
                    "{} ({}): {} — due {}{}",
                    incident_name(i.incident_id),
                    i.kind,
                    i.description,
                    i.due.as_deref().unwrap_or("-"),
                    i.tracking
                        .as_deref()
                        .map(|t| format!(", {t}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let details = serde_json::json!({
            "owner": owner,
            "items": mine.iter().map(|i| serde_json::json!({
                "incident": incident_name(i.incident_id), "kind": i.kind,
                "description": i.description, "due": i.due, "tracking": i.tracking,
            })).collect::<Vec<_>>(),
        });
        ops.extend(crate::notify::channels::notice(
            config,
            owner,
            crate::notify::channels::Notice {
                event: "action_items.overdue",
                key,
                title: &title,
                text: &lines.join("\n"),
                details,
            },
            now,
        ));
    }
    Ok(ops)
}

/// Action items of `owner` (or everyone's), open ones only when asked
/// (blocking).
pub fn action_items(
    app: &crate::app::App,
    owner: Option<&str>,
    open_only: bool,
) -> Result<Vec<ActionItemRow>, StoreError> {
    app.with_store(|s| s.action_items(owner, open_only))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_at_nine_utc() {
        let ts = |s: &str| s.parse::<Timestamp>().unwrap();
        for (now, start) in [
            ("2026-11-24T12:00:00Z", "2026-11-23T09:00:00Z"),
            ("2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z"),
            ("2026-11-29T23:59:59Z", "2026-11-23T09:00:00Z"),
            ("2026-11-23T08:59:59Z", "2026-11-23T09:00:00Z"),
        ] {
            assert_eq!(week_start(ts(now)), ts(start), "{now}");
        }
    }

    #[test]
    fn only_open_items_past_their_due_date_are_overdue() {
        let item = |owner: &str, due: Option<&str>, done: bool| ActionItemRow {
            incident_id: 3,
            position: 0,
            kind: "prevent".into(),
            description: "add a canary".into(),
            owner: owner.into(),
            due: due.map(str::to_string),
            tracking: None,
            done,
        };
        let items = [
            item("ana", Some("2026-11-20"), false),
            item("ana", Some("2026-11-24"), false),
            item("ana", None, false),
            item("bo", Some("2026-11-01"), true),
            item("bo", Some("2026-11-02"), false),
        ];
        let o = overdue_by_owner(&items, jiff::civil::date(2026, 11, 24));
        assert_eq!(o["ana"].len(), 1);
        assert_eq!(o["bo"][0].due.as_deref(), Some("2026-11-02"));
    }
}
