//! The weekly reminder of overdue postmortem action items: each owner who
//! is a configured user gets at most one message a week (weeks start on
//! Monday 09:00 UTC), by their first notification method, listing their
//! open items whose due date has passed: on Monday morning, or when an item
//! first becomes overdue later in the week. Owners that are not users (a team name, an
//! email in free text) are not reminded: the list is at
//! `GET /api/v1/action-items?overdue=true`. Which items are overdue, and
//! the week, are nines-review's `overdue` rules; this file reads the rows
//! and words the message.

use std::sync::atomic::Ordering;

use jiff::Timestamp;
use jiff::civil::Date;
use nines_config::Config;
use nines_review::overdue::{ItemDue, overdue_by_owner, reminder_week};
use nines_store::{ActionItemRow, Backend, IncidentOp, StoreError};

use crate::state::incidents::incident_name;

use crate::state::review::LastLook;

/// What [`nines_review::overdue`]'s rule reads of a stored item (the one
/// rule the reminders, the action-items API and reports apply): a due date
/// that does not read as `YYYY-MM-DD` counts as none.
pub fn item_due(item: &ActionItemRow) -> ItemDue<'_> {
    ItemDue {
        owner: &item.owner,
        due: item.due.as_deref().and_then(|d| d.parse::<Date>().ok()),
        done: item.done,
    }
}

/// The reminders due at `now`: queued once per owner and week.
pub fn due(
    store: &dyn Backend,
    config: &Config,
    queued: &crate::state::notify::QueuedNotices,
    looked: &LastLook,
    now: Timestamp,
) -> Result<Vec<IncidentOp>, StoreError> {
    let minute = now.as_second().div_euclid(60);
    if looked.0.swap(minute, Ordering::Relaxed) == minute {
        return Ok(Vec::new());
    }
    let week = reminder_week(now);
    let items = store.action_items(None, true)?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut ops = Vec::new();
    for (owner, mine) in overdue_by_owner(&items, today, item_due) {
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
    fn stored_due_dates_are_read_and_ones_that_do_not_parse_are_never_overdue() {
        let item = |due: Option<&str>, done: bool| ActionItemRow {
            incident_id: 3,
            position: 0,
            kind: "prevent".into(),
            description: "add a canary".into(),
            owner: "ana".into(),
            due: due.map(str::to_string),
            tracking: None,
            done,
        };
        let today = jiff::civil::date(2026, 11, 24);
        assert!(item_due(&item(Some("2026-11-20"), false)).is_overdue(today));
        assert!(!item_due(&item(Some("2026-11-20"), true)).is_overdue(today));
        assert!(!item_due(&item(Some("2026-11-24"), false)).is_overdue(today));
        assert!(!item_due(&item(Some("next week"), false)).is_overdue(today));
        assert!(!item_due(&item(None, false)).is_overdue(today));
        assert_eq!(item_due(&item(Some("2026-11-20"), false)).owner, "ana");
    }
}
