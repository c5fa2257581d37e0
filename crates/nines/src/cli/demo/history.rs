//! A week of the shop's past, written before the demo starts, so budgets,
//! burn-down charts, reports and the status page's bars read as they would
//! for a real team instead of starting from nothing.
//!
//! The past is not written into tables by hand: a nines on a manual clock
//! starting a week ago takes the traffic minute by minute through the same
//! paths scrapes and probes use, so its engine evaluates the SLOs, fires
//! the burn-rate alerts of the past incident and opens that incident
//! itself; the demo's responder then acknowledges and resolves it and
//! publishes its postmortem, each at its time. That nines has no channels,
//! so nobody is paged for the past.

use std::path::Path;

use jiff::Timestamp;

use crate::app::App;
use crate::clock::Clock;

use super::responder::act;
use crate::state::slo::Collected;

/// How far back the history goes.
pub const DAYS: i64 = 7;
/// Seconds per step of the manual clock: one write and evaluation each.
const STEP: i64 = 300;

/// Shares of requests of a minute, outside and during the past incident.
const ERRORS: f64 = 0.0003;
const SLOW: f64 = 0.002;
const INCIDENT_ERRORS: f64 = 0.08;
const INCIDENT_SLOW: f64 = 0.05;

/// The past incident: when it starts, relative to now, and how long the
/// errors last.
const INCIDENT_AGO: i64 = 3 * 86_400 - 5 * 3_600;
const INCIDENT_FOR: i64 = 38 * 60;

/// The shop's traffic and failures, as a pure function of time: a daily
/// cycle (peak 15:00 UTC, trough 03:00, a mean of `rps`) and a share of
/// failed and slow requests; whole requests, with the fractions carried
/// from minute to minute so the totals are exact.
#[derive(Debug, Clone)]
pub struct Profile {
    pub rps: f64,
    /// The past incident's errors: `[from, to)`, unix seconds.
    pub incident: (i64, i64),
    carry: [f64; 3],
}

/// One minute of checkouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minute {
    pub requests: u64,
    pub errors: u64,
    pub slow: u64,
}

impl Profile {
    pub fn new(rps: f64, now: i64) -> Profile {
        let from = now - INCIDENT_AGO;
        Profile {
            rps,
            incident: (from, from + INCIDENT_FOR),
            carry: [0.0; 3],
        }
    }

    /// Traffic relative to the mean at `t` (0.5 to 1.5).
    pub fn daily(t: i64) -> f64 {
        let hour = t.rem_euclid(86_400) as f64 / 3_600.0;
        1.0 + 0.5 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).sin()
    }

    fn whole(&mut self, i: usize, exact: f64) -> u64 {
        let sum = self.carry[i] + exact;
        let n = sum.floor();
        self.carry[i] = sum - n;
        n as u64
    }

    /// The minute starting at `t`.
    pub fn minute(&mut self, t: i64) -> Minute {
        let requests = self.whole(0, self.rps * 60.0 * Profile::daily(t));
        let during = (self.incident.0..self.incident.1).contains(&t);
        // The incident's failures are a share of the mean traffic, not of
        // the hour's, so it spends the same part of the budget whatever
        // the time of day the demo starts at.
        let (e, s, of) = if during {
            (INCIDENT_ERRORS, INCIDENT_SLOW, self.rps * 60.0)
        } else {
            (ERRORS, SLOW, requests as f64)
        };
        let errors = self.whole(1, of * e).min(requests);
        let slow = self.whole(2, of * s).min(requests);
        Minute {
            requests,
            errors,
            slow,
        }
    }
}

/// A health-probe answer time in milliseconds at `t`: a few milliseconds,
/// slower at the daily peak, with a deterministic wobble.
pub fn probe_ms(t: i64) -> f64 {
    let wobble = (t.wrapping_mul(2_654_435_761) >> 7).rem_euclid(1_000) as f64 / 1_000.0;
    4.0 + 4.0 * Profile::daily(t) + 3.0 * wobble
}

/// What [`seed`] wrote.
#[derive(Debug)]
pub struct Seeded {
    /// The past incident, if the engine opened one.
    pub incident: Option<i64>,
    pub took: std::time::Duration,
}

/// Writes `DAYS` of history ending at `now` into the store at `data`,
/// under `config` (the demo's, without channels).
pub fn seed(
    config: &Path,
    data: &Path,
    now: Timestamp,
    rps: f64,
    probe_every: i64,
) -> anyhow::Result<Seeded> {
    let started = crate::clock::Stopwatch::start();
    let end = now.as_second() / 60 * 60;
    let start = end - DAYS * 86_400;
    let clock = Clock::manual(Timestamp::from_second(start)?);
    let (app, _) = App::open(
        config,
        data,
        nines_store::Durability::Process,
        clock.clone(),
    )?;
    let mut profile = Profile::new(rps, end);
    let (inc_from, inc_to) = profile.incident;
    let mut story = Story::new(inc_from, inc_to);
    let mut t = start;
    while t < end {
        let step_end = (t + STEP).min(end);
        let mut events = Vec::new();
        for m in (t..step_end).step_by(60) {
            let c = profile.minute(m);
            let event = |slo: &str, bad: u64| Collected {
                service: "shop".to_string(),
                slo: slo.to_string(),
                time: m,
                good: c.requests - bad,
                total: c.requests,
            };
            events.push(event("checkout-success", c.errors));
            events.push(event("checkout-latency", c.slow));
        }
        // The health probe's SLI counts every run; its stored results (for
        // latency charts and the status page's bars) keep one a minute,
        // so a week is written in seconds, not minutes.
        let runs = (60 / probe_every.max(1)) as u64;
        let mut rows = Vec::new();
        for m in (t..step_end).step_by(60) {
            events.push(Collected {
                service: "shop".to_string(),
                slo: "health".to_string(),
                time: m,
                good: runs,
                total: runs,
            });
            let outcome = nines_probe::Outcome {
                success: true,
                duration: std::time::Duration::from_secs_f64(probe_ms(m) / 1e3),
                status: Some(200),
                ..Default::default()
            };
            rows.push(nines_store::ProbeRow {
                service: "shop".to_string(),
                probe: "health".to_string(),
                at_ms: m * 1000,
                success: true,
                duration_ms: outcome.duration.as_secs_f64() * 1e3,
                reason: None,
                detail: crate::state::probes::outcome_json(&outcome).to_string(),
            });
        }
        clock.set(Timestamp::from_second(step_end)?);
        crate::slo::service::record_collected(&app, &events, &[])?;
        crate::probes::service::store_past_results(&app, &rows, step_end)?;
        story.advance(&app, step_end)?;
        t = step_end;
    }
    crate::slo::service::checkpoint(&app)?;
    Ok(Seeded {
        incident: story.incident,
        took: started.elapsed(),
    })
}

/// What people did during the past incident, each when its time comes.
struct Story {
    from: i64,
    to: i64,
    changed: bool,
    incident: Option<i64>,
    acked: bool,
    mitigated: bool,
    resolved: bool,
    published: bool,
}

impl Story {
    fn new(from: i64, to: i64) -> Story {
        Story {
            from,
            to,
            changed: false,
            incident: None,
            acked: false,
            mitigated: false,
            resolved: false,
            published: false,
        }
    }

    fn advance(&mut self, app: &App, now: i64) -> anyhow::Result<()> {
        if !self.changed && now >= self.from - 3 * 60 {
            self.changed = true;
            crate::review::changes::add(
                app,
                &nines_store::ChangeRow {
                    id: 0,
                    service: "shop".to_string(),
                    at: self.from - 3 * 60,
                    kind: "config".to_string(),
                    version: Some("pool-size-8".to_string()),
                    author: Some("bob".to_string()),
                    link: None,
                    description: Some(
                        "lower the database connection pool from 32 to 8".to_string(),
                    ),
                    source: "demo".to_string(),
                },
            )?;
        }
        if self.incident.is_none() && now >= self.from {
            self.incident = crate::incidents::queries::list(app, None, Some("shop"), 1)?
                .first()
                .map(|i| i.id);
        }
        let Some(id) = self.incident else {
            return Ok(());
        };
        if !self.acked && now >= self.from + 10 * 60 {
            self.acked = true;
            act(
                app,
                id,
                "note",
                Some("checkout errors up; looking"),
                "alice",
            )?;
            act(app, id, "ack", None, "alice")?;
            act(app, id, "publish", None, "alice")?;
        }
        // Mitigated once the errors are gone; resolved when the slower
        // ticket tiers, which fire as the long windows catch up, have
        // cooled too (nines resolves it then by itself; alice only if not).
        if !self.mitigated && now >= self.to + 10 * 60 {
            self.mitigated = true;
            act(
                app,
                id,
                "note",
                Some("pool size back to 32; errors gone for 10 minutes"),
                "alice",
            )?;
            act(app, id, "mitigate", None, "alice")?;
        }
        if !self.resolved && now >= self.to + 8 * 3_600 {
            self.resolved = true;
            let open = crate::incidents::queries::get(app, id)?
                .is_some_and(|i| i.status != nines_incident::Status::Resolved);
            if open {
                act(app, id, "resolve", None, "alice")?;
            }
        }
        if !self.published && now >= self.to + 86_400 {
            self.published = true;
            publish_postmortem(app, id)?;
        }
        Ok(())
    }
}

/// Drafts the past incident's postmortem from its facts, fills in what
/// people write, and takes it through review to published.
fn publish_postmortem(app: &App, id: i64) -> anyhow::Result<()> {
    use crate::review::postmortem::{draft_postmortem, save_postmortem};
    use nines_review::postmortem::{ActionItem, ActionKind, Status};
    let (_, mut pm, _) = draft_postmortem(app, id, "alice")?;
    pm.summary = "For 38 minutes a share of checkouts failed after a config push \
                  lowered the database connection pool from 32 to 8."
        .to_string();
    pm.root_causes = "The pool size had no load test behind it, and config pushes \
                      skip the canary stage that deploys go through."
        .to_string();
    pm.trigger = "The config push `pool-size-8`.".to_string();
    pm.resolution = "The pool size went back to 32.".to_string();
    pm.action_items = vec![
        ActionItem {
            kind: ActionKind::Prevent,
            description: "Send config pushes through the canary stage".to_string(),
            owner: "bob".to_string(),
            due: None,
            tracking: None,
            done: false,
        },
        ActionItem {
            kind: ActionKind::Detect,
            description: "Alert on connection pool saturation".to_string(),
            owner: "alice".to_string(),
            due: None,
            tracking: None,
            done: true,
        },
    ];
    pm.lessons.went_well = "The page fired within two minutes.".to_string();
    pm.lessons.went_wrong =
        "Nobody connected the config push to the errors for 20 minutes.".to_string();
    for status in [Status::InReview, Status::Published] {
        pm.status = status;
        save_postmortem(app, id, pm.clone(), "alice")?;
    }
    Ok(())
}

/// Figures the demo relies on: checked here because they are pure.
#[cfg(test)]
mod tests {
    use super::*;

    fn week(rps: f64, now: i64) -> (Minute, Minute) {
        let mut p = Profile::new(rps, now);
        let (mut all, mut inc) = ([0u64; 3], [0u64; 3]);
        for m in (now - DAYS * 86_400..now).step_by(60) {
            let c = p.minute(m);
            let during = (p.incident.0..p.incident.1).contains(&m);
            for (i, v) in [c.requests, c.errors, c.slow].into_iter().enumerate() {
                all[i] += v;
                if during {
                    inc[i] += v;
                }
            }
        }
        let f = |a: [u64; 3]| Minute {
            requests: a[0],
            errors: a[1],
            slow: a[2],
        };
        (f(all), f(inc))
    }

    #[test]
    fn a_week_of_history_has_the_mean_rate_and_a_daily_cycle() {
        let (all, _) = week(10.0, 1_800_000_000);
        let mean = all.requests as f64 / (DAYS * 86_400) as f64;
        assert!((mean - 10.0).abs() < 0.01, "mean {mean} req/s");
        assert!(Profile::daily(15 * 3_600) > 1.49 && Profile::daily(3 * 3_600) < 0.51);
    }

    /// The demo's story needs the availability budget 55–65% used before
    /// the outage, half of it by the past incident, whatever the hour the
    /// demo starts at: above the 35% floor, and below it after the outage
    /// (which spends 10% in `--fast`, 30% otherwise).
    #[test]
    fn the_history_spends_part_of_the_budget() {
        for (rps, now) in [10.0, 20.0]
            .into_iter()
            .flat_map(|r| (0..24).map(move |h| (r, 1_800_000_000 + h * 3_600)))
        {
            let (all, inc) = week(rps, now);
            let used = all.errors as f64 / (all.requests as f64 * 0.001);
            let by_incident = inc.errors as f64 / all.errors as f64;
            assert!((0.55..0.65).contains(&used), "used {used} at {now}");
            assert!(by_incident > 0.4, "incident share {by_incident}");
            let slow_used = all.slow as f64 / (all.requests as f64 * 0.01);
            assert!((0.1..0.6).contains(&slow_used), "latency used {slow_used}");
        }
    }

    #[test]
    fn probe_times_stay_a_few_milliseconds() {
        for t in (0..86_400).step_by(37) {
            let ms = probe_ms(t);
            assert!((5.0..15.0).contains(&ms), "{ms} at {t}");
        }
    }
}
