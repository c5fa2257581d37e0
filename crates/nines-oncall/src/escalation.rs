//! Escalation policies: who is paged when, until someone acknowledges.
//! Pure: the daemon passes in when the escalation started, the last step it
//! fired and `now`, and stores what it fired.
//!
//! # Timing
//!
//! A policy is a list of steps run `1 + repeat` times (passes). Every step
//! has a fixed due time computed from the escalation's start alone:
//!
//! - pass `p` starts at `started_at + p × period`, where `period` is the
//!   offset of the last step plus [`EscalationPolicy::repeat_after`];
//! - step `s` of a pass is due `after[0] + … + after[s]` after its pass
//!   starts: each step's `after` is its delay after the previous step (the
//!   first step's, after the pass starts).
//!
//! So `[{after: 0m}, {after: 15m}]` pages step 1 at once and step 2 fifteen
//! minutes later. Negative delays count as zero. Due times never depend on
//! when a step actually fired, so a late wake-up does not push later steps
//! back.
//!
//! # Restarts and missed steps
//!
//! The daemon persists the last [`Position`] it fired. [`EscalationPolicy::due`]
//! returns every later step whose due time is at or before `now`, in order,
//! each once: a daemon that was down across several due times fires each
//! missed step (of every missed pass) once, in order, as soon as it is back;
//! none is skipped and none fired before is fired again. Storing the last
//! position returned (after the pages are in the outbox) is all the state
//! needed.
//!
//! # Acknowledgement
//!
//! Acknowledging an incident stops its escalation: the daemon simply stops
//! calling `due` for it (and drops personal notification rules not yet
//! sent). Nothing here needs to know.

use jiff::{SignedDuration, Timestamp};

use crate::schedule::Schedule;

/// A named escalation policy (`escalations.<name>` in config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationPolicy {
    pub name: String,
    /// In order; a policy without steps never pages.
    pub steps: Vec<Step>,
    /// Extra passes through all steps after the first; 0 runs them once.
    pub repeat: u32,
    /// From the last step of a pass to the start of the next pass (whose
    /// first step then waits its own `after`).
    pub repeat_after: SignedDuration,
    /// Page people for incidents that only ticket-level alerts opened
    /// (SEV3, SEV4) too. Off: those notify their channels, and a
    /// page-level alert joining raises the incident and starts paging.
    pub page_tickets: bool,
}

/// One step: whom to page, and how long after the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub targets: Vec<Target>,
    /// Delay after the previous step's due time (the first step's: after
    /// the pass starts). Usually 0 for the first step.
    pub after: SignedDuration,
    /// Page one of the step's users, taking turns per incident and pass,
    /// instead of all of them. Channels are notified either way.
    pub round_robin: bool,
}

/// Whom a step pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `user:NAME`.
    User(String),
    /// `schedule:NAME`: whoever is on call in it.
    Schedule(String),
    /// `next:NAME`: whoever comes on call in it after the current people.
    NextOnCall(String),
    /// `channel:NAME`: a notification channel such as a team Slack.
    Channel(String),
}

/// Where an escalation is: pass (0-based; at most `repeat`) and step index.
/// Ordered as the steps fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub pass: u32,
    pub step: usize,
}

/// A step due to fire, and when it was (or will be) due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub position: Position,
    pub at: Timestamp,
}

/// The people and channels a step pages at an instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// Each once, in the order the targets give them.
    pub users: Vec<String>,
    /// Each once, in target order.
    pub channels: Vec<String>,
    /// Schedules of `schedule:`/`next:` targets that gave nobody (a gap,
    /// no next person, or a name the lookup does not know): worth a
    /// warning on the incident's timeline.
    pub unstaffed: Vec<String>,
}

// === impl EscalationPolicy ===

impl EscalationPolicy {
    /// How many times the steps run: `repeat + 1`.
    pub fn passes(&self) -> u64 {
        u64::from(self.repeat) + 1
    }

    /// The position after `fired` (the first when `None`); `None` once
    /// every pass is done. A stored position past the end of a policy that
    /// has since been shortened counts as the end of its pass.
    pub fn next_position(&self, fired: Option<Position>) -> Option<Position> {
        if self.steps.is_empty() {
            return None;
        }
        let next = match fired {
            None => Position { pass: 0, step: 0 },
            Some(p) if p.step + 1 < self.steps.len() => Position {
                pass: p.pass,
                step: p.step + 1,
            },
            Some(p) => Position {
                pass: p.pass.checked_add(1)?,
                step: 0,
            },
        };
        (u64::from(next.pass) < self.passes()).then_some(next)
    }

    /// How long after the escalation's start `pos` is due; `None` for a
    /// position outside the policy or too far away to represent.
    pub fn offset(&self, pos: Position) -> Option<SignedDuration> {
        SignedDuration::try_from_nanos_i128(self.offset_nanos(pos)?)
    }

    /// When `pos` is due for an escalation that started at `started_at`.
    pub fn due_at(&self, started_at: Timestamp, pos: Position) -> Option<Timestamp> {
        let offset = self.offset_nanos(pos)?;
        Timestamp::from_nanosecond(started_at.as_nanosecond().checked_add(offset)?).ok()
    }

    /// Every step after `fired`, in firing order, with its due time.
    pub fn timeline(
        &self,
        started_at: Timestamp,
        fired: Option<Position>,
    ) -> impl Iterator<Item = Due> + '_ {
        let mut next = self.next_position(fired);
        std::iter::from_fn(move || {
            let position = next?;
            next = self.next_position(Some(position));
            // Past the representable range nothing is ever due.
            let at = self.due_at(started_at, position)?;
            Some(Due { position, at })
        })
    }

    /// The steps after `fired` that are due at `now` (due time ≤ `now`),
    /// in order. Fire them all, then store the last one's position as
    /// `fired`. See the module docs for missed steps.
    pub fn due(&self, started_at: Timestamp, fired: Option<Position>, now: Timestamp) -> Vec<Due> {
        // Due times never decrease along the timeline.
        self.timeline(started_at, fired)
            .take_while(|d| d.at <= now)
            .collect()
    }

    /// When the next step after `fired` is due (maybe already past):
    /// how long the daemon may sleep. `None` when nothing is left.
    pub fn next_due(&self, started_at: Timestamp, fired: Option<Position>) -> Option<Timestamp> {
        self.timeline(started_at, fired).next().map(|d| d.at)
    }

    /// The start time that makes `pos` due at `at`: for "escalate now",
    /// store this as the escalation's start and the step after the fired
    /// one is due at once, with the steps after it at their usual delays.
    pub fn restart_for(&self, pos: Position, at: Timestamp) -> Option<Timestamp> {
        let offset = self.offset_nanos(pos)?;
        Timestamp::from_nanosecond(at.as_nanosecond().checked_sub(offset)?).ok()
    }

    /// Whom the step at `pos` pages at `at`. `incident_seq` (any number
    /// fixed per incident, such as its id) picks the round-robin turn with
    /// the pass, so consecutive incidents and passes go to different
    /// people.
    pub fn recipients<'s>(
        &self,
        pos: Position,
        at: Timestamp,
        schedules: impl Fn(&str) -> Option<&'s Schedule>,
        incident_seq: u64,
    ) -> Recipients {
        match self.steps.get(pos.step) {
            Some(step) => step.recipients(
                at,
                schedules,
                incident_seq.wrapping_add(u64::from(pos.pass)),
            ),
            None => Recipients::default(),
        }
    }

    /// Offset of `pos` from the start in nanoseconds; negative delays count
    /// as zero, so offsets never decrease along the timeline.
    fn offset_nanos(&self, pos: Position) -> Option<i128> {
        if pos.step >= self.steps.len() || u64::from(pos.pass) >= self.passes() {
            return None;
        }
        let within = |last: usize| -> i128 {
            self.steps[..=last]
                .iter()
                .fold(0i128, |sum, s| sum.saturating_add(nanos(s.after)))
        };
        let period = within(self.steps.len() - 1).saturating_add(nanos(self.repeat_after));
        Some(
            period
                .saturating_mul(i128::from(pos.pass))
                .saturating_add(within(pos.step)),
        )
    }
}

fn nanos(d: SignedDuration) -> i128 {
    d.as_nanos().max(0)
}

// === impl Step ===

impl Step {
    /// Whom this step pages at `at`: users named, the people on call in
    /// named schedules (`Schedule::on_call`), the next people of `next:`
    /// schedules (`Schedule::next_after`), each user once; with
    /// `round_robin`, only the user at `turn` (modulo their number).
    /// Channels pass through.
    pub fn recipients<'s>(
        &self,
        at: Timestamp,
        schedules: impl Fn(&str) -> Option<&'s Schedule>,
        turn: u64,
    ) -> Recipients {
        let mut out = Recipients::default();
        let add = |list: &mut Vec<String>, name: &str| {
            if !list.iter().any(|x| x == name) {
                list.push(name.to_string());
            }
        };
        for target in &self.targets {
            match target {
                Target::User(u) => add(&mut out.users, u),
                Target::Channel(c) => add(&mut out.channels, c),
                Target::Schedule(s) | Target::NextOnCall(s) => {
                    let users = match (schedules(s), target) {
                        (Some(sc), Target::Schedule(_)) => sc.on_call(at).users,
                        (Some(sc), _) => sc.next_after(at).map(|s| s.users).unwrap_or_default(),
                        (None, _) => Vec::new(),
                    };
                    if users.is_empty() {
                        add(&mut out.unstaffed, s);
                    }
                    for u in &users {
                        add(&mut out.users, u);
                    }
                }
            }
        }
        if self.round_robin && !out.users.is_empty() {
            let n = out.users.len() as u64;
            let chosen = out.users.swap_remove((turn % n) as usize);
            out.users = vec![chosen];
        }
        out
    }
}

#[cfg(test)]
mod tests;
