#!/usr/bin/env python3
"""Alert storm intake (issue 15): many distinct alerts into one incident.

Posts BATCHES Alertmanager webhooks of SIZE firing alerts each to a release
`nines serve` on loopback. Every alert has the same alertname (so all
join one incident, grouped by alertname) and its own `pod` label and
fingerprint, so the incident links BATCHES x SIZE distinct alerts. Prints
alerts/s per batch and the slowest request; then kills nines with -9,
starts it again on the same data and counts the incident's alerts, to show
every acknowledged alert was durable.

    bench/storm.py [batches] [size]          # default 50 x 2000
    NINES_BIN=/path/to/nines bench/storm.py  # another build, no cargo

nines runs pinned to cpu 0 (SQLite with the default durability: each
acknowledged write survives kill -9); this client on cpu 1.
"""
import hashlib, http.client, json, os, socket, subprocess, sys, tempfile, time

batches = int(sys.argv[1]) if len(sys.argv) > 1 else 50
size = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("NINES_BIN")
if not binary:
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "nines"], cwd=root, check=True)
    binary = os.path.join(root, "target", "release", "nines")
os.sched_setaffinity(0, {1})

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

AM = "bench_storm_alertmanager_key"
work = tempfile.mkdtemp()
config = os.path.join(work, "nines.yaml")
open(config, "w").write(f"""auth:
  public_read: true
services:
  shop: {{}}
integrations:
  am: {{ kind: alertmanager, key_hash: "sha256:{hashlib.sha256(AM.encode()).hexdigest()}", service: shop }}
routes:
  group_by: [alertname]
""")
port = free_port()

def start():
    proc = subprocess.Popen(["taskset", "-c", "0", binary, "serve", "--config", config,
                             "--data", os.path.join(work, "data"), "--listen", f"127.0.0.1:{port}"],
                            env={**os.environ, "NINES_LOG": "error"})
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close(); return proc
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nines did not start")

def batch(b):
    alerts = [{"status": "firing",
               "labels": {"alertname": "PodCrashLooping", "severity": "critical", "namespace": "shop",
                          "pod": f"shop-{b:03d}-{i:05d}"},
               "annotations": {"summary": f"pod shop-{b:03d}-{i:05d} is crash looping"},
               "startsAt": "2026-12-04T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
               "generatorURL": "http://prometheus/graph", "fingerprint": f"{b:06x}{i:010x}"}
              for i in range(size)]
    return json.dumps({"version": "4", "groupKey": '{}:{alertname="PodCrashLooping"}', "status": "firing",
                       "receiver": "nines", "groupLabels": {"alertname": "PodCrashLooping"},
                       "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am",
                       "alerts": alerts})

proc = start()
try:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    rates, slowest, total_start = [], 0.0, time.monotonic()
    for b in range(batches):
        body = batch(b)
        t = time.monotonic()
        conn.request("POST", "/integrations/alertmanager", body,
                     {"Authorization": f"Bearer {AM}", "Content-Type": "application/json"})
        r = conn.getresponse(); answer = r.read()
        took = time.monotonic() - t
        assert r.status == 200, (r.status, answer[:300])
        slowest = max(slowest, took)
        rates.append(size / took)
        print(f"batch {b + 1:3d}: {size / took:8.0f} alerts/s ({took * 1000:7.1f} ms; "
              f"{(b + 1) * size} alerts linked)", flush=True)
    wall = time.monotonic() - total_start
    print(f"{batches} x {size} alerts: first batch {rates[0]:.0f} alerts/s, last {rates[-1]:.0f}, "
          f"min {min(rates):.0f}, overall {batches * size / wall:.0f} alerts/s; "
          f"slowest request {slowest * 1000:.1f} ms")
    # Durable: every alert answered 200 is there after kill -9.
    proc.kill(); proc.wait()
    proc = start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/api/v1/incidents")
    incidents = json.loads(conn.getresponse().read())
    conn.request("GET", f"/api/v1/incidents/{incidents[0]['id']}")
    linked = len(json.loads(conn.getresponse().read())["alerts"])
    print(f"after kill -9 and restart: {len(incidents)} incident(s), {linked} alerts linked "
          f"(sent {batches * size})")
finally:
    proc.kill(); proc.wait()
