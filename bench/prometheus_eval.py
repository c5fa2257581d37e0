#!/usr/bin/env python3
"""Evaluation cost in a real Prometheus: nines' SLO-period rule (built from
the 5m error-ratio recording, as Sloth does) against the naive rule (a rate
over the whole period of the raw counters), for N SLOs.

The raw counters have `--instances` series each (per SLO: errors and total);
their history and the 5m recordings' history are backfilled with
`promtool tsdb create-blocks-from openmetrics`, covering `--days` of data
with a sample every `--step` minutes (raw counters and recordings alike).
Prometheus then evaluates
both rule groups every 10 s; the script reads
prometheus_rule_group_last_duration_seconds for each and prints the ratio.

    bench/prometheus_eval.py --slos 1000 --instances 10 --days 1
    bench/prometheus_eval.py --slos 1000 --instances 10 --days 30 --step 15

Loopback only; everything lives in a temporary directory.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import json


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--slos", type=int, default=1000)
    p.add_argument("--instances", type=int, default=10)
    p.add_argument("--days", type=float, default=1.0)
    p.add_argument("--step", type=int, default=1, help="minutes between samples (1 = a 1m scrape and evaluation interval)")
    p.add_argument("--rounds", type=int, default=6, help="evaluations to average")
    args = p.parse_args()
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed: apt-get install prometheus")
    work = tempfile.mkdtemp(prefix="nines-prom-bench-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    minutes = int(args.days * 1440) // args.step
    now = int(time.time()) // 60 * 60
    start = now - minutes * 60 * args.step
    om = os.path.join(work, "data.om")
    t0 = time.time()
    with open(om, "w") as f:
        # OpenMetrics wants each metric family's samples together.
        f.write("# TYPE http_requests counter\n")
        for s in range(args.slos):
            for i in range(args.instances):
                for code, per_min in (("200", 100), ("500", 1)):
                    lines = []
                    for m in range(minutes + 1):
                        lines.append(f'http_requests_total{{slo="s{s}",instance="i{i}",code="{code}"}} {m * per_min * args.step} {start + m * 60 * args.step}\n')
                    f.writelines(lines)
        f.write("# TYPE nines_slo:error_ratio:rate5m gauge\n")
        for s in range(args.slos):
            lines = []
            for m in range(minutes + 1):
                lines.append(f'nines_slo:error_ratio:rate5m{{service="svc",slo="s{s}",window="5m"}} 0.0099 {start + m * 60 * args.step}\n')
            f.writelines(lines)
        f.write("# EOF\n")
    gen = time.time() - t0
    tsdb = os.path.join(work, "tsdb")
    t0 = time.time()
    # Week-long blocks: the importer reads the whole input once per block
    # range, so 2-hour blocks over 30 days would read it 360 times.
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=168h", om, tsdb],
        check=True, stdout=subprocess.DEVNULL,
    )
    load = time.time() - t0
    os.remove(om)
    period = f"{int(args.days * 24)}h" if args.days < 1 else f"{int(args.days)}d"
    naive, nines = [], []
    for s in range(args.slos):
        naive.append(
            f'      - record: naive:error_ratio:period\n        expr: sum(rate(http_requests_total{{slo="s{s}",code="500"}}[{period}])) / sum(rate(http_requests_total{{slo="s{s}"}}[{period}]))\n        labels: {{slo: s{s}}}\n'
        )
        sel = f'service="svc",slo="s{s}",window="5m"'
        nines.append(
            f'      - record: nines_slo:error_ratio:period\n        expr: sum_over_time(nines_slo:error_ratio:rate5m{{{sel}}}[{period}]) / ignoring (window) count_over_time(nines_slo:error_ratio:rate5m{{{sel}}}[{period}])\n        labels: {{window: "{period}", slo: s{s}}}\n'
        )
    rules = os.path.join(work, "rules.yaml")
    with open(rules, "w") as f:
        f.write("groups:\n  - name: naive\n    interval: 10s\n    rules:\n")
        f.writelines(naive)
        f.write("  - name: nines\n    interval: 10s\n    rules:\n")
        f.writelines(nines)
    subprocess.run(["promtool", "check", "rules", rules], check=True, stdout=subprocess.DEVNULL)
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write(f"global: {{ evaluation_interval: 10s }}\nrule_files: [{rules}]\n")
    port = free_port()
    prom = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tsdb}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prometheus.log"), "w"),
    )
    try:
        def q(expr):
            url = f"http://127.0.0.1:{port}/api/v1/query?query={urllib.parse.quote(expr)}"
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)["data"]["result"]

        def own_metrics():
            # Prometheus' own metrics live on its /metrics, not in its TSDB.
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                text = r.read().decode()
            out = {}
            for line in text.splitlines():
                for name in ("prometheus_rule_group_last_duration_seconds", "prometheus_rule_group_last_evaluation_timestamp_seconds"):
                    if line.startswith(name + "{"):
                        group = line.split('rule_group="', 1)[1].split('"', 1)[0].split(";")[-1]
                        out[(name, group)] = float(line.rsplit(" ", 1)[1])
            return out

        samples = {"naive": [], "nines": []}
        seen = {"naive": None, "nines": None}
        deadline = time.time() + 60 + args.rounds * 15
        while time.time() < deadline and min(len(v) for v in samples.values()) < args.rounds:
            time.sleep(1)
            try:
                m = own_metrics()
            except Exception:
                continue
            for group in samples:
                at = m.get(("prometheus_rule_group_last_evaluation_timestamp_seconds", group))
                took = m.get(("prometheus_rule_group_last_duration_seconds", group))
                if at and took is not None and at != seen[group]:
                    seen[group] = at
                    samples[group].append(took)
        checked = q("count(naive:error_ratio:period) + count(nines_slo:error_ratio:period)")
    finally:
        prom.terminate()
        prom.wait()
    if min(len(v) for v in samples.values()) == 0:
        print(open(os.path.join(work, "prometheus.log")).read()[-3000:], file=sys.stderr)
        sys.exit(f"Prometheus evaluated no rule group in time: {samples}")
    # The first evaluation warms caches; average the rest.
    avg = {k: sum(v[1:] or v) / len(v[1:] or v) for k, v in samples.items()}
    raw = args.slos * args.instances * 2 * (minutes + 1)
    print(f"data: {args.slos} SLOs x {args.instances} instances x 2 counters, {args.days:g} day(s) at {args.step}m = {raw:,} raw samples; generated in {gen:.0f}s, backfilled in {load:.0f}s")
    print(f"results present: {checked[0]['value'][1] if checked else 0} series (expected {2 * args.slos})")
    print(f"period rule, {args.slos} SLOs: naive {avg['naive'] * 1000:.1f} ms per evaluation, nines {avg['nines'] * 1000:.1f} ms; "
          f"nines takes {avg['nines'] / avg['naive']:.3f}x the naive time ({avg['naive'] / avg['nines']:.1f}x faster) over {len(samples['nines'])} evaluations")


if __name__ == "__main__":
    main()
