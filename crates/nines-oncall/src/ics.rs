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

/// The calendar of `schedules` between `from` and `to`, named `name`;
/// `user` keeps only that person's shifts. `now` is the DTSTAMP.
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
    for shift in schedules
        .iter()
        .flat_map(|s| s.shifts(from, to).into_iter().map(move |shift| (*s, shift)))
    {
        let (schedule, shift) = shift;
        if shift.origin == Origin::Nobody {
            continue;
        }
        for person in shift
            .users
            .iter()
            .filter(|p| user.is_none_or(|u| u == p.as_str()))
        {
            line(&mut out, "BEGIN:VEVENT");
            // Stable while the shift is: the same schedule, person and times.
            line(
                &mut out,
                &format!(
                    "UID:{}-{}-{}-{}@nines",
                    schedule.name,
                    person,
                    shift.start.as_second(),
                    shift.end.as_second()
                ),
            );
            line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
            line(&mut out, &format!("DTSTART:{}", stamp(shift.start)));
            line(&mut out, &format!("DTEND:{}", stamp(shift.end)));
            line(
                &mut out,
                &format!(
                    "SUMMARY:{}",
                    text(&format!("On call: {person} ({})", schedule.name))
                ),
            );
            let origin = match &shift.origin {
                Origin::Override => "override".to_string(),
                Origin::Layer(l) => format!("layer {l}"),
                Origin::Nobody => unreachable!("gaps are skipped"),
            };
            line(
                &mut out,
                &format!(
                    "DESCRIPTION:{}",
                    text(&format!("From {origin} of schedule {}.", schedule.name))
                ),
            );
            line(&mut out, "TRANSP:TRANSPARENT");
            line(&mut out, "END:VEVENT");
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
