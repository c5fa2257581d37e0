//! On-call health: the load on each person over a period (pages, pages
//! outside working hours and at night, hours on call, acknowledgements and
//! how fast), per team, and a warning when one person carries much more
//! than their team's median, because uneven load is how on-call burns
//! people out. Pure: the daemon passes in what happened.

use std::collections::{BTreeMap, HashMap};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::rotation::Restriction;

/// What is known about one person for the period.
#[derive(Debug, Clone, Default)]
pub struct PersonFacts {
    /// When each page reached (first tried to reach) the person.
    pub pages: Vec<Timestamp>,
    /// Time on call: the person's shifts cut to the period.
    pub on_call: SignedDuration,
    /// How long each incident the person acknowledged took to be
    /// acknowledged.
    pub acks: Vec<SignedDuration>,
    /// The person's time zone for working and quiet hours; UTC if unset.
    pub timezone: Option<TimeZone>,
    pub working_hours: Option<Restriction>,
    pub quiet_hours: Option<Restriction>,
}

/// One person's load.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PersonLoad {
    pub user: String,
    pub pages: usize,
    /// Pages outside working hours; `None` without `working_hours`.
    pub pages_off_hours: Option<usize>,
    /// Pages in quiet hours (the person's night); `None` without
    /// `quiet_hours`.
    pub pages_at_night: Option<usize>,
    pub hours_on_call: f64,
    pub acknowledged: usize,
    /// Mean time to acknowledge of the incidents they acknowledged,
    /// seconds.
    pub mtta_seconds: Option<f64>,
}

/// A team's people and the warnings about them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TeamLoad {
    pub team: String,
    pub members: Vec<PersonLoad>,
    pub median_pages: f64,
    pub median_hours_on_call: f64,
    pub warnings: Vec<String>,
}

/// A person carrying more than this many times the team's median pages
/// (or hours on call) gets a warning; twice is the point where rotations
/// are plainly unfair rather than unlucky.
pub const UNEVEN_FACTOR: f64 = 2.0;

/// Fewer pages than this never warn: one page against a median of zero is
/// noise, not a pattern.
pub const MIN_PAGES_TO_WARN: usize = 3;

/// One message of a page, as the outbox holds it: what pages per person
/// are counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageMessage<'a> {
    /// `user:<name>:<method>` for a message to a person; other channels
    /// (a Slack channel, a webhook) are not a person's page.
    pub channel: &'a str,
    /// `INC-n:page:<pass>.<step>:<user>:<rule>`: one page per key without
    /// its last part (the notification rule).
    pub key: &'a str,
    /// When it was queued, milliseconds since the epoch.
    pub at_ms: i64,
    /// Cancelled before it left (the incident was acknowledged first).
    pub cancelled: bool,
}

/// The pages each person got: one per step that paged them, however many
/// notification rules it used, at the time of its first message; a page
/// whose every message was cancelled reached nobody and does not count.
/// Each person's pages are in the order of their keys.
pub fn pages_by_user<'a>(
    messages: impl IntoIterator<Item = PageMessage<'a>>,
) -> HashMap<String, Vec<Timestamp>> {
    let mut first: BTreeMap<(String, String), i64> = BTreeMap::new();
    for m in messages.into_iter().filter(|m| !m.cancelled) {
        let Some(user) = m
            .channel
            .strip_prefix("user:")
            .and_then(|rest| rest.rsplit_once(':'))
            .map(|(u, _)| u.to_string())
        else {
            continue;
        };
        let page = m.key.rsplit_once(':').map_or(m.key, |(p, _)| p);
        let at = first.entry((user, page.to_string())).or_insert(m.at_ms);
        *at = (*at).min(m.at_ms);
    }
    let mut out: HashMap<String, Vec<Timestamp>> = HashMap::new();
    for ((user, _), at) in first {
        if let Ok(t) = Timestamp::from_millisecond(at) {
            out.entry(user).or_default().push(t);
        }
    }
    out
}

/// The load of one person.
pub fn person_load(user: &str, f: &PersonFacts) -> PersonLoad {
    let tz = f.timezone.clone().unwrap_or(TimeZone::UTC);
    let count = |window: &Option<Restriction>, inside: bool| {
        window.as_ref().map(|w| {
            f.pages
                .iter()
                .filter(|&&t| w.contains(t, &tz) == inside)
                .count()
        })
    };
    let mtta = (!f.acks.is_empty()).then(|| {
        f.acks.iter().map(|d| d.as_secs_f64().max(0.0)).sum::<f64>() / f.acks.len() as f64
    });
    PersonLoad {
        user: user.to_string(),
        pages: f.pages.len(),
        pages_off_hours: count(&f.working_hours, false),
        pages_at_night: count(&f.quiet_hours, true),
        hours_on_call: f.on_call.as_secs_f64().max(0.0) / 3600.0,
        acknowledged: f.acks.len(),
        mtta_seconds: mtta,
    }
}

/// The median of `values` (0 when empty).
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Each team's members' loads (from `people`; a member with no facts
/// carries nothing), medians, and warnings for members above
/// [`UNEVEN_FACTOR`] times the median.
pub fn team_loads(
    teams: &BTreeMap<String, Vec<String>>,
    people: &BTreeMap<String, PersonLoad>,
) -> Vec<TeamLoad> {
    teams
        .iter()
        .map(|(team, members)| {
            let loads: Vec<PersonLoad> = members
                .iter()
                .map(|m| {
                    people.get(m).cloned().unwrap_or_else(|| {
                        person_load(m, &PersonFacts::default())
                    })
                })
                .collect();
            let median_pages = median(&mut loads.iter().map(|l| l.pages as f64).collect::<Vec<_>>());
            let median_hours =
                median(&mut loads.iter().map(|l| l.hours_on_call).collect::<Vec<_>>());
            let mut warnings = Vec::new();
            for l in &loads {
                if l.pages >= MIN_PAGES_TO_WARN && l.pages as f64 > UNEVEN_FACTOR * median_pages {
                    warnings.push(format!(
                        "{} had {} pages, more than {UNEVEN_FACTOR}× the team's median of {median_pages}",
                        l.user, l.pages
                    ));
                }
                if median_hours > 0.0 && l.hours_on_call > UNEVEN_FACTOR * median_hours {
                    warnings.push(format!(
                        "{} was on call {:.0} h, more than {UNEVEN_FACTOR}× the team's median of {median_hours:.0} h",
                        l.user, l.hours_on_call
                    ));
                }
            }
            TeamLoad {
                team: team.clone(),
                members: loads,
                median_pages,
                median_hours_on_call: median_hours,
                warnings,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Time, Weekday};

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn pages_are_sorted_into_working_hours_and_nights_in_the_persons_zone() {
        let f = PersonFacts {
            pages: vec![
                ts("2026-11-24T10:00:00Z"), // Tue 11:00 Berlin: working
                ts("2026-11-24T19:00:00Z"), // Tue 20:00: evening
                ts("2026-11-25T02:00:00Z"), // Wed 03:00: night
                ts("2026-11-28T10:00:00Z"), // Sat 11:00: weekend
            ],
            on_call: SignedDuration::from_hours(168),
            acks: vec![SignedDuration::from_mins(2), SignedDuration::from_mins(4)],
            timezone: Some(TimeZone::get("Europe/Berlin").unwrap()),
            working_hours: Some(Restriction {
                days: vec![
                    Weekday::Monday,
                    Weekday::Tuesday,
                    Weekday::Wednesday,
                    Weekday::Thursday,
                    Weekday::Friday,
                ],
                start: Time::constant(9, 0, 0, 0),
                end: Time::constant(18, 0, 0, 0),
            }),
            quiet_hours: Some(Restriction {
                days: vec![],
                start: Time::constant(22, 0, 0, 0),
                end: Time::constant(7, 0, 0, 0),
            }),
        };
        let l = person_load("ana", &f);
        assert_eq!(l.pages, 4);
        assert_eq!(l.pages_off_hours, Some(3));
        assert_eq!(l.pages_at_night, Some(1));
        assert_eq!(l.hours_on_call, 168.0);
        assert_eq!(l.mtta_seconds, Some(180.0));
        let none = person_load("bo", &PersonFacts::default());
        assert_eq!(
            (none.pages_off_hours, none.pages_at_night, none.mtta_seconds),
            (None, None, None)
        );
    }

    fn msg<'a>(channel: &'a str, key: &'a str, at_ms: i64, cancelled: bool) -> PageMessage<'a> {
        PageMessage {
            channel,
            key,
            at_ms,
            cancelled,
        }
    }

    #[test]
    fn a_page_counts_once_however_many_rules_and_not_when_all_were_cancelled() {
        let rows = [
            msg("user:ana:slack", "INC-1:page:0.0:ana:0", 1_000, false),
            msg("user:ana:email", "INC-1:page:0.0:ana:1", 301_000, false),
            msg("user:ana:slack", "INC-1:page:1.0:ana:0", 900_000, false),
            msg("user:bo:email", "INC-2:page:0.1:bo:0", 5_000, true),
            msg("user:lead:webhook", "INC-2:page:0.1:lead:0", 6_000, false),
            msg("slack:#ops", "INC-2:notify:0", 6_000, false),
        ];
        let p = pages_by_user(rows);
        assert_eq!(
            p["ana"],
            [
                Timestamp::from_millisecond(1_000).unwrap(),
                Timestamp::from_millisecond(900_000).unwrap()
            ]
        );
        assert!(!p.contains_key("bo"));
        assert_eq!(p["lead"].len(), 1);
        assert_eq!(p.len(), 2);
    }

    proptest::proptest! {
        /// Against a recount: a person's pages are the distinct pages (key
        /// without its rule) of their messages not cancelled, each at its
        /// earliest message.
        #[test]
        fn pages_per_person_match_a_recount(
            rows in proptest::collection::vec(
                (0usize..3, 0usize..3, 0u8..3, 0u8..3, 0u8..2, 0i64..10_000, proptest::bool::weighted(0.3)),
                0..40,
            )
        ) {
            const USERS: [&str; 3] = ["ana", "bo", "chen"];
            const METHODS: [&str; 3] = ["slack", "email", "sms"];
            let owned: Vec<(String, String, i64, bool)> = rows
                .iter()
                .map(|&(u, m, pass, step, rule, at, cancelled)| {
                    let channel = if m == 2 && u == 2 {
                        "webhook:ops".to_string() // not a person
                    } else {
                        format!("user:{}:{}", USERS[u], METHODS[m])
                    };
                    (channel, format!("INC-1:page:{pass}.{step}:{}:{rule}", USERS[u]), at, cancelled)
                })
                .collect();
            let got = pages_by_user(owned.iter().map(|(c, k, at, x)| msg(c, k, *at, *x)));
            for user in USERS {
                let mine: Vec<&(String, String, i64, bool)> = owned
                    .iter()
                    .filter(|(c, _, _, x)| !x && c.starts_with(&format!("user:{user}:")))
                    .collect();
                let page = |k: &str| k[..k.len() - 2].to_string();
                let mut pages: Vec<String> = mine.iter().map(|(_, k, _, _)| page(k)).collect();
                pages.sort();
                pages.dedup();
                let want: Vec<Timestamp> = pages
                    .iter()
                    .map(|p| {
                        let at = mine.iter().filter(|(_, k, _, _)| page(k) == *p).map(|r| r.2).min().unwrap();
                        Timestamp::from_millisecond(at).unwrap()
                    })
                    .collect();
                proptest::prop_assert_eq!(got.get(user).cloned().unwrap_or_default(), want, "{}", user);
            }
        }
    }

    #[test]
    fn one_person_far_above_the_median_is_warned_about() {
        let load = |user: &str, pages: usize, hours: f64| PersonLoad {
            user: user.into(),
            pages,
            pages_off_hours: None,
            pages_at_night: None,
            hours_on_call: hours,
            acknowledged: 0,
            mtta_seconds: None,
        };
        let people = BTreeMap::from([
            ("ana".to_string(), load("ana", 9, 168.0)),
            ("bo".to_string(), load("bo", 2, 168.0)),
            ("chen".to_string(), load("chen", 3, 40.0)),
        ]);
        let teams = BTreeMap::from([(
            "payments".to_string(),
            vec![
                "ana".to_string(),
                "bo".to_string(),
                "chen".to_string(),
                "dee".to_string(),
            ],
        )]);
        let t = &team_loads(&teams, &people)[0];
        assert_eq!(t.median_pages, 2.5);
        assert_eq!(t.median_hours_on_call, 104.0);
        assert_eq!(
            t.warnings,
            ["ana had 9 pages, more than 2× the team's median of 2.5"]
        );
        assert_eq!(t.members[3].user, "dee");
        assert_eq!(median(&mut []), 0.0);
    }
}
