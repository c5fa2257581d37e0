#!/usr/bin/env bash
# Web UI and status page (issue 7): server latency and throughput of the
# overview, its later pages, the status page and its JSON, and an incident
# page, with `services` services of 3 events SLOs each (no probes), events
# pushed so budgets differ, and a few open incidents. nines (release) is
# pinned to cpu 0, wrk to cpu 1; loopback only, every run bounded.
# Targets (issue 7): overview under 50 ms, status page under 10 ms.
#
#   bench/ui.sh [services] [seconds per page] [connections]
set -euo pipefail
services=${1:-1000}
secs=${2:-10}
conns=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in wrk curl python3 taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install wrk curl python3 util-linux" >&2; exit 2; }
done
cargo build --release -q -p nines --manifest-path "$root/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$root/target}/release/nines"

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
token=$("$bin" token new --role writer --name bench --output json)
secret=$(printf '%s' "$token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
hash=$(printf '%s' "$token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hash"])')
am_key=bench_alertmanager_key
am_hash="sha256:$(printf '%s' "$am_key" | sha256sum | cut -d' ' -f1)"

# The config: `services` services × 3 events SLOs, readable without
# sign-in (`public_read`), and an Alertmanager integration that opens
# incidents on svc0000.
python3 - "$services" "$hash" "$am_hash" >"$work/nines.yaml" <<'PY'
import sys
n, token_hash, am_hash = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("services:")
for s in range(n):
    print(f"  svc{s:04d}:\n    owner: team{s % 20}\n    slos:")
    for name, objective in (("availability", 99.9), ("latency", 99.0), ("errors", 99.5)):
        print(f"      - {{ name: {name}, objective: {objective}, window: 30d, sli: events }}")
print("auth:\n  public_read: true\n  tokens:")
print(f'    - {{ name: bench, role: writer, hash: "{token_hash}" }}')
print("integrations:")
print(f'  am: {{ kind: alertmanager, key_hash: "{am_hash}", service: svc0000 }}')
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NINES_LOG=warn taskset -c 0 "$bin" serve --config "$work/nines.yaml" --data "$work/data" \
  --listen "127.0.0.1:$port" >"$work/nines.log" 2>&1 &
pid=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "nines did not start:"; cat "$work/nines.log"; exit 1; }

# Events over the last 3 hours, each SLO with its own error ratio, so
# budgets differ and some alerts fire; 5 open incidents.
python3 - "$port" "$secret" "$services" "$am_key" <<'PY'
import http.client, json, sys, time
port, secret, n, am_key = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
now = int(time.time())
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def post(path, body, key):
    conn.request("POST", path, json.dumps(body), {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    assert r.status in (200, 202), (path, r.status)
batch = []
for s in range(n):
    for k, slo in enumerate(("availability", "latency", "errors")):
        bad = (s * 7 + k * 13) % 40  # 0..39 bad per 1,000
        for m in range(0, 180, 10):
            batch.append({"service": f"svc{s:04d}", "slo": slo, "time": now - 60 * m, "good": 1000 - bad, "total": 1000})
        if len(batch) >= 5000:
            post("/api/v1/events", {"events": batch}, secret); batch = []
if batch:
    post("/api/v1/events", {"events": batch}, secret)
for i in range(5):
    post("/integrations/alertmanager", {"version": "4", "groupKey": f"g{i}", "status": "firing", "receiver": "nines",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am",
        "alerts": [{"status": "firing", "labels": {"alertname": f"A{i}", "severity": "critical"},
                    "annotations": {"summary": f"bench {i}"}, "startsAt": "2026-11-24T10:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": f"{i:016x}"}]}, am_key)
PY
sleep 2 # an evaluation cycle, so reports and alerts are in

base="http://127.0.0.1:$port"
incident=$(curl -fs -H "Authorization: Bearer $secret" "$base/api/v1/incidents?limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
printf '%-22s %-5s %8s %9s %9s %9s %10s\n' page enc bytes p50 p99 max req/s
# Each page plain, and the public pages also as browsers get them (gzip).
for run in "/ plain" "/?page=10 plain" "/?sort=name plain" "/status plain" "/status gzip" \
           "/status.json plain" "/status.json gzip" "/incidents/$incident plain"; do
  path=${run% *}; enc=${run##* }
  hdr=(); [ "$enc" = gzip ] && hdr=(-H "Accept-Encoding: gzip")
  bytes=$(curl -fs "${hdr[@]}" -o /dev/null -w '%{size_download}' "$base$path") || { echo "GET $path failed" >&2; exit 1; }
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency "${hdr[@]}" "$base$path")
  if echo "$out" | grep -q "Non-2xx"; then echo "FAIL: GET $path answered errors" >&2; echo "$out" >&2; exit 1; fi
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  max=$(echo "$out" | awk '$1 == "Latency" { print $4 }')
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  printf '%-22s %-5s %8s %9s %9s %9s %10s\n' "$path" "$enc" "$bytes" "$p50" "$p99" "$max" "$rps"
done
echo "$services services × 3 SLOs, $conns connections, ${secs} s per page; nines on cpu 0, wrk on cpu 1"
