//! iCalendar (RFC 5545) feeds of a schedule's shifts, for Google Calendar,
//! Outlook and Thunderbird: one event per person per shift, with a UID that
//! stays the same as long as the shift does.

use jiff::Timestamp;

use crate::schedule::{Origin, Schedule};

/// `20261124T090000Z`.
fn stamp(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes a content line folded at 75 octets (RFC 5545 §3.1), CRLF-ended.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// One person's shift as an event.
struct Event<'a> {
    schedule: &'a str,
    person: String,
    start: Timestamp,
    end: Timestamp,
    origin: String,
}

impl Event<'_> {
    /// Stable while the shift is: the same schedule, person and times.
    fn uid(&self) -> String {
        format!(
            "{}-{}-{}-{}@nines",
            self.schedule,
            self.person,
            self.start.as_second(),
            self.end.as_second()
        )
    }

    fn write(&self, out: &mut String, now: Timestamp, cancelled: bool) {
        line(out, "BEGIN:VEVENT");
        line(out, &format!("UID:{}", self.uid()));
        line(out, &format!("DTSTAMP:{}", stamp(now)));
        line(out, &format!("DTSTART:{}", stamp(self.start)));
        line(out, &format!("DTEND:{}", stamp(self.end)));
        line(
            out,
            &format!(
                "SUMMARY:{}",
                text(&format!("On call: {} ({})", self.person, self.schedule))
            ),
        );
        if cancelled {
            // A higher SEQUENCE makes clients that kept the event apply
            // the cancellation.
            line(out, "SEQUENCE:1");
            line(out, "STATUS:CANCELLED");
            line(
                out,
                &format!(
                    "DESCRIPTION:{}",
                    text(&format!(
                        "Replaced by an override of schedule {}.",
                        self.schedule
                    ))
                ),
            );
        } else {
            line(out, "SEQUENCE:0");
            line(out, "STATUS:CONFIRMED");
            line(
                out,
                &format!(
                    "DESCRIPTION:{}",
                    text(&format!(
                        "From {} of schedule {}.",
                        self.origin, self.schedule
                    ))
                ),
            );
        }
        line(out, "TRANSP:TRANSPARENT");
        line(out, "END:VEVENT");
    }
}

/// The events of `schedule`'s shifts in `[from, to)`, for `user` or all.
fn events<'s>(
    schedule: &'s Schedule,
    from: Timestamp,
    to: Timestamp,
    user: Option<&str>,
) -> Vec<Event<'s>> {
    let mut out = Vec::new();
    for shift in schedule.shifts(from, to) {
        let origin = match &shift.origin {
            Origin::Override => "override".to_string(),
            Origin::Layer(l) => format!("layer {l}"),
            Origin::Nobody => continue,
        };
        for person in &shift.users {
            if user.is_some_and(|u| u != person) {
                continue;
            }
            out.push(Event {
                schedule: &schedule.name,
                person: person.clone(),
                start: shift.start,
                end: shift.end,
                origin: origin.clone(),
            });
        }
    }
    out
}

/// The calendar of `schedules` between `from` and `to`, named `name`;
/// `user` keeps only that person's shifts. `now` is the DTSTAMP.
///
/// Shifts the layers give but overrides replaced are listed too, as
/// cancelled events (`STATUS:CANCELLED`) with their original UIDs, so a
/// calendar that imported them before the override removes them.
pub fn calendar(
    name: &str,
    schedules: &[&Schedule],
    from: Timestamp,
    to: Timestamp,
    user: Option<&str>,
    now: Timestamp,
) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//nines//on-call//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    for schedule in schedules {
        let current = events(schedule, from, to, user);
        for e in &current {
            e.write(&mut out, now, false);
        }
        if schedule.overrides.is_empty() {
            continue;
        }
        let layers_only = Schedule {
            overrides: Vec::new(),
            ..(*schedule).clone()
        };
        let uids: std::collections::HashSet<String> = current.iter().map(Event::uid).collect();
        for e in events(&layers_only, from, to, user) {
            if !uids.contains(&e.uid()) {
                e.write(&mut out, now, true);
            }
        }
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_and_text_escapes() {
        let mut out = String::new();
        line(&mut out, &"x".repeat(80));
        assert_eq!(out, format!("{}\r\n {}\r\n", "x".repeat(75), "x".repeat(5)));
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
