//! Handoff notices: at a shift change the incoming and outgoing people get
//! a message (by their first notification rule's method) listing the open
//! incidents they are on call for. Who comes and goes is
//! [`nines_oncall::shift_changes`]; this file words and queues the notices.

use jiff::Timestamp;
use nines_config::Config;
use nines_store::{Backend, IncidentOp, IncidentRow, StoreError};

use crate::notify::channels::{Notice, notice};
use crate::state::incidents::incident_name;
use crate::state::notify::QueuedNotices;

/// How long after a shift change its handoff notice may still go out: a
/// nines that was down longer than this at the change sends none (the
/// news is stale by then).
const HANDOFF_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// When the next shift change of any schedule is, after `now`.
pub fn next_change(config: &Config, now: Timestamp) -> Option<Timestamp> {
    config
        .schedules
        .values()
        .filter_map(|s| s.next_after(now).map(|shift| shift.start))
        .min()
}

/// Handoff notices for shift changes in the last [`HANDOFF_WINDOW`]: the
/// incoming and the outgoing people each get one, with the open incidents
/// of the services the schedule is on call for (or all open incidents when
/// no escalation policy names it). Keys are per schedule, change and
/// person, so every round may ask again and each notice is queued once.
pub fn due(
    store: &dyn Backend,
    config: &Config,
    queued: &QueuedNotices,
    now: Timestamp,
) -> Result<Vec<IncidentOp>, StoreError> {
    let mut ops = Vec::new();
    let mut open: Option<Vec<IncidentRow>> = None;
    for schedule in config.schedules.values() {
        for change in nines_oncall::shift_changes(schedule, now - HANDOFF_WINDOW, now) {
            let (before, after) = (&change.before, &change.after);
            let key_of =
                |user: &str| format!("handoff:{}:{}:{user}", schedule.name, change.at.as_second());
            let changed = change.incoming.iter().chain(&change.outgoing);
            if changed.clone().all(|u| queued.contains(&key_of(u))) {
                continue;
            }
            let open = match &open {
                Some(o) => o,
                None => open.insert(
                    store
                        .incidents(None, None, 1_000)?
                        .into_iter()
                        .filter(|i| i.status != nines_incident::Status::Resolved)
                        .collect(),
                ),
            };
            let services = services_of(config, &schedule.name);
            let incidents: Vec<&IncidentRow> = open
                .iter()
                .filter(|i| services.is_empty() || services.contains(&i.service.as_str()))
                .collect();
            let list = if incidents.is_empty() {
                "No open incidents.".to_string()
            } else {
                let lines: Vec<String> = incidents
                    .iter()
                    .map(|i| {
                        format!(
                            "{} {} ({}, {}, {})",
                            incident_name(i.id),
                            i.title,
                            i.service,
                            i.severity,
                            i.status
                        )
                    })
                    .collect();
                format!("Open incidents:\n{}", lines.join("\n"))
            };
            let names = |u: &[String]| {
                if u.is_empty() {
                    "nobody".to_string()
                } else {
                    u.join(", ")
                }
            };
            // The window cuts the shift; its real end is the next change.
            let until = schedule
                .next_after(now)
                .map_or_else(|| "further notice".to_string(), |n| n.start.to_string());
            let details = serde_json::json!({
                "schedule": schedule.name,
                "at": change.at.to_string(),
                "outgoing": before,
                "incoming": after,
                "incidents": incidents.iter().map(|i| incident_name(i.id)).collect::<Vec<_>>(),
            });
            let incoming = change.incoming.iter().map(|u| {
                (
                    u,
                    format!("You are on call in {} until {until}", schedule.name),
                    format!("You take over from {}.", names(before)),
                )
            });
            let outgoing = change.outgoing.iter().map(|u| {
                (
                    u,
                    format!("Your shift in {} ended", schedule.name),
                    format!("{} is on call now.", names(after)),
                )
            });
            for (user, title, text) in incoming.chain(outgoing) {
                let key = key_of(user);
                if queued.contains(&key) {
                    continue;
                }
                let text = format!("{text}\n{list}");
                ops.extend(notice(
                    config,
                    user,
                    Notice {
                        event: "oncall.handoff",
                        key,
                        title: &title,
                        text: &text,
                        details: details.clone(),
                    },
                    now,
                ));
            }
        }
    }
    Ok(ops)
}

/// The services whose escalation policy pages `schedule`.
fn services_of<'c>(config: &'c Config, schedule: &str) -> Vec<&'c str> {
    use nines_oncall::Target;
    config
        .services
        .keys()
        .filter(|s| {
            config.escalation_for(s).is_some_and(|p| {
                p.steps.iter().flat_map(|st| &st.targets).any(
                    |t| matches!(t, Target::Schedule(n) | Target::NextOnCall(n) if n == schedule),
                )
            })
        })
        .map(String::as_str)
        .collect()
}
