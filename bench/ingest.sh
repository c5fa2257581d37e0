#!/usr/bin/env bash
# Ingest throughput of POST /api/v1/events: batches of 1,000 events, the
# server pinned to one core (cpu 0), wrk on the other (cpu 1), loopback only.
# Target (issue 2): at least 1,000,000 events/s.
#
#   bench/ingest.sh [seconds] [connections]
set -euo pipefail
secs=${1:-10}
conns=${2:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is needed (util-linux)" >&2; exit 2; }
cargo build --release -q -p nines --manifest-path "$root/Cargo.toml"
bin="$root/target/release/nines"

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
token=$("$bin" token new --role writer --name bench --output json)
secret=$(printf '%s' "$token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
hash=$(printf '%s' "$token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hash"])')
{
  echo "services:"
  echo "  shop:"
  echo "    slos:"
  for i in $(seq 0 9); do
    echo "      - { name: slo$i, objective: 99.9, window: 30d, sli: events }"
  done
  echo "auth:"
  echo "  public_read: true"
  echo "  tokens:"
  echo "    - { name: bench, role: writer, hash: \"$hash\" }"
} >"$work/nines.yaml"

# 1,000 events over 10 SLOs and the last 100 minutes, about 100 KiB of JSON.
python3 - "$work/body.json" <<'PY'
import json, sys, time
now = int(time.time())
events = [{"service": "shop", "slo": f"slo{i % 10}", "time": now - 60 * (i // 10),
           "good": 990 + i % 10, "total": 1000} for i in range(1000)]
open(sys.argv[1], "w").write(json.dumps({"events": events}))
PY
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $secret"
local f = io.open("$work/body.json", "r")
wrk.body = f:read("*a")
f:close()
LUA

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NINES_LOG=warn taskset -c 0 "$bin" serve --config "$work/nines.yaml" --data "$work/data" --listen "127.0.0.1:$port" &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" -s "$work/post.lua" "http://127.0.0.1:$port/api/v1/events")
echo "$out"
if echo "$out" | grep -q "Non-2xx"; then echo "FAIL: some batches were refused" >&2; exit 1; fi
accepted=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^nines_events_accepted_total /{print $2}')
rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
python3 - "$rps" "$accepted" "$secs" <<'PY'
import sys
rps, accepted, secs = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
events = rps * 1000
print(f"ingest: {events:,.0f} events/s ({rps:,.0f} batches/s of 1,000), server on one core; "
      f"{accepted:,.0f} events acknowledged in {secs:.0f}s; ratio to the 1,000,000 events/s target: {events / 1e6:.2f}")
PY
