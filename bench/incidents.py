#!/usr/bin/env python3
"""Alert intake benchmarks (issue 5), against a release nines on loopback.

1. Latency: alerts POSTed to /integrations/alertmanager at a steady rate
   (default 100/s for 20 s), each a new alert group, so each opens an
   incident and owes a webhook notification; a local receiver timestamps
   arrivals. Prints p50/p99 from send to arrival. Target: p99 < 100 ms.
2. Throughput: PagerDuty Events v2 triggers from N concurrent clients for
   S seconds (keep-alive), each stored durably before its 202. Target:
   >= 5,000 events/s. Needs wrk (Debian package).

    bench/incidents.py [rate] [seconds] [clients]

nines runs pinned to cpu 0; the load and the receiver share cpu 1.
"""
import hashlib, http.client, json, os, socket, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

rate = int(sys.argv[1]) if len(sys.argv) > 1 else 100
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 20
clients = int(sys.argv[3]) if len(sys.argv) > 3 else 16
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["cargo", "build", "--release", "-q", "-p", "nines"], cwd=root, check=True)
binary = os.path.join(root, "target", "release", "nines")
os.sched_setaffinity(0, {1})

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def sha(t): return "sha256:" + hashlib.sha256(t.encode()).hexdigest()

arrivals = {}
class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        title = body["incident"]["title"]
        if title.startswith("bench "):
            arrivals[title] = time.monotonic()
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass

hook_port, nines_port = free_port(), free_port()
server = ThreadingHTTPServer(("127.0.0.1", hook_port), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()

AM, PD = "bench_alertmanager_key", "0123456789abcdef0123456789abcdef"
work = tempfile.mkdtemp()
config = f"""services:
  shop: {{}}
channels:
  hook: {{ webhook: {{ url: "http://127.0.0.1:{hook_port}/hook" }} }}
integrations:
  am: {{ kind: alertmanager, key_hash: "{sha(AM)}", service: shop }}
  pd: {{ kind: pagerduty, key_hash: "{sha(PD)}", service: shop }}
routes:
  group_by: [alertname]
  channels: [hook]
"""
open(os.path.join(work, "nines.yaml"), "w").write(config)
proc = subprocess.Popen(["taskset", "-c", "0", binary, "serve", "--config", os.path.join(work, "nines.yaml"),
                         "--data", os.path.join(work, "data"), "--listen", f"127.0.0.1:{nines_port}"],
                        env={**os.environ, "NINES_LOG": "error"})
try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", nines_port)).close(); break
        except OSError:
            time.sleep(0.1)

    # 1. Latency at a steady rate.
    sent = {}
    conn = http.client.HTTPConnection("127.0.0.1", nines_port)
    start = time.monotonic()
    n = int(rate * secs)
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        title = f"bench {i}"
        body = json.dumps({"version": "4", "groupKey": f"g{i}", "status": "firing", "receiver": "nines",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am",
            "alerts": [{"status": "firing", "labels": {"alertname": f"A{i}", "severity": "critical"},
                        "annotations": {"summary": title}, "startsAt": "2026-11-24T10:00:00Z",
                        "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": f"{i:016x}"}]})
        sent[title] = time.monotonic()
        conn.request("POST", "/integrations/alertmanager", body,
                     {"Authorization": f"Bearer {AM}", "Content-Type": "application/json"})
        r = conn.getresponse(); r.read()
        assert r.status == 200, r.status
    deadline = time.monotonic() + 10
    while len(arrivals) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    lat = sorted((arrivals[t] - sent[t]) * 1000 for t in sent if t in arrivals)
    pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))]
    print(f"latency: {len(lat)}/{n} notifications at {rate}/s; alert sent -> webhook received "
          f"p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {lat[-1]:.1f} ms (target p99 < 100 ms)")

    # 2. PagerDuty intake throughput, driven by wrk (a Python client tops
    # out near 2,000 requests/s on its own).
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{clients}", f"-d{int(secs)}s",
                          "-s", os.path.join(root, "bench", "pagerduty.lua"), f"http://127.0.0.1:{nines_port}/"],
                         capture_output=True, text=True, check=True).stdout
    rps = next(l for l in out.splitlines() if l.startswith("Requests/sec")).split()[1]
    bad = [l.strip() for l in out.splitlines() if "Non-2xx" in l]
    print(f"intake: {float(rps):.0f} PagerDuty events/s from {clients} connections, each stored before its 202"
          f"{'; ' + bad[0] if bad else ''} (target >= 5,000)")
finally:
    proc.kill(); proc.wait()
