#!/usr/bin/env bash
# HTTP probes, a fresh connection each, against a local nginx: CPU seconds
# per probe for nines versus prometheus-blackbox-exporter driven at the same
# rate, in one run, both pinned to cpu 0 (nginx and the driver on cpu 1).
# Probes are counted in nginx's access log by user agent, so both sides are
# measured the same way. Loopback only; every loop is bounded.
# Target (issue 3): nines at most one third of blackbox_exporter's CPU per
# probe.
#
# Then the scale check: `scale` probes at a 10 s interval held by nines on
# one core (target: 10,000 probes, resident memory under 200 MB).
#
#   bench/probes.sh [rate per second] [seconds] [scale probes]
set -euo pipefail
rate=${1:-200}
secs=${2:-20}
scale=${3:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in nginx prometheus-blackbox-exporter taskset python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install nginx-light prometheus-blackbox-exporter" >&2; exit 2; }
done
cargo build --release -q -p nines --manifest-path "$root/Cargo.toml"
bin="$root/target/release/nines"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nginx_port=$(free_port); bb_port=$(free_port); nines_port=$(free_port)

mkdir -p "$work/www" "$work/nginx/logs"
echo '{"status":"UP"}' >"$work/www/healthz"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  log_format ua '\$http_user_agent';
  access_log $work/access.log ua;
  server { listen 127.0.0.1:$nginx_port; root $work/www; keepalive_timeout 0; }
}
CONF
taskset -c 1 nginx -p "$work/nginx" -c "$work/nginx.conf" & pids+=($!)

cat >"$work/blackbox.yml" <<CONF
modules:
  http_2xx:
    prober: http
    timeout: 5s
    http: { preferred_ip_protocol: ip4 }
CONF
taskset -c 0 prometheus-blackbox-exporter --config.file="$work/blackbox.yml" \
  --web.listen-address="127.0.0.1:$bb_port" --log.level=error 2>"$work/blackbox.log" & bb_pid=$!; pids+=($bb_pid)

# A nines config of $1 probes at interval $2, spread over 10 services.
nines_config() {
  python3 - "$1" "$2" "$nginx_port" >"$work/nines.yaml" <<'PY'
import sys
n, interval, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("services:")
for s in range(10):
    print(f"  svc{s}:\n    probes:")
    for i in range(n // 10):
        print(f'      - {{ name: p{i}, interval: {interval}, timeout: 1s, http: "http://127.0.0.1:{port}/healthz" }}')
PY
}
nines_config "$rate" 1s

cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
count() { grep -c "$1" "$work/access.log" || true; }
sleep 1
kill -0 "$bb_pid" 2>/dev/null || { echo "blackbox_exporter did not start:"; cat "$work/blackbox.log"; exit 1; }

# blackbox_exporter, driven at `rate` probes/s for `secs` seconds.
b0=$(cpu_seconds "$bb_pid"); n0=$(count Blackbox)
taskset -c 1 python3 - "$bb_port" "$nginx_port" "$rate" "$secs" <<'PY'
import sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
bb, target, rate, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
url = f"http://127.0.0.1:{bb}/probe?module=http_2xx&target=http://127.0.0.1:{target}/healthz"
def probe(_):
    with urllib.request.urlopen(url, timeout=10) as r:
        r.read()
start = time.monotonic()
with ThreadPoolExecutor(64) as pool:
    for i in range(int(rate * secs)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pool.submit(probe, i)
PY
b1=$(cpu_seconds "$bb_pid"); n1=$(count Blackbox)

# nines, the same rate for the same time.
taskset -c 0 "$bin" serve --config "$work/nines.yaml" --data "$work/data" \
  --listen "127.0.0.1:$nines_port" >"$work/nines.log" 2>&1 & nines_pid=$!; pids+=($nines_pid)
sleep 3 # past the first interval's jitter
kill -0 "$nines_pid" 2>/dev/null || { echo "nines did not start:"; cat "$work/nines.log"; exit 1; }
c0=$(cpu_seconds "$nines_pid"); m0=$(count nines-probe)
sleep "$secs"
c1=$(cpu_seconds "$nines_pid"); m1=$(count nines-probe)
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$nines_pid/status")

python3 - "$b0" "$b1" "$n0" "$n1" "$c0" "$c1" "$m0" "$m1" "$rss" "$rate" "$secs" <<'PY'
import sys
b0, b1, n0, n1, c0, c1, m0, m1, rss, rate, secs = map(float, sys.argv[1:])
bb = (b1 - b0) / max(n1 - n0, 1)
ni = (c1 - c0) / max(m1 - m0, 1)
print(f"rate {rate:.0f}/s for {secs:.0f} s, fresh connection per probe, nginx on loopback")
print(f"blackbox_exporter: {n1 - n0:.0f} probes, {b1 - b0:.2f} CPU s, {bb * 1e6:.0f} us CPU per probe")
print(f"nines:             {m1 - m0:.0f} probes, {c1 - c0:.2f} CPU s, {ni * 1e6:.0f} us CPU per probe, RSS {rss / 1024:.1f} MiB")
print(f"ratio nines/blackbox: {ni / bb:.2f} (target <= 0.33)")
PY
kill "$nines_pid"; wait "$nines_pid" 2>/dev/null || true

# Scale: `scale` probes every 10 s on one core, for a minute.
nines_config "$scale" 10s
rm -rf "$work/data"
taskset -c 0 "$bin" serve --config "$work/nines.yaml" --data "$work/data" \
  --listen "127.0.0.1:$nines_port" >"$work/nines.log" 2>&1 & nines_pid=$!; pids+=($nines_pid)
sleep 12 # past the first interval's jitter
kill -0 "$nines_pid" 2>/dev/null || { echo "nines did not start:"; cat "$work/nines.log"; exit 1; }
c0=$(cpu_seconds "$nines_pid"); m0=$(count nines-probe); t0=$(date +%s.%N)
sleep 60
c1=$(cpu_seconds "$nines_pid"); m1=$(count nines-probe); t1=$(date +%s.%N)
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$nines_pid/status")
python3 - "$c0" "$c1" "$m0" "$m1" "$t0" "$t1" "$rss" "$scale" <<'PY'
import sys
c0, c1, m0, m1, t0, t1, rss, scale = map(float, sys.argv[1:])
wall = t1 - t0
print(f"scale: {scale:.0f} probes every 10 s, nines pinned to one core, {wall:.0f} s")
print(f"  {(m1 - m0) / wall:.0f} probes/s run (expected {scale / 10:.0f}), one core {100 * (c1 - c0) / wall:.0f}% busy, RSS {rss / 1024:.1f} MiB (target < 200)")
PY
