#!/usr/bin/env bash
# CPU an idle nines costs, next to an idle Prometheus + Alertmanager, in the
# same run: all three start on loopback with small configs and no traffic,
# and after a warm-up their CPU time (utime + stime from /proc) is read over
# the same window. Prints CPU-seconds per minute and the ratio.
#
#   bench/idle.sh [minutes]        # default 5; bounded, stops by itself
#   NINES_BIN=/other/nines bench/idle.sh 5
set -euo pipefail
minutes=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in prometheus prometheus-alertmanager curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install prometheus prometheus-alertmanager curl)" >&2; exit 2; }
done
# NINES_BIN=/path/to/other/nines compares another build.
bin=${NINES_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -q -p nines --manifest-path "$root/Cargo.toml"
  bin="$root/target/release/nines"
fi

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# nines: three services with event-fed SLOs, a schedule and an escalation
# policy, as a small team would run it; nothing is pushed during the run.
cat >"$work/nines.yaml" <<'YAML'
services:
  shop:
    escalation: team
    slos:
      - { name: availability, objective: 99.9, window: 30d, sli: events }
      - { name: latency, objective: 99, window: 30d, sli: events }
  pay:
    escalation: team
    slos:
      - { name: availability, objective: 99.95, window: 30d, sli: events }
  search:
    slos:
      - { name: availability, objective: 99.5, window: 7d, sli: events }
users:
  ana: { email: ana@example.com }
  bo: { email: bo@example.com }
schedules:
  primary:
    timezone: Europe/Berlin
    layers:
      - { rotation: weekly, handoff: "monday 09:00", users: [ana, bo] }
escalations:
  team:
    steps:
      - { notify: [schedule:primary], after: 0m }
YAML
nport=$(port)
NINES_LOG=warn "$bin" serve --config "$work/nines.yaml" --data "$work/data" --listen "127.0.0.1:$nport" &
pids+=($!); nines_pid=$!

# Prometheus with one rule group (what a team evaluating SLO rules runs)
# and no targets; Alertmanager with one receiver.
cat >"$work/prometheus.yml" <<'YAML'
global: { scrape_interval: 15s, evaluation_interval: 15s }
scrape_configs: []
YAML
pport=$(port)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$pport" --log.level=warn >/dev/null 2>&1 &
pids+=($!); prom_pid=$!
cat >"$work/alertmanager.yml" <<'YAML'
route: { receiver: default }
receivers: [ { name: default } ]
YAML
aport=$(port)
cport=$(port)
prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$aport" --cluster.listen-address="127.0.0.1:$cport" \
  --log.level=warn >/dev/null 2>&1 &
pids+=($!); am_pid=$!

for url in "http://127.0.0.1:$nport/readyz" "http://127.0.0.1:$pport/-/ready" "http://127.0.0.1:$aport/-/ready"; do
  for _ in $(seq 100); do curl -fs "$url" >/dev/null && break; sleep 0.2; done
done
sleep 20 # warm-up: startup work is not idle cost

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
n0=$(cpu "$nines_pid"); p0=$(cpu "$prom_pid"); a0=$(cpu "$am_pid")
sleep "$((minutes * 60))"
n1=$(cpu "$nines_pid"); p1=$(cpu "$prom_pid"); a1=$(cpu "$am_pid")

python3 - "$ticks" "$minutes" "$n0" "$n1" "$p0" "$p1" "$a0" "$a1" <<'PY'
import sys
ticks, minutes = int(sys.argv[1]), float(sys.argv[2])
n0, n1, p0, p1, a0, a1 = map(int, sys.argv[3:])
per_min = lambda a, b: (b - a) / ticks / minutes
nines, prom, am = per_min(n0, n1), per_min(p0, p1), per_min(a0, a1)
peers = prom + am
print(f"over {minutes:g} min, CPU-seconds per minute:")
print(f"  nines                       {nines:.4f}")
print(f"  prometheus + alertmanager   {peers:.4f}  (prometheus {prom:.4f}, alertmanager {am:.4f})")
print(f"  ratio nines / peers         {nines / peers if peers else float('inf'):.2f}")
PY
