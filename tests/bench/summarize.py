#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Medians and ratios over the per-run JSON lines written by compare.sh.

usage: summarize.py OUT_DIR SERVER [SERVER...]
Reads OUT_DIR/<server>-<round>.json (all scenarios) and <server>-<round>.close.json (S4 with
Connection: close), prints a table (median per server, ratio first/second server, target) and
writes OUT_DIR/summary.json.
"""
import glob
import json
import os
import statistics
import sys


def s1_at(conns, key):
    def get(run):
        for row in run.get("main", {}).get("s1") or []:
            if row.get("conns") == conns:
                return row.get(key)
        return None
    return get


def path(*keys):
    def get(run):
        node = run
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return None
            node = node[k]
        return node
    return get


def gen_max(run):
    vals = []
    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "gen_cpu_pct" and isinstance(v, (int, float)):
                    vals.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(run)
    return max(vals) if vals else None


def s1_metrics(conns):
    """S1 rows for every checkpoint size found in the runs (CPU is for the connections added at that step)."""
    rows = []
    for n in conns:
        rows += [
            (f"S1 {n} connect rate /s", s1_at(n, "connect_rate_per_s"), "", None),
            (f"S1 {n} RSS KiB/conn", s1_at(n, "rss_kib_per_conn"), "<= 8", lambda v: v <= 8),
            (f"S1 {n} CPU us/conn (this step)", s1_at(n, "cpu_us_per_conn"), "<= 250", lambda v: v <= 250),
            (f"S1 {n} errors", s1_at(n, "errors"), "0", lambda v: v == 0),
        ]
    return rows


# (label, getter, target description, target check on the qsoketi median or None); S1 rows are added
# in main() for the checkpoint sizes present in the runs.
METRICS = [
    ("S2a p50 ms", path("main", "s2a", "p50_ms"), "", None),
    ("S2a p99 ms", path("main", "s2a", "p99_ms"), "<= 8", lambda v: v <= 8),
    ("S2a max ms", path("main", "s2a", "max_ms"), "", None),
    ("S2a loss", path("main", "s2a", "loss"), "0", lambda v: v == 0),
    ("S2b deliveries/s (200 B)", path("main", "s2b", "deliveries_per_s"), "", None),
    ("S2b CPU us/delivery", path("main", "s2b", "cpu_us_per_delivery"), "<= 8", lambda v: v <= 8),
    ("S2b loss", path("main", "s2b", "loss"), "0", lambda v: v == 0),
    ("S2c deliveries/s (9.5 KB)", path("main", "s2c", "deliveries_per_s"), "", None),
    ("S2c CPU us/delivery", path("main", "s2c", "cpu_us_per_delivery"), "<= 12", lambda v: v <= 12),
    ("S2c loss", path("main", "s2c", "loss"), "0", lambda v: v == 0),
    ("S3 RTT p50 us, none idle", path("main", "s3", "none", "p50_us"), "<= 44", lambda v: v <= 44),
    ("S3 RTT p99 us, none idle", path("main", "s3", "none", "p99_us"), "", None),
    ("S3 RTT p50 us, idle conns", path("main", "s3", "idle", "p50_us"), "<= 44", lambda v: v <= 44),
    ("S3 RTT p99 us, idle conns", path("main", "s3", "idle", "p99_us"), "", None),
    ("S3 ratio p50 idle/none", path("main", "s3", "ratio_p50"), "<= 1.2", lambda v: v <= 1.2),
    ("S3 busy-poll RTT p50 us, none idle", path("main", "s3", "none", "busy_p50_us"), "", None),
    ("S3 busy-poll RTT p50 us, idle conns", path("main", "s3", "idle", "busy_p50_us"), "", None),
    ("S3 busy-poll ratio p50 idle/none", path("main", "s3", "busy_ratio_p50"), "<= 1.2", lambda v: v <= 1.2),
    ("S4 req/s (keep-alive)", path("main", "s4", "req_per_s"), "", None),
    ("S4 p50 us", path("main", "s4", "p50_us"), "", None),
    ("S4 p99 us", path("main", "s4", "p99_us"), "", None),
    ("S4 non-2xx + errors", lambda r: sum(filter(None, [path("main", "s4", k)(r) for k in ("non2xx", "error_bodies", "transport_errors")])) if path("main", "s4")(r) else None, "0", lambda v: v == 0),
    ("S4 reconnects", path("main", "s4", "reconnects"), "", None),
    ("S4 CPU us/req", path("main", "s4", "cpu_us_per_req"), "<= 40", lambda v: v <= 40),
    ("S4 req/s (Connection: close)", path("close", "s4", "req_per_s"), "", None),
    ("S4 CPU us/req (Connection: close)", path("close", "s4", "cpu_us_per_req"), "", None),
    ("generator max CPU % (any scenario)", gen_max, "< 90", None),
]


def load_runs(out, server):
    runs = []
    for main_file in sorted(glob.glob(os.path.join(out, f"{server}-*.json"))):
        if main_file.endswith(".close.json"):
            continue
        run = {}
        try:
            with open(main_file) as f:
                run["main"] = json.loads(f.read().strip() or "{}")
        except json.JSONDecodeError:
            run["main"] = {}
        close_file = main_file[: -len(".json")] + ".close.json"
        if os.path.exists(close_file):
            try:
                with open(close_file) as f:
                    run["close"] = json.loads(f.read().strip() or "{}")
            except json.JSONDecodeError:
                pass
        runs.append(run)
    return runs


def fmt(v):
    if v is None:
        return "-"
    if float(v).is_integer() and abs(v) < 1000:
        return f"{v:.0f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    out, servers = sys.argv[1], sys.argv[2:]
    runs = {s: load_runs(out, s) for s in servers}
    summary = {"servers": servers, "runs": {s: len(runs[s]) for s in servers}, "metrics": []}
    head = f"{'metric':38}" + "".join(f"{s + ' (n=' + str(len(runs[s])) + ')':>18}" for s in servers)
    two = len(servers) >= 2
    if two:
        head += f"{'ratio ' + servers[0][:1] + '/' + servers[1][:1]:>12}"
    head += f"{'target':>10}" + ("  met" if "qsoketi" in servers else "")
    print(head)
    print("-" * len(head))
    conns = sorted({row.get("conns") for rs in runs.values() for r in rs
                    for row in (r.get("main", {}).get("s1") or []) if isinstance(row.get("conns"), int)})
    for label, get, target, check in s1_metrics(conns) + METRICS:
        row = {"metric": label, "target": target}
        medians = {}
        for s in servers:
            vals = [v for v in (get(r) for r in runs[s]) if isinstance(v, (int, float))]
            medians[s] = statistics.median(vals) if vals else None
            row[s] = {"median": medians[s], "values": vals}
        line = f"{label:38}" + "".join(f"{fmt(medians[s]):>18}" for s in servers)
        if two:
            a, b = medians[servers[0]], medians[servers[1]]
            ratio = a / b if a is not None and b not in (None, 0) else None
            row["ratio"] = ratio
            line += f"{(f'{ratio:.2f}' if ratio is not None else '-'):>12}"
        line += f"{target:>10}"
        if "qsoketi" in servers and check and medians.get("qsoketi") is not None:
            met = bool(check(medians["qsoketi"]))
            row["qsoketi_meets_target"] = met
            line += "  yes" if met else "  NO"
        print(line)
        summary["metrics"].append(row)
    loads = []
    for s in servers:
        for r in runs[s]:
            for k in ("loadavg_start", "loadavg_end"):
                if k in r.get("main", {}):
                    loads.append(r["main"][k])
    summary["loadavg_samples"] = loads
    print("load average samples (1/5/15 min):", "; ".join(loads))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
