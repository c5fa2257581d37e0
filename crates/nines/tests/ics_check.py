#!/usr/bin/env python3
"""Reads an iCalendar feed from stdin with the third-party `icalendar`
parser and prints one JSON object per event: uid, start, end, summary,
stamp and status."""
import json
import sys

import icalendar

cal = icalendar.Calendar.from_ical(sys.stdin.read())
events = []
for ev in cal.walk("VEVENT"):
    events.append({
        "uid": str(ev["UID"]),
        "start": ev.decoded("DTSTART").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": ev.decoded("DTEND").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": str(ev["SUMMARY"]),
        "stamp": ev.decoded("DTSTAMP").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": str(ev.get("STATUS", "")),
    })
print(json.dumps({"name": str(cal.get("X-WR-CALNAME")), "events": events}))
