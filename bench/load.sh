#!/usr/bin/env bash
# nines load against wrk on one local nginx, loopback only (issue 18).
# The generator is pinned to cpu 0, nginx (one worker) to cpu 1.
#   bench/load.sh [seconds] [rate]
# Prints: CPU seconds per request at a fixed rate, maximum throughput with
# 50 connections (nines vs wrk), and p99 against a server that stalls 1 s
# every 5 s (nines open model, nines closed model, wrk).
set -euo pipefail
secs=${1:-10}
rate=${2:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
nines=${NINES:-$root/target/release/nines}
work=$(mktemp -d)
trap 'kill $(cat "$work"/nginx.pid 2>/dev/null) ${stall_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx-light"; exit 1; }
[ -x "$nines" ] || { echo "build first: cargo build --release -p nines"; exit 1; }

cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${PORT:-28480};
    location / { return 200 "ok\n"; }
  }
}
CONF
taskset -c 1 nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
url=http://127.0.0.1:${PORT:-28480}/

# CPU seconds (user+sys) of a command, and its output in $work/out.
cpu() { /usr/bin/time -f "%U %S" -o "$work/time" taskset -c 0 "$@" > "$work/out" 2>/dev/null || true
        awk '{print $1 + $2}' "$work/time"; }
json() { python3 -c "import json,sys; d=json.load(open('$work/out')); print($1)"; }

echo "== fixed rate: $rate req/s for ${secs}s, 50 connections"
c=$(cpu "$nines" load --threads 1 -c 50 --rate "$rate" -d "${secs}s" -o json "$url")
n=$(json "d['summary']['requests']"); a=$(json "round(d['summary']['achieved_rate'])")
echo "nines open:   cpu ${c}s  requests $n  achieved ${a}/s  cpu/request $(python3 -c "print(f'{$c/$n*1e6:.2f}')") µs"
echo "(wrk has no fixed rate; wrk2 and oha are not installed here: see bench/README.md)"

echo "== max throughput, 50 connections, ${secs}s"
c=$(cpu "$nines" load --threads 1 -c 50 -d "${secs}s" -o json "$url")
nt=$(json "round(d['summary']['throughput'])"); n=$(json "d['summary']['requests']")
echo "nines closed: ${nt}/s  cpu/request $(python3 -c "print(f'{$c/$n*1e6:.2f}')") µs"
c=$(cpu wrk -t1 -c50 -d"${secs}s" "$url")
wt=$(awk '/Requests\/sec/ {print int($2)}' "$work/out")
wn=$(awk '/requests in/ {print $1}' "$work/out")
echo "wrk:          ${wt}/s  cpu/request $(python3 -c "print(f'{$c/$wn*1e6:.2f}')") µs"
echo "ratio nines/wrk: $(python3 -c "print(f'{$nt/$wt:.3f}')")"

echo "== stalling server (1 s every 5 s), 10s, 200 req/s open / 10 connections closed"
cat > "$work/stall.py" <<'PY'
import asyncio, sys, time
start = time.monotonic()
async def handle(r, w):
    try:
        while True:
            line = await r.readline()
            if not line: return
            while (await r.readline()) not in (b"\r\n", b""): pass
            into = (time.monotonic() - start) % 5
            if 1 <= into < 2: await asyncio.sleep(2 - into)
            w.write(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n"); await w.drain()
    except ConnectionError: pass
async def main():
    s = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    async with s: await s.serve_forever()
asyncio.run(main())
PY
taskset -c 1 python3 "$work/stall.py" $((${PORT:-28480}+1)) & stall_pid=$!
sleep 0.5
surl=http://127.0.0.1:$((${PORT:-28480}+1))/
cpu "$nines" load -c 50 --rate 200 -d 10s -o json "$surl" >/dev/null
echo "nines open p99:   $(json "d['summary']['latency']['p99_us']/1000") ms"
cpu "$nines" load -c 10 -d 10s -o json "$surl" >/dev/null
echo "nines closed p99: $(json "d['summary']['latency']['p99_us']/1000") ms"
cpu wrk -t1 -c10 -d10s --latency "$surl" >/dev/null
echo "wrk p99:          $(awk '/ 99%/ {print $2}' "$work/out")"
