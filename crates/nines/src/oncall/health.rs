//! On-call health over a period: `GET /api/v1/analytics/oncall?from=&to=`
//! and `nines oncall report`. The facts come from the store (pages queued
//! to people, acknowledgements on timelines) and the schedules (hours on
//! call); the figures from nines-oncall's `health` (pure).

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use nines_config::Config;
use nines_oncall::{PersonFacts, PersonLoad, TeamLoad, person_load, team_loads};
use nines_store::{PageRow, StoreError};
use serde::{Deserialize, Serialize};

use crate::app::App;

/// The longest period a report covers.
pub const MAX_PERIOD: SignedDuration = SignedDuration::from_hours(400 * 24);

/// The default period: the last 28 days.
pub const DEFAULT_PERIOD: SignedDuration = SignedDuration::from_hours(28 * 24);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OncallHealth {
    pub from: String,
    pub to: String,
    /// Everyone in `users`, by name.
    pub people: Vec<PersonLoad>,
    pub teams: Vec<TeamLoad>,
}

/// The pages each person got: one per step that paged them, however many
/// notification rules it used, at the time of its first message; a page
/// whose every message was cancelled (acknowledged before they left)
/// reached nobody and does not count.
pub fn pages_by_user(rows: &[PageRow]) -> HashMap<String, Vec<Timestamp>> {
    // Keys are `INC-n:page:<pass>.<step>:<user>:<rule>`: without the rule,
    // one page.
    let mut first: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.state != "cancelled") {
        let Some(user) = r
            .channel
            .strip_prefix("user:")
            .and_then(|rest| rest.rsplit_once(':'))
            .map(|(u, _)| u.to_string())
        else {
            continue;
        };
        let page = r.key.rsplit_once(':').map_or(r.key.as_str(), |(p, _)| p);
        let at = first.entry((user, page.to_string())).or_insert(r.at_ms);
        *at = (*at).min(r.at_ms);
    }
    let mut out: HashMap<String, Vec<Timestamp>> = HashMap::new();
    for ((user, _), at) in first {
        if let Ok(t) = Timestamp::from_millisecond(at) {
            out.entry(user).or_default().push(t);
        }
    }
    out
}

/// Time each person was on call in `[from, to)`, over all schedules.
fn on_call(config: &Config, from: Timestamp, to: Timestamp) -> HashMap<String, SignedDuration> {
    let mut out: HashMap<String, SignedDuration> = HashMap::new();
    for s in config.schedules.values() {
        for shift in s.shifts(from, to) {
            for u in &shift.users {
                *out.entry(u.clone()).or_default() += shift.end.duration_since(shift.start);
            }
        }
    }
    out
}

pub fn oncall_health(
    app: &App,
    from: Timestamp,
    to: Timestamp,
) -> Result<OncallHealth, StoreError> {
    let config = app.config();
    let (rows, acks) = app.with_store(|s| {
        Ok::<_, StoreError>((
            s.pages(from.as_millisecond(), to.as_millisecond())?,
            s.acknowledgements(from.as_second(), to.as_second())?,
        ))
    })?;
    let mut pages = pages_by_user(&rows);
    let mut hours = on_call(&config, from, to);
    let mut ack_times: HashMap<String, Vec<SignedDuration>> = HashMap::new();
    for (actor, started, at) in acks {
        ack_times
            .entry(actor)
            .or_default()
            .push(SignedDuration::from_secs(at - started));
    }
    let people: BTreeMap<String, PersonLoad> = config
        .users
        .values()
        .map(|u| {
            let facts = PersonFacts {
                pages: pages.remove(&u.name).unwrap_or_default(),
                on_call: hours.remove(&u.name).unwrap_or_default(),
                acks: ack_times.remove(&u.name).unwrap_or_default(),
                timezone: u
                    .timezone
                    .as_deref()
                    .and_then(|z| jiff::tz::TimeZone::get(z).ok()),
                working_hours: u.working_hours.clone(),
                quiet_hours: u.quiet_hours.clone(),
            };
            (u.name.clone(), person_load(&u.name, &facts))
        })
        .collect();
    let teams: BTreeMap<String, Vec<String>> = config
        .teams
        .values()
        .map(|t| (t.name.clone(), t.members.clone()))
        .collect();
    Ok(OncallHealth {
        from: from.to_string(),
        to: to.to_string(),
        teams: team_loads(&teams, &people),
        people: people.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(channel: &str, key: &str, at_ms: i64, state: &str) -> PageRow {
        PageRow {
            channel: channel.into(),
            key: key.into(),
            at_ms,
            state: state.into(),
        }
    }

    #[test]
    fn a_page_counts_once_however_many_rules_and_not_when_all_were_cancelled() {
        let rows = [
            row("user:ana:slack", "INC-1:page:0.0:ana:0", 1_000, "sent"),
            row("user:ana:email", "INC-1:page:0.0:ana:1", 301_000, "sent"),
            row("user:ana:slack", "INC-1:page:1.0:ana:0", 900_000, "sent"),
            row("user:bo:email", "INC-2:page:0.1:bo:0", 5_000, "cancelled"),
            row(
                "user:lead:webhook",
                "INC-2:page:0.1:lead:0",
                6_000,
                "pending",
            ),
        ];
        let p = pages_by_user(&rows);
        assert_eq!(
            p["ana"],
            [
                Timestamp::from_millisecond(1_000).unwrap(),
                Timestamp::from_millisecond(900_000).unwrap()
            ]
        );
        assert!(!p.contains_key("bo"));
        assert_eq!(p["lead"].len(), 1);
    }
}
