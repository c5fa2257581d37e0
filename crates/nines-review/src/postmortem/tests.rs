//! Postmortems: the draft from an incident's facts, the Markdown snapshot
//! users read, the lossless export → import round trip (issue 8), errors
//! that name their line, the status workflow and overdue action items.

use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::overdue::{ItemDue, overdue_by_owner};
use crate::{IncidentTimes, Severity};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A SEV2 on checkout: a deploy 43 minutes before, a rollback during, and
/// a config change of another service too early to be shown.
fn facts() -> IncidentFacts {
    IncidentFacts {
        id: "INC-42".to_string(),
        title: "Checkout returns 500s after a cart deploy".to_string(),
        service: "checkout".to_string(),
        severity: Severity::Sev2,
        times: IncidentTimes {
            started: at("2025-03-01T14:02:00Z"),
            detected: Some(at("2025-03-01T14:07:00Z")),
            acknowledged: Some(at("2025-03-01T14:09:30.250Z")),
            mitigated: Some(at("2025-03-01T14:31:00Z")),
            resolved: Some(at("2025-03-01T14:52:00Z")),
        },
        timeline: vec![
            TimelineEntry {
                at: at("2025-03-01T14:07:00Z"),
                text: "Alert checkout/availability page fired: burn rate 14.4× over 1h and 5m"
                    .to_string(),
            },
            TimelineEntry {
                at: at("2025-03-01T14:09:30.250Z"),
                text: "Acknowledged by bo".to_string(),
            },
            TimelineEntry {
                at: at("2025-03-01T14:28:00Z"),
                text: "Note by bo: rolling back 2.14.0 | errors only on /cart".to_string(),
            },
            TimelineEntry {
                at: at("2025-03-01T14:52:00Z"),
                text: "Resolved by bo".to_string(),
            },
        ],
        changes: vec![
            ChangeFact {
                at: at("2025-03-01T11:30:00Z"),
                service: "payments".to_string(),
                kind: "config".to_string(),
                version: "cfg-881".to_string(),
                by: None,
                description: None,
                link: None,
            },
            ChangeFact {
                at: at("2025-03-01T14:28:00Z"),
                service: "checkout".to_string(),
                kind: "rollback".to_string(),
                version: "2.13.4".to_string(),
                by: Some("bo".to_string()),
                description: None,
                link: None,
            },
            ChangeFact {
                at: at("2025-03-01T13:19:00Z"),
                service: "checkout".to_string(),
                kind: "deploy".to_string(),
                version: "2.14.0".to_string(),
                by: Some("ana".to_string()),
                description: Some("new cart service client".to_string()),
                link: Some("https://ci.example.com/runs/7781".to_string()),
            },
        ],
        slos: vec![
            SloBurn {
                slo: "checkout/availability".to_string(),
                budget_burned_ratio: 0.183,
                bad_events: Some(5120),
                total_events: Some(412_300),
            },
            SloBurn {
                slo: "checkout/latency".to_string(),
                budget_burned_ratio: 0.021,
                bad_events: None,
                total_events: None,
            },
        ],
        authors: vec!["bo".to_string()],
        links: vec![
            "http://127.0.0.1:9900/slos/checkout/availability?from=2025-03-01T12:02:00Z&to=2025-03-01T15:52:00Z"
                .to_string(),
        ],
    }
}

// === draft ===

#[test]
fn draft_markdown_snapshot() {
    insta::assert_snapshot!(to_markdown(&draft(&facts())));
}

#[test]
fn draft_holds_the_deploy_and_the_budget_burned() {
    let p = draft(&facts());
    assert_eq!(p.status, Status::Draft);
    assert_eq!(p.incident.as_deref(), Some("INC-42"));
    assert_eq!(p.date, date(2025, 3, 1));
    assert_eq!(p.impact.duration, Some(SignedDuration::from_mins(50)));
    assert_eq!(
        p.impact.slos,
        vec![
            SloImpact {
                slo: "checkout/availability".to_string(),
                budget_burned_ratio: 0.183
            },
            SloImpact {
                slo: "checkout/latency".to_string(),
                budget_burned_ratio: 0.021
            },
        ]
    );
    assert_eq!(
        p.impact.users_affected.as_deref(),
        Some("checkout/availability: 5,120 of 412,300 events failed the SLI")
    );
    assert_eq!(
        p.detection,
        Detection {
            detect: Some(SignedDuration::from_mins(5)),
            acknowledge: Some(SignedDuration::from_secs(150)),
            mitigate: Some(SignedDuration::from_mins(29)),
            resolve: Some(SignedDuration::from_mins(50)),
        }
    );
    let texts: Vec<&str> = p.timeline.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "Change 43m before the incident started: deploy of checkout version 2.14.0 by ana: \
             new cart service client (https://ci.example.com/runs/7781)",
            "Alert checkout/availability page fired: burn rate 14.4× over 1h and 5m",
            "Acknowledged by bo",
            "Change during the incident: rollback of checkout version 2.13.4 by bo",
            "Note by bo: rolling back 2.14.0 | errors only on /cart",
            "Resolved by bo",
        ]
    );
    assert!(p.trigger.starts_with(TO_BE_WRITTEN));
    assert!(p.trigger.contains("deploy of checkout version 2.14.0"));
    assert!(!p.trigger.contains("rollback"));
    assert!(p.resolution.contains("rollback of checkout version 2.13.4"));
    assert!(p.action_items.is_empty());
    assert_eq!(p.lessons.got_lucky, TO_BE_WRITTEN);
}

#[test]
fn draft_of_an_unresolved_incident_without_changes() {
    let mut f = facts();
    f.times.resolved = None;
    f.times.mitigated = None;
    f.changes.clear();
    f.slos.clear();
    let p = draft(&f);
    assert_eq!(p.impact.duration, None);
    assert_eq!(p.detection.resolve, None);
    assert_eq!(p.impact.users_affected, None);
    assert!(p.summary.contains("and is not resolved yet"));
    assert_eq!(
        p.trigger,
        format!("{TO_BE_WRITTEN}: what set the incident off.")
    );
    assert_eq!(p.timeline.len(), 4);
    assert_eq!(from_markdown(&to_markdown(&p)), Ok(p));
}

#[test]
fn changes_exactly_two_hours_before_are_shown_and_earlier_ones_not() {
    let mut f = facts();
    let started = f.times.started;
    let change = |at: Timestamp, version: &str| ChangeFact {
        at,
        service: "checkout".to_string(),
        kind: "flag".to_string(),
        version: version.to_string(),
        by: None,
        description: None,
        link: None,
    };
    f.changes = vec![
        change(started - CHANGE_LOOKBACK, "edge"),
        change(
            started - CHANGE_LOOKBACK - SignedDuration::from_secs(1),
            "early",
        ),
        change(started, "same"),
        change(
            f.times.resolved.unwrap() + SignedDuration::from_secs(1),
            "late",
        ),
    ];
    let p = draft(&f);
    let changes: Vec<&str> = p
        .timeline
        .iter()
        .filter(|e| e.text.starts_with("Change"))
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        changes,
        vec![
            "Change 2h before the incident started: flag of checkout version edge",
            "Change as the incident started: flag of checkout version same",
        ]
    );
}

// === round trip ===

/// Text full of what Markdown and our escapes care about, and unicode.
fn text(allow_cr: bool) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => any::<char>().prop_map(String::from),
        3 => "[a-zA-Z0-9 ]{1,8}",
        4 => prop::sample::select(vec![
            "|", "\\", "\n", "\n\n", "#", "## ", "### ", "\\#", "\\\\", " ", "\t", "<br>",
            "<BR/>", "<b>", "&#32;", "&#9;", "&#13;", "&", ",", ", ", "- ", "* ", "---",
            "|---|", "| a | b |", "_To be written_", "`code`", "[link](http://x)", "é",
            "日本語", "🦀", "\u{a0}", "\u{2028}", "\r",
        ])
        .prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(move |parts| {
        let s = parts.concat();
        if allow_cr { s } else { s.replace('\r', "") }
    })
}

fn prose() -> impl Strategy<Value = String> {
    text(false)
}

fn inline() -> impl Strategy<Value = String> {
    text(true)
}

fn non_empty() -> impl Strategy<Value = String> {
    inline().prop_filter("non-empty", |s| !s.is_empty())
}

fn a_date() -> impl Strategy<Value = Date> {
    (1970i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d))
}

fn a_timestamp() -> impl Strategy<Value = Timestamp> {
    (
        0i64..4_102_444_800,
        prop_oneof![Just(0i32), 0i32..1_000_000_000],
    )
        .prop_map(|(s, n)| Timestamp::new(s, n).unwrap())
}

fn a_duration() -> impl Strategy<Value = Option<SignedDuration>> {
    const TEN_YEARS_NS: i64 = 10 * 365 * 86_400 * 1_000_000_000;
    prop::option::of(prop_oneof![
        (0i64..86_400 * 30).prop_map(SignedDuration::from_secs),
        (-TEN_YEARS_NS..TEN_YEARS_NS).prop_map(SignedDuration::from_nanos),
    ])
}

fn a_ratio() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0i64..2000).prop_map(|n| n as f64 / 1000.0),
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
    ]
}

fn a_postmortem() -> impl Strategy<Value = Postmortem> {
    let head = (
        inline(),
        prop::option::of(non_empty()),
        a_date(),
        prop::collection::vec(non_empty(), 0..4),
        prop::sample::select(vec![Status::Draft, Status::InReview, Status::Published]),
        prose(),
    );
    let impact = (
        a_duration(),
        prop::collection::vec(
            (inline(), a_ratio()).prop_map(|(slo, budget_burned_ratio)| SloImpact {
                slo,
                budget_burned_ratio,
            }),
            0..4,
        ),
        prop::option::of(non_empty()),
    )
        .prop_map(|(duration, slos, users_affected)| Impact {
            duration,
            slos,
            users_affected,
        });
    let detection = (a_duration(), a_duration(), a_duration(), a_duration()).prop_map(
        |(detect, acknowledge, mitigate, resolve)| Detection {
            detect,
            acknowledge,
            mitigate,
            resolve,
        },
    );
    let item = (
        prop::sample::select(ActionKind::ALL.to_vec()),
        inline(),
        inline(),
        prop::option::of(a_date()),
        prop::option::of(non_empty()),
        any::<bool>(),
    )
        .prop_map(
            |(kind, description, owner, due, tracking, done)| ActionItem {
                kind,
                description,
                owner,
                due,
                tracking,
                done,
            },
        );
    let lessons =
        (prose(), prose(), prose()).prop_map(|(went_well, went_wrong, got_lucky)| Lessons {
            went_well,
            went_wrong,
            got_lucky,
        });
    let tail = (
        prose(),
        prose(),
        prose(),
        prop::collection::vec(item, 0..4),
        lessons,
        prop::collection::vec(
            (a_timestamp(), inline()).prop_map(|(at, text)| TimelineEntry { at, text }),
            0..5,
        ),
        prop::collection::vec(non_empty(), 0..3),
    );
    (head, impact, detection, tail).prop_map(
        |(
            (title, incident, date, authors, status, summary),
            impact,
            detection,
            (root_causes, trigger, resolution, action_items, lessons, timeline, supporting),
        )| Postmortem {
            title,
            incident,
            date,
            authors,
            status,
            summary,
            impact,
            root_causes,
            trigger,
            resolution,
            detection,
            action_items,
            lessons,
            timeline,
            supporting,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn markdown_round_trip_is_lossless(p in a_postmortem()) {
        let md = to_markdown(&p);
        let back = from_markdown(&md);
        prop_assert_eq!(back.as_ref(), Ok(&p), "markdown:\n{}", md);
        // And stable: writing what was read gives the same bytes.
        prop_assert_eq!(to_markdown(&back.unwrap()), md);
    }

    #[test]
    fn crlf_files_read_the_same(p in a_postmortem()) {
        // Prose without carriage returns (the documented exception).
        let md = to_markdown(&p);
        prop_assert_eq!(from_markdown(&md.replace('\n', "\r\n")), Ok(p));
    }

    #[test]
    fn damaged_files_give_errors_not_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, inline()), 1..6),
    ) {
        let md = to_markdown(&draft(&facts()));
        let mut lines: Vec<String> = md.split('\n').map(String::from).collect();
        for (index, op, text) in edits {
            let i = index.index(lines.len());
            match op {
                0 => { lines.remove(i); }
                1 => { let l = lines[i].clone(); lines.insert(i, l); }
                2 => lines[i] = text,
                _ => lines[i].push_str(&text),
            }
            if lines.is_empty() {
                lines.push(String::new());
            }
        }
        let damaged = lines.join("\n");
        if let Err(e) = from_markdown(&damaged) {
            prop_assert!(e.line >= 1 && e.line <= damaged.split('\n').count(), "{}", e);
        }
    }

    #[test]
    fn arbitrary_input_never_panics(s in "(#|##|###|\\||-|[a-z ]|\n|\\\\|:|%|[0-9]){0,200}") {
        let _ = from_markdown(&s);
    }
}

#[test]
fn prose_keeps_its_blank_lines_and_escapes() {
    // Regression: blank lines ending a section's prose were once collapsed
    // into the blank line before the next heading.
    let mut p = draft(&facts());
    for (i, prose) in [
        "",
        "\n",
        "\n\n",
        "ends with a blank line\n",
        "\nstarts with one",
        "## not a heading\n### nor this\n\\# nor this\n\\\\ backslashes",
        "  indented\n\ttabbed  ",
    ]
    .into_iter()
    .enumerate()
    {
        p.root_causes = prose.to_string();
        p.lessons.got_lucky = prose.to_string();
        p.summary = format!("{i}{prose}");
        let md = to_markdown(&p);
        assert_eq!(from_markdown(&md).as_ref(), Ok(&p), "{md}");
    }
}

#[test]
fn hand_edited_markdown_is_read() {
    let md = to_markdown(&draft(&facts()));
    // Re-aligned tables without outer pipes, alignment colons, sections
    // moved, hand-written breaks and times, a blank line lost.
    let edited = md
        .replace("|---|---|---|---|---|---|", "| :--- | --- | --- | --- | --- | ---: |")
        .replace(
            "| Type | Action | Owner | Due | Tracking | Status |",
            "Type|Action|Owner|Due|Tracking|Status",
        )
        .replace(
            "| Type | Action | Owner | Due | Tracking | Status |\n",
            "",
        )
        .replace(
            "|---|---|---|---|---|---|\n",
            "|---|---|---|---|---|---|\n| detect | Alert on 5xx<br />per route | bo | 2025-03-15 | | open |\n",
        );
    let mut p = from_markdown(&edited.replace("Type|Action", "| Type|Action"))
        .map_err(|e| e.to_string())
        .unwrap();
    let expected = draft(&facts());
    assert_eq!(p.timeline, expected.timeline);
    p.action_items.clear();
    assert_eq!(p, expected);

    let mut moved = md.clone();
    let start = moved.find("## Supporting information").unwrap();
    let supporting = moved.split_off(start);
    moved.insert_str(
        moved.find("## Summary").unwrap(),
        &format!("{supporting}\n"),
    );
    assert_eq!(from_markdown(&moved), Ok(expected.clone()));

    let typed = md.replace("2025-03-01 14:52:00Z", "2025-03-01 14:52");
    assert_eq!(from_markdown(&typed), Ok(expected));
}

#[test]
fn action_items_read_from_a_table() {
    let mut p = draft(&facts());
    p.action_items = vec![
        ActionItem {
            kind: ActionKind::Prevent,
            description: "Canary the cart client | 5% first".to_string(),
            owner: "ana".to_string(),
            due: Some(date(2025, 3, 15)),
            tracking: Some("https://tracker.example.com/REL-12".to_string()),
            done: false,
        },
        ActionItem {
            kind: ActionKind::Detect,
            description: "Alert on 5xx per route".to_string(),
            owner: "bo".to_string(),
            due: None,
            tracking: None,
            done: true,
        },
    ];
    let md = to_markdown(&p);
    assert!(md.contains(
        "| prevent | Canary the cart client \\| 5% first | ana | 2025-03-15 | \
         https://tracker.example.com/REL-12 | open |\n| detect | Alert on 5xx per route | bo | | | done |"
    ));
    assert_eq!(from_markdown(&md), Ok(p));
}

// === errors ===

#[test]
fn errors_name_the_line() {
    let md = to_markdown(&draft(&facts()));
    let line_of = |needle: &str| md.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases: Vec<(String, usize, &str)> = vec![
        (
            md.replacen("# Checkout", "Checkout", 1),
            1,
            "expected the title, \"# …\", found \"Checkout returns 500s after a cart deploy\"",
        ),
        (
            md.replace("| Date | 2025-03-01 |", "| Date | March 1st |"),
            line_of("| Date |"),
            "Date: cannot read \"March 1st\" as a date",
        ),
        (
            md.replace("| Status | draft |", "| Status | final |"),
            line_of("| Status |"),
            "Status: unknown postmortem status \"final\" (expected draft, in review or published)",
        ),
        (
            md.replace("## Trigger", "## Triggers"),
            line_of("## Trigger"),
            "unknown section \"## Triggers\" (expected Summary, Impact",
        ),
        (
            md.replace("## Trigger\n", "## Summary\n"),
            line_of("## Trigger"),
            "section \"## Summary\" again (first on line",
        ),
        (
            md.replace("| Time to detect | 5m |", "| Time to detect | soon |"),
            line_of("| Time to detect |"),
            "Time to detect: cannot read \"soon\" as a duration (e.g. 1h 5m)",
        ),
        (
            md.replace("| checkout/latency | 2.1% |", "| checkout/latency | lots |"),
            line_of("| checkout/latency |"),
            "Error budget burned: cannot read \"lots\" as a percentage (e.g. 42.5%)",
        ),
        (
            md.replace(
                "| 2025-03-01 14:52:00Z | Resolved by bo |",
                "| yesterday | Resolved by bo |",
            ),
            line_of("Resolved by bo"),
            "Time (UTC): cannot read \"yesterday\" as a time",
        ),
        (
            md.replace(
                "| 2025-03-01 14:52:00Z | Resolved by bo |",
                "| 2025-03-01 14:52:00Z |",
            ),
            line_of("Resolved by bo"),
            "expected 2 cells like the header, found 1",
        ),
        (
            md.replace("| Time (UTC) | Event |", "| When | Event |"),
            line_of("| Time (UTC) | Event |"),
            "expected the table header \"| Time (UTC) | Event |\", found \"| When | Event |\"",
        ),
        (
            md.replace("### Where we got lucky", "### Luck"),
            line_of("### Where we got lucky"),
            "unknown part \"### Luck\" of lessons learned",
        ),
        (
            md.replace("- http://127.0.0.1", "see http://127.0.0.1"),
            line_of("- http://127.0.0.1"),
            "expected a list item, \"- link\", found \"see http://127.0.0.1",
        ),
        (
            md.replace("| Users affected |", "| Users |"),
            line_of("| Users affected |"),
            "unknown row \"Users\" (expected Duration, Users affected)",
        ),
    ];
    for (input, line, message) in cases {
        let e = from_markdown(&input).expect_err(message);
        assert_eq!(e.line, line, "{e}");
        assert!(e.message.starts_with(message), "{e}");
    }

    let mut cut = md.clone();
    cut.truncate(md.find("## Resolution").unwrap());
    let e = from_markdown(&cut).unwrap_err();
    assert_eq!(e.line, cut.split('\n').count());
    assert_eq!(e.message, "missing section \"## Resolution\"");
    assert_eq!(
        from_markdown("").unwrap_err().to_string(),
        "line 1: empty document: expected the title, \"# …\""
    );
}

// === workflow ===

#[test]
fn status_transitions() {
    use Status::*;
    let allowed = [
        (Draft, Draft),
        (Draft, InReview),
        (InReview, InReview),
        (InReview, Published),
        (InReview, Draft),
        (Published, Published),
        (Published, Draft),
    ];
    for from in [Draft, InReview, Published] {
        for to in [Draft, InReview, Published] {
            let result = from.transition(to);
            if allowed.contains(&(from, to)) {
                assert_eq!(result, Ok(to), "{from} → {to}");
            } else {
                assert!(result.is_err(), "{from} → {to}");
            }
        }
    }
    assert_eq!(
        Draft.transition(Published).unwrap_err().to_string(),
        "a postmortem cannot go from draft to published (send it for review first)"
    );
    assert_eq!(
        Published.transition(InReview).unwrap_err().to_string(),
        "a postmortem cannot go from published to in review (move it back to draft to correct it)"
    );
    let mut p = draft(&facts());
    assert!(p.set_status(Published).is_err());
    assert_eq!(p.status, Draft);
    p.set_status(InReview).unwrap();
    p.set_status(Published).unwrap();
    assert_eq!(p.status, Published);
    assert_eq!("In_Review".parse::<Status>(), Ok(InReview));
}

#[test]
fn overdue_items_by_owner() {
    let item = |owner: &str, due: Option<Date>, done: bool| ActionItem {
        kind: ActionKind::Prevent,
        description: format!("{owner} {due:?}"),
        owner: owner.to_string(),
        due,
        tracking: None,
        done,
    };
    let today = date(2025, 3, 10);
    let items = [
        item("bo", Some(date(2025, 3, 9)), false),
        item("ana", Some(date(2025, 3, 1)), false),
        item("ana", Some(date(2025, 3, 10)), false), // due today: not yet
        item("ana", Some(date(2025, 3, 2)), true),   // done
        item("chen", None, false),                   // no due date
        item("ana", Some(date(2025, 2, 1)), false),
    ];
    let overdue = overdue_by_owner(&items, today, ItemDue::from);
    let summary: Vec<(&str, Vec<Option<Date>>)> = overdue
        .iter()
        .map(|(owner, items)| (*owner, items.iter().map(|i| i.due).collect()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("ana", vec![Some(date(2025, 3, 1)), Some(date(2025, 2, 1))]),
            ("bo", vec![Some(date(2025, 3, 9))]),
        ]
    );
}
