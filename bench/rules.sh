#!/usr/bin/env bash
# Time `nines rules prometheus` for N SLOs with Prometheus SLIs (default
# 10,000), and check the result with promtool when it is installed.
#
#   bench/rules.sh [slos]
set -euo pipefail
n=${1:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -q -p nines --manifest-path "$root/Cargo.toml"
bin="$root/target/release/nines"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" "$work/nines.yaml" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("services:\n")
    for s in range(n // 100):
        f.write(f"  svc{s}:\n    slos:\n")
        for o in range(100):
            f.write(f"      - {{ name: slo{o}, objective: 99.9, window: 30d, sli: {{ prometheus: "
                    f"{{ errors: 'http_requests_total{{job=\"svc{s}\",route=\"r{o}\",code=~\"5..\"}}', "
                    f"total: 'http_requests_total{{job=\"svc{s}\",route=\"r{o}\"}}' }} }} }}\n")
PY
runs=5
best=999999
for _ in $(seq $runs); do
  start=$(date +%s%N)
  "$bin" rules prometheus --config "$work/nines.yaml" --out "$work/rules.yaml" 2>/dev/null
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  (( ms < best )) && best=$ms
done
size=$(stat -c %s "$work/rules.yaml")
rules=$(grep -c -E '^      - (record|alert):' "$work/rules.yaml")
echo "rules prometheus: $n SLOs -> $rules rules, $((size / 1024)) KiB in ${best} ms (best of $runs, config parsing included)"
if command -v promtool >/dev/null; then
  start=$(date +%s%N)
  promtool check rules "$work/rules.yaml" >/dev/null
  echo "promtool check rules: ok in $(( ($(date +%s%N) - start) / 1000000 )) ms"
fi
