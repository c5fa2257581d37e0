//! On-call health over a period: `GET /api/v1/analytics/oncall?from=&to=`
//! and `nines oncall report`. The facts come from the store (pages queued
//! to people, acknowledgements on timelines) and the schedules (hours on
//! call); the figures, pages per person included, from nines-oncall's
//! `health` (pure).

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use nines_config::Config;
use nines_oncall::{PageMessage, PersonFacts, PersonLoad, TeamLoad, person_load, team_loads};
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

/// The pages each person got ([`nines_oncall::pages_by_user`]) from the
/// outbox's page rows.
pub fn pages_by_user(rows: &[PageRow]) -> HashMap<String, Vec<Timestamp>> {
    nines_oncall::pages_by_user(rows.iter().map(|r| PageMessage {
        channel: &r.channel,
        key: &r.key,
        at_ms: r.at_ms,
        cancelled: r.state == "cancelled",
    }))
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
