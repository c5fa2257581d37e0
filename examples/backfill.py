#!/usr/bin/env python3
"""Backfill per-minute SLI events into a running nines, oldest first.

    examples/backfill.py --days 3 --bad-minutes 90 --bad-percent 2

sends 1,000 events a minute for the last 3 days to shop/availability, with 2%
of them bad in the last 90 minutes: `nines status` then shows page-1h firing.
Uses only the Python standard library; reads NINES_TOKEN and NINES_SERVER.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--service", default="shop")
    p.add_argument("--slo", default="availability")
    p.add_argument("--days", type=float, default=3)
    p.add_argument("--per-minute", type=int, default=1000)
    p.add_argument("--bad-minutes", type=int, default=90, help="the last N minutes carry errors")
    p.add_argument("--bad-percent", type=float, default=2.0)
    p.add_argument("--batch", type=int, default=1000, help="events per request")
    args = p.parse_args()
    server = os.environ.get("NINES_SERVER", "http://127.0.0.1:9900").rstrip("/")
    token = os.environ.get("NINES_TOKEN")
    if not token:
        print("set NINES_TOKEN to a writer token (the example config's demo token is nines_demo_admin)", file=sys.stderr)
        return 2
    now = int(time.time()) // 60 * 60
    minutes = int(args.days * 1440)
    bad = round(args.per_minute * args.bad_percent / 100)
    events = []
    for i in reversed(range(minutes)):
        errors = bad if i < args.bad_minutes else 0
        events.append({"service": args.service, "slo": args.slo, "time": now - 60 * i,
                       "good": args.per_minute - errors, "total": args.per_minute})
    for start in range(0, len(events), args.batch):
        body = json.dumps({"events": events[start:start + args.batch]}).encode()
        req = urllib.request.Request(f"{server}/api/v1/events", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req).read()
        except urllib.error.HTTPError as e:
            print(f"refused: {e.code} {e.read().decode()}", file=sys.stderr)
            return 1
    print(f"sent {len(events)} minutes of events to {args.service}/{args.slo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
