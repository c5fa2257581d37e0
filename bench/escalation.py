#!/usr/bin/env python3
"""How close to their due time escalation pages leave.

Runs the release binary on loopback with a webhook receiver (this script)
for the team channel and two people; opens incidents by hand through the API
and records when each message arrives. Step 1 pages ana at once (it should
arrive with the channel's message); step 2 pages bo 3 s later. Prints, per
incident and as a summary, how long after the channel message ana's page
came, and how late bo's page was against its due time (3 s after the
incident's started_at, in whole seconds as nines records it).

    bench/escalation.py [incidents]     # default 12; bounded, loopback only
    NINES_BIN=/path/to/other/nines bench/escalation.py   # compare a build
"""

import datetime
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 12
STEP2 = 3.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


arrivals = []  # (monotonic, who, body)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        arrivals.append((time.time(), self.path.strip("/"), json.loads(body or b"null")))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def main():
    nines = os.environ.get("NINES_BIN")  # another build to compare with
    if not nines:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "nines"], cwd=ROOT, check=True)
        nines = os.path.join(ROOT, "target", "release", "nines")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    token = json.loads(
        subprocess.run(
            [nines, "token", "new", "--role", "responder", "--name", "bench", "--output", "json"],
            check=True, capture_output=True, text=True,
        ).stdout
    )
    work = tempfile.mkdtemp()
    config = os.path.join(work, "nines.yaml")
    with open(config, "w") as f:
        f.write(f"""services:
  shop:
    escalation: shop-oncall
users:
  ana: {{ webhook: "{base}/ana" }}
  bo: {{ webhook: "{base}/bo" }}
channels:
  team: {{ webhook: {{ url: "{base}/team" }} }}
routes:
  channels: [team]
escalations:
  shop-oncall:
    steps:
      - {{ notify: [user:ana] }}
      - {{ notify: [user:bo], after: {int(STEP2)}s }}
auth:
  tokens:
    - {{ name: bench, role: responder, hash: "{token['hash']}" }}
""")
    port = free_port()
    env = dict(os.environ, NINES_LOG="warn")
    proc = subprocess.Popen(
        [nines, "serve", "--config", config, "--data", os.path.join(work, "data"),
         "--listen", f"127.0.0.1:{port}"], env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        ids, started = [], {}
        for i in range(N):
            req = urllib.request.Request(
                url + "/api/v1/incidents", method="POST",
                data=json.dumps({"service": "shop", "title": f"bench {i}"}).encode(),
                headers={"Authorization": f"Bearer {token['token']}",
                         "Content-Type": "application/json"},
            )
            made = json.load(urllib.request.urlopen(req, timeout=5))
            ids.append(made["id"])
            # nines keeps times in whole seconds: the escalation starts at
            # the incident's started_at, and step 2 is due 3 s after it.
            started[made["id"]] = datetime.datetime.fromisoformat(
                made["started_at"].replace("Z", "+00:00")).timestamp()
            time.sleep(0.37)  # spread the openings over the engine's old 1 s rounds
        deadline = time.time() + STEP2 + 15
        while time.time() < deadline:
            if sum(1 for _, who, _ in arrivals if who == "bo") >= N:
                break
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        server.shutdown()

    def first(who, inc):
        for t, w, body in arrivals:
            if w == who and isinstance(body, dict) and (body.get("incident") or {}).get("id") == inc:
                return t
        return None

    page1, late2 = [], []
    print("incident  ana after channel  bo late vs due")
    for inc in ids:
        team, ana, bo = first("team", inc), first("ana", inc), first("bo", inc)
        if None in (team, ana, bo):
            print(f"{inc:8}  missing: team={team} ana={ana} bo={bo}")
            continue
        page1.append(ana - team)
        late2.append(bo - (started[inc] + STEP2))
        print(f"{inc:8}  {1000 * (ana - team):8.1f} ms     {1000 * late2[-1]:8.1f} ms")
    if page1:
        q = lambda xs: (min(xs) * 1000, statistics.median(xs) * 1000, max(xs) * 1000)
        print("step 1 (ana) after the channel message: min %.1f ms, median %.1f ms, max %.1f ms" % q(page1))
        print("step 2 (bo) after its due time:         min %.1f ms, median %.1f ms, max %.1f ms" % q(late2))
    print(f"{len(page1)} of {N} incidents complete")


if __name__ == "__main__":
    main()
